//! The `blockstack-core` daemon and the `blockstack` CLI: argument parsing, commands and the
//! running node.

pub mod client;
pub mod command;
pub mod core;
pub mod daemon;

/// The default working directory of a node, under `$HOME`.
pub const DEFAULT_WORKING_DIR: &str = ".blockstack-server";
/// The default working directory of a devnet, under `$HOME`.
pub const DEFAULT_DEVNET_DIR: &str = ".blockstack-devnet";
