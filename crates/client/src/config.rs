//! `client.ini`: the configuration of the `blockstack` CLI and of the API
//! daemon (cli-wallet.md §d.2).
//!
//! The file lives in the client's state directory (`~/.blockstack` by
//! default, or the directory of `--config`); `wallet.json` and `queues.db`
//! are found relative to that directory. Sections read here:
//!
//! * `[blockstack-client]` — where the indexer and the API daemon are, the API
//!   password, the registrar queue and poll interval, storage drivers;
//! * `[bitcoind]` — the bitcoind used for confirmations, block height and fee
//!   estimates;
//! * `[blockchain-reader]` / `[blockchain-writer]` — the UTXO provider and
//!   the broadcaster; only `bitcoind_utxo` is implemented, with
//!   `rpc_username`, `rpc_password`, `server`, `port` and `use_https`.
//!
//! Keys of our own (absent from v0.18 files, so they have defaults):
//!
//! * `[blockstack-client] network` — `mainnet` or `testnet`: the address
//!   version bytes of the keys (the original switched on `BLOCKSTACK_TESTNET`);
//! * `[blockstack-client] min_confirmations` — confirmations a payment UTXO
//!   needs to be spent (`TX_MIN_CONFIRMATIONS`: 6, or 0 on testnet as the
//!   original's test mode);
//! * `[blockchain-writer] sighash` — `legacy` (Bitcoin) or `forkid` (the
//!   Bitcoin SV regtest node of the integration tests);
//! * `[blockstack-client] core_working_dir` — the working directory of a
//!   core running on this machine (absent by default): `blockstack api`
//!   then reads its name database and zone files there, instead of through
//!   the node RPC at `server`/`port`.
//!
//! Reading follows Python's configparser (through the node's
//! [`IniFile`](blockstack_node::settings::IniFile)); a missing key takes its
//! default, a malformed one is an error naming it. Writing is atomic: a
//! temporary file (mode 0600, since it holds passwords) is fsynced and renamed
//! over the old one. Sections this module does not know (storage drivers) are
//! not preserved by [`ClientConfig::save`].

use std::fmt::Write as _;
use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use bitcoin::secp256k1::rand::{self, RngCore};
use bitcoin::NetworkKind;
use blockstack_node::settings::{IniFile, SettingsError};
use blockstack_wallet::ChainParams;

/// The file name of the client configuration.
pub const CONFIG_FILE_NAME: &str = "client.ini";
/// The wallet's file name inside the state directory.
pub const WALLET_FILE_NAME: &str = "wallet.json";
/// The registrar queue's default file name inside the state directory.
pub const QUEUE_FILE_NAME: &str = "queues.db";
/// The default state directory, under `$HOME`.
pub const DEFAULT_DIR: &str = ".blockstack";
/// The client version written into new files.
pub const CLIENT_VERSION: &str = "0.18.0.2";
/// The public indexer the original points new clients at.
pub const DEFAULT_SERVER: &str = "node.blockstack.org";
/// The REST API daemon's default port.
pub const DEFAULT_API_PORT: u16 = 6270;
/// The default registrar poll interval, in seconds.
pub const DEFAULT_POLL_INTERVAL: u64 = 300;
/// The default storage drivers.
pub const DEFAULT_STORAGE_DRIVERS: &str = "disk,gaia_hub,dropbox,s3,blockstack_resolver,http,dht";
/// The UTXO provider this crate implements.
pub const BITCOIND_UTXO: &str = "bitcoind_utxo";

/// Why a configuration cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not valid INI, or a value is malformed.
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        source: SettingsError,
    },
    /// A value that parses but is not allowed.
    #[error("{path}: [{section}] {key} = {value:?}: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The section.
        section: &'static str,
        /// The key.
        key: &'static str,
        /// The value given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Address version bytes of the client's keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientNetwork {
    /// `1…`/`3…` addresses.
    Mainnet,
    /// `m…`/`n…`/`2…` addresses (testnet and regtest).
    Testnet,
}

