//! Name queries: the record with its deadlines, history, the name at a block, names by owner
//! address, listings and counts (spec §11.6; `namedb_get_name`, `namedb_get_history`,
//! `namedb_get_name_at`, `namedb_get_names_owned_by_address`, `namedb_get_all_names`,
//! `namedb_get_names_in_namespace` and the counts in the original's `db.py`).

use std::collections::BTreeMap;

use blockstack_consensus::name::namespace_of;
use blockstack_consensus::NameRecord;
use rusqlite::params_from_iter;
use serde::ser::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::expiry::{alive_args, int, text, Deadlines, ALIVE, ALIVE_ANY_AGE};
use super::Snapshot;
use crate::error::{NameDbError, Result, SqlContext};
use crate::json;
use crate::rows;

/// A name's history: block height → the states recorded at that block, in block order
/// (the original's `get_name_history`). Consumed preorders appear at the preorder's block.
pub type NameHistory = BTreeMap<u64, Vec<Map<String, Value>>>;

/// A name's current record with the deadlines derived at lastblock.
///
/// Serializes as the original's name record reply: the row's columns plus `opcode`,
/// `expire_block`, `renewal_deadline` and `expired`, without the internal `last_creation_op`.
#[derive(Clone, Debug, PartialEq)]
pub struct NameRecordView {
    /// The row.
    pub record: NameRecord,
    /// Its deadlines.
    pub deadlines: Deadlines,
}

impl Serialize for NameRecordView {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = json::name_state(&self.record);
        m.remove("last_creation_op");
        m.insert("op_fee", row_op_fee(&self.record));
        add_deadlines(&mut m, self.deadlines);
        m.serialize(s)
    }
}

/// `op_fee` of a current record as the original reads it back from its `INT` column: a
/// whole fee is an integer (SQLite's integer affinity turns `160000.0` into `160000`), a
/// fractional one stays a float; a record whose last op is an import is then made a float
/// again (`op_canonicalize` of `NAME_IMPORT`).
fn row_op_fee(rec: &NameRecord) -> Value {
    let fee = rec.op_fee;
    let is_import = rec.op == blockstack_consensus::record::NameOp::Import;
    if !is_import && fee.fract() == 0.0 && fee.is_finite() && fee.abs() < 9.0e15 {
        return Value::from(fee as i64);
    }
    serde_json::Number::from_f64(fee).map_or(Value::Null, Value::Number)
}

/// A past state of a name (from history) with deadlines derived from it at lastblock, as the
/// DID lookup returns it.
#[derive(Clone, Debug, PartialEq)]
pub struct NameStateView {
    /// The history state.
    pub state: Map<String, Value>,
    /// Its deadlines.
    pub deadlines: Deadlines,
}

impl Serialize for NameStateView {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m: BTreeMap<&str, Value> = self
            .state
            .iter()
            .filter(|(k, _)| k.as_str() != "last_creation_op")
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        m.insert("expire_block", Value::from(self.deadlines.expire_block));
        m.insert(
            "renewal_deadline",
            Value::from(self.deadlines.renewal_deadline),
        );
        m.insert("expired", Value::from(self.deadlines.expired));
        m.serialize(s)
    }
}

fn add_deadlines(m: &mut json::JsonRecord, d: Deadlines) {
    m.insert("expire_block", Value::from(d.expire_block));
    m.insert("renewal_deadline", Value::from(d.renewal_deadline));
    m.insert("expired", Value::from(d.expired));
}

/// The answer to a name record lookup.
#[derive(Clone, Debug, PartialEq)]
pub enum NameLookup {
    /// No row for this name.
    NotFound,
    /// A row exists but its namespace is neither ready nor revealed and unexpired (the RPC
    /// answers with `record: null`).
    NamespaceMissing,
    /// The record.
    Found(Box<NameRecordView>),
}

/// Decodes a stored `history_data`.
pub(super) fn parse_state(id: &str, text: &str) -> Result<Map<String, Value>> {
    serde_json::from_str(text).map_err(|e| NameDbError::Corrupt {
        table: "history",
        key: id.to_string(),
        detail: e.to_string(),
    })
}

