//! The running node: the indexer loop on its own thread, the servers, and shutdown on a signal.

pub mod devnet;
pub mod logging;
pub mod pidfile;
pub mod progress;
pub mod rules;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use blockstack_api::node_info::unix_now;
use blockstack_api::SharedNodeInfo;
use blockstack_atlas::chain::rows_from_ops;
use blockstack_atlas::peers::ChainView;
use blockstack_atlas::{Atlas, ChainStatus};
use blockstack_consensus::{AddressNetwork, Rules};
use blockstack_indexer::{Indexer, IndexerConfig, IndexerError};
use blockstack_namedb::NameDb;
use blockstack_node::chain::{BitcoindClient, BitcoindConfig};
use blockstack_subdomains::{
    IndexerConfig as SubdomainConfig, SubdomainIndexer, SubdomainWorker, MAINNET_FIRST_BLOCK,
};
use tokio::sync::watch;

/// How many consensus hashes before the node's start Atlas compares with peers.
const CONSENSUS_WINDOW: u64 = 24;

/// The consensus hashes Atlas accepts from a peer at or behind our tip: as in v0.18, those of
/// the [`CONSENSUS_WINDOW`] blocks before the node started and of every block since, never
/// pruned, so a peer catching up is not taken for one on another fork.
#[derive(Debug, Default)]
struct KnownConsensus {
    ordered: Vec<String>,
    set: HashSet<String>,
}

impl KnownConsensus {
    fn add(&mut self, hash: String) {
        if self.set.insert(hash.clone()) {
            self.ordered.push(hash);
        }
    }
}

/// The name database's file inside the working directory (the original's name).
pub const DB_FILE: &str = "blockstack-server.db";

/// The name database of a working directory.
pub fn db_path(working_dir: &Path) -> PathBuf {
    working_dir.join(DB_FILE)
}

/// The subdomain database of a working directory (`subdomains.db`, the original's name).
pub fn subdomains_db_path(working_dir: &Path) -> PathBuf {
    blockstack_subdomains::db_path(working_dir)
}

/// Starts the subdomain indexer over `atlas`: woken after each block and whenever Atlas
/// stores a zone file. Rows before block 478 872 are skipped on mainnet, as v0.18 does.
fn start_subdomains(
    working_dir: &Path,
    rules: &Rules,
    atlas: &Arc<Atlas>,
) -> anyhow::Result<SubdomainWorker> {
    let path = subdomains_db_path(working_dir);
    let first_block = if rules.network == AddressNetwork::Mainnet && !rules.test_mode {
        MAINNET_FIRST_BLOCK
    } else {
        rules.first_block
    };
    let config = SubdomainConfig {
        first_block,
        ..SubdomainConfig::default()
    };
    let indexer = SubdomainIndexer::open(&path, config)
        .with_context(|| format!("opening the subdomain database {}", path.display()))?;
    let worker = SubdomainWorker::spawn(indexer, Arc::clone(atlas))
        .context("starting the subdomain indexer")?;
    let notifier = worker.notifier();
    atlas.set_on_stored(Box::new(move |hash, _block| notifier.stored(hash)));
    Ok(worker)
}

/// What the indexer loop needs.
#[derive(Clone, Debug)]
pub struct IndexerSettings {
    /// Where the database lives.
    pub working_dir: PathBuf,
    /// Consensus rules.
    pub rules: Rules,
    /// Confirmations before a block is indexed.
    pub confirmations: u64,
    /// How to reach bitcoind (or the devnet chain).
    pub bitcoind: BitcoindConfig,
    /// Wait between polls of the chain once caught up.
    pub poll_interval: Duration,
    /// Show a progress bar on a terminal.
    pub interactive: bool,
    /// Where the APIs learn the chain tip and indexing state.
    pub status: Arc<SharedNodeInfo>,
    /// The Atlas node, told about each block's zonefile hashes.
    pub atlas: Option<Arc<Atlas>>,
}

/// Tells Atlas about the zonefile hashes of blocks `from..=to` and the chain's state.
fn feed_atlas(
    atlas: &Atlas,
    db: &NameDb,
    rules: &Rules,
    (from, to): (u64, u64),
    known: &mut KnownConsensus,
    indexing: bool,
) -> anyhow::Result<()> {
    let snapshot = db.snapshot(rules)?;
    for height in from..=to {
        let ops = snapshot.nameops_at(height, 0, u64::MAX)?;
        let rows = rows_from_ops(height, &ops);
        if let Err(e) = atlas.add_block(height, rows) {
            // After a reorg the rows of dropped blocks stay; a row below them is refused.
            tracing::warn!(height, error = %e, "atlas did not take this block's zonefile hashes");
        }
    }
    let first = if known.ordered.is_empty() {
        to.saturating_sub(CONSENSUS_WINDOW)
    } else {
        from
    };
    for height in first..=to {
        if let Some(hash) = snapshot.consensus_hash_at(height)? {
            known.add(hash);
        }
    }
    atlas.set_chain_status(ChainStatus {
        view: ChainView {
            last_block: (to > 0).then_some(to),
            recent_consensus: known.ordered.clone(),
        },
        indexing,
    });
    Ok(())
}

/// Runs the indexer until `shutdown` turns true, on a thread of its own (SQLite and the
/// processor are blocking work).
pub fn spawn_indexer(
    settings: IndexerSettings,
    shutdown: watch::Receiver<bool>,
) -> std::thread::JoinHandle<anyhow::Result<()>> {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the indexer runtime")?;
        runtime.block_on(index_until_shutdown(settings, shutdown))
    })
}

