//! `set_zonefile_hash name zonefile_hash [owner_key] [payment_key]`: a
//! NAME_UPDATE with a raw hash, sent directly (not through the API daemon).

use anyhow::Context as _;
use serde_json::{json, Value as Json};

use super::context::sent_json;
use super::keyarg::parse_key;
use super::Context;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct SetZonefileHash {
    /// The fully-qualified name.
    pub name: String,
    /// 40 hex digits.
    pub zonefile_hash: String,
    /// The owner's key (default: the wallet's).
    pub owner_key: Option<String>,
    /// The paying key (default: the wallet's).
    pub payment_key: Option<String>,
}

impl SetZonefileHash {
    /// `{status, transaction_hash, value_hash}`.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let hash: [u8; 20] = hex::decode(self.zonefile_hash.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .context("Invalid zone file hash: expected 40 hex digits")?;
        let net = ctx.network();
        let (owner, payer) = match (&self.owner_key, &self.payment_key) {
            (Some(o), Some(p)) => (
                parse_key(o, net, "owner key")?,
                parse_key(p, net, "payment key")?,
            ),
            _ => {
                let wallet = ctx.wallet()?;
                let owner = match &self.owner_key {
                    Some(o) => parse_key(o, net, "owner key")?,
                    None => wallet.keys.owner,
                };
                let payer = match &self.payment_key {
                    Some(p) => parse_key(p, net, "payment key")?,
                    None => wallet.keys.payment,
                };
                (owner, payer)
            }
        };
        let client = ctx.client()?;
        let sent = client
            .name_update(&self.name, &owner, &payer, hash)
            .await
            .context("set_zonefile_hash failed")?;
        let mut out = sent_json(&sent);
        out["value_hash"] = json!(hex::encode(hash));
        Ok(out)
    }
}
