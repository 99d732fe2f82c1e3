//! `withdraw address [amount] [message] [min_confs] [tx_only] [payment_key]`:
//! send bitcoins from the payment address; no amount sends everything.

use anyhow::Context as _;
use bitcoin::Amount;
use serde_json::Value as Json;

use super::context::sent_json;
use super::keyarg::parse_key;
use super::Context;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Withdraw {
    /// The recipient.
    pub address: String,
    /// Satoshis to send (default: everything).
    pub amount: Option<u64>,
    /// An OP_RETURN message of at most 40 bytes.
    pub message: Option<String>,
    /// Spend only UTXOs with this many confirmations (default: client.ini's).
    pub min_confs: Option<u32>,
    /// `True` to print the signed transaction instead of sending it.
    pub tx_only: Option<String>,
    /// Pay from this key instead of the wallet's payment key.
    pub payment_key: Option<String>,
}

impl Withdraw {
    /// `{status, transaction_hash}` (or `{status, tx}`).
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let payer = match &self.payment_key {
            Some(text) => parse_key(text, ctx.network(), "payment key")?,
            None => ctx.wallet()?.keys.payment,
        };
        let mut client = ctx.client()?;
        if matches!(self.tx_only.as_deref(), Some("True" | "true" | "1")) {
            client.dry_run = true;
        }
        let amount = self.amount.map(Amount::from_sat);
        let min_confs = self
            .min_confs
            .unwrap_or(ctx.config.client.min_confirmations);
        let sent = client
            .withdraw(
                &payer,
                &self.address,
                amount,
                self.message.as_deref().map(str::as_bytes),
                min_confs,
            )
            .await
            .context("withdraw failed")?;
        Ok(sent_json(&sent))
    }
}
