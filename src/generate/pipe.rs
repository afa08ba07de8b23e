//! A thread of ours writing into a pipe that a reader reads like any other stream: how
//! `xcc demo` hands its generated events to the ingest.

use std::io::{self, Read, Write};
use std::thread::{self, JoinHandle};

/// The read end of a pipe that a thread of ours writes into. The end of the pipe is the end
/// of the input only if the thread finished its work: one that failed or panicked made the
/// pipe end early, which is an error, never a shorter input.
pub struct ThreadReader {
    pipe: io::PipeReader,
    thread: Option<JoinHandle<io::Result<()>>>,
    name: &'static str,
}

impl ThreadReader {
    pub fn spawn(
        name: &'static str,
        work: impl FnOnce(&mut io::BufWriter<io::PipeWriter>) -> io::Result<()> + Send + 'static,
    ) -> io::Result<ThreadReader> {
        let (pipe, writer) = io::pipe()?;
        let thread = thread::Builder::new().name(name.into()).spawn(move || {
            let mut out = io::BufWriter::with_capacity(1 << 16, writer);
            work(&mut out)?;
            out.flush()
        })?;
        Ok(ThreadReader {
            pipe,
            thread: Some(thread),
            name,
        })
    }

    /// At the end of the pipe: how the thread ended.
    fn join(&mut self) -> io::Result<()> {
        let Some(thread) = self.thread.take() else {
            return Ok(());
        };
        let failed = |why: String| io::Error::other(format!("the {} thread {why}", self.name));
        match thread.join() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(failed(format!("failed: {e}"))),
            Err(_) => Err(failed("panicked".to_string())),
        }
    }
}

impl Read for ThreadReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.pipe.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.join()?;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_that_panics_ends_its_pipe_with_an_error() {
        let mut reader = ThreadReader::spawn("test-writer", |out| {
            out.write_all(b"{\"id\": 1}\n")?;
            out.flush()?;
            panic!("halfway");
        })
        .unwrap();
        let mut out = Vec::new();
        let err = reader.read_to_end(&mut out).unwrap_err();
        assert_eq!(err.to_string(), "the test-writer thread panicked");
        assert_eq!(out, b"{\"id\": 1}\n");
    }

    #[test]
    fn a_thread_that_finishes_ends_its_pipe_cleanly() {
        let mut reader = ThreadReader::spawn("test-writer", |out| out.write_all(b"abc")).unwrap();
        let mut out = String::new();
        reader.read_to_string(&mut out).unwrap();
        assert_eq!(out, "abc");
    }
}
