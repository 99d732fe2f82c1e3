//! Who must have signed a snapshot: N of M trusted keys, each counted at most once.
//!
//! v0.18's loop (`fast_sync_import`) credits a key once per matching signature, so one key that
//! signed twice satisfied "2 of 2", and its result depended on signature order. Here a trusted
//! key counts when at least one signature in the file is valid under it, whatever the order,
//! and the same key given twice (even once compressed and once uncompressed) is one key.

use std::collections::BTreeSet;

use bitcoin::secp256k1::PublicKey;

use crate::error::SnapshotError;
use crate::keys::verify_digest;

/// The keys a snapshot is checked against and how many of them must have signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustPolicy {
    keys: Vec<PublicKey>,
    required: usize,
}

impl TrustPolicy {
    /// A policy over `keys` (duplicates merged) requiring `required` of them, or all of them
    /// when `required` is `None` (v0.18's default).
    pub fn new(keys: Vec<PublicKey>, required: Option<usize>) -> Result<Self, SnapshotError> {
        let mut seen = BTreeSet::new();
        let keys: Vec<PublicKey> = keys
            .into_iter()
            .filter(|k| seen.insert(k.serialize()))
            .collect();
        if keys.is_empty() {
            return Err(SnapshotError::Policy(
                "no trusted public key: give --public-key or set [blockstack] fast_sync_public_keys"
                    .into(),
            ));
        }
        let required = required.unwrap_or(keys.len());
        if required == 0 || required > keys.len() {
            return Err(SnapshotError::Policy(format!(
                "--num-required {required} must be between 1 and the {} distinct trusted key(s)",
                keys.len()
            )));
        }
        Ok(Self { keys, required })
    }

    /// The distinct trusted keys.
    pub fn keys(&self) -> &[PublicKey] {
        &self.keys
    }

    /// How many must have signed.
    pub fn required(&self) -> usize {
        self.required
    }

    /// The trusted keys with at least one valid signature of `digest` among `signatures`, in
    /// the policy's key order.
    pub fn signers(&self, digest: &[u8; 32], signatures: &[String]) -> Vec<PublicKey> {
        self.keys
            .iter()
            .filter(|k| signatures.iter().any(|s| verify_digest(k, digest, s)))
            .copied()
            .collect()
    }

    /// [`TrustPolicy::signers`], or an error when fewer than `required` signed.
    pub fn check(
        &self,
        digest: &[u8; 32],
        signatures: &[String],
    ) -> Result<Vec<PublicKey>, SnapshotError> {
        let signers = self.signers(digest, signatures);
        if signers.len() < self.required {
            return Err(SnapshotError::NotEnoughSignatures {
                found: signers.len(),
                required: self.required,
                signatures: signatures.len(),
            });
        }
        Ok(signers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SigningKey;

    fn key(n: u8) -> SigningKey {
        format!("{:064x}", u32::from(n) + 1).parse().expect("key")
    }

    const DIGEST: [u8; 32] = [3u8; 32];

    #[test]
    fn one_key_signing_twice_counts_once() {
        let k = key(1);
        let policy =
            TrustPolicy::new(vec![k.public_key(), key(2).public_key()], Some(2)).expect("policy");
        let sigs = vec![k.sign_digest(&DIGEST), k.sign_digest(&DIGEST)];
        let err = policy
            .check(&DIGEST, &sigs)
            .expect_err("one distinct signer");
        assert!(matches!(
            err,
            SnapshotError::NotEnoughSignatures {
                found: 1,
                required: 2,
                signatures: 2
            }
        ));
    }

    #[test]
    fn the_same_key_listed_twice_is_one_trusted_key() {
        let pk = key(1).public_key();
        let uncompressed = PublicKey::from_slice(&pk.serialize_uncompressed()).expect("key");
        let err = TrustPolicy::new(vec![pk, uncompressed], Some(2)).expect_err("one key");
        assert!(err.to_string().contains("1 distinct"), "{err}");
        let policy = TrustPolicy::new(vec![pk, uncompressed], None).expect("policy");
        assert_eq!(policy.required(), 1);
    }

    #[test]
    fn order_of_signatures_and_keys_does_not_matter() {
        let (a, b, c) = (key(1), key(2), key(3));
        let sigs = vec![c.sign_digest(&DIGEST), a.sign_digest(&DIGEST)];
        let mut reversed = sigs.clone();
        reversed.reverse();
        for keys in [
            vec![a.public_key(), b.public_key(), c.public_key()],
            vec![c.public_key(), b.public_key(), a.public_key()],
        ] {
            let policy = TrustPolicy::new(keys, Some(2)).expect("policy");
            assert_eq!(policy.check(&DIGEST, &sigs).expect("2 of 3").len(), 2);
            assert_eq!(policy.check(&DIGEST, &reversed).expect("2 of 3").len(), 2);
        }
    }

    #[test]
    fn untrusted_and_invalid_signatures_do_not_count() {
        let (a, stranger) = (key(1), key(9));
        let policy = TrustPolicy::new(vec![a.public_key()], None).expect("policy");
        let sigs = vec![
            stranger.sign_digest(&DIGEST),
            a.sign_digest(&[4u8; 32]),
            "garbage".into(),
        ];
        assert!(policy.check(&DIGEST, &sigs).is_err());
        let mut with_good = sigs;
        with_good.push(a.sign_digest(&DIGEST));
        assert_eq!(
            policy.check(&DIGEST, &with_good).expect("signed"),
            vec![a.public_key()]
        );
    }

    #[test]
    fn thresholds_outside_one_to_the_key_count_are_refused() {
        let keys = vec![key(1).public_key(), key(2).public_key()];
        assert!(TrustPolicy::new(keys.clone(), Some(0)).is_err());
        assert!(TrustPolicy::new(keys.clone(), Some(3)).is_err());
        assert!(TrustPolicy::new(Vec::new(), None).is_err());
        assert_eq!(TrustPolicy::new(keys, None).expect("all").required(), 2);
    }
}
