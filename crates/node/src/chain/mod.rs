//! The node's view of the Bitcoin chain.
//!
//! Everything the indexer and the wallet need from bitcoind goes through the
//! [`ChainSource`] trait, so the indexer can run against a real node
//! ([`BitcoindClient`]) or the embedded development chain with no code
//! change. Blocks and transactions always travel as raw consensus bytes and
//! are parsed here with `rust-bitcoin`: the verbose JSON forms differ between
//! bitcoind implementations (`nTx` vs `num_tx`, `address` vs `addresses`),
//! the raw bytes do not.

mod error;
mod rpc;
mod source;

use std::future::Future;

use bitcoin::{Address, Block, BlockHash, OutPoint, Transaction, TxOut, Txid};

pub use error::ChainError;
pub use rpc::{BitcoindClient, BitcoindConfig, BlockTransport, RetryPolicy, RpcAuth};

/// What `getblockchaininfo` says about the node's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainInfo {
    /// `main`, `test` or `regtest`.
    pub chain: String,
    /// Height of the best validated block.
    pub blocks: u64,
    /// Height of the best known header, when the node reports it.
    pub headers: Option<u64>,
    /// Hash of the best validated block.
    pub best_block_hash: BlockHash,
}

/// An unspent output that pays an address, for the wallet's coin selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utxo {
    /// Where the output is.
    pub outpoint: OutPoint,
    /// Its value and script.
    pub txout: TxOut,
    /// Confirmations; 0 for an output still in the mempool.
    pub confirmations: u32,
}

/// A source of chain data: bitcoind, or a stand-in for it in tests.
///
/// Every method may wait and retry while the backend is starting up, but
/// returns a typed [`ChainError`] eventually. The methods return `Send`
/// futures so callers can spawn them; take the source as a generic
/// (`C: ChainSource`) rather than `dyn ChainSource`, which these
/// `impl Future` returns do not allow.
pub trait ChainSource: Send + Sync {
    /// Height of the chain tip (`getblockcount`).
    fn block_count(&self) -> impl Future<Output = Result<u64, ChainError>> + Send;

    /// Hash of the block at `height` on the best chain (`getblockhash`).
    fn block_hash(&self, height: u64)
        -> impl Future<Output = Result<BlockHash, ChainError>> + Send;

    /// The block with this hash, parsed from its raw bytes.
    fn block(&self, hash: BlockHash) -> impl Future<Output = Result<Block, ChainError>> + Send;

    /// A transaction by txid, confirmed or in the mempool. The indexer needs
    /// this only for the previous outputs of BNS transactions' inputs.
    fn transaction(
        &self,
        txid: Txid,
    ) -> impl Future<Output = Result<Transaction, ChainError>> + Send;

    /// The outputs spent by `outpoints`, in the same order, fetched with as
    /// few round trips as the backend allows.
    fn prevouts(
        &self,
        outpoints: &[OutPoint],
    ) -> impl Future<Output = Result<Vec<TxOut>, ChainError>> + Send;

    /// Hands a signed transaction to the node for relay and returns its txid.
    /// A transaction the node already has counts as success.
    fn broadcast(&self, tx: &Transaction) -> impl Future<Output = Result<Txid, ChainError>> + Send;

    /// The node's chain name and tip (`getblockchaininfo`).
    fn chain_info(&self) -> impl Future<Output = Result<ChainInfo, ChainError>> + Send;

    /// Unspent outputs paying `address`, including unconfirmed ones where the
    /// backend can see them.
    fn utxos(
        &self,
        address: &Address,
    ) -> impl Future<Output = Result<Vec<Utxo>, ChainError>> + Send;
}
