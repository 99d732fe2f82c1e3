//! `make_zone_file`: [`Zonefile`] back to text (spec §3).

use crate::pyint::is_py_space;
use crate::record::{RecordType, Zonefile};

/// Serialize a zone file the way `blockstack_zones.make_zone_file` writes
/// it, so that files written here hash like files written by the v0.18
/// Python tools.
///
/// Records are grouped by type in the template order (`$ORIGIN`, `$TTL`,
/// SOA, NS, MX, A, AAAA, CNAME, ALIAS, PTR, TXT, SRV, SPF, URI), one line
/// each: `<name> [<ttl>] <TYPE> <fields…>`. TXT strings and URI targets are
/// wrapped in quotes with `;` escaped; no other value is quoted or escaped.
/// Lines are stripped, blank ones dropped, and the text ends with one
/// newline.
///
/// Two deliberate differences from the original: every SOA record is
/// written (the original asserts there is exactly one and cannot serialize
/// the list its own parser returns), and values containing template
/// placeholders such as `{txt}` are written literally instead of being
/// substituted into.
pub fn serialize(zf: &Zonefile) -> String {
    let mut text = String::new();
    let mut line = |fields: Vec<String>| {
        text.push_str(&fields.join(" "));
        text.push('\n');
    };
    let head = |name: &str, ttl: Option<i64>, rtype: RecordType| {
        let mut fields = vec![name.to_owned()];
        fields.extend(ttl.map(|t| t.to_string()));
        fields.push(rtype.keyword().to_owned());
        fields
    };

    if let Some(origin) = &zf.origin {
        line(vec![format!("$ORIGIN {origin}")]);
    }
    if let Some(ttl) = zf.ttl {
        line(vec![format!("$TTL {ttl}")]);
    }
    for r in &zf.soa {
        let mut f = vec![r.name.clone()];
        f.extend(r.ttl.map(|t| t.to_string()));
        f.extend(["IN".into(), "SOA".into(), r.mname.clone(), r.rname.clone()]);
        f.push("(".into());
        f.extend([r.serial, r.refresh, r.retry, r.expire, r.minimum].map(|n| n.to_string()));
        f.push(")".into());
        line(f);
    }
    for r in &zf.ns {
        line([head(&r.name, r.ttl, RecordType::Ns), vec![r.host.clone()]].concat());
    }
    for r in &zf.mx {
        let mut f = head(&r.name, r.ttl, RecordType::Mx);
        f.extend([r.preference.clone(), r.host.clone()]);
        line(f);
    }
    for r in &zf.a {
        line([head(&r.name, r.ttl, RecordType::A), vec![r.ip.clone()]].concat());
    }
    for r in &zf.aaaa {
        line([head(&r.name, r.ttl, RecordType::Aaaa), vec![r.ip.clone()]].concat());
    }
    for r in &zf.cname {
        line(
            [
                head(&r.name, r.ttl, RecordType::Cname),
                vec![r.alias.clone()],
            ]
            .concat(),
        );
    }
    for r in &zf.alias {
        line(
            [
                head(&r.name, r.ttl, RecordType::Alias),
                vec![r.host.clone()],
            ]
            .concat(),
        );
    }
    for r in &zf.ptr {
        line([head(&r.name, r.ttl, RecordType::Ptr), vec![r.host.clone()]].concat());
    }
    for r in &zf.txt {
        let mut f = head(&r.name, r.ttl, RecordType::Txt);
        f.extend(r.txt.strings().iter().map(|s| quote(s)));
        line(f);
    }
    for r in &zf.srv {
        let mut f = head(&r.name, r.ttl, RecordType::Srv);
        f.extend([
            r.priority.to_string(),
            r.weight.to_string(),
            r.port.to_string(),
            r.target.clone(),
        ]);
        line(f);
    }
    for r in &zf.spf {
        line([head(&r.name, r.ttl, RecordType::Spf), vec![r.data.clone()]].concat());
    }
    for r in &zf.uri {
        let mut f = head(&r.name, r.ttl, RecordType::Uri);
        f.extend([
            r.priority.to_string(),
            r.weight.to_string(),
            quote(&r.target),
        ]);
        line(f);
    }

    let mut out = text
        .split('\n')
        .map(|l| l.trim_matches(is_py_space))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    out.push('\n');
    out
}

