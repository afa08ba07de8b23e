use std::io::Result as IoResult;
use std::io::{Error as IoError, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::connection::Connection;
#[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
use crate::ssl::SslStream;

pub(crate) enum Stream {
    Http(Connection),
    #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
    Https(SslStream),
}

impl Stream {
    /// Patched: a second handle that can fail (EMFILE: out of file descriptors) instead of
    /// `Clone` with `try_clone().unwrap()`, which panicked the accept thread.
    fn try_clone(&self) -> IoResult<Self> {
        Ok(match self {
            Stream::Http(tcp_stream) => Stream::Http(tcp_stream.try_clone()?),
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(ssl_stream) => Stream::Https(ssl_stream.clone()),
        })
    }
}

impl From<Connection> for Stream {
    fn from(tcp_stream: Connection) -> Self {
        Stream::Http(tcp_stream)
    }
}

impl Stream {
    fn secure(&self) -> bool {
        match self {
            Stream::Http(_) => false,
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(_) => true,
        }
    }

    fn peer_addr(&mut self) -> IoResult<Option<SocketAddr>> {
        match self {
            Stream::Http(tcp_stream) => tcp_stream.peer_addr(),
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(ssl_stream) => ssl_stream.peer_addr(),
        }
    }

    fn shutdown(&mut self, how: Shutdown) -> IoResult<()> {
        match self {
            Stream::Http(tcp_stream) => tcp_stream.shutdown(how),
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(ssl_stream) => ssl_stream.shutdown(how),
        }
    }

    /// Patched: the socket's timeout for a read (`reading`) or a write.
    fn set_timeout(&self, reading: bool, timeout: Duration) -> IoResult<()> {
        match self {
            Stream::Http(connection) => connection.set_timeout(reading, Some(timeout)),
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(_) => Ok(()),
        }
    }
}

/// Patched in: the instant by which a connection's reads (or writes) must be done, set by its
/// `ClientConnection` (the request head's deadline, the end of a kept-alive connection's idle
/// time, a response's write deadline) and obeyed by the half of its stream that reads (or
/// writes). Once set, it is replaced, never removed.
#[derive(Clone, Default)]
pub(crate) struct Deadline(Arc<Mutex<Option<Instant>>>);

impl Deadline {
    pub(crate) fn set(&self, at: Option<Instant>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }

    fn get(&self) -> Option<Instant> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> IoResult<usize> {
        match self {
            Stream::Http(tcp_stream) => tcp_stream.read(buf),
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(ssl_stream) => ssl_stream.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> IoResult<usize> {
        match self {
            Stream::Http(tcp_stream) => tcp_stream.write(buf),
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(ssl_stream) => ssl_stream.write(buf),
        }
    }

    fn flush(&mut self) -> IoResult<()> {
        match self {
            Stream::Http(tcp_stream) => tcp_stream.flush(),
            #[cfg(any(feature = "ssl-openssl", feature = "ssl-rustls"))]
            Stream::Https(ssl_stream) => ssl_stream.flush(),
        }
    }
}

pub struct RefinedTcpStream {
    stream: Stream,
    close_read: bool,
    close_write: bool,
    /// Patched: the reading half's deadline for reads, the writing half's for writes.
    deadline: Deadline,
}

impl RefinedTcpStream {
    pub(crate) fn new<S>(stream: S) -> IoResult<(RefinedTcpStream, RefinedTcpStream)>
    where
        S: Into<Stream>,
    {
        let stream: Stream = stream.into();

        let (read, write) = (stream.try_clone()?, stream);

        let read = RefinedTcpStream {
            stream: read,
            close_read: true,
            close_write: false,
            deadline: Deadline::default(),
        };

        let write = RefinedTcpStream {
            stream: write,
            close_read: false,
            close_write: true,
            deadline: Deadline::default(),
        };

        Ok((read, write))
    }

    /// Returns true if this struct wraps around a secure connection.
    #[inline]
    pub(crate) fn secure(&self) -> bool {
        self.stream.secure()
    }

    pub(crate) fn peer_addr(&mut self) -> IoResult<Option<SocketAddr>> {
        self.stream.peer_addr()
    }

    /// Patched: the deadline this half obeys (reads for the reading half, writes for the other).
    pub(crate) fn deadline(&self) -> Deadline {
        self.deadline.clone()
    }

    /// Patched: sets the socket's timeout for the next read or write to what is left before
    /// the deadline, so that a client that sends or reads a byte at a time cannot stretch it.
    fn before_io(&self, reading: bool) -> IoResult<()> {
        if let Some(at) = self.deadline.get() {
            let left = at.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(IoError::new(ErrorKind::TimedOut, "the deadline has passed"));
            }
            self.stream.set_timeout(reading, left)?;
        }
        Ok(())
    }

    /// Patched: closes the connection after its last response. Closing a socket with unread
    /// input makes the kernel reset the connection, and a reset can destroy the response
    /// before the client reads it (or fail the client's write of the rest of its request). So:
    /// end the response (FIN), then read and drop what the client still sends, for at most
    /// `limit` bytes and `patience` in all.
    pub(crate) fn linger_close(&mut self, limit: usize, patience: Duration) {
        if !matches!(self.stream, Stream::Http(_)) {
            return;
        }
        self.stream.shutdown(Shutdown::Write).ok();
        let until = Instant::now() + patience;
        let mut buf = [0u8; 4096];
        let mut left = limit;
        while left > 0 {
            let wait = until.saturating_duration_since(Instant::now());
            if wait.is_zero() || self.stream.set_timeout(true, wait).is_err() {
                break;
            }
            match self.stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
    }
}

impl Drop for RefinedTcpStream {
    fn drop(&mut self) {
        if self.close_read {
            self.stream.shutdown(Shutdown::Read).ok();
        }

        if self.close_write {
            self.stream.shutdown(Shutdown::Write).ok();
        }
    }
}

impl Read for RefinedTcpStream {
    fn read(&mut self, buf: &mut [u8]) -> IoResult<usize> {
        self.before_io(true)?;
        self.stream.read(buf).map_err(timed_out)
    }
}

impl Write for RefinedTcpStream {
    fn write(&mut self, buf: &[u8]) -> IoResult<usize> {
        self.before_io(false)?;
        self.stream.write(buf).map_err(timed_out)
    }

    fn flush(&mut self) -> IoResult<()> {
        self.stream.flush()
    }
}

/// Patched in: a socket's timeout is `WouldBlock` (EAGAIN) on Unix, `TimedOut` on Windows.
fn timed_out(e: IoError) -> IoError {
    match e.kind() {
        ErrorKind::WouldBlock => IoError::new(ErrorKind::TimedOut, e),
        _ => e,
    }
}
