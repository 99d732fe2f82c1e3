//! `blockstack-core info`: the node's state, read from its database and bitcoind.

use std::time::Duration;

use blockstack_atlas::AtlasDb;
use blockstack_namedb::{NameDb, NameDbError};
use blockstack_node::chain::{BitcoindClient, BitcoindConfig, ChainSource, RetryPolicy};
use blockstack_node::settings::{ProcessEnv, Settings, SettingsLayer};
use blockstack_subdomains::{ReadOnlySubdomainDb, SubdomainError};
use serde_json::{json, Value};

use crate::core::Globals;
use crate::daemon::{db_path, pidfile, rules::rules_from, subdomains_db_path};
use crate::{DEFAULT_DEVNET_DIR, DEFAULT_WORKING_DIR};

/// Most zone files still missing that `info` lists (the count covers them all).
pub const MAX_MISSING_LISTED: usize = 20;

/// The operator view of Atlas from `atlas.db`: completeness, the first missing zone files
/// with the names that announced them, and the stored peers. `None` before Atlas has run.
fn atlas_view(path: &std::path::Path) -> anyhow::Result<Option<Value>> {
    let Some(db) = AtlasDb::open_read_only(path)? else {
        return Ok(None);
    };
    let summary = db.summary(MAX_MISSING_LISTED)?;
    let peers: Vec<Value> = db
        .load_peers()?
        .into_iter()
        .map(|p| json!({"hostport": p.hostport, "discovery_time": p.discovery_time}))
        .collect();
    let mut view = serde_json::to_value(summary)?;
    view["peers"] = Value::Array(peers);
    Ok(Some(view))
}

/// What the subdomain index holds. `None` before the indexer has created it.
fn subdomain_view(path: &std::path::Path) -> anyhow::Result<Option<Value>> {
    match ReadOnlySubdomainDb::open(path) {
        Ok(db) => Ok(Some(serde_json::to_value(db.lookup().stats()?)?)),
        Err(SubdomainError::Missing { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Print the node's state.
#[derive(Debug, clap::Args)]
pub struct Info {
    /// Use the devnet's default working directory.
    #[arg(long)]
    pub devnet: bool,
}

impl Info {
    /// Reads the databases (the node may be running or stopped) and asks bitcoind its height.
    /// `atlas` is the operator view of the zone file network: zone files held and expected,
    /// the first missing ones with their names, and the known peers.
    pub fn run(self, globals: &Globals) -> anyhow::Result<String> {
        let dir = globals.working_dir_or(if self.devnet {
            DEFAULT_DEVNET_DIR
        } else {
            DEFAULT_WORKING_DIR
        });
        let layer = SettingsLayer {
            working_dir: Some(dir.clone()),
            ..SettingsLayer::default()
        };
        let settings = Settings::load(layer, &ProcessEnv)?;
        // A devnet's rules are fixed by the devnet, not by the regtest profile of its ini file.
        let devnet = dir.join(crate::daemon::devnet::INFO_FILE).exists();
        let rules = if devnet {
            crate::daemon::devnet::rules()
        } else {
            rules_from(&settings.params)
        };
        let path = db_path(&dir);
        let db = match NameDb::open_read_only(&path) {
            Ok(db) => Some(db),
            // Not created yet: the node has not indexed anything.
            Err(NameDbError::Uninitialized { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        let (last_processed, consensus, last_hash) = if let Some(db) = db {
            let snapshot = db.snapshot(&rules)?;
            let last = snapshot.last_block();
            let (ch, hash) = match last {
                Some(h) => (snapshot.consensus_hash_at(h)?, snapshot.block_hash_at(h)?),
                None => (None, None),
            };
            (last, ch, hash)
        } else {
            (None, None, None)
        };
        let mut config = BitcoindConfig::from(&settings.bitcoind);
        config.retry = RetryPolicy::none();
        config.timeout = Duration::from_secs(5);
        let seen: Value = match BitcoindClient::new(config) {
            Ok(client) => {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                match runtime.block_on(client.block_count()) {
                    Ok(n) => json!(n),
                    Err(e) => {
                        tracing::debug!(error = %e, "bitcoind unavailable");
                        Value::Null
                    }
                }
            }
            Err(_) => Value::Null,
        };
        let running = pidfile::running(&dir)?;
        let atlas = atlas_view(&dir.join("atlas.db"))?;
        let subdomains = subdomain_view(&subdomains_db_path(&dir))?;
        Ok(serde_json::to_string_pretty(&json!({
            "network": if devnet { "devnet" } else { settings.network.as_str() },
            "working_dir": dir,
            "running": running.is_some(),
            "pid": running,
            "last_block_seen": seen,
            "last_block_processed": last_processed,
            "consensus_hash": consensus,
            "last_block_hash": last_hash,
            "first_block": rules.first_block,
            "atlas": atlas,
            "subdomains": subdomains,
        }))?)
    }
}
