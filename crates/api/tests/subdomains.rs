//! Subdomain lookups through both servers: a subdomain index built from carrier zone files
//! of `gift.test` next to the spec §12.8 chain, the REST routes that are subdomain aware and
//! the RPC methods (rest-api.md §7.3, §7.10; core-rpc.md §3.2–3.3, §4.2–4.3), and the
//! operator view of `/v1/info`.

mod common;

use std::path::Path;
use std::sync::Arc;

use bitcoin::hashes::{hash160, Hash};
use bitcoin::secp256k1::{Secp256k1, SecretKey};
use blockstack_api::ServiceConfig;
use blockstack_atlas::{Atlas, AtlasConfig, ZonefileRow};
use blockstack_node::xmlrpc::{decode_response, encode_call, Limits, MethodCall, MethodResponse};
use blockstack_subdomains::{IndexerConfig, SubdomainIndexer};
use blockstack_zonefile::subdomain::{
    sign_singlesig, AddressKind, AddressNetwork, Owner, SubdomainRecord,
};
use common::{rest_server, rpc_server, Fixture};
use serde_json::{json, Value};

const CARRIER: &str = "gift.test";

fn key(byte: u8) -> SecretKey {
    SecretKey::from_slice(&[byte; 32]).expect("key")
}

/// The testnet p2pkh address of `key` (the fixture chain is a testnet chain).
fn address(key: &SecretKey) -> String {
    let pubkey = bitcoin::PublicKey {
        compressed: true,
        inner: key.public_key(&Secp256k1::new()),
    };
    Owner {
        kind: AddressKind::P2pkh,
        payload: hash160::Hash::hash(&pubkey.to_bytes())
            .to_byte_array()
            .to_vec(),
    }
    .to_address(AddressNetwork::Testnet)
}

fn own_zonefile(label: &str, tag: &str) -> Vec<u8> {
    format!(
        "$ORIGIN {label}\n$TTL 3600\n_https._tcp URI 10 1 \"https://example.com/{label}/{tag}.json\"\n"
    )
    .into_bytes()
}

fn record(
    label: &str,
    owner: &str,
    seqn: i64,
    zonefile: Vec<u8>,
    signer: Option<&SecretKey>,
) -> SubdomainRecord {
    let mut rec = SubdomainRecord {
        fqn: format!("{label}.{CARRIER}"),
        carrier: CARRIER.into(),
        owner: owner.into(),
        sequence: seqn,
        zonefile,
        signature: None,
    };
    if let Some(k) = signer {
        rec.signature = Some(sign_singlesig(rec.plaintext().as_bytes(), k, true));
    }
    rec
}

