//! The block processor: the collision pre-scan, then check-and-apply of every op in block order
//! against the state as of the previous block plus this block's own writes (spec §6).
//!
//! Lookups are evaluated "as of lastblock" (N − 1), so a name created in block N is invisible to
//! the rest of block N while rows changed in place are seen with their new values (spec §6.1).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use crate::consensus_hash::{block_consensus_hash, ops_hash, prior_heights, ConsensusRecord};
use crate::op::{OpKind, ParsedOp};
use crate::record::{NameRecord, NamespaceRecord, PreorderKind, PreorderRecord};
use crate::rules::{Rules, CONSENSUS_HASH_WINDOW, GENESIS_CONSENSUS_HASH};
use crate::state::{Accepted, BlockOutcome, HistoryEntry, Rejection, StateView};

mod name_ops;
mod namespace_ops;

/// Processes one block's parsed ops (in block order) and returns what to commit.
pub fn process_block<V: StateView>(
    view: &V,
    rules: &Rules,
    height: u64,
    ops: Vec<ParsedOp>,
) -> BlockOutcome {
    let mut block = Block::new(view, rules, height);
    block.prescan(&ops);
    for op in ops {
        match block.check_and_apply(&op) {
            Ok(record) => {
                block.registrations.extend(registration_owner(&record));
                block.outcome.accepted.push(Accepted { op, record });
            }
            Err(why) => block.outcome.rejected.push((op, why)),
        }
    }
    block.finish()
}

/// The owner script a record counts against in this block's name quota (spec §9.1 step 3).
fn registration_owner(record: &ConsensusRecord) -> Option<String> {
    match record {
        ConsensusRecord::NameRegistration(r) if r.op == crate::record::NameOp::Registration => {
            Some(r.sender.clone())
        }
        _ => None,
    }
}

/// The per-block collision keys (spec §6.3, §6.4).
#[derive(Default)]
struct Collisions {
    names: HashSet<String>,
    namespaces: HashSet<String>,
    preorders: HashSet<String>,
}

/// A check failure or an accepted op's consensus record.
type Checked = Result<ConsensusRecord, Rejection>;

fn reject(why: &'static str) -> Rejection {
    Rejection::Check(why)
}

/// The working state of one block.
pub(crate) struct Block<'a, V> {
    view: &'a V,
    rules: &'a Rules,
    height: u64,
    lastblock: u64,
    names: HashMap<String, NameRecord>,
    namespaces: HashMap<String, NamespaceRecord>,
    new_preorders: Vec<PreorderRecord>,
    consumed: HashSet<String>,
    keychains: HashMap<String, Vec<String>>,
    /// Owner scripts of registrations counted against the quota in this block.
    registrations: Vec<String>,
    collisions: Collisions,
    /// Consensus hashes of blocks N − 24 … N − 1, ascending height, distinct.
    recent: Vec<String>,
    /// The network's burn address.
    burn_address: String,
    /// Whether this is the pre-scan, where collisions are recorded instead of enforced.
    prescan: Option<Prescan>,
    outcome: BlockOutcome,
}

/// The pre-scan's collision table: value → whether each earlier op holding it was a registration.
#[derive(Default)]
struct Prescan {
    /// Values that reached the collision step: `(is_namespace, value)`.
    table: HashSet<(bool, String)>,
    /// Every op scanned so far: `(is_namespace, value, whether its op string is still a
    /// creation)`. An op that passed as a renewal is `::`; every other one, accepted or not,
    /// keeps its parsed `:`, `;` or `&`.
    scanned: Vec<(bool, String, bool)>,
    collided_names: HashSet<String>,
    collided_namespaces: HashSet<String>,
}

impl<'a, V: StateView> Block<'a, V> {
    fn new(view: &'a V, rules: &'a Rules, height: u64) -> Self {
        Self {
            view,
            rules,
            height,
            lastblock: height.saturating_sub(1),
            names: HashMap::new(),
            namespaces: HashMap::new(),
            new_preorders: Vec::new(),
            consumed: HashSet::new(),
            keychains: HashMap::new(),
            registrations: Vec::new(),
            collisions: Collisions::default(),
            recent: recent_consensus_hashes(view, rules, height),
            burn_address: rules.burn_address(),
            prescan: None,
            outcome: BlockOutcome {
                height,
                ..BlockOutcome::default()
            },
        }
    }

