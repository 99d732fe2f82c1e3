//! The write path end to end on the devnet: a namespace made with the client library, names
//! registered, transferred and revoked through the REST write routes, the registrar carrying
//! each through its stages, and a registration that survives the daemon being killed without
//! a second preorder.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use bitcoin::{Amount, NetworkKind};
use blockstack_client::backend::{BitcoindBackend, WalletBackend};
use blockstack_client::compose::{Composer, RevealParams};
use blockstack_client::config::ClientConfig;
use blockstack_client::node::NodeClient;
use blockstack_client::ops::Client;
use blockstack_consensus::hash::value_hash_hex;
use blockstack_consensus::price::PriceFunction;
use blockstack_wallet::{KeyInfo, SingleKey, WalletFile, WalletKeys};
use serde_json::{json, Value};

mod common;
use common::devnet::{MINER, WALLET_PASSWORD};
use common::{core, http, start_devnet, KillOnDrop};

const ORIGIN: &str = "http://localhost:8888";

struct Net {
    rest: String,
    config: ClientConfig,
    client: Client<BitcoindBackend>,
}

impl Net {
    fn open(dir: &Path, started: &Value) -> Net {
        let devnet = &started["devnet"];
        let config = ClientConfig::load(
            devnet["client_config"]
                .as_str()
                .expect("client_config in devnet.json"),
        )
        .expect("client.ini");
        let backend =
            BitcoindBackend::connect(config.utxo_endpoint(), true).expect("devnet bitcoind");
        let node = NodeClient::new(config.node_url()).expect("node client");
        let client = Client::new(backend, node, Composer::new(config.chain_params()), 0);
        assert!(dir.join("client.ini").exists());
        Net {
            rest: devnet["rest_api_url"].as_str().expect("rest").to_string(),
            config,
            client,
        }
    }

    async fn mine(&self, n: u64) {
        let _: Vec<String> = self
            .client
            .backend
            .client()
            .call("generatetoaddress", json!([n, MINER]))
            .await
            .expect("mine");
        let height = self.client.backend.block_height().await.expect("height");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let info = self.client.node.getinfo().await.expect("getinfo");
            if info.last_block_processed >= height {
                return;
            }
            assert!(Instant::now() < deadline, "block {height} not indexed");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// A privileged REST call with the devnet's API password.
    fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut cmd = Command::new("curl");
        cmd.args(["-s", "-o", "-", "-w", "\n%{http_code}", "-X", method])
            .arg("-H")
            .arg(format!(
                "Authorization: bearer {}",
                self.config.client.api_password
            ))
            .arg("-H")
            .arg(format!("Origin: {ORIGIN}"))
            .arg(format!("{}{}", self.rest, path.trim_start_matches('/')));
        if let Some(body) = body {
            cmd.args(["-H", "Content-Type: application/json", "-d"])
                .arg(body.to_string());
        }
        let out = cmd.output().expect("curl");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let (body, code) = text.rsplit_once('\n').expect("status line");
        let value = serde_json::from_str(body).unwrap_or(Value::Null);
        (code.trim().parse().expect("status code"), value)
    }

    /// Mines a block at a time until `done` holds for the REST answer about `name`.
    async fn mine_until(&self, name: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let info = http(&format!("{}v1/names/{name}", self.rest), None);
            if done(&info) {
                return info;
            }
            assert!(
                Instant::now() < deadline,
                "{name}: never {what}; last answer {info}; registrar {:?}",
                self.call("GET", "/v1/node/registrar/state", None)
            );
            self.mine(1).await;
            tokio::time::sleep(Duration::from_millis(1200)).await;
        }
    }

    fn queue_is_empty(&self) -> bool {
        let (_, pending) = self.call("GET", "/v1/blockchains/bitcoin/pending", None);
        pending == json!({"queues": {}})
    }
}

fn wallet_keys(dir: &Path) -> WalletKeys {
    WalletFile::new(dir.join("wallet.json"))
        .load(WALLET_PASSWORD)
        .expect("the devnet wallet opens with the devnet password")
        .keys
}

