//! The normalisation layer: both sides' records mapped to one canonical JSON shape, so that only
//! differences of content remain.
//!
//! Every mapping, and why it is representation only:
//!
//! | field | ours | the original | canonical |
//! |---|---|---|---|
//! | name `op` | `NameOp` enum | stored op string (`:`, `::`, `>>`, …) | the op string |
//! | `revoked`, namespace `ready` | `bool` | `bool`, or SQLite's `0`/`1` | `bool` |
//! | `op_fee` | `f64` (import prices fractional) | Python `int` or `float` | JSON number as `f64` (`6400000` = `6400000.0`; the int/float *rendering* is checked through the consensus hash, which is where it matters) |
//! | absent optional fields (`value_hash`, `sender_pubkey`, `importer`, `consensus_hash`, …) | `None` | missing key or `null` | `null` |
//! | namespace price function | nested `PriceFunction`, `buckets: [u8; 16]` | flat `coeff`, `base`, `nonalpha_discount`, `no_vowel_discount`, `buckets` as a list or the stored text `"[6, 5, …]"` | flat fields, `buckets` a list of integers |
//! | namespace `op` | `ready: bool` | `op` `&` / `!` | the op string |
//!
//! Visibility: the original's `get_name_blockchain_record` answers `record: null` for a name
//! whose namespace is neither ready nor revealed-and-unexpired, and
//! `get_namespace_blockchain_record` answers an error for an expired reveal; the comparator
//! treats our rows in those states as absent too (`harness`).
//!
//! `last_creation_op` is not compared: the original's `get_name_blockchain_record` does not
//! return it (the key is absent). Its only effect, the int/float rendering of `op_fee`, is
//! covered by the consensus hash.
//!
//! Fields the original adds that have no stored counterpart on our side are not compared:
//! derived deadlines (`expire_block`, `renewal_deadline`, `expired`), `history`, `opcode`,
//! `name_consensus_hash`/`keep_data` history extras, and our `update_consensus_hash` (a cache of
//! the original's history walk, spec §9.6).

use std::collections::BTreeMap;

use blockstack_consensus::state::{HistoryState, MemState};
use blockstack_consensus::{NameRecord, NamespaceRecord, PreorderRecord};
use serde_json::{json, Value as Json};

/// A record in canonical form: field → value.
pub type Canonical = BTreeMap<&'static str, Json>;

/// The name-record fields compared.
pub const NAME_FIELDS: &[&str] = &[
    "name",
    "preorder_hash",
    "name_hash128",
    "namespace_id",
    "namespace_block_number",
    "value_hash",
    "sender",
    "sender_pubkey",
    "address",
    "block_number",
    "preorder_block_number",
    "first_registered",
    "last_renewed",
    "revoked",
    "op",
    "txid",
    "vtxindex",
    "op_fee",
    "importer",
    "importer_address",
    "consensus_hash",
];

/// The namespace-record fields compared.
pub const NAMESPACE_FIELDS: &[&str] = &[
    "namespace_id",
    "preorder_hash",
    "version",
    "sender",
    "sender_pubkey",
    "address",
    "recipient",
    "recipient_address",
    "block_number",
    "reveal_block",
    "ready_block",
    "op",
    "op_fee",
    "txid",
    "vtxindex",
    "lifetime",
    "coeff",
    "base",
    "buckets",
    "nonalpha_discount",
    "no_vowel_discount",
    "ready",
];

fn opt(s: &Option<String>) -> Json {
    s.as_ref().map_or(Json::Null, |s| Json::String(s.clone()))
}

