//! Reading the original client's `wallet.json` (the ≥ 0.14.2 format that
//! v0.18 writes, cli-wallet.md §b.2–§b.3), so that it can be migrated.
//!
//! The file is `{data_pubkey, data_pubkeys, owner_addresses,
//! payment_addresses, version, enc}` where `enc` is the base64 of a Tarsnap
//! "scrypt" container holding the JSON `{data_privkey, owner_privkey,
//! payment_privkey}`. The container (all integers big-endian):
//!
//! | offset | size | content |
//! |---|---|---|
//! | 0 | 6 | `scrypt` |
//! | 6 | 1 | version 0 |
//! | 7 | 1 | log2(N) |
//! | 8 | 4 | r |
//! | 12 | 4 | p |
//! | 16 | 32 | salt |
//! | 48 | 16 | SHA-256(bytes 0..48)[0..16] |
//! | 64 | 32 | HMAC-SHA256(dk[32..64], bytes 0..64) |
//! | 96 | n | AES-256-CTR(dk[0..32], counter from 0) of the plaintext |
//! | 96+n | 32 | HMAC-SHA256(dk[32..64], everything before) |
//!
//! with `dk = scrypt(password, salt, N, r, p, 64)`. The header MAC tells a
//! wrong password from a damaged body. Only decryption is implemented: new
//! wallets are always written in the format of [`crate::file`].
//!
//! Not supported (refused as [`WalletFileError::UnsupportedLegacyFormat`]): the pre-0.13
//! master-key wallets, 0.13 and 0.14.0–0.14.1 per-field encryption, and the
//! AES-ECB fallback cipher the original tries when scrypt fails.

use aes::cipher::{Array, BlockCipherEncrypt, KeyInit};
use aes::Aes256;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use bitcoin::hashes::hmac::{Hmac, HmacEngine};
use bitcoin::hashes::{sha256, Hash, HashEngine};
use bitcoin::NetworkKind;
use serde::Deserialize;
use zeroize::{Zeroize, Zeroizing};

use crate::file::{Wallet, WalletFileError};
use crate::keys::{KeyInfo, SingleKey, StoredKeyInfo, WalletKeys};

/// Largest scrypt memory (128 · r · N) accepted from a legacy header. The
/// original tuned N to ≈ 5 s with up to half the RAM, so this is larger
/// than the limit for new files.
pub const MAX_LEGACY_KDF_MEMORY: u64 = 2 << 30;

const HEADER_LEN: usize = 96;
const MAC_LEN: usize = 32;

