//! The outputs of recently fetched BNS transactions, so that a BNS transaction funded by an
//! earlier one (a registrar's preorder, register and update chain their change) needs no
//! `getrawtransaction` for the output its sender spends.
//!
//! A txid commits to the whole transaction, outputs included, so an output found here is the
//! one bitcoind would return, on any branch of the chain.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use bitcoin::{OutPoint, Transaction, TxOut, Txid};
use tokio::sync::watch;

/// Candidate transactions' outputs by txid, bounded, oldest dropped first, plus how far the
/// blocks of a fetch run have been read without a gap.
#[derive(Debug)]
pub(crate) struct RecentOutputs {
    inner: Mutex<Inner>,
    /// Every block up to this height has had its transactions recorded.
    recorded: watch::Sender<u64>,
}

#[derive(Debug)]
struct Inner {
    outputs: HashMap<Txid, Vec<TxOut>>,
    order: VecDeque<Txid>,
    capacity: usize,
    /// Heights above the watermark already recorded (blocks read out of order).
    ahead: Vec<u64>,
}

impl RecentOutputs {
    /// An empty cache of at most `capacity` transactions, for a fetch run whose first block
    /// is `from`.
    pub(crate) fn new(capacity: usize, from: u64) -> Self {
        Self {
            inner: Mutex::new(Inner {
                outputs: HashMap::new(),
                order: VecDeque::new(),
                capacity,
                ahead: Vec::new(),
            }),
            recorded: watch::Sender::new(from.saturating_sub(1)),
        }
    }

    /// Records the outputs of the candidate transactions of the block at `height`.
    pub(crate) fn record<'a>(&self, height: u64, txs: impl IntoIterator<Item = &'a Transaction>) {
        let mut inner = self.lock();
        for tx in txs {
            let txid = tx.compute_txid();
            if inner.capacity == 0 || inner.outputs.contains_key(&txid) {
                continue;
            }
            if inner.order.len() == inner.capacity {
                if let Some(old) = inner.order.pop_front() {
                    inner.outputs.remove(&old);
                }
            }
            inner.outputs.insert(txid, tx.output.clone());
            inner.order.push_back(txid);
        }
        // Advance the watermark over every contiguous recorded height.
        let mut mark = *self.recorded.borrow();
        if height == mark + 1 {
            mark = height;
            while let Some(i) = inner.ahead.iter().position(|&h| h == mark + 1) {
                inner.ahead.swap_remove(i);
                mark += 1;
            }
            self.recorded.send_replace(mark);
        } else if height > mark {
            inner.ahead.push(height);
        }
    }

    /// Waits until every block below `height` has been recorded.
    pub(crate) async fn wait_below(&self, height: u64) {
        let mut rx = self.recorded.subscribe();
        // The sender lives as long as `self`, so the wait ends only when the mark is reached.
        let _ = rx.wait_for(|&mark| mark + 1 >= height).await;
    }

    /// The output `outpoint` names, if its transaction was recorded and has that output.
    pub(crate) fn get(&self, outpoint: &OutPoint) -> Option<TxOut> {
        let inner = self.lock();
        let outputs = inner.outputs.get(&outpoint.txid)?;
        outputs.get(usize::try_from(outpoint.vout).ok()?).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The data stays consistent even if a holder panicked: every update is complete.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::{absolute::LockTime, transaction::Version, Amount, ScriptBuf};

    fn tx(value: u64) -> Transaction {
        Transaction {
            version: Version::ONE,
            lock_time: LockTime::ZERO,
            input: vec![],
            output: vec![
                TxOut {
                    value: Amount::from_sat(value),
                    script_pubkey: ScriptBuf::new(),
                },
                TxOut {
                    value: Amount::from_sat(value + 1),
                    script_pubkey: ScriptBuf::new(),
                },
            ],
        }
    }

    fn outpoint(tx: &Transaction, vout: u32) -> OutPoint {
        OutPoint {
            txid: tx.compute_txid(),
            vout,
        }
    }

    #[test]
    fn finds_recorded_outputs_and_drops_the_oldest_past_capacity() {
        let cache = RecentOutputs::new(2, 1);
        let (a, b, c) = (tx(10), tx(20), tx(30));
        cache.record(1, [&a, &b]);
        assert_eq!(
            cache.get(&outpoint(&a, 1)).map(|o| o.value.to_sat()),
            Some(11)
        );
        assert_eq!(
            cache.get(&outpoint(&b, 0)).map(|o| o.value.to_sat()),
            Some(20)
        );
        assert_eq!(cache.get(&outpoint(&b, 2)), None, "no such output");
        cache.record(2, [&c]);
        assert_eq!(cache.get(&outpoint(&a, 0)), None, "dropped");
        assert_eq!(
            cache.get(&outpoint(&c, 0)).map(|o| o.value.to_sat()),
            Some(30)
        );
        assert!(RecentOutputs::new(0, 1).get(&outpoint(&a, 0)).is_none());
    }

    #[tokio::test]
    async fn the_watermark_waits_for_every_earlier_block() {
        let cache = std::sync::Arc::new(RecentOutputs::new(8, 5));
        cache.wait_below(5).await; // nothing below the first block
        cache.record(7, []);
        cache.record(6, []);
        let waiter = tokio::spawn({
            let cache = cache.clone();
            async move { cache.wait_below(8).await }
        });
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished(), "block 5 is not recorded yet");
        cache.record(5, []);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .expect("released once 5, 6 and 7 are in")
            .expect("join");
        assert_eq!(*cache.recorded.borrow(), 7);
    }
}
