//! A throw-away regtest bitcoind for integration tests.
//!
//! The node comes from `shared/tools/bitcoind-regtest` next to the
//! repository (`<repo>/../shared/tools/bitcoind-regtest`, or the path in
//! `$BITCOIND_REGTEST`). Binaries are installed once into `$BITCOIND_HOME`
//! (default `~/.cache/blockstack-rs/bitcoind`); the wheel they come from is
//! cached by the script in `~/.cache/bitcoind-regtest`. Each [`RegtestNode`]
//! gets its own temp datadir and a free port, and is stopped on drop.
//!
//! A test is skipped, with the reason on stderr, only when the node cannot
//! be installed (no script, no network and no cached wheel). Any failure
//! after that is a test failure. With `BITCOIND_REGTEST_REQUIRED=1` (for CI)
//! an install failure fails the test instead of skipping it.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Duration;

use crate::chain::{BitcoindConfig, RetryPolicy, RpcAuth};

/// The regtest address the fixed test vectors mine block 1 to.
pub const MINER_ADDRESS: &str = "n2ZQvoj6P3WLwnVBnmfHhjUD9oeZaYR11d";

fn script() -> PathBuf {
    if let Some(path) = std::env::var_os("BITCOIND_REGTEST") {
        return PathBuf::from(path);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tools/bitcoind-regtest")
}

fn home() -> PathBuf {
    if let Some(path) = std::env::var_os("BITCOIND_HOME") {
        return PathBuf::from(path);
    }
    let base = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    base.join(".cache/blockstack-rs/bitcoind")
}

fn run(args: &[&str]) -> Output {
    Command::new("bash")
        .arg(script())
        .args(args)
        .env("BITCOIND_HOME", home())
        .output()
        .unwrap_or_else(|e| panic!("cannot run bash {}: {e}", script().display()))
}

/// Runs `bitcoind-regtest start`, working around a race in the script: when it checks the new
/// bitcoind's `/proc/PID/cmdline` before the fork has exec'd, it takes the node for dead and
/// `wait`s on it forever, although the node comes up. After a minute the stuck script is killed;
/// a second `start` on the running datadir then prints the node's details.
fn start_node(args: &[&str]) -> Output {
    let mut child = Command::new("bash")
        .arg(script())
        .args(args)
        .env("BITCOIND_HOME", home())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run bash {}: {e}", script().display()));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => {
                return child
                    .wait_with_output()
                    .expect("collect bitcoind-regtest output")
            }
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            _ => break,
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    eprintln!("bitcoind-regtest start hung; asking the running node for its details");
    run(args)
}

/// Installs the binaries once per test process; `Err` says why it cannot.
fn install() -> Result<(), String> {
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| {
            let script = script();
            if !script.exists() {
                return Err(format!(
                    "{} not found (set BITCOIND_REGTEST)",
                    script.display()
                ));
            }
            let home = home();
            let out = run(&["install", home.to_str().unwrap_or_default()]);
            if out.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "bitcoind-regtest install failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ))
            }
        })
        .clone()
}

