//! `blockstack` against a real regtest bitcoind (Bitcoin SV, FORKID signatures): a namespace
//! preordered, revealed, imported into and launched with CLI commands, a name registered with
//! a zone file through the client library, its hash set with `set_zonefile_hash`, and the name
//! transferred; each step read back through the node. Skipped, as the other regtest tests, when
//! no regtest bitcoind can be installed.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use bitcoin::secp256k1::Secp256k1;
use bitcoin::NetworkKind;
use blockstack_client::backend::BitcoindBackend;
use blockstack_client::compose::Composer;
use blockstack_client::config::BitcoindEndpoint;
use blockstack_client::node::NodeClient;
use blockstack_client::ops::Client;
use blockstack_client::zonefiles;
use blockstack_node::testing::{RegtestNode, MINER_ADDRESS};
use blockstack_wallet::{ChainParams, KeyInfo, SingleKey, WalletKeys};
use serde_json::Value;

mod common;
use common::{core_with_env, json, KillOnDrop};

const EPOCHS: [(&str, &str); 3] = [
    ("BLOCKSTACK_TEST_FIRST_BLOCK", "1"),
    ("BLOCKSTACK_EPOCH_1_END_BLOCK", "1"),
    ("BLOCKSTACK_EPOCH_2_END_BLOCK", "2"),
];

fn core(dir: &Path, args: &[&str]) -> Output {
    core_with_env(dir, args, &EPOCHS)
}

fn blockstack(config: &Path, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_blockstack"))
        .arg("-c")
        .arg(config)
        .args(args)
        .env_remove("BLOCKSTACK_WALLET_PASSWORD")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run blockstack");
    assert!(
        out.status.success(),
        "blockstack {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn address(key: &SingleKey) -> String {
    key.address(&Secp256k1::new(), NetworkKind::Test)
        .to_string()
}

struct Chain<'a> {
    bitcoind: &'a RegtestNode,
    node_dir: &'a Path,
}

