//! `get_name_blockchain_history name [start_block] [end_block]`: the states
//! a name went through, keyed by block.

use serde_json::{Map, Value as Json};

use super::Context;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct GetNameBlockchainHistory {
    /// The fully-qualified name.
    pub name: String,
    /// First block to include.
    pub start_block: Option<u64>,
    /// Last block to include.
    pub end_block: Option<u64>,
}

impl GetNameBlockchainHistory {
    /// `{"<block>": [state, …], …}`.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let history = ctx
            .node()?
            .name_history(&self.name, self.start_block, self.end_block)
            .await?;
        let map: Map<String, Json> = history
            .into_iter()
            .map(|(block, states)| (block.to_string(), Json::Array(states)))
            .collect();
        Ok(Json::Object(map))
    }
}
