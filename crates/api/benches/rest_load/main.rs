//! REST load: `GET /v1/names/{name}` on random names of a large name database, driven by `wrk`,
//! against the trivial route `GET /v1/ping` of the same server in the same run; the node RPC's
//! `getinfo` latency while the lookups run; the server's resident memory throughout.
//!
//! The database holds the real names of `blockchain_data.json` (`BENCH_DATA`, default
//! `../shared/data/blockchain_data.json` from the project root) and synthetic ones up to
//! `BENCH_NAMES` (default 1,000,000). The server runs in a child process (`rest_load serve`, see
//! [`server`]) on loopback with the node's default service settings.
//!
//! Knobs: `BENCH_SECONDS` (15), `BENCH_CONNECTIONS` (64), `BENCH_WRK_THREADS` (2),
//! `BENCH_WARMUP` seconds before each measured run (2), `BENCH_TRIVIAL=0` skips the trivial
//! route, `BENCH_DIR` holds the database (the system temp directory), `BENCH_SOURCE=remote`
//! serves the REST API through the node RPC (a remote source over the same process's RPC)
//! instead of from the database, `BENCH_READ_MAP_BYTES` lets the server map that much of the
//! name database for reads (off by default, as in the node).

mod db;
mod probe;
mod server;
mod wrk;

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `blockchain_data.json`.
pub fn data_file() -> PathBuf {
    std::env::var_os("BENCH_DATA").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/data/blockchain_data.json")
        },
        PathBuf::from,
    )
}

