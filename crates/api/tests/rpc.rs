//! The node RPC against the spec §12.8 chain: one XML-RPC call per method through a real
//! HTTP server, the reply envelope, the error replies, and malformed requests.

mod common;

use std::sync::Arc;

use blockstack_api::{RpcExtension, RpcReply};
use blockstack_node::xmlrpc::{
    decode_response, encode_call, Limits, MethodCall, MethodResponse, Value,
};
use common::{rpc_server, Fixture, CAROL_ZONEFILE, GIFT_ZONEFILE, LAST_BLOCK};
use reqwest::StatusCode;
use serde_json::{json, Value as Json};

/// Posts raw bytes to `/RPC2`.
async fn post(base: &str, body: Vec<u8>) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/RPC2"))
        .header("content-type", "text/xml")
        .body(body)
        .send()
        .await
        .expect("request")
}

/// Calls `method` and returns the reply's JSON text.
async fn call_text(base: &str, method: &str, params: Vec<Value>) -> String {
    let body = encode_call(&MethodCall::new(method, params)).expect("encode");
    let resp = post(base, body).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "text/xml");
    let bytes = resp.bytes().await.expect("body");
    match decode_response(&bytes, &Limits::REPLY).expect("decode") {
        MethodResponse::Params(params) => {
            let [Value::String(text)] = &params[..] else {
                panic!("{method}: reply is not one string: {params:?}")
            };
            assert!(text.is_ascii(), "{method}: json.dumps writes ASCII");
            text.clone()
        }
        MethodResponse::Fault(f) => panic!("{method}: fault {f:?}"),
    }
}

/// Calls `method` and parses the reply's JSON.
async fn call(base: &str, method: &str, params: Vec<Value>) -> Json {
    serde_json::from_str(&call_text(base, method, params).await).expect("json reply")
}

fn s(v: &str) -> Value {
    Value::string(v)
}

fn i(v: i64) -> Value {
    Value::Int(v)
}

