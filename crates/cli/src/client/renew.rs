//! `renew name [owner_key] [payment_key] [recipient_address] [zonefile]`:
//! check the wallet owns the name and price the renewal, then queue it with
//! the API daemon (`POST /v1/names` on an owned name renews it).

use anyhow::Context as _;
use blockstack_client::api::RegisterRequest;
use serde_json::Value as Json;

use super::context::{owned_record, owner_address, rest_json};
use super::keyarg::{key_json, parse_key};
use super::Context;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Renew {
    /// The fully-qualified name.
    pub name: String,
    /// Owner key override.
    pub owner_key: Option<String>,
    /// Payment key override.
    pub payment_key: Option<String>,
    /// Give the name to this address in the renewal.
    pub recipient_address: Option<String>,
    /// Set this zone file in the renewal.
    pub zonefile: Option<std::path::PathBuf>,
}

impl Renew {
    /// The request this invocation sends, after the checks.
    pub async fn request(&self, ctx: &Context) -> anyhow::Result<RegisterRequest> {
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
        owned_record(ctx, &self.name, &owner).await?;
        if let Some(r) = &self.recipient_address {
            blockstack_client::ops::address_script(r, net)?;
        }
        let zonefile = match &self.zonefile {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?,
            ),
            None => None,
        };
        let price = ctx.node()?.name_cost(&self.name).await?;
        Ok(RegisterRequest {
            name: self.name.clone(),
            zonefile,
            owner_address: self.recipient_address.clone(),
            cost_satoshis: Some(price),
            owner_key: owner_key.as_ref().map(|k| key_json(k, net)),
            payment_key: payment_key.as_ref().map(|k| key_json(k, net)),
            ..RegisterRequest::default()
        })
    }

    /// The daemon's reply.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let mut request = self.request(ctx).await?;
        ctx.confirm(&format!(
            "Renewing {} will cost {} satoshis plus transaction fees. Continue?",
            request.name,
            request.cost_satoshis.unwrap_or(0)
        ))?;
        // The renewal route accepts only name, keys, owner_address, zonefile and min_confs.
        request.cost_satoshis = None;
        Ok(rest_json(ctx.api()?.register(&request).await?))
    }
}
