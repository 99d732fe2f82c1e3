//! A node's state built directly through the name database, Atlas database and zone file store
//! APIs (no chain replay): one namespace, `names` names spread over blocks, one history row per
//! name, and a zone file for the first `zonefiles` names. Used by the tests and the benchmark.
#![allow(dead_code, reason = "the tests and the benchmark use different parts")]

use std::path::Path;

use blockstack_atlas::{AtlasDb, ZonefileRow, ZonefileStore};
use blockstack_consensus::price::PriceFunction;
use blockstack_consensus::record::{CreationOp, NameOp};
use blockstack_consensus::state::{HistoryEntry, HistoryState};
use blockstack_consensus::{BlockOutcome, NameRecord, NamespaceRecord};
use blockstack_namedb::NameDb;

/// The namespace every generated name is in.
pub const NAMESPACE: &str = "id";

/// A stand-in block hash of block `h`.
pub fn block_hash(h: u64) -> String {
    format!("{h:064x}")
}

/// A stand-in consensus hash of block `h`.
pub fn consensus_hash(h: u64) -> String {
    format!("{:032x}", h.wrapping_mul(0x9e37_79b9_7f4a_7c15))
}

/// A 64-hex-digit stand-in hash of `i` with a tag.
fn hex64(tag: u64, i: u64) -> String {
    format!(
        "{:016x}{:016x}{:016x}{:016x}",
        tag,
        i,
        i.wrapping_mul(0x9e37_79b9_7f4a_7c15),
        i ^ tag
    )
}

/// The zone file of name number `i`.
pub fn zonefile(i: u64) -> Vec<u8> {
    format!(
        "$ORIGIN name{i}.{NAMESPACE}\n$TTL 3600\n_http._tcp URI 10 1 \"https://gaia.blockstack.org/hub/1{:032x}/profile.json\"\n",
        i.wrapping_mul(0x2545_f491_4f6c_dd1d)
    )
    .into_bytes()
}

fn namespace() -> NamespaceRecord {
    NamespaceRecord {
        namespace_id: NAMESPACE.into(),
        preorder_hash: "11".repeat(20),
        version: 1,
        sender: format!("76a914{}88ac", "aa".repeat(20)),
        sender_pubkey: Some(format!("02{}", "bb".repeat(32))),
        address: "mjjWPCACZvF2G67wjKhkbYnjF65PohdsHE".into(),
        recipient: format!("76a914{}88ac", "cc".repeat(20)),
        recipient_address: "mhX9j8ZxMmnDwyTtsc5fbGQj5Hh5qgExJt".into(),
        block_number: 1,
        reveal_block: 1,
        ready_block: 1,
        ready: true,
        op_fee: 40_000_000,
        txid: "ab".repeat(32),
        vtxindex: 1,
        lifetime: 52_595,
        price: PriceFunction {
            coeff: 250,
            base: 4,
            buckets: [6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            nonalpha_discount: 10,
            no_vowel_discount: 10,
        },
    }
}

fn name_record(i: u64, block: u64, value_hash: Option<String>) -> NameRecord {
    let h = hex64(1, i);
    NameRecord {
        name: format!("name{i}.{NAMESPACE}"),
        preorder_hash: h[..40].to_owned(),
        name_hash128: h[32..].to_owned(),
        namespace_id: NAMESPACE.into(),
        namespace_block_number: 1,
        value_hash,
        sender: format!("76a914{}88ac", &hex64(2, i)[..40]),
        sender_pubkey: Some(format!("02{}", hex64(3, i))),
        address: format!("m{}", &hex64(4, i)[..33]),
        block_number: block - 1,
        preorder_block_number: block - 1,
        first_registered: block,
        last_renewed: block,
        revoked: false,
        op: NameOp::Registration,
        txid: hex64(5, i),
        vtxindex: (i % 1000) as u32,
        op_fee: 6_400_000.0,
        importer: None,
        importer_address: None,
        consensus_hash: None,
        last_creation_op: CreationOp::Preorder,
        update_consensus_hash: None,
    }
}

/// What [`build`] made.
pub struct Built {
    /// The last block.
    pub last_block: u64,
}

/// Builds a state of `names` names (`per_block` a block, from block 2) and `zonefiles` zone
/// files under `dir`.
pub fn build(dir: &Path, names: u64, zonefiles: u64, per_block: u64) -> Built {
    let mut db = NameDb::open(dir.join("blockstack-server.db")).expect("name db");
    let mut atlas = AtlasDb::open(dir.join("atlas.db")).expect("atlas db");
    let store = ZonefileStore::open(dir.join("zonefiles"))
        .expect("store")
        .with_sync(false);
    db.commit_block(
        &BlockOutcome {
            height: 1,
            namespaces: vec![namespace()],
            consensus_hash: consensus_hash(1),
            ops_hash: "00".repeat(32),
            ..BlockOutcome::default()
        },
        &block_hash(1),
    )
    .expect("block 1");
    let mut block = 1;
    let mut i = 0;
    while i < names {
        block += 1;
        let end = (i + per_block).min(names);
        let mut outcome = BlockOutcome {
            height: block,
            consensus_hash: consensus_hash(block),
            ops_hash: "00".repeat(32),
            ..BlockOutcome::default()
        };
        let mut rows = Vec::new();
        for n in i..end {
            let value_hash = (n < zonefiles).then(|| {
                let bytes = zonefile(n);
                let hash = store.put_unannounced(&bytes).expect("zonefile");
                rows.push((
                    ZonefileRow {
                        name: format!("name{n}.{NAMESPACE}"),
                        zonefile_hash: hash.clone(),
                        txid: hex64(5, n),
                        block_height: block,
                        vtxindex: (n % 1000) as u32,
                    },
                    true,
                ));
                hash
            });
            let rec = name_record(n, block, value_hash);
            outcome.history.push(HistoryEntry {
                id: rec.name.clone(),
                block,
                vtxindex: rec.vtxindex,
                txid: rec.txid.clone(),
                op: ":".into(),
                creator_address: Some(rec.address.clone()),
                state: HistoryState::Name(rec.clone()),
            });
            outcome.names.push(rec);
        }
        db.commit_block(&outcome, &block_hash(block))
            .expect("commit");
        atlas.insert_rows(&rows).expect("atlas rows");
        i = end;
    }
    Built { last_block: block }
}
