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
//!
//! Building and signing a NAME_PREORDER, given payload bytes from the
//! consensus crate:
//!
//! ```
//! use bitcoin::{Amount, FeeRate, NetworkKind, OutPoint};
//! use blockstack_wallet::{
//!     BuildRequest, ChainParams, Funds, KeyInfo, Operation, Signer, SingleKey,
//!     TransactionBuilder, Utxo,
//! };
//!
//! let params = ChainParams::bitcoin_testnet();
//! let payment = KeyInfo::Single(SingleKey::generate(NetworkKind::Test));
//! let burn = bitcoin::ScriptBuf::new_p2pkh(&bitcoin::PubkeyHash::from_byte_array([0; 20]));
//! # use bitcoin::hashes::Hash;
//! let mut payload = b"id?".to_vec();
//! payload.extend_from_slice(&[0u8; 36]); // preorder hash ‖ consensus hash
//!
//! let request = BuildRequest {
//!     operation: Operation::NamePreorder { burn_script: burn, fee: Amount::from_sat(640_000) },
//!     payload,
//!     sender: Funds {
//!         spender: payment.spender(),
//!         utxos: vec![Utxo { outpoint: OutPoint::null(), value: Amount::from_sat(10_000_000) }],
//!     },
//!     payer: None,
//!     fee_rate: FeeRate::from_sat_per_vb_u32(10),
//! };
//! let unsigned = TransactionBuilder::new(params).build(&request)?;
//! let signed = Signer::new(params.sighash).sign(&unsigned, &[&payment])?;
//! assert!(signed.is_complete());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

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
pub use sign::{Keyring, SignError, SignedTx, Signer};
pub use size::InputKind;
