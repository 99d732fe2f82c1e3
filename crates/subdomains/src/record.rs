//! A subdomain record as `subdomains.db` holds it, and the reply shapes built from it
//! (`Subdomain.to_json` in `blockstack/lib/subdomains.py`, core-rpc.md §4.2).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use blockstack_zonefile::subdomain::SubdomainRecord;
use serde_json::{Map, Value};

/// The `signature` column of a record without `sig` (Python's `str(None)`).
pub const NO_SIGNATURE: &str = "None";

/// One row of `subdomain_records`: a subdomain operation found in one carrier zone file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// `fully_qualified_subdomain`: `label.name.namespace`.
    pub fqn: String,
    /// `domain`: the carrier, the on-chain name whose zone file held the record.
    pub domain: String,
    /// `sequence`.
    pub sequence: i64,
    /// `owner`: the owner address exactly as written in the record.
    pub owner: String,
    /// `zonefile_hash`: hash160 of the subdomain's own zone file.
    pub zonefile_hash: String,
    /// `signature`: the base64 scriptSig, or [`NO_SIGNATURE`].
    pub signature: String,
    /// `block_height`: the block of the carrier's zone-file-setting operation.
    pub block_height: u64,
    /// `parent_zonefile_hash`: the carrier zone file's hash.
    pub parent_zonefile_hash: String,
    /// `parent_zonefile_index`: the carrier row's Atlas `inv_index` (1-based, chain order).
    pub parent_zonefile_index: u64,
    /// `txid`: the carrier operation's txid.
    pub txid: String,
    /// `missing`: the carrier's `_missing` list (inventory indexes it admits are lost).
    pub missing: Vec<i64>,
    /// `accepted`: whether the record takes effect (spec §5).
    pub accepted: bool,
}

impl StoredRecord {
    /// The `missing` column: the list joined with commas.
    pub fn missing_column(&self) -> String {
        self.missing
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Parses the `missing` column; items that are not integers are dropped (the indexer
    /// never writes any).
    pub fn parse_missing(column: &str) -> Vec<i64> {
        column
            .split(',')
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.trim().parse().ok())
            .collect()
    }
}

/// A stored record together with the subdomain's own zone file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subdomain {
    /// The row.
    pub record: StoredRecord,
    /// The zone file whose hash is `record.zonefile_hash`.
    pub zonefile: Vec<u8>,
}

impl Subdomain {
    /// The record in the form the acceptance rules read.
    pub fn to_rule_record(&self) -> SubdomainRecord {
        SubdomainRecord {
            fqn: self.record.fqn.clone(),
            carrier: self.record.domain.clone(),
            owner: self.record.owner.clone(),
            sequence: self.record.sequence,
            zonefile: self.zonefile.clone(),
            signature: (self.record.signature != NO_SIGNATURE)
                .then(|| self.record.signature.clone()),
        }
    }

    /// The RPC record (`to_json`): `name`, `domain` (the carrier), `address`, `sequence`,
    /// `block_number`, `txid`, `value_hash`, `zonefile` (base64), and `pending` when given.
    pub fn to_json(&self, pending: Option<bool>) -> Map<String, Value> {
        let r = &self.record;
        let mut m = Map::new();
        m.insert("address".into(), Value::from(r.owner.clone()));
        m.insert("block_number".into(), Value::from(r.block_height));
        m.insert("domain".into(), Value::from(r.domain.clone()));
        m.insert("name".into(), Value::from(r.fqn.clone()));
        m.insert("sequence".into(), Value::from(r.sequence));
        m.insert("txid".into(), Value::from(r.txid.clone()));
        m.insert("value_hash".into(), Value::from(r.zonefile_hash.clone()));
        m.insert(
            "zonefile".into(),
            Value::from(STANDARD.encode(&self.zonefile)),
        );
        if let Some(p) = pending {
            m.insert("pending".into(), Value::Bool(p));
        }
        m
    }
}

/// The `history` object of `get_name_blockchain_record` for a subdomain: block height (a
/// string key) to the accepted records of that block, in chain order.
pub fn history_json(history: &[Subdomain]) -> Map<String, Value> {
    let mut out = Map::new();
    for sub in history {
        let key = sub.record.block_height.to_string();
        let entry = out.entry(key).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = entry {
            list.push(Value::Object(sub.to_json(None)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(seq: i64, block: u64, index: u64) -> Subdomain {
        Subdomain {
            record: StoredRecord {
                fqn: "foo.bar.id".into(),
                domain: "bar.id".into(),
                sequence: seq,
                owner: "1MwPD6dH4fE3gQ9mCov81L1DEQWT7E85qH".into(),
                zonefile_hash: blockstack_zonefile::zonefile_hash(b"zf"),
                signature: NO_SIGNATURE.into(),
                block_height: block,
                parent_zonefile_hash: "00".repeat(20),
                parent_zonefile_index: index,
                txid: "ab".repeat(32),
                missing: vec![3, 5],
                accepted: true,
            },
            zonefile: b"zf".to_vec(),
        }
    }

    #[test]
    fn the_missing_column_round_trips() {
        let s = sub(0, 1, 1);
        assert_eq!(s.record.missing_column(), "3,5");
        assert_eq!(StoredRecord::parse_missing("3,5"), vec![3, 5]);
        assert!(StoredRecord::parse_missing("").is_empty());
    }

    #[test]
    fn a_none_signature_is_no_signature_for_the_rules() {
        assert_eq!(sub(0, 1, 1).to_rule_record().signature, None);
        let mut signed = sub(1, 1, 1);
        signed.record.signature = "c2ln".into();
        assert_eq!(signed.to_rule_record().signature.as_deref(), Some("c2ln"));
    }

    #[test]
    fn json_has_the_rpc_fields_and_history_groups_by_block() {
        let s = sub(0, 7, 1);
        let j = s.to_json(Some(false));
        assert_eq!(j["zonefile"], "emY=");
        assert_eq!(j["pending"], false);
        assert_eq!(j["block_number"], 7);
        assert!(!s.to_json(None).contains_key("pending"));
        let history = history_json(&[sub(0, 7, 1), sub(1, 7, 2), sub(2, 9, 3)]);
        assert_eq!(history["7"].as_array().map(Vec::len), Some(2));
        assert_eq!(history["7"][1]["sequence"], 1);
        assert_eq!(history["9"][0]["sequence"], 2);
    }
}
