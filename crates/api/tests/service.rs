//! The query service: bounded concurrency, a missing database, and reads that follow the
//! writer's commits.

mod common;

use std::sync::{mpsc, Arc};
use std::time::Duration;

use blockstack_api::{NoZonefiles, QueryService, ServiceConfig, ServiceError, SharedNodeInfo};
use blockstack_namedb::NameDb;
use blockstack_node::xmlrpc::{
    decode_response, encode_call, Limits, MethodCall, MethodResponse, Value,
};
use common::{rest_server, rpc_server, Fixture, LAST_BLOCK};
use serde_json::{json, Value as Json};

fn one_slot() -> ServiceConfig {
    ServiceConfig {
        max_concurrent_reads: 1,
        queue_timeout: Duration::from_millis(200),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_service_answers_busy() {
    let fx = Fixture::with(one_slot());
    let server = rest_server(fx.service.clone()).await;
    let (release, wait) = mpsc::channel::<()>();
    let (started_tx, started) = tokio::sync::oneshot::channel::<()>();
    let svc = fx.service.clone();
    let held = tokio::spawn(async move {
        svc.read(move |r| {
            let _ = started_tx.send(());
            let _ = wait.recv();
            r.snap.last_block()
        })
        .await
    });
    started.await.expect("read started");

    let second = fx.service.read(|r| r.snap.last_block()).await;
    assert!(matches!(second, Err(ServiceError::Busy)), "{second:?}");
    let resp = reqwest::get(format!("{}/v1/names?page=0", server.base))
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 503);
    assert_eq!(
        resp.json::<Json>().await.expect("json"),
        json!({"error": "Server busy"})
    );

    release.send(()).expect("release");
    assert_eq!(held.await.expect("join").expect("read"), Some(LAST_BLOCK));
    assert_eq!(
        fx.service
            .read(|r| r.snap.last_block())
            .await
            .expect("read"),
        Some(LAST_BLOCK)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_point_read_runs_with_a_free_slot_and_waits_for_a_busy_one() {
    let fx = Fixture::with(one_slot());
    assert_eq!(
        fx.service
            .read_point(|r| r.snap.last_block())
            .await
            .expect("point read"),
        Some(LAST_BLOCK)
    );
    let (release, wait) = mpsc::channel::<()>();
    let (started_tx, started) = tokio::sync::oneshot::channel::<()>();
    let svc = fx.service.clone();
    let held = tokio::spawn(async move {
        svc.read(move |r| {
            let _ = started_tx.send(());
            let _ = wait.recv();
            r.snap.last_block()
        })
        .await
    });
    started.await.expect("read started");
    // The only slot is taken: a point read queues like any read, and times out busy.
    let queued = fx.service.read_point(|r| r.snap.last_block()).await;
    assert!(matches!(queued, Err(ServiceError::Busy)), "{queued:?}");
    release.send(()).expect("release");
    assert_eq!(held.await.expect("join").expect("read"), Some(LAST_BLOCK));
    assert_eq!(
        fx.service
            .read_point(|r| r.snap.last_block())
            .await
            .expect("point read"),
        Some(LAST_BLOCK)
    );
}

#[tokio::test]
async fn a_missing_database_fails_cleanly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let node = Arc::new(SharedNodeInfo::new(blockstack_api::NodeStatus {
        last_block_seen: 0,
        indexing: true,
        last_indexing_time: blockstack_api::node_info::unix_now(),
        zonefile_count: None,
        bitcoind_answered_at: None,
    }));
    let service = QueryService::new(
        dir.path().join("absent.db"),
        common::rules(),
        Arc::new(NoZonefiles),
        node,
        ServiceConfig::default(),
    );
    assert!(matches!(
        service.read(|r| r.snap.last_block()).await,
        Err(ServiceError::Db(_))
    ));
    let rest = rest_server(service.clone()).await;
    let resp = reqwest::get(format!("{}/v1/names/foo.test", rest.base))
        .await
        .expect("request");
    assert_eq!(resp.status().as_u16(), 500);
    assert_eq!(
        resp.json::<Json>().await.expect("json"),
        json!({"error": "Internal server error"})
    );

    let rpc = rpc_server(service, None).await;
    let body = encode_call(&MethodCall::new("get_num_names", vec![])).expect("encode");
    let bytes = reqwest::Client::new()
        .post(format!("{}/RPC2", rpc.base))
        .body(body)
        .send()
        .await
        .expect("post")
        .bytes()
        .await
        .expect("body");
    let MethodResponse::Params(params) = decode_response(&bytes, &Limits::REPLY).expect("decode")
    else {
        panic!("fault")
    };
    let [Value::String(text)] = &params[..] else {
        panic!("not a string")
    };
    let reply: Json = serde_json::from_str(text).expect("json");
    assert!(
        reply.get("error").is_some() && reply.get("traceback").is_some(),
        "{reply}"
    );
}

#[tokio::test]
async fn reads_follow_the_writers_commits() {
    let fx = Fixture::new();
    let path = fx.service.db_path().to_path_buf();
    let before = fx
        .service
        .read(|r| r.snap.last_block())
        .await
        .expect("read");
    assert_eq!(before, Some(LAST_BLOCK));
    let rules = common::rules();
    tokio::task::spawn_blocking(move || {
        let mut db = NameDb::open(&path).expect("open writer");
        let outcome = db
            .process_block(&rules, LAST_BLOCK + 1, Vec::new())
            .expect("process");
        db.commit_block(&outcome, &format!("{:064x}", LAST_BLOCK + 1))
            .expect("commit");
    })
    .await
    .expect("writer");
    // Pooled handles see the new block on their next snapshot.
    for _ in 0..3 {
        let after = fx
            .service
            .read(|r| r.snap.last_block())
            .await
            .expect("read");
        assert_eq!(after, Some(LAST_BLOCK + 1));
    }
}
