//! The coins of every wallet of a world, tracked from the transactions the world itself sends.
//!
//! The chain's own UTXO queries see confirmed outputs only, but the original's scenarios send
//! several operations from one wallet in one block. So each sent transaction updates this book
//! at once: its inputs are spent, its outputs to known scripts become spendable, and a
//! wallet's transactions in one block form a chain in the mempool.

use std::collections::HashMap;

use bitcoin::{Amount, OutPoint, ScriptBuf, Transaction};
use blockstack_wallet::Utxo;

/// Unspent outputs by the script they pay.
#[derive(Debug, Default)]
pub struct UtxoBook {
    coins: HashMap<ScriptBuf, Vec<Utxo>>,
}

impl UtxoBook {
    /// Starts tracking `script` (outputs to untracked scripts are ignored).
    pub fn watch(&mut self, script: &ScriptBuf) {
        self.coins.entry(script.clone()).or_default();
    }

    /// Adds one output that `script` can spend (a coinbase, for example).
    pub fn add(&mut self, script: &ScriptBuf, utxo: Utxo) {
        self.coins.entry(script.clone()).or_default().push(utxo);
    }

    /// Records a sent transaction: its inputs are spent, its outputs to watched scripts added.
    pub fn track(&mut self, tx: &Transaction) {
        for input in &tx.input {
            for list in self.coins.values_mut() {
                list.retain(|u| u.outpoint != input.previous_output);
            }
        }
        let txid = tx.compute_txid();
        for (vout, out) in tx.output.iter().enumerate() {
            if out.value == Amount::ZERO {
                continue;
            }
            if let Some(list) = self.coins.get_mut(&out.script_pubkey) {
                list.push(Utxo {
                    outpoint: OutPoint {
                        txid,
                        vout: u32::try_from(vout).unwrap_or(u32::MAX),
                    },
                    value: out.value,
                });
            }
        }
    }

    /// The unspent outputs of `script`, oldest first.
    pub fn utxos(&self, script: &ScriptBuf) -> Vec<Utxo> {
        self.coins.get(script).cloned().unwrap_or_default()
    }

    /// What `script` holds.
    pub fn balance(&self, script: &ScriptBuf) -> Amount {
        self.utxos(script).iter().map(|u| u.value).sum()
    }
}

#[cfg(test)]
mod tests {
    use bitcoin::hashes::Hash;
    use bitcoin::{PubkeyHash, Sequence, TxIn, TxOut, Txid, Witness};

    use super::*;

    fn script(byte: u8) -> ScriptBuf {
        ScriptBuf::new_p2pkh(&PubkeyHash::from_byte_array([byte; 20]))
    }

    #[test]
    fn a_sent_transaction_spends_its_inputs_and_pays_watched_scripts() {
        let (a, b, stranger) = (script(1), script(2), script(3));
        let mut book = UtxoBook::default();
        book.watch(&b);
        let coin = OutPoint {
            txid: Txid::all_zeros(),
            vout: 0,
        };
        book.add(
            &a,
            Utxo {
                outpoint: coin,
                value: Amount::from_sat(1000),
            },
        );
        let tx = Transaction {
            version: bitcoin::transaction::Version::ONE,
            lock_time: bitcoin::absolute::LockTime::ZERO,
            input: vec![TxIn {
                previous_output: coin,
                script_sig: ScriptBuf::new(),
                sequence: Sequence::MAX,
                witness: Witness::new(),
            }],
            output: vec![
                TxOut {
                    value: Amount::from_sat(600),
                    script_pubkey: b.clone(),
                },
                TxOut {
                    value: Amount::from_sat(300),
                    script_pubkey: stranger.clone(),
                },
                TxOut {
                    value: Amount::from_sat(50),
                    script_pubkey: a.clone(),
                },
            ],
        };
        book.track(&tx);
        assert_eq!(book.balance(&a), Amount::from_sat(50));
        assert_eq!(book.balance(&b), Amount::from_sat(600));
        assert_eq!(book.balance(&stranger), Amount::ZERO);
        assert_eq!(book.utxos(&b)[0].outpoint.vout, 0);
    }
}
