//! `xcc demo` is polite: a busy port is said before anything is generated, a re-run serves
//! the file it made instead of making it again, and Ctrl-C stops it with one line and leaves
//! no journal, `-wal` or `-shm` beside the file (and no file at all when it stopped the load).

use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::util::{files_in, raw_request, xcc, Demo, Workspace};

#[test]
fn a_busy_port_is_said_before_anything_is_generated() {
    let w = Workspace::new();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let db = w.path("demo.db");
    let started = Instant::now();
    let out = xcc()
        .args(["demo", "--events", "2000000", "--addr", &addr, "--db"])
        .arg(&db)
        .output()
        .unwrap();
    // Two million events take many seconds to make: it stopped before.
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("xcc: cannot listen on {addr}: the address is already in use (is another xcc serve running? choose another port with --addr)\n")
    );
    assert!(!db.exists());
}

#[test]
fn a_rerun_serves_the_file_it_made_and_ctrl_c_stops_it_in_one_line() {
    let w = Workspace::new();
    let db = w.path("demo.db");
    let mut demo = Demo::start(&db, "5000", &[]);
    demo.wait_for("Ready. Where to look:");
    assert!(demo.seen.contains("5,000 stored"), "{}", demo.seen);
    let (code, rest) = demo.interrupt();
    assert_eq!(code, 0);
    assert_eq!(
        rest.trim_end().lines().last(),
        Some(format!("xcc: stopped (Ctrl-C); {} is as it was", db.display()).as_str()),
        "{rest}"
    );
    assert_eq!(files_in(w.dir.path()), ["demo.db"]);
    let made = std::fs::read(&db).unwrap();

    // The same events again: served as they are, nothing generated or loaded.
    let mut demo = Demo::start(&db, "5000", &[]);
    let line = demo.wait_for("already holds");
    assert_eq!(
        line.trim_end(),
        format!(
            "xcc demo: {} already holds the 5,000 synthetic events of seed 1; serving it as it is",
            db.display()
        )
    );
    let base = demo.base();
    let (status, _, _) = raw_request(&base, "GET", "/metrics/orders");
    assert_eq!(status, 200);
    assert!(!demo.seen.contains("generating"), "{}", demo.seen);
    let (code, _) = demo.interrupt();
    assert_eq!(code, 0);
    assert_eq!(
        std::fs::read(&db).unwrap(),
        made,
        "the file is byte for byte unchanged"
    );
    assert_eq!(files_in(w.dir.path()), ["demo.db"]);

    // Another number of events is other data: generated and loaded.
    let mut demo = Demo::start(&db, "6000", &[]);
    demo.wait_for("Ready. Where to look:");
    assert!(
        demo.seen.contains("generating 6,000 synthetic events"),
        "{}",
        demo.seen
    );
    demo.interrupt();
}

#[test]
fn ctrl_c_while_the_demo_loads_leaves_no_file() {
    let w = Workspace::new();
    let db = w.path("demo.db");
    // Enough events that the load is still running a second after it starts.
    let mut demo = Demo::start(&db, "5000000", &[]);
    demo.wait_for("generating 5,000,000 synthetic events");
    // The load is under way once its transaction has a rollback journal (the first load into
    // an empty file uses one): from then on there is a file to take back.
    let journal = w.path("demo.db-journal");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !journal.exists() {
        assert!(
            demo.child.try_wait().unwrap().is_none(),
            "the demo ended: {}",
            demo.seen
        );
        assert!(
            Instant::now() < deadline,
            "no journal beside demo.db in 60 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let (code, rest) = demo.interrupt();
    assert_eq!(code, 1, "{rest}");
    assert_eq!(
        rest.trim_end(),
        "xcc: stopped (Ctrl-C) before the end of the input; nothing was written"
    );
    assert_eq!(files_in(w.dir.path()), Vec::<String>::new());
}
