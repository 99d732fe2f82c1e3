//! A small Bitcoin script interpreter: enough to verify what standard
//! transactions spend.
//!
//! It follows Bitcoin Core's `VerifyScript`/`EvalScript` for the opcodes that
//! standard templates and ordinary P2SH/P2WSH redeem scripts use: pushes,
//! `OP_IF`/`OP_ELSE`, the common stack and hash opcodes, `OP_EQUAL(VERIFY)`,
//! `OP_CHECKSIG(VERIFY)` and `OP_CHECKMULTISIG(VERIFY)`. Legacy inputs are
//! signed over the legacy digest (`SighashCache::legacy_signature_hash`),
//! segwit v0 inputs over the BIP143 digest. Any other opcode fails with
//! [`ScriptError::BadOpcode`]; `OP_CODESEPARATOR` and `FindAndDelete` are not
//! modelled, because no standard template needs them.
//!
//! Rules come in two strengths, like Core's mandatory and standard flags:
//! [`Flags::MANDATORY`] holds consensus rules (P2SH, BIP66 strict DER,
//! NULLDUMMY, segwit) and [`Flags::STANDARD`] adds the relay policy rules
//! (strict pubkey and hash-type encoding, NULLFAIL, CLEANSTACK, compressed
//! keys in segwit). Low-S is not enforced: signatures are normalised before
//! verification.

use bitcoin::hashes::{hash160, ripemd160, sha1, sha256, sha256d, Hash};
use bitcoin::opcodes::all::*;
use bitcoin::opcodes::Opcode;
use bitcoin::script::Instruction;
use bitcoin::secp256k1::{ecdsa, Message, PublicKey, Secp256k1, VerifyOnly};
use bitcoin::sighash::{EcdsaSighashType, SighashCache};
use bitcoin::{Amount, Script, ScriptBuf, Transaction, TxOut, WPubkeyHash};

/// Consensus limit on the size of one stack element.
const MAX_SCRIPT_ELEMENT_SIZE: usize = 520;
/// Consensus limit on non-push opcodes per script.
const MAX_OPS_PER_SCRIPT: usize = 201;
/// Consensus limit on the number of keys in one `OP_CHECKMULTISIG`.
const MAX_PUBKEYS_PER_MULTISIG: i64 = 20;
/// Consensus limit on script size.
const MAX_SCRIPT_SIZE: usize = 10_000;
/// Consensus limit on main stack plus alt stack.
const MAX_STACK_SIZE: usize = 1000;

