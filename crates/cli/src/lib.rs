//! The `blockstack-core` daemon and the `blockstack` CLI: argument parsing and commands.

pub mod command;
pub mod core;
