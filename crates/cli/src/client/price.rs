//! `price name_or_namespace [recipient] [operations] [use_single_sig]`: the
//! price of a name or namespace and the estimated fees of the transactions
//! that buy it (the original's `get_price_and_fees`). Only the wallet's
//! public addresses are needed, not its password.

use std::str::FromStr;

use anyhow::{bail, Context as _};
use bitcoin::hashes::Hash;
use bitcoin::{Amount, PubkeyHash, ScriptBuf};
use blockstack_client::backend::WalletBackend;
use blockstack_client::estimate::{estimate_tx_fee, spender_for_script, PricedOp};
use blockstack_consensus::name::{is_name_valid, is_namespace_valid};
use serde_json::{json, Value as Json};

use super::output::amount;
use super::Context;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Price {
    /// A fully-qualified name or a namespace ID.
    pub name_or_namespace: String,
    /// The final owner, if not this wallet (adds a transfer).
    pub recipient: Option<String>,
    /// Comma-separated operations to price (default: preorder,register[,transfer]).
    pub operations: Option<String>,
    /// `T` or `1` to price with single-key addresses.
    pub use_single_sig: Option<String>,
}

impl Price {
    /// The operations to price.
    pub fn operations(&self) -> anyhow::Result<Vec<PricedOp>> {
        match &self.operations {
            Some(csv) => csv
                .split(',')
                .map(|s| PricedOp::from_str(s).map_err(anyhow::Error::msg))
                .collect(),
            None if is_name_valid(&self.name_or_namespace) => {
                let mut ops = vec![PricedOp::Preorder, PricedOp::Register];
                if self.recipient.is_some() {
                    ops.push(PricedOp::Transfer);
                }
                Ok(ops)
            }
            None => Ok(vec![
                PricedOp::NamespacePreorder,
                PricedOp::NamespaceReveal,
                PricedOp::NamespaceReady,
            ]),
        }
    }

    /// The fee table.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let ops = self.operations()?;
        let id = self.name_or_namespace.as_str();
        let is_name = is_name_valid(id);
        if !is_name && !is_namespace_valid(id) {
            bail!("Neither a valid name or namespace: {id:?}");
        }
        if is_name && ops.iter().any(|o| o.as_str().starts_with("namespace_")) {
            bail!("Cannot mix name and namespace operations");
        }
        let single = matches!(self.use_single_sig.as_deref(), Some("1" | "T"));
        let single_script = || ScriptBuf::new_p2pkh(&PubkeyHash::from_byte_array([0x11; 20]));
        let (payer, owner) = if single {
            (single_script(), single_script())
        } else {
            let info = ctx.public_info()?;
            let script = |addrs: &[String]| -> anyhow::Result<ScriptBuf> {
                let a = addrs.first().context("the wallet has no address")?;
                Ok(blockstack_client::ops::address_script(a, ctx.network())?)
            };
            (
                script(&info.payment_addresses)?,
                script(&info.owner_addresses)?,
            )
        };
        let client = ctx.client()?;
        let price = if is_name {
            client.node.name_cost(id).await?
        } else {
            client.node.namespace_cost(id).await?.0
        };
        let rate = client.backend.fee_rate().await?;
        let mut out = serde_json::Map::new();
        let mut fees = 0u64;
        for op in &ops {
            let fee = estimate_tx_fee(
                *client.composer.params(),
                *op,
                &spender_for_script(&payer),
                &spender_for_script(&owner),
                Amount::from_sat(price),
                rate,
            )
            .with_context(|| format!("estimating the {} fee", op.as_str()))?;
            fees += fee.to_sat();
            out.insert(format!("{}_tx_fee", op.as_str()), amount(fee.to_sat()));
        }
        let pays = ops.iter().any(|o| o.pays_price());
        let price_key = if is_name {
            "name_price"
        } else {
            "namespace_price"
        };
        out.insert(price_key.into(), amount(price));
        out.insert("total_tx_fees".into(), amount(fees));
        out.insert(
            "total_estimated_cost".into(),
            amount(fees + if pays { price } else { 0 }),
        );
        out.insert(
            "fee_rate_satoshis_per_byte".into(),
            json!(rate.to_sat_per_vb_ceil()),
        );
        Ok(Json::Object(out))
    }
}
