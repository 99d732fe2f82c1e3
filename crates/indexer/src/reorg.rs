//! Following the best chain: before indexing, find the last committed block that is still on
//! the chain source's best chain and roll the store back to it.
//!
//! The original node had no reorg handling and relied on its confirmation depth alone; this
//! node also compares the stored hash of every block it resumes from.

use blockstack_consensus::Rules;
use blockstack_node::chain::ChainSource;

use crate::{IndexerError, Store};

/// The next height to index, after rolling back any committed blocks that left the best chain.
/// Returns that height and how many blocks were rolled back. `count` is the chain's height.
pub async fn resume_point<C: ChainSource, S: Store>(
    chain: &C,
    store: &mut S,
    rules: &Rules,
    count: u64,
) -> Result<(u64, u64), IndexerError> {
    let Some((tip, _)) = store.tip().map_err(IndexerError::Store)? else {
        return Ok((rules.first_block, 0));
    };
    let mut height = tip;
    loop {
        if height < rules.first_block {
            break;
        }
        let ours = store.block_hash(height).map_err(IndexerError::Store)?;
        let theirs = if height <= count {
            Some(chain.block_hash(height).await?)
        } else {
            None
        };
        if ours.is_some() && ours == theirs {
            break;
        }
        height -= 1;
    }
    if height == tip {
        return Ok((tip + 1, 0));
    }
    let keep = height.max(rules.first_block.saturating_sub(1));
    tracing::warn!(
        from = tip,
        to = keep,
        "blocks left the best chain; rolling back"
    );
    store.rollback_to(keep).map_err(IndexerError::Store)?;
    Ok((keep + 1, tip - keep))
}
