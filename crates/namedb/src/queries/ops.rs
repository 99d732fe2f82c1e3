//! Per-block queries: the ops at a block (spec §11.6, `namedb_get_all_ops_at` /
//! `namedb_get_num_ops_at`), consensus and ops hashes.

use blockstack_consensus::rules::GENESIS_CONSENSUS_HASH;
use serde::Serialize;
use serde_json::{Map, Value};

use super::expiry::int;
use super::names::reply_state;
use super::Snapshot;
use crate::blocks::{self, AcceptedOpRow};
use crate::error::{Result, SqlContext};
use crate::json;
use crate::rows::{preorder_from_row, PREORDER_COLUMNS};

/// A zone file hash announced by an accepted op (Atlas, spec `atlas.md` §4.1).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ZonefileInfo {
    /// The name.
    pub name: String,
    /// The zone file hash of the name's state after the op.
    pub value_hash: String,
    /// The op's txid.
    pub txid: String,
}

/// Whether `height` is one of the genesis rows before `first_block` (F − 4 … F − 1).
fn is_genesis_row(first_block: u64, height: u64) -> bool {
    height < first_block && height + 4 >= first_block
}

impl Snapshot<'_> {
    /// How many ops [`Snapshot::nameops_at`] lists for block `block`: the outstanding
    /// preorders made at it plus the history rows filed under it.
    pub fn num_nameops_at(&self, block: u64) -> Result<u64> {
        self.conn()
            .prepare_cached(
                "SELECT (SELECT COUNT(*) FROM preorders WHERE block_number = ?1) + \
                 (SELECT COUNT(*) FROM history WHERE block_id = ?1)",
            )
            .and_then(|mut s| s.query_row([block], |r| r.get(0)))
            .ctx("counting the ops at a block")
    }

    /// The ops at block `block`, one page: the outstanding preorders made at it (by vtxindex),
    /// then the history states filed under it (by vtxindex; preorders consumed since appear
    /// here, at their own block). The page window runs over both lists as one.
    ///
    /// The original computes the window with a `COUNT(*) … OFFSET` query that yields no row
    /// once the offset is positive, so its later pages skip or repeat rows; this is the window
    /// it meant. States are as stored (the RPC layer drops `last_creation_op`).
    pub fn nameops_at(
        &self,
        block: u64,
        offset: u64,
        count: u64,
    ) -> Result<Vec<Map<String, Value>>> {
        let preorders = self
            .conn()
            .prepare_cached(&format!(
                "SELECT {PREORDER_COLUMNS} FROM preorders WHERE block_number = ?1 \
                 ORDER BY vtxindex, txid"
            ))
            .and_then(|mut s| {
                s.query_map([block], preorder_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()
            })
            .ctx("reading the preorders of a block")?;
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        let take = usize::try_from(count).unwrap_or(usize::MAX);
        let mut out: Vec<Map<String, Value>> = preorders
            .iter()
            .skip(skip)
            .take(take)
            .map(|p| json::to_map(json::preorder_state(p)))
            .collect();
        let remaining = count.saturating_sub(out.len() as u64);
        if remaining == 0 {
            return Ok(out);
        }
        let history_offset = offset.saturating_sub(preorders.len() as u64);
        let texts: Vec<(String, String)> = self
            .conn()
            .prepare_cached(
                "SELECT history_id, history_data FROM history WHERE block_id = ?1 \
                 ORDER BY vtxindex, seq LIMIT ?2 OFFSET ?3",
            )
            .and_then(|mut s| {
                s.query_map(
                    rusqlite::params_from_iter([int(block), int(remaining), int(history_offset)]),
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?
                .collect()
            })
            .ctx("reading the history of a block")?;
        for (id, text) in texts {
            out.push(reply_state(&id, &text)?);
        }
        Ok(out)
    }

    /// The zone file hashes the ops of block `height` announce, in block order
    /// (`get_atlas_zonefile_info_at`): registrations, renewals, updates and imports whose
    /// resulting state has a value hash. Transfers never count.
    pub fn zonefile_info_at(&self, height: u64) -> Result<Vec<ZonefileInfo>> {
        self.conn()
            .prepare_cached(
                "SELECT history_id, value_hash, txid FROM history WHERE block_id = ?1 \
                 AND opcode IN ('NAME_REGISTRATION', 'NAME_RENEWAL', 'NAME_UPDATE', 'NAME_IMPORT') \
                 AND value_hash IS NOT NULL ORDER BY vtxindex, seq",
            )
            .and_then(|mut s| {
                s.query_map([height], |r| {
                    Ok(ZonefileInfo {
                        name: r.get(0)?,
                        value_hash: r.get(1)?,
                        txid: r.get(2)?,
                    })
                })?
                .collect()
            })
            .ctx("reading the zone file hashes of a block")
    }

    /// The consensus hash of block `height`, `None` if it was not processed. The four blocks
    /// before the first block hold the genesis hash (spec §10.4), as the original's snapshot
    /// table does from its creation.
    pub fn consensus_hash_at(&self, height: u64) -> Result<Option<String>> {
        if is_genesis_row(self.rules.first_block, height) {
            return Ok(Some(GENESIS_CONSENSUS_HASH.to_owned()));
        }
        blocks::consensus_hash(self.conn(), height)
    }

    /// The block whose consensus hash is `consensus_hash` (`get_block_from_consensus`): the
    /// highest such block, as the original keeps the last row its query returns; the
    /// genesis hash names the block before the first block.
    pub fn block_of_consensus_hash(&self, consensus_hash: &str) -> Result<Option<u64>> {
        let found = blocks::block_of_consensus_hash(self.conn(), consensus_hash)?;
        let first = self.rules.first_block;
        Ok(found
            .or_else(|| (consensus_hash == GENESIS_CONSENSUS_HASH && first > 0).then(|| first - 1)))
    }

    /// The ops hash of block `height` (`get_nameops_hash_at`).
    pub fn ops_hash_at(&self, height: u64) -> Result<Option<String>> {
        blocks::ops_hash(self.conn(), height)
    }

    /// The Bitcoin block hash block `height` was processed from.
    pub fn block_hash_at(&self, height: u64) -> Result<Option<String>> {
        blocks::block_hash(self.conn(), height)
    }

    /// The ops accepted in block `height`, in acceptance order, with their consensus records.
    pub fn accepted_ops_at(&self, height: u64) -> Result<Vec<AcceptedOpRow>> {
        blocks::accepted_ops(self.conn(), Some(height))
    }
}
