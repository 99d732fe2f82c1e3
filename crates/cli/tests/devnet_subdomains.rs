//! Subdomains end to end on the devnet: a name whose zone file carries subdomain records is
//! registered and updated on the devnet chain, its zone files are pushed through the node RPC
//! into Atlas, the daemon's subdomain indexer picks them up as they arrive, and the REST API,
//! the node RPC and `blockstack-core info` answer for the subdomains.

use std::process::Command;
use std::str::FromStr;
use std::time::{Duration, Instant};

use base64::Engine;
use bitcoin::hashes::Hash;
use bitcoin::{Address, Amount, FeeRate, NetworkKind, PubkeyHash, ScriptBuf};
use blockstack_consensus::hash::{name_consensus_hash, preorder_hash};
use blockstack_consensus::op::{
    name_preorder, name_registration, name_update, namespace_preorder, namespace_ready,
    namespace_reveal,
};
use blockstack_consensus::price::PriceFunction;
use blockstack_node::chain::{BitcoindClient, BitcoindConfig, ChainSource, RpcAuth};
use blockstack_wallet::{
    BuildRequest, ChainParams, Funds, KeyInfo, Operation, Signer, TransactionBuilder, Utxo,
    WalletFile,
};
use blockstack_zonefile::subdomain::{sign_singlesig, SubdomainRecord};
use serde_json::Value;

mod common;
use common::{core, http, json, start_devnet, KillOnDrop};

struct Devnet {
    dir: tempfile::TempDir,
    rest: String,
    rpc: String,
    client: BitcoindClient,
}

impl Devnet {
    fn indexed_height(&self) -> Option<u64> {
        json(&core(self.dir.path(), &["info"]))["last_block_processed"].as_u64()
    }

