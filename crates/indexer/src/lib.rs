//! The block loop of the node: fetch → parse → apply → commit, one block at a time.
//!
//! Blocks come from a [`ChainSource`] (a bitcoind or the devnet chain), ahead of processing so
//! the network and the processor overlap. Each block is checked against the state as of the
//! previous block with the pure consensus rules and committed to a [`Store`] atomically; far
//! behind the tip, several blocks share one store transaction (see [`batch`]). A block that is
//! no longer on the chain source's best chain is rolled back before indexing continues (see
//! [`reorg`]).

pub mod batch;
pub mod fetch;
mod recent;
pub mod reorg;
pub mod store;

use std::sync::Arc;

use bitcoin::BlockHash;
use blockstack_consensus::op::ParsedOp;
use blockstack_consensus::{parse_transaction, BlockOutcome, Rules};
use blockstack_node::chain::{ChainError, ChainSource};
use tokio::sync::watch;

pub use batch::BatchPolicy;
use batch::{Batcher, Step};
pub use fetch::FetchedBlock;
pub use store::Store;

/// Why indexing stopped.
#[derive(Debug, thiserror::Error)]
pub enum IndexerError {
    /// The chain source failed (after its own retries). Its message is part of this one's, so
    /// it is not also reported as the source.
    #[error("chain source: {0}")]
    Chain(ChainError),
    /// The store failed; the last block was not committed.
    #[error("store: {0}")]
    Store(String),
}

impl From<ChainError> for IndexerError {
    fn from(err: ChainError) -> Self {
        IndexerError::Chain(err)
    }
}

/// How far one call of [`Indexer::sync`] got.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Blocks committed.
    pub blocks: u64,
    /// BNS operations accepted in them.
    pub accepted_ops: u64,
    /// Blocks rolled back because they left the best chain.
    pub rolled_back: u64,
    /// The last committed block, if any.
    pub tip: Option<(u64, BlockHash)>,
    /// The chain source's height when the sync began.
    pub seen: u64,
}

/// Progress of a catch-up, for a progress bar or log lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The block just written (durable once its batch commits, see [`BatchPolicy`]).
    pub height: u64,
    /// The last block this sync will index.
    pub target: u64,
}

/// Indexing parameters.
#[derive(Clone, Debug)]
pub struct IndexerConfig {
    /// The consensus rules.
    pub rules: Rules,
    /// Index only through `block_count − confirmations` (6 on mainnet, 0 in test mode).
    pub confirmations: u64,
    /// Blocks fetched ahead of the one being processed.
    pub prefetch: usize,
}

/// The block loop over a chain source and a store.
pub struct Indexer<C, S> {
    chain: Arc<C>,
    store: S,
    config: IndexerConfig,
    batch: BatchPolicy,
}

