//! Group commit while catching up: far behind the tip, blocks are committed to the store in
//! batches (one transaction for many blocks); near the tip, one by one.
//!
//! Each block stays atomic inside a batch, and a crash loses at most the open batch: the store
//! is then at the end of the block before it, and the next sync resumes from there (see
//! [`Store::begin_batch`](crate::Store::begin_batch)).

use std::time::{Duration, Instant};

/// When blocks are grouped into one store transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchPolicy {
    /// Blocks within this many blocks of the sync's target are committed one by one.
    pub near_tip: u64,
    /// Most blocks in one batch (1 turns batching off).
    pub max_blocks: u64,
    /// Longest a batch stays open: bounds what a crash loses and how stale readers get.
    pub max_age: Duration,
}

impl Default for BatchPolicy {
    fn default() -> Self {
        Self {
            near_tip: 6,
            max_blocks: 1_000,
            max_age: Duration::from_secs(1),
        }
    }
}

impl BatchPolicy {
    /// Every block in a transaction of its own.
    pub fn per_block() -> Self {
        Self {
            max_blocks: 1,
            ..Self::default()
        }
    }

    /// Whether block `height` of a sync ending at `target` goes into a batch.
    pub fn batches(&self, height: u64, target: u64) -> bool {
        self.max_blocks > 1 && target.saturating_sub(height) >= self.near_tip
    }
}

/// The open batch, if any: what the sync loop asks before and after each block.
#[derive(Debug, Default)]
pub(crate) struct Batcher {
    open: Option<(u64, Instant)>,
}

/// What to do with the store around one block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Nothing: keep going as before.
    Keep,
    /// Open a batch before the block.
    Begin,
    /// Commit the open batch before the block, which is committed on its own.
    Commit,
}

impl Batcher {
    /// Before block `height`: whether to open or close a batch.
    pub(crate) fn before(&mut self, policy: &BatchPolicy, height: u64, target: u64) -> Step {
        match (self.open.is_some(), policy.batches(height, target)) {
            (false, true) => {
                self.open = Some((0, Instant::now()));
                Step::Begin
            }
            (true, false) => {
                self.open = None;
                Step::Commit
            }
            _ => Step::Keep,
        }
    }

    /// After a block was written: whether the open batch is full and must be committed.
    pub(crate) fn after(&mut self, policy: &BatchPolicy) -> bool {
        let Some((blocks, since)) = self.open.as_mut() else {
            return false;
        };
        *blocks += 1;
        if *blocks >= policy.max_blocks || since.elapsed() >= policy.max_age {
            self.open = None;
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_far_from_the_tip_and_commits_when_full_or_near_the_tip() {
        let policy = BatchPolicy {
            near_tip: 3,
            max_blocks: 4,
            max_age: Duration::from_secs(3600),
        };
        let target = 20;
        let mut b = Batcher::default();
        let mut steps = Vec::new();
        for h in 10..=target {
            let before = b.before(&policy, h, target);
            let full = b.after(&policy);
            steps.push((h, before, full));
        }
        use Step::*;
        assert_eq!(
            steps,
            vec![
                (10, Begin, false),
                (11, Keep, false),
                (12, Keep, false),
                (13, Keep, true),
                (14, Begin, false),
                (15, Keep, false),
                (16, Keep, false),
                (17, Keep, true),
                // Within 3 blocks of the target: one by one.
                (18, Keep, false),
                (19, Keep, false),
                (20, Keep, false),
            ]
        );
    }

    #[test]
    fn an_open_batch_is_committed_on_reaching_the_tip_and_per_block_never_batches() {
        let policy = BatchPolicy {
            near_tip: 2,
            max_blocks: 100,
            max_age: Duration::from_secs(3600),
        };
        let mut b = Batcher::default();
        assert_eq!(b.before(&policy, 1, 5), Step::Begin);
        assert!(!b.after(&policy));
        assert_eq!(b.before(&policy, 4, 5), Step::Commit);
        assert!(!b.after(&policy));

        let off = BatchPolicy::per_block();
        let mut b = Batcher::default();
        for h in 0..50 {
            assert_eq!(b.before(&off, h, 1_000), Step::Keep);
            assert!(!b.after(&off));
        }
    }

    #[test]
    fn a_batch_older_than_max_age_is_committed() {
        let policy = BatchPolicy {
            near_tip: 0,
            max_blocks: 1_000,
            max_age: Duration::ZERO,
        };
        let mut b = Batcher::default();
        assert_eq!(b.before(&policy, 1, 100), Step::Begin);
        assert!(b.after(&policy));
        assert_eq!(b.before(&policy, 2, 100), Step::Begin);
    }
}
