//! The subdomain indexer (spec `subdomains.md` §5–6; `SubdomainIndex` in
//! `blockstack/lib/subdomains.py`).
//!
//! It walks the Atlas inventory rows in chain order (block, then the op's position in the
//! block), the order v0.18 processes carrier zone files in. A row whose zone file is held is
//! decoded at once; a row whose zone file is absent waits in `carrier_rows` and is decoded
//! when the file arrives. Every decoded record is stored, and then every subdomain a batch
//! touched is re-evaluated: the acceptance rules of [`blockstack_zonefile::subdomain`] over
//! all of its stored records, in `(sequence, carrier index)` order.
//!
//! A late zone file: v0.18 re-processes the carrier's zone files from the block of the one
//! that arrived up to the tip, and re-evaluates the subdomains they mention. The records of
//! the later zone files are already stored and decode to the same rows again, so decoding
//! just the arrived one and re-evaluating every subdomain it mentions over all their records
//! gives the same state. A new record that sorts after every stored record of its subdomain
//! (the usual case) is checked against the last accepted one alone; anything else re-runs
//! the subdomain's whole history, which is v0.18's result except where its incremental
//! shortcut leaves a record with a higher sequence number but an earlier carrier rejected
//! until some later record of that subdomain arrives: here it is accepted as soon as its
//! predecessor is (spec §5).
//!
//! Crash safety: each batch of rows — the rows walked, the records and zone files they
//! yield, the verdicts they change — is one transaction, and the cursor is the highest row
//! stored, so a pass interrupted at any point resumes where the last commit left off. A
//! subdomain's own zone file is written to the zone file store before the commit; writing it
//! twice is harmless.
//!
//! Rows of blocks before [`IndexerConfig::first_block`] (v0.18's `SUBDOMAINS_FIRST_BLOCK`,
//! 478 872 on mainnet) are never decoded. v0.18 skips them in its initial build but would
//! decode one whose zone file arrived later; here the outcome does not depend on when a zone
//! file arrived.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use blockstack_zonefile::subdomain::{
    check_creation, check_transition, decode_zonefile_subdomains, evaluate_history, Candidate,
};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

use crate::db::SubdomainDb;
use crate::error::{SqlContext, SubdomainError};
use crate::lookup::{read_row, Lookup, RECORD_COLUMNS, RECORD_FROM};
use crate::record::{StoredRecord, Subdomain, NO_SIGNATURE};
use crate::schema::RowState;
use crate::source::{CarrierRow, CarrierSource};

/// v0.18's `SUBDOMAINS_FIRST_BLOCK` on mainnet.
pub const MAINNET_FIRST_BLOCK: u64 = 478_872;

/// Rows per transaction by default.
pub const DEFAULT_BATCH_ROWS: usize = 500;

/// How the indexer runs.
#[derive(Debug, Clone)]
pub struct IndexerConfig {
    /// Rows of earlier blocks are never decoded ([`MAINNET_FIRST_BLOCK`] on mainnet, the
    /// chain's first block elsewhere).
    pub first_block: u64,
    /// Rows per transaction.
    pub batch_rows: usize,
}

impl Default for IndexerConfig {
    fn default() -> Self {
        Self {
            first_block: 0,
            batch_rows: DEFAULT_BATCH_ROWS,
        }
    }
}

/// What one call to the indexer did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    /// New inventory rows walked.
    pub rows_walked: u64,
    /// Carrier zone files decoded (new rows held at once, and waiting rows that arrived).
    pub zonefiles_decoded: u64,
    /// Subdomain records stored.
    pub records_stored: u64,
    /// Subdomains whose acceptance was re-evaluated.
    pub subdomains_evaluated: u64,
}

/// The indexer: the writer of `subdomains.db`.
#[derive(Debug)]
pub struct SubdomainIndexer {
    db: SubdomainDb,
    config: IndexerConfig,
}

