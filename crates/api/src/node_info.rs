//! What the daemon tells the APIs about the node beyond the name database: the chain tip it
//! has seen, whether it is indexing, when it last finished indexing, and the Atlas inventory.

use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use blockstack_atlas::Atlas;

/// The original's `RPC_MAX_INDEXING_DELAY`: a node that has not finished an indexing pass for
/// this many seconds is stale.
pub const MAX_INDEXING_DELAY_SECS: f64 = 7200.0;

/// How long the original's `getinfo` serves bitcoind's answer from its cache (seconds).
pub const BITCOIND_INFO_MAX_AGE_SECS: f64 = 600.0;

/// A point-in-time view of the node's state.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeStatus {
    /// Height of the best block bitcoind reports (`getinfo().blocks`).
    pub last_block_seen: u64,
    /// Whether an indexing pass is running (the original's indexing lock file).
    pub indexing: bool,
    /// Unix time (seconds) the last indexing pass finished, or the server started.
    pub last_indexing_time: f64,
    /// Zone files in the Atlas inventory plus one, when Atlas is enabled.
    pub zonefile_count: Option<u64>,
    /// Unix time (seconds) bitcoind last answered the node (its last indexing pass); `None`
    /// where the server cannot tell (a REST server beside a core it does not run).
    pub bitcoind_answered_at: Option<f64>,
}

impl NodeStatus {
    /// A node that has seen no block yet and is not indexing, as of now: how a server starts
    /// before its indexer (or a remote core) reports.
    pub fn starting() -> Self {
        Self {
            last_block_seen: 0,
            indexing: false,
            last_indexing_time: unix_now(),
            zonefile_count: None,
            bitcoind_answered_at: None,
        }
    }

    /// Whether bitcoind has not answered for longer than [`BITCOIND_INFO_MAX_AGE_SECS`] at
    /// unix time `now`: the original's `getinfo` then has no cached bitcoind information left
    /// and fails. A running indexing pass is talking to bitcoind, however long it takes.
    pub fn bitcoind_lost_at(&self, now: f64) -> bool {
        !self.indexing
            && self
                .bitcoind_answered_at
                .is_some_and(|t| t + BITCOIND_INFO_MAX_AGE_SECS < now)
    }

    /// Whether the node is stale at unix time `now`: `last_indexing_time +
    /// MAX_INDEXING_DELAY_SECS < now`.
    pub fn is_stale_at(&self, now: f64) -> bool {
        self.last_indexing_time + MAX_INDEXING_DELAY_SECS < now
    }

    /// Whether the node is stale now.
    pub fn is_stale(&self) -> bool {
        self.is_stale_at(unix_now())
    }
}

/// The current unix time in seconds, as a float like Python's `time.time()`.
pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Supplies [`NodeStatus`]; the daemon implements it over its chain client and indexer.
pub trait NodeInfo: Send + Sync {
    /// The node's state now.
    fn status(&self) -> NodeStatus;

    /// The node's Atlas peer, for the operator view of `/v1/info`; `None` without Atlas.
    fn atlas(&self) -> Option<Arc<Atlas>> {
        None
    }
}

/// A [`NodeInfo`] holding a status the daemon updates (after each indexing pass, on each new
/// tip seen).
#[derive(Debug)]
pub struct SharedNodeInfo {
    status: RwLock<NodeStatus>,
    atlas: RwLock<Option<Arc<Atlas>>>,
}

impl SharedNodeInfo {
    /// Starts with `status`.
    pub fn new(status: NodeStatus) -> Self {
        Self {
            status: RwLock::new(status),
            atlas: RwLock::new(None),
        }
    }

    /// Makes `atlas` the node whose peers and inventory the operator view shows.
    pub fn set_atlas(&self, atlas: Arc<Atlas>) {
        match self.atlas.write() {
            Ok(mut a) => *a = Some(atlas),
            Err(poisoned) => *poisoned.into_inner() = Some(atlas),
        }
    }

    /// Replaces the status.
    pub fn set(&self, status: NodeStatus) {
        match self.status.write() {
            Ok(mut s) => *s = status,
            Err(poisoned) => *poisoned.into_inner() = status,
        }
    }

    /// Changes the status in place.
    pub fn update(&self, f: impl FnOnce(&mut NodeStatus)) {
        match self.status.write() {
            Ok(mut s) => f(&mut s),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }
}

impl NodeInfo for SharedNodeInfo {
    fn status(&self) -> NodeStatus {
        match self.status.read() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn atlas(&self) -> Option<Arc<Atlas>> {
        match self.atlas.read() {
            Ok(a) => a.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_starting_node_is_fresh_and_has_seen_nothing() {
        let status = NodeStatus::starting();
        assert_eq!(status.last_block_seen, 0);
        assert!(!status.indexing);
        assert_eq!(status.zonefile_count, None);
        assert!(!status.is_stale());
        assert!(status.is_stale_at(status.last_indexing_time + MAX_INDEXING_DELAY_SECS + 1.0));
        assert!(!status.bitcoind_lost_at(f64::MAX), "unknown is never lost");
    }

    #[test]
    fn bitcoind_is_lost_once_its_answer_is_older_than_the_cache() {
        let status = NodeStatus {
            bitcoind_answered_at: Some(1000.0),
            ..NodeStatus::starting()
        };
        assert!(!status.bitcoind_lost_at(1000.0 + BITCOIND_INFO_MAX_AGE_SECS));
        assert!(status.bitcoind_lost_at(1000.0 + BITCOIND_INFO_MAX_AGE_SECS + 1.0));
        let indexing = NodeStatus {
            indexing: true,
            ..status
        };
        assert!(!indexing.bitcoind_lost_at(1000.0 + BITCOIND_INFO_MAX_AGE_SECS + 1.0));
    }
}