impl ClientNetwork {
    /// The key network of `bitcoin`.
    pub fn kind(self) -> NetworkKind {
        match self {
            ClientNetwork::Mainnet => NetworkKind::Main,
            ClientNetwork::Testnet => NetworkKind::Test,
        }
    }

    /// The value written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientNetwork::Mainnet => "mainnet",
            ClientNetwork::Testnet => "testnet",
        }
    }
}

/// How the broadcaster's bitcoind wants inputs signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SighashKind {
    /// Bitcoin's legacy digest.
    Legacy,
    /// BIP143 digest with FORKID (Bitcoin SV regtest).
    ForkId,
}

impl SighashKind {
    /// The value written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            SighashKind::Legacy => "legacy",
            SighashKind::ForkId => "forkid",
        }
    }
}

/// A bitcoind JSON-RPC endpoint with credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BitcoindEndpoint {
    /// Host name or address.
    pub server: String,
    /// RPC port.
    pub port: u16,
    /// RPC user.
    pub user: String,
    /// RPC password.
    pub password: String,
    /// Whether to use TLS (refused by the RPC client; bitcoind has none).
    pub use_https: bool,
    /// Per-request timeout.
    pub timeout: Duration,
}

impl BitcoindEndpoint {
    /// The endpoint URL without credentials.
    pub fn url(&self) -> String {
        let scheme = if self.use_https { "https" } else { "http" };
        if self.server.contains(':') && !self.server.starts_with('[') {
            format!("{scheme}://[{}]:{}/", self.server, self.port)
        } else {
            format!("{scheme}://{}:{}/", self.server, self.port)
        }
    }
}

/// `[blockstack-client]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientSection {
    /// The indexer's host.
    pub server: String,
    /// The indexer's XML-RPC port.
    pub port: u16,
    /// `http` or `https` for the indexer.
    pub protocol: String,
    /// Where the CLI reaches the API daemon.
    pub api_endpoint_host: String,
    /// The API daemon's port.
    pub api_endpoint_port: u16,
    /// Where the API daemon binds.
    pub api_endpoint_bind: String,
    /// The bearer password of the REST API.
    pub api_password: String,
    /// The registrar queue database.
    pub queue_path: PathBuf,
    /// Registrar loop period.
    pub poll_interval: Duration,
    /// Directory for mutable-data version info.
    pub metadata: PathBuf,
    /// Storage drivers, comma-separated.
    pub storage_drivers: String,
    /// Drivers that must accept writes.
    pub storage_drivers_required_write: String,
    /// The UTXO provider's name.
    pub blockchain_reader: String,
    /// The broadcaster's name.
    pub blockchain_writer: String,
    /// The original's statistics switch (kept, unused).
    pub anonymous_statistics: bool,
    /// The version that wrote the file.
    pub client_version: String,
    /// The user's e-mail (kept, unused).
    pub email: String,
    /// Address version bytes of the keys.
    pub network: ClientNetwork,
    /// Confirmations a payment UTXO needs before it is spent.
    pub min_confirmations: u32,
    /// The working directory of a core on this machine, whose database the API daemon reads
    /// directly; `None`: it reads through the node RPC.
    pub core_working_dir: Option<PathBuf>,
}

/// `[blockchain-reader]` or `[blockchain-writer]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderSection {
    /// `utxo_provider`.
    pub utxo_provider: String,
    /// The bitcoind to use when the provider is `bitcoind_utxo`.
    pub bitcoind: BitcoindEndpoint,
}

/// A loaded `client.ini`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    /// The file's path.
    pub path: PathBuf,
    /// `[blockstack-client]`.
    pub client: ClientSection,
    /// `[bitcoind]`.
    pub bitcoind: BitcoindEndpoint,
    /// Whether `[bitcoind] regtest` is set.
    pub regtest: bool,
    /// `[blockchain-reader]`.
    pub reader: ProviderSection,
    /// `[blockchain-writer]`.
    pub writer: ProviderSection,
    /// `[blockchain-writer] sighash`.
    pub sighash: SighashKind,
}