/// Our name row in canonical form.
pub fn name_ours(r: &NameRecord) -> Canonical {
    let mut m = Canonical::new();
    m.insert("name", json!(r.name));
    m.insert("preorder_hash", json!(r.preorder_hash));
    m.insert("name_hash128", json!(r.name_hash128));
    m.insert("namespace_id", json!(r.namespace_id));
    m.insert("namespace_block_number", json!(r.namespace_block_number));
    m.insert("value_hash", opt(&r.value_hash));
    m.insert("sender", json!(r.sender));
    m.insert("sender_pubkey", opt(&r.sender_pubkey));
    m.insert("address", json!(r.address));
    m.insert("block_number", json!(r.block_number));
    m.insert("preorder_block_number", json!(r.preorder_block_number));
    m.insert("first_registered", json!(r.first_registered));
    m.insert("last_renewed", json!(r.last_renewed));
    m.insert("revoked", json!(r.revoked));
    m.insert("op", json!(r.op.as_str()));
    m.insert("txid", json!(r.txid));
    m.insert("vtxindex", json!(r.vtxindex));
    m.insert("op_fee", number(r.op_fee));
    m.insert("importer", opt(&r.importer));
    m.insert("importer_address", opt(&r.importer_address));
    m.insert("consensus_hash", opt(&r.consensus_hash));
    m
}

/// Our namespace row in canonical form.
pub fn namespace_ours(r: &NamespaceRecord) -> Canonical {
    let mut m = Canonical::new();
    m.insert("namespace_id", json!(r.namespace_id));
    m.insert("preorder_hash", json!(r.preorder_hash));
    m.insert("version", json!(r.version));
    m.insert("sender", json!(r.sender));
    m.insert("sender_pubkey", opt(&r.sender_pubkey));
    m.insert("address", json!(r.address));
    m.insert("recipient", json!(r.recipient));
    m.insert("recipient_address", json!(r.recipient_address));
    m.insert("block_number", json!(r.block_number));
    m.insert("reveal_block", json!(r.reveal_block));
    m.insert("ready_block", json!(r.ready_block));
    m.insert("op", json!(r.op_str()));
    m.insert("op_fee", number(r.op_fee as f64));
    m.insert("txid", json!(r.txid));
    m.insert("vtxindex", json!(r.vtxindex));
    m.insert("lifetime", json!(r.lifetime));
    m.insert("coeff", json!(r.price.coeff));
    m.insert("base", json!(r.price.base));
    m.insert("buckets", json!(r.price.buckets.to_vec()));
    m.insert("nonalpha_discount", json!(r.price.nonalpha_discount));
    m.insert("no_vowel_discount", json!(r.price.no_vowel_discount));
    m.insert("ready", json!(r.ready));
    m
}

/// A consumed preorder (as filed in a name's history) in canonical form.
pub fn preorder_ours(r: &PreorderRecord) -> Canonical {
    let mut m = Canonical::new();
    m.insert("preorder_hash", json!(r.preorder_hash));
    m.insert("consensus_hash", json!(r.consensus_hash));
    m.insert("sender", json!(r.sender));
    m.insert("sender_pubkey", opt(&r.sender_pubkey));
    m.insert("address", json!(r.address));
    m.insert("block_number", json!(r.block_number));
    m.insert("op", json!(r.kind.as_str()));
    m.insert("op_fee", number(r.op_fee as f64));
    m.insert("txid", json!(r.txid));
    m.insert("vtxindex", json!(r.vtxindex));
    m.insert("burn_address", json!(r.burn_address));
    m
}

/// Our history of a name: block → the states written at that block, in vtxindex order.
///
/// History rows carry `last_creation_op`, so it is compared there.
pub fn history_ours(state: &MemState, id: &str) -> BTreeMap<u64, Vec<Canonical>> {
    let mut out: BTreeMap<u64, Vec<Canonical>> = BTreeMap::new();
    for h in state.history.iter().filter(|h| h.id == id) {
        let c = match &h.state {
            HistoryState::Name(r) => {
                let mut c = name_ours(r);
                c.insert("last_creation_op", json!(r.last_creation_op.as_str()));
                c
            }
            HistoryState::Namespace(r) => namespace_ours(r),
            HistoryState::Preorder(p) => preorder_ours(p),
        };
        out.entry(h.block).or_default().push(c);
    }
    for states in out.values_mut() {
        states.sort_by_key(|c| c.get("vtxindex").and_then(Json::as_u64));
    }
    out
}

