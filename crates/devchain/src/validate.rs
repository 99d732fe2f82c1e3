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
use crate::params::{
    COINBASE_MATURITY, MAX_BLOCK_WEIGHT, MAX_MONEY, MIN_STANDARD_TX_NONWITNESS_SIZE,
};
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
        return Err(RejectReason::Oversize {
            weight: stripped_weight,
        });
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
            return Err(RejectReason::MempoolConflict {
                outpoint: txin.previous_output,
                spender,
            });
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
        if matches!(
            classify(&coin.output.script_pubkey),
            OutputType::NonStandard | OutputType::WitnessUnknown
        ) {
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
            return Err(
                match verify_input(tx, input, &coin.output, Flags::MANDATORY) {
                    Ok(()) => RejectReason::Script {
                        input,
                        error,
                        mandatory: false,
                    },
                    Err(error) => RejectReason::Script {
                        input,
                        error,
                        mandatory: true,
                    },
                },
            );
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
        .map(|out| Coin {
            output: out.clone(),
            height: next_height,
            is_coinbase: false,
        })
        .ok_or(RejectReason::MissingInputs(*outpoint))
}

/// Absolute lock time (Core's `IsFinalTx` with median-time-past).
fn is_final(tx: &Transaction, height: u32, time: u32) -> bool {
    let lock_time = tx.lock_time.to_consensus_u32();
    if lock_time == 0 {
        return true;
    }
    let cutoff = if lock_time < LOCKTIME_THRESHOLD {
        height
    } else {
        time
    };
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
fn check_inputs(
    tx: &Transaction,
    coins: &[Coin],
    spend_height: u32,
) -> Result<Amount, RejectReason> {
    let mut inputs = Amount::ZERO;
    for (txin, coin) in tx.input.iter().zip(coins) {
        if coin.is_coinbase {
            let depth = spend_height.saturating_sub(coin.height);
            if depth < COINBASE_MATURITY {
                return Err(RejectReason::PrematureCoinbaseSpend {
                    outpoint: txin.previous_output,
                    depth,
                });
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

#[cfg(test)]
mod tests {
    use bitcoin::opcodes::all::{OP_CHECKMULTISIG, OP_PUSHNUM_2, OP_PUSHNUM_3};
    use bitcoin::script::Builder;
    use bitcoin::{Amount, OutPoint, ScriptBuf, Sequence, TxOut, Witness};

    use crate::reject::{RPC_TRANSACTION_ERROR, RPC_VERIFY_ALREADY_IN_CHAIN, RPC_VERIFY_REJECTED};
    use crate::test_support::*;
    use crate::{Config, DevChain};

    const COIN: u64 = 100_000_000;

    fn alice() -> Key {
        Key::compressed("alice")
    }

    fn bob() -> Key {
        Key::compressed("bob")
    }

    #[test]
    fn a_signed_p2pkh_spend_is_accepted_and_mined() {
        let (chain, utxo) = funded(&alice(), COIN);
        let tx = spend(
            utxo,
            &alice(),
            vec![pay(COIN - 1000, bob().p2pkh()), op_return(b"id?hello")],
        );
        let txid = chain.submit_tx(&tx).expect("valid spend");
        assert_eq!(chain.mempool(), vec![tx.clone()]);
        chain.mine_blocks(1, &bob().p2pkh()).expect("mine");
        let found = chain.transaction(&txid).expect("mined");
        assert_eq!(found.confirmations, 1);
        assert!(chain.mempool().is_empty());
        assert_eq!(
            chain.utxos_for_script(&bob().p2pkh()).len(),
            2,
            "payment and coinbase"
        );
        assert!(chain.utxo(&utxo, true).is_none(), "input is spent");
        // The coinbase collected the fee.
        let tip = chain.block(chain.height()).expect("tip");
        assert_eq!(
            tip.txdata[0].output[0].value,
            Amount::from_sat(50 * COIN + 1000)
        );
    }

    #[test]
    fn an_uncompressed_key_may_sign_p2pkh() {
        let carol = Key::uncompressed("carol");
        let (chain, utxo) = funded(&carol, COIN);
        let tx = spend(utxo, &carol, vec![pay(COIN - 1000, bob().p2pkh())]);
        chain
            .submit_tx(&tx)
            .expect("uncompressed keys are valid in P2PKH");
    }

    #[test]
    fn resubmitting_a_mempool_transaction_returns_its_txid() {
        let (chain, utxo) = funded(&alice(), COIN);
        let tx = spend(utxo, &alice(), vec![pay(COIN - 1000, bob().p2pkh())]);
        let txid = chain.submit_tx(&tx).expect("first");
        assert_eq!(chain.submit_tx(&tx), Ok(txid));
        assert_eq!(chain.mempool().len(), 1);
    }

    #[test]
    fn a_double_spend_of_a_mempool_input_is_refused() {
        let (chain, utxo) = funded(&alice(), COIN);
        let first = spend(utxo, &alice(), vec![pay(COIN - 1000, bob().p2pkh())]);
        chain.submit_tx(&first).expect("first spend");
        let second = spend(utxo, &alice(), vec![pay(COIN - 2000, alice().p2pkh())]);
        assert_refused(&chain, &second, RPC_VERIFY_REJECTED, "txn-mempool-conflict");
    }

    #[test]
    fn spending_an_output_spent_in_the_chain_is_missing_inputs() {
        let (chain, utxo) = funded(&alice(), COIN);
        let first = spend(utxo, &alice(), vec![pay(COIN - 1000, bob().p2pkh())]);
        chain.submit_tx(&first).expect("first spend");
        chain.mine_blocks(1, &bob().p2pkh()).expect("mine");
        let second = spend(utxo, &alice(), vec![pay(COIN - 2000, alice().p2pkh())]);
        assert_refused(
            &chain,
            &second,
            RPC_TRANSACTION_ERROR,
            "bad-txns-inputs-missingorspent",
        );
    }

    #[test]
    fn a_missing_input_is_refused() {
        let (chain, utxo) = funded(&alice(), COIN);
        let nowhere = OutPoint {
            txid: utxo.txid,
            vout: 7,
        };
        let tx = spend(nowhere, &alice(), vec![pay(COIN - 1000, bob().p2pkh())]);
        assert_refused(
            &chain,
            &tx,
            RPC_TRANSACTION_ERROR,
            "bad-txns-inputs-missingorspent",
        );
    }

    #[test]
    fn a_confirmed_transaction_is_already_in_the_chain() {
        let (chain, utxo) = funded(&alice(), COIN);
        let tx = spend(utxo, &alice(), vec![pay(COIN - 1000, bob().p2pkh())]);
        chain.submit_tx(&tx).expect("spend");
        chain.mine_blocks(1, &bob().p2pkh()).expect("mine");
        let reason = chain.submit_tx(&tx).expect_err("already confirmed");
        assert_eq!(reason.rpc_code(), RPC_VERIFY_ALREADY_IN_CHAIN);
    }

    #[test]
    fn a_signature_over_other_outputs_is_refused() {
        let (chain, utxo) = funded(&alice(), COIN);
        let mut tx = spend(utxo, &alice(), vec![pay(COIN - 1000, bob().p2pkh())]);
        tx.output[0].value = Amount::from_sat(COIN - 2000);
        assert_refused(
            &chain,
            &tx,
            RPC_VERIFY_REJECTED,
            "mandatory-script-verify-flag-failed (Script evaluated without error but finished with a false/empty top stack element)",
        );
    }

    #[test]
    fn a_signature_by_the_wrong_key_is_refused() {
        let (chain, utxo) = funded(&alice(), COIN);
        let tx = spend(utxo, &bob(), vec![pay(COIN - 1000, bob().p2pkh())]);
        assert_refused(
            &chain,
            &tx,
            RPC_VERIFY_REJECTED,
            "mandatory-script-verify-flag-failed (Script failed an OP_EQUALVERIFY operation)",
        );
    }

    #[test]
    fn the_right_key_with_a_signature_by_another_key_is_refused() {
        let (chain, utxo) = funded(&alice(), COIN);
        let mut tx = unsigned(&[utxo], vec![pay(COIN - 1000, bob().p2pkh())]);
        let sig = bob().sign_legacy(&tx, 0, &alice().p2pkh());
        tx.input[0].script_sig = Builder::new()
            .push_slice(push(&sig))
            .push_key(&alice().public)
            .into_script();
        assert_refused(
            &chain,
            &tx,
            RPC_VERIFY_REJECTED,
            "mandatory-script-verify-flag-failed (Script evaluated",
        );
    }

    #[test]
    fn a_non_der_signature_is_refused() {
        let (chain, utxo) = funded(&alice(), COIN);
        let mut tx = unsigned(&[utxo], vec![pay(COIN - 1000, bob().p2pkh())]);
        let mut sig = alice().sign_legacy(&tx, 0, &alice().p2pkh());
        sig.insert(sig.len() - 1, 0); // trailing byte inside the DER sequence
        tx.input[0].script_sig = Builder::new()
            .push_slice(push(&sig))
            .push_key(&alice().public)
            .into_script();
        assert_refused(
            &chain,
            &tx,
            RPC_VERIFY_REJECTED,
            "mandatory-script-verify-flag-failed (Non-canonical DER signature)",
        );
    }

    #[test]
    fn spending_more_than_the_inputs_is_refused() {
        let (chain, utxo) = funded(&alice(), COIN);
        let tx = spend(utxo, &alice(), vec![pay(COIN + 1, bob().p2pkh())]);
        assert_refused(&chain, &tx, RPC_VERIFY_REJECTED, "bad-txns-in-belowout");
    }

    #[test]
    fn a_zero_fee_is_allowed_by_default_but_not_under_a_relay_fee() {
        let (chain, utxo) = funded(&alice(), COIN);
        let tx = spend(utxo, &alice(), vec![pay(COIN, bob().p2pkh())]);
        chain.submit_tx(&tx).expect("fee 0 is not negative");

        let strict = DevChain::in_memory_with(Config {
            min_relay_fee_per_kvb: 1000,
            ..Config::default()
        });
        let utxo = strict
            .fund(&alice().p2pkh(), Amount::from_sat(COIN))
            .expect("fund");
        let tx = spend(utxo, &alice(), vec![pay(COIN, bob().p2pkh())]);
        assert_refused(&strict, &tx, RPC_VERIFY_REJECTED, "min relay fee not met");
        let tx = spend(utxo, &alice(), vec![pay(COIN - 200, bob().p2pkh())]);
        strict.submit_tx(&tx).expect("200 sat covers 1 sat/vB");
    }

    #[test]
    fn a_fee_above_the_cap_is_refused() {
        let (chain, utxo) = funded(&alice(), COIN);
        let tx = spend(utxo, &alice(), vec![pay(COIN / 2, bob().p2pkh())]);
        let reason = chain
            .submit_tx_capped(&tx, 10_000_000)
            .expect_err("0.5 BTC fee");
        assert_eq!(reason.rpc_code(), RPC_TRANSACTION_ERROR);
        assert!(chain.mempool().is_empty());
    }

    #[test]
    fn a_coinbase_matures_after_100_blocks() {
        let chain = DevChain::in_memory();
        let hashes = chain.mine_blocks(1, &alice().p2pkh()).expect("mine");
        let coinbase =
            chain.block_by_hash(&hashes[0]).expect("block").block.txdata[0].compute_txid();
        let utxo = OutPoint {
            txid: coinbase,
            vout: 0,
        };
        let tx = spend(utxo, &alice(), vec![pay(50 * COIN - 1000, bob().p2pkh())]);
        // Tip 99 (assert_refused mines one more block, to 100).
        chain.mine_blocks(98, &bob().p2pkh()).expect("mine");
        assert_eq!(chain.height(), 99);
        assert!(!chain.utxo(&utxo, true).expect("unspent").mature);
        assert_refused(
            &chain,
            &tx,
            RPC_VERIFY_REJECTED,
            "bad-txns-premature-spend-of-coinbase",
        );
        assert_eq!(chain.height(), 100);
        chain
            .submit_tx(&tx)
            .expect("mature at tip 100: the spend lands in block 101");
    }

    #[test]
    fn an_op_return_may_carry_80_bytes_but_not_81() {
        let (chain, utxo) = funded(&alice(), COIN);
        let big = spend(
            utxo,
            &alice(),
            vec![pay(COIN - 1000, bob().p2pkh()), op_return(&[1; 81])],
        );
        assert_refused(&chain, &big, RPC_VERIFY_REJECTED, "scriptpubkey");
        let ok = spend(
            utxo,
            &alice(),
            vec![pay(COIN - 1000, bob().p2pkh()), op_return(&[1; 80])],
        );
        chain.submit_tx(&ok).expect("80 bytes of data are standard");
    }

    #[test]
    fn two_op_returns_are_refused() {
        let (chain, utxo) = funded(&alice(), COIN);
        let tx = spend(
            utxo,
            &alice(),
            vec![
                op_return(b"id?a"),
                pay(COIN - 1000, bob().p2pkh()),
                op_return(b"id?b"),
            ],
        );
        assert_refused(&chain, &tx, RPC_VERIFY_REJECTED, "multi-op-return");
    }

    #[test]
    fn an_output_below_546_sat_to_p2pkh_is_dust() {
        let (chain, utxo) = funded(&alice(), COIN);
        let tx = spend(
            utxo,
            &alice(),
            vec![pay(COIN - 10_000, alice().p2pkh()), pay(545, bob().p2pkh())],
        );
        assert_refused(&chain, &tx, RPC_VERIFY_REJECTED, "dust");
        let tx = spend(
            utxo,
            &alice(),
            vec![pay(COIN - 10_000, alice().p2pkh()), pay(546, bob().p2pkh())],
        );
        chain.submit_tx(&tx).expect("546 sat is not dust");
    }

    #[test]
    fn a_non_standard_output_script_is_refused() {
        let (chain, utxo) = funded(&alice(), COIN);
        let anyone = ScriptBuf::from_bytes(vec![0x51]);
        let tx = spend(utxo, &alice(), vec![pay(COIN - 1000, anyone)]);
        assert_refused(&chain, &tx, RPC_VERIFY_REJECTED, "scriptpubkey");
    }

    #[test]
    fn a_script_sig_with_non_push_opcodes_is_refused() {
        let (chain, utxo) = funded(&alice(), COIN);
        let mut tx = spend(utxo, &alice(), vec![pay(COIN - 1000, bob().p2pkh())]);
        let mut bytes = tx.input[0].script_sig.to_bytes();
        bytes.extend([0x51, 0x75]); // OP_1 OP_DROP: harmless but not push-only
        tx.input[0].script_sig = ScriptBuf::from_bytes(bytes);
        assert_refused(&chain, &tx, RPC_VERIFY_REJECTED, "scriptsig-not-pushonly");
    }

    #[test]
    fn a_coinbase_transaction_cannot_be_relayed() {
        let chain = DevChain::in_memory();
        let hashes = chain.mine_blocks(1, &alice().p2pkh()).expect("mine");
        let mut coinbase = chain.block_by_hash(&hashes[0]).expect("block").block.txdata[0].clone();
        coinbase.input[0].script_sig = ScriptBuf::from_bytes(vec![0x52, 0x52]);
        assert_refused(&chain, &coinbase, RPC_VERIFY_REJECTED, "coinbase");
    }

    #[test]
    fn a_future_lock_time_is_not_final() {
        let (chain, utxo) = funded(&alice(), COIN);
        let mut tx = unsigned(&[utxo], vec![pay(COIN - 1000, bob().p2pkh())]);
        tx.lock_time =
            bitcoin::absolute::LockTime::from_height(chain.height() + 5).expect("height");
        tx.input[0].sequence = Sequence::ENABLE_LOCKTIME_NO_RBF;
        sign_p2pkh(&mut tx, 0, &alice());
        assert_refused(&chain, &tx, RPC_VERIFY_REJECTED, "non-final");
    }

    #[test]
    fn a_transaction_above_400000_weight_is_refused() {
        let (chain, utxo) = funded(&alice(), COIN);
        let outputs = (0..3000).map(|_| pay(1000, bob().p2pkh())).collect();
        let tx = spend(utxo, &alice(), outputs);
        assert!(tx.weight().to_wu() > 400_000);
        assert_refused(&chain, &tx, RPC_VERIFY_REJECTED, "tx-size");
    }

    #[test]
    fn a_relative_lock_time_holds_until_enough_blocks_pass() {
        let (chain, utxo) = funded(&alice(), COIN);
        let mut tx = unsigned(&[utxo], vec![pay(COIN - 1000, bob().p2pkh())]);
        tx.version = bitcoin::transaction::Version::TWO;
        tx.input[0].sequence = Sequence::from_height(5);
        sign_p2pkh(&mut tx, 0, &alice());
        // The output has 1 confirmation; 5 are needed.
        assert_refused(&chain, &tx, RPC_VERIFY_REJECTED, "non-BIP68-final");
        chain.mine_blocks(2, &bob().p2pkh()).expect("mine");
        assert_refused(&chain, &tx, RPC_VERIFY_REJECTED, "non-BIP68-final");
        chain.submit_tx(&tx).expect("5 confirmations");
    }

    #[test]
    fn mine_pending_mines_only_when_something_waits() {
        let (chain, utxo) = funded(&alice(), COIN);
        let height = chain.height();
        assert_eq!(chain.mine_pending(&bob().p2pkh()).expect("mine"), None);
        assert_eq!(chain.height(), height);
        let tx = spend(utxo, &alice(), vec![pay(COIN - 1000, bob().p2pkh())]);
        chain.submit_tx(&tx).expect("submit");
        let hash = chain
            .mine_pending(&bob().p2pkh())
            .expect("mine")
            .expect("a block");
        assert_eq!(
            chain
                .transaction(&tx.compute_txid())
                .and_then(|t| t.block)
                .map(|b| b.hash),
            Some(hash)
        );
    }

    #[test]
    fn generate_to_address_takes_only_regtest_addresses() {
        let chain = DevChain::in_memory();
        let regtest =
            bitcoin::Address::p2pkh(alice().public, bitcoin::Network::Regtest).to_string();
        chain
            .generate_to_address(1, &regtest)
            .expect("regtest P2PKH");
        let mainnet =
            bitcoin::Address::p2pkh(alice().public, bitcoin::Network::Bitcoin).to_string();
        assert!(matches!(
            chain.generate_to_address(1, &mainnet),
            Err(crate::DevChainError::InvalidAddress { .. })
        ));
        assert_eq!(chain.height(), 1);
    }

    #[test]
    fn spending_a_non_standard_output_is_refused() {
        let chain = DevChain::in_memory();
        let anyone = ScriptBuf::from_bytes(vec![0x51]);
        let hashes = chain.mine_blocks(1, &anyone).expect("coinbase to OP_TRUE");
        chain.mine_blocks(100, &bob().p2pkh()).expect("mature");
        let coinbase =
            chain.block_by_hash(&hashes[0]).expect("block").block.txdata[0].compute_txid();
        let tx = unsigned(
            &[OutPoint {
                txid: coinbase,
                vout: 0,
            }],
            vec![pay(COIN, bob().p2pkh())],
        );
        assert_refused(
            &chain,
            &tx,
            RPC_VERIFY_REJECTED,
            "bad-txns-nonstandard-inputs",
        );
    }

    #[test]
    fn a_transaction_under_65_bytes_is_refused() {
        let chain = DevChain::in_memory();
        let faucet = crate::faucet_script();
        let utxo = chain.fund(&faucet, Amount::from_sat(COIN)).expect("fund");
        let mut tx = unsigned(&[utxo], vec![op_return(&[])]);
        tx.input[0].script_sig = Builder::new().push_slice(push(&[0x51])).into_script();
        assert_eq!(bitcoin::consensus::serialize(&tx).len(), 64);
        assert_refused(&chain, &tx, RPC_VERIFY_REJECTED, "tx-size-small");
        tx.output[0] = op_return(&[7, 7]);
        chain.submit_tx(&tx).expect("66 bytes is enough");
    }

    #[test]
    fn children_of_mempool_transactions_are_mined_after_their_parents() {
        let (chain, utxo) = funded(&alice(), COIN);
        let parent = spend(utxo, &alice(), vec![pay(COIN - 1000, bob().p2pkh())]);
        let parent_id = chain.submit_tx(&parent).expect("parent");
        let child = spend(
            OutPoint {
                txid: parent_id,
                vout: 0,
            },
            &bob(),
            vec![pay(COIN - 2000, alice().p2pkh())],
        );
        let child_id = chain
            .submit_tx(&child)
            .expect("child of an unconfirmed parent");
        assert_eq!(
            chain.utxo(
                &OutPoint {
                    txid: parent_id,
                    vout: 0
                },
                true
            ),
            None,
            "spent in mempool"
        );
        chain.mine_blocks(1, &bob().p2pkh()).expect("mine");
        let block = chain.block(chain.height()).expect("tip");
        let order: Vec<_> = block
            .txdata
            .iter()
            .skip(1)
            .map(|t| t.compute_txid())
            .collect();
        assert_eq!(order, vec![parent_id, child_id]);
    }

    /// `OP_2 <a> <b> <c> OP_3 OP_CHECKMULTISIG`.
    fn two_of_three(keys: [&Key; 3]) -> ScriptBuf {
        let mut builder = Builder::new().push_opcode(OP_PUSHNUM_2);
        for key in keys {
            builder = builder.push_key(&key.public);
        }
        builder
            .push_opcode(OP_PUSHNUM_3)
            .push_opcode(OP_CHECKMULTISIG)
            .into_script()
    }

    fn multisig_setup() -> (DevChain, OutPoint, ScriptBuf, [Key; 3]) {
        let keys = [
            Key::compressed("m1"),
            Key::uncompressed("m2"),
            Key::compressed("m3"),
        ];
        let redeem = two_of_three([&keys[0], &keys[1], &keys[2]]);
        let chain = DevChain::in_memory();
        let utxo = chain
            .fund(&redeem.to_p2sh(), Amount::from_sat(COIN))
            .expect("fund p2sh");
        (chain, utxo, redeem, keys)
    }

    #[test]
    fn a_p2sh_two_of_three_spend_with_two_signatures_is_accepted() {
        let (chain, utxo, redeem, keys) = multisig_setup();
        let mut tx = unsigned(
            &[utxo],
            vec![pay(COIN - 1000, bob().p2pkh()), op_return(b"id?x")],
        );
        let sig1 = keys[0].sign_legacy(&tx, 0, &redeem);
        let sig3 = keys[2].sign_legacy(&tx, 0, &redeem);
        tx.input[0].script_sig = Builder::new()
            .push_opcode(bitcoin::opcodes::OP_0)
            .push_slice(push(&sig1))
            .push_slice(push(&sig3))
            .push_slice(push(redeem.as_bytes()))
            .into_script();
        chain.submit_tx(&tx).expect("2 of 3 signatures");
        chain.mine_blocks(1, &bob().p2pkh()).expect("mine");
        assert!(chain
            .transaction(&tx.compute_txid())
            .is_some_and(|t| t.confirmations == 1));
    }

    #[test]
    fn a_p2sh_two_of_three_spend_with_one_signature_is_refused() {
        let (chain, utxo, redeem, keys) = multisig_setup();
        let mut tx = unsigned(&[utxo], vec![pay(COIN - 1000, bob().p2pkh())]);
        let sig2 = keys[1].sign_legacy(&tx, 0, &redeem);
        tx.input[0].script_sig = Builder::new()
            .push_opcode(bitcoin::opcodes::OP_0)
            .push_slice(push(&sig2))
            .push_slice(push(redeem.as_bytes()))
            .into_script();
        assert_refused(
            &chain,
            &tx,
            RPC_VERIFY_REJECTED,
            "mandatory-script-verify-flag-failed (Operation not valid with the current stack size)",
        );
        // With the dummy present, one valid signature is not enough.
        tx.input[0].script_sig = Builder::new()
            .push_opcode(bitcoin::opcodes::OP_0)
            .push_opcode(bitcoin::opcodes::OP_0)
            .push_slice(push(&sig2))
            .push_slice(push(redeem.as_bytes()))
            .into_script();
        assert_refused(
            &chain,
            &tx,
            RPC_VERIFY_REJECTED,
            "mandatory-script-verify-flag-failed (Script evaluated without error but finished with a false/empty top stack element)",
        );
        // Signatures out of key order fail the same way.
        let sig1 = keys[0].sign_legacy(&tx, 0, &redeem);
        let sig3 = keys[2].sign_legacy(&tx, 0, &redeem);
        tx.input[0].script_sig = Builder::new()
            .push_opcode(bitcoin::opcodes::OP_0)
            .push_slice(push(&sig3))
            .push_slice(push(&sig1))
            .push_slice(push(redeem.as_bytes()))
            .into_script();
        assert_refused(
            &chain,
            &tx,
            RPC_VERIFY_REJECTED,
            "mandatory-script-verify-flag-failed",
        );
    }

    #[test]
    fn a_non_empty_checkmultisig_dummy_is_refused() {
        let (chain, utxo, redeem, keys) = multisig_setup();
        let mut tx = unsigned(&[utxo], vec![pay(COIN - 1000, bob().p2pkh())]);
        let sig1 = keys[0].sign_legacy(&tx, 0, &redeem);
        let sig2 = keys[1].sign_legacy(&tx, 0, &redeem);
        tx.input[0].script_sig = Builder::new()
            .push_opcode(bitcoin::opcodes::all::OP_PUSHNUM_1)
            .push_slice(push(&sig1))
            .push_slice(push(&sig2))
            .push_slice(push(redeem.as_bytes()))
            .into_script();
        assert_refused(
            &chain,
            &tx,
            RPC_VERIFY_REJECTED,
            "mandatory-script-verify-flag-failed (Dummy CHECKMULTISIG argument must be zero)",
        );
    }

    #[test]
    fn a_p2sh_spend_with_the_wrong_redeem_script_is_refused() {
        let (chain, utxo, _, keys) = multisig_setup();
        let other = two_of_three([&keys[2], &keys[1], &keys[0]]);
        let mut tx = unsigned(&[utxo], vec![pay(COIN - 1000, bob().p2pkh())]);
        let sig1 = keys[0].sign_legacy(&tx, 0, &other);
        let sig3 = keys[2].sign_legacy(&tx, 0, &other);
        tx.input[0].script_sig = Builder::new()
            .push_opcode(bitcoin::opcodes::OP_0)
            .push_slice(push(&sig3))
            .push_slice(push(&sig1))
            .push_slice(push(other.as_bytes()))
            .into_script();
        assert_refused(
            &chain,
            &tx,
            RPC_VERIFY_REJECTED,
            "mandatory-script-verify-flag-failed (Script evaluated without error but finished with a false/empty top stack element)",
        );
    }

    #[test]
    fn a_p2wpkh_output_can_be_spent_with_a_bip143_signature() {
        let dave = Key::compressed("dave");
        let chain = DevChain::in_memory();
        let utxo = chain
            .fund(&dave.p2wpkh(), Amount::from_sat(COIN))
            .expect("fund p2wpkh");
        let mut tx = unsigned(&[utxo], vec![pay(COIN - 1000, bob().p2pkh())]);
        let sig = dave.sign_segwit(&tx, 0, &dave.p2pkh(), Amount::from_sat(COIN));
        tx.input[0].witness = Witness::from_slice(&[sig, dave.public.to_bytes()]);
        chain.submit_tx(&tx).expect("segwit v0 spend");
        chain
            .mine_blocks(1, &bob().p2pkh())
            .expect("mine a block with a witness commitment");
        let block = chain.block(chain.height()).expect("tip");
        assert!(
            block.check_witness_commitment(),
            "BIP141 commitment in the coinbase"
        );
        assert!(chain
            .transaction(&tx.compute_txid())
            .is_some_and(|t| t.confirmations == 1));

        // The same signature over the wrong amount fails.
        let utxo = chain
            .fund(&dave.p2wpkh(), Amount::from_sat(COIN))
            .expect("fund p2wpkh");
        let mut tx = unsigned(&[utxo], vec![pay(COIN - 1000, bob().p2pkh())]);
        let sig = dave.sign_segwit(&tx, 0, &dave.p2pkh(), Amount::from_sat(COIN + 1));
        tx.input[0].witness = Witness::from_slice(&[sig, dave.public.to_bytes()]);
        assert_refused(
            &chain,
            &tx,
            RPC_VERIFY_REJECTED,
            "mandatory-script-verify-flag-failed",
        );
    }

    #[test]
    fn a_p2pk_output_is_spent_with_a_bare_signature() {
        let key = alice();
        let p2pk = ScriptBuf::new_p2pk(&key.public);
        let chain = DevChain::in_memory();
        let utxo = chain
            .fund(&p2pk, Amount::from_sat(COIN))
            .expect("fund p2pk");
        let mut tx = unsigned(&[utxo], vec![pay(COIN - 1000, bob().p2pkh())]);
        let sig = key.sign_legacy(&tx, 0, &p2pk);
        tx.input[0].script_sig = Builder::new().push_slice(push(&sig)).into_script();
        let mut forged = unsigned(&[utxo], vec![pay(COIN - 2000, bob().p2pkh())]);
        forged.input[0].script_sig = tx.input[0].script_sig.clone();
        assert_refused(
            &chain,
            &forged,
            RPC_VERIFY_REJECTED,
            "mandatory-script-verify-flag-failed",
        );
        chain.submit_tx(&tx).expect("P2PK spend");
    }

    #[test]
    fn fund_pays_exactly_the_amount_asked_for() {
        let chain = DevChain::in_memory();
        let utxo = chain
            .fund(&alice().p2pkh(), Amount::from_sat(123_456))
            .expect("fund");
        let found = chain.utxo(&utxo, true).expect("unspent");
        assert_eq!(
            found.output,
            TxOut {
                value: Amount::from_sat(123_456),
                script_pubkey: alice().p2pkh()
            }
        );
        assert_eq!(found.confirmations, 1);
        // More than one coinbase's worth needs several faucet inputs.
        let big = chain
            .fund(&alice().p2pkh(), Amount::from_sat(120 * COIN))
            .expect("fund big");
        assert_eq!(
            chain.utxo(&big, true).expect("unspent").output.value,
            Amount::from_sat(120 * COIN)
        );
        assert!(
            chain.fund(&alice().p2pkh(), Amount::from_sat(10)).is_err(),
            "dust"
        );
    }
}
