//! `import`: where to send names.

use serde_json::{json, Value as Json};

use super::Context;

/// No arguments.
#[derive(Debug, clap::Args)]
pub struct Import {}

impl Import {
    /// `{address, message}` for the owner address.
    pub fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let info = ctx.public_info()?;
        Ok(json!({
            "address": info.owner_addresses.first(),
            "message": "Send the name you want to receive to the address specified.",
        }))
    }
}
