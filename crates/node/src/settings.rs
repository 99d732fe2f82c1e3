//! The daemon's configuration: `blockstack-server.ini`, `BLOCKSTACK_*`
//! environment variables and command-line overrides.
//!
//! Sources are merged field by field, highest first: command line, then
//! environment, then the INI file, then defaults (`SettingsLayer::merge` is a
//! plain list of `or()`s). The merged result is validated once, in
//! [`Settings::resolve`]. Sections and keys are those of v0.18
//! (`config.py` `default_blockstack_opts`, virtualchain's bitcoind options;
//! `cli-wallet.md` §d.1), plus one key of our own, `[blockstack] network`.
//!
//! Differences from the original, on purpose:
//! * a missing key takes its default even when its section exists (v0.18
//!   refuses to start non-interactively with "Missing configuration fields");
//! * booleans must be booleans, and a bad value of any key is an error that
//!   names the key (v0.18 reads an unknown `atlas` value as false, and drops
//!   an invalid announcer list with a log line).

mod ini;
mod network;
mod writer;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use thiserror::Error;

pub use ini::IniFile;
pub use network::{
    Env, EpochOverride, Network, NetworkParams, ProcessEnv, EPOCH_END_BLOCKS_MAINNET,
    FIRST_BLOCK_MAINNET, FIRST_BLOCK_REGTEST,
};
pub use writer::{render_config, BitcoindUrl};

use network::{parse_bool, parse_u64};

/// File name of the daemon configuration inside the working directory.
pub const CONFIG_FILE_NAME: &str = "blockstack-server.ini";
/// `RPC_SERVER_PORT` (`RPC_SERVER_TEST_PORT` in test mode).
pub const RPC_PORT: [u16; 2] = [6264, 16264];
/// The `server_version` written by `configure`.
pub const SERVER_VERSION: &str = "0.18.0.0";
/// Default `[blockstack] announcers`.
pub const DEFAULT_ANNOUNCERS: &str = "judecn.id,muneeb.id,shea256.id";
/// Default `[blockstack] fast_sync_url`: v0.18's `FAST_SYNC_DEFAULT_URL`.
pub const FAST_SYNC_DEFAULT_URL: &str = "http://fast-sync.blockstack.org/snapshot.bsk";
/// Default `[blockstack] fast_sync_public_keys`: v0.18's `FAST_SYNC_PUBLIC_KEYS`.
pub const FAST_SYNC_PUBLIC_KEYS: &str =
    "0211f4f997efa0fb018082a2ed3a0af8ba1b042da03f655d953b75642fce395e9e";

/// Why the configuration cannot be used.
#[derive(Debug, Error)]
pub enum SettingsError {
    /// A value that does not parse or is out of range. `key` is the INI key
    /// (`[bitcoind] port`), the environment variable or the CLI flag.
    #[error("{key}: {reason} (got {value:?})")]
    Invalid {
        /// Where the value came from.
        key: String,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The INI file is not valid INI.
    #[error("{origin}: {reason}")]
    Syntax {
        /// The file.
        origin: String,
        /// The parser's message.
        reason: String,
    },
    /// The configuration file cannot be read or written.
    #[error("cannot access {}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Values that are fine alone but contradict each other.
    #[error("inconsistent settings: {0}")]
    Conflict(String),
}

/// A `host:port` pair, as in `atlas_seeds` and `atlas_blacklist`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostPort {
    /// Host name or IPv4 address.
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

impl FromStr for HostPort {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (host, port) = s
            .rsplit_once(':')
            .ok_or_else(|| format!("{s:?} is not host:port"))?;
        let port = port
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| format!("bad port in {s:?}"))?;
        if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '/' || c == ':') {
            return Err(format!("bad host in {s:?}"));
        }
        Ok(HostPort {
            host: host.to_owned(),
            port,
        })
    }
}

