//! An embedded development Bitcoin chain speaking a subset of bitcoind JSON-RPC.
//!
//! [`DevChain`] is a real, validating regtest chain in one process: blocks
//! with proper headers and proof of work, a UTXO set, a mempool that checks
//! transactions the way bitcoind's `sendrawtransaction` does (inputs, values,
//! coinbase maturity, scripts and legacy signatures, standardness, dust), a
//! miner, and an append-only block file so a restart keeps the chain.
//! [`rpc::serve`] puts it behind bitcoind-compatible JSON-RPC over HTTP, so a
//! node or wallet written against bitcoind can run against it unchanged.
//!
//! ```
//! use blockstack_devchain::DevChain;
//! use bitcoin::{Amount, ScriptBuf, PubkeyHash, hashes::Hash};
//!
//! let chain = DevChain::in_memory();
//! let script = ScriptBuf::new_p2pkh(&PubkeyHash::all_zeros());
//! let funded = chain.fund(&script, Amount::from_sat(100_000)).expect("fund");
//! assert_eq!(chain.utxo(&funded, true).map(|u| u.output.value), Some(Amount::from_sat(100_000)));
//! ```

mod chain;
mod devchain;
mod mempool;
mod miner;
pub mod params;
mod reject;
pub mod rpc;
mod script;
mod standard;
mod store;
mod validate;

#[cfg(test)]
mod test_support;

pub use chain::{Coin, ConnectError};
pub use devchain::{parse_address, BlockInfo, Config, DevChain, DevChainError, Tip, TxInfo, Utxo};
pub use miner::faucet_script;
pub use reject::{
    RejectReason, RPC_TRANSACTION_ERROR, RPC_VERIFY_ALREADY_IN_CHAIN, RPC_VERIFY_REJECTED,
};
pub use script::ScriptError;
pub use standard::{classify, dust_threshold, OutputType};
pub use store::{StoreError, TailRepair, BLOCK_FILE, FORMAT_VERSION};
