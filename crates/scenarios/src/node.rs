//! A `blockstack-core` node run inside the test process: the devnet (its own chain, node RPC,
//! REST API and registrar) or a node following a chain it reaches over bitcoind's JSON-RPC
//! (a real regtest bitcoind, or another world's devnet chain), each in its own working
//! directory, stopped on request.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bitcoin::NetworkKind;
use blockstack_cli::command::start::{Embedding, Start};
use blockstack_cli::core::Globals;
use blockstack_cli::daemon::devnet::{self, DEFAULT_WALLET_PASSWORD, INFO_FILE};
use blockstack_client::node::NodeClient;
use blockstack_consensus::Rules;
use blockstack_node::chain::{BitcoindConfig, RetryPolicy, RpcAuth};
use blockstack_node::settings::{render_config, Network, CONFIG_FILE_NAME};
use blockstack_wallet::{KdfParams, Wallet as WalletContents, WalletFile, WalletKeys};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::error::WorldError;

/// How long a node may take to come up.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How often the indexer looks for new blocks: short, so a mined block is indexed at once.
pub const POLL_INTERVAL: Duration = Duration::from_millis(25);

/// Where a running node answers.
#[derive(Clone, Debug)]
pub struct Endpoints {
    /// The node RPC's base URL (`http://127.0.0.1:PORT/`).
    pub node_rpc: String,
    /// The REST API's base URL (`http://127.0.0.1:PORT/`).
    pub rest: String,
    /// How to reach the chain's JSON-RPC.
    pub chain: BitcoindConfig,
    /// The chain's JSON-RPC URL with its credentials, for another node to follow it.
    pub chain_url: String,
}

impl Endpoints {
    /// A client of the node RPC.
    pub fn node_client(&self) -> Result<NodeClient, WorldError> {
        NodeClient::with_timeout(format!("{}RPC2", self.node_rpc), Duration::from_secs(60))
            .map_err(|e| WorldError::Node(e.to_string()))
    }
}

/// What kind of node to run.
#[derive(Clone, Debug)]
pub enum NodeKind {
    /// `start --devnet`: the node with its own development chain.
    Devnet,
    /// A node of the regtest network following the bitcoind at `chain_url`
    /// (`http://USER:PASS@HOST:PORT/`), with these Atlas seeds (`host:port`).
    Follower {
        /// The chain's JSON-RPC URL with credentials.
        chain_url: String,
        /// Atlas peers to replicate zone files from.
        atlas_seeds: Vec<String>,
    },
}

/// A node running in this process.
pub struct EmbeddedNode {
    dir: PathBuf,
    kind: NodeKind,
    rules: Rules,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
    endpoints: Endpoints,
}

fn free_port() -> Result<u16, WorldError> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| WorldError::Node(format!("no free port: {e}")))
}

fn node_error(what: &str, e: impl std::fmt::Display) -> WorldError {
    WorldError::Node(format!("{what}: {e}"))
}

/// A devnet wallet made with cheap key stretching: the devnet keeps an existing wallet, and
/// the default scrypt cost would dominate a test's start-up.
fn prepare_devnet_wallet(dir: &Path) -> Result<(), WorldError> {
    let file = WalletFile::new(dir.join("wallet.json"));
    if file.path().exists() {
        return Ok(());
    }
    let password =
        std::env::var("BLOCKSTACK_WALLET_PASSWORD").unwrap_or(DEFAULT_WALLET_PASSWORD.into());
    file.create(
        &WalletContents {
            network: NetworkKind::Test,
            keys: WalletKeys::generate(NetworkKind::Test),
        },
        &password,
        KdfParams::INSECURE_FOR_TESTS,
    )
    .map_err(|e| node_error("creating the devnet wallet", e))
}

