//! The input and output layout of every BNS operation, and the invariants
//! every built transaction must satisfy.
//!
//! The indexer judges a transaction purely by position (bns.md §5.2–§5.3,
//! §9 "Output requirements at a glance"):
//!
//! * the **sender** is the script of the output spent by **input 0**; it must be
//!   P2PKH or P2SH, otherwise the op is ignored;
//! * outputs are checked **by index**, counting the OP_RETURN output. Wallets
//!   put the OP_RETURN at index 0 and so does this builder;
//! * if several OP_RETURN outputs exist the *last* one is read, so a
//!   transaction must carry exactly one.
//!
//! The layouts below follow the original client (cli-wallet.md §c.7 and the
//! `make_outputs` functions it summarises). Index 0 is always the OP_RETURN;
//! "change" is the funding party's change, the only output that may be
//! absent, and it is always last, so dropping it never shifts a checked index.
//!
//! | op | inputs | outputs 1… | change |
//! |---|---|---|---|
//! | NAMESPACE_PREORDER | payer | change, fee → burn | required (output 1) |
//! | NAMESPACE_REVEAL | preorder payer | 5500 → revealer, change | required (exactly 3) |
//! | NAMESPACE_READY | revealer | change | optional |
//! | NAME_IMPORT | importer (P2PKH) | 5500 → owner, 5500 → zone-file hash, change | optional |
//! | NAME_PREORDER | payer | change, fee → burn | required (exactly 3) |
//! | NAME_REGISTRATION | preorder payer | 5500 → owner, change | optional |
//! | NAME_RENEWAL | owner, payer | 5500 → owner, owner change, fee → burn, payer change | optional |
//! | NAME_UPDATE | owner, payer | owner change, payer change | optional |
//! | NAME_TRANSFER | owner, payer | 5500 → new owner, owner change, payer change | optional |
//! | NAME_REVOKE | owner, payer | owner change, payer change | optional |
//! | ANNOUNCE | announcer | change | optional |
//!
//! In the two-party ops all of the owner's UTXOs are spent and returned in
//! full as "owner change" (cli-wallet.md §c.6); the payer pays every fee.

use std::collections::HashSet;

use bitcoin::hashes::Hash;
use bitcoin::script::PushBytesBuf;
use bitcoin::{Amount, FeeRate, PubkeyHash, ScriptBuf, Transaction, TxOut};

use crate::params::ChainParams;
use crate::size::{estimate_tx_size, fee_for_size, output_len, InputKind};

/// The largest OP_RETURN payload the builder emits (bns.md §1.4: nominal 80
/// bytes; the indexer does not enforce it, Bitcoin Core's relay policy does).
pub const MAX_PAYLOAD_LEN: usize = 80;

/// Magic bytes that start every BNS payload (bns.md §1.1).
pub const MAGIC: &[u8; 2] = b"id";

/// A BNS operation together with the values of its op-specific outputs.
///
/// Scripts are output scripts (P2PKH or P2SH); amounts are satoshis chosen by
/// the caller (prices come from the consensus crate).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operation {
    /// `*`: commits to a namespace ID; output 2 pays the namespace price.
    NamespacePreorder {
        /// Where the price goes (the burn address; never checked by the indexer).
        burn_script: ScriptBuf,
        /// The namespace price.
        fee: Amount,
    },
    /// `&`: reveals the namespace; output 1 is the revealer/importer key.
    NamespaceReveal {
        /// The revealer's script (becomes the namespace's `recipient`).
        revealer_script: ScriptBuf,
    },
    /// `!`: launches the namespace; sent by the revealer.
    NamespaceReady,
    /// `;`: imports a name; output 1 = owner, output 2 carries the zone-file hash.
    NameImport {
        /// The new owner.
        recipient_script: ScriptBuf,
        /// hash160 of the zone file, carried as a P2PKH output's key hash.
        zonefile_hash: [u8; 20],
    },
    /// `?`: commits to a name; exactly 3 outputs, output 2 pays the name price.
    NamePreorder {
        /// Where the price goes (burn address or namespace creator, bns.md §7.3).
        burn_script: ScriptBuf,
        /// The name price.
        fee: Amount,
    },
    /// `:`: registers a preordered name; output 1 = the new owner.
    NameRegistration {
        /// The owner committed in the preorder.
        owner_script: ScriptBuf,
    },
    /// `:` re-typed: renews a name; output 1 = owner after renewal, output 3 = price.
    NameRenewal {
        /// The owner after renewal (the current owner, or a new one in epoch 3).
        owner_script: ScriptBuf,
        /// Where the price goes.
        burn_script: ScriptBuf,
        /// The renewal price.
        fee: Amount,
    },
    /// `+`: sets a name's zone-file hash.
    NameUpdate,
    /// `>`: gives a name to a new owner (output 1).
    NameTransfer {
        /// The new owner.
        recipient_script: ScriptBuf,
    },
    /// `~`: revokes a name.
    NameRevoke,
    /// `#`: an announcement by an announcer name's owner.
    Announce,
}

