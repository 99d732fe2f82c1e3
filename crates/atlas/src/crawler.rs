//! The crawler: one task per node doing the work of v0.18's `AtlasPeerCrawler`,
//! `AtlasHealthChecker` and `AtlasZonefileCrawler` (atlas.md §8–§10) in turn, plus the
//! push of new chunks to neighbours that v0.18 leaves disabled (§12).
//!
//! Each pass ([`Crawler::step`]):
//! 1. **discovery** — probe up to ten candidates with `getinfo` and admit those that pass
//!    [`check_peer_info`] (a slot collision pings the occupant first), then take one step of
//!    the random walk and add what it learns to the candidates;
//! 2. **inventory sync** — refresh every peer's inventory copy that is older than the
//!    freshness interval, paging in bytes (§9);
//! 3. **zone file crawl** — fetch missing chunks rarest-first from the healthiest peers that
//!    advertise them, in batches of at most 100 with a few requests in flight, verifying
//!    every chunk against the hash it was solicited under, the size limit and the announced
//!    set before storing it (§10; an oversized chunk is not kept, but its sender is not
//!    faulted, as v0.18 peers store fetched chunks of any size); replies are stored while the next requests travel, those
//!    that arrived meanwhile together in one transaction;
//! 4. **push** — offer newly stored chunks to peers whose inventory lacks them
//!    (`put_zonefiles`, at most five per call);
//! 5. **cleanup** — remove unhealthy peers and revalidate old ones (§7.6).
//!
//! Every request updates the peer's health; invalid data (a chunk that does not match its
//! hash, an unparseable reply, a `get_zonefiles` reply delivering none of the chunks the
//! peer advertised) also counts as a violation, and a peer reaching the
//! violation limit is removed at once. Nothing a peer sends can panic the
//! task or get into the store unverified. Time is `tokio::time`, so tests can pause it.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use rand::seq::SliceRandom;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use crate::error::{AtlasError, StoreError, TransportError};
use crate::inventory::{bit_is_set, rarest_first};
use crate::limits::{
    INV_PAGE, MAX_GET_ZONEFILES, MAX_INV_REPLY_BYTES, MAX_NEW_PEERS, MAX_PUT_ZONEFILES,
    MIN_PEER_HEALTH, PEERS_PER_STEP,
};
use crate::node::{Atlas, Stored};
use crate::peers::{canonical_hostport, check_peer_info, Admission};
use crate::transport::{PeerClient, PeerTransport};
use crate::walk::{RandomWalk, WalkStep};

/// A chunk to push: the rows it fills and its bytes.
type PushItem = (Vec<u64>, Vec<u8>);

/// Most chunks pushed per pass.
const MAX_PUSH_PER_STEP: usize = 100;
/// Most peers a chunk is pushed to.
const MAX_PUSH_TARGETS: usize = 10;
/// Inventory refreshes in flight at once.
const MAX_CONCURRENT_REFRESHES: usize = 16;
/// `get_zonefiles` requests in flight to one peer at once (v0.18 sends one at a time).
pub const PIPELINE: usize = 4;
/// Most neighbour fetches within one walk step (MHRWDA needs at most three).
const MAX_WALK_FETCHES: usize = 3;

/// The crawler of one node.
#[derive(Debug)]
pub struct Crawler {
    atlas: Arc<Atlas>,
    client: PeerClient,
    walk: RandomWalk,
    candidates: Vec<String>,
    last_discovery: Option<u64>,
    last_crawl: Option<u64>,
    last_clean: Option<u64>,
}

