//! Signs the inputs of built transactions: P2PKH and P2SH m-of-n multisig.
//!
//! The digest is chosen by [`SighashMode`]:
//!
//! * [`SighashMode::Legacy`] — the original Bitcoin signature hash with
//!   `SIGHASH_ALL` (0x01), used on Bitcoin and the development chain;
//! * [`SighashMode::ForkIdBip143`] — the BIP143 digest with hash type
//!   `SIGHASH_ALL|FORKID` (0x41, fork id in the upper bits), which the Bitcoin
//!   SV regtest node requires on every input (bitcoind-regtest.md §3). The
//!   BIP143 preimage comes from rust-bitcoin's segwit-v0 encoder; its final
//!   four bytes (the hash type) are replaced with the FORKID value before
//!   hashing, so the flag is committed to by the digest, and the byte 0x41 is
//!   appended to the signature.
//!
//! Signatures are RFC6979-deterministic and low-S (libsecp256k1), which SV
//! enforces as consensus.
//!
//! In the original's two-party ops the payer signs its inputs with
//! `SIGHASH_ALL|ANYONECANPAY` so that the owner can sign afterwards
//! (cli-wallet.md §c.7). Here one signer usually holds both keys and signs
//! everything with `SIGHASH_ALL`; [`Signer::payer_anyone_can_pay`] restores
//! the original's flag for payer inputs when the parties sign separately.
//!
//! [`verify_input`] re-checks a signed input against the recomputed digest;
//! it is what the tests use, and a sanity check for callers.

use bitcoin::hashes::{hash160, sha256d, Hash};
use bitcoin::opcodes::all::OP_PUSHBYTES_0;
use bitcoin::script::{Builder, Instruction, PushBytesBuf};
use bitcoin::secp256k1::{ecdsa, All, Message, Secp256k1, Verification};
use bitcoin::sighash::{EcdsaSighashType, SighashCache};
use bitcoin::{Amount, PublicKey, Script, ScriptBuf, Transaction, TxOut};

use crate::keys::{parse_multisig_redeem_script, KeyInfo, MultisigKey, SingleKey};
use crate::layout::{InputRole, UnsignedTx};
use crate::params::SighashMode;

/// `SIGHASH_FORKID`.
pub const SIGHASH_FORKID: u32 = 0x40;

/// Why signing failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignError {
    /// Previous outputs do not line up with the inputs.
    #[error("{inputs} inputs but {prevouts} previous outputs")]
    PrevoutCount {
        /// Inputs in the transaction.
        inputs: usize,
        /// Previous outputs given.
        prevouts: usize,
    },
    /// The signature hash of an input could not be computed.
    #[error("cannot compute the signature hash of input {index}: {reason}")]
    Sighash {
        /// Input index.
        index: usize,
        /// The underlying error.
        reason: String,
    },
    /// A script element too large to push.
    #[error("script element of {0} bytes cannot be pushed")]
    Push(usize),
}

/// Why an input's signature does not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    /// The scriptSig does not have the shape of a P2PKH or multisig spend.
    #[error("input {0}: malformed scriptSig")]
    Malformed(usize),
    /// The pushed public key or redeem script does not hash to the prevout.
    #[error("input {0}: pushed key or redeem script does not match the spent script")]
    HashMismatch(usize),
    /// The hash-type byte does not fit the sighash mode.
    #[error("input {index}: hash type {hash_type:#04x} is wrong for {mode:?}")]
    HashType {
        /// Input index.
        index: usize,
        /// The byte found.
        hash_type: u8,
        /// The mode verified against.
        mode: SighashMode,
    },
    /// A signature that does not verify against the digest.
    #[error("input {0}: signature does not verify")]
    BadSignature(usize),
    /// A high-S signature (non-canonical; consensus-invalid on SV).
    #[error("input {0}: signature is not low-S")]
    HighS(usize),
    /// The digest could not be computed.
    #[error("input {0}: cannot compute the signature hash")]
    Sighash(usize),
}

/// A transaction after signing, with the inputs no key was found for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedTx {
    tx: Transaction,
    unsigned_inputs: Vec<usize>,
}