/// Who funds a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Funding {
    /// The sender pays for everything from its own UTXOs.
    Sender,
    /// The owner's UTXOs come first and are returned in full; a separate
    /// payer pays fees (the original's "subsidized" ops).
    OwnerAndPayer,
}

/// How many outputs the indexer requires (bns.md §9, table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputCountRule {
    /// Exactly this many.
    Exactly(usize),
    /// At least this many.
    AtLeast(usize),
}

impl OutputCountRule {
    /// Whether `count` satisfies the rule.
    pub fn allows(self, count: usize) -> bool {
        match self {
            OutputCountRule::Exactly(n) => count == n,
            OutputCountRule::AtLeast(n) => count >= n,
        }
    }
}

/// One output position after the OP_RETURN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    /// An output fixed by the operation.
    Fixed(TxOut),
    /// The owner's UTXO value returned to the owner (two-party ops).
    OwnerChange,
    /// The funding party's change.
    Change {
        /// Whether the indexer needs this output to exist.
        required: bool,
    },
}

impl Operation {
    /// The opcode byte (payload byte 2, bns.md §1.3).
    pub fn opcode(&self) -> u8 {
        match self {
            Operation::NamespacePreorder { .. } => b'*',
            Operation::NamespaceReveal { .. } => b'&',
            Operation::NamespaceReady => b'!',
            Operation::NameImport { .. } => b';',
            Operation::NamePreorder { .. } => b'?',
            Operation::NameRegistration { .. } | Operation::NameRenewal { .. } => b':',
            Operation::NameUpdate => b'+',
            Operation::NameTransfer { .. } => b'>',
            Operation::NameRevoke => b'~',
            Operation::Announce => b'#',
        }
    }

