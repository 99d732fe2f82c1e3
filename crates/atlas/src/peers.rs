//! The peer table: health, admission, eviction, blacklist and seeds (atlas.md §7). Pure:
//! the caller supplies the time and the randomness, and persists what it is told to.
//!
//! Health is v0.18's: the fraction of recorded requests in the last
//! `PEER_LIFETIME_INTERVAL` that got a useful reply; the "request count" is the number of
//! *successful* requests (`atlas_peer_get_request_count`, §7.3). Where v0.18 is broken the
//! table follows §15: the blacklist is enforced everywhere, slot collisions ping the
//! occupant and replace it if dead, and replaced peers are deleted. Two rules are added so
//! that peers that never answer usefully are dropped (v0.18 keeps them forever, because its
//! cleanup needs ten *successful* requests): a peer with at least ten recorded requests and
//! health below 0.5 is removed, and a peer caught sending invalid data (a zone file that
//! does not match its hash, an oversized one, an unparseable reply) is removed after
//! [`PeerConfig::violation_limit`] offences. Removed peers are not re-admitted for one
//! lifetime interval.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use bitcoin::hashes::{sha256, Hash};
use rand::seq::SliceRandom;
use rand::Rng;

use crate::db::PeerRow;
use crate::inventory::set_bit;
use crate::limits::{
    MAX_INBOUND_CANDIDATES, MIN_ATLAS_VERSION, MIN_PEER_HEALTH, MIN_REQUESTS_FOR_REMOVAL,
    NUM_NEIGHBORS, PEERS_PER_STEP, PEER_LIFETIME_INTERVAL, PEER_MAX_DB, RPC_SERVER_PORT,
};

/// Canonical `host:port` for a peer address, as `url_to_host_port` computes it (§7.2): an
/// optional `http://`/`https://` scheme and `user@` are dropped, a bare host gets port 6264,
/// and `127.0.0.1`/`::1` become `localhost`. `None` for anything malformed, including the
/// ports v0.18 rejects (65535 and above, and below 10, which its peer-list check refuses).
pub fn canonical_hostport(addr: &str) -> Option<String> {
    let rest = addr
        .strip_prefix("http://")
        .or_else(|| addr.strip_prefix("https://"))
        .unwrap_or(addr);
    let netloc = rest.split(['/', '?', '#']).next().unwrap_or("");
    let parts: Vec<&str> = netloc.split('@').collect();
    let hostport = match parts.as_slice() {
        [hp] => *hp,
        [_, hp] => *hp,
        _ => return None,
    };
    let (host, port) = match hostport.split(':').collect::<Vec<_>>().as_slice() {
        [host] => (*host, RPC_SERVER_PORT),
        [host, port] => {
            let port: u16 = port.parse().ok()?;
            // Ports 1-9 pass `url_to_host_port` but not the v0.18 client's check of peer
            // lists (`[1-9][0-9]{1,4}`), which fails a whole reply for one such entry.
            if port < 10 || port == u16::MAX {
                return None;
            }
            (*host, port)
        }
        _ => return None,
    };
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
    {
        return None;
    }
    let host = if host == "127.0.0.1" {
        "localhost"
    } else {
        host
    };
    Some(format!("{}:{port}", host.to_ascii_lowercase()))
}

/// What a peer's `getinfo` told us, for admission (§8 step 1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PeerInfo {
    /// `server_version`.
    pub server_version: Option<String>,
    /// `last_block_processed`.
    pub last_block_processed: Option<u64>,
    /// `consensus`: the consensus hash at `last_block_processed`.
    pub consensus: Option<String>,
    /// `stale`.
    pub stale: bool,
}

/// What we know of our own chain view, for the fork check of admission.
#[derive(Debug, Clone, Default)]
pub struct ChainView {
    /// Our last processed block.
    pub last_block: Option<u64>,
    /// Our consensus hashes of the last `CONSENSUS_WINDOW` blocks.
    pub recent_consensus: Vec<String>,
}