impl SignedTx {
    /// Whether every input carries a scriptSig.
    pub fn is_complete(&self) -> bool {
        self.unsigned_inputs.is_empty()
    }

    /// Indices of inputs left unsigned (no matching key).
    pub fn unsigned_inputs(&self) -> &[usize] {
        &self.unsigned_inputs
    }

    /// The (possibly partially) signed transaction.
    pub fn transaction(&self) -> &Transaction {
        &self.tx
    }

    /// Takes the transaction out.
    pub fn into_transaction(self) -> Transaction {
        self.tx
    }
}

/// Keys indexed by the script they spend, with public keys computed once.
#[derive(Debug)]
pub struct Keyring<'k> {
    entries: Vec<(ScriptBuf, Entry<'k>)>,
}

#[derive(Debug)]
enum Entry<'k> {
    Single {
        key: &'k SingleKey,
        pubkey: PublicKey,
    },
    Multisig(&'k MultisigKey),
}

impl<'k> Keyring<'k> {
    /// Indexes `keys` by output script.
    pub fn new(secp: &Secp256k1<All>, keys: &[&'k KeyInfo]) -> Self {
        let entries = keys
            .iter()
            .map(|info| match info {
                KeyInfo::Single(key) => {
                    let pubkey = key.public_key(secp);
                    (
                        ScriptBuf::new_p2pkh(&pubkey.pubkey_hash()),
                        Entry::Single { key, pubkey },
                    )
                }
                KeyInfo::Multisig(bundle) => (bundle.script_pubkey(), Entry::Multisig(bundle)),
            })
            .collect();
        Self { entries }
    }

    fn find(&self, script: &Script) -> Option<&Entry<'k>> {
        self.entries
            .iter()
            .find(|(s, _)| s.as_script() == script)
            .map(|(_, e)| e)
    }
}

/// Signs inputs for one sighash mode; holds the secp256k1 context so that it
/// is created once, not per transaction.
#[derive(Debug, Clone)]
pub struct Signer {
    secp: Secp256k1<All>,
    mode: SighashMode,
    payer_anyone_can_pay: bool,
}

impl Signer {
    /// A signer for `mode`, signing every input with `SIGHASH_ALL`.
    pub fn new(mode: SighashMode) -> Self {
        Self {
            secp: Secp256k1::new(),
            mode,
            payer_anyone_can_pay: false,
        }
    }

    /// Sign payer inputs with `ALL|ANYONECANPAY` as the original's subsidy
    /// scheme does, so the owner can sign later without invalidating them.
    pub fn payer_anyone_can_pay(mut self, yes: bool) -> Self {
        self.payer_anyone_can_pay = yes;
        self
    }

    /// The secp256k1 context, for building [`Keyring`]s and verifying.
    pub fn secp(&self) -> &Secp256k1<All> {
        &self.secp
    }

    /// The sighash mode.
    pub fn mode(&self) -> SighashMode {
        self.mode
    }

    /// Signs every input of `unsigned` that one of `keys` can spend.
    pub fn sign(&self, unsigned: &UnsignedTx, keys: &[&KeyInfo]) -> Result<SignedTx, SignError> {
        self.sign_with(unsigned, &Keyring::new(&self.secp, keys))
    }

    /// As [`Signer::sign`], with a prepared keyring (faster for many transactions).
    pub fn sign_with(
        &self,
        unsigned: &UnsignedTx,
        keyring: &Keyring<'_>,
    ) -> Result<SignedTx, SignError> {
        let prevouts: Vec<&TxOut> = unsigned.inputs().iter().map(|i| &i.prevout).collect();
        let acp: Vec<bool> = unsigned
            .inputs()
            .iter()
            .map(|i| self.payer_anyone_can_pay && i.role == InputRole::Payer)
            .collect();
        self.sign_inputs(unsigned.transaction(), &prevouts, &acp, keyring)
    }

