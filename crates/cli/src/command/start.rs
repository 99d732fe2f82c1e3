//! `blockstack-core start`: run the node, detached or in the foreground.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use blockstack_node::chain::BitcoindConfig;
use blockstack_node::settings::{ProcessEnv, Settings, SettingsLayer};
use serde_json::json;
use tokio::sync::watch;

use crate::core::Globals;
use crate::daemon::devnet::{self, DevnetOptions};
use crate::daemon::{
    logging, pidfile, rules::rules_from, shutdown_signal, spawn_indexer, IndexerSettings,
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
    /// With `--devnet`: the chain's JSON-RPC port on 127.0.0.1.
    #[arg(long, default_value_t = devnet::DEFAULT_RPC_PORT)]
    pub bitcoind_rpc_port: u16,
    /// Seconds between polls of bitcoind once caught up.
    #[arg(long, default_value_t = 10)]
    pub poll_interval: u64,
}

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
            if let Err(e) = runtime.block_on(self.run_node(&dir, globals, !to_file)) {
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
        if self.devnet {
            cmd.arg("--devnet")
                .arg("--bitcoind-rpc-port")
                .arg(self.bitcoind_rpc_port.to_string());
            if let Some(secs) = self.block_time {
                cmd.arg("--block-time").arg(secs.to_string());
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

    async fn run_node(
        &self,
        dir: &Path,
        globals: &Globals,
        interactive: bool,
    ) -> anyhow::Result<()> {
        let _pid = pidfile::PidFile::claim(dir)?;
        let (stop_tx, stop_rx) = watch::channel(false);
        let (rules, confirmations, bitcoind, poll) = if self.devnet {
            let options = DevnetOptions {
                rpc_port: self.bitcoind_rpc_port,
                block_time: self.block_time,
            };
            let (info, client) = devnet::start(dir, &options, stop_rx.clone()).await?;
            tracing::info!(rpc = %info.bitcoind_rpc_url, wallet = %info.wallet_file.display(), payment = %info.payment_address, "devnet up");
            if interactive {
                eprintln!("{}", serde_json::to_string_pretty(&info)?);
            }
            (devnet::rules(), 0, client, Duration::from_millis(500))
        } else {
            let layer = SettingsLayer {
                working_dir: globals
                    .working_dir
                    .clone()
                    .or_else(|| Some(dir.to_path_buf())),
                ..SettingsLayer::default()
            };
            let settings =
                Settings::load(layer, &ProcessEnv).context("loading the configuration")?;
            let rules = rules_from(&settings.params);
            tracing::info!(network = settings.network.as_str(), first_block = rules.first_block, bitcoind = %settings.bitcoind.rpc_url(), "starting");
            let client = BitcoindConfig::from(&settings.bitcoind);
            (
                rules,
                settings.params.num_confirmations,
                client,
                Duration::from_secs(self.poll_interval),
            )
        };
        let indexer = spawn_indexer(
            IndexerSettings {
                working_dir: dir.to_path_buf(),
                rules,
                confirmations,
                bitcoind,
                poll_interval: poll,
                interactive,
            },
            stop_rx,
        );
        let watcher = tokio::task::spawn_blocking(move || indexer.join());
        tokio::pin!(watcher);
        let result = tokio::select! {
            () = shutdown_signal() => {
                tracing::info!("shutting down");
                let _ = stop_tx.send(true);
                watcher.await
            }
            r = &mut watcher => {
                let _ = stop_tx.send(true);
                r
            }
        };
        match result {
            Ok(Ok(r)) => r,
            Ok(Err(_)) => bail!("the indexer thread panicked"),
            Err(e) => bail!("waiting for the indexer: {e}"),
        }
    }
}
