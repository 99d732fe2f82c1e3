//! Named wallets: single keys (P2PKH) and m-of-n multisig bundles (P2SH), derived from their
//! scenario and label so that a run can be reproduced, and the BIP32 import keychain the
//! original derives from a namespace revealer's key (bns.md §9.12).

use std::sync::Arc;

use bitcoin::bip32::{ChainCode, ChildNumber, Xpriv};
use bitcoin::hashes::{sha256, Hash};
use bitcoin::secp256k1::Secp256k1;
use bitcoin::{Amount, NetworkKind, ScriptBuf};
use blockstack_wallet::{KeyInfo, MultisigKey, SingleKey};

/// What a scenario asks the bank for: a wallet and the coins it starts with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    /// The wallet's label, unique within the scenario.
    pub label: String,
    /// `Some((m, n))` for an m-of-n multisig bundle.
    pub multisig: Option<(usize, usize)>,
    /// One UTXO of each amount.
    pub coins: Vec<Amount>,
}

/// Coins a wallet gets unless it asks for others: three UTXOs, so that an owner can pay its
/// own owner operations (one UTXO is returned in full, the others pay).
pub const DEFAULT_COINS: [Amount; 3] = [
    Amount::from_sat(60_000_000),
    Amount::from_sat(60_000_000),
    Amount::from_sat(60_000_000),
];

/// A single-key wallet with the default coins.
pub fn single(label: &str) -> Spec {
    Spec {
        label: label.to_owned(),
        multisig: None,
        coins: DEFAULT_COINS.to_vec(),
    }
}

/// An m-of-n multisig wallet with the default coins.
pub fn multisig(label: &str, m: usize, n: usize) -> Spec {
    Spec {
        label: label.to_owned(),
        multisig: Some((m, n)),
        coins: DEFAULT_COINS.to_vec(),
    }
}

impl Spec {
    /// The same wallet with `count` UTXOs of `each`.
    pub fn coins(mut self, count: usize, each: Amount) -> Self {
        self.coins = vec![each; count];
        self
    }
}

/// A wallet of a scenario. Cloning shares the key.
#[derive(Clone, Debug)]
pub struct Wallet {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    label: String,
    key: KeyInfo,
    script: ScriptBuf,
    address: String,
}

impl PartialEq for Wallet {
    fn eq(&self, other: &Self) -> bool {
        self.inner.script == other.inner.script
    }
}

impl Eq for Wallet {}

fn secret(seed: &str) -> [u8; 32] {
    sha256::Hash::hash(seed.as_bytes()).to_byte_array()
}

fn single_key(seed: &str) -> SingleKey {
    // A sha256 digest is a valid secret key with overwhelming probability; the loop only
    // guards the astronomically rare out-of-range digest.
    let mut seed = seed.to_owned();
    loop {
        if let Ok(key) = SingleKey::from_secret_bytes(&secret(&seed), true, NetworkKind::Test) {
            return key;
        }
        seed.push('\'');
    }
}

impl Wallet {
    /// The wallet `spec` describes, with keys derived from `seed` (scenario name and label).
    pub fn derive(seed: &str, spec: &Spec) -> Wallet {
        let key = match spec.multisig {
            None => KeyInfo::Single(single_key(seed)),
            Some((m, n)) => {
                let members: Vec<SingleKey> = (0..n)
                    .map(|i| single_key(&format!("{seed}/member-{i}")))
                    .collect();
                match MultisigKey::from_private_keys(m, members) {
                    Ok(bundle) => KeyInfo::Multisig(bundle),
                    // An impossible m-of-n falls back to a single key; the scenario's checks on
                    // the owner's address then fail loudly.
                    Err(_) => KeyInfo::Single(single_key(seed)),
                }
            }
        };
        Wallet::from_key(&spec.label, key)
    }

    /// A wallet holding `key`.
    pub fn from_key(label: &str, key: KeyInfo) -> Wallet {
        let script = key.script_pubkey();
        let address = key.address(NetworkKind::Test).to_string();
        Wallet {
            inner: Arc::new(Inner {
                label: label.to_owned(),
                key,
                script,
                address,
            }),
        }
    }

    /// Its label.
    pub fn label(&self) -> &str {
        &self.inner.label
    }

    /// Its key.
    pub fn key(&self) -> &KeyInfo {
        &self.inner.key
    }

    /// The script it owns names and coins with.
    pub fn script(&self) -> &ScriptBuf {
        &self.inner.script
    }

    /// Its script as lowercase hex, the form the name database stores owners in.
    pub fn script_hex(&self) -> String {
        self.inner.script.to_hex_string()
    }

    /// Its testnet address, the form the node RPC reports owners in.
    pub fn address(&self) -> &str {
        &self.inner.address
    }

    /// Whether it is a P2SH multisig bundle.
    pub fn is_multisig(&self) -> bool {
        matches!(self.inner.key, KeyInfo::Multisig(_))
    }

    /// The `index`-th key of the BIP32 import keychain that the original derives from this
    /// (single) key when it imports the first name of a namespace: chain code zero, depth 0,
    /// non-hardened children (bns.md §9.12). `None` for a multisig bundle.
    pub fn keychain_child(&self, index: u32) -> Option<Wallet> {
        let KeyInfo::Single(key) = &self.inner.key else {
            return None;
        };
        let secp = Secp256k1::new();
        let root = Xpriv {
            network: NetworkKind::Test,
            depth: 0,
            parent_fingerprint: Default::default(),
            child_number: ChildNumber::Normal { index: 0 },
            private_key: key.private_key().inner,
            chain_code: ChainCode::from([0u8; 32]),
        };
        let child = ChildNumber::from_normal_idx(index).ok()?;
        let derived = root.derive_priv(&secp, &[child]).ok()?;
        let single = SingleKey::from_secret_bytes(
            &derived.private_key.secret_bytes(),
            true,
            NetworkKind::Test,
        )
        .ok()?;
        Some(Wallet::from_key(
            &format!("{}/keychain-{index}", self.label()),
            KeyInfo::Single(single),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wallets_are_reproducible_from_their_seed() {
        let a = Wallet::derive("s/alice", &single("alice"));
        let again = Wallet::derive("s/alice", &single("alice"));
        let other = Wallet::derive("s/bob", &single("bob"));
        assert_eq!(a, again);
        assert_ne!(a, other);
        assert!(a.address().starts_with('m') || a.address().starts_with('n'));
    }

    #[test]
    fn a_multisig_wallet_owns_through_p2sh() {
        let team = Wallet::derive("s/team", &multisig("team", 2, 3));
        assert!(team.is_multisig());
        assert!(team.script().is_p2sh());
        assert!(team.address().starts_with('2'));
        assert!(team.keychain_child(0).is_none());
    }

    #[test]
    fn keychain_children_differ_from_the_root_and_from_each_other() {
        let revealer = Wallet::derive("s/revealer", &single("revealer"));
        let c0 = revealer.keychain_child(0).expect("child 0");
        let c1 = revealer.keychain_child(1).expect("child 1");
        assert_ne!(c0, revealer);
        assert_ne!(c0, c1);
        assert!(c0.script().is_p2pkh());
    }
}