/// Why a script failed, with the text Bitcoin Core reports for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ScriptError {
    /// The script finished with an empty stack or a false top element.
    #[error("Script evaluated without error but finished with a false/empty top stack element")]
    EvalFalse,
    /// `OP_VERIFY` saw false.
    #[error("Script failed an OP_VERIFY operation")]
    Verify,
    /// `OP_EQUALVERIFY` saw two different elements (e.g. the wrong key for a P2PKH output).
    #[error("Script failed an OP_EQUALVERIFY operation")]
    EqualVerify,
    /// `OP_CHECKSIGVERIFY` saw an invalid signature.
    #[error("Script failed an OP_CHECKSIGVERIFY operation")]
    CheckSigVerify,
    /// `OP_CHECKMULTISIGVERIFY` saw too few valid signatures.
    #[error("Script failed an OP_CHECKMULTISIGVERIFY operation")]
    CheckMultiSigVerify,
    /// `OP_RETURN` was executed.
    #[error("OP_RETURN was encountered")]
    OpReturn,
    /// A malformed push or an opcode this interpreter does not execute.
    #[error("Opcode missing or not understood")]
    BadOpcode,
    /// One of the opcodes disabled since 2010 (`OP_CAT`, `OP_MUL`, …).
    #[error("Attempted to use a disabled opcode")]
    DisabledOpcode,
    /// An opcode needed more stack elements than there were.
    #[error("Operation not valid with the current stack size")]
    InvalidStackOperation,
    /// `OP_ELSE`/`OP_ENDIF` without `OP_IF`, or an `OP_IF` left open.
    #[error("Invalid OP_IF construction")]
    UnbalancedConditional,
    /// A pushed element is larger than 520 bytes.
    #[error("Push value size limit exceeded")]
    PushSize,
    /// More than 201 non-push opcodes.
    #[error("Operation limit exceeded")]
    OpCount,
    /// The script is larger than 10 000 bytes.
    #[error("Script is too big")]
    ScriptSize,
    /// More than 1000 stack elements.
    #[error("Stack size limit exceeded")]
    StackSize,
    /// A numeric operand is longer than four bytes.
    #[error("unknown error")]
    NumberOverflow,
    /// `OP_CHECKMULTISIG` key count outside 0..=20.
    #[error("Pubkey count negative or limit exceeded")]
    PubKeyCount,
    /// `OP_CHECKMULTISIG` signature count outside 0..=keys.
    #[error("Signature count negative or greater than pubkey count")]
    SigCount,
    /// A signature is not strict DER (BIP66).
    #[error("Non-canonical DER signature")]
    SigDer,
    /// The hash-type byte is not ALL, NONE or SINGLE (optionally with ANYONECANPAY).
    #[error("Signature hash type missing or not understood")]
    SigHashType,
    /// A public key is neither 33 bytes compressed nor 65 bytes uncompressed.
    #[error("Public key is neither compressed or uncompressed")]
    PubKeyType,
    /// The extra element `OP_CHECKMULTISIG` pops is not empty (BIP147).
    #[error("Dummy CHECKMULTISIG argument must be zero")]
    SigNullDummy,
    /// A P2SH scriptSig contains non-push opcodes.
    #[error("Only push operators allowed in signatures")]
    SigPushOnly,
    /// A failed signature check was given a non-empty signature (BIP146).
    #[error("Signature must be zero for failed CHECK(MULTI)SIG operation")]
    NullFail,
    /// More than one element is left on the stack.
    #[error("Stack size must be exactly one after execution")]
    CleanStack,
    /// A witness program has a length other than 20 or 32 bytes.
    #[error("Witness program has incorrect length")]
    WitnessProgramWrongLength,
    /// A witness program was spent with an empty witness.
    #[error("Witness program was passed an empty witness")]
    WitnessProgramWitnessEmpty,
    /// The witness does not match the witness program.
    #[error("Witness program hash mismatch")]
    WitnessProgramMismatch,
    /// A native witness spend has a non-empty scriptSig.
    #[error("Witness requires empty scriptSig")]
    WitnessMalleated,
    /// A P2SH-wrapped witness spend has more than the redeem script in its scriptSig.
    #[error("Witness requires only-redeemscript scriptSig")]
    WitnessMalleatedP2sh,
    /// A witness was given to an input that does not spend a witness program.
    #[error("Witness provided for non-witness script")]
    WitnessUnexpected,
    /// An uncompressed key was used in a segwit script.
    #[error("Using non-compressed keys in segwit")]
    WitnessPubKeyType,
    /// A witness version reserved for future soft forks.
    #[error("Witness version reserved for soft-fork upgrades")]
    DiscourageUpgradableWitnessProgram,
}

/// Which rule set a script is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flags {
    /// Relay policy rules on top of consensus (Core's `STANDARD_SCRIPT_VERIFY_FLAGS`).
    pub policy: bool,
}

impl Flags {
    /// Consensus rules only (Core's `MANDATORY_SCRIPT_VERIFY_FLAGS`).
    pub const MANDATORY: Flags = Flags { policy: false };
    /// Consensus plus relay policy, used when accepting to the mempool.
    pub const STANDARD: Flags = Flags { policy: true };
}

/// Which signature digest `OP_CHECKSIG` uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SigVersion {
    /// Legacy and P2SH scripts: the pre-segwit digest.
    Base,
    /// Scripts run from a v0 witness program: the BIP143 digest.
    WitnessV0,
}

