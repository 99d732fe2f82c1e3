//! `blockstack` end to end on the devnet: a namespace with a custom price function is
//! preordered, revealed, filled with an import and launched with CLI commands; names are
//! registered (plain and with a zone file) through the client library's operations; zone-file
//! hashes are set with `set_zonefile_hash`; names are transferred, renewed and revoked through
//! the same operations; every step is checked through the node with the CLI's queries. The
//! commands that go through the API daemon are checked against a fake daemon that records
//! their requests.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bitcoin::NetworkKind;
use blockstack_cli::daemon::devnet;
use blockstack_client::backend::BitcoindBackend;
use blockstack_client::compose::Composer;
use blockstack_client::config::BitcoindEndpoint;
use blockstack_client::node::NodeClient;
use blockstack_client::ops::Client;
use blockstack_consensus::price::{price_fqn, PriceFunction};
use blockstack_wallet::{ChainParams, SingleKey, WalletFile, WalletKeys};
use serde_json::Value;

mod common;
use common::devnet::Devnet;
use common::KillOnDrop;

const PASSWORD: &str = devnet::DEFAULT_WALLET_PASSWORD;

struct Net {
    devnet: Devnet,
    client_dir: tempfile::TempDir,
    config: PathBuf,
    endpoint: BitcoindEndpoint,
    node_url: String,
}

fn port_of(url: &str) -> u16 {
    url.trim_end_matches('/')
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a port in the URL")
}

impl Net {
    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_blockstack"))
            .arg("-c")
            .arg(&self.config)
            .arg("-p")
            .arg(PASSWORD)
            .args(args)
            .env_remove("BLOCKSTACK_WALLET_PASSWORD")
            .env_remove("BLOCKSTACK_CLIENT_CONFIG")
            .env_remove("BLOCKSTACK_DRY_RUN")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run blockstack")
    }

    fn ok(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "blockstack {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
            panic!(
                "blockstack {args:?} printed no JSON: {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    fn raw(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("text")
    }

    fn err(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "blockstack {args:?} succeeded");
        let v: Value = serde_json::from_slice(&out.stderr)
            .unwrap_or_else(|_| panic!("no JSON error: {}", String::from_utf8_lossy(&out.stderr)));
        v["error"].as_str().expect("error text").to_owned()
    }

    fn record(&self, name: &str) -> Value {
        self.ok(&["get_name_blockchain_record", name])
    }

    /// Mines `n` blocks and waits for the node to index them.
    async fn mine(&self, n: u64) {
        self.devnet.mine(n).await;
    }

    fn client(&self) -> Client<BitcoindBackend> {
        Client::new(
            BitcoindBackend::connect(&self.endpoint, true).expect("backend"),
            NodeClient::new(&self.node_url).expect("node"),
            Composer::new(ChainParams::bitcoin_testnet()),
            0,
        )
    }
}

async fn start() -> (Net, KillOnDrop) {
    let (devnet, guard) = Devnet::start();
    let btc_url = devnet.chain_url.clone();
    let node_rpc = devnet.rpc.clone();
    let secret = devnet.secret.clone();
    let client_dir = tempfile::tempdir().expect("tempdir");
    let config = client_dir.path().join("client.ini");
    let net = Net {
        devnet,
        config,
        endpoint: BitcoindEndpoint {
            server: "127.0.0.1".into(),
            port: port_of(&btc_url),
            user: "devnet".into(),
            password: secret.clone(),
            use_https: false,
            timeout: Duration::from_secs(30),
        },
        node_url: format!("http://127.0.0.1:{}/RPC2", port_of(&node_rpc)),
        client_dir,
    };
    let rpc_port = port_of(&node_rpc).to_string();
    let btc_port = port_of(&btc_url).to_string();
    net.ok(&[
        "configure",
        "--server",
        "127.0.0.1",
        "--server-port",
        &rpc_port,
        "--bitcoind-server",
        "127.0.0.1",
        "--bitcoind-port",
        &btc_port,
        "--bitcoind-user",
        "devnet",
        "--bitcoind-password",
        &secret,
        "--network",
        "testnet",
        "--regtest",
        "true",
    ]);
    // The devnet's funded wallet becomes this client's wallet.
    std::fs::copy(
        net.devnet.dir.path().join("wallet.json"),
        net.client_dir.path().join("wallet.json"),
    )
    .expect("copy wallet");
    (net, guard)
}

