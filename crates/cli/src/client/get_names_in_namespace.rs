//! `get_names_in_namespace namespace_id [page]`: 100 names per page.

use blockstack_client::node::NAMES_PAGE;
use serde_json::Value as Json;

use super::Context;

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct GetNamesInNamespace {
    /// The namespace ID.
    pub namespace_id: String,
    /// The page, from 0.
    #[arg(default_value_t = 0)]
    pub page: u64,
}

impl GetNamesInNamespace {
    /// The list of names.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let names = ctx
            .node()?
            .names_in_namespace(&self.namespace_id, self.page * NAMES_PAGE, NAMES_PAGE)
            .await?;
        Ok(serde_json::to_value(names)?)
    }
}
