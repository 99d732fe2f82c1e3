//! The thread-safe handle tests and the daemon hold: chain, mempool and
//! block file behind one mutex.
//!
//! Every operation takes the lock once and leaves the state consistent:
//! a refused transaction or a failed write changes nothing, and blocks are
//! written to the block file before they are connected in memory.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use bitcoin::script::PushBytesBuf;
use bitcoin::transaction::Version;
use bitcoin::{
    absolute, Address, Amount, Block, BlockHash, OutPoint, Script, ScriptBuf, Sequence,
    Transaction, TxIn, TxOut, Txid, Witness,
};

use crate::chain::{Chain, Coin, ConnectError};
use crate::mempool::{Mempool, MempoolEntry};
use crate::miner::{build_block, faucet_redeem_script, faucet_script, select};
use crate::params::{COINBASE_MATURITY, MAX_MONEY, NETWORK};
use crate::reject::RejectReason;
use crate::standard::dust_threshold;
use crate::store::{BlockStore, StoreError, TailRepair};
use crate::validate;

/// Chain policy knobs. The defaults accept what a regtest bitcoind started
/// with `-minrelaytxfee=0` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Minimum fee, in sat per 1000 vbytes, for mempool acceptance. Bitcoin
    /// Core's default is 1000; 0 accepts zero-fee transactions.
    pub min_relay_fee_per_kvb: u64,
    /// The rate `estimatesmartfee` answers with, in sat per 1000 vbytes.
    pub estimate_fee_per_kvb: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            min_relay_fee_per_kvb: 0,
            estimate_fee_per_kvb: 2_000,
        }
    }
}

/// A failure of a [`DevChain`] operation.
#[derive(Debug, thiserror::Error)]
pub enum DevChainError {
    /// Reading or writing the block file failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored block does not connect: the block file is damaged.
    #[error("stored block at height {height} is invalid")]
    CorruptChain {
        /// Height of the first bad block.
        height: u32,
        /// Why it does not connect.
        #[source]
        source: ConnectError,
    },
    /// A freshly mined block failed to connect (a bug in the miner).
    #[error("mined block does not connect")]
    MinedBlock(#[source] ConnectError),
    /// A transaction was refused.
    #[error(transparent)]
    Rejected(#[from] RejectReason),
    /// No block with this hash is known.
    #[error("block {0} not found")]
    BlockNotFound(BlockHash),
    /// The genesis block cannot be invalidated.
    #[error("the genesis block cannot be invalidated")]
    InvalidateGenesis,
    /// Not a regtest address.
    #[error("invalid address {address:?}: {reason}")]
    InvalidAddress {
        /// The address given.
        address: String,
        /// Why it was refused.
        reason: String,
    },
    /// `fund` was asked for dust or more than the money supply.
    #[error("cannot fund {amount}: below the dust threshold or above the money supply")]
    FundAmount {
        /// The amount asked for.
        amount: Amount,
    },
}

/// The tip of the active chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tip {
    /// Its height (0 = genesis).
    pub height: u32,
    /// Its hash.
    pub hash: BlockHash,
}

/// An unspent output as seen from the tip plus the mempool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Utxo {
    /// Where it is.
    pub outpoint: OutPoint,
    /// Value and script.
    pub output: TxOut,
    /// Height of its block, `None` while it is in the mempool.
    pub height: Option<u32>,
    /// Whether a coinbase created it.
    pub is_coinbase: bool,
    /// Confirmations (0 in the mempool).
    pub confirmations: u32,
    /// Whether a transaction spending it would be accepted now (coinbase
    /// outputs need 100 confirmations).
    pub mature: bool,
}

/// A transaction and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxInfo {
    /// The transaction.
    pub tx: Transaction,
    /// Its block, `None` while in the mempool.
    pub block: Option<Tip>,
    /// Confirmations (0 in the mempool).
    pub confirmations: u32,
}

/// A block found by hash, on the active chain or invalidated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockInfo {
    /// The block.
    pub block: Block,
    /// Its height.
    pub height: u32,
    /// False for a block removed by `invalidateblock`.
    pub in_active_chain: bool,
}