/// Why a peer was not admitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// It is on the blacklist.
    #[error("blacklisted")]
    Blacklisted,
    /// It is this node.
    #[error("ourselves")]
    Ourselves,
    /// It is already in the table.
    #[error("already known")]
    AlreadyKnown,
    /// It was removed recently.
    #[error("recently removed")]
    Banned,
    /// Its `getinfo` did not answer, or said it is stale.
    #[error("unreachable or stale")]
    Unresponsive,
    /// It reports no version, or one older than 0.17.
    #[error("version too old or missing")]
    TooOld,
    /// It is not ahead of us and its consensus hash is none of our recent ones.
    #[error("on another fork")]
    OtherFork,
}

/// The admission rules on a `getinfo` reply (§8 step 1, `atlas_peer_getinfo` callers).
pub fn check_peer_info(info: &PeerInfo, ours: &ChainView) -> Result<(), Refusal> {
    if info.stale {
        return Err(Refusal::Unresponsive);
    }
    let version = info.server_version.as_deref().ok_or(Refusal::TooOld)?;
    let mut parts = version.split('.').map(|p| p.parse::<u64>());
    let (Some(Ok(major)), Some(Ok(minor))) = (parts.next(), parts.next()) else {
        return Err(Refusal::TooOld);
    };
    if (major, minor) < MIN_ATLAS_VERSION {
        return Err(Refusal::TooOld);
    }
    if let (Some(our_last), false) = (ours.last_block, ours.recent_consensus.is_empty()) {
        let behind_or_level = info.last_block_processed.is_none_or(|b| b <= our_last);
        if behind_or_level {
            let matches = info
                .consensus
                .as_ref()
                .is_some_and(|c| ours.recent_consensus.iter().any(|o| o == c));
            if !matches {
                return Err(Refusal::OtherFork);
            }
        }
    }
    Ok(())
}

/// Configuration of the peer table.
#[derive(Debug, Clone)]
pub struct PeerConfig {
    /// Our own advertised `host:port`, never admitted.
    pub self_hostport: Option<String>,
    /// `atlas_seeds`: always admitted (without an eviction ping), never removed by cleanup.
    pub seeds: Vec<String>,
    /// `atlas_blacklist`: never contacted, admitted or advertised.
    pub blacklist: Vec<String>,
    /// Number of slots, the bound on the table (`PEER_MAX_DB`).
    pub max_peers: usize,
    /// History window for health, in seconds (`PEER_LIFETIME_INTERVAL`).
    pub lifetime: u64,
    /// Invalid-data offences after which a peer is removed.
    pub violation_limit: u32,
}

impl Default for PeerConfig {
    fn default() -> Self {
        Self {
            self_hostport: None,
            seeds: Vec::new(),
            blacklist: Vec::new(),
            max_peers: PEER_MAX_DB,
            lifetime: PEER_LIFETIME_INTERVAL,
            violation_limit: 3,
        }
    }
}

/// One peer.
#[derive(Debug, Clone)]
pub struct PeerEntry {
    /// `host:port`.
    pub hostport: String,
    /// Slot number.
    pub slot: u32,
    /// Unix seconds of discovery or last revalidation.
    pub discovery_time: u64,
    /// A seed.
    pub whitelisted: bool,
    events: VecDeque<(u64, bool)>,
    violations: u32,
    inventory: Vec<u8>,
    inventory_refreshed: Option<u64>,
}

impl PeerEntry {
    fn new(hostport: String, slot: u32, discovery_time: u64, whitelisted: bool) -> Self {
        Self {
            hostport,
            slot,
            discovery_time,
            whitelisted,
            events: VecDeque::new(),
            violations: 0,
            inventory: Vec::new(),
            inventory_refreshed: None,
        }
    }

    /// Successful requests in the window (v0.18's "request count").
    pub fn request_count(&self) -> usize {
        self.events.iter().filter(|(_, ok)| *ok).count()
    }

