//! What every command works with: the loaded `client.ini`, and the ways to
//! reach the wallet, the node, bitcoind and the API daemon.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{anyhow, bail, Context as _};
use bitcoin::NetworkKind;
use blockstack_client::api::ApiClient;
use blockstack_client::backend::BitcoindBackend;
use blockstack_client::compose::Composer;
use blockstack_client::config::{default_config_path, ClientConfig};
use blockstack_client::node::NodeClient;
use blockstack_client::ops::Client;
use blockstack_wallet::file::MIN_PASSWORD_LEN;
use blockstack_wallet::{PublicInfo, Wallet, WalletFile, WalletFileError};

use super::Globals;

/// The environment variables that carry the wallet password for scripts.
pub const PASSWORD_ENV: [&str; 2] = [
    "BLOCKSTACK_WALLET_PASSWORD",
    "BLOCKSTACK_CLIENT_WALLET_PASSWORD",
];

/// A command's surroundings.
#[derive(Debug)]
pub struct Context {
    /// The global options.
    pub globals: Globals,
    /// `client.ini` (defaults when the file does not exist yet).
    pub config: ClientConfig,
}

impl Context {
    /// Loads the configuration named by `-c`, `BLOCKSTACK_CLIENT_CONFIG` or
    /// the default path, and applies `-H`/`-P`.
    pub fn new(globals: Globals) -> anyhow::Result<Self> {
        let path = globals.config.clone().unwrap_or_else(default_config_path);
        let mut config = ClientConfig::load(&path)?;
        if let Some(host) = &globals.host {
            config.set_server(host, globals.port);
        } else if let Some(port) = globals.port {
            config.client.port = port;
        }
        Ok(Self { globals, config })
    }

    /// The configuration file's path.
    pub fn config_path(&self) -> PathBuf {
        self.config.path.clone()
    }

    /// The key network of this client.
    pub fn network(&self) -> NetworkKind {
        self.config.client.network.kind()
    }

    /// A client of the configured node.
    pub fn node(&self) -> anyhow::Result<NodeClient> {
        Ok(NodeClient::new(self.config.node_url())?)
    }

    /// The configured bitcoind.
    pub fn backend(&self) -> anyhow::Result<BitcoindBackend> {
        Ok(BitcoindBackend::connect(
            self.config.utxo_endpoint(),
            self.config.is_test(),
        )?)
    }

    /// The operations client: bitcoind, the node and the composer.
    pub fn client(&self) -> anyhow::Result<Client<BitcoindBackend>> {
        let mut client = Client::new(
            self.backend()?,
            self.node()?,
            Composer::new(self.config.chain_params()),
            self.config.client.min_confirmations,
        );
        client.dry_run = self.globals.dry_run;
        Ok(client)
    }

    /// A client of the API daemon.
    pub fn api(&self) -> anyhow::Result<ApiClient> {
        let password = self
            .globals
            .api_password
            .clone()
            .unwrap_or_else(|| self.config.client.api_password.clone());
        Ok(ApiClient::new(self.config.api_url(), password)?)
    }

    /// The wallet file beside `client.ini`.
    pub fn wallet_file(&self) -> WalletFile {
        WalletFile::new(self.config.wallet_path())
    }

    /// What the wallet file says without the password.
    pub fn public_info(&self) -> anyhow::Result<PublicInfo> {
        let file = self.wallet_file();
        if !file.path().exists() {
            bail!(
                "No wallet found at {}; create one with `blockstack setup`",
                file.path().display()
            );
        }
        match file.public_info() {
            Err(WalletFileError::LegacyFormat) => {
                bail!("Wallet is in legacy format.  Please migrate it with `blockstack setup`")
            }
            other => Ok(other?),
        }
    }

    /// The wallet password: `-p`, then the environment, then a prompt.
    pub fn password(&self, prompt: &str) -> anyhow::Result<String> {
        if let Some(p) = &self.globals.password {
            return Ok(p.clone());
        }
        for var in PASSWORD_ENV {
            if let Ok(p) = std::env::var(var) {
                return Ok(p);
            }
        }
        read_secret(prompt)
    }

    /// A new password, asked twice when prompted; at least eight characters.
    pub fn new_password(&self) -> anyhow::Result<String> {
        let password = if self.globals.password.is_some()
            || PASSWORD_ENV.iter().any(|v| std::env::var_os(v).is_some())
        {
            self.password("")?
        } else {
            let first = read_secret("Enter new wallet password: ")?;
            let second = read_secret("Confirm wallet password: ")?;
            if first != second {
                bail!("Passwords do not match");
            }
            first
        };
        if password.chars().count() < MIN_PASSWORD_LEN {
            bail!("Password must be at least {MIN_PASSWORD_LEN} characters");
        }
        Ok(password)
    }

