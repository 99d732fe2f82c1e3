//! Namespace queries (spec §11.6; `get_namespace_blockchain_record`, `get_all_namespaces`,
//! `get_namespace_cost` in the original's `blockstackd.py`).

use blockstack_consensus::price::price_namespace;
use blockstack_consensus::NamespaceRecord;
use serde::ser::{Serialize, Serializer};
use serde_json::Value;

use super::expiry::namespace_visible;
use super::Snapshot;
use crate::error::{Result, SqlContext};
use crate::json;
use crate::rows;

/// A namespace record as the RPC returns it: its columns (`buckets` as list text), `opcode`
/// and `ready`.
#[derive(Clone, Debug, PartialEq)]
pub struct NamespaceView {
    /// The row.
    pub record: NamespaceRecord,
}

impl Serialize for NamespaceView {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut m = json::namespace_state(&self.record);
        m.insert("ready", Value::from(self.record.ready));
        m.serialize(s)
    }
}

/// The price of a namespace ID and whether a ready namespace already has it.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct NamespaceCost {
    /// `price_namespace` at lastblock, rounded up.
    pub satoshis: f64,
    /// Whether a ready namespace with this ID exists (the RPC then adds a warning).
    pub exists: bool,
}

impl Snapshot<'_> {
    /// A namespace's row, whatever its state and age.
    pub fn namespace_row(&self, namespace_id: &str) -> Result<Option<NamespaceRecord>> {
        rows::get_namespace(self.conn(), namespace_id).ctx("reading a namespace row")
    }

    /// The namespace if it is ready, or revealed and not expired at lastblock.
    pub(super) fn visible_namespace(&self, namespace_id: &str) -> Result<Option<NamespaceRecord>> {
        let b = self.lastblock();
        Ok(self
            .namespace_row(namespace_id)?
            .filter(|ns| namespace_visible(ns, self.rules, b)))
    }

    /// A namespace record: ready, else revealed and not expired (spec §11.6).
    pub fn namespace_record(&self, namespace_id: &str) -> Result<Option<NamespaceView>> {
        Ok(self
            .visible_namespace(namespace_id)?
            .map(|record| NamespaceView { record }))
    }

    /// The IDs of the ready namespaces (`get_all_namespaces`), in the order their rows were
    /// first written, at their first reveal: the original scans its table in insertion
    /// order, and a re-reveal updates a row in place.
    pub fn namespace_ids(&self) -> Result<Vec<String>> {
        self.conn()
            .prepare_cached(
                "SELECT ns.namespace_id FROM namespaces ns \
                 LEFT JOIN (SELECT history_id, MIN(seq) AS first FROM history \
                   WHERE opcode = 'NAMESPACE_REVEAL' GROUP BY history_id) r \
                 ON r.history_id = ns.namespace_id \
                 WHERE ns.op = '!' ORDER BY r.first, ns.namespace_id",
            )
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .ctx("listing namespaces")
    }

    /// How many namespaces are ready.
    pub fn num_namespaces(&self) -> Result<u64> {
        self.conn()
            .prepare_cached("SELECT COUNT(*) FROM namespaces WHERE op = '!'")
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .ctx("counting namespaces")
    }

    /// How many namespace IDs were ever revealed.
    pub fn num_namespaces_cumulative(&self) -> Result<u64> {
        self.conn()
            .prepare_cached("SELECT COUNT(*) FROM namespaces")
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .ctx("counting namespaces")
    }

    /// The price of namespace `namespace_id` at lastblock (`get_namespace_cost`).
    pub fn namespace_cost(&self, namespace_id: &str) -> Result<NamespaceCost> {
        let exists = self.namespace_row(namespace_id)?.is_some_and(|ns| ns.ready);
        Ok(NamespaceCost {
            satoshis: price_namespace(namespace_id, self.rules, self.lastblock()).ceil(),
            exists,
        })
    }
}
