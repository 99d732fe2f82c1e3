//! The active chain: blocks by height, the UTXO set with per-block undo
//! data, a transaction index and a script index.
//!
//! Invariant: `utxos` is exactly the set of outputs created and not spent by
//! `blocks[1..]` (the genesis coinbase is unspendable, as in Core), and
//! `undo[h]` holds the coins block `h` spent, so disconnecting the tip
//! restores the previous UTXO set exactly.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};

use bitcoin::blockdata::constants::genesis_block;
use bitcoin::pow::Work;
use bitcoin::{Amount, Block, BlockHash, OutPoint, Script, ScriptBuf, Transaction, TxOut, Txid};

use crate::params::{block_subsidy, MAX_MONEY, NETWORK};

/// An unspent output and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coin {
    /// The output itself.
    pub output: TxOut,
    /// Height of the block that created it.
    pub height: u32,
    /// Whether it was created by a coinbase (and so must mature).
    pub is_coinbase: bool,
}

/// Why a block could not be connected to the tip.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectError {
    /// Its `prev_blockhash` is not the tip.
    #[error("block {block} does not extend the tip {tip}")]
    NotOnTip {
        /// The block.
        block: BlockHash,
        /// The current tip.
        tip: BlockHash,
    },
    /// The header's merkle root does not commit to its transactions.
    #[error("block {0} has a bad merkle root")]
    BadMerkleRoot(BlockHash),
    /// The header hash is above its target.
    #[error("block {0} has insufficient proof of work")]
    BadProofOfWork(BlockHash),
    /// The first transaction is not a coinbase, or a later one is.
    #[error("block {0} has a misplaced coinbase")]
    BadCoinbase(BlockHash),
    /// A transaction spends an output that is not in the UTXO set.
    #[error("block {block} spends missing output {outpoint}")]
    MissingInput {
        /// The block.
        block: BlockHash,
        /// The missing output.
        outpoint: OutPoint,
    },
    /// A transaction creates outputs worth more than it spends.
    #[error("block {block} transaction {txid} spends more than its inputs")]
    Overspend {
        /// The block.
        block: BlockHash,
        /// The offending transaction.
        txid: Txid,
    },
    /// The coinbase claims more than subsidy plus fees.
    #[error("block {0} coinbase pays more than subsidy plus fees")]
    BadCoinbaseAmount(BlockHash),
    /// A transaction would overwrite unspent outputs of an identical txid (BIP30).
    #[error("block {block} repeats unspent transaction {txid}")]
    DuplicateTxid {
        /// The block.
        block: BlockHash,
        /// The repeated txid.
        txid: Txid,
    },
}

/// A block that was disconnected by `invalidateblock`, kept so that
/// `getblock` can still serve it, as bitcoind does.
#[derive(Debug, Clone)]
pub struct StaleBlock {
    /// The block.
    pub block: Block,
    /// The height it had.
    pub height: u32,
}

/// The active chain and everything derived from it.
#[derive(Debug)]
pub struct Chain {
    blocks: Vec<Block>,
    heights: HashMap<BlockHash, u32>,
    chainwork: Vec<Work>,
    utxos: HashMap<OutPoint, Coin>,
    by_script: HashMap<ScriptBuf, BTreeSet<OutPoint>>,
    undo: Vec<Vec<(OutPoint, Coin)>>,
    txs: HashMap<Txid, (u32, usize)>,
    stale: HashMap<BlockHash, StaleBlock>,
}

impl Chain {
    /// A chain holding only the regtest genesis block.
    pub fn new() -> Chain {
        let genesis = genesis_block(NETWORK);
        let hash = genesis.block_hash();
        let work = genesis.header.work();
        // As in Core, the genesis coinbase is neither spendable nor indexed.
        let txs = HashMap::new();
        Chain {
            blocks: vec![genesis],
            heights: HashMap::from([(hash, 0)]),
            chainwork: vec![work],
            utxos: HashMap::new(),
            by_script: HashMap::new(),
            undo: vec![Vec::new()],
            txs,
            stale: HashMap::new(),
        }
    }

    /// Height of the tip (0 for a fresh chain).
    pub fn tip_height(&self) -> u32 {
        u32::try_from(self.blocks.len().saturating_sub(1)).unwrap_or(u32::MAX)
    }

    /// The tip block.
    pub fn tip(&self) -> &Block {
        // `blocks` always holds at least genesis.
        self.blocks
            .last()
            .unwrap_or_else(|| unreachable!("chain without genesis"))
    }