fn carrier_zonefile(records: &[SubdomainRecord], tag: &str) -> Vec<u8> {
    let mut text = format!(
        "$ORIGIN {CARRIER}\n$TTL 3600\n_https._tcp URI 10 1 \"https://example.com/{tag}.json\"\n"
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

/// The carrier history: alice, bob and carol created (carol with a zone file that is not a
/// zone file), then alice transferred to B, then a zone file of `gift.test` that the node
/// does not hold.
struct Carriers {
    atlas: Arc<Atlas>,
    alice_v0: Vec<u8>,
    alice_v1: Vec<u8>,
}

fn carriers(dir: &Path) -> Carriers {
    let (a, b) = (key(0x11), key(0x22));
    let alice_v0 = own_zonefile("alice", "v0");
    let alice_v1 = own_zonefile("alice", "v1");
    let first = carrier_zonefile(
        &[
            record("alice", &address(&a), 0, alice_v0.clone(), None),
            record("bob", &address(&a), 0, own_zonefile("bob", "v0"), Some(&a)),
            record("carol", &address(&b), 0, b"not a zone file".to_vec(), None),
        ],
        "first",
    );
    let second = carrier_zonefile(
        &[record("alice", &address(&b), 1, alice_v1.clone(), Some(&a))],
        "second",
    );
    let absent = carrier_zonefile(&[], "third");
    let mut cfg = AtlasConfig::new(dir.join("atlas"), "127.0.0.1:16264");
    cfg.atlasdb_path = None;
    cfg.sync_writes = false;
    let atlas = Atlas::open(cfg).expect("atlas");
    for (i, zf) in [&first, &second, &absent].iter().enumerate() {
        let height = 5164 + i as u64;
        atlas
            .add_block(
                height,
                vec![ZonefileRow {
                    name: CARRIER.into(),
                    zonefile_hash: blockstack_zonefile::zonefile_hash(zf),
                    txid: format!("{:064x}", 0x5ab0 + i),
                    block_height: height,
                    vtxindex: 1,
                }],
            )
            .expect("block");
    }
    atlas.put_zonefile(&first).expect("store");
    atlas.put_zonefile(&second).expect("store");
    Carriers {
        atlas,
        alice_v0,
        alice_v1,
    }
}

/// The §12.8 fixture with a subdomain index of [`carriers`], and the Atlas node in the
/// operator view.
fn fixture() -> (Fixture, Carriers) {
    let mut built = None;
    let fx = Fixture::with_dir(|dir| {
        let c = carriers(dir);
        let path = dir.join("subdomains.db");
        let mut ix = SubdomainIndexer::open(&path, IndexerConfig::default()).expect("index db");
        ix.index(c.atlas.as_ref()).expect("index");
        built = Some(c);
        ServiceConfig {
            subdomains_db: Some(path),
            ..ServiceConfig::default()
        }
    });
    let c = built.expect("built");
    fx.node.set_atlas(c.atlas.clone());
    (fx, c)
}

async fn get(base: &str, path: &str) -> (u16, String, Vec<u8>) {
    let resp = reqwest::get(format!("{base}{path}"))
        .await
        .expect("request");
    let status = resp.status().as_u16();
    let ctype = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, ctype, resp.bytes().await.expect("body").to_vec())
}

async fn get_json(base: &str, path: &str) -> (u16, Value) {
    let (status, _, body) = get(base, path).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

async fn call(base: &str, method: &str, params: Vec<blockstack_node::xmlrpc::Value>) -> Value {
    let body = encode_call(&MethodCall::new(method, params)).expect("encode");
    let resp = reqwest::Client::new()
        .post(format!("{base}/RPC2"))
        .header("content-type", "text/xml")
        .body(body)
        .send()
        .await
        .expect("request");
    let bytes = resp.bytes().await.expect("body");
    match decode_response(&bytes, &Limits::REPLY).expect("decode") {
        MethodResponse::Params(p) => match &p[..] {
            [blockstack_node::xmlrpc::Value::String(text)] => {
                serde_json::from_str(text).expect("json")
            }
            other => panic!("{method}: {other:?}"),
        },
        MethodResponse::Fault(f) => panic!("{method}: {f:?}"),
    }
}

fn s(v: &str) -> blockstack_node::xmlrpc::Value {
    blockstack_node::xmlrpc::Value::string(v)
}

#[tokio::test]
async fn rest_routes_answer_for_subdomains() {
    let (fx, c) = fixture();
    let server = rest_server(fx.service.clone()).await;
    let base = &server.base;
    let (a, b) = (address(&key(0x11)), address(&key(0x22)));

    let (status, alice) = get_json(base, "/v1/names/alice.gift.test").await;
    assert_eq!(status, 200);
    assert_eq!(alice["status"], "registered_subdomain");
    assert_eq!(alice["address"], b.as_str());
    assert_eq!(
        alice["zonefile_txt"],
        String::from_utf8(c.alice_v1.clone()).expect("utf8")
    );
    assert_eq!(
        alice["zonefile_hash"],
        blockstack_zonefile::zonefile_hash(&c.alice_v1)
    );
    assert!(alice.get("expire_block").is_none());
    insta::assert_json_snapshot!("rest_alice", alice);

    let (status, carol) = get_json(base, "/v1/names/carol.gift.test").await;
    assert_eq!(status, 200);
    assert_eq!(
        carol["zonefile_txt"],
        json!({"error": "Non-standard zone file"})
    );

    assert_eq!(
        get_json(base, "/v1/names/nosuch.gift.test").await,
        (404, json!({"status": "available"}))
    );

    let (status, history) = get_json(base, "/v1/names/alice.gift.test/history").await;
    assert_eq!(status, 200);
    assert_eq!(history.as_object().map(|m| m.len()), Some(2));
    insta::assert_json_snapshot!("rest_alice_history", history);
    let (_, later) = get_json(base, "/v1/names/alice.gift.test/history?start_block=5165").await;
    assert_eq!(
        later
            .as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["5165".to_string()])
    );
    assert_eq!(
        get_json(base, "/v1/names/nosuch.gift.test/history").await,
        (500, json!({"error": "Failed to load subdomain"}))
    );

    let (status, zonefile) = get_json(base, "/v1/names/alice.gift.test/zonefile").await;
    assert_eq!(status, 200);
    assert_eq!(
        zonefile,
        json!({"zonefile": String::from_utf8(c.alice_v1.clone()).expect("utf8")})
    );
    let (status, ctype, raw) = get(base, "/v1/names/alice.gift.test/zonefile?raw=1").await;
    assert_eq!((status, ctype.as_str()), (200, "application/octet-stream"));
    assert_eq!(raw, c.alice_v1);
    let old = blockstack_zonefile::zonefile_hash(&c.alice_v0);
    let (status, ctype, raw) = get(
        base,
        &format!("/v1/names/alice.gift.test/zonefile/{old}?raw=1"),
    )
    .await;
    assert_eq!((status, ctype.as_str()), (200, "application/octet-stream"));
    assert_eq!(raw, c.alice_v0);
    assert_eq!(
        get_json(base, &format!("/v1/names/bob.gift.test/zonefile/{old}")).await,
        (404, json!({"error": "No such zonefile"}))
    );

    // Names first, then subdomains; only current owners.
    assert_eq!(
        get_json(base, &format!("/v1/addresses/bitcoin/{a}")).await,
        (200, json!({"names": ["bob.gift.test"]}))
    );
    assert_eq!(
        get_json(base, &format!("/v1/addresses/bitcoin/{b}")).await,
        (
            200,
            json!({"names": ["alice.gift.test", "carol.gift.test"]})
        )
    );

    assert_eq!(
        get_json(
            base,
            "/v1/blockchains/bitcoin/names/alice.gift.test/history"
        )
        .await,
        (405, json!({"error": "Unimplemented"}))
    );
    assert_eq!(
        get_json(
            base,
            "/v1/blockchains/bitcoin/names/nosuch.gift.test/history"
        )
        .await,
        (404, json!({"error": "Failed to load subdomain"}))
    );
}

#[tokio::test]
async fn rpc_methods_answer_for_subdomains() {
    let (fx, _c) = fixture();
    let server = rpc_server(fx.service.clone(), None).await;
    let base = &server.base;
    let (a, b) = (address(&key(0x11)), address(&key(0x22)));

    let record = call(base, "get_name_record", vec![s("alice.gift.test")]).await;
    assert_eq!(
        record["record"]["pending"], true,
        "gift.test has a zone file not held"
    );
    assert!(record["record"].get("history").is_none());
    insta::assert_json_snapshot!("rpc_get_name_record_alice", record);
    let full = call(
        base,
        "get_name_blockchain_record",
        vec![s("alice.gift.test")],
    )
    .await;
    insta::assert_json_snapshot!("rpc_get_name_blockchain_record_alice", full);
    assert_eq!(
        call(base, "get_name_record", vec![s("nosuch.gift.test")]).await,
        json!({"error": "Failed to load subdomain"})
    );

    let owned = call(base, "get_subdomains_owned_by_address", vec![s(&b)]).await;
    assert_eq!(
        owned["subdomains"],
        json!(["alice.gift.test", "carol.gift.test"])
    );
    assert_eq!(owned["status"], true);
    assert_eq!(
        call(base, "get_subdomains_owned_by_address", vec![s(&a)]).await["subdomains"],
        json!(["bob.gift.test"])
    );
    assert_eq!(
        call(base, "get_subdomains_owned_by_address", vec![s("short")]).await,
        json!({"error": "Invalid address"})
    );

    // alice was created by A, A's first creation: index 0 (bob shares its zone file, so
    // both count up to it and both are index 1 in v0.18's counting).
    let did = call(base, "get_name_DID", vec![s("alice.gift.test")]).await;
    let did = did["did"].as_str().expect("did").to_string();
    assert!(
        did.starts_with("did:stack:v0:") && did.ends_with("-1"),
        "{did}"
    );
    let resolved = call(base, "get_DID_record", vec![s(&did)]).await;
    assert!(
        resolved["record"]["name"]
            .as_str()
            .is_some_and(|n| n.ends_with(".gift.test")),
        "{did}: {resolved}"
    );
    assert_eq!(resolved["record"]["pending"], true);
    let unknown = call(base, "get_name_DID", vec![s("nosuch.gift.test")]).await;
    assert!(unknown.get("traceback").is_some(), "{unknown}");
    let (did_address, _) = did
        .strip_prefix("did:stack:v0:")
        .and_then(|r| r.rsplit_once('-'))
        .expect("shape");
    let missing = format!("did:stack:v0:{did_address}-9");
    assert_eq!(
        call(base, "get_DID_record", vec![s(&missing)]).await,
        json!({"error": format!("Failed to load subdomain from {missing}")})
    );
}

#[tokio::test]
async fn node_info_shows_the_atlas_and_subdomain_view() {
    let (fx, c) = fixture();
    let server = rest_server(fx.service.clone()).await;
    let (status, info) = get_json(&server.base, "/v1/info").await;
    assert_eq!(status, 200);
    let atlas = &info["atlas"];
    assert_eq!(atlas["zonefiles_expected"], 3);
    assert_eq!(atlas["zonefiles_held"], 2);
    assert_eq!(atlas["missing_count"], 1);
    assert_eq!(atlas["missing"][0]["name"], CARRIER);
    assert_eq!(atlas["missing"][0]["inv_index"], 3);
    assert_eq!(atlas["peers"], json!([]));
    assert_eq!(
        info["subdomains"],
        json!({"subdomains": 3, "records": 4, "rows_walked": 3, "rows_waiting": 1})
    );
    // A peer shows up in the view.
    assert!(c.atlas.add_peer("127.0.0.1:16300").expect("add"));
    let (_, info) = get_json(&server.base, "/v1/info").await;
    assert_eq!(info["atlas"]["peers"][0]["hostport"], "localhost:16300");
}

#[tokio::test]
async fn without_a_subdomain_index_subdomains_are_unknown() {
    let fx = Fixture::new();
    let server = rest_server(fx.service.clone()).await;
    assert_eq!(
        get_json(&server.base, "/v1/names/alice.gift.test").await,
        (404, json!({"status": "available"}))
    );
    let (_, info) = get_json(&server.base, "/v1/info").await;
    assert!(info.get("atlas").is_none() && info.get("subdomains").is_none());
}
