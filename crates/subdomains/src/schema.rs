//! The schema of `subdomains.db`, in one place.
//!
//! `subdomain_records` keeps the columns of v0.18's table of the same name (spec
//! `subdomains.md` §7), so lookups read like the original's. Two tables are new:
//!
//! * `subdomain_zonefiles` holds each subdomain's own zone file, content-addressed. v0.18
//!   reads them back from the Atlas zone file store; keeping them here makes a batch of
//!   records and the zone files they name one transaction. (The indexer still writes them to
//!   the store too, so the node serves them through `get_zonefiles` as v0.18 does.)
//! * `carrier_rows` replaces v0.18's zone file queue (`subdomains.db.queue`): one row per
//!   Atlas inventory row the indexer has walked, with what became of it. Its highest
//!   `inv_index` is the indexer's cursor; rows whose zone file was absent wait there until it
//!   arrives, which is also what `pending` asks about.

/// `PRAGMA application_id` of a subdomain database: ASCII `BNSs`.
pub const APPLICATION_ID: i32 = 0x424E_5373;

/// `PRAGMA user_version` of the schema below. A database of another version is refused; it is
/// derived data, so the fix is to delete it and let the node rebuild it.
pub const SCHEMA_VERSION: i32 = 1;

/// What became of an inventory row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowState {
    /// Its zone file was absent when the row was walked; it is processed when it arrives.
    Waiting = 0,
    /// Its zone file was decoded and its subdomain records stored.
    Processed = 1,
    /// Below the first subdomain block and held: never processed.
    Ignored = 2,
    /// Below the first subdomain block and not held: never processed, but it still makes
    /// the carrier's subdomains `pending`.
    IgnoredMissing = 3,
}

impl RowState {
    /// The stored integer.
    pub fn code(self) -> i64 {
        self as i64
    }
}

/// Creates every table and index, inside the transaction that sets the version pragmas.
pub const CREATE: &str = r#"
CREATE TABLE subdomain_records (
    fully_qualified_subdomain TEXT NOT NULL,
    domain                    TEXT NOT NULL,
    sequence                  INTEGER NOT NULL,
    owner                     TEXT NOT NULL,
    zonefile_hash             TEXT NOT NULL,
    signature                 TEXT NOT NULL,
    block_height              INTEGER NOT NULL,
    parent_zonefile_hash      TEXT NOT NULL,
    parent_zonefile_index     INTEGER NOT NULL,
    txid                      TEXT NOT NULL,
    missing                   TEXT NOT NULL,
    accepted                  INTEGER NOT NULL CHECK (accepted IN (0, 1)),
    PRIMARY KEY (fully_qualified_subdomain, parent_zonefile_index)
) WITHOUT ROWID;
CREATE INDEX subdomain_records_owner ON subdomain_records (owner, sequence, parent_zonefile_index);
CREATE INDEX subdomain_records_domain ON subdomain_records (domain, parent_zonefile_index);

CREATE TABLE subdomain_zonefiles (
    zonefile_hash TEXT PRIMARY KEY NOT NULL,
    zonefile      BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE carrier_rows (
    inv_index     INTEGER PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    zonefile_hash TEXT NOT NULL,
    txid          TEXT NOT NULL,
    block_height  INTEGER NOT NULL,
    state         INTEGER NOT NULL CHECK (state IN (0, 1, 2, 3))
);
CREATE INDEX carrier_rows_state ON carrier_rows (state, inv_index);
CREATE INDEX carrier_rows_name ON carrier_rows (name, state);
CREATE INDEX carrier_rows_hash ON carrier_rows (zonefile_hash, state);
"#;
