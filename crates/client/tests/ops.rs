//! The node client and the operations against a fake node and an in-memory backend: what is
//! asked of the node, which checks refuse an operation (and that nothing is broadcast then),
//! where fees go, and dry runs.

mod support;

use std::sync::{Arc, Mutex};

use bitcoin::hashes::Hash;
use bitcoin::{Amount, NetworkKind, OutPoint, Txid};
use blockstack_client::backend::UtxoInfo;
use blockstack_client::compose::{burn_script, Composer};
use blockstack_client::node::{NodeClient, NodeError};
use blockstack_client::ops::{Client, OpsError};
use blockstack_client::safety::SafetyError;
use blockstack_consensus::op::{parse_kind, OpKind};
use blockstack_consensus::{AddressNetwork, Rules};
use blockstack_node::xmlrpc::Value;
use blockstack_wallet::{ChainParams, WalletKeys};
use serde_json::{json, Value as Json};
use support::{fake_node, methods, FakeBackend};

const CONSENSUS: &str = "00112233445566778899aabbccddeeff";

/// What the fake node knows.
#[derive(Clone, Default)]
struct Chain {
    names: Vec<(String, Json)>,
    owned: Vec<String>,
    namespace_version: u16,
    namespace_address: String,
    /// `getinfo`'s `last_block_processed` and `last_block_seen`.
    tip: (u64, u64),
}

fn answer(state: &Arc<Mutex<Chain>>, method: &str, params: &[Value]) -> Json {
    let s = state.lock().expect("state").clone();
    let arg = params.first().and_then(Value::as_str).unwrap_or_default();
    match method {
        "getinfo" => json!({
            "consensus": CONSENSUS, "last_block_processed": s.tip.0, "last_block_seen": s.tip.1,
            "server_version": "0.18.0.2", "server_alive": true, "indexing": false
        }),
        "get_name_record" => match s.names.iter().find(|(n, _)| n == arg) {
            Some((_, rec)) => json!({"status": true, "record": rec}),
            None => json!({"error": "Not found."}),
        },
        "get_namespace_blockchain_record" => json!({"status": true, "record": {
            "namespace_id": arg, "ready": true, "address": s.namespace_address,
            "recipient_address": "mrevealer", "version": s.namespace_version,
            "reveal_block": 10, "ready_block": 12
        }}),
        "get_names_owned_by_address" => json!({"status": true, "names": s.owned}),
        "get_name_cost" => json!({"status": true, "satoshis": 640_000}),
        "put_zonefiles" => {
            let n = params
                .first()
                .and_then(Value::as_array)
                .map_or(0, <[Value]>::len);
            json!({"status": true, "saved": vec![1; n]})
        }
        "get_zonefiles" => json!({"status": true, "zonefiles": {"ab": "aGVsbG8="}}),
        "get_nameops_at" => json!({"status": true, "nameops": []}),
        _ => json!({"error": format!("KeyError: 'rpc_{method}'"), "traceback": []}),
    }
}

struct Setup {
    client: Client<FakeBackend>,
    keys: WalletKeys,
    state: Arc<Mutex<Chain>>,
    calls: support::Calls,
}

fn utxo(tag: u8, sats: u64, confirmations: u32) -> UtxoInfo {
    UtxoInfo {
        outpoint: OutPoint {
            txid: Txid::from_byte_array([tag; 32]),
            vout: 0,
        },
        value: Amount::from_sat(sats),
        script_pubkey: bitcoin::ScriptBuf::new(),
        confirmations,
    }
}

async fn setup(payment_sats: u64) -> Setup {
    let state = Arc::new(Mutex::new(Chain {
        namespace_version: 1,
        namespace_address: "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn".into(),
        tip: (50, 50),
        ..Chain::default()
    }));
    let s = state.clone();
    let (url, calls) = fake_node(move |m, p| answer(&s, m, p)).await;
    let keys = WalletKeys::generate(NetworkKind::Test);
    let backend = FakeBackend::default();
    let payment = keys.payment.address(NetworkKind::Test).to_string();
    backend.give(&payment, utxo(1, payment_sats, 10));
    backend.give(
        &keys.owner.address(NetworkKind::Test).to_string(),
        utxo(2, 5_500, 10),
    );
    let client = Client::new(
        backend,
        NodeClient::new(url).expect("client"),
        Composer::new(ChainParams::bitcoin_testnet()),
        6,
    );
    Setup {
        client,
        keys,
        state,
        calls,
    }
}

fn registered(owner_script: &str) -> Json {
    json!({
        "name": "foo.test", "address": "mowner", "sender": owner_script,
        "value_hash": "11".repeat(20), "revoked": false, "expired": false,
        "expire_block": 1000, "renewal_deadline": 1100, "txid": "00"
    })
}

