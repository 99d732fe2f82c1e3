//! The blockstack client library: `client.ini`, the bitcoind wallet
//! backend, the node RPC client, the composer of signed BNS transactions,
//! the pre-flight safety checks and the operations that tie them together.
//!
//! * [`config`] — `client.ini` (cli-wallet.md §d.2): defaults, atomic
//!   load/save, the paths of `wallet.json` and `queues.db`.
//! * [`backend`] — the [`WalletBackend`](backend::WalletBackend) trait
//!   (UTXOs, broadcast, fee rate, confirmations, height) and its bitcoind
//!   implementation.
//! * [`node`] — [`NodeClient`](node::NodeClient), an XML-RPC client of the
//!   core node.
//! * [`compose`] — pure: keys + UTXOs + gathered values → a signed
//!   transaction, for each BNS operation and for plain withdrawals.
//! * [`safety`] — pure: the original's checks before spending, each with a
//!   typed error.
//! * [`estimate`] — pure: the fee table of `price`.
//! * [`api`] — a client of the API daemon's REST write endpoints.
//! * [`zonefiles`] — the default zone file, hashes and parsing.
//! * [`ops`] — async: gather values through the backend and the node, run
//!   the safety checks, compose, and broadcast (or return the transaction
//!   for a dry run).

pub mod api;
pub mod backend;
pub mod compose;
pub mod config;
pub mod estimate;
pub mod node;
pub mod ops;
pub mod safety;
pub mod zonefiles;
