//! Relay policy: which output scripts are standard, what is dust, and the
//! context-free parts of Core's `IsStandardTx`.
//!
//! Standard outputs are P2PKH, P2SH, P2PK, bare multisig up to 3 keys,
//! P2WPKH, P2WSH and one `OP_RETURN` data output (`nulldata`) of at most
//! [`MAX_OP_RETURN_RELAY`] bytes. Witness versions above 0 (taproot and
//! unknown programs) are refused as non-standard, because this chain cannot
//! verify their spends.

use bitcoin::opcodes::all::{
    OP_CHECKMULTISIG, OP_CHECKSIG, OP_PUSHNUM_1, OP_PUSHNUM_16, OP_RETURN,
};
use bitcoin::script::Instruction;
use bitcoin::{Amount, Script, Transaction, TxOut};

use crate::params::{
    DUST_RELAY_FEE_PER_KVB, MAX_OP_RETURN_RELAY, MAX_STANDARD_SCRIPTSIG_SIZE,
    MAX_STANDARD_TX_WEIGHT,
};
use crate::reject::RejectReason;

/// The template an output script matches, as Core's `Solver` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputType {
    /// `<pubkey> OP_CHECKSIG`.
    PubKey,
    /// `OP_DUP OP_HASH160 <20> OP_EQUALVERIFY OP_CHECKSIG`.
    PubKeyHash,
    /// `OP_HASH160 <20> OP_EQUAL`.
    ScriptHash,
    /// `m <pubkey>… n OP_CHECKMULTISIG`.
    Multisig {
        /// Signatures required.
        required: u8,
        /// Keys listed.
        keys: u8,
    },
    /// `OP_RETURN` followed only by pushes.
    NullData,
    /// `OP_0 <20>`.
    WitnessV0KeyHash,
    /// `OP_0 <32>`.
    WitnessV0ScriptHash,
    /// A witness program of version 1 or higher.
    WitnessUnknown,
    /// Anything else.
    NonStandard,
}

impl OutputType {
    /// The `type` string bitcoind puts in `scriptPubKey` JSON.
    pub fn name(self) -> &'static str {
        match self {
            OutputType::PubKey => "pubkey",
            OutputType::PubKeyHash => "pubkeyhash",
            OutputType::ScriptHash => "scripthash",
            OutputType::Multisig { .. } => "multisig",
            OutputType::NullData => "nulldata",
            OutputType::WitnessV0KeyHash => "witness_v0_keyhash",
            OutputType::WitnessV0ScriptHash => "witness_v0_scripthash",
            OutputType::WitnessUnknown => "witness_unknown",
            OutputType::NonStandard => "nonstandard",
        }
    }
}

/// Whether `bytes` has the size and prefix of a public key (Core's `CPubKey::ValidSize`).
fn valid_pubkey_size(bytes: &[u8]) -> bool {
    match bytes.first() {
        Some(2 | 3) => bytes.len() == 33,
        Some(4 | 6 | 7) => bytes.len() == 65,
        _ => false,
    }
}

/// Whether every opcode after the first byte is a push (Core counts
/// `OP_RESERVED` and the small integers as pushes here).
fn is_push_only_from(script: &Script) -> bool {
    script.instructions().all(|i| match i {
        Ok(Instruction::PushBytes(_)) => true,
        Ok(Instruction::Op(op)) => op.to_u8() <= OP_PUSHNUM_16.to_u8(),
        Err(_) => false,
    })
}

fn small_int(op: bitcoin::opcodes::Opcode) -> Option<u8> {
    let code = op.to_u8();
    (OP_PUSHNUM_1.to_u8()..=OP_PUSHNUM_16.to_u8())
        .contains(&code)
        .then(|| code - OP_PUSHNUM_1.to_u8() + 1)
}

fn match_multisig(script: &Script) -> Option<OutputType> {
    let instructions: Vec<Instruction<'_>> =
        script.instructions().collect::<Result<_, _>>().ok()?;
    let (first, rest) = instructions.split_first()?;
    let (last, rest) = rest.split_last()?;
    let (count, keys) = rest.split_last()?;
    let required = small_int(first.opcode()?)?;
    let listed = small_int(count.opcode()?)?;
    if last.opcode()? != OP_CHECKMULTISIG || usize::from(listed) != keys.len() || required > listed
    {
        return None;
    }
    let all_keys = keys.iter().all(|k| {
        k.push_bytes()
            .is_some_and(|p| valid_pubkey_size(p.as_bytes()))
    });
    all_keys.then_some(OutputType::Multisig {
        required,
        keys: listed,
    })
}

/// Classifies an output script.
pub fn classify(script: &Script) -> OutputType {
    let bytes = script.as_bytes();
    if script.is_p2sh() {
        return OutputType::ScriptHash;
    }
    if let Some(version) = script.witness_version() {
        return match (version.to_num(), bytes.len()) {
            (0, 22) => OutputType::WitnessV0KeyHash,
            (0, 34) => OutputType::WitnessV0ScriptHash,
            (0, _) => OutputType::NonStandard,
            _ => OutputType::WitnessUnknown,
        };
    }
    if bytes.first() == Some(&OP_RETURN.to_u8()) {
        let rest = Script::from_bytes(bytes.get(1..).unwrap_or_default());
        return if is_push_only_from(rest) {
            OutputType::NullData
        } else {
            OutputType::NonStandard
        };
    }
    if script.is_p2pkh() {
        return OutputType::PubKeyHash;
    }
    if let [len @ (33 | 65), key @ .., last] = bytes {
        if usize::from(*len) == key.len() && *last == OP_CHECKSIG.to_u8() && valid_pubkey_size(key)
        {
            return OutputType::PubKey;
        }
    }
    match_multisig(script).unwrap_or(OutputType::NonStandard)
}