fn rules() -> Rules {
    let mut r = Rules::test(1, AddressNetwork::Testnet);
    r.epochs[0].end_block = 1;
    r.epochs[1].end_block = 2;
    r
}

#[tokio::test]
async fn a_preorder_asks_the_node_for_everything_it_commits_to() {
    let s = setup(10_000_000).await;
    let owner = s.keys.owner.script_pubkey();
    let sent = s
        .client
        .name_preorder("foo.test", &s.keys.payment, &owner, None)
        .await
        .expect("preorder");
    assert!(sent.broadcast);
    assert_eq!(s.client.backend.sent_count(), 1);
    let called = methods(&s.calls);
    for m in [
        "get_name_record",
        "get_namespace_blockchain_record",
        "get_names_owned_by_address",
        "get_name_cost",
        "getinfo",
    ] {
        assert!(called.iter().any(|c| c == m), "{m} not called: {called:?}");
    }
    match parse_kind(&sent.tx, &rules(), 50).expect("op") {
        OpKind::NamePreorder {
            consensus_hash,
            fee,
            ..
        } => {
            assert_eq!(consensus_hash, CONSENSUS);
            assert_eq!(fee.amount, 640_000);
            assert_eq!(fee.address, AddressNetwork::Testnet.burn_address());
        }
        other => panic!("{other:?}"),
    }
}

/// A preorder of `foo.test` in a pay-to-creator namespace, the node having seen up to `seen`.
async fn creator_namespace_preorder(seen: u64) -> bitcoin::Transaction {
    let s = setup(10_000_000).await;
    s.state.lock().expect("state").namespace_version = 2;
    s.state.lock().expect("state").tip = (50, seen);
    s.client
        .name_preorder(
            "foo.test",
            &s.keys.payment,
            &s.keys.owner.script_pubkey(),
            None,
        )
        .await
        .expect("preorder")
        .tx
}

#[tokio::test]
async fn pay_to_creator_namespaces_receive_the_name_fee() {
    let tx = creator_namespace_preorder(50).await;
    assert_ne!(tx.output[2].script_pubkey, burn_script());
    match parse_kind(&tx, &rules(), 50).expect("op") {
        OpKind::NamePreorder { fee, .. } => {
            assert_eq!(fee.address, "mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn")
        }
        other => panic!("{other:?}"),
    }

    // The creator is paid while the next block (the newest seen plus one) is at most a year
    // (52,595 blocks) after the reveal at block 10, whatever the node has indexed.
    for (seen, to_creator) in [(52_604, true), (52_605, false)] {
        let tx = creator_namespace_preorder(seen).await;
        assert_eq!(
            tx.output[2].script_pubkey != burn_script(),
            to_creator,
            "seen {seen}"
        );
    }
}

#[tokio::test]
async fn each_safety_check_refuses_and_nothing_is_broadcast() {
    // Name taken.
    let s = setup(10_000_000).await;
    s.state.lock().expect("state").names = vec![("foo.test".into(), registered("76a9"))];
    let owner = s.keys.owner.script_pubkey();
    let err = s
        .client
        .name_preorder("foo.test", &s.keys.payment, &owner, None)
        .await
        .expect_err("taken");
    assert!(
        matches!(err, OpsError::Safety(SafetyError::AlreadyRegistered(_))),
        "{err}"
    );
    assert_eq!(err.to_string(), "foo.test is already registered.");

    // Owner at the 25-name limit.
    let s = setup(10_000_000).await;
    let owner = s.keys.owner.script_pubkey();
    s.state.lock().expect("state").owned = (0..25).map(|i| format!("n{i}.test")).collect();
    let err = s
        .client
        .name_preorder("foo.test", &s.keys.payment, &owner, None)
        .await
        .expect_err("full");
    assert!(
        matches!(err, OpsError::Safety(SafetyError::TooManyNames(_))),
        "{err}"
    );

    // Price above what the caller accepts.
    let s = setup(10_000_000).await;
    let owner = s.keys.owner.script_pubkey();
    let err = s
        .client
        .name_preorder("foo.test", &s.keys.payment, &owner, Some(1_000))
        .await
        .expect_err("cost");
    assert!(
        matches!(err, OpsError::Safety(SafetyError::UnexpectedCost { .. })),
        "{err}"
    );

    // Enough for the preorder alone, not for the registration that must follow.
    let s = setup(643_000).await;
    let owner = s.keys.owner.script_pubkey();
    let err = s
        .client
        .name_preorder("foo.test", &s.keys.payment, &owner, None)
        .await
        .expect_err("poor");
    match &err {
        OpsError::Safety(SafetyError::InsufficientBalance { need, have, .. }) => {
            assert_eq!(*have, 643_000);
            assert!(*need > 643_000, "the registration fee is budgeted too");
        }
        other => panic!("{other}"),
    }
    assert_eq!(s.client.backend.sent_count(), 0);

    // Unconfirmed payment UTXOs.
    let s = setup(10_000_000).await;
    let owner = s.keys.owner.script_pubkey();
    let payment = s.keys.payment.address(NetworkKind::Test).to_string();
    s.client.backend.give(&payment, utxo(9, 1_000, 2));
    let err = s
        .client
        .name_preorder("foo.test", &s.keys.payment, &owner, None)
        .await
        .expect_err("unconfirmed");
    assert!(
        matches!(err, OpsError::Safety(SafetyError::UnconfirmedFunds(_))),
        "{err}"
    );
    assert_eq!(s.client.backend.sent_count(), 0);

    // Invalid name: refused before the node is asked.
    let s = setup(10_000_000).await;
    let err = s
        .client
        .name_preorder("Foo.test", &s.keys.payment, &owner, None)
        .await
        .expect_err("invalid");
    assert!(
        matches!(err, OpsError::Safety(SafetyError::InvalidName(_))),
        "{err}"
    );
    assert!(methods(&s.calls).is_empty());
}

