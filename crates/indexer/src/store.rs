//! What the indexer needs from the name database.

use bitcoin::BlockHash;
use blockstack_consensus::{BlockOutcome, StateView};

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

    /// The last committed block and its hash.
    fn tip(&self) -> Result<Option<(u64, BlockHash)>, String>;

    /// The hash of a committed block.
    fn block_hash(&self, height: u64) -> Result<Option<BlockHash>, String>;

    /// Commits one block's outcome.
    fn commit(&mut self, outcome: &BlockOutcome, hash: &BlockHash) -> Result<(), String>;

    /// Restores the state as of the end of block `height`, discarding later blocks.
    fn rollback_to(&mut self, height: u64) -> Result<(), String>;
}
