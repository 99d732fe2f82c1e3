//! `blockstack-core start`: run the node, detached or in the foreground.

use std::fs;
use std::future::Future;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use blockstack_api::node_info::NodeStatus;
use blockstack_api::{
    serve_rpc, DirZonefiles, QueryService, RpcDispatcher, RpcExtension, RpcReply, ServiceConfig,
    SharedNodeInfo, ZonefileSource,
};
use blockstack_atlas::{spawn_crawler, Atlas, AtlasConfig, AtlasRpc, HttpTransport};
use blockstack_consensus::Rules;
use blockstack_node::chain::BitcoindConfig;
use blockstack_node::settings::{ProcessEnv, Settings, SettingsLayer};
use blockstack_node::xmlrpc::Value as XmlValue;
use blockstack_registrar::RegistrarConfig;
use serde_json::json;
use tokio::sync::watch;

use crate::core::Globals;
use crate::daemon::devnet::{self, DevnetOptions};
use crate::daemon::{
    db_path, logging, pidfile, rules::rules_from, shutdown_signal, spawn_indexer, IndexerSettings,
};
use crate::{DEFAULT_DEVNET_DIR, DEFAULT_WORKING_DIR};

/// Set in the detached child so it logs to the working directory's log file.
const DETACHED_ENV: &str = "BLOCKSTACK_CORE_DETACHED";

/// Start the node.
#[derive(Clone, Debug, clap::Args)]
pub struct Start {
    /// Stay attached to the terminal (log to stderr, stop on Ctrl-C).
    #[arg(long)]
    pub foreground: bool,
    /// Run an embedded development chain instead of connecting to a bitcoind.
    #[arg(long)]
    pub devnet: bool,
    /// With `--devnet`: also mine a block every this many seconds.
    #[arg(long, value_name = "SECS")]
    pub block_time: Option<u64>,
    /// Devnet: do not mine a block when transactions arrive; mine only on demand
    /// (`generatetoaddress`) or on the `--block-time` timer.
    #[arg(long)]
    pub no_automine: bool,
    /// With `--devnet`: the chain's JSON-RPC port on 127.0.0.1.
    #[arg(long, default_value_t = devnet::DEFAULT_RPC_PORT)]
    pub bitcoind_rpc_port: u16,
    /// Seconds between polls of bitcoind once caught up.
    #[arg(long, default_value_t = 10)]
    pub poll_interval: u64,
    /// Port of the node RPC (default: the configuration's `rpc_port`; 6264 with `--devnet`).
    #[arg(long)]
    pub rpc_port: Option<u16>,
    /// Port of the REST API (served with `--devnet`, or when given).
    #[arg(long)]
    pub api_port: Option<u16>,
    /// Address the node RPC and REST API listen on (default 0.0.0.0; 127.0.0.1 with `--devnet`).
    #[arg(long)]
    pub bind: Option<String>,
}

/// What a process that runs a node inside itself (a test harness) changes about it.
#[derive(Clone, Debug, Default)]
pub struct Embedding {
    /// Consensus rules in place of the devnet's or the configuration's: the original's test
    /// knobs (epoch ends, multipliers, grace periods) chosen per run without the environment.
    pub rules: Option<Rules>,
    /// How long the indexer waits between polls of the chain once caught up.
    pub poll_interval: Option<Duration>,
}

/// How long shutdown waits for the registrar's pass in flight.
const REGISTRAR_STOP_WAIT: Duration = Duration::from_secs(10);

/// How long shutdown waits for the devnet chain's server to finish the requests in flight.
const CHAIN_STOP_WAIT: Duration = Duration::from_secs(10);

/// The REST API's port of the original `blockstack api`.
pub const DEFAULT_API_PORT: u16 = 6270;
/// The node RPC's port.
pub const DEFAULT_RPC_PORT: u16 = 6264;