/// A running crawler task.
#[derive(Debug)]
pub struct CrawlerHandle {
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl CrawlerHandle {
    /// Asks the task to stop after its current pass and waits for it.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }

    /// Stops the task at its next await point, as a crash would.
    pub fn abort(self) {
        self.task.abort();
    }
}

/// Starts the crawler of `atlas` on the current tokio runtime.
pub fn spawn_crawler(atlas: Arc<Atlas>, transport: Arc<dyn PeerTransport>) -> CrawlerHandle {
    let (tx, rx) = watch::channel(false);
    let crawler = Crawler::new(atlas, transport);
    CrawlerHandle {
        shutdown: tx,
        task: tokio::spawn(crawler.run(rx)),
    }
}

/// A peer's inventory, paged with byte offsets until we have as many bytes as we have rows
/// for (bits beyond our rows mean nothing to us and are not kept).
async fn fetch_inventory(
    client: &PeerClient,
    peer: &str,
    wanted_bytes: usize,
) -> Result<Vec<u8>, TransportError> {
    let mut inv = Vec::new();
    while inv.len() < wanted_bytes {
        let page = client
            .get_zonefile_inventory(peer, inv.len() as u64, INV_PAGE)
            .await?;
        let full = page.len() >= MAX_INV_REPLY_BYTES;
        let empty = page.is_empty();
        inv.extend_from_slice(&page);
        if empty || !full {
            break;
        }
    }
    inv.truncate(wanted_bytes);
    Ok(inv)
}

/// The hashes of one `get_zonefiles` request, each with the inventory bits it fills.
type Batch = Vec<(String, Vec<u64>)>;

/// `get_zonefiles` replies waiting to be stored at most, before no further request is sent.
const MAX_UNSTORED: usize = 16;

/// One `get_zonefiles` reply waiting to be stored: what was asked (hash and inventory bits)
/// and the chunks returned under a hash that was asked for.
struct Fetched {
    batch: Batch,
    chunks: Vec<(String, Vec<u8>)>,
}

/// What storing a group of replies did: each batch with its number of chunks, the chunks'
/// hashes in order, and [`Atlas::accept_batch`]'s results for them.
struct StoredGroup {
    batches: Vec<(Batch, usize)>,
    hashes: Vec<String>,
    results: Result<crate::node::Accepted, AtlasError>,
}

/// The chunks of `reply` returned under a hash `batch` asked for; the others are dropped.
fn solicited(peer: &str, batch: Batch, reply: BTreeMap<String, Vec<u8>>) -> Fetched {
    let asked: HashSet<&str> = batch.iter().map(|(h, _)| h.as_str()).collect();
    let chunks = reply
        .into_iter()
        .filter(|(hash, _)| {
            let ok = asked.contains(hash.as_str());
            if !ok {
                tracing::debug!(%peer, %hash, "dropping an unsolicited zone file");
            }
            ok
        })
        .collect();
    Fetched { batch, chunks }
}

/// Stores the chunks of every reply of `group` with one [`Atlas::accept_batch`].
fn store_group(atlas: &Atlas, group: Vec<Fetched>) -> StoredGroup {
    let mut batches = Vec::with_capacity(group.len());
    let mut chunks = Vec::new();
    for fetched in group {
        batches.push((fetched.batch, fetched.chunks.len()));
        chunks.extend(fetched.chunks);
    }
    let hashes = chunks.iter().map(|(h, _)| h.clone()).collect();
    let results = atlas.accept_batch(&chunks);
    StoredGroup {
        batches,
        hashes,
        results,
    }
}

fn due(last: Option<u64>, interval: u64, now: u64) -> bool {
    last.is_none_or(|t| t.saturating_add(interval) <= now)
}

impl Crawler {
    /// A crawler for `atlas` calling peers through `transport`.
    pub fn new(atlas: Arc<Atlas>, transport: Arc<dyn PeerTransport>) -> Self {
        Self {
            atlas,
            client: PeerClient::new(transport),
            walk: RandomWalk::new(),
            candidates: Vec::new(),
            last_discovery: None,
            last_crawl: None,
            last_clean: None,
        }
    }

    async fn run(mut self, mut shutdown: watch::Receiver<bool>) {
        let tick = self.atlas.config().timing.tick;
        loop {
            self.step().await;
            tokio::select! {
                _ = tokio::time::sleep(tick) => {}
                _ = shutdown.changed() => return,
            }
            if *shutdown.borrow() {
                return;
            }
        }
    }

    /// One pass over all the crawler's work.
    pub async fn step(&mut self) {
        let timing = self.atlas.config().timing.clone();
        let now = self.atlas.now();
        if due(self.last_discovery, timing.discovery_interval, now) {
            self.last_discovery = Some(now);
            self.admit_candidates().await;
            self.walk_step().await;
        }
        self.refresh_inventories().await;
        let now = self.atlas.now();
        if due(self.last_crawl, timing.crawl_interval, now) {
            self.last_crawl = Some(now);
            self.crawl_zonefiles().await;
        }
        self.push_new().await;
        self.cleanup().await;
    }

    fn record(&self, peer: &str, ok: bool) {
        let now = self.atlas.now();
        self.atlas.lock().peers.record(peer, now, ok);
    }

    /// Records a failed request; for invalid data also a violation, dropping the peer when it
    /// reaches the limit.
    fn record_failure(&self, peer: &str, err: &TransportError) {
        if matches!(err, TransportError::Malformed(_)) {
            self.violation(peer);
        } else {
            self.record(peer, false);
        }
    }

