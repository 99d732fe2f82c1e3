//! `blockstack-core snapshot …`: make, co-sign and inspect fast-sync snapshots
//! (v0.18 `fast_sync_snapshot`, `fast_sync_sign`).

use std::path::{Path, PathBuf};

use anyhow::Context;
use blockstack_node::settings::{ProcessEnv, Settings, SettingsLayer};
use blockstack_snapshot::{
    cosign, create, inspect, parse_public_key, Compression, CreateOptions, SigningKey, StatePaths,
    TrustPolicy,
};
use serde_json::json;

use crate::core::Globals;
use crate::daemon::{db_path, devnet};
use crate::{DEFAULT_DEVNET_DIR, DEFAULT_WORKING_DIR};

/// Make, co-sign and inspect fast-sync snapshots.
#[derive(Debug, clap::Args)]
pub struct Snapshot {
    /// What to do.
    #[command(subcommand)]
    pub action: SnapshotAction,
}

/// The `snapshot` sub-commands.
#[derive(Debug, clap::Subcommand)]
pub enum SnapshotAction {
    /// Write a signed snapshot of the working directory's state; the node may keep running.
    Create(Create),
    /// Add a signature to an existing snapshot.
    Sign(Sign),
    /// Print a snapshot's size, digest, signatures and which trusted keys signed it.
    Inspect(Inspect),
}

/// `snapshot create`.
#[derive(Debug, clap::Args)]
pub struct Create {
    /// The snapshot file to write (it must not exist).
    pub out: PathBuf,
    /// The signing key: 64 hex digits, 66 ending in `01`, or WIF.
    #[arg(long, env = "BLOCKSTACK_SNAPSHOT_PRIVATE_KEY", hide_env_values = true)]
    pub private_key: String,
    /// Snapshot this block instead of the last indexed one (it must still have undo data).
    #[arg(long, value_name = "N")]
    pub block: Option<u64>,
    /// The payload's compression: `zstd`, or `bzip2` as the original wrote (much slower).
    #[arg(long, default_value = "zstd")]
    pub compression: Compression,
    /// Use the devnet's default working directory.
    #[arg(long)]
    pub devnet: bool,
}

/// `snapshot sign`.
#[derive(Debug, clap::Args)]
pub struct Sign {
    /// The snapshot file.
    pub path: PathBuf,
    /// The signing key: 64 hex digits, 66 ending in `01`, or WIF.
    #[arg(long, env = "BLOCKSTACK_SNAPSHOT_PRIVATE_KEY", hide_env_values = true)]
    pub private_key: String,
}

/// `snapshot inspect`.
#[derive(Debug, clap::Args)]
pub struct Inspect {
    /// The snapshot file.
    pub path: PathBuf,
    /// Trusted public keys to report on (default: `[blockstack] fast_sync_public_keys`).
    #[arg(long = "public-key", value_name = "KEY")]
    pub public_keys: Vec<String>,
}

/// The node's settings for working directory `dir`.
pub(crate) fn settings_for(dir: &Path) -> anyhow::Result<Settings> {
    let layer = SettingsLayer {
        working_dir: Some(dir.to_path_buf()),
        ..SettingsLayer::default()
    };
    Settings::load(layer, &ProcessEnv).context("loading the configuration")
}

/// Where the node running in `dir` keeps its state, as `start` lays it out.
pub(crate) fn state_paths(dir: &Path, settings: &Settings) -> StatePaths {
    let mut paths = StatePaths::in_working_dir(dir);
    paths.name_db = db_path(dir);
    paths.subdomains_db = settings.blockstack.subdomaindb_path.clone();
    // A devnet keeps its zone files in the working directory whatever its ini says.
    if !dir.join(devnet::INFO_FILE).exists() {
        paths.zonefiles = settings.blockstack.zonefiles.clone();
    }
    paths
}

/// The trust policy of the command line's keys, else the configuration's.
pub(crate) fn trust_policy(
    cli_keys: &[String],
    settings: &Settings,
    required: Option<usize>,
) -> anyhow::Result<TrustPolicy> {
    let given = if cli_keys.is_empty() {
        &settings.blockstack.fast_sync_public_keys
    } else {
        cli_keys
    };
    let keys = given
        .iter()
        .flat_map(|k| k.split(','))
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(parse_public_key)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TrustPolicy::new(keys, required)?)
}

impl Snapshot {
    /// Runs the sub-command.
    pub fn run(self, globals: &Globals) -> anyhow::Result<String> {
        match self.action {
            SnapshotAction::Create(c) => c.run(globals),
            SnapshotAction::Sign(s) => s.run(),
            SnapshotAction::Inspect(i) => i.run(globals),
        }
    }
}

impl Create {
    fn run(self, globals: &Globals) -> anyhow::Result<String> {
        let dir = globals.working_dir_or(if self.devnet {
            DEFAULT_DEVNET_DIR
        } else {
            DEFAULT_WORKING_DIR
        });
        let key: SigningKey = self.private_key.parse()?;
        let settings = settings_for(&dir)?;
        let paths = state_paths(&dir, &settings);
        let options = CreateOptions {
            block: self.block,
            compression: self.compression,
            ..CreateOptions::default()
        };
        let report = create(&paths, &self.out, &key, &options)
            .with_context(|| format!("creating the snapshot {}", self.out.display()))?;
        let mut out = serde_json::to_value(&report)?;
        out["status"] = json!(true);
        Ok(serde_json::to_string_pretty(&out)?)
    }
}

impl Sign {
    fn run(self) -> anyhow::Result<String> {
        let key: SigningKey = self.private_key.parse()?;
        let after =
            cosign(&self.path, &key).with_context(|| format!("signing {}", self.path.display()))?;
        Ok(serde_json::to_string_pretty(&json!({
            "status": true,
            "path": self.path,
            "public_key": key.public_key().to_string(),
            "signatures": after.signatures.len(),
            "sha256": after.sha256,
        }))?)
    }
}

impl Inspect {
    fn run(self, globals: &Globals) -> anyhow::Result<String> {
        let dir = globals.working_dir_or(DEFAULT_WORKING_DIR);
        let settings = settings_for(&dir)?;
        let policy = trust_policy(&self.public_keys, &settings, Some(1))?;
        let inspection =
            inspect(&self.path).with_context(|| format!("reading {}", self.path.display()))?;
        let signed_by: Vec<String> = policy
            .signers(inspection.digest(), &inspection.signatures)
            .iter()
            .map(ToString::to_string)
            .collect();
        let mut out = serde_json::to_value(&inspection)?;
        out["signed_by_trusted_keys"] = json!(signed_by);
        out["status"] = json!(true);
        Ok(serde_json::to_string_pretty(&out)?)
    }
}
