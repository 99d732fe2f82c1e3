//! Signature checks for subdomain updates (spec `subdomains.md` §3.2–3.3;
//! `verify`, `verify_singlesig`, `verify_multisig` in
//! `blockstack/lib/subdomains.py`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use bitcoin::hashes::{hash160, sha256, Hash};
use bitcoin::secp256k1::{ecdsa, Message, Secp256k1, SecretKey, VerifyOnly};
use thiserror::Error;

use super::base64py::b64decode_py2;
use super::script::{deserialize, parse_multisig, serialize_pushes, ScriptItem};

/// Which address version bytes the node runs with; v0.18 re-encodes every
/// address to them before comparing (`address_reencode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AddressNetwork {
    /// p2pkh version 0, p2sh version 5.
    #[default]
    Mainnet,
    /// p2pkh version 111, p2sh version 196 (testnet and regtest).
    Testnet,
}

/// The kind of owner an address names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    /// Pay to public key hash: one signature.
    P2pkh,
    /// Pay to script hash: a multisig redeem script.
    P2sh,
}

/// An address reduced to what survives re-encoding: its kind and payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// p2pkh or p2sh.
    pub kind: AddressKind,
    /// The base58check payload after the version byte.
    pub payload: Vec<u8>,
}

impl Owner {
    /// Decode a base58check address whose version byte is a mainnet or
    /// testnet p2pkh/p2sh byte (0, 111, 5, 196). Other addresses make the
    /// original raise; here they are `None`.
    pub fn from_address(address: &str) -> Option<Owner> {
        let bytes = bitcoin::base58::decode_check(address).ok()?;
        let (&version, payload) = bytes.split_first()?;
        let kind = match version {
            0 | 111 => AddressKind::P2pkh,
            5 | 196 => AddressKind::P2sh,
            _ => return None,
        };
        Some(Owner {
            kind,
            payload: payload.to_vec(),
        })
    }

    /// The address re-encoded for `network`.
    pub fn to_address(&self, network: AddressNetwork) -> String {
        let version = match (self.kind, network) {
            (AddressKind::P2pkh, AddressNetwork::Mainnet) => 0,
            (AddressKind::P2sh, AddressNetwork::Mainnet) => 5,
            (AddressKind::P2pkh, AddressNetwork::Testnet) => 111,
            (AddressKind::P2sh, AddressNetwork::Testnet) => 196,
        };
        let mut bytes = vec![version];
        bytes.extend_from_slice(&self.payload);
        bitcoin::base58::encode_check(&bytes)
    }
}

/// Why a subdomain signature does not verify.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignatureError {
    /// The record carries no `sig`.
    #[error("record has no signature")]
    Missing,
    /// The owner address is not a p2pkh or p2sh base58check address (the
    /// original raises, aborting the node).
    #[error("owner address {0:?} is neither p2pkh nor p2sh")]
    UnsupportedAddress(String),
    /// `sig` is not base64 (Python 2 rules).
    #[error("signature is not base64")]
    InvalidBase64,
    /// The scriptSig does not have the shape the owner kind needs.
    #[error("signature script has the wrong structure")]
    WrongStructure,
    /// The public key in the scriptSig is not a valid secp256k1 key.
    #[error("signature script holds an invalid public key")]
    InvalidPublicKey,
    /// The public key or redeem script does not hash to the owner address.
    #[error("signature script does not belong to owner address {0:?}")]
    OwnerMismatch(String),
    /// The redeem script is not a multisig script.
    #[error("redeem script is not a multisig script")]
    InvalidRedeemScript,
    /// The number of signatures differs from the script's `m`.
    #[error("expected {expected} signatures, found {found}")]
    WrongSignatureCount {
        /// `m`.
        expected: i64,
        /// Signatures present.
        found: usize,
    },
    /// A signature is not 64 bytes of `r || s`.
    #[error("signature is not a 64-byte compact signature")]
    MalformedSignature,
    /// ECDSA verification failed (for multisig: the keys ran out).
    #[error("signature does not verify")]
    Invalid,
}

/// `verify(address, plaintext, sig)`: check that `signature` (base64
/// scriptSig) signs `SHA256(plaintext)` for `owner_address`.
///
/// Signatures with a high S value are accepted, as OpenSSL (used by the
/// original) accepts them.
pub fn verify_signature(
    owner_address: &str,
    plaintext: &[u8],
    signature: Option<&str>,
) -> Result<(), SignatureError> {
    let owner = Owner::from_address(owner_address)
        .ok_or_else(|| SignatureError::UnsupportedAddress(owner_address.to_owned()))?;
    let signature = signature.ok_or(SignatureError::Missing)?;
    let script = b64decode_py2(signature.as_bytes()).ok_or(SignatureError::InvalidBase64)?;
    let digest = Message::from_digest(sha256::Hash::hash(plaintext).to_byte_array());
    let items = deserialize(&script);
    let secp = Secp256k1::verification_only();
    match owner.kind {
        AddressKind::P2pkh => verify_singlesig(&secp, owner_address, &owner, &items, &digest),
        AddressKind::P2sh => verify_multisig(&secp, owner_address, &owner, &items, &digest),
    }
}