/// A fake API daemon: answers 202 to every request and records method, path, headers, body.
#[derive(Clone, Debug)]
struct Recorded {
    method: String,
    path: String,
    headers: HashMap<String, String>,
    body: Value,
}

fn fake_api() -> (u16, Arc<Mutex<Vec<Recorded>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let log: Arc<Mutex<Vec<Recorded>>> = Arc::default();
    let seen = log.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let method = parts.next().unwrap_or_default().to_owned();
            let path = parts.next().unwrap_or_default().to_owned();
            let mut headers = HashMap::new();
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
                }
            }
            let len: usize = headers
                .get("content-length")
                .and_then(|l| l.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; len];
            reader.read_exact(&mut body).ok();
            seen.lock().expect("log").push(Recorded {
                method,
                path,
                headers,
                body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            });
            let reply =
                r#"{"success": true, "transaction_hash": "00ff", "message": "Name queued."}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                reply.len()
            );
        }
    });
    (port, log)
}

fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_namespace_and_its_names_go_through_their_whole_life() {
    let (net, _guard) = start().await;
    net.mine(1).await;
    let dir = net.client_dir.path();

    let keys = net.ok(&["wallet"]);
    let payment = keys["payment_privkey"].to_string();
    let owner_address = keys["owner_address"].as_str().expect("owner").to_string();
    let balance = net.ok(&["balance"]);
    assert!(balance["total_balance"]["satoshis"].as_u64() > Some(1_000_000_000));
    assert_eq!(
        balance["addresses"][0]["address"], keys["payment_address"],
        "{balance}"
    );

    // A dry run signs but sends nothing.
    let reveal = SingleKey::generate(NetworkKind::Test);
    let reveal_wif = reveal.to_wif();
    let reveal_address = reveal
        .address(&bitcoin::secp256k1::Secp256k1::new(), NetworkKind::Test)
        .to_string();
    let dry = net.ok(&["-n", "withdraw", &reveal_address, "50000000"]);
    assert!(dry["tx"].as_str().is_some_and(|t| !t.is_empty()), "{dry}");
    net.mine(1).await;
    assert_eq!(net.ok(&["balance"]), balance, "a dry run moves no money");

    // Fund the reveal key, which pays for imports and the launch.
    let sent = net.ok(&["withdraw", &reveal_address, "50000000"]);
    assert!(sent["transaction_hash"].is_string(), "{sent}");
    net.mine(1).await;

    // NAMESPACE_PREORDER and NAMESPACE_REVEAL with a custom price function.
    let pre = net.ok(&["-y", "namespace_preorder", "custom", &payment, &reveal_wif]);
    let pre_txid = pre["transaction_hash"].as_str().expect("txid").to_string();
    let err = net.err(&[
        "-y",
        "namespace_reveal",
        "custom",
        &payment,
        &reveal_wif,
        &pre_txid,
    ]);
    assert!(err.contains("not confirmed"), "{err}");
    net.mine(1).await;
    let pf = PriceFunction {
        coeff: 3,
        base: 2,
        buckets: [6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        nonalpha_discount: 3,
        no_vowel_discount: 4,
    };
    net.ok(&[
        "-y",
        "namespace_reveal",
        "custom",
        &payment,
        &reveal_wif,
        &pre_txid,
        "--lifetime",
        "5000",
        "--coeff",
        "3",
        "--base",
        "2",
        "--buckets",
        "6,5,4,3,2,1,0,0,0,0,0,0,0,0,0,0",
        "--nonalpha-discount",
        "3",
        "--no-vowel-discount",
        "4",
    ]);
    net.mine(1).await;
    let ns = net.ok(&["get_namespace_blockchain_record", "custom"]);
    assert_eq!(ns["ready"], false, "{ns}");
    assert_eq!(ns["coeff"], 3);
    assert_eq!(ns["base"], 2);
    assert_eq!(ns["lifetime"], 5000);
    assert_eq!(ns["recipient_address"], reveal_address.as_str());
    let err = net.err(&["-y", "namespace_preorder", "custom", &payment, &reveal_wif]);
    assert!(err.contains("already revealed"), "{err}");

    // NAME_IMPORT by the revealer, then the zone file pushed to the node.
    let imported_zf = "$ORIGIN imported.custom\n$TTL 3600\n_http._tcp URI 10 1 \"https://example.com/imported.json\"\n";
    let zf_path = write_file(dir, "imported.zonefile", imported_zf);
    let zf_arg = zf_path.display().to_string();
    let wrong_key = SingleKey::generate(NetworkKind::Test).to_wif();
    let err = net.err(&[
        "name_import",
        "imported.custom",
        &owner_address,
        &zf_arg,
        &wrong_key,
    ]);
    assert!(err.contains("Wrong reveal private key"), "{err}");
    let imp = net.ok(&[
        "name_import",
        "imported.custom",
        &owner_address,
        &zf_arg,
        &reveal_wif,
    ]);
    net.mine(1).await;
    let rec = net.record("imported.custom");
    assert_eq!(rec["address"], owner_address.as_str(), "{rec}");
    assert_eq!(rec["value_hash"], imp["value_hash"]);
    assert_eq!(rec["opcode"], "NAME_IMPORT");
    net.ok(&["zonefile_push", "imported.custom", &zf_arg]);
    assert_eq!(
        net.raw(&["get_name_zonefile", "imported.custom"])
            .trim_end(),
        imported_zf.trim_end()
    );
    let parsed = net.ok(&["get_name_zonefile", "imported.custom", "--json"]);
    assert_eq!(parsed["zonefile"]["$origin"], "imported.custom");

    // NAMESPACE_READY by the revealer; imports are over.
    net.ok(&["-y", "namespace_ready", "custom", &reveal_wif]);
    net.mine(1).await;
    assert_eq!(
        net.ok(&["get_namespace_blockchain_record", "custom"])["ready"],
        true
    );
    let err = net.err(&[
        "name_import",
        "other.custom",
        &owner_address,
        &zf_arg,
        &reveal_wif,
    ]);
    assert!(err.contains("already launched"), "{err}");

    // The price follows the custom price function.
    let info = net.ok(&["info"]);
    let height = info["last_block_processed"].as_u64().expect("height");
    let price = net.ok(&["price", "foo.custom"]);
    let expected = price_fqn("foo.custom", &pf, &devnet::rules(), height).ceil() as u64;
    assert_eq!(price["name_price"]["satoshis"], expected, "{price}");
    assert!(price["preorder_tx_fee"]["satoshis"].as_u64() > Some(0));
    assert!(price["total_estimated_cost"]["satoshis"].as_u64() > Some(expected));

    // Names registered through the library's operations: one with a zone file, one without.
    let wallet = WalletFile::new(dir.join("wallet.json"))
        .load(PASSWORD)
        .expect("wallet");
    let client = net.client();
    let owner_script = wallet.keys.owner.script_pubkey();
    let foo_zf =
        "$ORIGIN foo.custom\n$TTL 3600\n_http._tcp URI 10 1 \"https://example.com/foo.json\"\n";
    let foo_hash = blockstack_client::zonefiles::hash_bytes(foo_zf.as_bytes());
    // bitcoind's UTXO scan sees confirmed outputs only, so each payment waits for a block.
    for name in ["foo.custom", "bar.custom"] {
        client
            .name_preorder(
                name,
                &wallet.keys.payment,
                &owner_script,
                Some(expected * 10),
            )
            .await
            .expect("preorder");
        net.mine(1).await;
    }
    client
        .name_registration(
            "foo.custom",
            &wallet.keys.payment,
            &owner_script,
            Some(foo_hash),
        )
        .await
        .expect("register with zone file");
    net.mine(1).await;
    client
        .name_registration("bar.custom", &wallet.keys.payment, &owner_script, None)
        .await
        .expect("register");
    net.mine(1).await;
    let foo = net.record("foo.custom");
    assert_eq!(foo["address"], owner_address.as_str(), "{foo}");
    assert_eq!(foo["value_hash"], hex::encode(foo_hash));
    let bar = net.record("bar.custom");
    assert_eq!(bar["address"], owner_address.as_str());
    assert!(bar["value_hash"].is_null(), "{bar}");
    let again = client
        .name_preorder("foo.custom", &wallet.keys.payment, &owner_script, None)
        .await
        .expect_err("taken");
    assert_eq!(again.to_string(), "foo.custom is already registered.");

    // Queries about the new names.
    let mut names = net.ok(&["names"])["names_owned"]
        .as_array()
        .expect("names")
        .clone();
    names.sort_by_key(|v| v.as_str().map(str::to_owned));
    assert_eq!(names, ["bar.custom", "foo.custom", "imported.custom"]);
    let listed = net.ok(&["get_names_in_namespace", "custom"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(3), "{listed}");
    let owned = net.ok(&["get_names_owned_by_address", &owner_address]);
    assert_eq!(owned.as_array().map(Vec::len), Some(3), "{owned}");
    let whois = net.ok(&["whois", "foo.custom"]);
    assert_eq!(whois["owner_address"], owner_address.as_str());
    assert_eq!(whois["has_zonefile"], true);
    assert_eq!(whois["zonefile_hash"], hex::encode(foo_hash));
    let lookup = net.ok(&["lookup", "imported.custom"]);
    assert_eq!(lookup["zonefile"], imported_zf);
    let consensus = net.ok(&["consensus"]);
    assert_eq!(consensus["consensus"], net.ok(&["info"])["consensus_hash"]);

    // The API-daemon commands, against a fake daemon that records their requests.
    let (api_port, requests) = fake_api();
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed_port = closed.local_addr().expect("addr").port().to_string();
    drop(closed);
    net.ok(&[
        "configure",
        "--api-host",
        "127.0.0.1",
        "--api-port",
        &closed_port,
    ]);
    let err = net.err(&["-y", "register", "baz.custom"]);
    assert!(err.contains("API server not running"), "{err}");
    net.ok(&[
        "configure",
        "--api-port",
        &api_port.to_string(),
        "--set-api-password",
        "api-secret",
    ]);
    let reply = net.ok(&["-y", "register", "baz.custom"]);
    assert_eq!(reply["success"], true, "{reply}");
    let err = net.err(&["-y", "register", "foo.custom"]);
    assert!(err.contains("already registered"), "{err}");
    let new_zf = write_file(dir, "new.zonefile", "$ORIGIN imported.custom\n$TTL 3600\n");
    net.ok(&["update", "imported.custom", &new_zf.display().to_string()]);
    let err = net.err(&["update", "imported.custom", &zf_arg]);
    assert!(err.contains("already set"), "{err}");
    // The registrar queues zone files of at most 4,096 bytes; a larger one is refused here,
    // before any request (the log below holds none for it).
    let big = format!("$ORIGIN baz.custom\n$TTL 3600\n;{}\n", "x".repeat(4096));
    let big_zf = write_file(dir, "big.zonefile", &big);
    let big_arg = big_zf.display().to_string();
    let err = net.err(&["-y", "register", "baz.custom", &big_arg]);
    assert!(err.contains("Zonefile is too big (4127 bytes)"), "{err}");
    let err = net.err(&["update", "imported.custom", &big_arg]);
    assert!(err.contains("Zonefile is too big (4127 bytes)"), "{err}");
    let err = net.err(&["update", "imported.custom"]);
    assert!(
        err.contains("Zone file data required in non-interactive mode"),
        "{err}"
    );
    let stranger = WalletKeys::generate(NetworkKind::Test)
        .owner
        .address(NetworkKind::Test)
        .to_string();
    net.ok(&["-y", "transfer", "imported.custom", &stranger]);
    net.ok(&["-y", "renew", "imported.custom"]);
    net.ok(&["-y", "revoke", "imported.custom"]);
    let err = net.err(&["-y", "revoke", "nobody.custom"]);
    assert!(err.contains("not registered"), "{err}");
    let log = requests.lock().expect("log").clone();
    let summary: Vec<(String, String)> = log
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    assert_eq!(
        summary,
        [
            ("POST", "/v1/names"),
            ("PUT", "/v1/names/imported.custom/zonefile"),
            ("PUT", "/v1/names/imported.custom/owner"),
            ("POST", "/v1/names"),
            ("DELETE", "/v1/names/imported.custom"),
        ]
        .map(|(m, p)| (m.to_owned(), p.to_owned()))
    );
    for r in &log {
        assert_eq!(
            r.headers.get("authorization").map(String::as_str),
            Some("bearer api-secret")
        );
        assert_eq!(
            r.headers.get("origin").map(String::as_str),
            Some("http://localhost:8888")
        );
    }
    let register = &log[0].body;
    assert_eq!(register["name"], "baz.custom");
    assert_eq!(
        register["cost_satoshis"],
        net.ok(&["price", "baz.custom"])["name_price"]["satoshis"]
    );
    assert_eq!(register["make_profile"], true);
    let data_pubkey = blockstack_client::zonefiles::public_key(
        register["zonefile"].as_str().expect("zonefile").as_bytes(),
    );
    assert_eq!(data_pubkey, Some(wallet.keys.data_public_key_hex()));
    assert_eq!(
        log[1].body["zonefile"],
        "$ORIGIN imported.custom\n$TTL 3600\n"
    );
    assert_eq!(log[2].body["owner"], stranger.as_str());
    assert_eq!(log[3].body, serde_json::json!({"name": "imported.custom"}));
    assert_eq!(log[4].body, Value::Null);

    // NAME_UPDATE with a raw hash, sent directly.
    let new_hash = "11".repeat(20);
    let upd = net.ok(&["set_zonefile_hash", "foo.custom", &new_hash]);
    assert!(upd["transaction_hash"].is_string(), "{upd}");
    net.mine(1).await;
    assert_eq!(net.record("foo.custom")["value_hash"], new_hash.as_str());

    // NAME_TRANSFER, NAME_RENEWAL and NAME_REVOKE through the library's operations.
    let receiver = WalletKeys::generate(NetworkKind::Test);
    let receiver_address = receiver.owner.address(NetworkKind::Test).to_string();
    client
        .name_transfer(
            "foo.custom",
            &wallet.keys.owner,
            &wallet.keys.payment,
            &receiver_address,
            true,
        )
        .await
        .expect("transfer");
    net.mine(1).await;
    let before = net.record("bar.custom");
    client
        .name_renewal(
            "bar.custom",
            &wallet.keys.owner,
            &wallet.keys.payment,
            None,
            None,
            None,
        )
        .await
        .expect("renewal");
    net.mine(1).await;
    let foo = net.record("foo.custom");
    assert_eq!(foo["address"], receiver_address.as_str(), "{foo}");
    assert_eq!(
        foo["value_hash"],
        new_hash.as_str(),
        "the transfer kept the zone file"
    );
    let bar = net.record("bar.custom");
    assert!(
        bar["last_renewed"].as_u64() > before["last_renewed"].as_u64(),
        "{bar}"
    );
    let err = net.err(&["set_zonefile_hash", "foo.custom", &"22".repeat(20)]);
    assert!(err.contains("does not own"), "{err}");

    client
        .name_revoke("bar.custom", &wallet.keys.owner, &wallet.keys.payment)
        .await
        .expect("revoke");
    net.mine(1).await;
    assert_eq!(net.record("bar.custom")["revoked"], true);
    let err = net.err(&["whois", "bar.custom"]);
    assert!(err.contains("revoked"), "{err}");
    let history = net.ok(&["get_name_blockchain_history", "bar.custom"]);
    let ops: Vec<String> = history
        .as_object()
        .expect("history")
        .values()
        .flat_map(|v| v.as_array().cloned().unwrap_or_default())
        .filter_map(|s| s["opcode"].as_str().map(str::to_owned))
        .collect();
    assert!(ops.iter().any(|o| o == "NAME_REVOKE"), "{history}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_daemon_carries_a_cli_registration_through_its_registrar() {
    let (net, _guard) = start().await;
    net.mine(1).await;
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
        .to_string();
    net.ok(&["configure", "--api-host", "127.0.0.1", "--api-port", &port]);
    assert_eq!(net.ok(&["api", "status"])["status"], false);

    // A wrong password is refused before anything runs in the background.
    let out = Command::new(env!("CARGO_BIN_EXE_blockstack"))
        .arg("-c")
        .arg(&net.config)
        .args(["-p", "not-the-password", "api", "start"])
        .env_remove("BLOCKSTACK_WALLET_PASSWORD")
        .output()
        .expect("run blockstack");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Failed to unlock the wallet"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(net.ok(&["api", "status"])["status"], false);

    let started = net.ok(&["api", "start"]);
    assert_eq!(started["status"], true, "{started}");
    assert_eq!(net.ok(&["api", "status"])["status"], true);
    let again = net.run(&["api", "start"]);
    assert!(!again.status.success(), "a second daemon must be refused");

    // A namespace to register in, made with the library.
    let keys = WalletFile::new(net.client_dir.path().join("wallet.json"))
        .load(PASSWORD)
        .expect("wallet")
        .keys;
    let client = net.client();
    // The revealer is a single key (v0.18 reveals to p2pkh addresses only), funded for the
    // launch.
    let reveal_key = blockstack_wallet::KeyInfo::Single(SingleKey::generate(NetworkKind::Test));
    let reveal_address = reveal_key.address(NetworkKind::Test).to_string();
    net.ok(&["withdraw", &reveal_address, "50000000"]);
    net.mine(1).await;
    let revealer = reveal_key.script_pubkey();
    client
        .namespace_preorder("api", &keys.payment, &revealer)
        .await
        .expect("namespace preorder");
    net.mine(1).await;
    client
        .namespace_reveal(
            "api",
            &blockstack_client::compose::RevealParams {
                lifetime: 5000,
                price: PriceFunction {
                    coeff: 1,
                    base: 2,
                    buckets: [1; 16],
                    nonalpha_discount: 1,
                    no_vowel_discount: 1,
                },
                version: 1,
            },
            &keys.payment,
            &revealer,
        )
        .await
        .expect("namespace reveal");
    net.mine(1).await;
    client
        .namespace_ready("api", &reveal_key)
        .await
        .expect("namespace ready");
    net.mine(1).await;

    let zonefile = write_file(
        net.client_dir.path(),
        "carol.zone",
        "$ORIGIN carol.api\n$TTL 3600\n_http._tcp URI 10 1 \"https://example.com/carol.json\"\n",
    );
    let queued = net.ok(&[
        "-y",
        "register",
        "carol.api",
        zonefile.to_str().expect("path"),
    ]);
    assert_eq!(queued["success"], true, "{queued}");
    let rows = net.ok(&["queue"]);
    assert_eq!(rows[0]["fqu"], "carol.api", "{rows}");
    assert_eq!(rows[0]["type"], "preorder", "{rows}");
    let status = net.ok(&["status", "carol.api"]);
    assert_eq!(status["pending"][0]["queue"], "preorder", "{status}");
    assert_eq!(status["pending"][0]["tx_hash"], queued["transaction_hash"]);
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        net.mine(1).await;
        std::thread::sleep(Duration::from_millis(1500));
        let record = net.run(&["get_name_blockchain_record", "carol.api"]);
        if record.status.success() {
            let record: Value = serde_json::from_slice(&record.stdout).expect("json");
            // The name commits to its zone file hash before the registrar's
            // replication stage has pushed the file, so wait for both.
            let zf = net.run(&["get_name_zonefile", "carol.api"]);
            if record["value_hash"].is_string() && zf.status.success() {
                let zf = String::from_utf8_lossy(&zf.stdout);
                assert!(zf.contains("carol.json"), "{zf}");
                break;
            }
        }
        assert!(
            Instant::now() < deadline,
            "carol.api was never registered; daemon log:\n{}",
            std::fs::read_to_string(net.client_dir.path().join("api_endpoint.log"))
                .unwrap_or_default()
        );
    }
    let done = Instant::now() + Duration::from_secs(30);
    while net.ok(&["status", "carol.api"])["pending"] != serde_json::json!([]) {
        assert!(
            Instant::now() < done,
            "the registrar never finished carol.api"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(net.ok(&["api", "stop"])["status"], true);
    assert_eq!(net.ok(&["api", "status"])["status"], false);
}
