//! Opening a name database: the writer, read-only readers, and the checks that keep this crate
//! from ever writing to a file that is not its own.
//!
//! Durability: the writer runs in WAL mode with `synchronous=NORMAL`. Every block is one
//! transaction (or one savepoint of a batch's transaction, which commits whole blocks only), so
//! after a crash or power loss the file is always at the end of some block;
//! with `NORMAL` the last few blocks committed before a power loss may be lost (WAL frames are
//! synced at checkpoints, not at every commit). That is safe here because the indexer resumes
//! from [`NameDb::last_block`] and re-derives lost blocks from the chain, and it saves an fsync
//! per block, which matters when indexing hundreds of thousands of mostly empty blocks.
//! WAL also lets readers on other connections see the last committed block without blocking
//! the writer, and the writer commit without waiting for readers.
//!
//! The writer keeps temporary data (the journal of a block's savepoint inside a batch) in
//! memory, and a larger page cache than SQLite's default.
//!
//! Every connection enables SQLite's query planner stability guarantee (QPSG). Without it, a
//! statement whose plan SQLite thinks may depend on a bound value (e.g. `WHERE key = ?1 ORDER
//! BY …` on a primary-key prefix) is re-parsed and re-planned on every new binding, so the
//! statement cache would not save anything for it.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use crate::checkpoint::Checkpointer;
use crate::error::{NameDbError, Result, SqlContext};
use crate::schema::{APPLICATION_ID, CREATE, SCHEMA_VERSION};

/// The first 16 bytes of every SQLite 3 database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// How long a connection waits on a lock before reporting `SQLITE_BUSY`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Prepared statements kept per connection: every statement of the lookup, commit and query
/// paths stays prepared (rusqlite's default of 16 would evict some on every block).
const STATEMENT_CACHE: usize = 128;

/// Page cache of the writer, in KiB. A batch of blocks ([`NameDb::begin_batch`]) keeps its
/// changed pages here until it commits (SQLite's default of 2 MiB spills them into the WAL
/// early, and then writes them again), and the lookups of the block processor hit random
/// pages of the name and preorder indexes.
const WRITER_CACHE_KIB: u32 = 32 * 1024;

/// WAL pages after which a commit wakes the checkpoint thread ([`crate::checkpoint`]) to copy
/// the WAL back into the database file (SQLite's automatic checkpoints default to 1000). A
/// checkpoint copies every page changed since the last one once, so a page changed by many
/// blocks in between (the top of each index) is copied once instead of many times; the WAL
/// file grows to about this many 4 KiB pages plus what is committed during one checkpoint.
const CHECKPOINT_PAGES: u32 = 10_000;

/// The writable name database: the single connection that commits blocks.
pub struct NameDb {
    /// The WAL checkpoint thread of a file database. Declared before `conn`, so that it ends
    /// first and the writer's connection is the last to close (which copies the rest of the
    /// WAL back and removes it).
    checkpointer: Option<Checkpointer>,
    pub(crate) conn: Connection,
    /// Whether a batch transaction is open ([`NameDb::begin_batch`]).
    pub(crate) batch: bool,
}

/// A read-only connection for API readers. It sees the last block the writer committed and
/// never blocks it.
pub struct ReadOnlyNameDb {
    pub(crate) conn: Connection,
}

/// What is at a path before it is opened.
enum FileState {
    /// Nothing, or an empty file: a new database is created.
    New,
    /// A file that starts with the SQLite header.
    Sqlite,
}

/// What an SQLite file holds.
enum Identity {
    /// A name database of this schema version.
    Ours,
    /// A database with no tables and no markers: safe to initialize.
    Blank,
}

fn inspect_file(path: &Path) -> Result<FileState> {
    let io = |source| NameDbError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileState::New),
        Err(e) => return Err(io(e)),
    };
    let mut head = Vec::with_capacity(SQLITE_HEADER.len());
    file.by_ref()
        .take(SQLITE_HEADER.len() as u64)
        .read_to_end(&mut head)
        .map_err(io)?;
    if head.is_empty() {
        Ok(FileState::New)
    } else if head == SQLITE_HEADER {
        Ok(FileState::Sqlite)
    } else {
        Err(NameDbError::NotADatabase {
            path: path.to_path_buf(),
        })
    }
}

/// Reads the markers of an opened SQLite file without writing anything.
fn identify(conn: &Connection, path: &Path) -> Result<Identity> {
    let not_db = |source: rusqlite::Error| match source.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => NameDbError::NotADatabase {
            path: path.to_path_buf(),
        },
        _ => NameDbError::Sqlite {
            context: "reading the database header",
            source,
        },
    };
    let app: i32 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(not_db)?;
    let version: i32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(not_db)?;
    if app == APPLICATION_ID {
        if version == SCHEMA_VERSION {
            return Ok(Identity::Ours);
        }
        return Err(NameDbError::SchemaVersion {
            path: path.to_path_buf(),
            found: version,
            expected: SCHEMA_VERSION,
        });
    }
    let objects: i64 = conn
        .query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0))
        .map_err(not_db)?;
    if app == 0 && version == 0 && objects == 0 {
        Ok(Identity::Blank)
    } else {
        Err(NameDbError::ForeignDatabase {
            path: path.to_path_buf(),
            found: app,
        })
    }
}

