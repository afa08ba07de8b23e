//! Where events come from: an http(s) URL, a file, stdin, or a stream another part of the
//! program makes, opened as one byte stream (gzip read decompressed) with its bytes counted.

use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};

use super::gzip;
use super::http::Download;
pub use super::http::HttpPolicy;
use super::validators::Validators;

pub const DEFAULT_URL: &str = "https://storage.googleapis.com/xcc-de-assessment/events.json";

pub enum Source {
    Url(String),
    File(PathBuf),
    Stdin,
    /// Bytes made in-process (`xcc demo`'s generator), named by `label` in the ledger, the
    /// rejects table and messages.
    Stream {
        label: String,
        reader: Box<dyn Read + Send>,
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
            Source::Stream { label, .. } => label.clone(),
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
    /// What the server of a URL said identifies the body (none for any other source).
    pub validators: Validators,
}

/// Opens `source`; a URL is downloaded, conditionally when the validators of an earlier
/// download of it are `known`. `None`: the server answered that the body is unchanged since
/// that download (304 Not Modified), and sent none.
pub fn open(
    source: Source,
    policy: &HttpPolicy,
    known: Option<&Validators>,
) -> Result<Option<Opened>> {
    let label = source.label();
    let mut validators = Validators::default();
    let (reader, total_bytes): (Box<dyn Read + Send>, Option<u64>) = match source {
        Source::Stdin => (Box::new(io::stdin()), None),
        Source::File(path) => {
            let file =
                File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
            let size = file
                .metadata()
                .ok()
                .filter(|m| m.is_file())
                .map(|m| m.len());
            (Box::new(file), size)
        }
        Source::Url(url) => match super::http::download(&url, policy, known)? {
            Download::Unchanged => return Ok(None),
            Download::Body {
                reader,
                length,
                validators: sent,
            } => {
                validators = sent;
                (reader, length)
            }
        },
        Source::Stream { reader, .. } => (reader, None),
    };
    // Debug builds (the ones the tests run) only: a fault a test can ask for (see `fault`).
    #[cfg(debug_assertions)]
    let reader = super::fault::with_test_fault(reader);
    let bytes_read = Arc::new(AtomicU64::new(0));
    // The bytes of the source are counted (progress, the ledger), the decompressed ones parsed.
    let counted = Box::new(CountingReader {
        inner: reader,
        count: bytes_read.clone(),
    });
    let (reader, gzip) =
        gzip::transparent(counted).with_context(|| format!("cannot read {label}"))?;
    Ok(Some(Opened {
        reader,
        total_bytes,
        bytes_read,
        gzip,
        validators,
    }))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_kinds() {
        assert!(matches!(Source::from_arg("HTTPS://x/y"), Source::Url(u) if u == "HTTPS://x/y"));
        assert!(matches!(Source::from_arg("-"), Source::Stdin));
        assert!(
            matches!(Source::from_arg("events.json"), Source::File(p) if p == std::path::Path::new("events.json"))
        );
    }
}
