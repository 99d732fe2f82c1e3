//! `get_name_blockchain_record name`: the node's raw record, with history.

use anyhow::bail;
use serde_json::Value as Json;

use super::Context;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct GetNameBlockchainRecord {
    /// The fully-qualified name.
    pub name: String,
}

impl GetNameBlockchainRecord {
    /// The record.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        match ctx.node()?.name_blockchain_record(&self.name).await? {
            Some(record) => Ok(record),
            None => bail!("Not found."),
        }
    }
}
