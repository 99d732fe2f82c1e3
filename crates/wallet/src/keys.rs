//! Payment, owner and data keys (cli-wallet.md §b.1).
//!
//! A wallet holds three independent keys, each a *private-key info* value:
//!
//! * a single secp256k1 key ([`SingleKey`]), spent through P2PKH, or
//! * an m-of-n P2SH multisig bundle ([`MultisigKey`]): a redeem script
//!   `OP_m <pk1> … <pkn> OP_n OP_CHECKMULTISIG` and its member private keys.
//!
//! New wallets get 2-of-3 bundles for payment and owner and a single data key,
//! as the original does. Keys are independent random keys: there is no HD
//! derivation and no mnemonic in the current format.
//!
//! Text forms follow the original's conventions so that keys can be imported
//! and exported unchanged:
//!
//! * a single private key is 64 hex digits (uncompressed public key) or 66 hex
//!   digits ending in `01` (compressed); WIF is accepted on input;
//! * a multisig bundle is the JSON object
//!   `{"address", "redeem_script", "private_keys": [hex…], "segwit": false}`.
//!
//! Segwit bundles (`segwit: true`) exist in the original but are disabled by
//! default there; they are refused here with [`KeyError::SegwitUnsupported`].

use std::fmt;

use bitcoin::opcodes::all::OP_CHECKMULTISIG;
use bitcoin::script::{Builder, Instruction};
use bitcoin::secp256k1::{rand, Secp256k1, SecretKey, Signing};
use bitcoin::{Address, NetworkKind, PrivateKey, PublicKey, Script, ScriptBuf};
use serde::{Deserialize, Serialize};

use crate::size::InputKind;

/// Largest number of members in a multisig bundle: `OP_16` is the largest
/// small-integer push, and 16 compressed keys keep the redeem script well under
/// the 520-byte P2SH limit.
pub const MAX_MULTISIG_KEYS: usize = 16;

/// Errors from parsing or assembling keys.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// A private key string is neither WIF nor 64/66 hex digits.
    #[error("private key is neither WIF nor 64/66 hex digits (length {len})")]
    PrivateKeyFormat {
        /// Length of the rejected string.
        len: usize,
    },
    /// The 32 key bytes are not a valid secp256k1 secret (zero or ≥ the group order).
    #[error("private key is not a valid secp256k1 secret")]
    InvalidSecret,
    /// A public key could not be parsed.
    #[error("invalid public key {0}")]
    InvalidPublicKey(String),
    /// An m-of-n bundle with impossible m or n.
    #[error("invalid multisig threshold {m}-of-{n}")]
    InvalidThreshold {
        /// Required signatures.
        m: usize,
        /// Member keys.
        n: usize,
    },
    /// A redeem script that is not `OP_m <keys> OP_n OP_CHECKMULTISIG`.
    #[error("redeem script {0} is not an m-of-n multisig script")]
    NotMultisigScript(String),
    /// Hex that does not decode.
    #[error("invalid hex in {field}: {value}")]
    Hex {
        /// Which field held it.
        field: &'static str,
        /// The rejected text.
        value: String,
    },
    /// A bundle's private key whose public key is not in its redeem script.
    #[error("private key for {pubkey} is not a member of the redeem script")]
    NotAMember {
        /// The stray public key.
        pubkey: String,
    },
    /// A bundle holding fewer private keys than signatures required.
    #[error("bundle has {have} private keys but needs {m} to sign")]
    TooFewPrivateKeys {
        /// Keys present.
        have: usize,
        /// Signatures required.
        m: usize,
    },
    /// The `address` field of a bundle does not match its redeem script.
    #[error("bundle address {stored} does not match its redeem script ({derived})")]
    AddressMismatch {
        /// Address in the bundle.
        stored: String,
        /// Address derived from the redeem script.
        derived: String,
    },
    /// A segwit (p2sh-p2wsh / p2sh-p2wpkh) bundle.
    #[error("segwit key bundles are not supported")]
    SegwitUnsupported,
    /// A redeem script too large for P2SH.
    #[error("redeem script of {0} bytes exceeds the P2SH limit")]
    RedeemScriptTooLarge(usize),
}

