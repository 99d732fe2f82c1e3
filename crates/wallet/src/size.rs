//! Signed-size estimation and fee arithmetic (cli-wallet.md §c.5).
//!
//! Name-operation transactions are legacy (non-witness) transactions, so
//! their virtual size equals their serialized size. The builder sizes an
//! unsigned transaction as if every input already carried its scriptSig,
//! using the largest scriptSig a signer can produce:
//!
//! * a signature push is at most 1 + 72 bytes (a low-S DER signature is at
//!   most 71 bytes, plus the sighash byte);
//! * P2PKH: `<sig> <pubkey>` = 73 + 1 + 33 (compressed) or 1 + 65
//!   (uncompressed) — a whole input is then 148 or 180 bytes;
//! * P2SH m-of-n: `OP_0 <sig>×m <redeem script>` = 1 + 73·m + push(redeem).
//!
//! Over-estimating by a byte or two per signature keeps the actual fee rate
//! at or above the requested one; it never under-pays.

use bitcoin::{Amount, FeeRate, Transaction};

/// The largest signature push: 1 length byte, ≤ 71 bytes of low-S DER, 1 sighash byte.
pub const MAX_SIG_PUSH_LEN: usize = 1 + 71 + 1;

/// How an input's scriptSig will look once signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InputKind {
    /// `<sig> <pubkey>` spending a P2PKH output.
    P2pkh {
        /// Whether the public key is 33 (compressed) or 65 bytes.
        compressed: bool,
    },
    /// `OP_0 <sig>×m <redeem>` spending a P2SH m-of-n multisig output.
    P2shMultisig {
        /// Signatures required.
        m: usize,
        /// Length of the redeem script in bytes.
        redeem_script_len: usize,
    },
}

impl InputKind {
    /// Upper bound of the scriptSig length once signed.
    pub fn script_sig_len(self) -> usize {
        match self {
            InputKind::P2pkh { compressed } => {
                MAX_SIG_PUSH_LEN + 1 + if compressed { 33 } else { 65 }
            }
            InputKind::P2shMultisig {
                m,
                redeem_script_len,
            } => 1 + MAX_SIG_PUSH_LEN * m + push_len(redeem_script_len) + redeem_script_len,
        }
    }

    /// Upper bound of the whole serialized input: outpoint (36), scriptSig
    /// length prefix, scriptSig, sequence (4).
    pub fn input_len(self) -> usize {
        let script_sig = self.script_sig_len();
        36 + compact_size_len(script_sig) + script_sig + 4
    }
}

/// Bytes taken by a push opcode for `len` bytes of data (direct, PUSHDATA1/2/4).
pub fn push_len(len: usize) -> usize {
    match len {
        0..=75 => 1,
        76..=0xff => 2,
        0x100..=0xffff => 3,
        _ => 5,
    }
}

/// Length of a Bitcoin CompactSize integer.
pub fn compact_size_len(n: usize) -> usize {
    match n {
        0..=0xfc => 1,
        0xfd..=0xffff => 3,
        0x1_0000..=0xffff_ffff => 5,
        _ => 9,
    }
}

/// Serialized length of an output with a script of `script_len` bytes.
pub fn output_len(script_len: usize) -> usize {
    8 + compact_size_len(script_len) + script_len
}

/// Estimated signed size of a transaction with these inputs and output
/// script lengths (version 4 + locktime 4 + counts).
pub fn estimate_size(inputs: &[InputKind], output_script_lens: &[usize]) -> usize {
    8 + compact_size_len(inputs.len())
        + inputs.iter().map(|k| k.input_len()).sum::<usize>()
        + compact_size_len(output_script_lens.len())
        + output_script_lens
            .iter()
            .map(|&l| output_len(l))
            .sum::<usize>()
}

/// Estimated signed size of an unsigned transaction whose inputs will be
/// signed as `kinds` (one per input, in order).
pub fn estimate_tx_size(tx: &Transaction, kinds: &[InputKind]) -> usize {
    let lens: Vec<usize> = tx.output.iter().map(|o| o.script_pubkey.len()).collect();
    estimate_size(kinds, &lens)
}

/// `ceil(rate × size)`: the fee for `size` bytes at `rate`, rounded up so the
/// paid rate never drops below the requested one. `None` on overflow.
pub fn fee_for_size(rate: FeeRate, size: usize) -> Option<Amount> {
    // FeeRate is kept in sat per 1000 weight units; a legacy byte weighs 4.
    let weight = u64::try_from(size).ok()?.checked_mul(4)?;
    let millisat = rate.to_sat_per_kwu().checked_mul(weight)?;
    Some(Amount::from_sat(millisat.div_ceil(1000)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p2pkh_inputs_have_the_textbook_sizes() {
        assert_eq!(InputKind::P2pkh { compressed: true }.input_len(), 148);
        assert_eq!(InputKind::P2pkh { compressed: false }.input_len(), 180);
    }

    #[test]
    fn two_of_three_multisig_input_is_sized_from_m_and_n() {
        // redeem = 1 + 3×34 + 1 + 1 = 105 bytes, pushed with PUSHDATA1.
        let kind = InputKind::P2shMultisig {
            m: 2,
            redeem_script_len: 105,
        };
        assert_eq!(kind.script_sig_len(), 1 + 2 * 73 + 2 + 105);
        // 254-byte scriptSig needs a 3-byte length prefix.
        assert_eq!(kind.input_len(), 36 + 3 + 254 + 4);
    }

    #[test]
    fn one_in_two_out_p2pkh_is_about_226_bytes() {
        let size = estimate_size(&[InputKind::P2pkh { compressed: true }], &[25, 25]);
        assert_eq!(size, 226);
    }

    #[test]
    fn fees_round_up() {
        let half = FeeRate::from_sat_per_kwu(125); // 0.5 sat/vB
        assert_eq!(fee_for_size(half, 225), Some(Amount::from_sat(113)));
        let ten = FeeRate::from_sat_per_vb_u32(10);
        assert_eq!(fee_for_size(ten, 226), Some(Amount::from_sat(2260)));
    }
}
