//! `atlas.db`: the persistent half of the inventory and the peer table (atlas.md §4.2, §7.1).
//!
//! The tables keep the original's columns so that the file reads like a v0.18 `atlas.db`,
//! plus `vtxindex` (the op's position in its block, kept for the operator view) and the
//! indexes §15 recommends. Text columns are declared `TEXT` where v0.18 says `STRING`:
//! SQLite gives `STRING` numeric affinity, which would turn an all-digit txid into an
//! integer. `inv_index` is 1-based; row *k* of [`Inventory`] is
//! `inv_index = k + 1`.

use std::path::Path;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use crate::error::{DbError, SqlContext};
use crate::inventory::{Inventory, InventorySummary, MissingZonefile, ZonefileRow};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS zonefiles(
    inv_index INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    zonefile_hash TEXT NOT NULL,
    txid TEXT UNIQUE NOT NULL,
    present INTEGER NOT NULL,
    tried_storage INTEGER NOT NULL,
    block_height INTEGER NOT NULL,
    vtxindex INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS zonefiles_hash ON zonefiles(zonefile_hash);
CREATE INDEX IF NOT EXISTS zonefiles_name ON zonefiles(name);
CREATE INDEX IF NOT EXISTS zonefiles_block ON zonefiles(block_height);
CREATE TABLE IF NOT EXISTS peers(
    peer_index INTEGER PRIMARY KEY AUTOINCREMENT,
    peer_slot INTEGER NOT NULL,
    peer_hostport TEXT UNIQUE NOT NULL,
    discovery_time INTEGER NOT NULL);
";

/// A stored peer-table row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerRow {
    /// `host:port`.
    pub hostport: String,
    /// Its slot (§7.5).
    pub slot: u32,
    /// Unix seconds when it was discovered or last revalidated.
    pub discovery_time: u64,
}

/// An open `atlas.db`.
pub struct AtlasDb {
    conn: Connection,
}

impl std::fmt::Debug for AtlasDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AtlasDb").finish_non_exhaustive()
    }
}

impl AtlasDb {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, DbError> {
        let path = path.as_ref();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| DbError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let conn = Connection::open(path).ctx("opening")?;
        Self::init(conn)
    }