/// Verifies input `index` of `tx`, which spends `prevout`.
pub fn verify_input(
    tx: &Transaction,
    index: usize,
    prevout: &TxOut,
    flags: Flags,
) -> Result<(), ScriptError> {
    let input = tx
        .input
        .get(index)
        .ok_or(ScriptError::InvalidStackOperation)?;
    let checker = Checker {
        tx,
        index,
        amount: prevout.value,
        secp: Secp256k1::verification_only(),
        flags,
    };
    let script_sig = input.script_sig.as_script();
    let script_pubkey = prevout.script_pubkey.as_script();
    let witness: Vec<Vec<u8>> = input.witness.iter().map(<[u8]>::to_vec).collect();

    if flags.policy && !script_sig.is_push_only() {
        return Err(ScriptError::SigPushOnly);
    }
    let mut stack = Vec::new();
    eval(script_sig, &mut stack, SigVersion::Base, &checker)?;
    let p2sh_stack = stack.clone();
    eval(script_pubkey, &mut stack, SigVersion::Base, &checker)?;
    if !top_is_true(&stack) {
        return Err(ScriptError::EvalFalse);
    }

    let mut had_witness = false;
    if let Some((version, program)) = witness_program(script_pubkey) {
        had_witness = true;
        if !script_sig.is_empty() {
            return Err(ScriptError::WitnessMalleated);
        }
        verify_witness_program(&witness, version, program, &checker)?;
        stack.truncate(1);
    }

    if script_pubkey.is_p2sh() {
        if !script_sig.is_push_only() {
            return Err(ScriptError::SigPushOnly);
        }
        stack = p2sh_stack;
        let redeem_bytes = stack.pop().ok_or(ScriptError::EvalFalse)?;
        let redeem = Script::from_bytes(&redeem_bytes);
        eval(redeem, &mut stack, SigVersion::Base, &checker)?;
        if !top_is_true(&stack) {
            return Err(ScriptError::EvalFalse);
        }
        if let Some((version, program)) = witness_program(redeem) {
            had_witness = true;
            let mut expected = bitcoin::script::Builder::new();
            if let Ok(push) = <&bitcoin::script::PushBytes>::try_from(redeem_bytes.as_slice()) {
                expected = expected.push_slice(push);
            }
            if script_sig.as_bytes() != expected.as_bytes() {
                return Err(ScriptError::WitnessMalleatedP2sh);
            }
            verify_witness_program(&witness, version, program, &checker)?;
            stack.truncate(1);
        }
    }

    if flags.policy && stack.len() != 1 {
        return Err(ScriptError::CleanStack);
    }
    if !had_witness && !witness.is_empty() {
        return Err(ScriptError::WitnessUnexpected);
    }
    Ok(())
}

/// Splits a witness program script (`OP_n <2..40 bytes>`) into version and program.
fn witness_program(script: &Script) -> Option<(u8, &[u8])> {
    let version = script.witness_version()?;
    let program = script.as_bytes().get(2..)?;
    Some((version.to_num(), program))
}

fn verify_witness_program(
    witness: &[Vec<u8>],
    version: u8,
    program: &[u8],
    checker: &Checker<'_>,
) -> Result<(), ScriptError> {
    if version != 0 {
        return if checker.flags.policy {
            Err(ScriptError::DiscourageUpgradableWitnessProgram)
        } else {
            Ok(())
        };
    }
    let (script, mut stack) = match program.len() {
        32 => {
            let (script, rest) = witness
                .split_last()
                .ok_or(ScriptError::WitnessProgramWitnessEmpty)?;
            if sha256::Hash::hash(script).as_byte_array().as_slice() != program {
                return Err(ScriptError::WitnessProgramMismatch);
            }
            (ScriptBuf::from_bytes(script.clone()), rest.to_vec())
        }
        20 => {
            if witness.len() != 2 {
                return Err(ScriptError::WitnessProgramMismatch);
            }
            let hash = WPubkeyHash::from_slice(program)
                .map_err(|_| ScriptError::WitnessProgramWrongLength)?;
            (ScriptBuf::p2wpkh_script_code(hash), witness.to_vec())
        }
        _ => return Err(ScriptError::WitnessProgramWrongLength),
    };
    if stack
        .iter()
        .any(|item| item.len() > MAX_SCRIPT_ELEMENT_SIZE)
    {
        return Err(ScriptError::PushSize);
    }
    eval(&script, &mut stack, SigVersion::WitnessV0, checker)?;
    if stack.len() != 1 {
        return Err(ScriptError::CleanStack);
    }
    if !top_is_true(&stack) {
        return Err(ScriptError::EvalFalse);
    }
    Ok(())
}

