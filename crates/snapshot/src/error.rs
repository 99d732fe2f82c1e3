//! The errors of snapshot creation, verification and restore.
//!
//! Every message names the offending input (a path, a field, a key) so the operator can act on
//! it without reading logs.

use std::path::PathBuf;

use thiserror::Error;

use crate::paths::PathError;
use crate::trailer::TrailerError;

/// Why a snapshot could not be created, verified or restored.
#[derive(Debug, Error)]
pub enum SnapshotError {
    /// A file or directory could not be read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An SQLite database could not be copied or read.
    #[error("{}: {context}: {source}", .path.display())]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// What was being done.
        context: &'static str,
        /// The underlying error.
        #[source]
        source: rusqlite::Error,
    },
    /// The zone file store could not be read or written.
    #[error("{}: {source}", .path.display())]
    Store {
        /// The store's directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: Box<blockstack_atlas::StoreError>,
    },
    /// The name database refused an operation.
    #[error("{}: {source}", .path.display())]
    NameDb {
        /// The database file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: blockstack_namedb::NameDbError,
    },
    /// The output of `snapshot create` already exists (it is never overwritten).
    #[error("{} already exists; choose another output path", .0.display())]
    OutputExists(PathBuf),
    /// The name database has no block yet.
    #[error("the name database {} has not indexed any block yet", .0.display())]
    NothingIndexed(PathBuf),
    /// `--block` names a block the database cannot be brought to.
    #[error("cannot snapshot block {requested}: {reason}")]
    BadBlock {
        /// The requested block.
        requested: u64,
        /// Why not.
        reason: String,
    },
    /// The trailer of the file is malformed.
    #[error("not a snapshot file: {0}")]
    Trailer(#[from] TrailerError),
    /// A key given on the command line or in the configuration does not parse.
    #[error("{what} {value:?} is not valid: {reason}")]
    Key {
        /// `private key` or `public key`.
        what: &'static str,
        /// The value as given (for a private key: only its length).
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The trust policy itself is unusable (no keys, a threshold above the key count).
    #[error("{0}")]
    Policy(String),
    /// Fewer distinct trusted keys signed the payload than required.
    #[error(
        "not enough valid signatures: {found} of the required {required} distinct trusted keys \
         signed this snapshot ({signatures} signature(s) in the file)"
    )]
    NotEnoughSignatures {
        /// Distinct trusted keys with a valid signature.
        found: usize,
        /// How many are required.
        required: usize,
        /// How many signatures the file carries.
        signatures: usize,
    },
    /// The payload starts with neither a bzip2 nor a zstd stream.
    #[error("the snapshot payload is neither bzip2 nor zstd compressed")]
    UnknownCompression,
    /// The archive is malformed or cannot be decompressed.
    #[error("the snapshot archive is damaged: {0}")]
    Archive(String),
    /// An archive entry is unsafe or does not belong in a snapshot.
    #[error("the snapshot archive has a bad entry: {0}")]
    Entry(#[from] PathError),
    /// The payload's bytes changed between verification and extraction.
    #[error("the snapshot file changed while it was being restored; try again")]
    Changed,
    /// The archive lacks something a node needs, or holds something inconsistent.
    #[error("the snapshot is incomplete or inconsistent: {0}")]
    Content(String),
    /// The snapshot's name database is not in this node's format.
    #[error(
        "the snapshot's name database is not in this node's format ({reason}); snapshots of \
         the original Python node cannot be restored here"
    )]
    ForeignDatabase {
        /// What the database check reported.
        reason: String,
    },
    /// The snapshot's state disagrees with a trusted checkpoint.
    #[error(
        "the snapshot disagrees with the trusted checkpoint at block {height}: expected \
         consensus hash {expected}, the snapshot has {found}"
    )]
    Checkpoint {
        /// The checkpoint's block.
        height: u64,
        /// Its trusted consensus hash.
        expected: String,
        /// What the snapshot has at that block (`none` when it has no such block).
        found: String,
    },
    /// A checkpoint given in the configuration does not parse.
    #[error("checkpoint {0:?} is not HEIGHT:CONSENSUS_HASH (32 hex digits)")]
    BadCheckpoint(String),
    /// The snapshot's chain disagrees with the node's bitcoind.
    #[error(
        "the snapshot was taken on another chain: its block {height} is {snapshot}, bitcoind's \
         is {chain}"
    )]
    OtherChain {
        /// The block compared.
        height: u64,
        /// The snapshot's block hash.
        snapshot: String,
        /// bitcoind's block hash.
        chain: String,
    },
    /// The download failed.
    #[error("downloading {url}: {reason}")]
    Download {
        /// What was being fetched.
        url: String,
        /// Why it failed.
        reason: String,
    },
}

/// Results of this crate.
pub type Result<T, E = SnapshotError> = std::result::Result<T, E>;

/// Wraps an I/O error with the path it concerns.
/// Maps a zone file store error on the store at `path`.
pub(crate) fn store(
    path: impl Into<PathBuf>,
) -> impl FnOnce(blockstack_atlas::StoreError) -> SnapshotError {
    let path = path.into();
    move |source| SnapshotError::Store {
        path,
        source: Box::new(source),
    }
}

pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> SnapshotError {
    let path = path.into();
    move |source| SnapshotError::Io { path, source }
}

/// Wraps an SQLite error with the database file and what was being done.
pub(crate) fn sql(
    path: impl Into<PathBuf>,
    context: &'static str,
) -> impl FnOnce(rusqlite::Error) -> SnapshotError {
    let path = path.into();
    move |source| SnapshotError::Sqlite {
        path,
        context,
        source,
    }
}

/// Wraps a name database error with its file.
pub(crate) fn namedb(
    path: impl Into<PathBuf>,
) -> impl FnOnce(blockstack_namedb::NameDbError) -> SnapshotError {
    let path = path.into();
    move |source| SnapshotError::NameDb { path, source }
}
