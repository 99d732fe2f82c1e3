//! Keys, the encrypted wallet file, the pure BNS transaction builder and the
//! signer.
//!
//! * [`keys`] — payment, owner and data keys: single keys (P2PKH) and m-of-n
//!   P2SH multisig bundles, in the original's text forms (cli-wallet.md §b.1).
//! * [`file`] — `wallet.json`: scrypt + XChaCha20-Poly1305 in a versioned
//!   JSON envelope, written atomically with mode 0600 under a lock.
//! * [`builder`] / [`layout`] / [`coin_selection`] / [`size`] — the pure
//!   transaction builder for every BNS operation (bns.md §9, cli-wallet.md §c.5–§c.7).
//! * [`sign`] — signs P2PKH and P2SH-multisig inputs with the legacy or the
//!   FORKID/BIP143 digest.
//! * [`params`] — the chain parameters the builder and signer take.
//! * [`legacy`] — reads the original v0.18 `wallet.json` for migration.
//!
//! Building and signing a NAME_PREORDER and then its NAME_REGISTRATION,
//! given payload bytes from the consensus crate. Input 0 of both spends the
//! payment key's script, as the preorder hash requires (bns.md §9.3 step 8c):
//!
//! ```
//! use bitcoin::hashes::Hash;
//! use bitcoin::{Amount, FeeRate, NetworkKind, OutPoint, PubkeyHash, ScriptBuf};
//! use blockstack_wallet::{
//!     BuildRequest, ChainParams, Funds, Operation, Signer, TransactionBuilder, Utxo,
//!     WalletKeys,
//! };
//!
//! let params = ChainParams::bitcoin_testnet();
//! let keys = WalletKeys::generate(NetworkKind::Test); // 2-of-3 payment and owner keys
//! let builder = TransactionBuilder::new(params);
//! let signer = Signer::new(params.sighash);
//! let burn = ScriptBuf::new_p2pkh(&PubkeyHash::from_byte_array([0; 20]));
//! let funding = Utxo { outpoint: OutPoint::null(), value: Amount::from_sat(10_000_000) };
//!
//! // "id?" ‖ hash160(b40(name) ‖ payer script ‖ owner address) ‖ consensus hash
//! let mut preorder_payload = b"id?".to_vec();
//! preorder_payload.extend_from_slice(&[0u8; 36]);
//! let preorder = builder.build(&BuildRequest {
//!     operation: Operation::NamePreorder { burn_script: burn, fee: Amount::from_sat(640_000) },
//!     payload: preorder_payload,
//!     sender: Funds { spender: keys.payment.spender(), utxos: vec![funding] },
//!     payer: None,
//!     fee_rate: FeeRate::from_sat_per_vb_u32(10),
//! })?;
//! let signed = signer.sign(&preorder, &[&keys.payment])?;
//! assert!(signed.is_complete());
//! let preorder_tx = signed.into_transaction();
//!
//! // Spend the preorder's change (output 1) to register the name to the owner key.
//! let change = Utxo {
//!     outpoint: OutPoint { txid: preorder_tx.compute_txid(), vout: 1 },
//!     value: preorder_tx.output[1].value,
//! };
//! let register = builder.build(&BuildRequest {
//!     operation: Operation::NameRegistration { owner_script: keys.owner.script_pubkey() },
//!     payload: b"id:foo.test".to_vec(),
//!     sender: Funds { spender: keys.payment.spender(), utxos: vec![change] },
//!     payer: None,
//!     fee_rate: FeeRate::from_sat_per_vb_u32(10),
//! })?;
//! let register_tx = signer.sign(&register, &[&keys.payment])?.into_transaction();
//! assert_eq!(register_tx.output[1].script_pubkey, keys.owner.script_pubkey());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Owner operations (update, transfer, renewal, revoke) pass the owner's
//! UTXOs as `sender` and the payment key's as `payer`; sign with both keys.

pub mod builder;
pub mod coin_selection;
pub mod file;
pub mod keys;
pub mod layout;
pub mod legacy;
pub mod params;
pub mod sign;
pub mod size;

pub use builder::{BuildError, BuildRequest, Funds, Spender, TransactionBuilder};
pub use coin_selection::Utxo;
pub use file::{KdfParams, PublicInfo, Wallet, WalletFile, WalletFileError, WalletLock};
pub use keys::{KeyError, KeyInfo, MultisigKey, SingleKey, WalletKeys};
pub use layout::{
    check_invariants, InputInfo, InputRole, InvariantViolation, Operation, UnsignedTx,
};
pub use params::{ChainParams, SighashMode};
pub use sign::{verify_input, Keyring, SignError, SignedTx, Signer, VerifyError};
pub use size::InputKind;
