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
            flate2::bufread::MultiGzDecoder::new(buffered),
        )),
        Compression::Zstd => Box::new(BufReader::with_capacity(
            BUF_BYTES,
            zstd::stream::read::Decoder::with_buffer(buffered)?,
        )),
    })
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
    fn zstd_is_sniffed() {
        let z = zstd::encode_all(&b"abc\n"[..], 3).unwrap();
        assert_eq!(read_all(decode(io::Cursor::new(z)).unwrap()), b"abc\n");
    }

    #[test]
    fn empty_stream_is_plain() {
        assert!(read_all(decode(io::Cursor::new(Vec::new())).unwrap()).is_empty());
    }
}