/// Everything the mutex guards.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) chain: Chain,
    pub(crate) mempool: Mempool,
    pub(crate) store: Option<BlockStore>,
    pub(crate) config: Config,
    pub(crate) mock_time: Option<u32>,
    pub(crate) repair: Option<TailRepair>,
}

/// The development chain. Cloning shares the same chain.
#[derive(Clone)]
pub struct DevChain {
    inner: Arc<Mutex<State>>,
}

impl std::fmt::Debug for DevChain {
    /// The tip and mempool size only: the state holds every block.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("DevChain")
            .field("height", &state.chain.tip_height())
            .field("tip", &state.chain.tip_hash())
            .field("mempool", &state.mempool.len())
            .field("persistent", &state.store.is_some())
            .finish()
    }
}

impl DevChain {
    /// A chain kept only in memory, with default [`Config`].
    pub fn in_memory() -> DevChain {
        DevChain::in_memory_with(Config::default())
    }

    /// A chain kept only in memory.
    pub fn in_memory_with(config: Config) -> DevChain {
        DevChain::from_state(State {
            chain: Chain::new(),
            mempool: Mempool::default(),
            store: None,
            config,
            mock_time: None,
            repair: None,
        })
    }

    /// Opens (or creates) the chain stored in `dir`, with default [`Config`].
    pub fn open(dir: impl AsRef<Path>) -> Result<DevChain, DevChainError> {
        DevChain::open_with(dir, Config::default())
    }

    /// Opens (or creates) the chain stored in `dir`: reads the block file,
    /// cuts off a torn last record, and rebuilds the UTXO set.
    pub fn open_with(dir: impl AsRef<Path>, config: Config) -> Result<DevChain, DevChainError> {
        let mut chain = Chain::new();
        let (store, blocks, repair) = BlockStore::open(dir.as_ref(), chain.tip_hash())?;
        if let Some(repair) = repair {
            tracing::warn!(
                path = %store.path().display(),
                offset = repair.offset,
                removed = repair.removed,
                "cut off a torn record at the end of the block file"
            );
        }
        for block in blocks {
            let height = chain.tip_height() + 1;
            chain
                .connect(block)
                .map_err(|source| DevChainError::CorruptChain { height, source })?;
        }
        Ok(DevChain::from_state(State {
            chain,
            mempool: Mempool::default(),
            store: Some(store),
            config,
            mock_time: None,
            repair,
        }))
    }

    fn from_state(state: State) -> DevChain {
        DevChain {
            inner: Arc::new(Mutex::new(state)),
        }
    }

    /// Locks the state. A panic while holding the lock cannot leave the
    /// state half-updated (every mutation validates first), so a poisoned
    /// lock is simply taken over.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The policy this chain runs with.
    pub fn config(&self) -> Config {
        self.lock().config
    }

    /// The torn tail cut off when the chain was opened, if any.
    pub fn tail_repair(&self) -> Option<TailRepair> {
        self.lock().repair
    }

    /// Fixes the time of mined blocks (like `setmocktime`); `None` returns
    /// to the system clock. Block times still rise above median-time-past.
    pub fn set_mock_time(&self, time: Option<u32>) {
        self.lock().mock_time = time;
    }

    /// The tip of the active chain.
    pub fn tip(&self) -> Tip {
        let state = self.lock();
        Tip {
            height: state.chain.tip_height(),
            hash: state.chain.tip_hash(),
        }
    }

    /// Height of the tip.
    pub fn height(&self) -> u32 {
        self.lock().chain.tip_height()
    }

    /// The active-chain block at `height`.
    pub fn block(&self, height: u32) -> Option<Block> {
        self.lock().chain.block(height).cloned()
    }

    /// Hash of the active-chain block at `height`.
    pub fn block_hash(&self, height: u32) -> Option<BlockHash> {
        self.lock().chain.block(height).map(Block::block_hash)
    }

