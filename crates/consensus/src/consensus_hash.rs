//! Consensus records, their serialization, the ops Merkle root and the block consensus hash
//! (virtualchain's `StateEngine.make_ops_snapshot` / `make_snapshot_from_ops_hash` and
//! `MerkleTree`; spec §10).

use std::fmt::Write;

use bitcoin::hex::DisplayHex;
use serde::{Deserialize, Serialize};

use crate::hash::{dsha256, hash160, name_consensus_hash};
use crate::pyfmt::{bool_str, float_str, list_str};
use crate::record::{CreationOp, NameRecord, NamespaceRecord, PreorderRecord};

/// What one accepted op contributes to its block's consensus hash: the post-op record and which
/// field list it is serialized with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ConsensusRecord {
    /// NAME_PREORDER (`?`).
    NamePreorder(PreorderRecord),
    /// NAME_REGISTRATION or NAME_RENEWAL (`:`).
    NameRegistration(NameRecord),
    /// NAME_IMPORT (`;`).
    NameImport(NameRecord),
    /// NAME_UPDATE (`+`).
    NameUpdate(NameRecord),
    /// NAME_TRANSFER (`>`).
    NameTransfer(NameRecord),
    /// NAME_REVOKE (`~`).
    NameRevoke(NameRecord),
    /// NAMESPACE_PREORDER (`*`).
    NamespacePreorder(PreorderRecord),
    /// NAMESPACE_REVEAL (`&`).
    NamespaceReveal(NamespaceRecord),
    /// NAMESPACE_READY (`!`).
    NamespaceReady(NamespaceRecord),
}

/// Builds `op_byte ":" len:value,len:value,…`.
struct Serializer {
    out: String,
    first: bool,
}

impl Serializer {
    fn new(op_byte: char) -> Self {
        let mut out = String::with_capacity(512);
        out.push(op_byte);
        out.push(':');
        Self { out, first: true }
    }

    fn field(&mut self, value: &str) -> &mut Self {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        // Writing to a String cannot fail.
        let _ = write!(self.out, "{}:", value.len());
        self.out.push_str(value);
        self
    }

    fn opt(&mut self, value: Option<&str>) -> &mut Self {
        self.field(value.unwrap_or(""))
    }

    fn num(&mut self, value: impl Into<u64>) -> &mut Self {
        let value: u64 = value.into();
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        let digits = value.checked_ilog10().map_or(1, |d| d + 1);
        // Writing to a String cannot fail.
        let _ = write!(self.out, "{digits}:{value}");
        self
    }
}

/// `op_fee` as the original types it: a float for imported incarnations, else an integer.
fn op_fee_str(rec: &NameRecord) -> String {
    match rec.last_creation_op {
        CreationOp::Import => float_str(rec.op_fee),
        // int() truncates toward zero; fees are non-negative.
        CreationOp::Preorder => format!("{}", rec.op_fee.trunc() as u64),
    }
}

fn namerec_fields(s: &mut Serializer, r: &NameRecord) {
    s.field(&r.name)
        .opt(r.value_hash.as_deref())
        .field(&r.sender)
        .opt(r.sender_pubkey.as_deref())
        .field(&r.address)
        .num(r.block_number)
        .num(r.preorder_block_number)
        .num(r.first_registered)
        .num(r.last_renewed)
        .field(bool_str(r.revoked))
        .field(r.op.as_str())
        .field(&r.txid)
        .num(r.vtxindex)
        .field(&op_fee_str(r))
        .opt(r.importer.as_deref())
        .opt(r.importer_address.as_deref());
}

fn namespace_fields(s: &mut Serializer, r: &NamespaceRecord) {
    s.field(&r.namespace_id)
        .field(&r.preorder_hash)
        .num(r.version)
        .field(&r.sender)
        .opt(r.sender_pubkey.as_deref())
        .field(&r.address)
        .field(&r.recipient)
        .field(&r.recipient_address)
        .num(r.block_number)
        .num(r.reveal_block)
        .field(r.op_str())
        .field(&r.txid)
        .num(r.vtxindex)
        .num(r.lifetime)
        .num(r.price.coeff)
        .num(r.price.base)
        .field(&list_str(&r.price.buckets))
        .num(r.price.nonalpha_discount)
        .num(r.price.no_vowel_discount);
}