/// The original's history of a name record (`record.history`): block → states, by vtxindex.
pub fn history_theirs(record: &Json) -> BTreeMap<u64, Vec<Json>> {
    let mut out = BTreeMap::new();
    if let Some(map) = record.get("history").and_then(Json::as_object) {
        for (block, states) in map {
            let Ok(block) = block.parse::<u64>() else {
                continue;
            };
            let mut states = states.as_array().cloned().unwrap_or_default();
            states.sort_by_key(|s| s.get("vtxindex").and_then(Json::as_u64));
            out.insert(block, states);
        }
    }
    out
}

/// Differences over the fields the original's history row carries (rows keep only the fields
/// of their op's record, so absent keys are not compared).
pub fn diff_present(ours: &Canonical, theirs: &Json) -> Vec<(String, Json, Json)> {
    ours.iter()
        .filter(|(k, _)| theirs.get(**k).is_some())
        .filter_map(|(k, a)| {
            let b = theirs_field(theirs, k);
            (!same(a, &b)).then(|| ((*k).to_owned(), a.clone(), b))
        })
        .collect()
}

fn number(f: f64) -> Json {
    serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)
}

/// A field of the original's record, mapped per the table above.
fn theirs_field(rec: &Json, field: &str) -> Json {
    let v = rec.get(field).cloned().unwrap_or(Json::Null);
    match field {
        "revoked" | "ready" => match &v {
            Json::Number(n) => Json::Bool(n.as_i64().unwrap_or(0) != 0),
            _ => v,
        },
        "op_fee" => v.as_f64().map_or(v.clone(), number),
        "buckets" => match &v {
            Json::String(s) => serde_json::from_str(s).unwrap_or(v.clone()),
            _ => v,
        },
        _ => v,
    }
}

/// The original's name record in canonical form.
pub fn name_theirs(rec: &Json) -> Canonical {
    NAME_FIELDS
        .iter()
        .map(|f| (*f, theirs_field(rec, f)))
        .collect()
}

/// The original's namespace record in canonical form.
pub fn namespace_theirs(rec: &Json) -> Canonical {
    NAMESPACE_FIELDS
        .iter()
        .map(|f| (*f, theirs_field(rec, f)))
        .collect()
}

/// Canonical numbers compare by value (`5` equals `5.0`).
fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// The fields whose canonical values differ: (field, ours, theirs).
pub fn diff(ours: &Canonical, theirs: &Canonical) -> Vec<(String, Json, Json)> {
    let mut keys: Vec<&&str> = ours.keys().chain(theirs.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let a = ours.get(*k).cloned().unwrap_or(Json::Null);
            let b = theirs.get(*k).cloned().unwrap_or(Json::Null);
            (!same(&a, &b)).then(|| ((*k).to_owned(), a, b))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn representation_only_differences_vanish() {
        let theirs = json!({"revoked": 0, "op_fee": 6400000, "buckets": "[6, 5, 4]", "ready": 1});
        assert_eq!(theirs_field(&theirs, "revoked"), json!(false));
        assert_eq!(theirs_field(&theirs, "ready"), json!(true));
        assert_eq!(theirs_field(&theirs, "buckets"), json!([6, 5, 4]));
        assert!(same(&theirs_field(&theirs, "op_fee"), &json!(6400000.0)));
        assert_eq!(theirs_field(&theirs, "importer"), Json::Null);
    }

    #[test]
    fn diff_reports_content() {
        let mut a = Canonical::new();
        a.insert("x", json!(1));
        a.insert("y", json!("a"));
        let mut b = a.clone();
        b.insert("y", json!("b"));
        assert_eq!(diff(&a, &b), vec![("y".to_owned(), json!("a"), json!("b"))]);
    }
}