    /// A block by hash, including invalidated ones.
    pub fn block_by_hash(&self, hash: &BlockHash) -> Option<BlockInfo> {
        self.lock().block_info(hash)
    }

    /// Mines `n` blocks paying `to_script`, each taking what fits from the
    /// mempool. Returns their hashes.
    pub fn mine_blocks(&self, n: u32, to_script: &Script) -> Result<Vec<BlockHash>, DevChainError> {
        let mut state = self.lock();
        let mut hashes = Vec::new();
        for _ in 0..n {
            hashes.push(state.mine_one(to_script)?);
        }
        state.sync()?;
        Ok(hashes)
    }

    /// Mines `n` blocks paying a regtest address (`m…`, `n…`, `2…` or `bcrt1…`).
    pub fn generate_to_address(
        &self,
        n: u32,
        address: &str,
    ) -> Result<Vec<BlockHash>, DevChainError> {
        let script = parse_address(address)?;
        self.mine_blocks(n, &script)
    }

    /// Mines one block if the mempool holds anything: what a daemon's mining
    /// timer calls.
    pub fn mine_pending(&self, to_script: &Script) -> Result<Option<BlockHash>, DevChainError> {
        let mut state = self.lock();
        if state.mempool.is_empty() {
            return Ok(None);
        }
        let hash = state.mine_one(to_script)?;
        state.sync()?;
        Ok(Some(hash))
    }

    /// Validates `tx` like bitcoind's `sendrawtransaction` and adds it to the
    /// mempool. Resubmitting a mempool transaction returns its txid.
    pub fn submit_tx(&self, tx: &Transaction) -> Result<Txid, RejectReason> {
        self.lock().submit(tx, None)
    }

    /// [`DevChain::submit_tx`], also refusing a fee rate above
    /// `max_fee_per_kvb` sat per 1000 vbytes (`maxfeerate`).
    pub fn submit_tx_capped(
        &self,
        tx: &Transaction,
        max_fee_per_kvb: u64,
    ) -> Result<Txid, RejectReason> {
        self.lock().submit(tx, Some(max_fee_per_kvb))
    }

    /// Disconnects the block `hash` and every block above it, returning their
    /// non-coinbase transactions to the mempool (those still valid), like
    /// bitcoind's `invalidateblock`. Mining then builds a new branch.
    pub fn invalidate_block(&self, hash: &BlockHash) -> Result<(), DevChainError> {
        self.lock().invalidate(hash)
    }

    /// Unspent outputs paying exactly `script`: confirmed ones not spent in
    /// the mempool, then unspent mempool outputs.
    pub fn utxos_for_script(&self, script: &Script) -> Vec<Utxo> {
        let state = self.lock();
        state.utxos_matching(Some(script))
    }

    /// Every unspent output (confirmed and mempool).
    pub fn all_utxos(&self) -> Vec<Utxo> {
        self.lock().utxos_matching(None)
    }

    /// One unspent output, `None` if missing, spent (also in the mempool) or
    /// an `OP_RETURN`.
    pub fn utxo(&self, outpoint: &OutPoint, include_mempool: bool) -> Option<Utxo> {
        self.lock().utxo(outpoint, include_mempool)
    }

    /// A transaction from the mempool or the active chain.
    pub fn transaction(&self, txid: &Txid) -> Option<TxInfo> {
        self.lock().transaction(txid)
    }

    /// Mempool transactions in arrival order.
    pub fn mempool(&self) -> Vec<Transaction> {
        self.lock().mempool.iter().map(|e| e.tx.clone()).collect()
    }

    /// Sends exactly `amount` to `script` in a confirmed output and returns
    /// it. Coins come from a faucet (P2SH of `OP_TRUE`) whose coinbases this
    /// mines and matures as needed; the funding transaction goes through
    /// normal validation and is mined in one more block.
    pub fn fund(&self, script: &Script, amount: Amount) -> Result<OutPoint, DevChainError> {
        let mut state = self.lock();
        let result = state.fund(script, amount);
        state.sync()?;
        result
    }
}