#[tokio::test]
async fn owner_operations_check_ownership_and_change() {
    let s = setup(10_000_000).await;
    let mine = s.keys.owner.script_pubkey().to_hex_string();
    s.state.lock().expect("state").names = vec![("foo.test".into(), registered(&mine))];
    let other = WalletKeys::generate(NetworkKind::Test);

    // Same zone-file hash: refused.
    let err = s
        .client
        .name_update("foo.test", &s.keys.owner, &s.keys.payment, [0x11; 20])
        .await
        .expect_err("unchanged");
    assert!(
        matches!(err, OpsError::Safety(SafetyError::ZonefileUnchanged(_))),
        "{err}"
    );
    // Someone else's key: refused.
    let err = s
        .client
        .name_revoke("foo.test", &other.owner, &s.keys.payment)
        .await
        .expect_err("not owner");
    assert!(
        matches!(err, OpsError::Safety(SafetyError::NotOwner { .. })),
        "{err}"
    );
    // Transfer to oneself: refused.
    let me = s.keys.owner.address(NetworkKind::Test).to_string();
    let err = s
        .client
        .name_transfer("foo.test", &s.keys.owner, &s.keys.payment, &me, true)
        .await
        .expect_err("same owner");
    assert!(
        matches!(err, OpsError::Safety(SafetyError::SameOwner { .. })),
        "{err}"
    );
    // A mainnet address on a test chain: refused.
    let err = s
        .client
        .name_transfer(
            "foo.test",
            &s.keys.owner,
            &s.keys.payment,
            "1111111111111111111114oLvT2",
            true,
        )
        .await
        .expect_err("wrong network");
    assert!(matches!(err, OpsError::Address { .. }), "{err}");
    assert_eq!(s.client.backend.sent_count(), 0);

    // A real update goes out, with the owner's coin returned.
    let sent = s
        .client
        .name_update("foo.test", &s.keys.owner, &s.keys.payment, [0x22; 20])
        .await
        .expect("update");
    assert_eq!(
        sent.tx.output[1].script_pubkey,
        s.keys.owner.script_pubkey()
    );
    assert_eq!(s.client.backend.sent_count(), 1);

    // Unregistered names cannot be renewed.
    let err = s
        .client
        .name_renewal("bar.test", &s.keys.owner, &s.keys.payment, None, None, None)
        .await
        .expect_err("unregistered");
    assert!(
        matches!(err, OpsError::Safety(SafetyError::NotRegistered(_))),
        "{err}"
    );
}

/// The grace period is judged at the block after the newest one the node has seen, as v0.18
/// does: with the tip one block short of expiry, the next block is already in it.
#[tokio::test]
async fn owner_operations_are_refused_when_the_next_block_is_in_the_grace_period() {
    let s = setup(10_000_000).await;
    let mine = s.keys.owner.script_pubkey().to_hex_string();
    // Expires at 1000; the node has indexed 990 and seen 999.
    s.state.lock().expect("state").names = vec![("foo.test".into(), registered(&mine))];
    s.state.lock().expect("state").tip = (990, 999);
    let err = s
        .client
        .name_update("foo.test", &s.keys.owner, &s.keys.payment, [0x22; 20])
        .await
        .expect_err("next block in the grace period");
    assert!(
        matches!(err, OpsError::Safety(SafetyError::InGracePeriod(_))),
        "{err}"
    );
    let other = WalletKeys::generate(NetworkKind::Test)
        .owner
        .address(NetworkKind::Test)
        .to_string();
    let err = s
        .client
        .name_transfer("foo.test", &s.keys.owner, &s.keys.payment, &other, true)
        .await
        .expect_err("next block in the grace period");
    assert!(
        matches!(err, OpsError::Safety(SafetyError::InGracePeriod(_))),
        "{err}"
    );
    assert_eq!(s.client.backend.sent_count(), 0);

    // Seen up to 998: the next block is 999, the last before expiry.
    s.state.lock().expect("state").tip = (990, 998);
    s.client
        .name_update("foo.test", &s.keys.owner, &s.keys.payment, [0x22; 20])
        .await
        .expect("the last block before expiry");
    assert_eq!(s.client.backend.sent_count(), 1);
}

