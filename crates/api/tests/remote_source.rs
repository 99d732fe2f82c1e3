//! The REST read routes through a remote core: one state (the spec §12.8 chain) served by a
//! local query service, and by the same database behind the node RPC with a remote-source
//! REST router in front of it. Every read route answers both ways with the same status,
//! content type and body bytes.

mod common;

use blockstack_api::{QueryService, ServiceConfig};
use blockstack_client::node::NodeClient;
use common::{rest_server, rpc_server, Fixture, CAROL_ZONEFILE, GIFT_ZONEFILE};

/// The fixture, built by one test at a time (the tests of this binary share a process, and
/// the first one replays the chain into the cached database).
fn fixture() -> Fixture {
    static BUILDING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = BUILDING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Fixture::new()
}

/// Status, content type and body bytes of a GET.
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

/// The remote-source REST server over the node RPC at `rpc_base`.
async fn remote_rest(rpc_base: &str) -> common::Server {
    let client = NodeClient::new(format!("{rpc_base}/RPC2")).expect("client");
    rest_server(QueryService::remote(
        client,
        common::rules(),
        ServiceConfig::default(),
    ))
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_read_route_answers_the_same_through_the_node_rpc() {
    let fx = fixture();
    let gift = fx.put_zonefile(GIFT_ZONEFILE.as_bytes());
    let carol = fx.put_zonefile(CAROL_ZONEFILE.as_bytes());
    let local = rest_server(fx.service.clone()).await;
    let rpc = rpc_server(fx.service.clone(), None).await;
    let remote = remote_rest(&rpc.base).await;
    let absent = "0123456789abcdef0123456789abcdef01234567";
    let routes = [
        "/".to_string(),
        "/v1/ping".into(),
        "/v1/node/ping".into(),
        "/v1/info".into(),
        "/v1/names?page=0".into(),
        "/v1/names?page=0&all=true".into(),
        "/v1/names?page=1".into(),
        "/v1/names?page=999".into(),
        "/v1/names".into(),
        "/v1/names/foo.test".into(),
        "/v1/names/gift.test".into(),
        "/v1/names/imported.test".into(),
        "/v1/names/bar.test".into(),
        "/v1/names/carol-00.test".into(),
        "/v1/names/carol-01.test".into(),
        "/v1/names/n2.expiring".into(),
        "/v1/names/n3.expiring".into(),
        "/v1/names/nosuch.test".into(),
        "/v1/names/nosuch.nonamespace".into(),
        "/v1/names/sub.foo.test".into(),
        "/v1/names/Foo.test".into(),
        "/v1/names/gift.test/history".into(),
        "/v1/names/imported.test/history".into(),
        "/v1/names/foo.test/history?start_block=120&end_block=125".into(),
        "/v1/names/n3.expiring/history".into(),
        "/v1/names/nosuch.test/history".into(),
        "/v1/names/gift.test/zonefile".into(),
        "/v1/names/gift.test/zonefile?raw=1".into(),
        "/v1/names/carol-00.test/zonefile".into(),
        "/v1/names/carol-00.test/zonefile?raw=1".into(),
        "/v1/names/foo.test/zonefile".into(),
        "/v1/names/n3.expiring/zonefile".into(),
        format!("/v1/names/gift.test/zonefile/{gift}"),
        format!("/v1/names/gift.test/zonefile/{gift}?raw=1"),
        format!("/v1/names/carol-00.test/zonefile/{carol}"),
        format!("/v1/names/carol-00.test/zonefile/{carol}?raw=1"),
        format!("/v1/names/gift.test/zonefile/{absent}"),
        format!("/v1/names/nosuch.test/zonefile/{absent}"),
        "/v1/names/gift.test/public_key".into(),
        "/v1/names/foo.test/public_key".into(),
        "/v1/addresses/bitcoin/mjjWPCACZvF2G67wjKhkbYnjF65PohdsHE".into(),
        "/v1/addresses/bitcoin/1H8Rnh2XUMBGzLESzP8oanLsB8QKSZymZK".into(),
        "/v1/addresses/bitcoin/1111".into(),
        "/v1/addresses/ethereum/1H8Rnh2XUMBGzLESzP8oanLsB8QKSZymZK".into(),
        "/v1/namespaces".into(),
        "/v1/namespaces/test".into(),
        "/v1/namespaces/stale".into(),
        "/v1/namespaces/expiring".into(),
        "/v1/namespaces/nosuch".into(),
        "/v1/namespaces/test/names?page=0".into(),
        "/v1/namespaces/zone/names?page=0".into(),
        "/v1/namespaces/nosuch/names?page=0".into(),
        "/v1/prices/names/foo.test".into(),
        "/v1/prices/names/averyveryverylongname.test".into(),
        "/v1/prices/names/foo.nosuch".into(),
        "/v1/prices/namespaces/test".into(),
        "/v1/prices/namespaces/brandnew".into(),
        "/v1/blockchains/bitcoin/consensus".into(),
        "/v1/blockchains/bitcoin/name_count".into(),
        "/v1/blockchains/bitcoin/name_count?all=1".into(),
        "/v1/blockchains/bitcoin/operations/122".into(),
        "/v1/blockchains/bitcoin/operations/128".into(),
        "/v1/blockchains/bitcoin/operations/5163".into(),
        "/v1/blockchains/bitcoin/operations/9999".into(),
        "/v1/blockchains/bitcoin/operations/0".into(),
        "/v1/blockchains/bitcoin/names/foo.test/history".into(),
        "/v1/blockchains/bitcoin/names/nosuch.test/history".into(),
        "/v1/blockchains/bitcoin/names/sub.foo.test/history".into(),
    ];
    let mut answered = std::collections::BTreeMap::<u16, usize>::new();
    for path in &routes {
        let here = get(&local.base, path).await;
        let there = get(&remote.base, path).await;
        assert_eq!(
            (here.0, &here.1, String::from_utf8_lossy(&here.2)),
            (there.0, &there.1, String::from_utf8_lossy(&there.2)),
            "{path}: local and remote replies differ"
        );
        *answered.entry(here.0).or_insert(0) += 1;
    }
    // The comparison covers successes and failures alike.
    assert!(answered.get(&200).is_some_and(|&n| n >= 40), "{answered:?}");
    for status in [204, 400, 401, 404, 405, 500] {
        assert!(answered.contains_key(&status), "{status} in {answered:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_that_need_local_state_say_so() {
    let fx = fixture();
    let rpc = rpc_server(fx.service.clone(), None).await;
    let remote = remote_rest(&rpc.base).await;
    let (status, _, body) = get(&remote.base, "/v1/search?query=foo").await;
    assert_eq!(status, 501);
    let body: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert!(
        body["error"].as_str().is_some_and(|e| !e.is_empty()),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_core_is_a_json_error() {
    // A port nothing listens on: bind one, then close it.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port");
    let remote = remote_rest(&format!("http://{addr}")).await;
    let (status, ctype, body) = get(&remote.base, "/v1/names/foo.test").await;
    assert_eq!(status, 500);
    assert!(ctype.starts_with("application/json"), "{ctype}");
    let body: serde_json::Value = serde_json::from_slice(&body).expect("json");
    let error = body["error"].as_str().expect("an error message");
    assert!(error.contains(&addr.to_string()), "{error}");
    // The ping needs no core.
    let (status, _, _) = get(&remote.base, "/v1/ping").await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_remote_source_follows_the_core_as_it_advances() {
    let fx = fixture();
    let rpc = rpc_server(fx.service.clone(), None).await;
    let remote = remote_rest(&rpc.base).await;
    let (_, _, before) = get(&remote.base, "/v1/names/gift.test").await;
    let zonefile =
        b"$ORIGIN gift.test\n$TTL 3600\n_http._tcp URI 10 1 \"https://example.org/new\"\n";
    let db = fx.service.db_path().to_path_buf();
    tokio::task::spawn_blocking(move || common::update_zonefile(&db, "gift.test", zonefile))
        .await
        .expect("update");
    let hash = fx.put_zonefile(zonefile);
    let (status, _, after) = get(&remote.base, "/v1/names/gift.test").await;
    assert_eq!(status, 200);
    assert_ne!(before, after);
    let after: serde_json::Value = serde_json::from_slice(&after).expect("json");
    assert_eq!(after["zonefile_hash"], serde_json::Value::from(hash));
    assert_eq!(
        after["zonefile"],
        serde_json::Value::from(String::from_utf8_lossy(zonefile).into_owned())
    );
}

/// `blockstack api` as it runs against a remote core: `client.ini` points at the node RPC, the
/// read routes go through it, merged with the daemon's write routes under one transport.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_daemon_reads_names_through_the_configured_node_rpc() {
    let fx = fixture();
    fx.put_zonefile(GIFT_ZONEFILE.as_bytes());
    let rpc = rpc_server(fx.service.clone(), None).await;
    let port: u16 = rpc
        .base
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("rpc port");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config =
        blockstack_client::config::ClientConfig::defaults(dir.path().join("client.ini"));
    config.set_server("127.0.0.1", Some(port));
    config.client.protocol = "http".into();
    assert_eq!(config.client.core_working_dir, None);
    let client = NodeClient::new(config.node_url()).expect("client");
    let reads = QueryService::remote(client, common::rules(), ServiceConfig::default());
    let writes = axum::Router::new().route(
        "/v1/names",
        axum::routing::post(|| async { (axum::http::StatusCode::ACCEPTED, "queued") }),
    );
    let app = blockstack_api::rest::app(blockstack_api::rest::routes(reads).merge(writes));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(blockstack_api::rest::serve_app(listener, app, async move {
        let _ = stopped.await;
    }));

    let (status, _, body) = get(&base, "/v1/names/gift.test").await;
    assert_eq!(status, 200);
    let body: serde_json::Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(body["status"], "registered");
    assert_eq!(body["zonefile"], GIFT_ZONEFILE);
    let (status, _, body) = get(&base, "/v1/names?page=0").await;
    assert_eq!(status, 200);
    let names: Vec<String> = serde_json::from_slice(&body).expect("names");
    assert!(names.iter().any(|n| n == "gift.test"), "{names:?}");
    let posted = reqwest::Client::new()
        .post(format!("{base}/v1/names"))
        .send()
        .await
        .expect("post");
    assert_eq!(posted.status().as_u16(), 202);
    let _ = stop.send(());
    server.await.expect("join").expect("serve");
}
