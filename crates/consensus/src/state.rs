//! The read-only view of BNS state the block processor validates against, the changes a block
//! produces, and an in-memory state for tests and benchmarks.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::consensus_hash::ConsensusRecord;
use crate::op::ParsedOp;
use crate::record::{NameRecord, NamespaceRecord, PreorderRecord};

/// The state as of the end of the previous block.
///
/// Index lookups (`names_by_*`) may return more names than match: the processor re-checks each
/// candidate against its current record. They must not return fewer.
pub trait StateView {
    /// A name's row, whatever its expiry.
    fn name(&self, name: &str) -> Option<Cow<'_, NameRecord>>;
    /// A namespace's row, revealed or ready, whatever its age.
    fn namespace(&self, namespace_id: &str) -> Option<Cow<'_, NamespaceRecord>>;
    /// Outstanding preorders with this hash, ordered by `(block_number, txid)`.
    fn preorders(&self, preorder_hash: &str) -> Vec<PreorderRecord>;
    /// Names whose owner script is `script`.
    fn names_by_sender(&self, script: &str) -> Vec<String>;
    /// Names whose `name_hash128` is `hash`.
    fn names_by_hash128(&self, hash: &str) -> Vec<String>;
    /// Names whose `preorder_hash` is `hash`.
    fn names_by_preorder_hash(&self, hash: &str) -> Vec<String>;
    /// Namespaces whose `preorder_hash` is `hash`.
    fn namespaces_by_preorder_hash(&self, hash: &str) -> Vec<String>;
    /// The consensus hash of a processed block at or after the first block.
    fn consensus_hash(&self, height: u64) -> Option<String>;
    /// The import keychain (p2pkh addresses) of a namespace, once materialized.
    fn keychain(&self, namespace_id: &str) -> Option<Vec<String>>;
}

impl<T: StateView + ?Sized> StateView for &T {
    fn name(&self, name: &str) -> Option<Cow<'_, NameRecord>> {
        (**self).name(name)
    }
    fn namespace(&self, namespace_id: &str) -> Option<Cow<'_, NamespaceRecord>> {
        (**self).namespace(namespace_id)
    }
    fn preorders(&self, preorder_hash: &str) -> Vec<PreorderRecord> {
        (**self).preorders(preorder_hash)
    }
    fn names_by_sender(&self, script: &str) -> Vec<String> {
        (**self).names_by_sender(script)
    }
    fn names_by_hash128(&self, hash: &str) -> Vec<String> {
        (**self).names_by_hash128(hash)
    }
    fn names_by_preorder_hash(&self, hash: &str) -> Vec<String> {
        (**self).names_by_preorder_hash(hash)
    }
    fn namespaces_by_preorder_hash(&self, hash: &str) -> Vec<String> {
        (**self).namespaces_by_preorder_hash(hash)
    }
    fn consensus_hash(&self, height: u64) -> Option<String> {
        (**self).consensus_hash(height)
    }
    fn keychain(&self, namespace_id: &str) -> Option<Vec<String>> {
        (**self).keychain(namespace_id)
    }
}

/// A state written to an entity's history.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum HistoryState {
    /// A name's state after an op.
    Name(NameRecord),
    /// A namespace's state after an op.
    Namespace(NamespaceRecord),
    /// A consumed preorder, filed under the name or namespace it created.
    Preorder(PreorderRecord),
}

/// One history row (spec §11.4).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// The name or namespace ID.
    pub id: String,
    /// The block of the op (a consumed preorder's own block).
    pub block: u64,
    /// The op's position in that block.
    pub vtxindex: u32,
    /// The op's txid.
    pub txid: String,
    /// The stored op string.
    pub op: String,
    /// The creator address of DIDs, for registrations, first imports and reveals.
    pub creator_address: Option<String>,
    /// The state after the op.
    pub state: HistoryState,
}

/// Why a parsed op was not accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum Rejection {
    /// A named check of the original failed.
    #[error("{0}")]
    Check(&'static str),
    /// The original node crashes on this op; no outcome can agree with it (spec §14).
    #[error("the original node aborts on this op: {0}")]
    ReferenceAbort(&'static str),
}

/// An op that was accepted, with what it contributes to the consensus hash.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Accepted {
    /// The op as parsed.
    pub op: ParsedOp,
    /// Its consensus record.
    pub record: ConsensusRecord,
}

