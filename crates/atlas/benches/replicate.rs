//! Replication benchmark: node B fetches every zone file node A holds and B lacks, over the
//! real XML-RPC-over-HTTP transport on loopback, with the production crawler; in the same run
//! the same bytes are copied over one loopback TCP stream, and the work a node must do with the
//! bytes however they come (hash checks, then the store, with no network) is timed: the two
//! floors a transport is held against.
//!
//! The zone files are the 1,631 real ones of `../shared/data/name_zonefiles.txt` plus
//! synthetic ones of the real files' sizes (each synthetic file copies the size of a real one,
//! in turn), announced twenty to a block.
//!
//!     cargo bench -p blockstack-atlas --bench replicate
//!
//! Environment: `BENCH_ZONEFILES` (default 100 000); `BENCH_SYNC=1` to have B `fsync` every
//! zone file as a production node does (default: B writes without `fsync`, so the figure is
//! the transport and the crawler, not the disk's flush latency); `BENCH_DIR` for where the
//! two nodes keep their files (default: the system's temporary directory).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use blockstack_atlas::sim::NodeEndpoint;
use blockstack_atlas::{
    spawn_crawler, Atlas, AtlasConfig, HttpTransport, Timing, ZonefileRow, ZonefileStore,
};
use blockstack_node::xmlrpc::{decode_call, encode_response, Limits, MethodResponse};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TARGET_SECS: f64 = 30.0;
const TARGET_RATIO: f64 = 5.0;

/// `(hash, bytes)` of every real zone file.
fn real_zonefiles() -> Vec<(String, Vec<u8>)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/name_zonefiles.txt"
    );
    let text = std::fs::read_to_string(path).expect("the shared zone file data");
    let lines: Vec<&str> = text.lines().collect();
    lines
        .chunks(2)
        .filter_map(|pair| match pair {
            [hash, zf] => Some(((*hash).to_owned(), zf.replace("\\n", "\n").into_bytes())),
            _ => None,
        })
        .collect()
}

/// A synthetic zone file for `name`, padded with TXT records to `size` bytes (at least the
/// size of its `$ORIGIN`, `$TTL` and URI lines).
fn synthetic(name: &str, i: usize, size: usize) -> Vec<u8> {
    let mut text = format!(
        "$ORIGIN {name}\n$TTL 3600\n_http._tcp\tIN\tURI\t10\t1\t\"https://gaia.blockstack.org/hub/1Synth{i:028}/profile.json\"\n"
    );
    let mut n = 0;
    while text.len() < size {
        let room = size - text.len();
        let filler = "x".repeat(room.saturating_sub(20).min(200));
        text.push_str(&format!("t{n} TXT \"{filler}\"\n"));
        n += 1;
    }
    text.into_bytes()
}

/// The zone files: the real ones, then synthetic ones up to `count`.
fn corpus(count: usize) -> Vec<(String, String, Vec<u8>)> {
    let real = real_zonefiles();
    let mut out: Vec<(String, String, Vec<u8>)> = real
        .iter()
        .take(count)
        .enumerate()
        .map(|(i, (hash, bytes))| (format!("real{i}.id"), hash.clone(), bytes.clone()))
        .collect();
    let mut i = out.len();
    while out.len() < count {
        let name = format!("synth{i}.id");
        let size = real[i % real.len()].1.len();
        let bytes = synthetic(&name, i, size);
        out.push((name, blockstack_zonefile::zonefile_hash(&bytes), bytes));
        i += 1;
    }
    out
}

fn rows(files: &[(String, String, Vec<u8>)]) -> Vec<(u64, Vec<ZonefileRow>)> {
    files
        .chunks(20)
        .enumerate()
        .map(|(b, chunk)| {
            let height = 500_000 + b as u64;
            let rows = chunk
                .iter()
                .enumerate()
                .map(|(v, (name, hash, _))| ZonefileRow {
                    name: name.clone(),
                    zonefile_hash: hash.clone(),
                    txid: format!("{height:032x}{v:032x}"),
                    block_height: height,
                    vtxindex: v as u32,
                })
                .collect();
            (height, rows)
        })
        .collect()
}

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

