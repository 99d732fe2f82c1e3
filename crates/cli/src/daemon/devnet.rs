//! The embedded devnet: a development chain in the working directory, served on bitcoind's
//! JSON-RPC, with a funded wallet, for `blockstack-core start --devnet`.
//!
//! The node indexes it through the same bitcoind client it uses for a real node, so the devnet
//! exercises the real code path. Epoch 3 rules apply from block 3, as in the original's
//! interactive test environment.

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use bitcoin::{Amount, NetworkKind};
use blockstack_client::config::{BitcoindEndpoint, ClientConfig, ClientNetwork};
use blockstack_consensus::{AddressNetwork, Rules};
use blockstack_devchain::rpc::{serve, RpcAuth, RpcConfig};
use blockstack_devchain::{faucet_script, DevChain};
use blockstack_node::chain::{BitcoindConfig, RetryPolicy, RpcAuth as ClientAuth};
use blockstack_node::settings::{render_config, Network, CONFIG_FILE_NAME};
use blockstack_wallet::{KdfParams, Wallet, WalletFile, WalletKeys};
use serde::Serialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The devnet's default JSON-RPC port (bitcoind's regtest port).
pub const DEFAULT_RPC_PORT: u16 = 18443;
/// The devnet description file written to the working directory.
pub const INFO_FILE: &str = "devnet.json";
/// What the devnet's wallet holds when it is created.
pub const FUNDING: Amount = Amount::from_sat(100 * 100_000_000);
/// The wallet password unless `BLOCKSTACK_WALLET_PASSWORD` is set.
pub const DEFAULT_WALLET_PASSWORD: &str = "blockstack-devnet";
/// How often automine looks at the mempool.
const AUTOMINE_CHECK: Duration = Duration::from_secs(1);
/// The `blockstack` CLI's configuration, written to the working directory.
pub const CLIENT_CONFIG_FILE: &str = "client.ini";

/// Devnet options.
#[derive(Clone, Debug)]
pub struct DevnetOptions {
    /// Port of the chain's JSON-RPC on 127.0.0.1.
    pub rpc_port: u16,
    /// Mine a block every this many seconds, besides on demand.
    pub block_time: Option<u64>,
    /// Without a block time: mine a block within a second of a transaction arriving.
    pub automine: bool,
    /// Where the node RPC listens.
    pub node_rpc: std::net::SocketAddr,
    /// Where the REST API listens.
    pub rest_api: Option<std::net::SocketAddr>,
}

/// What `start --devnet` prints and writes to `devnet.json`.
#[derive(Clone, Debug, Serialize)]
pub struct DevnetInfo {
    /// The working directory.
    pub working_dir: PathBuf,
    /// The chain's JSON-RPC URL (credentials are in `blockstack-server.ini`).
    pub bitcoind_rpc_url: String,
    /// The JSON-RPC user.
    pub bitcoind_rpc_user: String,
    /// The node RPC (XML-RPC).
    pub node_rpc_url: String,
    /// The REST API.
    pub rest_api_url: String,
    /// The encrypted wallet.
    pub wallet_file: PathBuf,
    /// The `blockstack` CLI's configuration for this devnet (`blockstack -c PATH ...`).
    pub client_config: PathBuf,
    /// The wallet's payment address (funded).
    pub payment_address: String,
    /// The wallet's owner address.
    pub owner_address: String,
    /// The chain height at start.
    pub height: u32,
}

/// The consensus rules of the devnet: test mode, testnet addresses, first block 1, epoch 3
/// from block 3.
pub fn rules() -> Rules {
    let mut rules = Rules::test(1, AddressNetwork::Testnet);
    rules.epochs[0].end_block = 1;
    rules.epochs[1].end_block = 2;
    rules
}

fn secret(path: &Path) -> anyhow::Result<String> {
    match fs::read_to_string(path) {
        Ok(s) if !s.trim().is_empty() => return Ok(s.trim().to_string()),
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    }
    let value = format!("{:032x}", bitcoin::secp256k1::rand::random::<u128>());
    write_private(path, &value)?;
    Ok(value)
}

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    fs::set_permissions(&tmp, fs::Permissions::from_mode(0o600))?;
    fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// A running devnet.