impl SubdomainIndexer {
    /// An indexer writing to `db`.
    pub fn new(db: SubdomainDb, config: IndexerConfig) -> Self {
        Self { db, config }
    }

    /// Opens (or creates) the database at `path`.
    pub fn open(path: impl AsRef<Path>, config: IndexerConfig) -> Result<Self, SubdomainError> {
        Ok(Self::new(SubdomainDb::open(path)?, config))
    }

    /// The read queries, on the writer connection.
    pub fn lookup(&self) -> Lookup<'_> {
        self.db.lookup()
    }

    /// The highest inventory row walked (0 before the first).
    pub fn cursor(&self) -> Result<u64, SubdomainError> {
        cursor(&self.db.conn)
    }

    /// Walks every inventory row not walked yet, then decodes the waiting rows whose zone
    /// files have arrived.
    pub fn index(&mut self, source: &dyn CarrierSource) -> Result<PassReport, SubdomainError> {
        let mut report = PassReport::default();
        self.check_alignment(source)?;
        let batch = self.config.batch_rows.max(1);
        loop {
            let next = self.cursor()? + 1;
            let rows = source.rows_from(next, batch)?;
            if rows.is_empty() {
                break;
            }
            for (offset, row) in rows.iter().enumerate() {
                if row.inv_index != next + offset as u64 {
                    return Err(SubdomainError::Source(format!(
                        "row {} came where row {} was expected",
                        row.inv_index,
                        next + offset as u64
                    )));
                }
            }
            report.rows_walked += rows.len() as u64;
            self.apply_batch(source, rows, &mut report)?;
        }
        self.revisit(source, None, &mut report)?;
        Ok(report)
    }

    /// Decodes the waiting rows that carry one of `hashes` and whose zone files are now held
    /// (what Atlas reports as just stored), without walking new rows.
    pub fn index_arrivals(
        &mut self,
        source: &dyn CarrierSource,
        hashes: &[String],
    ) -> Result<PassReport, SubdomainError> {
        let mut report = PassReport::default();
        self.check_alignment(source)?;
        self.revisit(source, Some(hashes), &mut report)?;
        Ok(report)
    }

    /// Refuses to go on if the row at our cursor is not the source's row at that index.
    fn check_alignment(&self, source: &dyn CarrierSource) -> Result<(), SubdomainError> {
        let at = self.cursor()?;
        if at == 0 {
            return Ok(());
        }
        let stored: Option<String> = self
            .db
            .conn
            .query_row(
                "SELECT txid FROM carrier_rows WHERE inv_index = ?1",
                [sql_int(at)],
                |r| r.get(0),
            )
            .optional()
            .ctx("reading the cursor row")?;
        let found = source
            .rows_from(at, 1)?
            .into_iter()
            .next()
            .filter(|r| r.inv_index == at)
            .map(|r| r.txid)
            .unwrap_or_default();
        match stored {
            Some(stored) if stored == found => Ok(()),
            stored => Err(SubdomainError::Diverged {
                inv_index: at,
                stored: stored.unwrap_or_default(),
                found,
            }),
        }
    }

    /// Re-checks waiting rows (all, or those carrying `hashes`) and decodes the ones that
    /// arrived.
    fn revisit(
        &mut self,
        source: &dyn CarrierSource,
        hashes: Option<&[String]>,
        report: &mut PassReport,
    ) -> Result<(), SubdomainError> {
        let waiting = match hashes {
            None => waiting_rows(&self.db.conn, None)?,
            Some(hashes) => {
                let mut rows = Vec::new();
                let unique: HashSet<&String> = hashes.iter().collect();
                for hash in unique {
                    rows.extend(waiting_rows(&self.db.conn, Some(hash))?);
                }
                rows.sort_by_key(|r| r.inv_index);
                rows
            }
        };
        for chunk in waiting.chunks(self.config.batch_rows.max(1)) {
            let indexes: Vec<u64> = chunk.iter().map(|r| r.inv_index).collect();
            let present = source.rows_present(&indexes)?;
            let arrived: Vec<CarrierRow> = chunk
                .iter()
                .zip(present)
                .filter(|(_, p)| *p)
                .map(|(r, _)| CarrierRow {
                    present: true,
                    ..r.clone()
                })
                .collect();
            if !arrived.is_empty() {
                self.apply_batch(source, arrived, report)?;
            }
        }
        Ok(())
    }

    /// Stores `rows` with what became of them, the records of those decoded, and the new
    /// verdicts of every subdomain they touch, in one transaction.
    fn apply_batch(
        &mut self,
        source: &dyn CarrierSource,
        rows: Vec<CarrierRow>,
        report: &mut PassReport,
    ) -> Result<(), SubdomainError> {
        let first_block = self.config.first_block;
        let tx = self.db.conn.transaction().ctx("beginning a batch")?;
        let mut touched: BTreeMap<String, Touched> = BTreeMap::new();
        for row in &rows {
            let state = if row.block_height < first_block {
                if row.present {
                    RowState::Ignored
                } else {
                    RowState::IgnoredMissing
                }
            } else if !row.present {
                RowState::Waiting
            } else {
                match source.zonefile(&row.zonefile_hash)? {
                    None => RowState::Waiting,
                    Some(bytes) => {
                        report.zonefiles_decoded += 1;
                        report.records_stored +=
                            store_records(&tx, source, row, &bytes, &mut touched)?;
                        RowState::Processed
                    }
                }
            };
            tx.prepare_cached(
                "INSERT OR REPLACE INTO carrier_rows \
                 (inv_index, name, zonefile_hash, txid, block_height, state) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .ctx("preparing a row write")?
            .execute(params![
                sql_int(row.inv_index),
                row.name,
                row.zonefile_hash,
                row.txid,
                sql_int(row.block_height),
                state.code()
            ])
            .ctx("writing a row")?;
        }
        for (fqn, t) in &touched {
            evaluate(&tx, fqn, t)?;
            report.subdomains_evaluated += 1;
        }
        tx.commit().ctx("committing a batch")
    }
}