/// A fresh API password: 32 random bytes as 64 hex digits.
pub fn generate_api_password() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// `~/.blockstack/client.ini`.
pub fn default_config_path() -> PathBuf {
    std::env::var_os("HOME")
        .map_or_else(|| PathBuf::from("."), PathBuf::from)
        .join(DEFAULT_DIR)
        .join(CONFIG_FILE_NAME)
}

fn default_bitcoind() -> BitcoindEndpoint {
    BitcoindEndpoint {
        server: "bitcoin.blockstack.com".into(),
        port: 8332,
        user: "blockstack".into(),
        password: "blockstacksystem".into(),
        use_https: false,
        timeout: Duration::from_secs(300),
    }
}

impl ClientConfig {
    /// The configuration a new client gets, stored at `path`.
    pub fn defaults(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let dir = dir_of(&path);
        let bitcoind = default_bitcoind();
        Self {
            client: ClientSection {
                server: DEFAULT_SERVER.into(),
                port: 6263,
                protocol: "https".into(),
                api_endpoint_host: "localhost".into(),
                api_endpoint_port: DEFAULT_API_PORT,
                api_endpoint_bind: "localhost".into(),
                api_password: generate_api_password(),
                queue_path: dir.join(QUEUE_FILE_NAME),
                poll_interval: Duration::from_secs(DEFAULT_POLL_INTERVAL),
                metadata: dir.join("metadata"),
                storage_drivers: DEFAULT_STORAGE_DRIVERS.into(),
                storage_drivers_required_write: "disk".into(),
                blockchain_reader: BITCOIND_UTXO.into(),
                blockchain_writer: BITCOIND_UTXO.into(),
                anonymous_statistics: true,
                client_version: CLIENT_VERSION.into(),
                email: String::new(),
                network: ClientNetwork::Mainnet,
                min_confirmations: 6,
                core_working_dir: None,
            },
            reader: ProviderSection {
                utxo_provider: BITCOIND_UTXO.into(),
                bitcoind: bitcoind.clone(),
            },
            writer: ProviderSection {
                utxo_provider: BITCOIND_UTXO.into(),
                bitcoind: bitcoind.clone(),
            },
            bitcoind,
            regtest: false,
            sighash: SighashKind::Legacy,
            path,
        }
    }

    /// The state directory: the directory holding the file.
    pub fn dir(&self) -> PathBuf {
        dir_of(&self.path)
    }

    /// `wallet.json` beside the configuration.
    pub fn wallet_path(&self) -> PathBuf {
        self.dir().join(WALLET_FILE_NAME)
    }

    /// The root of the `disk` storage driver (`[disk] root`, default
    /// `storage-disk` in the state directory).
    pub fn storage_disk_root(&self) -> PathBuf {
        self.dir().join("storage-disk")
    }

    /// The URLs a new name's profile is published at, one per configured
    /// driver this client knows how to address (only `disk`).
    pub fn profile_urls(&self, name: &str) -> Vec<String> {
        self.client
            .storage_drivers
            .split(',')
            .filter(|d| d.trim() == "disk")
            .map(|_| crate::zonefiles::disk_profile_url(&self.storage_disk_root(), name))
            .collect()
    }

    /// The registrar queue database.
    pub fn queue_path(&self) -> &Path {
        &self.client.queue_path
    }

    /// The indexer's XML-RPC URL.
    pub fn node_url(&self) -> String {
        format!(
            "{}://{}:{}/RPC2",
            self.client.protocol, self.client.server, self.client.port
        )
    }

    /// The REST API daemon's base URL (no trailing slash).
    pub fn api_url(&self) -> String {
        format!(
            "http://{}:{}",
            self.client.api_endpoint_host, self.client.api_endpoint_port
        )
    }