/// Checks signatures against one input of one transaction.
struct Checker<'a> {
    tx: &'a Transaction,
    index: usize,
    amount: Amount,
    secp: Secp256k1<VerifyOnly>,
    flags: Flags,
}

impl Checker<'_> {
    /// Enforces the encoding rules on a signature before it is checked; an
    /// empty signature is always allowed (it simply fails).
    fn check_signature_encoding(&self, sig: &[u8]) -> Result<(), ScriptError> {
        if sig.is_empty() {
            return Ok(());
        }
        if !is_valid_signature_encoding(sig) {
            return Err(ScriptError::SigDer);
        }
        if self.flags.policy {
            let base = sig.last().map_or(0, |b| b & !0x80);
            if !(1..=3).contains(&base) {
                return Err(ScriptError::SigHashType);
            }
        }
        Ok(())
    }

    fn check_pubkey_encoding(&self, key: &[u8], version: SigVersion) -> Result<(), ScriptError> {
        if !self.flags.policy {
            return Ok(());
        }
        let compressed = key.len() == 33 && matches!(key.first(), Some(2 | 3));
        let uncompressed = key.len() == 65 && key.first() == Some(&4);
        if !compressed && !uncompressed {
            return Err(ScriptError::PubKeyType);
        }
        if version == SigVersion::WitnessV0 && !compressed {
            return Err(ScriptError::WitnessPubKeyType);
        }
        Ok(())
    }

    /// Whether `sig` (DER plus hash-type byte) is a valid signature by `key`
    /// over this input under `script_code`.
    fn check_sig(&self, sig: &[u8], key: &[u8], script_code: &Script, version: SigVersion) -> bool {
        let Some((&hash_type, der)) = sig.split_last() else {
            return false;
        };
        let Ok(key) = PublicKey::from_slice(key) else {
            return false;
        };
        let Ok(mut signature) = ecdsa::Signature::from_der_lax(der) else {
            return false;
        };
        signature.normalize_s();
        let cache = SighashCache::new(self.tx);
        let digest = match version {
            SigVersion::Base => cache
                .legacy_signature_hash(self.index, script_code, u32::from(hash_type))
                .map(|h| h.to_byte_array()),
            SigVersion::WitnessV0 => {
                let mut cache = cache;
                cache
                    .p2wsh_signature_hash(
                        self.index,
                        script_code,
                        self.amount,
                        EcdsaSighashType::from_consensus(u32::from(hash_type)),
                    )
                    .map(|h| h.to_byte_array())
            }
        };
        let Ok(digest) = digest else {
            return false;
        };
        self.secp
            .verify_ecdsa(&Message::from_digest(digest), &signature, &key)
            .is_ok()
    }
}

/// BIP66 strict DER check of a signature including its trailing hash-type
/// byte, as Core's `IsValidSignatureEncoding`.
fn is_valid_signature_encoding(sig: &[u8]) -> bool {
    let len = sig.len();
    if !(9..=73).contains(&len) {
        return false;
    }
    let byte = |i: usize| sig.get(i).copied().unwrap_or(0);
    if byte(0) != 0x30 || usize::from(byte(1)) != len - 3 {
        return false;
    }
    let len_r = usize::from(byte(3));
    if 5 + len_r >= len {
        return false;
    }
    let len_s = usize::from(byte(5 + len_r));
    if len_r + len_s + 7 != len {
        return false;
    }
    if byte(2) != 0x02 || len_r == 0 || byte(4) & 0x80 != 0 {
        return false;
    }
    if len_r > 1 && byte(4) == 0 && byte(5) & 0x80 == 0 {
        return false;
    }
    let s = len_r + 6;
    if byte(len_r + 4) != 0x02 || len_s == 0 || byte(s) & 0x80 != 0 {
        return false;
    }
    if len_s > 1 && byte(s) == 0 && byte(s + 1) & 0x80 == 0 {
        return false;
    }
    true
}

