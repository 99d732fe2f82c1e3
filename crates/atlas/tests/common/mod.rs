//! Shared fixtures: the real zone file corpus, a chain announcing it, and simulated nodes.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use blockstack_atlas::sim::{Endpoint, NodeEndpoint, SimNetwork};
use blockstack_atlas::{
    spawn_crawler, Atlas, AtlasConfig, CrawlerHandle, Timing, ZonefileRow, ZonefileStore,
};

/// The real BNS zone files: `(hash, bytes)`, in file order. The file alternates a hash line
/// with the zone file, its newlines written as `\n`.
pub fn corpus() -> Vec<(String, Vec<u8>)> {
    let data = include_str!("../../../zonefile/tests/data/name_zonefiles.txt");
    let lines: Vec<&str> = data.lines().collect();
    lines
        .chunks(2)
        .filter_map(|pair| match pair {
            [hash, text] => Some(((*hash).to_owned(), text.replace("\\n", "\n").into_bytes())),
            _ => None,
        })
        .collect()
}

/// A chain announcing `files`: twenty ops per block from block 1000, and every seventh hash
/// announced again by a renewal in a later block (renewals re-announce, atlas.md §4.1).
pub fn chain(files: &[(String, Vec<u8>)]) -> Vec<(u64, Vec<ZonefileRow>)> {
    let mut blocks: Vec<(u64, Vec<ZonefileRow>)> = Vec::new();
    for (i, (hash, _)) in files.iter().enumerate() {
        let height = 1000 + (i / 20) as u64;
        if blocks.last().map(|(h, _)| *h) != Some(height) {
            blocks.push((height, Vec::new()));
        }
        let rows = &mut blocks.last_mut().expect("block").1;
        rows.push(ZonefileRow {
            name: format!("name{i}.id"),
            zonefile_hash: hash.clone(),
            txid: format!("{:064x}", i * 2),
            block_height: height,
            vtxindex: (i % 20) as u32 * 2,
        });
        if i % 7 == 0 && i >= 20 {
            let (earlier, _) = &files[i - 20];
            rows.push(ZonefileRow {
                name: format!("name{}.id", i - 20),
                zonefile_hash: earlier.clone(),
                txid: format!("{:064x}", i * 2 + 1),
                block_height: height,
                vtxindex: (i % 20) as u32 * 2 + 1,
            });
        }
    }
    blocks
}

/// Test-mode configuration for a node at `hostport` under `dir`.
pub fn config(dir: &Path, hostport: &str, seeds: &[&str], seed: u64) -> AtlasConfig {
    let mut cfg = AtlasConfig::new(dir, hostport);
    cfg.timing = Timing::test_mode();
    cfg.peers.seeds = seeds.iter().map(|s| (*s).to_owned()).collect();
    cfg.rng_seed = Some(seed);
    // Throwaway nodes: the synced write path is covered by the store tests.
    cfg.sync_writes = false;
    cfg
}

/// Opens a node and indexes `chain` into it.
pub fn open_node(cfg: AtlasConfig, chain: &[(u64, Vec<ZonefileRow>)]) -> Arc<Atlas> {
    let atlas = Atlas::open(cfg).expect("open atlas");
    for (height, rows) in chain {
        atlas.add_block(*height, rows.clone()).expect("add block");
    }
    atlas
}

/// A node on the simulated network with its crawler running.
pub struct SimNode {
    pub hostport: String,
    pub dir: PathBuf,
    pub atlas: Arc<Atlas>,
    pub crawler: Option<CrawlerHandle>,
}

impl SimNode {
    /// Starts `atlas` on `net`.
    pub fn start(net: &Arc<SimNetwork>, atlas: Arc<Atlas>, dir: PathBuf) -> Self {
        let hostport = atlas.hostport().to_owned();
        net.attach(
            &hostport,
            Arc::new(NodeEndpoint::new(Arc::clone(&atlas))) as Arc<dyn Endpoint>,
        );
        let crawler = spawn_crawler(Arc::clone(&atlas), net.transport(&hostport));
        Self {
            hostport,
            dir,
            atlas,
            crawler: Some(crawler),
        }
    }

    /// Whether it holds every announced zone file.
    pub fn complete(&self) -> bool {
        let s = self.atlas.status();
        s.zonefiles_expected > 0 && s.zonefiles_held == s.zonefiles_expected
    }
}

/// Advances (paused) time a second at a time until `done` holds or `limit` passes; returns
/// the virtual time taken.
pub async fn run_until(limit: Duration, mut done: impl FnMut() -> bool) -> Option<Duration> {
    let start = tokio::time::Instant::now();
    while start.elapsed() < limit {
        if done() {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    done().then(|| start.elapsed())
}

/// Whether everything in `store` is a valid zone file: every row of its table hashes to its
/// key, and its directory holds nothing but the table's database (the store writes no files).
pub fn store_is_clean(store: &ZonefileStore) -> bool {
    let rows_ok = store
        .for_each_stored(|hash, bytes| {
            if blockstack_zonefile::zonefile_hash(bytes) == hash {
                Ok(())
            } else {
                Err(())
            }
        })
        .is_ok_and(|r| r.is_ok());
    let only_db = std::fs::read_dir(store.root()).is_ok_and(|entries| {
        entries.flatten().all(|e| {
            e.file_name()
                .to_str()
                .is_some_and(blockstack_atlas::store::is_database_file)
        })
    });
    rows_ok && only_db
}