    /// All recorded requests in the window.
    pub fn attempts(&self) -> usize {
        self.events.len()
    }

    /// Successful / all, 0.0 with no history (`atlas_peer_get_health`).
    pub fn health(&self) -> f64 {
        if self.events.is_empty() {
            0.0
        } else {
            self.request_count() as f64 / self.events.len() as f64
        }
    }

    /// Invalid-data offences so far.
    pub fn violations(&self) -> u32 {
        self.violations
    }

    /// Our copy of its inventory.
    pub fn inventory(&self) -> &[u8] {
        &self.inventory
    }

    fn row(&self) -> PeerRow {
        PeerRow {
            hostport: self.hostport.clone(),
            slot: self.slot,
            discovery_time: self.discovery_time,
        }
    }
}

/// The result of offering a peer to the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Inserted; persist the row.
    Added(PeerRow),
    /// Its slot is taken: ping `occupant`, then call [`PeerTable::resolve_collision`].
    Collision {
        /// The newcomer.
        candidate: String,
        /// The peer in the slot.
        occupant: String,
        /// The slot.
        slot: u32,
    },
    /// Not admitted.
    Refused(Refusal),
}

/// The peer table.
#[derive(Debug)]
pub struct PeerTable {
    cfg: PeerConfig,
    seeds: HashSet<String>,
    blacklist: HashSet<String>,
    entries: BTreeMap<String, PeerEntry>,
    slots: HashMap<u32, String>,
    banned: HashMap<String, u64>,
    inbound: VecDeque<String>,
}

impl PeerTable {
    /// An empty table.
    pub fn new(cfg: PeerConfig) -> Self {
        let seeds = cfg
            .seeds
            .iter()
            .filter_map(|s| canonical_hostport(s))
            .collect();
        let blacklist = cfg
            .blacklist
            .iter()
            .filter_map(|s| canonical_hostport(s))
            .collect();
        Self {
            cfg,
            seeds,
            blacklist,
            entries: BTreeMap::new(),
            slots: HashMap::new(),
            banned: HashMap::new(),
            inbound: VecDeque::new(),
        }
    }

    /// Loads stored peers (empty history, §7.2), skipping blacklisted ones; then adds the
    /// seeds. Returns rows to persist (the seeds that were new).
    pub fn load(&mut self, rows: Vec<PeerRow>, now: u64, rng: &mut impl Rng) -> Vec<PeerRow> {
        for row in rows {
            let Some(hp) = canonical_hostport(&row.hostport) else {
                continue;
            };
            if self.blacklist.contains(&hp)
                || self.is_self(&hp)
                || self.slots.contains_key(&row.slot)
            {
                continue;
            }
            let white = self.seeds.contains(&hp);
            self.slots.insert(row.slot, hp.clone());
            self.entries.insert(
                hp.clone(),
                PeerEntry::new(hp, row.slot, row.discovery_time, white),
            );
        }
        let mut added = Vec::new();
        let seeds: Vec<String> = self.seeds.iter().cloned().collect();
        for seed in seeds {
            if self.entries.contains_key(&seed)
                || self.blacklist.contains(&seed)
                || self.is_self(&seed)
            {
                continue;
            }
            // Seeds take a free slot without an eviction ping.
            let slot = self.free_slot(&seed, rng);
            let entry = PeerEntry::new(seed.clone(), slot, now, true);
            added.push(entry.row());
            self.slots.insert(slot, seed.clone());
            self.entries.insert(seed, entry);
        }
        added
    }

    fn is_self(&self, hp: &str) -> bool {
        self.cfg.self_hostport.as_deref() == Some(hp)
    }

