//! Parsing complete XML-RPC documents from a buffer.
//!
//! The grammar is the one `xmlrpclib.Unmarshaller` understands, read strictly
//! where Python's is merely lax about structure (stray text or elements are
//! an error here), and leniently where Python is lenient about content:
//!
//! * `<value>text</value>` with no type element is the string `text`, kept
//!   verbatim; `<value/>` is the empty string;
//! * whitespace between elements is ignored; `<int>`/`<i4>`/`<i8>` and
//!   `<double>` text is trimmed (Python's `int()`/`float()` do the same),
//!   `<boolean>` must be exactly `0` or `1`;
//! * text is normalised as an XML 1.0 parser does (`\r\n` and `\r` become
//!   `\n`; `&#13;` stays a carriage return);
//! * a DTD, an entity other than the five predefined ones, or an encoding
//!   other than UTF-8 is refused, as defusedxml does for the v0.18 server.

use std::borrow::Cow;

use base64::Engine as _;
use quick_xml::errors::{Error as XmlError, IllFormedError, SyntaxError};
use quick_xml::events::{BytesRef, Event};
use quick_xml::Reader;

use super::encode::is_xml_char;
use super::error::DecodeError;
use super::value::{Fault, MethodCall, MethodResponse, Value};

/// Bounds applied while decoding untrusted input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest document accepted, in bytes; checked before parsing.
    pub max_bytes: usize,
    /// Deepest nesting of arrays and structs accepted.
    pub max_depth: usize,
}

impl Limits {
    /// For requests on the RPC port: the v0.18 server refuses bodies over
    /// 512 KiB (`core-rpc.md` §1).
    pub const REQUEST: Limits = Limits {
        max_bytes: 512 * 1024,
        max_depth: 32,
    };
    /// For replies read by a client: `MAX_RPC_LEN`, 409 600 bytes
    /// (`core-rpc.md` §1, `config.py`).
    pub const REPLY: Limits = Limits {
        max_bytes: 409_600,
        max_depth: 32,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::REQUEST
    }
}

/// Decodes a `<methodCall>` held entirely in `buf`.
pub fn decode_call(buf: &[u8], limits: &Limits) -> Result<MethodCall, DecodeError> {
    let mut parser = Parser::new(buf, limits)?;
    parser.expect_start("methodCall")?;
    parser.expect_start("methodName")?;
    let method = parser.text_until_end("methodName")?;
    let params = match parser.next_element()? {
        Elem::Start(name) if name == "params" => {
            let params = parser.params()?;
            parser.expect_end("methodCall")?;
            params
        }
        // xmlrpclib accepts a call without <params> as one with none.
        Elem::End(name) if name == "methodCall" => Vec::new(),
        other => return Err(parser.unexpected("<params> or </methodCall>", &other)),
    };
    parser.finish()?;
    Ok(MethodCall { method, params })
}

/// Decodes a `<methodResponse>` (parameters or a fault) held entirely in `buf`.
pub fn decode_response(buf: &[u8], limits: &Limits) -> Result<MethodResponse, DecodeError> {
    let mut parser = Parser::new(buf, limits)?;
    parser.expect_start("methodResponse")?;
    let response = match parser.next_element()? {
        Elem::Start(name) if name == "params" => MethodResponse::Params(parser.params()?),
        Elem::Start(name) if name == "fault" => {
            parser.expect_start("value")?;
            let value = parser.value_body(0)?;
            parser.expect_end("fault")?;
            MethodResponse::Fault(fault_from_value(value)?)
        }
        other => return Err(parser.unexpected("<params> or <fault>", &other)),
    };
    parser.expect_end("methodResponse")?;
    parser.finish()?;
    Ok(response)
}

fn fault_from_value(value: Value) -> Result<Fault, DecodeError> {
    let Value::Struct(members) = value else {
        return Err(DecodeError::BadFault {
            reason: format!("a <{}>, not a <struct>", value.type_name()),
        });
    };
    let mut code = None;
    let mut string = None;
    for (key, member) in members {
        match (key.as_str(), member) {
            ("faultCode", Value::Int(c)) => {
                code = Some(i32::try_from(c).map_err(|_| DecodeError::BadFault {
                    reason: format!("faultCode {c} out of range"),
                })?);
            }
            ("faultString", Value::String(s)) => string = Some(s),
            (other, v) => {
                return Err(DecodeError::BadFault {
                    reason: format!("unexpected member {other:?} of type <{}>", v.type_name()),
                })
            }
        }
    }
    match (code, string) {
        (Some(code), Some(string)) => Ok(Fault { code, string }),
        _ => Err(DecodeError::BadFault {
            reason: "faultCode and faultString are both required".to_owned(),
        }),
    }
}

