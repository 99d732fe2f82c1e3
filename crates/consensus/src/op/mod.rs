//! BNS operations: the opcode table, payload codecs (one file per opcode) and extraction of an
//! operation from a Bitcoin transaction (spec §5, §9).
//!
//! Parsing never panics. A transaction that carries no BNS payload gives [`ParseError::NotBns`];
//! one that carries a payload the original would drop gives another [`ParseError`]. Either way the
//! op has no consensus effect.

pub mod announce;
pub mod name_import;
pub mod name_preorder;
pub mod name_registration;
pub mod name_revoke;
pub mod name_transfer;
pub mod name_update;
pub mod namespace_preorder;
pub mod namespace_ready;
pub mod namespace_reveal;

use bitcoin::secp256k1::PublicKey;
use bitcoin::{Transaction, TxOut};
use serde::Serialize;

use crate::address::{script_to_address, script_type, sender_address, ScriptType};
use crate::hash::hash160;
use crate::rules::Rules;
use crate::script::{nulldata_payload, tokens, Token};

/// The two magic bytes that start every BNS payload.
pub const MAGIC: &[u8; 2] = b"id";

/// The opcode byte of an operation (spec §1.3). NAME_RENEWAL shares `:` with registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Opcode {
    /// `?`
    NamePreorder,
    /// `:`
    NameRegistration,
    /// `+`
    NameUpdate,
    /// `>`
    NameTransfer,
    /// `~`
    NameRevoke,
    /// `;`
    NameImport,
    /// `*`
    NamespacePreorder,
    /// `&`
    NamespaceReveal,
    /// `!`
    NamespaceReady,
    /// `#`
    Announce,
}

impl Opcode {
    /// The opcode of a payload's third byte.
    pub fn from_byte(b: u8) -> Option<Self> {
        Some(match b {
            b'?' => Self::NamePreorder,
            b':' => Self::NameRegistration,
            b'+' => Self::NameUpdate,
            b'>' => Self::NameTransfer,
            b'~' => Self::NameRevoke,
            b';' => Self::NameImport,
            b'*' => Self::NamespacePreorder,
            b'&' => Self::NamespaceReveal,
            b'!' => Self::NamespaceReady,
            b'#' => Self::Announce,
            _ => return None,
        })
    }

    /// The opcode byte.
    pub fn byte(self) -> u8 {
        match self {
            Self::NamePreorder => b'?',
            Self::NameRegistration => b':',
            Self::NameUpdate => b'+',
            Self::NameTransfer => b'>',
            Self::NameRevoke => b'~',
            Self::NameImport => b';',
            Self::NamespacePreorder => b'*',
            Self::NamespaceReveal => b'&',
            Self::NamespaceReady => b'!',
            Self::Announce => b'#',
        }
    }
}

/// Why a transaction carries no usable BNS operation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// No nulldata output with a payload starting with `id`.
    #[error("no BNS payload: no OP_RETURN output whose data starts with `id`")]
    NotBns,
    /// The byte after `id` is not an opcode.
    #[error("unknown opcode byte 0x{0:02x}")]
    UnknownOpcode(u8),
    /// The payload has the wrong length for its opcode.
    #[error("{opcode:?} payload has {len} bytes, expected {expected}")]
    PayloadLength {
        /// The opcode.
        opcode: Opcode,
        /// Bytes after the opcode byte.
        len: usize,
        /// What the opcode needs.
        expected: &'static str,
    },
    /// The name or namespace ID in the payload is not valid.
    #[error("invalid name or namespace ID {0:?}")]
    InvalidName(String),
    /// A payload field is out of its allowed range.
    #[error("invalid payload field: {0}")]
    InvalidField(&'static str),
    /// The previous output of input 0 is missing.
    #[error("the previous output of input 0 is needed to find the sender")]
    MissingPrevout,
    /// Input 0 does not spend a p2pkh or p2sh output.
    #[error("input 0 spends a script with no sender address (script type {0:?})")]
    NoSender(ScriptType),
    /// An input's scriptSig carries a second token that is not a public key (spec §5.4).
    #[error("input scriptSig carries an unparseable public key")]
    BadSenderPubkey,
    /// The transaction's outputs do not fit the opcode.
    #[error("{opcode:?} needs {expected} outputs, the transaction has {actual}")]
    OutputCount {
        /// The opcode.
        opcode: Opcode,
        /// What the opcode needs.
        expected: &'static str,
        /// How many the transaction has.
        actual: usize,
    },
    /// A required output's script has no address.
    #[error("output {0} has no address")]
    OutputAddress(usize),
}

