//! The REST API against the spec §12.8 chain: a snapshot of every read route's reply, every
//! error path, CORS and the transport rules.

mod common;

use common::{rest_server, Fixture, CAROL_ZONEFILE, GIFT_ZONEFILE};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// Status, content type and body (JSON when it parses, else text) of a GET.
async fn get(base: &str, path: &str) -> (StatusCode, String, Value) {
    let resp = reqwest::get(format!("{base}{path}"))
        .await
        .expect("request");
    let status = resp.status();
    assert_eq!(
        resp.headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("*"),
        "CORS header on {path}"
    );
    let ctype = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let text = resp.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, ctype, body)
}

fn snapshot_name(path: &str) -> String {
    path.trim_start_matches('/')
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[tokio::test]
async fn every_read_route_matches_its_snapshot() {
    let fx = Fixture::new();
    fx.put_zonefile(GIFT_ZONEFILE.as_bytes());
    fx.put_zonefile(CAROL_ZONEFILE.as_bytes());
    let server = rest_server(fx.service.clone()).await;
    let carol = blockstack_zonefile::zonefile_hash(CAROL_ZONEFILE.as_bytes());
    let gift = blockstack_zonefile::zonefile_hash(GIFT_ZONEFILE.as_bytes());
    let routes = [
        "/v1/ping".to_string(),
        "/v1/node/ping".into(),
        "/v1/info".into(),
        "/v1/names?page=0".into(),
        "/v1/names?page=0&all=true".into(),
        "/v1/names?page=1".into(),
        "/v1/names/foo.test".into(),
        "/v1/names/gift.test".into(),
        "/v1/names/imported.test".into(),
        "/v1/names/bar.test".into(),
        "/v1/names/carol-00.test".into(),
        "/v1/names/carol-01.test".into(),
        "/v1/names/n2.expiring".into(),
        "/v1/names/gift.test/history".into(),
        "/v1/names/imported.test/history".into(),
        "/v1/names/foo.test/history?start_block=120&end_block=125".into(),
        "/v1/names/gift.test/zonefile".into(),
        "/v1/names/carol-00.test/zonefile".into(),
        format!("/v1/names/gift.test/zonefile/{gift}"),
        "/v1/names/gift.test/public_key".into(),
        "/v1/addresses/bitcoin/mjjWPCACZvF2G67wjKhkbYnjF65PohdsHE".into(),
        "/v1/addresses/bitcoin/1H8Rnh2XUMBGzLESzP8oanLsB8QKSZymZK".into(),
        "/v1/namespaces".into(),
        "/v1/namespaces/test".into(),
        "/v1/namespaces/stale".into(),
        "/v1/namespaces/expiring".into(),
        "/v1/namespaces/test/names?page=0".into(),
        "/v1/namespaces/zone/names?page=0".into(),
        "/v1/prices/names/foo.test".into(),
        "/v1/prices/names/averyveryverylongname.test".into(),
        "/v1/prices/namespaces/test".into(),
        "/v1/prices/namespaces/brandnew".into(),
        "/v1/blockchains/bitcoin/consensus".into(),
        "/v1/blockchains/bitcoin/name_count".into(),
        "/v1/blockchains/bitcoin/name_count?all=1".into(),
        "/v1/blockchains/bitcoin/operations/122".into(),
        "/v1/blockchains/bitcoin/operations/128".into(),
        "/v1/blockchains/bitcoin/operations/5163".into(),
        "/v1/blockchains/bitcoin/operations/9999".into(),
    ];
    for path in &routes {
        let (status, ctype, body) = get(&server.base, path).await;
        let name = snapshot_name(path)
            .replace(&carol, "CAROL")
            .replace(&gift, "GIFT");
        insta::assert_json_snapshot!(
            name,
            json!({"status": status.as_u16(), "content_type": ctype, "body": body})
        );
    }
    let (status, _, body) = get(
        &server.base,
        &format!("/v1/names/carol-00.test/zonefile/{carol}"),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(body, Value::String(String::new()));
}

#[tokio::test]
async fn raw_zone_files_are_the_exact_bytes() {
    let fx = Fixture::new();
    let gift = fx.put_zonefile(GIFT_ZONEFILE.as_bytes());
    let carol = fx.put_zonefile(CAROL_ZONEFILE.as_bytes());
    let server = rest_server(fx.service.clone()).await;
    for (path, want) in [
        (
            "/v1/names/gift.test/zonefile?raw=1".to_string(),
            GIFT_ZONEFILE,
        ),
        (
            format!("/v1/names/gift.test/zonefile/{gift}?raw=true"),
            GIFT_ZONEFILE,
        ),
        (
            "/v1/names/carol-00.test/zonefile?raw=1".to_string(),
            CAROL_ZONEFILE,
        ),
        (
            format!("/v1/names/carol-00.test/zonefile/{carol}?raw=1"),
            CAROL_ZONEFILE,
        ),
    ] {
        let resp = reqwest::get(format!("{}{path}", server.base))
            .await
            .expect("request");
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert_eq!(
            resp.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/octet-stream")
        );
        assert_eq!(
            resp.bytes().await.expect("body").as_ref(),
            want.as_bytes(),
            "{path}"
        );
    }
    // A stored file whose bytes do not hash to its name is never served.
    fx.put_zonefile_as(&gift, b"tampered");
    let (status, _, body) = get(&server.base, "/v1/names/gift.test/zonefile").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"error": "No zone file for name"}));
    let (_, _, body) = get(&server.base, "/v1/names/gift.test").await;
    assert_eq!(body["zonefile"], Value::Null);
}

