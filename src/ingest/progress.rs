//! Progress of long work on stderr: a line redrawn in place on a terminal, an occasional
//! plain line when stderr is a file or pipe (CI logs), nothing with `--quiet`.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crate::format::{human_bytes, thousands};

pub struct Progress {
    mode: Mode,
    started: Instant,
    last: Instant,
    total_bytes: Option<u64>,
    drawn: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Off,
    Terminal,
    Log,
}

impl Progress {
    pub fn new(quiet: bool, total_bytes: Option<u64>) -> Self {
        let mode = if quiet {
            Mode::Off
        } else if std::io::stderr().is_terminal() {
            Mode::Terminal
        } else {
            Mode::Log
        };
        let now = Instant::now();
        Progress {
            mode,
            started: now,
            last: now,
            total_bytes,
            drawn: false,
        }
    }

    /// Cheap to call per batch: it only draws when enough time has passed.
    pub fn update(&mut self, bytes: u64, lines: u64) {
        let every = match self.mode {
            Mode::Off => return,
            Mode::Terminal => Duration::from_millis(200),
            Mode::Log => Duration::from_secs(10),
        };
        let now = Instant::now();
        if now.duration_since(self.last) < every {
            return;
        }
        self.last = now;
        let line = describe(
            bytes,
            lines,
            now.duration_since(self.started),
            self.total_bytes,
        );
        let mut err = std::io::stderr().lock();
        let _ = if self.mode == Mode::Terminal {
            self.drawn = true;
            write!(err, "\r\x1b[2K{line}")
        } else {
            writeln!(err, "{line}")
        };
    }

    /// A message for the phase after reading (sessionizing, committing).
    pub fn phase(&mut self, what: &str) {
        match self.mode {
            Mode::Off => {}
            Mode::Terminal => {
                self.drawn = true;
                eprint!("\r\x1b[2K{what}");
            }
            // In a log, phases of short work would only be noise.
            Mode::Log if self.started.elapsed() > Duration::from_secs(10) => eprintln!("{what}"),
            Mode::Log => {}
        }
    }

    pub fn clear(&mut self) {
        if self.drawn {
            eprint!("\r\x1b[2K");
            self.drawn = false;
        }
    }
}

/// The progress line, e.g. `read 12.3 MB (45%), 41,000 lines, 210,000 lines/s`.
pub fn describe(bytes: u64, lines: u64, elapsed: Duration, total: Option<u64>) -> String {
    let secs = elapsed.as_secs_f64().max(1e-9);
    let percent = match total {
        Some(t) if t > 0 => format!(" ({:.0}%)", bytes as f64 * 100.0 / t as f64),
        _ => String::new(),
    };
    format!(
        "read {}{percent}, {} lines, {} lines/s",
        human_bytes(bytes),
        thousands(lines),
        thousands((lines as f64 / secs) as u64)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_line() {
        assert_eq!(
            describe(
                45_000_000,
                120_000,
                Duration::from_secs(2),
                Some(100_000_000)
            ),
            "read 45.0 MB (45%), 120,000 lines, 60,000 lines/s"
        );
    }
}