fn env(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The server child, killed when dropped.
struct ServerProcess {
    child: Child,
    rest: String,
    rpc: String,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_server(args: &[String]) -> ServerProcess {
    let mut child = Command::new(std::env::current_exe().expect("own path"))
        .arg("serve")
        .args(args)
        .arg("--exit-on-eof")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the server");
    let mut lines = BufReader::new(child.stdout.take().expect("server stdout")).lines();
    let mut addr = |want: &str| -> String {
        let line = lines
            .next()
            .expect("the server's address")
            .expect("read the server's address");
        line.strip_prefix(want)
            .unwrap_or_else(|| panic!("expected `{want}…`, got {line}"))
            .trim()
            .to_owned()
    };
    let rest = addr("rest ");
    let rpc = addr("rpc ");
    ServerProcess { child, rest, rpc }
}

/// Runs `wrk` and measures the server's CPU time over the run.
fn measured(pid: u32, f: impl FnOnce() -> wrk::Run) -> (wrk::Run, f64) {
    let before = probe::cpu_seconds(pid).unwrap_or(0.0);
    let run = f();
    let after = probe::cpu_seconds(pid).unwrap_or(0.0);
    let per_request_us = (after - before) * 1e6 / run.requests.max(1) as f64;
    (run, per_request_us)
}

fn report_run(label: &str, (run, cpu_us): &(wrk::Run, f64)) {
    println!(
        "{label:<30}{:.0} req/s  p50 {:.2} ms  p99 {:.2} ms  max {:.1} ms  server CPU {cpu_us:.1} us/req  errors {} (connect {}, read {}, write {}, timeout {}, status {})  requests {}",
        run.rate(),
        run.p50_ms,
        run.p99_ms,
        run.max_ms,
        run.errors(),
        run.connect_errors,
        run.read_errors,
        run.write_errors,
        run.timeouts,
        run.bad_status,
        run.requests,
    );
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.first().map(String::as_str) == Some("serve") {
        server::main(&args[1..]);
        return;
    }
    load();
}

fn load() {
    let names = env("BENCH_NAMES", 1_000_000) as usize;
    let seconds = env("BENCH_SECONDS", 15) as u32;
    let connections = env("BENCH_CONNECTIONS", 64) as u32;
    let threads = env("BENCH_WRK_THREADS", 2) as u32;
    let warmup = env("BENCH_WARMUP", 2) as u32;
    let trivial = env("BENCH_TRIVIAL", 1) == 1;
    let base_dir = std::env::var_os("BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
    let root = tempfile::tempdir_in(&base_dir).expect("bench dir");

    let t = Instant::now();
    let real = db::real_names(&data_file());
    let (state, built) = match std::env::var_os("BENCH_CACHE_DIR") {
        Some(cache) => db::cached(&PathBuf::from(cache), &real, names),
        None => {
            let dir = root.path().join("state");
            let built = db::build_dir(&dir, &real, names);
            (dir, built)
        }
    };
    let db_path = state.join(db::DB_FILE);
    let zonefiles = state.join(db::ZONEFILE_DIR);
    println!(
        "{:<30}{names} names ({} real, {} synthetic), last block {}, ready in {:.1} s",
        "database",
        built.real,
        built.synthetic,
        built.last_block,
        t.elapsed().as_secs_f64()
    );
    let names_file = root.path().join("real-names.txt");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&names_file).expect("names"));
        for n in &real[..built.real] {
            writeln!(f, "{n}").expect("write names");
        }
        f.flush().expect("write names");
    }

    let remote = std::env::var("BENCH_SOURCE").is_ok_and(|s| s == "remote");
    let mut server_args: Vec<String> = vec![
        "--db".into(),
        db_path.display().to_string(),
        "--zonefiles".into(),
        zonefiles.display().to_string(),
        "--last-block".into(),
        built.last_block.to_string(),
        "--zonefile-count".into(),
        (built.real + 1).to_string(),
    ];
    if remote {
        server_args.push("--remote".into());
    }
    println!(
        "{:<30}{}",
        "source",
        if remote {
            "remote (node RPC)"
        } else {
            "local database"
        }
    );
    let server = spawn_server(&server_args);
    let pid = server.child.id();
    let base = format!("http://{}", server.rest);
    let idle = probe::status_mb(pid, "VmRSS:").unwrap_or(0.0);

    let names_script = root.path().join("names.lua");
    std::fs::write(&names_script, wrk::names_script(&names_file, names)).expect("script");
    if warmup > 0 {
        wrk::run(&base, &names_script, threads, connections, warmup).expect("warm-up");
    }
    let rss = probe::RssSampler::start(pid);
    let getinfo = probe::GetinfoProbe::start(server.rpc.clone(), Duration::from_millis(200));
    let lookups = measured(pid, || {
        wrk::run(&base, &names_script, threads, connections, seconds).expect("lookups")
    });
    let getinfo = getinfo.finish();
    let samples = rss.finish();
    report_run("(a) GET /v1/names/{name}", &lookups);

    if trivial {
        let ping_script = root.path().join("ping.lua");
        std::fs::write(&ping_script, wrk::fixed_script("/v1/ping")).expect("script");
        if warmup > 0 {
            wrk::run(&base, &ping_script, threads, connections, warmup).expect("warm-up");
        }
        let ping = measured(pid, || {
            wrk::run(&base, &ping_script, threads, connections, seconds).expect("ping")
        });
        report_run("(b) GET /v1/ping", &ping);
        println!(
            "{:<30}{:.2}",
            "(a) / (b) req/s",
            lookups.0.rate() / ping.0.rate()
        );
    }
    println!(
        "{:<30}median {:.2} ms  p99 {:.2} ms  max {:.2} ms  ({} calls, {} failed)",
        "getinfo under load",
        getinfo.quantile(0.5),
        getinfo.quantile(0.99),
        getinfo.quantile(1.0),
        getinfo.latencies_ms.len(),
        getinfo.failed
    );
    let peak = samples.iter().map(|s| s.1).fold(idle, f64::max);
    let end = samples.last().map_or(idle, |s| s.1);
    let quarter = samples
        .iter()
        .find(|s| s.0 >= f64::from(seconds) / 4.0)
        .map_or(idle, |s| s.1);
    println!(
        "{:<30}idle {idle:.1} MB  peak {peak:.1} MB  end {end:.1} MB  growth after the first quarter {:.1} MB  high-water {:.1} MB",
        "server RSS",
        end - quarter,
        probe::status_mb(pid, "VmHWM:").unwrap_or(0.0),
    );
    println!(
        "{:<30}{connections} connections, {threads} wrk threads, {seconds} s a route",
        "load"
    );
}