#[tokio::test]
async fn every_method_matches_its_snapshot() {
    let fx = Fixture::new();
    let gift = fx.put_zonefile(GIFT_ZONEFILE.as_bytes());
    let carol = fx.put_zonefile(CAROL_ZONEFILE.as_bytes());
    let server = rpc_server(fx.service.clone(), None).await;
    let base = &server.base;
    let info = call(base, "getinfo", vec![]).await;
    let consensus = info["consensus"].as_str().expect("consensus").to_string();
    let owner = "mjjWPCACZvF2G67wjKhkbYnjF65PohdsHE";
    let calls: Vec<(&str, &str, Vec<Value>)> = vec![
        ("ping", "ping", vec![]),
        ("getinfo", "getinfo", vec![]),
        ("get_name_record", "get_name_record", vec![s("gift.test")]),
        (
            "get_name_blockchain_record",
            "get_name_blockchain_record",
            vec![s("gift.test")],
        ),
        (
            "get_name_blockchain_record_imported",
            "get_name_blockchain_record",
            vec![s("imported.test")],
        ),
        (
            "get_name_blockchain_record_expired",
            "get_name_blockchain_record",
            vec![s("n3.expiring")],
        ),
        (
            "get_name_history_blocks",
            "get_name_history_blocks",
            vec![s("foo.test")],
        ),
        ("get_name_at", "get_name_at", vec![s("foo.test"), i(126)]),
        (
            "get_name_at_bad_block",
            "get_name_at",
            vec![s("foo.test"), i(0)],
        ),
        (
            "get_historic_name_at",
            "get_historic_name_at",
            vec![s("n3.expiring"), i(154)],
        ),
        ("get_num_nameops_at", "get_num_nameops_at", vec![i(128)]),
        (
            "get_nameops_at",
            "get_nameops_at",
            vec![i(128), i(0), i(10)],
        ),
        (
            "get_nameops_at_offset",
            "get_nameops_at",
            vec![i(128), i(1), i(10)],
        ),
        ("get_nameops_hash_at", "get_nameops_hash_at", vec![i(128)]),
        ("get_consensus_at", "get_consensus_at", vec![i(128)]),
        ("get_consensus_at_future", "get_consensus_at", vec![i(9999)]),
        (
            "get_consensus_hashes",
            "get_consensus_hashes",
            vec![Value::Array(vec![i(120), i(128), i(9999)])],
        ),
        (
            "get_block_from_consensus",
            "get_block_from_consensus",
            vec![s(&consensus)],
        ),
        (
            "get_block_from_consensus_unknown",
            "get_block_from_consensus",
            vec![s(&"0".repeat(32))],
        ),
        ("get_all_names", "get_all_names", vec![i(0), i(100)]),
        ("get_all_names_page", "get_all_names", vec![i(30), i(5)]),
        (
            "get_all_names_cumulative",
            "get_all_names_cumulative",
            vec![i(0), i(100)],
        ),
        ("get_num_names", "get_num_names", vec![]),
        (
            "get_num_names_cumulative",
            "get_num_names_cumulative",
            vec![],
        ),
        (
            "get_names_in_namespace",
            "get_names_in_namespace",
            vec![s("expiring"), i(0), i(100)],
        ),
        (
            "get_num_names_in_namespace",
            "get_num_names_in_namespace",
            vec![s("test")],
        ),
        (
            "get_names_owned_by_address",
            "get_names_owned_by_address",
            vec![s(owner)],
        ),
        (
            "get_historic_names_by_address",
            "get_historic_names_by_address",
            vec![s(owner), i(0), i(10)],
        ),
        (
            "get_num_historic_names_by_address",
            "get_num_historic_names_by_address",
            vec![s(owner)],
        ),
        (
            "get_namespace_blockchain_record",
            "get_namespace_blockchain_record",
            vec![s("test")],
        ),
        ("get_all_namespaces", "get_all_namespaces", vec![]),
        ("get_name_cost", "get_name_cost", vec![s("foo.test")]),
        ("get_namespace_cost", "get_namespace_cost", vec![s("test")]),
        (
            "get_namespace_cost_new",
            "get_namespace_cost",
            vec![s("brandnew")],
        ),
        (
            "get_zonefiles",
            "get_zonefiles",
            vec![Value::Array(vec![s(&gift), s(&carol), s(&"4".repeat(40))])],
        ),
        ("get_name_DID", "get_name_DID", vec![s("gift.test")]),
        (
            "get_name_DID_imported",
            "get_name_DID",
            vec![s("imported.test")],
        ),
    ];
    for (snap, method, params) in calls {
        let text = call_text(base, method, params).await;
        let reply: Json = serde_json::from_str(&text).expect("json");
        if reply.get("status") == Some(&Json::Bool(true)) {
            assert_eq!(reply["lastblock"], json!(LAST_BLOCK), "{method} envelope");
            assert_eq!(reply["indexing"], json!(false), "{method} envelope");
            assert!(
                text.starts_with("{\"") && text.contains("\": "),
                "{method}: {text}"
            );
        }
        insta::assert_json_snapshot!(snap, reply);
    }
}

