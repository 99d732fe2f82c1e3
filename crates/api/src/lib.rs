//! The read APIs of a Blockstack Core v0.18 node over the name database:
//!
//! * the REST API of `blockstack api` (port 6270, rest-api.md): [`rest::serve_rest`];
//! * the node RPC (port 6264, core-rpc.md): XML-RPC whose replies are JSON documents,
//!   [`rpc::serve_rpc`], with an [`rpc::RpcExtension`] hook for the Atlas methods.
//!
//! Both read through one [`QueryService`]: read-only name database handles (SQLite reads on
//! blocking threads), a [`ZonefileSource`] and the daemon's [`NodeInfo`]. The REST API also
//! resolves profiles from the zone files' URLs ([`profile`], verifying ES256K tokens with
//! [`jwt`]) and searches names and resolved profiles in an index of its own ([`search`],
//! enabled by [`ServiceConfig::search_db`]).
//!
//! The daemon owns the listeners and the shutdown signal:
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use blockstack_api::{
//!     node_info::unix_now, serve_rest, serve_rpc, DirZonefiles, NodeStatus, QueryService,
//!     RpcDispatcher, ServiceConfig, SharedNodeInfo,
//! };
//! use blockstack_consensus::Rules;
//!
//! # async fn run() -> std::io::Result<()> {
//! let node = Arc::new(SharedNodeInfo::new(NodeStatus {
//!     last_block_seen: 0,
//!     indexing: false,
//!     last_indexing_time: unix_now(),
//!     zonefile_count: None,
//!     bitcoind_answered_at: None,
//! }));
//! let service = QueryService::new(
//!     "/var/lib/blockstack/names.db",
//!     Rules::mainnet(),
//!     Arc::new(DirZonefiles::new("/var/lib/blockstack/zonefiles")),
//!     node.clone(),
//!     ServiceConfig::default(),
//! );
//! let (stop, _) = tokio::sync::watch::channel(());
//! let shutdown = |mut rx: tokio::sync::watch::Receiver<()>| async move {
//!     let _ = rx.changed().await;
//! };
//! let rest = tokio::net::TcpListener::bind("0.0.0.0:6270").await?;
//! let rpc = tokio::net::TcpListener::bind("0.0.0.0:6264").await?;
//! let dispatcher = RpcDispatcher::new(service.clone(), None);
//! let (a, b) = tokio::join!(
//!     serve_rest(rest, service, shutdown(stop.subscribe())),
//!     serve_rpc(rpc, dispatcher, shutdown(stop.subscribe())),
//! );
//! a?;
//! b?;
//! # Ok(())
//! # }
//! ```

pub mod error;
pub mod jwt;
pub mod node_info;
pub mod profile;
pub mod pyjson;
pub mod records;
pub mod rest;
pub mod rpc;
pub mod search;
pub mod service;
pub mod zonefiles;

pub use error::ApiError;
pub use node_info::{NodeInfo, NodeStatus, SharedNodeInfo};
pub use rest::serve_rest;
pub use rpc::{serve_rpc, RpcDispatcher, RpcExtension, RpcReply};
pub use service::{QueryService, ServiceConfig, ServiceError};
pub use zonefiles::{DirZonefiles, NoZonefiles, ZonefileSource};
