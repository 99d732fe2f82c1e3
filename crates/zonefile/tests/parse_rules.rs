//! One test per syntax rule of `zonefile.md` §2, with the behaviour of the
//! reference parser (`blockstack_zones` 0.17.0.2).

use blockstack_zonefile::{parse, parse_bytes, ParseError};
use serde_json::{json, Value};

fn json_of(text: &str) -> Value {
    match parse(text) {
        Ok(zf) => zf.to_json(),
        Err(e) => panic!("{text:?} failed: {e}"),
    }
}

fn txt_of(line: &str) -> Value {
    json_of(line)["txt"][0]["txt"].clone()
}

fn err_of(text: &str) -> ParseError {
    match parse(text) {
        Ok(zf) => panic!("{text:?} parsed: {}", zf.to_json()),
        Err(e) => e,
    }
}

// §2.1 tokenizer

#[test]
fn tokens_split_on_any_whitespace_and_crlf_is_harmless() {
    let crlf = "$ORIGIN a.id\r\n$TTL 3600\r\n_http._tcp\tIN\tURI\t10\t1\t\"https://x.co/p\"\r\n";
    assert_eq!(
        json_of(crlf),
        json!({"$origin": "a.id", "$ttl": 3600,
               "uri": [{"name": "_http._tcp", "priority": 10, "weight": 1, "target": "https://x.co/p"}]})
    );
}

#[test]
fn quotes_are_removed_and_inner_spaces_kept() {
    assert_eq!(txt_of("foo TXT \"a b\" c"), json!(["a b", "c"]));
}

#[test]
fn backslash_makes_the_next_character_literal() {
    assert_eq!(
        txt_of(r"foo TXT a\=b c\;d e\ f"),
        json!(["a=b", "c;d", "e f"])
    );
    // A backslash never survives, not even a doubled one.
    assert_eq!(txt_of(r"foo TXT a\\b"), json!("ab"));
}