    /// Hash of the tip.
    pub fn tip_hash(&self) -> BlockHash {
        self.tip().block_hash()
    }

    /// The block at `height` on the active chain.
    pub fn block(&self, height: u32) -> Option<&Block> {
        self.blocks.get(usize::try_from(height).ok()?)
    }

    /// Height of `hash` if it is on the active chain.
    pub fn height_of(&self, hash: &BlockHash) -> Option<u32> {
        self.heights.get(hash).copied()
    }

    /// A block that was on the active chain once but was invalidated.
    pub fn stale_block(&self, hash: &BlockHash) -> Option<&StaleBlock> {
        self.stale.get(hash)
    }

    /// Total work of the chain up to `height`.
    pub fn chainwork(&self, height: u32) -> Option<Work> {
        self.chainwork.get(usize::try_from(height).ok()?).copied()
    }

    /// Median of the times of the 11 blocks ending at `height` (BIP113).
    pub fn median_time_past(&self, height: u32) -> u32 {
        let end = usize::try_from(height)
            .unwrap_or(usize::MAX)
            .min(self.blocks.len().saturating_sub(1));
        let start = end.saturating_sub(10);
        let mut times: Vec<u32> = self
            .blocks
            .get(start..=end)
            .unwrap_or_default()
            .iter()
            .map(|b| b.header.time)
            .collect();
        times.sort_unstable();
        times.get(times.len() / 2).copied().unwrap_or(0)
    }

    /// An unspent output of the active chain.
    pub fn coin(&self, outpoint: &OutPoint) -> Option<&Coin> {
        self.utxos.get(outpoint)
    }

    /// Unspent outputs paying exactly `script`, in outpoint order.
    pub fn coins_for_script(&self, script: &Script) -> Vec<(OutPoint, Coin)> {
        self.by_script
            .get(script)
            .into_iter()
            .flatten()
            .filter_map(|op| self.utxos.get(op).map(|c| (*op, c.clone())))
            .collect()
    }

    /// Every unspent output.
    pub fn all_coins(&self) -> impl Iterator<Item = (&OutPoint, &Coin)> {
        self.utxos.iter()
    }

    /// Where a confirmed transaction is: block height and position.
    pub fn tx_location(&self, txid: &Txid) -> Option<(u32, usize)> {
        self.txs.get(txid).copied()
    }

    /// A confirmed transaction and its height.
    pub fn transaction(&self, txid: &Txid) -> Option<(&Transaction, u32)> {
        let (height, index) = self.tx_location(txid)?;
        let tx = self.block(height)?.txdata.get(index)?;
        Some((tx, height))
    }

