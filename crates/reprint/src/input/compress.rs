//! Transparent decompression: gzip and zstd are recognised by their magic bytes,
//! not by the file name, so a misnamed file still reads correctly.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
const BUF_BYTES: usize = 256 * 1024;

/// The compression a stream was found to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain bytes.
    None,
    /// gzip (possibly multi-member).
    Gzip,
    /// Zstandard.
    Zstd,
}

/// Looks at the first bytes of a buffered stream without consuming them.
pub fn sniff(reader: &mut impl BufRead) -> io::Result<Compression> {
    let head = reader.fill_buf()?;
    Ok(if head.starts_with(&GZIP_MAGIC) {
        Compression::Gzip
    } else if head.starts_with(&ZSTD_MAGIC) {
        Compression::Zstd
    } else {
        Compression::None
    })
}

/// Wraps a reader in the decoder its first bytes call for.
pub fn decode(reader: impl Read + Send + 'static) -> io::Result<Box<dyn BufRead + Send>> {
    let mut buffered = BufReader::with_capacity(BUF_BYTES, reader);
    Ok(match sniff(&mut buffered)? {
        Compression::None => Box::new(buffered),
        Compression::Gzip => Box::new(BufReader::with_capacity(
            BUF_BYTES,
            GzMembers {
                decoder: Some(flate2::bufread::GzDecoder::new(buffered)),
            },
        )),
        Compression::Zstd => Box::new(BufReader::with_capacity(
            BUF_BYTES,
            zstd::stream::read::Decoder::with_buffer(buffered)?,
        )),
    })
}

/// The error a gzip stream gives when its last member is followed by bytes that are
/// not another member. Every byte of the complete members has been returned before it,
/// so a reader can keep what it read and report this.
#[derive(Debug)]
pub struct TrailingGarbage;

impl std::fmt::Display for TrailingGarbage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("trailing garbage after the compressed stream")
    }
}

impl std::error::Error for TrailingGarbage {}

/// True when `e` is the [`TrailingGarbage`] error.
pub fn is_trailing_garbage(e: &io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.is::<TrailingGarbage>())
}

/// Multi-member gzip (as `gzip -dc` reads it): members one after another; bytes after
/// the last member that do not start a new one end the stream with [`TrailingGarbage`]
/// once everything before them has been returned.
struct GzMembers<R: BufRead> {
    decoder: Option<flate2::bufread::GzDecoder<R>>,
}

impl<R: BufRead> Read for GzMembers<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(decoder) = self.decoder.as_mut() else {
                return Ok(0);
            };
            let n = decoder.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            // The member is finished: another one, the end, or garbage.
            let Some(decoder) = self.decoder.take() else {
                return Ok(0);
            };
            let mut inner = decoder.into_inner();
            let head = inner.fill_buf()?;
            if head.is_empty() {
                return Ok(0);
            }
            if !head.starts_with(&GZIP_MAGIC) {
                return Err(io::Error::new(io::ErrorKind::InvalidData, TrailingGarbage));
            }
            self.decoder = Some(flate2::bufread::GzDecoder::new(inner));
        }
    }
}

/// Opens a file, decompressing it if needed.
pub fn open(path: &Path) -> io::Result<Box<dyn BufRead + Send>> {
    decode(File::open(path)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn read_all(mut r: Box<dyn BufRead + Send>) -> Vec<u8> {
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn plain_passes_through() {
        let data = b"hello\nworld\n".to_vec();
        assert_eq!(
            read_all(decode(io::Cursor::new(data.clone())).unwrap()),
            data
        );
    }

    #[test]
    fn gzip_is_sniffed() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"{\"text\":\"a\"}\n").unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(
            read_all(decode(io::Cursor::new(gz)).unwrap()),
            b"{\"text\":\"a\"}\n"
        );
    }

    #[test]
    fn gzip_members_are_concatenated() {
        let member = |text: &[u8]| {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(text).unwrap();
            enc.finish().unwrap()
        };
        let mut gz = member(b"a\n");
        gz.extend(member(b"b\n"));
        assert_eq!(read_all(decode(io::Cursor::new(gz)).unwrap()), b"a\nb\n");
    }

    #[test]
    fn gzip_followed_by_garbage_returns_every_byte_then_the_error() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"one\ntwo").unwrap();
        let mut gz = enc.finish().unwrap();
        gz.extend_from_slice(b"garbage!");
        let mut r = decode(io::Cursor::new(gz)).unwrap();
        let mut out = Vec::new();
        let e = r.read_to_end(&mut out).unwrap_err();
        assert!(is_trailing_garbage(&e), "{e}");
        assert_eq!(out, b"one\ntwo");
    }

    #[test]
    fn zstd_is_sniffed() {
        let z = zstd::encode_all(&b"abc\n"[..], 3).unwrap();
        assert_eq!(read_all(decode(io::Cursor::new(z)).unwrap()), b"abc\n");
    }

    #[test]
    fn empty_stream_is_plain() {
        assert!(read_all(decode(io::Cursor::new(Vec::new())).unwrap()).is_empty());
    }
}