/// Decrypts a Tarsnap scrypt container (module docs).
pub fn decrypt_container(
    blob: &[u8],
    password: &[u8],
) -> Result<Zeroizing<Vec<u8>>, WalletFileError> {
    let corrupt = |what: &str| WalletFileError::Corrupt(format!("legacy container: {what}"));
    if blob.len() < HEADER_LEN + MAC_LEN {
        return Err(corrupt(&format!("{} bytes is too short", blob.len())));
    }
    let (header, rest) = blob.split_at(HEADER_LEN);
    let (body, final_mac) = rest.split_at(rest.len() - MAC_LEN);
    if header.get(..6) != Some(b"scrypt".as_slice()) || header.get(6) != Some(&0) {
        return Err(corrupt("bad magic"));
    }
    let be32 = |at: usize| -> Result<u32, WalletFileError> {
        header
            .get(at..at + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_be_bytes)
            .ok_or_else(|| corrupt("short header"))
    };
    let log_n = header
        .get(7)
        .copied()
        .ok_or_else(|| corrupt("short header"))?;
    let (r, p) = (be32(8)?, be32(12)?);
    let salt = header.get(16..48).ok_or_else(|| corrupt("short header"))?;
    let checksum = sha256::Hash::hash(header.get(..48).unwrap_or_default());
    if header.get(48..64) != checksum.as_byte_array().get(..16) {
        return Err(corrupt("header checksum mismatch"));
    }

    let bad_params = WalletFileError::KdfParams { log_n, r, p };
    let memory = 128u64
        .checked_mul(u64::from(r))
        .and_then(|m| m.checked_mul(1u64.checked_shl(u32::from(log_n))?));
    if log_n == 0 || p == 0 || p > 16 || memory.is_none_or(|m| m > MAX_LEGACY_KDF_MEMORY) {
        return Err(bad_params);
    }
    let params = scrypt::Params::new(log_n, r, p).map_err(|_| bad_params)?;
    let mut dk = Zeroizing::new([0u8; 64]);
    scrypt::scrypt(password, salt, &params, dk.as_mut_slice())
        .map_err(|_| WalletFileError::KdfParams { log_n, r, p })?;
    let (enc_key, mac_key) = dk.split_at(32);

    let mac = |parts: &[&[u8]]| {
        let mut engine = HmacEngine::<sha256::Hash>::new(mac_key);
        for part in parts {
            engine.input(part);
        }
        Hmac::<sha256::Hash>::from_engine(engine).to_byte_array()
    };
    let header_mac = mac(&[header.get(..64).unwrap_or_default()]);
    if !constant_time_eq(&header_mac, header.get(64..96).unwrap_or_default()) {
        return Err(WalletFileError::WrongPassword);
    }
    if !constant_time_eq(&mac(&[header, body]), final_mac) {
        return Err(corrupt("authentication failed"));
    }

    let cipher = Aes256::new_from_slice(enc_key).map_err(|_| corrupt("key length"))?;
    let mut plaintext = Zeroizing::new(body.to_vec());
    for (counter, chunk) in plaintext.chunks_mut(16).enumerate() {
        let mut block = Array::from((counter as u128).to_be_bytes());
        cipher.encrypt_block(&mut block);
        for (byte, key) in chunk.iter_mut().zip(block.iter()) {
            *byte ^= key;
        }
        block.as_mut_slice().zeroize();
    }
    Ok(plaintext)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Deserialize)]
struct LegacyFile {
    #[serde(default)]
    owner_addresses: Vec<String>,
    #[serde(default)]
    payment_addresses: Vec<String>,
    #[serde(default)]
    version: Option<String>,
    enc: String,
}

#[derive(Deserialize, Zeroize)]
struct LegacySecrets {
    #[serde(default)]
    data_privkey: Option<String>,
    owner_privkey: StoredKeyInfo,
    payment_privkey: StoredKeyInfo,
}

/// The network an address string's version byte belongs to.
fn network_of(address: &str) -> Option<NetworkKind> {
    let decoded = bitcoin::base58::decode_check(address).ok()?;
    match decoded.first()? {
        0x00 | 0x05 => Some(NetworkKind::Main),
        0x6f | 0xc4 => Some(NetworkKind::Test),
        _ => None,
    }
}

/// Opens an original v0.18 `wallet.json` with `password`.
///
/// The network comes from the stored payment address. A wallet without a
/// data key gets the owner key (or the first key of the owner bundle) as its
/// data key, as the original does at load time.
pub fn open(bytes: &[u8], password: &str) -> Result<Wallet, WalletFileError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| WalletFileError::Corrupt(e.to_string()))?;
    if value.get("enc").is_none() {
        let kind = if value.get("encrypted_master_private_key").is_some() {
            "pre-0.13 (master key)"
        } else {
            "0.13-0.14.1 (per-field encryption)"
        };
        return Err(WalletFileError::UnsupportedLegacyFormat(kind.to_owned()));
    }
    let file: LegacyFile =
        serde_json::from_value(value).map_err(|e| WalletFileError::Corrupt(e.to_string()))?;
    match file.version.as_deref() {
        Some(v) if !version_before_0_14_2(v) => {}
        other => {
            let version = other.unwrap_or("unversioned").to_owned();
            return Err(WalletFileError::UnsupportedLegacyFormat(version));
        }
    }
    let payment_address = file.payment_addresses.first().ok_or_else(|| {
        WalletFileError::Corrupt("legacy wallet lists no payment address".to_owned())
    })?;
    let network = network_of(payment_address).ok_or_else(|| {
        WalletFileError::Corrupt(format!("unrecognised address {payment_address}"))
    })?;
    let blob = BASE64
        .decode(file.enc.trim())
        .map_err(|_| WalletFileError::Corrupt("enc is not base64".to_owned()))?;
    let plaintext = decrypt_container(&blob, password.as_bytes())?;
    let mut secrets: LegacySecrets =
        serde_json::from_slice(&plaintext).map_err(|e| WalletFileError::Corrupt(e.to_string()))?;
    let keys = legacy_keys(&secrets, network);
    secrets.zeroize();
    let wallet = Wallet {
        network,
        keys: keys?,
    };
    let public = wallet.public_info();
    if file.payment_addresses.first() != public.payment_addresses.first() {
        return Err(WalletFileError::MetadataMismatch("payment_addresses"));
    }
    if file.owner_addresses.first() != public.owner_addresses.first() {
        return Err(WalletFileError::MetadataMismatch("owner_addresses"));
    }
    Ok(wallet)
}