/// One source's view of the settings; `None` means "not given here".
///
/// The binary fills one from its flags; [`SettingsLayer::from_env`] and
/// [`SettingsLayer::from_ini`] read the other two.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SettingsLayer {
    /// `[blockstack] network` / `BLOCKSTACK_NETWORK`.
    pub network: Option<Network>,
    /// Working directory (CLI or `BLOCKSTACK_WORKING_DIR`; default `~/.blockstack-server`).
    pub working_dir: Option<PathBuf>,
    /// Config file path (CLI or `BLOCKSTACK_SERVER_CONFIG`, as in v0.18's tests).
    pub config_file: Option<PathBuf>,
    /// `[bitcoind] server`.
    pub bitcoind_server: Option<String>,
    /// `[bitcoind] port`: bitcoind's RPC port.
    pub bitcoind_port: Option<u16>,
    /// `[bitcoind] p2p_port`.
    pub bitcoind_p2p_port: Option<u16>,
    /// `[bitcoind] user`.
    pub bitcoind_user: Option<String>,
    /// `[bitcoind] passwd`.
    pub bitcoind_passwd: Option<String>,
    /// `[bitcoind] timeout`, seconds.
    pub bitcoind_timeout: Option<u64>,
    /// `[bitcoind] regtest`.
    pub bitcoind_regtest: Option<bool>,
    /// `[bitcoind] spv_path`.
    pub bitcoind_spv_path: Option<PathBuf>,
    /// `[blockstack] rpc_port`.
    pub rpc_port: Option<u16>,
    /// `[blockstack] server_version`.
    pub server_version: Option<String>,
    /// `[blockstack] backup_frequency`, blocks.
    pub backup_frequency: Option<u64>,
    /// `[blockstack] backup_max_age`, blocks.
    pub backup_max_age: Option<u64>,
    /// `[blockstack] zonefiles`: zone file directory.
    pub zonefiles: Option<PathBuf>,
    /// `[blockstack] atlas`.
    pub atlas: Option<bool>,
    /// `[blockstack] atlas_seeds`.
    pub atlas_seeds: Option<Vec<HostPort>>,
    /// `[blockstack] atlas_blacklist`.
    pub atlas_blacklist: Option<Vec<HostPort>>,
    /// `[blockstack] atlas_hostname`.
    pub atlas_hostname: Option<String>,
    /// `[blockstack] atlas_port`.
    pub atlas_port: Option<u16>,
    /// `[blockstack] atlasdb_path`.
    pub atlasdb_path: Option<PathBuf>,
    /// `[blockstack] subdomaindb_path`.
    pub subdomaindb_path: Option<PathBuf>,
    /// `[blockstack] announcers`.
    pub announcers: Option<Vec<String>>,
    /// `[blockstack] fast_sync_url`.
    pub fast_sync_url: Option<String>,
    /// `[blockstack] fast_sync_public_keys`.
    pub fast_sync_public_keys: Option<Vec<String>>,
    /// `[blockstack] fast_sync_checkpoints`.
    pub fast_sync_checkpoints: Option<Vec<(u64, String)>>,
}

/// Where a layer's raw values come from, and how they are named in errors.
trait Source {
    /// The raw value of `key` in `[section]` and the name to report it by.
    fn raw(&self, section: &str, key: &str) -> Result<Option<(String, String)>, SettingsError>;

    fn get<T>(
        &self,
        section: &str,
        key: &str,
        parse: fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, SettingsError> {
        match self.raw(section, key)? {
            None => Ok(None),
            Some((name, value)) => {
                parse(&value)
                    .map(Some)
                    .map_err(|reason| SettingsError::Invalid {
                        key: name,
                        value,
                        reason,
                    })
            }
        }
    }
}

/// Environment: `[bitcoind] port` is `BLOCKSTACK_BITCOIND_PORT`,
/// `[blockstack] rpc_port` is `BLOCKSTACK_RPC_PORT`.
struct EnvSource<'a, E: Env>(&'a E);

impl<E: Env> Source for EnvSource<'_, E> {
    fn raw(&self, section: &str, key: &str) -> Result<Option<(String, String)>, SettingsError> {
        let name = if section == "bitcoind" {
            format!("BLOCKSTACK_BITCOIND_{}", key.to_ascii_uppercase())
        } else {
            format!("BLOCKSTACK_{}", key.to_ascii_uppercase())
        };
        Ok(self.0.var(&name).map(|value| (name, value)))
    }
}