    /// Phase A: validate the state-creating ops against the pre-block state to find names and
    /// namespaces that two valid ops would create (spec §6.3). Only the keychains it materializes
    /// and the collided keys survive.
    fn prescan(&mut self, ops: &[ParsedOp]) {
        // A name or namespace can only collide if two ops of the block would create it, and
        // only imports have a side effect here (the keychain), so every other op is skipped.
        let mut seen: HashMap<(bool, &str), usize> = HashMap::new();
        for op in ops {
            match &op.kind {
                OpKind::NameRegistration { name, .. } => {
                    *seen.entry((false, name)).or_default() += 1
                }
                OpKind::NamespaceReveal { reveal, .. } => {
                    *seen.entry((true, &reveal.namespace_id)).or_default() += 1
                }
                _ => {}
            }
        }
        let contested = |op: &ParsedOp| match &op.kind {
            OpKind::NameRegistration { name, .. } => {
                seen.get(&(false, name.as_str())).is_some_and(|n| *n > 1)
            }
            OpKind::NamespaceReveal { reveal, .. } => seen
                .get(&(true, reveal.namespace_id.as_str()))
                .is_some_and(|n| *n > 1),
            OpKind::NameImport { .. } => true,
            _ => false,
        };
        if !ops.iter().any(contested) {
            return;
        }
        let mut scan = Block::new(self.view, self.rules, self.height);
        scan.prescan = Some(Prescan::default());
        for op in ops {
            let (counted, entry) = match &op.kind {
                OpKind::NameRegistration {
                    recipient, name, ..
                } => match scan.check_and_apply_dry(op) {
                    Some(Ok(ConsensusRecord::NameRegistration(r)))
                        if r.op == crate::record::NameOp::Registration =>
                    {
                        (
                            Some(recipient.script.clone()),
                            Some((false, name.clone(), true)),
                        )
                    }
                    // Passed as a renewal: its op string is now `::`.
                    Some(Ok(_)) => (None, Some((false, name.clone(), false))),
                    _ => (
                        Some(op.sender.script.clone()),
                        Some((false, name.clone(), true)),
                    ),
                },
                OpKind::NameImport { name, .. } => {
                    let _ = scan.check_and_apply_dry(op);
                    (None, Some((false, name.clone(), true)))
                }
                OpKind::NamespaceReveal { reveal, .. } => {
                    let _ = scan.check_and_apply_dry(op);
                    (None, Some((true, reveal.namespace_id.clone(), true)))
                }
                _ => (None, None),
            };
            if let (Some(entry), Some(p)) = (entry, scan.prescan.as_mut()) {
                p.scanned.push(entry);
            }
            scan.registrations.extend(counted);
        }
        if let Some(p) = scan.prescan.take() {
            self.collisions.names = p.collided_names;
            self.collisions.namespaces = p.collided_namespaces;
        }
        self.keychains = scan.keychains;
    }

    /// Checks an op in the pre-scan without keeping its state changes.
    fn check_and_apply_dry(&mut self, op: &ParsedOp) -> Option<Checked> {
        let result = match &op.kind {
            OpKind::NameRegistration { .. } => self.check_registration(op),
            OpKind::NameImport { .. } => self.check_import(op, false),
            OpKind::NamespaceReveal { .. } => self.check_namespace_reveal(op, false),
            _ => return None,
        };
        Some(result)
    }

    /// Phase B: validate one op against the live state and apply it if valid.
    fn check_and_apply(&mut self, op: &ParsedOp) -> Checked {
        match &op.kind {
            OpKind::NamePreorder { .. } => self.check_name_preorder(op),
            OpKind::NameRegistration { .. } => self.check_registration(op),
            OpKind::NameUpdate { .. } => self.check_update(op),
            OpKind::NameTransfer { .. } => self.check_transfer(op),
            OpKind::NameRevoke { .. } => self.check_revoke(op),
            OpKind::NameImport { .. } => self.check_import(op, true),
            OpKind::NamespacePreorder { .. } => self.check_namespace_preorder(op),
            OpKind::NamespaceReveal { .. } => self.check_namespace_reveal(op, true),
            OpKind::NamespaceReady { .. } => self.check_namespace_ready(op),
            // ANNOUNCE changes no state and enters no consensus hash (spec §9.8).
            OpKind::Announce { .. } => Err(reject("announcements have no consensus effect")),
        }
    }

