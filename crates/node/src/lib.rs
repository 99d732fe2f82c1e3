//! The Blockstack Core node: chain client, name database, indexer, Atlas and APIs.

pub mod chain;
pub mod settings;
#[cfg(feature = "testing")]
pub mod testing;
pub mod xmlrpc;