/// Serves `atlas`'s peer RPC on a loopback port; returns its `host:port`.
async fn serve(atlas: Arc<Atlas>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = Router::new()
        .route("/RPC2", post(xmlrpc))
        .with_state(Arc::new(NodeEndpoint::new(atlas)));
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    format!("127.0.0.1:{}", addr.port())
}

fn node(dir: &std::path::Path, hostport: &str, seeds: Vec<String>, sync: bool) -> AtlasConfig {
    let mut cfg = AtlasConfig::new(dir, hostport);
    cfg.timing = Timing::test_mode();
    cfg.peers.seeds = seeds;
    cfg.push = false;
    cfg.rng_seed = Some(7);
    cfg.sync_writes = sync;
    cfg
}

/// Copies `bytes` over one loopback TCP stream; returns the time from connect to the last
/// byte read.
async fn raw_copy(bytes: Arc<Vec<u8>>) -> Duration {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let total = bytes.len();
    let sender = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accept");
        stream.write_all(&bytes).await.expect("write");
        stream.shutdown().await.expect("shutdown");
    });
    let start = Instant::now();
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut buf = vec![0u8; 1 << 16];
    let mut got = 0;
    loop {
        let n = stream.read(&mut buf).await.expect("read");
        if n == 0 {
            break;
        }
        got += n;
    }
    let elapsed = start.elapsed();
    sender.await.expect("sender");
    assert_eq!(got, total);
    elapsed
}

/// Stores every zone file of `files` in `store`, `batch` to a transaction; each must be
/// accepted.
fn store_in_batches(store: &ZonefileStore, files: &[(String, String, Vec<u8>)], batch: usize) {
    for chunk in files.chunks(batch) {
        let chunk: Vec<(String, Vec<u8>)> = chunk
            .iter()
            .map(|(_, hash, bytes)| (hash.clone(), bytes.clone()))
            .collect();
        for verdict in store.put_batch(&chunk, |_| true).expect("store a batch") {
            verdict.expect("zone file accepted");
        }
    }
}

