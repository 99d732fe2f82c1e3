//! The pure BNS transaction builder.
//!
//! Building a name-operation transaction is easy to get subtly wrong: the
//! indexer reads the sender from input 0's previous output and every other
//! field from fixed output indices, so an extra output, a reordered change
//! output or a payer input in position 0 silently turns a paid-for operation
//! into an ignored one. This module builds such transactions from:
//!
//! * the [`Operation`] with its op-specific outputs (recipient, price and burn
//!   destination, zone-file hash) — see [`crate::layout`] for every layout;
//! * the OP_RETURN payload bytes, already encoded by the caller (≤ 80 bytes,
//!   starting `id` and the op's opcode byte);
//! * the sender's UTXOs and, for update/transfer/renewal/revoke, the payer's;
//! * a fee rate.
//!
//! It returns an [`UnsignedTx`] (inputs with empty scriptSigs plus the
//! previous outputs the signer needs). It never touches the network, keys or
//! the clock.
//!
//! Fees are `ceil(rate × estimated signed size)` ([`crate::size`]). Coin
//! selection is largest-first ([`crate::coin_selection`]), re-estimating the
//! fee for each input count. Change smaller than the chain's dust limit is not
//! created; it becomes fee — except where the indexer needs the change output
//! to exist (NAME_PREORDER, NAMESPACE_PREORDER, NAMESPACE_REVEAL), where the
//! builder keeps adding inputs until the change reaches the dust limit.
//!
//! The original additionally budgets a fixed "dust fee" of
//! `(inputs + k) · 5500 + 10000` sat per transaction (cli-wallet.md §c.5).
//! That is an estimate of the cost shown to users, not a layout rule, so the
//! builder pays the fee rate only; callers quoting prices may add it.
//!
//! Every build ends with [`check_invariants`]; a violation is returned as
//! [`BuildError::Invariant`] instead of a transaction, and each check has a
//! test that makes it fire.

use bitcoin::absolute::LockTime;
use bitcoin::transaction::Version;
use bitcoin::{Amount, FeeRate, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Witness};

use crate::coin_selection::{largest_first, select_prefix, Attempt, Utxo};
use crate::layout::{
    check_invariants, op_return_script, Funding, InputInfo, InputRole, InvariantViolation,
    Operation, Slot, UnsignedTx, MAGIC, MAX_PAYLOAD_LEN,
};
use crate::params::ChainParams;
use crate::size::{estimate_size, fee_for_size, InputKind};

/// A script a party spends from, and how its inputs are shaped once signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spender {
    /// The party's output script (P2PKH or P2SH).
    pub script_pubkey: ScriptBuf,
    /// The shape of its scriptSigs, for fee estimation.
    pub input_kind: InputKind,
}

/// A party and the UTXOs it offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Funds {
    /// Whose UTXOs these are.
    pub spender: Spender,
    /// The UTXOs, all paying `spender.script_pubkey`.
    pub utxos: Vec<Utxo>,
}

/// Everything the builder needs for one transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildRequest {
    /// The operation and its op-specific outputs.
    pub operation: Operation,
    /// The full OP_RETURN data: `id`, the opcode byte, the op payload.
    pub payload: Vec<u8>,
    /// The sender: the payer of preorders/registrations/namespace ops, the
    /// owner of update/transfer/renewal/revoke. Input 0 spends one of these.
    pub sender: Funds,
    /// The payer of a two-party op (update/transfer/renewal/revoke). Must be
    /// `None` for the other ops, which the sender pays for itself.
    pub payer: Option<Funds>,
    /// The fee rate to pay on the estimated signed size.
    pub fee_rate: FeeRate,
}

