//! Reading a profile out of a token file: a JSON array of token records `{token,
//! decodedToken, ...}`, each `token` an ES256K JWT whose payload carries `subject.publicKey`,
//! `issuer.publicKey` and a `claim` object (`blockstack_profiles.get_profile_from_tokens`).
//!
//! A token counts when its issuer key is acceptable and its signature verifies under that
//! key; the profile is the union of the claims of the tokens that count, later tokens
//! overriding earlier ones key by key. As the original's `get_mutable_data`, the signers are
//! tried in two passes: the zone file's data public key first, then the name's owner address
//! (the issuer key's hash160, compressed or uncompressed, against the address's hash). A pass
//! that yields an empty profile has failed.

use bitcoin::hashes::{hash160, Hash as _};
use bitcoin::secp256k1::PublicKey;
use serde_json::{Map, Value};
use thiserror::Error;

use crate::jwt;

/// Who may have signed a name's profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signers {
    /// The zone file's `pubkey:data:` key, when it names exactly one valid key.
    pub data_key: Option<PublicKey>,
    /// The hash160 of the name's owner address (its version byte is ignored, as the
    /// original re-encodes the address to version 0 before comparing).
    pub owner_hash: Option<[u8; 20]>,
}

impl Signers {
    /// The signers of a name: the data key (hex, compressed or not; anything else is
    /// ignored) and the owner address (base58check; anything else is ignored).
    pub fn new(data_key_hex: Option<&str>, owner_address: Option<&str>) -> Self {
        Self {
            data_key: data_key_hex.and_then(|k| k.parse().ok()),
            owner_hash: owner_address
                .and_then(blockstack_consensus::address::decode_base58_address)
                .map(|(_, hash)| hash),
        }
    }
}

/// Why no profile came out of a token file.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TokenFileError {
    /// Not JSON, or not an array of records.
    #[error("the profile is not a JSON array of token records")]
    NotTokenFile,
    /// No token verified under the name's keys (or the verified ones claim nothing).
    #[error("no profile token is signed by the name's data key or owner address")]
    Unverified,
}

/// The issuer key of a token payload, the token's checks passed: `subject.publicKey`,
/// `issuer.publicKey` and `claim` present.
fn issuer_key(payload: &Value) -> Option<(&str, PublicKey)> {
    payload.get("subject")?.get("publicKey")?;
    payload.get("claim")?;
    let text = payload.get("issuer")?.get("publicKey")?.as_str()?;
    Some((text, text.parse().ok()?))
}

/// Both hash160s of `key`: of its compressed and of its uncompressed encoding.
fn key_hashes(key: &PublicKey) -> [[u8; 20]; 2] {
    [
        hash160::Hash::hash(&key.serialize()).to_byte_array(),
        hash160::Hash::hash(&key.serialize_uncompressed()).to_byte_array(),
    ]
}

/// The claims of the records whose verified issuer passes `accept`, merged.
fn claims(records: &[Value], accept: impl Fn(&PublicKey) -> bool) -> Map<String, Value> {
    let mut profile = Map::new();
    for record in records {
        let Some(token) = record.get("token").and_then(Value::as_str) else {
            continue;
        };
        let Ok(decoded) = jwt::decode(token) else {
            continue;
        };
        let Some((issuer_text, issuer)) = issuer_key(&decoded.payload) else {
            continue;
        };
        // Tokens signed with a keychain (a parent key other than the issuer) are refused.
        if let Some(parent) = record.get("parentPublicKey") {
            if parent.as_str() != Some(issuer_text) {
                continue;
            }
        }
        if !accept(&issuer) || decoded.verify(&issuer).is_err() {
            continue;
        }
        if let Some(Value::Object(claim)) = decoded.payload.get("claim") {
            profile.extend(claim.clone());
        }
    }
    profile
}

/// The profile in the token file `bytes`, signed by one of `signers`.
pub fn profile_from_token_file(
    bytes: &[u8],
    signers: &Signers,
) -> Result<Map<String, Value>, TokenFileError> {
    let records = match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Array(records)) => records,
        _ => return Err(TokenFileError::NotTokenFile),
    };
    if let Some(data_key) = &signers.data_key {
        let profile = claims(&records, |issuer| issuer == data_key);
        if !profile.is_empty() {
            return Ok(profile);
        }
    }
    if let Some(owner) = &signers.owner_hash {
        let profile = claims(&records, |issuer| key_hashes(issuer).contains(owner));
        if !profile.is_empty() {
            return Ok(profile);
        }
    }
    Err(TokenFileError::Unverified)
}

