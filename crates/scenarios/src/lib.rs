//! The scenario suite: the original Blockstack Core v0.18 integration scenarios
//! (`integration-tests.md` §5 inventories them) rewritten as our own scenarios, run on the
//! devnet and, a subset, on a real regtest bitcoind.
//!
//! * [`world`] — one node (run in this process) and its chain per rule [`profile`]: the
//!   devnet's embedded chain or a regtest bitcoind, a bank funded by coinbases, and the coins
//!   of every wallet tracked in a [`utxos`] book.
//! * [`clock`] — scenarios share the world and run concurrently; a block is mined when every
//!   running scenario waits for one, so a scenario's operations between two of its blocks land
//!   in one block.
//! * [`scene`] — what a scenario works with: [`wallets`], [`op`]erations sent with the
//!   expectation that the indexer accepts or drops each (checked in the block it lands in),
//!   and [`expect`]ations about names, namespaces, preorders and owners, checked through the
//!   node RPC the way the original's `check()` inspected its database.
//! * [`catalog`] — every scenario: name, category, profile, what it checks and which
//!   original scenarios it stands for; [`scenarios`] holds their steps.
//! * [`runner`] — runs a profile's scenarios and reports each with its first mismatch, then
//!   checks that the node restarts with the same consensus hashes and that a fresh node
//!   indexing the same chain agrees at every block and replicates every zone file.
//!
//! `tests/devnet.rs` runs every scenario on the devnet, one test per profile;
//! `tests/regtest.rs` runs the scenarios marked for it against a real regtest bitcoind.
//! Set `BNS_SCENARIOS=name[,name…]` to run only scenarios whose names contain one of these.

pub mod catalog;
pub mod chain;
pub mod clock;
pub mod error;
pub mod expect;
pub mod node;
pub mod op;
pub mod profile;
pub mod replication;
pub mod runner;
pub mod scenarios;
pub mod scene;
mod tx;
pub mod utxos;
pub mod wallets;
pub mod world;

pub use error::{Failure, Outcome};
pub use profile::Profile;
pub use scene::Scene;
pub use world::{Backend, World};
