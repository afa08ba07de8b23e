//! Where events come from: an http(s) URL, a file, or stdin, opened as one byte stream.

use std::error::Error as _;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use anyhow::{bail, Context, Result};

use super::gzip;
use crate::generate::GenerateOptions;

/// Redirects a download follows before it gives up (a loop, most likely).
const MAX_REDIRECTS: u32 = 5;

pub const DEFAULT_URL: &str = "https://storage.googleapis.com/xcc-de-assessment/events.json";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Url(String),
    File(PathBuf),
    Stdin,
    /// Synthetic events made in-process by `xcc generate`'s generator (for `xcc demo`).
    Generated {
        events: u64,
        seed: u64,
    },
}

impl Source {
    pub fn from_arg(arg: &str) -> Source {
        let lower = arg.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            Source::Url(arg.to_string())
        } else if arg == "-" {
            Source::Stdin
        } else {
            Source::File(PathBuf::from(arg))
        }
    }

    /// How the source is named in the ledger, the rejects table and messages.
    pub fn label(&self) -> String {
        match self {
            Source::Url(url) => url.clone(),
            Source::File(path) => path.display().to_string(),
            Source::Stdin => "stdin".to_string(),
            Source::Generated { events, seed } => {
                format!("generated:events={events},seed={seed}")
            }
        }
    }
}

/// How patient a download is.
#[derive(Debug, Clone, Copy)]
pub struct HttpPolicy {
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    /// Attempts after the first, for connection errors and 5xx answers.
    pub retries: u32,
    pub first_backoff: Duration,
}

impl Default for HttpPolicy {
    fn default() -> Self {
        HttpPolicy {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
            retries: 3,
            first_backoff: Duration::from_millis(500),
        }
    }
}

/// An opened source: its bytes, their total if known, and a counter of bytes read so far
/// that progress reporting can watch from another thread.
pub struct Opened {
    pub reader: Box<dyn Read + Send>,
    pub total_bytes: Option<u64>,
    pub bytes_read: Arc<AtomicU64>,
    /// Whether the bytes are gzip, read decompressed.
    pub gzip: bool,
}

pub fn open(source: &Source, policy: &HttpPolicy) -> Result<Opened> {
    let (reader, total_bytes): (Box<dyn Read + Send>, Option<u64>) = match source {
        Source::Stdin => (Box::new(io::stdin()), None),
        Source::File(path) => {
            let file =
                File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
            let size = file
                .metadata()
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len());
            (Box::new(file), size)
        }
        Source::Url(url) => download(url, policy)?,
        Source::Generated { events, seed } => (generated(*events, *seed)?, None),
    };
    let bytes_read = Arc::new(AtomicU64::new(0));
    // The bytes of the source are counted (progress, the ledger), the decompressed ones parsed.
    let counted = Box::new(CountingReader {
        inner: with_test_fault(reader),
        count: bytes_read.clone(),
    });
    let (reader, gzip) =
        gzip::transparent(counted).with_context(|| format!("cannot read {}", source.label()))?;
    Ok(Opened {
        reader,
        total_bytes,
        bytes_read,
        gzip,
    })
}

