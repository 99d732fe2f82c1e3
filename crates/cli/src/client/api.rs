//! `api start|start-foreground|stop|status|restart [wallet_password]`: the REST API daemon
//! (port 6270) with the registrar, signing with the unlocked wallet.
//!
//! The daemon serves the read routes of the REST API merged with its write routes and the
//! registrar's state. Reads come straight from the core's database and zone files when
//! `client.ini` names the working directory of a core on this machine
//! (`[blockstack-client] core_working_dir`, which the devnet writes), otherwise through the
//! node RPC at `server`/`port` (see [`blockstack_api::service::source`] for what a remote core
//! cannot answer).
//! `start` runs `start-foreground` in the background and hands it the wallet password on
//! its standard input, never in its arguments or environment.

use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use std::sync::Arc;

use blockstack_api::{DirZonefiles, NodeStatus, QueryService, ServiceConfig, SharedNodeInfo};
use blockstack_client::config::ClientConfig;
use blockstack_client::node::NodeClient;
use blockstack_consensus::Rules;
use blockstack_node::settings::{Network, NetworkParams};
use blockstack_registrar::RegistrarConfig;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::{json, Value as Json};
use tokio::sync::watch;

use super::Context;
use crate::daemon::pidfile::{self, PidFile};
use crate::daemon::rules::rules_from;

/// The daemon's pid file in the client's directory.
pub const PID_FILE: &str = "api_endpoint.pid";
/// The daemon's log file in the client's directory.
pub const LOG_FILE: &str = "api_endpoint.log";
/// Set for a `start-foreground` run by `start`: read the password from standard input.
const PASSWORD_ON_STDIN: &str = "BLOCKSTACK_API_PASSWORD_ON_STDIN";

/// What to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ApiCommand {
    /// Start the daemon in the background.
    Start,
    /// Run the daemon in this process.
    StartForeground,
    /// Stop the daemon.
    Stop,
    /// Whether the daemon runs.
    Status,
    /// Stop, then start.
    Restart,
}

/// Arguments.
#[derive(Debug, clap::Args)]
pub struct Api {
    /// `start`, `start-foreground`, `stop`, `status` or `restart`.
    #[arg(value_enum)]
    pub command: ApiCommand,
    /// The wallet password (else `-p`, the environment or a prompt).
    pub wallet_password: Option<String>,
}

impl Api {
    /// Runs the command.
    pub async fn run(self, ctx: &Context) -> anyhow::Result<Json> {
        let dir = ctx.config.dir();
        match self.command {
            ApiCommand::Status => Ok(json!({"status": running(&dir)?.is_some()})),
            ApiCommand::Stop => stop(&dir).await,
            ApiCommand::Start => self.start(ctx, &dir).await,
            ApiCommand::Restart => {
                stop(&dir).await?;
                self.start(ctx, &dir).await
            }
            ApiCommand::StartForeground => self.foreground(ctx, &dir).await,
        }
    }

    fn password(&self, ctx: &Context) -> anyhow::Result<String> {
        if let Some(p) = &self.wallet_password {
            return Ok(p.clone());
        }
        if std::env::var_os(PASSWORD_ON_STDIN).is_some() && !std::io::stdin().is_terminal() {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the wallet password")?;
            return Ok(line.trim_end_matches(['\r', '\n']).to_string());
        }
        ctx.password("Wallet password: ")
    }