impl Start {
    /// Starts the node.
    pub fn run(self, globals: &Globals) -> anyhow::Result<String> {
        let dir = globals.working_dir_or(if self.devnet {
            DEFAULT_DEVNET_DIR
        } else {
            DEFAULT_WORKING_DIR
        });
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        if self.foreground || std::env::var_os(DETACHED_ENV).is_some() {
            let to_file = std::env::var_os(DETACHED_ENV).is_some();
            logging::init(&dir, to_file, globals.debug)?;
            let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
            let run = self.run_node(
                &dir,
                globals,
                !to_file,
                Embedding::default(),
                shutdown_signal(),
            );
            if let Err(e) = runtime.block_on(run) {
                tracing::error!("{e:#}");
                return Err(e);
            }
            return Ok(serde_json::to_string_pretty(
                &json!({"status": true, "stopped": true}),
            )?);
        }
        self.detach(&dir, globals)
    }

    /// Re-runs this binary in the background and waits until it has claimed the pid file.
    fn detach(&self, dir: &Path, globals: &Globals) -> anyhow::Result<String> {
        if let Some(pid) = pidfile::running(dir)? {
            bail!("a node is already running in {} (pid {pid})", dir.display());
        }
        let exe = std::env::current_exe().context("finding this executable")?;
        let mut cmd = Command::new(exe);
        if globals.debug {
            cmd.arg("--debug");
        }
        cmd.arg("--working-dir")
            .arg(dir)
            .arg("start")
            .arg("--poll-interval")
            .arg(self.poll_interval.to_string());
        if let Some(p) = self.rpc_port {
            cmd.arg("--rpc-port").arg(p.to_string());
        }
        if let Some(p) = self.api_port {
            cmd.arg("--api-port").arg(p.to_string());
        }
        if let Some(b) = &self.bind {
            cmd.arg("--bind").arg(b);
        }
        if self.devnet {
            cmd.arg("--devnet")
                .arg("--bitcoind-rpc-port")
                .arg(self.bitcoind_rpc_port.to_string());
            if let Some(secs) = self.block_time {
                cmd.arg("--block-time").arg(secs.to_string());
            }
            if self.no_automine {
                cmd.arg("--no-automine");
            }
        }
        let _ = fs::remove_file(dir.join(devnet::INFO_FILE));
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd
            .env(DETACHED_ENV, "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting the node in the background")?;
        let log = dir.join(logging::LOG_FILE);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = child.try_wait()? {
                bail!("the node exited at start ({status}); see {}", log.display());
            }
            let ready = pidfile::running(dir)? == Some(child.id() as i32)
                && (!self.devnet || dir.join(devnet::INFO_FILE).exists());
            if ready {
                break;
            }
            if Instant::now() > deadline {
                bail!(
                    "the node did not come up within 60 s; see {}",
                    log.display()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let mut out = json!({
            "status": true,
            "pid": child.id(),
            "working_dir": dir,
            "log_file": log,
        });
        if self.devnet {
            let text = fs::read_to_string(dir.join(devnet::INFO_FILE))?;
            out["devnet"] = serde_json::from_str(&text)?;
        }
        Ok(serde_json::to_string_pretty(&out)?)
    }

    /// Runs the node in this process until `shutdown` resolves: no detaching, no logging set
    /// up, no signal handlers. The working directory is claimed with the pid file as usual.
    pub async fn run_embedded(
        &self,
        dir: &Path,
        globals: &Globals,
        embedding: Embedding,
        shutdown: impl Future<Output = ()>,
    ) -> anyhow::Result<()> {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        self.run_node(dir, globals, false, embedding, shutdown)
            .await
    }

    async fn run_node(
        &self,
        dir: &Path,
        globals: &Globals,
        interactive: bool,
        embedding: Embedding,
        shutdown: impl Future<Output = ()>,
    ) -> anyhow::Result<()> {
        let _pid = pidfile::PidFile::claim(dir)?;
        let (stop_tx, stop_rx) = watch::channel(false);
        // The devnet's chain stops only after the indexer: an indexer cut off from its chain
        // mid-call would retry until its budget ran out before noticing the shutdown.
        let (chain_stop_tx, chain_stop_rx) = watch::channel(false);
        let bind = self.bind.clone().unwrap_or_else(|| {
            if self.devnet {
                "127.0.0.1".into()
            } else {
                "0.0.0.0".into()
            }
        });
        let settings = if self.devnet {
            None
        } else {
            let layer = SettingsLayer {
                working_dir: globals
                    .working_dir
                    .clone()
                    .or_else(|| Some(dir.to_path_buf())),
                ..SettingsLayer::default()
            };
            Some(Settings::load(layer, &ProcessEnv).context("loading the configuration")?)
        };
        let rpc_port = self
            .rpc_port
            .or(settings.as_ref().map(|s| s.blockstack.rpc_port))
            .unwrap_or(DEFAULT_RPC_PORT);
        let api_port = self.api_port.or(self.devnet.then_some(DEFAULT_API_PORT));
        let rpc_listener = bind_port(&bind, rpc_port, "node RPC").await?;
        let rest_listener = match api_port {
            Some(port) => Some(bind_port(&bind, port, "REST API").await?),
            None => None,
        };
        let url = |l: &tokio::net::TcpListener| l.local_addr().map(|a| format!("http://{a}/"));
        let node_rpc_url = url(&rpc_listener)?;
        let rest_api_url = rest_listener.as_ref().map(url).transpose()?;

        let mut registrar = None;
        let mut chain_tasks = Vec::new();
        let (rules, confirmations, bitcoind, poll, zonefiles) = match &settings {
            None => {
                let options = DevnetOptions {
                    rpc_port: self.bitcoind_rpc_port,
                    block_time: self.block_time,
                    automine: !self.no_automine,
                    node_rpc: rpc_listener.local_addr()?,
                    rest_api: rest_listener
                        .as_ref()
                        .map(tokio::net::TcpListener::local_addr)
                        .transpose()?,
                };
                let mut net = devnet::start(dir, &options, chain_stop_rx).await?;
                chain_tasks = std::mem::take(&mut net.tasks);
                let info = &net.info;
                tracing::info!(rpc = %info.bitcoind_rpc_url, wallet = %info.wallet_file.display(), payment = %info.payment_address, "devnet up");
                if interactive {
                    eprintln!("{}", serde_json::to_string_pretty(info)?);
                }
                if let Some(keys) = net.keys {
                    let opened = blockstack_registrar::service::open(
                        &net.client_config,
                        keys,
                        embedding.rules.clone().unwrap_or_else(devnet::rules),
                        RegistrarConfig::test_mode(),
                    )
                    .context("opening the registrar")?;
                    registrar = Some((opened, net.client_config));
                }
                (
                    embedding.rules.clone().unwrap_or_else(devnet::rules),
                    0,
                    net.bitcoind,
                    embedding
                        .poll_interval
                        .unwrap_or(Duration::from_millis(500)),
                    dir.join("zonefiles"),
                )
            }
            Some(settings) => {
                let rules = embedding
                    .rules
                    .clone()
                    .unwrap_or_else(|| rules_from(&settings.params));
                tracing::info!(network = settings.network.as_str(), first_block = rules.first_block, bitcoind = %settings.bitcoind.rpc_url(), "starting");
                let client = BitcoindConfig::from(&settings.bitcoind);
                let poll = embedding
                    .poll_interval
                    .unwrap_or(Duration::from_secs(self.poll_interval));
                (
                    rules,
                    settings.params.num_confirmations,
                    client,
                    poll,
                    settings.blockstack.zonefiles.clone(),
                )
            }
        };

        let status = Arc::new(SharedNodeInfo::new(NodeStatus::starting()));
        let atlas_on = settings.as_ref().is_none_or(|s| s.blockstack.atlas);
        let atlas = if atlas_on {
            let host = settings
                .as_ref()
                .and_then(|s| s.blockstack.atlas_hostname.clone())
                .unwrap_or_else(|| "localhost".into());
            let advertised_port = rpc_listener.local_addr()?.port();
            let mut config = AtlasConfig::new(dir, format!("{host}:{advertised_port}"));
            config.zonefiles_dir = zonefiles.clone();
            if rules.test_mode {
                // v0.18's test mode runs every Atlas work interval once a second.
                config.timing = blockstack_atlas::config::Timing::test_mode();
            }
            if let Some(s) = &settings {
                config.peers.seeds = s
                    .blockstack
                    .atlas_seeds
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                config.peers.blacklist = s
                    .blockstack
                    .atlas_blacklist
                    .iter()
                    .map(ToString::to_string)
                    .collect();
            }
            Some(Atlas::open(config).context("opening the Atlas node")?)
        } else {
            None
        };
        let zonefile_source: Arc<dyn ZonefileSource> = match &atlas {
            Some(a) => Arc::new(AtlasZonefiles(a.clone())),
            None => Arc::new(DirZonefiles::new(zonefiles)),
        };
        let service_config = ServiceConfig {
            atlas_enabled: atlas_on,
            subdomains_db: atlas_on.then(|| crate::daemon::subdomains_db_path(dir)),
            // The search index is derived from the name database and resolved profiles; it
            // lives beside them and is rebuilt when absent.
            search_db: Some(dir.join("search.db")),
            ..ServiceConfig::default()
        };
        // The APIs read the name database from their first request: create it (or refuse a
        // foreign file) before they serve.
        drop(
            blockstack_namedb::NameDb::open(db_path(dir))
                .with_context(|| format!("opening the name database {}", db_path(dir).display()))?,
        );
        let service = QueryService::new(
            db_path(dir),
            rules.clone(),
            zonefile_source,
            status.clone(),
            service_config,
        );
        let extension: Option<Arc<dyn RpcExtension>> = atlas.clone().map(|a| {
            let handlers = AtlasRpc::new(a);
            Arc::new(move |method: &str, params: &[XmlValue]| {
                let reply = handlers.handle(method, params)?;
                match reply {
                    XmlValue::String(doc) => serde_json::from_str(&doc).ok().map(RpcReply::Bare),
                    _ => None,
                }
            }) as Arc<dyn RpcExtension>
        });
        let crawler = match &atlas {
            Some(a) => Some(spawn_crawler(
                a.clone(),
                Arc::new(HttpTransport::new().context("the Atlas HTTP client")?),
            )),
            None => None,
        };
        let stopped = |mut rx: watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|s| *s).await;
        };
        let rpc = tokio::spawn(serve_rpc(
            rpc_listener,
            RpcDispatcher::new(service.clone(), extension),
            stopped(stop_rx.clone()),
        ));
        tracing::info!(url = %node_rpc_url, "node RPC listening");
        let mut routes = blockstack_api::rest::routes(service);
        let mut registrar_task = None;
        if let Some((registrar, client_config)) = registrar {
            routes = blockstack_registrar::service::with_write_routes(
                routes,
                registrar.clone(),
                &client_config,
                true,
            );
            registrar_task = Some(tokio::spawn(registrar.run(stop_rx.clone())));
            tracing::info!(queue = %client_config.queue_path().display(), "registrar running");
        }
        let app = blockstack_api::rest::app(routes);
        let rest = rest_listener.map(|l| {
            tokio::spawn(blockstack_api::rest::serve_app(
                l,
                app,
                stopped(stop_rx.clone()),
            ))
        });
        if let Some(url) = &rest_api_url {
            tracing::info!(%url, "REST API listening");
        }

        let indexer = spawn_indexer(
            IndexerSettings {
                working_dir: dir.to_path_buf(),
                rules,
                confirmations,
                bitcoind,
                poll_interval: poll,
                interactive,
                status,
                atlas,
            },
            stop_rx,
        );
        let watcher = tokio::task::spawn_blocking(move || indexer.join());
        tokio::pin!(watcher);
        let result = tokio::select! {
            () = shutdown => {
                tracing::info!("shutting down");
                let _ = stop_tx.send(true);
                watcher.await
            }
            r = &mut watcher => {
                let _ = stop_tx.send(true);
                r
            }
        };
        // The registrar's pass in flight may still need the chain.
        if let Some(mut task) = registrar_task {
            if tokio::time::timeout(REGISTRAR_STOP_WAIT, &mut task)
                .await
                .is_err()
            {
                tracing::warn!("the registrar did not finish its pass in time; stopping it");
                task.abort();
            }
        }
        let _ = chain_stop_tx.send(true);
        // A restart in this process must find the block file unlocked: the chain's server
        // finishes the requests in flight, then lets go of it.
        let chain_stopped = async {
            for task in chain_tasks {
                let _ = task.await;
            }
        };
        if tokio::time::timeout(CHAIN_STOP_WAIT, chain_stopped)
            .await
            .is_err()
        {
            tracing::warn!("the devnet chain's server did not finish its requests in time");
        }
        if let Some(crawler) = crawler {
            crawler.stop().await;
        }
        let _ = rpc.await;
        if let Some(rest) = rest {
            let _ = rest.await;
        }
        match result {
            Ok(Ok(r)) => r,
            Ok(Err(_)) => bail!("the indexer thread panicked"),
            Err(e) => bail!("waiting for the indexer: {e}"),
        }
    }
}

