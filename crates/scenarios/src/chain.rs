//! The chain a world runs on, through bitcoind's JSON-RPC: the devnet's embedded chain or a
//! real regtest bitcoind answer the same calls.

use bitcoin::{Block, BlockHash, Transaction, Txid};
use blockstack_node::chain::{BitcoindClient, BitcoindConfig, ChainSource};
use serde_json::json;

use crate::error::WorldError;

/// The burn address on test networks: blocks nobody spends from are mined to it.
pub const BURN_ADDRESS: &str = "mfWxJ45yp2SFn7UciZyNpvDKrzbhyfKrY8";

/// A JSON-RPC client of the chain.
#[derive(Debug)]
pub struct Chain {
    client: BitcoindClient,
}

fn chain_error(what: &str, e: impl std::fmt::Display) -> WorldError {
    WorldError::Chain(format!("{what}: {e}"))
}

impl Chain {
    /// A client for `config`.
    pub fn new(config: BitcoindConfig) -> Result<Self, WorldError> {
        Ok(Self {
            client: BitcoindClient::new(config).map_err(|e| chain_error("client", e))?,
        })
    }

    /// The chain's height.
    pub async fn height(&self) -> Result<u64, WorldError> {
        self.client
            .block_count()
            .await
            .map_err(|e| chain_error("getblockcount", e))
    }

    /// Mines `n` blocks paying `address`; returns their hashes.
    pub async fn mine(&self, n: u64, address: &str) -> Result<Vec<BlockHash>, WorldError> {
        self.client
            .call("generatetoaddress", json!([n, address]))
            .await
            .map_err(|e| chain_error("generatetoaddress", e))
    }

    /// The block at `height`.
    pub async fn block_at(&self, height: u64) -> Result<Block, WorldError> {
        let hash = self
            .client
            .block_hash(height)
            .await
            .map_err(|e| chain_error("getblockhash", e))?;
        self.block(hash).await
    }

    /// The block `hash`.
    pub async fn block(&self, hash: BlockHash) -> Result<Block, WorldError> {
        self.client
            .block(hash)
            .await
            .map_err(|e| chain_error("getblock", e))
    }

    /// Broadcasts `tx`.
    pub async fn broadcast(&self, tx: &Transaction) -> Result<Txid, String> {
        self.client.broadcast(tx).await.map_err(|e| e.to_string())
    }
}