pub struct Devnet {
    /// What `devnet.json` says.
    pub info: DevnetInfo,
    /// How the node reaches the chain.
    pub bitcoind: BitcoindConfig,
    /// The `blockstack` CLI's configuration for it.
    pub client_config: ClientConfig,
    /// The wallet's keys, unless the wallet could not be unlocked with the devnet password.
    pub keys: Option<WalletKeys>,
    /// The chain's JSON-RPC server and miners. They end once the shutdown signal is sent; the
    /// block file stays locked until they have.
    pub tasks: Vec<JoinHandle<()>>,
}

/// The wallet password of the devnet.
pub fn wallet_password() -> String {
    std::env::var("BLOCKSTACK_WALLET_PASSWORD").unwrap_or_else(|_| DEFAULT_WALLET_PASSWORD.into())
}

/// Writes (or updates) the devnet's `client.ini`: the node, the REST API and the chain of this
/// devnet, testnet addresses, no confirmations needed. An existing API password is kept.
fn write_client_config(
    dir: &Path,
    options: &DevnetOptions,
    rpc: (&str, &str, u16),
) -> anyhow::Result<ClientConfig> {
    let path = dir.join(CLIENT_CONFIG_FILE);
    let mut config = ClientConfig::load(&path).context("reading the devnet client.ini")?;
    let (user, password, port) = rpc;
    config.set_server("127.0.0.1", Some(options.node_rpc.port()));
    config.client.api_endpoint_host = "127.0.0.1".into();
    config.client.api_endpoint_bind = "127.0.0.1".into();
    if let Some(api) = options.rest_api {
        config.client.api_endpoint_port = api.port();
    }
    config.client.queue_path = dir.join("queues.db");
    config.client.poll_interval = Duration::from_secs(1);
    config.client.network = ClientNetwork::Testnet;
    config.client.min_confirmations = 0;
    config.client.storage_drivers = "disk".into();
    // The core of this devnet runs here: `blockstack api` reads its database directly.
    config.client.core_working_dir = Some(dir.to_path_buf());
    config.set_bitcoind(BitcoindEndpoint {
        server: "127.0.0.1".into(),
        port,
        user: user.into(),
        password: password.into(),
        use_https: false,
        timeout: Duration::from_secs(30),
    });
    config.regtest = true;
    config.save().context("writing the devnet client.ini")?;
    Ok(config)
}

