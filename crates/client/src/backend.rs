//! The wallet's view of Bitcoin: UTXOs, broadcast, fee rate, confirmations
//! and height, behind the [`WalletBackend`] trait so that tests and the
//! registrar can substitute a fake.
//!
//! [`BitcoindBackend`] implements it over bitcoind JSON-RPC (the original's
//! `bitcoind_utxo` provider, cli-wallet.md §c.5–§c.6), reusing the node's
//! [`BitcoindClient`]: UTXOs come from `scantxoutset` where the node has it,
//! else from `listunspent` after `importaddress`.

use std::future::Future;

use bitcoin::{Address, Amount, FeeRate, OutPoint, ScriptBuf, Transaction, Txid};
use blockstack_node::chain::{BitcoindClient, BitcoindConfig, ChainError, ChainSource, RpcAuth};
use serde::Deserialize;
use serde_json::json;

use crate::config::BitcoindEndpoint;

/// The fee rate the original falls back to on test chains without an
/// estimate: 5500 sat/kB, about 5 sat/B (cli-wallet.md §c.5).
pub const TEST_FALLBACK_FEE_PER_KB: u64 = 5500;
/// The confirmation target of the fee estimate.
pub const FEE_ESTIMATE_TARGET: u32 = 2;

/// An unspent output of one of the wallet's addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UtxoInfo {
    /// Where it is.
    pub outpoint: OutPoint,
    /// Its value.
    pub value: Amount,
    /// The script it pays.
    pub script_pubkey: ScriptBuf,
    /// Confirmations; 0 while in the mempool.
    pub confirmations: u32,
}

impl UtxoInfo {
    /// The builder's view of it.
    pub fn to_wallet_utxo(&self) -> blockstack_wallet::Utxo {
        blockstack_wallet::Utxo {
            outpoint: self.outpoint,
            value: self.value,
        }
    }
}

/// Why the backend could not answer.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// bitcoind refused the transaction (RPC codes -25, -26, -27 …).
    #[error("transaction {txid} rejected by bitcoind: {message} (RPC error {code})")]
    Rejected {
        /// The rejected transaction.
        txid: Txid,
        /// bitcoind's code.
        code: i64,
        /// bitcoind's reason.
        message: String,
    },
    /// bitcoind has no fee estimate, and this is not a test chain.
    #[error("unable to get fee estimate from bitcoind")]
    NoFeeEstimate,
    /// Any other failure to talk to bitcoind.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// A fake or a non-bitcoind backend's own failure.
    #[error("{0}")]
    Other(String),
}

/// What the wallet needs from the chain. Futures are `Send` so callers can
/// spawn them; take the backend as a generic (`B: WalletBackend`).
pub trait WalletBackend: Send + Sync {
    /// Unspent outputs paying `address` with at least `min_confs`
    /// confirmations, largest first.
    fn utxos(
        &self,
        address: &Address,
        min_confs: u32,
    ) -> impl Future<Output = Result<Vec<UtxoInfo>, BackendError>> + Send;

    /// Sends a signed transaction; returns its txid.
    fn broadcast(
        &self,
        tx: &Transaction,
    ) -> impl Future<Output = Result<Txid, BackendError>> + Send;

    /// The fee rate to pay now.
    fn fee_rate(&self) -> impl Future<Output = Result<FeeRate, BackendError>> + Send;

    /// Confirmations of `txid`; 0 if unconfirmed or unknown.
    fn confirmations(&self, txid: Txid) -> impl Future<Output = Result<u32, BackendError>> + Send;

    /// Height of the chain tip.
    fn block_height(&self) -> impl Future<Output = Result<u64, BackendError>> + Send;
}

/// Σ of the values of `utxos`.
pub fn balance(utxos: &[UtxoInfo]) -> Amount {
    utxos.iter().map(|u| u.value).sum()
}

/// `estimatesmartfee`'s BTC/kB turned into sat/B as the original does
/// (`round(fee · 10^8 / 1024)`), at least 1 sat/B.
pub fn fee_rate_from_btc_per_kb(btc_per_kb: f64) -> Option<FeeRate> {
    if !btc_per_kb.is_finite() || btc_per_kb < 0.0 {
        return None;
    }
    let sat_per_byte = (btc_per_kb * 100_000_000.0 / 1024.0).round();
    if sat_per_byte > 1e9 {
        return None;
    }
    // In range: checked above.
    let sat_per_byte = (sat_per_byte as u64).max(1);
    FeeRate::from_sat_per_vb(sat_per_byte)
}

/// The original's test-chain fallback rate.
pub fn fallback_fee_rate() -> FeeRate {
    // 5500 sat/kB = 0.000055 BTC/kB, which converts in range.
    fee_rate_from_btc_per_kb(TEST_FALLBACK_FEE_PER_KB as f64 / 100_000_000.0)
        .unwrap_or(FeeRate::from_sat_per_vb_u32(5))
}

