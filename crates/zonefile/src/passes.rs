//! The four text passes the reference parser applies before reading
//! records (`remove_comments`, `flatten`, `remove_class`,
//! `add_default_name` in `parse_zone_file.py`, spec §2.2).

use crate::error::ParseError;
use crate::record::is_supported_keyword;
use crate::tokenize::{serialize_tokens, tokenize_line};

/// Classes recognised by `remove_class`, in the order it tests them.
const CLASSES: [&str; 4] = ["IN", "CS", "CH", "HS"];

/// Run all passes and return the final token list of every record line.
pub(crate) fn normalize(text: &str) -> Result<Vec<Vec<String>>, ParseError> {
    let text = remove_comments(text);
    let text = flatten(&text);
    let text = remove_class(&text)?;
    let text = add_default_name(&text);
    Ok(text.split('\n').map(tokenize_line).collect())
}

/// Pass 1: drop empty lines and comments, re-serialising each line.
fn remove_comments(text: &str) -> String {
    text.split('\n')
        .filter(|line| !line.is_empty())
        .map(|line| serialize_tokens(&tokenize_line(line)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Pass 2: join records spanning lines inside `( … )`.
///
/// This pass splits on single spaces and tabs instead of tokenizing, so
/// runs of spaces inside quoted strings collapse and tabs become spaces.
/// Every token opening with `(` starts a group (all leading parentheses
/// are stripped) and a token ending with `)` inside a group closes it.
/// A group still open at the end of the text is dropped.
fn flatten(text: &str) -> String {
    // Words of each line, followed by an empty end-of-line marker.
    let mut words: Vec<String> = Vec::new();
    for line in text.split('\n').filter(|l| !l.is_empty()) {
        let line = line.replace('\t', " ");
        words.extend(line.split(' ').filter(|w| !w.is_empty()).map(str::to_owned));
        words.push(String::new());
    }

    let mut capturing = false;
    let mut captured: Vec<&str> = Vec::new();
    let mut flattened: Vec<String> = Vec::new();
    for word in &words {
        if !capturing && word.is_empty() {
            if !captured.is_empty() {
                flattened.push(captured.join(" "));
                captured.clear();
            }
            continue;
        }
        let mut word = word.as_str();
        if word.starts_with('(') {
            word = word.trim_start_matches('(');
            capturing = true;
        }
        if capturing && word.ends_with(')') {
            word = word.trim_end_matches(')');
            capturing = false;
        }
        captured.push(word);
    }
    flattened.join("\n")
}

/// Pass 3: remove the first class token of each line.
///
/// The class is detected case-insensitively on *any* token (so a TXT string
/// `"in"` counts) but removed case-sensitively; when only a non-upper-case
/// form exists the original raises `ValueError`.
fn remove_class(text: &str) -> Result<String, ParseError> {
    let mut lines = Vec::new();
    for line in text.split('\n') {
        let mut tokens = tokenize_line(line);
        let class = CLASSES
            .iter()
            .find(|class| tokens.iter().any(|t| t.eq_ignore_ascii_case(class)));
        if let Some(class) = class {
            match tokens.iter().position(|t| t == class) {
                Some(pos) => {
                    tokens.remove(pos);
                }
                None => {
                    let token = tokens
                        .iter()
                        .find(|t| t.eq_ignore_ascii_case(class))
                        .cloned()
                        .unwrap_or_default();
                    return Err(ParseError::NonUpperCaseClass {
                        token,
                        line: line.to_owned(),
                    });
                }
            }
        }
        lines.push(serialize_tokens(&tokens));
    }
    Ok(lines.join("\n"))
}

/// Pass 4: drop blank lines and give `@` as owner to lines that start with
/// a record-type keyword.
fn add_default_name(text: &str) -> String {
    let mut lines = Vec::new();
    for line in text.split('\n') {
        let mut tokens = tokenize_line(line);
        let Some(first) = tokens.first() else {
            continue;
        };
        if is_supported_keyword(first) && !first.starts_with('$') {
            tokens.insert(0, "@".to_owned());
        }
        lines.push(serialize_tokens(&tokens));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_blank_lines_go() {
        assert_eq!(remove_comments("a b ; c\n\n; x\nd"), "a b \n\nd");
    }

    #[test]
    fn flatten_joins_parenthesised_groups() {
        let text = "@ SOA ns host (\n1\n2 3\n4 5 )\nfoo A 1.2.3.4";
        let flat = flatten(text);
        let lines: Vec<_> = flat.split('\n').map(tokenize_line).collect();
        assert_eq!(
            lines[0],
            ["@", "SOA", "ns", "host", "1", "2", "3", "4", "5"]
        );
        assert_eq!(lines[1], ["foo", "A", "1.2.3.4"]);
    }

    #[test]
    fn flatten_collapses_spaces_and_tabs() {
        assert_eq!(flatten("x \"a  b\tc\""), "x \"a b c\"");
    }

    #[test]
    fn flatten_drops_unclosed_group() {
        assert_eq!(flatten("a B\n( c\nd"), "a B");
    }

    #[test]
    fn class_removed_once_and_case_checked() {
        assert_eq!(
            remove_class("foo IN A IN").ok().as_deref(),
            Some("foo A IN")
        );
        assert_eq!(
            remove_class("foo CS TXT x").ok().as_deref(),
            Some("foo TXT x")
        );
        assert!(matches!(
            remove_class("foo in A 1.2.3.4"),
            Err(ParseError::NonUpperCaseClass { token, .. }) if token == "in"
        ));
    }

    #[test]
    fn default_owner_is_at() {
        assert_eq!(
            add_default_name("A 1.2.3.4\n\n$TTL 5"),
            "@ A 1.2.3.4\n$TTL 5"
        );
    }
}