impl Source for IniFile {
    fn raw(&self, section: &str, key: &str) -> Result<Option<(String, String)>, SettingsError> {
        Ok(self
            .get(section, key)?
            .map(|value| (format!("[{section}] {key} in {}", self.origin()), value)))
    }
}

fn parse_string(value: &str) -> Result<String, String> {
    Ok(value.to_owned())
}

fn parse_path(value: &str) -> Result<PathBuf, String> {
    if value.is_empty() {
        return Err("expected a path".to_owned());
    }
    Ok(expand_home(value))
}

fn parse_port(value: &str) -> Result<u16, String> {
    value
        .trim()
        .parse::<u16>()
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| "expected a port number 1-65535".to_owned())
}

fn parse_network(value: &str) -> Result<Network, String> {
    value.parse()
}

fn parse_host_ports(value: &str) -> Result<Vec<HostPort>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(HostPort::from_str)
        .collect()
}

/// A blockchain ID such as `muneeb.id`: one dot, `a-z 0-9 - _`, ≤ 37 chars
/// (`core-rpc.md` §2.3), checked as v0.18's `is_name_valid` does.
fn parse_announcers(value: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for name in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let ok = name.len() <= 37
            && matches!(name.split_once('.'), Some((label, ns))
                if !label.is_empty() && !ns.is_empty() && ns.len() <= 19 && !ns.contains('.')
                    && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.')));
        if !ok {
            return Err(format!("{name:?} is not a valid blockchain ID"));
        }
        out.push(name.to_owned());
    }
    Ok(out)
}

/// A comma-separated list of hex public keys, compressed (66 digits) or uncompressed (130).
fn parse_public_keys(value: &str) -> Result<Vec<String>, String> {
    let keys: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    for k in &keys {
        if !matches!(k.len(), 66 | 130) || !k.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "{k:?} is not a hex public key (66 or 130 hex digits)"
            ));
        }
    }
    Ok(keys)
}

/// A comma-separated list of `HEIGHT:CONSENSUS_HASH` (32 hex digits) checkpoints.
fn parse_checkpoints(value: &str) -> Result<Vec<(u64, String)>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            let (h, ch) = item
                .split_once(':')
                .ok_or_else(|| format!("{item:?} is not HEIGHT:CONSENSUS_HASH"))?;
            let height = h
                .trim()
                .parse::<u64>()
                .map_err(|_| format!("bad height in {item:?}"))?;
            let ch = ch.trim().to_ascii_lowercase();
            if ch.len() != 32 || !ch.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!("bad consensus hash in {item:?} (32 hex digits)"));
            }
            Ok((height, ch))
        })
        .collect()
}

/// `~/` at the start of a path means `$HOME/`, as `os.path.expanduser`.
fn expand_home(value: &str) -> PathBuf {
    match (value.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(value),
    }
}

impl SettingsLayer {
    fn from_source(src: &impl Source) -> Result<Self, SettingsError> {
        let b = "bitcoind";
        let s = "blockstack";
        Ok(SettingsLayer {
            network: src.get(s, "network", parse_network)?,
            working_dir: None,
            config_file: None,
            bitcoind_server: src.get(b, "server", parse_string)?,
            bitcoind_port: src.get(b, "port", parse_port)?,
            bitcoind_p2p_port: src.get(b, "p2p_port", parse_port)?,
            bitcoind_user: src.get(b, "user", parse_string)?,
            bitcoind_passwd: src.get(b, "passwd", parse_string)?,
            bitcoind_timeout: src.get(b, "timeout", parse_u64)?,
            bitcoind_regtest: src.get(b, "regtest", parse_bool)?,
            bitcoind_spv_path: src.get(b, "spv_path", parse_path)?,
            rpc_port: src.get(s, "rpc_port", parse_port)?,
            server_version: src.get(s, "server_version", parse_string)?,
            backup_frequency: src.get(s, "backup_frequency", parse_u64)?,
            backup_max_age: src.get(s, "backup_max_age", parse_u64)?,
            zonefiles: src.get(s, "zonefiles", parse_path)?,
            atlas: src.get(s, "atlas", parse_atlas_flag)?,
            atlas_seeds: src.get(s, "atlas_seeds", parse_host_ports)?,
            atlas_blacklist: src.get(s, "atlas_blacklist", parse_host_ports)?,
            atlas_hostname: src
                .get(s, "atlas_hostname", parse_string)?
                .filter(|h| !h.is_empty()),
            atlas_port: src.get(s, "atlas_port", parse_port)?,
            atlasdb_path: src.get(s, "atlasdb_path", parse_path)?,
            subdomaindb_path: src.get(s, "subdomaindb_path", parse_path)?,
            announcers: src.get(s, "announcers", parse_announcers)?,
            fast_sync_url: src.get(s, "fast_sync_url", parse_string)?,
            fast_sync_public_keys: src.get(s, "fast_sync_public_keys", parse_public_keys)?,
            fast_sync_checkpoints: src.get(s, "fast_sync_checkpoints", parse_checkpoints)?,
        })
    }