/// Why a transaction could not be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BuildError {
    /// The payload exceeds 80 bytes.
    #[error("payload of {len} bytes exceeds {MAX_PAYLOAD_LEN}")]
    PayloadTooLong {
        /// Its length.
        len: usize,
    },
    /// The payload does not start with the `id` magic.
    #[error("payload does not start with the magic \"id\"")]
    PayloadMagic,
    /// The payload's opcode byte is not the operation's.
    #[error("payload opcode {found:?} does not match {op} ({expected:?})")]
    PayloadOpcode {
        /// The operation.
        op: &'static str,
        /// Its opcode character.
        expected: char,
        /// The byte found, as a character.
        found: char,
    },
    /// The funding party has no UTXOs.
    #[error("the {party} has no UTXOs")]
    NoUtxos {
        /// `"sender"`, `"owner"` or `"payer"`.
        party: &'static str,
    },
    /// Not enough value to pay outputs and fee.
    #[error("insufficient funds: need {needed}, have {available} ({short} short)")]
    InsufficientFunds {
        /// Σ required outputs + fee (+ minimum change where change is required).
        needed: Amount,
        /// Σ of the spendable UTXOs offered.
        available: Amount,
        /// How much more is needed.
        short: Amount,
    },
    /// A two-party op without a payer.
    #[error("{op} needs a payer besides the owner")]
    MissingPayer {
        /// The operation.
        op: &'static str,
    },
    /// A payer given for an op the sender pays itself.
    #[error("{op} is paid by its sender; no separate payer is used")]
    UnexpectedPayer {
        /// The operation.
        op: &'static str,
    },
    /// A script the indexer cannot read an address from (bns.md §2.6).
    #[error("{role} script {script} is neither P2PKH nor P2SH")]
    NonStandardScript {
        /// Which script.
        role: &'static str,
        /// Its hex.
        script: String,
    },
    /// A spender whose input kind does not fit its script.
    #[error("{party} script {script} does not match input kind {kind:?}")]
    KindMismatch {
        /// Which party.
        party: &'static str,
        /// Its script hex.
        script: String,
        /// The declared kind.
        kind: InputKind,
    },
    /// NAME_IMPORT needs a P2PKH importer: the indexer requires its public key.
    #[error("NAME_IMPORT must be sent from a P2PKH key (found {script})")]
    ImporterNotP2pkh {
        /// The importer's script hex.
        script: String,
    },
    /// An output the caller asked for is below the dust limit.
    #[error("{role} output of {value} is below the dust limit {limit}")]
    DustOutput {
        /// Which output.
        role: &'static str,
        /// Its value.
        value: Amount,
        /// The dust limit.
        limit: Amount,
    },
    /// The same outpoint was offered twice.
    #[error("outpoint {0} offered twice")]
    DuplicateUtxo(String),
    /// Amount arithmetic overflowed.
    #[error("amount overflow")]
    Overflow,
    /// The built transaction broke a layout invariant (a builder bug).
    #[error("built transaction breaks a layout invariant: {0}")]
    Invariant(#[from] InvariantViolation),
}

/// Builds BNS transactions for one chain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TransactionBuilder {
    params: ChainParams,
}

/// The result of funding one candidate input set.
struct Funded {
    change: Option<Amount>,
}

impl TransactionBuilder {
    /// A builder for `params`.
    pub fn new(params: ChainParams) -> Self {
        Self { params }
    }

    /// The chain parameters in use.
    pub fn params(&self) -> &ChainParams {
        &self.params
    }

