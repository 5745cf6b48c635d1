//! The text encoding of a delivered CSV file, detected and reported, never
//! guessed silently. A byte-order mark decides (UTF-8, UTF-16 LE or BE);
//! without one, a file that is valid UTF-8 is UTF-8, and one that is not is
//! read as GB18030 (the superset of GBK that Excel writes on a Chinese
//! Windows) only if every byte of it is valid GB18030. A file valid in
//! neither is an error that says so. The decoding is done by encoding_rs.

use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE, UTF_8};
use std::borrow::Cow;

/// How a file's bytes were read, for `inspect` and the ingest summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Utf16LeBom,
    Utf16BeBom,
    Gb18030,
}

impl TextEncoding {
    pub fn as_str(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 with BOM",
            TextEncoding::Utf16LeBom => "UTF-16LE with BOM",
            TextEncoding::Utf16BeBom => "UTF-16BE with BOM",
            TextEncoding::Gb18030 => "GBK/GB18030",
        }
    }
}

/// Decode a delivered text file. The text comes back without its BOM.
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, TextEncoding), String> {
    let (encoding, found, bom_len): (&'static Encoding, TextEncoding, usize) =
        match Encoding::for_bom(bytes) {
            Some((e, n)) if e == UTF_8 => (e, TextEncoding::Utf8Bom, n),
            Some((e, n)) if e == UTF_16LE => (e, TextEncoding::Utf16LeBom, n),
            Some((e, n)) if e == UTF_16BE => (e, TextEncoding::Utf16BeBom, n),
            _ => match std::str::from_utf8(bytes) {
                Ok(text) => return Ok((Cow::Borrowed(text), TextEncoding::Utf8)),
                Err(e) => {
                    let at = e.valid_up_to();
                    match GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
                        Some(text) => return Ok((text, TextEncoding::Gb18030)),
                        None => {
                            return Err(format!(
                            "expected text in UTF-8 or GBK/GB18030 (or with a UTF-8/UTF-16 byte-order mark), found bytes valid in neither (first bad byte at offset {at})"
                        ))
                        }
                    }
                }
            },
        };
    let body = &bytes[bom_len..];
    match encoding.decode_without_bom_handling_and_without_replacement(body) {
        Some(text) => Ok((text, found)),
        None => Err(format!(
            "expected {} text after its byte-order mark, found bytes that are not",
            found.as_str()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_encoding_is_detected() {
        let text = "本机号码,对方号码\n13800138000,10086\n";
        assert_eq!(decode(text.as_bytes()).unwrap().1, TextEncoding::Utf8);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        let (t, e) = decode(&bom).unwrap();
        assert_eq!((t.as_ref(), e), (text, TextEncoding::Utf8Bom));
        let (gbk, _, _) = encoding_rs::GBK.encode(text);
        let (t, e) = decode(&gbk).unwrap();
        assert_eq!((t.as_ref(), e), (text, TextEncoding::Gb18030));
        let mut utf16 = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        let (t, e) = decode(&utf16).unwrap();
        assert_eq!((t.as_ref(), e), (text, TextEncoding::Utf16LeBom));
    }

    #[test]
    fn bytes_valid_in_nothing_are_an_error() {
        // 0xFF is never valid in GB18030 or UTF-8.
        let e = decode(b"caller,callee\n\xFF\xFF,1\n").unwrap_err();
        assert!(e.contains("valid in neither"), "{e}");
        // A UTF-16 BOM followed by an odd byte count with a lone surrogate.
        let e = decode(&[0xFF, 0xFE, 0x00, 0xD8, 0x41]).unwrap_err();
        assert!(e.contains("UTF-16LE"), "{e}");
    }
}
