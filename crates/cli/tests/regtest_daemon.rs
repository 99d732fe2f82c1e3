//! The daemon against a real regtest bitcoind: configure, index, follow a reorg made with
//! `invalidateblock` and a longer branch, and ride out a bitcoind restart.

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use blockstack_node::testing::{RegtestNode, MINER_ADDRESS};
use serde_json::Value;

mod common;
use common::{core_with_env, json, KillOnDrop};

/// Runs `blockstack-core` with the test-mode knob that starts indexing at block 1.
fn core(dir: &Path, args: &[&str]) -> Output {
    core_with_env(dir, args, &[("BLOCKSTACK_TEST_FIRST_BLOCK", "1")])
}

fn info(dir: &Path) -> Value {
    json(&core(dir, &["info"]))
}

fn wait_until_indexed(dir: &Path, height: u64) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while info(dir)["last_block_processed"].as_u64() != Some(height) {
        assert!(
            Instant::now() < deadline,
            "the node did not index block {height}: {}",
            info(dir)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn start_node(dir: &Path, node: &RegtestNode) {
    let url = format!(
        "http://{}:{}@127.0.0.1:{}/",
        node.user, node.password, node.port
    );
    json(&core(
        dir,
        &[
            "configure",
            "--network",
            "regtest",
            "--bitcoind-url",
            &url,
            "--force",
        ],
    ));
    json(&core(
        dir,
        &[
            "start",
            "--rpc-port",
            "0",
            "--bind",
            "127.0.0.1",
            "--poll-interval",
            "1",
        ],
    ));
}

#[test]
fn the_daemon_indexes_a_real_bitcoind_follows_a_reorg_and_survives_a_restart() {
    let Some(mut bitcoind) = RegtestNode::start("the_daemon_indexes_a_real_bitcoind") else {
        return;
    };
    bitcoind.mine(30, MINER_ADDRESS);
    let dir = tempfile::tempdir().expect("tempdir");
    let _guard = KillOnDrop(dir.path().to_path_buf());
    start_node(dir.path(), &bitcoind);
    wait_until_indexed(dir.path(), 30);
    assert_eq!(info(dir.path())["network"], "regtest");

    // A reorg: drop blocks 25.. and mine a longer branch.
    let hash = bitcoind.cli(&["getblockhash", "25"]);
    bitcoind.cli(&["invalidateblock", &hash]);
    bitcoind.mine(8, "mfWxJ45yp2SFn7UciZyNpvDKrzbhyfKrY8");
    wait_until_indexed(dir.path(), 32);
    let tip = bitcoind.cli(&["getblockhash", "32"]);
    assert_eq!(
        info(dir.path())["last_block_hash"].as_str(),
        Some(tip.as_str()),
        "on the new branch"
    );
    let followed = info(dir.path())["consensus_hash"].clone();

    // A node indexing the new chain from scratch agrees.
    let fresh = tempfile::tempdir().expect("tempdir");
    let _fresh_guard = KillOnDrop(fresh.path().to_path_buf());
    start_node(fresh.path(), &bitcoind);
    wait_until_indexed(fresh.path(), 32);
    assert_eq!(info(fresh.path())["consensus_hash"], followed);
    json(&core(fresh.path(), &["stop"]));

    // bitcoind goes away and comes back; the node waits and carries on.
    bitcoind.stop();
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        info(dir.path())["running"],
        true,
        "the node outlives bitcoind"
    );
    bitcoind.restart();
    bitcoind.mine(3, MINER_ADDRESS);
    wait_until_indexed(dir.path(), 35);
    json(&core(dir.path(), &["stop"]));
}
