//! Errors of the name database, each saying what failed and, where the operator can act, what
//! to do.

use std::path::PathBuf;

/// A name database error.
#[derive(Debug, thiserror::Error)]
pub enum NameDbError {
    /// The file exists but does not start with the SQLite header.
    #[error(
        "{} is not an SQLite database; it was left untouched. Pass the path of a name database, \
         or of a file that does not exist yet to create one",
        path.display()
    )]
    NotADatabase {
        /// The file.
        path: PathBuf,
    },
    /// The file is an SQLite database written by another program.
    #[error(
        "{} is an SQLite database of another program (application_id {found:#010x}); it was left \
         untouched. Pass the path of a name database, or of a file that does not exist yet",
        path.display()
    )]
    ForeignDatabase {
        /// The file.
        path: PathBuf,
        /// Its `application_id`.
        found: i32,
    },
    /// The file is a name database with another schema version.
    #[error(
        "{} has name database schema version {found}, this build uses version {expected}; it was \
         left untouched. Move it away and reindex into a new file, or run a build of the \
         matching version",
        path.display()
    )]
    SchemaVersion {
        /// The file.
        path: PathBuf,
        /// Its `user_version`.
        found: i32,
        /// The version this build reads and writes.
        expected: i32,
    },
    /// A read-only open found no name database yet.
    #[error(
        "{} is not a name database yet (missing or empty); open it read-write once to create it",
        path.display()
    )]
    Uninitialized {
        /// The file.
        path: PathBuf,
    },
    /// SQLite kept another journal mode than WAL (e.g. on a network filesystem).
    #[error(
        "the database stayed in journal mode {mode:?} instead of WAL, which readers need to run \
         beside the writer; put it on a local filesystem"
    )]
    NoWal {
        /// The journal mode SQLite reported.
        mode: String,
    },
    /// Reading the file's header failed.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The WAL checkpoint thread could not be started.
    #[error("cannot start the WAL checkpoint thread: {0}")]
    Thread(std::io::Error),
    /// An SQLite call failed.
    #[error("SQLite error while {context}: {source}")]
    Sqlite {
        /// What was being done.
        context: &'static str,
        /// The cause.
        source: rusqlite::Error,
    },
    /// A stored value does not decode (the file was modified outside this crate, or is corrupt).
    #[error("corrupt {table} row {key:?}: {detail}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// The row's key.
        key: String,
        /// What is wrong.
        detail: String,
    },
    /// Serializing a record failed.
    #[error("cannot encode {what} as JSON: {source}")]
    Encode {
        /// What was being encoded.
        what: &'static str,
        /// The cause.
        source: serde_json::Error,
    },
    /// A block was committed out of order.
    #[error("cannot commit block {got}: the database ends at block {last}, so the next block is {}", last + 1)]
    OutOfOrder {
        /// The last committed block.
        last: u64,
        /// The block offered.
        got: u64,
    },
    /// SQLite ended the transaction of an open batch on its own (after an I/O error or a full
    /// disk), discarding the batch's blocks.
    #[error(
        "the batch of blocks was rolled back by SQLite after an earlier error; the database is \
         at the block before the batch, and indexing resumes from there"
    )]
    BatchLost,
    /// A rollback needs undo data that was pruned.
    #[error(
        "cannot roll back to block {target}: the undo data of block {missing} was pruned; \
         reindex from an earlier backup instead"
    )]
    UndoPruned {
        /// The requested end block.
        target: u64,
        /// The first block whose undo data is missing.
        missing: u64,
    },
}

/// Results of this crate.
pub type Result<T, E = NameDbError> = std::result::Result<T, E>;

/// Attaches a description of the operation to an SQLite error.
pub(crate) trait SqlContext<T> {
    /// Wraps the error with `context` ("reading a name row", …).
    fn ctx(self, context: &'static str) -> Result<T>;
}

impl<T> SqlContext<T> for rusqlite::Result<T> {
    fn ctx(self, context: &'static str) -> Result<T> {
        self.map_err(|source| NameDbError::Sqlite { context, source })
    }
}