    /// The collision step for a name or namespace (spec §6.3 step 2, §6.4 step 2).
    /// `registration` is false for an op that passed as a renewal.
    fn collide(&mut self, namespace: bool, value: &str) -> Result<(), Rejection> {
        if let Some(scan) = self.prescan.as_mut() {
            let key = (namespace, value.to_string());
            if scan.table.contains(&key) {
                // Every earlier scanned op of this value that is still a creation is marked,
                // whether or not it passed its own checks (`check_collision_state`).
                let marked = scan
                    .scanned
                    .iter()
                    .any(|(ns, v, creation)| *ns == namespace && v == value && *creation);
                if marked {
                    let collided = if namespace {
                        &mut scan.collided_namespaces
                    } else {
                        &mut scan.collided_names
                    };
                    collided.insert(value.to_string());
                }
                return Err(reject("collides with an earlier op in this block"));
            }
            scan.table.insert(key);
            return Ok(());
        }
        let set = if namespace {
            &mut self.collisions.namespaces
        } else {
            &mut self.collisions.names
        };
        if !set.insert(value.to_string()) {
            return Err(reject("collides with another op in this block"));
        }
        Ok(())
    }

    fn collide_preorder(&mut self, hash: &str) -> Result<(), Rejection> {
        if !self.collisions.preorders.insert(hash.to_string()) {
            return Err(reject(
                "preorder hash collides with another preorder in this block",
            ));
        }
        Ok(())
    }

    fn finish(mut self) -> BlockOutcome {
        let mut names: Vec<NameRecord> = self.names.into_values().collect();
        names.sort_by(|a, b| a.name.cmp(&b.name));
        let mut namespaces: Vec<NamespaceRecord> = self.namespaces.into_values().collect();
        namespaces.sort_by(|a, b| a.namespace_id.cmp(&b.namespace_id));
        self.outcome.new_preorders = self.new_preorders;
        let mut consumed: Vec<String> = self.consumed.into_iter().collect();
        consumed.sort();
        self.outcome.consumed_preorders = consumed;
        self.outcome.names = names;
        self.outcome.namespaces = namespaces;
        let mut keychains: Vec<(String, Vec<String>)> = self
            .keychains
            .into_iter()
            .filter(|(id, _)| self.view.keychain(id).is_none())
            .collect();
        keychains.sort();
        self.outcome.keychains = keychains;
        let ops_hash = ops_hash(self.outcome.accepted.iter().map(|a| &a.record));
        let prior: Vec<String> = prior_heights(self.height, self.rules.first_block)
            .filter_map(|h| consensus_hash_at(self.view, self.rules, h))
            .collect();
        self.outcome.consensus_hash = block_consensus_hash(&ops_hash, &prior);
        self.outcome.ops_hash = ops_hash;
        self.outcome
    }

    // ---- lookups -------------------------------------------------------------------------

