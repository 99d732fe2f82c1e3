//! The composer: one function per BNS operation that turns keys, their
//! UTXOs and the values gathered from the node (consensus hash, price, burn
//! script, fee rate) into a signed [`Transaction`]. Pure: no I/O.
//!
//! Payloads are encoded with the consensus crate's op codecs, laid out and
//! funded by the wallet's [`TransactionBuilder`] (bns.md §9, cli-wallet.md
//! §c.7) and signed by its [`Signer`]. Owner operations (update, transfer,
//! renewal, revoke) spend every owner UTXO and return it in full, while the
//! payment key pays the fees; the payment inputs are signed
//! `SIGHASH_ALL|ANYONECANPAY` as the original's subsidy scheme does.
//!
//! Every function re-parses the payload it encoded with the consensus
//! parser before building, so a value the indexer would ignore (an invalid
//! name, a reveal with a zero discount) is an error here instead of a paid
//! no-op on chain.

mod name;
mod namespace;
mod withdraw;

#[cfg(test)]
mod tests;

use bitcoin::hashes::Hash;
use bitcoin::{Amount, FeeRate, PubkeyHash, ScriptBuf, Transaction};
use blockstack_consensus::address::script_to_address;
use blockstack_consensus::AddressNetwork;
use blockstack_wallet::{
    BuildError, BuildRequest, ChainParams, Funds, KeyInfo, Operation, SignError, Signer,
    TransactionBuilder, Utxo,
};

pub use namespace::RevealParams;

/// A key and the UTXOs it offers to one transaction.
#[derive(Clone, Copy, Debug)]
pub struct Funding<'a> {
    /// The key that spends the UTXOs.
    pub key: &'a KeyInfo,
    /// The UTXOs, each paying the key's script.
    pub utxos: &'a [Utxo],
}

impl<'a> Funding<'a> {
    /// `utxos` spent by `key`.
    pub fn new(key: &'a KeyInfo, utxos: &'a [Utxo]) -> Self {
        Self { key, utxos }
    }

    fn funds(&self) -> Funds {
        Funds {
            spender: self.key.spender(),
            utxos: self.utxos.to_vec(),
        }
    }
}

/// A signed transaction and what it pays in fees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Composed {
    /// The signed transaction, ready to broadcast.
    pub tx: Transaction,
    /// Σ inputs − Σ outputs.
    pub fee: Amount,
}

/// Why a transaction could not be composed.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// Not a valid fully-qualified name.
    #[error("invalid name {0:?}")]
    InvalidName(String),
    /// Not a valid namespace ID.
    #[error("invalid namespace ID {0:?}")]
    InvalidNamespace(String),
    /// The payload would be ignored by the indexer.
    #[error("the {op} payload would be ignored by the indexer: {reason}")]
    InvalidPayload {
        /// The operation.
        op: &'static str,
        /// The consensus parser's objection.
        reason: String,
    },
    /// A script without a P2PKH or P2SH address.
    #[error("{role} script {script} has no address")]
    NoAddress {
        /// Which script.
        role: &'static str,
        /// Its hex.
        script: String,
    },
    /// NAME_IMPORT and namespace reveal keys must be single P2PKH keys.
    #[error("{role} must be a single private key (P2PKH), not a multisig bundle")]
    NotSingleKey {
        /// Which key.
        role: &'static str,
    },
    /// A withdrawal amount or message out of range.
    #[error("{0}")]
    Withdraw(String),
    /// The builder refused (funds, layout).
    #[error(transparent)]
    Build(#[from] BuildError),
    /// Signing failed.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// The keys given cannot sign every input.
    #[error("inputs {0:?} could not be signed with the keys given")]
    Unsigned(Vec<usize>),
}

/// The burn destination of name and namespace fees: P2PKH to the all-zero
/// hash (`1111111111111111111114oLvT2` on mainnet, bns.md §1.1, §7.3).
pub fn burn_script() -> ScriptBuf {
    ScriptBuf::new_p2pkh(&PubkeyHash::from_byte_array([0; 20]))
}

/// Composes BNS transactions for one chain.
#[derive(Clone, Debug)]
pub struct Composer {
    params: ChainParams,
    builder: TransactionBuilder,
    signer: Signer,
}

impl Composer {
    /// A composer for `params` (address versions, sighash, dust).
    pub fn new(params: ChainParams) -> Self {
        Self {
            params,
            builder: TransactionBuilder::new(params),
            signer: Signer::new(params.sighash).payer_anyone_can_pay(true),
        }
    }

    /// The chain parameters.
    pub fn params(&self) -> &ChainParams {
        &self.params
    }

    /// The address network the indexer renders addresses in.
    pub fn address_network(&self) -> AddressNetwork {
        match self.params.network {
            bitcoin::NetworkKind::Main => AddressNetwork::Mainnet,
            bitcoin::NetworkKind::Test => AddressNetwork::Testnet,
        }
    }

    /// The address the indexer sees for `script`.
    pub fn address_of(
        &self,
        role: &'static str,
        script: &ScriptBuf,
    ) -> Result<String, ComposeError> {
        script_to_address(script.as_bytes(), self.address_network()).ok_or_else(|| {
            ComposeError::NoAddress {
                role,
                script: script.to_hex_string(),
            }
        })
    }

    /// The value of a price output: the price, but never less than the
    /// original's `DEFAULT_DUST_FEE` of 5500 satoshis (cli-wallet.md §c.7),
    /// so that cheap names still pay a relayable output. Paying more than the
    /// price is accepted by the indexer.
    pub fn fee_output(&self, price: Amount) -> Amount {
        price.max(self.params.marker_value)
    }

    /// Builds, signs with `keys` and checks that every input is signed.
    fn finish(
        &self,
        operation: Operation,
        payload: Vec<u8>,
        sender: Funding<'_>,
        payer: Option<Funding<'_>>,
        fee_rate: FeeRate,
    ) -> Result<Composed, ComposeError> {
        let request = BuildRequest {
            operation,
            payload,
            sender: sender.funds(),
            payer: payer.map(|p| p.funds()),
            fee_rate,
        };
        let unsigned = self.builder.build(&request)?;
        let fee = unsigned.fee().unwrap_or(Amount::ZERO);
        let mut keys = vec![sender.key];
        if let Some(p) = payer {
            keys.push(p.key);
        }
        let signed = self.signer.sign(&unsigned, &keys)?;
        if !signed.is_complete() {
            return Err(ComposeError::Unsigned(signed.unsigned_inputs().to_vec()));
        }
        Ok(Composed {
            tx: signed.into_transaction(),
            fee,
        })
    }
}

fn check_payload<T, E: std::fmt::Display>(
    op: &'static str,
    parsed: Result<T, E>,
) -> Result<T, ComposeError> {
    parsed.map_err(|e| ComposeError::InvalidPayload {
        op,
        reason: e.to_string(),
    })
}

/// The body of an encoded payload (after `id` and the opcode).
fn body(payload: &[u8]) -> &[u8] {
    payload.get(3..).unwrap_or_default()
}

fn hex20(hex_str: &str) -> Option<[u8; 20]> {
    hex::decode(hex_str).ok()?.try_into().ok()
}

fn hex16(hex_str: &str) -> Option<[u8; 16]> {
    hex::decode(hex_str).ok()?.try_into().ok()
}
