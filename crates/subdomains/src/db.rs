//! Opening `subdomains.db`: the indexer's writer connection and the API's read-only ones.
//!
//! Durability as the name database: WAL with `synchronous=NORMAL`, one transaction per batch
//! of inventory rows. After a crash the file holds the last committed batch, and the indexer
//! resumes from the cursor stored with it; a power loss may drop the last few batches, which
//! the indexer re-derives from the Atlas rows.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::{SqlContext, SubdomainError};
use crate::schema::{APPLICATION_ID, CREATE, SCHEMA_VERSION};

/// The database file's name inside a node's working directory (v0.18's default
/// `subdomaindb_path`).
pub const DB_FILE: &str = "subdomains.db";

/// How long a connection waits on a lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The first 16 bytes of every SQLite 3 file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// The writable subdomain database: the indexer's connection.
pub struct SubdomainDb {
    pub(crate) conn: Connection,
}

/// A read-only connection for the APIs; it sees the last committed batch and never blocks
/// the writer.
pub struct ReadOnlySubdomainDb {
    pub(crate) conn: Connection,
}

impl std::fmt::Debug for SubdomainDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubdomainDb").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ReadOnlySubdomainDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadOnlySubdomainDb")
            .finish_non_exhaustive()
    }
}

/// Whether the file at `path` is absent or empty (`Ok(true)`), an SQLite file (`Ok(false)`),
/// or something else (an error).
fn is_new_file(path: &Path) -> Result<bool, SubdomainError> {
    let io = |source| SubdomainError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
        Err(e) => return Err(io(e)),
    };
    let mut head = Vec::with_capacity(SQLITE_HEADER.len());
    file.by_ref()
        .take(SQLITE_HEADER.len() as u64)
        .read_to_end(&mut head)
        .map_err(io)?;
    if head.is_empty() {
        Ok(true)
    } else if head == SQLITE_HEADER {
        Ok(false)
    } else {
        Err(SubdomainError::NotADatabase {
            path: path.to_path_buf(),
        })
    }
}

/// Checks the markers of an opened file: `Ok(true)` for one of ours, `Ok(false)` for a blank
/// SQLite file, an error for anything else.
fn check_identity(conn: &Connection, path: &Path) -> Result<bool, SubdomainError> {
    let read = |pragma: &str| -> Result<i64, SubdomainError> {
        conn.query_row(pragma, [], |r| r.get(0)).map_err(|source| {
            match source.sqlite_error_code() {
                Some(rusqlite::ErrorCode::NotADatabase) => SubdomainError::NotADatabase {
                    path: path.to_path_buf(),
                },
                _ => SubdomainError::Sql {
                    context: "reading the database header",
                    source,
                },
            }
        })
    };
    let app = read("PRAGMA application_id")?;
    let version = read("PRAGMA user_version")?;
    if app == i64::from(APPLICATION_ID) {
        if version == i64::from(SCHEMA_VERSION) {
            return Ok(true);
        }
        return Err(SubdomainError::SchemaVersion {
            path: path.to_path_buf(),
            found: i32::try_from(version).unwrap_or(-1),
            expected: SCHEMA_VERSION,
        });
    }
    let objects = read("SELECT COUNT(*) FROM sqlite_master")?;
    if app == 0 && version == 0 && objects == 0 {
        Ok(false)
    } else {
        Err(SubdomainError::ForeignDatabase {
            path: path.to_path_buf(),
            found: i32::try_from(app).unwrap_or(-1),
        })
    }
}

fn initialize(conn: &Connection) -> Result<(), SubdomainError> {
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

impl SubdomainDb {
    /// Opens the database at `path`, creating it if there is no file (or an empty one). A file
    /// that is not ours, or ours at another schema version, is refused and left unchanged.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, SubdomainError> {
        let path = path.as_ref();
        let new = is_new_file(path)?;
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if new {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn = Connection::open_with_flags(path, flags).ctx("opening the database file")?;
        let ours = if new {
            false
        } else {
            check_identity(&conn, path)?
        };
        conn.busy_timeout(BUSY_TIMEOUT)
            .ctx("setting the busy timeout")?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .ctx("switching to WAL mode")?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(SubdomainError::Sql {
                context: "switching to WAL mode",
                source: rusqlite::Error::InvalidQuery,
            });
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL;")
            .ctx("setting synchronous mode")?;
        if !ours {
            initialize(&conn)?;
        }
        Ok(Self { conn })
    }

    /// A new, empty database in memory (tests and tools).
    pub fn open_in_memory() -> Result<Self, SubdomainError> {
        let conn = Connection::open_in_memory().ctx("opening an in-memory database")?;
        initialize(&conn)?;
        Ok(Self { conn })
    }
}

impl ReadOnlySubdomainDb {
    /// Opens an existing database read-only; [`SubdomainError::Missing`] if the indexer has
    /// not created it (or not its tables) yet.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, SubdomainError> {
        let path = path.as_ref();
        if is_new_file(path)? {
            return Err(SubdomainError::Missing {
                path: path.to_path_buf(),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .ctx("opening the database file read-only")?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .ctx("setting the busy timeout")?;
        if !check_identity(&conn, path)? {
            // Created by the indexer a moment ago; its schema is not committed yet.
            return Err(SubdomainError::Missing {
                path: path.to_path_buf(),
            });
        }
        Ok(Self { conn })
    }
}

/// `subdomains.db` inside `working_dir`.
pub fn db_path(working_dir: &Path) -> PathBuf {
    working_dir.join(DB_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_reopens_and_refuses_foreign_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(DB_FILE);
        assert!(matches!(
            ReadOnlySubdomainDb::open(&path),
            Err(SubdomainError::Missing { .. })
        ));
        // An SQLite file without tables is what the indexer leaves before its schema commits.
        Connection::open(&path)
            .expect("blank")
            .execute_batch("CREATE TABLE t (x); DROP TABLE t;")
            .expect("touch");
        assert!(std::fs::metadata(&path).expect("file").len() > 0);
        assert!(matches!(
            ReadOnlySubdomainDb::open(&path),
            Err(SubdomainError::Missing { .. })
        ));
        drop(SubdomainDb::open(&path).expect("create"));
        SubdomainDb::open(&path).expect("reopen");
        ReadOnlySubdomainDb::open(&path).expect("read-only");

        let text = dir.path().join("notes.txt");
        std::fs::write(&text, b"not a database at all").expect("write");
        assert!(matches!(
            SubdomainDb::open(&text),
            Err(SubdomainError::NotADatabase { .. })
        ));
        assert_eq!(
            std::fs::read(&text).expect("read"),
            b"not a database at all"
        );

        let other = dir.path().join("other.db");
        Connection::open(&other)
            .expect("open")
            .execute_batch("CREATE TABLE t (x)")
            .expect("create");
        assert!(matches!(
            SubdomainDb::open(&other),
            Err(SubdomainError::ForeignDatabase { .. })
        ));
    }

    #[test]
    fn another_schema_version_is_refused_with_the_fix() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(DB_FILE);
        drop(SubdomainDb::open(&path).expect("create"));
        Connection::open(&path)
            .expect("open")
            .execute_batch("PRAGMA user_version = 99")
            .expect("bump");
        let err = SubdomainDb::open(&path).expect_err("refused");
        assert!(matches!(
            err,
            SubdomainError::SchemaVersion { found: 99, .. }
        ));
        assert!(err.to_string().contains("delete it"));
    }
}