    fn name_row(&self, name: &str) -> Option<Cow<'_, NameRecord>> {
        match self.names.get(name) {
            Some(r) => Some(Cow::Borrowed(r)),
            None => self.view.name(name),
        }
    }

    fn namespace_row(&self, id: &str) -> Option<Cow<'_, NamespaceRecord>> {
        match self.namespaces.get(id) {
            Some(ns) => Some(Cow::Borrowed(ns)),
            None => self.view.namespace(id),
        }
    }

    /// `alive(name, b)` of spec §8.1.
    fn alive_at(&self, rec: &NameRecord, b: u64, require_registered: bool) -> bool {
        if require_registered && rec.first_registered > b {
            return false;
        }
        let Some(ns) = self.namespace_row(&rec.namespace_id) else {
            return false;
        };
        let epoch = self.rules.epoch(b);
        if ns.ready {
            let life = u64::from(ns.lifetime) * epoch.lifetime_multiplier + epoch.grace_period;
            ns.ready_block + life > b || rec.last_renewed + life >= b
        } else {
            ns.reveal_block <= b && b < ns.reveal_block + self.rules.namespace_reveal_expire
        }
    }

    /// `in_grace(name, b)` of spec §8.2.
    fn in_grace(&self, rec: &NameRecord, b: u64) -> bool {
        if !self.alive_at(rec, b, true) {
            return false;
        }
        let Some(ns) = self.namespace_row(&rec.namespace_id) else {
            return false;
        };
        if !ns.ready {
            return false;
        }
        let epoch = self.rules.epoch(b);
        let expires = ns.ready_block.max(rec.last_renewed)
            + u64::from(ns.lifetime) * epoch.lifetime_multiplier;
        expires <= b && b < expires + epoch.grace_period
    }

    /// The name's row if it is alive at lastblock (revoked or not).
    fn present(&self, name: &str) -> Option<Cow<'_, NameRecord>> {
        self.name_row(name)
            .filter(|r| self.alive_at(r, self.lastblock, true))
    }

    fn is_registered(&self, name: &str) -> bool {
        self.present(name).is_some_and(|r| !r.revoked)
    }

    fn is_revoked(&self, name: &str) -> bool {
        self.present(name).is_some_and(|r| r.revoked)
    }

    fn is_owner(&self, name: &str, script: &str) -> bool {
        self.present(name)
            .is_some_and(|r| !r.revoked && r.sender == script)
    }

    fn namespace_ready(&self, id: &str) -> Option<Cow<'_, NamespaceRecord>> {
        self.namespace_row(id).filter(|ns| ns.ready)
    }

    /// A namespace revealed, not ready and not expired at lastblock.
    fn namespace_revealed(&self, id: &str) -> Option<Cow<'_, NamespaceRecord>> {
        let b = self.lastblock;
        self.namespace_row(id).filter(|ns| {
            !ns.ready
                && ns.reveal_block <= b
                && b < ns.reveal_block + self.rules.namespace_reveal_expire
        })
    }

    /// Registered names owned by `script` at lastblock.
    fn names_owned(&self, script: &str) -> Vec<Cow<'_, NameRecord>> {
        let mut candidates: HashSet<String> =
            self.view.names_by_sender(script).into_iter().collect();
        candidates.extend(
            self.names
                .values()
                .filter(|r| r.sender == script)
                .map(|r| r.name.clone()),
        );
        let mut owned: Vec<Cow<'_, NameRecord>> = candidates
            .iter()
            .filter_map(|n| self.present(n))
            .filter(|r| !r.revoked && r.sender == script)
            .collect();
        owned.sort_by(|a, b| a.name.cmp(&b.name));
        owned
    }

    /// `get_num_names_owned`: registered names plus this block's registrations to `script`.
    fn num_names_owned(&self, script: &str) -> usize {
        self.names_owned(script).len() + self.registrations.iter().filter(|s| *s == script).count()
    }

    /// Whether `ch` is the consensus hash of one of blocks N − 24 … N − 1.
    fn consensus_hash_valid(&self, ch: &str) -> bool {
        self.recent_consensus_hashes().iter().any(|c| c == ch)
    }

    /// Consensus hashes of blocks N − 24 … N − 1, ascending height, distinct.
    fn recent_consensus_hashes(&self) -> &[String] {
        &self.recent
    }

    /// Stored preorders of one kind with this hash, oldest first, including this block's.
    fn preorders(&self, hash: &str, kind: PreorderKind) -> Vec<PreorderRecord> {
        // Stored rows of a hash consumed earlier in this block are gone; preorders made in this
        // block after the consumption are not (the original deletes at each acceptance).
        let mut all = if self.consumed.contains(hash) {
            Vec::new()
        } else {
            self.view.preorders(hash)
        };
        all.extend(
            self.new_preorders
                .iter()
                .filter(|p| p.preorder_hash == hash)
                .cloned(),
        );
        all.retain(|p| p.kind == kind);
        all
    }

    /// `namedb_get_name_preorder`: the first name preorder with this hash, unless a name row
    /// created by that preorder hash is alive at lastblock.
    fn name_preorder(&self, hash: &str) -> Option<PreorderRecord> {
        let first = self
            .preorders(hash, PreorderKind::Name)
            .into_iter()
            .next()?;
        let mut holders: HashSet<String> =
            self.view.names_by_preorder_hash(hash).into_iter().collect();
        holders.extend(
            self.names
                .values()
                .filter(|r| r.preorder_hash == hash)
                .map(|r| r.name.clone()),
        );
        let hidden = holders
            .iter()
            .filter_map(|n| self.name_row(n))
            .any(|r| r.preorder_hash == hash && self.alive_at(&r, self.lastblock, true));
        (!hidden).then_some(first)
    }

    /// `namedb_get_namespace_preorder`: the first namespace preorder with this hash, unless a
    /// namespace row carries that preorder hash.
    fn namespace_preorder(&self, hash: &str) -> Option<PreorderRecord> {
        let first = self
            .preorders(hash, PreorderKind::Namespace)
            .into_iter()
            .next()?;
        let mut holders: HashSet<String> = self
            .view
            .namespaces_by_preorder_hash(hash)
            .into_iter()
            .collect();
        holders.extend(
            self.namespaces
                .values()
                .filter(|n| n.preorder_hash == hash)
                .map(|n| n.namespace_id.clone()),
        );
        let hidden = holders
            .iter()
            .filter_map(|id| self.namespace_row(id))
            .any(|ns| ns.preorder_hash == hash);
        (!hidden).then_some(first)
    }

    fn keychain(&self, id: &str) -> Option<Vec<String>> {
        self.keychains
            .get(id)
            .cloned()
            .or_else(|| self.view.keychain(id))
    }

    // ---- writes --------------------------------------------------------------------------

    fn put_name(&mut self, rec: NameRecord, creator_address: Option<String>) {
        if self.prescan.is_none() {
            self.outcome.history.push(HistoryEntry {
                id: rec.name.clone(),
                block: self.height,
                vtxindex: rec.vtxindex,
                txid: rec.txid.clone(),
                op: rec.op.as_str().to_string(),
                creator_address,
                state: crate::state::HistoryState::Name(rec.clone()),
            });
            self.names.insert(rec.name.clone(), rec);
        }
    }

    fn put_namespace(&mut self, ns: NamespaceRecord, creator_address: Option<String>) {
        if self.prescan.is_none() {
            self.outcome.history.push(HistoryEntry {
                id: ns.namespace_id.clone(),
                block: self.height,
                vtxindex: ns.vtxindex,
                txid: ns.txid.clone(),
                op: ns.op_str().to_string(),
                creator_address,
                state: crate::state::HistoryState::Namespace(ns.clone()),
            });
            self.namespaces.insert(ns.namespace_id.clone(), ns);
        }
    }

    /// Files a consumed preorder under the entity it created and deletes every preorder with
    /// its hash.
    fn consume_preorder(&mut self, id: &str, preorder: &PreorderRecord) {
        if self.prescan.is_none() {
            self.outcome.history.push(HistoryEntry {
                id: id.to_string(),
                block: preorder.block_number,
                vtxindex: preorder.vtxindex,
                txid: preorder.txid.clone(),
                op: preorder.kind.as_str().to_string(),
                creator_address: None,
                state: crate::state::HistoryState::Preorder(preorder.clone()),
            });
            self.consumed.insert(preorder.preorder_hash.clone());
            self.new_preorders
                .retain(|p| p.preorder_hash != preorder.preorder_hash);
        }
    }

    /// The record a name or namespace preorder stores (spec §9.1, §9.9).
    fn preorder_record(
        &self,
        op: &ParsedOp,
        preorder_hash: &str,
        consensus_hash: &str,
        fee: &crate::op::FeeOutput,
        kind: PreorderKind,
    ) -> PreorderRecord {
        PreorderRecord {
            preorder_hash: preorder_hash.to_string(),
            consensus_hash: consensus_hash.to_string(),
            sender: op.sender.script.clone(),
            sender_pubkey: op.sender_pubkey.clone(),
            address: op.sender.address.clone(),
            block_number: self.height,
            kind,
            op_fee: fee.amount,
            txid: op.txid.clone(),
            vtxindex: op.vtxindex,
            burn_address: fee.address.clone(),
        }
    }

    fn put_preorder(&mut self, p: PreorderRecord) {
        if self.prescan.is_none() {
            self.new_preorders.push(p);
        }
    }
}

/// Consensus hashes of blocks `height − 24 … height − 1`, ascending height, distinct.
fn recent_consensus_hashes<V: StateView>(view: &V, rules: &Rules, height: u64) -> Vec<String> {
    let from = height.saturating_sub(CONSENSUS_HASH_WINDOW);
    let mut out: Vec<String> = Vec::with_capacity(CONSENSUS_HASH_WINDOW as usize);
    for h in from..height {
        if let Some(ch) = consensus_hash_at(view, rules, h) {
            if !out.contains(&ch) {
                out.push(ch);
            }
        }
    }
    out
}

/// The consensus hash of block `h`: stored, or the genesis value for the four blocks before the
/// first block.
fn consensus_hash_at<V: StateView>(view: &V, rules: &Rules, h: u64) -> Option<String> {
    if h < rules.first_block {
        (h + 4 >= rules.first_block).then(|| GENESIS_CONSENSUS_HASH.to_string())
    } else {
        view.consensus_hash(h)
    }
}