/// A stored state as the original's history holds it: a name state written by a
/// registration or an import carries only the op's own fields, without the row's derived
/// `name_hash128` and `namespace_id` (the original saves the new record before its insert
/// fills them in); later ops overlay the stored row and keep them.
pub(super) fn reply_state(id: &str, text: &str) -> Result<Map<String, Value>> {
    let mut state = parse_state(id, text)?;
    let created = matches!(
        state.get("opcode").and_then(Value::as_str),
        Some("NAME_REGISTRATION" | "NAME_IMPORT")
    );
    if created {
        state.remove("name_hash128");
        state.remove("namespace_id");
    }
    Ok(state)
}

/// The "current form" of a stored state (`op_decanonicalize`): a namespace op's `buckets`
/// text becomes a list again.
fn decanonicalize(mut state: Map<String, Value>) -> Map<String, Value> {
    let is_namespace_op = state
        .get("opcode")
        .and_then(Value::as_str)
        .is_some_and(|op| op.starts_with("NAMESPACE_"));
    if is_namespace_op {
        if let Some(Value::String(text)) = state.get("buckets") {
            if let Some(buckets) = rows::buckets_from_str(text) {
                state.insert("buckets".into(), Value::from(buckets.to_vec()));
            }
        }
    }
    state
}

impl Snapshot<'_> {
    /// A name's row, whatever its expiry.
    pub fn name_row(&self, name: &str) -> Result<Option<NameRecord>> {
        rows::get_name(self.conn(), name).ctx("reading a name row")
    }

    /// A name's record regardless of expiry, with `expire_block`, `renewal_deadline` and
    /// `expired` at lastblock (`get_name_record` / `load_name_info`).
    pub fn name_record(&self, name: &str) -> Result<NameLookup> {
        let Some(record) = self.name_row(name)? else {
            return Ok(NameLookup::NotFound);
        };
        let Some(ns) = self.visible_namespace(&record.namespace_id)? else {
            return Ok(NameLookup::NamespaceMissing);
        };
        let deadlines = Deadlines::compute(&ns, record.last_renewed, self.lastblock(), self.rules);
        Ok(NameLookup::Found(Box::new(NameRecordView {
            record,
            deadlines,
        })))
    }

    /// The history of a name or namespace, grouped by block (`namedb_get_history`).
    pub fn history(&self, id: &str) -> Result<NameHistory> {
        let rows: Vec<(u64, String)> = self
            .conn()
            .prepare_cached(
                "SELECT block_id, history_data FROM history WHERE history_id = ?1 \
                 ORDER BY block_id, vtxindex, seq",
            )
            .and_then(|mut s| s.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
            .ctx("reading history")?;
        let mut out = NameHistory::new();
        for (block, text) in rows {
            out.entry(block)
                .or_default()
                .push(decanonicalize(reply_state(id, &text)?));
        }
        Ok(out)
    }

    /// The blocks at which a name was written: its `block_number` and every block its history
    /// is filed under, ascending, up to lastblock (`get_name_history_blocks`).
    pub fn name_history_blocks(&self, name: &str) -> Result<Vec<u64>> {
        let Some(row) = self.name_row(name)? else {
            return Ok(Vec::new());
        };
        let mut blocks: Vec<u64> = self
            .conn()
            .prepare_cached("SELECT DISTINCT block_id FROM history WHERE history_id = ?1")
            .and_then(|mut s| s.query_map([name], |r| r.get(0))?.collect())
            .ctx("reading history blocks")?;
        blocks.push(row.block_number);
        blocks.retain(|b| *b <= self.lastblock());
        blocks.sort_unstable();
        blocks.dedup();
        Ok(blocks)
    }

    /// The states a name passed through at block `block` (`get_name_at`): `None` if it is
    /// not alive at `block` (spec §8.1 without the `first_registered` term, epochs of
    /// `block`); else the states recorded at `block`, newest first, or the latest one before.
    pub fn name_at(&self, name: &str, block: u64) -> Result<Option<Vec<Map<String, Value>>>> {
        let mut args = alive_args(self.rules, block);
        args.push(text(name));
        let alive: Option<i64> = self
            .conn()
            .prepare_cached(&format!(
                "SELECT 1 FROM name_records nr JOIN namespaces ns \
                 ON nr.namespace_id = ns.namespace_id WHERE nr.name = ?5 AND {ALIVE_ANY_AGE}"
            ))
            .and_then(|mut s| {
                let mut rows = s.query(params_from_iter(args))?;
                rows.next()?.map(|r| r.get(0)).transpose()
            })
            .ctx("checking a name's liveness")?;
        if alive.is_none() {
            return Ok(None);
        }
        self.historic_name_at(name, block)
    }

    /// [`Snapshot::name_at`] without the liveness test (`get_historic_name_at`).
    pub fn historic_name_at(
        &self,
        name: &str,
        block: u64,
    ) -> Result<Option<Vec<Map<String, Value>>>> {
        let fetch = |sql: &str| -> Result<Vec<String>> {
            self.conn()
                .prepare_cached(sql)
                .and_then(|mut s| {
                    s.query_map(rusqlite::params![name, block], |r| r.get(0))?
                        .collect()
                })
                .ctx("reading a name's states")
        };
        let mut texts = fetch(
            "SELECT history_data FROM history WHERE history_id = ?1 AND block_id = ?2 \
             ORDER BY vtxindex DESC, seq DESC",
        )?;
        if texts.is_empty() {
            texts = fetch(
                "SELECT history_data FROM history WHERE history_id = ?1 AND block_id < ?2 \
                 ORDER BY block_id DESC, vtxindex DESC, seq DESC LIMIT 1",
            )?;
        }
        if texts.is_empty() {
            return Ok(None);
        }
        texts
            .iter()
            .map(|t| reply_state(name, t))
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }

    /// Names whose owner address is exactly `address`, not revoked and alive at lastblock,
    /// sorted (`get_names_owned_by_address`).
    pub fn names_owned_by_address(&self, address: &str) -> Result<Vec<String>> {
        let mut args = alive_args(self.rules, self.lastblock());
        args.push(text(address));
        self.name_list(
            &format!(
                "SELECT nr.name FROM name_records nr JOIN namespaces ns \
                 ON nr.namespace_id = ns.namespace_id \
                 WHERE nr.address = ?5 AND nr.revoked = 0 AND {ALIVE} ORDER BY nr.name"
            ),
            args,
        )
    }

    /// Names alive at lastblock (revoked included), sorted, one page (`get_all_names`).
    pub fn all_names(&self, offset: u64, count: u64) -> Result<Vec<String>> {
        let mut args = alive_args(self.rules, self.lastblock());
        args.extend([int(count), int(offset)]);
        self.name_list(
            &format!(
                "SELECT nr.name FROM name_records nr JOIN namespaces ns \
                 ON nr.namespace_id = ns.namespace_id WHERE {ALIVE} \
                 ORDER BY nr.name LIMIT ?5 OFFSET ?6"
            ),
            args,
        )
    }

    /// Every name ever registered or imported, sorted, one page (`get_all_names_cumulative`).
    pub fn all_names_cumulative(&self, offset: u64, count: u64) -> Result<Vec<String>> {
        self.name_list(
            "SELECT nr.name FROM name_records nr JOIN namespaces ns \
             ON nr.namespace_id = ns.namespace_id ORDER BY nr.name LIMIT ?1 OFFSET ?2",
            vec![int(count), int(offset)],
        )
    }

    /// Names of a namespace alive at lastblock, sorted, one page (`get_names_in_namespace`).
    pub fn names_in_namespace(
        &self,
        namespace_id: &str,
        offset: u64,
        count: u64,
    ) -> Result<Vec<String>> {
        let mut args = alive_args(self.rules, self.lastblock());
        args.extend([text(namespace_id), int(count), int(offset)]);
        self.name_list(
            &format!(
                "SELECT nr.name FROM name_records nr JOIN namespaces ns \
                 ON nr.namespace_id = ns.namespace_id WHERE nr.namespace_id = ?5 AND {ALIVE} \
                 ORDER BY nr.name LIMIT ?6 OFFSET ?7"
            ),
            args,
        )
    }

    /// How many names are alive at lastblock, revoked included (`get_num_names`).
    pub fn num_names(&self) -> Result<u64> {
        self.count(
            &format!(
                "SELECT COUNT(*) FROM name_records nr JOIN namespaces ns \
                 ON nr.namespace_id = ns.namespace_id WHERE {ALIVE}"
            ),
            alive_args(self.rules, self.lastblock()),
        )
    }

    /// How many names were ever created (`get_num_names_cumulative`).
    pub fn num_names_cumulative(&self) -> Result<u64> {
        self.count(
            "SELECT COUNT(*) FROM name_records nr JOIN namespaces ns \
             ON nr.namespace_id = ns.namespace_id",
            Vec::new(),
        )
    }

    /// How many names of a namespace are alive at lastblock (`get_num_names_in_namespace`).
    pub fn num_names_in_namespace(&self, namespace_id: &str) -> Result<u64> {
        let mut args = alive_args(self.rules, self.lastblock());
        args.push(text(namespace_id));
        self.count(
            &format!(
                "SELECT COUNT(*) FROM name_records nr JOIN namespaces ns \
                 ON nr.namespace_id = ns.namespace_id WHERE nr.namespace_id = ?5 AND {ALIVE}"
            ),
            args,
        )
    }

    /// The name price of `name` at lastblock, rounded up (`get_name_cost`), or `None` if its
    /// namespace is neither ready nor revealed. A double: the extreme price functions exceed
    /// every integer type.
    pub fn name_cost(&self, name: &str) -> Result<Option<f64>> {
        let Some(ns) = self.visible_namespace(namespace_of(name))? else {
            return Ok(None);
        };
        let price =
            blockstack_consensus::price::price_fqn(name, &ns.price, self.rules, self.lastblock());
        Ok(Some(price.ceil()))
    }

    fn name_list(&self, sql: &str, args: Vec<rusqlite::types::Value>) -> Result<Vec<String>> {
        self.conn()
            .prepare_cached(sql)
            .and_then(|mut s| s.query_map(params_from_iter(args), |r| r.get(0))?.collect())
            .ctx("listing names")
    }

    fn count(&self, sql: &str, args: Vec<rusqlite::types::Value>) -> Result<u64> {
        self.conn()
            .prepare_cached(sql)
            .and_then(|mut s| s.query_row(params_from_iter(args), |r| r.get(0)))
            .ctx("counting names")
    }
}