    /// Signs any transaction given the outputs its inputs spend.
    pub fn sign_transaction(
        &self,
        tx: &Transaction,
        prevouts: &[TxOut],
        keyring: &Keyring<'_>,
    ) -> Result<SignedTx, SignError> {
        let prevouts: Vec<&TxOut> = prevouts.iter().collect();
        let acp = vec![false; prevouts.len()];
        self.sign_inputs(tx, &prevouts, &acp, keyring)
    }

    fn sign_inputs(
        &self,
        tx: &Transaction,
        prevouts: &[&TxOut],
        anyone_can_pay: &[bool],
        keyring: &Keyring<'_>,
    ) -> Result<SignedTx, SignError> {
        if prevouts.len() != tx.input.len() {
            return Err(SignError::PrevoutCount {
                inputs: tx.input.len(),
                prevouts: prevouts.len(),
            });
        }
        let mut cache = SighashCache::new(tx);
        let mut digest = Digest::new(self.mode);
        let mut script_sigs: Vec<Option<ScriptBuf>> = Vec::with_capacity(tx.input.len());
        for (index, prevout) in prevouts.iter().enumerate() {
            let acp = anyone_can_pay.get(index).copied().unwrap_or(false);
            let script_sig = match keyring.find(&prevout.script_pubkey) {
                None => None,
                Some(Entry::Single { key, pubkey }) => {
                    let (msg, byte) = digest.compute(
                        &mut cache,
                        index,
                        &prevout.script_pubkey,
                        prevout.value,
                        acp,
                    )?;
                    let sig = self.sign_push(key, &msg, byte)?;
                    let pk = PushBytesBuf::try_from(pubkey.to_bytes())
                        .map_err(|_| SignError::Push(65))?;
                    Some(Builder::new().push_slice(sig).push_slice(pk).into_script())
                }
                Some(Entry::Multisig(bundle)) => {
                    let redeem = bundle.redeem_script();
                    let (msg, byte) =
                        digest.compute(&mut cache, index, redeem, prevout.value, acp)?;
                    let mut builder = Builder::new().push_opcode(OP_PUSHBYTES_0);
                    for key in bundle
                        .members()
                        .filter_map(|(_, k)| k)
                        .take(bundle.threshold())
                    {
                        builder = builder.push_slice(self.sign_push(key, &msg, byte)?);
                    }
                    let redeem_push = PushBytesBuf::try_from(redeem.to_bytes())
                        .map_err(|_| SignError::Push(redeem.len()))?;
                    Some(builder.push_slice(redeem_push).into_script())
                }
            };
            script_sigs.push(script_sig);
        }
        let mut signed = tx.clone();
        let mut unsigned_inputs = Vec::new();
        for (index, (txin, script_sig)) in signed.input.iter_mut().zip(script_sigs).enumerate() {
            match script_sig {
                Some(s) => txin.script_sig = s,
                None => unsigned_inputs.push(index),
            }
        }
        Ok(SignedTx {
            tx: signed,
            unsigned_inputs,
        })
    }

    fn sign_push(
        &self,
        key: &SingleKey,
        msg: &Message,
        hash_byte: u8,
    ) -> Result<PushBytesBuf, SignError> {
        let sig = self.secp.sign_ecdsa(msg, &key.private_key().inner);
        let mut bytes = sig.serialize_der().to_vec();
        bytes.push(hash_byte);
        let len = bytes.len();
        PushBytesBuf::try_from(bytes).map_err(|_| SignError::Push(len))
    }
}

/// Computes digests for one mode, reusing a preimage buffer.
struct Digest {
    mode: SighashMode,
    buf: Vec<u8>,
}

impl Digest {
    fn new(mode: SighashMode) -> Self {
        Self {
            mode,
            buf: Vec::with_capacity(256),
        }
    }

    /// The message to sign and the hash-type byte to append.
    fn compute(
        &mut self,
        cache: &mut SighashCache<&Transaction>,
        index: usize,
        script_code: &Script,
        value: Amount,
        anyone_can_pay: bool,
    ) -> Result<(Message, u8), SignError> {
        let base = if anyone_can_pay {
            EcdsaSighashType::AllPlusAnyoneCanPay
        } else {
            EcdsaSighashType::All
        };
        let hash_type = hash_type_value(self.mode, base);
        let digest = signature_hash_with(
            cache,
            &mut self.buf,
            self.mode,
            index,
            script_code,
            value,
            hash_type,
        )
        .map_err(|reason| SignError::Sighash { index, reason })?;
        // The low byte of the hash type is what goes after the signature.
        Ok((Message::from_digest(digest), hash_type.to_le_bytes()[0]))
    }
}