    /// Builds the unsigned transaction for `request` (module docs).
    pub fn build(&self, request: &BuildRequest) -> Result<UnsignedTx, BuildError> {
        let op = &request.operation;
        self.check_request(request)?;

        // Fixed inputs (the owner's, all of them) and the pool coin selection draws from.
        let (fixed, pool) = match (op.funding(), &request.payer) {
            (Funding::Sender, None) => (None, &request.sender),
            (Funding::Sender, Some(_)) => {
                return Err(BuildError::UnexpectedPayer { op: op.name() })
            }
            (Funding::OwnerAndPayer, Some(payer)) => (Some(&request.sender), payer),
            (Funding::OwnerAndPayer, None) => {
                return Err(BuildError::MissingPayer { op: op.name() })
            }
        };
        if let Some(owner) = fixed {
            if owner.utxos.is_empty() {
                return Err(BuildError::NoUtxos { party: "owner" });
            }
        }
        if pool.utxos.is_empty() {
            let party = if fixed.is_some() { "payer" } else { "sender" };
            return Err(BuildError::NoUtxos { party });
        }
        check_unique(
            fixed.map(|f| f.utxos.as_slice()).unwrap_or(&[]),
            &pool.utxos,
        )?;

        let op_return = op_return_script(&request.payload).ok_or(BuildError::PayloadTooLong {
            len: request.payload.len(),
        })?;
        let owner_total = sum(fixed.map(|f| f.utxos.as_slice()).unwrap_or(&[]))?;
        let owner_change = owner_total.max(self.params.dust_limit);

        // Outputs in order, with the change slot left open.
        let slots = op.slots(&self.params);
        let change_required = slots
            .iter()
            .any(|s| matches!(s, Slot::Change { required: true }));
        let mut fixed_out = Amount::ZERO;
        let mut script_lens_without = vec![op_return.len()];
        for slot in &slots {
            match slot {
                Slot::Fixed(out) => {
                    fixed_out = fixed_out
                        .checked_add(out.value)
                        .ok_or(BuildError::Overflow)?;
                    script_lens_without.push(out.script_pubkey.len());
                }
                Slot::OwnerChange => {
                    fixed_out = fixed_out
                        .checked_add(owner_change)
                        .ok_or(BuildError::Overflow)?;
                    script_lens_without.push(request.sender.spender.script_pubkey.len());
                }
                Slot::Change { .. } => {}
            }
        }
        // Sizes do not depend on output order, so the change script can go last.
        let mut script_lens_with = script_lens_without.clone();
        script_lens_with.push(pool.spender.script_pubkey.len());

        let fixed_kinds: Vec<InputKind> = fixed
            .map(|f| vec![f.spender.input_kind; f.utxos.len()])
            .unwrap_or_default();
        let rate = request.fee_rate;
        let dust = self.params.dust_limit;
        let sorted = largest_first(&pool.utxos);
        let input_cost =
            fee_for_size(rate, pool.spender.input_kind.input_len()).ok_or(BuildError::Overflow)?;

        let mut kinds = fixed_kinds.clone();
        let mut overflow = false;
        let selection = select_prefix(&sorted, input_cost, |prefix| {
            kinds.truncate(fixed_kinds.len());
            kinds.extend(std::iter::repeat_n(pool.spender.input_kind, prefix.len()));
            let candidate = Candidate {
                owner_total,
                fixed_out,
                kinds: &kinds,
                lens_with_change: &script_lens_with,
                lens_without_change: &script_lens_without,
                rate,
                dust,
                change_required,
            };
            match candidate.fund(prefix) {
                Some(attempt) => attempt,
                None => {
                    overflow = true;
                    Attempt::Short(Amount::MAX_MONEY)
                }
            }
        });
        if overflow {
            return Err(BuildError::Overflow);
        }
        let (funded, used) = match selection {
            Ok(found) => found,
            Err(short) => {
                let available = owner_total
                    .checked_add(sum(&pool.utxos)?)
                    .ok_or(BuildError::Overflow)?;
                return Err(BuildError::InsufficientFunds {
                    needed: available.checked_add(short).ok_or(BuildError::Overflow)?,
                    available,
                    short,
                });
            }
        };
        let selected = sorted.get(..used).unwrap_or(&[]);

        // Assemble.
        let mut inputs = Vec::new();
        let mut infos = Vec::new();
        let mut push_input = |utxo: &Utxo, spender: &Spender, role: InputRole| {
            inputs.push(TxIn {
                previous_output: utxo.outpoint,
                script_sig: ScriptBuf::new(),
                sequence: Sequence::MAX,
                witness: Witness::new(),
            });
            infos.push(InputInfo {
                prevout: TxOut {
                    value: utxo.value,
                    script_pubkey: spender.script_pubkey.clone(),
                },
                kind: spender.input_kind,
                role,
            });
        };
        if let Some(owner) = fixed {
            for utxo in &owner.utxos {
                push_input(utxo, &owner.spender, InputRole::Sender);
            }
        }
        let pool_role = if fixed.is_some() {
            InputRole::Payer
        } else {
            InputRole::Sender
        };
        for utxo in selected {
            push_input(utxo, &pool.spender, pool_role);
        }

        let mut outputs = vec![TxOut {
            value: Amount::ZERO,
            script_pubkey: op_return,
        }];
        for slot in slots {
            match slot {
                Slot::Fixed(out) => outputs.push(out),
                Slot::OwnerChange => outputs.push(TxOut {
                    value: owner_change,
                    script_pubkey: request.sender.spender.script_pubkey.clone(),
                }),
                Slot::Change { .. } => {
                    if let Some(value) = funded.change {
                        outputs.push(TxOut {
                            value,
                            script_pubkey: pool.spender.script_pubkey.clone(),
                        });
                    }
                }
            }
        }

        let unsigned = UnsignedTx {
            tx: Transaction {
                version: Version::ONE,
                lock_time: LockTime::ZERO,
                input: inputs,
                output: outputs,
            },
            inputs: infos,
            operation: op.clone(),
            payload: request.payload.clone(),
            sender_script: request.sender.spender.script_pubkey.clone(),
            payer_script: fixed.map(|_| pool.spender.script_pubkey.clone()),
            fee_rate: rate,
        };
        check_invariants(&unsigned, &self.params)?;
        Ok(unsigned)
    }

