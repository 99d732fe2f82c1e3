//! The benchmark's name database, written straight through [`NameDb::commit_block`] (no chain
//! replay): the namespace `id`, the real names of `blockchain_data.json`, then synthetic names
//! up to the size asked for, 1,000 a block, one history row each. Every real name carries a
//! standard zone file in the zone file directory; synthetic names carry none.

use std::path::Path;

use blockstack_consensus::address::base58check;
use blockstack_consensus::name::is_name_valid;
use blockstack_consensus::price::PriceFunction;
use blockstack_consensus::record::{CreationOp, NameOp};
use blockstack_consensus::rules::FIRST_BLOCK_MAINNET;
use blockstack_consensus::state::{HistoryEntry, HistoryState};
use blockstack_consensus::{AddressNetwork, BlockOutcome, NameRecord, NamespaceRecord};
use blockstack_namedb::NameDb;

/// The namespace of every name.
pub const NAMESPACE: &str = "id";

/// Names committed in one block.
const PER_BLOCK: usize = 1_000;

/// The name of synthetic name number `i` (the Lua script of the load generator spells it the
/// same way).
pub fn synthetic_name(i: usize) -> String {
    format!("synthetic{i}.{NAMESPACE}")
}

/// The database file in a state directory.
pub const DB_FILE: &str = "blockstack-server.db";

/// The zone file directory in a state directory.
pub const ZONEFILE_DIR: &str = "zonefiles";

/// Bumped whenever [`build`] writes something different, so cached states are rebuilt.
const LAYOUT: u32 = 1;

/// What [`build`] wrote.
#[derive(Clone, Copy, Debug)]
pub struct Built {
    /// Every name, real ones first.
    pub real: usize,
    /// Synthetic names after the real ones.
    pub synthetic: usize,
    /// The last block committed.
    pub last_block: u64,
}

/// A 64-hex-digit stand-in hash of `i` under `tag`.
fn hex64(tag: u64, i: u64) -> String {
    let mix = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ tag.rotate_left(17);
    format!(
        "{tag:016x}{i:016x}{mix:016x}{:016x}",
        mix.rotate_left(29) ^ i
    )
}

/// A standard zone file for `name`.
pub fn zonefile(name: &str, i: u64) -> Vec<u8> {
    format!(
        "$ORIGIN {name}\n$TTL 3600\n_http._tcp URI 10 1 \"https://gaia.blockstack.org/hub/1{:032x}/profile.json\"\n",
        u128::from(i.wrapping_mul(0x2545_f491_4f6c_dd1d))
    )
    .into_bytes()
}

fn namespace(block: u64) -> NamespaceRecord {
    let owner = hex64(7, 0)[..40].to_owned();
    NamespaceRecord {
        namespace_id: NAMESPACE.into(),
        preorder_hash: "11".repeat(20),
        version: 1,
        sender: format!("76a914{owner}88ac"),
        sender_pubkey: Some(format!("02{}", "bb".repeat(32))),
        address: address(&owner),
        recipient: format!("76a914{owner}88ac"),
        recipient_address: address(&owner),
        block_number: block,
        reveal_block: block,
        ready_block: block,
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

/// The mainnet P2PKH address of a 40-hex-digit hash.
fn address(hash160: &str) -> String {
    let bytes = hex::decode(hash160).expect("hex hash");
    base58check(AddressNetwork::Mainnet.p2pkh_version(), &bytes)
}

fn name_record(name: String, i: u64, block: u64, value_hash: Option<String>) -> NameRecord {
    let h = hex64(1, i);
    let owner = hex64(4, i)[24..].to_owned();
    let sender = format!("76a914{owner}88ac");
    NameRecord {
        name,
        preorder_hash: h[..40].to_owned(),
        name_hash128: h[32..].to_owned(),
        namespace_id: NAMESPACE.into(),
        namespace_block_number: FIRST_BLOCK_MAINNET,
        value_hash,
        sender,
        sender_pubkey: Some(format!("02{}", hex64(3, i))),
        address: address(&owner),
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

/// The valid names of `blockchain_data.json` (a JSON list of fully-qualified names).
pub fn real_names(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("blockchain_data.json");
    let names: Vec<String> = serde_json::from_str(&text).expect("a JSON list of names");
    names
        .into_iter()
        .filter(|n| is_name_valid(n) && n.ends_with(".id"))
        .collect()
}

/// Writes a database of `real` then synthetic names up to `total` into `db_path`, with the real
/// names' zone files under `zonefiles`.
pub fn build(db_path: &Path, zonefiles: &Path, real: &[String], total: usize) -> Built {
    std::fs::create_dir_all(zonefiles).expect("zone file dir");
    let mut db = NameDb::open(db_path).expect("name db");
    let first = FIRST_BLOCK_MAINNET;
    let block_hash = |h: u64| format!("{h:064x}");
    let consensus_hash = |h: u64| format!("{:032x}", h.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    db.commit_block(
        &BlockOutcome {
            height: first,
            namespaces: vec![namespace(first)],
            consensus_hash: consensus_hash(first),
            ops_hash: "00".repeat(32),
            ..BlockOutcome::default()
        },
        &block_hash(first),
    )
    .expect("namespace block");
    let real = &real[..real.len().min(total)];
    let mut block = first;
    let mut i = 0;
    while i < total {
        block += 1;
        let end = (i + PER_BLOCK).min(total);
        let mut outcome = BlockOutcome {
            height: block,
            consensus_hash: consensus_hash(block),
            ops_hash: "00".repeat(32),
            ..BlockOutcome::default()
        };
        for n in i..end {
            let (name, value_hash) = match real.get(n) {
                Some(name) => {
                    let bytes = zonefile(name, n as u64);
                    let hash = blockstack_zonefile::zonefile_hash(&bytes);
                    std::fs::write(zonefiles.join(&hash), &bytes).expect("zone file");
                    (name.clone(), Some(hash))
                }
                None => (synthetic_name(n), None),
            };
            let rec = name_record(name, n as u64, block, value_hash);
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
        i = end;
    }
    Built {
        real: real.len(),
        synthetic: total - real.len(),
        last_block: block,
    }
}

/// Builds a state directory (`DB_FILE` and `ZONEFILE_DIR`) of `total` names at `dir`.
pub fn build_dir(dir: &Path, real: &[String], total: usize) -> Built {
    std::fs::create_dir_all(dir).expect("state dir");
    build(&dir.join(DB_FILE), &dir.join(ZONEFILE_DIR), real, total)
}

/// A state of `total` names under `cache`, built once: a finished state is renamed into place
/// whole, so a build cut short leaves only a `.partial` directory that the next run replaces.
pub fn cached(cache: &Path, real: &[String], total: usize) -> (std::path::PathBuf, Built) {
    let dir = cache.join(format!("names-{total}-v{LAYOUT}"));
    let real_count = real.len().min(total);
    let built = Built {
        real: real_count,
        synthetic: total - real_count,
        last_block: FIRST_BLOCK_MAINNET + total.div_ceil(PER_BLOCK) as u64,
    };
    if dir.join(DB_FILE).exists() {
        return (dir, built);
    }
    let partial = cache.join(format!("names-{total}-v{LAYOUT}.partial"));
    let _ = std::fs::remove_dir_all(&partial);
    let made = build_dir(&partial, real, total);
    assert_eq!(made.last_block, built.last_block);
    std::fs::rename(&partial, &dir).expect("move the built state into place");
    (dir, built)
}
