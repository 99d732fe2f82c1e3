//! `GET /v1/users/{name}` and `GET /v1/search` against the spec §12.8 chain, with profile
//! token files served by a local HTTP server (rest-api.md §7.9, §7.11).

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use bitcoin::hashes::{hash160, Hash};
use bitcoin::secp256k1::{Secp256k1, SecretKey};
use blockstack_api::profile::fetch::FetchLimits;
use blockstack_api::profile::tokens::sign_token_file;
use blockstack_api::profile::ProfileConfig;
use blockstack_api::{QueryService, ServiceConfig};
use blockstack_atlas::{Atlas, AtlasConfig, ZonefileRow};
use blockstack_subdomains::{IndexerConfig, SubdomainIndexer};
use blockstack_zonefile::subdomain::{AddressKind, AddressNetwork, Owner, SubdomainRecord};
use common::{rest_server, update_zonefile, Fixture, LAST_BLOCK};
use serde_json::{json, Value};
use tower::ServiceExt as _;

fn key(byte: u8) -> SecretKey {
    SecretKey::from_slice(&[byte; 32]).expect("key")
}

fn pubkey_hex(key: &SecretKey) -> String {
    key.public_key(&Secp256k1::new()).to_string()
}

/// The testnet p2pkh address of `key`.
fn address(key: &SecretKey) -> String {
    let pubkey = key.public_key(&Secp256k1::new()).serialize();
    Owner {
        kind: AddressKind::P2pkh,
        payload: hash160::Hash::hash(&pubkey).to_byte_array().to_vec(),
    }
    .to_address(AddressNetwork::Testnet)
}

