//! What the indexer needs from the name database.

use std::str::FromStr;

use bitcoin::BlockHash;
use blockstack_consensus::op::ParsedOp;
use blockstack_consensus::{process_block, BlockOutcome, Rules, StateView};
use blockstack_namedb::NameDb;

/// A persistent BNS state the indexer commits blocks to.
///
/// `commit` must be atomic: after a crash the store holds the state as of the end of some
/// committed block. Errors are reported as text because the indexer only logs and stops.
pub trait Store {
    /// The read view the processor validates the next block against.
    type View<'a>: StateView
    where
        Self: 'a;

    /// The state as of the last committed block.
    fn view(&self) -> Self::View<'_>;

    /// Processes block `height` against the committed state. A store whose reads can fail
    /// overrides this to refuse an outcome computed from a failed read.
    fn process(
        &self,
        rules: &Rules,
        height: u64,
        ops: Vec<ParsedOp>,
    ) -> Result<BlockOutcome, String> {
        Ok(process_block(&self.view(), rules, height, ops))
    }

    /// The last committed block and its hash.
    fn tip(&self) -> Result<Option<(u64, BlockHash)>, String>;

    /// The hash of a committed block.
    fn block_hash(&self, height: u64) -> Result<Option<BlockHash>, String>;

    /// Commits one block's outcome.
    fn commit(&mut self, outcome: &BlockOutcome, hash: &BlockHash) -> Result<(), String>;

    /// Restores the state as of the end of block `height`, discarding later blocks.
    fn rollback_to(&mut self, height: u64) -> Result<(), String>;

    /// Opens a batch: the following commits may go into one transaction until
    /// [`Store::commit_batch`]. Each block must still be atomic, and after a crash the store
    /// must be at the end of some committed block (at worst the block before the batch). The
    /// default commits every block on its own.
    fn begin_batch(&mut self) -> Result<(), String> {
        Ok(())
    }

    /// Makes the blocks of the open batch durable (nothing to do without one).
    fn commit_batch(&mut self) -> Result<(), String> {
        Ok(())
    }
}

impl Store for NameDb {
    type View<'a> = blockstack_namedb::DbView<'a>;

    fn view(&self) -> Self::View<'_> {
        NameDb::view(self)
    }

    fn process(
        &self,
        rules: &Rules,
        height: u64,
        ops: Vec<ParsedOp>,
    ) -> Result<BlockOutcome, String> {
        self.process_block(rules, height, ops)
            .map_err(|e| e.to_string())
    }

    fn tip(&self) -> Result<Option<(u64, BlockHash)>, String> {
        let Some(height) = self.last_block().map_err(|e| e.to_string())? else {
            return Ok(None);
        };
        Ok(Store::block_hash(self, height)?.map(|hash| (height, hash)))
    }

    fn block_hash(&self, height: u64) -> Result<Option<BlockHash>, String> {
        let stored = NameDb::block_hash(self, height).map_err(|e| e.to_string())?;
        stored
            .map(|h| {
                BlockHash::from_str(&h)
                    .map_err(|e| format!("stored hash of block {height} is not a block hash: {e}"))
            })
            .transpose()
    }

    fn commit(&mut self, outcome: &BlockOutcome, hash: &BlockHash) -> Result<(), String> {
        self.commit_block(outcome, &hash.to_string())
            .map_err(|e| e.to_string())
    }

    fn rollback_to(&mut self, height: u64) -> Result<(), String> {
        NameDb::rollback_to(self, height)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn begin_batch(&mut self) -> Result<(), String> {
        NameDb::begin_batch(self).map_err(|e| e.to_string())
    }

    fn commit_batch(&mut self) -> Result<(), String> {
        NameDb::commit_batch(self).map_err(|e| e.to_string())
    }
}
