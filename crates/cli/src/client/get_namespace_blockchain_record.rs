//! `get_namespace_blockchain_record namespace_id`.

use anyhow::bail;
use serde_json::Value as Json;

use super::Context;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct GetNamespaceBlockchainRecord {
    /// The namespace ID.
    pub namespace_id: String,
}

impl GetNamespaceBlockchainRecord {
    /// The namespace record (with `ready`).
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        match ctx.node()?.namespace_record(&self.namespace_id).await? {
            Some(record) => Ok(record.raw),
            None => bail!("No such namespace"),
        }
    }
}