/// A token file holding one profile token for `profile`, signed by `key` (as the original's
/// `sign_token_records` writes it): for tests and tools that publish profiles.
pub fn sign_token_file(profile: &Value, key: &bitcoin::secp256k1::SecretKey) -> Value {
    let secp = bitcoin::secp256k1::Secp256k1::signing_only();
    let public = key.public_key(&secp).to_string();
    let payload = serde_json::json!({
        "jti": "profile",
        "iat": "2017-01-01T00:00:00.000Z",
        "exp": "2037-01-01T00:00:00.000Z",
        "subject": {"publicKey": public},
        "issuer": {"publicKey": public},
        "claim": profile,
    });
    let token = jwt::sign(&payload, key);
    serde_json::json!([{
        "token": token,
        "decodedToken": {
            "header": {"typ": "JWT", "alg": jwt::ALGORITHM},
            "payload": payload,
        },
        "publicKey": public,
        "parentPublicKey": public,
        "encrypted": false,
    }])
}

#[cfg(test)]
mod tests {
    use bitcoin::secp256k1::{Secp256k1, SecretKey};
    use serde_json::json;

    use super::*;

    fn sk(b: u8) -> SecretKey {
        SecretKey::from_slice(&[b; 32]).expect("key")
    }

    fn pk(b: u8) -> PublicKey {
        sk(b).public_key(&Secp256k1::new())
    }

    fn address_of(key: &PublicKey, compressed: bool) -> String {
        let bytes = if compressed {
            key.serialize().to_vec()
        } else {
            key.serialize_uncompressed().to_vec()
        };
        blockstack_consensus::address::base58check(
            111,
            &hash160::Hash::hash(&bytes).to_byte_array(),
        )
    }

    fn file(profile: Value, key: u8) -> Vec<u8> {
        sign_token_file(&profile, &sk(key)).to_string().into_bytes()
    }

    #[test]
    fn the_data_key_or_the_owner_address_may_sign() {
        let profile = json!({"@type": "Person", "name": "Alice"});
        let bytes = file(profile.clone(), 5);
        let by_key = Signers {
            data_key: Some(pk(5)),
            owner_hash: None,
        };
        assert_eq!(
            profile_from_token_file(&bytes, &by_key).map(Value::Object),
            Ok(profile.clone())
        );
        for compressed in [true, false] {
            let owner = address_of(&pk(5), compressed);
            let by_owner = Signers::new(Some(&pk(6).to_string()), Some(&owner));
            assert_eq!(
                profile_from_token_file(&bytes, &by_owner).map(Value::Object),
                Ok(profile.clone()),
                "compressed={compressed}"
            );
        }
        let strangers = Signers::new(Some(&pk(6).to_string()), Some(&address_of(&pk(7), true)));
        assert_eq!(
            profile_from_token_file(&bytes, &strangers),
            Err(TokenFileError::Unverified)
        );
    }

    #[test]
    fn claims_merge_and_unverified_records_are_skipped() {
        let mut records = sign_token_file(&json!({"a": 1, "b": 1}), &sk(5));
        let second = sign_token_file(&json!({"b": 2}), &sk(5));
        let forged = sign_token_file(&json!({"c": 3}), &sk(9));
        let list = records.as_array_mut().expect("array");
        list.push(second[0].clone());
        list.push(forged[0].clone());
        list.push(json!({"no": "token"}));
        list.push(json!("junk"));
        let signers = Signers {
            data_key: Some(pk(5)),
            owner_hash: None,
        };
        let got = profile_from_token_file(records.to_string().as_bytes(), &signers);
        assert_eq!(got.map(Value::Object), Ok(json!({"a": 1, "b": 2})));
    }

    #[test]
    fn keychain_records_empty_claims_and_non_files_fail() {
        let signers = Signers {
            data_key: Some(pk(5)),
            owner_hash: None,
        };
        let mut keychain = sign_token_file(&json!({"a": 1}), &sk(5));
        keychain[0]["parentPublicKey"] = json!(pk(6).to_string());
        assert_eq!(
            profile_from_token_file(keychain.to_string().as_bytes(), &signers),
            Err(TokenFileError::Unverified)
        );
        // Without a parent key the record stands on its issuer alone.
        let mut bare = sign_token_file(&json!({"a": 1}), &sk(5));
        if let Some(rec) = bare[0].as_object_mut() {
            rec.remove("parentPublicKey");
        }
        assert!(profile_from_token_file(bare.to_string().as_bytes(), &signers).is_ok());
        assert_eq!(
            profile_from_token_file(&file(json!({}), 5), &signers),
            Err(TokenFileError::Unverified)
        );
        for junk in [&b"{\"token\": 1}"[..], b"not json", b"\"str\""] {
            assert_eq!(
                profile_from_token_file(junk, &signers),
                Err(TokenFileError::NotTokenFile)
            );
        }
        assert_eq!(
            profile_from_token_file(&file(json!({"a": 1}), 5), &Signers::default()),
            Err(TokenFileError::Unverified)
        );
    }
}
