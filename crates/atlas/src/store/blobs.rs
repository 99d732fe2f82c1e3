//! The table that holds the zone files: `<root>/zonefiles.db`, one row per zone file, keyed by
//! its hash.
//!
//! One connection writes, behind a lock; reads use connections of a small pool, so that
//! readers (the RPC handlers) never wait on a write in progress (WAL mode). A batch of zone
//! files is one transaction: after a crash each zone file of it is either wholly there or
//! absent.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use crate::error::StoreError;

/// The database's file name inside the store's root.
pub const DB_FILE: &str = "zonefiles.db";

/// `PRAGMA user_version` of the schema below.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS zonefiles(
    zonefile_hash TEXT PRIMARY KEY NOT NULL,
    data BLOB NOT NULL
) WITHOUT ROWID;
";

/// How long a statement waits for a lock another process holds.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Reader connections kept open for reuse.
const MAX_IDLE_READERS: usize = 8;

/// The writing connection and the `synchronous` mode last set on it.
struct Writer {
    conn: Connection,
    synced: bool,
}

/// The open table.
pub(crate) struct Blobs {
    path: PathBuf,
    /// `None` for a read-only handle.
    writer: Option<Mutex<Writer>>,
    readers: Mutex<Vec<Connection>>,
    /// Whether commits are to be flushed to disk (applied at the next write).
    sync: AtomicBool,
}