fn download(url: &str, policy: &HttpPolicy) -> Result<(Box<dyn Read + Send>, Option<u64>)> {
    let agent = ureq::AgentBuilder::new()
        .redirects(MAX_REDIRECTS)
        .timeout_connect(policy.connect_timeout)
        .timeout_read(policy.read_timeout)
        .build();
    let mut attempt = 0;
    let response = loop {
        let outcome = agent.get(url).call();
        let retryable = match &outcome {
            Ok(_) => false,
            Err(ureq::Error::Status(code, _)) => *code >= 500,
            Err(ureq::Error::Transport(t)) => !matches!(
                t.kind(),
                ureq::ErrorKind::InvalidUrl
                    | ureq::ErrorKind::UnknownScheme
                    | ureq::ErrorKind::InsecureRequestHttpsOnly
                    // A redirect loop loops again when retried.
                    | ureq::ErrorKind::TooManyRedirects
            ),
        };
        if !retryable || attempt >= policy.retries {
            break outcome;
        }
        thread::sleep(policy.first_backoff * 2u32.pow(attempt));
        attempt += 1;
    };
    let tries = if attempt == 0 {
        String::new()
    } else {
        format!(" (after {} attempts)", attempt + 1)
    };
    let response = match response {
        Ok(r) => r,
        Err(ureq::Error::Status(code, r)) => {
            bail!(
                "download of {url} failed: HTTP {code} {}{tries}",
                r.status_text()
            )
        }
        Err(ureq::Error::Transport(t)) => {
            bail!(
                "download of {url} failed: {}{tries}",
                describe_transport(&t)
            )
        }
    };
    // With a content encoding the header counts compressed bytes, which we never see.
    let length = if response.header("Content-Encoding").is_some() {
        None
    } else {
        response
            .header("Content-Length")
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    let reader = LengthCheckedReader {
        inner: response.into_reader(),
        expected: length,
        seen: 0,
    };
    Ok((Box::new(reader), length))
}

/// The generator runs on its own thread and writes into a pipe that ingest reads like any
/// other stream; when the reader stops early the writer's broken pipe ends the thread.
fn generated(events: u64, seed: u64) -> Result<Box<dyn Read + Send>> {
    let options = GenerateOptions {
        events,
        seed,
        customers: None,
        realistic: false,
    };
    let reader = ThreadReader::spawn("xcc-generate", move |out| {
        crate::generate::write_events(out, &options)
    })
    .context("cannot start the generator thread")?;
    Ok(Box::new(reader))
}

/// The read end of a pipe that a thread of ours writes into. The end of the pipe is the end
/// of the input only if the thread finished its work: one that failed or panicked made the
/// pipe end early, which is an error, never a shorter input.
struct ThreadReader {
    pipe: io::PipeReader,
    thread: Option<JoinHandle<io::Result<()>>>,
    name: &'static str,
}

impl ThreadReader {
    fn spawn(
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

/// For the tests only: `XCC_TEST_PANIC_AFTER_BYTES=N` makes the source's reader panic once it
/// has handed out N bytes, so that a test can see a parser thread die halfway through an
/// ingest and check that nothing is committed. Unset, the reader is returned as it is.
fn with_test_fault(reader: Box<dyn Read + Send>) -> Box<dyn Read + Send> {
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

fn describe_transport(t: &ureq::Transport) -> String {
    use ureq::ErrorKind::*;
    let detail = t
        .source()
        .map(|s| s.to_string())
        .or_else(|| t.message().map(str::to_string))
        .unwrap_or_default();
    let what = match t.kind() {
        Dns => "the host name could not be resolved",
        ConnectionFailed => {
            if detail.contains("refused") {
                "the connection was refused"
            } else if detail.to_lowercase().contains("timed out") {
                "the connection timed out"
            } else {
                "the connection failed"
            }
        }
        Io if detail.to_lowercase().contains("timed out") => "the server stopped answering",
        InvalidUrl | UnknownScheme => "the URL is not valid",
        TooManyRedirects => {
            return format!("the server kept redirecting ({MAX_REDIRECTS} redirects, a loop?)");
        }
        _ => "the request failed",
    };
    if detail.is_empty() {
        what.to_string()
    } else {
        format!("{what} ({detail})")
    }
}

struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A body shorter than its Content-Length is a broken download, never a smaller input.
struct LengthCheckedReader<R> {
    inner: R,
    expected: Option<u64>,
    seen: u64,
}

impl<R: Read> Read for LengthCheckedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf).map_err(|e| {
            let message =
                if e.kind() == io::ErrorKind::TimedOut || e.kind() == io::ErrorKind::WouldBlock {
                    format!("the server stopped sending after {} bytes", self.seen)
                } else if let Some(expected) = self.expected {
                    format!(
                        "the download broke after {} of {expected} bytes: {e}",
                        self.seen
                    )
                } else {
                    format!("the download broke after {} bytes: {e}", self.seen)
                };
            io::Error::new(e.kind(), message)
        })?;
        self.seen += n as u64;
        if n == 0 && !buf.is_empty() {
            if let Some(expected) = self.expected {
                if self.seen < expected {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("the download ended after {} of {expected} bytes", self.seen),
                    ));
                }
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_kinds() {
        assert_eq!(
            Source::from_arg("HTTPS://x/y"),
            Source::Url("HTTPS://x/y".into())
        );
        assert_eq!(Source::from_arg("-"), Source::Stdin);
        assert_eq!(
            Source::from_arg("events.json"),
            Source::File("events.json".into())
        );
    }

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

    #[test]
    fn short_body_is_an_error() {
        let mut r = LengthCheckedReader {
            inner: &b"abc"[..],
            expected: Some(5),
            seen: 0,
        };
        let mut out = Vec::new();
        let err = r.read_to_end(&mut out).unwrap_err();
        assert_eq!(err.to_string(), "the download ended after 3 of 5 bytes");
    }
}