/// `"…"` with `;` escaped (`quote_field` / `process_txt`).
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace(';', "\\;"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{AddressRecord, TxtData, TxtRecord, UriRecord};

    #[test]
    fn writes_the_reference_layout() {
        let zf = Zonefile {
            origin: Some("bar.id".into()),
            ttl: Some(3600),
            a: vec![AddressRecord {
                name: "@".into(),
                ttl: None,
                ip: "1.2.3.4".into(),
            }],
            txt: vec![
                TxtRecord {
                    name: "pubkey".into(),
                    ttl: None,
                    txt: TxtData::Single("pubkey:data:0000".into()),
                },
                TxtRecord {
                    name: "aaron".into(),
                    ttl: None,
                    txt: TxtData::Multi(vec![
                        "owner=33VvhhSQsYQyCVE2VzG3EHa9gfRCpboqHy".into(),
                        "seqn=0".into(),
                        "parts=1".into(),
                        "zf0=JE9S==".into(),
                    ]),
                },
            ],
            uri: vec![
                UriRecord {
                    name: "registrar".into(),
                    ttl: None,
                    priority: 10,
                    weight: 1,
                    target: "bsreg://foo.com:8234".into(),
                },
                UriRecord {
                    name: "_http._tcp".into(),
                    ttl: None,
                    priority: 10,
                    weight: 1,
                    target: "https://example.com/x".into(),
                },
            ],
            ..Zonefile::default()
        };
        // The verified example of spec §3.
        let expected = "$ORIGIN bar.id\n$TTL 3600\n@ A 1.2.3.4\npubkey TXT \"pubkey:data:0000\"\n\
            aaron TXT \"owner=33VvhhSQsYQyCVE2VzG3EHa9gfRCpboqHy\" \"seqn=0\" \"parts=1\" \"zf0=JE9S==\"\n\
            registrar URI 10 1 \"bsreg://foo.com:8234\"\n_http._tcp URI 10 1 \"https://example.com/x\"\n";
        assert_eq!(serialize(&zf), expected);
    }

    #[test]
    fn types_are_written_in_the_template_order_whatever_the_file_order() {
        // Every type, written in the reverse of the template's order.
        let lines = [
            "$ORIGIN foo.test",
            "$TTL 3600",
            "@ IN SOA ns1.example.com admin.example.com ( 1 2 3 4 5 )",
            "@ NS ns1.example.com",
            "@ MX 10 mail.example.com",
            "@ A 1.2.3.4",
            "v6 AAAA ::1",
            "www CNAME foo.test",
            "alias ALIAS other.example.com",
            "ptr PTR host.example.com",
            "txt TXT \"hello\"",
            "_sip._tcp SRV 10 20 5060 sip.example.com",
            "spf SPF v=spf1",
            "_http._tcp URI 10 1 \"https://example.com/x\"",
        ];
        // The parser refuses PTR lines (spec §2), so that one is added to the parsed file.
        let mut reversed = lines[..2].to_vec();
        reversed.extend(lines[2..].iter().rev().filter(|l| !l.contains(" PTR ")));
        let mut zf = crate::parse(&reversed.join("\n")).expect("parses");
        zf.ptr.push(crate::record::PtrRecord {
            name: "ptr".into(),
            ttl: None,
            host: "host.example.com".into(),
            fullname: None,
        });
        assert_eq!(serialize(&zf), lines.join("\n") + "\n");
    }

    #[test]
    fn escapes_semicolons_and_writes_ttl_zero() {
        let zf = Zonefile {
            txt: vec![TxtRecord {
                name: "x".into(),
                ttl: Some(0),
                txt: TxtData::Single("a;b\"c".into()),
            }],
            ..Zonefile::default()
        };
        assert_eq!(serialize(&zf), "x 0 TXT \"a\\;b\"c\"\n");
    }

    #[test]
    fn empty_zonefile_is_one_newline() {
        assert_eq!(serialize(&Zonefile::default()), "\n");
    }
}
