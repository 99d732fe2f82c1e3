//! `transfer name address [owner_key] [payment_key]`: check the wallet owns
//! the name, confirm, then queue the transfer with the API daemon
//! (`PUT /v1/names/{name}/owner`; the zone file is kept).

use blockstack_client::api::TransferRequest;
use blockstack_client::safety;
use serde_json::Value as Json;

use super::context::{owned_record, owner_address, rest_json};
use super::keyarg::{key_json, parse_key};
use super::Context;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Transfer {
    /// The fully-qualified name.
    pub name: String,
    /// The new owner.
    pub address: String,
    /// Owner key override.
    pub owner_key: Option<String>,
    /// Payment key override.
    pub payment_key: Option<String>,
}

impl Transfer {
    /// The request this invocation sends, after the checks.
    pub async fn request(&self, ctx: &Context) -> anyhow::Result<TransferRequest> {
        let net = ctx.network();
        let owner_key = self
            .owner_key
            .as_deref()
            .map(|k| parse_key(k, net, "owner key"))
            .transpose()?;
        let payment_key = self
            .payment_key
            .as_deref()
            .map(|k| parse_key(k, net, "payment key"))
            .transpose()?;
        let owner = owner_address(ctx, owner_key.as_ref())?;
        let record = owned_record(ctx, &self.name, &owner).await?;
        let script = blockstack_client::ops::address_script(&self.address, net)?;
        safety::owner_changes(&self.name, &record, &script.to_hex_string(), &self.address)?;
        let owned = ctx.node()?.names_owned_by_address(&self.address).await?;
        safety::can_receive_name(&self.address, owned.len())?;
        Ok(TransferRequest {
            owner: self.address.clone(),
            owner_key: owner_key.as_ref().map(|k| key_json(k, net)),
            payment_key: payment_key.as_ref().map(|k| key_json(k, net)),
        })
    }

    /// The daemon's reply.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let request = self.request(ctx).await?;
        ctx.confirm(&format!(
            "Transfer {} to {}? This cannot be undone.",
            self.name, self.address
        ))?;
        Ok(rest_json(ctx.api()?.transfer(&self.name, &request).await?))
    }
}
