//! The write routes over HTTP, inside the read API's transport: authorization, body checks,
//! the original's replies, and what lands in the queue.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use blockstack_consensus::hash::value_hash_hex;
use blockstack_registrar::auth::Auth;
use blockstack_registrar::rest::{with_reads, WalletInfo, WriteApi};
use blockstack_registrar::{NameStatus, Queue, Registrar, RegistrarConfig, Stage};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

mod support;
use support::{Sim, OWNER};

const PASSWORD: &str = "hunter2hunter2";
const ORIGIN: &str = "http://localhost:8888";

struct Server {
    base: String,
    sim: Sim,
    registrar: Arc<Registrar<Sim>>,
    http: reqwest::Client,
}

impl Server {
    async fn start() -> Server {
        Self::with_data_key(Some("04ab")).await
    }

    /// A server whose wallet has `data_pubkey` as its data key.
    async fn with_data_key(data_pubkey: Option<&str>) -> Server {
        let sim = Sim::default();
        let registrar = Arc::new(Registrar::new(
            Queue::open_in_memory().unwrap(),
            sim.clone(),
            RegistrarConfig::test_mode(),
        ));
        let api = Arc::new(WriteApi {
            registrar: registrar.clone(),
            auth: Auth::new(PASSWORD, "testhost", false),
            wallet: WalletInfo {
                keys: json!({"payment_address": "payer", "payment_privkey": "secret"}),
                min_confs: 1,
                payment_address: "payer".into(),
                owner_address: OWNER.into(),
                data_pubkey: data_pubkey.map(str::to_owned),
            },
        });
        let app = blockstack_api::rest::app(with_reads(read_routes(), api));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            blockstack_api::rest::serve_app(listener, app, std::future::pending())
                .await
                .unwrap();
        });
        Server {
            base,
            sim,
            registrar,
            http: reqwest::Client::new(),
        }
    }

    /// A request with the password from the Browser's origin.
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, String) {
        self.raw(method, path, body.map(|b| b.to_string()), true)
            .await
    }

    async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
        authorized: bool,
    ) -> (StatusCode, String) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if authorized {
            req = req
                .header("authorization", format!("bearer {PASSWORD}"))
                .header("origin", ORIGIN);
        }
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body);
        }
        let resp = req.send().await.unwrap();
        (resp.status(), resp.text().await.unwrap())
    }

    fn stages(&self) -> Vec<(String, Stage)> {
        self.registrar
            .queue()
            .all()
            .unwrap()
            .into_iter()
            .map(|j| (j.name, j.stage))
            .collect()
    }
}

/// Stands in for the read routes: every name looks up as available.
fn read_routes() -> axum::Router {
    axum::Router::new().route(
        "/v1/names/{name}",
        axum::routing::get(|| async {
            (
                axum::http::StatusCode::NOT_FOUND,
                axum::Json(json!({"status": "available"})),
            )
        }),
    )
}