/// Whether an output of this type may be relayed (Core's `IsStandard`).
fn is_standard_output(script: &Script, kind: OutputType) -> bool {
    match kind {
        OutputType::NonStandard | OutputType::WitnessUnknown => false,
        OutputType::Multisig { required, keys } => (1..=3).contains(&keys) && required >= 1,
        OutputType::NullData => script.len() <= MAX_OP_RETURN_RELAY,
        _ => true,
    }
}

/// The smallest value an output may carry without being dust: three times
/// the fee to spend it at the dust relay fee rate (Core's `GetDustThreshold`;
/// 546 sat for P2PKH, 540 for P2SH, 294 for P2WPKH). Unspendable outputs
/// (`OP_RETURN`) have no threshold.
pub fn dust_threshold(output: &TxOut) -> Amount {
    let script = output.script_pubkey.as_script();
    if script.is_op_return() || script.len() > 10_000 {
        return Amount::ZERO;
    }
    let output_size = bitcoin::consensus::serialize(output).len() as u64;
    let spend_size = if script.is_witness_program() {
        32 + 4 + 1 + (107 / 4) + 4
    } else {
        32 + 4 + 1 + 107 + 4
    };
    Amount::from_sat((output_size + spend_size) * DUST_RELAY_FEE_PER_KVB / 1000)
}

/// Context-free relay policy checks (Core's `IsStandardTx`), in Core's order.
pub fn check_standard(tx: &Transaction) -> Result<(), RejectReason> {
    let version = tx.version.0;
    if !(1..=2).contains(&version) {
        return Err(RejectReason::NonStandardVersion(version));
    }
    let weight = tx.weight().to_wu();
    if weight > MAX_STANDARD_TX_WEIGHT {
        return Err(RejectReason::TxSize { weight });
    }
    for (input, txin) in tx.input.iter().enumerate() {
        if txin.script_sig.len() > MAX_STANDARD_SCRIPTSIG_SIZE {
            return Err(RejectReason::ScriptSigSize { input });
        }
        if !txin.script_sig.is_push_only() {
            return Err(RejectReason::ScriptSigNotPushOnly { input });
        }
    }
    let mut data_outputs = 0usize;
    for (index, output) in tx.output.iter().enumerate() {
        let kind = classify(&output.script_pubkey);
        if !is_standard_output(&output.script_pubkey, kind) {
            return Err(RejectReason::NonStandardOutput { index });
        }
        if kind == OutputType::NullData {
            data_outputs += 1;
        } else if output.value < dust_threshold(output) {
            return Err(RejectReason::Dust {
                index,
                value: output.value,
                threshold: dust_threshold(output),
            });
        }
    }
    if data_outputs > 1 {
        return Err(RejectReason::MultiOpReturn {
            count: data_outputs,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::Hash;
    use bitcoin::script::Builder;
    use bitcoin::{PubkeyHash, ScriptBuf, ScriptHash, WPubkeyHash};

    fn p2pkh() -> ScriptBuf {
        ScriptBuf::new_p2pkh(&PubkeyHash::all_zeros())
    }

    fn op_return(data_len: usize) -> ScriptBuf {
        let data = vec![7u8; data_len];
        let push = <&bitcoin::script::PushBytes>::try_from(data.as_slice()).expect("small push");
        Builder::new()
            .push_opcode(OP_RETURN)
            .push_slice(push)
            .into_script()
    }

    #[test]
    fn classifies_the_standard_templates() {
        assert_eq!(classify(&p2pkh()), OutputType::PubKeyHash);
        assert_eq!(
            classify(&ScriptBuf::new_p2sh(&ScriptHash::all_zeros())),
            OutputType::ScriptHash
        );
        assert_eq!(
            classify(&ScriptBuf::new_p2wpkh(&WPubkeyHash::all_zeros())),
            OutputType::WitnessV0KeyHash
        );
        assert_eq!(classify(&op_return(80)), OutputType::NullData);
        assert_eq!(
            classify(&ScriptBuf::from_bytes(vec![0x6a])),
            OutputType::NullData
        );
        assert_eq!(
            classify(&ScriptBuf::from_bytes(vec![0x51])),
            OutputType::NonStandard
        );
        // OP_RETURN followed by a non-push opcode is not data.
        assert_eq!(
            classify(&ScriptBuf::from_bytes(vec![0x6a, 0x76])),
            OutputType::NonStandard
        );
        let key = [2u8; 33];
        let mut p2pk = vec![33u8];
        p2pk.extend_from_slice(&key);
        p2pk.push(OP_CHECKSIG.to_u8());
        assert_eq!(classify(&ScriptBuf::from_bytes(p2pk)), OutputType::PubKey);
    }

    #[test]
    fn op_return_script_may_hold_80_bytes_of_data_but_not_81() {
        assert_eq!(op_return(80).len(), 83);
        assert!(is_standard_output(&op_return(80), OutputType::NullData));
        assert!(!is_standard_output(&op_return(81), OutputType::NullData));
    }

    #[test]
    fn dust_thresholds_match_core() {
        let out = |script: ScriptBuf| TxOut {
            value: Amount::ZERO,
            script_pubkey: script,
        };
        assert_eq!(dust_threshold(&out(p2pkh())).to_sat(), 546);
        assert_eq!(
            dust_threshold(&out(ScriptBuf::new_p2sh(&ScriptHash::all_zeros()))).to_sat(),
            540
        );
        assert_eq!(
            dust_threshold(&out(ScriptBuf::new_p2wpkh(&WPubkeyHash::all_zeros()))).to_sat(),
            294
        );
        assert_eq!(dust_threshold(&out(op_return(10))).to_sat(), 0);
    }
}
