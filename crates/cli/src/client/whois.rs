//! `whois name`: a name's blockchain information (the original's
//! `cli_whois`).

use anyhow::bail;
use serde_json::{json, Value as Json};

use super::Context;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Whois {
    /// The fully-qualified name.
    pub name: String,
}

impl Whois {
    /// The whois fields.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let Some(record) = ctx.node()?.name_blockchain_record(&self.name).await? else {
            bail!("Not found.");
        };
        if record.get("revoked").and_then(Json::as_bool) == Some(true) {
            bail!("Name is revoked. Use get_name_blockchain_record for details.");
        }
        let last_height = record
            .get("history")
            .and_then(Json::as_object)
            .and_then(|h| h.keys().filter_map(|k| k.parse::<u64>().ok()).max());
        let mut out = json!({
            "block_preordered_at": record.get("preorder_block_number"),
            "block_renewed_at": record.get("last_renewed"),
            "last_transaction_id": record.get("txid"),
            "last_transaction_height": last_height,
            "owner_address": record.get("address"),
            "owner_script": record.get("sender"),
        });
        match record.get("value_hash").and_then(Json::as_str) {
            Some(h) if !h.is_empty() && h != "null" => {
                out["has_zonefile"] = json!(true);
                out["zonefile_hash"] = json!(h);
            }
            _ => out["has_zonefile"] = json!(false),
        }
        for key in ["expire_block", "renewal_deadline"] {
            if let Some(v) = record.get(key) {
                out[key] = v.clone();
            }
        }
        Ok(out)
    }
}