/// Everything one block changes, to be committed atomically.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BlockOutcome {
    /// The block height.
    pub height: u64,
    /// Accepted ops in acceptance (block) order.
    pub accepted: Vec<Accepted>,
    /// Rejected ops with the reason.
    pub rejected: Vec<(ParsedOp, Rejection)>,
    /// Name rows to write (final state at the end of the block).
    pub names: Vec<NameRecord>,
    /// Namespace rows to write.
    pub namespaces: Vec<NamespaceRecord>,
    /// Preorders to insert.
    pub new_preorders: Vec<PreorderRecord>,
    /// Preorder hashes whose rows stored before this block are deleted (applied before
    /// `new_preorders`, which may hold a later preorder of the same hash).
    pub consumed_preorders: Vec<String>,
    /// Keychains materialized in this block.
    pub keychains: Vec<(String, Vec<String>)>,
    /// History rows, in order.
    pub history: Vec<HistoryEntry>,
    /// The ops hash (spec §10.2).
    pub ops_hash: String,
    /// The block's consensus hash (spec §10.4).
    pub consensus_hash: String,
}

/// A complete BNS state in memory: the reference [`StateView`] for tests and benchmarks.
#[derive(Clone, Debug, Default)]
pub struct MemState {
    names: HashMap<String, NameRecord>,
    namespaces: HashMap<String, NamespaceRecord>,
    preorders: HashMap<String, Vec<PreorderRecord>>,
    by_sender: HashMap<String, HashSet<String>>,
    by_hash128: HashMap<String, String>,
    by_preorder_hash: HashMap<String, HashSet<String>>,
    ns_by_preorder_hash: HashMap<String, HashSet<String>>,
    consensus: BTreeMap<u64, String>,
    keychains: HashMap<String, Vec<String>>,
    /// Every history row applied, in order.
    pub history: Vec<HistoryEntry>,
}

impl MemState {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Commits a block's outcome.
    pub fn apply(&mut self, outcome: BlockOutcome) {
        for hash in &outcome.consumed_preorders {
            self.preorders.remove(hash);
        }
        for p in outcome.new_preorders {
            let list = self.preorders.entry(p.preorder_hash.clone()).or_default();
            list.push(p);
            list.sort_by(|a, b| (a.block_number, &a.txid).cmp(&(b.block_number, &b.txid)));
        }
        for rec in outcome.names {
            if let Some(old) = self.names.get(&rec.name) {
                if let Some(set) = self.by_sender.get_mut(&old.sender) {
                    set.remove(&old.name);
                }
                if let Some(set) = self.by_preorder_hash.get_mut(&old.preorder_hash) {
                    set.remove(&old.name);
                }
            }
            self.by_sender
                .entry(rec.sender.clone())
                .or_default()
                .insert(rec.name.clone());
            self.by_preorder_hash
                .entry(rec.preorder_hash.clone())
                .or_default()
                .insert(rec.name.clone());
            self.by_hash128
                .insert(rec.name_hash128.clone(), rec.name.clone());
            self.names.insert(rec.name.clone(), rec);
        }
        for ns in outcome.namespaces {
            self.ns_by_preorder_hash
                .entry(ns.preorder_hash.clone())
                .or_default()
                .insert(ns.namespace_id.clone());
            self.namespaces.insert(ns.namespace_id.clone(), ns);
        }
        for (id, keys) in outcome.keychains {
            self.keychains.insert(id, keys);
        }
        self.history.extend(outcome.history);
        self.consensus
            .insert(outcome.height, outcome.consensus_hash);
    }

    /// Every name row.
    pub fn names(&self) -> impl Iterator<Item = &NameRecord> {
        self.names.values()
    }

    /// Every namespace row.
    pub fn namespaces(&self) -> impl Iterator<Item = &NamespaceRecord> {
        self.namespaces.values()
    }

    /// The last processed block and its consensus hash.
    pub fn tip(&self) -> Option<(u64, &str)> {
        self.consensus
            .iter()
            .next_back()
            .map(|(h, c)| (*h, c.as_str()))
    }
}

impl StateView for MemState {
    fn name(&self, name: &str) -> Option<Cow<'_, NameRecord>> {
        self.names.get(name).map(Cow::Borrowed)
    }

    fn namespace(&self, namespace_id: &str) -> Option<Cow<'_, NamespaceRecord>> {
        self.namespaces.get(namespace_id).map(Cow::Borrowed)
    }

    fn preorders(&self, preorder_hash: &str) -> Vec<PreorderRecord> {
        self.preorders
            .get(preorder_hash)
            .cloned()
            .unwrap_or_default()
    }

    fn names_by_sender(&self, script: &str) -> Vec<String> {
        self.by_sender
            .get(script)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn names_by_hash128(&self, hash: &str) -> Vec<String> {
        self.by_hash128.get(hash).cloned().into_iter().collect()
    }

    fn names_by_preorder_hash(&self, hash: &str) -> Vec<String> {
        self.by_preorder_hash
            .get(hash)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn namespaces_by_preorder_hash(&self, hash: &str) -> Vec<String> {
        self.ns_by_preorder_hash
            .get(hash)
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn consensus_hash(&self, height: u64) -> Option<String> {
        self.consensus.get(&height).cloned()
    }

    fn keychain(&self, namespace_id: &str) -> Option<Vec<String>> {
        self.keychains.get(namespace_id).cloned()
    }
}
