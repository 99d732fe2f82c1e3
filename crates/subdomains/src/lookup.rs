//! The lookups the APIs make (spec `subdomains.md` §7; `SubdomainDB` in
//! `blockstack/lib/subdomains.py`), over either connection kind.
//!
//! A record is only returned together with its zone file; a row whose zone file is not held
//! counts as not found, as in v0.18.
//!
//! One lookup differs from v0.18 on purpose: [`Lookup::owned_by`] lists the subdomains an
//! address owns *now*. v0.18 lists every subdomain the address ever owned (any accepted row
//! with that owner), so a subdomain shows up under its old owner after a transfer.

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::db::{ReadOnlySubdomainDb, SubdomainDb};
use crate::error::{SqlContext, SubdomainError};
use crate::record::{StoredRecord, Subdomain};
use crate::schema::RowState;

/// The columns of a record with its zone file, in the order [`read_row`] expects.
pub(crate) const RECORD_COLUMNS: &str = "r.fully_qualified_subdomain, r.domain, r.sequence, \
     r.owner, r.zonefile_hash, r.signature, r.block_height, r.parent_zonefile_hash, \
     r.parent_zonefile_index, r.txid, r.missing, r.accepted, z.zonefile";

/// The table expression [`RECORD_COLUMNS`] reads from.
pub(crate) const RECORD_FROM: &str = "subdomain_records r \
     LEFT JOIN subdomain_zonefiles z ON z.zonefile_hash = r.zonefile_hash";

fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// One row of [`RECORD_COLUMNS`]; `None` for the record if its zone file is not held.
pub(crate) fn read_row(r: &Row<'_>) -> rusqlite::Result<Option<Subdomain>> {
    let record = StoredRecord {
        fqn: r.get(0)?,
        domain: r.get(1)?,
        sequence: r.get(2)?,
        owner: r.get(3)?,
        zonefile_hash: r.get(4)?,
        signature: r.get(5)?,
        block_height: to_u64(r.get(6)?),
        parent_zonefile_hash: r.get(7)?,
        parent_zonefile_index: to_u64(r.get(8)?),
        txid: r.get(9)?,
        missing: StoredRecord::parse_missing(&r.get::<_, String>(10)?),
        accepted: r.get::<_, i64>(11)? != 0,
    };
    let zonefile: Option<Vec<u8>> = r.get(12)?;
    Ok(zonefile.map(|zonefile| Subdomain { record, zonefile }))
}

/// A subdomain DID's parts (`get_subdomain_DID_info`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DidInfo {
    /// The owner of the subdomain's accepted sequence-0 record.
    pub address: String,
    /// How many accepted sequence-0 records that owner has up to this one, minus one.
    pub index: u64,
}

/// Counts of what the database holds, for the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SubdomainStats {
    /// Subdomains with an accepted record.
    pub subdomains: u64,
    /// Stored records, accepted or not.
    pub records: u64,
    /// Inventory rows walked (the indexer's cursor).
    pub rows_walked: u64,
    /// Walked rows still waiting for their zone file.
    pub rows_waiting: u64,
}

/// Read queries over one connection.
#[derive(Clone, Copy)]
pub struct Lookup<'a> {
    conn: &'a Connection,
}

impl std::fmt::Debug for Lookup<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lookup").finish_non_exhaustive()
    }
}

impl SubdomainDb {
    /// The read queries, on the writer connection.
    pub fn lookup(&self) -> Lookup<'_> {
        Lookup { conn: &self.conn }
    }
}

impl ReadOnlySubdomainDb {
    /// The read queries.
    pub fn lookup(&self) -> Lookup<'_> {
        Lookup { conn: &self.conn }
    }
}

impl<'a> Lookup<'a> {
    /// The queries on any connection to a subdomain database (the indexer's transaction).
    pub(crate) fn on(conn: &'a Connection) -> Self {
        Self { conn }
    }
}