    /// Decrypts the wallet; a wrong password is an error and changes nothing.
    pub fn wallet(&self) -> anyhow::Result<Wallet> {
        self.public_info()?;
        let password = self.password("Enter wallet password: ")?;
        let wallet = self.wallet_file().load(&password).map_err(|e| match e {
            WalletFileError::WrongPassword => anyhow!("Failed to decrypt wallet: wrong password"),
            other => anyhow!("Failed to load wallet: {other}"),
        })?;
        if wallet.network != self.network() {
            bail!(
                "the wallet holds {} keys but client.ini is configured for {}",
                net_name(wallet.network),
                self.config.client.network.as_str()
            );
        }
        Ok(wallet)
    }

    /// Asks `question` unless `-y`; anything but "yes" aborts.
    pub fn confirm(&self, question: &str) -> anyhow::Result<()> {
        if self.globals.yes
            || std::env::var("BLOCKSTACK_CLIENT_INTERACTIVE_YES").as_deref() == Ok("1")
        {
            return Ok(());
        }
        eprint!("{question} (yes/no) ");
        std::io::stderr().flush().ok();
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the answer")?;
        if line.trim().eq_ignore_ascii_case("yes") {
            Ok(())
        } else {
            bail!("Aborted")
        }
    }
}

fn net_name(n: NetworkKind) -> &'static str {
    match n {
        NetworkKind::Main => "mainnet",
        NetworkKind::Test => "testnet",
    }
}

/// Reads a line from the terminal without echo.
fn read_secret(prompt: &str) -> anyhow::Result<String> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty");
    let Ok(mut tty) = tty else {
        bail!(
            "a wallet password is needed: pass -p or set BLOCKSTACK_WALLET_PASSWORD (no terminal to prompt on)"
        );
    };
    if !std::io::stdin().is_terminal() && std::env::var_os("TERM").is_none() {
        bail!("a wallet password is needed: pass -p or set BLOCKSTACK_WALLET_PASSWORD");
    }
    let stty = |arg: &str| {
        std::fs::File::open("/dev/tty").ok().and_then(|f| {
            Command::new("stty")
                .arg(arg)
                .stdin(Stdio::from(f))
                .status()
                .ok()
        })
    };
    write!(tty, "{prompt}").ok();
    tty.flush().ok();
    stty("-echo");
    let mut line = String::new();
    let read = std::io::BufReader::new(&tty).read_line(&mut line);
    stty("echo");
    writeln!(tty).ok();
    read.context("reading the password")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

/// The JSON of a transaction that passed its checks: its txid, or the
/// signed transaction in a dry run (the original's `do_blockchain_tx`).
pub fn sent_json(sent: &blockstack_client::ops::Sent) -> serde_json::Value {
    if sent.broadcast {
        serde_json::json!({"status": true, "transaction_hash": sent.txid.to_string()})
    } else {
        serde_json::json!({"status": true, "tx": sent.tx_hex()})
    }
}

/// The result of a REST write: the daemon's body, with an `error` when it
/// refused without one.
pub fn rest_json(reply: blockstack_client::api::ApiReply) -> serde_json::Value {
    if reply.is_success() || reply.body.get("error").is_some() {
        reply.body
    } else {
        serde_json::json!({"error": format!("the API server answered HTTP {}", reply.status), "reply": reply.body})
    }
}

/// The wallet's owner address, or `owner_key`'s when given.
pub fn owner_address(
    ctx: &Context,
    owner_key: Option<&blockstack_wallet::KeyInfo>,
) -> anyhow::Result<String> {
    match owner_key {
        Some(k) => Ok(k.address(ctx.network()).to_string()),
        None => ctx
            .public_info()?
            .owner_addresses
            .first()
            .cloned()
            .ok_or_else(|| anyhow!("the wallet has no owner address")),
    }
}

/// Checks that `name` is registered and owned by `owner`; returns its record.
pub async fn owned_record(
    ctx: &Context,
    name: &str,
    owner: &str,
) -> anyhow::Result<blockstack_client::node::NameRecord> {
    use blockstack_client::safety;
    if !blockstack_consensus::name::is_name_valid(name) {
        return Err(safety::SafetyError::InvalidName(name.to_owned()).into());
    }
    let record = ctx.node()?.name_record(name).await?;
    let record = safety::name_registered(name, record.as_ref())?.clone();
    if record.address != owner {
        return Err(safety::SafetyError::NotOwner {
            address: owner.to_owned(),
            name: name.to_owned(),
        }
        .into());
    }
    Ok(record)
}

/// The zone file generated for `name`: the wallet's data key and the
/// configured drivers' profile URLs.
pub fn default_zonefile(ctx: &Context, name: &str) -> anyhow::Result<String> {
    let info = ctx.public_info()?;
    let urls = ctx.config.profile_urls(name);
    let urls: Vec<&str> = urls.iter().map(String::as_str).collect();
    Ok(blockstack_client::zonefiles::default_zonefile(
        name,
        &info.data_pubkey,
        &urls,
    )?)
}
