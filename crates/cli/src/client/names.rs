//! `names`: the names the wallet's owner address holds.

use serde_json::{json, Value as Json};

use super::Context;

/// No arguments.
#[derive(Debug, clap::Args)]
pub struct Names {}

impl Names {
    /// `{names_owned, addresses: [{address, names_owned}]}`.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let info = ctx.public_info()?;
        let node = ctx.node()?;
        let mut all = Vec::new();
        let mut addresses = Vec::new();
        for address in &info.owner_addresses {
            let names = node.names_owned_by_address(address).await?;
            all.extend(names.iter().cloned());
            addresses.push(json!({"address": address, "names_owned": names}));
        }
        Ok(json!({"names_owned": all, "addresses": addresses}))
    }
}
