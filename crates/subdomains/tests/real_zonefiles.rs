//! The 1,631 real zone files of `../shared/data/name_zonefiles.txt` (the final Stacks 1.0
//! state: one zone file per name, no names recorded) announced through a real Atlas node
//! and indexed: every file hashes to its recorded hash, and the subdomain-bearing ones index
//! their subdomains.

use std::collections::BTreeMap;
use std::sync::Arc;

use blockstack_atlas::{Atlas, AtlasConfig, ZonefileRow};
use blockstack_subdomains::{IndexerConfig, SubdomainDb, SubdomainIndexer, MAINNET_FIRST_BLOCK};
use serde_json::json;

/// `(hash, bytes)` of every real zone file, in file order.
fn corpus() -> Vec<(String, Vec<u8>)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/name_zonefiles.txt"
    );
    let text = std::fs::read_to_string(path).expect("the shared data file");
    let lines: Vec<&str> = text.lines().collect();
    lines
        .chunks(2)
        .filter_map(|pair| match pair {
            [hash, zf] => Some(((*hash).to_owned(), zf.replace("\\n", "\n").into_bytes())),
            _ => None,
        })
        .collect()
}

/// The name a zone file belongs to: its `$ORIGIN` (the data file does not record names).
fn origin(bytes: &[u8]) -> String {
    blockstack_zonefile::parse_bytes(bytes)
        .ok()
        .and_then(|zf| zf.origin)
        .unwrap_or_else(|| "unparsed.id".into())
}

#[test]
fn the_real_subdomain_bearing_zonefiles_index_their_subdomains() {
    let files = corpus();
    assert_eq!(files.len(), 1631);
    for (hash, bytes) in &files {
        assert_eq!(&blockstack_zonefile::zonefile_hash(bytes), hash);
    }

    let dir = tempfile::tempdir().expect("tempdir");
    let mut cfg = AtlasConfig::new(dir.path(), "127.0.0.1:16264");
    cfg.atlasdb_path = None;
    cfg.sync_writes = false;
    let atlas: Arc<Atlas> = Atlas::open(cfg).expect("atlas");
    // Twenty ops per block, from the first subdomain block, as the chain would announce them.
    for (block, chunk) in files.chunks(20).enumerate() {
        let height = MAINNET_FIRST_BLOCK + block as u64;
        let rows = chunk
            .iter()
            .enumerate()
            .map(|(i, (hash, bytes))| ZonefileRow {
                name: origin(bytes),
                zonefile_hash: hash.clone(),
                txid: format!("{:032x}{:032x}", height, i),
                block_height: height,
                vtxindex: i as u32,
            })
            .collect();
        atlas.add_block(height, rows).expect("block");
    }
    for (_, bytes) in &files {
        atlas.put_zonefile(bytes).expect("store");
    }

    let mut ix = SubdomainIndexer::new(
        SubdomainDb::open_in_memory().expect("db"),
        IndexerConfig {
            first_block: MAINNET_FIRST_BLOCK,
            ..IndexerConfig::default()
        },
    );
    let report = ix.index(atlas.as_ref()).expect("index");
    assert_eq!(report.rows_walked, 1631);
    assert_eq!(report.zonefiles_decoded, 1631);

    // What the pure decoder finds in the same files (each file's records under its origin).
    let mut expected: BTreeMap<String, String> = BTreeMap::new();
    for (_, bytes) in &files {
        let carrier = origin(bytes);
        if let Ok(found) =
            blockstack_zonefile::subdomain::decode_zonefile_subdomains(&carrier, bytes)
        {
            for rec in found.records {
                expected.insert(rec.fqn.clone(), rec.zonefile_hash());
            }
        }
    }
    // 27 files hold subdomain-looking records; 172 records decode, all creations by their
    // parent, each for a distinct subdomain.
    let with_records = files
        .iter()
        .filter(|(_, b)| String::from_utf8_lossy(b).contains("seqn="))
        .count();
    assert_eq!(with_records, 27);
    assert_eq!(report.records_stored, 172);
    assert_eq!(expected.len(), 172);
    let stats = ix.lookup().stats().expect("stats");
    assert_eq!(stats.subdomains, 172);
    assert_eq!(stats.records, 172);
    assert_eq!(stats.rows_walked, 1631);
    assert_eq!(stats.rows_waiting, 0);

    let mut per_carrier: BTreeMap<String, usize> = BTreeMap::new();
    for (fqn, zonefile_hash) in &expected {
        let sub = ix.lookup().current(fqn).expect("lookup").expect("indexed");
        assert!(sub.record.accepted);
        assert_eq!(&sub.record.zonefile_hash, zonefile_hash);
        assert_eq!(sub.record.sequence, 0);
        assert!(!ix.lookup().pending(fqn).expect("pending"), "{fqn}");
        // Each subdomain's own zone file is now in the node's store, served by hash.
        assert_eq!(
            atlas.get_zonefile(zonefile_hash).expect("store").as_deref(),
            Some(sub.zonefile.as_slice())
        );
        *per_carrier.entry(sub.record.domain.clone()).or_default() += 1;
    }
    let first = expected.keys().next().expect("one subdomain");
    let record = ix
        .lookup()
        .current(first)
        .expect("lookup")
        .expect("indexed");
    insta::assert_json_snapshot!(
        "real_subdomains",
        json!({
            "per_carrier": per_carrier,
            "first": record.to_json(Some(false)),
        })
    );
}
