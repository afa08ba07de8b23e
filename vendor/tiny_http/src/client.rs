use ascii::AsciiString;

use std::io::Error as IoError;
use std::io::Result as IoResult;
use std::io::{BufReader, BufWriter, ErrorKind, Read, Write};

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::time::{Duration, Instant};

use crate::common::{HTTPVersion, Header, Method};
use crate::util::refined_tcp_stream::Deadline;
use crate::util::RefinedTcpStream;
use crate::util::{SequentialReader, SequentialReaderBuilder, SequentialWriterBuilder};
use crate::{ConnectionLimits, Request};

/// A ClientConnection is an object that will store a socket to a client
/// and return Request objects.
pub struct ClientConnection {
    // address of the client
    remote_addr: IoResult<Option<SocketAddr>>,

    // sequence of Readers to the stream, so that the data is not read in
    //  the wrong order
    source: SequentialReaderBuilder<BufReader<RefinedTcpStream>>,

    // sequence of Writers to the stream, to avoid writing response #2 before
    //  response #1
    sink: SequentialWriterBuilder<BufWriter<RefinedTcpStream>>,

    // Reader to read the next header from
    next_header_source: SequentialReader<BufReader<RefinedTcpStream>>,

    // set to true if we know that the previous request is the last one
    no_more_requests: bool,

    // true if the connection goes through SSL
    secure: bool,

    // Patched in: the limits in time, and the deadlines of the reading and the writing half
    limits: ConnectionLimits,
    read_deadline: Deadline,
    write_deadline: Deadline,

    // Patched in: how many requests were handed out, and whether no byte of the next one has
    // been read yet
    requests: usize,
    waiting: bool,

    // Patched in: the response of the request handed out last, on its way from its handler
    response: Option<Receiver<Vec<u8>>>,
}

/// The longest request head (request line and headers) read, patched in: 16 KiB, as Node.js's
/// default. Each connection being read holds what it has sent of its head, and its thread
/// the buffers it grew to hold it.
const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// Patched in: at most this many header fields, as Apache's `LimitRequestFields`: each field
/// costs far more memory than its bytes (12,000 `a:b` lines, 60 KB, took 1.7 MB).
const MAX_HEADER_FIELDS: usize = 100;

/// Patched in: what a closing connection still reads and drops from its client, at most
/// (see `RefinedTcpStream::linger_close`).
const LINGER_BYTES: usize = 4 << 20;
const LINGER_TIME: Duration = Duration::from_secs(2);

/// Patched in: a response goes to its connection's thread in pieces of this size.
const HANDOFF_PIECE: usize = 64 * 1024;

/// Error that can happen when reading a request.
///
/// Patched: every request that cannot be served is answered with one status, `Refused`, and
/// the connection closed: 400 (a malformed request line or header, a non-ASCII byte, a body
/// framed other than RFC 9112 §6.3 allows), 408 (a head begun but not complete in time), 414
/// and 431 (a head over `MAX_REQUEST_HEAD`), 417, 501 (a transfer coding not understood),
/// 505 (an HTTP version other than 1.0 and 1.1).
#[derive(Debug)]
enum ReadError {
    Refused(u16),
    /// the client went away, or sent no byte of a request in time: closed without an answer
    ReadIoError(IoError),
}

impl ClientConnection {
    /// Creates a new `ClientConnection` that takes ownership of the `TcpStream`.
    pub fn new(
        write_socket: RefinedTcpStream,
        mut read_socket: RefinedTcpStream,
        limits: ConnectionLimits,
    ) -> ClientConnection {
        let remote_addr = read_socket.peer_addr();
        let secure = read_socket.secure();
        let (read_deadline, write_deadline) = (read_socket.deadline(), write_socket.deadline());
        // Patched: the first request's head is due from the connection's start.
        read_deadline.set(after(limits.head_timeout));

        let mut source = SequentialReaderBuilder::new(BufReader::with_capacity(1024, read_socket));
        let first_header = source.next().unwrap();

        ClientConnection {
            source,
            sink: SequentialWriterBuilder::new(BufWriter::with_capacity(1024, write_socket)),
            remote_addr,
            next_header_source: first_header,
            no_more_requests: false,
            secure,
            limits,
            read_deadline,
            write_deadline,
            requests: 0,
            waiting: true,
            response: None,
        }
    }