/// User plus system CPU seconds of this process so far, from `/proc/self/stat` (in
/// `USER_HZ` ticks, 100 a second on Linux); `None` where that file is not readable. On a
/// shared machine the wall-clock figures depend on the other load; this one much less.
fn process_cpu_secs() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is parenthesised and may hold spaces.
    let rest = stat.get(stat.rfind(')')? + 2..)?;
    let fields: Vec<&str> = rest.split(' ').collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let count: usize = std::env::var("BENCH_ZONEFILES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let sync = std::env::var("BENCH_SYNC").is_ok_and(|v| v == "1");
    let files = corpus(count);
    let chain = rows(&files);
    let total_bytes: usize = files.iter().map(|(_, _, b)| b.len()).sum();
    let root = match std::env::var_os("BENCH_DIR") {
        Some(dir) => tempfile::tempdir_in(dir),
        None => tempfile::tempdir(),
    }
    .expect("tempdir");

    // Node A holds everything: its store is written first, so that every row it indexes is
    // present at once (not timed).
    let setup = Instant::now();
    let a_dir = root.path().join("a");
    let a_store = ZonefileStore::open(a_dir.join("zonefiles"))
        .expect("A store")
        .with_sync(false);
    store_in_batches(&a_store, &files, 1000);
    let a = Atlas::open(node(&a_dir, "127.0.0.1:1", Vec::new(), false)).expect("open A");
    for (height, rows) in &chain {
        a.add_block(*height, rows.clone()).expect("A block");
    }
    let a_addr = serve(Arc::clone(&a)).await;
    let b = Atlas::open(node(
        &root.path().join("b"),
        "127.0.0.1:2",
        vec![a_addr.clone()],
        sync,
    ))
    .expect("open B");
    for (height, rows) in &chain {
        b.add_block(*height, rows.clone()).expect("B block");
    }
    let s = a.status();
    assert_eq!(s.zonefiles_held, s.zonefiles_expected);
    let expected = s.zonefiles_expected;
    eprintln!(
        "setup: {} zone files ({:.1} MB) on A in {:.1} s",
        files.len(),
        total_bytes as f64 / 1e6,
        setup.elapsed().as_secs_f64()
    );

    // B fetches them all; every zone file it stores is counted as it lands.
    let arrived = Arc::new(AtomicUsize::new(0));
    let all_in = Arc::new(tokio::sync::Notify::new());
    {
        let (arrived, all_in) = (Arc::clone(&arrived), Arc::clone(&all_in));
        b.set_on_stored(Box::new(move |_, _| {
            if arrived.fetch_add(1, Ordering::SeqCst) + 1 == expected {
                all_in.notify_one();
            }
        }));
    }
    let cpu_before = process_cpu_secs();
    let start = Instant::now();
    let crawler = spawn_crawler(
        Arc::clone(&b),
        Arc::new(HttpTransport::new().expect("client")),
    );
    if tokio::time::timeout(Duration::from_secs(600), all_in.notified())
        .await
        .is_err()
    {
        panic!(
            "B did not finish: {} of {expected}",
            arrived.load(Ordering::SeqCst)
        );
    }
    let replicate = start.elapsed();
    let cpu = process_cpu_secs()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    crawler.stop().await;
    let s = b.status();
    assert_eq!(s.zonefiles_held, s.zonefiles_expected);

    // The same bytes over one TCP stream.
    let mut all = Vec::with_capacity(total_bytes);
    for (_, _, bytes) in &files {
        all.extend_from_slice(bytes);
    }
    let raw = raw_copy(Arc::new(all)).await;

    // What a node must do with the bytes however they arrive, with no network at all: check
    // each one's hash and keep it in a store like B's, in batches of the wire's size.
    let hashing = Instant::now();
    for (_, hash, bytes) in &files {
        assert_eq!(&blockstack_zonefile::zonefile_hash(bytes), hash);
    }
    let hashing = hashing.elapsed();
    let keep_store = ZonefileStore::open(root.path().join("c").join("zonefiles"))
        .expect("C store")
        .with_sync(sync);
    let keeping = Instant::now();
    store_in_batches(&keep_store, &files, 100);
    let keeping = keeping.elapsed();

    let ratio = replicate.as_secs_f64() / raw.as_secs_f64();
    println!("zone files                     {}", files.len());
    println!("bytes                          {total_bytes}");
    println!(
        "fsync on B                     {}",
        if sync { "yes" } else { "no" }
    );
    println!(
        "(a) B fetches all from A       {:.3} s ({:.0} zone files/s, {:.1} MB/s)",
        replicate.as_secs_f64(),
        files.len() as f64 / replicate.as_secs_f64(),
        total_bytes as f64 / 1e6 / replicate.as_secs_f64()
    );
    if let Some(cpu) = cpu {
        println!("    CPU time of both nodes     {cpu:.2} s (user + system)");
    }
    println!(
        "(b) raw copy, one TCP stream   {:.4} s ({:.0} MB/s)",
        raw.as_secs_f64(),
        total_bytes as f64 / 1e6 / raw.as_secs_f64()
    );
    println!("(a) / (b)                      {ratio:.1}");
    println!(
        "(c) hash checks alone          {:.4} s ({:.1} x (b))",
        hashing.as_secs_f64(),
        hashing.as_secs_f64() / raw.as_secs_f64()
    );
    println!(
        "(d) hash check + store, local  {:.3} s ({:.1} x (b)): the floor of any transport",
        keeping.as_secs_f64(),
        keeping.as_secs_f64() / raw.as_secs_f64()
    );
    println!(
        "(a) / (d)                      {:.1}",
        replicate.as_secs_f64() / keeping.as_secs_f64()
    );
    println!(
        "targets: (a) < {TARGET_SECS} s: {}; (a) / (b) <= {TARGET_RATIO}: {}",
        if replicate.as_secs_f64() < TARGET_SECS {
            "met"
        } else {
            "missed"
        },
        if ratio <= TARGET_RATIO {
            "met"
        } else {
            "missed"
        }
    );
}
