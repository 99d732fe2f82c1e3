//! Reading one normalised record line the way the original's `argparse`
//! based `parse_line` does (spec §2.3).
//!
//! The original picks a sub-parser from the first, second or third token,
//! re-orders the tokens so the keyword comes first, and lets `argparse`
//! assign the rest. Only the parts of `argparse` that can influence these
//! fixed grammars are modelled: option detection for tokens starting with
//! `-`, the optional positional TTL, the `--ttl` option the TXT grammar
//! uses (including abbreviations such as `--t=5`), and argparse's rule
//! that a `+` argument consumes one contiguous run of positionals.

use crate::error::ParseError;
use crate::pyint::{parse_py_int, PyInt};
use crate::record::{is_supported_keyword, FieldKind, RecordType};

/// A record line with its fields still as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RawLine {
    /// `$ORIGIN <value>`.
    Origin(String),
    /// `$TTL <value>` (not yet converted).
    Ttl(String),
    /// A resource record.
    Record(RawRecord),
}

/// A resource record before integer conversion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawRecord {
    pub(crate) rtype: RecordType,
    pub(crate) name: String,
    pub(crate) ttl: Option<String>,
    /// Field values in [`RecordType::fields`] order; for TXT, all strings.
    pub(crate) fields: Vec<String>,
}

/// How `argparse` classifies an argument string.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Arg {
    /// A positional value.
    Positional,
    /// The TXT grammar's `--ttl` option, with its `=value` if attached.
    Ttl(Option<String>),
}

/// Parse the final tokens of one line.
pub(crate) fn read_line(tokens: &[String]) -> Result<RawLine, ParseError> {
    let line = tokens.join(" ");
    if tokens.is_empty() {
        return Err(ParseError::Empty);
    }

    // `parse_line`: the keyword is looked for at index 1, then index 2;
    // otherwise the first token itself must name a sub-parser.
    let at = |i: usize| tokens.get(i).filter(|t| is_supported_keyword(t));
    let (keyword, args): (&str, Vec<String>) = if let Some(k) = at(1) {
        (k, tokens.to_vec())
    } else if let Some(k) = at(2) {
        let mut args = tokens.to_vec();
        if k == "TXT" {
            args.insert(1, "--ttl".to_owned());
        }
        (k, args)
    } else if let Some(k) = at(0) {
        (k, tokens.get(1..).unwrap_or_default().to_vec())
    } else {
        return Err(ParseError::UnknownRecordType { line });
    };

    let is_txt = keyword == "TXT";
    let classes = args
        .iter()
        .map(|a| classify(a, is_txt, &line))
        .collect::<Result<Vec<_>, _>>()?;

    match keyword {
        "$ORIGIN" => single_value(args, &line).map(RawLine::Origin),
        "$TTL" => single_value(args, &line).map(RawLine::Ttl),
        "TXT" => read_txt(&args, &classes, &line).map(RawLine::Record),
        other => {
            let rtype = RecordType::from_keyword(other)
                .ok_or_else(|| ParseError::UnknownRecordType { line: line.clone() })?;
            read_fixed(rtype, args, &line).map(RawLine::Record)
        }
    }
}

/// `argparse._parse_optional` for a parser whose options are `-h`,
/// `--help` and, for TXT, `--ttl`. Anything that resolves to help, to an
/// unknown option or to an ambiguous prefix makes the line fail.
fn classify(arg: &str, txt: bool, line: &str) -> Result<Arg, ParseError> {
    if arg == "--" {
        return Err(ParseError::ArgumentSeparator {
            line: line.to_owned(),
        });
    }
    let option_like = || ParseError::OptionLikeToken {
        token: arg.to_owned(),
        line: line.to_owned(),
    };
    if !arg.starts_with('-') || arg.len() == 1 {
        return Ok(Arg::Positional);
    }
    let options: &[&str] = if txt {
        &["-h", "--help", "--ttl"]
    } else {
        &["-h", "--help"]
    };
    if arg == "--ttl" && txt {
        return Ok(Arg::Ttl(None));
    }
    if options.contains(&arg) {
        return Err(option_like());
    }

    // Explicit `--opt=value`, then unique prefixes of long options, then
    // `-hVALUE` for the short help option.
    let mut matches: Vec<(&str, Option<String>)> = Vec::new();
    if let Some((prefix, value)) = arg.split_once('=') {
        if options.contains(&prefix) {
            matches.push((prefix, Some(value.to_owned())));
        }
    }
    if matches.is_empty() {
        if arg.starts_with("--") {
            let (prefix, value) = match arg.split_once('=') {
                Some((p, v)) => (p, Some(v.to_owned())),
                None => (arg, None),
            };
            for opt in options.iter().filter(|o| o.starts_with(prefix)) {
                matches.push((opt, value.clone()));
            }
        } else if arg.starts_with("-h") {
            matches.push(("-h", None));
        }
    }
    match matches.as_slice() {
        [("--ttl", value)] => return Ok(Arg::Ttl(value.clone())),
        [] => {}
        _ => return Err(option_like()),
    }

    if is_negative_number(arg) || arg.contains(' ') {
        return Ok(Arg::Positional);
    }
    Err(option_like())
}