#[test]
fn escaped_quote_is_lost_by_later_passes() {
    // Pass 1 keeps `"`, pass 3 reads it as a quote toggle and drops it.
    assert_eq!(txt_of(r#"foo TXT a\"b"#), json!("ab"));
}

#[test]
fn unescaped_semicolon_comments_even_inside_quotes() {
    assert_eq!(txt_of("foo TXT \"c;d\""), json!("c"));
    assert_eq!(txt_of("foo TXT x ; a comment"), json!("x"));
    assert_eq!(txt_of("foo TXT \"c\\;d\""), json!("c;d"));
}

#[test]
fn runs_of_spaces_in_quoted_strings_collapse() {
    assert_eq!(txt_of("foo TXT \"a   b\""), json!("a b"));
    assert_eq!(txt_of("foo TXT \"a\tb c\""), json!("a b c"));
}

#[test]
fn empty_quoted_string_disappears() {
    assert!(matches!(
        err_of("foo TXT \"\""),
        ParseError::TooFewFields { .. }
    ));
    assert_eq!(txt_of("foo TXT \"\" x"), json!("x"));
}

// §2.2 passes

#[test]
fn comment_only_and_blank_lines_are_dropped() {
    let text = "; header\n\n$ORIGIN a.id\n   \n$TTL 1 ; trailing\n";
    assert_eq!(json_of(text), json!({"$origin": "a.id", "$ttl": 1}));
}

#[test]
fn parentheses_join_lines() {
    let text = "@ 3600 IN SOA ns1.a.id. admin.a.id. (\n  2017 ; serial\n  7200 3600\n  1209600 )\n  3600\n";
    // The group closes at `1209600 )`, one number short of a SOA record,
    // so every field shifts left and `admin.a.id.` lands in `serial`.
    assert!(matches!(
        err_of(text),
        ParseError::InvalidInteger {
            field: "serial",
            ..
        }
    ));
    let text = "@ 3600 IN SOA ns1.a.id. admin.a.id. (\n 2017 7200 3600\n 1209600 3600 )\n";
    assert_eq!(
        json_of(text),
        json!({"soa": [{"name": "@", "ttl": 3600, "mname": "ns1.a.id.", "rname": "admin.a.id.",
                        "serial": 2017, "refresh": 7200, "retry": 3600, "expire": 1209600, "minimum": 3600}]})
    );
}

#[test]
fn unclosed_parenthesis_swallows_the_rest() {
    assert_eq!(
        json_of("$TTL 5\nfoo TXT (a\nbar A 1.2.3.4\n"),
        json!({"$ttl": 5})
    );
}

#[test]
fn class_token_is_removed_once() {
    assert_eq!(
        json_of("foo IN A 1.2.3.4"),
        json!({"a": [{"name": "foo", "ip": "1.2.3.4"}]})
    );
    assert_eq!(
        json_of("foo CH A 1.2.3.4"),
        json!({"a": [{"name": "foo", "ip": "1.2.3.4"}]})
    );
    // Only the first `IN` goes; a data word `IN` is removed if it is the first.
    assert_eq!(txt_of("foo TXT IN x"), json!("x"));
    assert_eq!(txt_of("foo IN TXT IN"), json!("IN"));
}

#[test]
fn non_upper_case_class_is_an_error() {
    assert!(matches!(
        err_of("foo in A 1.2.3.4"),
        ParseError::NonUpperCaseClass { token, .. } if token == "in"
    ));
    // Detection looks at every token, TXT data included.
    assert!(matches!(
        err_of("foo TXT \"hs\""),
        ParseError::NonUpperCaseClass { .. }
    ));
}

#[test]
fn record_without_owner_gets_at() {
    assert_eq!(
        json_of("A 1.2.3.4\nTXT hello"),
        json!({"a": [{"name": "@", "ip": "1.2.3.4"}], "txt": [{"name": "@", "txt": "hello"}]})
    );
}

// §2.3 line grammar

#[test]
fn record_types_are_case_sensitive() {
    assert!(matches!(
        err_of("foo txt hello"),
        ParseError::UnknownRecordType { .. }
    ));
    assert!(matches!(
        err_of("foo Uri 1 1 x"),
        ParseError::UnknownRecordType { .. }
    ));
}

#[test]
fn every_supported_type_parses() {
    let text = "$ORIGIN a.id\n$TTL 60\n\
        @ NS ns1.a.id.\n@ A 1.2.3.4\n@ AAAA ::1\nwww CNAME a.id.\n@ ALIAS b.id.\n\
        @ 30 MX 10 mail.a.id.\n@ SPF v=spf1\n_sip._tcp SRV 1 2 5060 sip.a.id.\n\
        _http._tcp URI 10 1 \"https://x.co/p\"\npubkey TXT \"pubkey:data:00\"\n";
    assert_eq!(
        json_of(text),
        json!({
            "$origin": "a.id", "$ttl": 60,
            "ns": [{"name": "@", "host": "ns1.a.id."}],
            "a": [{"name": "@", "ip": "1.2.3.4"}],
            "aaaa": [{"name": "@", "ip": "::1"}],
            "cname": [{"name": "www", "alias": "a.id."}],
            "alias": [{"name": "@", "host": "b.id."}],
            "mx": [{"name": "@", "ttl": 30, "preference": "10", "host": "mail.a.id."}],
            "spf": [{"name": "@", "data": "v=spf1"}],
            "srv": [{"name": "_sip._tcp", "priority": 1, "weight": 2, "port": 5060, "target": "sip.a.id."}],
            "uri": [{"name": "_http._tcp", "priority": 10, "weight": 1, "target": "https://x.co/p"}],
            "txt": [{"name": "pubkey", "txt": "pubkey:data:00"}],
        })
    );
}

#[test]
fn ptr_records_always_fail() {
    assert!(matches!(
        err_of("$ORIGIN a.id\nfoo PTR bar.a.id."),
        ParseError::PtrRecord { .. }
    ));
}

#[test]
fn record_ttl_is_optional_and_integer() {
    assert_eq!(json_of("foo 300 TXT x")["txt"][0]["ttl"], json!(300));
    assert_eq!(json_of("foo 300 A 1.1.1.1")["a"][0]["ttl"], json!(300));
    assert!(matches!(
        err_of("foo 3h A 1.1.1.1"),
        ParseError::InvalidInteger { field: "ttl", .. }
    ));
}

#[test]
fn integer_fields_follow_python_int() {
    assert_eq!(
        json_of("_h URI +010 -1 x")["uri"][0],
        json!({"name": "_h", "priority": 10, "weight": -1, "target": "x"})
    );
    assert!(matches!(
        err_of("_h URI 1.5 1 x"),
        ParseError::InvalidInteger {
            field: "priority",
            ..
        }
    ));
    assert!(matches!(
        err_of("$TTL 1h"),
        ParseError::InvalidInteger { field: "$TTL", .. }
    ));
    assert!(matches!(
        err_of("$TTL 99999999999999999999"),
        ParseError::IntegerOutOfRange { .. }
    ));
}

#[test]
fn option_like_fields_fail_but_negative_numbers_do_not() {
    assert!(matches!(
        err_of("foo TXT \"-x\""),
        ParseError::OptionLikeToken { .. }
    ));
    assert!(matches!(
        err_of("foo A -h"),
        ParseError::OptionLikeToken { .. }
    ));
    assert_eq!(txt_of("foo TXT \"-5\""), json!("-5"));
    assert_eq!(txt_of("foo TXT \"-x y\""), json!("-x y"));
    assert!(matches!(
        err_of("foo TXT -- x"),
        ParseError::ArgumentSeparator { .. }
    ));
}

#[test]
fn txt_accepts_its_ttl_option() {
    assert_eq!(
        json_of("foo TXT --ttl 9 x")["txt"][0],
        json!({"name": "foo", "ttl": 9, "txt": "x"})
    );
}

#[test]
fn missing_and_extra_fields_fail() {
    assert!(matches!(
        err_of("_h URI 10 1"),
        ParseError::TooFewFields { .. }
    ));
    assert!(matches!(
        err_of("_h 5 URI 10 1 x y"),
        ParseError::ExtraFields { .. }
    ));
    // One field too many puts `URI` in the TTL position.
    assert!(matches!(
        err_of("_h URI 10 1 x y"),
        ParseError::InvalidInteger { field: "ttl", .. }
    ));
    assert!(matches!(err_of("$ORIGIN"), ParseError::TooFewFields { .. }));
    assert!(matches!(
        err_of("$ORIGIN a.id $TTL 3600"),
        ParseError::ExtraFields { .. }
    ));
}

#[test]
fn keyword_out_of_place_fails() {
    assert!(matches!(
        err_of("foo 10 A"),
        ParseError::MisplacedType { .. }
    ));
    assert!(matches!(
        err_of("foo bar baz qux"),
        ParseError::UnknownRecordType { .. }
    ));
}

#[test]
fn empty_zonefile_fails() {
    assert_eq!(err_of(""), ParseError::Empty);
    assert_eq!(err_of("; nothing\n\n"), ParseError::Empty);
}

#[test]
fn non_utf8_bytes_are_rejected() {
    assert_eq!(
        parse_bytes(b"foo TXT \xff"),
        Err(ParseError::NotUtf8 { offset: 8 })
    );
}

// §2.4 JSON shape

#[test]
fn single_txt_string_is_a_string_several_a_list() {
    assert_eq!(txt_of("foo TXT one"), json!("one"));
    assert_eq!(txt_of("foo TXT one two"), json!(["one", "two"]));
}

#[test]
fn last_directive_wins_and_names_are_kept_verbatim() {
    let zf = json_of("$ORIGIN a.id\n$ORIGIN b.id\n$TTL 1\n$TTL 2\nFoo.Bar. A 1.2.3.4\n");
    assert_eq!(zf["$origin"], json!("b.id"));
    assert_eq!(zf["$ttl"], json!(2));
    assert_eq!(zf["a"][0]["name"], json!("Foo.Bar."));
}

#[test]
fn records_keep_file_order_within_a_type() {
    let zf = json_of("b TXT 2\na TXT 1\nc TXT 3\n");
    let names: Vec<&str> = zf["txt"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names, ["b", "a", "c"]);
}

#[test]
fn json_round_trips_through_serde() {
    let zf = parse("$ORIGIN a.id\n$TTL 1\nx 5 TXT a b\n_h URI 1 2 t\n").expect("parses");
    let back: blockstack_zonefile::Zonefile =
        serde_json::from_value(zf.to_json()).expect("deserializes");
    assert_eq!(back, zf);
}