/// One secp256k1 private key together with the public-key encoding it is
/// spent with (compressed or uncompressed), which changes its address.
#[derive(Clone, PartialEq, Eq)]
pub struct SingleKey {
    key: PrivateKey,
}

impl SingleKey {
    /// A fresh random key with a compressed public key.
    pub fn generate(network: NetworkKind) -> Self {
        let secret = SecretKey::new(&mut rand::thread_rng());
        Self {
            key: PrivateKey::new(secret, network),
        }
    }

    /// Wraps a `bitcoin` private key.
    pub fn from_private_key(key: PrivateKey) -> Self {
        Self { key }
    }

    /// Builds a key from raw secret bytes.
    pub fn from_secret_bytes(
        bytes: &[u8; 32],
        compressed: bool,
        network: NetworkKind,
    ) -> Result<Self, KeyError> {
        let secret = SecretKey::from_slice(bytes).map_err(|_| KeyError::InvalidSecret)?;
        let key = if compressed {
            PrivateKey::new(secret, network)
        } else {
            PrivateKey::new_uncompressed(secret, network)
        };
        Ok(Self { key })
    }

    /// Parses WIF, or hex in the original's form: 64 hex digits are an
    /// uncompressed key, 66 ending in `01` a compressed one. `network` applies
    /// to hex input; WIF carries its own network byte.
    pub fn parse(text: &str, network: NetworkKind) -> Result<Self, KeyError> {
        let text = text.trim();
        let hex_body = match text.len() {
            64 => Some((text, false)),
            66 if text.ends_with("01") => text.get(..64).map(|body| (body, true)),
            _ => None,
        };
        if let Some((body, compressed)) = hex_body {
            if let Ok(bytes) = <[u8; 32]>::try_from(hex::decode(body).unwrap_or_default()) {
                return Self::from_secret_bytes(&bytes, compressed, network);
            }
        }
        PrivateKey::from_wif(text)
            .map(Self::from_private_key)
            .map_err(|_| KeyError::PrivateKeyFormat { len: text.len() })
    }

    /// The original's hex form: 64 digits, plus `01` when compressed.
    pub fn to_hex(&self) -> String {
        let mut out = hex::encode(self.key.inner.secret_bytes());
        if self.key.compressed {
            out.push_str("01");
        }
        out
    }

    /// Wallet Import Format.
    pub fn to_wif(&self) -> String {
        self.key.to_wif()
    }

    /// The underlying `bitcoin` private key.
    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }

    /// Whether the public key is serialized compressed (33 bytes).
    pub fn is_compressed(&self) -> bool {
        self.key.compressed
    }

    /// The public key in the encoding this key is spent with.
    pub fn public_key<C: Signing>(&self, secp: &Secp256k1<C>) -> PublicKey {
        self.key.public_key(secp)
    }

    /// The uncompressed (`04…`) public key, the form the original keeps the
    /// data public key in (cli-wallet.md §b.1).
    pub fn uncompressed_public_key<C: Signing>(&self, secp: &Secp256k1<C>) -> PublicKey {
        PublicKey::new_uncompressed(self.key.inner.public_key(secp))
    }

    /// The P2PKH output script of this key.
    pub fn script_pubkey<C: Signing>(&self, secp: &Secp256k1<C>) -> ScriptBuf {
        ScriptBuf::new_p2pkh(&self.public_key(secp).pubkey_hash())
    }

    /// The P2PKH address of this key for `network` (mainnet `1…`, testnet `m…/n…`).
    pub fn address<C: Signing>(&self, secp: &Secp256k1<C>, network: NetworkKind) -> Address {
        Address::p2pkh(self.public_key(secp), network)
    }
}

impl Drop for SingleKey {
    fn drop(&mut self) {
        self.key.inner.non_secure_erase();
    }
}

impl fmt::Debug for SingleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SingleKey")
            .field("compressed", &self.key.compressed)
            .finish_non_exhaustive()
    }
}