/// The keys of decrypted legacy secrets. A wallet without a data key takes the owner's key, or
/// the first of the owner bundle's private keys as the wallet lists them
/// (`get_data_key_from_owner_key_LEGACY`), which need not be the first signer of its script.
fn legacy_keys(
    secrets: &LegacySecrets,
    network: NetworkKind,
) -> Result<WalletKeys, crate::keys::KeyError> {
    let payment = KeyInfo::from_stored(&secrets.payment_privkey, network)?;
    let owner = KeyInfo::from_stored(&secrets.owner_privkey, network)?;
    let data = match (&secrets.data_privkey, &secrets.owner_privkey) {
        (Some(hex), _) => SingleKey::parse(hex, network)?,
        (None, StoredKeyInfo::Single(text)) => SingleKey::parse(text, network)?,
        (None, StoredKeyInfo::Multisig { private_keys, .. }) => match private_keys.first() {
            Some(first) => SingleKey::parse(first, network)?,
            None => return Err(crate::keys::KeyError::TooFewPrivateKeys { have: 0, m: 1 }),
        },
    };
    Ok(WalletKeys {
        payment,
        owner,
        data,
    })
}

/// Whether a dotted version string is older than 0.14.2 (those wallets use
/// per-field encryption and are not supported).
fn version_before_0_14_2(version: &str) -> bool {
    let parts: Vec<u64> = version.split('.').map(|p| p.parse().unwrap_or(0)).collect();
    let get = |i: usize| parts.get(i).copied().unwrap_or(0);
    (get(0), get(1), get(2)) < (0, 14, 2)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::keys::MultisigKey;

    /// A v0.18-format wallet whose `enc` container was produced independently
    /// (Python `hashlib.scrypt` + OpenSSL AES-256-CTR + HMAC, following the
    /// layout above; that implementation also opens a py-scrypt ciphertext).
    /// Password `0123456789abcdef`; N = 2^4, r = 8, p = 1; salt 00 01 … 1f.
    /// Keys: data = sha256("legacy-data"), owner = sha256("legacy-owner")
    /// (both compressed), payment = 2-of-3 over sha256("legacy-pay-0..2").
    const LEGACY_WALLET: &str = include_str!("../tests/data/legacy-wallet-v0.18.json");
    const PASSWORD: &str = "0123456789abcdef";

    fn label(label: &str) -> SingleKey {
        let bytes = sha256::Hash::hash(label.as_bytes()).to_byte_array();
        SingleKey::from_secret_bytes(&bytes, true, NetworkKind::Test).expect("valid key")
    }

    pub(crate) fn expected_keys() -> WalletKeys {
        let members = (0..3).map(|i| label(&format!("legacy-pay-{i}"))).collect();
        WalletKeys {
            payment: KeyInfo::Multisig(MultisigKey::from_private_keys(2, members).expect("bundle")),
            owner: KeyInfo::Single(label("legacy-owner")),
            data: label("legacy-data"),
        }
    }

    #[test]
    fn an_independently_encrypted_v018_wallet_opens() {
        let wallet = open(LEGACY_WALLET.as_bytes(), PASSWORD).expect("opens");
        assert_eq!(wallet.network, NetworkKind::Test);
        assert_eq!(wallet.keys, expected_keys());
    }

    #[test]
    fn a_wrong_password_is_detected_by_the_header_mac() {
        assert!(matches!(
            open(LEGACY_WALLET.as_bytes(), "not the password"),
            Err(WalletFileError::WrongPassword)
        ));
    }

    #[test]
    fn a_damaged_body_is_corrupt_not_a_wrong_password() {
        let mut value: serde_json::Value = serde_json::from_str(LEGACY_WALLET).expect("json");
        let mut blob = BASE64
            .decode(value["enc"].as_str().expect("enc"))
            .expect("b64");
        blob[HEADER_LEN] ^= 1;
        value["enc"] = BASE64.encode(&blob).into();
        let bytes = serde_json::to_vec(&value).expect("json");
        assert!(matches!(
            open(&bytes, PASSWORD),
            Err(WalletFileError::Corrupt(_))
        ));
        blob.truncate(100);
        assert!(matches!(
            decrypt_container(&blob, PASSWORD.as_bytes()),
            Err(WalletFileError::Corrupt(_))
        ));
    }

    /// Without a data key, a single owner key is the data key, and of an owner bundle the
    /// first private key as listed, not the first signer of the redeem script.
    #[test]
    fn a_wallet_without_a_data_key_takes_it_from_the_owner_key() {
        let hex_of = |k: &SingleKey| k.to_hex();
        let single = label("legacy-owner");
        let payment = StoredKeyInfo::Single(hex_of(&label("legacy-pay")));
        let secrets = LegacySecrets {
            data_privkey: None,
            owner_privkey: StoredKeyInfo::Single(hex_of(&single)),
            payment_privkey: payment.clone(),
        };
        let keys = legacy_keys(&secrets, NetworkKind::Test).expect("keys");
        assert_eq!(keys.data, single);

        let members: Vec<SingleKey> = (0..3).map(|i| label(&format!("owner-{i}"))).collect();
        let bundle = MultisigKey::from_private_keys(2, members.clone()).expect("bundle");
        // Listed last signer first: the data key is the one listed first.
        let listed = vec![hex_of(&members[2]), hex_of(&members[0])];
        let secrets = LegacySecrets {
            data_privkey: None,
            owner_privkey: StoredKeyInfo::Multisig {
                address: bundle.address(NetworkKind::Test).to_string(),
                redeem_script: bundle.redeem_script().to_hex_string(),
                private_keys: listed,
                segwit: false,
            },
            payment_privkey: payment,
        };
        let keys = legacy_keys(&secrets, NetworkKind::Test).expect("keys");
        assert_eq!(keys.data, members[2]);
        assert!(matches!(keys.owner, KeyInfo::Multisig(_)));
    }

    #[test]
    fn older_formats_are_refused() {
        assert!(matches!(
            open(br#"{"enc": "", "payment_addresses": [], "version": "0.14.1"}"#, PASSWORD),
            Err(WalletFileError::UnsupportedLegacyFormat(v)) if v == "0.14.1"
        ));
        assert!(matches!(
            open(br#"{"encrypted_master_private_key": "00"}"#, PASSWORD),
            Err(WalletFileError::UnsupportedLegacyFormat(_))
        ));
        assert!(version_before_0_14_2("0.13"));
        assert!(!version_before_0_14_2("0.18.0"));
    }

    /// Prints the plaintext and metadata the fixture encrypts (run with
    /// `--ignored --nocapture` to regenerate the fixture).
    #[test]
    #[ignore = "prints the fixture's plaintext"]
    fn print_fixture_plaintext() {
        let keys = expected_keys();
        let secrets = serde_json::json!({
            "data_privkey": keys.data.to_hex(),
            "owner_privkey": keys.owner.to_stored(NetworkKind::Test),
            "payment_privkey": keys.payment.to_stored(NetworkKind::Test),
        });
        println!("{}", serde_json::to_string(&secrets).expect("json"));
        println!("payment {}", keys.payment.address(NetworkKind::Test));
        println!("owner {}", keys.owner.address(NetworkKind::Test));
        println!("data {}", keys.data_public_key_hex());
    }
}
