//! BNS subdomains as Blockstack Core v0.18 indexes them (`/work/shared/spec/subdomains.md`):
//! the subdomain records carried in the zone files of on-chain names, their acceptance, and
//! the lookups the node RPC and the REST API make.
//!
//! * [`SubdomainIndexer`] walks the Atlas inventory rows ([`CarrierSource`], implemented by
//!   [`blockstack_atlas::Atlas`]) in chain order, decodes each carrier zone file once it is
//!   held and applies the pure rules of [`blockstack_zonefile::subdomain`], one SQLite
//!   transaction per batch;
//! * [`ReadOnlySubdomainDb::lookup`] answers the lookups: the current record, the history,
//!   the subdomains an address owns, DIDs and `pending`;
//! * [`Subdomain::to_json`] and [`history_json`] give the RPC's reply shapes;
//! * [`SubdomainWorker`] runs the indexer on its own thread, woken after each block and
//!   whenever Atlas stores a zone file.
//!
//! On disk: `subdomains.db` in the node's working directory ([`db_path`]); see [`schema`].

pub mod db;
pub mod did;
pub mod error;
pub mod indexer;
pub mod lookup;
pub mod record;
pub mod schema;
pub mod source;
pub mod worker;

pub use db::{db_path, ReadOnlySubdomainDb, SubdomainDb, DB_FILE};
pub use did::{did_version_bytes, make_subdomain_did, subdomain_did_owner};
pub use error::SubdomainError;
pub use indexer::{
    IndexerConfig, PassReport, SubdomainIndexer, DEFAULT_BATCH_ROWS, MAINNET_FIRST_BLOCK,
};
pub use lookup::{DidInfo, Lookup, SubdomainStats};
pub use record::{history_json, StoredRecord, Subdomain, NO_SIGNATURE};
pub use source::{CarrierRow, CarrierSource};
pub use worker::{Notifier, SubdomainWorker};
