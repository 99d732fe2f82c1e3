//! The Blockstack Core node: chain client, name database, indexer, Atlas and APIs.

pub mod chain;
pub mod settings;
pub mod xmlrpc;
