//! Block assembly and regtest proof of work.
//!
//! A block takes a prefix of the mempool (arrival order, so parents come
//! before children) that fits the weight limit, a BIP34 coinbase paying
//! subsidy plus fees, a BIP141 witness commitment when any transaction
//! carries a witness, and a nonce found by trying values: at regtest's
//! `207fffff` about every second hash qualifies.

use bitcoin::block::{Header, Version};
use bitcoin::hashes::Hash;
use bitcoin::opcodes::all::OP_RETURN;
use bitcoin::pow::CompactTarget;
use bitcoin::script::{Builder, PushBytesBuf};
use bitcoin::transaction::Version as TxVersion;
use bitcoin::{
    absolute, Amount, Block, OutPoint, Script, ScriptBuf, Sequence, Transaction, TxIn,
    TxMerkleNode, TxOut, Witness,
};

use crate::chain::Chain;
use crate::params::{block_subsidy, BLOCK_VERSION, MAX_BLOCK_WEIGHT};

/// Regtest difficulty bits.
pub const REGTEST_BITS: u32 = 0x207f_ffff;

/// Weight kept free for the coinbase when filling a block.
const COINBASE_WEIGHT_RESERVE: u64 = 4_000;

/// Picks the longest mempool prefix that fits in a block. Stopping at the
/// first transaction that does not fit keeps every child behind its parent.
pub fn select<'a>(
    candidates: impl Iterator<Item = (&'a Transaction, Amount)>,
) -> (Vec<Transaction>, Amount) {
    let mut weight = COINBASE_WEIGHT_RESERVE + 80 * 4;
    let mut fees = Amount::ZERO;
    let mut txs = Vec::new();
    for (tx, fee) in candidates {
        let w = tx.weight().to_wu();
        if weight + w > MAX_BLOCK_WEIGHT {
            break;
        }
        weight += w;
        fees = fees.checked_add(fee).unwrap_or(fees);
        txs.push(tx.clone());
    }
    (txs, fees)
}

/// Builds and solves the next block on `chain`'s tip.
///
/// `extra_nonce` goes into the coinbase so that two blocks at the same
/// height paying the same script differ (after an `invalidateblock`, a
/// replacement block must not reproduce the invalidated one).
pub fn build_block(
    chain: &Chain,
    txs: Vec<Transaction>,
    fees: Amount,
    payout: &Script,
    time: u32,
    extra_nonce: u64,
) -> Block {
    let height = chain.tip_height() + 1;
    let has_witness = txs
        .iter()
        .any(|tx| tx.input.iter().any(|i| !i.witness.is_empty()));
    let mut extra = PushBytesBuf::new();
    // Eight bytes always fit a push.
    let _ = extra.extend_from_slice(&extra_nonce.to_le_bytes());
    let coinbase_script = Builder::new()
        .push_int(i64::from(height))
        .push_slice(extra)
        .into_script();
    let mut coinbase = Transaction {
        version: TxVersion::TWO,
        lock_time: absolute::LockTime::ZERO,
        input: vec![TxIn {
            previous_output: OutPoint::null(),
            script_sig: coinbase_script,
            sequence: Sequence::MAX,
            witness: Witness::new(),
        }],
        output: vec![TxOut {
            value: block_subsidy(height)
                .checked_add(fees)
                .unwrap_or(Amount::MAX_MONEY),
            script_pubkey: payout.to_owned(),
        }],
    };
    let mut txdata = Vec::with_capacity(txs.len() + 1);
    txdata.push(coinbase.clone());
    txdata.extend(txs);
    let mut block = Block {
        header: Header {
            version: Version::from_consensus(BLOCK_VERSION),
            prev_blockhash: chain.tip_hash(),
            merkle_root: TxMerkleNode::all_zeros(),
            time,
            bits: CompactTarget::from_consensus(REGTEST_BITS),
            nonce: 0,
        },
        txdata,
    };
    if has_witness {
        let reserved = [0u8; 32];
        if let Some(root) = block.witness_root() {
            let commitment = Block::compute_witness_commitment(&root, &reserved);
            let mut data = PushBytesBuf::new();
            let _ = data.extend_from_slice(&[0xaa, 0x21, 0xa9, 0xed]);
            let _ = data.extend_from_slice(commitment.as_byte_array());
            coinbase.output.push(TxOut {
                value: Amount::ZERO,
                script_pubkey: Builder::new()
                    .push_opcode(OP_RETURN)
                    .push_slice(data)
                    .into_script(),
            });
            coinbase.input[0].witness = Witness::from_slice(&[reserved]);
            block.txdata[0] = coinbase;
        }
    }
    if let Some(root) = block.compute_merkle_root() {
        block.header.merkle_root = root;
    }
    solve(&mut block.header);
    block
}

/// Finds a nonce (rolling the time when a nonce range is exhausted).
fn solve(header: &mut Header) {
    let target = header.target();
    loop {
        if header.validate_pow(target).is_ok() {
            return;
        }
        if header.nonce == u32::MAX {
            header.nonce = 0;
            header.time = header.time.wrapping_add(1);
        } else {
            header.nonce += 1;
        }
    }
}

/// The P2SH output of the redeem script `OP_TRUE`: anyone can spend it with
/// the scriptSig `<OP_TRUE>`. [`crate::DevChain::fund`] mines its coinbases
/// here and spends them to the requested script.
pub fn faucet_script() -> ScriptBuf {
    faucet_redeem_script().to_p2sh()
}

/// The faucet's redeem script, `OP_TRUE`.
pub fn faucet_redeem_script() -> ScriptBuf {
    ScriptBuf::from_bytes(vec![bitcoin::opcodes::OP_TRUE.to_u8()])
}