    /// Reads the `BLOCKSTACK_*` variables: `BLOCKSTACK_BITCOIND_<KEY>` for
    /// `[bitcoind]` keys, `BLOCKSTACK_<KEY>` for `[blockstack]` keys, plus
    /// `BLOCKSTACK_WORKING_DIR` and `BLOCKSTACK_SERVER_CONFIG`.
    pub fn from_env(env: &impl Env) -> Result<Self, SettingsError> {
        let mut layer = Self::from_source(&EnvSource(env))?;
        let path = |key: &str| -> Result<Option<PathBuf>, SettingsError> {
            match env.var(key) {
                None => Ok(None),
                Some(v) => parse_path(&v)
                    .map(Some)
                    .map_err(|reason| SettingsError::Invalid {
                        key: key.to_owned(),
                        value: v,
                        reason,
                    }),
            }
        };
        layer.working_dir = path("BLOCKSTACK_WORKING_DIR")?;
        layer.config_file = path("BLOCKSTACK_SERVER_CONFIG")?;
        Ok(layer)
    }

    /// Reads the `[bitcoind]` and `[blockstack]` sections of an INI file.
    pub fn from_ini(ini: &IniFile) -> Result<Self, SettingsError> {
        Self::from_source(ini)
    }

    /// Fills every field `self` lacks from `lower`.
    pub fn merge(self, lower: SettingsLayer) -> SettingsLayer {
        SettingsLayer {
            network: self.network.or(lower.network),
            working_dir: self.working_dir.or(lower.working_dir),
            config_file: self.config_file.or(lower.config_file),
            bitcoind_server: self.bitcoind_server.or(lower.bitcoind_server),
            bitcoind_port: self.bitcoind_port.or(lower.bitcoind_port),
            bitcoind_p2p_port: self.bitcoind_p2p_port.or(lower.bitcoind_p2p_port),
            bitcoind_user: self.bitcoind_user.or(lower.bitcoind_user),
            bitcoind_passwd: self.bitcoind_passwd.or(lower.bitcoind_passwd),
            bitcoind_timeout: self.bitcoind_timeout.or(lower.bitcoind_timeout),
            bitcoind_regtest: self.bitcoind_regtest.or(lower.bitcoind_regtest),
            bitcoind_spv_path: self.bitcoind_spv_path.or(lower.bitcoind_spv_path),
            rpc_port: self.rpc_port.or(lower.rpc_port),
            server_version: self.server_version.or(lower.server_version),
            backup_frequency: self.backup_frequency.or(lower.backup_frequency),
            backup_max_age: self.backup_max_age.or(lower.backup_max_age),
            zonefiles: self.zonefiles.or(lower.zonefiles),
            atlas: self.atlas.or(lower.atlas),
            atlas_seeds: self.atlas_seeds.or(lower.atlas_seeds),
            atlas_blacklist: self.atlas_blacklist.or(lower.atlas_blacklist),
            atlas_hostname: self.atlas_hostname.or(lower.atlas_hostname),
            atlas_port: self.atlas_port.or(lower.atlas_port),
            atlasdb_path: self.atlasdb_path.or(lower.atlasdb_path),
            subdomaindb_path: self.subdomaindb_path.or(lower.subdomaindb_path),
            announcers: self.announcers.or(lower.announcers),
            fast_sync_url: self.fast_sync_url.or(lower.fast_sync_url),
            fast_sync_public_keys: self.fast_sync_public_keys.or(lower.fast_sync_public_keys),
            fast_sync_checkpoints: self.fast_sync_checkpoints.or(lower.fast_sync_checkpoints),
        }
    }
}

