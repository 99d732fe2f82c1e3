//! `name_import name address zonefile_path privatekey`: import a name into
//! a revealed namespace, sent by its revealer.

use anyhow::Context as _;
use blockstack_client::zonefiles;
use serde_json::{json, Value as Json};

use super::context::sent_json;
use super::keyarg::parse_key;
use super::Context;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct NameImport {
    /// The fully-qualified name.
    pub name: String,
    /// Its owner.
    pub address: String,
    /// The zone file whose hash the name gets.
    pub zonefile_path: std::path::PathBuf,
    /// The revealer's single key.
    pub privatekey: String,
}

impl NameImport {
    /// `{status, transaction_hash, value_hash}`.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let importer = parse_key(&self.privatekey, ctx.network(), "import private key")?;
        let zonefile = std::fs::read(&self.zonefile_path)
            .with_context(|| format!("reading {}", self.zonefile_path.display()))?;
        zonefiles::check(&zonefile)?;
        let hash = zonefiles::hash_bytes(&zonefile);
        let client = ctx.client()?;
        let sent = client
            .name_import(&self.name, &importer, &self.address, hash)
            .await
            .context("name import failed")?;
        let mut out = sent_json(&sent);
        out["value_hash"] = json!(hex::encode(hash));
        Ok(out)
    }
}