/// Opens (or creates) the chain, serves its JSON-RPC until `shutdown`, funds the wallet, writes
/// `blockstack-server.ini`, `client.ini` and `devnet.json`, and returns how to reach the chain.
pub async fn start(
    dir: &Path,
    options: &DevnetOptions,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<Devnet> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let chain = DevChain::open(dir.join("devchain")).context("opening the devnet chain")?;
    let user = "devnet".to_string();
    let password = secret(&dir.join("devnet-rpc.secret"))?;
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", options.rpc_port)).await {
        Ok(l) => l,
        Err(e) => bail!("cannot listen on 127.0.0.1:{} for the devnet JSON-RPC: {e} (choose another with --bitcoind-rpc-port)", options.rpc_port),
    };
    let port = listener.local_addr()?.port();
    let config = RpcConfig {
        auth: Some(RpcAuth {
            user: user.clone(),
            password: password.clone(),
        }),
        ..RpcConfig::default()
    };
    let mut tasks = Vec::new();
    let mut stop = shutdown.clone();
    let served = chain.clone();
    tasks.push(tokio::spawn(async move {
        let done = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        if let Err(e) = serve(served, listener, config, done).await {
            tracing::error!(error = %e, "devnet JSON-RPC stopped");
        }
    }));
    let url = format!("http://127.0.0.1:{port}/");
    let ini = render_config(
        Network::Regtest,
        &format!("http://{user}:{password}@127.0.0.1:{port}/"),
        dir,
    )
    .context("writing the devnet configuration")?;
    write_private(&dir.join(CONFIG_FILE_NAME), &ini)?;

    let wallet_file = WalletFile::new(dir.join("wallet.json"));
    let wallet = if wallet_file.path().exists() {
        let info = wallet_file
            .public_info()
            .context("reading the devnet wallet")?;
        (
            info.payment_addresses.first().cloned().unwrap_or_default(),
            info.owner_addresses.first().cloned().unwrap_or_default(),
            None,
        )
    } else {
        let keys = WalletKeys::generate(NetworkKind::Test);
        let payment = keys.payment.address(NetworkKind::Test).to_string();
        let owner = keys.owner.address(NetworkKind::Test).to_string();
        let password = wallet_password();
        wallet_file
            .create(
                &Wallet {
                    network: NetworkKind::Test,
                    keys: keys.clone(),
                },
                &password,
                KdfParams::DEFAULT,
            )
            .context("creating the devnet wallet")?;
        (payment, owner, Some(keys.payment.script_pubkey()))
    };
    let (payment_address, owner_address, fund) = wallet;
    if let Some(script) = fund {
        chain
            .fund(&script, FUNDING)
            .context("funding the devnet wallet")?;
        chain
            .mine_blocks(1, &faucet_script())
            .context("mining the funding block")?;
    }
    if options.automine && options.block_time.is_none_or(|s| s == 0) {
        let miner = chain.clone();
        let mut stop = shutdown.clone();
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(AUTOMINE_CHECK);
            loop {
                tokio::select! {
                    _ = tick.tick() => {
                        if let Err(e) = miner.mine_pending(&faucet_script()) {
                            tracing::error!(error = %e, "devnet automine");
                        }
                    }
                    _ = stop.wait_for(|s| *s) => break,
                }
            }
        }));
    }
    if let Some(secs) = options.block_time.filter(|s| *s > 0) {
        let timer_chain = chain.clone();
        let mut stop = shutdown.clone();
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(secs));
            tick.tick().await;
            loop {
                tokio::select! {
                    _ = tick.tick() => {
                        if let Err(e) = timer_chain.mine_blocks(1, &faucet_script()) {
                            tracing::error!(error = %e, "devnet block timer");
                        }
                    }
                    _ = stop.wait_for(|s| *s) => break,
                }
            }
        }));
    }
    let client_config = write_client_config(dir, options, (&user, &password, port))?;
    let keys = match wallet_file.load(&wallet_password()) {
        Ok(wallet) => Some(wallet.keys),
        Err(e) => {
            tracing::warn!(error = %e, "the devnet wallet does not open with the devnet password; the REST write routes are off");
            None
        }
    };
    let info = DevnetInfo {
        working_dir: dir.to_path_buf(),
        bitcoind_rpc_url: url.clone(),
        bitcoind_rpc_user: user.clone(),
        node_rpc_url: format!("http://{}/", options.node_rpc),
        rest_api_url: options
            .rest_api
            .map(|a| format!("http://{a}/"))
            .unwrap_or_default(),
        wallet_file: wallet_file.path().to_path_buf(),
        client_config: client_config.path.clone(),
        payment_address,
        owner_address,
        height: chain.height(),
    };
    let json = serde_json::to_string_pretty(&info)?;
    // Renamed into place: `start` reads it as soon as it exists.
    let tmp = dir.join("devnet.json.tmp");
    fs::write(&tmp, json).context("writing devnet.json")?;
    fs::rename(&tmp, dir.join(INFO_FILE)).context("writing devnet.json")?;
    let mut client = BitcoindConfig::new(url, ClientAuth::UserPass { user, password });
    client.retry = RetryPolicy {
        initial_delay: Duration::from_millis(50),
        max_delay: Duration::from_secs(1),
        max_elapsed: Duration::from_secs(30),
    };
    Ok(Devnet {
        info,
        bitcoind: client,
        client_config,
        keys,
        tasks,
    })
}