    /// true if the connection is HTTPS
    pub fn secure(&self) -> bool {
        self.secure
    }

    /// Reads the next line from self.next_header_source.
    ///
    /// Reads until `CRLF` is reached. The next read will start
    ///  at the first byte of the new line.
    ///
    /// Patched: at most `*budget` bytes, shared by the whole request head, so that a client
    /// cannot make the server buffer a header without limit.
    fn read_next_line(&mut self, budget: &mut usize) -> Result<AsciiString, ReadError> {
        let mut buf = Vec::new();
        let mut prev_byte_was_cr = false;

        loop {
            let byte = self.next_header_source.by_ref().bytes().next();

            let byte = match byte {
                Some(Err(e)) if e.kind() == ErrorKind::TimedOut && !self.waiting => {
                    return Err(ReadError::Refused(408))
                }
                Some(b) => b.map_err(ReadError::ReadIoError)?,
                None => {
                    return Err(ReadError::ReadIoError(IoError::new(
                        ErrorKind::ConnectionAborted,
                        "Unexpected EOF",
                    )))
                }
            };
            if self.waiting {
                // Patched: a later request's head is due from its first byte.
                self.waiting = false;
                if self.requests > 0 {
                    self.read_deadline.set(after(self.limits.head_timeout));
                }
            }
            if *budget == 0 {
                return Err(ReadError::Refused(431));
            }
            if buf.capacity() == 0 {
                // Patched: room for the whole budget at its first byte, where growing by
                // doubling left a block of every size on the way in the thread's heap (a line
                // of 16 KiB cost 115 KB); shrunk to its length when complete.
                buf.reserve_exact(*budget);
            }
            *budget -= 1;

            if byte == b'\n' && prev_byte_was_cr {
                buf.pop(); // removing the '\r'
                buf.shrink_to_fit();
                return AsciiString::from_ascii(buf).map_err(|_| ReadError::Refused(400));
            }

            prev_byte_was_cr = byte == b'\r';

            buf.push(byte);
        }
    }

    /// Reads a request from the stream.
    /// Blocks until the header has been read.
    fn read(&mut self) -> Result<Request, ReadError> {
        let mut budget = MAX_REQUEST_HEAD;
        // Patched: a kept-alive connection waits for its next request for the idle timeout.
        self.waiting = true;
        if self.requests > 0 {
            self.read_deadline.set(after(self.limits.idle_timeout));
        }
        let (method, path, version, headers) = {
            // reading the request line
            let (method, path, version) = {
                let line = self.read_next_line(&mut budget).map_err(|e| match e {
                    ReadError::Refused(431) => ReadError::Refused(414),
                    e => e,
                })?;

                parse_request_line(
                    line.as_str().trim(), // TODO: remove this conversion
                )?
            };

            // getting all headers
            let headers = {
                let mut headers = Vec::new();
                loop {
                    let line = self.read_next_line(&mut budget)?;

                    if line.is_empty() {
                        break;
                    };
                    if headers.len() == MAX_HEADER_FIELDS {
                        return Err(ReadError::Refused(431));
                    }
                    // Patched: a line folded onto the one before (obs-fold) is refused, as
                    // RFC 9112 §5.2 allows: trimmed, it would be read as a header of its own.
                    if line.as_str().starts_with([' ', '\t']) {
                        return Err(ReadError::Refused(400));
                    }
                    headers.push(match Header::from_str(line.as_str().trim()) {
                        // TODO: remove this conversion
                        Ok(h) if !h.field.as_str().is_empty() => h,
                        _ => return Err(ReadError::Refused(400)),
                    });
                }

                headers
            };

            (method, path, version, headers)
        };

        // Patched: a request with a body is the last on its connection (see `framing`).
        if framing(&version, &headers)? {
            self.no_more_requests = true;
        }

        // Patched: the response goes to this connection's thread (see `Handoff`).
        let (pieces, response) = sync_channel(1);
        let writer = Handoff {
            buf: Vec::new(),
            to: pieces,
        };

        // follow-up for next potential request
        let mut data_source = self.source.next().unwrap();
        std::mem::swap(&mut self.next_header_source, &mut data_source);

        // building the next reader
        let request = crate::request::new_request(
            self.secure,
            method,
            path,
            version.clone(),
            headers,
            *self.remote_addr.as_ref().unwrap(),
            data_source,
            writer,
        )
        .map_err(|e| {
            use crate::request;
            match e {
                // a body of up to 1 KiB is read with the head, before its deadline
                request::RequestCreationError::CreationIoError(e)
                    if e.kind() == ErrorKind::TimedOut =>
                {
                    ReadError::Refused(408)
                }
                request::RequestCreationError::CreationIoError(e) => ReadError::ReadIoError(e),
                request::RequestCreationError::ExpectationFailed => ReadError::Refused(417),
            }
        })?;

        self.requests += 1;
        self.response = Some(response);
        // return the request
        Ok(request)
    }

