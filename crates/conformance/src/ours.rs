//! Our side: the indexer over the same bitcoind into an in-memory snapshot store.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bitcoin::BlockHash;
use blockstack_consensus::record::NameOp;
use blockstack_consensus::{
    AddressNetwork, BlockOutcome, ConsensusRecord, MemState, NameRecord, NamespaceRecord, Rules,
    StateView,
};
use blockstack_indexer::{Indexer, IndexerConfig, Store};
use blockstack_node::chain::BitcoindClient;
use tokio::sync::watch;

use crate::reference::Knobs;
use crate::Error;

/// One accepted op, as the comparator sees it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct AcceptedOp {
    /// Position in the block.
    pub vtxindex: u32,
    /// Txid.
    pub txid: String,
    /// Opcode name as the original reports it (`NAME_RENEWAL` for a re-typed `:`).
    pub opcode: String,
    /// The name or namespace ID it touched, if the op names one.
    pub subject: Option<String>,
}

/// What is kept per block.
#[derive(Clone, Debug)]
pub struct BlockEntry {
    /// The block hash.
    pub hash: BlockHash,
    /// The state after the block.
    pub state: MemState,
    /// Its accepted ops.
    pub accepted: Vec<AcceptedOp>,
    /// Txids of the ops our rules rejected (parsed, then failed a check), with the reason.
    pub rejected: Vec<(String, String)>,
}

/// A store that keeps a snapshot of the whole state after every block.
#[derive(Default)]
pub struct SnapshotStore {
    blocks: BTreeMap<u64, BlockEntry>,
}

fn empty() -> &'static MemState {
    static EMPTY: std::sync::OnceLock<MemState> = std::sync::OnceLock::new();
    EMPTY.get_or_init(MemState::new)
}

/// The opcode name and subject of an accepted op's consensus record.
pub fn describe(record: &ConsensusRecord) -> (&'static str, Option<String>) {
    match record {
        ConsensusRecord::NamePreorder(_) => ("NAME_PREORDER", None),
        ConsensusRecord::NameRegistration(r) if r.op == NameOp::Renewal => {
            ("NAME_RENEWAL", Some(r.name.clone()))
        }
        ConsensusRecord::NameRegistration(r) => ("NAME_REGISTRATION", Some(r.name.clone())),
        ConsensusRecord::NameImport(r) => ("NAME_IMPORT", Some(r.name.clone())),
        ConsensusRecord::NameUpdate(r) => ("NAME_UPDATE", Some(r.name.clone())),
        ConsensusRecord::NameTransfer(r) => ("NAME_TRANSFER", Some(r.name.clone())),
        ConsensusRecord::NameRevoke(r) => ("NAME_REVOKE", Some(r.name.clone())),
        ConsensusRecord::NamespacePreorder(_) => ("NAMESPACE_PREORDER", None),
        ConsensusRecord::NamespaceReveal(r) => ("NAMESPACE_REVEAL", Some(r.namespace_id.clone())),
        ConsensusRecord::NamespaceReady(r) => ("NAMESPACE_READY", Some(r.namespace_id.clone())),
    }
}

impl SnapshotStore {
    /// The state after block `height`, if indexed.
    pub fn state_at(&self, height: u64) -> Option<&MemState> {
        self.blocks.get(&height).map(|b| &b.state)
    }

    /// The accepted ops of block `height`, if indexed.
    pub fn accepted_at(&self, height: u64) -> Option<&[AcceptedOp]> {
        self.blocks.get(&height).map(|b| b.accepted.as_slice())
    }

    /// Why our rules rejected the op with this txid in block `height`, if they did.
    pub fn rejection(&self, height: u64, txid: &str) -> Option<&str> {
        self.blocks
            .get(&height)?
            .rejected
            .iter()
            .find(|(t, _)| t == txid)
            .map(|(_, why)| why.as_str())
    }

    /// The latest state.
    pub fn latest(&self) -> &MemState {
        match self.blocks.values().next_back() {
            Some(b) => &b.state,
            None => empty(),
        }
    }
}

impl Store for SnapshotStore {
    type View<'a> = &'a MemState;

    fn view(&self) -> &MemState {
        self.latest()
    }

