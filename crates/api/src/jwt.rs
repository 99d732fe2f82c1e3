//! ES256K JSON web tokens, as Blockstack profile tokens use them (`jsontokens`): three
//! base64url segments (header, payload, signature), the signature an ECDSA secp256k1
//! signature over SHA-256 of `header.payload`, written as JOSE `r‖s` (64 bytes).
//!
//! Verification accepts what the original's verifier accepts: a high-S signature is
//! normalised before checking (OpenSSL does not insist on low S), a DER signature is read as
//! well as `r‖s`, and segments may carry `=` padding. Signing always writes low-S `r‖s`.
//! Claims (`issuedAt`, `expiresAt`) are not checked here: the original's profile reader does
//! not check them either.

use std::sync::LazyLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use bitcoin::hashes::{sha256, Hash as _};
use bitcoin::secp256k1::{ecdsa::Signature, All, Message, PublicKey, Secp256k1, SecretKey};
use serde_json::{json, Value};
use thiserror::Error;

/// The one algorithm profile tokens use.
pub const ALGORITHM: &str = "ES256K";

static SECP: LazyLock<Secp256k1<All>> = LazyLock::new(Secp256k1::new);

/// Why a token was refused.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TokenError {
    /// Not three `.`-separated segments.
    #[error("a token has three dot-separated segments, this one has {0}")]
    Segments(usize),
    /// A segment is not base64url.
    #[error("the token's {0} is not base64url")]
    Base64(&'static str),
    /// The header or payload is not a JSON object.
    #[error("the token's {0} is not a JSON object")]
    Json(&'static str),
    /// The header names another algorithm.
    #[error("unsupported token algorithm {0:?} (only ES256K)")]
    Algorithm(String),
    /// The signature bytes are neither `r‖s` nor DER.
    #[error("the token's signature is malformed")]
    SignatureFormat,
    /// The signature does not verify under the key.
    #[error("the token's signature does not verify")]
    BadSignature,
}

/// A token split and decoded, not yet verified.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedToken {
    /// The header object (`{"typ": "JWT", "alg": "ES256K"}`).
    pub header: Value,
    /// The payload object.
    pub payload: Value,
    /// The signature, normalised to low S.
    signature: Signature,
    /// `header.payload` as it appears in the token: what the signature covers.
    signing_input: String,
}

fn b64(segment: &str, what: &'static str) -> Result<Vec<u8>, TokenError> {
    URL_SAFE_NO_PAD
        .decode(segment.trim_end_matches('='))
        .map_err(|_| TokenError::Base64(what))
}

fn json_object(bytes: &[u8], what: &'static str) -> Result<Value, TokenError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(TokenError::Json(what)),
    }
}

/// Splits and decodes `token`, checking its form and algorithm but not its signature.
pub fn decode(token: &str) -> Result<DecodedToken, TokenError> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    let [header_b64, payload_b64, sig_b64] = parts[..] else {
        return Err(TokenError::Segments(parts.len()));
    };
    let header = json_object(&b64(header_b64, "header")?, "header")?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if alg != ALGORITHM {
        return Err(TokenError::Algorithm(alg.to_owned()));
    }
    let payload = json_object(&b64(payload_b64, "payload")?, "payload")?;
    let sig_bytes = b64(sig_b64, "signature")?;
    let mut signature = if sig_bytes.len() == 64 {
        Signature::from_compact(&sig_bytes)
    } else {
        Signature::from_der(&sig_bytes)
    }
    .map_err(|_| TokenError::SignatureFormat)?;
    signature.normalize_s();
    Ok(DecodedToken {
        header,
        payload,
        signature,
        signing_input: format!("{header_b64}.{payload_b64}"),
    })
}

