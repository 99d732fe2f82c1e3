//! The `blockstack-core` daemon on the embedded devnet: start detached, follow the chain, stop,
//! resume; and crash safety under repeated SIGKILL while indexing.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::{core, http, json, start_devnet, KillOnDrop};

fn info(dir: &Path) -> Value {
    json(&core(dir, &["info"]))
}

/// Calls the devnet chain's JSON-RPC with the credentials the devnet wrote.
fn chain_rpc(dir: &Path, method: &str, params: Value) -> Value {
    let devnet: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("devnet.json")).expect("devnet.json"),
    )
    .expect("json");
    let url = devnet["bitcoind_rpc_url"]
        .as_str()
        .expect("url")
        .to_string();
    let password = std::fs::read_to_string(dir.join("devnet-rpc.secret")).expect("secret");
    let body = serde_json::json!({"method": method, "params": params, "id": 1}).to_string();
    let out = Command::new("curl")
        .args([
            "-s",
            "-u",
            &format!("devnet:{}", password.trim()),
            "-d",
            &body,
            &url,
        ])
        .output()
        .expect("curl");
    let reply: Value = serde_json::from_slice(&out.stdout).expect("JSON-RPC reply");
    assert!(reply["error"].is_null(), "{reply}");
    reply["result"].clone()
}

fn wait_for(mut done: impl FnMut() -> bool, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

const BURN: &str = "mfWxJ45yp2SFn7UciZyNpvDKrzbhyfKrY8";

#[test]
fn devnet_node_starts_follows_the_chain_stops_and_resumes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let started = json(&core(
        dir.path(),
        &[
            "start",
            "--devnet",
            "--no-automine",
            "--bitcoind-rpc-port",
            "0",
            "--poll-interval",
            "1",
        ],
    ));
    assert_eq!(started["status"], true);
    let height = started["devnet"]["height"].as_u64().expect("height");
    assert!(started["devnet"]["payment_address"]
        .as_str()
        .is_some_and(|a| !a.is_empty()));
    wait_for(
        || info(dir.path())["last_block_processed"].as_u64() == Some(height),
        "the initial catch-up",
    );

    chain_rpc(
        dir.path(),
        "generatetoaddress",
        serde_json::json!([5, BURN]),
    );
    wait_for(
        || info(dir.path())["last_block_processed"].as_u64() == Some(height + 5),
        "five new blocks",
    );
    let state = info(dir.path());
    assert_eq!(state["running"], true);
    assert_eq!(state["last_block_seen"].as_u64(), Some(height + 5));
    let consensus = state["consensus_hash"].clone();
    assert!(consensus.as_str().is_some_and(|c| c.len() == 32));

    // The REST API and the node RPC serve the same state.
    let rest = started["devnet"]["rest_api_url"]
        .as_str()
        .expect("rest url")
        .to_string();
    let reply = http(&format!("{rest}v1/blockchains/bitcoin/consensus"), None);
    assert_eq!(reply["consensus_hash"], consensus);
    let rpc = started["devnet"]["node_rpc_url"]
        .as_str()
        .expect("rpc url")
        .to_string();
    let call = "<?xml version='1.0'?><methodCall><methodName>getinfo</methodName><params></params></methodCall>";
    let out = Command::new("curl")
        .args(["-s", "-d", call, &format!("{rpc}RPC2")])
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(consensus.as_str().expect("hash")), "{text}");

    // A second start on the same directory is refused while the first runs.
    let again = core(
        dir.path(),
        &[
            "start",
            "--devnet",
            "--no-automine",
            "--bitcoind-rpc-port",
            "0",
            "--rpc-port",
            "0",
            "--api-port",
            "0",
        ],
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already running"));

    assert_eq!(json(&core(dir.path(), &["stop"]))["status"], true);
    let stopped = info(dir.path());
    assert_eq!(stopped["running"], false);
    assert_eq!(
        stopped["last_block_processed"].as_u64(),
        Some(height + 5),
        "read from the database"
    );
    assert_eq!(stopped["consensus_hash"], consensus);

    // Restart: the chain and the index are kept.
    let restarted = start_devnet(dir.path());
    assert_eq!(restarted["devnet"]["height"].as_u64(), Some(height + 5));
    assert_eq!(info(dir.path())["consensus_hash"], consensus);
    json(&core(dir.path(), &["stop"]));
}