/// An m-of-n P2SH multisig bundle.
///
/// The member order is the order of the public keys in the redeem script;
/// `OP_CHECKMULTISIG` needs signatures in that order, so the signer walks the
/// members in order and signs with the first `m` whose private key it holds.
#[derive(Clone, PartialEq, Eq)]
pub struct MultisigKey {
    m: usize,
    pubkeys: Vec<PublicKey>,
    /// Private keys, aligned with `pubkeys` (`None` when not held).
    private_keys: Vec<Option<SingleKey>>,
    redeem_script: ScriptBuf,
}

impl MultisigKey {
    /// A fresh bundle of `n` random compressed keys needing `m` signatures.
    pub fn generate(m: usize, n: usize, network: NetworkKind) -> Result<Self, KeyError> {
        let keys = (0..n).map(|_| SingleKey::generate(network)).collect();
        Self::from_private_keys(m, keys)
    }

    /// A bundle whose redeem script lists the public keys of `keys`, in order.
    pub fn from_private_keys(m: usize, keys: Vec<SingleKey>) -> Result<Self, KeyError> {
        let secp = Secp256k1::signing_only();
        let pubkeys: Vec<PublicKey> = keys.iter().map(|k| k.public_key(&secp)).collect();
        let redeem_script = multisig_redeem_script(m, &pubkeys)?;
        Ok(Self {
            m,
            pubkeys,
            private_keys: keys.into_iter().map(Some).collect(),
            redeem_script,
        })
    }

    /// A bundle from its redeem script and any subset of its members' private
    /// keys (at least `m` of them, so that the bundle can sign).
    pub fn from_redeem_script(
        redeem_script: ScriptBuf,
        keys: Vec<SingleKey>,
    ) -> Result<Self, KeyError> {
        let (m, pubkeys) = parse_multisig_redeem_script(&redeem_script)?;
        let secp = Secp256k1::signing_only();
        let mut private_keys: Vec<Option<SingleKey>> = vec![None; pubkeys.len()];
        for key in keys {
            let pubkey = key.public_key(&secp);
            let slot =
                pubkeys
                    .iter()
                    .position(|p| *p == pubkey)
                    .ok_or_else(|| KeyError::NotAMember {
                        pubkey: pubkey.to_string(),
                    })?;
            if let Some(entry) = private_keys.get_mut(slot) {
                *entry = Some(key);
            }
        }
        let have = private_keys.iter().flatten().count();
        if have < m {
            return Err(KeyError::TooFewPrivateKeys { have, m });
        }
        Ok(Self {
            m,
            pubkeys,
            private_keys,
            redeem_script,
        })
    }

    /// Signatures required.
    pub fn threshold(&self) -> usize {
        self.m
    }

    /// Member public keys, in redeem-script order.
    pub fn public_keys(&self) -> &[PublicKey] {
        &self.pubkeys
    }

    /// `(public key, private key if held)` for each member, in redeem-script order.
    pub fn members(&self) -> impl Iterator<Item = (&PublicKey, Option<&SingleKey>)> {
        self.pubkeys
            .iter()
            .zip(self.private_keys.iter().map(Option::as_ref))
    }

    /// The redeem script `OP_m <pk…> OP_n OP_CHECKMULTISIG`.
    pub fn redeem_script(&self) -> &Script {
        &self.redeem_script
    }

    /// The P2SH output script `OP_HASH160 <hash160(redeem)> OP_EQUAL`.
    pub fn script_pubkey(&self) -> ScriptBuf {
        ScriptBuf::new_p2sh(&self.redeem_script.script_hash())
    }

    /// The P2SH address for `network` (mainnet `3…`, testnet `2…`).
    pub fn address(&self, network: NetworkKind) -> Address {
        Address::p2sh_from_hash(self.redeem_script.script_hash(), network)
    }
}

impl fmt::Debug for MultisigKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MultisigKey")
            .field("m", &self.m)
            .field("n", &self.pubkeys.len())
            .field("redeem_script", &self.redeem_script)
            .finish_non_exhaustive()
    }
}

