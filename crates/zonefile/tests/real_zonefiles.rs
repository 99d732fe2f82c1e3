//! The 1,631 zone files of real BNS names: hashing, parsing, JSON shape and
//! the subdomains they carry.

mod common;

use std::collections::BTreeMap;

use bitcoin::hashes::{sha256, Hash};
use blockstack_zonefile::subdomain::{
    decode_zonefile_subdomains, evaluate_history, Candidate, DecodeError,
};
use blockstack_zonefile::{parse, zonefile_hash, ParseError, Zonefile};
use common::real_zonefiles;
use serde_json::json;

#[test]
fn every_zonefile_hashes_to_its_recorded_hash() {
    let files = real_zonefiles();
    assert_eq!(files.len(), 1631);
    for f in &files {
        assert_eq!(zonefile_hash(f.text.as_bytes()), f.hash, "{}", f.text);
    }
}

/// All but one parse. The exception writes `$ORIGIN` and `$TTL` on one
/// line, which the reference parser rejects as extra fields.
#[test]
fn all_but_one_parse_and_the_failure_is_documented() {
    let mut failures = Vec::new();
    for f in real_zonefiles() {
        if let Err(e) = parse(&f.text) {
            failures.push((f.hash, e));
        }
    }
    assert_eq!(failures.len(), 1, "{failures:?}");
    let (hash, err) = &failures[0];
    assert_eq!(hash, "51aa6292140ffa361d9d811242e84e7da00220d8");
    assert!(
        matches!(err, ParseError::ExtraFields { line, .. } if line == "$ORIGIN test-personal.id $TTL 3600"),
        "{err:?}"
    );
}

/// A fingerprint of a file's records and of how its text is written, used
/// to pick representative files.
fn shape(text: &str, zf: &Zonefile) -> String {
    let json = zf.to_json();
    let mut parts = Vec::new();
    for (feature, present) in [
        ("~class", text.contains(" IN ") || text.contains("\tIN\t")),
        ("~tabs", text.contains('\t')),
        ("~comment", text.contains(';')),
        ("~blank-line", text.contains("\n\n")),
        ("~no-final-newline", !text.ends_with('\n')),
    ] {
        if present {
            parts.push(feature.to_owned());
        }
    }
    if let Some(map) = json.as_object() {
        for (key, value) in map {
            let detail = match value.as_array() {
                Some(records) => {
                    let mut kinds: Vec<String> = records
                        .iter()
                        .map(|r| {
                            let mut k = String::new();
                            if r.get("ttl").is_some() {
                                k.push_str("+ttl");
                            }
                            match r.get("txt") {
                                Some(t) if t.is_array() => k.push_str("+list"),
                                Some(_) => k.push_str("+string"),
                                None => {}
                            }
                            k
                        })
                        .collect();
                    kinds.sort();
                    kinds.dedup();
                    kinds.concat()
                }
                None => String::new(),
            };
            parts.push(format!("{key}{detail}"));
        }
    }
    parts.sort();
    parts.join(",")
}

/// The parsed JSON of every file is pinned by a digest over all of them
/// (field order is the struct order, so the digest does not depend on
/// `serde_json` map features), plus the full JSON of the first file of
/// every structural shape.
#[test]
fn parsed_json_is_stable() {
    let mut all = String::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut representatives: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    let mut parsed = 0;
    for f in real_zonefiles() {
        let Ok(zf) = parse(&f.text) else { continue };
        parsed += 1;
        all.push_str(&f.hash);
        all.push_str(&serde_json::to_string(&zf).expect("serializable"));
        all.push('\n');
        if let Some(map) = zf.to_json().as_object() {
            for (key, value) in map {
                *counts.entry(key.clone()).or_default() += value.as_array().map_or(1, Vec::len);
            }
        }
        representatives
            .entry(shape(&f.text, &zf))
            .or_insert_with(|| json!({"hash": f.hash, "zonefile": f.text, "parsed": zf.to_json()}));
    }
    let digest = sha256::Hash::hash(all.as_bytes()).to_string();
    insta::assert_json_snapshot!(
        "summary",
        json!({"parsed": parsed, "entries_per_key": counts, "digest": digest})
    );
    insta::assert_json_snapshot!("representatives", representatives);
}

/// Index the subdomains carried by the real zone files, taking each file's
/// `$ORIGIN` as the carrier name (the data file records no names).
#[test]
fn real_carrier_zonefiles_yield_their_subdomains() {
    let mut indexed = Vec::new();
    let mut total = 0;
    for f in real_zonefiles() {
        if !f.text.contains("owner=") {
            continue;
        }
        let Ok(zf) = parse(&f.text) else { continue };
        let carrier = zf.origin.clone().unwrap_or_default();
        match decode_zonefile_subdomains(&carrier, f.text.as_bytes()) {
            Ok(found) => {
                total += found.records.len();
                // Every record is a creation carried by its parent: all accepted.
                for record in &found.records {
                    let verdict = evaluate_history(&[Candidate {
                        zonefile_index: 1,
                        record,
                    }]);
                    assert_eq!(verdict, [Ok(())], "{}", record.fqn);
                }
                let records: Vec<_> = found
                    .records
                    .iter()
                    .map(|r| {
                        json!({
                            "fqn": r.fqn,
                            "owner": r.owner,
                            "seqn": r.sequence,
                            "zonefile_hash": r.zonefile_hash(),
                            "sig": r.signature_column(),
                        })
                    })
                    .collect();
                let skipped: Vec<_> = found
                    .skipped
                    .iter()
                    .map(|s| format!("{} {:?}", s.name, s.reason))
                    .collect();
                indexed.push(json!({
                    "carrier": carrier,
                    "missing": found.missing,
                    "skipped": skipped,
                    "records": records,
                }));
            }
            Err(e) => indexed.push(json!({"carrier": carrier, "error": e.to_string()})),
        }
    }
    assert_eq!(total, 172);
    insta::assert_json_snapshot!("subdomains", indexed);
}

/// The example record of `subdomains.md` §2, in a carrier zone file.
#[test]
fn spec_example_subdomain_record_decodes() {
    let carrier = "$ORIGIN verified.podcast\n$TTL 3600\n\
        1yeardaily TXT \"owner=1MwPD6dH4fE3gQ9mCov81L1DEQWT7E85qH\" \"seqn=0\" \"parts=1\" \
        \"zf0=JE9SSUdJTiAxeWVhcmRhaWx5CiRUVEwgMzYwMApfaHR0cC5fdGNwIFVSSSAxMCAxICJodHRwczovL3BoLmRvdHBvZGNhc3QuY28vMXllYXJkYWlseS9oZWFkLmpzb24iCg==\"\n";
    let found =
        decode_zonefile_subdomains("verified.podcast", carrier.as_bytes()).expect("decodes");
    let [rec] = found.records.as_slice() else {
        panic!("{found:?}");
    };
    assert_eq!(rec.fqn, "1yeardaily.verified.podcast");
    assert_eq!(
        rec.zonefile,
        b"$ORIGIN 1yeardaily\n$TTL 3600\n_http._tcp URI 10 1 \"https://ph.dotpodcast.co/1yeardaily/head.json\"\n"
    );
    assert_eq!(
        rec.zonefile_hash(),
        "e7acc97fd42c48ed94fd4d41f674eddbee5557e3"
    );
    assert_eq!(rec.signature, None);
    assert!(!rec.is_independent());
    // The same bytes under another carrier name are refused outright.
    assert!(matches!(
        decode_zonefile_subdomains("other.podcast", carrier.as_bytes()),
        Err(DecodeError::OriginMismatch { .. })
    ));
}
