//! Decoding carrier zone files (`subdomains.md` §2, §4), including the
//! v0.18 cases where one bad record loses the whole zone file.

use blockstack_zonefile::schema::SchemaError;
use blockstack_zonefile::subdomain::{decode_zonefile_subdomains, DecodeError, SkipReason};

const HEAD: &str = "$ORIGIN bar.id\n$TTL 3600\n";
/// base64 of `hello`.
const ZF: &str = "aGVsbG8=";

fn carrier(lines: &str) -> String {
    format!("{HEAD}{lines}\n")
}

fn sub(name: &str, extra: &str) -> String {
    format!("{name} TXT \"owner=1MwPD6dH4fE3gQ9mCov81L1DEQWT7E85qH\" \"seqn=0\" \"parts=1\" \"zf0={ZF}\"{extra}")
}

fn decode(text: &str) -> Result<blockstack_zonefile::subdomain::CarrierRecords, DecodeError> {
    decode_zonefile_subdomains("bar.id", text.as_bytes())
}

#[test]
fn dependent_and_independent_records() {
    let text = carrier(&format!(
        "{}\n{}",
        sub("Foo", ""),
        sub("x.other.id", " \"sig=abc\\=\"")
    ));
    let found = decode(&text).expect("decodes");
    assert_eq!(found.records.len(), 2);
    let foo = &found.records[0];
    assert_eq!(foo.fqn, "foo.bar.id", "owner names are lower-cased");
    assert_eq!(foo.zonefile, b"hello");
    assert_eq!(foo.signature, None);
    assert!(!foo.is_independent());
    let x = &found.records[1];
    assert_eq!(x.fqn, "x.other.id");
    assert!(x.is_independent());
    assert_eq!(x.signature.as_deref(), Some("abc="));
}

#[test]
fn escaped_equals_signs_parse_like_plain_ones() {
    let escaped = carrier(&sub("foo", "").replace("aGVsbG8=", "aGVsbG8\\="));
    assert_eq!(decode(&escaped), decode(&carrier(&sub("foo", ""))));
}

#[test]
fn only_lists_with_owner_seqn_and_parts_are_candidates() {
    let text = carrier(
        "a TXT \"owner=1x\" \"seqn=0\"\nb TXT \"owner=1x parts=1 seqn=0\"\npubkey TXT \"pubkey:data:00\"",
    );
    let found = decode(&text).expect("decodes");
    assert!(found.records.is_empty());
    assert!(found.skipped.is_empty());
}

#[test]
fn bad_records_are_skipped() {
    let text = carrier(&format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        sub("dup", " \"seqn=1\""),
        sub("badseq", "").replace("seqn=0", "seqn=x"),
        sub("badparts", "").replace("parts=1", "parts=one"),
        sub("_Registrar", ""),
        sub("_Resolver", ""),
        sub("ok", ""),
    ));
    let found = decode(&text).expect("decodes");
    assert_eq!(found.records.len(), 1);
    assert_eq!(found.records[0].fqn, "ok.bar.id");
    let reasons: Vec<_> = found.skipped.iter().map(|s| s.reason.clone()).collect();
    assert_eq!(
        reasons,
        [
            SkipReason::DuplicateKey("seqn".into()),
            SkipReason::InvalidSequence("x".into()),
            SkipReason::InvalidParts("one".into()),
            SkipReason::Reserved,
            SkipReason::Reserved,
        ]
    );
}

#[test]
fn lowest_sequence_wins_within_a_zonefile() {
    let text = carrier(&format!(
        "{}\n{}\n{}\n{}",
        sub("foo", "").replace("seqn=0", "seqn=2"),
        sub("bar", ""),
        sub("foo.bar.id", "").replace("seqn=0", "seqn=1"),
        sub("foo", "").replace("seqn=0", "seqn=1"),
    ));
    let found = decode(&text).expect("decodes");
    let got: Vec<_> = found
        .records
        .iter()
        .map(|r| (r.fqn.as_str(), r.sequence))
        .collect();
    // foo's kept record is the one at position 2, so it now sorts after bar.
    assert_eq!(got, [("bar.bar.id", 0), ("foo.bar.id", 1)]);
    assert_eq!(found.skipped.len(), 2);
    assert!(found
        .skipped
        .iter()
        .all(|s| s.reason == SkipReason::Superseded));
}

#[test]
fn numbers_follow_python_int_and_negative_parts_mean_empty() {
    let text = carrier(
        &sub("foo", "")
            .replace("seqn=0", "seqn= +0")
            .replace("parts=1", "parts=-2"),
    );
    let found = decode(&text).expect("decodes");
    assert_eq!(found.records[0].sequence, 0);
    assert!(found.records[0].zonefile.is_empty());
}