async fn bind_port(host: &str, port: u16, what: &str) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind((host, port))
        .await
        .with_context(|| format!("cannot listen on {host}:{port} for the {what}"))
}

/// The Atlas store as the APIs' zonefile source.
struct AtlasZonefiles(Arc<Atlas>);

impl ZonefileSource for AtlasZonefiles {
    fn get(&self, hash: &str) -> Option<Vec<u8>> {
        self.0.get_zonefile(hash).ok().flatten()
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// An embedded devnet gives its block file back before `run_embedded` returns, even with a
    /// request to its chain in flight at shutdown, so the same process can start it again.
    #[tokio::test]
    async fn embedded_devnet_unlocks_its_chain_when_it_returns() {
        let dir = tempfile::tempdir().expect("temp dir");
        let start = Start {
            foreground: true,
            devnet: true,
            block_time: None,
            no_automine: false,
            bitcoind_rpc_port: 0,
            poll_interval: 1,
            rpc_port: Some(0),
            api_port: Some(0),
            bind: Some("127.0.0.1".into()),
        };
        let globals = Globals {
            debug: false,
            working_dir: Some(dir.path().to_path_buf()),
        };
        let info = dir.path().join(devnet::INFO_FILE);
        let body = br#"{"method":"getblockcount","params":[],"id":1}"#;
        let (in_flight_tx, in_flight_rx) = tokio::sync::oneshot::channel();
        let up = async {
            while !info.exists() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            let text = fs::read_to_string(&info).expect("devnet.json");
            let url: serde_json::Value = serde_json::from_str(&text).expect("devnet.json parses");
            let addr = url["bitcoind_rpc_url"]
                .as_str()
                .and_then(|u| u.strip_prefix("http://"))
                .map(|u| u.trim_end_matches('/').to_owned())
                .expect("the chain's URL");
            let mut conn = tokio::net::TcpStream::connect(addr)
                .await
                .expect("connect to the chain");
            let head = format!(
                "POST / HTTP/1.1\r\nHost: chain\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            conn.write_all(head.as_bytes()).await.expect("request head");
            conn.write_all(&body[..10]).await.expect("part of the body");
            // The server is reading the body when shutdown begins; the rest comes later.
            tokio::time::sleep(Duration::from_millis(200)).await;
            let rest = tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(500)).await;
                conn.write_all(&body[10..]).await.expect("rest of the body");
                let mut reply = Vec::new();
                let _ = conn.read_to_end(&mut reply).await;
                reply
            });
            let _ = in_flight_tx.send(rest);
        };
        start
            .run_embedded(dir.path(), &globals, Embedding::default(), up)
            .await
            .expect("the devnet runs and stops");
        blockstack_devchain::DevChain::open(dir.path().join("devchain"))
            .expect("the block file is free once the node has returned");
        let reply = in_flight_rx
            .await
            .expect("the request was sent")
            .await
            .expect("the client task");
        assert!(
            reply.starts_with(b"HTTP/1.1 401"),
            "the request in flight was answered: {}",
            String::from_utf8_lossy(&reply)
        );
    }
}
