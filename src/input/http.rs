//! Downloads: one GET with a connect and read timeout, retries with backoff on connection
//! errors and 5xx answers, redirects within http and https, and a body that must be as long
//! as its Content-Length says. Given the validators of an earlier download of the URL, the
//! GET is conditional, and a 304 Not Modified means the body is that download's, unsent.
//!
//! Redirects are followed here rather than by ureq, so that each Location is checked before
//! it is requested: one to another scheme (`file:///etc/passwd`) is refused with a sentence
//! (ureq 2 would panic on a URL without a host), and so is one that is not a URL.

use std::error::Error as _;
use std::io::{self, Read};
use std::thread;
use std::time::Duration;

use anyhow::{anyhow, bail, Result};

use super::validators::Validators;
use crate::format::shorten;

/// Redirects a download follows before it gives up (a loop, most likely).
const MAX_REDIRECTS: u32 = 5;

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

/// Why a GET, redirects followed, gave no body to read.
enum Failure {
    /// What ureq said: a status of 400 or more, or a transport error (boxed: it is large).
    Http(Box<ureq::Error>),
    /// A redirect that is not followed (a loop, another scheme, not a URL): the sentence.
    Redirect(String),
}

/// GET `url`, following up to [`MAX_REDIRECTS`] redirects (301, 302, 303, 307 and 308 with a
/// Location, as ureq did) within http and https; any other answer is returned as it is.
/// With `known` validators every request is conditional, the redirected ones too: they are
/// the validators of the body that `url` led to last time, wherever it was served from.
fn get_following_redirects(
    agent: &ureq::Agent,
    url: &str,
    known: Option<&Validators>,
) -> Result<ureq::Response, Failure> {
    let mut current = url.to_string();
    let mut redirects = 0;
    loop {
        let response = conditional(agent.get(&current), known)
            .call()
            .map_err(|e| Failure::Http(Box::new(e)))?;
        if !matches!(response.status(), 301 | 302 | 303 | 307 | 308) {
            return Ok(response);
        }
        let Some(location) = response.header("Location") else {
            return Ok(response);
        };
        redirects += 1;
        if redirects >= MAX_REDIRECTS {
            return Err(Failure::Redirect(format!(
                "the server kept redirecting ({MAX_REDIRECTS} redirects, a loop?)"
            )));
        }
        // A relative Location is resolved against the URL that answered with it.
        let next = url::Url::parse(&current)
            .and_then(|base| base.join(location))
            .map_err(|e| {
                Failure::Redirect(format!(
                    "the server redirected to '{}', which is not a URL ({e})",
                    shorten(location, 200)
                ))
            })?;
        if !matches!(next.scheme(), "http" | "https") {
            return Err(Failure::Redirect(format!(
                "the server redirected to {}, and a download follows only http and https URLs",
                shorten(next.as_str(), 200)
            )));
        }
        current = next.into();
    }
}

/// `request` with the validators a server sent last time: both when both are known, as RFC
/// 9110 §13.1.3 advises (a server that has ETags weighs If-None-Match and ignores the date).
fn conditional(mut request: ureq::Request, known: Option<&Validators>) -> ureq::Request {
    let Some(known) = known else {
        return request;
    };
    if let Some(etag) = &known.etag {
        request = request.set("If-None-Match", etag);
    }
    if let Some(date) = &known.last_modified {
        request = request.set("If-Modified-Since", date);
    }
    request
}

/// What a GET of a URL gave.
pub enum Download {
    /// A body to read, its length when the server gives it, and its validators.
    Body {
        reader: Box<dyn Read + Send>,
        length: Option<u64>,
        validators: Validators,
    },
    /// 304 Not Modified: the body is still the one the validators sent came with.
    Unchanged,
}

/// GET `url`, conditional when the validators of an earlier download of it are `known`.
pub fn download(url: &str, policy: &HttpPolicy, known: Option<&Validators>) -> Result<Download> {
    let agent = ureq::AgentBuilder::new()
        // Followed by get_following_redirects, which checks each Location first.
        .redirects(0)
        .timeout_connect(policy.connect_timeout)
        .timeout_read(policy.read_timeout)
        .build();
    let known = known.filter(|v| !v.is_empty());
    let (outcome, attempts) = get_with_retries(&agent, url, policy, known);
    let response = outcome.map_err(|failure| failed(url, failure, attempts))?;
    if response.status() == 304 {
        if known.is_none() {
            // No body, and none named: nothing an ingest could stand on.
            bail!("download of {url} failed: the server answered 304 Not Modified to a request that asked for the whole body");
        }
        return Ok(Download::Unchanged);
    }
    let validators = Validators::new(response.header("ETag"), response.header("Last-Modified"));
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
    Ok(Download::Body {
        reader: Box::new(reader),
        length,
        validators,
    })
}

/// The outcome of the last attempt, retried with backoff on connection errors and 5xx
/// answers, and how many attempts were made.
fn get_with_retries(
    agent: &ureq::Agent,
    url: &str,
    policy: &HttpPolicy,
    known: Option<&Validators>,
) -> (Result<ureq::Response, Failure>, u32) {
    let mut attempt = 0;
    loop {
        let outcome = get_following_redirects(agent, url, known);
        let retryable = match &outcome {
            Ok(_) => false,
            Err(Failure::Http(e)) => match e.as_ref() {
                ureq::Error::Status(code, _) => *code >= 500,
                ureq::Error::Transport(t) => !matches!(
                    t.kind(),
                    ureq::ErrorKind::InvalidUrl
                        | ureq::ErrorKind::UnknownScheme
                        | ureq::ErrorKind::InsecureRequestHttpsOnly
                ),
            },
            // A redirect loop loops again when retried; a bad Location stays bad.
            Err(Failure::Redirect(_)) => false,
        };
        if !retryable || attempt >= policy.retries {
            return (outcome, attempt + 1);
        }
        thread::sleep(policy.first_backoff * 2u32.pow(attempt));
        attempt += 1;
    }
}

/// The sentence for a download that gave no body, with the number of attempts when it was
/// retried.
fn failed(url: &str, failure: Failure, attempts: u32) -> anyhow::Error {
    let tries = if attempts == 1 {
        String::new()
    } else {
        format!(" (after {attempts} attempts)")
    };
    match failure {
        Failure::Http(e) => match *e {
            ureq::Error::Status(code, r) => {
                anyhow!(
                    "download of {url} failed: HTTP {code} {}{tries}",
                    r.status_text()
                )
            }
            ureq::Error::Transport(t) => {
                anyhow!(
                    "download of {url} failed: {}{tries}",
                    describe_transport(&t)
                )
            }
        },
        Failure::Redirect(why) => anyhow!("download of {url} failed: {why}{tries}"),
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
        _ => "the request failed",
    };
    if detail.is_empty() {
        what.to_string()
    } else {
        format!("{what} ({detail})")
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