    /// Checks `block` against the tip and the UTXO set and applies it.
    ///
    /// Scripts are not re-verified: blocks come either from the miner, whose
    /// transactions passed mempool validation against this very state, or from
    /// the block file this chain wrote itself.
    pub fn connect(&mut self, block: Block) -> Result<(), ConnectError> {
        let hash = block.block_hash();
        let tip = self.tip_hash();
        if block.header.prev_blockhash != tip {
            return Err(ConnectError::NotOnTip { block: hash, tip });
        }
        if !block.check_merkle_root() {
            return Err(ConnectError::BadMerkleRoot(hash));
        }
        if block.header.validate_pow(block.header.target()).is_err() {
            return Err(ConnectError::BadProofOfWork(hash));
        }
        let coinbase_ok = block.txdata.first().is_some_and(Transaction::is_coinbase)
            && !block.txdata.iter().skip(1).any(Transaction::is_coinbase);
        if !coinbase_ok {
            return Err(ConnectError::BadCoinbase(hash));
        }
        let height = self.tip_height() + 1;

        // Dry run first so a bad block leaves the state untouched.
        let mut spent: HashMap<OutPoint, Coin> = HashMap::new();
        let mut created: HashMap<OutPoint, TxOut> = HashMap::new();
        let mut fees = Amount::ZERO;
        for tx in block.txdata.iter().skip(1) {
            let txid = tx.compute_txid();
            let mut inputs = Amount::ZERO;
            for txin in &tx.input {
                let outpoint = txin.previous_output;
                let value = match created.remove(&outpoint) {
                    Some(out) => Some(out.value),
                    None => match spent.entry(outpoint) {
                        Entry::Occupied(_) => None,
                        Entry::Vacant(slot) => self
                            .utxos
                            .get(&outpoint)
                            .map(|coin| slot.insert(coin.clone()).output.value),
                    },
                };
                let value = value.ok_or(ConnectError::MissingInput {
                    block: hash,
                    outpoint,
                })?;
                inputs = inputs
                    .checked_add(value)
                    .ok_or(ConnectError::Overspend { block: hash, txid })?;
            }
            let outputs = tx
                .output
                .iter()
                .try_fold(Amount::ZERO, |acc, o| acc.checked_add(o.value))
                .filter(|total| *total <= MAX_MONEY)
                .ok_or(ConnectError::Overspend { block: hash, txid })?;
            let fee = inputs
                .checked_sub(outputs)
                .ok_or(ConnectError::Overspend { block: hash, txid })?;
            fees = fees
                .checked_add(fee)
                .ok_or(ConnectError::Overspend { block: hash, txid })?;
            for (vout, out) in tx.output.iter().enumerate() {
                created.insert(outpoint(txid, vout), out.clone());
            }
        }
        if let Some(coinbase) = block.txdata.first() {
            let claimed = coinbase
                .output
                .iter()
                .try_fold(Amount::ZERO, |acc, o| acc.checked_add(o.value));
            let allowed = block_subsidy(height).checked_add(fees);
            if claimed.is_none() || allowed.is_none() || claimed > allowed {
                return Err(ConnectError::BadCoinbaseAmount(hash));
            }
        }
        for tx in &block.txdata {
            let txid = tx.compute_txid();
            let clash =
                (0..tx.output.len()).any(|vout| self.utxos.contains_key(&outpoint(txid, vout)));
            if clash {
                return Err(ConnectError::DuplicateTxid { block: hash, txid });
            }
        }

        // Apply.
        let mut undo = Vec::new();
        for (index, tx) in block.txdata.iter().enumerate() {
            let txid = tx.compute_txid();
            let is_coinbase = index == 0;
            if !is_coinbase {
                for txin in &tx.input {
                    if let Some(coin) = self.remove_coin(&txin.previous_output) {
                        undo.push((txin.previous_output, coin));
                    }
                }
            }
            for (vout, out) in tx.output.iter().enumerate() {
                if out.script_pubkey.is_op_return() {
                    continue;
                }
                self.add_coin(
                    outpoint(txid, vout),
                    Coin {
                        output: out.clone(),
                        height,
                        is_coinbase,
                    },
                );
            }
            self.txs.insert(txid, (height, index));
        }
        let work = self
            .chainwork
            .last()
            .copied()
            .map_or(block.header.work(), |w| w + block.header.work());
        self.chainwork.push(work);
        self.undo.push(undo);
        self.heights.insert(hash, height);
        self.stale.remove(&hash);
        self.blocks.push(block);
        Ok(())
    }

    /// Removes the tip block and restores the coins it spent. Refuses to
    /// remove genesis.
    pub fn disconnect_tip(&mut self) -> Option<Block> {
        if self.blocks.len() <= 1 {
            return None;
        }
        let block = self.blocks.pop()?;
        let height = u32::try_from(self.blocks.len()).unwrap_or(u32::MAX);
        let undo = self.undo.pop().unwrap_or_default();
        self.chainwork.pop();
        for tx in block.txdata.iter().rev() {
            let txid = tx.compute_txid();
            for vout in 0..tx.output.len() {
                self.remove_coin(&outpoint(txid, vout));
            }
            self.txs.remove(&txid);
        }
        for (op, coin) in undo.into_iter().rev() {
            self.add_coin(op, coin);
        }
        let hash = block.block_hash();
        self.heights.remove(&hash);
        self.stale.insert(
            hash,
            StaleBlock {
                block: block.clone(),
                height,
            },
        );
        Some(block)
    }

    fn add_coin(&mut self, op: OutPoint, coin: Coin) {
        self.by_script
            .entry(coin.output.script_pubkey.clone())
            .or_default()
            .insert(op);
        self.utxos.insert(op, coin);
    }

    fn remove_coin(&mut self, op: &OutPoint) -> Option<Coin> {
        let coin = self.utxos.remove(op)?;
        if let Some(set) = self.by_script.get_mut(&coin.output.script_pubkey) {
            set.remove(op);
            if set.is_empty() {
                self.by_script.remove(&coin.output.script_pubkey);
            }
        }
        Some(coin)
    }
}

impl Default for Chain {
    fn default() -> Self {
        Chain::new()
    }
}

/// `OutPoint` from a txid and an output index that came from a `Vec` index.
pub fn outpoint(txid: Txid, vout: usize) -> OutPoint {
    OutPoint {
        txid,
        vout: u32::try_from(vout).unwrap_or(u32::MAX),
    }
}
