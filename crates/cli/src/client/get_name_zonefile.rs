//! `get_name_zonefile name [--json]`: the zone file of a name, as text (the
//! original's `raw` pragma) or parsed.

use anyhow::{bail, Context as _};
use blockstack_client::zonefiles;

use super::{Context, Output};

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct GetNameZonefile {
    /// The fully-qualified name.
    pub name: String,
    /// Print the parsed zone file as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The zone file the node holds for `name`'s current hash.
pub async fn fetch(ctx: &Context, name: &str) -> anyhow::Result<(String, Vec<u8>)> {
    let node = ctx.node()?;
    let Some(record) = node.name_record(name).await? else {
        bail!("Not found.");
    };
    let Some(hash) = record.value_hash.filter(|h| !h.is_empty()) else {
        bail!("No zone file for name");
    };
    let mut found = node.zonefiles(std::slice::from_ref(&hash)).await?;
    let bytes = found
        .remove(&hash)
        .with_context(|| format!("the node does not hold zone file {hash}"))?;
    Ok((hash, bytes))
}

impl GetNameZonefile {
    /// The text, or `{"zonefile": <parsed>}` with `--json`.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Output> {
        let (_, bytes) = fetch(ctx, &self.name).await?;
        if self.json {
            let parsed = zonefiles::to_json(&bytes)?;
            return Ok(Output::Json(serde_json::json!({ "zonefile": parsed })));
        }
        Ok(Output::Raw(String::from_utf8_lossy(&bytes).into_owned()))
    }
}