#[tokio::test]
async fn error_paths_have_their_status_and_body() {
    let fx = Fixture::new();
    let server = rest_server(fx.service.clone()).await;
    let hash40 = "0123456789abcdef0123456789abcdef01234567";
    let cases: Vec<(String, u16, Value)> = vec![
        (
            "/v1/names/nosuch.test".into(),
            404,
            json!({"status": "available"}),
        ),
        (
            "/v1/names/sub.foo.test".into(),
            404,
            json!({"status": "available"}),
        ),
        (
            "/v1/names/n3.expiring".into(),
            500,
            json!({"error": "Blockstack daemon error: Name expired"}),
        ),
        (
            "/v1/names/n3.expiring/history".into(),
            500,
            json!({"error": "Name expired"}),
        ),
        (
            "/v1/names/n3.expiring/zonefile".into(),
            500,
            json!({"error": "Name expired"}),
        ),
        (
            "/v1/names/Foo.test".into(),
            400,
            json!({"error": "Invalid name or subdomain"}),
        ),
        (
            "/v1/names/a..b".into(),
            400,
            json!({"error": "Invalid name or subdomain"}),
        ),
        (
            "/v1/names/nodot".into(),
            400,
            json!({"error": "Invalid name or subdomain"}),
        ),
        (
            format!("/v1/names/{}.test", "a".repeat(40)),
            400,
            json!({"error": "Invalid name or subdomain"}),
        ),
        (
            "/v1/names/Foo.test/history".into(),
            400,
            json!({"error": "Invalid name or subdomain"}),
        ),
        (
            "/v1/names/nosuch.test/history".into(),
            500,
            json!({"error": "Not found."}),
        ),
        (
            "/v1/names/foo.test/history?start_block=x".into(),
            401,
            json!({"error": "Invalid start_block or end_block"}),
        ),
        (
            "/v1/names/nosuch.test/zonefile".into(),
            500,
            json!({"error": "Not found."}),
        ),
        (
            "/v1/names/foo.test/zonefile".into(),
            404,
            json!({"error": "No zone file for name"}),
        ),
        (
            "/v1/names/baz.test/zonefile".into(),
            404,
            json!({"error": "No zone file for name"}),
        ),
        (
            "/v1/names/foo.test/zonefile/xyz".into(),
            400,
            json!({"error": "Invalid zone file hash"}),
        ),
        (
            format!("/v1/names/foo.test/zonefile/{hash40}"),
            404,
            json!({"error": "No such zonefile"}),
        ),
        (
            "/v1/names/baz.test/zonefile/5555555555555555555555555555555555555555".into(),
            404,
            json!({"error": "No such zonefile"}),
        ),
        (
            format!("/v1/names/nosuch.test/zonefile/{hash40}"),
            500,
            json!({"error": "Failed to get name record for nosuch.test: Not found."}),
        ),
        (
            "/v1/names/foo.test/public_key".into(),
            503,
            json!({"error": "unable to load or parse zone file for foo.test"}),
        ),
        (
            "/v1/names/carol-00.test/public_key".into(),
            503,
            json!({"error": "unable to load or parse zone file for carol-00.test"}),
        ),
        (
            "/v1/names/nosuch.test/public_key".into(),
            503,
            json!({"error": "unable to load or parse zone file for nosuch.test"}),
        ),
        (
            "/v1/names".into(),
            401,
            json!({"error": "page= argument required"}),
        ),
        (
            "/v1/names?page=x".into(),
            401,
            json!({"error": "Invalid page= value"}),
        ),
        (
            "/v1/names?page=-1".into(),
            401,
            json!({"error": "Invalid page= value"}),
        ),
        (
            "/v1/names?page=1.5".into(),
            401,
            json!({"error": "Invalid page= value"}),
        ),
        (
            "/v1/names?page=100000000000000000000".into(),
            401,
            json!({"error": "Invalid page= value"}),
        ),
        (
            "/v1/names?page=92233720368547759".into(),
            401,
            json!({"error": "Invalid page= value"}),
        ),
        (
            "/v1/namespaces/test/names".into(),
            401,
            json!({"error": "page= argument required"}),
        ),
        (
            "/v1/namespaces/test/names?page=zz".into(),
            401,
            json!({"error": "Invalid page= value"}),
        ),
        (
            "/v1/namespaces/nosuch".into(),
            404,
            json!({"error": "No such namespace"}),
        ),
        (
            "/v1/namespaces/Test".into(),
            404,
            json!({"error": "No such route"}),
        ),
        (
            "/v1/namespaces/a+b".into(),
            404,
            json!({"error": "Invalid name or namespace"}),
        ),
        (
            "/v1/namespaces/a+b/names?page=0".into(),
            404,
            json!({"error": "Invalid name or namespace"}),
        ),
        (
            "/v1/prices/namespaces/a+b".into(),
            404,
            json!({"error": "Invalid name or namespace"}),
        ),
        (
            "/v1/prices/names/foo.nosuch".into(),
            404,
            json!({"error": "Unknown/invalid namespace"}),
        ),
        (
            "/v1/prices/names/a.b.c".into(),
            404,
            json!({"error": "Invalid name or namespace"}),
        ),
        (
            "/v1/prices/names/FOO.test".into(),
            400,
            json!({"error": "Invalid name or subdomain"}),
        ),
        (
            "/v1/addresses/dogecoin/mjjWPCACZvF2G67wjKhkbYnjF65PohdsHE".into(),
            401,
            json!({"error": "Invalid blockchain"}),
        ),
        (
            "/v1/addresses/bitcoin/short".into(),
            500,
            json!({"error": "Failed to list names by address"}),
        ),
        (
            "/v1/addresses/bitcoin/0OIl".into(),
            404,
            json!({"error": "No such route"}),
        ),
        (
            "/v1/blockchains/ethereum/consensus".into(),
            401,
            json!({"error": "Unsupported blockchain"}),
        ),
        (
            "/v1/blockchains/ethereum/name_count".into(),
            401,
            json!({"error": "Unsupported blockchain"}),
        ),
        (
            "/v1/blockchains/ethereum/operations/5162".into(),
            401,
            json!({"error": "Unsupported blockchain"}),
        ),
        (
            "/v1/blockchains/ethereum/names/foo.test/history".into(),
            401,
            json!({"error": "Unsupported blockchain"}),
        ),
        (
            "/v1/blockchains/bitcoin/operations/0".into(),
            404,
            json!({"error": "Invalid block height"}),
        ),
        (
            "/v1/blockchains/bitcoin/operations/10000001".into(),
            404,
            json!({"error": "Invalid block height"}),
        ),
        (
            "/v1/blockchains/bitcoin/operations/99999999999999999999999".into(),
            404,
            json!({"error": "Invalid block height"}),
        ),
        (
            "/v1/blockchains/bitcoin/operations/abc".into(),
            404,
            json!({"error": "No such route"}),
        ),
        (
            "/v1/blockchains/bitcoin/names/foo.test/history".into(),
            405,
            json!({"error": "Unimplemented"}),
        ),
        (
            "/v1/blockchains/bitcoin/names/nosuch.test/history".into(),
            404,
            json!({"error": "Not found."}),
        ),
        (
            "/v1/blockchains/bitcoin/names/sub.foo.test/history".into(),
            404,
            json!({"error": "Failed to load subdomain"}),
        ),
        ("/v1/nosuch".into(), 404, json!({"error": "No such route"})),
        ("/v2/names".into(), 404, json!({"error": "No such route"})),
        (
            "/v1/names?page=0&page=1".into(),
            401,
            json!({"error": "Duplicate query argument"}),
        ),
        // Refused before routing, whatever the route reads of the query.
        (
            "/v1/names/foo.test?a=1&a=2".into(),
            401,
            json!({"error": "Duplicate query argument"}),
        ),
        (
            "/v1/ping?x=1;x=2".into(),
            401,
            json!({"error": "Duplicate query argument"}),
        ),
        (
            "/v1/nosuch?a=1&a=2".into(),
            401,
            json!({"error": "Duplicate query argument"}),
        ),
    ];
    for (path, status, body) in cases {
        let (got_status, ctype, got_body) = get(&server.base, &path).await;
        assert_eq!(got_status.as_u16(), status, "status of {path}");
        assert_eq!(got_body, body, "body of {path}");
        assert_eq!(ctype, "application/json", "content type of {path}");
    }
}

