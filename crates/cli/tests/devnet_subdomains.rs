//! Subdomains end to end on the devnet: a name whose zone file carries subdomain records is
//! registered and updated on the devnet chain, its zone files are pushed through the node RPC
//! into Atlas, the daemon's subdomain indexer picks them up as they arrive, and the REST API,
//! the node RPC and `blockstack-core info` answer for the subdomains.

use std::process::Command;
use std::time::{Duration, Instant};

use bitcoin::{Address, NetworkKind};
use blockstack_consensus::hash::name_consensus_hash;
use blockstack_consensus::op::name_update;
use blockstack_wallet::Operation;
use blockstack_zonefile::subdomain::{sign_singlesig, SubdomainRecord};
use serde_json::Value;

mod common;
use common::devnet::Devnet;
use common::{core, http, json};

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
    let (net, _guard) = Devnet::start();
    net.mine(1).await;
    let keys = net.wallet();
    let (payment, owner) = (&keys.payment, &keys.owner);

    // The namespace `test`; the owner gets two coinbases, for READY and the NAME_UPDATE.
    net.launch_test_namespace(&keys, 2).await;

    // `foo.test`, registered with a zone file that creates alice and bob.
    let (alice_key, alice_owner) = subdomain_owner(0x11);
    let (_, new_owner) = subdomain_owner(0x22);
    let first = carrier_zonefile(&[
        subdomain("alice", &alice_owner, 0),
        subdomain("bob", &alice_owner, 0),
    ]);
    net.register(
        &keys,
        "foo.test",
        Some(&blockstack_zonefile::zonefile_hash(&first)),
    )
    .await;
    assert_eq!(
        http(&format!("{}v1/names/alice.foo.test", net.rest), None),
        serde_json::json!({"status": "available"}),
        "not known before its carrier zone file arrives"
    );

    // The zone file arrives: the subdomains appear without another block.
    net.push_zonefile(&first);
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
    net.send_paid(owner, Some(payment), Operation::NameUpdate, update.encode())
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

    net.push_zonefile(&second);
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