    fn draw_slot(&self, hostport: &str, rng: &mut impl Rng) -> u32 {
        // SHA256(str(nonce) + host) mod slots, with a fresh nonce (§7.5).
        let host = hostport.rsplit_once(':').map_or(hostport, |(h, _)| h);
        let nonce: u32 = rng.gen();
        let digest = sha256::Hash::hash(format!("{nonce}{host}").as_bytes());
        let b = digest.to_byte_array();
        let n = u64::from_be_bytes([b[24], b[25], b[26], b[27], b[28], b[29], b[30], b[31]]);
        (n % self.cfg.max_peers.max(1) as u64) as u32
    }

    fn free_slot(&self, hostport: &str, rng: &mut impl Rng) -> u32 {
        for _ in 0..64 {
            let s = self.draw_slot(hostport, rng);
            if !self.slots.contains_key(&s) {
                return s;
            }
        }
        (0..self.cfg.max_peers.max(1) as u32)
            .find(|s| !self.slots.contains_key(s))
            .unwrap_or(0)
    }

    /// Whether `hostport` may be contacted at all (blacklisted peers and ourselves may not).
    pub fn may_contact(&self, hostport: &str) -> bool {
        !self.blacklist.contains(hostport) && !self.is_self(hostport)
    }

    /// Offers a canonical `hostport` that passed [`check_peer_info`].
    pub fn offer(&mut self, hostport: &str, now: u64, rng: &mut impl Rng) -> Admission {
        if let Some(refusal) = self.precheck(hostport, now) {
            return Admission::Refused(refusal);
        }
        let slot = self.draw_slot(hostport, rng);
        if let Some(occupant) = self.slots.get(&slot) {
            return Admission::Collision {
                candidate: hostport.to_owned(),
                occupant: occupant.clone(),
                slot,
            };
        }
        Admission::Added(self.insert(hostport, slot, now))
    }

    /// Why `hostport` would be refused before any probe, if it would.
    pub fn precheck(&mut self, hostport: &str, now: u64) -> Option<Refusal> {
        if self.blacklist.contains(hostport) {
            return Some(Refusal::Blacklisted);
        }
        if self.is_self(hostport) {
            return Some(Refusal::Ourselves);
        }
        if self.entries.contains_key(hostport) {
            return Some(Refusal::AlreadyKnown);
        }
        match self.banned.get(hostport) {
            Some(&until) if until > now => Some(Refusal::Banned),
            Some(_) => {
                self.banned.remove(hostport);
                None
            }
            None => None,
        }
    }

    fn insert(&mut self, hostport: &str, slot: u32, now: u64) -> PeerRow {
        let white = self.seeds.contains(hostport);
        let entry = PeerEntry::new(hostport.to_owned(), slot, now, white);
        let row = entry.row();
        self.slots.insert(slot, hostport.to_owned());
        self.entries.insert(hostport.to_owned(), entry);
        row
    }

    /// Settles a [`Admission::Collision`]: if the occupant answered its ping it stays and the
    /// candidate is dropped (`None`); otherwise the occupant is removed and the candidate
    /// takes the slot. Returns `(removed occupant, new row)`.
    pub fn resolve_collision(
        &mut self,
        candidate: &str,
        occupant: &str,
        slot: u32,
        occupant_alive: bool,
        now: u64,
    ) -> Option<(String, PeerRow)> {
        if occupant_alive || self.slots.get(&slot).map(String::as_str) != Some(occupant) {
            return None;
        }
        if self.entries.get(occupant).is_some_and(|e| e.whitelisted) {
            return None;
        }
        self.remove(occupant, now, false);
        Some((occupant.to_owned(), self.insert(candidate, slot, now)))
    }

    /// Removes a peer; with `ban`, it is not re-admitted for one lifetime interval.
    pub fn remove(&mut self, hostport: &str, now: u64, ban: bool) -> bool {
        let Some(entry) = self.entries.remove(hostport) else {
            return false;
        };
        self.slots.remove(&entry.slot);
        if ban {
            self.banned
                .insert(hostport.to_owned(), now.saturating_add(self.cfg.lifetime));
        }
        true
    }