/// Script truth: any non-zero byte, except a lone sign bit (negative zero).
fn cast_to_bool(element: &[u8]) -> bool {
    element.iter().enumerate().any(|(i, &b)| {
        if i + 1 == element.len() {
            b != 0 && b != 0x80
        } else {
            b != 0
        }
    })
}

fn top_is_true(stack: &[Vec<u8>]) -> bool {
    stack.last().is_some_and(|top| cast_to_bool(top))
}

/// Decodes a minimal-or-not script number of at most four bytes.
fn script_num(element: &[u8]) -> Result<i64, ScriptError> {
    if element.len() > 4 {
        return Err(ScriptError::NumberOverflow);
    }
    let Some((&last, _)) = element.split_last() else {
        return Ok(0);
    };
    let mut value: i64 = 0;
    for (i, &b) in element.iter().enumerate() {
        value |= i64::from(b) << (8 * i);
    }
    if last & 0x80 != 0 {
        let mask = !(0x80_i64 << (8 * (element.len() - 1)));
        Ok(-(value & mask))
    } else {
        Ok(value)
    }
}

/// Encodes a script number minimally.
fn encode_num(value: i64) -> Vec<u8> {
    if value == 0 {
        return Vec::new();
    }
    let negative = value < 0;
    let mut abs = value.unsigned_abs();
    let mut out = Vec::new();
    while abs > 0 {
        out.push((abs & 0xff) as u8);
        abs >>= 8;
    }
    match out.last_mut() {
        Some(last) if *last & 0x80 != 0 => out.push(if negative { 0x80 } else { 0 }),
        Some(last) if negative => *last |= 0x80,
        _ => {}
    }
    out
}

fn is_disabled(op: Opcode) -> bool {
    [
        OP_CAT, OP_SUBSTR, OP_LEFT, OP_RIGHT, OP_INVERT, OP_AND, OP_OR, OP_XOR, OP_2MUL, OP_2DIV,
        OP_MUL, OP_DIV, OP_MOD, OP_LSHIFT, OP_RSHIFT,
    ]
    .contains(&op)
}

fn pop(stack: &mut Vec<Vec<u8>>) -> Result<Vec<u8>, ScriptError> {
    stack.pop().ok_or(ScriptError::InvalidStackOperation)
}

/// The element `depth` places from the top (1 = top).
fn peek(stack: &[Vec<u8>], depth: usize) -> Result<&Vec<u8>, ScriptError> {
    stack
        .len()
        .checked_sub(depth)
        .and_then(|i| stack.get(i))
        .ok_or(ScriptError::InvalidStackOperation)
}

fn bool_element(value: bool) -> Vec<u8> {
    if value {
        vec![1]
    } else {
        Vec::new()
    }
}

