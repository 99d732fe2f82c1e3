//! Typed errors of the Atlas subsystem.

use std::path::PathBuf;

/// Why the zone file store refused or failed an operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Larger than `RPC_MAX_ZONEFILE_LEN` (zonefile.md §6).
    #[error("zone file of {len} bytes exceeds the {max}-byte limit")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Its hash is not one the caller expects (not announced on chain, atlas.md §14).
    #[error("zone file hash {0} is not expected")]
    NotExpected(String),
    /// The bytes do not hash to the hash they were offered under.
    #[error("zone file data does not match hash {expected} (it hashes to {actual})")]
    HashMismatch {
        /// The hash it was offered under.
        expected: String,
        /// What it hashes to.
        actual: String,
    },
    /// A statement on the store's database failed.
    #[error("zone file store {}: {context}: {source}", path.display())]
    Sql {
        /// The database file.
        path: PathBuf,
        /// What was being done.
        context: &'static str,
        /// The error.
        source: rusqlite::Error,
    },
    /// The store's database has a schema this version does not know.
    #[error("zone file store {}: schema version {found}, expected {expected}", path.display())]
    Schema {
        /// The database file.
        path: PathBuf,
        /// Its `user_version`.
        found: i64,
        /// The version this code writes.
        expected: i64,
    },
    /// A write to a store opened for reading only.
    #[error("zone file store {} is open read-only", .0.display())]
    ReadOnly(PathBuf),
    /// A file-system operation failed.
    #[error("zone file store I/O at {}: {source}", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// A failure of `atlas.db`.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A SQLite statement failed.
    #[error("atlas.db: {context}: {source}")]
    Sql {
        /// What was being done.
        context: &'static str,
        /// The error.
        source: rusqlite::Error,
    },
    /// The database's directory could not be created.
    #[error("atlas.db directory {}: {source}", path.display())]
    Io {
        /// The directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A new row came from a block before the last one indexed (rows are append-only, §4.2).
    #[error("zone file row from block {block} arrives after block {last} was indexed")]
    OutOfOrder {
        /// The row's block.
        block: u64,
        /// The last block with rows.
        last: u64,
    },
}

pub(crate) trait SqlContext<T> {
    fn ctx(self, context: &'static str) -> Result<T, DbError>;
}

impl<T> SqlContext<T> for rusqlite::Result<T> {
    fn ctx(self, context: &'static str) -> Result<T, DbError> {
        self.map_err(|source| DbError::Sql { context, source })
    }
}

/// A failure opening or updating the Atlas node state.
#[derive(Debug, thiserror::Error)]
pub enum AtlasError {
    /// The zone file store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `atlas.db` failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Reading name operations from the name database failed.
    #[error("name database: {0}")]
    NameDb(String),
}

/// Why a call to a peer failed. Everything a peer sends is untrusted: each of these is a
/// failed request for health purposes (atlas.md §7.3).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No connection could be made, or the link dropped the call.
    #[error("peer unreachable: {0}")]
    Unreachable(String),
    /// No complete reply within the call's timeout.
    #[error("peer timed out")]
    Timeout,
    /// The reply was not a well-formed XML-RPC response carrying JSON of the expected shape.
    #[error("malformed reply: {0}")]
    Malformed(String),
    /// The peer answered `{"error": ...}`.
    #[error("peer error: {0}")]
    Remote(String),
    /// The peer answered with a traceback-style error: it lacks the method (core-rpc.md §2.2).
    #[error("peer lacks the method: {0}")]
    NoSuchMethod(String),
}