fn parsed(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[tokio::test]
async fn privileged_routes_need_the_password_from_a_whitelisted_origin() {
    let s = Server::start().await;
    let body = json!({"name": "a.test"}).to_string();
    for headers in [
        vec![],
        vec![("authorization", format!("bearer {PASSWORD}"))],
        vec![("origin", ORIGIN.to_string())],
        vec![
            ("authorization", "bearer wrong".to_string()),
            ("origin", ORIGIN.to_string()),
        ],
        vec![
            ("authorization", format!("bearer {PASSWORD}")),
            ("origin", "http://evil.example".to_string()),
        ],
    ] {
        let mut req = s
            .http
            .post(format!("{}/v1/names", s.base))
            .body(body.clone());
        for (k, v) in &headers {
            req = req.header(*k, v);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{headers:?}");
        assert_eq!(resp.text().await.unwrap(), "");
    }
    for path in [
        "/v1/node/registrar/state",
        "/v1/wallet/payment_address",
        "/v1/wallet/owner_address",
        "/v1/wallet/data_pubkey",
    ] {
        let (status, _) = s.raw(Method::GET, path, None, false).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    assert!(s.stages().is_empty());
    assert!(s.sim.world().built.is_empty());
}

#[tokio::test]
async fn a_registration_is_queued_with_the_originals_reply() {
    let s = Server::start().await;
    let (status, text) = s
        .call(
            Method::POST,
            "/v1/names",
            Some(json!({"name": "a.test", "zonefile": "zf", "tx_fee": 100, "make_profile": true})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    // Written as the original's `json.dumps` writes it.
    assert!(text.contains("\"success\": true, "), "{text}");
    let body = parsed(&text);
    assert_eq!(body["success"], true);
    assert_eq!(
        body["message"],
        "Name queued for registration.  The process takes several hours.  You can check the status with `blockstack info`."
    );
    let txid = body["transaction_hash"].as_str().unwrap().to_string();
    assert_eq!(s.stages(), [("a.test".to_string(), Stage::Preorder)]);

    let (status, text) = s
        .call(Method::POST, "/v1/names", Some(json!({"name": "a.test"})))
        .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(text, r#"{"error": "register failed.\nAlready in queue."}"#);

    let (status, text) = s
        .call(Method::GET, "/v1/blockchains/bitcoin/pending", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        parsed(&text),
        json!({"queues": {"preorder": [{"name": "a.test", "tx_hash": txid, "confirmations": 0}]}})
    );
    s.sim.mine(2);
    let (_, text) = s.call(Method::GET, "/v1/node/registrar/state", None).await;
    let rows = parsed(&text);
    assert_eq!(rows[0]["fqu"], "a.test");
    assert_eq!(rows[0]["type"], "preorder");
    assert_eq!(rows[0]["tx_hash"], txid.as_str());
    assert_eq!(rows[0]["zonefile"], "zf");
    assert_eq!(rows[0]["zonefile_hash"], value_hash_hex(b"zf"));
    assert_eq!(rows[0]["replicated_zonefile"], false);
    let (_, text) = s
        .call(Method::GET, "/v1/blockchains/bitcoin/pending", None)
        .await;
    assert_eq!(parsed(&text)["queues"]["preorder"][0]["confirmations"], 2);
}

#[tokio::test]
async fn a_queued_name_looks_up_as_pending_before_the_read_route() {
    let s = Server::start().await;
    let available = (StatusCode::NOT_FOUND, json!({"status": "available"}));
    let lookup = |path: &'static str| {
        let s = &s;
        async move {
            let (status, text) = s.raw(Method::GET, path, None, false).await;
            (status, text)
        }
    };
    let (status, text) = lookup("/v1/names/a.test").await;
    assert_eq!((status, parsed(&text)), available);

    let (_, text) = s
        .call(Method::POST, "/v1/names", Some(json!({"name": "a.test"})))
        .await;
    let txid = parsed(&text)["transaction_hash"]
        .as_str()
        .unwrap()
        .to_string();
    let pending = |confirmations: u32| json!({"status": "pending", "operation": "preorder", "txid": txid, "confirmations": confirmations});
    // Public, answered from the queue, written as the original writes JSON.
    let (status, text) = lookup("/v1/names/a.test").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(parsed(&text), pending(0));
    assert!(text.contains("\"status\": \"pending\""), "{text}");
    let (status, text) = lookup("/v1/names/a%2Etest").await;
    assert_eq!((status, parsed(&text)), (StatusCode::OK, pending(0)));

    s.sim.mine(2);
    let (_, text) = lookup("/v1/names/a.test").await;
    assert_eq!(parsed(&text), pending(2));
    // Without bitcoind the name is still pending, at 0 confirmations.
    s.sim.world().offline = true;
    let (_, text) = lookup("/v1/names/a.test").await;
    assert_eq!(parsed(&text), pending(0));
    s.sim.world().offline = false;

    // Other names, other paths and other methods go on to their routes.
    let (status, text) = lookup("/v1/names/b.test").await;
    assert_eq!((status, parsed(&text)), available);
    let (status, _) = lookup("/v1/names/a.test/history").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, text) = s.call(Method::DELETE, "/v1/names/a.test", None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    assert_eq!(parsed(&text)["success"], true);
}

#[tokio::test]
async fn malformed_bodies_are_refused_and_queue_nothing() {
    let s = Server::start().await;
    let long = "x".repeat(4097);
    for body in [
        "not json".to_string(),
        json!({}).to_string(),
        json!({"name": "Bad.test"}).to_string(),
        json!({"name": "a.test", "surprise": 1}).to_string(),
        json!({"name": "a.test", "zonefile": long}).to_string(),
        json!({"name": "a.test", "min_confs": -1}).to_string(),
        json!({"name": "a.test", "tx_fee": 500_001}).to_string(),
        json!({"name": "a.test", "owner_address": "not-an-address"}).to_string(),
    ] {
        let (status, text) = s
            .raw(Method::POST, "/v1/names", Some(body.clone()), true)
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(parsed(&text), json!({"error": "Invalid request"}), "{body}");
    }
    let (status, text) = s
        .call(
            Method::POST,
            "/v1/names",
            Some(json!({"name": "a.test", "owner_key": "5J..."})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(parsed(&text)["error"]
        .as_str()
        .unwrap()
        .contains("owner_key"));

    let (status, text) = s
        .call(
            Method::PUT,
            "/v1/names/a.test/owner",
            Some(json!({"owner": "1BadAddress"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(parsed(&text), json!({"error": "Invalid owner address"}));

    for body in [
        json!({}),
        json!({"zonefile": "a", "zonefile_b64": "YQ=="}),
        json!({"zonefile": "a", "zonefile_hash": "00".repeat(20)}),
        json!({"zonefile_b64": "!!"}),
        json!({"zonefile_hash": "xyz"}),
    ] {
        let (status, text) = s
            .call(Method::PUT, "/v1/names/a.test/zonefile", Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(parsed(&text), json!({"error": "Invalid request"}));
    }
    let (status, text) = s.call(Method::DELETE, "/v1/names/a..test", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(parsed(&text), json!({"error": "Invalid name or subdomain"}));
    assert!(s.stages().is_empty());
    assert!(s.sim.world().built.is_empty());
}

#[tokio::test]
async fn update_transfer_and_revoke_are_queued() {
    let s = Server::start().await;
    let (status, text) = s
        .call(
            Method::PUT,
            "/v1/names/u.test/zonefile",
            Some(json!({"zonefile": "new"})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let body = parsed(&text);
    assert_eq!(body["zonefile_hash"], value_hash_hex(b"new"));
    assert_eq!(
        body["message"],
        "Name queued for update.  The process takes ~1 hour.  You can check the status with `blockstack info`."
    );
    let hash = "ab".repeat(20);
    let (status, text) = s
        .call(
            Method::PUT,
            "/v1/names/h.test/zonefile",
            Some(json!({"zonefile_hash": hash})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(parsed(&text)["zonefile_hash"], hash.as_str());
    let (status, text) = s
        .call(
            Method::PUT,
            "/v1/names/t.test/owner",
            Some(json!({"owner": "1111111111111111111114oLvT2"})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    assert!(parsed(&text)["message"]
        .as_str()
        .unwrap()
        .starts_with("Name queued for transfer."));
    let (status, text) = s.call(Method::DELETE, "/v1/names/v.test", None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert!(parsed(&text)["message"]
        .as_str()
        .unwrap()
        .starts_with("Name queued for revocation."));
    assert_eq!(
        s.stages(),
        [
            ("h.test".to_string(), Stage::Update),
            ("u.test".to_string(), Stage::Update),
            ("t.test".to_string(), Stage::Transfer),
            ("v.test".to_string(), Stage::Revoke),
        ]
    );
    // A failing update is 503, as the original.
    s.sim.world().refuse_builds = true;
    let (status, text) = s
        .call(
            Method::PUT,
            "/v1/names/w.test/zonefile",
            Some(json!({"zonefile": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        parsed(&text),
        json!({"error": "Update failed.\nnot enough funds"})
    );
}

#[tokio::test]
async fn posting_a_name_the_wallet_owns_renews_it_and_refuses_registration_fields() {
    let s = Server::start().await;
    s.sim.world().names.insert(
        "mine.test".into(),
        NameStatus {
            registered: true,
            owner_address: Some(OWNER.into()),
            ..NameStatus::default()
        },
    );
    let (status, text) = s
        .call(
            Method::POST,
            "/v1/names",
            Some(json!({"name": "mine.test", "unsafe": true})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        parsed(&text),
        json!({"error": "Name already owned by this wallet and `unsafe` is an invalid argument for renewal"})
    );
    let (status, _) = s
        .call(
            Method::POST,
            "/v1/names",
            Some(json!({"name": "mine.test", "zonefile": "zf"})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(s.stages(), [("mine.test".to_string(), Stage::Renew)]);

    // A second job of the same kind fails, with the original's status and message per route.
    let again = s
        .call(
            Method::POST,
            "/v1/names",
            Some(json!({"name": "mine.test"})),
        )
        .await;
    assert_eq!(
        again,
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"error": "renew failed.\nAlready in queue."}"#.to_string()
        )
    );
    for (method, path, body, status, message) in [
        (
            Method::PUT,
            "/v1/names/x.test/owner",
            Some(json!({"owner": "1111111111111111111114oLvT2"})),
            StatusCode::INTERNAL_SERVER_ERROR,
            "Transfer failed.\nAlready in queue.",
        ),
        (
            Method::PUT,
            "/v1/names/x.test/zonefile",
            Some(json!({"zonefile": "zf"})),
            StatusCode::SERVICE_UNAVAILABLE,
            "Update failed.\nAlready in queue.",
        ),
        (
            Method::DELETE,
            "/v1/names/x.test",
            None,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Revoke failed.\nAlready in queue.",
        ),
    ] {
        let (first, text) = s.call(method.clone(), path, body.clone()).await;
        assert_eq!(first, StatusCode::ACCEPTED, "{path}: {text}");
        let (second, text) = s.call(method, path, body).await;
        assert_eq!(
            (second, parsed(&text)),
            (status, json!({ "error": message })),
            "{path}"
        );
    }
}

#[tokio::test]
async fn zonefiles_are_published_wallet_addresses_served_and_cors_applies() {
    let s = Server::start().await;
    let (status, text) = s
        .raw(
            Method::POST,
            "/v1/zonefile",
            Some(json!({"zonefile_b64": "aGVsbG8="}).to_string()),
            false,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        parsed(&text),
        json!({"status": true, "servers": ["node:6264"]})
    );
    assert_eq!(s.sim.world().pushed, [b"hello".to_vec()]);
    let (status, text) = s
        .raw(
            Method::POST,
            "/v1/zonefile",
            Some(json!({"zonefile": "x".repeat(4097)}).to_string()),
            false,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(parsed(&text), json!({"error": "maxLength"}));
    // Both forms, or neither, are an invalid request; a node that does not take it fails.
    for body in [json!({}), json!({"zonefile": "a", "zonefile_b64": "YQ=="})] {
        let (status, text) = s
            .raw(Method::POST, "/v1/zonefile", Some(body.to_string()), false)
            .await;
        assert_eq!(
            (status, parsed(&text)),
            (
                StatusCode::UNAUTHORIZED,
                json!({"error": "Invalid request"})
            ),
            "{body}"
        );
    }
    s.sim.world().node_refuses_zonefiles = true;
    let (status, text) = s
        .raw(
            Method::POST,
            "/v1/zonefile",
            Some(json!({"zonefile": "hello"}).to_string()),
            false,
        )
        .await;
    assert_eq!(
        (status, parsed(&text)),
        (
            StatusCode::UNAUTHORIZED,
            json!({"error": "Failed to publish zonefile to all backend providers"})
        )
    );
    s.sim.world().node_refuses_zonefiles = false;
    // The pending list is public.
    let (status, _) = s
        .raw(Method::GET, "/v1/blockchains/bitcoin/pending", None, false)
        .await;
    assert_eq!(status, StatusCode::OK);

    let (_, text) = s.call(Method::GET, "/v1/wallet/owner_address", None).await;
    assert_eq!(parsed(&text), json!({"address": OWNER}));
    let (_, text) = s.call(Method::GET, "/v1/wallet/data_pubkey", None).await;
    assert_eq!(parsed(&text), json!({"public_key": "04ab"}));

    let resp = s
        .http
        .request(Method::OPTIONS, format!("{}/v1/names", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["access-control-allow-methods"],
        "GET, PUT, POST, DELETE"
    );
    let resp = s
        .http
        .post(format!("{}/v1/names", s.base))
        .header("authorization", format!("bearer {PASSWORD}"))
        .header("origin", ORIGIN)
        .body(vec![b'x'; 2 * 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn a_wallet_without_a_data_key_answers_503_with_no_body() {
    let s = Server::with_data_key(None).await;
    let (status, text) = s.call(Method::GET, "/v1/wallet/data_pubkey", None).await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, "")
    );
}

#[tokio::test]
async fn the_wallet_routes_report_the_balance_withdraw_and_refuse_key_changes() {
    let s = Server::start().await;
    let (status, text) = s.call(Method::GET, "/v1/wallet/balance", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        parsed(&text),
        json!({"balance": {"satoshis": 100_000, "bitcoin": 0.001}})
    );
    let (_, text) = s.call(Method::GET, "/v1/wallet/balance/0", None).await;
    assert_eq!(parsed(&text)["balance"]["satoshis"], 150_000);
    let (status, _) = s.call(Method::GET, "/v1/wallet/balance/x", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let to = "1111111111111111111114oLvT2";
    let (status, text) = s
        .call(
            Method::POST,
            "/v1/wallet/balance",
            Some(json!({"address": to, "amount": 0})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        parsed(&text),
        json!({"error": "Refusing to send 0 bitcoin"})
    );
    let (status, text) = s
        .call(
            Method::POST,
            "/v1/wallet/balance",
            Some(json!({"address": to, "amount": 10, "tx_only": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let tx = parsed(&text)["tx"].as_str().unwrap().to_string();
    assert!(s.sim.world().broadcasts.is_empty(), "tx_only sends nothing");
    let (status, text) = s
        .call(
            Method::POST,
            "/v1/wallet/balance",
            Some(json!({"address": to, "amount": 10})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let body = parsed(&text);
    assert_eq!(body["success"], true);
    let txid = body["transaction_hash"].as_str().unwrap();
    assert_eq!(s.sim.world().broadcasts[txid], 1);
    assert_ne!(format!("hex-{txid}"), tx);
    let (status, text) = s
        .call(
            Method::POST,
            "/v1/wallet/balance",
            Some(json!({"address": to, "amount": 1_000_000})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        parsed(&text),
        json!({"error": "Failed to transfer balance: not enough funds"})
    );
    let (status, _) = s
        .call(
            Method::POST,
            "/v1/wallet/balance",
            Some(json!({"address": to, "message": "x".repeat(41)})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, text) = s.call(Method::GET, "/v1/wallet/keys", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(parsed(&text)["payment_privkey"], "secret");
    let (status, _) = s.raw(Method::GET, "/v1/wallet/keys", None, false).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for path in [
        "/v1/wallet/keys",
        "/v1/wallet/keys/owner",
        "/v1/wallet/password",
    ] {
        let (status, _) = s.call(Method::PUT, path, Some(json!({}))).await;
        assert_eq!(status, StatusCode::NOT_IMPLEMENTED, "{path}");
    }
}
