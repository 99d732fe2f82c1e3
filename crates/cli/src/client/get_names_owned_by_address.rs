//! `get_names_owned_by_address address`.

use serde_json::Value as Json;

use super::Context;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct GetNamesOwnedByAddress {
    /// The address.
    pub address: String,
}

impl GetNamesOwnedByAddress {
    /// The list of names.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let names = ctx.node()?.names_owned_by_address(&self.address).await?;
        Ok(serde_json::to_value(names)?)
    }
}
