//! The Atlas check the original ran after every scenario: every zone file the node holds is
//! also held, in time, by a second node that learned of it only through Atlas.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use blockstack_client::node::NodeClient;
use blockstack_consensus::Rules;
use blockstack_namedb::ReadOnlyNameDb;
use std::path::Path;

use crate::error::{Failure, Outcome};
use crate::world::World;

/// Page size of `get_zonefiles`.
const PAGE: usize = 100;

/// Every zone-file hash announced on chain up to `tip`, read from the node's name database
/// (what `get_zonefiles_by_block` would list).
pub fn announced(dir: &Path, rules: &Rules, tip: u64) -> Result<Vec<String>, String> {
    let db = ReadOnlyNameDb::open(dir.join(blockstack_cli::daemon::DB_FILE))
        .map_err(|e| e.to_string())?;
    let snapshot = db.snapshot(rules).map_err(|e| e.to_string())?;
    let mut hashes = Vec::new();
    for height in 1..=tip {
        let infos = snapshot
            .zonefile_info_at(height)
            .map_err(|e| e.to_string())?;
        hashes.extend(infos.into_iter().map(|i| i.value_hash));
    }
    hashes.sort();
    hashes.dedup();
    Ok(hashes)
}

/// Which of `hashes` the node holds.
pub async fn held(node: &NodeClient, hashes: &[String]) -> Result<BTreeSet<String>, String> {
    let mut out = BTreeSet::new();
    for chunk in hashes.chunks(PAGE) {
        let found = node.zonefiles(chunk).await.map_err(|e| e.to_string())?;
        out.extend(found.into_keys());
    }
    Ok(out)
}

/// Waits until `follower` holds every zone file the world's node holds.
pub async fn replicated(world: &World, follower: &NodeClient, deadline: Instant) -> Outcome {
    let fail = |step: &str, e: String| Failure::step(world.height(), step, e);
    let node = world.node();
    let dir = world.node_dir().await;
    let hashes = announced(&dir, world.rules(), world.height())
        .map_err(|e| fail("reading announced zone files", e))?;
    let want = held(&node, &hashes)
        .await
        .map_err(|e| fail("get_zonefiles", e))?;
    let list: Vec<String> = want.iter().cloned().collect();
    loop {
        let got = held(follower, &list)
            .await
            .map_err(|e| fail("get_zonefiles on the fresh node", e))?;
        if got == want {
            return Ok(());
        }
        if Instant::now() > deadline {
            let missing: Vec<&String> = want.difference(&got).collect();
            return Err(Failure::mismatch(
                world.height(),
                "zone files replicated to the fresh node",
                format!("all {}", want.len()),
                format!("{} missing: {missing:?}", missing.len()),
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