impl DevChain {
    /// [`DevChain::fund`] to a regtest address.
    pub fn fund_address(&self, address: &str, amount: Amount) -> Result<OutPoint, DevChainError> {
        let script = parse_address(address)?;
        self.fund(&script, amount)
    }
}

/// Parses a regtest address into its output script.
pub fn parse_address(address: &str) -> Result<ScriptBuf, DevChainError> {
    let invalid = |reason: String| DevChainError::InvalidAddress {
        address: address.to_owned(),
        reason,
    };
    let parsed: Address<bitcoin::address::NetworkUnchecked> = address
        .parse()
        .map_err(|e: bitcoin::address::ParseError| invalid(e.to_string()))?;
    let checked = parsed
        .require_network(NETWORK)
        .map_err(|e| invalid(e.to_string()))?;
    Ok(checked.script_pubkey())
}

fn now() -> u32 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    u32::try_from(secs).unwrap_or(u32::MAX)
}

impl State {
    pub(crate) fn time(&self) -> u32 {
        self.mock_time.unwrap_or_else(now)
    }

    fn sync(&mut self) -> Result<(), DevChainError> {
        if let Some(store) = &mut self.store {
            store.sync()?;
        }
        Ok(())
    }

    /// Mines one block without flushing the block file.
    pub(crate) fn mine_one(&mut self, to_script: &Script) -> Result<BlockHash, DevChainError> {
        let (txs, fees) = select(self.mempool.iter().map(|e| (&e.tx, e.fee)));
        let mtp = self.chain.median_time_past(self.chain.tip_height());
        let time = self.time().max(mtp.saturating_add(1));
        let extra_nonce: u64 = bitcoin::secp256k1::rand::random();
        let block = build_block(&self.chain, txs, fees, to_script, time, extra_nonce);
        let hash = block.block_hash();
        if let Some(store) = &mut self.store {
            store.append(&block)?;
        }
        let mined: Vec<Txid> = block
            .txdata
            .iter()
            .skip(1)
            .map(Transaction::compute_txid)
            .collect();
        if let Err(e) = self.chain.connect(block) {
            if let Some(store) = &mut self.store {
                store.truncate(self.chain.tip_height())?;
            }
            return Err(DevChainError::MinedBlock(e));
        }
        for txid in &mined {
            self.mempool.remove(txid);
        }
        Ok(hash)
    }

    pub(crate) fn submit(
        &mut self,
        tx: &Transaction,
        max_fee_per_kvb: Option<u64>,
    ) -> Result<Txid, RejectReason> {
        let txid = tx.compute_txid();
        if self.mempool.contains(&txid) {
            return Ok(txid);
        }
        let accepted = validate::accept(
            tx,
            &self.chain,
            &self.mempool,
            self.config.min_relay_fee_per_kvb,
        )?;
        if let Some(max) = max_fee_per_kvb {
            let max_fee = Amount::from_sat(max.saturating_mul(accepted.vsize) / 1000);
            if max > 0 && accepted.fee > max_fee {
                return Err(RejectReason::FeeTooHigh {
                    fee: accepted.fee,
                    max: max_fee,
                });
            }
        }
        let time = self.time();
        self.mempool.insert(MempoolEntry {
            tx: tx.clone(),
            fee: accepted.fee,
            time,
            height: self.chain.tip_height(),
        });
        Ok(txid)
    }

    fn invalidate(&mut self, hash: &BlockHash) -> Result<(), DevChainError> {
        let Some(height) = self.chain.height_of(hash) else {
            return if self.chain.stale_block(hash).is_some() {
                Ok(())
            } else {
                Err(DevChainError::BlockNotFound(*hash))
            };
        };
        if height == 0 {
            return Err(DevChainError::InvalidateGenesis);
        }
        if let Some(store) = &mut self.store {
            store.truncate(height - 1)?;
        }
        let mut disconnected = Vec::new();
        while self.chain.tip_height() >= height {
            match self.chain.disconnect_tip() {
                Some(block) => disconnected.push(block),
                None => break,
            }
        }
        disconnected.reverse();
        let waiting = self.mempool.take_all();
        let returning = disconnected
            .into_iter()
            .flat_map(|block| block.txdata.into_iter().skip(1))
            .chain(waiting.into_iter().map(|e| e.tx));
        for tx in returning {
            if let Err(reason) = self.submit(&tx, None) {
                tracing::debug!(txid = %tx.compute_txid(), %reason, "dropped after invalidateblock");
            }
        }
        Ok(())
    }

