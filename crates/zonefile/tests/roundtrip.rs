//! Property tests: serializer output re-parses to the same zone file, and
//! nothing makes the parser panic.

use blockstack_zonefile::subdomain::decode_zonefile_subdomains;
use blockstack_zonefile::{
    parse, serialize, AddressRecord, CnameRecord, HostRecord, MxRecord, SoaRecord, SpfRecord,
    SrvRecord, TxtData, TxtRecord, UriRecord, Zonefile, SUPPORTED_KEYWORDS,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

/// Words the reference parser would reinterpret: record keywords (which
/// select a grammar or gain an `@` owner) and class names (which are
/// removed, or rejected when not upper case).
fn is_special(word: &str) -> bool {
    SUPPORTED_KEYWORDS.contains(&word)
        || ["IN", "CS", "CH", "HS"]
            .iter()
            .any(|c| word.eq_ignore_ascii_case(c))
}

/// An owner name: no whitespace, quotes, backslashes, `;` or parentheses.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![Just("@".to_owned()), "[a-zA-Z_][a-zA-Z0-9_.~%/+=-]{0,12}",]
        .prop_filter("special word", |w| !is_special(w))
}

/// An unquoted field value (host, ip, SPF data, …).
fn word() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_.:/+=@][a-zA-Z0-9_.:/+=@-]{0,15}".prop_filter("special word", |w| !is_special(w))
}

/// A quoted string (TXT data, URI target): may hold single spaces and `;`,
/// which the serializer escapes. Runs of spaces collapse in the original,
/// so they are not generated.
fn quoted() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_.:/+=@,;!$#&?%~*-]{1,10}( [a-zA-Z0-9_.:/+=@,;!$#&?%~*-]{1,10}){0,3}"
        .prop_filter("special or option-like word", |s| {
            !is_special(s) && !s.starts_with('-')
        })
}

fn ttl() -> impl Strategy<Value = Option<i64>> {
    option::of(any::<i64>())
}

fn zonefile() -> impl Strategy<Value = Zonefile> {
    let soa = (name(), ttl(), word(), word(), any::<[i64; 5]>()).prop_map(
        |(name, ttl, mname, rname, [serial, refresh, retry, expire, minimum])| SoaRecord {
            name,
            ttl,
            mname,
            rname,
            serial,
            refresh,
            retry,
            expire,
            minimum,
        },
    );
    let host =
        || (name(), ttl(), word()).prop_map(|(name, ttl, host)| HostRecord { name, ttl, host });
    let addr =
        || (name(), ttl(), word()).prop_map(|(name, ttl, ip)| AddressRecord { name, ttl, ip });
    let cname =
        (name(), ttl(), word()).prop_map(|(name, ttl, alias)| CnameRecord { name, ttl, alias });
    let mx = (name(), ttl(), word(), word()).prop_map(|(name, ttl, preference, host)| MxRecord {
        name,
        ttl,
        preference,
        host,
    });
    let txt = (name(), ttl(), vec(quoted(), 1..5)).prop_map(|(name, ttl, strings)| TxtRecord {
        name,
        ttl,
        txt: TxtData::from_strings(strings),
    });
    let srv = (name(), ttl(), any::<[i64; 3]>(), word()).prop_map(
        |(name, ttl, [priority, weight, port], target)| SrvRecord {
            name,
            ttl,
            priority,
            weight,
            port,
            target,
        },
    );
    let spf = (name(), ttl(), word()).prop_map(|(name, ttl, data)| SpfRecord { name, ttl, data });
    let uri = (name(), ttl(), any::<i64>(), any::<i64>(), quoted()).prop_map(
        |(name, ttl, priority, weight, target)| UriRecord {
            name,
            ttl,
            priority,
            weight,
            target,
        },
    );
    (
        (option::of(word()), option::of(any::<i64>())),
        (
            vec(soa, 0..2),
            vec(host(), 0..3),
            vec(addr(), 0..3),
            vec(addr(), 0..3),
        ),
        (vec(cname, 0..3), vec(host(), 0..3), vec(mx, 0..3)),
        (
            vec(txt, 0..4),
            vec(srv, 0..3),
            vec(spf, 0..3),
            vec(uri, 0..4),
        ),
    )
        .prop_map(
            |((origin, ttl), (soa, ns, a, aaaa), (cname, alias, mx), (txt, srv, spf, uri))| {
                Zonefile {
                    origin,
                    ttl,
                    soa,
                    ns,
                    a,
                    aaaa,
                    cname,
                    alias,
                    mx,
                    ptr: Vec::new(),
                    txt,
                    srv,
                    spf,
                    uri,
                }
            },
        )
        .prop_filter("the original cannot parse an empty zone file", |zf| {
            serialize(zf) != "\n"
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn serialized_zonefiles_parse_back(zf in zonefile()) {
        let text = serialize(&zf);
        let parsed = parse(&text);
        prop_assert_eq!(parsed.as_ref(), Ok(&zf), "text:\n{}", text);
        // And the serializer is a fixed point on its own output.
        let again = parsed.map(|p| serialize(&p));
        prop_assert_eq!(again.as_deref(), Ok(text.as_str()));
    }

    #[test]
    fn parse_never_panics_on_arbitrary_text(text in any::<String>()) {
        let _ = parse(&text);
    }

    #[test]
    fn parse_never_panics_on_zonefile_like_text(
        text in r#"([ \t\r\n"\\;()@$a-zA-Z0-9.=+/_-]|IN|in|TXT|URI|SOA|PTR|--ttl|-5|-x|\$ORIGIN|\$TTL){0,80}"#
    ) {
        if let Ok(zf) = parse(&text) {
            // Whatever parses serializes without panicking, and JSON works.
            let _ = serialize(&zf);
            let _ = zf.to_json();
        }
        let _ = decode_zonefile_subdomains("bar.id", text.as_bytes());
    }

    #[test]
    fn subdomain_decoding_never_panics(
        strings in vec(r#"(owner|seqn|parts|sig|zf[0-3])=[a-zA-Z0-9+/=!-]{0,12}|[a-z=]{0,5}"#, 0..8),
        label in "[a-zA-Z0-9._%-]{1,20}",
    ) {
        let quoted: Vec<String> = strings.iter().map(|s| format!("\"{s}\"")).collect();
        let text = format!("$ORIGIN bar.id\n$TTL 1\n{label} TXT {} x\n", quoted.join(" "));
        let _ = decode_zonefile_subdomains("bar.id", text.as_bytes());
    }
}
