//! The server role: the REST API and the node RPC over a built database, on loopback, in a
//! process of their own so that their memory is measured alone.
//!
//! `rest_load serve --db FILE --zonefiles DIR --last-block N [--zonefile-count N]
//! [--rest-port P] [--rpc-port P] [--remote] [--exit-on-eof]`, or `rest_load serve --build
//! NAMES --dir DIR [...]` to build the database first. Prints `rest <addr>` and `rpc <addr>`
//! once listening. With `--remote` the REST API reads through the node RPC of the same process
//! (a remote source, as `blockstack api` whose core runs elsewhere) instead of the database.
//! With `--exit-on-eof` it stops when its standard input closes (its parent died or is done).

use std::io::{BufRead as _, Write as _};
use std::path::PathBuf;
use std::sync::Arc;

use blockstack_api::node_info::unix_now;
use blockstack_api::{
    serve_rest, serve_rpc, DirZonefiles, NodeStatus, QueryService, RpcDispatcher, ServiceConfig,
    SharedNodeInfo,
};
use blockstack_consensus::Rules;

use crate::db;

/// The server's command line.
struct Args {
    db: PathBuf,
    zonefiles: PathBuf,
    last_block: u64,
    zonefile_count: u64,
    rest_port: u16,
    rpc_port: u16,
    remote: bool,
    exit_on_eof: bool,
}

fn parse(args: &[String]) -> Args {
    let mut out = Args {
        db: PathBuf::new(),
        zonefiles: PathBuf::new(),
        last_block: 0,
        zonefile_count: 0,
        rest_port: 0,
        rpc_port: 0,
        remote: false,
        exit_on_eof: false,
    };
    let mut build: Option<(usize, PathBuf)> = None;
    let mut it = args.iter();
    let value = |it: &mut std::slice::Iter<'_, String>, flag: &str| -> String {
        it.next()
            .unwrap_or_else(|| panic!("{flag} needs a value"))
            .clone()
    };
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--db" => out.db = value(&mut it, flag).into(),
            "--zonefiles" => out.zonefiles = value(&mut it, flag).into(),
            "--last-block" => out.last_block = value(&mut it, flag).parse().expect("block"),
            "--zonefile-count" => {
                out.zonefile_count = value(&mut it, flag).parse().expect("count");
            }
            "--rest-port" => out.rest_port = value(&mut it, flag).parse().expect("port"),
            "--rpc-port" => out.rpc_port = value(&mut it, flag).parse().expect("port"),
            "--build" => {
                let n = value(&mut it, flag).parse().expect("name count");
                build = Some((n, build.map(|b| b.1).unwrap_or_default()));
            }
            "--dir" => {
                let dir = value(&mut it, flag).into();
                build = Some((build.map_or(0, |b| b.0), dir));
            }
            "--exit-on-eof" => out.exit_on_eof = true,
            "--remote" => out.remote = true,
            other => panic!("unknown server flag {other}"),
        }
    }
    if let Some((names, dir)) = build {
        out.db = dir.join(db::DB_FILE);
        out.zonefiles = dir.join(db::ZONEFILE_DIR);
        let _ = std::fs::remove_file(&out.db);
        let real = db::real_names(&crate::data_file());
        let built = db::build_dir(&dir, &real, names);
        out.last_block = built.last_block;
        out.zonefile_count = built.real as u64 + 1;
    }
    out
}

/// Runs the server role until it is killed (or, with `--exit-on-eof`, its input closes).
pub fn main(args: &[String]) {
    let args = parse(args);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(serve(args));
}

async fn serve(args: Args) {
    let node = Arc::new(SharedNodeInfo::new(NodeStatus {
        last_block_seen: args.last_block,
        indexing: false,
        last_indexing_time: unix_now(),
        zonefile_count: Some(args.zonefile_count),
        bitcoind_answered_at: None,
    }));
    let service = QueryService::new(
        &args.db,
        Rules::mainnet(),
        Arc::new(DirZonefiles::new(&args.zonefiles)),
        node,
        bench_service_config(),
    );
    let rest = tokio::net::TcpListener::bind(("127.0.0.1", args.rest_port))
        .await
        .expect("bind the REST port");
    let rpc = tokio::net::TcpListener::bind(("127.0.0.1", args.rpc_port))
        .await
        .expect("bind the RPC port");
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "rest {}", rest.local_addr().expect("addr")).expect("stdout");
        writeln!(out, "rpc {}", rpc.local_addr().expect("addr")).expect("stdout");
        out.flush().expect("stdout");
    }
    let (stop, stopped) = tokio::sync::watch::channel(());
    // Without `--exit-on-eof` the sender lives as long as the servers: they run until killed.
    let _stop = if args.exit_on_eof {
        std::thread::spawn(move || {
            let mut line = String::new();
            let mut input = std::io::stdin().lock();
            while input.read_line(&mut line).is_ok_and(|n| n > 0) {
                line.clear();
            }
            let _ = stop.send(());
        });
        None
    } else {
        Some(stop)
    };
    let shutdown = |mut rx: tokio::sync::watch::Receiver<()>| async move {
        let _ = rx.changed().await;
    };
    let dispatcher = RpcDispatcher::new(service.clone(), None);
    let rest_service = if args.remote {
        let url = format!("http://{}/RPC2", rpc.local_addr().expect("addr"));
        let client = blockstack_client::node::NodeClient::new(url).expect("RPC client");
        QueryService::remote(client, Rules::mainnet(), ServiceConfig::default())
    } else {
        service
    };
    let (a, b) = tokio::join!(
        serve_rest(rest, rest_service, shutdown(stopped.clone())),
        serve_rpc(rpc, dispatcher, shutdown(stopped)),
    );
    a.expect("REST server");
    b.expect("RPC server");
}

/// The service configuration of the measured server: the defaults, except that
/// `BENCH_READ_MAP_BYTES` sets how much of the name database a read handle maps.
fn bench_service_config() -> ServiceConfig {
    let mut config = ServiceConfig::default();
    if let Some(bytes) = std::env::var("BENCH_READ_MAP_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config.read_map_bytes = bytes;
    }
    config
}