/// `argparse`'s `^-\d+$|^-\d*\.\d+$`: such strings are positionals
/// because no option of these parsers looks like a negative number.
fn is_negative_number(arg: &str) -> bool {
    let Some(rest) = arg.strip_prefix('-') else {
        return false;
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    match rest.split_once('.') {
        None => !rest.is_empty() && digits(rest),
        Some((int, frac)) => digits(int) && !frac.is_empty() && digits(frac),
    }
}

/// `$ORIGIN` and `$TTL` take exactly one positional.
fn single_value(mut args: Vec<String>, line: &str) -> Result<String, ParseError> {
    match args.len() {
        0 => Err(ParseError::TooFewFields {
            line: line.to_owned(),
        }),
        1 => Ok(args.remove(0)),
        _ => Err(ParseError::ExtraFields {
            extra: args.split_off(1),
            line: line.to_owned(),
        }),
    }
}

/// Non-TXT grammars: `name [ttl] TYPE field…`, all positional. The
/// optional TTL is filled only when every other positional is satisfied.
fn read_fixed(
    rtype: RecordType,
    mut args: Vec<String>,
    line: &str,
) -> Result<RawRecord, ParseError> {
    let needed = rtype.fields().len() + 2;
    if args.len() < needed {
        return Err(ParseError::TooFewFields {
            line: line.to_owned(),
        });
    }
    if args.len() > needed + 1 {
        return Err(ParseError::ExtraFields {
            extra: args.split_off(needed + 1),
            line: line.to_owned(),
        });
    }
    let with_ttl = args.len() == needed + 1;
    let mut iter = args.into_iter();
    let name = iter.next().unwrap_or_default();
    let ttl = if with_ttl { iter.next() } else { None };
    // argparse converts integer fields while assigning them, before the
    // type assertion runs, so a non-integer is what the original reports.
    if let Some(ttl) = &ttl {
        if parse_py_int(ttl) == PyInt::Invalid {
            return Err(ParseError::InvalidInteger {
                field: "ttl",
                value: ttl.clone(),
                line: line.to_owned(),
            });
        }
    }
    let type_field = iter.next().unwrap_or_default();
    let fields: Vec<String> = iter.collect();
    for ((field, kind), value) in rtype.fields().iter().zip(&fields) {
        if *kind == FieldKind::Int && parse_py_int(value) == PyInt::Invalid {
            return Err(ParseError::InvalidInteger {
                field,
                value: value.clone(),
                line: line.to_owned(),
            });
        }
    }
    check_type_field(rtype, &type_field, line)?;
    Ok(RawRecord {
        rtype,
        name,
        ttl,
        fields,
    })
}

/// The original asserts that the positional named after the type holds the
/// type keyword itself.
fn check_type_field(rtype: RecordType, value: &str, line: &str) -> Result<(), ParseError> {
    if value == rtype.keyword() {
        Ok(())
    } else {
        Err(ParseError::MisplacedType {
            keyword: rtype.keyword().to_owned(),
            line: line.to_owned(),
        })
    }
}

/// The TXT grammar: positionals `name`, `TXT`, `txt+` and option `--ttl`.
///
/// Mirrors the consume loop of `argparse._parse_known_args`: before each
/// option, as many positionals as fit are filled from the run of positional
/// strings in front of it (the `+` one greedily takes the whole run); strings
/// no positional can take become extras, which fail the line.
fn read_txt(args: &[String], classes: &[Arg], line: &str) -> Result<RawRecord, ParseError> {
    let mut slots: Vec<Vec<String>> = Vec::new(); // filled positionals, in order
    let mut extras: Vec<String> = Vec::new();
    let mut ttl: Option<String> = None;

    let run_len = |start: usize| {
        classes
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|c| **c == Arg::Positional)
            .count()
    };
    let arg_at = |i: usize| args.get(i).cloned().unwrap_or_default();

    let consume_positionals = |start: usize, slots: &mut Vec<Vec<String>>| -> usize {
        let run = run_len(start);
        let singles_left = 2usize.saturating_sub(slots.len());
        if slots.len() < 3 && run > singles_left {
            for i in 0..singles_left {
                slots.push(vec![arg_at(start + i)]);
            }
            slots.push((start + singles_left..start + run).map(arg_at).collect());
            start + run
        } else {
            let take = run.min(singles_left);
            for i in 0..take {
                slots.push(vec![arg_at(start + i)]);
            }
            start + take
        }
    };

    let option_indices: Vec<usize> = classes
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c, Arg::Ttl(_)))
        .map(|(i, _)| i)
        .collect();

    let mut start = 0;
    while let Some(next_opt) = option_indices.iter().copied().find(|&i| i >= start) {
        if start != next_opt {
            let end = consume_positionals(start, &mut slots);
            if end > start {
                start = end;
                continue;
            }
            start = end;
        }
        if start != next_opt {
            extras.extend((start..next_opt).map(arg_at));
            start = next_opt;
        }
        // consume_optional: `--ttl=value`, or `--ttl` followed by a positional.
        // Every occurrence is converted (the last one wins), so any
        // non-integer fails the line.
        let value = match classes.get(start) {
            Some(Arg::Ttl(Some(value))) => {
                start += 1;
                value.clone()
            }
            _ => match classes.get(start + 1) {
                Some(Arg::Positional) => {
                    start += 2;
                    arg_at(start - 1)
                }
                _ => {
                    return Err(ParseError::TooFewFields {
                        line: line.to_owned(),
                    })
                }
            },
        };
        if parse_py_int(&value) == PyInt::Invalid {
            return Err(ParseError::InvalidInteger {
                field: "ttl",
                value,
                line: line.to_owned(),
            });
        }
        ttl = Some(value);
    }
    let stop = consume_positionals(start, &mut slots);
    extras.extend((stop..args.len()).map(arg_at));

    let mut slots = slots.into_iter();
    let (Some(name), Some(type_field), Some(txt)) = (slots.next(), slots.next(), slots.next())
    else {
        return Err(ParseError::TooFewFields {
            line: line.to_owned(),
        });
    };
    if !extras.is_empty() {
        return Err(ParseError::ExtraFields {
            extra: extras,
            line: line.to_owned(),
        });
    }
    check_type_field(RecordType::Txt, &type_field.concat(), line)?;
    Ok(RawRecord {
        rtype: RecordType::Txt,
        name: name.concat(),
        ttl,
        fields: txt,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(line: &str) -> Result<RawLine, ParseError> {
        let tokens: Vec<String> = line.split(' ').map(str::to_owned).collect();
        read_line(&tokens)
    }

    fn record(line: &str) -> RawRecord {
        match read(line) {
            Ok(RawLine::Record(r)) => r,
            other => panic!("{line:?}: {other:?}"),
        }
    }

    #[test]
    fn optional_ttl_positional() {
        let r = record("foo A 1.2.3.4");
        assert_eq!(
            (r.name.as_str(), r.ttl, r.fields),
            ("foo", None, vec!["1.2.3.4".into()])
        );
        let r = record("foo 60 A 1.2.3.4");
        assert_eq!(r.ttl.as_deref(), Some("60"));
    }

    #[test]
    fn type_keyword_must_be_in_type_position() {
        assert!(matches!(
            read("foo 10 A"),
            Err(ParseError::MisplacedType { .. })
        ));
        assert!(matches!(
            read("foo A"),
            Err(ParseError::TooFewFields { .. })
        ));
        assert!(matches!(
            read("foo A 1 2 3"),
            Err(ParseError::ExtraFields { .. })
        ));
        assert!(matches!(
            read("foo bar baz"),
            Err(ParseError::UnknownRecordType { .. })
        ));
    }

    #[test]
    fn txt_ttl_forms() {
        assert_eq!(record("foo 5 TXT a b").ttl.as_deref(), Some("5"));
        assert_eq!(record("foo TXT --ttl 5 a").ttl.as_deref(), Some("5"));
        assert_eq!(record("foo TXT a --ttl 5").ttl.as_deref(), Some("5"));
        assert_eq!(record("foo TXT --t=7 a").ttl.as_deref(), Some("7"));
        assert_eq!(
            record("foo TXT --ttl 1 a --ttl=2").ttl.as_deref(),
            Some("2")
        );
        // Each occurrence is converted, even one that is later overridden.
        assert!(matches!(
            read("foo x TXT --ttl=5 a"),
            Err(ParseError::InvalidInteger { .. })
        ));
        // The `+` argument takes one run only: strings after the option are extras.
        assert!(matches!(
            read("foo TXT a --ttl 5 b"),
            Err(ParseError::ExtraFields { .. })
        ));
        assert!(matches!(
            read("foo TXT --ttl 5"),
            Err(ParseError::TooFewFields { .. })
        ));
        assert!(matches!(
            read("foo TXT a --ttl"),
            Err(ParseError::TooFewFields { .. })
        ));
    }

    #[test]
    fn dash_tokens() {
        assert_eq!(record("foo TXT -5").fields, ["-5"]);
        assert_eq!(record("foo TXT -.5").fields, ["-.5"]);
        assert_eq!(record("foo TXT -").fields, ["-"]);
        for bad in [
            "foo TXT -x",
            "foo TXT -h",
            "foo TXT --help",
            "foo TXT --=1",
            "foo A -x",
        ] {
            assert!(
                matches!(read(bad), Err(ParseError::OptionLikeToken { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            read("foo TXT -- x"),
            Err(ParseError::ArgumentSeparator { .. })
        ));
        let tokens = vec!["foo".to_owned(), "TXT".to_owned(), "-x y".to_owned()];
        assert!(matches!(read_line(&tokens), Ok(RawLine::Record(_))));
    }

    #[test]
    fn directives_take_one_value() {
        assert_eq!(read("$ORIGIN foo.id"), Ok(RawLine::Origin("foo.id".into())));
        assert!(matches!(
            read("$ORIGIN a.id $TTL 3600"),
            Err(ParseError::ExtraFields { .. })
        ));
        assert!(matches!(
            read("$ORIGIN A"),
            Err(ParseError::TooFewFields { .. })
        ));
    }
}