#[test]
fn missing_list_is_read_once() {
    let found = decode(&carrier(&format!(
        "_missing TXT \"3,5, 8\"\n{}",
        sub("a", "")
    )))
    .expect("decodes");
    assert_eq!(found.missing, [3, 5, 8]);
    assert_eq!(
        decode(&carrier("_missing TXT \"1\"\n_missing TXT \"2\"")),
        Err(DecodeError::MultipleMissing)
    );
    // Not all integers: not a missing list at all.
    let found = decode(&carrier("_missing TXT \"1,x\"\n_missing TXT \"2\"")).expect("decodes");
    assert_eq!(found.missing, [2]);
}

#[test]
fn whole_zonefile_lost_on_uncaught_record_errors() {
    let no_equals = carrier(&sub("foo", " \"junk\""));
    assert!(matches!(
        decode(&no_equals),
        Err(DecodeError::EntryWithoutEquals { .. })
    ));

    let missing_piece = carrier(&sub("foo", "").replace("parts=1", "parts=2"));
    assert!(matches!(
        decode(&missing_piece),
        Err(DecodeError::MissingPiece { index: 1, .. })
    ));

    for bad_name in ["a.b", "a.b.c.d", "a%b"] {
        let text = carrier(&sub(bad_name, ""));
        assert!(
            matches!(decode(&text), Err(DecodeError::InvalidName { .. })),
            "{bad_name}"
        );
    }

    let bad_b64 = carrier(&sub("foo", "").replace(ZF, "aGVsbG8"));
    assert!(matches!(
        decode(&bad_b64),
        Err(DecodeError::InvalidBase64 { .. })
    ));

    // One bad record takes the good ones down with it.
    let mixed = carrier(&format!("{}\n{}", sub("good", ""), sub("bad", " \"junk\"")));
    assert!(decode(&mixed).is_err());
}

#[test]
fn python2_base64_leniency_applies_to_pieces() {
    let text = carrier(&sub("foo", "").replace(ZF, "aGVs!bG8="));
    assert_eq!(
        decode(&text).expect("decodes").records[0].zonefile,
        b"hello"
    );
}

#[test]
fn carrier_zonefile_must_parse_match_schema_and_origin() {
    assert!(matches!(decode("foo txt x\n"), Err(DecodeError::Parse(_))));
    assert!(matches!(
        decode("$ORIGIN bar\n$TTL 3600\n"),
        Err(DecodeError::Schema(SchemaError::InvalidOrigin(_)))
    ));
    assert!(matches!(
        decode("$ORIGIN bar.id\n"),
        Err(DecodeError::Schema(SchemaError::MissingTtl))
    ));
    assert!(matches!(
        decode("$ORIGIN baz.id\n$TTL 3600\n"),
        Err(DecodeError::OriginMismatch { .. })
    ));
    assert!(matches!(
        decode(&format!("{HEAD}_h URI 1 1 \"https://x.co/a@b\"\n")),
        Err(DecodeError::Schema(SchemaError::InvalidUriTarget(_)))
    ));
}

#[test]
fn written_records_decode_back() {
    let text = carrier(&sub("foo", " \"sig=c2ln\""));
    let found = decode(&text).expect("decodes");
    let rec = &found.records[0];
    let mut zf = blockstack_zonefile::parse(HEAD).expect("parses");
    zf.txt.push(rec.to_txt_record());
    let written = blockstack_zonefile::serialize(&zf);
    assert!(written.contains("foo TXT \"owner=1MwPD6dH4fE3gQ9mCov81L1DEQWT7E85qH\" \"seqn=0\" \"parts=1\" \"zf0=aGVsbG8\\=\" \"sig=c2ln\""));
    assert_eq!(decode(&written).expect("decodes").records, found.records);
}

#[test]
fn the_signed_plaintext_is_canonical_whatever_the_record_wrote() {
    use base64::Engine as _;
    // 200 bytes: 268 base64 characters, canonically two pieces of 250 and 18.
    let own: Vec<u8> = (0..200u8).collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&own);
    assert_eq!(b64.len(), 268);
    let esc = |s: &str| s.replace('=', "\\=");
    // Written with `seqn=01`, `+`-free but padded, in three uneven pieces.
    let (p0, p1, p2) = (&b64[..100], &b64[100..200], &b64[200..]);
    let line = format!(
        "foo TXT \"owner=1MwPD6dH4fE3gQ9mCov81L1DEQWT7E85qH\" \"seqn=01\" \"parts=3\" \
         \"zf0={}\" \"zf1={}\" \"zf2={}\" \"sig=abc\"",
        esc(p0),
        esc(p1),
        esc(p2)
    );
    let found = decode(&carrier(&line)).expect("decodes");
    assert_eq!(found.records.len(), 1, "{:?}", found.skipped);
    let rec = &found.records[0];
    assert_eq!((rec.sequence, rec.zonefile.as_slice()), (1, own.as_slice()));
    let expected = format!(
        "foo,owner=1MwPD6dH4fE3gQ9mCov81L1DEQWT7E85qH,seqn=1,parts=2,zf0={},zf1={}",
        esc(&b64[..250]),
        esc(&b64[250..])
    );
    assert_eq!(rec.plaintext(), expected);
}