/// Runs `script` over `stack`.
fn eval(
    script: &Script,
    stack: &mut Vec<Vec<u8>>,
    version: SigVersion,
    checker: &Checker<'_>,
) -> Result<(), ScriptError> {
    if script.len() > MAX_SCRIPT_SIZE {
        return Err(ScriptError::ScriptSize);
    }
    let mut alt: Vec<Vec<u8>> = Vec::new();
    let mut conditions: Vec<bool> = Vec::new();
    let mut op_count = 0usize;
    for instruction in script.instructions() {
        let instruction = instruction.map_err(|_| ScriptError::BadOpcode)?;
        let executing = conditions.iter().all(|c| *c);
        let op = match instruction {
            Instruction::PushBytes(bytes) => {
                if bytes.len() > MAX_SCRIPT_ELEMENT_SIZE {
                    return Err(ScriptError::PushSize);
                }
                if executing {
                    stack.push(bytes.as_bytes().to_vec());
                }
                continue;
            }
            Instruction::Op(op) => op,
        };
        if op.to_u8() > OP_PUSHNUM_16.to_u8() {
            op_count += 1;
            if op_count > MAX_OPS_PER_SCRIPT {
                return Err(ScriptError::OpCount);
            }
        }
        if is_disabled(op) {
            return Err(ScriptError::DisabledOpcode);
        }
        let is_conditional = matches!(op, OP_IF | OP_NOTIF | OP_ELSE | OP_ENDIF);
        if !executing && !is_conditional {
            continue;
        }
        let code = op.to_u8();
        if op == OP_PUSHNUM_NEG1 || (OP_PUSHNUM_1.to_u8()..=OP_PUSHNUM_16.to_u8()).contains(&code) {
            stack.push(encode_num(
                i64::from(code) - i64::from(OP_PUSHNUM_1.to_u8()) + 1,
            ));
        } else {
            exec_op(
                op,
                stack,
                &mut alt,
                &mut conditions,
                executing,
                &mut op_count,
                script,
                version,
                checker,
            )?;
        }
        if stack.len() + alt.len() > MAX_STACK_SIZE {
            return Err(ScriptError::StackSize);
        }
    }
    if !conditions.is_empty() {
        return Err(ScriptError::UnbalancedConditional);
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)] // the interpreter's registers, passed explicitly
fn exec_op(
    op: Opcode,
    stack: &mut Vec<Vec<u8>>,
    alt: &mut Vec<Vec<u8>>,
    conditions: &mut Vec<bool>,
    executing: bool,
    op_count: &mut usize,
    script: &Script,
    version: SigVersion,
    checker: &Checker<'_>,
) -> Result<(), ScriptError> {
    match op {
        OP_NOP | OP_NOP1 | OP_NOP4 | OP_NOP5 | OP_NOP6 | OP_NOP7 | OP_NOP8 | OP_NOP9 | OP_NOP10 => {
        }
        OP_IF | OP_NOTIF => {
            let mut value = false;
            if executing {
                value = cast_to_bool(&pop(stack)?);
                if op == OP_NOTIF {
                    value = !value;
                }
            }
            conditions.push(value);
        }
        OP_ELSE => {
            let last = conditions
                .last_mut()
                .ok_or(ScriptError::UnbalancedConditional)?;
            *last = !*last;
        }
        OP_ENDIF => {
            conditions.pop().ok_or(ScriptError::UnbalancedConditional)?;
        }
        OP_VERIFY => {
            if !cast_to_bool(&pop(stack)?) {
                return Err(ScriptError::Verify);
            }
        }
        OP_RETURN => return Err(ScriptError::OpReturn),
        OP_TOALTSTACK => alt.push(pop(stack)?),
        OP_FROMALTSTACK => stack.push(alt.pop().ok_or(ScriptError::InvalidStackOperation)?),
        OP_DROP => {
            pop(stack)?;
        }
        OP_2DROP => {
            pop(stack)?;
            pop(stack)?;
        }
        OP_DUP => stack.push(peek(stack, 1)?.clone()),
        OP_2DUP => {
            let a = peek(stack, 2)?.clone();
            let b = peek(stack, 1)?.clone();
            stack.push(a);
            stack.push(b);
        }
        OP_NIP => {
            let top = pop(stack)?;
            pop(stack)?;
            stack.push(top);
        }
        OP_OVER => stack.push(peek(stack, 2)?.clone()),
        OP_SWAP => {
            let a = pop(stack)?;
            let b = pop(stack)?;
            stack.push(a);
            stack.push(b);
        }
        OP_DEPTH => stack.push(encode_num(i64::try_from(stack.len()).unwrap_or(i64::MAX))),
        OP_SIZE => {
            let len = peek(stack, 1)?.len();
            stack.push(encode_num(i64::try_from(len).unwrap_or(i64::MAX)));
        }
        OP_EQUAL | OP_EQUALVERIFY => {
            let a = pop(stack)?;
            let b = pop(stack)?;
            let equal = a == b;
            if op == OP_EQUALVERIFY {
                if !equal {
                    return Err(ScriptError::EqualVerify);
                }
            } else {
                stack.push(bool_element(equal));
            }
        }
        OP_RIPEMD160 => {
            let x = pop(stack)?;
            stack.push(ripemd160::Hash::hash(&x).to_byte_array().to_vec());
        }
        OP_SHA1 => {
            let x = pop(stack)?;
            stack.push(sha1::Hash::hash(&x).to_byte_array().to_vec());
        }
        OP_SHA256 => {
            let x = pop(stack)?;
            stack.push(sha256::Hash::hash(&x).to_byte_array().to_vec());
        }
        OP_HASH160 => {
            let x = pop(stack)?;
            stack.push(hash160::Hash::hash(&x).to_byte_array().to_vec());
        }
        OP_HASH256 => {
            let x = pop(stack)?;
            stack.push(sha256d::Hash::hash(&x).to_byte_array().to_vec());
        }
        OP_CHECKSIG | OP_CHECKSIGVERIFY => {
            let key = pop(stack)?;
            let sig = pop(stack)?;
            checker.check_signature_encoding(&sig)?;
            checker.check_pubkey_encoding(&key, version)?;
            let ok = !sig.is_empty() && checker.check_sig(&sig, &key, script, version);
            if !ok && checker.flags.policy && !sig.is_empty() {
                return Err(ScriptError::NullFail);
            }
            if op == OP_CHECKSIGVERIFY {
                if !ok {
                    return Err(ScriptError::CheckSigVerify);
                }
            } else {
                stack.push(bool_element(ok));
            }
        }
        OP_CHECKMULTISIG | OP_CHECKMULTISIGVERIFY => {
            let ok = check_multisig(stack, op_count, script, version, checker)?;
            if op == OP_CHECKMULTISIGVERIFY {
                if !ok {
                    return Err(ScriptError::CheckMultiSigVerify);
                }
            } else {
                stack.push(bool_element(ok));
            }
        }
        _ => return Err(ScriptError::BadOpcode),
    }
    Ok(())
}

