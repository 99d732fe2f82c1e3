//! Mempool acceptance: the checks bitcoind's `AcceptToMemoryPool` runs, in
//! its order, against the chain's UTXO set plus the mempool.
//!
//! The order matters because clients see only the first failure: a
//! transaction that is both non-standard and double-spending reports the
//! standardness reason, as on a real node. Acceptance is a pure check; the
//! caller inserts the transaction only when every rule passed.

use std::collections::HashSet;

use bitcoin::{Amount, OutPoint, Transaction, Txid};

use crate::chain::{Chain, Coin};
use crate::mempool::Mempool;
use crate::params::{COINBASE_MATURITY, MAX_BLOCK_WEIGHT, MAX_MONEY, MIN_STANDARD_TX_NONWITNESS_SIZE};
use crate::reject::RejectReason;
use crate::script::{verify_input, Flags};
use crate::standard::{check_standard, classify, OutputType};

/// BIP68: set to disable the relative lock of an input.
const SEQUENCE_LOCKTIME_DISABLE_FLAG: u32 = 1 << 31;
/// BIP68: set for a time-based (512-second units) relative lock.
const SEQUENCE_LOCKTIME_TYPE_FLAG: u32 = 1 << 22;
/// BIP68: the lock value bits.
const SEQUENCE_LOCKTIME_MASK: u32 = 0xffff;
/// Lock times below this are heights, above it Unix times.
const LOCKTIME_THRESHOLD: u32 = 500_000_000;

/// A transaction that passed every check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    /// Its txid.
    pub txid: Txid,
    /// Inputs minus outputs.
    pub fee: Amount,
    /// Virtual size in vbytes.
    pub vsize: u64,
}

/// Context-free consensus checks (Core's `CheckTransaction`).
pub fn check_transaction(tx: &Transaction) -> Result<(), RejectReason> {
    if tx.input.is_empty() {
        return Err(RejectReason::NoInputs);
    }
    if tx.output.is_empty() {
        return Err(RejectReason::NoOutputs);
    }
    let stripped_weight = (bitcoin::consensus::serialize(&stripped(tx)).len() as u64) * 4;
    if stripped_weight > MAX_BLOCK_WEIGHT {
        return Err(RejectReason::Oversize { weight: stripped_weight });
    }
    let mut total = Amount::ZERO;
    for (index, output) in tx.output.iter().enumerate() {
        if output.value > MAX_MONEY {
            return Err(RejectReason::OutputTooLarge { index });
        }
        total = total
            .checked_add(output.value)
            .filter(|t| *t <= MAX_MONEY)
            .ok_or(RejectReason::OutputTotalTooLarge)?;
    }
    let mut seen = HashSet::new();
    for txin in &tx.input {
        if !seen.insert(txin.previous_output) {
            return Err(RejectReason::DuplicateInput(txin.previous_output));
        }
    }
    if !tx.is_coinbase() {
        if let Some(input) = tx.input.iter().position(|i| i.previous_output.is_null()) {
            return Err(RejectReason::NullPrevout { input });
        }
    }
    Ok(())
}

/// `tx` without witness data, whose size is what the pre-segwit limits count.
fn stripped(tx: &Transaction) -> Transaction {
    let mut tx = tx.clone();
    for input in &mut tx.input {
        input.witness.clear();
    }
    tx
}

/// Runs every mempool acceptance check of `tx` against `chain` + `mempool`.
///
/// `min_relay_fee_per_kvb` is the fee floor in sat per 1000 vbytes (0 allows
/// zero-fee transactions). The caller has already answered "already in the
/// mempool".
pub fn accept(
    tx: &Transaction,
    chain: &Chain,
    mempool: &Mempool,
    min_relay_fee_per_kvb: u64,
) -> Result<Accepted, RejectReason> {
    let txid = tx.compute_txid();
    // `sendrawtransaction` answers this before running any rule.
    if chain.tx_location(&txid).is_some() {
        return Err(RejectReason::AlreadyInChain(txid));
    }
    check_transaction(tx)?;
    if tx.is_coinbase() {
        return Err(RejectReason::Coinbase);
    }
    check_standard(tx)?;
    let size = bitcoin::consensus::serialize(&stripped(tx)).len();
    if size < MIN_STANDARD_TX_NONWITNESS_SIZE {
        return Err(RejectReason::TxSizeSmall { size });
    }
    let next_height = chain.tip_height() + 1;
    let lock_time_cutoff = chain.median_time_past(chain.tip_height());
    if !is_final(tx, next_height, lock_time_cutoff) {
        return Err(RejectReason::NonFinal);
    }
    for txin in &tx.input {
        if let Some(spender) = mempool.spender(&txin.previous_output) {
            return Err(RejectReason::MempoolConflict { outpoint: txin.previous_output, spender });
        }
    }
    let coins = tx
        .input
        .iter()
        .map(|txin| find_coin(&txin.previous_output, chain, mempool, next_height))
        .collect::<Result<Vec<Coin>, RejectReason>>()?;
    check_sequence_locks(tx, &coins, chain, next_height)?;
    let fee = check_inputs(tx, &coins, next_height)?;
    for (input, coin) in coins.iter().enumerate() {
        if matches!(classify(&coin.output.script_pubkey), OutputType::NonStandard | OutputType::WitnessUnknown) {
            return Err(RejectReason::NonStandardInput { input });
        }
    }
    let vsize = tx.vsize() as u64;
    let required = Amount::from_sat(min_relay_fee_per_kvb.saturating_mul(vsize) / 1000);
    if fee < required {
        return Err(RejectReason::MinRelayFee { fee, required });
    }
    for (input, coin) in coins.iter().enumerate() {
        if let Err(error) = verify_input(tx, input, &coin.output, Flags::STANDARD) {
            return Err(match verify_input(tx, input, &coin.output, Flags::MANDATORY) {
                Ok(()) => RejectReason::Script { input, error, mandatory: false },
                Err(error) => RejectReason::Script { input, error, mandatory: true },
            });
        }
    }
    Ok(Accepted { txid, fee, vsize })
}

