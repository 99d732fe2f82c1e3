//! `register name [zonefile] [recipient] [min_confs] [unsafe_reg]
//! [owner_key] [payment_key]`: check that the name can be had, then queue
//! it with the API daemon's registrar (`POST /v1/names`).

use anyhow::{bail, Context as _};
use blockstack_client::api::RegisterRequest;
use blockstack_client::safety;
use blockstack_client::zonefiles;
use serde_json::Value as Json;

use super::context::{default_zonefile, rest_json};
use super::keyarg::{key_json, parse_key};
use super::Context;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Register {
    /// The fully-qualified name.
    pub name: String,
    /// A zone file to use instead of the generated one.
    pub zonefile: Option<std::path::PathBuf>,
    /// Transfer the name here once registered.
    pub recipient: Option<String>,
    /// Confirmations payment UTXOs need.
    pub min_confs: Option<u32>,
    /// `True` for fewer confirmations between steps.
    pub unsafe_reg: Option<String>,
    /// Owner key override.
    pub owner_key: Option<String>,
    /// Payment key override.
    pub payment_key: Option<String>,
}

impl Register {
    /// The request this invocation sends, after the node's checks.
    pub async fn request(&self, ctx: &Context) -> anyhow::Result<RegisterRequest> {
        let name = self.name.as_str();
        if !blockstack_consensus::name::is_name_valid(name) {
            return Err(safety::SafetyError::InvalidName(name.to_owned()).into());
        }
        let net = ctx.network();
        let node = ctx.node()?;
        let record = node.name_record(name).await?;
        safety::name_available(name, record.as_ref())?;
        let namespace = blockstack_consensus::name::namespace_of(name);
        let ns = node.namespace_record(namespace).await?;
        safety::namespace_ready(namespace, ns.as_ref())?;
        let price = node.name_cost(name).await?;
        if let Some(r) = &self.recipient {
            blockstack_client::ops::address_script(r, net)?;
            let owned = node.names_owned_by_address(r).await?;
            safety::can_receive_name(r, owned.len())?;
        }
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
        let (zonefile, generated) = match &self.zonefile {
            Some(path) => {
                let bytes =
                    std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
                zonefiles::check_queued(&bytes)?;
                let text = String::from_utf8(bytes).context("the zone file is not UTF-8 text")?;
                (text, false)
            }
            None => (default_zonefile(ctx, name)?, true),
        };
        let unsafe_reg = match self.unsafe_reg.as_deref() {
            None => None,
            Some("True" | "true" | "1") => Some(true),
            Some("False" | "false" | "0") => Some(false),
            Some(other) => bail!("unsafe_reg must be True or False, not {other:?}"),
        };
        Ok(RegisterRequest {
            name: name.to_owned(),
            zonefile: Some(zonefile),
            owner_address: self.recipient.clone(),
            min_confs: self.min_confs,
            cost_satoshis: Some(price),
            make_profile: (generated && self.recipient.is_none()).then_some(true),
            unsafe_reg,
            owner_key: owner_key.as_ref().map(|k| key_json(k, net)),
            payment_key: payment_key.as_ref().map(|k| key_json(k, net)),
        })
    }

    /// The daemon's reply: `{success, transaction_hash, message}`.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let request = self.request(ctx).await?;
        ctx.confirm(&format!(
            "Registering {} will cost {} satoshis plus transaction fees, and takes about 48 confirmations. Continue?",
            request.name,
            request.cost_satoshis.unwrap_or(0)
        ))?;
        let reply = ctx.api()?.register(&request).await?;
        Ok(rest_json(reply))
    }
}
