//! The line tokenizer and token re-serializer shared by every pass of the
//! reference parser (`tokenize_line` / `serialize` in
//! `blockstack_zones/parse_zone_file.py`, spec §2.1).
//!
//! Both are reproduced exactly, including their lossy corners, because the
//! parser runs text through them several times and the losses compound:
//! backslashes never survive, an escaped `"` becomes a raw quote that the
//! next pass interprets, and empty quoted strings vanish.

use crate::pyint::is_py_space;

/// Split one line into tokens.
///
/// * whitespace ends a token unless quoted or escaped;
/// * `"` toggles quoting without ending the current token when opening,
///   and emits the token (even an empty one) when closing;
/// * `\` makes the next character literal and is dropped; inside quotes an
///   escaped whitespace character leaves the escape pending;
/// * an unescaped `;` emits the current token (even an empty one) and ends
///   the line, quoted or not.
pub(crate) fn tokenize_line(line: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut escape = false;
    let mut quote = false;
    let mut buf = String::new();

    for c in line.chars() {
        if is_py_space(c) {
            if !quote && !escape {
                if !buf.is_empty() {
                    tokens.push(std::mem::take(&mut buf));
                }
            } else if quote {
                buf.push(c);
            } else {
                buf.push(c);
                escape = false;
            }
            continue;
        }
        match c {
            '\\' => {
                escape = true;
                continue;
            }
            '"' if !escape => {
                if quote {
                    tokens.push(std::mem::take(&mut buf));
                }
                quote = !quote;
                continue;
            }
            ';' if !escape => {
                tokens.push(buf);
                return tokens;
            }
            _ => {}
        }
        buf.push(c);
        escape = false;
    }

    if !buf.trim_matches(' ').trim_matches('\n').is_empty() {
        tokens.push(buf);
    }
    tokens
}

/// Join tokens back into a line: a token containing a space is wrapped in
/// quotes, every `;` is escaped, and nothing else is (so a token holding a
/// `"` or a tab is written raw).
pub(crate) fn serialize_tokens<S: AsRef<str>>(tokens: &[S]) -> String {
    let mut out = String::new();
    for (i, tok) in tokens.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let tok = tok.as_ref();
        let quoted = tok.contains(' ');
        if quoted {
            out.push('"');
        }
        out.push_str(&tok.replace(';', "\\;"));
        if quoted {
            out.push('"');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(line: &str) -> Vec<String> {
        tokenize_line(line)
    }

    #[test]
    fn splits_on_any_ascii_whitespace() {
        assert_eq!(toks("a\tb  c\r"), ["a", "b", "c"]);
        assert_eq!(toks("a\x0bb\x0cc"), ["a", "b", "c"]);
    }

    #[test]
    fn quotes_group_and_are_dropped() {
        assert_eq!(toks(r#"foo "a b" c"#), ["foo", "a b", "c"]);
        // An opening quote continues the current token; a closing one ends it.
        assert_eq!(toks(r#"ab"cd"ef"#), ["abcd", "ef"]);
        assert_eq!(toks(r#"x """#), ["x", ""]);
    }

    #[test]
    fn backslash_escapes_and_vanishes() {
        assert_eq!(toks(r"a\ b"), ["a b"]);
        assert_eq!(toks(r"a\=b \;"), ["a=b", ";"]);
        assert_eq!(toks(r"a\\b"), ["ab"]);
        assert_eq!(toks(r#"a\"b"#), ["a\"b"]);
    }

    #[test]
    fn semicolon_comments_even_inside_quotes() {
        assert_eq!(toks(r#"x "c;d""#), ["x", "c"]);
        assert_eq!(toks("x ; rest"), ["x", ""]);
        assert_eq!(toks("; only"), [""]);
    }

    #[test]
    fn unterminated_quote_keeps_text_unless_blank() {
        assert_eq!(toks(r#"x "a b"#), ["x", "a b"]);
        assert_eq!(toks(r#"x "  "#), ["x"]);
        assert_eq!(toks("x \"\t"), ["x", "\t"]);
    }

    #[test]
    fn serialize_requotes_spaces_and_escapes_semicolons() {
        assert_eq!(
            serialize_tokens(&["a b", "c;d", "e\"f", ""]),
            "\"a b\" c\\;d e\"f "
        );
    }
}