/// `OP_CHECKMULTISIG`: `<dummy> <sig>… <m> <key>… <n>`, signatures in key order.
fn check_multisig(
    stack: &mut Vec<Vec<u8>>,
    op_count: &mut usize,
    script: &Script,
    version: SigVersion,
    checker: &Checker<'_>,
) -> Result<bool, ScriptError> {
    let key_count = script_num(&pop(stack)?)?;
    if !(0..=MAX_PUBKEYS_PER_MULTISIG).contains(&key_count) {
        return Err(ScriptError::PubKeyCount);
    }
    let key_count = usize::try_from(key_count).map_err(|_| ScriptError::PubKeyCount)?;
    *op_count += key_count;
    if *op_count > MAX_OPS_PER_SCRIPT {
        return Err(ScriptError::OpCount);
    }
    let mut keys = Vec::with_capacity(key_count);
    for _ in 0..key_count {
        keys.push(pop(stack)?);
    }
    let sig_count = script_num(&pop(stack)?)?;
    let sig_count = usize::try_from(sig_count).map_err(|_| ScriptError::SigCount)?;
    if sig_count > key_count {
        return Err(ScriptError::SigCount);
    }
    let mut sigs = Vec::with_capacity(sig_count);
    for _ in 0..sig_count {
        sigs.push(pop(stack)?);
    }
    // The dummy element must be there before any signature is checked, as
    // in Core, so a missing one is reported as such rather than as NULLFAIL.
    if stack.is_empty() {
        return Err(ScriptError::InvalidStackOperation);
    }
    // Popped from the top, so both lists are reversed; reverse to script order.
    keys.reverse();
    sigs.reverse();

    let mut success = true;
    let (mut key_i, mut sig_i) = (0usize, 0usize);
    while success && sig_i < sigs.len() {
        let (Some(sig), Some(key)) = (sigs.get(sig_i), keys.get(key_i)) else {
            success = false;
            break;
        };
        checker.check_signature_encoding(sig)?;
        checker.check_pubkey_encoding(key, version)?;
        if !sig.is_empty() && checker.check_sig(sig, key, script, version) {
            sig_i += 1;
        }
        key_i += 1;
        if sigs.len() - sig_i > keys.len() - key_i {
            success = false;
        }
    }
    if !success && checker.flags.policy && sigs.iter().any(|s| !s.is_empty()) {
        return Err(ScriptError::NullFail);
    }
    let dummy = pop(stack)?;
    if !dummy.is_empty() {
        return Err(ScriptError::SigNullDummy);
    }
    Ok(success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_numbers_round_trip() {
        for n in [
            -300_i64, -128, -127, -1, 0, 1, 16, 127, 128, 255, 256, 32767, 65536,
        ] {
            assert_eq!(script_num(&encode_num(n)), Ok(n), "{n}");
        }
        assert_eq!(
            script_num(&[0, 0, 0, 0, 1]),
            Err(ScriptError::NumberOverflow)
        );
    }

    #[test]
    fn negative_zero_is_false() {
        assert!(!cast_to_bool(&[]));
        assert!(!cast_to_bool(&[0, 0x80]));
        assert!(cast_to_bool(&[0x80, 0]));
        assert!(cast_to_bool(&[1]));
    }

    #[test]
    fn der_check_rejects_trailing_garbage_and_padding() {
        // A minimal valid encoding: r = 1, s = 1, hash type ALL.
        let good = [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x01];
        assert!(is_valid_signature_encoding(&good));
        let mut long = good.to_vec();
        long.insert(8, 0);
        assert!(!is_valid_signature_encoding(&long));
        let padded = [0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01, 0x01];
        assert!(!is_valid_signature_encoding(&padded));
        let negative = [0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01, 0x01];
        assert!(!is_valid_signature_encoding(&negative));
    }
}

#[cfg(test)]
mod vector_tests {
    use bitcoin::consensus::encode::deserialize_hex;
    use bitcoin::hashes::Hash;
    use bitcoin::sighash::SighashCache;
    use bitcoin::{PublicKey, ScriptBuf, Transaction};

    /// The spend measured against a regtest node (key `sha256("bns-1")`,
    /// paying 49.9999 to `mfdp8Vjq86wdLTwZSVXvmxLTi2vPRB41Jh` plus an
    /// `id?` OP_RETURN); its Bitcoin legacy digest is `29af7c89…f82d`.
    const SIGNED_TX: &str = "01000000010a4f92f76d6848f2b9334b5c1fa80a760011e80992cd44e6b02232c57feab5a5000000006b483045022100abcd0bd6f2d478c9d4ef2a1c162d2599ad2b74bfc24d1f33ebbb4e1c493a0aae022038d85f04818383eeebbd82949bcef9b162fe228591ee0f962bc462e13a683e01412102b7f15de38a7fbd026024c9081b419448a9ed16e10f657076b8a0e5c42fea492bffffffff02f0ca052a010000001976a914014c189ab4265ccc283ee1c8f674c519538c56c688ac0000000000000000296a2769643f000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222300000000";

    #[test]
    fn the_legacy_digest_matches_the_measured_vector() {
        let tx: Transaction = deserialize_hex(SIGNED_TX).expect("vector decodes");
        let key: PublicKey = "02b7f15de38a7fbd026024c9081b419448a9ed16e10f657076b8a0e5c42fea492b"
            .parse()
            .expect("key");
        let script_code = ScriptBuf::new_p2pkh(&key.pubkey_hash());
        let digest = SighashCache::new(&tx)
            .legacy_signature_hash(0, &script_code, 1)
            .expect("input 0");
        let hex = hex::encode(digest.to_byte_array());
        assert!(
            hex.starts_with("29af7c89") && hex.ends_with("f82d"),
            "{hex}"
        );
    }
}
