//! The JSON form of records: what `history.history_data` holds and what the queries return.
//!
//! It is the original's "canonical" form (`op_canonicalize` in `operations/__init__.py`,
//! spec §11.4): the row's columns under their column names plus `opcode`, with
//! `buckets` as the Python list text, `op_fee` as a float for names created by an import,
//! `keep_data` on transfers and `name_consensus_hash` on updates. Keys are sorted, as
//! `json.dumps(…, sort_keys=True)` writes them.

use std::collections::BTreeMap;

use blockstack_consensus::hash::name_consensus_hash;
use blockstack_consensus::pyfmt::list_str;
use blockstack_consensus::record::{CreationOp, NameOp, PreorderKind};
use blockstack_consensus::state::HistoryState;
use blockstack_consensus::{NameRecord, NamespaceRecord, PreorderRecord};
use serde_json::{Map, Value};

/// A record in JSON form, keys sorted.
pub type JsonRecord = BTreeMap<&'static str, Value>;

/// The symbolic opcode of a name's `op` string (`op_get_opcode_name`).
pub fn name_opcode(op: NameOp) -> &'static str {
    match op {
        NameOp::Registration => "NAME_REGISTRATION",
        NameOp::Renewal => "NAME_RENEWAL",
        NameOp::Update => "NAME_UPDATE",
        NameOp::TransferKeep | NameOp::TransferClear => "NAME_TRANSFER",
        NameOp::Revoke => "NAME_REVOKE",
        NameOp::Import => "NAME_IMPORT",
    }
}

/// The symbolic opcode of a preorder.
pub fn preorder_opcode(kind: PreorderKind) -> &'static str {
    match kind {
        PreorderKind::Name => "NAME_PREORDER",
        PreorderKind::Namespace => "NAMESPACE_PREORDER",
    }
}

/// The symbolic opcode of a namespace's current state.
pub fn namespace_opcode(ns: &NamespaceRecord) -> &'static str {
    if ns.ready {
        "NAMESPACE_READY"
    } else {
        "NAMESPACE_REVEAL"
    }
}

fn opt(v: &Option<String>) -> Value {
    v.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
}

/// `op_fee` as the original types it: a float once an import created the name (the
/// `op_canonicalize_quirks` rule), else the integer fee.
pub fn name_op_fee(rec: &NameRecord) -> Value {
    match rec.last_creation_op {
        CreationOp::Import => {
            serde_json::Number::from_f64(rec.op_fee).map_or(Value::Null, Value::Number)
        }
        // Fees of preorder-created names are whole satoshis; int() truncates.
        CreationOp::Preorder => Value::from(rec.op_fee.trunc() as u64),
    }
}

/// A name's state (its row after an op), as stored in history.
pub fn name_state(r: &NameRecord) -> JsonRecord {
    let mut m = JsonRecord::new();
    m.insert("name", Value::from(r.name.clone()));
    m.insert("preorder_hash", Value::from(r.preorder_hash.clone()));
    m.insert("name_hash128", Value::from(r.name_hash128.clone()));
    m.insert("namespace_id", Value::from(r.namespace_id.clone()));
    m.insert(
        "namespace_block_number",
        Value::from(r.namespace_block_number),
    );
    m.insert("value_hash", opt(&r.value_hash));
    m.insert("sender", Value::from(r.sender.clone()));
    m.insert("sender_pubkey", opt(&r.sender_pubkey));
    m.insert("address", Value::from(r.address.clone()));
    m.insert("block_number", Value::from(r.block_number));
    m.insert(
        "preorder_block_number",
        Value::from(r.preorder_block_number),
    );
    m.insert("first_registered", Value::from(r.first_registered));
    m.insert("last_renewed", Value::from(r.last_renewed));
    m.insert("revoked", Value::from(r.revoked));
    m.insert("op", Value::from(r.op.as_str()));
    m.insert("opcode", Value::from(name_opcode(r.op)));
    m.insert("txid", Value::from(r.txid.clone()));
    m.insert("vtxindex", Value::from(r.vtxindex));
    m.insert("op_fee", name_op_fee(r));
    m.insert("importer", opt(&r.importer));
    m.insert("importer_address", opt(&r.importer_address));
    m.insert("consensus_hash", opt(&r.consensus_hash));
    m.insert("last_creation_op", Value::from(r.last_creation_op.as_str()));
    match r.op {
        NameOp::TransferKeep => {
            m.insert("keep_data", Value::from(true));
        }
        NameOp::TransferClear => {
            m.insert("keep_data", Value::from(false));
        }
        NameOp::Update => {
            let ch = r.consensus_hash.as_deref().unwrap_or("");
            m.insert(
                "name_consensus_hash",
                Value::from(name_consensus_hash(&r.name, ch)),
            );
        }
        _ => {}
    }
    m
}