/// Whether a node can run here; prints why `test` is skipped when not (or panics when
/// `BITCOIND_REGTEST_REQUIRED=1`).
fn available(test: &str) -> bool {
    let Err(reason) = install() else {
        return true;
    };
    if std::env::var_os("BITCOIND_REGTEST_REQUIRED").is_some_and(|v| v == "1") {
        panic!("{test}: regtest bitcoind required but unavailable: {reason}");
    }
    eprintln!("SKIPPED {test}: regtest bitcoind unavailable: {reason}");
    false
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

/// A running regtest node; stopped when dropped.
pub struct RegtestNode {
    /// Its RPC port on 127.0.0.1.
    pub port: u16,
    /// Its RPC URL.
    pub url: String,
    /// The RPC user.
    pub user: String,
    /// The RPC password.
    pub password: String,
    extra_args: Vec<String>,
    // Dropped after `drop` has stopped the node.
    datadir: Datadir,
}

/// Where a node keeps its chain: a temp dir removed after the node stops, or a directory the
/// caller owns and keeps.
enum Datadir {
    Temp(tempfile::TempDir),
    Kept(PathBuf),
}

impl Datadir {
    fn path(&self) -> &Path {
        match self {
            Datadir::Temp(dir) => dir.path(),
            Datadir::Kept(path) => path,
        }
    }
}

impl RegtestNode {
    /// Starts a node with the script's defaults, or returns `None` (after
    /// printing why) when bitcoind cannot be installed on this machine.
    pub fn start(test: &str) -> Option<Self> {
        Self::start_with(test, &[])
    }

    /// Like [`start`](Self::start), with extra `bitcoind` arguments.
    pub fn start_with(test: &str, extra_args: &[&str]) -> Option<Self> {
        if !available(test) {
            return None;
        }
        let datadir = tempfile::Builder::new()
            .prefix("bns-regtest-")
            .tempdir()
            .expect("temp datadir");
        Some(Self::launched(Datadir::Temp(datadir), extra_args))
    }

    /// Like [`start_with`](Self::start_with), on the data directory `datadir` (created if
    /// missing), which is kept after the node stops: a chain built once can be served again by
    /// a later process (the node is stopped cleanly on drop, so its blocks survive).
    pub fn start_in(test: &str, datadir: &Path, extra_args: &[&str]) -> Option<Self> {
        if !available(test) {
            return None;
        }
        std::fs::create_dir_all(datadir)
            .unwrap_or_else(|e| panic!("cannot create datadir {}: {e}", datadir.display()));
        Some(Self::launched(
            Datadir::Kept(datadir.to_path_buf()),
            extra_args,
        ))
    }

    fn launched(datadir: Datadir, extra_args: &[&str]) -> Self {
        let mut node = Self {
            port: 0,
            url: String::new(),
            user: String::new(),
            password: String::new(),
            extra_args: extra_args.iter().map(|s| (*s).to_owned()).collect(),
            datadir,
        };
        node.launch();
        node
    }

    fn launch(&mut self) {
        let mut last = String::new();
        // A port picked as free can be taken by a parallel test before bitcoind binds it.
        for _ in 0..5 {
            let port = if self.port == 0 {
                free_port()
            } else {
                self.port
            };
            let port_arg = port.to_string();
            let mut args = vec!["start", self.datadir(), &port_arg];
            if !self.extra_args.is_empty() {
                args.push("--");
                args.extend(self.extra_args.iter().map(String::as_str));
            }
            let out = start_node(&args);
            if out.status.success() {
                let info = String::from_utf8_lossy(&out.stdout).into_owned();
                let field = |key: &str| {
                    info.lines()
                        .find_map(|l| l.strip_prefix(&format!("{key}=")).map(str::to_owned))
                        .unwrap_or_else(|| {
                            panic!("bitcoind-regtest start printed no {key}: {info}")
                        })
                };
                self.port = port;
                self.url = field("BITCOIND_RPC_URL");
                self.user = field("BITCOIND_RPC_USER");
                self.password = field("BITCOIND_RPC_PASSWORD");
                return;
            }
            last = String::from_utf8_lossy(&out.stderr).into_owned();
            if self.port != 0 && !last.contains("in use") {
                break;
            }
        }
        panic!("bitcoind-regtest start failed: {last}");
    }

    /// The node's data directory.
    pub fn datadir(&self) -> &str {
        self.datadir.path().to_str().expect("utf-8 datadir path")
    }

    /// Stops the node (cleanly: blocks are kept).
    pub fn stop(&self) {
        let out = run(&["stop", self.datadir()]);
        assert!(
            out.status.success(),
            "bitcoind-regtest stop failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Starts the node again on the same datadir and port.
    pub fn restart(&mut self) {
        self.launch();
    }

    /// Runs `bitcoin-cli` against the node and returns its trimmed stdout.
    pub fn cli(&self, args: &[&str]) -> String {
        // bitcoin-cli waits 900 s for a reply by default; fail sooner.
        let mut all = vec!["cli", self.datadir(), "-rpcclienttimeout=60"];
        all.extend_from_slice(args);
        let out = run(&all);
        assert!(
            out.status.success(),
            "bitcoin-cli {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Mines `n` blocks paying `address` and returns their hashes.
    pub fn mine(&self, n: u32, address: &str) -> Vec<String> {
        let out = self.cli(&["generatetoaddress", &n.to_string(), address]);
        serde_json::from_str(&out).expect("generatetoaddress returns a list of hashes")
    }

    /// A client configuration for this node with a short retry budget.
    pub fn config(&self) -> BitcoindConfig {
        let mut config = BitcoindConfig::new(
            self.url.clone(),
            RpcAuth::UserPass {
                user: self.user.clone(),
                password: self.password.clone(),
            },
        );
        config.timeout = Duration::from_secs(30);
        config.retry = RetryPolicy {
            initial_delay: Duration::from_millis(50),
            max_delay: Duration::from_millis(500),
            max_elapsed: Duration::from_secs(30),
        };
        config
    }
}

impl Drop for RegtestNode {
    fn drop(&mut self) {
        let out = run(&["stop", self.datadir()]);
        if !out.status.success() {
            eprintln!(
                "bitcoind-regtest stop failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}
