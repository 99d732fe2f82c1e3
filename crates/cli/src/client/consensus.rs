//! `consensus [block_height]`: the consensus hash at a block, or at the
//! node's last block.

use anyhow::bail;
use serde_json::{json, Value as Json};

use super::Context;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Consensus {
    /// The block (default: the last processed one).
    pub block_height: Option<u64>,
}

impl Consensus {
    /// `{consensus, block_height}`.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let node = ctx.node()?;
        let height = match self.block_height {
            Some(h) => h,
            None => node.getinfo().await?.last_block_processed,
        };
        match node.consensus_at(height).await? {
            Some(ch) => Ok(json!({"consensus": ch, "block_height": height})),
            None => bail!("No consensus hash at block {height} (not processed yet)"),
        }
    }
}
