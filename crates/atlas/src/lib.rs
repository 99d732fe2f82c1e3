//! The Atlas network of Blockstack Core v0.18 (`/work/shared/spec/atlas.md`): every node
//! keeps every zone file that a name operation announced, describes what it holds as a bit
//! vector over the chain-ordered list of announced hashes, and pulls what it lacks from
//! peers that advertise it.
//!
//! What the daemon uses:
//! * [`Atlas::open`] with an [`AtlasConfig`]: the zone file store ([`ZonefileStore`]),
//!   `atlas.db` ([`AtlasDb`]), the inventory and the peer table of one node;
//! * [`Atlas::add_block`] with [`chain::rows_from_ops`] from the indexer after each block, [`Atlas::set_chain_status`] after each indexing pass, and
//!   [`Atlas::set_on_stored`] to feed the subdomain indexer;
//! * [`spawn_crawler`] with a [`PeerTransport`] ([`HttpTransport`] in production);
//! * [`AtlasRpc::handle`] mounted in the node's XML-RPC server;
//! * [`Atlas::status`] and [`Atlas::overview`] for the operator, [`AtlasDb::summary`] for
//!   readers of a stopped node's `atlas.db`;
//! * [`Atlas::rows_from`] and [`Atlas::rows_present`] for the subdomain indexer, which walks
//!   the rows in inventory order.
//!
//! On disk, under the node's working directory (the v0.18 defaults):
//! * `zonefiles/zonefiles.db` — SQLite: every zone file as a row keyed by its hash, a fetched
//!   batch written in one transaction; the original's files, `zonefiles/<h[0:2]>/<h[2:4]>/<h>.txt`
//!   and the legacy `zonefiles/<h[0:2]>/…/<h[38:40]>/zonefile.txt`, are still read, never
//!   written (atlas.md §6; snapshots carry the zone files in the former layout);
//! * `atlas.db` — SQLite: the `zonefiles` table (one row per announcing op, `inv_index`
//!   order = inventory order, with the presence flag) and the `peers` table (§4.2, §7.1).
//!
//! The pure parts — inventory bits ([`inventory`]), the peer table ([`peers`]) and the
//! random walk ([`walk`]) — take time and randomness from their callers.

pub mod chain;
pub mod config;
pub mod crawler;
pub mod db;
pub mod error;
pub mod http;
pub mod inventory;
pub mod limits;
pub mod node;
pub mod peers;
mod pyjson;
pub mod rpc;
pub mod sim;
pub mod status;
pub mod store;
pub mod transport;
pub mod walk;

pub use config::{AtlasConfig, Timing};
pub use crawler::{spawn_crawler, Crawler, CrawlerHandle};
pub use db::AtlasDb;
pub use error::{AtlasError, DbError, StoreError, TransportError};
pub use http::HttpTransport;
pub use inventory::{Inventory, InventorySummary, MissingZonefile, ZonefileRow};
pub use node::{Atlas, ChainStatus, Stored};
pub use peers::{PeerConfig, PeerTable};
pub use rpc::AtlasRpc;
pub use status::{AtlasStatus, Overview, PeerStatus};
pub use store::ZonefileStore;
pub use transport::{PeerClient, PeerTransport};
