//! Ctrl-C (SIGINT) as a request to stop, for the commands that run long (`ingest`, `serve`,
//! `demo`): the work checks it where stopping is clean (between batches of an ingest, before
//! its commit; in the server's main thread), so that an ingest rolls back and says so in one
//! line instead of dying with a hot journal beside the file. A second Ctrl-C ends the process
//! at once. Where signals are not Unix's, Ctrl-C ends the process as before.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// From now on, Ctrl-C sets the request instead of ending the process.
pub fn install() {
    #[cfg(unix)]
    // SAFETY: the handler only touches an atomic and calls _exit, both async-signal-safe.
    unsafe {
        libc::signal(
            libc::SIGINT,
            on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
    }
}

#[cfg(unix)]
extern "C" fn on_interrupt(_: libc::c_int) {
    if REQUESTED.swap(true, Ordering::SeqCst) {
        // The second Ctrl-C: the user wants out now. 130 = 128 + SIGINT, as a shell reports.
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(130) };
    }
}

/// Whether Ctrl-C was pressed.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}
