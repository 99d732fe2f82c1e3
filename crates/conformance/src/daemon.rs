//! Our node as it ships: the `blockstack-core` daemon (name database, Atlas, subdomain indexer,
//! node RPC) run in this process over the same bitcoind, with the run's rules, so that its
//! XML-RPC methods can be compared with the original's.

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use blockstack_cli::command::start::{Embedding, Start};
use blockstack_cli::core::Globals;
use blockstack_consensus::Rules;
use blockstack_node::settings::{render_config, Network, CONFIG_FILE_NAME};
use serde_json::Value as Json;
use tokio::sync::oneshot;

use crate::rpc_client::RpcClient;
use crate::tools::free_port;
use crate::Error;

/// How often the embedded daemon polls bitcoind once caught up: every second, as the
/// original does in test mode.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// A running daemon; stopped (and its thread joined) when dropped.
pub struct OurDaemon {
    rpc: RpcClient,
    workdir: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<Result<(), String>>>,
}

impl OurDaemon {
    /// Configures `workdir` for the regtest bitcoind at `bitcoind_url` (with credentials) and
    /// starts the daemon there with `rules`, its RPC on a free 127.0.0.1 port. Returns once
    /// the RPC answers `getinfo`.
    pub async fn start(workdir: &Path, bitcoind_url: &str, rules: Rules) -> Result<Self, Error> {
        std::fs::create_dir_all(workdir)
            .map_err(|e| Error::Ours(format!("creating {}: {e}", workdir.display())))?;
        let config = render_config(Network::Regtest, bitcoind_url, workdir)
            .map_err(|e| Error::Ours(format!("configuration: {e}")))?;
        let config_path = workdir.join(CONFIG_FILE_NAME);
        std::fs::write(&config_path, config)
            .map_err(|e| Error::Ours(format!("writing {}: {e}", config_path.display())))?;
        let port = free_port()?;
        let start = Start {
            foreground: true,
            devnet: false,
            block_time: None,
            no_automine: false,
            bitcoind_rpc_port: 0,
            poll_interval: 1,
            rpc_port: Some(port),
            api_port: None,
            bind: Some("127.0.0.1".into()),
        };
        let globals = Globals {
            debug: false,
            working_dir: Some(workdir.to_path_buf()),
        };
        let embedding = Embedding {
            rules: Some(rules),
            poll_interval: Some(POLL_INTERVAL),
        };
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let dir = workdir.to_path_buf();
        let thread = std::thread::Builder::new()
            .name("our-daemon".into())
            .spawn(move || -> Result<(), String> {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .map_err(|e| format!("daemon runtime: {e}"))?;
                let shutdown = async move {
                    let _ = stop_rx.await;
                };
                runtime
                    .block_on(start.run_embedded(&dir, &globals, embedding, shutdown))
                    .map_err(|e| format!("{e:#}"))
            })
            .map_err(|e| Error::Ours(format!("daemon thread: {e}")))?;
        let rpc = RpcClient::new(format!("http://127.0.0.1:{port}/")).map_err(Error::Ours)?;
        let mut daemon = Self {
            rpc,
            workdir: workdir.to_path_buf(),
            stop: Some(stop_tx),
            thread: Some(thread),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if daemon.thread.as_ref().is_some_and(JoinHandle::is_finished) {
                let why = daemon.join();
                return Err(Error::Ours(format!("the daemon exited at start: {why}")));
            }
            if daemon.rpc.call("getinfo", vec![]).await.is_ok() {
                return Ok(daemon);
            }
            if Instant::now() > deadline {
                return Err(Error::Ours(format!(
                    "the daemon in {} did not answer getinfo within 60 s",
                    daemon.workdir.display()
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The daemon's node RPC.
    pub fn rpc(&self) -> &RpcClient {
        &self.rpc
    }

    /// Waits until `getinfo.last_block_processed` reaches `height` and the Atlas peer has
    /// been told about that block (`zonefile_count` present, the Atlas envelope's
    /// `lastblock` there; the regtest configuration runs Atlas).
    pub async fn wait_for(&self, height: u64, timeout: Duration) -> Result<(), Error> {
        let deadline = Instant::now() + timeout;
        let mut last = Json::Null;
        loop {
            if self.thread.as_ref().is_some_and(JoinHandle::is_finished) {
                return Err(Error::Ours("the daemon stopped while indexing".into()));
            }
            if let Ok(info) = self.rpc.call("getinfo", vec![]).await {
                let at = |doc: &Json, key: &str| {
                    doc.get(key)
                        .and_then(Json::as_u64)
                        .is_some_and(|h| h >= height)
                };
                if at(&info, "last_block_processed") && info.get("zonefile_count").is_some() {
                    // Atlas learns of a block after the indexing pass that committed it.
                    let atlas = self.rpc.call("get_atlas_peers", vec![]).await;
                    if atlas.is_ok_and(|doc| at(&doc, "lastblock")) {
                        return Ok(());
                    }
                }
                last = info;
            }
            if Instant::now() > deadline {
                return Err(Error::Ours(format!(
                    "the daemon did not index block {height} in {timeout:?}: last getinfo {last}"
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn join(&mut self) -> String {
        drop(self.stop.take());
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(Ok(()))) | None => "stopped".into(),
            Some(Ok(Err(e))) => e,
            Some(Err(_)) => "the daemon thread panicked".into(),
        }
    }
}

impl Drop for OurDaemon {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let why = self.join();
        if why != "stopped" {
            eprintln!("our daemon in {}: {why}", self.workdir.display());
        }
    }
}