    async fn start(&self, ctx: &Context, dir: &Path) -> anyhow::Result<Json> {
        if let Some(pid) = running(dir)? {
            bail!("the API daemon already runs (pid {pid})");
        }
        if !ctx.config.wallet_path().exists() {
            bail!("Wallet does not exist.  Please create one with `blockstack setup`");
        }
        let password = self.password(ctx)?;
        // Fail here, not in the background, on a wrong password.
        ctx.wallet_file()
            .load(&password)
            .context("Failed to unlock the wallet")?;
        let log = dir.join(LOG_FILE);
        if log.exists() {
            let stamp = blockstack_api::node_info::unix_now();
            let _ = fs::rename(&log, dir.join(format!("{LOG_FILE}.{stamp}")));
        }
        let out = fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let exe = std::env::current_exe().context("finding this executable")?;
        let mut cmd = Command::new(exe);
        cmd.arg("-c").arg(ctx.config_path());
        if ctx.globals.debug {
            cmd.arg("--debug");
        }
        cmd.args(["api", "start-foreground"])
            .env(PASSWORD_ON_STDIN, "1")
            .env_remove("BLOCKSTACK_WALLET_PASSWORD")
            .env_remove("BLOCKSTACK_CLIENT_WALLET_PASSWORD")
            .stdin(Stdio::piped())
            .stdout(out.try_clone()?)
            .stderr(out);
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd.spawn().context("starting the API daemon")?;
        if let Some(mut stdin) = child.stdin.take() {
            writeln!(stdin, "{password}").context("handing the password to the daemon")?;
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait()? {
                bail!(
                    "the API daemon exited at start ({status}); see {}",
                    log.display()
                );
            }
            if running(dir)? == Some(child.id() as i32) {
                break;
            }
            if Instant::now() > deadline {
                bail!("the API daemon did not come up; see {}", log.display());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(json!({"status": true, "pid": child.id(), "log_file": log}))
    }

    async fn foreground(&self, ctx: &Context, dir: &Path) -> anyhow::Result<Json> {
        if let Some(pid) = running(dir)? {
            bail!("the API daemon already runs (pid {pid})");
        }
        let filter = if ctx.globals.debug { "debug" } else { "info" };
        let _ = tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env()
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter)),
            )
            .try_init();
        let password = self.password(ctx)?;
        let wallet = ctx
            .wallet_file()
            .load(&password)
            .context("Failed to unlock the wallet")?;
        let config = &ctx.config;
        let network = if config.is_test() {
            Network::Regtest
        } else {
            Network::Mainnet
        };
        let env: HashMap<String, String> = std::env::vars().collect();
        let params =
            NetworkParams::from_env(network, &env).context("the network's test-mode settings")?;
        let mut registrar_config = if config.is_test() {
            RegistrarConfig::test_mode()
        } else {
            RegistrarConfig::default()
        };
        registrar_config.poll_interval = config.client.poll_interval;
        let rules = rules_from(&params);
        let registrar = blockstack_registrar::service::open(
            config,
            wallet.keys,
            rules.clone(),
            registrar_config,
        )
        .context("opening the registrar")?;
        let reads = read_service(config, rules)?;
        let app = blockstack_registrar::service::api_app(reads, registrar.clone(), config);
        let bind = (
            config.client.api_endpoint_bind.as_str(),
            config.client.api_endpoint_port,
        );
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .with_context(|| format!("cannot listen on {}:{}", bind.0, bind.1))?;
        let _pid = PidFile::write(pid_path(dir))?;
        let (stop_tx, stop_rx) = watch::channel(false);
        let worker = tokio::spawn(registrar.run(stop_rx.clone()));
        tracing::info!(
            url = %format!("http://{}/", listener.local_addr()?),
            queue = %config.queue_path().display(),
            "API daemon listening"
        );
        let mut stopped = stop_rx.clone();
        let server = tokio::spawn(blockstack_api::rest::serve_app(listener, app, async move {
            let _ = stopped.wait_for(|s| *s).await;
        }));
        crate::daemon::shutdown_signal().await;
        let _ = stop_tx.send(true);
        let _ = worker.await;
        server.await.context("the REST server")??;
        Ok(json!({"status": true}))
    }
}

/// Where the daemon's read routes read: the local core's working directory when `client.ini`
/// names one, else the node RPC at `server`/`port`.
pub fn read_service(config: &ClientConfig, rules: Rules) -> anyhow::Result<QueryService> {
    let Some(core) = &config.client.core_working_dir else {
        let url = config.node_url();
        tracing::info!(%url, "REST reads go through the node RPC");
        let client = NodeClient::new(url).context("the node RPC client")?;
        return Ok(QueryService::remote(
            client,
            rules,
            ServiceConfig::default(),
        ));
    };
    tracing::info!(dir = %core.display(), "REST reads come from the local core's database");
    let subdomains = crate::daemon::subdomains_db_path(core);
    let node = Arc::new(SharedNodeInfo::new(NodeStatus::starting()));
    Ok(QueryService::new(
        crate::daemon::db_path(core),
        rules,
        Arc::new(DirZonefiles::new(core.join("zonefiles"))),
        node,
        ServiceConfig {
            subdomains_db: Some(subdomains),
            // The daemon's own search index, beside client.ini: the core may keep one too.
            search_db: Some(config.dir().join("search.db")),
            ..ServiceConfig::default()
        },
    ))
}

