//! Gzip, recognised by its first two bytes (1f 8b), never by a name: a `.gz` file, gzip on
//! stdin, or a download whose body is a gzip file are read decompressed, with any number of
//! members one after the other (as `cat a.gz b.gz` makes). flate2 does the decompressing.

use std::io::{self, Read};

use flate2::read::MultiGzDecoder;

/// The first two bytes of every gzip member (RFC 1952).
const MAGIC: [u8; 2] = [0x1f, 0x8b];

/// The stream as it is, or decompressed when it starts with gzip's magic bytes; and which.
pub fn transparent(mut reader: Box<dyn Read + Send>) -> io::Result<(Box<dyn Read + Send>, bool)> {
    let mut head = Vec::with_capacity(MAGIC.len());
    (&mut reader)
        .take(MAGIC.len() as u64)
        .read_to_end(&mut head)?;
    let gzip = head == MAGIC;
    // The bytes looked at go back in front of the rest.
    let whole = Prefixed {
        head,
        at: 0,
        inner: reader,
    };
    if gzip {
        Ok((Box::new(Damaged(MultiGzDecoder::new(whole))), true))
    } else {
        Ok((Box::new(whole), false))
    }
}

/// A reader with bytes already taken from it put back in front. Its first read fills the
/// buffer past them from the reader underneath, as that read would have without them: what
/// comes next looks at the first bytes of an input in one buffer (a byte order mark).
struct Prefixed {
    head: Vec<u8>,
    at: usize,
    inner: Box<dyn Read + Send>,
}

impl Read for Prefixed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let rest = &self.head[self.at..];
        if rest.is_empty() {
            return self.inner.read(buf);
        }
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.at += n;
        if n == buf.len() {
            return Ok(n);
        }
        Ok(n + self.inner.read(&mut buf[n..])?)
    }
}

/// Says that the gzip data is what is wrong when the decoder finds it damaged or cut short;
/// an error of the stream underneath (a network timeout) passes through as it is.
struct Damaged<R>(R);

impl<R: Read> Read for Damaged<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(|e| match e.kind() {
            io::ErrorKind::InvalidData
            | io::ErrorKind::InvalidInput
            | io::ErrorKind::UnexpectedEof => io::Error::new(
                e.kind(),
                format!("the gzip data is damaged or cut short: {e}"),
            ),
            _ => e,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn read_all(input: Vec<u8>) -> (io::Result<Vec<u8>>, bool) {
        let (mut r, gzip) = transparent(Box::new(io::Cursor::new(input))).unwrap();
        let mut out = Vec::new();
        (r.read_to_end(&mut out).map(|_| out), gzip)
    }

    #[test]
    fn gzip_is_found_by_its_bytes_and_read_decompressed() {
        let lines = b"{\"id\": 1}\n{\"id\": 2}\n".to_vec();
        let (out, gzip) = read_all(gz(&lines));
        assert!(gzip);
        assert_eq!(out.unwrap(), lines);
        // Two members one after the other, as `cat a.gz b.gz` makes.
        let mut two = gz(b"a\n");
        two.extend(gz(b"b\n"));
        assert_eq!(read_all(two).0.unwrap(), b"a\nb\n");
    }

    /// The first read hands over the bytes looked at together with the ones after them.
    #[test]
    fn the_first_read_continues_past_the_bytes_looked_at() {
        let (mut r, _) =
            transparent(Box::new(io::Cursor::new(b"\xef\xbb\xbf{}".to_vec()))).unwrap();
        let mut buf = [0u8; 16];
        assert_eq!(r.read(&mut buf).unwrap(), 5);
    }

    #[test]
    fn other_bytes_pass_through_unchanged() {
        for input in [&b""[..], b"{", b"\x1f", b"\x1f\x8a rest", b"{\"id\": 1}\n"] {
            let (out, gzip) = read_all(input.to_vec());
            assert!(!gzip, "{input:?}");
            assert_eq!(out.unwrap(), input);
        }
    }

    #[test]
    fn damaged_gzip_is_an_error_that_says_so() {
        let mut cut = gz(&b"{\"id\": 1}\n".repeat(1000));
        cut.truncate(cut.len() / 2);
        let (out, gzip) = read_all(cut);
        assert!(gzip);
        let e = out.unwrap_err();
        assert!(
            e.to_string()
                .starts_with("the gzip data is damaged or cut short"),
            "{e}"
        );
    }
}