/// Builds `OP_m <pk1> … <pkn> OP_n OP_CHECKMULTISIG`.
pub fn multisig_redeem_script(m: usize, pubkeys: &[PublicKey]) -> Result<ScriptBuf, KeyError> {
    let n = pubkeys.len();
    if m == 0 || m > n || n > MAX_MULTISIG_KEYS {
        return Err(KeyError::InvalidThreshold { m, n });
    }
    let mut builder = Builder::new().push_int(m as i64);
    for pk in pubkeys {
        builder = builder.push_key(pk);
    }
    let script = builder
        .push_int(n as i64)
        .push_opcode(OP_CHECKMULTISIG)
        .into_script();
    if script.len() > bitcoin::blockdata::constants::MAX_SCRIPT_ELEMENT_SIZE {
        return Err(KeyError::RedeemScriptTooLarge(script.len()));
    }
    Ok(script)
}

/// Splits an m-of-n redeem script into `m` and its public keys.
pub fn parse_multisig_redeem_script(script: &Script) -> Result<(usize, Vec<PublicKey>), KeyError> {
    let bad = || KeyError::NotMultisigScript(script.to_hex_string());
    let small_int = |ins: Option<Result<Instruction<'_>, _>>| -> Option<usize> {
        match ins? {
            Ok(Instruction::Op(op)) => {
                let code = op.to_u8();
                (0x51..=0x60)
                    .contains(&code)
                    .then(|| usize::from(code - 0x50))
            }
            _ => None,
        }
    };
    let mut ins = script.instructions();
    let m = small_int(ins.next()).ok_or_else(bad)?;
    let mut pubkeys = Vec::new();
    let n = loop {
        match ins.next() {
            Some(Ok(Instruction::PushBytes(bytes))) => {
                let pk = PublicKey::from_slice(bytes.as_bytes())
                    .map_err(|_| KeyError::InvalidPublicKey(hex::encode(bytes.as_bytes())))?;
                pubkeys.push(pk);
            }
            Some(Ok(Instruction::Op(op))) if (0x51..=0x60).contains(&op.to_u8()) => {
                break usize::from(op.to_u8() - 0x50);
            }
            _ => return Err(bad()),
        }
    };
    match ins.next() {
        Some(Ok(Instruction::Op(op))) if op == OP_CHECKMULTISIG => {}
        _ => return Err(bad()),
    }
    if ins.next().is_some() || n != pubkeys.len() || m == 0 || m > n {
        return Err(bad());
    }
    Ok((m, pubkeys))
}

/// A private-key info value: what the wallet stores for a key role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyInfo {
    /// One key, spent through P2PKH.
    Single(SingleKey),
    /// An m-of-n bundle, spent through P2SH.
    Multisig(MultisigKey),
}

impl KeyInfo {
    /// The output script that this key spends (P2PKH or P2SH).
    pub fn script_pubkey(&self) -> ScriptBuf {
        match self {
            KeyInfo::Single(key) => key.script_pubkey(&Secp256k1::signing_only()),
            KeyInfo::Multisig(bundle) => bundle.script_pubkey(),
        }
    }

    /// The address for `network`.
    pub fn address(&self, network: NetworkKind) -> Address {
        match self {
            KeyInfo::Single(key) => key.address(&Secp256k1::signing_only(), network),
            KeyInfo::Multisig(bundle) => bundle.address(network),
        }
    }

    /// How an input spending this key's script is shaped, for fee estimation.
    pub fn input_kind(&self) -> InputKind {
        match self {
            KeyInfo::Single(key) => InputKind::P2pkh {
                compressed: key.is_compressed(),
            },
            KeyInfo::Multisig(bundle) => InputKind::P2shMultisig {
                m: bundle.threshold(),
                redeem_script_len: bundle.redeem_script().len(),
            },
        }
    }

    /// The [`Spender`](crate::builder::Spender) the builder needs for this key.
    pub fn spender(&self) -> crate::builder::Spender {
        crate::builder::Spender {
            script_pubkey: self.script_pubkey(),
            input_kind: self.input_kind(),
        }
    }