    pub(crate) fn block_info(&self, hash: &BlockHash) -> Option<BlockInfo> {
        if let Some(height) = self.chain.height_of(hash) {
            let block = self.chain.block(height)?.clone();
            return Some(BlockInfo {
                block,
                height,
                in_active_chain: true,
            });
        }
        let stale = self.chain.stale_block(hash)?;
        Some(BlockInfo {
            block: stale.block.clone(),
            height: stale.height,
            in_active_chain: false,
        })
    }

    fn utxo_from_coin(&self, outpoint: OutPoint, coin: &Coin) -> Utxo {
        let next = self.chain.tip_height() + 1;
        Utxo {
            outpoint,
            output: coin.output.clone(),
            height: Some(coin.height),
            is_coinbase: coin.is_coinbase,
            confirmations: next.saturating_sub(coin.height),
            mature: !coin.is_coinbase || next.saturating_sub(coin.height) >= COINBASE_MATURITY,
        }
    }

    /// Unspent outputs paying `script` (every script for `None`), confirmed
    /// ones first in height order, then mempool outputs in arrival order.
    pub(crate) fn utxos_matching(&self, script: Option<&Script>) -> Vec<Utxo> {
        let wanted = |s: &Script| script.is_none_or(|w| w == s);
        let coins: Vec<(OutPoint, Coin)> = match script {
            Some(script) => self.chain.coins_for_script(script),
            None => self
                .chain
                .all_coins()
                .map(|(op, c)| (*op, c.clone()))
                .collect(),
        };
        let mut confirmed: Vec<Utxo> = coins
            .iter()
            .filter(|(op, _)| self.mempool.spender(op).is_none())
            .map(|(op, coin)| self.utxo_from_coin(*op, coin))
            .collect();
        confirmed.sort_by_key(|u| (u.height, u.outpoint.txid, u.outpoint.vout));
        for entry in self.mempool.iter() {
            let txid = entry.tx.compute_txid();
            for (vout, output) in entry.tx.output.iter().enumerate() {
                let outpoint = crate::chain::outpoint(txid, vout);
                if wanted(&output.script_pubkey)
                    && !output.script_pubkey.is_op_return()
                    && self.mempool.spender(&outpoint).is_none()
                {
                    confirmed.push(Utxo {
                        outpoint,
                        output: output.clone(),
                        height: None,
                        is_coinbase: false,
                        confirmations: 0,
                        mature: true,
                    });
                }
            }
        }
        confirmed
    }

    pub(crate) fn utxo(&self, outpoint: &OutPoint, include_mempool: bool) -> Option<Utxo> {
        if include_mempool && self.mempool.spender(outpoint).is_some() {
            return None;
        }
        if let Some(coin) = self.chain.coin(outpoint) {
            return Some(self.utxo_from_coin(*outpoint, coin));
        }
        if !include_mempool {
            return None;
        }
        let output = self.mempool.output(outpoint)?;
        if output.script_pubkey.is_op_return() {
            return None;
        }
        Some(Utxo {
            outpoint: *outpoint,
            output: output.clone(),
            height: None,
            is_coinbase: false,
            confirmations: 0,
            mature: true,
        })
    }

    pub(crate) fn transaction(&self, txid: &Txid) -> Option<TxInfo> {
        if let Some(entry) = self.mempool.get(txid) {
            return Some(TxInfo {
                tx: entry.tx.clone(),
                block: None,
                confirmations: 0,
            });
        }
        let (tx, height) = self.chain.transaction(txid)?;
        let hash = self.chain.block(height)?.block_hash();
        Some(TxInfo {
            tx: tx.clone(),
            block: Some(Tip { height, hash }),
            confirmations: self.chain.tip_height() - height + 1,
        })
    }