    /// Patched in: writes the response of the request handed out last, as its handler hands
    /// it over, under the write deadline; false when the client did not take it in time (or
    /// went away). Until then no next request is read: one request at a time per connection,
    /// so that a client sending many at once holds no more than one of the server's handlers.
    fn deliver(&mut self) -> bool {
        let Some(response) = self.response.take() else {
            return true;
        };
        let mut writer = self.sink.next().unwrap();
        for piece in response.iter() {
            self.write_deadline.set(after(self.limits.write_timeout));
            if writer
                .write_all(&piece)
                .and_then(|()| writer.flush())
                .is_err()
            {
                return false;
            }
        }
        true
    }

    /// Patched in: answers `status` with `Connection: close`, then closes the connection.
    fn refuse(&mut self, status: u16) {
        use crate::{Response, StatusCode};
        let response = Response::new_empty(StatusCode(status)).with_connection_close();
        let mut writer = self.sink.next().unwrap();
        self.write_deadline.set(after(self.limits.write_timeout));
        response
            .raw_print(&mut writer, HTTPVersion(1, 1), &[], false, None)
            .ok();
        writer.flush().ok();
        drop(writer);
        self.close();
    }

    /// Patched in: ends the connection after its last response without resetting it under
    /// the client: the rest of a head or body never read is drained (see `linger_close`).
    fn close(&mut self) {
        self.sink.with_writer(|w| {
            w.flush().ok();
            w.get_mut().linger_close(LINGER_BYTES, LINGER_TIME)
        });
    }
}

/// Patched in: `limit` from now, if there is one.
fn after(limit: Option<Duration>) -> Option<Instant> {
    limit.and_then(|limit| Instant::now().checked_add(limit))
}

/// Patched in: checks how the request's body is framed, as RFC 9112 §6.3 requires, so that
/// this server and any proxy in front of it agree on where the request ends (no request
/// smuggling): one `Content-Length` of digits only, or `Transfer-Encoding` ending in `chunked`
/// (HTTP/1.1 only), never both. Returns whether the request has a body. Such a request is the
/// last on its connection: a body is read with the head only up to 1 KiB, the rest only by a
/// handler that wants it, and closing is the one way never to read a body's bytes as the next
/// request.
fn framing(version: &HTTPVersion, headers: &[Header]) -> Result<bool, ReadError> {
    let values = |name: &'static str| {
        headers
            .iter()
            .filter(move |h| h.field.equiv(name))
            .map(|h| h.value.as_str())
    };
    let lengths: Vec<&str> = values("Content-Length").collect();
    if values("Transfer-Encoding").next().is_none() {
        // one length, of digits only (no sign, no list) and not too large for memory
        return match lengths.as_slice() {
            [] => Ok(false),
            [length] if length.bytes().all(|b| b.is_ascii_digit()) => length
                .parse::<usize>()
                .map(|length| length > 0)
                .map_err(|_| ReadError::Refused(400)),
            _ => Err(ReadError::Refused(400)),
        };
    }
    if !lengths.is_empty() || *version == HTTPVersion(1, 0) {
        return Err(ReadError::Refused(400));
    }
    let codings: Vec<&str> = values("Transfer-Encoding")
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    let chunked = |c: &&str| c.eq_ignore_ascii_case("chunked");
    match codings.as_slice() {
        [coding] if chunked(coding) => Ok(true),
        // chunked last, after a coding this server does not decode
        [before @ .., last] if chunked(last) && !before.iter().any(chunked) => {
            Err(ReadError::Refused(501))
        }
        // not chunked last (the length cannot be known), chunked twice, or no coding
        _ => Err(ReadError::Refused(400)),
    }
}