impl DecodedToken {
    /// Checks the signature under `key`.
    pub fn verify(&self, key: &PublicKey) -> Result<(), TokenError> {
        let digest = sha256::Hash::hash(self.signing_input.as_bytes());
        let msg = Message::from_digest(digest.to_byte_array());
        SECP.verify_ecdsa(&msg, &self.signature, key)
            .map_err(|_| TokenError::BadSignature)
    }
}

/// Decodes `token` and checks its signature under `key`.
pub fn verify(token: &str, key: &PublicKey) -> Result<DecodedToken, TokenError> {
    let decoded = decode(token)?;
    decoded.verify(key)?;
    Ok(decoded)
}

/// Signs `payload` with `key` as an ES256K token (header `{"typ": "JWT", "alg": "ES256K"}`).
pub fn sign(payload: &Value, key: &SecretKey) -> String {
    let header = json!({"typ": "JWT", "alg": ALGORITHM});
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let digest = sha256::Hash::hash(signing_input.as_bytes());
    let sig = SECP.sign_ecdsa(&Message::from_digest(digest.to_byte_array()), key);
    format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(sig.serialize_compact())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SecretKey {
        SecretKey::from_slice(&[byte; 32]).expect("key")
    }

    /// The sample token of `jsontokens` (its `mainTests`), signed by the library itself.
    const JSONTOKENS_SAMPLE: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NksifQ.eyJpc3N1ZWRBdCI6IjE0NDA3MTM0MTQuODUiLCJjaGFsbGVuZ2UiOiI3Y2Q5ZWQ1ZS1iYjBlLTQ5ZWEtYTMyMy1mMjhiZGUzYTA1NDkiLCJpc3N1ZXIiOnsicHVibGljS2V5IjoiMDNmZGQ1N2FkZWMzZDQzOGVhMjM3ZmU0NmIzM2VlMWUwMTZlZGE2YjU4NWMzZTI3ZWE2NjY4NmMyZWE1MzU4NDc5IiwiY2hhaW5QYXRoIjoiYmQ2Mjg4NWVjM2YwZTM4MzgwNDMxMTVmNGNlMjVlZWRkMjJjYzg2NzExODAzZmIwYzE5NjAxZWVlZjE4NWUzOSIsInB1YmxpY0tleWNoYWluIjoieHB1YjY2MU15TXdBcVJiY0ZRVnJRcjRRNGtQamFQNEpqV2FmMzlmQlZLalBkSzZvR0JheUU0NkdBbUt6bzVVRFBRZExTTTlEdWZaaVA4ZWF1eTU2WE51SGljQnlTdlpwN0o1d3N5UVZwaTJheHpaIiwiYmxvY2tjaGFpbmlkIjoicnlhbiJ9fQ.DUf6Rnw6FBKv4Q3y95RX7rR6HG_L1Va96ThcIYTycOf1j_bf9WleLsOyiZ-35Qfw7FgDnW7Utvz4sNjdWOSnhQ";
    const JSONTOKENS_PUBKEY: &str =
        "03fdd57adec3d438ea237fe46b33ee1e016eda6b585c3e27ea66686c2ea5358479";
    const JSONTOKENS_PRIVKEY: &str =
        "278a5de700e29faae8e40e366ec5012b5ec63d36ec77e8a2417154cc1d25383f";

    #[test]
    fn the_jsontokens_sample_token_verifies() {
        let pk: PublicKey = JSONTOKENS_PUBKEY.parse().expect("key");
        let decoded = verify(JSONTOKENS_SAMPLE, &pk).expect("the library's own token verifies");
        assert_eq!(decoded.header, json!({"typ": "JWT", "alg": "ES256K"}));
        assert_eq!(decoded.payload["issuer"]["blockchainid"], "ryan");
        assert_eq!(decoded.payload["issuedAt"], "1440713414.85");
        let sk: SecretKey = JSONTOKENS_PRIVKEY.parse().expect("secret");
        assert_eq!(sk.public_key(&SECP), pk);
        // What this module signs with that key verifies under the library's public key.
        let ours = sign(&decoded.payload, &sk);
        assert_eq!(verify(&ours, &pk).expect("ours").payload, decoded.payload);
        assert_eq!(
            verify(JSONTOKENS_SAMPLE, &key(2).public_key(&SECP)),
            Err(TokenError::BadSignature)
        );
    }

    #[test]
    fn a_signed_token_verifies_under_its_key_only() {
        let sk = key(7);
        let pk = sk.public_key(&SECP);
        let payload = json!({"claim": {"name": "Alice"}});
        let token = sign(&payload, &sk);
        let decoded = verify(&token, &pk).expect("verifies");
        assert_eq!(decoded.payload, payload);
        assert_eq!(decoded.header["alg"], "ES256K");
        let other = key(8).public_key(&SECP);
        assert_eq!(verify(&token, &other), Err(TokenError::BadSignature));
    }

    #[test]
    fn a_changed_payload_or_signature_fails() {
        let sk = key(9);
        let pk = sk.public_key(&SECP);
        let token = sign(&json!({"claim": {"n": 1}}), &sk);
        let parts: Vec<&str> = token.split('.').collect();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(json!({"claim": {"n": 2}}).to_string()),
            parts[2]
        );
        assert_eq!(verify(&forged, &pk), Err(TokenError::BadSignature));
        let mut sig = URL_SAFE_NO_PAD.decode(parts[2]).expect("sig");
        sig[10] ^= 1;
        let flipped = format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(sig));
        assert!(verify(&flipped, &pk).is_err());
    }

    #[test]
    fn high_s_and_der_signatures_are_accepted_as_the_original_accepts_them() {
        let sk = key(3);
        let pk = sk.public_key(&SECP);
        let token = sign(&json!({"a": 1}), &sk);
        let parts: Vec<&str> = token.split('.').collect();
        let low =
            Signature::from_compact(&URL_SAFE_NO_PAD.decode(parts[2]).expect("b64")).expect("sig");
        // n - s: the high-S twin of the same signature.
        let compact = low.serialize_compact();
        let n = hex::decode("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
            .expect("hex");
        let mut high_s = [0u8; 32];
        let mut borrow = 0i16;
        for i in (0..32).rev() {
            let d = i16::from(n[i]) - i16::from(compact[32 + i]) - borrow;
            borrow = i16::from(d < 0);
            high_s[i] = d.rem_euclid(256) as u8;
        }
        let mut high = compact.to_vec();
        high[32..].copy_from_slice(&high_s);
        assert_ne!(high, compact.to_vec());
        let high_token = format!(
            "{}.{}.{}",
            parts[0],
            parts[1],
            URL_SAFE_NO_PAD.encode(&high)
        );
        verify(&high_token, &pk).expect("high S verifies");
        let der = low.serialize_der();
        let der_token = format!(
            "{}.{}.{}=",
            parts[0],
            parts[1],
            URL_SAFE_NO_PAD.encode(&*der)
        );
        verify(&der_token, &pk).expect("DER verifies, padding tolerated");
    }

    #[test]
    fn malformed_tokens_are_refused_with_their_reason() {
        let pk = key(1).public_key(&SECP);
        assert_eq!(verify("a.b", &pk), Err(TokenError::Segments(2)));
        assert_eq!(verify("!!.e30.e30", &pk), Err(TokenError::Base64("header")));
        let hs256 = format!("{}.e30.AAAA", URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256"}"#));
        assert_eq!(
            verify(&hs256, &pk),
            Err(TokenError::Algorithm("HS256".into()))
        );
        let h = URL_SAFE_NO_PAD.encode(r#"{"alg":"ES256K"}"#);
        assert_eq!(
            verify(&format!("{h}.WzFd.AAAA"), &pk),
            Err(TokenError::Json("payload"))
        );
        assert_eq!(
            verify(&format!("{h}.e30.AAAA"), &pk),
            Err(TokenError::SignatureFormat)
        );
    }
}
