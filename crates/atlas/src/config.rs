//! Configuration of an Atlas node (atlas.md §2: the `[blockstack]` options and the work
//! intervals, which v0.18's test mode shortens to 1 s).

use std::path::PathBuf;
use std::time::Duration;

use crate::limits::{PEER_CLEAN_INTERVAL, PEER_MAX_AGE, PEER_PING_INTERVAL};
use crate::peers::PeerConfig;

/// How often the crawler does each kind of work.
#[derive(Debug, Clone)]
pub struct Timing {
    /// Period of the crawler loop (v0.18's health checker runs every 1 s).
    pub tick: Duration,
    /// Peer discovery runs every this many seconds (v0.18: 300 s when idle).
    pub discovery_interval: u64,
    /// Zone file crawling runs every this many seconds when idle (v0.18: 300 s).
    pub crawl_interval: u64,
    /// A copy of a peer's inventory is fresh for this many seconds (`PEER_PING_INTERVAL`).
    pub inventory_freshness: u64,
    /// How often revalidation of old peers runs (`PEER_CLEAN_INTERVAL`).
    pub clean_interval: u64,
    /// Peers older than this are pinged on revalidation (`PEER_MAX_AGE`).
    pub max_peer_age: u64,
}

impl Timing {
    /// The production intervals.
    pub fn production() -> Self {
        Self {
            tick: Duration::from_secs(1),
            discovery_interval: 300,
            crawl_interval: 300,
            inventory_freshness: PEER_PING_INTERVAL,
            clean_interval: PEER_CLEAN_INTERVAL,
            max_peer_age: PEER_MAX_AGE,
        }
    }

    /// v0.18's test mode: every work interval 1 s.
    pub fn test_mode() -> Self {
        Self {
            tick: Duration::from_secs(1),
            discovery_interval: 1,
            crawl_interval: 1,
            inventory_freshness: 1,
            clean_interval: 1,
            max_peer_age: PEER_MAX_AGE,
        }
    }
}

impl Default for Timing {
    fn default() -> Self {
        Self::production()
    }
}

/// Where an Atlas node keeps its data and how it behaves.
#[derive(Debug, Clone)]
pub struct AtlasConfig {
    /// The zone file store (`zonefiles`, default `<working_dir>/zonefiles`).
    pub zonefiles_dir: PathBuf,
    /// `atlas.db` (`atlasdb_path`); `None` keeps it in memory.
    pub atlasdb_path: Option<PathBuf>,
    /// Our advertised `host:port` (`atlas_hostname`:`atlas_port`).
    pub hostport: String,
    /// Seeds, blacklist and table bounds.
    pub peers: PeerConfig,
    /// Work intervals.
    pub timing: Timing,
    /// Push newly stored zone files to neighbours that lack them. v0.18 never pushes
    /// (§12); a v0.18 peer accepts pushed chunks through `put_zonefiles` all the same.
    pub push: bool,
    /// Seed of the node's random choices (`None`: from the OS).
    pub rng_seed: Option<u64>,
    /// `fsync` zone files as they are written (see [`crate::ZonefileStore::with_sync`]);
    /// turn off only for throwaway nodes.
    pub sync_writes: bool,
}

impl AtlasConfig {
    /// A configuration with production timing for a node advertising `hostport` that keeps
    /// its data under `working_dir` (`zonefiles/` and `atlas.db`).
    pub fn new(working_dir: impl Into<PathBuf>, hostport: impl Into<String>) -> Self {
        let dir = working_dir.into();
        let hostport = hostport.into();
        Self {
            zonefiles_dir: dir.join("zonefiles"),
            atlasdb_path: Some(dir.join("atlas.db")),
            peers: PeerConfig {
                self_hostport: crate::peers::canonical_hostport(&hostport),
                ..PeerConfig::default()
            },
            hostport,
            timing: Timing::production(),
            push: true,
            rng_seed: None,
            sync_writes: true,
        }
    }
}