/// v0.18 accepts `true/1/enabled/on` for `atlas`; we also take the usual falsy words.
fn parse_atlas_flag(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "enabled" => Ok(true),
        "disabled" => Ok(false),
        other => parse_bool(other),
    }
}

/// How to reach bitcoind (`[bitcoind]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BitcoindSettings {
    /// Host name or address.
    pub server: String,
    /// RPC port.
    pub port: u16,
    /// P2P port (kept for the original's SPV client; the node does not use it).
    pub p2p_port: u16,
    /// RPC user.
    pub user: String,
    /// RPC password.
    pub passwd: String,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Whether bitcoind runs in regtest mode.
    pub regtest: bool,
    /// SPV headers file of the original's virtualchain (unused here).
    pub spv_path: PathBuf,
}

impl BitcoindSettings {
    /// The JSON-RPC endpoint, without credentials.
    pub fn rpc_url(&self) -> String {
        if self.server.contains(':') && !self.server.starts_with('[') {
            format!("http://[{}]:{}/", self.server, self.port)
        } else {
            format!("http://{}:{}/", self.server, self.port)
        }
    }
}

/// The node's own services (`[blockstack]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockstackSettings {
    /// XML-RPC port (6264, 16264 in test mode).
    pub rpc_port: u16,
    /// Version that wrote the working directory, if recorded.
    pub server_version: Option<String>,
    /// Blocks between database backups.
    pub backup_frequency: u64,
    /// Blocks a backup is kept.
    pub backup_max_age: u64,
    /// Zone file directory.
    pub zonefiles: PathBuf,
    /// Whether Atlas runs.
    pub atlas: bool,
    /// Atlas seed peers.
    pub atlas_seeds: Vec<HostPort>,
    /// Peers never contacted.
    pub atlas_blacklist: Vec<HostPort>,
    /// Our public host name; `None` means discover it (v0.18 uses STUN).
    pub atlas_hostname: Option<String>,
    /// Our advertised Atlas port.
    pub atlas_port: u16,
    /// Atlas database.
    pub atlasdb_path: PathBuf,
    /// Subdomain database.
    pub subdomaindb_path: PathBuf,
    /// Blockchain IDs whose announcements are trusted.
    pub announcers: Vec<String>,
    /// Where `fast_sync` fetches a snapshot by default.
    pub fast_sync_url: String,
    /// Public keys (hex) trusted to sign snapshots.
    pub fast_sync_public_keys: Vec<String>,
    /// Trusted `(block, consensus hash)` pairs a restored snapshot must agree with.
    pub fast_sync_checkpoints: Vec<(u64, String)>,
}

/// The complete, validated daemon configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The chain profile.
    pub network: Network,
    /// Working directory: databases, logs, backups.
    pub working_dir: PathBuf,
    /// The configuration file that was read (it may not exist).
    pub config_file: PathBuf,
    /// `[bitcoind]`.
    pub bitcoind: BitcoindSettings,
    /// `[blockstack]`.
    pub blockstack: BlockstackSettings,
    /// Consensus parameters from the profile and the test knobs.
    pub params: NetworkParams,
}

