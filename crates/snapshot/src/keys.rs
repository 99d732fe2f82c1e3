//! Signing keys and trusted public keys, and the signature over a payload digest
//! (fast-sync.md §4; virtualchain `ecdsalib.sign_digest` / `verify_digest`).
//!
//! The 32-byte SHA-256 digest of the payload is signed as it is (no second hash). A signature
//! is `r ‖ s`, two 32-byte big-endian integers, with `s` in the lower half of the order, in
//! standard base64 with padding (88 characters). Verification also accepts a high-`s` form,
//! as the original's verifier does.

use std::str::FromStr;

use base64::Engine;
use bitcoin::secp256k1::ecdsa::Signature;
use bitcoin::secp256k1::{Message, PublicKey, Secp256k1, SecretKey};

use crate::error::SnapshotError;

/// A private key that signs snapshots.
#[derive(Clone)]
pub struct SigningKey(SecretKey);

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SigningKey")
            .field(&self.public_key().to_string())
            .finish()
    }
}

fn key_error(what: &'static str, value: String, reason: impl Into<String>) -> SnapshotError {
    SnapshotError::Key {
        what,
        value,
        reason: reason.into(),
    }
}

impl FromStr for SigningKey {
    type Err = SnapshotError;

    /// Accepts what the original's `keylib.ECPrivateKey` accepts: 64 hex digits, 66 hex digits
    /// ending in `01` (the "compressed" marker), or WIF.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        // Never echo a private key into an error message.
        let shown = format!("<{} characters>", s.len());
        let bytes = match s.len() {
            64 => hex::decode(s).ok(),
            66 if s.ends_with("01") => s.get(..64).and_then(|h| hex::decode(h).ok()),
            _ => None,
        };
        if let Some(bytes) = bytes {
            return SecretKey::from_slice(&bytes)
                .map(Self)
                .map_err(|e| key_error("private key", shown, e.to_string()));
        }
        bitcoin::PrivateKey::from_wif(s)
            .map(|k| Self(k.inner))
            .map_err(|_| {
                key_error(
                    "private key",
                    shown,
                    "expected 64 hex digits, 66 hex digits ending in 01, or WIF",
                )
            })
    }
}

impl SigningKey {
    /// Its public key.
    pub fn public_key(&self) -> PublicKey {
        self.0.public_key(&Secp256k1::signing_only())
    }

    /// Signs a payload digest: base64 of the 64-byte low-S `r ‖ s`.
    pub fn sign_digest(&self, digest: &[u8; 32]) -> String {
        let secp = Secp256k1::signing_only();
        let mut sig = secp.sign_ecdsa(&Message::from_digest(*digest), &self.0);
        sig.normalize_s();
        base64::engine::general_purpose::STANDARD.encode(sig.serialize_compact())
    }
}

/// Parses a trusted public key: compressed (66 hex digits) or uncompressed (130) hex.
pub fn parse_public_key(s: &str) -> Result<PublicKey, SnapshotError> {
    let s = s.trim();
    let bytes = hex::decode(s).map_err(|_| key_error("public key", s.into(), "not hex"))?;
    if bytes.len() != 33 && bytes.len() != 65 {
        return Err(key_error(
            "public key",
            s.into(),
            "expected 33 (compressed) or 65 (uncompressed) bytes",
        ));
    }
    PublicKey::from_slice(&bytes).map_err(|e| key_error("public key", s.into(), e.to_string()))
}

/// Whether `sig_b64` is `key`'s signature of `digest`. Anything malformed is simply not a
/// valid signature.
pub fn verify_digest(key: &PublicKey, digest: &[u8; 32], sig_b64: &str) -> bool {
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(sig_b64) else {
        return false;
    };
    let Ok(mut sig) = Signature::from_compact(&bytes) else {
        return false;
    };
    sig.normalize_s();
    Secp256k1::verification_only()
        .verify_ecdsa(&Message::from_digest(*digest), &sig, key)
        .is_ok()
}

#[cfg(test)]
mod tests {
    use bitcoin::secp256k1::constants::CURVE_ORDER;

    use super::*;

    const KEY_HEX: &str = "0000000000000000000000000000000000000000000000000000000000000001";

    fn key() -> SigningKey {
        KEY_HEX.parse().expect("key")
    }

    #[test]
    fn accepts_the_private_key_forms_of_the_original() {
        let plain = key();
        let compressed: SigningKey = format!("{KEY_HEX}01").parse().expect("66 hex");
        let wif: SigningKey = "KwDiBf89QgGbjEhKnhXJuH7LrciVrZi3qYjgd9M7rFU73sVHnoWn"
            .parse()
            .expect("wif");
        assert_eq!(plain.public_key(), compressed.public_key());
        assert_eq!(plain.public_key(), wif.public_key());
        for bad in ["", "zz", &format!("{KEY_HEX}02"), &"00".repeat(32)] {
            let err = bad.parse::<SigningKey>().expect_err(bad);
            assert!(!err.to_string().contains(KEY_HEX), "{err}");
        }
    }

    #[test]
    fn accepts_compressed_and_uncompressed_public_keys() {
        let pk = key().public_key();
        let c = parse_public_key(&hex::encode(pk.serialize())).expect("compressed");
        let u = parse_public_key(&hex::encode(pk.serialize_uncompressed())).expect("uncompressed");
        assert_eq!(c, u);
        assert!(parse_public_key("02abcd").is_err());
        assert!(parse_public_key(&format!("02{}", "ff".repeat(32))).is_err());
        assert!(parse_public_key("not hex at all").is_err());
    }

    #[test]
    fn signatures_are_88_base64_characters_with_low_s_and_verify() {
        let digest = [7u8; 32];
        let sig = key().sign_digest(&digest);
        assert_eq!(sig.len(), 88);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&sig)
            .expect("b64");
        // s is at most n/2: its top byte is at most 0x7f.
        assert!(bytes[32] <= 0x7f);
        assert!(verify_digest(&key().public_key(), &digest, &sig));
        assert!(!verify_digest(&key().public_key(), &[8u8; 32], &sig));
        let other: SigningKey = "02".repeat(32).parse().expect("key");
        assert!(!verify_digest(&other.public_key(), &digest, &sig));
        assert!(!verify_digest(&key().public_key(), &digest, "not base64!"));
        assert!(!verify_digest(&key().public_key(), &digest, "AAAA"));
    }

    #[test]
    fn a_high_s_signature_still_verifies() {
        let digest = [9u8; 32];
        let sig = key().sign_digest(&digest);
        let mut bytes = base64::engine::general_purpose::STANDARD
            .decode(&sig)
            .expect("b64");
        // s' = n - s (big-endian subtraction).
        let mut borrow = 0i16;
        for i in (0..32).rev() {
            let v = i16::from(CURVE_ORDER[i]) - i16::from(bytes[32 + i]) - borrow;
            borrow = i16::from(v < 0);
            bytes[32 + i] = v.rem_euclid(256) as u8;
        }
        assert!(bytes[32] > 0x7f);
        let high = base64::engine::general_purpose::STANDARD.encode(&bytes);
        assert!(verify_digest(&key().public_key(), &digest, &high));
    }
}
