//! `ping` / `info`: the node's status (cli-wallet.md §a.2).

use blockstack_client::config::CLIENT_VERSION;
use serde_json::{json, Value as Json};

use super::Context;

/// No arguments.
#[derive(Debug, clap::Args)]
pub struct Info {}

impl Info {
    /// `getinfo`, plus the registrar's queues for `info` when the API daemon answers.
    pub async fn run(self, ctx: &Context, with_queues: bool) -> anyhow::Result<Json> {
        let info = ctx.node()?.getinfo().await?;
        let mut out = json!({
            "server_alive": info.server_alive,
            "server_host": ctx.config.client.server,
            "server_port": ctx.config.client.port,
            "server_version": info.server_version,
            "last_block_processed": info.last_block_processed,
            "last_block_seen": info.last_block_seen,
            "consensus_hash": info.consensus,
            "cli_version": CLIENT_VERSION,
        });
        if with_queues {
            if let Ok(reply) = ctx.api()?.get("/v1/blockchains/bitcoin/pending").await {
                if reply.is_success() {
                    let queues = reply.body.get("queues").cloned().unwrap_or(reply.body);
                    out["queues"] = queues;
                }
            }
        }
        Ok(out)
    }
}