/// A namespace revealed to a multisig address could never import names (v0.18 refuses it): the
/// preorder and the reveal are refused before the node is asked anything.
#[tokio::test]
async fn a_multisig_revealer_is_refused() {
    let s = setup(10_000_000).await;
    let p2sh = bitcoin::ScriptBuf::new_p2sh(&bitcoin::ScriptHash::all_zeros());
    let err = s
        .client
        .namespace_preorder("test", &s.keys.payment, &p2sh)
        .await
        .expect_err("multisig revealer");
    assert!(
        matches!(err, OpsError::Safety(SafetyError::RevealerNotSingleKey)),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "Invalid address; only p2pkh addresses are supported for namespace reveal"
    );
    let params = blockstack_client::compose::RevealParams {
        lifetime: 52_595,
        price: blockstack_consensus::price::PriceFunction {
            coeff: 4,
            base: 4,
            buckets: [1; 16],
            nonalpha_discount: 1,
            no_vowel_discount: 1,
        },
        version: 1,
    };
    let err = s
        .client
        .namespace_reveal("test", &params, &s.keys.payment, &p2sh)
        .await
        .expect_err("multisig revealer");
    assert!(
        matches!(err, OpsError::Safety(SafetyError::RevealerNotSingleKey)),
        "{err}"
    );
    assert!(methods(&s.calls).is_empty(), "{:?}", methods(&s.calls));
    assert_eq!(s.client.backend.sent_count(), 0);
}

#[tokio::test]
async fn a_dry_run_signs_but_does_not_broadcast() {
    let mut s = setup(10_000_000).await;
    s.client.dry_run = true;
    let to = WalletKeys::generate(NetworkKind::Test)
        .payment
        .address(NetworkKind::Test)
        .to_string();
    let sent = s
        .client
        .withdraw(
            &s.keys.payment,
            &to,
            Some(Amount::from_sat(100_000)),
            None,
            0,
        )
        .await
        .expect("withdraw");
    assert!(!sent.broadcast);
    assert_eq!(s.client.backend.sent_count(), 0);
    assert!(sent.tx_hex().starts_with("01000000"));
}

#[tokio::test]
async fn the_node_client_speaks_the_node_rpc() {
    let s = setup(1).await;
    let node = &s.client.node;
    let info = node.getinfo().await.expect("getinfo");
    assert_eq!(info.consensus, CONSENSUS);
    assert_eq!(info.last_block_processed, 50);
    assert_eq!(node.consensus_hash().await.expect("ch").len(), 16);
    assert_eq!(node.name_record("nope.test").await.expect("lookup"), None);
    assert_eq!(node.name_cost("foo.test").await.expect("cost"), 640_000);
    let zonefiles = node.zonefiles(&["ab".into()]).await.expect("zonefiles");
    assert_eq!(zonefiles.get("ab").map(Vec::as_slice), Some(&b"hello"[..]));
    assert!(node.nameops_at(5).await.expect("ops").is_empty());

    // Seven zone files go out as base64, five per call.
    let files: Vec<Vec<u8>> = (0..7u8).map(|i| vec![b'z', i]).collect();
    let saved = node.put_zonefiles(&files).await.expect("put");
    assert_eq!(saved, vec![true; 7]);
    let puts: Vec<_> = s
        .calls
        .lock()
        .expect("calls")
        .iter()
        .filter(|c| c.method == "put_zonefiles")
        .cloned()
        .collect();
    assert_eq!(puts.len(), 2);
    let first = puts[0].params[0].as_array().expect("array");
    assert_eq!(first.len(), 5);
    assert_eq!(first[0], Value::String("egA=".into()));

    // An error document is a typed error carrying the node's message.
    match node.call("no_such_method", vec![]).await {
        Err(NodeError::Remote { message, .. }) => assert!(message.contains("rpc_no_such_method")),
        other => panic!("{other:?}"),
    }
    // Nobody listening: unreachable, naming the URL.
    let dead = NodeClient::new("http://127.0.0.1:9/RPC2").expect("client");
    let err = dead.getinfo().await.expect_err("no node");
    assert!(matches!(err, NodeError::Unreachable { .. }), "{err}");
}