/// Patched in: the writer a request's response goes to. Its bytes are handed, in pieces, to
/// the connection's own thread, which writes them to the socket (`ClientConnection::deliver`):
/// the handler's thread never waits for a client that reads slowly or not at all (unless a
/// response is larger than two pieces), and the connection's thread waits for one only until
/// the write deadline.
struct Handoff {
    buf: Vec<u8>,
    to: SyncSender<Vec<u8>>,
}

impl Write for Handoff {
    fn write(&mut self, data: &[u8]) -> IoResult<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= HANDOFF_PIECE {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> IoResult<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.to
            .send(std::mem::take(&mut self.buf))
            .map_err(|_| IoError::new(ErrorKind::BrokenPipe, "the connection is closed"))
    }
}

impl Drop for Handoff {
    fn drop(&mut self) {
        self.flush().ok();
    }
}

impl Iterator for ClientConnection {
    type Item = Request;

    /// Blocks until the next Request is available.
    /// Returns None when no new Requests will come from the client.
    fn next(&mut self) -> Option<Request> {
        // Patched: the last response is written first; a client that does not take it in
        // time is cut off at once.
        if !self.deliver() {
            return None;
        }

        // the client sent a "connection: close" header in this previous request
        //  or is using HTTP 1.0, meaning that no new request will come
        if self.no_more_requests {
            self.close();
            return None;
        }

        let rq = match self.read() {
            Err(ReadError::Refused(status)) => {
                self.refuse(status);
                return None;
            }

            Err(ReadError::ReadIoError(_)) => return None,

            Ok(rq) => rq,
        };

        // updating the status of the connection
        let connection_header = rq
            .headers()
            .iter()
            .find(|h| h.field.equiv("Connection"))
            .map(|h| h.value.as_str());

        let lowercase = connection_header.map(|h| h.to_ascii_lowercase());

        match lowercase {
            Some(ref val) if val.contains("close") => self.no_more_requests = true,
            Some(ref val) if val.contains("upgrade") => self.no_more_requests = true,
            Some(ref val)
                if !val.contains("keep-alive") && *rq.http_version() == HTTPVersion(1, 0) =>
            {
                self.no_more_requests = true
            }
            None if *rq.http_version() == HTTPVersion(1, 0) => self.no_more_requests = true,
            _ => (),
        };

        // returning the request
        Some(rq)
    }
}

/// Parses a "HTTP/1.1" string.
///
/// Patched: HTTP/1.0 and HTTP/1.1 only; another well-formed version (`HTTP/2.0`, the HTTP/2
/// preface `PRI * HTTP/2.0`, `HTTP/0.9`) is refused at once with 505, which upstream wrote
/// but never flushed, and anything else is a malformed request line (400).
fn parse_http_version(version: &str) -> Result<HTTPVersion, ReadError> {
    match version.as_bytes() {
        b"HTTP/1.0" => Ok(HTTPVersion(1, 0)),
        b"HTTP/1.1" => Ok(HTTPVersion(1, 1)),
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            Err(ReadError::Refused(505))
        }
        _ => Err(ReadError::Refused(400)),
    }
}

/// Parses the request line of the request.
/// eg. GET / HTTP/1.1
///
/// Patched: exactly three parts (RFC 9112 §3), where upstream ignored a fourth.
fn parse_request_line(line: &str) -> Result<(Method, String, HTTPVersion), ReadError> {
    let mut parts = line.split(' ');

    let method = parts.next().and_then(|w| w.parse().ok());
    let path = parts
        .next()
        .filter(|p| !p.is_empty())
        .map(ToOwned::to_owned);
    let version = parts.next().ok_or(ReadError::Refused(400))?;
    let (Some(method), Some(path), None) = (method, path, parts.next()) else {
        return Err(ReadError::Refused(400));
    };
    Ok((method, path, parse_http_version(version)?))
}

#[cfg(test)]
mod test {
    #[test]
    fn test_parse_request_line() {
        let (method, path, ver) = super::parse_request_line("GET /hello HTTP/1.1").unwrap();

        assert!(method == crate::Method::Get);
        assert!(path == "/hello");
        assert!(ver == crate::common::HTTPVersion(1, 1));

        assert!(super::parse_request_line("GET /hello").is_err());
        assert!(super::parse_request_line("qsd qsd qsd").is_err());
    }
}
