//! Ctrl-C during an ingest: where the reading and the writing check it, and what it says.
//! Its own module so that both sides of the ingest (`parse` and `load`) use it without
//! importing each other.

use anyhow::{bail, Result};

/// What an ingest stopped by Ctrl-C says.
pub const STOPPED: &str = "stopped (Ctrl-C) before the end of the input; nothing was written";

/// Stops the ingest (its transaction rolls back) on Ctrl-C.
pub fn stop_if_interrupted() -> Result<()> {
    if crate::interrupt::requested() {
        bail!("{STOPPED}");
    }
    Ok(())
}
