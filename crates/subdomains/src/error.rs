//! Typed errors of the subdomain database and indexer.

use std::path::PathBuf;

/// A failure of `subdomains.db` or of the indexer feeding it.
#[derive(Debug, thiserror::Error)]
pub enum SubdomainError {
    /// A SQLite statement failed.
    #[error("subdomains.db: {context}: {source}")]
    Sql {
        /// What was being done.
        context: &'static str,
        /// The error.
        source: rusqlite::Error,
    },
    /// The file is not an SQLite database.
    #[error("{} is not an SQLite database", path.display())]
    NotADatabase {
        /// The file.
        path: PathBuf,
    },
    /// The file is an SQLite database of some other program; it is left untouched.
    #[error(
        "{} is not a subdomain database (application id {found:#x}); move it away to let the node create one",
        path.display()
    )]
    ForeignDatabase {
        /// The file.
        path: PathBuf,
        /// Its `PRAGMA application_id`.
        found: i32,
    },
    /// A subdomain database of another schema version.
    #[error(
        "{} has subdomain schema version {found}, this node reads version {expected}; delete it and the node rebuilds it from the zone files",
        path.display()
    )]
    SchemaVersion {
        /// The file.
        path: PathBuf,
        /// Its version.
        found: i32,
        /// Ours.
        expected: i32,
    },
    /// A read-only open of a file that does not exist yet.
    #[error("{} does not exist yet", path.display())]
    Missing {
        /// The file.
        path: PathBuf,
    },
    /// The file could not be inspected.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The rows this database was built from are not the inventory rows the source now has at
    /// the same index (the Atlas database was replaced); the database must be rebuilt.
    #[error(
        "inventory row {inv_index} was txid {stored} when indexed but is {found} now; delete subdomains.db to rebuild it"
    )]
    Diverged {
        /// The row (1-based `inv_index`).
        inv_index: u64,
        /// The txid recorded here.
        stored: String,
        /// The txid the source has (empty if the row is gone).
        found: String,
    },
    /// The carrier rows or zone files could not be read, or a subdomain's zone file could not
    /// be kept in the zone file store.
    #[error("zone file source: {0}")]
    Source(String),
}

/// Adds a context to rusqlite results.
pub(crate) trait SqlContext<T> {
    /// Maps the error to [`SubdomainError::Sql`] with `context`.
    fn ctx(self, context: &'static str) -> Result<T, SubdomainError>;
}

impl<T> SqlContext<T> for Result<T, rusqlite::Error> {
    fn ctx(self, context: &'static str) -> Result<T, SubdomainError> {
        self.map_err(|source| SubdomainError::Sql { context, source })
    }
}