/// A structural token: element boundaries and merged character data.
#[derive(Debug)]
enum Token {
    Start(String),
    End(String),
    Text(String),
    Eof,
}

/// The next thing that is not ignorable whitespace.
#[derive(Debug)]
enum Elem {
    Start(String),
    End(String),
    Text(String),
    Eof,
}

struct Parser<'a> {
    reader: Reader<&'a [u8]>,
    len: usize,
    limits: Limits,
    peeked: Option<Token>,
    seen_root: bool,
}

impl<'a> Parser<'a> {
    fn new(buf: &'a [u8], limits: &Limits) -> Result<Self, DecodeError> {
        if buf.len() > limits.max_bytes {
            return Err(DecodeError::TooLarge {
                len: buf.len(),
                limit: limits.max_bytes,
            });
        }
        let text = match std::str::from_utf8(buf) {
            Ok(text) => text,
            // A multi-byte character cut at the end of the buffer.
            Err(e) if e.error_len().is_none() => {
                return Err(DecodeError::Incomplete { len: buf.len() })
            }
            Err(e) => {
                return Err(DecodeError::Encoding {
                    reason: format!("invalid utf-8 at byte {}", e.valid_up_to()),
                })
            }
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        config.trim_text(false);
        Ok(Self {
            reader,
            len: buf.len(),
            limits: *limits,
            peeked: None,
            seen_root: false,
        })
    }

    fn position(&self) -> u64 {
        self.reader.buffer_position()
    }

    fn xml_error(&self, reason: impl Into<String>) -> DecodeError {
        DecodeError::Xml {
            position: self.position(),
            reason: reason.into(),
        }
    }

    fn map_xml_error(&self, error: XmlError) -> DecodeError {
        match error {
            XmlError::Syntax(
                SyntaxError::UnclosedPI
                | SyntaxError::UnclosedXmlDecl
                | SyntaxError::UnclosedComment
                | SyntaxError::UnclosedDoctype
                | SyntaxError::UnclosedCData
                | SyntaxError::UnclosedTag
                | SyntaxError::UnclosedSingleQuotedAttributeValue
                | SyntaxError::UnclosedDoubleQuotedAttributeValue,
            )
            | XmlError::IllFormed(
                IllFormedError::MissingEndTag(_) | IllFormedError::UnclosedReference,
            ) => DecodeError::Incomplete { len: self.len },
            other => DecodeError::Xml {
                position: self.reader.error_position(),
                reason: other.to_string(),
            },
        }
    }

    /// Reads the next raw token, merging adjacent text, CDATA and references.
    fn raw_token(&mut self) -> Result<Token, DecodeError> {
        if let Some(token) = self.peeked.take() {
            return Ok(token);
        }
        let mut text: Option<String> = None;
        loop {
            let event = self
                .reader
                .read_event()
                .map_err(|e| self.map_xml_error(e))?;
            let piece: Cow<'_, str> = match event {
                Event::Text(t) => t.xml10_content(),
                Event::CData(t) => t.xml10_content(),
                Event::GeneralRef(r) => Cow::Owned(self.resolve_ref(&r)?.to_string()),
                Event::Comment(_) | Event::PI(_) => continue,
                Event::Decl(decl) => {
                    if self.seen_root || text.is_some() {
                        return Err(self.xml_error("xml declaration not at the start"));
                    }
                    if let Some(encoding) = decl.encoding() {
                        let encoding = encoding.map_err(|e| self.xml_error(e.to_string()))?;
                        if !matches!(
                            encoding.to_ascii_lowercase().as_str(),
                            "utf-8" | "utf8" | "us-ascii" | "ascii"
                        ) {
                            return Err(DecodeError::Encoding {
                                reason: format!("declared encoding {encoding:?}"),
                            });
                        }
                    }
                    continue;
                }
                Event::DocType(_) => {
                    return Err(self.xml_error("document type declarations are not allowed"))
                }
                Event::Start(start) => {
                    let name = start.name().as_ref().to_owned();
                    self.seen_root = true;
                    let token = Token::Start(name);
                    return Ok(self.flush(text, token));
                }
                Event::End(end) => {
                    let name = end.name().as_ref().to_owned();
                    return Ok(self.flush(text, Token::End(name)));
                }
                // `expand_empty_elements` turns these into Start + End.
                Event::Empty(_) => return Err(self.xml_error("unexpected empty element")),
                Event::Eof => return Ok(self.flush(text, Token::Eof)),
            };
            if let Some(bad) = piece.chars().find(|c| !is_xml_char(*c)) {
                return Err(self.xml_error(format!(
                    "character U+{:04X} is not allowed in xml",
                    u32::from(bad)
                )));
            }
            text.get_or_insert_with(String::new).push_str(&piece);
        }
    }

