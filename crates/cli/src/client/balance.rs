//! `balance [min_confs]`: the payment address's balance.

use std::str::FromStr;

use anyhow::Context as _;
use bitcoin::Address;
use blockstack_client::backend::{balance, WalletBackend};
use serde_json::{json, Value as Json};

use super::Context;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Balance {
    /// Count only UTXOs with this many confirmations (default: client.ini's).
    pub min_confs: Option<u32>,
}

impl Balance {
    /// `{total_balance: {satoshis, bitcoin}, addresses: [{address, satoshis, bitcoin}]}`.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let info = ctx.public_info()?;
        let backend = ctx.backend()?;
        let min_confs = self
            .min_confs
            .unwrap_or(ctx.config.client.min_confirmations);
        let mut total = 0u64;
        let mut addresses = Vec::new();
        for address in &info.payment_addresses {
            let parsed = Address::from_str(address)
                .with_context(|| format!("wallet address {address}"))?
                .assume_checked();
            let sats = balance(&backend.utxos(&parsed, min_confs).await?).to_sat();
            total += sats;
            addresses.push(json!({
                "address": address,
                "satoshis": sats,
                "bitcoin": sats as f64 / 1e8,
            }));
        }
        Ok(json!({
            "total_balance": {"satoshis": total, "bitcoin": total as f64 / 1e8},
            "addresses": addresses,
        }))
    }
}
