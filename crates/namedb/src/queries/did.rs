//! DIDs of names (core-rpc.md §4.3): `did:stack:v0:<creator address>-<index>`, from the
//! `creator_address` of history rows (`namedb_get_name_DID_info`,
//! `namedb_get_historic_names_by_address` and `BlockstackDB.get_DID_name` in the original).
//!
//! Addresses are returned as stored (the network's version byte); re-encoding them for the
//! DID text is the RPC layer's job.

use serde::Serialize;
use serde_json::{Map, Value};

use super::expiry::{int, text, Deadlines};
use super::names::{reply_state, NameStateView};
use super::Snapshot;
use crate::error::{Result, SqlContext};

/// What a name's DID is made of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DidInfo {
    /// The creator address of the name's latest creation row.
    pub address: String,
    /// How many names that address created before that row.
    pub index: u64,
}

/// One name-creation row of an address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HistoricName {
    /// The name.
    pub name: String,
    /// The creation's block.
    pub block_id: u64,
    /// The creation's vtxindex.
    pub vtxindex: u32,
}

/// What a name DID resolves to.
#[derive(Clone, Debug, PartialEq)]
pub enum DidLookup {
    /// The address created fewer names than the index.
    NotFound,
    /// The incarnation the DID denotes was revoked.
    Revoked,
    /// The name's namespace is neither ready nor revealed and unexpired.
    NamespaceMissing,
    /// The latest state of that incarnation, with deadlines at lastblock.
    Found(Box<NameStateView>),
}

impl Snapshot<'_> {
    /// The DID parts of a name at lastblock, `None` if it has no creation row.
    pub fn name_did(&self, name: &str) -> Result<Option<DidInfo>> {
        let latest: Option<(String, u64, u32)> = self
            .conn()
            .prepare_cached(
                "SELECT h.creator_address, h.block_id, h.vtxindex FROM history h \
                 JOIN name_records nr ON nr.name = h.history_id \
                 WHERE h.history_id = ?1 AND h.creator_address IS NOT NULL AND h.block_id <= ?2 \
                 ORDER BY h.block_id DESC, h.vtxindex DESC, h.seq DESC LIMIT 1",
            )
            .and_then(|mut s| {
                let mut rows = s.query(rusqlite::params_from_iter([
                    text(name),
                    int(self.lastblock()),
                ]))?;
                rows.next()?
                    .map(|r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .transpose()
            })
            .ctx("finding a name's creation row")?;
        let Some((address, block, vtxindex)) = latest else {
            return Ok(None);
        };
        let created: u64 = self
            .conn()
            .prepare_cached(
                "SELECT COUNT(*) FROM history h JOIN name_records nr ON nr.name = h.history_id \
                 WHERE h.creator_address = ?1 \
                 AND (h.block_id < ?2 OR (h.block_id = ?2 AND h.vtxindex <= ?3))",
            )
            .and_then(|mut s| {
                s.query_row(
                    rusqlite::params_from_iter([
                        text(&address),
                        int(block),
                        int(u64::from(vtxindex)),
                    ]),
                    |r| r.get(0),
                )
            })
            .ctx("counting an address's names")?;
        Ok(Some(DidInfo {
            address,
            index: created.saturating_sub(1),
        }))
    }

    /// The names an address created, in creation order, one page
    /// (`get_historic_names_by_address`).
    pub fn historic_names_by_address(
        &self,
        address: &str,
        offset: u64,
        count: u64,
    ) -> Result<Vec<HistoricName>> {
        self.conn()
            .prepare_cached(
                "SELECT h.history_id, h.block_id, h.vtxindex FROM history h \
                 JOIN name_records nr ON nr.name = h.history_id WHERE h.creator_address = ?1 \
                 ORDER BY h.block_id, h.vtxindex, h.seq LIMIT ?2 OFFSET ?3",
            )
            .and_then(|mut s| {
                s.query_map(
                    rusqlite::params_from_iter([text(address), int(count), int(offset)]),
                    |r| {
                        Ok(HistoricName {
                            name: r.get(0)?,
                            block_id: r.get(1)?,
                            vtxindex: r.get(2)?,
                        })
                    },
                )?
                .collect()
            })
            .ctx("listing an address's names")
    }

    /// How many names an address created (`get_num_historic_names_by_address`).
    pub fn num_historic_names_by_address(&self, address: &str) -> Result<u64> {
        self.conn()
            .prepare_cached(
                "SELECT COUNT(*) FROM history h JOIN name_records nr ON nr.name = h.history_id \
                 WHERE h.creator_address = ?1",
            )
            .and_then(|mut s| s.query_row([address], |r| r.get(0)))
            .ctx("counting an address's names")
    }

    /// Resolves the DID `(address, index)`: the `index`-th name `address` created, walked from
    /// that creation to the latest state before its next preorder (`get_DID_name`), with
    /// deadlines as `load_name_info` adds them.
    pub fn did_record(&self, address: &str, index: u64) -> Result<DidLookup> {
        let Some(created) = self
            .historic_names_by_address(address, index, 1)?
            .into_iter()
            .next()
        else {
            return Ok(DidLookup::NotFound);
        };
        let rows: Vec<(u64, u32, String)> = self
            .conn()
            .prepare_cached(
                "SELECT block_id, vtxindex, history_data FROM history WHERE history_id = ?1 \
                 ORDER BY block_id, vtxindex, seq",
            )
            .and_then(|mut s| {
                s.query_map([&created.name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect()
            })
            .ctx("reading a name's history")?;
        let mut latest: Option<Map<String, Value>> = None;
        for (block, vtxindex, data) in rows {
            if (block, vtxindex) < (created.block_id, created.vtxindex) {
                continue;
            }
            let state = reply_state(&created.name, &data)?;
            if state.get("op").and_then(Value::as_str) == Some("?") {
                // The next incarnation starts with its preorder.
                break;
            }
            if state.get("revoked").and_then(Value::as_bool) == Some(true) {
                return Ok(DidLookup::Revoked);
            }
            latest = Some(state);
        }
        let Some(state) = latest else {
            return Ok(DidLookup::NotFound);
        };
        let namespace_id = blockstack_consensus::name::namespace_of(&created.name);
        let Some(ns) = self.visible_namespace(namespace_id)? else {
            return Ok(DidLookup::NamespaceMissing);
        };
        let last_renewed = state
            .get("last_renewed")
            .and_then(Value::as_u64)
            .unwrap_or_default();
        let deadlines = Deadlines::compute(&ns, last_renewed, self.lastblock(), self.rules);
        Ok(DidLookup::Found(Box::new(NameStateView {
            state,
            deadlines,
        })))
    }
}
