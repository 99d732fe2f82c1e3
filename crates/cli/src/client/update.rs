//! `update name [data] [nonstandard] [owner_key] [payment_key]`: check the
//! wallet owns the name and the zone file is new (and valid, unless
//! nonstandard), then queue the update with the API daemon
//! (`PUT /v1/names/{name}/zonefile`).

use anyhow::{bail, Context as _};
use blockstack_client::api::UpdateRequest;
use blockstack_client::safety;
use blockstack_client::zonefiles;
use serde_json::Value as Json;

use super::context::{owned_record, owner_address, rest_json};
use super::keyarg::{key_json, parse_key};
use super::Context;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Update {
    /// The fully-qualified name.
    pub name: String,
    /// A zone file's path, or its text (required).
    pub data: Option<String>,
    /// `True` to accept a zone file that does not parse.
    pub nonstandard: Option<String>,
    /// Owner key override.
    pub owner_key: Option<String>,
    /// Payment key override.
    pub payment_key: Option<String>,
}

impl Update {
    /// The request this invocation sends, after the checks.
    pub async fn request(&self, ctx: &Context) -> anyhow::Result<UpdateRequest> {
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
        let text = match &self.data {
            Some(d) if std::path::Path::new(d).is_file() => {
                std::fs::read_to_string(d).with_context(|| format!("reading {d}"))?
            }
            Some(d) => d.clone(),
            // v0.18 opens a zone file editor here when it runs interactively; without one, a
            // generated zone file would silently replace the name's records.
            None => bail!("Zone file data required in non-interactive mode"),
        };
        zonefiles::check_queued(text.as_bytes())?;
        let nonstandard = matches!(self.nonstandard.as_deref(), Some("True" | "true" | "1"));
        if !nonstandard {
            if let Err(e) = zonefiles::to_json(text.as_bytes()) {
                bail!("{e}; pass nonstandard=True to send it anyway");
            }
        }
        safety::zonefile_changes(&record, &zonefiles::hash(text.as_bytes()))?;
        Ok(UpdateRequest {
            zonefile: Some(text),
            zonefile_hash: None,
            owner_key: owner_key.as_ref().map(|k| key_json(k, net)),
            payment_key: payment_key.as_ref().map(|k| key_json(k, net)),
        })
    }

    /// The daemon's reply: `{success, zonefile_hash, transaction_hash, message}`.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let request = self.request(ctx).await?;
        Ok(rest_json(ctx.api()?.update(&self.name, &request).await?))
    }
}