/// The sender of an operation: the previous output spent by input 0.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Sender {
    /// The scriptPubKey, hex.
    pub script: String,
    /// Its address (p2pkh or p2sh).
    pub address: String,
    /// How the original classifies it.
    #[serde(skip)]
    pub script_type: ScriptType,
}

/// An output an operation points at: a script and its address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Recipient {
    /// The scriptPubKey, hex.
    pub script: String,
    /// Its address.
    pub address: String,
}

/// A fee paid by an output (preorders, renewals).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FeeOutput {
    /// Satoshis.
    pub amount: u64,
    /// The output's address.
    pub address: String,
}

/// What the operation says, beyond its sender.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "opcode", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OpKind {
    /// NAME_PREORDER.
    NamePreorder {
        /// The committed hash.
        preorder_hash: String,
        /// A recent consensus hash.
        consensus_hash: String,
        /// Output 2: the fee.
        fee: FeeOutput,
    },
    /// NAME_REGISTRATION (or, decided at validation, NAME_RENEWAL).
    NameRegistration {
        /// The name.
        name: String,
        /// The value hash of the epoch-3 57-byte form.
        value_hash: Option<String>,
        /// Output 1: the new owner.
        recipient: Recipient,
        /// Output 3, when there are four or more outputs: a renewal's fee.
        renewal_fee: Option<FeeOutput>,
    },
    /// NAME_UPDATE.
    NameUpdate {
        /// `hash128(name ‖ consensus_hash)`.
        name_consensus_hash: String,
        /// The new zonefile hash.
        value_hash: String,
    },
    /// NAME_TRANSFER.
    NameTransfer {
        /// `hash128(name)`.
        name_hash128: String,
        /// A recent consensus hash.
        consensus_hash: String,
        /// `>` keeps the value hash, `~` clears it.
        keep_data: bool,
        /// Output 1: the new owner.
        recipient: Recipient,
    },
    /// NAME_REVOKE.
    NameRevoke {
        /// The name.
        name: String,
    },
    /// NAME_IMPORT.
    NameImport {
        /// The name.
        name: String,
        /// Output 1: the owner.
        recipient: Recipient,
        /// The hash inside output 2's script.
        value_hash: String,
    },
    /// NAMESPACE_PREORDER.
    NamespacePreorder {
        /// The committed hash.
        preorder_hash: String,
        /// A recent consensus hash.
        consensus_hash: String,
        /// Output 2: the fee (its destination is never checked).
        fee: FeeOutput,
    },
    /// NAMESPACE_REVEAL.
    NamespaceReveal {
        /// The payload fields.
        #[serde(flatten)]
        reveal: namespace_reveal::Payload,
        /// Output 1: the revealer, who imports names and sends READY.
        recipient: Recipient,
    },
    /// NAMESPACE_READY.
    NamespaceReady {
        /// The namespace ID.
        namespace_id: String,
    },
    /// ANNOUNCE.
    Announce {
        /// The announced message's hash.
        message_hash: String,
    },
}

/// A BNS operation found in a transaction, not yet checked against the state.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ParsedOp {
    /// The transaction's id.
    pub txid: String,
    /// The transaction's position in its block (coinbase = 0).
    pub vtxindex: u32,
    /// The previous output of input 0.
    pub sender: Sender,
    /// The public key found in the inputs for a p2pkh sender (spec §5.4).
    pub sender_pubkey: Option<String>,
    /// The operation.
    #[serde(flatten)]
    pub kind: OpKind,
}

impl ParsedOp {
    /// The opcode byte of the operation.
    pub fn opcode(&self) -> Opcode {
        match self.kind {
            OpKind::NamePreorder { .. } => Opcode::NamePreorder,
            OpKind::NameRegistration { .. } => Opcode::NameRegistration,
            OpKind::NameUpdate { .. } => Opcode::NameUpdate,
            OpKind::NameTransfer { .. } => Opcode::NameTransfer,
            OpKind::NameRevoke { .. } => Opcode::NameRevoke,
            OpKind::NameImport { .. } => Opcode::NameImport,
            OpKind::NamespacePreorder { .. } => Opcode::NamespacePreorder,
            OpKind::NamespaceReveal { .. } => Opcode::NamespaceReveal,
            OpKind::NamespaceReady { .. } => Opcode::NamespaceReady,
            OpKind::Announce { .. } => Opcode::Announce,
        }
    }
}

/// The BNS payload of a transaction: the opcode and the bytes after it (spec §5.2).
///
/// The payload of the **last** nulldata output counts.
pub fn bns_payload(tx: &Transaction) -> Result<(Opcode, &[u8]), ParseError> {
    let last = tx
        .output
        .iter()
        .rev()
        .find(|o| o.script_pubkey.as_bytes().first() == Some(&0x6a));
    let data = last
        .and_then(|o| nulldata_payload(o.script_pubkey.as_bytes()))
        .ok_or(ParseError::NotBns)?;
    let rest = data.strip_prefix(&MAGIC[..]).ok_or(ParseError::NotBns)?;
    let (&op, body) = rest.split_first().ok_or(ParseError::NotBns)?;
    let opcode = Opcode::from_byte(op).ok_or(ParseError::UnknownOpcode(op))?;
    Ok((opcode, body))
}