    /// Records one request to `hostport` and whether it got a useful reply, pruning history
    /// older than the lifetime window (`atlas_peer_update_health`).
    pub fn record(&mut self, hostport: &str, now: u64, responded: bool) {
        let lifetime = self.cfg.lifetime;
        if let Some(e) = self.entries.get_mut(hostport) {
            while e
                .events
                .front()
                .is_some_and(|(t, _)| t.saturating_add(lifetime) < now)
            {
                e.events.pop_front();
            }
            e.events.push_back((now, responded));
        }
    }

    /// Records a failed request caused by invalid data from `hostport`. Returns whether the
    /// peer has now reached the violation limit (the caller then removes and bans it).
    pub fn record_violation(&mut self, hostport: &str, now: u64) -> bool {
        self.record(hostport, now, false);
        let limit = self.cfg.violation_limit;
        self.entries.get_mut(hostport).is_some_and(|e| {
            e.violations = e.violations.saturating_add(1);
            !e.whitelisted && e.violations >= limit
        })
    }

    /// The entry for `hostport`.
    pub fn get(&self, hostport: &str) -> Option<&PeerEntry> {
        self.entries.get(hostport)
    }

    /// Whether `hostport` is in the table.
    pub fn contains(&self, hostport: &str) -> bool {
        self.entries.contains_key(hostport)
    }

    /// Number of peers.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every peer, in key order.
    pub fn entries(&self) -> impl Iterator<Item = &PeerEntry> {
        self.entries.values()
    }

    /// Every peer's address, in key order.
    pub fn hostports(&self) -> Vec<String> {
        self.entries.keys().cloned().collect()
    }

    /// Health of `hostport` (0.0 if unknown).
    pub fn health(&self, hostport: &str) -> f64 {
        self.entries.get(hostport).map_or(0.0, PeerEntry::health)
    }

    /// Live neighbours: every peer but `exclude` with at least one successful request and
    /// health ≥ 0.5, shuffled, at most 80 (`atlas_get_live_neighbors`, §7.4).
    pub fn live_neighbors(&self, exclude: Option<&str>, rng: &mut impl Rng) -> Vec<String> {
        let mut live: Vec<String> = self
            .entries
            .values()
            .filter(|e| Some(e.hostport.as_str()) != exclude)
            .filter(|e| e.request_count() >= 1 && e.health() >= MIN_PEER_HEALTH)
            .map(|e| e.hostport.clone())
            .collect();
        live.shuffle(rng);
        live.truncate(NUM_NEIGHBORS);
        live
    }

    /// A uniformly random peer.
    pub fn random_peer(&self, rng: &mut impl Rng) -> Option<String> {
        let keys: Vec<&String> = self.entries.keys().collect();
        keys.choose(rng).map(|s| (*s).clone())
    }

    /// Peers whose inventory copy was never refreshed or is older than `interval` (§9).
    pub fn needing_refresh(&self, now: u64, interval: u64) -> Vec<String> {
        self.entries
            .values()
            .filter(|e| {
                e.inventory_refreshed
                    .is_none_or(|t| t.saturating_add(interval) <= now)
            })
            .map(|e| e.hostport.clone())
            .collect()
    }

    /// Stores a refreshed (or, on failure, emptied) inventory copy and the refresh time.
    pub fn set_inventory(&mut self, hostport: &str, inv: Vec<u8>, now: u64) {
        if let Some(e) = self.entries.get_mut(hostport) {
            e.inventory = inv;
            e.inventory_refreshed = Some(now);
        }
    }

    /// Sets or clears bits of our copy of a peer's inventory: cleared when it failed to
    /// deliver what it advertised (§10 step 5), set when it accepted a pushed chunk.
    pub fn set_inventory_bits(&mut self, hostport: &str, bits: &[u64], value: bool) {
        if let Some(e) = self.entries.get_mut(hostport) {
            for &b in bits {
                set_bit(&mut e.inventory, b, value);
            }
        }
    }