/// The coin `outpoint` refers to, from the chain or from an unspent mempool
/// output (which counts as created at `next_height`).
fn find_coin(
    outpoint: &OutPoint,
    chain: &Chain,
    mempool: &Mempool,
    next_height: u32,
) -> Result<Coin, RejectReason> {
    if let Some(coin) = chain.coin(outpoint) {
        return Ok(coin.clone());
    }
    mempool
        .output(outpoint)
        .filter(|out| !out.script_pubkey.is_op_return())
        .map(|out| Coin { output: out.clone(), height: next_height, is_coinbase: false })
        .ok_or(RejectReason::MissingInputs(*outpoint))
}

/// Absolute lock time (Core's `IsFinalTx` with median-time-past).
fn is_final(tx: &Transaction, height: u32, time: u32) -> bool {
    let lock_time = tx.lock_time.to_consensus_u32();
    if lock_time == 0 {
        return true;
    }
    let cutoff = if lock_time < LOCKTIME_THRESHOLD { height } else { time };
    lock_time < cutoff || tx.input.iter().all(|i| i.sequence.is_final())
}

/// BIP68 relative lock times, for version 2 transactions.
fn check_sequence_locks(
    tx: &Transaction,
    coins: &[Coin],
    chain: &Chain,
    next_height: u32,
) -> Result<(), RejectReason> {
    if tx.version.0 < 2 {
        return Ok(());
    }
    let tip_mtp = chain.median_time_past(chain.tip_height());
    for (input, (txin, coin)) in tx.input.iter().zip(coins).enumerate() {
        let sequence = txin.sequence.to_consensus_u32();
        if sequence & SEQUENCE_LOCKTIME_DISABLE_FLAG != 0 {
            continue;
        }
        let value = sequence & SEQUENCE_LOCKTIME_MASK;
        let locked = if sequence & SEQUENCE_LOCKTIME_TYPE_FLAG != 0 {
            let base = chain.median_time_past(coin.height.saturating_sub(1));
            let min_time = i64::from(base) + (i64::from(value) << 9) - 1;
            min_time >= i64::from(tip_mtp)
        } else {
            let min_height = i64::from(coin.height) + i64::from(value) - 1;
            min_height >= i64::from(next_height)
        };
        if locked {
            return Err(RejectReason::NonBip68Final { input });
        }
    }
    Ok(())
}

/// Coinbase maturity and value balance (Core's `Consensus::CheckTxInputs`);
/// returns the fee.
fn check_inputs(tx: &Transaction, coins: &[Coin], spend_height: u32) -> Result<Amount, RejectReason> {
    let mut inputs = Amount::ZERO;
    for (txin, coin) in tx.input.iter().zip(coins) {
        if coin.is_coinbase {
            let depth = spend_height.saturating_sub(coin.height);
            if depth < COINBASE_MATURITY {
                return Err(RejectReason::PrematureCoinbaseSpend { outpoint: txin.previous_output, depth });
            }
        }
        inputs = inputs
            .checked_add(coin.output.value)
            .filter(|v| *v <= MAX_MONEY)
            .ok_or(RejectReason::OutputTotalTooLarge)?;
    }
    let outputs = tx
        .output
        .iter()
        .try_fold(Amount::ZERO, |acc, o| acc.checked_add(o.value))
        .ok_or(RejectReason::OutputTotalTooLarge)?;
    inputs
        .checked_sub(outputs)
        .ok_or(RejectReason::InputsBelowOutputs { inputs, outputs })
}
