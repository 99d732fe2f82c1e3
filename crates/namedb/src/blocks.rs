//! Per-block rows (spec §11.5): block hash, consensus hash, ops hash, and the accepted ops with
//! their consensus records.

use blockstack_consensus::ConsensusRecord;
use rusqlite::Connection;
use serde::Serialize;

use crate::error::{NameDbError, Result, SqlContext};
use crate::open::NameDb;

/// One processed block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BlockRow {
    /// Height.
    pub height: u64,
    /// The Bitcoin block hash it was processed from.
    pub block_hash: String,
    /// Its consensus hash (spec §10.4).
    pub consensus_hash: String,
    /// Its ops hash (spec §10.2).
    pub ops_hash: String,
    /// How many ops were accepted.
    pub accepted_ops: u64,
    /// Whether it can still be rolled back.
    pub has_undo: bool,
}

/// One accepted op of a block, in acceptance order.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AcceptedOpRow {
    /// The block.
    pub height: u64,
    /// Position among the block's accepted ops.
    pub position: u64,
    /// The op's txid.
    pub txid: String,
    /// The op's position in the block.
    pub vtxindex: u32,
    /// The symbolic opcode (`NAME_RENEWAL` for renewals).
    pub opcode: String,
    /// What the op contributed to the ops hash.
    pub record: ConsensusRecord,
    /// The op as parsed from its transaction, in JSON.
    pub parsed_op: serde_json::Value,
}

/// The last committed block.
pub(crate) fn last_block(conn: &Connection) -> Result<Option<u64>> {
    conn.prepare_cached("SELECT MAX(height) FROM blocks")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .ctx("reading the last block")
}

fn block_column(conn: &Connection, sql: &str, height: u64) -> Result<Option<String>> {
    conn.prepare_cached(sql)
        .and_then(|mut s| {
            let mut rows = s.query([height])?;
            rows.next()?.map(|r| r.get(0)).transpose()
        })
        .ctx("reading a block row")
}

/// The block hash of block `height`.
pub(crate) fn block_hash(conn: &Connection, height: u64) -> Result<Option<String>> {
    block_column(
        conn,
        "SELECT block_hash FROM blocks WHERE height = ?1",
        height,
    )
}

/// The consensus hash of block `height`.
pub(crate) fn consensus_hash(conn: &Connection, height: u64) -> Result<Option<String>> {
    block_column(
        conn,
        "SELECT consensus_hash FROM blocks WHERE height = ?1",
        height,
    )
}

/// The ops hash of block `height`.
pub(crate) fn ops_hash(conn: &Connection, height: u64) -> Result<Option<String>> {
    block_column(
        conn,
        "SELECT ops_hash FROM blocks WHERE height = ?1",
        height,
    )
}

/// The (highest) block whose consensus hash is `ch`.
pub(crate) fn block_of_consensus_hash(conn: &Connection, ch: &str) -> Result<Option<u64>> {
    conn.prepare_cached("SELECT MAX(height) FROM blocks WHERE consensus_hash = ?1")
        .and_then(|mut s| s.query_row([ch], |r| r.get(0)))
        .ctx("looking up a consensus hash")
}

/// Every block row, ascending.
pub(crate) fn block_rows(conn: &Connection) -> Result<Vec<BlockRow>> {
    conn.prepare_cached(
        "SELECT height, block_hash, consensus_hash, ops_hash, accepted_ops, has_undo \
         FROM blocks ORDER BY height",
    )
    .and_then(|mut s| {
        s.query_map([], |r| {
            Ok(BlockRow {
                height: r.get(0)?,
                block_hash: r.get(1)?,
                consensus_hash: r.get(2)?,
                ops_hash: r.get(3)?,
                accepted_ops: r.get(4)?,
                has_undo: r.get::<_, i64>(5)? != 0,
            })
        })?
        .collect()
    })
    .ctx("reading block rows")
}

/// The accepted ops of block `height` (every block if `None`), in order.
pub(crate) fn accepted_ops(conn: &Connection, height: Option<u64>) -> Result<Vec<AcceptedOpRow>> {
    let raw: Vec<(u64, u64, String, u32, String, String, String)> = conn
        .prepare_cached(
            "SELECT height, position, txid, vtxindex, opcode, record, parsed_op FROM block_ops \
             WHERE height BETWEEN ?1 AND ?2 ORDER BY height, position",
        )
        .and_then(|mut s| {
            let (from, to) = height.map_or((0, i64::MAX as u64), |h| (h, h));
            s.query_map([from, to], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })?
            .collect()
        })
        .ctx("reading accepted ops")?;
    raw.into_iter()
        .map(
            |(height, position, txid, vtxindex, opcode, record, parsed)| {
                let corrupt = |e: serde_json::Error| NameDbError::Corrupt {
                    table: "block_ops",
                    key: format!("{height}/{position}"),
                    detail: e.to_string(),
                };
                Ok(AcceptedOpRow {
                    height,
                    position,
                    txid,
                    vtxindex,
                    opcode,
                    record: serde_json::from_str(&record).map_err(corrupt)?,
                    parsed_op: serde_json::from_str(&parsed).map_err(corrupt)?,
                })
            },
        )
        .collect()
}

impl NameDb {
    /// The last committed block, `None` for an empty database.
    pub fn last_block(&self) -> Result<Option<u64>> {
        last_block(&self.conn)
    }

    /// The Bitcoin block hash block `height` was processed from.
    pub fn block_hash(&self, height: u64) -> Result<Option<String>> {
        block_hash(&self.conn, height)
    }

    /// The consensus hash of block `height`.
    pub fn consensus_hash(&self, height: u64) -> Result<Option<String>> {
        consensus_hash(&self.conn, height)
    }
}
