//! Writing XML-RPC the way Python 2.7's `xmlrpclib.dumps` does.
//!
//! Byte layout (checked against fixtures produced by xmlrpclib in
//! `tests/data/xmlrpc/`):
//!
//! ```text
//! <?xml version='1.0'?>\n<methodCall>\n<methodName>NAME</methodName>\n
//! <params>\n<param>\n VALUE </param>\n ... </params>\n</methodCall>\n
//! ```
//!
//! where each VALUE is `<value><TYPE>…</TYPE></value>\n`, except `<nil/>`,
//! which xmlrpclib writes without the trailing newline.

use base64::Engine as _;

use super::error::EncodeError;
use super::value::{MethodCall, MethodResponse, Value};

const XML_HEADER: &str = "<?xml version='1.0'?>\n";

/// Encodes a `<methodCall>` (`xmlrpclib.dumps(params, methodname)`).
pub fn encode_call(call: &MethodCall) -> Result<Vec<u8>, EncodeError> {
    let mut out = String::with_capacity(128);
    out.push_str(XML_HEADER);
    out.push_str("<methodCall>\n<methodName>");
    escape_into(&mut out, &call.method)?;
    out.push_str("</methodName>\n");
    write_params(&mut out, &call.params)?;
    out.push_str("</methodCall>\n");
    Ok(out.into_bytes())
}

/// Encodes a `<methodResponse>` (`xmlrpclib.dumps(params, methodresponse=True)`
/// or `xmlrpclib.dumps(Fault(...))`).
pub fn encode_response(response: &MethodResponse) -> Result<Vec<u8>, EncodeError> {
    let mut out = String::with_capacity(128);
    out.push_str(XML_HEADER);
    out.push_str("<methodResponse>\n");
    match response {
        MethodResponse::Params(params) => write_params(&mut out, params)?,
        MethodResponse::Fault(fault) => {
            out.push_str("<fault>\n");
            // xmlrpclib marshals the fault as a dict; both Python 2.7 and 3
            // emit faultCode first.
            let body = Value::Struct(vec![
                ("faultCode".to_owned(), Value::Int(i64::from(fault.code))),
                (
                    "faultString".to_owned(),
                    Value::String(fault.string.clone()),
                ),
            ]);
            write_value(&mut out, &body)?;
            out.push_str("</fault>\n");
        }
    }
    out.push_str("</methodResponse>\n");
    Ok(out.into_bytes())
}

fn write_params(out: &mut String, params: &[Value]) -> Result<(), EncodeError> {
    out.push_str("<params>\n");
    for param in params {
        out.push_str("<param>\n");
        write_value(out, param)?;
        out.push_str("</param>\n");
    }
    out.push_str("</params>\n");
    Ok(())
}

fn write_value(out: &mut String, value: &Value) -> Result<(), EncodeError> {
    match value {
        Value::Int(i) => {
            if i32::try_from(*i).is_err() {
                return Err(EncodeError::IntOverflow(*i));
            }
            out.push_str("<value><int>");
            out.push_str(&i.to_string());
            out.push_str("</int></value>\n");
        }
        Value::Boolean(b) => {
            out.push_str(if *b {
                "<value><boolean>1</boolean></value>\n"
            } else {
                "<value><boolean>0</boolean></value>\n"
            });
        }
        Value::String(s) => {
            out.push_str("<value><string>");
            escape_into(out, s)?;
            out.push_str("</string></value>\n");
        }
        Value::Double(d) => {
            out.push_str("<value><double>");
            out.push_str(&python_float_repr(*d));
            out.push_str("</double></value>\n");
        }
        Value::Base64(bytes) => {
            out.push_str("<value><base64>\n");
            write_base64_lines(out, bytes);
            out.push_str("</base64></value>\n");
        }
        Value::DateTime(text) => {
            out.push_str("<value><dateTime.iso8601>");
            escape_into(out, text)?;
            out.push_str("</dateTime.iso8601></value>\n");
        }
        Value::Array(items) => {
            out.push_str("<value><array><data>\n");
            for item in items {
                write_value(out, item)?;
            }
            out.push_str("</data></array></value>\n");
        }
        Value::Struct(members) => {
            out.push_str("<value><struct>\n");
            for (name, member) in members {
                out.push_str("<member>\n<name>");
                escape_into(out, name)?;
                out.push_str("</name>\n");
                write_value(out, member)?;
                out.push_str("</member>\n");
            }
            out.push_str("</struct></value>\n");
        }
        Value::Nil => out.push_str("<value><nil/></value>"),
    }
    Ok(())
}