    fn violation(&self, peer: &str) {
        let now = self.atlas.now();
        let mut st = self.atlas.lock();
        if st.peers.record_violation(peer, now) {
            tracing::info!(%peer, "dropping a peer that sent invalid data");
            st.peers.remove(peer, now, true);
            Atlas::forget_peer(&st, peer);
        }
    }

    // ---- discovery (§8) ----

    async fn admit_candidates(&mut self) {
        let now = self.atlas.now();
        let mut pool: Vec<String> = {
            let mut st = self.atlas.lock();
            let st = &mut *st;
            let mut pool = st.peers.drain_inbound();
            pool.append(&mut self.candidates);
            let mut seen = HashSet::new();
            pool.retain(|p| seen.insert(p.clone()));
            pool.retain(|p| st.peers.precheck(p, now).is_none());
            pool.shuffle(&mut st.rng);
            pool
        };
        let rest = pool.split_off(pool.len().min(PEERS_PER_STEP));
        for candidate in pool {
            let info = match self.client.getinfo(&candidate).await {
                Ok(info) => info,
                Err(e) => {
                    tracing::debug!(peer = %candidate, error = %e, "candidate did not answer");
                    continue;
                }
            };
            let view = self.atlas.chain_status().view;
            if let Err(refusal) = check_peer_info(&info, &view) {
                tracing::debug!(peer = %candidate, %refusal, "candidate refused");
                continue;
            }
            let now = self.atlas.now();
            let admission = {
                let mut st = self.atlas.lock();
                let st = &mut *st;
                st.peers.offer(&candidate, now, &mut st.rng)
            };
            match admission {
                Admission::Added(row) => {
                    let st = self.atlas.lock();
                    Atlas::persist_peer(&st, &row);
                    tracing::debug!(peer = %candidate, "admitted");
                }
                Admission::Collision {
                    candidate,
                    occupant,
                    slot,
                } => {
                    let alive = self.client.ping(&occupant).await.unwrap_or(false);
                    self.record(&occupant, alive);
                    let now = self.atlas.now();
                    let mut st = self.atlas.lock();
                    if let Some((removed, row)) = st
                        .peers
                        .resolve_collision(&candidate, &occupant, slot, alive, now)
                    {
                        Atlas::forget_peer(&st, &removed);
                        Atlas::persist_peer(&st, &row);
                    }
                }
                Admission::Refused(_) => {}
            }
        }
        // Probed candidates are dropped whatever the outcome (v0.18 keeps them, §15).
        self.candidates = rest;
        self.candidates.truncate(MAX_NEW_PEERS);
    }

    async fn walk_step(&mut self) {
        let (table, me) = {
            let st = self.atlas.lock();
            let table: Vec<String> = st
                .peers
                .hostports()
                .into_iter()
                .filter(|p| st.peers.may_contact(p))
                .collect();
            (table, self.atlas.hostport().to_owned())
        };
        let start = {
            let mut st = self.atlas.lock();
            self.walk.begin(&table, &mut st.rng)
        };
        let Some(mut target) = start else {
            return;
        };
        for _ in 0..MAX_WALK_FETCHES {
            let fetched = self.fetch_neighbors(&target, &me).await;
            let step = {
                let mut st = self.atlas.lock();
                self.walk.feed(fetched, &mut st.rng)
            };
            match step {
                WalkStep::Fetch(next) => target = next,
                WalkStep::Done(found) => {
                    self.add_candidates(found);
                    return;
                }
                WalkStep::Failed => return,
            }
        }
        self.walk.reset();
    }

    async fn fetch_neighbors(&self, peer: &str, me: &str) -> Option<Vec<String>> {
        if !self.atlas.lock().peers.may_contact(peer) {
            return None;
        }
        match self.client.neighbors(peer, me).await {
            Ok(list) => {
                self.record(peer, true);
                let me = canonical_hostport(me);
                let st = self.atlas.lock();
                Some(
                    list.into_iter()
                        .filter(|p| Some(p) != me.as_ref() && st.peers.may_contact(p))
                        .collect(),
                )
            }
            Err(e) => {
                self.record_failure(peer, &e);
                None
            }
        }
    }

    fn add_candidates(&mut self, found: Vec<String>) {
        let st = self.atlas.lock();
        for p in found {
            if !st.peers.contains(&p)
                && !self.candidates.contains(&p)
                && self.candidates.len() < MAX_NEW_PEERS
            {
                self.candidates.push(p);
            }
        }
    }