/// What a batch did to one subdomain.
#[derive(Debug, Default)]
struct Touched {
    /// Carrier indexes of its records stored in this batch.
    new: Vec<u64>,
    /// Whether one of them replaced a stored record.
    replaced: bool,
}

fn sql_int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn cursor(conn: &Connection) -> Result<u64, SubdomainError> {
    let max: i64 = conn
        .query_row(
            "SELECT COALESCE(MAX(inv_index), 0) FROM carrier_rows",
            [],
            |r| r.get(0),
        )
        .ctx("reading the cursor")?;
    Ok(u64::try_from(max).unwrap_or(0))
}

/// The rows still waiting for their zone file (below the first block too: their presence
/// feeds `pending`), optionally only those carrying `hash`, in order.
fn waiting_rows(conn: &Connection, hash: Option<&str>) -> Result<Vec<CarrierRow>, SubdomainError> {
    let sql = format!(
        "SELECT inv_index, name, zonefile_hash, txid, block_height FROM carrier_rows \
         WHERE state IN ({}, {}) {} ORDER BY inv_index",
        RowState::Waiting.code(),
        RowState::IgnoredMissing.code(),
        if hash.is_some() {
            "AND zonefile_hash = ?1"
        } else {
            ""
        }
    );
    let mut stmt = conn
        .prepare_cached(&sql)
        .ctx("preparing the waiting scan")?;
    let map = |r: &rusqlite::Row<'_>| {
        Ok(CarrierRow {
            inv_index: u64::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
            name: r.get(1)?,
            zonefile_hash: r.get(2)?,
            txid: r.get(3)?,
            block_height: u64::try_from(r.get::<_, i64>(4)?).unwrap_or(0),
            present: false,
        })
    };
    let rows = match hash {
        Some(h) => stmt.query_map([h], map),
        None => stmt.query_map([], map),
    }
    .ctx("scanning waiting rows")?
    .collect::<rusqlite::Result<Vec<_>>>()
    .ctx("reading waiting rows")?;
    Ok(rows)
}

