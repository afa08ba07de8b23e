//! A fault for the tests, compiled into debug builds only (the ones `cargo test` runs):
//! `XCC_TEST_PANIC_AFTER_BYTES=N` makes the source's reader panic once it has handed out N
//! bytes, so that a test can see a parser thread die halfway through an ingest and check that
//! nothing is committed. A release build has no such variable.

use std::io::{self, Read};

/// The reader as it is, unless the variable is set.
pub fn with_test_fault(reader: Box<dyn Read + Send>) -> Box<dyn Read + Send> {
    match std::env::var("XCC_TEST_PANIC_AFTER_BYTES").map(|v| v.parse::<u64>()) {
        Ok(Ok(limit)) => Box::new(PanicAfter {
            inner: reader,
            left: limit,
        }),
        _ => reader,
    }
}

struct PanicAfter<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for PanicAfter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            panic!("XCC_TEST_PANIC_AFTER_BYTES: the test's fault in the source reader");
        }
        let max = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        Ok(n)
    }
}
