//! Integration tests: the block file across restarts, reorgs, and JSON-RPC
//! over real HTTP.

mod persistence;
mod reorg;
mod rpc;
mod support;