    /// Converts to the serializable private-key info form.
    pub fn to_stored(&self, network: NetworkKind) -> StoredKeyInfo {
        match self {
            KeyInfo::Single(key) => StoredKeyInfo::Single(key.to_hex()),
            KeyInfo::Multisig(bundle) => StoredKeyInfo::Multisig {
                address: bundle.address(network).to_string(),
                redeem_script: bundle.redeem_script().to_hex_string(),
                private_keys: bundle
                    .private_keys
                    .iter()
                    .flatten()
                    .map(SingleKey::to_hex)
                    .collect(),
                segwit: false,
            },
        }
    }

    /// Parses the serializable form, checking that a bundle's address and
    /// members agree with its redeem script.
    pub fn from_stored(stored: &StoredKeyInfo, network: NetworkKind) -> Result<Self, KeyError> {
        match stored {
            StoredKeyInfo::Single(text) => SingleKey::parse(text, network).map(KeyInfo::Single),
            StoredKeyInfo::Multisig {
                address,
                redeem_script,
                private_keys,
                segwit,
            } => {
                if *segwit {
                    return Err(KeyError::SegwitUnsupported);
                }
                let script = ScriptBuf::from_hex(redeem_script).map_err(|_| KeyError::Hex {
                    field: "redeem_script",
                    value: redeem_script.clone(),
                })?;
                let keys = private_keys
                    .iter()
                    .map(|k| SingleKey::parse(k, network))
                    .collect::<Result<Vec<_>, _>>()?;
                let bundle = MultisigKey::from_redeem_script(script, keys)?;
                let derived = bundle.address(network).to_string();
                if derived != *address {
                    return Err(KeyError::AddressMismatch {
                        stored: address.clone(),
                        derived,
                    });
                }
                Ok(KeyInfo::Multisig(bundle))
            }
        }
    }

    /// Parses the original CLI's key argument forms (`import_wallet`,
    /// cli-wallet.md §a.4): `<wif-or-hex>` or `m,n,pk1,…,pkn` with n private
    /// keys. `segwit:` forms are refused.
    pub fn parse_cli(text: &str, network: NetworkKind) -> Result<Self, KeyError> {
        let text = text.trim();
        if text.starts_with("segwit:") {
            return Err(KeyError::SegwitUnsupported);
        }
        let parts: Vec<&str> = text.split(',').map(str::trim).collect();
        match parts.as_slice() {
            [single] => SingleKey::parse(single, network).map(KeyInfo::Single),
            [m, n, keys @ ..] => {
                let parse_count = |s: &str| s.parse::<usize>().ok();
                let (m, n) = match (parse_count(m), parse_count(n)) {
                    (Some(m), Some(n)) => (m, n),
                    _ => return Err(KeyError::InvalidThreshold { m: 0, n: 0 }),
                };
                if keys.len() != n {
                    return Err(KeyError::InvalidThreshold { m, n: keys.len() });
                }
                let keys = keys
                    .iter()
                    .map(|k| SingleKey::parse(k, network))
                    .collect::<Result<Vec<_>, _>>()?;
                MultisigKey::from_private_keys(m, keys).map(KeyInfo::Multisig)
            }
            [] => Err(KeyError::PrivateKeyFormat { len: 0 }),
        }
    }
}

/// The JSON form of a private-key info value (cli-wallet.md §b.1): a hex
/// string, or a multisig object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, zeroize::Zeroize)]
#[serde(untagged)]
pub enum StoredKeyInfo {
    /// A single key as hex (or WIF on input).
    Single(String),
    /// A P2SH multisig bundle.
    Multisig {
        /// The bundle's P2SH address.
        address: String,
        /// Hex of the redeem script.
        redeem_script: String,
        /// Hex private keys of the members held.
        private_keys: Vec<String>,
        /// Segwit-wrapped bundles; always `false` here.
        #[serde(default)]
        segwit: bool,
    },
}

/// The three key roles of a wallet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalletKeys {
    /// Funds preorders and registrations and subsidizes every other name op.
    pub payment: KeyInfo,
    /// Owns names; input 0 of update, transfer, renewal and revoke.
    pub owner: KeyInfo,
    /// Signs profiles; its public key goes into zone files. Always single.
    pub data: SingleKey,
}