#[tokio::test]
async fn error_replies_match_the_original() {
    let fx = Fixture::new();
    let server = rpc_server(fx.service.clone(), None).await;
    let base = &server.base;
    let err = |m: &str| json!({ "error": m });
    let long_list = Value::Array((0..101).map(|_| s(&"a".repeat(40))).collect());
    let cases: Vec<(&str, Vec<Value>, Json)> = vec![
        (
            "get_name_blockchain_record",
            vec![s("nosuch.test")],
            err("Not found."),
        ),
        (
            "get_name_blockchain_record",
            vec![s("Foo.test")],
            err("Invalid name or subdomain"),
        ),
        (
            "get_name_blockchain_record",
            vec![s("a..b")],
            err("Invalid name or subdomain"),
        ),
        (
            "get_name_blockchain_record",
            vec![i(5)],
            err("Invalid name or subdomain"),
        ),
        (
            "get_name_blockchain_record",
            vec![s("sub.foo.test")],
            err("Failed to load subdomain"),
        ),
        (
            "get_name_history_blocks",
            vec![s("a..b")],
            err("invalid name"),
        ),
        (
            "get_name_at",
            vec![s("Foo.test"), i(126)],
            err("invalid name"),
        ),
        (
            "get_num_nameops_at",
            vec![i(0)],
            err("Invalid block height"),
        ),
        (
            "get_num_nameops_at",
            vec![s("128")],
            err("Invalid block height"),
        ),
        (
            "get_num_nameops_at",
            vec![Value::Boolean(true)],
            err("Invalid block height"),
        ),
        (
            "get_nameops_at",
            vec![i(128), i(-1), i(10)],
            err("Invalid offset"),
        ),
        (
            "get_nameops_at",
            vec![i(128), i(0), i(11)],
            err("Invalid count"),
        ),
        (
            "get_nameops_at",
            vec![i(10_000_001), i(0), i(1)],
            err("Invalid block height"),
        ),
        ("get_consensus_at", vec![i(-5)], err("Invalid block height")),
        (
            "get_consensus_hashes",
            vec![i(128)],
            err("Invalid block heights"),
        ),
        (
            "get_consensus_hashes",
            vec![Value::Array((0..33).map(|_| i(128)).collect())],
            err("Too many block heights"),
        ),
        (
            "get_consensus_hashes",
            vec![Value::Array(vec![i(128), s("x")])],
            err("Invalid block height"),
        ),
        (
            "get_block_from_consensus",
            vec![s("xyz")],
            err("Not a valid consensus hash"),
        ),
        ("get_all_names", vec![i(0), i(101)], err("invalid count")),
        ("get_all_names", vec![i(-1), i(10)], err("invalid offset")),
        ("get_all_names", vec![s("0"), i(10)], err("invalid offset")),
        (
            "get_all_names_cumulative",
            vec![i(0), i(1000)],
            err("invalid count"),
        ),
        (
            "get_names_in_namespace",
            vec![s("a.b"), i(0), i(10)],
            err("Invalid name or namespace"),
        ),
        (
            "get_names_in_namespace",
            vec![s("test"), i(0), i(101)],
            err("invalid count"),
        ),
        (
            "get_num_names_in_namespace",
            vec![s("")],
            err("Invalid name or namespace"),
        ),
        (
            "get_names_owned_by_address",
            vec![s("short")],
            err("Invalid address"),
        ),
        (
            "get_names_owned_by_address",
            vec![s(&"0".repeat(30))],
            err("Invalid address"),
        ),
        (
            "get_historic_names_by_address",
            vec![s("mjjWPCACZvF2G67wjKhkbYnjF65PohdsHE"), i(0), i(11)],
            err("invalid count"),
        ),
        (
            "get_historic_names_by_address",
            vec![s("mjjWPCACZvF2G67wjKhkbYnjF65PohdsHE"), i(-1), i(10)],
            err("invalid offset"),
        ),
        (
            "get_historic_names_by_address",
            vec![s("short"), i(-1), i(11)],
            err("Invalid address"),
        ),
        (
            "get_num_historic_names_by_address",
            vec![s("short")],
            err("Invalid address"),
        ),
        (
            "get_names_in_namespace",
            vec![s("test"), i(-1), i(10)],
            err("invalid offset"),
        ),
        (
            "get_namespace_blockchain_record",
            vec![s("nosuch")],
            err("No such namespace"),
        ),
        (
            "get_namespace_blockchain_record",
            vec![s("a+b")],
            err("Invalid name or namespace"),
        ),
        (
            "get_name_cost",
            vec![s("foo.nosuch")],
            err("Unknown/invalid namespace"),
        ),
        (
            "get_name_cost",
            vec![s("foo")],
            err("Invalid name or namespace"),
        ),
        (
            "get_namespace_cost",
            vec![s("a.b")],
            err("Invalid name or namespace"),
        ),
        (
            "get_zonefiles",
            vec![s("abc")],
            err("Invalid zonefile hashes"),
        ),
        (
            "get_zonefiles",
            vec![long_list],
            err("Too many requests (no more than 100 allowed)"),
        ),
        (
            "get_zonefiles",
            vec![Value::Array(vec![s("xyz")])],
            err("Invalid zone file hash"),
        ),
        ("get_name_DID", vec![s("Foo.test")], err("No such name")),
        ("get_name_DID", vec![i(1)], err("No such name")),
        (
            "get_DID_record",
            vec![i(1)],
            err("Invalid DID: not a string"),
        ),
        (
            "get_DID_record",
            vec![s("did:stack:v0:xyz-0")],
            err("Invalid DID"),
        ),
        (
            "get_DID_record",
            vec![s("did:stack:v0:mjjWPCACZvF2G67wjKhkbYnjF65PohdsHE-99")],
            err("Failed to resolve DID to a non-revoked name"),
        ),
        (
            "no_such_method",
            vec![],
            json!({"error": "KeyError: 'rpc_no_such_method'", "traceback": ["Traceback (most recent call last):", "KeyError: 'rpc_no_such_method'"]}),
        ),
        (
            "get_all_names",
            vec![i(0)],
            json!({"error": "TypeError: rpc_get_all_names() takes exactly 3 arguments (2 given)", "traceback": ["Traceback (most recent call last):", "TypeError: rpc_get_all_names() takes exactly 3 arguments (2 given)"]}),
        ),
        (
            "ping",
            vec![i(0)],
            json!({"error": "TypeError: rpc_ping() takes exactly 1 argument (4 given)", "traceback": ["Traceback (most recent call last):", "TypeError: rpc_ping() takes exactly 1 argument (4 given)"]}),
        ),
        ("get_all_neighbor_info", vec![], err("No such method")),
        (
            "get_name_at",
            vec![s("nobody.test"), i(120)],
            json!({"error": "TypeError: 'NoneType' object is not iterable", "traceback": ["Traceback (most recent call last):", "TypeError: 'NoneType' object is not iterable"]}),
        ),
        (
            "get_historic_name_at",
            vec![s("foo.test"), i(1)],
            json!({"error": "TypeError: 'NoneType' object is not iterable", "traceback": ["Traceback (most recent call last):", "TypeError: 'NoneType' object is not iterable"]}),
        ),
        (
            // Version byte 63 is no Bitcoin address and no test-network subdomain address.
            "get_DID_record",
            vec![s("did:stack:v0:SSXMcDiCZ7yFSQSUj7mWzmDcdwYhq97p2i-0")],
            err("Invalid DID"),
        ),
        (
            "get_zonefiles_by_block",
            vec![i(1), i(2), i(0), i(10)],
            err("Not an atlas node"),
        ),
        (
            "get_zonefiles_by_block",
            vec![i(1), i(2)],
            json!({"error": "TypeError: rpc_get_zonefiles_by_block() takes exactly 5 arguments (3 given)", "traceback": ["Traceback (most recent call last):", "TypeError: rpc_get_zonefiles_by_block() takes exactly 5 arguments (3 given)"]}),
        ),
    ];
    for (method, params, want) in cases {
        let got = call(base, method, params.clone()).await;
        assert_eq!(got, want, "{method}({params:?})");
    }
}