    // ---- inventory sync (§9) ----

    async fn refresh_inventories(&mut self) {
        let interval = self.atlas.config().timing.inventory_freshness;
        let now = self.atlas.now();
        let (due_peers, rows) = {
            let st = self.atlas.lock();
            let due: Vec<String> = st
                .peers
                .needing_refresh(now, interval)
                .into_iter()
                .filter(|p| st.peers.may_contact(p))
                .collect();
            (due, st.inv.len())
        };
        let wanted_bytes = usize::try_from(rows.div_ceil(8)).unwrap_or(usize::MAX);
        if rows == 0 {
            // Nothing to compare: v0.18 does not ask (§9 step 2).
            let mut st = self.atlas.lock();
            for peer in &due_peers {
                st.peers.set_inventory(peer, Vec::new(), now);
            }
            return;
        }
        // Several peers at a time, so that one slow peer delays only itself (v0.18 asks
        // them one after another).
        for group in due_peers.chunks(MAX_CONCURRENT_REFRESHES) {
            let mut set = JoinSet::new();
            for peer in group {
                let client = self.client.clone();
                let peer = peer.clone();
                set.spawn(async move {
                    let result = fetch_inventory(&client, &peer, wanted_bytes).await;
                    (peer, result)
                });
            }
            while let Some(joined) = set.join_next().await {
                let Ok((peer, result)) = joined else {
                    continue;
                };
                let now = self.atlas.now();
                match result {
                    Ok(inv) => {
                        let mut st = self.atlas.lock();
                        st.peers.record(&peer, now, true);
                        st.peers.set_inventory(&peer, inv, now);
                    }
                    Err(e) => {
                        self.atlas
                            .lock()
                            .peers
                            .set_inventory(&peer, Vec::new(), now);
                        self.record_failure(&peer, &e);
                    }
                }
            }
        }
    }

    // ---- zone file crawl (§10) ----

    async fn crawl_zonefiles(&mut self) {
        let (plan, health) = {
            let st = self.atlas.lock();
            let copies: Vec<(String, Vec<u8>)> = st
                .peers
                .entries()
                .filter(|e| st.peers.may_contact(&e.hostport))
                .map(|e| (e.hostport.clone(), e.inventory().to_vec()))
                .collect();
            let plan = rarest_first(
                &st.inv,
                copies
                    .iter()
                    .map(|(p, i)| (p.as_str(), i.as_slice()))
                    .collect::<Vec<_>>(),
            );
            let health: BTreeMap<String, f64> = st
                .peers
                .entries()
                .map(|e| (e.hostport.clone(), e.health()))
                .collect();
            (plan, health)
        };
        let mut done: HashSet<String> = HashSet::new();
        for wanted in &plan {
            if done.contains(&wanted.hash) || self.atlas.has_zonefile(&wanted.hash) {
                continue;
            }
            // Already on disk (e.g. written by the subdomain indexer): just mark it.
            if let Ok(Some(bytes)) = self.atlas.get_zonefile(&wanted.hash) {
                if self.atlas.accept(&wanted.hash, &bytes).is_ok() {
                    done.insert(wanted.hash.clone());
                    continue;
                }
            }
            let mut ranked = wanted.peers.clone();
            ranked.sort_by(|a, b| {
                let ha = health.get(a).copied().unwrap_or(0.0);
                let hb = health.get(b).copied().unwrap_or(0.0);
                hb.total_cmp(&ha).then_with(|| a.cmp(b))
            });
            for peer in ranked {
                self.fetch_from(&peer, &plan, &mut done).await;
                if done.contains(&wanted.hash) {
                    break;
                }
            }
        }
    }