impl WalletKeys {
    /// A new wallet as the original makes one: 2-of-3 bundles for payment
    /// and owner, a single compressed data key.
    pub fn generate(network: NetworkKind) -> Self {
        let bundle = || {
            MultisigKey::generate(2, 3, network)
                .map(KeyInfo::Multisig)
                .expect("2-of-3 is within the threshold and script-size limits")
        };
        Self {
            payment: bundle(),
            owner: bundle(),
            data: SingleKey::generate(network),
        }
    }

    /// The data public key in uncompressed hex, as the original reports it.
    pub fn data_public_key_hex(&self) -> String {
        self.data
            .uncompressed_public_key(&Secp256k1::signing_only())
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_from_label(label: &str, compressed: bool) -> SingleKey {
        use bitcoin::hashes::{sha256, Hash};
        let bytes = sha256::Hash::hash(label.as_bytes()).to_byte_array();
        SingleKey::from_secret_bytes(&bytes, compressed, NetworkKind::Test).expect("valid key")
    }

    #[test]
    fn spec_key_table_addresses_are_reproduced() {
        // bns.md §12.8 key table (testnet P2PKH of compressed keys).
        let secp = Secp256k1::new();
        let a = key_from_label("bns-alice", true);
        assert_eq!(
            a.public_key(&secp).to_string(),
            "0211efe9ad379446884922566b0282f10baf107e950ee2502807a773aca7d50a00"
        );
        assert_eq!(
            a.script_pubkey(&secp).to_hex_string(),
            "76a9142e4047e8d4ac3a2c4c4bbf749ce4afe821ec016d88ac"
        );
        assert_eq!(
            a.address(&secp, NetworkKind::Test).to_string(),
            "mjjWPCACZvF2G67wjKhkbYnjF65PohdsHE"
        );
    }

    #[test]
    fn spec_wif_of_bns_1_is_reproduced() {
        // bitcoind-regtest.md §3 test vector.
        let k = key_from_label("bns-1", true);
        assert_eq!(
            k.to_wif(),
            "cTBjwZNx8hUViS4FRJys5GhQHGrezaKrmgLogcaDSynreWnFjinS"
        );
        let parsed = SingleKey::parse(&k.to_wif(), NetworkKind::Main).expect("wif parses");
        assert_eq!(parsed, k);
    }

    #[test]
    fn hex_form_encodes_compression_like_the_original() {
        let c = key_from_label("x", true);
        let u = key_from_label("x", false);
        assert_eq!(c.to_hex().len(), 66);
        assert!(c.to_hex().ends_with("01"));
        assert_eq!(u.to_hex().len(), 64);
        assert_eq!(
            SingleKey::parse(&c.to_hex(), NetworkKind::Test).expect("hex"),
            c
        );
        assert_eq!(
            SingleKey::parse(&u.to_hex(), NetworkKind::Test).expect("hex"),
            u
        );
        let secp = Secp256k1::new();
        assert_ne!(
            c.address(&secp, NetworkKind::Test),
            u.address(&secp, NetworkKind::Test)
        );
        assert_eq!(u.public_key(&secp).to_bytes().len(), 65);
    }

    #[test]
    fn mainnet_and_testnet_addresses_use_their_version_bytes() {
        let secp = Secp256k1::new();
        let k = key_from_label("bns-2", true);
        assert!(k
            .address(&secp, NetworkKind::Main)
            .to_string()
            .starts_with('1'));
        let t = k.address(&secp, NetworkKind::Test).to_string();
        assert_eq!(t, "mfdp8Vjq86wdLTwZSVXvmxLTi2vPRB41Jh");
        let bundle = MultisigKey::generate(2, 3, NetworkKind::Test).expect("bundle");
        assert!(bundle
            .address(NetworkKind::Main)
            .to_string()
            .starts_with('3'));
        assert!(bundle
            .address(NetworkKind::Test)
            .to_string()
            .starts_with('2'));
    }

    #[test]
    fn bad_private_keys_are_rejected() {
        assert!(matches!(
            SingleKey::parse("zz", NetworkKind::Main),
            Err(KeyError::PrivateKeyFormat { len: 2 })
        ));
        assert_eq!(
            SingleKey::parse(&"00".repeat(32), NetworkKind::Main),
            Err(KeyError::InvalidSecret)
        );
    }

    #[test]
    fn multisig_redeem_script_round_trips_and_has_the_expected_shape() {
        let bundle = MultisigKey::generate(2, 3, NetworkKind::Test).expect("bundle");
        let script = bundle.redeem_script();
        assert_eq!(script.len(), 3 + 3 * 34);
        assert_eq!(script.as_bytes().first(), Some(&0x52));
        assert_eq!(script.as_bytes().last(), Some(&0xae));
        let (m, pks) = parse_multisig_redeem_script(script).expect("parses");
        assert_eq!((m, pks.as_slice()), (2, bundle.public_keys()));
        assert!(bundle.script_pubkey().is_p2sh());
    }

    #[test]
    fn stored_multisig_round_trips_and_checks_its_address() {
        let info = KeyInfo::Multisig(MultisigKey::generate(2, 3, NetworkKind::Test).expect("b"));
        let stored = info.to_stored(NetworkKind::Test);
        let json = serde_json::to_string(&stored).expect("json");
        let back: StoredKeyInfo = serde_json::from_str(&json).expect("parse");
        assert_eq!(
            KeyInfo::from_stored(&back, NetworkKind::Test).expect("valid"),
            info
        );
        // Same bundle, but the address re-encoded for the wrong network.
        assert!(matches!(
            KeyInfo::from_stored(&back, NetworkKind::Main),
            Err(KeyError::AddressMismatch { .. })
        ));
        let StoredKeyInfo::Multisig {
            address,
            redeem_script,
            private_keys,
            ..
        } = stored
        else {
            panic!("multisig expected");
        };
        let segwit = StoredKeyInfo::Multisig {
            address,
            redeem_script,
            private_keys: private_keys[..1].to_vec(),
            segwit: false,
        };
        assert_eq!(
            KeyInfo::from_stored(&segwit, NetworkKind::Test),
            Err(KeyError::TooFewPrivateKeys { have: 1, m: 2 })
        );
    }

    #[test]
    fn a_stranger_key_is_not_accepted_into_a_bundle() {
        let bundle = MultisigKey::generate(2, 3, NetworkKind::Test).expect("b");
        let stranger = SingleKey::generate(NetworkKind::Test);
        let err =
            MultisigKey::from_redeem_script(bundle.redeem_script().to_owned(), vec![stranger]);
        assert!(matches!(err, Err(KeyError::NotAMember { .. })));
    }

    #[test]
    fn cli_forms_parse() {
        let keys: Vec<SingleKey> = (0..3)
            .map(|i| key_from_label(&format!("k{i}"), true))
            .collect();
        let text = format!(
            "2,3,{},{},{}",
            keys[0].to_hex(),
            keys[1].to_wif(),
            keys[2].to_hex()
        );
        let KeyInfo::Multisig(bundle) = KeyInfo::parse_cli(&text, NetworkKind::Test).expect("ok")
        else {
            panic!("multisig expected");
        };
        assert_eq!(bundle.threshold(), 2);
        assert_eq!(
            KeyInfo::parse_cli("segwit:abc", NetworkKind::Test),
            Err(KeyError::SegwitUnsupported)
        );
        assert_eq!(
            MultisigKey::from_private_keys(4, keys).map(|_| ()),
            Err(KeyError::InvalidThreshold { m: 4, n: 3 })
        );
    }

    #[test]
    fn new_wallets_get_two_of_three_bundles_and_a_single_data_key() {
        let keys = WalletKeys::generate(NetworkKind::Test);
        for info in [&keys.payment, &keys.owner] {
            let KeyInfo::Multisig(b) = info else {
                panic!("multisig expected")
            };
            assert_eq!((b.threshold(), b.public_keys().len()), (2, 3));
        }
        assert!(keys.data_public_key_hex().starts_with("04"));
    }
}