impl Settings {
    /// Loads the configuration: `cli` over the environment over the INI
    /// file over defaults. The INI file is `cli`/env's `config_file`, else
    /// `<working_dir>/blockstack-server.ini`; a missing file is an error
    /// only when its path was given explicitly.
    pub fn load(cli: SettingsLayer, env: &impl Env) -> Result<Self, SettingsError> {
        let above_ini = cli.merge(SettingsLayer::from_env(env)?);
        let working_dir = above_ini
            .working_dir
            .clone()
            .unwrap_or_else(|| default_working_dir(env));
        let explicit = above_ini.config_file.is_some();
        let config_file = above_ini
            .config_file
            .clone()
            .unwrap_or_else(|| working_dir.join(CONFIG_FILE_NAME));
        let ini_layer = match std::fs::read_to_string(&config_file) {
            Ok(text) => SettingsLayer::from_ini(&IniFile::parse(
                &text,
                &config_file.display().to_string(),
            )?)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                SettingsLayer::default()
            }
            Err(source) => {
                return Err(SettingsError::Io {
                    path: config_file,
                    source,
                })
            }
        };
        let mut merged = above_ini.merge(ini_layer);
        merged.working_dir = Some(working_dir);
        merged.config_file = Some(config_file);
        Self::resolve(merged, env)
    }

    /// Applies defaults to a merged layer and validates the result.
    pub fn resolve(layer: SettingsLayer, env: &impl Env) -> Result<Self, SettingsError> {
        let network = layer
            .network
            .or(layer
                .bitcoind_regtest
                .and_then(|r| r.then_some(Network::Regtest)))
            .unwrap_or(Network::Mainnet);
        let params = NetworkParams::from_env(network, env)?;
        let working_dir = layer
            .working_dir
            .unwrap_or_else(|| default_working_dir(env));
        let config_file = layer
            .config_file
            .unwrap_or_else(|| working_dir.join(CONFIG_FILE_NAME));
        // v0.18 puts the data files next to the config file.
        let data_dir = config_file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| working_dir.clone());
        let defaults = NetworkDefaults::of(network);

        let default_rpc_port = if params.test_mode {
            RPC_PORT[1]
        } else {
            RPC_PORT[0]
        };
        let rpc_port = layer.rpc_port.unwrap_or(default_rpc_port);
        let bitcoind = BitcoindSettings {
            server: layer
                .bitcoind_server
                .unwrap_or_else(|| defaults.bitcoind_server.to_owned()),
            port: layer.bitcoind_port.unwrap_or(defaults.bitcoind_port),
            p2p_port: layer
                .bitcoind_p2p_port
                .unwrap_or(defaults.bitcoind_p2p_port),
            user: layer
                .bitcoind_user
                .unwrap_or_else(|| "blockstack".to_owned()),
            passwd: layer
                .bitcoind_passwd
                .unwrap_or_else(|| "blockstacksystem".to_owned()),
            timeout: Duration::from_secs(layer.bitcoind_timeout.unwrap_or(300)),
            regtest: layer
                .bitcoind_regtest
                .unwrap_or(network == Network::Regtest),
            spv_path: layer
                .bitcoind_spv_path
                .unwrap_or_else(|| expand_home("~/.virtualchain-spv-headers.dat")),
        };
        let blockstack = BlockstackSettings {
            rpc_port,
            server_version: layer.server_version,
            backup_frequency: layer.backup_frequency.unwrap_or(defaults.backup_frequency),
            backup_max_age: layer.backup_max_age.unwrap_or(defaults.backup_max_age),
            zonefiles: layer
                .zonefiles
                .unwrap_or_else(|| data_dir.join("zonefiles")),
            atlas: layer.atlas.unwrap_or(true),
            atlas_seeds: layer
                .atlas_seeds
                .unwrap_or_else(|| defaults.atlas_seeds(default_rpc_port)),
            atlas_blacklist: layer.atlas_blacklist.unwrap_or_default(),
            atlas_hostname: layer
                .atlas_hostname
                .or(defaults.atlas_hostname.map(str::to_owned)),
            atlas_port: layer.atlas_port.unwrap_or(rpc_port),
            atlasdb_path: layer
                .atlasdb_path
                .unwrap_or_else(|| data_dir.join("atlas.db")),
            subdomaindb_path: layer
                .subdomaindb_path
                .unwrap_or_else(|| data_dir.join("subdomains.db")),
            announcers: layer
                .announcers
                .unwrap_or_else(|| DEFAULT_ANNOUNCERS.split(',').map(str::to_owned).collect()),
            fast_sync_url: layer
                .fast_sync_url
                .unwrap_or_else(|| FAST_SYNC_DEFAULT_URL.to_owned()),
            fast_sync_public_keys: layer
                .fast_sync_public_keys
                .unwrap_or_else(|| vec![FAST_SYNC_PUBLIC_KEYS.to_owned()]),
            fast_sync_checkpoints: layer.fast_sync_checkpoints.unwrap_or_default(),
        };
        let settings = Settings {
            network,
            working_dir,
            config_file,
            bitcoind,
            blockstack,
            params,
        };
        settings.validate()?;
        Ok(settings)
    }

    /// Cross-field rules, checked once after merging.
    fn validate(&self) -> Result<(), SettingsError> {
        if self.bitcoind.regtest != (self.network == Network::Regtest) {
            return Err(SettingsError::Conflict(format!(
                "network is {} but [bitcoind] regtest is {}",
                self.network,
                if self.bitcoind.regtest {
                    "True"
                } else {
                    "False"
                }
            )));
        }
        if self.bitcoind.server.is_empty() {
            return Err(SettingsError::Conflict(
                "[bitcoind] server is empty".to_owned(),
            ));
        }
        if self.bitcoind.timeout.is_zero() {
            return Err(SettingsError::Conflict(
                "[bitcoind] timeout must be at least 1 second".to_owned(),
            ));
        }
        if self.blockstack.backup_frequency == 0 {
            return Err(SettingsError::Conflict(
                "[blockstack] backup_frequency must be at least 1".to_owned(),
            ));
        }
        if self.blockstack.backup_max_age < self.blockstack.backup_frequency {
            return Err(SettingsError::Conflict(format!(
                "[blockstack] backup_max_age ({}) is below backup_frequency ({}): no backup would be kept",
                self.blockstack.backup_max_age, self.blockstack.backup_frequency
            )));
        }
        Ok(())
    }
}

