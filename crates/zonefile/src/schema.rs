//! The "user zone file" JSON-schema checks applied to parsed zone files
//! (spec `zonefile.md` §4.2).
//!
//! Two variants exist in v0.18: the server's (`USER_ZONEFILE_SCHEMA` in
//! `blockstack/lib/schemas.py`, applied by the subdomain indexer) and the
//! client's (`blockstack_client/schemas.py`, applied by the REST API and
//! `get_profile`). They share the record rules and differ in the `$origin`
//! pattern and in whether `uri` is required.

use thiserror::Error;

use crate::record::Zonefile;

/// Which schema variant to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaVariant {
    /// `blockstack/lib/schemas.py`: `$origin` must be a BNS name
    /// (`label.namespace`), `uri` may be absent.
    Server,
    /// `blockstack_client/schemas.py`: `$origin` is any 3–37 characters of
    /// `[a-z0-9-_.+]`, `uri` is required.
    Client,
}

/// Why a parsed zone file fails the user zone file schema.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SchemaError {
    /// No `$ORIGIN` line.
    #[error("zone file has no $origin")]
    MissingOrigin,
    /// `$ORIGIN` does not match the variant's name pattern.
    #[error("$origin {0:?} does not match the name pattern")]
    InvalidOrigin(String),
    /// No `$TTL` line.
    #[error("zone file has no $ttl")]
    MissingTtl,
    /// `$TTL` outside 0 … 2^31−1.
    #[error("$ttl {0} is outside 0..=2147483647")]
    TtlOutOfRange(i64),
    /// The client variant requires at least the `uri` key (a list, possibly
    /// of one record; an absent list fails).
    #[error("zone file has no uri records")]
    MissingUri,
    /// A TXT owner name with characters outside `[a-zA-Z0-9-_.~%/]`.
    #[error("txt record name {0:?} has characters outside [a-zA-Z0-9-_.~%/]")]
    InvalidTxtName(String),
    /// A URI priority or weight outside 0 … 65535.
    #[error("uri {field} {value} is outside 0..=65535")]
    UriFieldOutOfRange {
        /// `priority` or `weight`.
        field: &'static str,
        /// The value.
        value: i64,
    },
    /// A URI target that matches neither target pattern.
    #[error("uri target {0:?} does not match the uri target pattern")]
    InvalidUriTarget(String),
}

/// Check `zf` against the chosen schema variant.
pub fn validate(zf: &Zonefile, variant: SchemaVariant) -> Result<(), SchemaError> {
    for txt in &zf.txt {
        if !is_urlencoded(&txt.name) {
            return Err(SchemaError::InvalidTxtName(txt.name.clone()));
        }
    }
    for uri in &zf.uri {
        for (field, value) in [("priority", uri.priority), ("weight", uri.weight)] {
            if !(0..=65_535).contains(&value) {
                return Err(SchemaError::UriFieldOutOfRange { field, value });
            }
        }
        if !is_uri_target(&uri.target) {
            return Err(SchemaError::InvalidUriTarget(uri.target.clone()));
        }
    }
    if variant == SchemaVariant::Client && zf.uri.is_empty() {
        return Err(SchemaError::MissingUri);
    }
    let origin = zf.origin.as_deref().ok_or(SchemaError::MissingOrigin)?;
    let origin_ok = match variant {
        SchemaVariant::Server => is_bns_name(origin),
        SchemaVariant::Client => {
            (3..=37).contains(&origin.len()) && origin.bytes().all(is_name_char)
        }
    };
    if !origin_ok {
        return Err(SchemaError::InvalidOrigin(origin.to_owned()));
    }
    let ttl = zf.ttl.ok_or(SchemaError::MissingTtl)?;
    if !(0..=2_147_483_647).contains(&ttl) {
        return Err(SchemaError::TtlOutOfRange(ttl));
    }
    Ok(())
}

/// `[a-z0-9\-_.+]`, the BNS name alphabet.
fn is_name_char(b: u8) -> bool {
    matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'+')
}

/// The server's `OP_NAME_PATTERN`:
/// `^[a-z0-9\-_+]{1,37}\.[a-z0-9\-_.+]{1,19}$`.
pub(crate) fn is_bns_name(s: &str) -> bool {
    let Some((label, rest)) = s.split_once('.') else {
        return false;
    };
    (1..=37).contains(&label.len())
        && label.bytes().all(|b| is_name_char(b) && b != b'.')
        && (1..=19).contains(&rest.len())
        && rest.bytes().all(is_name_char)
}

/// `OP_URLENCODED_PATTERN`: `^[a-zA-Z0-9\-_.~%/]+$`.
fn is_urlencoded(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~%/".contains(&b))
}

