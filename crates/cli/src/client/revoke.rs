//! `revoke name`: check the wallet owns the name, confirm, then queue the
//! revocation with the API daemon (`DELETE /v1/names/{name}`).

use serde_json::Value as Json;

use super::context::{owned_record, owner_address, rest_json};
use super::Context;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Revoke {
    /// The fully-qualified name.
    pub name: String,
}

impl Revoke {
    /// The daemon's reply.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let owner = owner_address(ctx, None)?;
        owned_record(ctx, &self.name, &owner).await?;
        ctx.confirm(&format!(
            "Revoke {}? It cannot be used again until it expires. This cannot be undone.",
            self.name
        ))?;
        Ok(rest_json(ctx.api()?.revoke(&self.name).await?))
    }
}