async fn make_namespace(net: &Net, keys: &WalletKeys) {
    // A single-key revealer (v0.18 reveals to p2pkh addresses only), funded for the launch.
    let reveal_key = KeyInfo::Single(SingleKey::generate(NetworkKind::Test));
    net.client
        .withdraw(
            &keys.payment,
            &reveal_key.address(NetworkKind::Test).to_string(),
            Some(Amount::from_sat(10_000_000)),
            None,
            0,
        )
        .await
        .expect("fund the revealer");
    net.mine(1).await;
    let revealer = reveal_key.script_pubkey();
    net.client
        .namespace_preorder("test", &keys.payment, &revealer)
        .await
        .expect("namespace preorder");
    net.mine(1).await;
    let params = RevealParams {
        lifetime: 52_595,
        price: PriceFunction {
            coeff: 250,
            base: 4,
            buckets: [6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            nonalpha_discount: 10,
            no_vowel_discount: 10,
        },
        version: 1,
    };
    net.client
        .namespace_reveal("test", &params, &keys.payment, &revealer)
        .await
        .expect("namespace reveal");
    net.mine(1).await;
    net.client
        .namespace_ready("test", &reveal_key)
        .await
        .expect("namespace ready");
    net.mine(1).await;
}

fn count_preorders(net: &Net, up_to: u64) -> usize {
    (1..=up_to)
        .map(|h| {
            let ops = http(
                &format!("{}v1/blockchains/bitcoin/operations/{h}", net.rest),
                None,
            );
            ops.as_array()
                .map(|ops| {
                    ops.iter()
                        .filter(|op| op["opcode"] == "NAME_PREORDER")
                        .count()
                })
                .unwrap_or(0)
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_are_registered_transferred_and_revoked_through_the_registrar() {
    let dir = tempfile::tempdir().expect("tempdir");
    let _guard = KillOnDrop(dir.path().to_path_buf());
    let started = start_devnet(dir.path());
    let net = Net::open(dir.path(), &started);
    let keys = wallet_keys(dir.path());
    make_namespace(&net, &keys).await;

    // Privileged routes refuse a request without the password.
    let out = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "POST",
            "-d",
        ])
        .arg(json!({"name": "alice.test"}).to_string())
        .arg(format!("{}v1/names", net.rest))
        .output()
        .expect("curl");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "403");

    let zonefile =
        "$ORIGIN alice.test\n$TTL 3600\n_http._tcp URI 10 1 \"https://example.com/alice.json\"\n";
    let (status, reply) = net.call(
        "POST",
        "/v1/names",
        Some(json!({"name": "alice.test", "zonefile": zonefile})),
    );
    assert_eq!(status, 202, "{reply}");
    assert_eq!(reply["success"], true);
    let hash = value_hash_hex(zonefile.as_bytes());
    let info = net
        .mine_until("alice.test", "registered with its zonefile", |info| {
            info["status"] == "registered" && info["zonefile_hash"] == hash.as_str()
        })
        .await;
    assert_eq!(info["zonefile"], zonefile, "the zonefile was replicated");
    // The registrar finishes once the zonefile is with the node.
    let deadline = Instant::now() + Duration::from_secs(30);
    while !net.queue_is_empty() {
        assert!(Instant::now() < deadline, "the queue never emptied");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // Registering it again is refused: the name is taken (it is ours: that is a renewal).
    let (status, reply) = net.call(
        "POST",
        "/v1/names",
        Some(json!({"name": "alice.test", "unsafe": true})),
    );
    assert_eq!(status, 401, "{reply}");

    // A new zonefile, then a transfer.
    let (status, reply) = net.call(
        "PUT",
        "/v1/names/alice.test/zonefile",
        Some(json!({"zonefile": "$ORIGIN alice.test\n$TTL 7200\n"})),
    );
    assert_eq!(status, 202, "{reply}");
    let new_hash = reply["zonefile_hash"].as_str().expect("hash").to_string();
    net.mine_until("alice.test", "updated", |info| {
        info["zonefile_hash"] == new_hash.as_str()
    })
    .await;
    let recipient = WalletKeys::generate(bitcoin::NetworkKind::Test)
        .owner
        .address(bitcoin::NetworkKind::Test)
        .to_string();
    while !net.queue_is_empty() {
        net.mine(1).await;
        tokio::time::sleep(Duration::from_millis(1200)).await;
    }
    let before = http(&format!("{}v1/names/alice.test", net.rest), None);
    let (status, reply) = net.call(
        "PUT",
        "/v1/names/alice.test/owner",
        Some(json!({"owner": recipient})),
    );
    assert_eq!(status, 202, "{reply}");
    // While the transfer is queued, the name looks up as pending, as in the original.
    let queued = http(&format!("{}v1/names/alice.test", net.rest), None);
    assert_eq!(queued["status"], "pending", "{queued}");
    assert_eq!(queued["operation"], "transfer", "{queued}");
    assert_eq!(queued["txid"], reply["transaction_hash"], "{queued}");
    let info = net
        .mine_until("alice.test", "transferred", |info| {
            info["status"] != "pending" && info["address"] != before["address"]
        })
        .await;
    assert_eq!(
        info["zonefile_hash"],
        new_hash.as_str(),
        "the transfer kept the zonefile"
    );

    // Revoking a name the wallet no longer owns is refused before anything is sent.
    let (status, reply) = net.call("DELETE", "/v1/names/alice.test", None);
    assert_eq!(status, 500, "{reply}");
    assert!(reply["error"]
        .as_str()
        .is_some_and(|e| e.starts_with("Revoke failed.")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_registration_survives_the_daemon_being_killed_without_a_second_preorder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let _guard = KillOnDrop(dir.path().to_path_buf());
    let started = start_devnet(dir.path());
    let net = Net::open(dir.path(), &started);
    let keys = wallet_keys(dir.path());
    make_namespace(&net, &keys).await;

    let (status, reply) = net.call("POST", "/v1/names", Some(json!({"name": "bob.test"})));
    assert_eq!(status, 202, "{reply}");
    net.mine(1).await;
    // Killed while the preorder is confirmed and the registration may or may not be recorded.
    let pid = std::fs::read_to_string(dir.path().join("blockstack-server.pid")).expect("pid");
    Command::new("kill")
        .args(["-9", pid.trim()])
        .status()
        .expect("kill");
    let deadline = Instant::now() + Duration::from_secs(30);
    while common::json(&core(dir.path(), &["info", "--devnet"]))["running"] != false {
        assert!(Instant::now() < deadline, "the killed node is still there");
        std::thread::sleep(Duration::from_millis(100));
    }

    let restarted = start_devnet(dir.path());
    let net = Net::open(dir.path(), &restarted);
    net.mine_until("bob.test", "registered", |info| {
        info["status"] == "registered"
    })
    .await;
    let height = net.client.backend.block_height().await.expect("height");
    assert_eq!(count_preorders(&net, height), 1, "one preorder, never two");
    let stop = core(dir.path(), &["stop", "--devnet"]);
    assert!(stop.status.success());
}