/// xmlrpclib's `escape`: `&`, `<` and `>` only; quotes stay as they are.
///
/// A carriage return becomes `&#13;` so it is not normalised away by the
/// receiver (xmlrpclib itself would write it raw). Characters that XML 1.0
/// forbids are an error rather than a document the peer would reject.
fn escape_into(out: &mut String, s: &str) -> Result<(), EncodeError> {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            c => return Err(EncodeError::InvalidChar(u32::from(c))),
        }
    }
    Ok(())
}

/// The XML 1.0 `Char` production.
pub(super) fn is_xml_char(c: char) -> bool {
    matches!(c,
        '\t' | '\n' | '\r'
        | '\u{20}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}'
        | '\u{10000}'..='\u{10FFFF}')
}

/// `base64.encodestring`: standard alphabet, 76 characters per line, each
/// line (including the last) ending in `\n`; nothing at all for no bytes.
fn write_base64_lines(out: &mut String, bytes: &[u8]) {
    // 57 input bytes encode to exactly 76 characters.
    for chunk in bytes.chunks(57) {
        out.push_str(&base64::engine::general_purpose::STANDARD.encode(chunk));
        out.push('\n');
    }
}

/// Python 2.7's `repr(float)`: the shortest digits that round-trip, in
/// positional notation when the decimal exponent is in `-4..16`, otherwise
/// `d.ddde+XX` with at least two exponent digits; `inf`, `-inf`, `nan`.
pub(super) fn python_float_repr(d: f64) -> String {
    if d.is_nan() {
        return "nan".to_owned();
    }
    if d.is_infinite() {
        return if d > 0.0 {
            "inf".to_owned()
        } else {
            "-inf".to_owned()
        };
    }
    // Rust's `{:e}` prints the shortest round-tripping digits: "1.2345e-5".
    let sci = format!("{d:e}");
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (sci.as_str(), 0),
    };
    let (negative, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => (true, m),
        None => (false, mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if negative { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        let body = if exp >= 0 {
            let int_len = exp + 1;
            if n <= int_len {
                format!("{digits}{}.0", "0".repeat((int_len - n) as usize))
            } else {
                let (a, b) = digits.split_at(int_len as usize);
                format!("{a}.{b}")
            }
        } else {
            format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
        };
        format!("{sign}{body}")
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{first}{frac}e{esign}{:02}", exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_python_repr() {
        let cases = [
            (1.5, "1.5"),
            (1e20, "1e+20"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (123456789.123, "123456789.123"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (2.5e-7, "2.5e-07"),
            (-12.0, "-12.0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for (value, expected) in cases {
            assert_eq!(python_float_repr(value), expected, "{value:e}");
        }
    }

    #[test]
    fn ints_beyond_32_bits_are_refused_like_xmlrpclib() {
        let call = MethodCall::new("m", vec![Value::Int(1 << 31)]);
        assert_eq!(encode_call(&call), Err(EncodeError::IntOverflow(1 << 31)));
        let call = MethodCall::new("m", vec![Value::Int(-(1 << 31))]);
        assert!(encode_call(&call).is_ok());
    }

    #[test]
    fn strings_escape_only_markup_and_carriage_returns() {
        let call = MethodCall::new("m", vec![Value::string("a<b>&\"'\r\n")]);
        let text = String::from_utf8(encode_call(&call).expect("encodable")).expect("utf-8");
        assert!(
            text.contains("<string>a&lt;b&gt;&amp;\"'&#13;\n</string>"),
            "{text}"
        );
    }

    #[test]
    fn control_characters_are_refused() {
        let call = MethodCall::new("m", vec![Value::string("a\u{1}")]);
        assert_eq!(encode_call(&call), Err(EncodeError::InvalidChar(1)));
    }

    #[test]
    fn empty_base64_has_no_lines() {
        let mut out = String::new();
        write_base64_lines(&mut out, b"");
        assert_eq!(out, "");
    }
}
