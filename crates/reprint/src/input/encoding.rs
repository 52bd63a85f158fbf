//! Character encodings of input text: UTF-8 first, other encodings decoded.
//!
//! Plain-text archives are often Windows-1252 or Latin-1 (curly quotes as the bytes
//! 0x91–0x94). Under [`EncodingChoice::Auto`] bytes that are valid UTF-8 are UTF-8;
//! anything else is decoded with the encoding `chardetng` detects. A byte-order mark
//! (UTF-8, or UTF-16 under `auto`) is never part of the text.

use crate::error::IssueKind;
use encoding_rs::Encoding;
use std::borrow::Cow;
use std::str::FromStr;

/// The UTF-8 byte-order mark.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Which encoding input bytes are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EncodingChoice {
    /// UTF-8 when valid, otherwise detected.
    #[default]
    Auto,
    /// Latin-1 proper (ISO-8859-1): every byte is the code point of the same value,
    /// so 0x85 is NEL. (The WHATWG label `latin1` means Windows-1252 instead.)
    Latin1,
    /// This encoding (UTF-8 here means invalid UTF-8 is an input issue).
    Fixed(&'static Encoding),
}

impl FromStr for EncodingChoice {
    type Err = String;

    /// `auto`, `latin-1` (also `latin1`, `iso-8859-1`), or any WHATWG encoding label
    /// (`utf-8`, `windows-1252`, `cp1252`, `iso-8859-15`, `shift_jis`, ...).
    fn from_str(s: &str) -> Result<Self, String> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "auto" => Ok(EncodingChoice::Auto),
            "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" => Ok(EncodingChoice::Latin1),
            _ => Encoding::for_label(lower.as_bytes())
                .map(EncodingChoice::Fixed)
                .ok_or_else(|| format!("unknown encoding {s:?}")),
        }
    }
}

/// Bytes decoded to UTF-8, and the encoding they were decoded from when not UTF-8.
pub type Decoded<'a> = (Cow<'a, str>, Option<&'static str>);

/// Decodes input bytes to text by `choice`. A leading UTF-8 byte-order mark is dropped
/// first. Text that is pure ASCII or valid UTF-8 is never reported as decoded, except
/// under an explicit non-UTF-8 encoding that changes it.
pub fn decode(bytes: &[u8], choice: EncodingChoice) -> Result<Decoded<'_>, IssueKind> {
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    match choice {
        EncodingChoice::Fixed(enc) if enc == encoding_rs::UTF_8 => std::str::from_utf8(bytes)
            .map(|s| (Cow::Borrowed(s), None))
            .map_err(|_| IssueKind::InvalidUtf8),
        EncodingChoice::Fixed(enc) => {
            if bytes.is_ascii() && enc.is_ascii_compatible() {
                return Ok((Cow::Borrowed(ascii(bytes)), None));
            }
            let (text, _) = enc.decode_without_bom_handling(bytes);
            Ok((text, Some(enc.name())))
        }
        EncodingChoice::Latin1 => {
            if bytes.is_ascii() {
                return Ok((Cow::Borrowed(ascii(bytes)), None));
            }
            Ok((
                Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
                Some("ISO-8859-1"),
            ))
        }
        EncodingChoice::Auto => {
            if let Ok(s) = std::str::from_utf8(bytes) {
                return Ok((Cow::Borrowed(s), None));
            }
            if let Some((enc, bom)) = Encoding::for_bom(bytes) {
                let (text, _) = enc.decode_without_bom_handling(&bytes[bom..]);
                return Ok((text, Some(enc.name())));
            }
            let mut detector =
                chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            detector.feed(bytes, true);
            let enc = detector.guess(None, chardetng::Utf8Detection::Deny);
            let (text, _) = enc.decode_without_bom_handling(bytes);
            Ok((text, Some(enc.name())))
        }
    }
}

fn ascii(bytes: &[u8]) -> &str {
    // ASCII is valid UTF-8; the fallback is never taken.
    std::str::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_curly_quotes_are_detected_and_decoded() {
        let bytes = b"The minister said \x93we will not resign\x94 on Tuesday \x96 and left.\r\n";
        let (text, enc) = decode(bytes, EncodingChoice::Auto).unwrap();
        assert_eq!(enc, Some("windows-1252"));
        assert_eq!(
            text,
            "The minister said \u{201c}we will not resign\u{201d} on Tuesday \u{2013} and left.\r\n"
        );
    }

    #[test]
    fn utf8_bom_is_never_part_of_the_text() {
        let (text, enc) = decode(b"\xEF\xBB\xBFhello", EncodingChoice::Auto).unwrap();
        assert_eq!((text.as_ref(), enc), ("hello", None));
        let utf8 = EncodingChoice::from_str("utf-8").unwrap();
        assert_eq!(decode(b"\xEF\xBB\xBFhi", utf8).unwrap().0, "hi");
    }

    #[test]
    fn explicit_utf8_keeps_invalid_bytes_an_issue() {
        let utf8 = EncodingChoice::from_str("UTF-8").unwrap();
        assert_eq!(decode(b"caf\xe9", utf8), Err(IssueKind::InvalidUtf8));
    }

    #[test]
    fn latin1_maps_bytes_to_code_points_and_labels_resolve() {
        let latin1 = EncodingChoice::from_str("latin-1").unwrap();
        let (text, enc) = decode(b"caf\xe9\x85", latin1).unwrap();
        assert_eq!(
            (text.as_ref(), enc),
            ("caf\u{e9}\u{85}", Some("ISO-8859-1"))
        );
        let cp = EncodingChoice::from_str("cp1252").unwrap();
        assert_eq!(cp, EncodingChoice::Fixed(encoding_rs::WINDOWS_1252));
        assert_eq!(
            decode(b"plain", cp).unwrap(),
            (Cow::Borrowed("plain"), None)
        );
        assert!(EncodingChoice::from_str("klingon").is_err());
    }
}