    /// The chain parameters keys and transactions are made with.
    pub fn chain_params(&self) -> ChainParams {
        match (self.client.network, self.sighash) {
            (ClientNetwork::Mainnet, SighashKind::Legacy) => ChainParams::bitcoin_mainnet(),
            (ClientNetwork::Testnet, SighashKind::Legacy) => ChainParams::bitcoin_testnet(),
            (ClientNetwork::Mainnet, SighashKind::ForkId) => ChainParams {
                network: NetworkKind::Main,
                ..ChainParams::sv_regtest_test_node()
            },
            (ClientNetwork::Testnet, SighashKind::ForkId) => ChainParams::sv_regtest_test_node(),
        }
    }

    /// Whether the client runs against a test chain (testnet addresses),
    /// where the original's test-mode fallbacks apply.
    pub fn is_test(&self) -> bool {
        self.client.network == ClientNetwork::Testnet || self.regtest
    }

    /// The bitcoind the wallet reads UTXOs from: `[blockchain-reader]` if it
    /// is `bitcoind_utxo`, else `[bitcoind]`.
    pub fn utxo_endpoint(&self) -> &BitcoindEndpoint {
        if self.reader.utxo_provider == BITCOIND_UTXO {
            &self.reader.bitcoind
        } else {
            &self.bitcoind
        }
    }

    /// The bitcoind transactions are sent to: `[blockchain-writer]` if it is
    /// `bitcoind_utxo`, else `[bitcoind]`.
    pub fn broadcast_endpoint(&self) -> &BitcoindEndpoint {
        if self.writer.utxo_provider == BITCOIND_UTXO {
            &self.writer.bitcoind
        } else {
            &self.bitcoind
        }
    }

    /// Points every bitcoind section at one endpoint (what `configure` does
    /// for a local node).
    pub fn set_bitcoind(&mut self, endpoint: BitcoindEndpoint) {
        self.bitcoind = endpoint.clone();
        self.reader = ProviderSection {
            utxo_provider: BITCOIND_UTXO.into(),
            bitcoind: endpoint.clone(),
        };
        self.writer = ProviderSection {
            utxo_provider: BITCOIND_UTXO.into(),
            bitcoind: endpoint,
        };
        self.client.blockchain_reader = BITCOIND_UTXO.into();
        self.client.blockchain_writer = BITCOIND_UTXO.into();
    }

    /// Points the client at an indexer, with the original's port and
    /// protocol rules for the public node.
    pub fn set_server(&mut self, server: &str, port: Option<u16>) {
        let public = server == DEFAULT_SERVER;
        self.client.server = server.to_owned();
        self.client.port = port.unwrap_or(if public { 6263 } else { 6264 });
        self.client.protocol = if public { "https" } else { "http" }.into();
    }