/// The devnet wallet of a devnet working directory.
pub fn devnet_wallet_keys(dir: &Path) -> Result<WalletKeys, WorldError> {
    let password =
        std::env::var("BLOCKSTACK_WALLET_PASSWORD").unwrap_or(DEFAULT_WALLET_PASSWORD.into());
    WalletFile::new(dir.join("wallet.json"))
        .load(&password)
        .map(|w| w.keys)
        .map_err(|e| node_error("opening the devnet wallet", e))
}

fn write_follower_config(dir: &Path, chain_url: &str, seeds: &[String]) -> Result<(), WorldError> {
    std::fs::create_dir_all(dir).map_err(|e| node_error("creating the working dir", e))?;
    let ini = render_config(Network::Regtest, chain_url, dir)
        .map_err(|e| node_error("writing blockstack-server.ini", e))?;
    let ini: String = ini
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("atlas_seeds") && !seeds.is_empty() {
                format!("atlas_seeds = {}\n", seeds.join(","))
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    let path = dir.join(CONFIG_FILE_NAME);
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, ini).map_err(|e| node_error("writing blockstack-server.ini", e))?;
    std::fs::rename(&tmp, &path).map_err(|e| node_error("writing blockstack-server.ini", e))
}

impl EmbeddedNode {
    /// Starts a node of `kind` in `dir` under `rules` and waits until its RPC answers. A
    /// follower's ports are picked free beforehand, so a port taken in between by another
    /// process is retried with new ones.
    pub async fn start(dir: &Path, kind: NodeKind, rules: Rules) -> Result<Self, WorldError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match EmbeddedNode::start_once(dir, kind.clone(), rules.clone()).await {
                Err(WorldError::Node(e))
                    if attempt < 3
                        && matches!(kind, NodeKind::Follower { .. })
                        && e.contains("cannot listen") =>
                {
                    continue;
                }
                other => return other,
            }
        }
    }

    async fn start_once(dir: &Path, kind: NodeKind, rules: Rules) -> Result<Self, WorldError> {
        std::fs::create_dir_all(dir).map_err(|e| node_error("creating the working dir", e))?;
        let (start, follower_ports) = match &kind {
            NodeKind::Devnet => {
                prepare_devnet_wallet(dir)?;
                let _ = std::fs::remove_file(dir.join(INFO_FILE));
                (
                    Start {
                        foreground: true,
                        devnet: true,
                        block_time: None,
                        no_automine: true,
                        bitcoind_rpc_port: 0,
                        poll_interval: 1,
                        rpc_port: Some(0),
                        api_port: Some(0),
                        bind: Some("127.0.0.1".into()),
                    },
                    None,
                )
            }
            NodeKind::Follower {
                chain_url,
                atlas_seeds,
            } => {
                write_follower_config(dir, chain_url, atlas_seeds)?;
                let (rpc, api) = (free_port()?, free_port()?);
                (
                    Start {
                        foreground: true,
                        devnet: false,
                        block_time: None,
                        no_automine: true,
                        bitcoind_rpc_port: devnet::DEFAULT_RPC_PORT,
                        poll_interval: 1,
                        rpc_port: Some(rpc),
                        api_port: Some(api),
                        bind: Some("127.0.0.1".into()),
                    },
                    Some((rpc, api, chain_url.clone())),
                )
            }
        };
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let globals = Globals {
            debug: false,
            working_dir: Some(dir.to_path_buf()),
        };
        let embedding = Embedding {
            rules: Some(rules.clone()),
            poll_interval: Some(POLL_INTERVAL),
        };
        let task_dir = dir.to_path_buf();
        let task = tokio::spawn(async move {
            start
                .run_embedded(&task_dir, &globals, embedding, async move {
                    let _ = stop_rx.await;
                })
                .await
        });
        let mut node = EmbeddedNode {
            dir: dir.to_path_buf(),
            kind,
            rules,
            stop: Some(stop_tx),
            task: Some(task),
            endpoints: Endpoints {
                node_rpc: String::new(),
                rest: String::new(),
                chain: BitcoindConfig::new("http://127.0.0.1:1/", RpcAuth::None),
                chain_url: String::new(),
            },
        };
        node.endpoints = match follower_ports {
            None => node.devnet_endpoints().await?,
            Some((rpc, api, chain_url)) => {
                let mut chain = BitcoindConfig::new(chain_url.clone(), RpcAuth::None);
                chain.retry = quick_retry();
                Endpoints {
                    node_rpc: format!("http://127.0.0.1:{rpc}/"),
                    rest: format!("http://127.0.0.1:{api}/"),
                    chain,
                    chain_url,
                }
            }
        };
        node.wait_for_rpc().await?;
        Ok(node)
    }

    /// Reads `devnet.json` once the devnet has written it.
    async fn devnet_endpoints(&mut self) -> Result<Endpoints, WorldError> {
        let deadline = Instant::now() + START_TIMEOUT;
        let path = self.dir.join(INFO_FILE);
        loop {
            self.check_running().await?;
            if let Ok(text) = std::fs::read_to_string(&path) {
                let info: serde_json::Value = serde_json::from_str(&text)
                    .map_err(|e| node_error("reading devnet.json", e))?;
                let field = |key: &str| info[key].as_str().unwrap_or_default().to_owned();
                let password = std::fs::read_to_string(self.dir.join("devnet-rpc.secret"))
                    .map_err(|e| node_error("reading the devnet RPC secret", e))?
                    .trim()
                    .to_owned();
                let user = field("bitcoind_rpc_user");
                let url = field("bitcoind_rpc_url");
                let mut chain = BitcoindConfig::new(
                    url.clone(),
                    RpcAuth::UserPass {
                        user: user.clone(),
                        password: password.clone(),
                    },
                );
                chain.retry = quick_retry();
                let chain_url = url.replacen("http://", &format!("http://{user}:{password}@"), 1);
                return Ok(Endpoints {
                    node_rpc: field("node_rpc_url"),
                    rest: field("rest_api_url"),
                    chain,
                    chain_url,
                });
            }
            if Instant::now() > deadline {
                return Err(WorldError::Node(
                    "the devnet did not write devnet.json".into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Fails if the node's task has ended.
    async fn check_running(&mut self) -> Result<(), WorldError> {
        if self.task.as_ref().is_some_and(JoinHandle::is_finished) {
            let result = match self.task.take() {
                Some(task) => task.await,
                None => return Ok(()),
            };
            return Err(match result {
                Ok(Ok(())) => WorldError::Node("the node stopped by itself".into()),
                Ok(Err(e)) => WorldError::Node(format!("the node stopped: {e:#}")),
                Err(e) => WorldError::Node(format!("the node panicked: {e}")),
            });
        }
        Ok(())
    }

    async fn wait_for_rpc(&mut self) -> Result<(), WorldError> {
        let client = self.endpoints.node_client()?;
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            self.check_running().await?;
            if client.getinfo().await.is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(WorldError::Node("the node RPC never answered".into()));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Where the node answers.
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// Its working directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Its consensus rules.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// Stops the node and waits until it has shut down.
    pub async fn stop(&mut self) -> Result<(), WorldError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            None => Ok(()),
            Some(task) => match tokio::time::timeout(START_TIMEOUT, task).await {
                Ok(Ok(Ok(()))) => Ok(()),
                Ok(Ok(Err(e))) => Err(WorldError::Node(format!("the node failed: {e:#}"))),
                Ok(Err(e)) => Err(WorldError::Node(format!("the node panicked: {e}"))),
                Err(_) => Err(WorldError::Node("the node did not stop within 60 s".into())),
            },
        }
    }

    /// Stops the node and starts it again in the same working directory.
    pub async fn restart(&mut self) -> Result<(), WorldError> {
        self.stop().await?;
        let again = EmbeddedNode::start(&self.dir, self.kind.clone(), self.rules.clone()).await?;
        *self = again;
        Ok(())
    }
}

impl Drop for EmbeddedNode {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        initial_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(500),
        max_elapsed: Duration::from_secs(20),
    }
}
