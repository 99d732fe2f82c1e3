//! Test support: an in-memory carrier source, keys and addresses, and carrier zone files
//! holding signed subdomain records.
#![allow(dead_code, clippy::unwrap_used)]

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};

use bitcoin::hashes::{hash160, Hash};
use bitcoin::secp256k1::{Secp256k1, SecretKey};
use blockstack_subdomains::{CarrierRow, CarrierSource, SubdomainError};
use blockstack_zonefile::subdomain::{
    sign_singlesig, AddressKind, AddressNetwork, Owner, SubdomainRecord,
};

/// A secret key from one repeated byte.
pub fn key(byte: u8) -> SecretKey {
    SecretKey::from_slice(&[byte; 32]).expect("valid key")
}

/// The mainnet p2pkh address of `key`'s compressed public key.
pub fn address(key: &SecretKey) -> String {
    let pubkey = bitcoin::PublicKey {
        compressed: true,
        inner: key.public_key(&Secp256k1::new()),
    };
    Owner {
        kind: AddressKind::P2pkh,
        payload: hash160::Hash::hash(&pubkey.to_bytes())
            .to_byte_array()
            .to_vec(),
    }
    .to_address(AddressNetwork::Mainnet)
}

/// A subdomain's own zone file.
pub fn own_zonefile(label: &str, tag: &str) -> Vec<u8> {
    format!(
        "$ORIGIN {label}\n$TTL 3600\n_https._tcp URI 10 1 \"https://example.com/{label}/{tag}.json\"\n"
    )
    .into_bytes()
}

/// One operation on `fqn` carried by `carrier`: sequence `seqn`, owned by `owner`, signed
/// by `signer` (unsigned when `None`).
pub fn op(
    fqn: &str,
    carrier: &str,
    owner: &str,
    seqn: i64,
    tag: &str,
    signer: Option<&SecretKey>,
) -> SubdomainRecord {
    let label = fqn.split('.').next().unwrap_or_default();
    let mut rec = SubdomainRecord {
        fqn: fqn.into(),
        carrier: carrier.into(),
        owner: owner.into(),
        sequence: seqn,
        zonefile: own_zonefile(label, tag),
        signature: None,
    };
    if let Some(k) = signer {
        rec.signature = Some(sign_singlesig(rec.plaintext().as_bytes(), k, true));
    }
    rec
}

/// A carrier zone file for `carrier` holding `records` (and a `_missing` list if given).
pub fn carrier_zonefile(carrier: &str, records: &[SubdomainRecord], missing: &[u64]) -> Vec<u8> {
    let mut text = format!(
        "$ORIGIN {carrier}\n$TTL 3600\n_https._tcp URI 10 1 \"https://example.com/{carrier}.json\"\n"
    );
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(u64::to_string).collect();
        text.push_str(&format!("_missing TXT \"{}\"\n", list.join(",")));
    }
    for rec in records {
        let txt = rec.to_txt_record();
        let strings: Vec<String> = txt
            .txt
            .strings()
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect();
        text.push_str(&format!("{} TXT {}\n", txt.name, strings.join(" ")));
    }
    text.into_bytes()
}

/// A chain of announced zone files and a store, in memory.
#[derive(Default)]
pub struct FakeSource {
    pub rows: RefCell<Vec<CarrierRow>>,
    /// Every announced zone file, held or not.
    pub announced: RefCell<BTreeMap<String, Vec<u8>>>,
    /// The zone files held.
    pub files: RefCell<BTreeMap<String, Vec<u8>>>,
    pub kept: RefCell<HashSet<String>>,
    /// Fail fetching this zone file (to interrupt a pass).
    pub fail_on: RefCell<Option<String>>,
}

impl FakeSource {
    /// Announces `zonefile` for `name` at `block`; held now if `present`. Returns the row's
    /// `inv_index`.
    pub fn announce(&self, name: &str, zonefile: &[u8], block: u64, present: bool) -> u64 {
        let hash = blockstack_zonefile::zonefile_hash(zonefile);
        let mut rows = self.rows.borrow_mut();
        let inv_index = rows.len() as u64 + 1;
        rows.push(CarrierRow {
            inv_index,
            name: name.into(),
            zonefile_hash: hash.clone(),
            txid: format!("{inv_index:064x}"),
            block_height: block,
            present: false,
        });
        drop(rows);
        self.announced
            .borrow_mut()
            .insert(hash.clone(), zonefile.to_vec());
        if present {
            self.deliver(&hash);
        }
        inv_index
    }

    /// The zone file with `hash` arrives.
    pub fn deliver(&self, hash: &str) {
        if let Some(bytes) = self.announced.borrow().get(hash) {
            self.files.borrow_mut().insert(hash.into(), bytes.clone());
        }
    }
}

impl FakeSource {
    fn present(&self, hash: &str) -> bool {
        self.files.borrow().contains_key(hash)
    }
}

impl CarrierSource for FakeSource {
    fn rows_from(&self, start: u64, limit: usize) -> Result<Vec<CarrierRow>, SubdomainError> {
        Ok(self
            .rows
            .borrow()
            .iter()
            .filter(|r| r.inv_index >= start)
            .take(limit)
            .map(|r| CarrierRow {
                present: self.present(&r.zonefile_hash),
                ..r.clone()
            })
            .collect())
    }

    fn rows_present(&self, inv_indexes: &[u64]) -> Result<Vec<bool>, SubdomainError> {
        let rows = self.rows.borrow();
        Ok(inv_indexes
            .iter()
            .map(|&i| {
                rows.get((i as usize).wrapping_sub(1))
                    .is_some_and(|r| self.present(&r.zonefile_hash))
            })
            .collect())
    }

    fn zonefile(&self, hash: &str) -> Result<Option<Vec<u8>>, SubdomainError> {
        if self.fail_on.borrow().as_deref() == Some(hash) {
            return Err(SubdomainError::Source("store unavailable".into()));
        }
        Ok(self.files.borrow().get(hash).cloned())
    }

    fn keep_subdomain_zonefile(&self, bytes: &[u8]) -> Result<(), SubdomainError> {
        self.kept
            .borrow_mut()
            .insert(blockstack_zonefile::zonefile_hash(bytes));
        Ok(())
    }
}