    /// Reads `path`; a missing file gives [`ClientConfig::defaults`].
    pub fn load(path: impl Into<PathBuf>) -> Result<Self, ConfigError> {
        let path = path.into();
        match fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::defaults(path)),
            Err(source) => Err(ConfigError::Io {
                action: "read",
                path,
                source,
            }),
        }
    }

    /// Reads `path`, writing the defaults there first if it does not exist.
    /// Returns the configuration and whether it was created.
    pub fn load_or_create(path: impl Into<PathBuf>) -> Result<(Self, bool), ConfigError> {
        let path = path.into();
        if path.exists() {
            return Self::load(path).map(|c| (c, false));
        }
        let config = Self::defaults(path);
        config.save()?;
        Ok((config, true))
    }

    /// Parses the text of a `client.ini` that lives at `path`.
    pub fn parse(text: &str, path: PathBuf) -> Result<Self, ConfigError> {
        let ini = IniFile::parse(text, &path.display().to_string()).map_err(|source| {
            ConfigError::Parse {
                path: path.clone(),
                source,
            }
        })?;
        let r = Reader {
            ini: &ini,
            path: &path,
        };
        let d = Self::defaults(path.clone());
        let dir = dir_of(&path);

        const C: &str = "blockstack-client";
        let server = r.string(C, "server", &d.client.server)?;
        let public = server == DEFAULT_SERVER;
        let network = match r.opt(C, "network")?.as_deref() {
            None | Some("mainnet") => ClientNetwork::Mainnet,
            Some("testnet") | Some("regtest") => ClientNetwork::Testnet,
            Some(other) => {
                return Err(r.invalid(C, "network", other, "expected mainnet or testnet"))
            }
        };
        let default_confs = match network {
            ClientNetwork::Mainnet => 6,
            ClientNetwork::Testnet => 0,
        };
        let client = ClientSection {
            port: r.number(C, "port", if public { 6263 } else { 6264 })?,
            protocol: r.string(C, "protocol", if public { "https" } else { "http" })?,
            server,
            api_endpoint_host: r.string(C, "api_endpoint_host", "localhost")?,
            api_endpoint_port: r.number(C, "api_endpoint_port", DEFAULT_API_PORT)?,
            api_endpoint_bind: r.string(C, "api_endpoint_bind", "localhost")?,
            api_password: r.string(C, "api_password", &d.client.api_password)?,
            queue_path: r.path(C, "queue_path", &dir, QUEUE_FILE_NAME)?,
            poll_interval: Duration::from_secs(r.number(
                C,
                "poll_interval",
                DEFAULT_POLL_INTERVAL,
            )?),
            metadata: r.path(C, "metadata", &dir, "metadata")?,
            storage_drivers: r.string(C, "storage_drivers", DEFAULT_STORAGE_DRIVERS)?,
            storage_drivers_required_write: r.string(
                C,
                "storage_drivers_required_write",
                "disk",
            )?,
            blockchain_reader: r.string(C, "blockchain_reader", BITCOIND_UTXO)?,
            blockchain_writer: r.string(C, "blockchain_writer", BITCOIND_UTXO)?,
            anonymous_statistics: r.boolean(C, "anonymous_statistics", true)?,
            client_version: r.string(C, "client_version", CLIENT_VERSION)?,
            email: r.string(C, "email", "")?,
            network,
            min_confirmations: r.number(C, "min_confirmations", default_confs)?,
            core_working_dir: r
                .opt(C, "core_working_dir")?
                .filter(|v| !v.is_empty())
                .map(|v| expand_home(&v, &dir)),
        };

        const B: &str = "bitcoind";
        let db = default_bitcoind();
        let bitcoind = BitcoindEndpoint {
            server: r.string(B, "server", &db.server)?,
            port: r.number(B, "port", db.port)?,
            user: r.string(B, "user", &db.user)?,
            password: r.string(B, "passwd", &db.password)?,
            use_https: r.boolean(B, "use_https", false)?,
            timeout: Duration::from_secs(r.number(B, "timeout", 300)?),
        };
        let regtest = r.boolean(B, "regtest", false)?;
        let reader = r.provider("blockchain-reader", &bitcoind)?;
        let writer = r.provider("blockchain-writer", &bitcoind)?;
        let sighash = match r.opt("blockchain-writer", "sighash")?.as_deref() {
            None | Some("legacy") | Some("all") => SighashKind::Legacy,
            Some("forkid") => SighashKind::ForkId,
            Some(other) => {
                return Err(r.invalid(
                    "blockchain-writer",
                    "sighash",
                    other,
                    "expected legacy or forkid",
                ))
            }
        };
        Ok(Self {
            path,
            client,
            bitcoind,
            regtest,
            reader,
            writer,
            sighash,
        })
    }

    /// The INI text of this configuration.
    pub fn render(&self) -> String {
        let c = &self.client;
        let mut out = String::new();
        let mut section = |name: &str, keys: &[(&str, String)]| {
            let _ = writeln!(out, "[{name}]");
            for (key, value) in keys {
                let _ = writeln!(out, "{key} = {}", escape(value));
            }
            out.push('\n');
        };
        let mut client_keys = vec![
            ("server", c.server.clone()),
            ("port", c.port.to_string()),
            ("protocol", c.protocol.clone()),
            ("api_endpoint_host", c.api_endpoint_host.clone()),
            ("api_endpoint_port", c.api_endpoint_port.to_string()),
            ("api_endpoint_bind", c.api_endpoint_bind.clone()),
            ("api_password", c.api_password.clone()),
            ("queue_path", c.queue_path.display().to_string()),
            ("poll_interval", c.poll_interval.as_secs().to_string()),
            ("metadata", c.metadata.display().to_string()),
            ("storage_drivers", c.storage_drivers.clone()),
            (
                "storage_drivers_required_write",
                c.storage_drivers_required_write.clone(),
            ),
            ("blockchain_reader", c.blockchain_reader.clone()),
            ("blockchain_writer", c.blockchain_writer.clone()),
            ("anonymous_statistics", py_bool(c.anonymous_statistics)),
            ("client_version", c.client_version.clone()),
            ("email", c.email.clone()),
            ("network", c.network.as_str().into()),
            ("min_confirmations", c.min_confirmations.to_string()),
        ];
        if let Some(core) = &c.core_working_dir {
            client_keys.push(("core_working_dir", core.display().to_string()));
        }
        section("blockstack-client", &client_keys);
        let b = &self.bitcoind;
        section(
            "bitcoind",
            &[
                ("server", b.server.clone()),
                ("port", b.port.to_string()),
                ("user", b.user.clone()),
                ("passwd", b.password.clone()),
                ("use_https", py_bool(b.use_https)),
                ("timeout", b.timeout.as_secs().to_string()),
                ("regtest", py_bool(self.regtest)),
            ],
        );
        for (name, p, extra) in [
            ("blockchain-reader", &self.reader, None),
            (
                "blockchain-writer",
                &self.writer,
                Some(("sighash", self.sighash.as_str().to_owned())),
            ),
        ] {
            let mut keys = vec![
                ("utxo_provider", p.utxo_provider.clone()),
                ("rpc_username", p.bitcoind.user.clone()),
                ("rpc_password", p.bitcoind.password.clone()),
                ("server", p.bitcoind.server.clone()),
                ("port", p.bitcoind.port.to_string()),
                ("use_https", py_bool(p.bitcoind.use_https)),
            ];
            keys.extend(extra);
            section(name, &keys);
        }
        out
    }

    /// Writes the file atomically with mode 0600, creating its directory.
    pub fn save(&self) -> Result<(), ConfigError> {
        let dir = self.dir();
        fs::create_dir_all(&dir).map_err(|source| ConfigError::Io {
            action: "create directory",
            path: dir.clone(),
            source,
        })?;
        write_atomically(&self.path, self.render().as_bytes())
    }
}

fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn py_bool(b: bool) -> String {
    if b { "True" } else { "False" }.to_owned()
}

/// `%` is doubled so configparser's interpolation reads the value back.
fn escape(value: &str) -> String {
    value.replace('%', "%%")
}

/// temp file (0600, same directory) → write → fsync → rename → fsync dir.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ConfigError> {
    let dir = dir_of(path);
    let base = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(
        ".{base}.tmp.{}.{:08x}",
        std::process::id(),
        rand::thread_rng().next_u32()
    ));
    let io = |action: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| ConfigError::Io {
            action,
            path,
            source,
        }
    };
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io("create", &tmp))?;
        file.write_all(bytes).map_err(io("write", &tmp))?;
        file.sync_all().map_err(io("fsync", &tmp))?;
        drop(file);
        fs::rename(&tmp, path).map_err(io("rename into", path))?;
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(io("fsync", &dir))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

struct Reader<'a> {
    ini: &'a IniFile,
    path: &'a Path,
}

impl Reader<'_> {
    fn opt(&self, section: &'static str, key: &'static str) -> Result<Option<String>, ConfigError> {
        self.ini
            .get(section, key)
            .map(|v| v.map(|s| s.trim().to_owned()))
            .map_err(|source| ConfigError::Parse {
                path: self.path.to_path_buf(),
                source,
            })
    }

    fn invalid(
        &self,
        section: &'static str,
        key: &'static str,
        value: &str,
        reason: &str,
    ) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_path_buf(),
            section,
            key,
            value: value.to_owned(),
            reason: reason.to_owned(),
        }
    }

    fn string(
        &self,
        section: &'static str,
        key: &'static str,
        default: &str,
    ) -> Result<String, ConfigError> {
        Ok(self
            .opt(section, key)?
            .unwrap_or_else(|| default.to_owned()))
    }

    fn number<T: std::str::FromStr>(
        &self,
        section: &'static str,
        key: &'static str,
        default: T,
    ) -> Result<T, ConfigError> {
        match self.opt(section, key)? {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| self.invalid(section, key, &v, "not a number in range")),
        }
    }

    fn boolean(
        &self,
        section: &'static str,
        key: &'static str,
        default: bool,
    ) -> Result<bool, ConfigError> {
        match self.opt(section, key)? {
            None => Ok(default),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "1" | "yes" | "y" | "true" | "on" => Ok(true),
                "0" | "no" | "n" | "false" | "off" => Ok(false),
                _ => Err(self.invalid(section, key, &v, "not a boolean")),
            },
        }
    }

    fn path(
        &self,
        section: &'static str,
        key: &'static str,
        dir: &Path,
        default: &str,
    ) -> Result<PathBuf, ConfigError> {
        Ok(match self.opt(section, key)? {
            None => dir.join(default),
            Some(v) => expand_home(&v, dir),
        })
    }

    fn provider(
        &self,
        section: &'static str,
        bitcoind: &BitcoindEndpoint,
    ) -> Result<ProviderSection, ConfigError> {
        let utxo_provider = self.string(section, "utxo_provider", BITCOIND_UTXO)?;
        let endpoint = BitcoindEndpoint {
            server: self.string(section, "server", &bitcoind.server)?,
            port: self.number(section, "port", bitcoind.port)?,
            user: self.string(section, "rpc_username", &bitcoind.user)?,
            password: self.string(section, "rpc_password", &bitcoind.password)?,
            // v0.18 falls back to https when a provider section leaves `use_https` out; here
            // it follows plain bitcoind (no bitcoind serves https), as `[bitcoind]` does.
            use_https: self.boolean(section, "use_https", false)?,
            timeout: bitcoind.timeout,
        };
        Ok(ProviderSection {
            utxo_provider,
            bitcoind: endpoint,
        })
    }
}

