//! JSON text as Python 2.7's `json.dumps` writes it with default settings: `", "` and
//! `": "` separators and ASCII-only output with `\uXXXX` escapes (core-rpc.md §1). Peers
//! parse it with `json.loads`, so the spacing is cosmetic, but matching it keeps replies
//! byte-comparable with a v0.18 node's.

use std::io;

use serde_json::ser::Formatter;
use serde_json::Value;

struct PythonFormatter;

impl Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else {
            w.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        for c in fragment.chars() {
            if c.is_ascii() {
                w.write_all(&[c as u8])?;
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(w, "\\u{unit:04x}")?;
                }
            }
        }
        Ok(())
    }
}

/// `json.dumps(value)`.
pub fn dumps(value: &Value) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    if serde::Serialize::serialize(value, &mut ser).is_err() {
        return "null".to_owned();
    }
    String::from_utf8(out).unwrap_or_else(|_| "null".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_escapes_match_python() {
        let v = serde_json::json!({"a": [1, 2], "b": "é😀"});
        assert_eq!(dumps(&v), r#"{"a": [1, 2], "b": "\u00e9\ud83d\ude00"}"#);
    }
}
