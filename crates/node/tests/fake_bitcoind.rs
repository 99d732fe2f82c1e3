//! `BitcoindClient` behaviour that a real regtest node cannot be made to
//! show on demand (warm-up, overload, Core-only calls, odd replies), against
//! a scripted JSON-RPC server on a loopback port.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bitcoin::{Address, Network};
use blockstack_node::chain::{
    BitcoindClient, BitcoindConfig, BlockTransport, ChainError, ChainSource, RetryPolicy, RpcAuth,
};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Decides the reply (HTTP status, body) to each request body; status 0
/// closes the connection without a reply.
type Script = Box<dyn FnMut(&Value) -> (u16, String) + Send>;

/// Serves `script` until the test ends; returns the URL and a log of the
/// methods called.
async fn serve(mut script: Script) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    let log = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&log);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let body = loop {
                let n = socket.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break None;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).into_owned();
                if let Some(end) = text.find("\r\n\r\n") {
                    let length = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().to_owned())
                        })
                        .and_then(|v| v.parse::<usize>().ok())
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + length {
                        break Some(buf[end + 4..end + 4 + length].to_vec());
                    }
                }
            };
            let Some(body) = body else { continue };
            let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let methods: Vec<String> = match &request {
                Value::Array(items) => items
                    .iter()
                    .map(|i| i["method"].as_str().unwrap_or("").to_owned())
                    .collect(),
                other => vec![other["method"].as_str().unwrap_or("").to_owned()],
            };
            seen.lock().expect("log").extend(methods);
            let (status, reply) = script(&request);
            if status == 0 {
                // Drop the connection mid-call, as a stopping bitcoind does.
                drop(socket);
                continue;
            }
            let response = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                reply.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
    });
    (url, log)
}

fn ok(request: &Value, result: Value) -> (u16, String) {
    (
        200,
        json!({"result": result, "error": null, "id": request["id"]}).to_string(),
    )
}

fn rpc_error(request: &Value, code: i64, message: &str) -> (u16, String) {
    let status = if code == -32601 { 404 } else { 500 };
    (
        status,
        json!({"result": null, "error": {"code": code, "message": message}, "id": request["id"]})
            .to_string(),
    )
}

fn client(url: &str, max_elapsed: Duration) -> BitcoindClient {
    let mut config = BitcoindConfig::new(
        url,
        RpcAuth::UserPass {
            user: "u".into(),
            password: "p".into(),
        },
    );
    config.retry = RetryPolicy {
        initial_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_elapsed,
    };
    config.blocks = BlockTransport::Rpc;
    BitcoindClient::new(config).expect("valid config")
}

#[tokio::test]
async fn warm_up_errors_are_retried_until_the_node_is_ready() {
    let mut calls = 0;
    let (url, log) = serve(Box::new(move |req| {
        calls += 1;
        if calls <= 3 {
            rpc_error(req, -28, "Loading block index...")
        } else {
            ok(req, json!(42))
        }
    }))
    .await;
    assert_eq!(
        client(&url, Duration::from_secs(10))
            .block_count()
            .await
            .expect("ready"),
        42
    );
    assert_eq!(log.lock().expect("log").len(), 4);
}