/// The 32-bit hash-type value committed to by the digest for `mode`.
pub fn hash_type_value(mode: SighashMode, base: EcdsaSighashType) -> u32 {
    match mode {
        SighashMode::Legacy => base.to_u32(),
        SighashMode::ForkIdBip143 { fork_id } => base.to_u32() | SIGHASH_FORKID | (fork_id << 8),
    }
}

/// The signature hash of input `index` of `tx` for `mode`, where
/// `script_code` is the spent P2PKH script or the P2SH redeem script and
/// `value` the spent amount (used by BIP143 only).
pub fn signature_hash(
    tx: &Transaction,
    index: usize,
    script_code: &Script,
    value: Amount,
    mode: SighashMode,
    hash_type: u32,
) -> Result<[u8; 32], String> {
    let mut cache = SighashCache::new(tx);
    signature_hash_with(
        &mut cache,
        &mut Vec::new(),
        mode,
        index,
        script_code,
        value,
        hash_type,
    )
}

fn signature_hash_with(
    cache: &mut SighashCache<&Transaction>,
    buf: &mut Vec<u8>,
    mode: SighashMode,
    index: usize,
    script_code: &Script,
    value: Amount,
    hash_type: u32,
) -> Result<[u8; 32], String> {
    match mode {
        SighashMode::Legacy => cache
            .legacy_signature_hash(index, script_code, hash_type)
            .map(|h| h.to_byte_array())
            .map_err(|e| e.to_string()),
        SighashMode::ForkIdBip143 { .. } => {
            buf.clear();
            // Encode the BIP143 preimage for the base type (which selects the
            // ANYONECANPAY/SINGLE/NONE handling), then overwrite its trailing
            // 4-byte hash type with the FORKID value.
            let base = EcdsaSighashType::from_consensus(hash_type & 0x9f);
            cache
                .segwit_v0_encode_signing_data_to(buf, index, script_code, value, base)
                .map_err(|e| e.to_string())?;
            let tail = buf.len().checked_sub(4).ok_or("short preimage")?;
            buf.truncate(tail);
            buf.extend_from_slice(&hash_type.to_le_bytes());
            Ok(sha256d::Hash::hash(buf).to_byte_array())
        }
    }
}

