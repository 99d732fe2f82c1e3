//! The shared state of one Atlas node: the store, `atlas.db`, the inventory and the peer
//! table, behind one lock. The indexer, the RPC handlers and the crawler all go through
//! [`Atlas`].

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use rand::rngs::StdRng;
use rand::SeedableRng;

use crate::config::AtlasConfig;
use crate::db::{AtlasDb, PeerRow};
use crate::error::{AtlasError, DbError, StoreError};
use crate::inventory::{Inventory, ZonefileRow};
use crate::peers::{ChainView, PeerTable};
use crate::status::{AtlasStatus, Overview, PeerStatus};
use crate::store::ZonefileStore;

/// Called with `(hash, lowest block height announcing it)` whenever a chunk becomes present,
/// like v0.18's `store_zonefile` callback that feeds the subdomain indexer (§10).
pub type StoredCallback = Box<dyn Fn(&str, u64) + Send + Sync>;

/// What storing a chunk did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// Its hash.
    pub hash: String,
    /// Whether it was absent before.
    pub new: bool,
}

/// What [`Atlas::accept_batch`] did with each chunk, in input order.
pub type Accepted = Vec<Result<Stored, AtlasError>>;

/// The node's chain status, for the reply envelope and peer admission.
#[derive(Debug, Clone, Default)]
pub struct ChainStatus {
    /// Last block processed and recent consensus hashes.
    pub view: ChainView,
    /// Whether an indexing pass is running (the envelope's `indexing`).
    pub indexing: bool,
}

pub(crate) struct State {
    pub(crate) db: AtlasDb,
    pub(crate) inv: Inventory,
    pub(crate) peers: PeerTable,
    pub(crate) rng: StdRng,
    pub(crate) push_queue: VecDeque<String>,
    pub(crate) chain: ChainStatus,
}

/// One Atlas node.
pub struct Atlas {
    pub(crate) cfg: AtlasConfig,
    store: ZonefileStore,
    state: Mutex<State>,
    on_stored: Mutex<Option<StoredCallback>>,
    start: tokio::time::Instant,
    start_unix: u64,
}

impl std::fmt::Debug for Atlas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Atlas")
            .field("hostport", &self.cfg.hostport)
            .finish_non_exhaustive()
    }
}