    /// The operation's name as the spec writes it.
    pub fn name(&self) -> &'static str {
        match self {
            Operation::NamespacePreorder { .. } => "NAMESPACE_PREORDER",
            Operation::NamespaceReveal { .. } => "NAMESPACE_REVEAL",
            Operation::NamespaceReady => "NAMESPACE_READY",
            Operation::NameImport { .. } => "NAME_IMPORT",
            Operation::NamePreorder { .. } => "NAME_PREORDER",
            Operation::NameRegistration { .. } => "NAME_REGISTRATION",
            Operation::NameRenewal { .. } => "NAME_RENEWAL",
            Operation::NameUpdate => "NAME_UPDATE",
            Operation::NameTransfer { .. } => "NAME_TRANSFER",
            Operation::NameRevoke => "NAME_REVOKE",
            Operation::Announce => "ANNOUNCE",
        }
    }

    /// The price the op pays to its burn/fee output, if it has one.
    pub fn fee(&self) -> Option<Amount> {
        match self {
            Operation::NamespacePreorder { fee, .. }
            | Operation::NamePreorder { fee, .. }
            | Operation::NameRenewal { fee, .. } => Some(*fee),
            _ => None,
        }
    }

    /// Who pays: the sender alone, or owner plus payer.
    pub fn funding(&self) -> Funding {
        match self {
            Operation::NameRenewal { .. }
            | Operation::NameUpdate
            | Operation::NameTransfer { .. }
            | Operation::NameRevoke => Funding::OwnerAndPayer,
            _ => Funding::Sender,
        }
    }

    /// The indexer's output-count requirement (bns.md §9 table).
    /// "any" ops need at least the OP_RETURN.
    pub fn output_count_rule(&self) -> OutputCountRule {
        match self {
            Operation::NamePreorder { .. } | Operation::NamespaceReveal { .. } => {
                OutputCountRule::Exactly(3)
            }
            Operation::NamespacePreorder { .. } | Operation::NameImport { .. } => {
                OutputCountRule::AtLeast(3)
            }
            Operation::NameRenewal { .. } => OutputCountRule::AtLeast(4),
            Operation::NameRegistration { .. } | Operation::NameTransfer { .. } => {
                OutputCountRule::AtLeast(2)
            }
            Operation::NamespaceReady
            | Operation::NameUpdate
            | Operation::NameRevoke
            | Operation::Announce => OutputCountRule::AtLeast(1),
        }
    }

    /// Scripts of op-specific outputs that the indexer reads an address from;
    /// each must be P2PKH or P2SH.
    pub(crate) fn addressed_scripts(&self) -> Vec<(&'static str, &ScriptBuf)> {
        match self {
            Operation::NamespacePreorder { burn_script, .. }
            | Operation::NamePreorder { burn_script, .. } => vec![("burn", burn_script)],
            Operation::NamespaceReveal { revealer_script } => vec![("revealer", revealer_script)],
            Operation::NameImport {
                recipient_script, ..
            }
            | Operation::NameTransfer { recipient_script } => vec![("recipient", recipient_script)],
            Operation::NameRegistration { owner_script } => vec![("owner", owner_script)],
            Operation::NameRenewal {
                owner_script,
                burn_script,
                ..
            } => {
                vec![("owner", owner_script), ("burn", burn_script)]
            }
            Operation::NamespaceReady
            | Operation::NameUpdate
            | Operation::NameRevoke
            | Operation::Announce => Vec::new(),
        }
    }

    /// The output positions after the OP_RETURN, in order.
    pub(crate) fn slots(&self, params: &ChainParams) -> Vec<Slot> {
        let marker = |script: &ScriptBuf| {
            Slot::Fixed(TxOut {
                value: params.marker_value,
                script_pubkey: script.clone(),
            })
        };
        let pay = |script: &ScriptBuf, value: Amount| {
            Slot::Fixed(TxOut {
                value,
                script_pubkey: script.clone(),
            })
        };
        let optional = Slot::Change { required: false };
        match self {
            Operation::NamespacePreorder { burn_script, fee }
            | Operation::NamePreorder { burn_script, fee } => {
                vec![Slot::Change { required: true }, pay(burn_script, *fee)]
            }
            Operation::NamespaceReveal { revealer_script } => {
                vec![marker(revealer_script), Slot::Change { required: true }]
            }
            Operation::NamespaceReady | Operation::Announce => vec![optional],
            Operation::NameImport {
                recipient_script,
                zonefile_hash,
            } => vec![
                marker(recipient_script),
                marker(&zonefile_hash_script(zonefile_hash)),
                optional,
            ],
            Operation::NameRegistration { owner_script } => vec![marker(owner_script), optional],
            Operation::NameRenewal {
                owner_script,
                burn_script,
                fee,
            } => vec![
                marker(owner_script),
                Slot::OwnerChange,
                pay(burn_script, *fee),
                optional,
            ],
            Operation::NameUpdate | Operation::NameRevoke => vec![Slot::OwnerChange, optional],
            Operation::NameTransfer { recipient_script } => {
                vec![marker(recipient_script), Slot::OwnerChange, optional]
            }
        }
    }
}

/// The output script that carries a NAME_IMPORT zone-file hash: a P2PKH
/// script whose key hash is the zone-file hash (bns.md §9.12, §12.8).
pub fn zonefile_hash_script(hash: &[u8; 20]) -> ScriptBuf {
    ScriptBuf::new_p2pkh(&PubkeyHash::from_byte_array(*hash))
}

/// `OP_RETURN <push payload>`, with a direct push up to 75 bytes and
/// `OP_PUSHDATA1` above (both read by the indexer, bns.md §5.2).
pub fn op_return_script(payload: &[u8]) -> Option<ScriptBuf> {
    let push = PushBytesBuf::try_from(payload.to_vec()).ok()?;
    Some(ScriptBuf::new_op_return(push))
}