/// Decodes one carrier zone file and stores its records unaccepted (`process_subdomains`
/// step 1), with their zone files. Returns how many were stored.
fn store_records(
    tx: &Transaction<'_>,
    source: &dyn CarrierSource,
    row: &CarrierRow,
    bytes: &[u8],
    touched: &mut BTreeMap<String, Touched>,
) -> Result<u64, SubdomainError> {
    let decoded = match decode_zonefile_subdomains(&row.name, bytes) {
        Ok(decoded) => decoded,
        Err(e) => {
            tracing::debug!(name = %row.name, hash = %row.zonefile_hash, error = %e, "zone file carries no subdomains");
            return Ok(0);
        }
    };
    for skipped in &decoded.skipped {
        tracing::debug!(name = %row.name, record = %skipped.name, reason = ?skipped.reason, "subdomain record skipped");
    }
    let missing = decoded.missing.clone();
    let mut stored = 0;
    for rec in &decoded.records {
        let record = StoredRecord {
            fqn: rec.fqn.clone(),
            domain: row.name.clone(),
            sequence: rec.sequence,
            owner: rec.owner.clone(),
            zonefile_hash: rec.zonefile_hash(),
            signature: rec.signature.clone().unwrap_or_else(|| NO_SIGNATURE.into()),
            block_height: row.block_height,
            parent_zonefile_hash: row.zonefile_hash.clone(),
            parent_zonefile_index: row.inv_index,
            txid: row.txid.clone(),
            missing: missing.clone(),
            accepted: false,
        };
        source.keep_subdomain_zonefile(&rec.zonefile)?;
        tx.prepare_cached(
            "INSERT OR IGNORE INTO subdomain_zonefiles (zonefile_hash, zonefile) VALUES (?1, ?2)",
        )
        .ctx("preparing a zone file write")?
        .execute(params![record.zonefile_hash, rec.zonefile])
        .ctx("writing a zone file")?;
        let existed: bool = tx
            .prepare_cached(
                "SELECT 1 FROM subdomain_records \
                 WHERE fully_qualified_subdomain = ?1 AND parent_zonefile_index = ?2",
            )
            .ctx("preparing a record probe")?
            .query_row(
                params![record.fqn, sql_int(record.parent_zonefile_index)],
                |_| Ok(()),
            )
            .optional()
            .ctx("probing a record")?
            .is_some();
        write_record(tx, &record)?;
        let t = touched.entry(record.fqn.clone()).or_default();
        t.new.push(record.parent_zonefile_index);
        t.replaced |= existed;
        stored += 1;
    }
    Ok(stored)
}

fn write_record(tx: &Connection, r: &StoredRecord) -> Result<(), SubdomainError> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO subdomain_records (fully_qualified_subdomain, domain, sequence, \
         owner, zonefile_hash, signature, block_height, parent_zonefile_hash, \
         parent_zonefile_index, txid, missing, accepted) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )
    .ctx("preparing a record write")?
    .execute(params![
        r.fqn,
        r.domain,
        r.sequence,
        r.owner,
        r.zonefile_hash,
        r.signature,
        sql_int(r.block_height),
        r.parent_zonefile_hash,
        sql_int(r.parent_zonefile_index),
        r.txid,
        r.missing_column(),
        i64::from(r.accepted)
    ])
    .ctx("writing a record")?;
    Ok(())
}

fn set_accepted(
    tx: &Connection,
    fqn: &str,
    index: u64,
    accepted: bool,
) -> Result<(), SubdomainError> {
    tx.prepare_cached(
        "UPDATE subdomain_records SET accepted = ?3 \
         WHERE fully_qualified_subdomain = ?1 AND parent_zonefile_index = ?2",
    )
    .ctx("preparing a verdict write")?
    .execute(params![fqn, sql_int(index), i64::from(accepted)])
    .ctx("writing a verdict")?;
    Ok(())
}