/// Whether a transaction carries a BNS payload with a known opcode (so its prevouts matter).
pub fn is_bns_candidate(tx: &Transaction) -> bool {
    bns_payload(tx).is_ok()
}

/// Finds the BNS operation of `tx`, mined at `height` at position `vtxindex`.
///
/// `sender_prevout` is the output spent by input 0; only it is needed. The epoch of `height`
/// decides the registration payload form.
pub fn parse_transaction(
    tx: &Transaction,
    vtxindex: u32,
    sender_prevout: Option<&TxOut>,
    rules: &Rules,
    height: u64,
) -> Result<ParsedOp, ParseError> {
    let kind = parse_kind(tx, rules, height)?;
    let prevout = sender_prevout.ok_or(ParseError::MissingPrevout)?;
    let (sender, sender_pubkey) = parse_sender(tx, prevout, rules)?;
    if let OpKind::NamespaceReveal { reveal, recipient } = &kind {
        // The original computes the preorder hash while parsing; a non-b40 ID fails there.
        crate::hash::preorder_hash(&reveal.namespace_id, &sender.script, &recipient.address)
            .ok_or_else(|| ParseError::InvalidName(reveal.namespace_id.clone()))?;
    }
    Ok(ParsedOp {
        txid: tx.compute_txid().to_string(),
        vtxindex,
        sender,
        sender_pubkey,
        kind,
    })
}

/// The sender of a transaction and, for a p2pkh sender, its public key (spec §5.3, §5.4).
pub fn parse_sender(
    tx: &Transaction,
    prevout: &TxOut,
    rules: &Rules,
) -> Result<(Sender, Option<String>), ParseError> {
    let script = prevout.script_pubkey.as_bytes();
    let stype = script_type(script);
    let address = sender_address(script, rules.network).ok_or(ParseError::NoSender(stype))?;
    let sender = Sender {
        script: hex::encode(script),
        address,
        script_type: stype,
    };
    let sender_pubkey = match stype {
        ScriptType::PubKeyHash => find_sender_pubkey(tx, script)?,
        _ => None,
    };
    Ok((sender, sender_pubkey))
}

/// The operation a transaction carries, from its payload and outputs alone (no sender).
pub fn parse_kind(tx: &Transaction, rules: &Rules, height: u64) -> Result<OpKind, ParseError> {
    let (opcode, body) = bns_payload(tx)?;
    let outputs = &tx.output;
    let kind = match opcode {
        Opcode::NamePreorder => {
            let p = name_preorder::Payload::parse(body)?;
            expect_outputs(opcode, outputs, |n| n == 3, "exactly 3")?;
            OpKind::NamePreorder {
                preorder_hash: hex::encode(p.preorder_hash),
                consensus_hash: hex::encode(p.consensus_hash),
                fee: fee_output(outputs, 2, rules)?,
            }
        }
        Opcode::NameRegistration => {
            let p =
                name_registration::Payload::parse(body, rules.epoch(height).has_register_update())?;
            expect_outputs(opcode, outputs, |n| n >= 2, "at least 2")?;
            let recipient = recipient(outputs, 1, rules)?;
            let renewal_fee = if outputs.len() >= 4 {
                Some(fee_output(outputs, 3, rules)?)
            } else {
                None
            };
            OpKind::NameRegistration {
                name: p.name,
                value_hash: p.value_hash.map(hex::encode),
                recipient,
                renewal_fee,
            }
        }
        Opcode::NameUpdate => {
            let p = name_update::Payload::parse(body)?;
            OpKind::NameUpdate {
                name_consensus_hash: hex::encode(p.name_consensus_hash),
                value_hash: hex::encode(p.value_hash),
            }
        }
        Opcode::NameTransfer => {
            let p = name_transfer::Payload::parse(body)?;
            expect_outputs(opcode, outputs, |n| n >= 2, "at least 2")?;
            OpKind::NameTransfer {
                name_hash128: hex::encode(p.name_hash128),
                consensus_hash: hex::encode(p.consensus_hash),
                keep_data: p.keep_data,
                recipient: recipient(outputs, 1, rules)?,
            }
        }
        Opcode::NameRevoke => OpKind::NameRevoke {
            name: name_revoke::Payload::parse(body)?.name,
        },
        Opcode::NameImport => {
            let p = name_import::Payload::parse(body)?;
            expect_outputs(opcode, outputs, |n| n >= 3, "at least 3")?;
            let recipient = recipient(outputs, 1, rules)?;
            let update = outputs
                .get(2)
                .map(|o| o.script_pubkey.as_bytes())
                .unwrap_or_default();
            let value_hash = match script_type(update) {
                ScriptType::PubKeyHash => update.get(3..23),
                ScriptType::ScriptHash => update.get(2..22),
                _ => None,
            }
            .ok_or(ParseError::OutputAddress(2))?;
            OpKind::NameImport {
                name: p.name,
                recipient,
                value_hash: hex::encode(value_hash),
            }
        }
        Opcode::NamespacePreorder => {
            let p = namespace_preorder::Payload::parse(body)?;
            expect_outputs(opcode, outputs, |n| n >= 3, "at least 3")?;
            OpKind::NamespacePreorder {
                preorder_hash: hex::encode(p.preorder_hash),
                consensus_hash: hex::encode(p.consensus_hash),
                fee: fee_output(outputs, 2, rules)?,
            }
        }
        Opcode::NamespaceReveal => {
            let reveal = namespace_reveal::Payload::parse(body)?;
            expect_outputs(opcode, outputs, |n| n == 3, "exactly 3")?;
            OpKind::NamespaceReveal {
                reveal,
                recipient: recipient(outputs, 1, rules)?,
            }
        }
        Opcode::NamespaceReady => OpKind::NamespaceReady {
            namespace_id: namespace_ready::Payload::parse(body)?.namespace_id,
        },
        Opcode::Announce => OpKind::Announce {
            message_hash: hex::encode(announce::Payload::parse(body)?.message_hash),
        },
    };
    Ok(kind)
}