/// A profile host on 127.0.0.1: fixed files, a slow one, an oversized one, and a count of
/// requests.
struct Host {
    base: String,
    hits: Arc<AtomicUsize>,
    _task: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct HostState {
    files: Arc<HashMap<String, Vec<u8>>>,
    hits: Arc<AtomicUsize>,
}

async fn serve_file(State(st): State<HostState>, UrlPath(file): UrlPath<String>) -> Response {
    st.hits.fetch_add(1, Ordering::SeqCst);
    match file.as_str() {
        "slow.json" => {
            tokio::time::sleep(Duration::from_secs(20)).await;
            "[]".into_response()
        }
        "huge.json" => vec![b' '; 64 * 1024].into_response(),
        other => match st.files.get(other) {
            Some(bytes) => bytes.clone().into_response(),
            None => StatusCode::NOT_FOUND.into_response(),
        },
    }
}

async fn host(files: impl FnOnce(&str) -> HashMap<String, Vec<u8>>) -> Host {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let hits = Arc::new(AtomicUsize::new(0));
    let state = HostState {
        files: Arc::new(files(&base)),
        hits: hits.clone(),
    };
    let app = axum::Router::new()
        .route("/{file}", axum::routing::get(serve_file))
        .with_state(state);
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Host {
        base,
        hits,
        _task: task,
    }
}

fn token_file(profile: &Value, signer: &SecretKey) -> Vec<u8> {
    sign_token_file(profile, signer).to_string().into_bytes()
}

fn config(dir: &Path) -> ServiceConfig {
    ServiceConfig {
        profiles: ProfileConfig {
            fetch: FetchLimits {
                timeout: Duration::from_millis(500),
                max_bytes: 16 * 1024,
                concurrent: 4,
                queue_timeout: Duration::from_secs(2),
            },
            ..ProfileConfig::default()
        },
        search_db: Some(dir.join("search.db")),
        search_refresh: Duration::from_millis(20),
        ..ServiceConfig::default()
    }
}

fn gift_profile() -> Value {
    json!({"@type": "Person", "name": "Generous Giver", "description": "Hands out presents"})
}

/// `gift.test` pointed at `urls`, its data key that of `key(0x42)`.
fn gift_zonefile(urls: &[String]) -> Vec<u8> {
    let mut text = format!(
        "$ORIGIN gift.test\n$TTL 3600\npubkey TXT \"pubkey:data:{}\"\n",
        pubkey_hex(&key(0x42))
    );
    for url in urls {
        text.push_str(&format!("_http._tcp URI 10 1 \"{url}\"\n"));
    }
    text.into_bytes()
}

async fn get(base: &str, path: &str) -> (u16, Value) {
    let resp = reqwest::get(format!("{base}{path}"))
        .await
        .expect("request");
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn wait_indexed(svc: &QueryService, height: u64) {
    let index = svc.search().expect("search index").clone();
    let deadline = Instant::now() + Duration::from_secs(60);
    while index
        .indexed_height()
        .expect("indexed height")
        .is_none_or(|h| h < height)
    {
        assert!(Instant::now() < deadline, "the search index caught up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_profile_is_fetched_verified_cached_and_searchable() {
    let data_key = key(0x42);
    let host = host(|_| {
        HashMap::from([
            ("gift.json".into(), token_file(&gift_profile(), &data_key)),
            (
                "forged.json".into(),
                token_file(&json!({"name": "Impostor"}), &key(0x43)),
            ),
        ])
    })
    .await;
    let fx = Fixture::with_dir(config);
    // The forged file comes first: it is fetched, refused, and the next URL is tried.
    let zonefile = gift_zonefile(&[
        format!("{}/missing.json", host.base),
        format!("{}/forged.json", host.base),
        format!("{}/gift.json", host.base),
    ]);
    fx.put_zonefile(&zonefile);
    let height = update_zonefile(&fx.dir.path().join("names.db"), "gift.test", &zonefile);
    let server = rest_server(fx.service.clone()).await;

    let (status, body) = get(&server.base, "/v1/users/gift.test").await;
    assert_eq!((status, &body), (200, &gift_profile()));
    let fetched = host.hits.load(Ordering::SeqCst);
    assert_eq!(fetched, 3, "missing, forged, then the signed file");
    let (status, again) = get(&server.base, "/v1/users/gift.test/").await;
    assert_eq!((status, again), (200, gift_profile()));
    assert_eq!(
        host.hits.load(Ordering::SeqCst),
        fetched,
        "answered from the cache"
    );

    // The resolved profile becomes searchable by its words (indexed in the background).
    wait_indexed(&fx.service, height).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let (status, found) = loop {
        let (status, found) = get(&server.base, "/v1/search?query=generous").await;
        if found["results"].as_array().is_some_and(|r| !r.is_empty()) || Instant::now() > deadline {
            break (status, found);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(status, 200);
    assert_eq!(
        found,
        json!({"results": [{
            "username": "gift",
            "fullyQualifiedName": "gift.test",
            "profile": gift_profile(),
        }]})
    );
    let (_, by_description) = get(&server.base, "/v1/search?query=hands+pres").await;
    assert_eq!(
        by_description["results"][0]["fullyQualifiedName"],
        "gift.test"
    );
    insta::assert_json_snapshot!("users_gift.test", body);
}

#[tokio::test]
async fn profile_failures_are_404_and_bounded_in_time() {
    let host = host(|_| {
        HashMap::from([(
            "other.json".into(),
            token_file(&json!({"name": "Not yours"}), &key(0x77)),
        )])
    })
    .await;
    let fx = Fixture::with_dir(|dir| {
        let mut cfg = config(dir);
        cfg.profiles.fetch.timeout = Duration::from_secs(2);
        cfg
    });
    let zonefile = gift_zonefile(&[
        format!("{}/slow.json", host.base),
        format!("{}/huge.json", host.base),
        format!("{}/other.json", host.base),
        "ftp://127.0.0.1/gift.json".into(),
    ]);
    fx.put_zonefile(&zonefile);
    update_zonefile(&fx.dir.path().join("names.db"), "gift.test", &zonefile);
    let server = rest_server(fx.service.clone()).await;
    let started = Instant::now();
    let base = server.base.clone();
    let lookup = tokio::spawn(async move { get(&base, "/v1/users/gift.test").await });
    // While the lookup waits on the slow host, the server answers other requests at once.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(get(&server.base, "/v1/ping").await.0, 200);
    assert!(
        !lookup.is_finished(),
        "the ping did not wait for the lookup"
    );
    let (status, body) = lookup.await.expect("lookup");
    let took = started.elapsed();
    assert_eq!(
        (status, body),
        (
            404,
            json!({"error": "Failed in parsing and fetching profile for gift.test"})
        )
    );
    assert!(
        took < Duration::from_secs(5),
        "the slow host is cut off: {took:?}"
    );
    assert_eq!(host.hits.load(Ordering::SeqCst), 3);
    // The failure is remembered for a while: no refetch.
    let (status, _) = get(&server.base, "/v1/users/gift.test").await;
    assert_eq!(status, 404);
    assert_eq!(host.hits.load(Ordering::SeqCst), 3);

    let cases = [
        (
            "/v1/users/Foo.test",
            400,
            json!({"error": "Invalid name or subdomain"}),
        ),
        (
            "/v1/users/a..b",
            400,
            json!({"error": "Invalid name or subdomain"}),
        ),
        ("/v1/users/nobody.test", 404, json!({"error": "Not found."})),
        (
            "/v1/users/foo.test",
            404,
            json!({"error": "Name is revoked. Use `whois` or `get_name_blockchain_record` for details."}),
        ),
        (
            "/v1/users/bar.test",
            404,
            json!({"error": "No zone file hash for name"}),
        ),
        (
            "/v1/users/carol-01.test",
            404,
            json!({"error": "Failed to load raw name zonefile"}),
        ),
        (
            "/v1/users/unknown.gift.test",
            404,
            json!({"error": "Failed to load subdomain"}),
        ),
    ];
    for (path, code, want) in cases {
        assert_eq!(get(&server.base, path).await, (code, want), "{path}");
    }
}

#[tokio::test]
async fn a_zone_file_that_is_a_legacy_profile_is_converted() {
    let fx = Fixture::with_dir(config);
    let legacy = br#"{"name": {"formatted": "Old Timer"}, "bio": "from before zone files"}"#;
    fx.put_zonefile(legacy);
    update_zonefile(&fx.dir.path().join("names.db"), "gift.test", legacy);
    let reply = blockstack_api::rest::router(fx.service.clone())
        .oneshot(
            Request::get("/v1/users/gift.test")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("reply");
    assert_eq!(reply.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(reply.into_body(), 1 << 20)
        .await
        .expect("body");
    let body: Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(
        body,
        json!({
            "@type": "Person",
            "name": "Old Timer",
            "description": "from before zone files",
            "account": [],
        })
    );
}

#[tokio::test]
async fn a_subdomain_resolves_through_its_own_zone_file() {
    let owner = key(0x33);
    let host = host(|_| {
        HashMap::from([(
            "dave.json".into(),
            token_file(&json!({"name": "Dave Sub"}), &owner),
        )])
    })
    .await;
    let dave_zonefile = format!(
        "$ORIGIN dave\n$TTL 3600\n_http._tcp URI 10 1 \"{}/dave.json\"\n",
        host.base
    )
    .into_bytes();
    let fx = Fixture::with_dir(|dir| {
        let rec = SubdomainRecord {
            fqn: "dave.gift.test".into(),
            carrier: "gift.test".into(),
            owner: address(&owner),
            sequence: 0,
            zonefile: dave_zonefile.clone(),
            signature: None,
        };
        let txt = rec.to_txt_record();
        let strings: Vec<String> = txt
            .txt
            .strings()
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect();
        let carrier = format!(
            "$ORIGIN gift.test\n$TTL 3600\n{} TXT {}\n",
            txt.name,
            strings.join(" ")
        )
        .into_bytes();
        let mut cfg = AtlasConfig::new(dir.join("atlas"), "127.0.0.1:16264");
        cfg.atlasdb_path = None;
        cfg.sync_writes = false;
        let atlas = Atlas::open(cfg).expect("atlas");
        atlas
            .add_block(
                LAST_BLOCK + 1,
                vec![ZonefileRow {
                    name: "gift.test".into(),
                    zonefile_hash: blockstack_zonefile::zonefile_hash(&carrier),
                    txid: format!("{:064x}", 0xda7e),
                    block_height: LAST_BLOCK + 1,
                    vtxindex: 1,
                }],
            )
            .expect("block");
        atlas.put_zonefile(&carrier).expect("store");
        let path = dir.join("subdomains.db");
        let mut ix = SubdomainIndexer::open(&path, IndexerConfig::default()).expect("index db");
        ix.index(atlas.as_ref()).expect("index");
        ServiceConfig {
            subdomains_db: Some(path),
            ..config(dir)
        }
    });
    let server = rest_server(fx.service.clone()).await;
    let (status, body) = get(&server.base, "/v1/users/dave.gift.test").await;
    assert_eq!((status, body), (200, json!({"name": "Dave Sub"})));
    assert_eq!(host.hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn search_finds_names_and_refuses_bad_arguments() {
    let fx = Fixture::with_dir(config);
    wait_indexed(&fx.service, LAST_BLOCK).await;
    let server = rest_server(fx.service.clone()).await;

    let (status, carol) = get(&server.base, "/v1/search?query=carol").await;
    assert_eq!(status, 200);
    let names: Vec<&str> = carol["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["fullyQualifiedName"].as_str())
        .collect();
    assert!(names.len() >= 2, "{carol}");
    assert!(names.iter().all(|n| n.starts_with("carol")), "{names:?}");
    for result in carol["results"].as_array().expect("results") {
        assert_eq!(result["profile"], json!({}), "no profile resolved yet");
    }
    insta::assert_json_snapshot!("search_carol", carol);
    let (_, one) = get(&server.base, "/v1/search?query=carol&limit_results=1").await;
    assert_eq!(one["results"].as_array().map(Vec::len), Some(1));
    let (_, exact) = get(&server.base, "/v1/search?query=foo").await;
    assert_eq!(exact["results"][0]["fullyQualifiedName"], "foo.test");
    assert_eq!(exact["results"][0]["username"], "foo");
    let (_, none) = get(&server.base, "/v1/search?query=zzzzzz").await;
    assert_eq!(none, json!({"results": []}));

    let long = "a".repeat(129);
    let cases = [
        ("/v1/search?query=".to_string(), 200, json!({})),
        ("/v1/search?query=+".into(), 200, json!({})),
        ("/v1/search".into(), 400, json!({"error": "No query given"})),
        (
            "/v1/search?limit_results=5".into(),
            400,
            json!({"error": "No query given"}),
        ),
        (
            "/v1/search?query=a&limit_results=1000000000000000000000".into(),
            400,
            json!({"error": "limit_results must be an integer from 1 to 100"}),
        ),
        (
            "/v1/search?query=a&limit_results=0".into(),
            400,
            json!({"error": "limit_results must be an integer from 1 to 100"}),
        ),
        (
            "/v1/search?query=a&limit_results=ten".into(),
            400,
            json!({"error": "limit_results must be an integer from 1 to 100"}),
        ),
        (
            format!("/v1/search?query={long}"),
            400,
            json!({"error": "query is longer than 128 characters"}),
        ),
        (
            "/v1/search?query=a&query=b".into(),
            401,
            json!({"error": "Duplicate query argument"}),
        ),
        (
            "/v1/search?query=%22%29%28*+OR+NEAR".into(),
            200,
            json!({"results": []}),
        ),
    ];
    for (path, code, want) in cases {
        assert_eq!(get(&server.base, &path).await, (code, want), "{path}");
    }
}

#[tokio::test]
async fn search_without_an_index_is_not_implemented() {
    let fx = Fixture::new();
    let reply = blockstack_api::rest::router(fx.service.clone())
        .oneshot(
            Request::get("/v1/search?query=foo")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("reply");
    assert_eq!(reply.status(), StatusCode::NOT_IMPLEMENTED);
    let bytes = axum::body::to_bytes(reply.into_body(), 1 << 20)
        .await
        .expect("body");
    assert_eq!(
        serde_json::from_slice::<Value>(&bytes).expect("json"),
        json!({"error": "Search is not enabled on this node"})
    );
}

#[test]
fn the_index_refresh_steps_up_to_the_tip_and_follows_a_shorter_chain() {
    use blockstack_api::search::{refresh_step, SearchIndex};
    let fx = Fixture::new();
    let db = blockstack_namedb::ReadOnlyNameDb::open(fx.dir.path().join("names.db")).expect("db");
    let index = SearchIndex::open(fx.dir.path().join("search.db")).expect("index");
    let rules = common::rules();
    let mut steps = 0;
    while !refresh_step(&index, &db, &rules).expect("step") {
        steps += 1;
        assert!(steps < 100, "the refresh ends");
    }
    assert_eq!(index.indexed_height().expect("height"), Some(LAST_BLOCK));
    let held = index.len().expect("len");
    assert!(held > 20, "{held} names");
    // Nothing new: a step changes nothing.
    assert!(refresh_step(&index, &db, &rules).expect("step"));
    assert_eq!(index.len().expect("len"), held);
    // An index ahead of the name database (after a reorganisation) steps back to its tip.
    index.add_names(&[], LAST_BLOCK + 50).expect("ahead");
    assert!(refresh_step(&index, &db, &rules).expect("step"));
    assert_eq!(index.indexed_height().expect("height"), Some(LAST_BLOCK));
}

#[tokio::test]
async fn lookups_past_the_fetch_slots_are_503_and_not_remembered() {
    let host = host(|_| HashMap::new()).await;
    let fx = Fixture::with_dir(|dir| {
        let mut cfg = config(dir);
        cfg.profiles.fetch.concurrent = 1;
        cfg.profiles.fetch.timeout = Duration::from_secs(3);
        cfg.profiles.fetch.queue_timeout = Duration::from_millis(100);
        cfg
    });
    let zonefile = gift_zonefile(&[format!("{}/slow.json", host.base)]);
    fx.put_zonefile(&zonefile);
    update_zonefile(&fx.dir.path().join("names.db"), "gift.test", &zonefile);
    let server = rest_server(fx.service.clone()).await;
    let base = server.base.clone();
    let first = tokio::spawn(async move { get(&base, "/v1/users/gift.test").await });
    // The first lookup holds the only slot once the slow host has seen its request.
    let deadline = Instant::now() + Duration::from_secs(10);
    while host.hits.load(Ordering::SeqCst) == 0 {
        assert!(Instant::now() < deadline, "the first fetch started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (status, body) = get(&server.base, "/v1/users/gift.test").await;
    assert_eq!((status, body), (503, json!({"error": "Server busy"})));
    let (status, _) = first.await.expect("first");
    assert_eq!(status, 404, "the slot holder timed out");
    assert_eq!(
        host.hits.load(Ordering::SeqCst),
        1,
        "the busy lookup fetched nothing"
    );
}