#[tokio::test]
async fn record_shapes_and_envelope() {
    let fx = Fixture::new();
    fx.put_zonefile(GIFT_ZONEFILE.as_bytes());
    let server = rpc_server(fx.service.clone(), None).await;
    let base = &server.base;

    let rec = call(base, "get_name_record", vec![s("gift.test")]).await;
    let r = &rec["record"];
    assert!(r.get("history").is_none());
    assert!(r.get("last_creation_op").is_none());
    for key in [
        "expire_block",
        "renewal_deadline",
        "expired",
        "zonefile",
        "opcode",
        "value_hash",
    ] {
        assert!(r.get(key).is_some(), "record has {key}");
    }
    let zonefile = r["zonefile"].as_str().expect("zonefile");
    use base64::Engine as _;
    assert_eq!(
        base64::engine::general_purpose::STANDARD
            .decode(zonefile)
            .expect("b64"),
        GIFT_ZONEFILE.as_bytes()
    );
    let full = call(base, "get_name_blockchain_record", vec![s("gift.test")]).await;
    let history = full["record"]["history"]
        .as_object()
        .expect("history object");
    assert!(history.keys().all(|k| k.parse::<u64>().is_ok()));

    let expired = call(base, "get_name_blockchain_record", vec![s("n3.expiring")]).await;
    assert_eq!(expired["record"]["expired"], json!(true));

    let ns = call(base, "get_namespace_blockchain_record", vec![s("test")]).await;
    assert_eq!(ns["record"]["ready"], json!(true));
    assert!(ns["record"]["buckets"].is_string(), "buckets as list text");

    // A stale node says so in every enveloped reply and in ping/getinfo.
    fx.node.update(|s| s.last_indexing_time -= 7300.0);
    let ping = call(base, "ping", vec![]).await;
    assert_eq!(ping, json!({"status": "stale", "version": "0.18.0.2"}));
    let count = call(base, "get_num_names", vec![]).await;
    assert_eq!(count["stale"], json!(true));
    assert!(count["warning"]
        .as_str()
        .expect("warning")
        .starts_with("Daemon has not reindexed since "));
    let info = call(base, "getinfo", vec![]).await;
    assert_eq!(info["stale"], json!(true));
    assert_eq!(
        info["warning"],
        json!("Daemon is behind the chain tip.  Do not rely on it for fresh information.")
    );
}