/// `PUSH(sig64) PUSH(pubkey)`, the key hashing to the owner in the form given.
fn verify_singlesig(
    secp: &Secp256k1<VerifyOnly>,
    address: &str,
    owner: &Owner,
    items: &[ScriptItem],
    digest: &Message,
) -> Result<(), SignatureError> {
    let [ScriptItem::Data(sig), ScriptItem::Data(pubkey)] = items else {
        return Err(SignatureError::WrongStructure);
    };
    if hash160::Hash::hash(pubkey).as_byte_array().as_slice() != owner.payload.as_slice() {
        return Err(SignatureError::OwnerMismatch(address.to_owned()));
    }
    let pubkey =
        bitcoin::PublicKey::from_slice(pubkey).map_err(|_| SignatureError::InvalidPublicKey)?;
    check_ecdsa(secp, sig, &pubkey, digest)
}

/// `<any> PUSH(sig64)… PUSH(redeem script)` with OP_CHECKMULTISIG key
/// matching: each signature advances through the keys in order.
fn verify_multisig(
    secp: &Secp256k1<VerifyOnly>,
    address: &str,
    owner: &Owner,
    items: &[ScriptItem],
    digest: &Message,
) -> Result<(), SignatureError> {
    let [_, sigs @ .., ScriptItem::Data(redeem)] = items else {
        return Err(SignatureError::WrongStructure);
    };
    if hash160::Hash::hash(redeem).as_byte_array().as_slice() != owner.payload.as_slice() {
        return Err(SignatureError::OwnerMismatch(address.to_owned()));
    }
    let multisig = parse_multisig(redeem).ok_or(SignatureError::InvalidRedeemScript)?;
    if i64::try_from(sigs.len()).ok() != Some(multisig.m) {
        return Err(SignatureError::WrongSignatureCount {
            expected: multisig.m,
            found: sigs.len(),
        });
    }
    let mut keys = multisig.pubkeys.iter();
    for sig in sigs {
        let ScriptItem::Data(sig) = sig else {
            return Err(SignatureError::WrongStructure);
        };
        loop {
            let key = keys.next().ok_or(SignatureError::Invalid)?;
            match check_ecdsa(secp, sig, key, digest) {
                Ok(()) => break,
                Err(SignatureError::Invalid) => continue,
                Err(other) => return Err(other),
            }
        }
    }
    Ok(())
}

fn check_ecdsa(
    secp: &Secp256k1<VerifyOnly>,
    sig: &[u8],
    pubkey: &bitcoin::PublicKey,
    digest: &Message,
) -> Result<(), SignatureError> {
    if sig.len() != 64 {
        return Err(SignatureError::MalformedSignature);
    }
    let mut sig = ecdsa::Signature::from_compact(sig).map_err(|_| SignatureError::Invalid)?;
    sig.normalize_s();
    secp.verify_ecdsa(digest, &sig, &pubkey.inner)
        .map_err(|_| SignatureError::Invalid)
}

/// `sign_singlesig`: sign `SHA256(plaintext)` with `key` and return the
/// base64 scriptSig `PUSH(sig64) PUSH(pubkey)`. `compressed` selects the
/// public key form, which must match the form the owner address was made
/// from.
pub fn sign_singlesig(plaintext: &[u8], key: &SecretKey, compressed: bool) -> String {
    let secp = Secp256k1::signing_only();
    let digest = Message::from_digest(sha256::Hash::hash(plaintext).to_byte_array());
    let sig = secp.sign_ecdsa(&digest, key).serialize_compact();
    let pubkey = bitcoin::PublicKey {
        compressed,
        inner: key.public_key(&secp),
    };
    let pubkey = pubkey.to_bytes();
    STANDARD.encode(serialize_pushes(&[Some(&sig[..]), Some(&pubkey[..])]))
}

/// `sign_multisig`: sign with the keys of an m-of-n redeem script and
/// return the base64 scriptSig `OP_0 PUSH(sig)… PUSH(redeem script)`.
/// Keys are used in script order; `None` if fewer than `m` of the given
/// secret keys belong to the script.
pub fn sign_multisig(plaintext: &[u8], redeem_script: &[u8], keys: &[SecretKey]) -> Option<String> {
    let secp = Secp256k1::new();
    let multisig = parse_multisig(redeem_script)?;
    let m = usize::try_from(multisig.m).ok()?;
    let digest = Message::from_digest(sha256::Hash::hash(plaintext).to_byte_array());
    let mut sigs: Vec<[u8; 64]> = Vec::new();
    for pubkey in &multisig.pubkeys {
        if sigs.len() == m {
            break;
        }
        if let Some(key) = keys.iter().find(|k| k.public_key(&secp) == pubkey.inner) {
            sigs.push(secp.sign_ecdsa(&digest, key).serialize_compact());
        }
    }
    if sigs.len() != m {
        return None;
    }
    let mut items: Vec<Option<&[u8]>> = vec![None];
    items.extend(sigs.iter().map(|s| Some(&s[..])));
    items.push(Some(redeem_script));
    Some(STANDARD.encode(serialize_pushes(&items)))
}
