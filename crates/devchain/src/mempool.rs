//! Unconfirmed transactions in arrival order.
//!
//! A transaction is only admitted once its parents are in the chain or
//! already here, so arrival order is also a valid block order: mining a
//! prefix of the mempool always respects dependencies.

use std::collections::{BTreeMap, HashMap};

use bitcoin::{Amount, OutPoint, Transaction, TxOut, Txid};

/// A transaction waiting to be mined.
#[derive(Debug, Clone)]
pub struct MempoolEntry {
    /// The transaction.
    pub tx: Transaction,
    /// Its fee.
    pub fee: Amount,
    /// When it arrived (Unix seconds).
    pub time: u32,
    /// Tip height when it arrived.
    pub height: u32,
}

/// The mempool: entries, their order and the outputs they spend.
#[derive(Debug, Default)]
pub struct Mempool {
    entries: HashMap<Txid, (u64, MempoolEntry)>,
    order: BTreeMap<u64, Txid>,
    spends: HashMap<OutPoint, Txid>,
    next_seq: u64,
}

impl Mempool {
    /// Number of transactions.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is nothing to mine.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether `txid` is waiting here.
    pub fn contains(&self, txid: &Txid) -> bool {
        self.entries.contains_key(txid)
    }

    /// The entry for `txid`.
    pub fn get(&self, txid: &Txid) -> Option<&MempoolEntry> {
        self.entries.get(txid).map(|(_, e)| e)
    }

    /// The mempool transaction spending `outpoint`, if any.
    pub fn spender(&self, outpoint: &OutPoint) -> Option<Txid> {
        self.spends.get(outpoint).copied()
    }

    /// An output created by a mempool transaction (spent or not).
    pub fn output(&self, outpoint: &OutPoint) -> Option<&TxOut> {
        let (_, entry) = self.entries.get(&outpoint.txid)?;
        entry.tx.output.get(usize::try_from(outpoint.vout).ok()?)
    }

    /// Entries in arrival order.
    pub fn iter(&self) -> impl Iterator<Item = &MempoolEntry> {
        self.order.values().filter_map(|txid| self.get(txid))
    }

    /// Adds a validated transaction.
    pub fn insert(&mut self, entry: MempoolEntry) {
        let txid = entry.tx.compute_txid();
        for txin in &entry.tx.input {
            self.spends.insert(txin.previous_output, txid);
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.order.insert(seq, txid);
        self.entries.insert(txid, (seq, entry));
    }

    /// Removes `txid` (after it was mined).
    pub fn remove(&mut self, txid: &Txid) -> Option<MempoolEntry> {
        let (seq, entry) = self.entries.remove(txid)?;
        self.order.remove(&seq);
        for txin in &entry.tx.input {
            if self.spends.get(&txin.previous_output) == Some(txid) {
                self.spends.remove(&txin.previous_output);
            }
        }
        Some(entry)
    }

    /// Empties the mempool, returning its transactions in arrival order.
    pub fn take_all(&mut self) -> Vec<MempoolEntry> {
        let order = std::mem::take(&mut self.order);
        let mut entries = std::mem::take(&mut self.entries);
        self.spends.clear();
        order
            .values()
            .filter_map(|txid| entries.remove(txid).map(|(_, e)| e))
            .collect()
    }
}