/// The record of `fqn` from carrier row `index`, with its zone file.
fn load(tx: &Connection, fqn: &str, index: u64) -> Result<Option<Subdomain>, SubdomainError> {
    let found = tx
        .prepare_cached(&format!(
            "SELECT {RECORD_COLUMNS} FROM {RECORD_FROM} \
             WHERE r.fully_qualified_subdomain = ?1 AND r.parent_zonefile_index = ?2"
        ))
        .ctx("preparing a record read")?
        .query_row(params![fqn, sql_int(index)], read_row)
        .optional()
        .ctx("reading a record")?;
    Ok(found.flatten())
}

/// Re-evaluates the acceptance of every record of `fqn` after a batch stored `t.new`.
fn evaluate(tx: &Connection, fqn: &str, t: &Touched) -> Result<(), SubdomainError> {
    // (sequence, index, accepted) of every record, cheap to read.
    let mut keys: Vec<(i64, u64, bool)> = tx
        .prepare_cached(
            "SELECT sequence, parent_zonefile_index, accepted FROM subdomain_records \
             WHERE fully_qualified_subdomain = ?1",
        )
        .ctx("preparing the key scan")?
        .query_map([fqn], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                r.get::<_, i64>(2)? != 0,
            ))
        })
        .ctx("scanning keys")?
        .collect::<rusqlite::Result<Vec<_>>>()
        .ctx("reading keys")?;
    keys.sort_by_key(|&(seq, index, _)| (seq, index));
    let new: HashSet<u64> = t.new.iter().copied().collect();
    let old: Vec<&(i64, u64, bool)> = keys.iter().filter(|k| !new.contains(&k.1)).collect();
    let fresh: Vec<&(i64, u64, bool)> = keys.iter().filter(|k| new.contains(&k.1)).collect();
    let appends = !t.replaced
        && match (old.last(), fresh.first()) {
            (Some(last_old), Some(first_new)) => {
                (first_new.0, first_new.1) > (last_old.0, last_old.1)
            }
            _ => true,
        };
    if appends {
        let mut last = match old.iter().rev().find(|k| k.2) {
            Some(k) => load(tx, fqn, k.1)?,
            None => None,
        };
        let mut any_before = !old.is_empty();
        for k in fresh {
            let Some(next) = load(tx, fqn, k.1)? else {
                continue;
            };
            let rule_next = next.to_rule_record();
            let verdict = match &last {
                None if any_before => false,
                None => check_creation(&rule_next).is_ok(),
                Some(prev) => check_transition(&prev.to_rule_record(), &rule_next).is_ok(),
            };
            set_accepted(tx, fqn, k.1, verdict)?;
            any_before = true;
            if verdict {
                last = Some(next);
            }
        }
        return Ok(());
    }
    // The whole history, in (sequence, index) order.
    let all = Lookup::on(tx).all_records(fqn)?;
    let held: HashSet<u64> = all.iter().map(|s| s.record.parent_zonefile_index).collect();
    let rules: Vec<_> = all.iter().map(Subdomain::to_rule_record).collect();
    let candidates: Vec<Candidate<'_>> = all
        .iter()
        .zip(&rules)
        .map(|(s, record)| Candidate {
            zonefile_index: s.record.parent_zonefile_index,
            record,
        })
        .collect();
    let verdicts = evaluate_history(&candidates);
    for (s, verdict) in all.iter().zip(verdicts) {
        if s.record.accepted != verdict.is_ok() {
            set_accepted(tx, fqn, s.record.parent_zonefile_index, verdict.is_ok())?;
        }
    }
    // A record whose zone file is not held cannot be checked: it does not take effect.
    for &(_, index, accepted) in &keys {
        if accepted && !held.contains(&index) {
            set_accepted(tx, fqn, index, false)?;
        }
    }
    Ok(())
}