/// A namespace's state (its row after a reveal or ready).
pub fn namespace_state(r: &NamespaceRecord) -> JsonRecord {
    let mut m = JsonRecord::new();
    m.insert("namespace_id", Value::from(r.namespace_id.clone()));
    m.insert("preorder_hash", Value::from(r.preorder_hash.clone()));
    m.insert("version", Value::from(r.version));
    m.insert("sender", Value::from(r.sender.clone()));
    m.insert("sender_pubkey", opt(&r.sender_pubkey));
    m.insert("address", Value::from(r.address.clone()));
    m.insert("recipient", Value::from(r.recipient.clone()));
    m.insert(
        "recipient_address",
        Value::from(r.recipient_address.clone()),
    );
    m.insert("block_number", Value::from(r.block_number));
    m.insert("reveal_block", Value::from(r.reveal_block));
    m.insert("ready_block", Value::from(r.ready_block));
    m.insert("op", Value::from(r.op_str()));
    m.insert("opcode", Value::from(namespace_opcode(r)));
    m.insert("op_fee", Value::from(r.op_fee));
    m.insert("txid", Value::from(r.txid.clone()));
    m.insert("vtxindex", Value::from(r.vtxindex));
    m.insert("lifetime", Value::from(r.lifetime));
    m.insert("coeff", Value::from(r.price.coeff));
    m.insert("base", Value::from(r.price.base));
    m.insert("buckets", Value::from(list_str(&r.price.buckets)));
    m.insert("nonalpha_discount", Value::from(r.price.nonalpha_discount));
    m.insert("no_vowel_discount", Value::from(r.price.no_vowel_discount));
    m
}

/// A preorder's state (outstanding, or consumed and filed in history).
pub fn preorder_state(p: &PreorderRecord) -> JsonRecord {
    let mut m = JsonRecord::new();
    m.insert("preorder_hash", Value::from(p.preorder_hash.clone()));
    m.insert("consensus_hash", Value::from(p.consensus_hash.clone()));
    m.insert("sender", Value::from(p.sender.clone()));
    m.insert("sender_pubkey", opt(&p.sender_pubkey));
    m.insert("address", Value::from(p.address.clone()));
    m.insert("block_number", Value::from(p.block_number));
    m.insert("op", Value::from(p.kind.as_str()));
    m.insert("opcode", Value::from(preorder_opcode(p.kind)));
    m.insert("op_fee", Value::from(p.op_fee));
    m.insert("txid", Value::from(p.txid.clone()));
    m.insert("vtxindex", Value::from(p.vtxindex));
    m.insert("burn_address", Value::from(p.burn_address.clone()));
    m
}

/// The JSON form of a history state.
pub fn history_state(state: &HistoryState) -> JsonRecord {
    match state {
        HistoryState::Name(r) => name_state(r),
        HistoryState::Namespace(r) => namespace_state(r),
        HistoryState::Preorder(p) => preorder_state(p),
    }
}

/// The opcode of a history state.
pub fn history_opcode(state: &HistoryState) -> &'static str {
    match state {
        HistoryState::Name(r) => name_opcode(r.op),
        HistoryState::Namespace(r) => namespace_opcode(r),
        HistoryState::Preorder(p) => preorder_opcode(p.kind),
    }
}

/// The value hash a history row carries in its `value_hash` column.
pub fn history_value_hash(state: &HistoryState) -> Option<String> {
    match state {
        HistoryState::Name(r) => r.value_hash.clone(),
        HistoryState::Namespace(_) | HistoryState::Preorder(_) => None,
    }
}

/// Converts a sorted record into a JSON object.
pub fn to_map(rec: JsonRecord) -> Map<String, Value> {
    rec.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}