/// [`WalletBackend`] over bitcoind JSON-RPC.
#[derive(Debug)]
pub struct BitcoindBackend {
    client: BitcoindClient,
    test_chain: bool,
}

impl BitcoindBackend {
    /// A backend over `client`. On a `test_chain`, a missing fee estimate
    /// falls back to [`TEST_FALLBACK_FEE_PER_KB`].
    pub fn new(client: BitcoindClient, test_chain: bool) -> Self {
        Self { client, test_chain }
    }

    /// A backend for a configured endpoint.
    pub fn connect(endpoint: &BitcoindEndpoint, test_chain: bool) -> Result<Self, BackendError> {
        let mut config = BitcoindConfig::new(
            endpoint.url(),
            RpcAuth::UserPass {
                user: endpoint.user.clone(),
                password: endpoint.password.clone(),
            },
        );
        config.timeout = endpoint.timeout;
        config.retry.max_elapsed = std::time::Duration::from_secs(10);
        Ok(Self::new(BitcoindClient::new(config)?, test_chain))
    }

    /// The JSON-RPC client.
    pub fn client(&self) -> &BitcoindClient {
        &self.client
    }
}

impl WalletBackend for BitcoindBackend {
    async fn utxos(
        &self,
        address: &Address,
        min_confs: u32,
    ) -> Result<Vec<UtxoInfo>, BackendError> {
        let mut utxos: Vec<UtxoInfo> = self
            .client
            .utxos(address)
            .await?
            .into_iter()
            .filter(|u| u.confirmations >= min_confs)
            .map(|u| UtxoInfo {
                outpoint: u.outpoint,
                value: u.txout.value,
                script_pubkey: u.txout.script_pubkey,
                confirmations: u.confirmations,
            })
            .collect();
        utxos.sort_by(|a, b| b.value.cmp(&a.value).then(a.outpoint.cmp(&b.outpoint)));
        Ok(utxos)
    }

    async fn broadcast(&self, tx: &Transaction) -> Result<Txid, BackendError> {
        match self.client.broadcast(tx).await {
            Ok(txid) => Ok(txid),
            Err(ChainError::Rpc { code, message, .. }) => Err(BackendError::Rejected {
                txid: tx.compute_txid(),
                code,
                message,
            }),
            Err(e) => Err(e.into()),
        }
    }

    async fn fee_rate(&self) -> Result<FeeRate, BackendError> {
        #[derive(Deserialize)]
        struct Estimate {
            feerate: Option<f64>,
        }
        let estimate = match self
            .client
            .call::<Estimate>("estimatesmartfee", json!([FEE_ESTIMATE_TARGET]))
            .await
        {
            Ok(e) => e.feerate.and_then(fee_rate_from_btc_per_kb),
            Err(ChainError::Rpc { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        match estimate {
            Some(rate) => Ok(rate),
            None if self.test_chain => Ok(fallback_fee_rate()),
            None => Err(BackendError::NoFeeEstimate),
        }
    }

    async fn confirmations(&self, txid: Txid) -> Result<u32, BackendError> {
        #[derive(Deserialize)]
        struct Verbose {
            confirmations: Option<u32>,
        }
        match self
            .client
            .call::<Verbose>("getrawtransaction", json!([txid, 1]))
            .await
        {
            Ok(v) => Ok(v.confirmations.unwrap_or(0)),
            Err(e) if e.is_not_found() => Ok(0),
            Err(e) => Err(e.into()),
        }
    }

    async fn block_height(&self) -> Result<u64, BackendError> {
        Ok(self.client.block_count().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fee_estimates_convert_like_the_original() {
        // 0.0001 BTC/kB = 10000 sat/kB → round(9.77) = 10 sat/B.
        assert_eq!(
            fee_rate_from_btc_per_kb(0.0001),
            FeeRate::from_sat_per_vb(10)
        );
        // Tiny estimates still pay 1 sat/B.
        assert_eq!(
            fee_rate_from_btc_per_kb(0.000001),
            FeeRate::from_sat_per_vb(1)
        );
        assert_eq!(fee_rate_from_btc_per_kb(-1.0), None);
        assert_eq!(fee_rate_from_btc_per_kb(f64::NAN), None);
        assert_eq!(fallback_fee_rate(), FeeRate::from_sat_per_vb_u32(5));
    }

    #[test]
    fn balance_sums_values() {
        let u = |sats| UtxoInfo {
            outpoint: OutPoint::null(),
            value: Amount::from_sat(sats),
            script_pubkey: ScriptBuf::new(),
            confirmations: 1,
        };
        assert_eq!(balance(&[u(5), u(7)]), Amount::from_sat(12));
        assert_eq!(balance(&[]), Amount::ZERO);
    }
}
