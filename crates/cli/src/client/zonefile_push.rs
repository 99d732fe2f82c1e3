//! `zonefile_push name zonefile_path`: upload a name's zone file to the
//! node (`put_zonefiles`), after checking that its hash is the one on chain.

use anyhow::{bail, Context as _};
use blockstack_client::zonefiles;
use serde_json::{json, Value as Json};

use super::Context;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct ZonefilePush {
    /// The fully-qualified name.
    pub name: String,
    /// The zone file.
    pub zonefile_path: std::path::PathBuf,
}

impl ZonefilePush {
    /// `{status, servers}` once the node stored it.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let zonefile = std::fs::read(&self.zonefile_path)
            .with_context(|| format!("reading {}", self.zonefile_path.display()))?;
        zonefiles::check(&zonefile)?;
        let node = ctx.node()?;
        let Some(record) = node.name_record(&self.name).await? else {
            bail!("Not found.");
        };
        let hash = zonefiles::hash(&zonefile);
        if record.value_hash.as_deref() != Some(hash.as_str()) {
            bail!(
                "Zone file hash {hash} does not match the name's zone file hash {}",
                record.value_hash.as_deref().unwrap_or("(none)")
            );
        }
        let saved = node.put_zonefiles(&[zonefile]).await?;
        let server = format!("{}:{}", ctx.config.client.server, ctx.config.client.port);
        // The node answers 0 for a zone file it already holds, too.
        let held = node.zonefiles(std::slice::from_ref(&hash)).await?;
        if saved.first() != Some(&true) && !held.contains_key(&hash) {
            bail!("Failed to publish zonefile to {server}");
        }
        Ok(json!({"status": true, "servers": [server], "zonefile_hash": hash}))
    }
}