impl Atlas {
    /// Opens the node's store and `atlas.db`, loads the inventory and the peer table (adding
    /// the seeds), and marks present every absent row whose chunk is on disk (a write that
    /// completed just before a crash, or a chunk placed in the store by hand).
    pub fn open(mut cfg: AtlasConfig) -> Result<Arc<Self>, AtlasError> {
        if cfg.peers.self_hostport.is_none() {
            cfg.peers.self_hostport = crate::peers::canonical_hostport(&cfg.hostport);
        }
        let store = ZonefileStore::open(&cfg.zonefiles_dir)?.with_sync(cfg.sync_writes);
        let db = match &cfg.atlasdb_path {
            Some(path) => AtlasDb::open(path)?,
            None => AtlasDb::open_in_memory()?,
        };
        let mut inv = db.load_inventory()?;
        let absent: HashSet<String> = inv
            .rows()
            .iter()
            .enumerate()
            .filter(|(i, _)| !inv.is_present(*i as u64))
            .map(|(_, r)| r.zonefile_hash.clone())
            .collect();
        for hash in absent {
            if store.has(&hash)? {
                db.set_present(&hash, true)?;
                inv.set_present(&hash, true);
            }
        }
        let mut rng = match cfg.rng_seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_entropy(),
        };
        let start_unix = unix_now();
        let mut peers = PeerTable::new(cfg.peers.clone());
        for row in peers.load(db.load_peers()?, start_unix, &mut rng) {
            db.upsert_peer(&row)?;
        }
        Ok(Arc::new(Self {
            cfg,
            store,
            state: Mutex::new(State {
                db,
                inv,
                peers,
                rng,
                push_queue: VecDeque::new(),
                chain: ChainStatus::default(),
            }),
            on_stored: Mutex::new(None),
            start: tokio::time::Instant::now(),
            start_unix,
        }))
    }

    /// Sets the callback fired when a chunk becomes present.
    pub fn set_on_stored(&self, callback: StoredCallback) {
        *self.on_stored.lock().unwrap_or_else(|e| e.into_inner()) = Some(callback);
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The zone file store.
    pub fn store(&self) -> &ZonefileStore {
        &self.store
    }

    /// The configuration.
    pub fn config(&self) -> &AtlasConfig {
        &self.cfg
    }

    /// Our advertised `host:port`.
    pub fn hostport(&self) -> &str {
        &self.cfg.hostport
    }

    /// Seconds on the node's clock: wall-clock time at start plus `tokio::time` elapsed
    /// since, so that paused-time tests control it.
    pub fn now(&self) -> u64 {
        self.start_unix + self.start.elapsed().as_secs()
    }

    /// Records the chain status after an indexing pass.
    pub fn set_chain_status(&self, status: ChainStatus) {
        self.lock().chain = status;
    }

    /// The chain status.
    pub fn chain_status(&self) -> ChainStatus {
        self.lock().chain.clone()
    }

    /// Adds the zone file rows announced at block `height`, called once per indexed block
    /// after the name database commit (`atlasdb_sync_zonefiles` from `db_save`, §4.3).
    ///
    /// `rows` are the accepted ops of that block that carry a value hash
    /// ([`crate::chain::rows_from_ops`]), all filed under `height`; they are ordered by
    /// `vtxindex` here. Rows whose txid
    /// is known are skipped, so re-indexing a block is harmless. A new row from a block
    /// before the last one with rows is refused: it would renumber everything after it.
    /// Returns the indexes of the rows added.
    pub fn add_block(
        &self,
        height: u64,
        mut rows: Vec<ZonefileRow>,
    ) -> Result<Vec<u64>, AtlasError> {
        for r in &mut rows {
            r.block_height = height;
        }
        // Stable: ops sharing a vtxindex keep the order they were given in.
        rows.sort_by_key(|r| r.vtxindex);
        let mut guard = self.lock();
        let st = &mut *guard;
        let new: Vec<ZonefileRow> = {
            let mut seen = HashSet::new();
            rows.into_iter()
                .filter(|r| !st.inv.contains_txid(&r.txid))
                .filter(|r| seen.insert(r.txid.clone()))
                .collect()
        };
        if new.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(last) = st.inv.last_block() {
            if height < last {
                return Err(DbError::OutOfOrder {
                    block: height,
                    last,
                }
                .into());
            }
        }
        let mut with_presence = Vec::with_capacity(new.len());
        for row in new {
            let present =
                st.inv.has_hash(&row.zonefile_hash) || self.store.has(&row.zonefile_hash)?;
            with_presence.push((row, present));
        }
        st.db.insert_rows(&with_presence)?;
        let mut added = Vec::new();
        let mut newly_present = Vec::new();
        for (row, present) in with_presence {
            let hash = row.zonefile_hash.clone();
            let was = st.inv.has_hash(&hash);
            if let Some(i) = st.inv.push(row, present) {
                added.push(i);
            }
            if present && !was {
                // Rows sharing a hash share a bit value.
                st.inv.set_present(&hash, true);
                newly_present.push(hash);
            }
        }
        let inv_snapshot: Vec<(String, u64)> = newly_present
            .iter()
            .filter_map(|h| st.inv.min_block_of(h).map(|b| (h.clone(), b)))
            .collect();
        drop(guard);
        for (hash, block) in inv_snapshot {
            self.fire_stored(&hash, block);
        }
        Ok(added)
    }

    /// Stores a chunk offered without a hash (`put_zonefiles`, §11.3): refused if larger than
    /// 40 960 bytes or if no row announces its hash.
    pub fn put_zonefile(&self, bytes: &[u8]) -> Result<Stored, AtlasError> {
        let hash = blockstack_zonefile::zonefile_hash(bytes);
        self.accept(&hash, bytes)
    }

    /// Stores a chunk returned under `hash` by a peer: refused if it is oversized, does not
    /// hash to `hash`, or `hash` is not announced.
    pub fn accept(&self, hash: &str, bytes: &[u8]) -> Result<Stored, AtlasError> {
        let expected = self.lock().inv.is_expected(hash);
        self.store.put_as(hash, bytes, |_| expected)?;
        let (new, min_block) = {
            let mut st = self.lock();
            let new = !st.inv.has_hash(hash);
            if new {
                st.db.set_present(hash, true)?;
                st.inv.set_present(hash, true);
                if self.cfg.push {
                    st.push_queue.push_back(hash.to_owned());
                }
            }
            (new, st.inv.min_block_of(hash))
        };
        if new {
            if let Some(block) = min_block {
                self.fire_stored(hash, block);
            }
        }
        Ok(Stored {
            hash: hash.to_owned(),
            new,
        })
    }

    /// Stores a batch of chunks returned by a peer, each under the hash it was asked for, as
    /// [`Atlas::accept`] does one by one, but with one store transaction for the batch's
    /// chunks and one `atlas.db` transaction for their presence flags (in that order: a
    /// chunk is marked present only once it is stored, and a crash between the two is
    /// repaired when the node opens). Results are in input order; the outer error is a
    /// failure of either transaction.
    pub fn accept_batch(&self, chunks: &[(String, Vec<u8>)]) -> Result<Accepted, AtlasError> {
        let expected: HashSet<&str> = {
            let st = self.lock();
            chunks
                .iter()
                .map(|(h, _)| h.as_str())
                .filter(|h| st.inv.is_expected(h))
                .collect()
        };
        let verdicts = self.store.put_batch(chunks, |h| expected.contains(h))?;
        let mut results: Accepted = chunks
            .iter()
            .zip(verdicts)
            .map(|((hash, _), verdict)| {
                verdict
                    .map(|()| Stored {
                        hash: hash.clone(),
                        new: false,
                    })
                    .map_err(AtlasError::from)
            })
            .collect();
        let mut fired = Vec::new();
        {
            let mut guard = self.lock();
            let st = &mut *guard;
            let mut new: Vec<String> = Vec::new();
            let mut seen: HashSet<&str> = HashSet::new();
            for stored in results.iter_mut().flatten() {
                if !st.inv.has_hash(&stored.hash) && seen.insert(stored.hash.as_str()) {
                    new.push(stored.hash.clone());
                    stored.new = true;
                }
            }
            // On failure nothing is marked: the chunks are on disk, and the next open or
            // crawl finds them there.
            st.db.set_present_many(&new)?;
            for hash in &new {
                st.inv.set_present(hash, true);
                if self.cfg.push {
                    st.push_queue.push_back(hash.clone());
                }
                if let Some(block) = st.inv.min_block_of(hash) {
                    fired.push((hash.clone(), block));
                }
            }
        }
        for (hash, block) in fired {
            self.fire_stored(&hash, block);
        }
        Ok(results)
    }

    fn fire_stored(&self, hash: &str, block: u64) {
        if let Some(cb) = self
            .on_stored
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            cb(hash, block);
        }
    }

    /// The chunk with `hash`, if held (any valid file in the store, §11.2).
    pub fn get_zonefile(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.store.get(hash)
    }

    /// [`Atlas::get_zonefile`] for each of `hashes`, in input order, with one read of the
    /// store.
    pub fn get_zonefiles(&self, hashes: &[&str]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        self.store.get_many(hashes)
    }

    /// Whether some row announces `hash`.
    pub fn is_expected(&self, hash: &str) -> bool {
        self.lock().inv.is_expected(hash)
    }

    /// Whether we hold the announced chunk `hash`.
    pub fn has_zonefile(&self, hash: &str) -> bool {
        self.lock().inv.has_hash(hash)
    }

    /// Our inventory vector.
    pub fn inventory_vector(&self) -> Vec<u8> {
        self.lock().inv.vector().to_vec()
    }

    /// A copy of the inventory.
    pub fn inventory(&self) -> Inventory {
        self.lock().inv.clone()
    }

    /// `zonefile_count` for `getinfo` (rows + 1, §5).
    pub fn wire_zonefile_count(&self) -> u64 {
        self.lock().inv.wire_zonefile_count()
    }

    /// Up to `limit` rows from `inv_index` `start` on (1-based, the original's numbering),
    /// each as `(inv_index, row, present)`, in inventory order.
    pub fn rows_from(&self, start: u64, limit: usize) -> Vec<(u64, ZonefileRow, bool)> {
        let st = self.lock();
        let first = start.max(1) - 1;
        (first..st.inv.len())
            .take(limit)
            .filter_map(|i| {
                st.inv
                    .row(i)
                    .map(|row| (i + 1, row.clone(), st.inv.is_present(i)))
            })
            .collect()
    }

    /// Whether the rows with these `inv_index`es (1-based) are present; rows that do not
    /// exist are not.
    pub fn rows_present(&self, inv_indexes: &[u64]) -> Vec<bool> {
        let st = self.lock();
        inv_indexes
            .iter()
            .map(|&i| i >= 1 && i <= st.inv.len() && st.inv.is_present(i - 1))
            .collect()
    }

    /// Adds a peer (from configuration or an operator), as the seeds are added: no probe.
    pub fn add_peer(&self, hostport: &str) -> Result<bool, AtlasError> {
        let Some(hp) = crate::peers::canonical_hostport(hostport) else {
            return Ok(false);
        };
        let now = self.now();
        let mut st = self.lock();
        let st = &mut *st;
        match st.peers.offer(&hp, now, &mut st.rng) {
            crate::peers::Admission::Added(row) => {
                st.db.upsert_peer(&row)?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    pub(crate) fn persist_peer(st: &State, row: &PeerRow) {
        if let Err(e) = st.db.upsert_peer(row) {
            tracing::warn!(peer = %row.hostport, error = %e, "cannot store peer");
        }
    }

    pub(crate) fn forget_peer(st: &State, hostport: &str) {
        if let Err(e) = st.db.delete_peer(hostport) {
            tracing::warn!(peer = %hostport, error = %e, "cannot delete peer");
        }
    }

    /// The operator view.
    pub fn status(&self) -> AtlasStatus {
        let st = self.lock();
        let peers = peer_statuses(&st);
        AtlasStatus {
            peers,
            zonefiles_held: st.inv.distinct_present(),
            zonefiles_expected: st.inv.distinct_hashes(),
            missing: st
                .inv
                .missing_hashes()
                .into_iter()
                .map(|(name, hash)| (Some(name), hash))
                .collect(),
        }
    }

    /// The operator view: the peer table and inventory completeness, listing at most
    /// `max_missing` of the zone files still missing.
    pub fn overview(&self, max_missing: usize) -> Overview {
        let st = self.lock();
        let peers = peer_statuses(&st);
        Overview {
            peers,
            inventory: st.inv.summary(max_missing),
        }
    }

    /// The peers in the table.
    pub fn peer_hostports(&self) -> Vec<String> {
        self.lock().peers.hostports()
    }
}

/// The peer table as the operator sees it, sorted by `host:port`.
fn peer_statuses(st: &State) -> Vec<PeerStatus> {
    let mut peers: Vec<PeerStatus> = st
        .peers
        .entries()
        .map(|e| PeerStatus {
            hostport: e.hostport.clone(),
            health: e.health(),
            request_count: e.request_count(),
            attempts: e.attempts(),
            violations: e.violations(),
            seed: e.whitelisted,
            inventory_bits: (0..st.inv.len())
                .filter(|&i| crate::inventory::bit_is_set(e.inventory(), i))
                .count(),
        })
        .collect();
    peers.sort_by(|a, b| a.hostport.cmp(&b.hostport));
    peers
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