/// Which party an input belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InputRole {
    /// The sender (owner, for two-party ops): input 0 is one of these.
    Sender,
    /// The payer of a two-party op.
    Payer,
}

/// What the signer and the checks need to know about one input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputInfo {
    /// The output being spent (script and value; BIP143 signs the value).
    pub prevout: TxOut,
    /// How its scriptSig will look, for size estimation.
    pub kind: InputKind,
    /// Whose input it is.
    pub role: InputRole,
}

/// An unsigned transaction produced by the builder, with what the signer
/// needs (previous outputs) and what the invariant checks compare against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsignedTx {
    pub(crate) tx: Transaction,
    pub(crate) inputs: Vec<InputInfo>,
    pub(crate) operation: Operation,
    pub(crate) payload: Vec<u8>,
    pub(crate) sender_script: ScriptBuf,
    pub(crate) payer_script: Option<ScriptBuf>,
    pub(crate) fee_rate: FeeRate,
}

impl UnsignedTx {
    /// Assembles an unsigned transaction **without** building or checking it.
    ///
    /// For tests and tools that need to feed arbitrary transactions to
    /// [`check_invariants`] or the signer; the builder never uses it.
    pub fn from_parts_unchecked(
        tx: Transaction,
        inputs: Vec<InputInfo>,
        operation: Operation,
        payload: Vec<u8>,
        sender_script: ScriptBuf,
        payer_script: Option<ScriptBuf>,
        fee_rate: FeeRate,
    ) -> Self {
        Self {
            tx,
            inputs,
            operation,
            payload,
            sender_script,
            payer_script,
            fee_rate,
        }
    }

    /// The transaction, with empty scriptSigs.
    pub fn transaction(&self) -> &Transaction {
        &self.tx
    }

    /// One entry per input, in input order.
    pub fn inputs(&self) -> &[InputInfo] {
        &self.inputs
    }

    /// The operation this transaction carries.
    pub fn operation(&self) -> &Operation {
        &self.operation
    }

    /// The OP_RETURN payload bytes.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Σ inputs − Σ outputs, or `None` if outputs exceed inputs.
    pub fn fee(&self) -> Option<Amount> {
        let inputs = self
            .inputs
            .iter()
            .try_fold(Amount::ZERO, |acc, i| acc.checked_add(i.prevout.value))?;
        let outputs = self
            .tx
            .output
            .iter()
            .try_fold(Amount::ZERO, |acc, o| acc.checked_add(o.value))?;
        inputs.checked_sub(outputs)
    }

    /// The estimated signed size in bytes.
    pub fn estimated_size(&self) -> usize {
        let kinds: Vec<InputKind> = self.inputs.iter().map(|i| i.kind).collect();
        estimate_tx_size(&self.tx, &kinds)
    }

    /// The change output (the funding party's), if the builder created one.
    pub fn change_output(&self, params: &ChainParams) -> Option<&TxOut> {
        let slots = self.operation.slots(params);
        (self.tx.output.len() == slots.len() + 1)
            .then(|| self.tx.output.last())
            .flatten()
    }

    /// Takes the transaction out.
    pub fn into_transaction(self) -> Transaction {
        self.tx
    }
}

