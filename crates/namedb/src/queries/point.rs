//! A name lookup in one statement, for the REST API's `GET /v1/names/{name}`: the few fields
//! that reply shows, with the deadlines at the last committed block, read by a single SELECT.
//!
//! A single statement runs in a read transaction of its own, so the name row, its namespace
//! and the last block it reads are one consistent state without the `BEGIN`, the separate
//! last-block read and the `ROLLBACK` of a [`Snapshot`](super::Snapshot).

use blockstack_consensus::Rules;
use rusqlite::OptionalExtension as _;

use super::expiry::{visible_at, Deadlines, NamespaceTerms};
use crate::error::{NameDbError, Result, SqlContext};
use crate::open::ReadOnlyNameDb;

/// A name's row, its namespace's terms and the last block, in one read.
const NAME_SUMMARY: &str = "SELECT nr.address, nr.txid, nr.revoked, nr.value_hash, \
     nr.last_renewed, ns.op, ns.reveal_block, ns.ready_block, ns.lifetime, \
     (SELECT MAX(height) FROM blocks) \
     FROM name_records nr LEFT JOIN namespaces ns ON ns.namespace_id = nr.namespace_id \
     WHERE nr.name = ?1";

/// What `GET /v1/names/{name}` shows of a name whose namespace is visible, at the last block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameSummary {
    /// The owner's address as stored.
    pub address: String,
    /// The last transaction that wrote the row.
    pub txid: String,
    /// Whether the name is revoked.
    pub revoked: bool,
    /// The zone file hash, if any.
    pub value_hash: Option<String>,
    /// The deadlines at [`NameSummary::lastblock`].
    pub deadlines: Deadlines,
    /// The height the deadlines were evaluated at: the last committed block, or the block
    /// before the first block when nothing was committed.
    pub lastblock: u64,
}

/// The answer to a [`ReadOnlyNameDb::name_summary`] lookup, as
/// [`NameLookup`](super::NameLookup) answers for the whole record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SummaryLookup {
    /// No row for this name.
    NotFound,
    /// A row exists but its namespace is neither ready nor revealed and unexpired.
    NamespaceMissing,
    /// The name.
    Found(NameSummary),
}

/// The row as read, before the namespace is judged.
struct Raw {
    address: String,
    txid: String,
    revoked: bool,
    value_hash: Option<String>,
    last_renewed: u64,
    /// `(op, reveal_block, ready_block, lifetime)` when the namespace row exists.
    namespace: Option<(String, u64, u64, u32)>,
    last_block: Option<u64>,
}

impl ReadOnlyNameDb {
    /// The name `name` at the last committed block, as [`Snapshot::name_record`] and
    /// [`Snapshot::last_block`] would give it, read by one statement. The handle must not be
    /// inside a snapshot (its statement would then read the snapshot's state, which is also
    /// consistent).
    ///
    /// [`Snapshot::name_record`]: super::Snapshot::name_record
    /// [`Snapshot::last_block`]: super::Snapshot::last_block
    pub fn name_summary(&self, rules: &Rules, name: &str) -> Result<SummaryLookup> {
        let raw = self
            .conn
            .prepare_cached(NAME_SUMMARY)
            .and_then(|mut stmt| {
                stmt.query_row([name], |row| {
                    let revoked: i64 = row.get(2)?;
                    let op: Option<String> = row.get(5)?;
                    let namespace = match op {
                        Some(op) => Some((op, row.get(6)?, row.get(7)?, row.get(8)?)),
                        None => None,
                    };
                    Ok(Raw {
                        address: row.get(0)?,
                        txid: row.get(1)?,
                        revoked: revoked != 0,
                        value_hash: row.get(3)?,
                        last_renewed: row.get(4)?,
                        namespace,
                        last_block: row.get(9)?,
                    })
                })
                .optional()
            })
            .ctx("reading a name summary")?;
        let Some(raw) = raw else {
            return Ok(SummaryLookup::NotFound);
        };
        let lastblock = raw
            .last_block
            .unwrap_or_else(|| rules.first_block.saturating_sub(1));
        let Some((op, reveal_block, ready_block, lifetime)) = raw.namespace else {
            return Ok(SummaryLookup::NamespaceMissing);
        };
        let ready = crate::rows::namespace_ready(&op).ok_or_else(|| NameDbError::Corrupt {
            table: "namespaces",
            key: name.to_string(),
            detail: format!("namespace op {op:?}"),
        })?;
        if !visible_at(ready, reveal_block, rules, lastblock) {
            return Ok(SummaryLookup::NamespaceMissing);
        }
        let terms = NamespaceTerms {
            ready,
            ready_block,
            lifetime,
        };
        Ok(SummaryLookup::Found(NameSummary {
            address: raw.address,
            txid: raw.txid,
            revoked: raw.revoked,
            value_hash: raw.value_hash,
            deadlines: Deadlines::of_namespace(terms, raw.last_renewed, lastblock, rules),
            lastblock,
        }))
    }

    /// Lets reads of this handle map up to `bytes` of the database file into memory
    /// (`PRAGMA mmap_size`; SQLite caps it at its compile-time limit, 0 turns mapping off).
    /// Pages are then read from the operating system's page cache in place, without a
    /// `pread` and a copy into the connection's own cache on every miss; the mapping is
    /// shared by every handle on the file. Returns the size in effect.
    pub fn map_for_reads(&self, bytes: u64) -> Result<u64> {
        let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
        // A build without memory mapping answers with no row.
        let set: Option<i64> = self
            .conn
            .query_row(&format!("PRAGMA mmap_size = {bytes}"), [], |r| r.get(0))
            .optional()
            .ctx("setting the memory map size")?;
        Ok(set.map_or(0, |v| u64::try_from(v).unwrap_or(0)))
    }
}