impl ConsensusRecord {
    /// The serialization the original hashes (spec §10.1).
    pub fn serialize(&self) -> String {
        match self {
            Self::NamePreorder(p) => {
                let mut s = Serializer::new('?');
                s.field(&p.preorder_hash)
                    .field(&p.consensus_hash)
                    .field(&p.sender)
                    .opt(p.sender_pubkey.as_deref())
                    .field(&p.address)
                    .num(p.block_number)
                    .field(p.kind.as_str())
                    .field(&p.txid)
                    .num(p.vtxindex)
                    .num(p.op_fee);
                s.out
            }
            Self::NamespacePreorder(p) => {
                let mut s = Serializer::new('*');
                s.field(&p.preorder_hash)
                    .field(&p.consensus_hash)
                    .field(p.kind.as_str())
                    .num(p.op_fee)
                    .field(&p.txid)
                    .num(p.vtxindex)
                    .num(p.block_number)
                    .field(&p.sender)
                    .opt(p.sender_pubkey.as_deref())
                    .field(&p.address);
                s.out
            }
            Self::NameRegistration(r) | Self::NameImport(r) => {
                let op = if matches!(self, Self::NameImport(_)) {
                    ';'
                } else {
                    ':'
                };
                let mut s = Serializer::new(op);
                namerec_fields(&mut s, r);
                s.field(&r.sender).field(&r.address);
                s.out
            }
            Self::NameUpdate(r) => {
                let mut s = Serializer::new('+');
                namerec_fields(&mut s, r);
                let ch = r.consensus_hash.as_deref().unwrap_or("");
                s.field(&name_consensus_hash(&r.name, ch)).field(ch);
                s.out
            }
            Self::NameTransfer(r) => {
                let mut s = Serializer::new('>');
                namerec_fields(&mut s, r);
                let keep = r.op == crate::record::NameOp::TransferKeep;
                s.field(&r.name_hash128)
                    .opt(r.consensus_hash.as_deref())
                    .field(bool_str(keep));
                s.out
            }
            Self::NameRevoke(r) => {
                let mut s = Serializer::new('~');
                namerec_fields(&mut s, r);
                s.out
            }
            Self::NamespaceReveal(r) => {
                let mut s = Serializer::new('&');
                namespace_fields(&mut s, r);
                s.out
            }
            Self::NamespaceReady(r) => {
                let mut s = Serializer::new('!');
                namespace_fields(&mut s, r);
                s.num(r.ready_block);
                s.out
            }
        }
    }
}

/// The root of virtualchain's Merkle tree over hex strings (spec §10.3).
///
/// Leaves are the decoded bytes, reversed; pairs are `dsha256(a ‖ b)`; an odd level duplicates
/// its last node; the root is reversed back. An empty list has no root.
pub fn merkle_root(hexes: &[String]) -> Option<String> {
    let leaves: Vec<Vec<u8>> = hexes
        .iter()
        .map(|h| {
            let mut b = hex::decode(h).unwrap_or_default();
            b.reverse();
            b
        })
        .collect();
    let mut root = root_of(&leaves)?;
    root.reverse();
    Some(root.to_lower_hex_string())
}

/// The Merkle root of already byte-reversed leaves, itself not yet reversed back.
fn root_of<L: AsRef<[u8]>>(leaves: &[L]) -> Option<Vec<u8>> {
    if let [only] = leaves {
        return Some(only.as_ref().to_vec());
    }
    let pair_hash = |a: &[u8], b: &[u8]| {
        let mut data = Vec::with_capacity(a.len() + b.len());
        data.extend_from_slice(a);
        data.extend_from_slice(b);
        dsha256(&data)
    };
    let mut level: Vec<[u8; 32]> = leaves
        .chunks(2)
        .map(|pair| match pair {
            [a, b] => pair_hash(a.as_ref(), b.as_ref()),
            [a] => pair_hash(a.as_ref(), a.as_ref()),
            _ => [0; 32],
        })
        .collect();
    if level.is_empty() {
        return None;
    }
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [a, b] => pair_hash(a, b),
                [a] => pair_hash(a, a),
                _ => [0; 32],
            })
            .collect();
    }
    level.pop().map(|r| r.to_vec())
}