/// A broken layout invariant: the builder made a transaction the indexer
/// would misread. Each variant names the offending value.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InvariantViolation {
    /// Not version 1 with locktime 0 (cli-wallet.md §c.7).
    #[error("transaction version {version} / locktime {lock_time} is not 1 / 0")]
    VersionOrLockTime {
        /// The version found.
        version: i32,
        /// The locktime found.
        lock_time: u32,
    },
    /// No inputs at all.
    #[error("transaction has no inputs")]
    NoInputs,
    /// Input metadata does not line up with the inputs.
    #[error("{inputs} inputs but {infos} input records")]
    InputInfoCount {
        /// Inputs in the transaction.
        inputs: usize,
        /// Records in `UnsignedTx::inputs`.
        infos: usize,
    },
    /// Input 0 does not spend the sender's script: the indexer would take
    /// someone else as the sender.
    #[error("input 0 spends {found}, not the sender's script {expected}")]
    InputZeroNotSender {
        /// The sender's script.
        expected: String,
        /// The script input 0 spends.
        found: String,
    },
    /// An input spends neither the sender's nor the payer's script.
    #[error("input {index} spends {script}, which belongs to no party")]
    ForeignInput {
        /// Input index.
        index: usize,
        /// The script spent.
        script: String,
    },
    /// An outpoint spent twice.
    #[error("outpoint {0} is spent twice")]
    DuplicateInput(String),
    /// Output 0 is not `OP_RETURN <payload>` with value 0.
    #[error("output 0 is not OP_RETURN of the payload with value 0")]
    OpReturnNotFirst,
    /// A second OP_RETURN output (the indexer reads the last one).
    #[error("output {0} is a second OP_RETURN")]
    ExtraOpReturn(usize),
    /// The payload exceeds 80 bytes.
    #[error("payload of {0} bytes exceeds {MAX_PAYLOAD_LEN}")]
    PayloadTooLong(usize),
    /// Output count outside what the layout or the indexer allows.
    #[error("{op} has {count} outputs; layout expects {expected}")]
    OutputCount {
        /// Operation name.
        op: &'static str,
        /// Outputs found.
        count: usize,
        /// What was expected, in words.
        expected: String,
    },
    /// An op-specific output differs from the operation's.
    #[error("output {index} is {found_value} to {found_script}, expected {expected_value} to {expected_script}")]
    WrongOutput {
        /// Output index.
        index: usize,
        /// Expected script (hex).
        expected_script: String,
        /// Expected value.
        expected_value: Amount,
        /// Found script (hex).
        found_script: String,
        /// Found value.
        found_value: Amount,
    },
    /// The change output pays someone other than the funding party.
    #[error("change output {index} pays {found}, not the funding party {expected}")]
    ChangeScript {
        /// Output index.
        index: usize,
        /// The funding party's script.
        expected: String,
        /// The script found.
        found: String,
    },
    /// A non-OP_RETURN output below the dust limit.
    #[error("output {index} of {value} is below the dust limit {limit}")]
    DustOutput {
        /// Output index.
        index: usize,
        /// Its value.
        value: Amount,
        /// The chain's dust limit.
        limit: Amount,
    },
    /// Outputs exceed inputs.
    #[error("outputs {outputs} exceed inputs {inputs}")]
    ValueNotConserved {
        /// Σ inputs.
        inputs: Amount,
        /// Σ outputs.
        outputs: Amount,
    },
    /// The fee is below the fee rate or more than a dropped change output can explain.
    #[error("fee {fee} outside [{min}, {max}]")]
    FeeOutOfBounds {
        /// The fee paid.
        fee: Amount,
        /// Fee rate × estimated size.
        min: Amount,
        /// `min` + the cost of a change output + the dust limit.
        max: Amount,
    },
    /// Amount arithmetic overflowed.
    #[error("amount overflow while checking")]
    Overflow,
}

