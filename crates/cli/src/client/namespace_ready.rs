//! `namespace_ready namespace_id reveal_privkey`: launch a revealed namespace.

use anyhow::Context as _;
use serde_json::Value as Json;

use super::context::sent_json;
use super::keyarg::parse_key;
use super::Context;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct NamespaceReady {
    /// The namespace ID.
    pub namespace_id: String,
    /// The revealer's single key; it pays the transaction.
    pub reveal_privkey: String,
}

impl NamespaceReady {
    /// `{status, transaction_hash}`.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let reveal = parse_key(&self.reveal_privkey, ctx.network(), "reveal private key")?;
        let client = ctx.client()?;
        ctx.confirm(&format!(
            "Launch namespace '{}'? Anyone will be able to register names in it. THIS CANNOT BE UNDONE.",
            self.namespace_id
        ))?;
        let sent = client
            .namespace_ready(&self.namespace_id, &reveal)
            .await
            .context("namespace ready failed")?;
        Ok(sent_json(&sent))
    }
}
