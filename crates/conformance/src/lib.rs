//! Differential conformance harness: the original Blockstack Core v0.18 node and ours on the
//! same regtest chain, compared block by block.
//!
//! * [`bitcoind`] starts a regtest bitcoind that also listens for P2P (the original reads
//!   blocks over P2P).
//! * [`driver`] funds parties and turns [`ops::Op`]s into transactions built and FORKID-signed
//!   by the wallet crate, broadcasts them and mines blocks.
//! * [`ours`] runs our indexer over the same bitcoind into an in-memory snapshot store.
//! * [`reference`] installs, starts and queries the original node (`shared/tools/reference-node`)
//!   with the same first block and epoch knobs.
//! * [`daemon`] runs our node as it ships (the `blockstack-core` daemon: name database,
//!   Atlas, subdomain indexer, node RPC) in process over the same bitcoind, and
//!   [`rpc_client`] talks XML-RPC to either node.
//! * [`methods`] compares every XML-RPC method both nodes serve, call by call.
//! * [`normalize`] maps both sides' records to one shape (each mapping is documented there).
//! * [`harness`] runs a [`harness::Scenario`] and compares consensus hashes, accepted
//!   operations and the records of every touched name and namespace, reporting each
//!   divergence with both values.
//! * [`scenario`] holds the fixed quick-tier chain; [`random`] the seeded generator and the
//!   shrinker for the long tier.
//!
//! # Running
//!
//! The tools come from `shared/tools/` beside the repository (`$BITCOIND_REGTEST`,
//! `$REFERENCE_NODE` override the scripts; `$BITCOIND_HOME`, `$REFERENCE_NODE_HOME` the install
//! directories, default `~/.cache/blockstack-rs/{bitcoind,reference-node}`). Every run installs
//! both (idempotent), starts a fresh bitcoind and, once the chain is mined, a fresh original
//! node, on free 127.0.0.1 ports, and stops both when done (drop guards).
//!
//! * Quick tier (default test run, about two minutes):
//!   `cargo nextest run -p blockstack-conformance`. `tests/quick.rs` runs the smoke chain, the
//!   quick chain (with the XML-RPC method comparison) and a check that a deliberate rule
//!   difference is reported at its block. Each
//!   test prints `SKIPPED <test>: <reason>` and returns when Python 2.7, the original node or
//!   bitcoind cannot be installed or started. `CONFORMANCE_VERBOSE=1` also prints every op
//!   with what each side made of it.
//! * Long tier (not in the default run): `CONFORMANCE_RANDOM_CHAINS=N [CONFORMANCE_SEED=S]
//!   [CONFORMANCE_BLOCKS=B] cargo nextest run -p blockstack-conformance --run-ignored all
//!   random_chains`, or the runner `cargo run -p blockstack-conformance --bin conformance --
//!   --chains N --seed S --blocks B --shrink-runs R [--methods]` (exit 1 on a divergence, with
//!   the shrunk reproduction printed as a [`harness::Scenario`]). `CONFORMANCE_METHODS=1` (test)
//!   or `--methods` (runner) adds the method comparison to every random chain. The runner's
//!   `--jobs J` runs J chains at once and `--log FILE` keeps one JSON line per chain, skipping
//!   the seeds already clean in FILE, so 1,000 chains can be run in parts.
//! * `CONFORMANCE_METHODS_DUMP=FILE` appends every differing call (both replies) to FILE as
//!   JSON lines; `CONFORMANCE_KEEP_DIR=1` keeps the run directory with both nodes' logs.
//!
//! # What is compared
//!
//! For every block from the first block to the tip: the consensus hash (ours from the
//! incremental index, checked against a fresh index of the whole chain too), and the accepted
//! operations (`get_nameops_at`: vtxindex, txid, opcode). For every name and namespace any op
//! named or touched: the current record (`get_name_blockchain_record`,
//! `get_namespace_blockchain_record`) and, for names, the state written at every block of its
//! history, which is the record block by block. Each divergence is reported with its block,
//! what differs, both values and the ops sent in that block.
//!
//! With [`harness::Options::methods`] (the quick chain always), our daemon then indexes the
//! finished chain, both nodes are given the zone files of the chain's zone-file updates
//! (`put_zonefiles`) and index one more block, and every method is called on both with the
//! arguments [`methods::catalogue`] derives from the chain: valid, unknown and malformed
//! names, namespaces, addresses, hashes and DIDs, wrong types and parameter counts, heights
//! before, inside and past the chain, paging at zero, past the end and over the limit. Replies
//! are compared whole, envelope included; the first difference of each method is reported
//! with both replies. The differences tolerated, each with its reason, are listed in
//! [`methods::tolerate`]. The run also reports our daemon's index time beside the original's.

pub mod bitcoind;
pub mod daemon;
pub mod driver;
pub mod harness;
pub mod methods;
pub mod normalize;
pub mod ops;
pub mod ours;
pub mod random;
pub mod reference;
pub mod rpc_client;
pub mod scenario;
pub mod tools;

/// Why a run could not complete.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A tool cannot be installed or started on this machine (Python 2.7, the reference node,
    /// bitcoind): callers skip rather than fail.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// bitcoind misbehaved.
    #[error("bitcoind: {0}")]
    Chain(String),
    /// The original node misbehaved.
    #[error("reference node: {0}")]
    Reference(String),
    /// Our indexer failed.
    #[error("our indexer: {0}")]
    Ours(String),
    /// The driver could not build or send an op.
    #[error("driver: {0}")]
    Driver(String),
}