/// Checks every layout invariant of `unsigned` (module docs): input 0 is the
/// sender, output 0 is the only OP_RETURN and carries the payload, the op's
/// outputs sit at their indices with their values, value is conserved and
/// the fee lies within `[rate × size, rate × size + change cost + dust]`.
pub fn check_invariants(
    unsigned: &UnsignedTx,
    params: &ChainParams,
) -> Result<(), InvariantViolation> {
    use InvariantViolation as V;
    let tx = &unsigned.tx;
    let hex = |s: &ScriptBuf| s.to_hex_string();

    if tx.version != bitcoin::transaction::Version::ONE || tx.lock_time.to_consensus_u32() != 0 {
        return Err(V::VersionOrLockTime {
            version: tx.version.0,
            lock_time: tx.lock_time.to_consensus_u32(),
        });
    }

    // Inputs.
    if tx.input.len() != unsigned.inputs.len() {
        return Err(V::InputInfoCount {
            inputs: tx.input.len(),
            infos: unsigned.inputs.len(),
        });
    }
    let first = unsigned.inputs.first().ok_or(V::NoInputs)?;
    if first.prevout.script_pubkey != unsigned.sender_script {
        return Err(V::InputZeroNotSender {
            expected: hex(&unsigned.sender_script),
            found: hex(&first.prevout.script_pubkey),
        });
    }
    let mut seen = HashSet::with_capacity(tx.input.len());
    for (index, (txin, info)) in tx.input.iter().zip(&unsigned.inputs).enumerate() {
        if !seen.insert(txin.previous_output) {
            return Err(V::DuplicateInput(txin.previous_output.to_string()));
        }
        let script = &info.prevout.script_pubkey;
        let party =
            *script == unsigned.sender_script || unsigned.payer_script.as_ref() == Some(script);
        if !party {
            return Err(V::ForeignInput {
                index,
                script: hex(script),
            });
        }
    }

    // Output 0 and the single-OP_RETURN rule.
    if unsigned.payload.len() > MAX_PAYLOAD_LEN {
        return Err(V::PayloadTooLong(unsigned.payload.len()));
    }
    let expected_op_return = op_return_script(&unsigned.payload).ok_or(V::OpReturnNotFirst)?;
    match tx.output.first() {
        Some(out) if out.script_pubkey == expected_op_return && out.value == Amount::ZERO => {}
        _ => return Err(V::OpReturnNotFirst),
    }
    if let Some(index) = tx
        .output
        .iter()
        .skip(1)
        .position(|o| o.script_pubkey.is_op_return())
    {
        return Err(V::ExtraOpReturn(index + 1));
    }

    // Output count: the layout's, and independently the indexer's rule.
    let slots = unsigned.operation.slots(params);
    let optional_change = matches!(slots.last(), Some(Slot::Change { required: false }));
    let full = slots.len() + 1;
    let count = tx.output.len();
    let layout_ok = count == full || (optional_change && count + 1 == full);
    let rule = unsigned.operation.output_count_rule();
    if !layout_ok || !rule.allows(count) {
        let expected = if optional_change {
            format!("{} or {} ({rule:?})", full - 1, full)
        } else {
            format!("{full} ({rule:?})")
        };
        return Err(V::OutputCount {
            op: unsigned.operation.name(),
            count,
            expected,
        });
    }

    // Op-specific outputs, owner change and change.
    let owner_total = unsigned
        .inputs
        .iter()
        .filter(|i| i.role == InputRole::Sender)
        .try_fold(Amount::ZERO, |acc, i| acc.checked_add(i.prevout.value))
        .ok_or(V::Overflow)?;
    let change_script = match unsigned.operation.funding() {
        Funding::Sender => &unsigned.sender_script,
        Funding::OwnerAndPayer => unsigned
            .payer_script
            .as_ref()
            .unwrap_or(&unsigned.sender_script),
    };
    let mut change_len = None;
    for (slot, (index, out)) in slots.iter().zip(tx.output.iter().enumerate().skip(1)) {
        let expected = match slot {
            Slot::Fixed(txout) => Some(txout.clone()),
            Slot::OwnerChange => Some(TxOut {
                value: owner_total.max(params.dust_limit),
                script_pubkey: unsigned.sender_script.clone(),
            }),
            Slot::Change { .. } => {
                if out.script_pubkey != *change_script {
                    return Err(V::ChangeScript {
                        index,
                        expected: hex(change_script),
                        found: hex(&out.script_pubkey),
                    });
                }
                None
            }
        };
        if let Some(expected) = expected {
            if *out != expected {
                return Err(V::WrongOutput {
                    index,
                    expected_script: hex(&expected.script_pubkey),
                    expected_value: expected.value,
                    found_script: hex(&out.script_pubkey),
                    found_value: out.value,
                });
            }
        }
        if out.value < params.dust_limit {
            return Err(V::DustOutput {
                index,
                value: out.value,
                limit: params.dust_limit,
            });
        }
        if matches!(slot, Slot::Change { .. }) {
            change_len = Some(out.script_pubkey.len());
        }
    }

    // Value conservation and fee bounds.
    let inputs = unsigned
        .inputs
        .iter()
        .try_fold(Amount::ZERO, |acc, i| acc.checked_add(i.prevout.value))
        .ok_or(V::Overflow)?;
    let outputs = tx
        .output
        .iter()
        .try_fold(Amount::ZERO, |acc, o| acc.checked_add(o.value))
        .ok_or(V::Overflow)?;
    let fee = inputs
        .checked_sub(outputs)
        .ok_or(V::ValueNotConserved { inputs, outputs })?;
    let min = fee_for_size(unsigned.fee_rate, unsigned.estimated_size()).ok_or(V::Overflow)?;
    let slack = match change_len {
        Some(_) => Amount::ZERO,
        None => fee_for_size(unsigned.fee_rate, output_len(change_script.len()))
            .and_then(|c| c.checked_add(params.dust_limit))
            .ok_or(V::Overflow)?,
    };
    let max = min.checked_add(slack).ok_or(V::Overflow)?;
    if fee < min || fee > max {
        return Err(V::FeeOutOfBounds { fee, min, max });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! Each invariant, made to fire on a transaction the builder would never
    //! produce (assembled with `UnsignedTx::from_parts_unchecked`).

    use super::*;
    use crate::builder::tests::{all_ops, label_key, params, request, utxo};
    use crate::builder::TransactionBuilder;
    use bitcoin::OutPoint;

    /// A valid NAME_TRANSFER (owner A, payer B, two owner UTXOs).
    fn transfer() -> UnsignedTx {
        let op = all_ops()[8].clone();
        let req = request(
            op,
            vec![utxo(1, 5500), utxo(2, 6000)],
            vec![utxo(9, 1_000_000)],
        );
        TransactionBuilder::new(params())
            .build(&req)
            .expect("valid transfer")
    }

    fn violation(mutate: impl FnOnce(&mut UnsignedTx)) -> InvariantViolation {
        let mut tx = transfer();
        mutate(&mut tx);
        let rebuilt = UnsignedTx::from_parts_unchecked(
            tx.tx,
            tx.inputs,
            tx.operation,
            tx.payload,
            tx.sender_script,
            tx.payer_script,
            tx.fee_rate,
        );
        check_invariants(&rebuilt, &params()).expect_err("must fire")
    }

    fn change_index(tx: &UnsignedTx) -> usize {
        tx.tx.output.len() - 1
    }

    #[test]
    fn the_unmodified_transaction_passes() {
        check_invariants(&transfer(), &params()).expect("valid");
    }

    #[test]
    fn version_and_locktime_fire() {
        let v = violation(|t| t.tx.version = bitcoin::transaction::Version::TWO);
        assert!(matches!(
            v,
            InvariantViolation::VersionOrLockTime { version: 2, .. }
        ));
        let v = violation(|t| t.tx.lock_time = bitcoin::absolute::LockTime::from_consensus(5));
        assert!(matches!(
            v,
            InvariantViolation::VersionOrLockTime { lock_time: 5, .. }
        ));
    }

    #[test]
    fn input_invariants_fire() {
        let v = violation(|t| {
            t.tx.input.clear();
            t.inputs.clear();
        });
        assert_eq!(v, InvariantViolation::NoInputs);
        let v = violation(|t| {
            t.inputs.pop();
        });
        assert_eq!(
            v,
            InvariantViolation::InputInfoCount {
                inputs: 3,
                infos: 2
            }
        );
        // A payer input moved to position 0: the indexer would see B as the sender.
        let v = violation(|t| {
            t.tx.input.rotate_right(1);
            t.inputs.rotate_right(1);
        });
        assert!(matches!(v, InvariantViolation::InputZeroNotSender { .. }));
        let v =
            violation(|t| t.inputs[1].prevout.script_pubkey = label_key("mallory").script_pubkey());
        assert!(matches!(
            v,
            InvariantViolation::ForeignInput { index: 1, .. }
        ));
        let v = violation(|t| t.tx.input[1].previous_output = t.tx.input[0].previous_output);
        assert!(matches!(v, InvariantViolation::DuplicateInput(_)));
    }

    #[test]
    fn op_return_invariants_fire() {
        let v = violation(|t| t.tx.output.swap(0, 1));
        assert_eq!(v, InvariantViolation::OpReturnNotFirst);
        let v = violation(|t| t.tx.output[0].value = Amount::from_sat(1));
        assert_eq!(v, InvariantViolation::OpReturnNotFirst);
        let v = violation(|t| t.payload.push(0));
        assert_eq!(v, InvariantViolation::OpReturnNotFirst);
        let v = violation(|t| {
            let extra = t.tx.output[0].clone();
            t.tx.output.insert(1, extra);
        });
        assert_eq!(v, InvariantViolation::ExtraOpReturn(1));
        let v = violation(|t| t.payload = vec![b'i'; 81]);
        assert_eq!(v, InvariantViolation::PayloadTooLong(81));
    }

    #[test]
    fn output_count_fires() {
        let v = violation(|t| {
            let extra = t.tx.output[1].clone();
            t.tx.output.push(extra);
        });
        assert!(matches!(
            v,
            InvariantViolation::OutputCount {
                op: "NAME_TRANSFER",
                count: 5,
                ..
            }
        ));
        let v = violation(|t| {
            t.tx.output.truncate(2);
        });
        assert!(matches!(
            v,
            InvariantViolation::OutputCount { count: 2, .. }
        ));
    }

    #[test]
    fn output_content_invariants_fire() {
        let v = violation(|t| t.tx.output[1].script_pubkey = label_key("mallory").script_pubkey());
        assert!(matches!(
            v,
            InvariantViolation::WrongOutput { index: 1, .. }
        ));
        let v = violation(|t| t.tx.output[1].value = Amount::from_sat(5501));
        assert!(matches!(
            v,
            InvariantViolation::WrongOutput { index: 1, .. }
        ));
        // Owner change must return the owner's inputs exactly.
        let v = violation(|t| t.tx.output[2].value = Amount::from_sat(11_000));
        assert!(matches!(
            v,
            InvariantViolation::WrongOutput { index: 2, .. }
        ));
        let v = violation(|t| {
            let i = change_index(t);
            t.tx.output[i].script_pubkey = t.sender_script.clone();
        });
        assert!(matches!(
            v,
            InvariantViolation::ChangeScript { index: 3, .. }
        ));
        let v = violation(|t| {
            let i = change_index(t);
            t.tx.output[i].value = Amount::from_sat(545);
        });
        assert!(matches!(v, InvariantViolation::DustOutput { index: 3, .. }));
    }

    #[test]
    fn value_and_fee_invariants_fire() {
        let v = violation(|t| {
            let i = change_index(t);
            t.tx.output[i].value = Amount::from_sat(2_000_000);
        });
        assert!(matches!(v, InvariantViolation::ValueNotConserved { .. }));
        // One satoshi more change: the fee drops below rate × size.
        let v = violation(|t| {
            let i = change_index(t);
            t.tx.output[i].value += Amount::from_sat(1);
        });
        assert!(matches!(v, InvariantViolation::FeeOutOfBounds { .. }));
        // Change present but smaller: overpaying is not allowed either.
        let v = violation(|t| {
            let i = change_index(t);
            t.tx.output[i].value -= Amount::from_sat(1);
        });
        assert!(matches!(v, InvariantViolation::FeeOutOfBounds { .. }));
        // Without change, the fee may exceed the minimum by at most a change
        // output's cost plus dust.
        let v = violation(|t| {
            t.tx.output.pop();
        });
        assert!(matches!(v, InvariantViolation::FeeOutOfBounds { .. }));
    }

    #[test]
    fn a_preorder_without_its_change_output_is_refused() {
        let op = all_ops()[4].clone();
        let req = request(op, vec![utxo(1, 10_000_000)], vec![]);
        let mut tx = TransactionBuilder::new(params())
            .build(&req)
            .expect("valid");
        tx.tx.output.remove(1);
        assert!(matches!(
            check_invariants(&tx, &params()),
            Err(InvariantViolation::OutputCount {
                op: "NAME_PREORDER",
                count: 2,
                ..
            })
        ));
    }

    #[test]
    fn unknown_outpoints_do_not_matter_but_order_does() {
        // Renumbering an outpoint keeps the layout valid.
        let mut tx = transfer();
        tx.tx.input[0].previous_output = OutPoint::null();
        check_invariants(&tx, &params()).expect("still valid");
    }
}