fn expect_outputs(
    opcode: Opcode,
    outputs: &[TxOut],
    ok: impl Fn(usize) -> bool,
    expected: &'static str,
) -> Result<(), ParseError> {
    if ok(outputs.len()) {
        Ok(())
    } else {
        Err(ParseError::OutputCount {
            opcode,
            expected,
            actual: outputs.len(),
        })
    }
}

fn recipient(outputs: &[TxOut], index: usize, rules: &Rules) -> Result<Recipient, ParseError> {
    let out = outputs.get(index).ok_or(ParseError::OutputAddress(index))?;
    let script = out.script_pubkey.as_bytes();
    let address =
        script_to_address(script, rules.network).ok_or(ParseError::OutputAddress(index))?;
    Ok(Recipient {
        script: hex::encode(script),
        address,
    })
}

fn fee_output(outputs: &[TxOut], index: usize, rules: &Rules) -> Result<FeeOutput, ParseError> {
    let out = outputs.get(index).ok_or(ParseError::OutputAddress(index))?;
    let address = script_to_address(out.script_pubkey.as_bytes(), rules.network)
        .ok_or(ParseError::OutputAddress(index))?;
    Ok(FeeOutput {
        amount: out.value.to_sat(),
        address,
    })
}

/// The original's `get_public_key_hex_from_tx` for a p2pkh sender (spec §5.4).
///
/// The first input whose scriptSig has exactly two tokens and whose second token is a public key
/// hashing to the sender's hash gives the key. A second token that is not a public key at all
/// makes the original raise, which drops the whole op.
fn find_sender_pubkey(
    tx: &Transaction,
    sender_script: &[u8],
) -> Result<Option<String>, ParseError> {
    let want = sender_script.get(3..23).unwrap_or_default();
    for input in &tx.input {
        let toks = tokens(input.script_sig.as_bytes());
        let [_, candidate] = toks.as_slice() else {
            continue;
        };
        let Token::Push(key) = candidate else {
            return Err(ParseError::BadSenderPubkey);
        };
        let hashed = match key.len() {
            33 | 65
                if PublicKey::from_slice(key).is_ok()
                    && (key.len() == 33 || key.first() == Some(&4)) =>
            {
                hash160(key)
            }
            64 => {
                let mut full = Vec::with_capacity(65);
                full.push(4u8);
                full.extend_from_slice(key);
                if PublicKey::from_slice(&full).is_err() {
                    return Err(ParseError::BadSenderPubkey);
                }
                hash160(&full)
            }
            _ => return Err(ParseError::BadSenderPubkey),
        };
        if hashed.as_slice() == want {
            return Ok(Some(hex::encode(key)));
        }
    }
    Ok(None)
}

/// Builds the OP_RETURN data of an operation: `id`, the opcode byte, the payload body.
pub fn encode_nulldata(opcode: Opcode, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(3 + body.len());
    out.extend_from_slice(MAGIC);
    out.push(opcode.byte());
    out.extend_from_slice(body);
    out
}