#[tokio::test]
async fn atlas_disabled_has_no_zone_files() {
    let fx = Fixture::with(blockstack_api::ServiceConfig {
        atlas_enabled: false,
        ..Default::default()
    });
    let gift = fx.put_zonefile(GIFT_ZONEFILE.as_bytes());
    let server = rpc_server(fx.service.clone(), None).await;
    let got = call(
        &server.base,
        "get_zonefiles",
        vec![Value::Array(vec![s(&gift)])],
    )
    .await;
    assert_eq!(got, json!({"error": "No data"}));
    let rec = call(&server.base, "get_name_record", vec![s("gift.test")]).await;
    assert!(rec["record"].get("zonefile").is_none());
}

#[tokio::test]
async fn extension_methods_are_dispatched_first() {
    let fx = Fixture::new();
    let ext: Arc<dyn RpcExtension> = Arc::new(|method: &str, params: &[Value]| match method {
        "get_atlas_peers" => {
            let mut m = serde_json::Map::new();
            m.insert("peers".into(), json!(["127.0.0.1:6264"]));
            Some(RpcReply::Enveloped(m))
        }
        "atlas_peer_exchange" if params.len() != 1 => {
            Some(RpcReply::Error("Invalid remote peer address".into()))
        }
        "ping" => Some(RpcReply::Bare(
            json!({"status": "alive", "version": "custom"}),
        )),
        _ => None,
    });
    let server = rpc_server(fx.service.clone(), Some(ext)).await;
    let base = &server.base;
    let peers = call(base, "get_atlas_peers", vec![]).await;
    assert_eq!(peers["peers"], json!(["127.0.0.1:6264"]));
    assert_eq!(peers["status"], json!(true));
    assert_eq!(peers["lastblock"], json!(LAST_BLOCK));
    let bad = call(base, "atlas_peer_exchange", vec![]).await;
    assert_eq!(bad, json!({"error": "Invalid remote peer address"}));
    assert_eq!(call(base, "ping", vec![]).await["version"], json!("custom"));
    // Methods the extension passes on still work.
    assert_eq!(
        call(base, "get_num_names", vec![]).await["status"],
        json!(true)
    );
    let unknown = call(base, "get_zonefile_inventory", vec![i(0), i(10)]).await;
    assert!(unknown.get("traceback").is_some());
}

#[tokio::test]
async fn zonefiles_by_block_checks_its_arguments_on_an_atlas_node() {
    let fx = Fixture::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cfg = blockstack_atlas::AtlasConfig::new(dir.path().join("atlas"), "127.0.0.1:16264");
    cfg.atlasdb_path = None;
    cfg.sync_writes = false;
    let atlas = blockstack_atlas::Atlas::open(cfg).expect("atlas");
    let hash = "ab".repeat(20);
    atlas
        .add_block(
            LAST_BLOCK,
            vec![blockstack_atlas::ZonefileRow {
                name: "gift.test".into(),
                zonefile_hash: hash.clone(),
                txid: "cd".repeat(32),
                block_height: LAST_BLOCK,
                vtxindex: 1,
            }],
        )
        .expect("block");
    fx.node.set_atlas(atlas);
    let server = rpc_server(fx.service.clone(), None).await;
    let base = &server.base;
    let b = LAST_BLOCK as i64;
    let err = |m: &str| json!({ "error": m });
    let cases: Vec<(Vec<Value>, Json)> = vec![
        (
            vec![i(0), i(b), i(0), i(10)],
            err("Invalid from_block height"),
        ),
        (
            vec![s("1"), i(b), i(0), i(10)],
            err("Invalid from_block height"),
        ),
        (
            vec![i(1), i(10_000_001), i(0), i(10)],
            err("Invalid to_block height"),
        ),
        (vec![i(1), i(b), i(-1), i(10)], err("invalid offset")),
        (vec![i(1), i(b), i(0), i(101)], err("invalid count")),
        (vec![i(1), i(b), i(0), i(-1)], err("invalid count")),
    ];
    for (params, want) in cases {
        let got = call(base, "get_zonefiles_by_block", params.clone()).await;
        assert_eq!(got, want, "{params:?}");
    }
    let found = call(
        base,
        "get_zonefiles_by_block",
        vec![i(b), i(b), i(0), i(100)],
    )
    .await;
    assert_eq!(found["status"], json!(true), "{found}");
    let rows = found["zonefile_info"].as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{found}");
    assert_eq!(rows[0]["name"], json!("gift.test"));
    assert_eq!(rows[0]["zonefile_hash"], json!(hash));
    assert_eq!(rows[0]["block_height"], json!(LAST_BLOCK));
}