#[tokio::test]
async fn a_data_key_is_served_uncompressed_and_its_absence_is_404() {
    let fx = Fixture::new();
    fx.put_zonefile(GIFT_ZONEFILE.as_bytes());
    let server = rest_server(fx.service.clone()).await;
    let (status, _, body) = get(&server.base, "/v1/names/gift.test/public_key").await;
    assert_eq!(status, StatusCode::OK);
    let compressed = "0298f5d4bd8dc1d1bd3e8e2c1cdf04d7ff6c8e4b0c0b1c5bf0b7ac11f16b2b7c5a";
    let key = body["public_key"].as_str().expect("key");
    assert_eq!(
        (key.len(), &key[..2], &key[2..66]),
        (130, "04", &compressed[2..])
    );

    // A user zone file without a data key.
    let keyless =
        b"$ORIGIN gift.test\n$TTL 3600\n_https._tcp URI 10 1 \"https://example.org/p.json\"\n";
    fx.put_zonefile(keyless);
    common::update_zonefile(&fx.dir.path().join("names.db"), "gift.test", keyless);
    let (status, _, body) = get(&server.base, "/v1/names/gift.test/public_key").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"error": "zone file for gift.test has no public key"})
    );
}

#[tokio::test]
async fn transport_cors_methods_and_limits() {
    let fx = Fixture::new();
    let server = rest_server(fx.service.clone()).await;
    let client = reqwest::Client::new();
    let base = &server.base;

    // Preflight under /v1/.
    let resp = client
        .request(
            reqwest::Method::OPTIONS,
            format!("{base}/v1/names/foo.test"),
        )
        .send()
        .await
        .expect("options");
    assert_eq!(resp.status(), StatusCode::OK);
    let h = resp.headers();
    let header = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).map(str::to_string);
    assert_eq!(header("access-control-allow-origin").as_deref(), Some("*"));
    assert_eq!(
        header("access-control-allow-methods").as_deref(),
        Some("GET, PUT, POST, DELETE")
    );
    assert_eq!(
        header("access-control-allow-headers").as_deref(),
        Some("content-type, authorization, range")
    );
    assert_eq!(
        header("access-control-expose-headers").as_deref(),
        Some("content-length, content-range")
    );
    assert_eq!(header("access-control-max-age").as_deref(), Some("21600"));
    assert_eq!(
        resp.text().await.expect("body"),
        "",
        "a preflight has no body"
    );
    // Under /insight-api/ too, routed or not.
    let resp = client
        .request(
            reqwest::Method::OPTIONS,
            format!("{base}/insight-api/addr/x/utxo"),
        )
        .send()
        .await
        .expect("options");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()
            .get("access-control-allow-methods")
            .and_then(|v| v.to_str().ok()),
        Some("GET, PUT, POST, DELETE")
    );
    // OPTIONS outside /v1/ is not a route.
    let resp = client
        .request(reqwest::Method::OPTIONS, format!("{base}/"))
        .send()
        .await
        .expect("options");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    // Wrong methods on read routes answer like unknown routes, with the JSON error body.
    for method in [
        reqwest::Method::POST,
        reqwest::Method::DELETE,
        reqwest::Method::PUT,
        reqwest::Method::PATCH,
    ] {
        let resp = client
            .request(method.clone(), format!("{base}/v1/names/foo.test/history"))
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{method}");
        assert_eq!(
            resp.headers()
                .get("access-control-allow-origin")
                .map(|v| v.as_bytes()),
            Some(&b"*"[..])
        );
        let body: Value = resp.json().await.expect("json");
        assert_eq!(body, json!({"error": "Method not allowed"}));
    }

    // HEAD is not a route.
    let resp = client
        .head(format!("{base}/v1/ping"))
        .send()
        .await
        .expect("head");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    // A body over 1 MiB is refused before it is read.
    let resp = client
        .get(format!("{base}/v1/ping"))
        .header("content-type", "application/json")
        .body(vec![b' '; 1024 * 1024 + 10])
        .send()
        .await
        .expect("request");
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = resp.json().await.expect("json");
    assert_eq!(body, json!({"error": "Request body too large"}));

    // Paths are normalised like posixpath.normpath.
    for path in [
        "/v1/ping/",
        "//v1//ping",
        "/v1/names/../ping",
        "/v1/./node/ping/",
    ] {
        let (status, _, body) = get(base, path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(body["status"], "alive", "{path}");
    }
    let (status, _, body) = get(base, "/v1/names/foo.test/zonefile/?raw=1").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, json!({"error": "No zone file for name"}));

    // JSON is written the way Python's json.dumps writes it.
    let text = reqwest::get(format!("{base}/v1/namespaces"))
        .await
        .expect("request")
        .text()
        .await
        .expect("body");
    // In the order the namespaces were first revealed, as the original lists them.
    assert_eq!(text, r#"["test", "zone", "expiring"]"#);

    // The root page is a liveness probe.
    let resp = reqwest::get(format!("{base}/")).await.expect("request");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("text/html"));
}