    /// Asks `peer` for every still-missing planned hash it advertises, in batches of at most
    /// 100, with up to [`PIPELINE`] requests in flight. Replies are stored on a blocking
    /// thread while the next ones travel: whatever arrived while one store was running is
    /// stored together in the next (one transaction), and at most [`MAX_UNSTORED`] replies
    /// wait before no further request is sent.
    async fn fetch_from(
        &self,
        peer: &str,
        plan: &[crate::inventory::Wanted],
        done: &mut HashSet<String>,
    ) {
        let asks: Vec<(String, Vec<u64>)> = {
            let st = self.atlas.lock();
            let Some(entry) = st.peers.get(peer) else {
                return;
            };
            plan.iter()
                .filter(|w| !done.contains(&w.hash) && !st.inv.has_hash(&w.hash))
                .filter(|w| w.bits.iter().any(|&b| bit_is_set(entry.inventory(), b)))
                .map(|w| (w.hash.clone(), w.bits.clone()))
                .collect()
        };
        let mut batches = asks.chunks(MAX_GET_ZONEFILES).map(<[_]>::to_vec);
        let mut in_flight = JoinSet::new();
        let mut unstored: Vec<Fetched> = Vec::new();
        let mut storing: Option<JoinHandle<StoredGroup>> = None;
        let mut failed = false;
        loop {
            while !failed && in_flight.len() < PIPELINE && unstored.len() < MAX_UNSTORED {
                let Some(batch) = batches.next() else {
                    break;
                };
                let client = self.client.clone();
                let peer = peer.to_owned();
                in_flight.spawn(async move {
                    let hashes: Vec<String> = batch.iter().map(|(h, _)| h.clone()).collect();
                    let reply = client.get_zonefiles(&peer, &hashes).await;
                    (batch, reply)
                });
            }
            if storing.is_none() && !unstored.is_empty() {
                let group = std::mem::take(&mut unstored);
                let atlas = Arc::clone(&self.atlas);
                storing = Some(tokio::task::spawn_blocking(move || {
                    store_group(&atlas, group)
                }));
            }
            if in_flight.is_empty() && storing.is_none() {
                return;
            }
            let stored = async {
                match storing.as_mut() {
                    Some(handle) => handle.await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                Some(joined) = in_flight.join_next(), if !in_flight.is_empty() => {
                    let Ok((batch, reply)) = joined else {
                        continue;
                    };
                    if failed {
                        continue;
                    }
                    match reply {
                        Ok(reply) => unstored.push(solicited(peer, batch, reply)),
                        Err(e) => {
                            tracing::debug!(%peer, error = %e, "get_zonefiles failed");
                            // Batches already stored stay stored (v0.18 discards them, §10
                            // step 5).
                            self.record_failure(peer, &e);
                            failed = true;
                        }
                    }
                }
                group = stored => {
                    storing = None;
                    match group {
                        Ok(group) => {
                            if !self.judge_group(peer, group, done) {
                                failed = true;
                            }
                        }
                        Err(e) => {
                            tracing::warn!(%peer, error = %e, "the store task failed");
                            failed = true;
                        }
                    }
                }
            }
        }
    }

    /// Judges the peer by what storing each batch of `group` did; `false` if it misbehaved
    /// (or the store failed) and should not be asked for more in this pass.
    fn judge_group(&self, peer: &str, group: StoredGroup, done: &mut HashSet<String>) -> bool {
        let results = match group.results {
            Ok(results) => results,
            Err(e) => {
                tracing::warn!(%peer, error = %e, "cannot record stored zone files");
                return false;
            }
        };
        let mut results = results.into_iter();
        let mut hashes = group.hashes.into_iter();
        let mut ok = true;
        for (batch, len) in group.batches {
            let outcome: Vec<(String, Result<Stored, AtlasError>)> =
                hashes.by_ref().take(len).zip(results.by_ref()).collect();
            ok &= self.judge_batch(peer, &batch, outcome, done);
        }
        ok
    }

    /// Judges the peer by what storing one `get_zonefiles` reply to `batch` did; `false` if
    /// it misbehaved and should not be asked for more in this pass.
    fn judge_batch(
        &self,
        peer: &str,
        batch: &[(String, Vec<u64>)],
        outcome: Vec<(String, Result<Stored, AtlasError>)>,
        done: &mut HashSet<String>,
    ) -> bool {
        let mut delivered = HashSet::new();
        let mut invalid = false;
        let mut oversized = false;
        for (hash, result) in outcome {
            match result {
                Ok(_) => {
                    done.insert(hash.clone());
                    delivered.insert(hash);
                }
                Err(AtlasError::Store(e @ StoreError::HashMismatch { .. })) => {
                    tracing::info!(%peer, %hash, error = %e, "peer sent an invalid zone file");
                    invalid = true;
                }
                // A v0.18 peer stores a fetched chunk of any size that matches its hash; only
                // `put_zonefiles` holds uploads to the limit. Such a peer is honest: the chunk is
                // not kept here, and not asked for again until the peer's next refresh.
                Err(AtlasError::Store(e @ StoreError::TooLarge { .. })) => {
                    tracing::info!(%peer, %hash, error = %e, "not keeping an oversized zone file");
                    done.insert(hash);
                    oversized = true;
                }
                Err(e) => tracing::warn!(%peer, %hash, error = %e, "cannot store a zone file"),
            }
        }
        // Stop asking this peer for what it did not deliver until its next refresh.
        let undelivered: Vec<u64> = batch
            .iter()
            .filter(|(h, _)| !delivered.contains(h))
            .flat_map(|(_, bits)| bits.iter().copied())
            .collect();
        self.atlas
            .lock()
            .peers
            .set_inventory_bits(peer, &undelivered, false);
        // A peer that delivers none of what it advertised is misbehaving too: Atlas peers
        // never drop chunks, and its inventory copy was fresh.
        if invalid || (delivered.is_empty() && !oversized) {
            self.violation(peer);
            return false;
        }
        self.record(peer, true);
        true
    }

    // ---- push (Rust addition, §12) ----

    async fn push_new(&mut self) {
        if !self.atlas.config().push {
            return;
        }
        let queued: Vec<String> = {
            let mut st = self.atlas.lock();
            let n = st.push_queue.len().min(MAX_PUSH_PER_STEP);
            st.push_queue.drain(..n).collect()
        };
        if queued.is_empty() {
            return;
        }
        let mut per_peer: BTreeMap<String, Vec<PushItem>> = BTreeMap::new();
        for hash in queued {
            let Ok(Some(data)) = self.atlas.get_zonefile(&hash) else {
                continue;
            };
            let st = self.atlas.lock();
            let bits = st.inv.indexes_of(&hash).to_vec();
            let mut targets: Vec<&str> = st
                .peers
                .entries()
                .filter(|e| st.peers.may_contact(&e.hostport))
                .filter(|e| e.attempts() == 0 || e.health() >= MIN_PEER_HEALTH)
                .filter(|e| !bits.iter().any(|&b| bit_is_set(e.inventory(), b)))
                .map(|e| e.hostport.as_str())
                .collect();
            targets.truncate(MAX_PUSH_TARGETS);
            for t in targets {
                per_peer
                    .entry(t.to_owned())
                    .or_default()
                    .push((bits.clone(), data.clone()));
            }
        }
        for (peer, items) in per_peer {
            for batch in items.chunks(MAX_PUT_ZONEFILES) {
                let datas: Vec<Vec<u8>> = batch.iter().map(|(_, d)| d.clone()).collect();
                match self.client.put_zonefiles(&peer, &datas).await {
                    Ok(saved) => {
                        self.record(&peer, true);
                        let accepted: Vec<u64> = batch
                            .iter()
                            .zip(saved)
                            .filter(|(_, s)| *s)
                            .flat_map(|((bits, _), _)| bits.iter().copied())
                            .collect();
                        self.atlas
                            .lock()
                            .peers
                            .set_inventory_bits(&peer, &accepted, true);
                    }
                    Err(e) => {
                        self.record_failure(&peer, &e);
                        break;
                    }
                }
            }
        }
    }

    // ---- cleanup (§7.6) ----

    async fn cleanup(&mut self) {
        let now = self.atlas.now();
        {
            let mut st = self.atlas.lock();
            let st = &mut *st;
            for peer in st.peers.unhealthy(&mut st.rng) {
                tracing::info!(%peer, "dropping an unhealthy peer");
                st.peers.remove(&peer, now, true);
                Atlas::forget_peer(st, &peer);
            }
        }
        let timing = self.atlas.config().timing.clone();
        if !due(self.last_clean, timing.clean_interval, now) {
            return;
        }
        self.last_clean = Some(now);
        let old = self
            .atlas
            .lock()
            .peers
            .due_for_revalidation(now, timing.max_peer_age);
        for peer in old.into_iter().take(PEERS_PER_STEP) {
            let alive = self.client.ping(&peer).await.unwrap_or(false);
            let now = self.atlas.now();
            let mut st = self.atlas.lock();
            st.peers.record(&peer, now, alive);
            if alive {
                if let Some(row) = st.peers.renew(&peer, now) {
                    Atlas::persist_peer(&st, &row);
                }
            } else {
                let keep = st
                    .peers
                    .get(&peer)
                    .is_some_and(|e| e.whitelisted || e.health() >= MIN_PEER_HEALTH);
                if !keep {
                    st.peers.remove(&peer, now, false);
                    Atlas::forget_peer(&st, &peer);
                }
            }
        }
    }
}