/// `~/x` → `$HOME/x`; a relative path is taken relative to the state directory.
fn expand_home(value: &str, dir: &Path) -> PathBuf {
    if let Some(rest) = value.strip_prefix("~/") {
        if let Some(home) = std::env::var_os("HOME") {
            return PathBuf::from(home).join(rest);
        }
    }
    let p = PathBuf::from(value);
    if p.is_absolute() {
        p
    } else {
        dir.join(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn defaults_follow_the_original_for_the_public_node() {
        let c = ClientConfig::defaults("/tmp/x/client.ini");
        assert_eq!(c.client.server, "node.blockstack.org");
        assert_eq!(c.client.port, 6263);
        assert_eq!(c.client.protocol, "https");
        assert_eq!(c.client.api_endpoint_port, 6270);
        assert_eq!(c.client.api_password.len(), 64);
        assert!(c
            .client
            .api_password
            .chars()
            .all(|ch| ch.is_ascii_hexdigit()));
        assert_eq!(c.wallet_path(), PathBuf::from("/tmp/x/wallet.json"));
        assert_eq!(c.queue_path(), Path::new("/tmp/x/queues.db"));
        assert_ne!(
            c.client.api_password,
            ClientConfig::defaults("/tmp/x/client.ini")
                .client
                .api_password,
            "each new configuration gets its own password"
        );
    }

    #[test]
    fn the_test_framework_file_is_read() {
        let text = "[blockstack-client]\nserver = localhost\nport = 16264\nprotocol = http\n\
            api_endpoint_port = 16268\napi_password = blockstack_integration_test_api_password\n\
            poll_interval = 1\nblockchain_reader = bitcoind_utxo\nblockchain_writer = bitcoind_utxo\n\
            network = testnet\n\n\
            [blockchain-reader]\nutxo_provider = bitcoind_utxo\nrpc_username = blockstack\n\
            rpc_password = blockstacksystem\nserver = localhost\nport = 18332\nuse_https = False\n\n\
            [blockchain-writer]\nutxo_provider = bitcoind_utxo\nrpc_username = blockstack\n\
            rpc_password = pass%%word\nserver = localhost\nport = 18332\nuse_https = False\nsighash = forkid\n";
        let c = ClientConfig::parse(text, PathBuf::from("/d/client.ini")).expect("parses");
        assert_eq!(c.client.port, 16264);
        assert_eq!(c.node_url(), "http://localhost:16264/RPC2");
        assert_eq!(c.api_url(), "http://localhost:16268");
        assert_eq!(c.client.poll_interval, Duration::from_secs(1));
        assert_eq!(c.utxo_endpoint().port, 18332);
        assert_eq!(c.broadcast_endpoint().password, "pass%word");
        assert_eq!(
            c.client.min_confirmations, 0,
            "testnet defaults to test mode"
        );
        assert_eq!(c.chain_params(), ChainParams::sv_regtest_test_node());
        assert!(c.is_test());
    }

    #[test]
    fn a_port_for_a_private_server_defaults_to_6264() {
        let c = ClientConfig::parse(
            "[blockstack-client]\nserver = 10.0.0.1\n",
            PathBuf::from("client.ini"),
        )
        .expect("parses");
        assert_eq!((c.client.port, c.client.protocol.as_str()), (6264, "http"));
        assert_eq!(c.dir(), PathBuf::from("."));
    }

    #[test]
    fn bad_values_name_their_key() {
        for (text, key) in [
            ("[blockstack-client]\nport = many\n", "port"),
            ("[blockstack-client]\nnetwork = moon\n", "network"),
            ("[bitcoind]\nregtest = maybe\n", "regtest"),
            ("[blockchain-writer]\nsighash = none\n", "sighash"),
        ] {
            let err = ClientConfig::parse(text, PathBuf::from("c.ini")).expect_err(text);
            assert!(err.to_string().contains(key), "{err}");
        }
    }

    #[test]
    fn save_then_load_round_trips_with_mode_0600() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub").join("client.ini");
        let mut c = ClientConfig::defaults(&path);
        c.set_server("localhost", Some(16264));
        c.set_bitcoind(BitcoindEndpoint {
            server: "127.0.0.1".into(),
            port: 18443,
            user: "u".into(),
            password: "p%w;d".into(),
            use_https: false,
            timeout: Duration::from_secs(30),
        });
        c.client.network = ClientNetwork::Testnet;
        c.client.min_confirmations = 2;
        c.client.core_working_dir = Some(dir.path().join("core"));
        c.regtest = true;
        c.sighash = SighashKind::ForkId;
        c.save().expect("save");
        let mode = fs::metadata(&path).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let back = ClientConfig::load(&path).expect("load");
        assert_eq!(back, c);
        let leftovers: Vec<_> = fs::read_dir(path.parent().expect("dir"))
            .expect("ls")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp."))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn load_or_create_writes_defaults_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("client.ini");
        let (first, created) = ClientConfig::load_or_create(&path).expect("create");
        assert!(created);
        let (second, created) = ClientConfig::load_or_create(&path).expect("load");
        assert!(!created);
        assert_eq!(first.client.api_password, second.client.api_password);
    }

    #[test]
    fn relative_paths_are_relative_to_the_state_directory() {
        let c = ClientConfig::parse(
            "[blockstack-client]\nqueue_path = q.db\n",
            PathBuf::from("/state/client.ini"),
        )
        .expect("parses");
        assert_eq!(c.queue_path(), Path::new("/state/q.db"));
        assert_eq!(c.client.core_working_dir, None);
        let c = ClientConfig::parse(
            "[blockstack-client]\ncore_working_dir = core\n",
            PathBuf::from("/state/client.ini"),
        )
        .expect("parses");
        assert_eq!(
            c.client.core_working_dir.as_deref(),
            Some(Path::new("/state/core"))
        );
    }
}
