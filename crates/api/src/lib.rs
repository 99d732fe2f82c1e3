//! The read APIs of a Blockstack Core v0.18 node over the name database:
//!
//! * the REST API of `blockstack api` (port 6270, rest-api.md): [`rest::serve_rest`];
//! * the node RPC (port 6264, core-rpc.md): XML-RPC whose replies are JSON documents,
//!   [`rpc::serve_rpc`], with an [`rpc::RpcExtension`] hook for the Atlas methods.
//!
//! Both read through one [`QueryService`]: read-only name database handles (SQLite reads on
//! blocking threads), a [`ZonefileSource`] and the daemon's [`NodeInfo`].

pub mod error;
pub mod node_info;
pub mod pyjson;
pub mod records;
pub mod rest;
pub mod rpc;
pub mod service;
pub mod zonefiles;

pub use error::ApiError;
pub use node_info::{NodeInfo, NodeStatus, SharedNodeInfo};
pub use rest::serve_rest;
pub use rpc::{serve_rpc, RpcDispatcher, RpcExtension, RpcReply};
pub use service::{QueryService, ServiceConfig, ServiceError};
pub use zonefiles::{DirZonefiles, NoZonefiles, ZonefileSource};
