//! A plain payment out of a wallet key (the original's `withdraw`,
//! cli-wallet.md §a.4): largest UTXOs first, the amount to the recipient,
//! change back to the key, and an optional OP_RETURN message of at most 40
//! bytes. No amount sweeps every UTXO.

use bitcoin::absolute::LockTime;
use bitcoin::transaction::Version;
use bitcoin::{Amount, FeeRate, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Witness};
use blockstack_wallet::coin_selection::largest_first;
use blockstack_wallet::layout::op_return_script;
use blockstack_wallet::size::{estimate_size, fee_for_size};
use blockstack_wallet::{BuildError, Keyring};

use super::{ComposeError, Composed, Composer, Funding};

/// Longest OP_RETURN message a withdrawal may carry.
pub const MAX_MESSAGE_LEN: usize = 40;

impl Composer {
    /// Pays `amount` (or everything, when `None`) from `payer` to `recipient`.
    pub fn withdraw(
        &self,
        payer: Funding<'_>,
        recipient: &ScriptBuf,
        amount: Option<Amount>,
        message: Option<&[u8]>,
        fee_rate: FeeRate,
    ) -> Result<Composed, ComposeError> {
        self.address_of("recipient", recipient)?;
        let message_script = match message {
            Some(m) if m.len() > MAX_MESSAGE_LEN => {
                return Err(ComposeError::Withdraw(format!(
                    "message of {} bytes is longer than {MAX_MESSAGE_LEN}",
                    m.len()
                )))
            }
            Some(m) => Some(op_return_script(m).ok_or_else(|| {
                ComposeError::Withdraw("message cannot be put in an OP_RETURN".into())
            })?),
            None => None,
        };
        let sorted = largest_first(payer.utxos);
        if sorted.is_empty() {
            return Err(BuildError::NoUtxos { party: "payer" }.into());
        }
        let kind = payer.key.input_kind();
        let change_script = payer.key.script_pubkey();
        let dust = self.params().dust_limit;
        let fee_of = |inputs: usize, change: bool| -> Result<Amount, ComposeError> {
            let mut lens = vec![recipient.len()];
            if change {
                lens.push(change_script.len());
            }
            if let Some(s) = &message_script {
                lens.push(s.len());
            }
            fee_for_size(fee_rate, estimate_size(&vec![kind; inputs], &lens))
                .ok_or(ComposeError::Build(BuildError::Overflow))
        };
        let total: Amount = sorted.iter().map(|u| u.value).sum();

        // (inputs used, amount sent, change)
        let plan = match amount {
            None => {
                let fee = fee_of(sorted.len(), false)?;
                let send = total.checked_sub(fee).filter(|s| *s >= dust).ok_or(
                    BuildError::InsufficientFunds {
                        needed: fee + dust,
                        available: total,
                        short: (fee + dust).checked_sub(total).unwrap_or(Amount::ZERO),
                    },
                )?;
                (sorted.len(), send, Amount::ZERO)
            }
            Some(amount) => {
                if amount < dust {
                    return Err(ComposeError::Withdraw(format!(
                        "amount {amount} is below the dust limit {dust}"
                    )));
                }
                let mut found = None;
                let mut sum = Amount::ZERO;
                let mut needed = amount;
                for (i, utxo) in sorted.iter().enumerate() {
                    sum += utxo.value;
                    let with_change = fee_of(i + 1, true)?;
                    needed = amount + with_change;
                    if let Some(change) = sum.checked_sub(amount + with_change) {
                        if change >= dust {
                            found = Some((i + 1, amount, change));
                            break;
                        }
                    }
                    if sum >= amount + fee_of(i + 1, false)? {
                        found = Some((i + 1, amount, Amount::ZERO));
                        break;
                    }
                }
                found.ok_or(BuildError::InsufficientFunds {
                    needed,
                    available: total,
                    short: needed.checked_sub(total).unwrap_or(Amount::ZERO),
                })?
            }
        };
        let (count, send, change) = plan;
        let inputs = sorted.get(..count).unwrap_or_default();
        let mut output = vec![TxOut {
            value: send,
            script_pubkey: recipient.clone(),
        }];
        if change > Amount::ZERO {
            output.push(TxOut {
                value: change,
                script_pubkey: change_script.clone(),
            });
        }
        if let Some(s) = message_script {
            output.push(TxOut {
                value: Amount::ZERO,
                script_pubkey: s,
            });
        }
        let tx = Transaction {
            version: Version::ONE,
            lock_time: LockTime::ZERO,
            input: inputs
                .iter()
                .map(|u| TxIn {
                    previous_output: u.outpoint,
                    script_sig: ScriptBuf::new(),
                    sequence: Sequence::MAX,
                    witness: Witness::new(),
                })
                .collect(),
            output,
        };
        let prevouts: Vec<TxOut> = inputs
            .iter()
            .map(|u| TxOut {
                value: u.value,
                script_pubkey: change_script.clone(),
            })
            .collect();
        let spent: Amount = inputs.iter().map(|u| u.value).sum();
        let paid: Amount = tx.output.iter().map(|o| o.value).sum();
        let keyring = Keyring::new(self.signer.secp(), &[payer.key]);
        let signed = self.signer.sign_transaction(&tx, &prevouts, &keyring)?;
        if !signed.is_complete() {
            return Err(ComposeError::Unsigned(signed.unsigned_inputs().to_vec()));
        }
        Ok(Composed {
            tx: signed.into_transaction(),
            fee: spent.checked_sub(paid).unwrap_or(Amount::ZERO),
        })
    }
}