#[tokio::test]
async fn getinfo_fails_once_bitcoind_has_not_answered_for_ten_minutes() {
    let fx = Fixture::new();
    let server = rpc_server(fx.service.clone(), None).await;
    let base = &server.base;
    let now = blockstack_api::node_info::unix_now();
    fx.node
        .update(|s| s.bitcoind_answered_at = Some(now - 590.0));
    let info = call(base, "getinfo", vec![]).await;
    assert_eq!(info["server_alive"], json!(true), "{info}");

    fx.node
        .update(|s| s.bitcoind_answered_at = Some(now - 610.0));
    let info = call(base, "getinfo", vec![]).await;
    let message = "Exception: bitcoind has not answered for over 600 seconds";
    assert_eq!(info["error"], json!(message), "{info}");
    assert!(info.get("traceback").is_some(), "{info}");
    // The other methods do not ask bitcoind.
    assert_eq!(call(base, "ping", vec![]).await["status"], json!("alive"));
    assert_eq!(
        call(base, "get_num_names", vec![]).await["status"],
        json!(true)
    );
}

#[tokio::test]
async fn atlas_replies_carry_the_stale_marker() {
    let fx = Fixture::new();
    // As the daemon's Atlas extension answers: a finished `success_response` document.
    let ext: Arc<dyn RpcExtension> = Arc::new(|method: &str, _: &[Value]| match method {
        "get_zonefile_inventory" => Some(RpcReply::Bare(
            json!({"status": true, "indexing": false, "lastblock": LAST_BLOCK, "inv": ""}),
        )),
        "get_atlas_peers" => Some(RpcReply::Bare(json!({"error": "busy"}))),
        "ping" => Some(RpcReply::Bare(json!({"status": true}))),
        _ => None,
    });
    let server = rpc_server(fx.service.clone(), Some(ext)).await;
    let base = &server.base;
    let fresh = call(base, "get_zonefile_inventory", vec![i(0), i(10)]).await;
    assert!(fresh.get("stale").is_none(), "{fresh}");

    fx.node.update(|s| s.last_indexing_time -= 7300.0);
    let inv = call(base, "get_zonefile_inventory", vec![i(0), i(10)]).await;
    assert_eq!(inv["stale"], json!(true), "{inv}");
    assert!(inv["warning"]
        .as_str()
        .expect("warning")
        .starts_with("Daemon has not reindexed since "));
    assert_eq!(inv["inv"], json!(""));
    // Errors, and methods other than Atlas's, are sent as they are.
    let err = call(base, "get_atlas_peers", vec![]).await;
    assert_eq!(err, json!({"error": "busy"}));
    assert_eq!(call(base, "ping", vec![]).await, json!({"status": true}));
}