impl Lookup<'_> {
    fn one(
        &self,
        sql: &str,
        args: impl rusqlite::Params,
    ) -> Result<Option<Subdomain>, SubdomainError> {
        let found = self
            .conn
            .prepare_cached(sql)
            .ctx("preparing a record lookup")?
            .query_row(args, read_row)
            .optional()
            .ctx("reading a record")?;
        Ok(found.flatten())
    }

    /// The current record of `fqn` (`get_subdomain_entry`): its accepted record with the
    /// highest sequence number, then the highest carrier index.
    pub fn current(&self, fqn: &str) -> Result<Option<Subdomain>, SubdomainError> {
        self.one(
            &format!(
                "SELECT {RECORD_COLUMNS} FROM {RECORD_FROM} \
                 WHERE r.fully_qualified_subdomain = ?1 AND r.accepted = 1 \
                 ORDER BY r.sequence DESC, r.parent_zonefile_index DESC LIMIT 1"
            ),
            [fqn],
        )
    }

    /// The accepted records of `fqn` in chain order (`get_subdomain_history`). Rows whose
    /// zone file is not held are left out.
    pub fn history(&self, fqn: &str) -> Result<Vec<Subdomain>, SubdomainError> {
        self.records(fqn, true)
    }

    /// Every record of `fqn`, accepted or not, in chain order.
    pub fn all_records(&self, fqn: &str) -> Result<Vec<Subdomain>, SubdomainError> {
        self.records(fqn, false)
    }

    fn records(&self, fqn: &str, accepted_only: bool) -> Result<Vec<Subdomain>, SubdomainError> {
        let filter = if accepted_only {
            "AND r.accepted = 1"
        } else {
            ""
        };
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {RECORD_COLUMNS} FROM {RECORD_FROM} \
                 WHERE r.fully_qualified_subdomain = ?1 {filter} \
                 ORDER BY r.parent_zonefile_index"
            ))
            .ctx("preparing the history scan")?;
        let rows = stmt
            .query_map([fqn], read_row)
            .ctx("scanning history")?
            .collect::<rusqlite::Result<Vec<_>>>()
            .ctx("reading history")?;
        Ok(rows.into_iter().flatten().collect())
    }

    /// The subdomains whose current record names `address` as owner (compared as written),
    /// sorted. See the module notes for how this differs from v0.18.
    pub fn owned_by(&self, address: &str) -> Result<Vec<String>, SubdomainError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT fully_qualified_subdomain FROM subdomain_records \
                 WHERE owner = ?1 AND accepted = 1 ORDER BY fully_qualified_subdomain",
            )
            .ctx("preparing the owner scan")?;
        let candidates = stmt
            .query_map([address], |r| r.get::<_, String>(0))
            .ctx("scanning owners")?
            .collect::<rusqlite::Result<Vec<_>>>()
            .ctx("reading owners")?;
        let mut out = Vec::new();
        for fqn in candidates {
            if self
                .current(&fqn)?
                .is_some_and(|sub| sub.record.owner == address)
            {
                out.push(fqn);
            }
        }
        Ok(out)
    }

    /// The DID parts of `fqn` (`get_subdomain_DID_info`): the owner of its accepted
    /// sequence-0 record and that record's rank among the owner's accepted creations.
    /// `None` if the subdomain has no current record or no accepted creation.
    pub fn did_info(&self, fqn: &str) -> Result<Option<DidInfo>, SubdomainError> {
        if self.current(fqn)?.is_none() {
            return Ok(None);
        }
        let Some(creation) = self.one(
            &format!(
                "SELECT {RECORD_COLUMNS} FROM {RECORD_FROM} \
                 WHERE r.fully_qualified_subdomain = ?1 AND r.sequence = 0 AND r.accepted = 1 \
                 LIMIT 1"
            ),
            [fqn],
        )?
        else {
            return Ok(None);
        };
        let count: i64 = self
            .conn
            .prepare_cached(
                "SELECT COUNT(*) FROM subdomain_records WHERE owner = ?1 AND sequence = 0 \
                 AND parent_zonefile_index <= ?2 AND accepted = 1",
            )
            .ctx("preparing the creation count")?
            .query_row(
                params![
                    creation.record.owner,
                    i64::try_from(creation.record.parent_zonefile_index).unwrap_or(i64::MAX)
                ],
                |r| r.get(0),
            )
            .ctx("counting creations")?;
        Ok(u64::try_from(count)
            .ok()
            .and_then(|c| c.checked_sub(1))
            .map(|index| DidInfo {
                address: creation.record.owner,
                index,
            }))
    }

    /// The subdomain a DID names (`get_DID_subdomain`): the `index`-th sequence-0 record of
    /// `owner` in chain order, then that subdomain's current record. As in v0.18 the
    /// sequence-0 records are counted whether accepted or not.
    pub fn resolve_did(
        &self,
        owner: &str,
        index: u64,
    ) -> Result<Option<Subdomain>, SubdomainError> {
        let fqn: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT fully_qualified_subdomain FROM subdomain_records \
                 WHERE owner = ?1 AND sequence = 0 ORDER BY parent_zonefile_index \
                 LIMIT 1 OFFSET ?2",
            )
            .ctx("preparing the DID lookup")?
            .query_row(
                params![owner, i64::try_from(index).unwrap_or(i64::MAX)],
                |r| r.get(0),
            )
            .optional()
            .ctx("resolving a DID")?;
        match fqn {
            Some(fqn) => self.current(&fqn),
            None => Ok(None),
        }
    }

    /// Whether the answer for `fqn` may still change (`subdomain_check_pending`): its parent
    /// domain has a walked inventory row whose zone file is not held, other than those the
    /// domain's latest record lists as `_missing`.
    pub fn pending(&self, fqn: &str) -> Result<bool, SubdomainError> {
        let Some((_, domain)) = blockstack_zonefile::subdomain::split_subdomain(fqn) else {
            return Ok(false);
        };
        let missing: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT missing FROM subdomain_records WHERE domain = ?1 \
                 ORDER BY parent_zonefile_index DESC LIMIT 1",
            )
            .ctx("preparing the missing-list lookup")?
            .query_row([domain], |r| r.get(0))
            .optional()
            .ctx("reading the missing list")?;
        let known: Vec<i64> = missing
            .as_deref()
            .map(StoredRecord::parse_missing)
            .unwrap_or_default();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT inv_index FROM carrier_rows WHERE name = ?1 AND state IN (?2, ?3)",
            )
            .ctx("preparing the absent-row scan")?;
        let absent = stmt
            .query_map(
                params![
                    domain,
                    RowState::Waiting.code(),
                    RowState::IgnoredMissing.code()
                ],
                |r| r.get::<_, i64>(0),
            )
            .ctx("scanning absent rows")?
            .collect::<rusqlite::Result<Vec<_>>>()
            .ctx("reading absent rows")?;
        Ok(absent.iter().any(|i| !known.contains(i)))
    }

    /// How much the database holds.
    pub fn stats(&self) -> Result<SubdomainStats, SubdomainError> {
        let count = |sql: &str| -> Result<u64, SubdomainError> {
            self.conn
                .query_row(sql, [], |r| r.get::<_, i64>(0))
                .ctx("counting")
                .map(to_u64)
        };
        Ok(SubdomainStats {
            subdomains: count(
                "SELECT COUNT(DISTINCT fully_qualified_subdomain) FROM subdomain_records \
                 WHERE accepted = 1",
            )?,
            records: count("SELECT COUNT(*) FROM subdomain_records")?,
            rows_walked: count("SELECT COALESCE(MAX(inv_index), 0) FROM carrier_rows")?,
            rows_waiting: count(&format!(
                "SELECT COUNT(*) FROM carrier_rows WHERE state = {}",
                RowState::Waiting.code()
            ))?,
        })
    }
}