    /// Forces the next refresh of `hostport`'s inventory copy.
    pub fn expire_inventory(&mut self, hostport: &str) {
        if let Some(e) = self.entries.get_mut(hostport) {
            e.inventory_refreshed = None;
        }
    }

    /// Up to ten peers cleanup should remove (§7.6 step 2, plus the rules in the module doc):
    /// not seeds, and either ≥ 10 successful requests with health < 0.5 (v0.18) or ≥ 10
    /// requests of any kind with health < 0.5.
    pub fn unhealthy(&self, rng: &mut impl Rng) -> Vec<String> {
        let mut bad: Vec<String> = self
            .entries
            .values()
            .filter(|e| !e.whitelisted)
            .filter(|e| e.attempts() >= MIN_REQUESTS_FOR_REMOVAL && e.health() < MIN_PEER_HEALTH)
            .map(|e| e.hostport.clone())
            .collect();
        bad.shuffle(rng);
        bad.truncate(PEERS_PER_STEP);
        bad
    }

    /// Peers whose discovery time is older than `max_age` (to be pinged, §7.6 step 1).
    pub fn due_for_revalidation(&self, now: u64, max_age: u64) -> Vec<String> {
        self.entries
            .values()
            .filter(|e| e.discovery_time.saturating_add(max_age) < now)
            .map(|e| e.hostport.clone())
            .collect()
    }

    /// Renews a peer's discovery time after it answered a revalidation ping.
    pub fn renew(&mut self, hostport: &str, now: u64) -> Option<PeerRow> {
        let e = self.entries.get_mut(hostport)?;
        e.discovery_time = now;
        Some(e.row())
    }

    /// Queues a peer that contacted us (§11.4–§11.5): at most 800 queued, known peers and
    /// blacklisted ones are dropped.
    pub fn enqueue_inbound(&mut self, hostport: &str) {
        let Some(hp) = canonical_hostport(hostport) else {
            return;
        };
        if self.entries.contains_key(&hp)
            || !self.may_contact(&hp)
            || self.inbound.len() >= MAX_INBOUND_CANDIDATES
            || self.inbound.contains(&hp)
        {
            return;
        }
        self.inbound.push_back(hp);
    }