    fn flush(&mut self, text: Option<String>, next: Token) -> Token {
        match text {
            Some(text) => {
                self.peeked = Some(next);
                Token::Text(text)
            }
            None => next,
        }
    }

    fn resolve_ref(&self, reference: &BytesRef<'_>) -> Result<char, DecodeError> {
        let name: &str = reference;
        match name {
            "lt" => Ok('<'),
            "gt" => Ok('>'),
            "amp" => Ok('&'),
            "apos" => Ok('\''),
            "quot" => Ok('"'),
            _ => match reference.resolve_char_ref() {
                Ok(Some(c)) if is_xml_char(c) => Ok(c),
                Ok(Some(c)) => {
                    Err(self.xml_error(format!("character reference to U+{:04X}", u32::from(c))))
                }
                Ok(None) => Err(self.xml_error(format!("unknown entity &{name};"))),
                Err(e) => Err(self.xml_error(e.to_string())),
            },
        }
    }

    /// The next element boundary, skipping whitespace-only text.
    fn next_element(&mut self) -> Result<Elem, DecodeError> {
        loop {
            return Ok(match self.raw_token()? {
                Token::Text(t) if is_blank(&t) => continue,
                Token::Text(t) => Elem::Text(t),
                Token::Start(n) => Elem::Start(n),
                Token::End(n) => Elem::End(n),
                Token::Eof => Elem::Eof,
            });
        }
    }

    fn unexpected(&self, expected: &'static str, found: &Elem) -> DecodeError {
        let found = match found {
            // Running out of input where more structure must follow means
            // the buffer was cut short, not that it is malformed.
            Elem::Eof => return DecodeError::Incomplete { len: self.len },
            Elem::Start(n) => format!("<{n}>"),
            Elem::End(n) => format!("</{n}>"),
            Elem::Text(t) => format!("text {:?}", truncate(t)),
        };
        DecodeError::Structure {
            position: self.position(),
            expected,
            found,
        }
    }

    fn expect_start(&mut self, name: &'static str) -> Result<(), DecodeError> {
        match self.next_element()? {
            Elem::Start(n) if n == name => Ok(()),
            other => Err(self.unexpected(start_label(name), &other)),
        }
    }

    fn expect_end(&mut self, name: &'static str) -> Result<(), DecodeError> {
        match self.next_element()? {
            Elem::End(n) if n == name => Ok(()),
            other => Err(self.unexpected(end_label(name), &other)),
        }
    }

    /// After the root element: only whitespace, comments and PIs may follow.
    fn finish(&mut self) -> Result<(), DecodeError> {
        match self.next_element()? {
            Elem::Eof => Ok(()),
            other => Err(self.unexpected("end of document", &other)),
        }
    }

    /// Character data up to `</name>`; no child elements allowed.
    fn text_until_end(&mut self, name: &'static str) -> Result<String, DecodeError> {
        let mut text = String::new();
        loop {
            match self.raw_token()? {
                Token::Text(t) => text.push_str(&t),
                Token::End(n) if n == name => return Ok(text),
                Token::Eof => return Err(DecodeError::Incomplete { len: self.len }),
                Token::Start(n) => return Err(self.unexpected(end_label(name), &Elem::Start(n))),
                Token::End(n) => return Err(self.unexpected(end_label(name), &Elem::End(n))),
            }
        }
    }

    /// `<param><value>…</value></param>…</params>`, after `<params>`.
    fn params(&mut self) -> Result<Vec<Value>, DecodeError> {
        let mut params = Vec::new();
        loop {
            match self.next_element()? {
                Elem::Start(n) if n == "param" => {
                    self.expect_start("value")?;
                    params.push(self.value_body(0)?);
                    self.expect_end("param")?;
                }
                Elem::End(n) if n == "params" => return Ok(params),
                other => return Err(self.unexpected("<param> or </params>", &other)),
            }
        }
    }

    /// The inside of a `<value>` and its `</value>`, after `<value>`.
    fn value_body(&mut self, depth: usize) -> Result<Value, DecodeError> {
        let mut untyped = String::new();
        let tag = loop {
            match self.raw_token()? {
                Token::Text(t) => untyped.push_str(&t),
                Token::End(n) if n == "value" => return Ok(Value::String(untyped)),
                Token::Start(n) => {
                    if !is_blank(&untyped) {
                        return Err(self.unexpected("a type element", &Elem::Text(untyped)));
                    }
                    break n;
                }
                Token::End(n) => return Err(self.unexpected("</value>", &Elem::End(n))),
                Token::Eof => return Err(DecodeError::Incomplete { len: self.len }),
            }
        };
        let value = self.typed(&tag, depth)?;
        self.expect_end("value")?;
        Ok(value)
    }

