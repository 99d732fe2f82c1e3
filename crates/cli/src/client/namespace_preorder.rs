//! `namespace_preorder namespace_id payment_privkey reveal_privkey`: pay
//! for a namespace, committing to the key that will reveal it.

use anyhow::Context as _;
use bitcoin::Amount;
use blockstack_client::backend::WalletBackend;
use blockstack_client::estimate::{estimate_tx_fee, spender_for_script, PricedOp};
use serde_json::Value as Json;

use super::context::sent_json;
use super::keyarg::parse_key;
use super::Context;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct NamespacePreorder {
    /// The namespace ID.
    pub namespace_id: String,
    /// The key that pays (WIF/hex, `m,n,pk…`, or a bundle's JSON).
    pub payment_privkey: String,
    /// The single key that will reveal the namespace and import names.
    pub reveal_privkey: String,
}

impl NamespacePreorder {
    /// `{status, transaction_hash}`.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let net = ctx.network();
        let payer = parse_key(&self.payment_privkey, net, "payment private key")?;
        let reveal = parse_key(&self.reveal_privkey, net, "reveal private key")?;
        let client = ctx.client()?;
        let (price, _) = client.node.namespace_cost(&self.namespace_id).await?;
        let rate = client.backend.fee_rate().await?;
        let fee = estimate_tx_fee(
            *client.composer.params(),
            PricedOp::NamespacePreorder,
            &payer.spender(),
            &spender_for_script(&reveal.script_pubkey()),
            Amount::from_sat(price),
            rate,
        )
        .context("estimating the fee")?;
        ctx.confirm(&format!(
            "Preorder namespace '{}' for {} satoshis (plus about {} in fees), paid by {}, to be revealed by {}?",
            self.namespace_id,
            price,
            fee.to_sat(),
            client.address(&payer),
            client.address(&reveal),
        ))?;
        let sent = client
            .namespace_preorder(&self.namespace_id, &payer, &reveal.script_pubkey())
            .await
            .context("namespace preorder failed")?;
        Ok(sent_json(&sent))
    }
}