/// Verifies the scriptSig of input `index` (P2PKH or P2SH multisig) against
/// the digest recomputed for `mode`; for multisig, the m signatures must match
/// the redeem script's keys in order, as `OP_CHECKMULTISIG` requires.
pub fn verify_input<C: Verification>(
    secp: &Secp256k1<C>,
    tx: &Transaction,
    index: usize,
    prevout: &TxOut,
    mode: SighashMode,
) -> Result<(), VerifyError> {
    let txin = tx.input.get(index).ok_or(VerifyError::Malformed(index))?;
    let mut pushes = Vec::new();
    for ins in txin.script_sig.instructions() {
        match ins {
            Ok(Instruction::PushBytes(bytes)) => pushes.push(bytes.as_bytes().to_vec()),
            _ => return Err(VerifyError::Malformed(index)),
        }
    }
    let check =
        |sig_push: &[u8], pubkey: &PublicKey, script_code: &Script| -> Result<(), VerifyError> {
            let (&hash_byte, der) = sig_push.split_last().ok_or(VerifyError::Malformed(index))?;
            let forkid_flag = u32::from(hash_byte) & SIGHASH_FORKID != 0;
            let hash_type = match mode {
                SighashMode::Legacy if !forkid_flag => u32::from(hash_byte),
                SighashMode::ForkIdBip143 { fork_id } if forkid_flag => {
                    u32::from(hash_byte) | (fork_id << 8)
                }
                _ => {
                    return Err(VerifyError::HashType {
                        index,
                        hash_type: hash_byte,
                        mode,
                    })
                }
            };
            let digest = signature_hash(tx, index, script_code, prevout.value, mode, hash_type)
                .map_err(|_| VerifyError::Sighash(index))?;
            let sig = ecdsa::Signature::from_der(der).map_err(|_| VerifyError::Malformed(index))?;
            let mut normalized = sig;
            normalized.normalize_s();
            if normalized != sig {
                return Err(VerifyError::HighS(index));
            }
            secp.verify_ecdsa(&Message::from_digest(digest), &sig, &pubkey.inner)
                .map_err(|_| VerifyError::BadSignature(index))
        };

    let spk = &prevout.script_pubkey;
    if spk.is_p2pkh() {
        let [sig, pk] = pushes.as_slice() else {
            return Err(VerifyError::Malformed(index));
        };
        let pubkey = PublicKey::from_slice(pk).map_err(|_| VerifyError::Malformed(index))?;
        if ScriptBuf::new_p2pkh(&pubkey.pubkey_hash()) != *spk {
            return Err(VerifyError::HashMismatch(index));
        }
        check(sig, &pubkey, spk)
    } else if spk.is_p2sh() {
        let [dummy, sigs @ .., redeem] = pushes.as_slice() else {
            return Err(VerifyError::Malformed(index));
        };
        if !dummy.is_empty() {
            return Err(VerifyError::Malformed(index));
        }
        let hash = hash160::Hash::hash(redeem);
        if ScriptBuf::new_p2sh(&bitcoin::ScriptHash::from_raw_hash(hash)) != *spk {
            return Err(VerifyError::HashMismatch(index));
        }
        let redeem = ScriptBuf::from_bytes(redeem.clone());
        let (m, pubkeys) =
            parse_multisig_redeem_script(&redeem).map_err(|_| VerifyError::Malformed(index))?;
        if sigs.len() != m {
            return Err(VerifyError::Malformed(index));
        }
        // Each signature must match a key later than the previous match.
        let mut keys = pubkeys.iter();
        for sig in sigs {
            let matched = keys.by_ref().any(|pk| check(sig, pk, &redeem).is_ok());
            if !matched {
                return Err(VerifyError::BadSignature(index));
            }
        }
        Ok(())
    } else {
        Err(VerifyError::Malformed(index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{MultisigKey, SingleKey};
    use bitcoin::absolute::LockTime;
    use bitcoin::consensus::encode::serialize_hex;
    use bitcoin::hashes::sha256;
    use bitcoin::transaction::Version;
    use bitcoin::{NetworkKind, OutPoint, Sequence, TxIn, Txid, Witness};
    use std::str::FromStr;

    const FORKID: SighashMode = SighashMode::ForkIdBip143 { fork_id: 0 };

    fn label_key(label: &str, compressed: bool) -> SingleKey {
        let bytes = sha256::Hash::hash(label.as_bytes()).to_byte_array();
        SingleKey::from_secret_bytes(&bytes, compressed, NetworkKind::Test).expect("valid key")
    }

    fn spend_tx(prevout: OutPoint, outputs: Vec<TxOut>) -> Transaction {
        Transaction {
            version: Version::ONE,
            lock_time: LockTime::ZERO,
            input: vec![TxIn {
                previous_output: prevout,
                script_sig: ScriptBuf::new(),
                sequence: Sequence::MAX,
                witness: Witness::new(),
            }],
            output: outputs,
        }
    }

    /// The accepted spend of bitcoind-regtest.md §3.
    fn regtest_vector() -> (Transaction, TxOut, KeyInfo) {
        let secp = Secp256k1::new();
        let key = label_key("bns-1", true);
        let recipient = label_key("bns-2", true);
        let coinbase =
            Txid::from_str("a5b5ea7fc53222b0e644cd9209e81100760aa81f5c4b33b9f248686df7924f0a")
                .expect("txid");
        let mut data = b"id?".to_vec();
        data.extend(0u8..=0x23);
        let tx = spend_tx(
            OutPoint {
                txid: coinbase,
                vout: 0,
            },
            vec![
                TxOut {
                    value: Amount::from_sat(4_999_990_000),
                    script_pubkey: recipient.script_pubkey(&secp),
                },
                TxOut {
                    value: Amount::ZERO,
                    script_pubkey: crate::layout::op_return_script(&data).expect("payload fits"),
                },
            ],
        );
        let prevout = TxOut {
            value: Amount::from_sat(5_000_000_000),
            script_pubkey: key.script_pubkey(&secp),
        };
        (tx, prevout, KeyInfo::Single(key))
    }

    #[test]
    fn regtest_vector_digests_match_the_spec() {
        let (tx, prevout, _) = regtest_vector();
        let forkid = signature_hash(&tx, 0, &prevout.script_pubkey, prevout.value, FORKID, 0x41)
            .expect("digest");
        assert_eq!(
            hex::encode(forkid),
            "ec178e7fe3e00a9925a8766e1b5ae6d241fd08f49d5110c3e49a6577edadf55b"
        );
        let legacy = signature_hash(
            &tx,
            0,
            &prevout.script_pubkey,
            prevout.value,
            SighashMode::Legacy,
            1,
        )
        .expect("digest");
        let legacy = hex::encode(legacy);
        assert!(
            legacy.starts_with("29af7c89") && legacy.ends_with("f82d"),
            "{legacy}"
        );
    }

    #[test]
    fn regtest_vector_is_signed_byte_for_byte_under_forkid() {
        let (tx, prevout, key) = regtest_vector();
        let signer = Signer::new(FORKID);
        let keyring = Keyring::new(signer.secp(), &[&key]);
        let signed = signer
            .sign_transaction(&tx, std::slice::from_ref(&prevout), &keyring)
            .expect("signs");
        assert!(signed.is_complete());
        let tx = signed.into_transaction();
        assert_eq!(
            tx.compute_txid().to_string(),
            "71155991b2fa1221d2bee5b9a3318fe91c7cae2637805f84303651d5b8c755b4"
        );
        assert_eq!(
            serialize_hex(&tx),
            "01000000010a4f92f76d6848f2b9334b5c1fa80a760011e80992cd44e6b02232c57feab5a5000000006b483045022100abcd0bd6f2d478c9d4ef2a1c162d2599ad2b74bfc24d1f33ebbb4e1c493a0aae022038d85f04818383eeebbd82949bcef9b162fe228591ee0f962bc462e13a683e01412102b7f15de38a7fbd026024c9081b419448a9ed16e10f657076b8a0e5c42fea492bffffffff02f0ca052a010000001976a914014c189ab4265ccc283ee1c8f674c519538c56c688ac0000000000000000296a2769643f000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222300000000"
        );
        verify_input(signer.secp(), &tx, 0, &prevout, FORKID).expect("verifies");
    }

    #[test]
    fn forkid_signatures_commit_to_the_spent_amount() {
        let (tx, prevout, key) = regtest_vector();
        let signer = Signer::new(FORKID);
        let keyring = Keyring::new(signer.secp(), &[&key]);
        let signed = signer
            .sign_transaction(&tx, std::slice::from_ref(&prevout), &keyring)
            .expect("signs");
        let other_amount = TxOut {
            value: prevout.value + Amount::from_sat(1),
            ..prevout.clone()
        };
        assert_eq!(
            verify_input(
                signer.secp(),
                signed.transaction(),
                0,
                &other_amount,
                FORKID
            ),
            Err(VerifyError::BadSignature(0))
        );
        // A FORKID signature is not a legacy one, and vice versa.
        assert!(matches!(
            verify_input(
                signer.secp(),
                signed.transaction(),
                0,
                &prevout,
                SighashMode::Legacy
            ),
            Err(VerifyError::HashType {
                hash_type: 0x41,
                ..
            })
        ));
        let legacy = Signer::new(SighashMode::Legacy);
        let signed = legacy
            .sign_transaction(&tx, std::slice::from_ref(&prevout), &keyring)
            .expect("signs");
        assert!(matches!(
            verify_input(legacy.secp(), signed.transaction(), 0, &prevout, FORKID),
            Err(VerifyError::HashType {
                hash_type: 0x01,
                ..
            })
        ));
    }

    fn check_signs_and_verifies(key: KeyInfo, mode: SighashMode) {
        let signer = Signer::new(mode);
        let prevout = TxOut {
            value: Amount::from_sat(100_000),
            script_pubkey: key.script_pubkey(),
        };
        let tx = spend_tx(
            OutPoint {
                txid: Txid::from_byte_array([7; 32]),
                vout: 3,
            },
            vec![TxOut {
                value: Amount::from_sat(90_000),
                script_pubkey: key.script_pubkey(),
            }],
        );
        let keyring = Keyring::new(signer.secp(), &[&key]);
        let signed = signer
            .sign_transaction(&tx, std::slice::from_ref(&prevout), &keyring)
            .expect("signs");
        assert!(signed.is_complete());
        let signed_tx = signed.transaction();
        verify_input(signer.secp(), signed_tx, 0, &prevout, mode).expect("verifies");
        // The estimate is an upper bound of the real scriptSig.
        let len = signed_tx.input[0].script_sig.len();
        assert!(len <= key.input_kind().script_sig_len(), "{len} > estimate");
        // Changing an output invalidates the signature.
        let mut tampered = signed_tx.clone();
        tampered.output[0].value = Amount::from_sat(89_999);
        assert_eq!(
            verify_input(signer.secp(), &tampered, 0, &prevout, mode),
            Err(VerifyError::BadSignature(0))
        );
    }

    #[test]
    fn p2pkh_compressed_and_uncompressed_sign_in_both_modes() {
        for mode in [SighashMode::Legacy, FORKID] {
            check_signs_and_verifies(KeyInfo::Single(label_key("c", true)), mode);
            check_signs_and_verifies(KeyInfo::Single(label_key("u", false)), mode);
        }
    }

    #[test]
    fn two_of_three_multisig_signs_in_both_modes() {
        for mode in [SighashMode::Legacy, FORKID] {
            let bundle = MultisigKey::generate(2, 3, NetworkKind::Test).expect("bundle");
            check_signs_and_verifies(KeyInfo::Multisig(bundle), mode);
        }
    }

    #[test]
    fn multisig_with_only_the_last_two_keys_signs_in_key_order() {
        let members: Vec<SingleKey> = (0..3).map(|i| label_key(&format!("m{i}"), true)).collect();
        let full = MultisigKey::from_private_keys(2, members.clone()).expect("bundle");
        let partial = MultisigKey::from_redeem_script(
            full.redeem_script().to_owned(),
            vec![members[2].clone(), members[1].clone()],
        )
        .expect("two keys suffice");
        check_signs_and_verifies(KeyInfo::Multisig(partial), FORKID);
    }

    #[test]
    fn inputs_without_keys_are_reported_unsigned() {
        let (tx, prevout, _) = regtest_vector();
        let stranger = KeyInfo::Single(label_key("stranger", true));
        let signer = Signer::new(SighashMode::Legacy);
        let keyring = Keyring::new(signer.secp(), &[&stranger]);
        let signed = signer
            .sign_transaction(&tx, &[prevout], &keyring)
            .expect("runs");
        assert_eq!(signed.unsigned_inputs(), &[0]);
        assert!(signed.transaction().input[0].script_sig.is_empty());
        assert_eq!(
            signer.sign_transaction(&tx, &[], &keyring),
            Err(SignError::PrevoutCount {
                inputs: 1,
                prevouts: 0
            })
        );
    }

    #[test]
    fn anyone_can_pay_flag_is_appended_and_committed() {
        assert_eq!(
            hash_type_value(FORKID, EcdsaSighashType::AllPlusAnyoneCanPay),
            0xc1
        );
        assert_eq!(
            hash_type_value(
                SighashMode::ForkIdBip143 { fork_id: 2 },
                EcdsaSighashType::All
            ),
            0x241
        );
        assert_eq!(
            hash_type_value(SighashMode::Legacy, EcdsaSighashType::AllPlusAnyoneCanPay),
            0x81
        );
    }
}