    async fn mine(&self, n: u64) {
        let _: Vec<String> = self
            .client
            .call(
                "generatetoaddress",
                serde_json::json!([n, "mfWxJ45yp2SFn7UciZyNpvDKrzbhyfKrY8"]),
            )
            .await
            .expect("mine");
        let height = self.client.block_count().await.expect("count");
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.indexed_height() != Some(height) {
            assert!(
                Instant::now() < deadline,
                "the node did not index block {height}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn consensus_hash(&self) -> [u8; 16] {
        let ch = http(
            &format!("{}v1/blockchains/bitcoin/consensus", self.rest),
            None,
        );
        hex::decode(ch["consensus_hash"].as_str().expect("hash"))
            .expect("hex")
            .try_into()
            .expect("16 bytes")
    }

    /// The funds of `key`.
    async fn funds(&self, key: &KeyInfo) -> Funds {
        let address = Address::from_str(&key.address(NetworkKind::Test).to_string())
            .expect("address")
            .assume_checked();
        let utxos: Vec<Utxo> = self
            .client
            .utxos(&address)
            .await
            .expect("utxos")
            .into_iter()
            .map(|u| Utxo {
                outpoint: u.outpoint,
                value: u.txout.value,
            })
            .collect();
        Funds {
            spender: key.spender(),
            utxos,
        }
    }

    /// Builds, signs, broadcasts and mines one operation sent by `sender`.
    async fn send(&self, sender: &KeyInfo, operation: Operation, payload: Vec<u8>) {
        self.send_paid(sender, None, operation, payload).await;
    }

    /// [`Devnet::send`], with a separate `payer` for the owner-and-payer operations.
    async fn send_paid(
        &self,
        sender: &KeyInfo,
        payer: Option<&KeyInfo>,
        operation: Operation,
        payload: Vec<u8>,
    ) {
        let params = ChainParams::bitcoin_testnet();
        let payer_funds = match payer {
            Some(p) => Some(self.funds(p).await),
            None => None,
        };
        let unsigned = TransactionBuilder::new(params)
            .build(&BuildRequest {
                operation,
                payload,
                sender: self.funds(sender).await,
                payer: payer_funds,
                fee_rate: FeeRate::from_sat_per_vb_u32(2),
            })
            .expect("build");
        let mut keys = vec![sender];
        keys.extend(payer);
        let tx = Signer::new(params.sighash)
            .sign(&unsigned, &keys)
            .expect("sign")
            .into_transaction();
        self.client
            .broadcast(&tx)
            .await
            .expect("accepted by the devnet");
        self.mine(1).await;
    }
}

fn burn() -> ScriptBuf {
    ScriptBuf::new_p2pkh(&PubkeyHash::from_byte_array([0; 20]))
}

/// The testnet p2pkh address of the compressed public key of `[byte; 32]`.
fn subdomain_owner(byte: u8) -> (bitcoin::secp256k1::SecretKey, String) {
    let key = bitcoin::secp256k1::SecretKey::from_slice(&[byte; 32]).expect("key");
    let pubkey = bitcoin::PublicKey::new(key.public_key(&bitcoin::secp256k1::Secp256k1::new()));
    (key, Address::p2pkh(pubkey, NetworkKind::Test).to_string())
}

/// A carrier zone file of `foo.test` holding `records`.
fn carrier_zonefile(records: &[SubdomainRecord]) -> Vec<u8> {
    let mut text = String::from(
        "$ORIGIN foo.test\n$TTL 3600\n_http._tcp URI 10 1 \"https://example.com/foo.json\"\n",
    );
    for rec in records {
        let txt = rec.to_txt_record();
        let strings: Vec<String> = txt
            .txt
            .strings()
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect();
        text.push_str(&format!("{} TXT {}\n", txt.name, strings.join(" ")));
    }
    text.into_bytes()
}

fn subdomain(label: &str, owner: &str, seqn: i64) -> SubdomainRecord {
    SubdomainRecord {
        fqn: format!("{label}.foo.test"),
        carrier: "foo.test".into(),
        owner: owner.into(),
        sequence: seqn,
        zonefile: format!(
            "$ORIGIN {label}\n$TTL 3600\n_https._tcp URI 10 1 \"https://example.com/{label}/{seqn}.json\"\n"
        )
        .into_bytes(),
        signature: None,
    }
}

/// Pushes a zone file through the node RPC, as a client or an Atlas peer would.
fn put_zonefile(rpc: &str, zonefile: &[u8]) {
    let b64 = base64::engine::general_purpose::STANDARD.encode(zonefile);
    let call = format!(
        "<?xml version='1.0'?><methodCall><methodName>put_zonefiles</methodName><params><param><value><array><data><value><string>{b64}</string></value></data></array></value></param></params></methodCall>"
    );
    let out = Command::new("curl")
        .args(["-s", "-d", &call, &format!("{rpc}RPC2")])
        .output()
        .expect("curl");
    let reply = String::from_utf8_lossy(&out.stdout);
    assert!(reply.contains("\"saved\": [1]"), "{reply}");
}

/// The JSON reply of `get_name_record(name)` on the node RPC.
fn rpc_name_record(rpc: &str, name: &str) -> Value {
    let call = format!(
        "<?xml version='1.0'?><methodCall><methodName>get_name_record</methodName><params><param><value><string>{name}</string></value></param></params></methodCall>"
    );
    let out = Command::new("curl")
        .args(["-s", "-d", &call, &format!("{rpc}RPC2")])
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&out.stdout);
    let start = text.find("<string>").map(|i| i + 8).unwrap_or(0);
    let end = text.find("</string>").unwrap_or(text.len());
    let inner = text[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&inner).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

/// Polls `GET path` until `done` holds for the reply.
fn wait_rest(rest: &str, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let reply = http(&format!("{rest}{path}"), None);
        if done(&reply) {
            return reply;
        }
        assert!(Instant::now() < deadline, "{path}: {reply}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subdomains_are_indexed_as_their_zone_files_arrive_and_served() {
    let dir = tempfile::tempdir().expect("tempdir");
    let _guard = KillOnDrop(dir.path().to_path_buf());
    let started = start_devnet(dir.path());
    let devnet = &started["devnet"];
    let url = devnet["bitcoind_rpc_url"]
        .as_str()
        .expect("url")
        .to_string();
    let password = std::fs::read_to_string(dir.path().join("devnet-rpc.secret")).expect("secret");
    let client = BitcoindClient::new(BitcoindConfig::new(
        url,
        RpcAuth::UserPass {
            user: "devnet".into(),
            password: password.trim().into(),
        },
    ))
    .expect("client");
    let net = Devnet {
        rest: devnet["rest_api_url"].as_str().expect("rest").to_string(),
        rpc: devnet["node_rpc_url"].as_str().expect("rpc").to_string(),
        dir,
        client,
    };
    net.mine(1).await;
    let wallet = WalletFile::new(net.dir.path().join("wallet.json"))
        .load("blockstack-devnet")
        .expect("devnet wallet");
    let (payment, owner) = (wallet.keys.payment.clone(), wallet.keys.owner.clone());
    let payment_script = payment.script_pubkey().to_hex_string();
    let owner_address = owner.address(NetworkKind::Test).to_string();

    // The namespace `test`.
    let hash = preorder_hash("test", &payment_script, &owner_address).expect("b40");
    let preorder = namespace_preorder::Payload {
        preorder_hash: hex::decode(&hash).expect("hex").try_into().expect("20"),
        consensus_hash: net.consensus_hash(),
    };
    net.send(
        &payment,
        Operation::NamespacePreorder {
            burn_script: burn(),
            fee: Amount::from_sat(40_000_000),
        },
        preorder.encode(),
    )
    .await;
    let reveal = namespace_reveal::Payload {
        namespace_id: "test".into(),
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
    net.send(
        &payment,
        Operation::NamespaceReveal {
            revealer_script: owner.script_pubkey(),
        },
        reveal.encode(),
    )
    .await;
    let _: Value = net
        .client
        .call("generatetoaddress", serde_json::json!([2, owner_address]))
        .await
        .expect("coinbases to the owner");
    net.mine(100).await;
    net.send(
        &owner,
        Operation::NamespaceReady,
        namespace_ready::Payload {
            namespace_id: "test".into(),
        }
        .encode(),
    )
    .await;

    // `foo.test`, registered with a zone file that creates alice and bob.
    let (alice_key, alice_owner) = subdomain_owner(0x11);
    let (_, new_owner) = subdomain_owner(0x22);
    let first = carrier_zonefile(&[
        subdomain("alice", &alice_owner, 0),
        subdomain("bob", &alice_owner, 0),
    ]);
    let hash = preorder_hash("foo.test", &payment_script, &owner_address).expect("b40");
    let preorder = name_preorder::Payload {
        preorder_hash: hex::decode(&hash).expect("hex").try_into().expect("20"),
        consensus_hash: net.consensus_hash(),
    };
    net.send(
        &payment,
        Operation::NamePreorder {
            burn_script: burn(),
            fee: Amount::from_sat(640_000),
        },
        preorder.encode(),
    )
    .await;
    let register = name_registration::Payload {
        name: "foo.test".into(),
        value_hash: Some(
            hex::decode(blockstack_zonefile::zonefile_hash(&first))
                .expect("hex")
                .try_into()
                .expect("20"),
        ),
    };
    net.send(
        &payment,
        Operation::NameRegistration {
            owner_script: owner.script_pubkey(),
        },
        register.encode(),
    )
    .await;
    assert_eq!(
        http(&format!("{}v1/names/alice.foo.test", net.rest), None),
        serde_json::json!({"status": "available"}),
        "not known before its carrier zone file arrives"
    );

    // The zone file arrives: the subdomains appear without another block.
    put_zonefile(&net.rpc, &first);
    let alice = wait_rest(&net.rest, "v1/names/alice.foo.test", |v| {
        v["status"] == "registered_subdomain"
    });
    assert_eq!(alice["address"], alice_owner.as_str(), "{alice}");

    // A NAME_UPDATE carries alice's transfer, signed by her owner; until its zone file
    // arrives the record is the old one, and pending.
    let mut transfer = subdomain("alice", &new_owner, 1);
    transfer.signature = Some(sign_singlesig(
        transfer.plaintext().as_bytes(),
        &alice_key,
        true,
    ));
    let second = carrier_zonefile(&[transfer]);
    let consensus = hex::encode(net.consensus_hash());
    let update = name_update::Payload {
        name_consensus_hash: hex::decode(name_consensus_hash("foo.test", &consensus))
            .expect("hex")
            .try_into()
            .expect("16"),
        value_hash: hex::decode(blockstack_zonefile::zonefile_hash(&second))
            .expect("hex")
            .try_into()
            .expect("20"),
    };
    net.send_paid(
        &owner,
        Some(&payment),
        Operation::NameUpdate,
        update.encode(),
    )
    .await;
    let record = rpc_name_record(&net.rpc, "alice.foo.test");
    assert_eq!(
        record["record"]["address"],
        alice_owner.as_str(),
        "{record}"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while rpc_name_record(&net.rpc, "alice.foo.test")["record"]["pending"] != true {
        assert!(Instant::now() < deadline, "never pending");
        std::thread::sleep(Duration::from_millis(100));
    }

    put_zonefile(&net.rpc, &second);
    let alice = wait_rest(&net.rest, "v1/names/alice.foo.test", |v| {
        v["address"] == new_owner.as_str()
    });
    assert_eq!(alice["status"], "registered_subdomain");
    let history = http(
        &format!("{}v1/names/alice.foo.test/history", net.rest),
        None,
    );
    assert_eq!(history.as_object().map(|h| h.len()), Some(2), "{history}");
    let owned = http(
        &format!("{}v1/addresses/bitcoin/{new_owner}", net.rest),
        None,
    );
    assert_eq!(
        owned["names"],
        serde_json::json!(["alice.foo.test"]),
        "{owned}"
    );
    let record = rpc_name_record(&net.rpc, "alice.foo.test");
    assert_eq!(record["record"]["pending"], false, "{record}");
    assert_eq!(record["record"]["sequence"], 1, "{record}");

    // The operator view: every announced zone file held, both subdomains indexed.
    let info = json(&core(net.dir.path(), &["info"]));
    assert_eq!(info["atlas"]["zonefiles_expected"], 2, "{info}");
    assert_eq!(info["atlas"]["zonefiles_held"], 2, "{info}");
    assert_eq!(info["atlas"]["missing"], serde_json::json!([]), "{info}");
    assert_eq!(info["subdomains"]["subdomains"], 2, "{info}");
    let rest_info = http(&format!("{}v1/info", net.rest), None);
    assert_eq!(rest_info["atlas"]["missing_count"], 0, "{rest_info}");
    assert!(
        rest_info["zonefile_count"].as_u64().is_some(),
        "{rest_info}"
    );
    json(&core(net.dir.path(), &["stop"]));
}