impl Chain<'_> {
    fn mine(&self, n: u32) {
        self.bitcoind.mine(n, MINER_ADDRESS);
        let height: u64 = self
            .bitcoind
            .cli(&["getblockcount"])
            .parse()
            .expect("height");
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let info = json(&core(self.node_dir, &["info"]));
            if info["last_block_processed"].as_u64() == Some(height) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "block {height} not indexed: {info}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_are_made_against_a_real_regtest_bitcoind() {
    let Some(bitcoind) = RegtestNode::start("names_are_made_against_a_real_regtest_bitcoind")
    else {
        return;
    };
    // Coinbases for the payer and the revealer, matured by 100 more blocks.
    let payer = SingleKey::generate(NetworkKind::Test);
    let revealer = SingleKey::generate(NetworkKind::Test);
    bitcoind.mine(1, &address(&payer));
    bitcoind.mine(1, &address(&revealer));
    bitcoind.mine(100, MINER_ADDRESS);

    let node_dir = tempfile::tempdir().expect("tempdir");
    let _guard = KillOnDrop(node_dir.path().to_path_buf());
    let url = format!(
        "http://{}:{}@127.0.0.1:{}/",
        bitcoind.user, bitcoind.password, bitcoind.port
    );
    json(&core(
        node_dir.path(),
        &[
            "configure",
            "--network",
            "regtest",
            "--bitcoind-url",
            &url,
            "--force",
        ],
    ));
    let rpc_port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        probe.local_addr().expect("addr").port().to_string()
    };
    json(&core(
        node_dir.path(),
        &[
            "start",
            "--rpc-port",
            &rpc_port,
            "--bind",
            "127.0.0.1",
            "--poll-interval",
            "1",
        ],
    ));
    let chain = Chain {
        bitcoind: &bitcoind,
        node_dir: node_dir.path(),
    };
    chain.mine(1);

    let client_dir = tempfile::tempdir().expect("tempdir");
    let config = client_dir.path().join("client.ini");
    blockstack(
        &config,
        &[
            "configure",
            "--server",
            "127.0.0.1",
            "--server-port",
            &rpc_port,
            "--bitcoind-server",
            "127.0.0.1",
            "--bitcoind-port",
            &bitcoind.port.to_string(),
            "--bitcoind-user",
            &bitcoind.user,
            "--bitcoind-password",
            &bitcoind.password,
            "--network",
            "testnet",
            "--regtest",
            "true",
            "--sighash",
            "forkid",
        ],
    );
    let owner = WalletKeys::generate(NetworkKind::Test).owner;
    let owner_address = owner.address(NetworkKind::Test).to_string();
    let (pay, rev) = (payer.to_wif(), revealer.to_wif());

    let pre = blockstack(&config, &["-y", "namespace_preorder", "reg", &pay, &rev]);
    chain.mine(1);
    let txid = pre["transaction_hash"].as_str().expect("txid");
    blockstack(
        &config,
        &[
            "-y",
            "namespace_reveal",
            "reg",
            &pay,
            &rev,
            txid,
            "--lifetime",
            "1000",
            "--coeff",
            "1",
            "--base",
            "2",
            "--buckets",
            "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1",
        ],
    );
    chain.mine(1);
    let zonefile =
        "$ORIGIN imported.reg\n$TTL 3600\n_http._tcp URI 10 1 \"https://example.com/i.json\"\n";
    let zf_path = client_dir.path().join("imported.zonefile");
    std::fs::write(&zf_path, zonefile).expect("write");
    blockstack(
        &config,
        &[
            "name_import",
            "imported.reg",
            &owner_address,
            &zf_path.display().to_string(),
            &rev,
        ],
    );
    chain.mine(1);
    blockstack(&config, &["-y", "namespace_ready", "reg", &rev]);
    chain.mine(1);
    let ns = blockstack(&config, &["get_namespace_blockchain_record", "reg"]);
    assert_eq!(ns["ready"], true, "{ns}");
    let imported = blockstack(&config, &["get_name_blockchain_record", "imported.reg"]);
    assert_eq!(imported["address"], owner_address.as_str(), "{imported}");
    assert_eq!(imported["value_hash"], zonefiles::hash(zonefile.as_bytes()));

    // A registration with a zone-file hash, through the library, FORKID-signed.
    let endpoint = BitcoindEndpoint {
        server: "127.0.0.1".into(),
        port: bitcoind.port,
        user: bitcoind.user.clone(),
        password: bitcoind.password.clone(),
        use_https: false,
        timeout: Duration::from_secs(30),
    };
    let client = Client::new(
        BitcoindBackend::connect(&endpoint, true).expect("backend"),
        NodeClient::new(format!("http://127.0.0.1:{rpc_port}/RPC2")).expect("node"),
        Composer::new(ChainParams::sv_regtest_test_node()),
        0,
    );
    let payment = KeyInfo::Single(payer);
    let hash = zonefiles::hash_bytes(b"$ORIGIN name.reg\n$TTL 3600\n");
    client
        .name_preorder("name.reg", &payment, &owner.script_pubkey(), None)
        .await
        .expect("preorder");
    chain.mine(1);
    client
        .name_registration("name.reg", &payment, &owner.script_pubkey(), Some(hash))
        .await
        .expect("register");
    chain.mine(1);
    let rec = blockstack(&config, &["get_name_blockchain_record", "name.reg"]);
    assert_eq!(rec["address"], owner_address.as_str(), "{rec}");
    assert_eq!(rec["value_hash"], hex::encode(hash));

    // set_zonefile_hash with the owner's and the payer's keys as arguments.
    let owner_json = serde_json::to_string(&owner.to_stored(NetworkKind::Test)).expect("json");
    let new_hash = "33".repeat(20);
    blockstack(
        &config,
        &[
            "set_zonefile_hash",
            "name.reg",
            &new_hash,
            &owner_json,
            &pay,
        ],
    );
    chain.mine(1);
    let rec = blockstack(&config, &["get_name_blockchain_record", "name.reg"]);
    assert_eq!(rec["value_hash"], new_hash.as_str(), "{rec}");

    let receiver = WalletKeys::generate(NetworkKind::Test)
        .owner
        .address(NetworkKind::Test)
        .to_string();
    client
        .name_transfer("name.reg", &owner, &payment, &receiver, false)
        .await
        .expect("transfer");
    chain.mine(1);
    let rec = blockstack(&config, &["get_name_blockchain_record", "name.reg"]);
    assert_eq!(rec["address"], receiver.as_str(), "{rec}");
    assert!(
        rec["value_hash"].is_null(),
        "the transfer dropped the zone file: {rec}"
    );

    // The API daemon's registrar carries a CLI registration through, FORKID-signed.
    let wallet = blockstack_wallet::Wallet {
        network: NetworkKind::Test,
        keys: WalletKeys {
            payment: KeyInfo::Single(SingleKey::from_private_key(*payment_key(&payment))),
            ..WalletKeys::generate(NetworkKind::Test)
        },
    };
    blockstack_wallet::WalletFile::new(client_dir.path().join("wallet.json"))
        .create(
            &wallet,
            PASSWORD,
            blockstack_wallet::KdfParams::INSECURE_FOR_TESTS,
        )
        .expect("wallet");
    let api_port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        probe.local_addr().expect("addr").port().to_string()
    };
    blockstack(
        &config,
        &[
            "configure",
            "--api-host",
            "127.0.0.1",
            "--api-port",
            &api_port,
        ],
    );
    let started = blockstack(&config, &["-p", PASSWORD, "api", "start"]);
    assert_eq!(started["status"], true, "{started}");
    let queued = blockstack(&config, &["-p", PASSWORD, "-y", "register", "viaapi.reg"]);
    assert_eq!(queued["success"], true, "{queued}");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        chain.mine(1);
        std::thread::sleep(Duration::from_millis(2500));
        let out = Command::new(env!("CARGO_BIN_EXE_blockstack"))
            .arg("-c")
            .arg(&config)
            .args(["get_name_blockchain_record", "viaapi.reg"])
            .output()
            .expect("run blockstack");
        let rec: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        if rec["value_hash"].is_string() {
            assert_eq!(
                rec["address"],
                wallet
                    .keys
                    .owner
                    .address(NetworkKind::Test)
                    .to_string()
                    .as_str()
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "viaapi.reg never registered: {rec}; daemon log:\n{}",
            std::fs::read_to_string(client_dir.path().join("api_endpoint.log")).unwrap_or_default()
        );
    }
    blockstack(&config, &["api", "stop"]);
    json(&core(node_dir.path(), &["stop"]));
}

const PASSWORD: &str = "regtest-wallet-password";

fn payment_key(key: &KeyInfo) -> &bitcoin::PrivateKey {
    match key {
        KeyInfo::Single(single) => single.private_key(),
        KeyInfo::Multisig(_) => unreachable!("the payer is a single key"),
    }
}
