//! `lookup name [force]`: a name's zone file and the data public key it
//! names. Revoked and expired names are refused unless forced.

use anyhow::bail;
use blockstack_client::zonefiles;
use serde_json::{json, Value as Json};

use super::get_name_zonefile::fetch;
use super::Context;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Lookup {
    /// The fully-qualified name.
    pub name: String,
    /// Look up revoked or expired names too.
    #[arg(long)]
    pub force: bool,
}

impl Lookup {
    /// `{zonefile, public_key, profile}`; the profile is not fetched from
    /// storage here, so it is `null`.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let Some(record) = ctx.node()?.name_record(&self.name).await? else {
            bail!("Not found.");
        };
        if !self.force && record.revoked {
            bail!("Name is revoked. Use get_name_blockchain_record for details.");
        }
        if !self.force && record.expired {
            bail!("Name is expired. Use get_name_blockchain_record for details.");
        }
        let (_, bytes) = fetch(ctx, &self.name).await?;
        Ok(json!({
            "zonefile": String::from_utf8_lossy(&bytes),
            "public_key": zonefiles::public_key(&bytes),
            "profile": null,
        }))
    }
}