impl<C: ChainSource + 'static, S: Store> Indexer<C, S> {
    /// An indexer over `chain` writing to `store`.
    pub fn new(chain: Arc<C>, store: S, config: IndexerConfig) -> Self {
        Self {
            chain,
            store,
            config,
            batch: BatchPolicy::default(),
        }
    }

    /// Sets when blocks are grouped into one store transaction (by default as
    /// [`BatchPolicy::default`]).
    pub fn with_batch_policy(mut self, policy: BatchPolicy) -> Self {
        self.batch = policy;
        self
    }

    /// The store, for reads.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Consumes the indexer, returning its store.
    pub fn into_store(self) -> S {
        self.store
    }

    /// Indexes every block up to the confirmation depth, following reorgs, and returns.
    ///
    /// `shutdown` is checked between blocks; `progress` is called after each block is written.
    /// An open batch is committed before this returns, error or not.
    pub async fn sync(
        &mut self,
        shutdown: &watch::Receiver<bool>,
        mut progress: impl FnMut(Progress),
    ) -> Result<SyncReport, IndexerError> {
        let mut report = SyncReport::default();
        let count = self.chain.block_count().await?;
        report.seen = count;
        let target = count.saturating_sub(self.config.confirmations);
        let (next, rolled_back) =
            reorg::resume_point(&*self.chain, &mut self.store, &self.config.rules, count).await?;
        report.rolled_back = rolled_back;
        report.tip = self.store.tip().map_err(IndexerError::Store)?;
        if next > target {
            return Ok(report);
        }
        let rules = self.config.rules.clone();
        let blocks = fetch::spawn_with(
            self.chain.clone(),
            next,
            target,
            self.config.prefetch.max(1),
            move |fetched| {
                let ops = parse_block(&rules, &fetched);
                (fetched, ops)
            },
        );
        let indexed = self
            .index(blocks, target, shutdown, &mut progress, &mut report)
            .await;
        // The blocks of the open batch were all applied in full: keep them even after an error.
        let committed = self.store.commit_batch().map_err(IndexerError::Store);
        indexed?;
        committed?;
        Ok(report)
    }

    /// The loop over fetched blocks; may leave a batch open.
    async fn index(
        &mut self,
        mut blocks: tokio::sync::mpsc::Receiver<Result<(FetchedBlock, Vec<ParsedOp>), ChainError>>,
        target: u64,
        shutdown: &watch::Receiver<bool>,
        progress: &mut impl FnMut(Progress),
        report: &mut SyncReport,
    ) -> Result<(), IndexerError> {
        let mut batcher = Batcher::default();
        while let Some(fetched) = blocks.recv().await {
            let (fetched, ops) = fetched?;
            if *shutdown.borrow() {
                break;
            }
            // A block whose parent is not our tip means the chain moved under us: stop here,
            // the next sync rolls back and resumes.
            if let Some((_, tip_hash)) = report.tip.filter(|(h, _)| *h + 1 == fetched.height) {
                if fetched.block.header.prev_blockhash != tip_hash {
                    tracing::warn!(
                        height = fetched.height,
                        "parent changed while indexing; resyncing"
                    );
                    break;
                }
            }
            match batcher.before(&self.batch, fetched.height, target) {
                Step::Keep => {}
                Step::Begin => self.store.begin_batch().map_err(IndexerError::Store)?,
                Step::Commit => self.store.commit_batch().map_err(IndexerError::Store)?,
            }
            let outcome = self.apply(fetched.height, ops)?;
            report.accepted_ops += outcome.accepted.len() as u64;
            self.store
                .commit(&outcome, &fetched.hash)
                .map_err(IndexerError::Store)?;
            if batcher.after(&self.batch) {
                self.store.commit_batch().map_err(IndexerError::Store)?;
            }
            report.blocks += 1;
            report.tip = Some((fetched.height, fetched.hash));
            progress(Progress {
                height: fetched.height,
                target,
            });
        }
        Ok(())
    }

    /// Processes the ops of block `height` against the store's committed state.
    fn apply(&self, height: u64, ops: Vec<ParsedOp>) -> Result<BlockOutcome, IndexerError> {
        let outcome = self
            .store
            .process(&self.config.rules, height, ops)
            .map_err(IndexerError::Store)?;
        for (op, why) in &outcome.rejected {
            tracing::debug!(height, txid = %op.txid, %why, "rejected");
        }
        Ok(outcome)
    }
}

/// Parses the BNS candidates of a fetched block into ops, in block order; a candidate that
/// does not parse is not an operation and is skipped.
fn parse_block(rules: &Rules, fetched: &FetchedBlock) -> Vec<ParsedOp> {
    fetched
        .candidates
        .iter()
        .filter_map(|c| {
            match parse_transaction(&c.tx, c.vtxindex, c.prevout.as_ref(), rules, fetched.height) {
                Ok(op) => Some(op),
                Err(why) => {
                    tracing::debug!(height = fetched.height, vtxindex = c.vtxindex, %why, "ignored");
                    None
                }
            }
        })
        .collect()
}