#[tokio::test]
async fn malformed_requests_get_faults_not_crashes() {
    let fx = Fixture::new();
    let server = rpc_server(fx.service.clone(), None).await;
    let base = &server.base;
    let good = encode_call(&MethodCall::new("get_num_names", vec![])).expect("encode");
    let bodies: Vec<Vec<u8>> = vec![
        b"garbage".to_vec(),
        Vec::new(),
        good[..good.len() / 2].to_vec(),
        b"<?xml version='1.0'?><methodCall><methodName>ping</methodName><params><param><value><int>x</int></value></param></params></methodCall>".to_vec(),
        b"<!DOCTYPE x [<!ENTITY a 'b'>]><methodCall><methodName>&a;</methodName></methodCall>".to_vec(),
        b"<methodResponse><params/></methodResponse>".to_vec(),
        vec![0xff, 0xfe, 0x00, 0x3c],
        "<methodCall>".repeat(10_000).into_bytes(),
    ];
    for body in bodies {
        let resp = post(base, body.clone()).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let bytes = resp.bytes().await.expect("body");
        match decode_response(&bytes, &Limits::REPLY).expect("decodable reply") {
            MethodResponse::Fault(f) => {
                assert_eq!(f.code, 1);
                assert!(f.string.contains(':'), "{}", f.string);
            }
            other => panic!(
                "expected a fault for {:?}, got {other:?}",
                String::from_utf8_lossy(&body)
            ),
        }
    }
    // The server still answers.
    assert_eq!(
        call(base, "get_num_names", vec![]).await["status"],
        json!(true)
    );

    let client = reqwest::Client::new();
    // Only POST, only / and /RPC2.
    let resp = client
        .get(format!("{base}/RPC2"))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), StatusCode::NOT_IMPLEMENTED);
    // The method is checked before the path.
    for path in ["/other", "/"] {
        let resp = client
            .get(format!("{base}{path}"))
            .send()
            .await
            .expect("get");
        assert_eq!(resp.status(), StatusCode::NOT_IMPLEMENTED, "GET {path}");
    }
    let resp = client
        .put(format!("{base}/other"))
        .body(good.clone())
        .send()
        .await
        .expect("put");
    assert_eq!(resp.status(), StatusCode::NOT_IMPLEMENTED);
    let resp = client
        .post(format!("{base}/other"))
        .body(good.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let resp = client
        .post(format!("{base}/"))
        .body(good.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::OK);
    // Compressed requests are refused, so size checks cannot be bypassed.
    let resp = client
        .post(format!("{base}/RPC2"))
        .header("content-encoding", "gzip")
        .body(good.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::NOT_IMPLEMENTED);
    // Large replies are gzipped for clients that accept it, small ones never.
    for (method, params, gzipped) in [
        ("get_name_blockchain_record", vec![s("gift.test")], true),
        ("get_num_names", vec![], false),
    ] {
        let body = encode_call(&MethodCall::new(method, params)).expect("encode");
        let resp = client
            .post(format!("{base}/RPC2"))
            .header("accept-encoding", "gzip")
            .body(body)
            .send()
            .await
            .expect("post");
        assert_eq!(resp.status(), StatusCode::OK);
        let encoding = resp
            .headers()
            .get("content-encoding")
            .map(|v| v.as_bytes().to_vec());
        assert_eq!(
            encoding.as_deref() == Some(&b"gzip"[..]),
            gzipped,
            "{method}"
        );
    }
    // Bodies over 512 KiB: 400 with an empty body.
    let resp = post(base, vec![b' '; 512 * 1024 + 1]).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    assert!(resp.bytes().await.expect("body").is_empty());
}

#[tokio::test]
async fn dids_resolve_back_to_their_names() {
    let fx = Fixture::new();
    fx.put_zonefile(GIFT_ZONEFILE.as_bytes());
    let server = rpc_server(fx.service.clone(), None).await;
    let base = &server.base;
    for name in ["gift.test", "imported.test", "bar.test", "carol-07.test"] {
        let did = call(base, "get_name_DID", vec![s(name)]).await;
        let did = did["did"].as_str().expect("did").to_string();
        assert!(did.starts_with("did:stack:v0:"), "{did}");
        let rec = call(base, "get_DID_record", vec![s(&did)]).await;
        assert_eq!(rec["record"]["name"], json!(name), "{did}");
        assert!(rec["record"].get("expire_block").is_some());
        assert!(rec["record"].get("last_creation_op").is_none());
    }
    // foo.test was revoked: its DID no longer resolves.
    let did = call(base, "get_name_DID", vec![s("foo.test")]).await;
    let rec = call(
        base,
        "get_DID_record",
        vec![s(did["did"].as_str().expect("did"))],
    )
    .await;
    assert_eq!(
        rec,
        json!({"error": "Failed to resolve DID to a non-revoked name"})
    );
    // A name without a creation row fails like the original's lookup of a missing name.
    let missing = call(base, "get_name_DID", vec![s("nosuch.test")]).await;
    assert!(missing.get("traceback").is_some());
}

#[tokio::test]
async fn a_body_cut_short_by_the_client_is_refused_without_hanging() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let fx = Fixture::new();
    let server = rpc_server(fx.service.clone(), None).await;
    let addr = server.base.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let body = encode_call(&MethodCall::new("get_num_names", vec![])).expect("encode");
    let head = format!(
        "POST /RPC2 HTTP/1.0\r\nHost: {addr}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\r\n",
        body.len() + 100
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    stream.write_all(&body).await.expect("write");
    stream.shutdown().await.expect("half-close");
    let mut reply = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut reply),
    )
    .await
    .expect("the server answers or closes in time")
    .expect("read");
    let text = String::from_utf8_lossy(&reply);
    assert!(
        reply.is_empty() || text.starts_with("HTTP/1.0 400") || text.starts_with("HTTP/1.1 400"),
        "{text}"
    );
}