    fn fund(&mut self, script: &Script, amount: Amount) -> Result<OutPoint, DevChainError> {
        let target = TxOut {
            value: amount,
            script_pubkey: script.to_owned(),
        };
        if amount < dust_threshold(&target) || amount > MAX_MONEY || amount == Amount::ZERO {
            return Err(DevChainError::FundAmount { amount });
        }
        let faucet = faucet_script();
        let fee_rate = self.config.min_relay_fee_per_kvb.max(1_000);
        // A faucet input is 41 bytes plus the 2-byte scriptSig; the rest of the
        // transaction is at most 10 + 2 outputs of 43 bytes.
        let fee_for =
            |inputs: usize| Amount::from_sat((10 + 43 * inputs as u64 + 86) * fee_rate / 1000 + 1);
        let (inputs, total) = loop {
            let mut chosen = Vec::new();
            let mut total = Amount::ZERO;
            for utxo in self.utxos_matching(Some(&faucet)) {
                if !utxo.mature || utxo.height.is_none() {
                    continue;
                }
                total += utxo.output.value;
                chosen.push(utxo.outpoint);
                if total >= amount + fee_for(chosen.len()) {
                    break;
                }
            }
            if total >= amount + fee_for(chosen.len()) && !chosen.is_empty() {
                break (chosen, total);
            }
            self.mine_one(&faucet)?;
        };
        let fee = fee_for(inputs.len());
        let mut redeem_push = PushBytesBuf::new();
        // A one-byte redeem script always fits a push.
        let _ = redeem_push.extend_from_slice(faucet_redeem_script().as_bytes());
        let script_sig = bitcoin::script::Builder::new()
            .push_slice(redeem_push)
            .into_script();
        let mut output = vec![target];
        let change = TxOut {
            value: total - amount - fee,
            script_pubkey: faucet.clone(),
        };
        if change.value >= dust_threshold(&change) {
            output.push(change);
        }
        let tx = Transaction {
            version: Version::TWO,
            lock_time: absolute::LockTime::ZERO,
            input: inputs
                .into_iter()
                .map(|previous_output| TxIn {
                    previous_output,
                    script_sig: script_sig.clone(),
                    sequence: Sequence::MAX,
                    witness: Witness::new(),
                })
                .collect(),
            output,
        };
        let txid = self.submit(&tx, None)?;
        self.mine_one(&faucet)?;
        Ok(OutPoint { txid, vout: 0 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handle_can_be_shared_across_threads() {
        fn shareable<T: Send + Sync + Clone + 'static>() {}
        shareable::<DevChain>();
        let chain = DevChain::in_memory();
        let script = ScriptBuf::new_op_return([1u8]);
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let chain = chain.clone();
                let script = script.clone();
                std::thread::spawn(move || chain.mine_blocks(5, &script).map(|h| h.len()))
            })
            .collect();
        for worker in workers {
            assert_eq!(worker.join().expect("thread").expect("mine"), 5);
        }
        assert_eq!(chain.height(), 20);
    }

    #[test]
    fn block_times_rise_above_median_time_past_under_a_fixed_clock() {
        let chain = DevChain::in_memory();
        chain.set_mock_time(Some(1_000));
        let script = ScriptBuf::new_op_return([1u8]);
        chain.mine_blocks(30, &script).expect("mine");
        let times: Vec<u32> = (0..=30)
            .filter_map(|h| chain.block(h))
            .map(|b| b.header.time)
            .collect();
        for h in 1..times.len() {
            let mut previous = times[h.saturating_sub(11)..h].to_vec();
            previous.sort_unstable();
            let median = previous[previous.len() / 2];
            assert!(
                times[h] > median,
                "block {h} at {} is not above median time past {median}",
                times[h]
            );
        }
    }
}