    fn typed(&mut self, tag: &str, depth: usize) -> Result<Value, DecodeError> {
        Ok(match tag {
            "int" | "i4" | "i8" => {
                let kind = if tag == "int" {
                    "int"
                } else if tag == "i4" {
                    "i4"
                } else {
                    "i8"
                };
                let text = self.text_until_end(kind)?;
                Value::Int(
                    text.trim()
                        .parse::<i64>()
                        .map_err(|_| bad_scalar(kind, &text))?,
                )
            }
            "boolean" => match self.text_until_end("boolean")?.as_str() {
                "1" => Value::Boolean(true),
                "0" => Value::Boolean(false),
                other => return Err(bad_scalar("boolean", other)),
            },
            "string" => Value::String(self.text_until_end("string")?),
            "double" => {
                let text = self.text_until_end("double")?;
                Value::Double(
                    text.trim()
                        .parse::<f64>()
                        .map_err(|_| bad_scalar("double", &text))?,
                )
            }
            "base64" => {
                let text = self.text_until_end("base64")?;
                let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(compact.as_bytes())
                    .map_err(|_| bad_scalar("base64", &text))?;
                Value::Base64(bytes)
            }
            "dateTime.iso8601" => Value::DateTime(self.text_until_end("dateTime.iso8601")?),
            "nil" => {
                let text = self.text_until_end("nil")?;
                if !is_blank(&text) {
                    return Err(bad_scalar("nil", &text));
                }
                Value::Nil
            }
            "array" => {
                let depth = self.deeper(depth)?;
                self.expect_start("data")?;
                let mut items = Vec::new();
                loop {
                    match self.next_element()? {
                        Elem::Start(n) if n == "value" => items.push(self.value_body(depth)?),
                        Elem::End(n) if n == "data" => break,
                        other => return Err(self.unexpected("<value> or </data>", &other)),
                    }
                }
                self.expect_end("array")?;
                Value::Array(items)
            }
            "struct" => {
                let depth = self.deeper(depth)?;
                let mut members: Vec<(String, Value)> = Vec::new();
                loop {
                    match self.next_element()? {
                        Elem::Start(n) if n == "member" => {
                            self.expect_start("name")?;
                            let name = self.text_until_end("name")?;
                            self.expect_start("value")?;
                            let value = self.value_body(depth)?;
                            self.expect_end("member")?;
                            match members.iter_mut().find(|(k, _)| *k == name) {
                                Some(slot) => slot.1 = value,
                                None => members.push((name, value)),
                            }
                        }
                        Elem::End(n) if n == "struct" => break,
                        other => return Err(self.unexpected("<member> or </struct>", &other)),
                    }
                }
                Value::Struct(members)
            }
            other => return Err(DecodeError::Structure {
                position: self.position(),
                expected:
                    "a type element (int, i4, boolean, string, double, base64, array, struct, nil)",
                found: format!("<{other}>"),
            }),
        })
    }

    fn deeper(&self, depth: usize) -> Result<usize, DecodeError> {
        let depth = depth + 1;
        if depth > self.limits.max_depth {
            return Err(DecodeError::TooDeep {
                limit: self.limits.max_depth,
            });
        }
        Ok(depth)
    }
}

fn is_blank(text: &str) -> bool {
    text.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
}

fn truncate(text: &str) -> String {
    text.chars().take(64).collect()
}

fn bad_scalar(kind: &'static str, text: &str) -> DecodeError {
    DecodeError::BadScalar {
        kind,
        text: truncate(text),
    }
}

fn start_label(name: &'static str) -> &'static str {
    match name {
        "methodCall" => "<methodCall>",
        "methodResponse" => "<methodResponse>",
        "methodName" => "<methodName>",
        "value" => "<value>",
        "data" => "<data>",
        "name" => "<name>",
        _ => "an element",
    }
}

fn end_label(name: &'static str) -> &'static str {
    match name {
        "methodCall" => "</methodCall>",
        "methodResponse" => "</methodResponse>",
        "methodName" => "</methodName>",
        "value" => "</value>",
        "param" => "</param>",
        "fault" => "</fault>",
        "array" => "</array>",
        "name" => "</name>",
        "member" => "</member>",
        _ => "an end tag",
    }
}