#[tokio::test]
async fn warm_up_that_outlasts_the_budget_is_returned() {
    let (url, _log) = serve(Box::new(|req| rpc_error(req, -28, "Verifying blocks..."))).await;
    let err = client(&url, Duration::from_millis(150))
        .block_count()
        .await
        .expect_err("never ready");
    assert_eq!(err.rpc_code(), Some(-28), "{err}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn a_connection_dropped_mid_call_is_retried() {
    let mut calls = 0;
    let (url, log) = serve(Box::new(move |req| {
        calls += 1;
        if calls == 1 {
            (0, String::new())
        } else {
            ok(req, json!(9))
        }
    }))
    .await;
    assert_eq!(
        client(&url, Duration::from_secs(10))
            .block_count()
            .await
            .expect("second try"),
        9
    );
    assert_eq!(log.lock().expect("log").len(), 2);
}

#[tokio::test]
async fn an_overloaded_node_is_retried() {
    let mut calls = 0;
    let (url, _log) = serve(Box::new(move |req| {
        calls += 1;
        if calls == 1 {
            (503, String::new())
        } else {
            ok(req, json!(7))
        }
    }))
    .await;
    assert_eq!(
        client(&url, Duration::from_secs(10))
            .block_count()
            .await
            .expect("second try"),
        7
    );
}

#[tokio::test]
async fn rpc_errors_other_than_warm_up_are_not_retried() {
    let (url, log) = serve(Box::new(|req| {
        rpc_error(req, -8, "Block height out of range")
    }))
    .await;
    let err = client(&url, Duration::from_secs(10))
        .block_hash(5)
        .await
        .expect_err("out of range");
    assert!(
        matches!(&err, ChainError::Rpc { code: -8, message, .. } if message == "Block height out of range"),
        "{err}"
    );
    assert_eq!(log.lock().expect("log").len(), 1);
}

#[tokio::test]
async fn replies_that_are_not_json_rpc_are_bad_responses() {
    let (url, _log) = serve(Box::new(|_| (200, "<html>proxy error</html>".to_owned()))).await;
    let err = client(&url, Duration::from_secs(1))
        .block_count()
        .await
        .expect_err("html");
    assert!(matches!(err, ChainError::BadResponse { .. }), "{err}");

    let (url, _log) = serve(Box::new(|req| ok(req, json!("not a number")))).await;
    let err = client(&url, Duration::from_secs(1))
        .block_count()
        .await
        .expect_err("wrong type");
    assert!(matches!(err, ChainError::BadResponse { .. }), "{err}");

    let (url, _log) = serve(Box::new(|req| ok(req, json!("zz")))).await;
    let hash = "11".repeat(32).parse().expect("hash");
    let err = client(&url, Duration::from_secs(1))
        .block(hash)
        .await
        .expect_err("not hex");
    assert!(matches!(err, ChainError::BadResponse { .. }), "{err}");
}

#[tokio::test]
async fn batch_replies_are_matched_by_id_not_position() {
    let (url, _log) = serve(Box::new(|req| {
        let mut items: Vec<Value> = req
            .as_array()
            .expect("a batch")
            .iter()
            .map(|item| match item["params"][0].as_u64() {
                Some(1) => json!({"result": null, "error": {"code": -8, "message": "out of range"}, "id": item["id"]}),
                Some(h) => json!({"result": h * 10, "error": null, "id": item["id"]}),
                None => json!({"result": null, "error": null, "id": item["id"]}),
            })
            .collect();
        items.reverse();
        (200, Value::Array(items).to_string())
    }))
    .await;
    let mut config = BitcoindConfig::new(&url, RpcAuth::None);
    config.batch_size = 2;
    let client = BitcoindClient::new(config).expect("valid");
    let replies: Vec<Result<u64, ChainError>> = client
        .batch("getblockhash", &[json!([0]), json!([1]), json!([2])])
        .await
        .expect("batch");
    assert_eq!(replies[0].as_ref().expect("ok"), &0);
    assert_eq!(
        replies[1].as_ref().expect_err("item error").rpc_code(),
        Some(-8)
    );
    assert_eq!(replies[2].as_ref().expect("ok"), &20);
}

fn regtest_address() -> Address {
    "mfdp8Vjq86wdLTwZSVXvmxLTi2vPRB41Jh"
        .parse::<Address<_>>()
        .expect("address")
        .require_network(Network::Regtest)
        .expect("regtest")
}

const SCRIPT: &str = "76a914014c189ab4265ccc283ee1c8f674c519538c56c688ac";
const TXID: &str = "71155991b2fa1221d2bee5b9a3318fe91c7cae2637805f84303651d5b8c755b4";

#[tokio::test]
async fn utxos_come_from_scantxoutset_when_the_node_has_it() {
    let (url, log) = serve(Box::new(|req| match req["method"].as_str() {
        Some("getblockcount") => ok(req, json!(110)),
        Some("scantxoutset") => {
            assert_eq!(req["params"], json!(["start", ["addr(mfdp8Vjq86wdLTwZSVXvmxLTi2vPRB41Jh)"]]));
            ok(
                req,
                json!({"success": true, "unspents": [
                    {"txid": TXID, "vout": 0, "scriptPubKey": SCRIPT, "amount": 49.9999, "height": 101}
                ], "total_amount": 49.9999}),
            )
        }
        _ => rpc_error(req, -32601, "Method not found"),
    }))
    .await;
    let utxos = client(&url, Duration::from_secs(1))
        .utxos(&regtest_address())
        .await
        .expect("utxos");
    assert_eq!(utxos.len(), 1);
    assert_eq!(utxos[0].outpoint.txid.to_string(), TXID);
    assert_eq!(utxos[0].txout.value.to_sat(), 4_999_990_000);
    assert_eq!(
        utxos[0].txout.script_pubkey,
        regtest_address().script_pubkey()
    );
    assert_eq!(utxos[0].confirmations, 10);
    assert_eq!(
        *log.lock().expect("log"),
        vec!["getblockcount", "scantxoutset"]
    );
}

#[tokio::test]
async fn utxos_fall_back_to_a_watch_only_wallet_without_scantxoutset() {
    let (url, log) = serve(Box::new(|req| match req["method"].as_str() {
        Some("getblockcount") => ok(req, json!(110)),
        Some("importaddress") => ok(req, Value::Null),
        Some("listunspent") => ok(
            req,
            json!([{"txid": TXID, "vout": 0, "address": "mfdp8Vjq86wdLTwZSVXvmxLTi2vPRB41Jh", "scriptPubKey": SCRIPT,
                    "amount": 49.9999, "confirmations": 3, "spendable": false}]),
        ),
        _ => rpc_error(req, -32601, "Method not found"),
    }))
    .await;
    let client = client(&url, Duration::from_secs(1));
    for _ in 0..2 {
        let utxos = client.utxos(&regtest_address()).await.expect("utxos");
        assert_eq!(utxos[0].confirmations, 3);
    }
    // scantxoutset and importaddress are tried once; later lookups go straight to listunspent.
    assert_eq!(
        *log.lock().expect("log"),
        vec![
            "getblockcount",
            "scantxoutset",
            "importaddress",
            "listunspent",
            "listunspent"
        ]
    );
}