    /// Request checks that do not depend on coin selection.
    fn check_request(&self, request: &BuildRequest) -> Result<(), BuildError> {
        let op = &request.operation;
        let payload = &request.payload;
        if payload.len() > MAX_PAYLOAD_LEN {
            return Err(BuildError::PayloadTooLong { len: payload.len() });
        }
        if payload.get(..2) != Some(MAGIC.as_slice()) {
            return Err(BuildError::PayloadMagic);
        }
        match payload.get(2) {
            Some(&byte) if byte == op.opcode() => {}
            found => {
                return Err(BuildError::PayloadOpcode {
                    op: op.name(),
                    expected: char::from(op.opcode()),
                    found: found.map_or('\0', |b| char::from(*b)),
                })
            }
        }
        let sender_party = if op.funding() == Funding::OwnerAndPayer {
            "owner"
        } else {
            "sender"
        };
        check_spender(sender_party, &request.sender.spender)?;
        if let Some(payer) = &request.payer {
            check_spender("payer", &payer.spender)?;
        }
        if matches!(op, Operation::NameImport { .. })
            && !request.sender.spender.script_pubkey.is_p2pkh()
        {
            return Err(BuildError::ImporterNotP2pkh {
                script: request.sender.spender.script_pubkey.to_hex_string(),
            });
        }
        for (role, script) in op.addressed_scripts() {
            if !(script.is_p2pkh() || script.is_p2sh()) {
                return Err(BuildError::NonStandardScript {
                    role,
                    script: script.to_hex_string(),
                });
            }
        }
        let limit = self.params.dust_limit;
        if let Some(fee) = op.fee() {
            if fee < limit {
                return Err(BuildError::DustOutput {
                    role: "fee",
                    value: fee,
                    limit,
                });
            }
        }
        let has_marker = op
            .slots(&self.params)
            .iter()
            .any(|slot| matches!(slot, Slot::Fixed(out) if Some(out.value) != op.fee()));
        if has_marker && self.params.marker_value < limit {
            return Err(BuildError::DustOutput {
                role: "marker",
                value: self.params.marker_value,
                limit,
            });
        }
        Ok(())
    }
}

/// The fixed part of a transaction under construction, against which each
/// prefix of the sorted pool is tried.
struct Candidate<'a> {
    /// Σ owner inputs (zero for sender-funded ops).
    owner_total: Amount,
    /// Σ outputs other than change.
    fixed_out: Amount,
    /// Input kinds of the candidate, owner inputs first.
    kinds: &'a [InputKind],
    /// Output script lengths including a change output.
    lens_with_change: &'a [usize],
    /// Output script lengths without it.
    lens_without_change: &'a [usize],
    rate: FeeRate,
    dust: Amount,
    change_required: bool,
}

impl Candidate<'_> {
    /// `Funded` if the owner inputs plus `prefix` cover outputs and fee,
    /// `Short(x)` if `x` more is needed, `None` on overflow.
    fn fund(&self, prefix: &[Utxo]) -> Option<Attempt<Funded>> {
        let Candidate {
            owner_total,
            fixed_out,
            kinds,
            lens_with_change,
            lens_without_change,
            rate,
            dust,
            change_required,
        } = *self;
        let total_in = owner_total.checked_add(sum(prefix).ok()?)?;
        let fee_with = fee_for_size(rate, estimate_size(kinds, lens_with_change))?;
        let with_change_floor = fixed_out.checked_add(fee_with)?.checked_add(dust)?;
        if total_in >= with_change_floor {
            let change = total_in.checked_sub(fixed_out)?.checked_sub(fee_with)?;
            return Some(Attempt::Funded(Funded {
                change: Some(change),
            }));
        }
        if change_required {
            return Some(Attempt::Short(with_change_floor.checked_sub(total_in)?));
        }
        let fee_without = fee_for_size(rate, estimate_size(kinds, lens_without_change))?;
        let floor = fixed_out.checked_add(fee_without)?;
        if total_in >= floor {
            return Some(Attempt::Funded(Funded { change: None }));
        }
        Some(Attempt::Short(floor.checked_sub(total_in)?))
    }
}

fn sum(utxos: &[Utxo]) -> Result<Amount, BuildError> {
    utxos
        .iter()
        .try_fold(Amount::ZERO, |acc, u| acc.checked_add(u.value))
        .ok_or(BuildError::Overflow)
}

fn check_unique(a: &[Utxo], b: &[Utxo]) -> Result<(), BuildError> {
    let mut seen = std::collections::HashSet::with_capacity(a.len() + b.len());
    for utxo in a.iter().chain(b) {
        if !seen.insert(utxo.outpoint) {
            return Err(BuildError::DuplicateUtxo(utxo.outpoint.to_string()));
        }
    }
    Ok(())
}

fn check_spender(party: &'static str, spender: &Spender) -> Result<(), BuildError> {
    let script = &spender.script_pubkey;
    let fits = match spender.input_kind {
        InputKind::P2pkh { .. } => script.is_p2pkh(),
        InputKind::P2shMultisig { .. } => script.is_p2sh(),
    };
    if !(script.is_p2pkh() || script.is_p2sh()) {
        return Err(BuildError::NonStandardScript {
            role: party,
            script: script.to_hex_string(),
        });
    }
    if !fits {
        return Err(BuildError::KindMismatch {
            party,
            script: script.to_hex_string(),
            kind: spender.input_kind,
        });
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests;