async fn index_until_shutdown(
    settings: IndexerSettings,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let path = db_path(&settings.working_dir);
    let db = NameDb::open(&path)
        .with_context(|| format!("opening the name database {}", path.display()))?;
    let client = BitcoindClient::new(settings.bitcoind.clone())
        .context("configuring the bitcoind client")?;
    let config = IndexerConfig {
        rules: settings.rules.clone(),
        confirmations: settings.confirmations,
        prefetch: 16,
    };
    let mut indexer = Indexer::new(Arc::new(client), db, config);
    let subdomains = match &settings.atlas {
        Some(atlas) => {
            settings.status.set_atlas(Arc::clone(atlas));
            Some(start_subdomains(
                &settings.working_dir,
                &settings.rules,
                atlas,
            )?)
        }
        None => None,
    };
    let mut reporter = progress::Reporter::new(settings.interactive);
    let mut known_consensus = KnownConsensus::default();
    // Atlas skips rows it already has, so resuming from its last block with rows is safe.
    let mut fed = settings
        .atlas
        .as_ref()
        .and_then(|a| a.inventory().last_block())
        .unwrap_or(settings.rules.first_block.saturating_sub(1));
    while !*shutdown.borrow() {
        settings.status.update(|s| s.indexing = true);
        let result = indexer.sync(&shutdown, |p| reporter.update(p)).await;
        settings.status.update(|s| {
            s.indexing = false;
            if let Ok(report) = &result {
                s.last_block_seen = report.seen;
                s.last_indexing_time = unix_now();
                s.bitcoind_answered_at = Some(s.last_indexing_time);
            }
        });
        if let (Some(atlas), Ok(report)) = (&settings.atlas, &result) {
            if let Some((tip, _)) = report.tip {
                let from = if report.rolled_back > 0 {
                    tip.saturating_sub(report.blocks) + 1
                } else {
                    fed + 1
                };
                if let Err(e) = feed_atlas(
                    atlas,
                    indexer.store(),
                    &settings.rules,
                    (from.min(tip + 1), tip),
                    &mut known_consensus,
                    false,
                ) {
                    tracing::warn!(error = %e, "updating atlas");
                }
                fed = tip;
                let rows = atlas.wire_zonefile_count();
                settings.status.update(|s| s.zonefile_count = Some(rows));
                if let Some(worker) = &subdomains {
                    worker.notifier().blocks();
                }
            }
        }
        match result {
            Ok(report) => {
                reporter.finish();
                if report.blocks > 0 || report.rolled_back > 0 {
                    tracing::info!(
                        blocks = report.blocks,
                        accepted_ops = report.accepted_ops,
                        rolled_back = report.rolled_back,
                        tip = report.tip.map(|t| t.0),
                        "indexed"
                    );
                }
            }
            Err(IndexerError::Chain(e)) if e.is_transient() => {
                reporter.finish();
                tracing::warn!(error = %e, "bitcoind unavailable; retrying");
            }
            Err(e) => {
                reporter.finish();
                return Err(e).context("indexing stopped");
            }
        }
        tokio::select! {
            () = tokio::time::sleep(settings.poll_interval) => {}
            _ = shutdown.changed() => {}
        }
    }
    if let Some(worker) = subdomains {
        worker.stop();
    }
    tracing::info!("indexer stopped");
    Ok(())
}

/// Resolves when the process receives SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use blockstack_consensus::{AddressNetwork, BlockOutcome};

    fn consensus_of(height: u64) -> String {
        format!("{height:032x}")
    }

    /// A peer that catches up from far behind is judged against every consensus hash since the
    /// window before the node started, not only the last 25.
    #[test]
    fn atlas_keeps_every_consensus_hash_since_the_window_before_start() {
        let dir = tempfile::tempdir().expect("dir");
        let rules = Rules::test(100, AddressNetwork::Testnet);
        let mut db = NameDb::open(dir.path().join(DB_FILE)).expect("db");
        let commit = |db: &mut NameDb, height: u64| {
            let outcome = BlockOutcome {
                height,
                consensus_hash: consensus_of(height),
                ops_hash: "00".repeat(32),
                ..BlockOutcome::default()
            };
            db.commit_block(&outcome, &format!("{height:064x}"))
                .expect("commit");
        };
        for height in 100..=160 {
            commit(&mut db, height);
        }
        let atlas = Atlas::open(blockstack_atlas::AtlasConfig::new(
            dir.path().join("atlas"),
            "localhost:16264",
        ))
        .expect("atlas");
        let mut known = KnownConsensus::default();
        feed_atlas(&atlas, &db, &rules, (100, 160), &mut known, false).expect("feed");
        let view = atlas.chain_status().view;
        assert_eq!(view.last_block, Some(160));
        assert!(view.recent_consensus.contains(&consensus_of(136)));
        assert!(!view.recent_consensus.contains(&consensus_of(135)));

        for height in 161..=200 {
            commit(&mut db, height);
        }
        feed_atlas(&atlas, &db, &rules, (161, 200), &mut known, false).expect("feed");
        let view = atlas.chain_status().view;
        assert_eq!(view.recent_consensus.len(), 200 - 136 + 1);
        for height in [136, 160, 176, 200] {
            assert!(
                view.recent_consensus.contains(&consensus_of(height)),
                "{height}"
            );
        }
    }
}