impl std::fmt::Debug for Blobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blobs")
            .field("path", &self.path)
            .field("read_only", &self.writer.is_none())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Blobs {
    /// Opens (creating if needed) the table in `dir`. With `sync`, every commit is flushed
    /// to disk before it returns (`synchronous = FULL`); without, nothing is (`OFF`: a
    /// process crash loses nothing committed, a power loss may).
    pub(crate) fn open(dir: &Path, sync: bool) -> Result<Self, StoreError> {
        let path = dir.join(DB_FILE);
        let conn = Connection::open(&path).map_err(sql(&path, "opening"))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(sql(&path, "setting the busy timeout"))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(sql(&path, "setting WAL mode"))?;
        set_cache(&conn, &path)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(sql(&path, "reading the schema version"))?;
        match version {
            0 => conn
                .execute_batch(&format!(
                    "BEGIN; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
                ))
                .map_err(sql(&path, "creating the schema"))?,
            SCHEMA_VERSION => {}
            other => {
                return Err(StoreError::Schema {
                    path,
                    found: other,
                    expected: SCHEMA_VERSION,
                })
            }
        }
        set_synchronous(&conn, &path, sync)?;
        Ok(Self {
            path,
            writer: Some(Mutex::new(Writer { conn, synced: sync })),
            readers: Mutex::new(Vec::new()),
            sync: AtomicBool::new(sync),
        })
    }

    /// Opens the table in `dir` for reading only, without creating anything; `None` if there
    /// is no database there.
    pub(crate) fn open_existing(dir: &Path) -> Result<Option<Self>, StoreError> {
        let path = dir.join(DB_FILE);
        if !path.is_file() {
            return Ok(None);
        }
        let blobs = Self {
            path,
            writer: None,
            readers: Mutex::new(Vec::new()),
            sync: AtomicBool::new(false),
        };
        // Fails now rather than at the first read if the file is not our database.
        let conn = blobs.connect()?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(sql(&blobs.path, "reading the schema version"))?;
        if version != SCHEMA_VERSION {
            return Err(StoreError::Schema {
                path: blobs.path.clone(),
                found: version,
                expected: SCHEMA_VERSION,
            });
        }
        blobs.release(conn);
        Ok(Some(blobs))
    }

    /// Turns flushing of commits on or off, from the next write on.
    pub(crate) fn set_sync(&self, sync: bool) {
        self.sync.store(sync, Ordering::Relaxed);
    }

    /// The database file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// A connection for reading: read-write without create (a WAL database opens so even
    /// when its `-shm` file does not exist yet), made query-only.
    fn connect(&self) -> Result<Connection, StoreError> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql(&self.path, "opening a reader"))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(sql(&self.path, "setting the busy timeout"))?;
        conn.execute_batch("PRAGMA query_only = ON;")
            .map_err(sql(&self.path, "making a reader query-only"))?;
        set_cache(&conn, &self.path)?;
        Ok(conn)
    }

    fn reader(&self) -> Result<Connection, StoreError> {
        match lock(&self.readers).pop() {
            Some(conn) => Ok(conn),
            None => self.connect(),
        }
    }

    fn release(&self, conn: Connection) {
        let mut idle = lock(&self.readers);
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
    }

    fn with_reader<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
        what: &'static str,
    ) -> Result<T, StoreError> {
        let conn = self.reader()?;
        let out = f(&conn).map_err(sql(&self.path, what));
        self.release(conn);
        out
    }

    /// The bytes stored under `hash`, unverified.
    pub(crate) fn get(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.with_reader(
            |c| {
                c.prepare_cached("SELECT data FROM zonefiles WHERE zonefile_hash = ?1")?
                    .query_row([hash], |r| r.get(0))
                    .optional()
            },
            "reading a zone file",
        )
    }

    /// The bytes stored under each of `hashes` (unverified), in input order, read in one
    /// transaction.
    pub(crate) fn get_many(&self, hashes: &[&str]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        self.with_reader(
            |c| {
                let tx = c.unchecked_transaction()?;
                let out = {
                    let mut stmt =
                        tx.prepare_cached("SELECT data FROM zonefiles WHERE zonefile_hash = ?1")?;
                    hashes
                        .iter()
                        .map(|h| stmt.query_row([h], |r| r.get(0)).optional())
                        .collect::<rusqlite::Result<Vec<_>>>()?
                };
                tx.finish()?;
                Ok(out)
            },
            "reading zone files",
        )
    }

    /// Stores every `(hash, bytes)` in one transaction, replacing different bytes under the
    /// same hash (a repair) and leaving equal ones untouched.
    pub(crate) fn put_many(&self, items: &[(&str, &[u8])]) -> Result<(), StoreError> {
        if items.is_empty() {
            return Ok(());
        }
        let Some(writer) = &self.writer else {
            return Err(StoreError::ReadOnly(self.path.clone()));
        };
        let mut writer = lock(writer);
        let sync = self.sync.load(Ordering::Relaxed);
        if writer.synced != sync {
            set_synchronous(&writer.conn, &self.path, sync)?;
            writer.synced = sync;
        }
        let tx = writer
            .conn
            .transaction()
            .map_err(sql(&self.path, "beginning a write"))?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO zonefiles (zonefile_hash, data) VALUES (?1, ?2) \
                     ON CONFLICT(zonefile_hash) DO UPDATE SET data = excluded.data \
                     WHERE data IS NOT excluded.data",
                )
                .map_err(sql(&self.path, "preparing a write"))?;
            for (hash, bytes) in items {
                stmt.execute(params![hash, bytes])
                    .map_err(sql(&self.path, "writing a zone file"))?;
            }
        }
        tx.commit()
            .map_err(sql(&self.path, "committing zone files"))
    }

    /// Calls `f` with every stored `(hash, bytes)` in hash order, all from one consistent
    /// view of the table; stops at the first error `f` returns.
    pub(crate) fn for_each<E>(
        &self,
        mut f: impl FnMut(&str, &[u8]) -> Result<(), E>,
    ) -> Result<Result<(), E>, StoreError> {
        let conn = self.reader()?;
        let out = (|| {
            let mut stmt =
                conn.prepare("SELECT zonefile_hash, data FROM zonefiles ORDER BY zonefile_hash")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let hash: String = row.get(0)?;
                let bytes: Vec<u8> = row.get(1)?;
                if let Err(e) = f(&hash, &bytes) {
                    return Ok(Err(e));
                }
            }
            Ok(Ok(()))
        })()
        .map_err(sql(&self.path, "listing zone files"));
        self.release(conn);
        out
    }

    /// How many zone files are stored.
    pub(crate) fn count(&self) -> Result<u64, StoreError> {
        self.with_reader(
            |c| c.query_row("SELECT COUNT(*) FROM zonefiles", [], |r| r.get::<_, i64>(0)),
            "counting zone files",
        )
        .map(|n| n.max(0) as u64)
    }
}

/// Page cache of each connection, in KiB (SQLite's default is 2 000): a store of 100 000 zone
/// files is some 25 MB, and every batch touches pages all over its key space.
const CACHE_KIB: i64 = 16 * 1024;

/// Sets the connection's page cache to [`CACHE_KIB`].
fn set_cache(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    conn.pragma_update(None, "cache_size", -CACHE_KIB)
        .map_err(sql(path, "setting the cache size"))
}

/// `synchronous = FULL` (each commit flushed before it returns) or `OFF` (never flushed).
fn set_synchronous(conn: &Connection, path: &Path, sync: bool) -> Result<(), StoreError> {
    conn.pragma_update(None, "synchronous", if sync { "FULL" } else { "OFF" })
        .map_err(sql(path, "setting synchronous mode"))
}

fn sql<'a>(path: &'a Path, context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError + 'a {
    move |source| StoreError::Sql {
        path: path.to_path_buf(),
        context,
        source,
    }
}