    /// Takes every queued inbound candidate.
    pub fn drain_inbound(&mut self) -> Vec<String> {
        self.inbound.drain(..).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn rng() -> StdRng {
        StdRng::seed_from_u64(7)
    }

    fn table(cfg: PeerConfig) -> PeerTable {
        PeerTable::new(cfg)
    }

    fn add(t: &mut PeerTable, hp: &str, rng: &mut StdRng) {
        match t.offer(hp, 0, rng) {
            Admission::Added(_) => {}
            other => panic!("not added: {other:?}"),
        }
    }

    #[test]
    fn canonicalises_like_url_to_host_port() {
        assert_eq!(
            canonical_hostport("127.0.0.1:6270").as_deref(),
            Some("localhost:6270")
        );
        assert_eq!(
            canonical_hostport("node.blockstack.org").as_deref(),
            Some("node.blockstack.org:6264")
        );
        assert_eq!(
            canonical_hostport("http://u@host:1234/x").as_deref(),
            Some("host:1234")
        );
        assert_eq!(canonical_hostport("host:0"), None);
        assert_eq!(canonical_hostport("host:9"), None);
        assert_eq!(canonical_hostport("host:10").as_deref(), Some("host:10"));
        assert_eq!(canonical_hostport("host:65535"), None);
        assert_eq!(canonical_hostport("::1"), None);
        assert_eq!(canonical_hostport("a:b:c"), None);
        assert_eq!(canonical_hostport(""), None);
        assert_eq!(canonical_hostport("<script>:80"), None);
    }

    #[test]
    fn health_is_responses_over_requests_and_count_is_successes() {
        let mut r = rng();
        let mut t = table(PeerConfig::default());
        add(&mut t, "a:6264", &mut r);
        assert_eq!(t.health("a:6264"), 0.0);
        t.record("a:6264", 10, true);
        t.record("a:6264", 11, false);
        t.record("a:6264", 12, false);
        t.record("a:6264", 13, true);
        let e = t.get("a:6264").expect("entry");
        assert_eq!(e.health(), 0.5);
        assert_eq!(e.request_count(), 2);
        assert_eq!(e.attempts(), 4);
        // Events older than the lifetime window are pruned when a new one is recorded.
        t.record("a:6264", 10 + PEER_LIFETIME_INTERVAL + 5, true);
        let e = t.get("a:6264").expect("entry");
        assert_eq!(e.attempts(), 1);
        assert_eq!(e.health(), 1.0);
    }

    #[test]
    fn live_neighbours_need_a_success_and_half_health() {
        let mut r = rng();
        let mut t = table(PeerConfig::default());
        for hp in ["a:11", "b:11", "c:11", "d:11"] {
            add(&mut t, hp, &mut r);
        }
        t.record("a:11", 1, true);
        t.record("b:11", 1, true);
        t.record("b:11", 1, false);
        t.record("b:11", 1, false);
        t.record("c:11", 1, false);
        let mut live = t.live_neighbors(None, &mut r);
        live.sort();
        assert_eq!(live, vec!["a:11"]);
        assert!(t.live_neighbors(Some("a:11"), &mut r).is_empty());
    }

    #[test]
    fn at_most_eighty_live_neighbours_are_handed_out() {
        let mut r = rng();
        let mut t = table(PeerConfig::default());
        let mut added = Vec::new();
        for i in 0..200 {
            let hp = format!("peer{i}:6264");
            if let Admission::Added(_) = t.offer(&hp, 0, &mut r) {
                t.record(&hp, 1, true);
                added.push(hp);
            }
        }
        assert!(added.len() > NUM_NEIGHBORS, "{} admitted", added.len());
        let mut live = t.live_neighbors(None, &mut r);
        assert_eq!(live.len(), NUM_NEIGHBORS);
        assert_eq!(NUM_NEIGHBORS, 80);
        live.sort();
        live.dedup();
        assert_eq!(live.len(), 80, "no peer twice");
        assert!(live.iter().all(|hp| added.contains(hp)));
    }

    #[test]
    fn blacklist_self_and_bans_refuse_admission() {
        let mut r = rng();
        let mut t = table(PeerConfig {
            self_hostport: Some("me:11".into()),
            blacklist: vec!["bad:11".into()],
            seeds: vec!["seed:11".into(), "bad:11".into()],
            ..PeerConfig::default()
        });
        let added = t.load(
            vec![PeerRow {
                hostport: "bad:11".into(),
                slot: 3,
                discovery_time: 0,
            }],
            0,
            &mut r,
        );
        assert_eq!(added.len(), 1, "only the seed that is not blacklisted");
        assert!(t.contains("seed:11") && !t.contains("bad:11"));
        assert_eq!(
            t.offer("bad:11", 0, &mut r),
            Admission::Refused(Refusal::Blacklisted)
        );
        assert_eq!(
            t.offer("me:11", 0, &mut r),
            Admission::Refused(Refusal::Ourselves)
        );
        assert_eq!(
            t.offer("seed:11", 0, &mut r),
            Admission::Refused(Refusal::AlreadyKnown)
        );
        add(&mut t, "x:11", &mut r);
        t.remove("x:11", 100, true);
        assert_eq!(
            t.offer("x:11", 101, &mut r),
            Admission::Refused(Refusal::Banned)
        );
        assert!(matches!(
            t.offer("x:11", 100 + PEER_LIFETIME_INTERVAL + 1, &mut r),
            Admission::Added(_)
        ));
        t.enqueue_inbound("bad:11");
        t.enqueue_inbound("seed:11");
        t.enqueue_inbound("new:11");
        t.enqueue_inbound("new:11");
        assert_eq!(t.drain_inbound(), vec!["new:11"]);
    }

    #[test]
    fn slot_collision_pings_then_replaces_a_dead_occupant() {
        let mut r = rng();
        let mut t = table(PeerConfig {
            max_peers: 1,
            ..PeerConfig::default()
        });
        add(&mut t, "old:11", &mut r);
        let Admission::Collision {
            candidate,
            occupant,
            slot,
        } = t.offer("new:11", 0, &mut r)
        else {
            panic!("expected a collision");
        };
        assert_eq!(occupant, "old:11");
        assert_eq!(
            t.resolve_collision(&candidate, &occupant, slot, true, 1),
            None
        );
        assert!(t.contains("old:11") && !t.contains("new:11"));
        let (removed, row) = t
            .resolve_collision(&candidate, &occupant, slot, false, 1)
            .expect("replaced");
        assert_eq!(
            (removed.as_str(), row.hostport.as_str()),
            ("old:11", "new:11")
        );
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn unhealthy_and_violating_peers_are_flagged_but_seeds_are_kept() {
        let mut r = rng();
        let mut t = table(PeerConfig {
            seeds: vec!["seed:11".into()],
            ..PeerConfig::default()
        });
        t.load(Vec::new(), 0, &mut r);
        add(&mut t, "slow:11", &mut r);
        add(&mut t, "ok:11", &mut r);
        for i in 0..MIN_REQUESTS_FOR_REMOVAL as u64 {
            t.record("slow:11", i, false);
            t.record("seed:11", i, false);
            t.record("ok:11", i, i % 2 == 0);
        }
        assert_eq!(t.unhealthy(&mut r), vec!["slow:11"]);
        assert!(!t.record_violation("ok:11", 20));
        assert!(!t.record_violation("ok:11", 21));
        assert!(t.record_violation("ok:11", 22));
        assert!(!t.record_violation("seed:11", 22));
        assert!(!t.record_violation("seed:11", 22));
        assert!(!t.record_violation("seed:11", 22));
    }

    #[test]
    fn admission_checks_version_staleness_and_fork() {
        let ours = ChainView {
            last_block: Some(100),
            recent_consensus: vec!["c100".into(), "c99".into()],
        };
        let good = PeerInfo {
            server_version: Some("0.18.0.2".into()),
            last_block_processed: Some(99),
            consensus: Some("c99".into()),
            stale: false,
        };
        assert_eq!(check_peer_info(&good, &ours), Ok(()));
        let old = PeerInfo {
            server_version: Some("0.16.9".into()),
            ..good.clone()
        };
        assert_eq!(check_peer_info(&old, &ours), Err(Refusal::TooOld));
        // The boundary: every 0.17 release is admitted, 0.16.99 is not.
        for (version, admitted) in [("0.17.0", true), ("0.17.9", true), ("0.16.99", false)] {
            let peer = PeerInfo {
                server_version: Some(version.into()),
                ..good.clone()
            };
            assert_eq!(check_peer_info(&peer, &ours).is_ok(), admitted, "{version}");
        }
        let none = PeerInfo {
            server_version: None,
            ..good.clone()
        };
        assert_eq!(check_peer_info(&none, &ours), Err(Refusal::TooOld));
        let stale = PeerInfo {
            stale: true,
            ..good.clone()
        };
        assert_eq!(check_peer_info(&stale, &ours), Err(Refusal::Unresponsive));
        let fork = PeerInfo {
            consensus: Some("zz".into()),
            ..good.clone()
        };
        assert_eq!(check_peer_info(&fork, &ours), Err(Refusal::OtherFork));
        let ahead = PeerInfo {
            last_block_processed: Some(101),
            ..fork
        };
        assert_eq!(check_peer_info(&ahead, &ours), Ok(()));
        assert_eq!(check_peer_info(&good, &ChainView::default()), Ok(()));
    }
}
