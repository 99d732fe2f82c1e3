//! Whole-table reads: the complete state in a comparable form, for verification tools (compare
//! two databases, or a database with a replay) and tests.

use blockstack_consensus::{NameRecord, NamespaceRecord, PreorderRecord};
use serde::Serialize;
use serde_json::{Map, Value};

use super::names::parse_state;
use super::Snapshot;
use crate::blocks::{self, AcceptedOpRow, BlockRow};
use crate::error::{Result, SqlContext};
use crate::rows::{
    name_from_row, namespace_from_row, preorder_from_row, NAMESPACE_COLUMNS, NAME_COLUMNS,
    PREORDER_COLUMNS,
};

/// One `history` row (spec §11.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HistoryRow {
    /// Insertion order.
    pub seq: u64,
    /// The op's txid.
    pub txid: String,
    /// The name or namespace ID.
    pub history_id: String,
    /// Set on creation rows (registrations, first imports, reveals).
    pub creator_address: Option<String>,
    /// The block the row is filed under (a consumed preorder's own block).
    pub block_id: u64,
    /// The op's position in that block.
    pub vtxindex: u32,
    /// The op string.
    pub op: String,
    /// The symbolic opcode.
    pub opcode: String,
    /// The state's value hash, if any.
    pub value_hash: Option<String>,
    /// The post-op state, JSON with sorted keys.
    pub history_data: String,
    /// The block whose commit wrote the row.
    pub committed_block: u64,
}

impl HistoryRow {
    /// The decoded `history_data`.
    pub fn state(&self) -> Result<Map<String, Value>> {
        parse_state(&self.history_id, &self.history_data)
    }
}

/// Every row of the state tables, in key order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StateDump {
    /// `name_records`, by name.
    pub names: Vec<NameRecord>,
    /// `namespaces`, by ID.
    pub namespaces: Vec<NamespaceRecord>,
    /// `preorders`, by (hash, block, txid).
    pub preorders: Vec<PreorderRecord>,
    /// Import keychains, by namespace ID.
    pub keychains: Vec<(String, Vec<String>)>,
    /// `history`, in insertion order.
    pub history: Vec<HistoryRow>,
    /// Per-block rows, ascending.
    pub blocks: Vec<BlockRow>,
    /// Accepted ops, by block and position.
    pub accepted_ops: Vec<AcceptedOpRow>,
}

impl Snapshot<'_> {
    /// Every name row, by name.
    pub fn name_rows(&self) -> Result<Vec<NameRecord>> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {NAME_COLUMNS} FROM name_records ORDER BY name"
            ))
            .and_then(|mut s| s.query_map([], name_from_row)?.collect())
            .ctx("reading every name row")
    }

    /// Every namespace row, by ID.
    pub fn namespace_rows(&self) -> Result<Vec<NamespaceRecord>> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {NAMESPACE_COLUMNS} FROM namespaces ORDER BY namespace_id"
            ))
            .and_then(|mut s| s.query_map([], namespace_from_row)?.collect())
            .ctx("reading every namespace row")
    }

    /// Every outstanding preorder, by (hash, block, txid).
    pub fn preorder_rows(&self) -> Result<Vec<PreorderRecord>> {
        self.conn()
            .prepare_cached(&format!(
                "SELECT {PREORDER_COLUMNS} FROM preorders ORDER BY preorder_hash, block_number, txid"
            ))
            .and_then(|mut s| s.query_map([], preorder_from_row)?.collect())
            .ctx("reading every preorder")
    }

    /// Every import keychain, by namespace ID.
    pub fn keychains(&self) -> Result<Vec<(String, Vec<String>)>> {
        let rows: Vec<(String, String)> = self
            .conn()
            .prepare_cached(
                "SELECT namespace_id, address FROM import_keychains ORDER BY namespace_id, key_index",
            )
            .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
            .ctx("reading import keychains")?;
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for (id, address) in rows {
            match out.last_mut() {
                Some((last, keys)) if *last == id => keys.push(address),
                _ => out.push((id, vec![address])),
            }
        }
        Ok(out)
    }

    /// Every history row, in insertion order.
    pub fn history_rows(&self) -> Result<Vec<HistoryRow>> {
        self.conn()
            .prepare_cached(
                "SELECT seq, txid, history_id, creator_address, block_id, vtxindex, op, opcode, \
                 value_hash, history_data, committed_block FROM history ORDER BY seq",
            )
            .and_then(|mut s| {
                s.query_map([], |r| {
                    Ok(HistoryRow {
                        seq: r.get(0)?,
                        txid: r.get(1)?,
                        history_id: r.get(2)?,
                        creator_address: r.get(3)?,
                        block_id: r.get(4)?,
                        vtxindex: r.get(5)?,
                        op: r.get(6)?,
                        opcode: r.get(7)?,
                        value_hash: r.get(8)?,
                        history_data: r.get(9)?,
                        committed_block: r.get(10)?,
                    })
                })?
                .collect()
            })
            .ctx("reading history")
    }

    /// Every per-block row, ascending.
    pub fn block_rows(&self) -> Result<Vec<BlockRow>> {
        blocks::block_rows(self.conn())
    }

    /// The whole state.
    pub fn dump(&self) -> Result<StateDump> {
        Ok(StateDump {
            names: self.name_rows()?,
            namespaces: self.namespace_rows()?,
            preorders: self.preorder_rows()?,
            keychains: self.keychains()?,
            history: self.history_rows()?,
            blocks: self.block_rows()?,
            accepted_ops: blocks::accepted_ops(self.conn(), None)?,
        })
    }
}