fn default_working_dir(env: &impl Env) -> PathBuf {
    match env.var("HOME") {
        Some(home) if !home.is_empty() => PathBuf::from(home).join(".blockstack-server"),
        _ => PathBuf::from(".blockstack-server"),
    }
}

/// Per-network defaults that are not consensus parameters.
struct NetworkDefaults {
    bitcoind_server: &'static str,
    bitcoind_port: u16,
    bitcoind_p2p_port: u16,
    backup_frequency: u64,
    backup_max_age: u64,
    /// Seeds on mainnet only: nobody runs public testnet/regtest seeds.
    public_seeds: bool,
    atlas_hostname: Option<&'static str>,
}

impl NetworkDefaults {
    fn of(network: Network) -> Self {
        match network {
            Network::Mainnet => NetworkDefaults {
                bitcoind_server: "bitcoin.blockstack.com",
                bitcoind_port: 8332,
                bitcoind_p2p_port: 8333,
                backup_frequency: 144,
                backup_max_age: 1008,
                public_seeds: true,
                atlas_hostname: None,
            },
            Network::Testnet => NetworkDefaults {
                bitcoind_server: "localhost",
                bitcoind_port: 18332,
                bitcoind_p2p_port: 18333,
                backup_frequency: 144,
                backup_max_age: 1008,
                public_seeds: false,
                atlas_hostname: None,
            },
            // `cli-wallet.md` §d.3: the values of the original's test framework.
            Network::Regtest => NetworkDefaults {
                bitcoind_server: "localhost",
                bitcoind_port: 18332,
                bitcoind_p2p_port: 18444,
                backup_frequency: 1,
                backup_max_age: 30,
                public_seeds: false,
                atlas_hostname: Some("localhost"),
            },
        }
    }

    /// `node.blockstack.org:<RPC_SERVER_PORT>`: the public node's port, not ours.
    fn atlas_seeds(&self, port: u16) -> Vec<HostPort> {
        if self.public_seeds {
            vec![HostPort {
                host: "node.blockstack.org".to_owned(),
                port,
            }]
        } else {
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests;