#[cfg(test)]
mod tests {
    use blockstack_consensus::record::{CreationOp, NameOp};

    use super::*;

    fn imported(op: NameOp, op_fee: f64) -> NameRecord {
        NameRecord {
            name: "a.test".into(),
            preorder_hash: String::new(),
            name_hash128: String::new(),
            namespace_id: "test".into(),
            namespace_block_number: 1,
            value_hash: None,
            sender: String::new(),
            sender_pubkey: None,
            address: String::new(),
            block_number: 2,
            preorder_block_number: 2,
            first_registered: 2,
            last_renewed: 2,
            revoked: false,
            op,
            txid: String::new(),
            vtxindex: 1,
            op_fee,
            importer: None,
            importer_address: None,
            consensus_hash: None,
            last_creation_op: CreationOp::Import,
            update_consensus_hash: None,
        }
    }

    #[test]
    fn a_current_record_reads_a_whole_fee_back_as_an_integer() {
        let fee = |op, fee| row_op_fee(&imported(op, fee)).to_string();
        // After an import, later ops leave the whole fee an integer in the row...
        assert_eq!(fee(NameOp::TransferKeep, 160_000.0), "160000");
        assert_eq!(fee(NameOp::Update, 25_000.0), "25000");
        // ...a fractional one stays a float, and an import record is a float again.
        assert_eq!(fee(NameOp::TransferKeep, 33.5), "33.5");
        assert_eq!(fee(NameOp::Import, 160_000.0), "160000.0");
    }

    #[test]
    fn created_states_drop_the_derived_fields_and_others_keep_them() {
        let text = |opcode: &str| {
            format!(
                r#"{{"name": "a.test", "name_hash128": "h", "namespace_id": "test", "opcode": "{opcode}"}}"#
            )
        };
        for opcode in ["NAME_REGISTRATION", "NAME_IMPORT"] {
            let s = reply_state("a.test", &text(opcode)).expect("state");
            assert!(!s.contains_key("name_hash128") && !s.contains_key("namespace_id"));
            assert_eq!(s["name"], "a.test");
        }
        for opcode in [
            "NAME_UPDATE",
            "NAME_TRANSFER",
            "NAME_RENEWAL",
            "NAME_REVOKE",
        ] {
            let s = reply_state("a.test", &text(opcode)).expect("state");
            assert!(s.contains_key("name_hash128") && s.contains_key("namespace_id"));
        }
        assert!(reply_state("a.test", "not json").is_err());
    }
}