#[tokio::test]
async fn shuts_down_when_asked() {
    let fx = Fixture::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(blockstack_api::serve_rest(
        listener,
        fx.service.clone(),
        async move {
            let _ = rx.await;
        },
    ));
    let (status, _, _) = get(&format!("http://{addr}"), "/v1/ping").await;
    assert_eq!(status, StatusCode::OK);
    tx.send(()).expect("send");
    let done = tokio::time::timeout(std::time::Duration::from_secs(10), task)
        .await
        .expect("server stopped")
        .expect("joined");
    assert!(done.is_ok());
}

#[tokio::test]
async fn openapi_document_lists_every_read_route() {
    let fx = Fixture::new();
    let server = rest_server(fx.service.clone()).await;
    let (status, ctype, doc) = get(&server.base, "/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ctype, "application/json");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let paths: Vec<&String> = doc["paths"].as_object().expect("paths").keys().collect();
    insta::assert_json_snapshot!("openapi_paths", paths);
    assert_eq!(doc, blockstack_api::rest::openapi_document());
    let name_info = &doc["paths"]["/v1/names/{name}"]["get"];
    assert!(name_info["responses"]["404"].is_object());
    assert_eq!(name_info["parameters"][0]["name"], "name");
}

#[tokio::test]
async fn more_routes_can_be_merged_under_the_same_transport() {
    use axum::routing::post;
    let fx = Fixture::new();
    let extra = axum::Router::new().route(
        "/v1/names",
        post(|| async { (axum::http::StatusCode::ACCEPTED, "queued") }),
    );
    let app =
        blockstack_api::rest::app(blockstack_api::rest::routes(fx.service.clone()).merge(extra));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(blockstack_api::rest::serve_app(listener, app, async move {
        let _ = rx.await;
    }));
    let resp = reqwest::Client::new()
        .post(format!("{base}/v1/names/"))
        .send()
        .await
        .expect("post");
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    let (status, _, body) = get(&base, "/v1/names?page=0").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.as_array().is_some_and(|a| !a.is_empty()));
    let resp = reqwest::Client::new()
        .delete(format!("{base}/v1/names"))
        .send()
        .await
        .expect("delete");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    tx.send(()).expect("stop");
    task.await.expect("join").expect("served");
}
