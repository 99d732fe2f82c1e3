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
//! * [`normalize`] maps both sides' records to one shape (each mapping is documented there).
//! * [`harness`] runs a [`harness::Scenario`] and compares consensus hashes, accepted
//!   operations and the records of every touched name and namespace, reporting each
//!   divergence with both values.
//! * [`scenario`] holds the fixed quick-tier chain; [`random`] the seeded generator and the
//!   shrinker for the long tier.

pub mod bitcoind;
pub mod driver;
pub mod harness;
pub mod normalize;
pub mod ops;
pub mod ours;
pub mod random;
pub mod reference;
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