fn pid_path(dir: &Path) -> PathBuf {
    dir.join(PID_FILE)
}

/// The pid of a running daemon whose pid file is in `dir`.
fn running(dir: &Path) -> anyhow::Result<Option<i32>> {
    pidfile::running_at(&pid_path(dir))
}

/// SIGTERM, then SIGKILL after 3 s, as the original.
async fn stop(dir: &Path) -> anyhow::Result<Json> {
    let Some(pid) = running(dir)? else {
        return Ok(json!({"status": true, "running": false}));
    };
    let target = Pid::from_raw(pid);
    let _ = kill(target, Signal::SIGTERM);
    let deadline = Instant::now() + Duration::from_secs(3);
    while running(dir)?.is_some() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if running(dir)?.is_some() {
        let _ = kill(target, Signal::SIGKILL);
        let _ = fs::remove_file(pid_path(dir));
    }
    Ok(json!({"status": true}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_come_from_the_named_core_directory_or_through_the_rpc() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = ClientConfig::defaults(dir.path().join("client.ini"));
        config.set_server("127.0.0.1", Some(16264));
        config.client.protocol = "http".into();
        let remote = read_service(&config, Rules::mainnet()).expect("remote service");
        assert_eq!(remote.remote_url(), Some(config.node_url().as_str()));

        let core = dir.path().join("core");
        config.client.core_working_dir = Some(core.clone());
        let local = read_service(&config, Rules::mainnet()).expect("local service");
        assert_eq!(local.remote_url(), None);
        assert_eq!(local.db_path(), crate::daemon::db_path(&core));
    }

    /// A GET over a plain connection: the status line's code and the body.
    async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let mut conn = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        conn.write_all(request.as_bytes()).await.expect("send");
        let mut reply = String::new();
        conn.read_to_string(&mut reply).await.expect("read");
        let status = reply
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status");
        let body = reply
            .split("\r\n\r\n")
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        (status, body)
    }

    async fn serve(app: axum::Router) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(blockstack_api::rest::serve_app(
            listener,
            app,
            std::future::pending(),
        ));
        addr
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn both_read_paths_answer_the_same_routes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let core = dir.path().join("core");
        std::fs::create_dir_all(&core).expect("core dir");
        drop(blockstack_namedb::NameDb::open(crate::daemon::db_path(&core)).expect("name db"));
        let mut config = ClientConfig::defaults(dir.path().join("client.ini"));
        config.client.core_working_dir = Some(core);
        let local = read_service(&config, Rules::mainnet()).expect("local service");

        // The core's node RPC over the same database.
        let rpc = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let rpc_port = rpc.local_addr().expect("addr").port();
        tokio::spawn(blockstack_api::serve_rpc(
            rpc,
            blockstack_api::RpcDispatcher::new(local.clone(), None),
            std::future::pending(),
        ));
        config.client.core_working_dir = None;
        config.set_server("127.0.0.1", Some(rpc_port));
        config.client.protocol = "http".into();
        let remote = read_service(&config, Rules::mainnet()).expect("remote service");

        let here = serve(blockstack_api::rest::router(local)).await;
        let there = serve(blockstack_api::rest::router(remote)).await;
        for path in [
            "/v1/names?page=0",
            "/v1/names/foo.id",
            "/v1/namespaces",
            "/v1/blockchains/bitcoin/name_count",
            "/v1/prices/namespaces/id",
        ] {
            let answer = get(here, path).await;
            assert!(answer.0 == 200 || answer.0 == 404, "{path}: {answer:?}");
            assert_eq!(answer, get(there, path).await, "{path}");
        }
        assert_eq!(
            get(there, "/v1/blockchains/bitcoin/name_count").await,
            (200, r#"{"names_count": 0}"#.to_owned())
        );
        // Search needs a local index: kept beside client.ini when reading the core's files,
        // refused through a remote core.
        let (status, body) = get(here, "/v1/search?query=foo").await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("results"), "{body}");
        assert!(dir.path().join("search.db").exists());
        assert_eq!(get(there, "/v1/search?query=foo").await.0, 501);
    }
}