    fn tip(&self) -> Result<Option<(u64, BlockHash)>, String> {
        Ok(self.blocks.iter().next_back().map(|(h, b)| (*h, b.hash)))
    }

    fn block_hash(&self, height: u64) -> Result<Option<BlockHash>, String> {
        Ok(self.blocks.get(&height).map(|b| b.hash))
    }

    fn commit(&mut self, outcome: &BlockOutcome, hash: &BlockHash) -> Result<(), String> {
        let mut state = self.view().clone();
        let accepted = outcome
            .accepted
            .iter()
            .map(|a| {
                let (opcode, subject) = describe(&a.record);
                AcceptedOp {
                    vtxindex: a.op.vtxindex,
                    txid: a.op.txid.clone(),
                    opcode: opcode.to_owned(),
                    subject,
                }
            })
            .collect();
        let rejected = outcome
            .rejected
            .iter()
            .map(|(op, why)| (op.txid.clone(), why.to_string()))
            .collect();
        state.apply(outcome.clone());
        self.blocks.insert(
            outcome.height,
            BlockEntry {
                hash: *hash,
                state,
                accepted,
                rejected,
            },
        );
        Ok(())
    }

    fn rollback_to(&mut self, height: u64) -> Result<(), String> {
        self.blocks.retain(|h, _| *h <= height);
        Ok(())
    }
}

/// The rules our node runs with for these knobs (test mode, testnet addresses).
pub fn rules(knobs: &Knobs) -> Rules {
    let mut rules = Rules::test(knobs.first_block, AddressNetwork::Testnet);
    rules.epochs[0].end_block = knobs.epoch1_end;
    rules.epochs[1].end_block = knobs.epoch2_end;
    rules.epochs[2].grace_period = knobs.epoch3_grace;
    rules.namespace_reveal_expire = knobs.reveal_expire;
    rules
}

/// Our indexer over a bitcoind.
pub struct OurNode {
    indexer: Indexer<BitcoindClient, SnapshotStore>,
    shutdown: watch::Receiver<bool>,
    _shutdown_tx: watch::Sender<bool>,
    /// Time spent in `sync`.
    pub index_time: Duration,
}

impl OurNode {
    /// An indexer over `client` with the rules for `knobs`.
    pub fn new(client: BitcoindClient, knobs: &Knobs) -> Self {
        let (tx, rx) = watch::channel(false);
        let config = IndexerConfig {
            rules: rules(knobs),
            confirmations: 0,
            prefetch: 8,
        };
        Self {
            indexer: Indexer::new(Arc::new(client), SnapshotStore::default(), config),
            shutdown: rx,
            _shutdown_tx: tx,
            index_time: Duration::ZERO,
        }
    }

    /// Indexes up to the chain tip; returns the tip height.
    pub async fn sync(&mut self) -> Result<u64, Error> {
        let start = Instant::now();
        let report = self
            .indexer
            .sync(&self.shutdown, |_| {})
            .await
            .map_err(|e| Error::Ours(e.to_string()))?;
        self.index_time += start.elapsed();
        Ok(report.tip.map_or(0, |(h, _)| h))
    }

    /// The store.
    pub fn store(&self) -> &SnapshotStore {
        self.indexer.store()
    }

    /// The consensus hash of block `height`.
    pub fn consensus_at(&self, height: u64) -> Option<String> {
        self.store().latest().consensus_hash(height)
    }

    /// The latest consensus hash as 16 bytes (for payloads).
    pub fn tip_consensus_bytes(&self) -> Result<[u8; 16], Error> {
        let (_, ch) = self
            .store()
            .latest()
            .tip()
            .ok_or_else(|| Error::Ours("nothing indexed yet".into()))?;
        consensus_bytes(ch)
    }

    /// A name's current row.
    pub fn name(&self, name: &str) -> Option<NameRecord> {
        self.store().latest().name(name).map(|c| c.into_owned())
    }

    /// A namespace's current row.
    pub fn namespace(&self, id: &str) -> Option<NamespaceRecord> {
        self.store().latest().namespace(id).map(|c| c.into_owned())
    }
}

/// Parses a 32-hex consensus hash.
pub fn consensus_bytes(ch: &str) -> Result<[u8; 16], Error> {
    hex::decode(ch)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| Error::Ours(format!("bad consensus hash {ch}")))
}