/// The ops hash of a block's consensus records (spec §10.2).
///
/// The leaves are all 32-byte hashes, so sorting their hex text is sorting their bytes.
pub fn ops_hash<'r>(records: impl IntoIterator<Item = &'r ConsensusRecord>) -> String {
    let mut leaves: Vec<[u8; 32]> = records
        .into_iter()
        .map(|r| dsha256(r.serialize().as_bytes()))
        .collect();
    if leaves.is_empty() {
        leaves.push(dsha256(b""));
    }
    leaves.sort_unstable();
    for leaf in &mut leaves {
        leaf.reverse();
    }
    let mut root = root_of(&leaves).unwrap_or_default();
    root.reverse();
    root.to_lower_hex_string()
}

/// The heights whose consensus hashes enter block `height`'s: `height − (2^i − 1)` for
/// i = 1, 2, … while at or above `first_block` (spec §10.4).
pub fn prior_heights(height: u64, first_block: u64) -> impl Iterator<Item = u64> {
    (1u32..64)
        .map_while(move |i| {
            let back = (1u64 << i) - 1;
            height.checked_sub(back)
        })
        .take_while(move |h| *h >= first_block)
}

/// The consensus hash of a block from its ops hash and the prior consensus hashes.
pub fn block_consensus_hash(ops_hash: &str, prior: &[String]) -> String {
    let mut all: Vec<String> = prior.to_vec();
    all.push(ops_hash.to_string());
    all.sort_unstable();
    let root = merkle_root(&all).unwrap_or_default();
    let root_bytes = hex::decode(&root).unwrap_or_default();
    hex::encode(hash160(&root_bytes).get(..16).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY_OPS: &str = "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456";

    #[test]
    fn empty_block_ops_hash() {
        assert_eq!(ops_hash(&[]), EMPTY_OPS);
        assert_eq!(
            merkle_root(&[EMPTY_OPS.to_string()]).as_deref(),
            Some(EMPTY_OPS)
        );
    }

    #[test]
    fn empty_block_chain_of_12_4() {
        let expected = [
            "2a9148d8b13939723d2aca16c75c6d68",
            "1c54465d3486f07be2c7a81af0ef44ad",
            "0efa29f955c6ae3bb5037039d89dba5e",
            "9daa6e59877b9e0ca4772a3df475abd2",
            "996ff3a1e5d612d4e4cf73dea04ccee6",
            "7ffaa0c606e1ebc5240b21934f8cffaa",
            "837782072d30d8cd90041eb1157d0f3b",
            "04c955e6e2c806ead334df392e433b63",
        ];
        let first = 373_601u64;
        let mut chain: Vec<String> = Vec::new();
        for (k, want) in (first..).zip(expected) {
            let prior: Vec<String> = prior_heights(k, first)
                .map(|h| chain[(h - first) as usize].clone())
                .collect();
            let ch = block_consensus_hash(EMPTY_OPS, &prior);
            assert_eq!(ch, want, "block F+{}", k - first);
            chain.push(ch);
        }
    }

    #[test]
    fn prior_heights_skip_list() {
        assert_eq!(prior_heights(100, 100).count(), 0);
        assert_eq!(
            prior_heights(107, 100).collect::<Vec<_>>(),
            vec![106, 104, 100]
        );
        assert_eq!(
            prior_heights(108, 100).collect::<Vec<_>>(),
            vec![107, 105, 101]
        );
    }

    #[test]
    fn merkle_single_leaf_is_identity_and_odd_levels_duplicate() {
        assert_eq!(merkle_root(&["abcd".into()]).as_deref(), Some("abcd"));
        assert_eq!(merkle_root(&[]), None);
        let three = [
            "f54b9eeac27ac116d52e1d4ac959ad3a814c1cf7382db7fa6d89fc0a4ef0c149".to_string(),
            "aa".to_string(),
            "bb".to_string(),
        ];
        let mut four = three.to_vec();
        four.push("bb".into());
        assert_eq!(merkle_root(&three), merkle_root(&four));
    }

    fn preorder_doc_record() -> PreorderRecord {
        PreorderRecord {
            preorder_hash: "26bf7874706ac761afdd403ed6b3b9578fb01a34".into(),
            consensus_hash: "7b696b6f4060b792d41912068944d73b".into(),
            sender: "76a91408d0dd44c1f0a3a4f0957ae95901929d7d66d55788ac".into(),
            sender_pubkey: Some(
                "039a8948d339ecbff44cf426cb85d90fce876f1658d385cdc47f007f279be626ea".into(),
            ),
            address: "1occgbip7tFDXX9MvzQhcnTUUjcVX2dYK".into(),
            block_number: 445_838,
            kind: crate::record::PreorderKind::Name,
            op_fee: 25_000,
            txid: "6730ae09574d5935ffabe3dd63a9341ea54fafae62fde36c27738e9ee9c4e889".into(),
            vtxindex: 40,
            burn_address: "1111111111111111111114oLvT2".into(),
        }
    }

    #[test]
    fn preorder_serialization_of_12_5() {
        let r = ConsensusRecord::NamePreorder(preorder_doc_record());
        let s = r.serialize();
        assert_eq!(
            s,
            "?:40:26bf7874706ac761afdd403ed6b3b9578fb01a34,32:7b696b6f4060b792d41912068944d73b,50:76a91408d0dd44c1f0a3a4f0957ae95901929d7d66d55788ac,66:039a8948d339ecbff44cf426cb85d90fce876f1658d385cdc47f007f279be626ea,33:1occgbip7tFDXX9MvzQhcnTUUjcVX2dYK,6:445838,1:?,64:6730ae09574d5935ffabe3dd63a9341ea54fafae62fde36c27738e9ee9c4e889,2:40,5:25000"
        );
        assert_eq!(
            hex::encode(dsha256(s.as_bytes())),
            "f54b9eeac27ac116d52e1d4ac959ad3a814c1cf7382db7fa6d89fc0a4ef0c149"
        );
        let oh = ops_hash(std::slice::from_ref(&r));
        assert_eq!(
            oh,
            "f54b9eeac27ac116d52e1d4ac959ad3a814c1cf7382db7fa6d89fc0a4ef0c149"
        );
        let prior = [
            "2a9148d8b13939723d2aca16c75c6d68".to_string(),
            "1c54465d3486f07be2c7a81af0ef44ad".to_string(),
        ];
        assert_eq!(
            block_consensus_hash(&oh, &prior),
            "846dd7fec6e9cbee7cdea13aa0fe521b"
        );
    }

    #[test]
    fn two_and_three_leaf_blocks_of_12_5() {
        let a = ConsensusRecord::NamePreorder(preorder_doc_record());
        let mut b_rec = preorder_doc_record();
        b_rec.txid = "11".repeat(32);
        b_rec.vtxindex = 41;
        let b = ConsensusRecord::NamePreorder(b_rec);
        let oh = ops_hash(&[a.clone(), b.clone()]);
        assert_eq!(
            oh,
            "4a1d2c8ae83fd3b6faafca80c8b4c7ef3d11730dd66b7c4265f41d06e61cefcc"
        );
        assert_eq!(
            block_consensus_hash(&oh, &["0efa29f955c6ae3bb5037039d89dba5e".to_string()]),
            "898dd1a246971b83acca564213f7c38d"
        );
        let mut leaves: Vec<String> = [a.serialize(), b.serialize(), "x".to_string()]
            .iter()
            .map(|s| hex::encode(dsha256(s.as_bytes())))
            .collect();
        leaves.sort();
        let root = merkle_root(&leaves).expect("non-empty");
        assert_eq!(
            root,
            "22d0842c8c01cdbe95b37ae07c453ea498ad1a576d3133ef49811bad12158c51"
        );
        assert_eq!(
            block_consensus_hash(&root, &[]),
            "08406d62eb52b369575d53a376dd559e"
        );
    }
}