/// `OP_URI_TARGET_PATTERN` or `OP_URI_TARGET_PATTERN_NOSCHEME`.
fn is_uri_target(s: &str) -> bool {
    let body = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.~%#?&\\:/=".contains(&b))
    };
    if body(s) {
        return true;
    }
    match s.split_once("://") {
        Some((scheme, rest)) => {
            !scheme.is_empty()
                && scheme
                    .bytes()
                    .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'+'))
                && body(rest)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn check(text: &str, variant: SchemaVariant) -> Result<(), SchemaError> {
        validate(&parse(text).expect("parses"), variant)
    }

    const GOOD: &str = "$ORIGIN alice.id\n$TTL 3600\n_https._tcp URI 10 1 \"https://gaia.example.org/hub/1ABC/profile.json\"\n";

    #[test]
    fn accepts_standard_user_zonefile() {
        assert_eq!(check(GOOD, SchemaVariant::Server), Ok(()));
        assert_eq!(check(GOOD, SchemaVariant::Client), Ok(()));
    }

    #[test]
    fn origin_patterns_differ() {
        let bare = "$ORIGIN 1yeardaily\n$TTL 3600\n_http._tcp URI 10 1 \"https://x.co/a\"\n";
        assert_eq!(
            check(bare, SchemaVariant::Server),
            Err(SchemaError::InvalidOrigin("1yeardaily".into()))
        );
        assert_eq!(check(bare, SchemaVariant::Client), Ok(()));
        let sub = "$ORIGIN aaron.personal.id\n$TTL 3600\n_http._tcp URI 10 1 \"https://x.co/a\"\n";
        assert_eq!(check(sub, SchemaVariant::Server), Ok(()));
        let long = format!("$ORIGIN {}.id\n$TTL 1\n", "a".repeat(38));
        assert!(check(&long, SchemaVariant::Server).is_err());
    }

    #[test]
    fn uri_required_only_by_client() {
        let no_uri = "$ORIGIN alice.id\n$TTL 3600\npubkey TXT \"pubkey:data:00\"\n";
        assert_eq!(check(no_uri, SchemaVariant::Server), Ok(()));
        assert_eq!(
            check(no_uri, SchemaVariant::Client),
            Err(SchemaError::MissingUri)
        );
    }

    #[test]
    fn required_directives() {
        assert_eq!(
            check("$TTL 3600\nfoo A 1.2.3.4\n", SchemaVariant::Server),
            Err(SchemaError::MissingOrigin)
        );
        assert_eq!(
            check("$ORIGIN a.id\nfoo A 1.2.3.4\n", SchemaVariant::Server),
            Err(SchemaError::MissingTtl)
        );
        assert_eq!(
            check("$ORIGIN a.id\n$TTL 2147483648\n", SchemaVariant::Server),
            Err(SchemaError::TtlOutOfRange(2_147_483_648))
        );
    }

    #[test]
    fn bounds_of_the_client_origin_the_ttl_and_uri_fields() {
        let uri = "_http._tcp URI 10 1 \"https://x.co/a\"\n";
        let with_origin = |origin: &str| format!("$ORIGIN {origin}\n$TTL 3600\n{uri}");
        for (origin, ok) in [
            ("ab".to_string(), false),
            ("abc".to_string(), true),
            ("a".repeat(37), true),
            ("a".repeat(38), false),
            ("Abc".to_string(), false),
            ("a.b.c".to_string(), true),
        ] {
            let got = check(&with_origin(&origin), SchemaVariant::Client);
            assert_eq!(got.is_ok(), ok, "{origin}: {got:?}");
        }
        let with_ttl = |ttl: &str| format!("$ORIGIN a.id\n$TTL {ttl}\n{uri}");
        for (ttl, ok) in [("0", true), ("2147483647", true), ("-1", false)] {
            let got = check(&with_ttl(ttl), SchemaVariant::Server);
            assert_eq!(got.is_ok(), ok, "$TTL {ttl}: {got:?}");
        }
        let with_fields =
            |p: &str, w: &str| format!("$ORIGIN a.id\n$TTL 1\n_h URI {p} {w} \"https://x.co/a\"\n");
        for (p, w, ok) in [
            ("0", "0", true),
            ("65535", "65535", true),
            ("1", "65536", false),
            ("-1", "1", false),
            ("1", "-1", false),
        ] {
            let got = check(&with_fields(p, w), SchemaVariant::Server);
            assert_eq!(got.is_ok(), ok, "URI {p} {w}: {got:?}");
        }
    }

    #[test]
    fn record_rules() {
        let base = "$ORIGIN a.id\n$TTL 1\n";
        assert_eq!(
            check(&format!("{base}a@b TXT x\n"), SchemaVariant::Server),
            Err(SchemaError::InvalidTxtName("a@b".into()))
        );
        assert_eq!(
            check(
                &format!("{base}_h URI 65536 1 \"x\"\n"),
                SchemaVariant::Server
            ),
            Err(SchemaError::UriFieldOutOfRange {
                field: "priority",
                value: 65_536
            })
        );
        for bad in ["https://x.co/a@b", "https://x.co/a+b", "a,b", "Git+ssh://h"] {
            assert_eq!(
                check(
                    &format!("{base}_h URI 1 1 \"{bad}\"\n"),
                    SchemaVariant::Server
                ),
                Err(SchemaError::InvalidUriTarget(bad.into())),
                "{bad}"
            );
        }
        for good in ["x.co/a", "git+ssh://h/p", "file:///tmp/x", "a\\b"] {
            assert!(is_uri_target(good), "{good}");
        }
    }
}
