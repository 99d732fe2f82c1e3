//! Replication over real loopback HTTP: the reqwest transport against a minimal axum
//! XML-RPC endpoint per node, in real time, with one peer answering garbage bytes.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use blockstack_atlas::sim::NodeEndpoint;
use blockstack_atlas::{spawn_crawler, Atlas, HttpTransport, PeerClient};
use blockstack_node::xmlrpc::{decode_call, encode_response, Limits, MethodResponse};
use common::{chain, config, corpus, open_node};

async fn xmlrpc(
    State(node): State<Arc<NodeEndpoint>>,
    ConnectInfo(remote): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> impl IntoResponse {
    let Ok(call) = decode_call(&body, &Limits::REQUEST) else {
        return (StatusCode::BAD_REQUEST, Vec::new()).into_response();
    };
    let reply = node.reply_from(Some(remote.ip()), &call.method, &call.params);
    match encode_response(&MethodResponse::success(reply)) {
        Ok(xml) => ([(header::CONTENT_TYPE, "text/xml")], xml).into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, Vec::new()).into_response(),
    }
}

async fn listen() -> (tokio::net::TcpListener, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    (listener, format!("127.0.0.1:{port}"))
}

fn serve(listener: tokio::net::TcpListener, router: Router) {
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
}

fn serve_node(listener: tokio::net::TcpListener, atlas: Arc<Atlas>) {
    let node = Arc::new(NodeEndpoint::new(atlas));
    let router = Router::new()
        .route("/", post(xmlrpc))
        .route("/RPC2", post(xmlrpc))
        .with_state(node);
    serve(listener, router);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_replicate_over_http_and_drop_a_garbage_peer() {
    let files: Vec<_> = corpus().into_iter().skip(900).take(30).collect();
    let chain = chain(&files);
    let root = tempfile::tempdir().expect("tempdir");

    // A peer that answers every call with bytes that are not XML-RPC.
    let (garbage_listener, garbage) = listen().await;
    serve(
        garbage_listener,
        Router::new().route("/RPC2", post(|| async { "<html>surprise</html>" })),
    );

    let mut listeners = Vec::new();
    for _ in 0..3 {
        listeners.push(listen().await);
    }
    let addrs: Vec<String> = listeners.iter().map(|(_, a)| a.clone()).collect();
    let transport = Arc::new(HttpTransport::new().expect("client"));
    let mut nodes = Vec::new();
    let mut crawlers = Vec::new();
    for (i, (listener, addr)) in listeners.into_iter().enumerate() {
        let seeds: Vec<&str> = if i == 0 {
            vec![]
        } else {
            vec![addrs[i - 1].as_str()]
        };
        let mut cfg = config(&root.path().join(format!("n{i}")), &addr, &seeds, i as u64);
        cfg.push = false;
        let atlas = open_node(cfg, &chain);
        if i == 0 {
            for (_, bytes) in &files {
                atlas.put_zonefile(bytes).expect("share");
            }
        }
        if i == 2 {
            assert!(atlas.add_peer(&garbage).expect("add"));
        }
        serve_node(listener, Arc::clone(&atlas));
        crawlers.push(spawn_crawler(Arc::clone(&atlas), transport.clone()));
        nodes.push(atlas);
    }

    // The typed client against a real endpoint.
    let client = PeerClient::new(transport.clone());
    let got = client
        .get_zonefiles(&addrs[0], &[files[0].0.clone(), "00".repeat(20)])
        .await
        .expect("get_zonefiles");
    assert_eq!(got.len(), 1);
    assert_eq!(got.get(&files[0].0), Some(&files[0].1));
    assert!(client.get_zonefile_inventory(&garbage, 0, 8).await.is_err());

    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let done = |nodes: &[Arc<Atlas>]| {
        nodes.iter().all(|a| {
            let s = a.status();
            s.zonefiles_held == s.zonefiles_expected
        }) && !nodes[2]
            .peer_hostports()
            .iter()
            .any(|p| p.ends_with(garbage.rsplit(':').next().unwrap_or("")))
    };
    while !done(&nodes) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not replicated over HTTP: {:#?}",
            nodes.iter().map(|a| a.status()).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for a in &nodes {
        assert!(common::store_is_clean(a.store()));
    }
    for c in crawlers {
        c.stop().await;
    }
}