#[test]
fn sigkill_while_indexing_loses_nothing() {
    // Build a chain, then index it with kills at random points, and compare with a clean run.
    let chain_dir = tempfile::tempdir().expect("tempdir");
    let _chain_guard = KillOnDrop(chain_dir.path().to_path_buf());
    start_devnet(chain_dir.path());
    chain_rpc(
        chain_dir.path(),
        "generatetoaddress",
        serde_json::json!([800, BURN]),
    );
    json(&core(chain_dir.path(), &["stop"]));

    let copy = |to: &Path| {
        let status = Command::new("cp")
            .arg("-r")
            .arg(chain_dir.path().join("devchain"))
            .arg(to)
            .status()
            .expect("cp");
        assert!(status.success());
        for file in ["devnet-rpc.secret", "wallet.json"] {
            std::fs::copy(chain_dir.path().join(file), to.join(file)).expect("copy");
        }
    };
    let clean = tempfile::tempdir().expect("tempdir");
    let _clean_guard = KillOnDrop(clean.path().to_path_buf());
    copy(clean.path());
    let clean_start = start_devnet(clean.path());
    let tip = clean_start["devnet"]["height"].as_u64().expect("height");
    wait_for(
        || info(clean.path())["last_block_processed"].as_u64() == Some(tip),
        "the clean run",
    );
    let want = info(clean.path())["consensus_hash"].clone();
    json(&core(clean.path(), &["stop"]));

    let crashed = tempfile::tempdir().expect("tempdir");
    let _crashed_guard = KillOnDrop(crashed.path().to_path_buf());
    copy(crashed.path());
    let mut kills = 0;
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    while kills < 20 {
        let started = start_devnet(crashed.path());
        let pid = started["pid"].as_i64().expect("pid");
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(20 + seed % 200));
        let status = Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        wait_for(
            || info(crashed.path())["running"] == false,
            "the killed node to be gone",
        );
        kills += 1;
    }
    start_devnet(crashed.path());
    wait_for(
        || info(crashed.path())["last_block_processed"].as_u64() == Some(tip),
        "the final catch-up",
    );
    assert_eq!(info(crashed.path())["consensus_hash"], want);
    json(&core(crashed.path(), &["stop"]));
}

/// Runs `start --foreground` for a node configured for `url` and returns its exit status and
/// standard error; the node must stop by itself.
fn start_foreground(dir: &Path, url: &str) -> (bool, String) {
    let out = core(
        dir,
        &[
            "configure",
            "--force",
            "--network",
            "regtest",
            "--bitcoind-url",
            url,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new("timeout")
        .arg("60")
        .arg(env!("CARGO_BIN_EXE_blockstack-core"))
        .arg("--working-dir")
        .arg(dir)
        .args(["start", "--foreground", "--rpc-port", "0"])
        .output()
        .expect("run blockstack-core");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_credentials_and_foreign_databases_are_refused_with_what_to_do() {
    let chain = tempfile::tempdir().expect("tempdir");
    let _guard = KillOnDrop(chain.path().to_path_buf());
    let started = start_devnet(chain.path());
    let rpc = started["devnet"]["bitcoind_rpc_url"]
        .as_str()
        .expect("url")
        .trim_end_matches('/')
        .trim_start_matches("http://")
        .to_string();
    let secret = std::fs::read_to_string(chain.path().join("devnet-rpc.secret")).expect("secret");

    let node = tempfile::tempdir().expect("tempdir");
    let (ok, stderr) = start_foreground(node.path(), &format!("http://devnet:wrong@{rpc}/"));
    assert!(!ok, "a node with a wrong password must stop");
    assert!(
        stderr.contains("rejected our credentials")
            && stderr.contains("`[bitcoind] user` and `passwd`"),
        "{stderr}"
    );
    let last = stderr.lines().last().unwrap_or_default();
    assert_eq!(
        last.matches("rejected our credentials").count(),
        1,
        "said once: {last}"
    );

    let db = node.path().join("blockstack-server.db");
    std::fs::write(&db, b"not a name database").expect("write");
    let (ok, stderr) = start_foreground(
        node.path(),
        &format!("http://devnet:{}@{rpc}/", secret.trim()),
    );
    assert!(!ok, "a foreign database must stop the node");
    assert!(stderr.contains("left untouched"), "{stderr}");
    assert_eq!(
        std::fs::read(&db).expect("read"),
        b"not a name database",
        "the file was not overwritten"
    );
    json(&core(chain.path(), &["stop", "--devnet"]));
}