/// Creates the schema and its markers in one transaction.
fn initialize(conn: &Connection) -> Result<()> {
    let tx = conn
        .unchecked_transaction()
        .ctx("starting the schema transaction")?;
    tx.execute_batch(CREATE).ctx("creating the schema")?;
    tx.execute_batch(&format!(
        "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION};"
    ))
    .ctx("writing the schema version")?;
    tx.commit().ctx("committing the schema")
}

/// Settings every connection gets: a statement cache, plans fixed at prepare time, a busy
/// timeout.
fn configure_common(conn: &Connection) -> Result<()> {
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .ctx("enabling the query planner stability guarantee")?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .ctx("setting the busy timeout")?;
    Ok(())
}

/// Settings of the writer connection.
fn configure_writer(conn: &Connection, file: bool) -> Result<()> {
    configure_common(conn)?;
    if file {
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .ctx("switching to WAL mode")?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(NameDbError::NoWal { mode });
        }
    }
    conn.execute_batch(&format!(
        "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; \
         PRAGMA cache_size = -{WRITER_CACHE_KIB};"
    ))
    .ctx("setting synchronous, foreign_keys, temp_store and cache_size")
}

impl NameDb {
    /// Opens the name database at `path`, creating it if the file does not exist (or is empty).
    ///
    /// A file that is not an SQLite database, an SQLite database of another program, or a name
    /// database of another schema version is refused with an error and left byte-identical.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let state = inspect_file(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | match state {
                FileState::New => OpenFlags::SQLITE_OPEN_CREATE,
                FileState::Sqlite => OpenFlags::empty(),
            };
        let mut conn =
            Connection::open_with_flags(path, flags).map_err(|source| NameDbError::Sqlite {
                context: "opening the database file",
                source,
            })?;
        let identity = match state {
            FileState::New => Identity::Blank,
            FileState::Sqlite => identify(&conn, path)?,
        };
        configure_writer(&conn, true)?;
        if let Identity::Blank = identity {
            initialize(&conn)?;
        }
        let checkpointer = Checkpointer::start(path, &mut conn, CHECKPOINT_PAGES)?;
        Ok(Self {
            checkpointer: Some(checkpointer),
            conn,
            batch: false,
        })
    }

    /// A new, empty database in memory (for tests and tools).
    pub fn open_in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory().ctx("opening an in-memory database")?;
        configure_writer(&conn, false)?;
        initialize(&conn)?;
        Ok(Self {
            checkpointer: None,
            conn,
            batch: false,
        })
    }

    /// Starts a write transaction (`BEGIN IMMEDIATE`), after finishing a checkpoint the
    /// thread has run so that the transaction starts the WAL over ([`crate::checkpoint`]).
    pub(crate) fn write_transaction(
        &mut self,
        context: &'static str,
    ) -> Result<rusqlite::Transaction<'_>> {
        self.before_write();
        self.conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .ctx(context)
    }

    /// To be called before each write transaction: finishes a checkpoint the thread has
    /// run, so that the transaction starts the WAL over ([`crate::checkpoint`]).
    pub(crate) fn before_write(&self) {
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.before_write(&self.conn);
        }
    }

    /// Opens a read-only connection to the same file (see [`ReadOnlyNameDb::open`]).
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<ReadOnlyNameDb> {
        ReadOnlyNameDb::open(path)
    }
}

impl ReadOnlyNameDb {
    /// Opens an existing name database read-only. The writer must have created it.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path: PathBuf = path.as_ref().to_path_buf();
        match inspect_file(&path)? {
            FileState::Sqlite => {}
            FileState::New => {
                return Err(NameDbError::Uninitialized { path });
            }
        }
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| NameDbError::Sqlite {
            context: "opening the database file read-only",
            source,
        })?;
        match identify(&conn, &path)? {
            Identity::Ours => {}
            Identity::Blank => return Err(NameDbError::Uninitialized { path }),
        }
        configure_common(&conn)?;
        conn.execute_batch("PRAGMA query_only = ON;")
            .ctx("making the connection query-only")?;
        Ok(Self { conn })
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::StatementStatus;

    use super::NameDb;
    use crate::rows::{self, PREORDER_COLUMNS};

    #[test]
    fn a_cached_lookup_is_not_replanned_for_each_new_key() {
        let db = NameDb::open_in_memory().expect("db");
        for i in 0..5 {
            rows::get_preorders(&db.conn, &format!("{i:040x}")).expect("lookup");
        }
        let sql = format!(
            "SELECT {PREORDER_COLUMNS} FROM preorders WHERE preorder_hash = ?1 \
             ORDER BY block_number, txid"
        );
        let stmt = db.conn.prepare_cached(&sql).expect("cached");
        // The very statement the lookups ran, each binding a new key.
        assert_eq!(stmt.get_status(StatementStatus::Run), 5);
        assert_eq!(stmt.get_status(StatementStatus::RePrepare), 0);
    }
}