    /// Opens an existing database without creating or changing anything, for readers outside
    /// the node (`blockstack-core info`); `None` if there is no file at `path`, or no tables
    /// in it yet.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Option<Self>, DbError> {
        let path = path.as_ref();
        if !path.is_file() {
            return Ok(None);
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .ctx("opening read-only")?;
        // A node that is starting may have created the file but not the tables yet.
        let ready = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' \
                 AND name IN ('zonefiles', 'peers')",
                [],
                |r| r.get::<_, i64>(0),
            )
            .ctx("reading the schema")?;
        Ok((ready == 2).then_some(Self { conn }))
    }

    /// An in-memory database, for tests.
    pub fn open_in_memory() -> Result<Self, DbError> {
        Self::init(Connection::open_in_memory().ctx("opening in memory")?)
    }

    fn init(conn: Connection) -> Result<Self, DbError> {
        conn.pragma_update(None, "journal_mode", "WAL")
            .ctx("setting WAL mode")?;
        // NORMAL in WAL mode survives a process crash; a power loss may drop the last
        // commits, which is repaired: presence flags are re-derived from the (fsynced) store
        // when the node opens, and rows are re-added when the indexer rescans from the last
        // block with rows (§4.3).
        conn.pragma_update(None, "synchronous", "NORMAL")
            .ctx("setting synchronous mode")?;
        conn.execute_batch(SCHEMA).ctx("creating the schema")?;
        Ok(Self { conn })
    }

    /// Every zone file row in `inv_index` order, with its stored presence flag.
    pub fn load_rows(&self) -> Result<Vec<(ZonefileRow, bool)>, DbError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT name, zonefile_hash, txid, block_height, vtxindex, present \
                 FROM zonefiles ORDER BY inv_index",
            )
            .ctx("preparing the row scan")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    ZonefileRow {
                        name: r.get(0)?,
                        zonefile_hash: r.get(1)?,
                        txid: r.get(2)?,
                        block_height: r.get::<_, i64>(3)?.max(0) as u64,
                        vtxindex: r.get::<_, i64>(4)?.clamp(0, i64::from(u32::MAX)) as u32,
                    },
                    r.get::<_, i64>(5)? != 0,
                ))
            })
            .ctx("scanning rows")?
            .collect::<rusqlite::Result<Vec<_>>>()
            .ctx("reading rows")?;
        Ok(rows)
    }

    /// Builds the in-memory inventory from the table.
    pub fn load_inventory(&self) -> Result<Inventory, DbError> {
        let mut inv = Inventory::new();
        for (row, present) in self.load_rows()? {
            inv.push(row, present);
        }
        Ok(inv)
    }

    /// Inserts `rows` (with presence flags) in one transaction; rows whose txid is already
    /// stored are left as they are, so re-indexing a block is idempotent (§4.2).
    pub fn insert_rows(&mut self, rows: &[(ZonefileRow, bool)]) -> Result<(), DbError> {
        let tx = self.conn.transaction().ctx("beginning a row insert")?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO zonefiles \
                     (name, zonefile_hash, txid, present, tried_storage, block_height, vtxindex) \
                     VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6)",
                )
                .ctx("preparing a row insert")?;
            for (row, present) in rows {
                stmt.execute(params![
                    row.name,
                    row.zonefile_hash,
                    row.txid,
                    i64::from(*present),
                    row.block_height as i64,
                    i64::from(row.vtxindex)
                ])
                .ctx("inserting a row")?;
            }
        }
        tx.commit().ctx("committing rows")
    }

    /// Sets the presence flag of every row carrying `hash`.
    pub fn set_present(&self, hash: &str, present: bool) -> Result<(), DbError> {
        self.conn
            .prepare_cached("UPDATE zonefiles SET present = ?1 WHERE zonefile_hash = ?2")
            .and_then(|mut s| s.execute(params![i64::from(present), hash]))
            .ctx("updating presence")
            .map(|_| ())
    }

    /// Marks every row carrying one of `hashes` present, in one transaction.
    pub fn set_present_many(&mut self, hashes: &[String]) -> Result<(), DbError> {
        let tx = self.conn.transaction().ctx("beginning a presence update")?;
        {
            let mut stmt = tx
                .prepare_cached("UPDATE zonefiles SET present = 1 WHERE zonefile_hash = ?1")
                .ctx("preparing a presence update")?;
            for hash in hashes {
                stmt.execute([hash]).ctx("updating presence")?;
            }
        }
        tx.commit().ctx("committing presence")
    }

    /// Inventory completeness as [`Inventory::summary`] computes it, from the table: distinct
    /// hashes expected and held, and the first `max_missing` missing ones with the first row
    /// announcing each.
    pub fn summary(&self, max_missing: usize) -> Result<InventorySummary, DbError> {
        let (expected, held): (i64, i64) = self
            .conn
            .query_row(
                "SELECT COUNT(DISTINCT zonefile_hash), \
                 COUNT(DISTINCT CASE WHEN present != 0 THEN zonefile_hash END) FROM zonefiles",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ctx("counting zone files")?;
        let limit = i64::try_from(max_missing).unwrap_or(i64::MAX);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT name, zonefile_hash, block_height, MIN(inv_index) FROM zonefiles \
                 GROUP BY zonefile_hash HAVING MAX(present) = 0 \
                 ORDER BY MIN(inv_index) LIMIT ?1",
            )
            .ctx("preparing the missing scan")?;
        let missing = stmt
            .query_map([limit], |r| {
                Ok(MissingZonefile {
                    name: r.get(0)?,
                    zonefile_hash: r.get(1)?,
                    block_height: r.get::<_, i64>(2)?.max(0) as u64,
                    inv_index: r.get::<_, i64>(3)?.max(0) as u64,
                })
            })
            .ctx("scanning missing zone files")?
            .collect::<rusqlite::Result<Vec<_>>>()
            .ctx("reading missing zone files")?;
        let expected = usize::try_from(expected).unwrap_or(0);
        let held = usize::try_from(held).unwrap_or(0);
        Ok(InventorySummary {
            zonefiles_expected: expected,
            zonefiles_held: held,
            missing_count: expected.saturating_sub(held),
            missing,
        })
    }

    /// Every stored peer.
    pub fn load_peers(&self) -> Result<Vec<PeerRow>, DbError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT peer_hostport, peer_slot, discovery_time FROM peers ORDER BY peer_index",
            )
            .ctx("preparing the peer scan")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(PeerRow {
                    hostport: r.get(0)?,
                    slot: r.get::<_, i64>(1)?.clamp(0, i64::from(u32::MAX)) as u32,
                    discovery_time: r.get::<_, i64>(2)?.max(0) as u64,
                })
            })
            .ctx("scanning peers")?
            .collect::<rusqlite::Result<Vec<_>>>()
            .ctx("reading peers")?;
        Ok(rows)
    }

    /// Inserts or updates a peer.
    pub fn upsert_peer(&self, peer: &PeerRow) -> Result<(), DbError> {
        self.conn
            .prepare_cached(
                "INSERT INTO peers (peer_slot, peer_hostport, discovery_time) VALUES (?1, ?2, ?3) \
                 ON CONFLICT(peer_hostport) DO UPDATE SET peer_slot = excluded.peer_slot, \
                 discovery_time = excluded.discovery_time",
            )
            .and_then(|mut s| {
                s.execute(params![
                    i64::from(peer.slot),
                    peer.hostport,
                    peer.discovery_time as i64
                ])
            })
            .ctx("storing a peer")
            .map(|_| ())
    }

    /// Deletes a peer (v0.18 forgets to delete replaced peers, §7.5; we do not).
    pub fn delete_peer(&self, hostport: &str) -> Result<(), DbError> {
        self.conn
            .prepare_cached("DELETE FROM peers WHERE peer_hostport = ?1")
            .and_then(|mut s| s.execute([hostport]))
            .ctx("deleting a peer")
            .map(|_| ())
    }

    /// The stored peer `hostport`, if any.
    pub fn peer(&self, hostport: &str) -> Result<Option<PeerRow>, DbError> {
        self.conn
            .prepare_cached(
                "SELECT peer_hostport, peer_slot, discovery_time FROM peers WHERE peer_hostport = ?1",
            )
            .and_then(|mut s| {
                s.query_row([hostport], |r| {
                    Ok(PeerRow {
                        hostport: r.get(0)?,
                        slot: r.get::<_, i64>(1)?.clamp(0, i64::from(u32::MAX)) as u32,
                        discovery_time: r.get::<_, i64>(2)?.max(0) as u64,
                    })
                })
                .optional()
            })
            .ctx("reading a peer")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(i: u32, hash: &str) -> ZonefileRow {
        ZonefileRow {
            name: format!("n{i}.id"),
            zonefile_hash: hash.to_owned(),
            txid: format!("{i:064x}"),
            block_height: 100 + u64::from(i),
            vtxindex: i,
        }
    }

    #[test]
    fn rows_survive_reopen_in_order_and_idempotently() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("atlas.db");
        {
            let mut db = AtlasDb::open(&path).expect("open");
            db.insert_rows(&[(row(0, "aa"), false), (row(1, "bb"), true)])
                .expect("insert");
            db.insert_rows(&[(row(0, "zz"), true), (row(2, "aa"), false)])
                .expect("insert again");
            db.set_present("aa", true).expect("present");
        }
        let db = AtlasDb::open(&path).expect("reopen");
        let inv = db.load_inventory().expect("load");
        let hashes: Vec<_> = inv
            .rows()
            .iter()
            .map(|r| r.zonefile_hash.as_str())
            .collect();
        assert_eq!(hashes, vec!["aa", "bb", "aa"]);
        assert_eq!(inv.vector(), &[0b1110_0000]);
    }

    #[test]
    fn the_table_summary_agrees_with_the_inventory() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("atlas.db");
        assert!(AtlasDb::open_read_only(&path).expect("absent").is_none());
        Connection::open(&path).expect("create an empty file");
        assert!(AtlasDb::open_read_only(&path).expect("no tables").is_none());
        let mut db = AtlasDb::open(&path).expect("open");
        db.insert_rows(&[
            (row(0, "aa"), true),
            (row(1, "bb"), false),
            (row(2, "cc"), false),
            (row(3, "bb"), false),
            (row(4, "aa"), true),
        ])
        .expect("insert");
        let reader = AtlasDb::open_read_only(&path)
            .expect("open read-only")
            .expect("exists");
        for max in [0, 1, 10] {
            let from_table = reader.summary(max).expect("summary");
            let from_memory = db.load_inventory().expect("load").summary(max);
            assert_eq!(from_table, from_memory, "max {max}");
        }
        assert_eq!(reader.summary(10).expect("summary").missing_count, 2);
        // A read-only handle cannot write.
        assert!(reader.set_present("bb", true).is_err());
    }

    #[test]
    fn peers_upsert_and_delete() {
        let db = AtlasDb::open_in_memory().expect("open");
        let p = PeerRow {
            hostport: "a:6264".into(),
            slot: 7,
            discovery_time: 10,
        };
        db.upsert_peer(&p).expect("insert");
        db.upsert_peer(&PeerRow {
            discovery_time: 20,
            ..p.clone()
        })
        .expect("update");
        assert_eq!(db.load_peers().expect("load").len(), 1);
        assert_eq!(
            db.peer("a:6264").expect("peer").map(|p| p.discovery_time),
            Some(20)
        );
        db.delete_peer("a:6264").expect("delete");
        assert!(db.load_peers().expect("load").is_empty());
    }
}
