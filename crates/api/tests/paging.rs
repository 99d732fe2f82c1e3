//! The paged listings over more than two pages of names: 100 names a page, in name order, each
//! name on exactly one page, and an empty page past the end.

mod common;
#[path = "../benches/rest_load/db.rs"]
#[allow(dead_code, clippy::unwrap_used)]
mod db;

use std::sync::Arc;

use blockstack_api::{DirZonefiles, NodeStatus, QueryService, ServiceConfig, SharedNodeInfo};
use blockstack_consensus::Rules;
use serde_json::Value;

/// More than two pages, the last one short.
const NAMES: usize = 250;

async fn page(base: &str, path: &str) -> Vec<String> {
    let resp = reqwest::get(format!("{base}{path}"))
        .await
        .expect("request");
    assert_eq!(resp.status(), reqwest::StatusCode::OK, "{path}");
    let body: Value = resp.json().await.expect("a JSON body");
    body.as_array()
        .unwrap_or_else(|| panic!("{path}: a list, got {body}"))
        .iter()
        .map(|v| v.as_str().expect("a name").to_owned())
        .collect()
}

#[tokio::test]
async fn listings_page_by_one_hundred_names() {
    let dir = tempfile::tempdir().expect("temp dir");
    let built = db::build_dir(dir.path(), &[], NAMES);
    let node = Arc::new(SharedNodeInfo::new(NodeStatus {
        last_block_seen: built.last_block,
        indexing: false,
        last_indexing_time: blockstack_api::node_info::unix_now(),
        zonefile_count: Some(0),
        bitcoind_answered_at: None,
    }));
    let service = QueryService::new(
        dir.path().join(db::DB_FILE),
        Rules::mainnet(),
        Arc::new(DirZonefiles::new(dir.path().join(db::ZONEFILE_DIR))),
        node,
        ServiceConfig::default(),
    );
    let server = common::rest_server(service).await;
    let mut all: Vec<String> = (0..NAMES).map(db::synthetic_name).collect();
    all.sort();
    for listing in ["/v1/names?page=", "/v1/namespaces/id/names?page="] {
        let pages = [
            page(&server.base, &format!("{listing}0")).await,
            page(&server.base, &format!("{listing}1")).await,
            page(&server.base, &format!("{listing}2")).await,
        ];
        assert_eq!(
            pages.iter().map(Vec::len).collect::<Vec<_>>(),
            [100, 100, 50],
            "{listing}"
        );
        assert_eq!(pages.concat(), all, "{listing}: every name once, in order");
        assert!(page(&server.base, &format!("{listing}3")).await.is_empty());
    }
}
