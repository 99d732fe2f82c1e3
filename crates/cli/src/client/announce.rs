//! `announce message [sender_privkey]`: publish the hash of a message,
//! sent by an announcer name's owner (the wallet's owner key by default)
//! and paid by that key.

use anyhow::Context as _;
use blockstack_client::zonefiles;
use serde_json::{json, Value as Json};

use super::context::sent_json;
use super::keyarg::parse_key;
use super::Context;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Announce {
    /// The message text.
    pub message: String,
    /// The sender's key (default: the wallet's owner key).
    pub sender_privkey: Option<String>,
}

impl Announce {
    /// `{status, transaction_hash, message_hash}`.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let sender = match &self.sender_privkey {
            Some(text) => parse_key(text, ctx.network(), "sender private key")?,
            None => ctx.wallet()?.keys.owner,
        };
        let hash = zonefiles::hash_bytes(self.message.as_bytes());
        let client = ctx.client()?;
        let sent = client
            .announce(hash, &sender)
            .await
            .context("announce failed")?;
        let mut out = sent_json(&sent);
        out["message_hash"] = json!(hex::encode(hash));
        Ok(out)
    }
}
