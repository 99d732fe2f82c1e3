//! Record lookups shared by the RPC methods and the REST routes, in the original's reply
//! shapes (core-rpc.md §2, §4).

use base64::Engine as _;
use blockstack_consensus::address::{base58check, decode_base58_address};
use blockstack_consensus::name::{is_name_valid, is_namespace_valid};
use blockstack_consensus::AddressNetwork;
use blockstack_namedb::{NameDbError, NameLookup};
use blockstack_subdomains::{history_json, SubdomainError};
use serde_json::{Map, Value};

use crate::node_info::unix_now;
use crate::service::Reader;
use crate::zonefiles::get_verified;

/// A subdomain record lookup (`get_subdomain_record`).
#[derive(Debug)]
pub enum SubdomainReply {
    /// No such subdomain, or the node does not index subdomains (`Failed to load subdomain`).
    NotFound,
    /// The record, as the RPC's `record` field: the current state with `pending`, and with
    /// `history` when asked.
    Found(Map<String, Value>),
}

/// A name record lookup by the RPC's rules.
#[derive(Debug)]
pub enum NameReply {
    /// No such name (`"Not found."`).
    NotFound,
    /// The name's namespace is gone: the RPC answers `record: null`.
    NamespaceMissing,
    /// The record, as the RPC's `record` field.
    Found(Map<String, Value>),
}

impl Reader<'_> {
    /// `success_response`: `status`, `indexing`, `lastblock`, then `fields`, then the stale
    /// marker.
    pub fn envelope(&self, fields: Map<String, Value>) -> Value {
        let mut m = Map::new();
        m.insert("status".into(), Value::Bool(true));
        m.insert("indexing".into(), Value::Bool(self.status.indexing));
        m.insert(
            "lastblock".into(),
            self.snap.last_block().map_or(Value::Null, Value::from),
        );
        m.extend(fields);
        self.mark_if_stale(&mut m);
        Value::Object(m)
    }

    /// The end of `success_response`: `stale` and `warning` when the node has not indexed
    /// for too long.
    pub fn mark_if_stale(&self, reply: &mut Map<String, Value>) {
        if self.status.is_stale_at(unix_now()) {
            reply.insert("stale".into(), Value::Bool(true));
            reply.insert(
                "warning".into(),
                Value::from(format!(
                    "Daemon has not reindexed since {}",
                    blockstack_consensus::pyfmt::float_str(self.status.last_indexing_time)
                )),
            );
        }
    }

    /// The height queries are evaluated at (`db.lastblock`).
    pub fn lastblock(&self) -> u64 {
        self.snap
            .last_block()
            .unwrap_or_else(|| self.rules.first_block.saturating_sub(1))
    }

    /// A name's record with its deadlines, its zone file (base64, when held and valid) and
    /// optionally its history (`get_name_record` + `load_name_info`).
    pub fn name_record(&self, name: &str, with_history: bool) -> Result<NameReply, NameDbError> {
        let view = match self.snap.name_record(name)? {
            NameLookup::NotFound => return Ok(NameReply::NotFound),
            NameLookup::NamespaceMissing => return Ok(NameReply::NamespaceMissing),
            NameLookup::Found(view) => view,
        };
        let mut rec = match serde_json::to_value(&*view) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        if let Some(hash) = view
            .record
            .value_hash
            .as_deref()
            .filter(|_| self.config.atlas_enabled)
        {
            if let Some(data) = get_verified(self.zonefiles, hash) {
                rec.insert(
                    "zonefile".into(),
                    Value::from(base64::engine::general_purpose::STANDARD.encode(data)),
                );
            }
        }
        if with_history {
            let history = self.snap.history(name)?;
            rec.insert(
                "history".into(),
                serde_json::to_value(history).unwrap_or(Value::Null),
            );
        }
        Ok(NameReply::Found(rec))
    }

    /// A subdomain's current record with `pending` and, when asked, its `history` of
    /// accepted records by block (`get_subdomain_record`).
    pub fn subdomain_record(
        &self,
        fqn: &str,
        with_history: bool,
    ) -> Result<SubdomainReply, SubdomainError> {
        let Some(lookup) = self.subdomains() else {
            return Ok(SubdomainReply::NotFound);
        };
        let Some(current) = lookup.current(fqn)? else {
            return Ok(SubdomainReply::NotFound);
        };
        let mut rec = current.to_json(Some(lookup.pending(fqn)?));
        if with_history {
            rec.insert(
                "history".into(),
                Value::Object(history_json(&lookup.history(fqn)?)),
            );
        }
        Ok(SubdomainReply::Found(rec))
    }

    /// The network's address versions in the subdomain crate's terms.
    pub fn subdomain_network(&self) -> blockstack_zonefile::subdomain::AddressNetwork {
        match self.rules.network {
            AddressNetwork::Mainnet => blockstack_zonefile::subdomain::AddressNetwork::Mainnet,
            AddressNetwork::Testnet => blockstack_zonefile::subdomain::AddressNetwork::Testnet,
        }
    }

    /// The `getinfo` reply (bare, no envelope).
    pub fn getinfo(&self) -> Result<Value, NameDbError> {
        let processed = self.lastblock();
        let consensus = self.snap.consensus_hash_at(processed)?;
        let mut m = Map::new();
        m.insert(
            "last_block_seen".into(),
            Value::from(self.status.last_block_seen),
        );
        m.insert(
            "consensus".into(),
            consensus.map_or(Value::Null, Value::from),
        );
        m.insert(
            "server_version".into(),
            Value::from(self.config.server_version.clone()),
        );
        m.insert("last_block_processed".into(), Value::from(processed));
        m.insert("server_alive".into(), Value::Bool(true));
        m.insert("indexing".into(), Value::Bool(self.status.indexing));
        if let Some(count) = self.status.zonefile_count {
            m.insert("zonefile_count".into(), Value::from(count));
        }
        if self.status.is_stale_at(unix_now()) {
            m.insert("stale".into(), Value::Bool(true));
            m.insert(
                "warning".into(),
                Value::from(
                    "Daemon is behind the chain tip.  Do not rely on it for fresh information.",
                ),
            );
        }
        Ok(Value::Object(m))
    }
}

/// Removes the fields the original strips from records before replying (`sanitize_rec`).
pub fn sanitize(mut state: Map<String, Value>) -> Map<String, Value> {
    state.remove("last_creation_op");
    state
}

/// The original's `check_name`: a syntactically valid on-chain name.
pub fn check_name(name: &str) -> bool {
    is_name_valid(name)
}

/// The original's `check_namespace`.
pub fn check_namespace(id: &str) -> bool {
    is_namespace_valid(id)
}

/// The original's `is_subdomain`: exactly two dots and `OP_SUBDOMAIN_NAME_PATTERN` — a label
/// of one or more `[a-z0-9\-_+]`, then a name of 1–37 of those and a namespace of 1–19.
pub fn is_subdomain(fqn: &str) -> bool {
    let parts: Vec<&str> = fqn.split('.').collect();
    let [label, name, ns] = parts[..] else {
        return false;
    };
    let class = |s: &str| {
        !s.is_empty()
            && s.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'+')
            })
    };
    class(label) && class(name) && class(ns) && name.len() <= 37 && ns.len() <= 19
}

/// The original's `check_address`: 26–35 characters of the base58 alphabet.
pub fn check_address(address: &str) -> bool {
    (26..=35).contains(&address.len()) && address.bytes().all(is_base58_char)
}

/// Whether `b` is in the base58 alphabet.
pub fn is_base58_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() && !matches!(b, b'0' | b'O' | b'I' | b'l')
}

/// `virtualchain.address_reencode`: the same hash under `network`'s version byte for its
/// kind (p2pkh or p2sh). Addresses that do not decode are returned unchanged.
pub fn reencode_address(address: &str, network: AddressNetwork) -> String {
    // A leading `1` spells a leading zero byte: the address is version 0 (mainnet p2pkh, a
    // p2pkh version on no network's p2sh list) or does not decode, and either way it stays as
    // it is when the target is version 0. Most addresses are mainnet ones; this skips their
    // decoding and checksum.
    if network.p2pkh_version() == 0 && address.starts_with('1') {
        return address.to_string();
    }
    let Some((version, hash)) = decode_base58_address(address) else {
        return address.to_string();
    };
    let p2sh = [
        AddressNetwork::Mainnet.p2sh_version(),
        AddressNetwork::Testnet.p2sh_version(),
    ];
    let target = if p2sh.contains(&version) {
        network.p2sh_version()
    } else {
        network.p2pkh_version()
    };
    if target == version {
        // Base58check has one spelling per (version, hash): the address is already it.
        return address.to_string();
    }
    base58check(target, &hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reencoding_keeps_the_hash_and_changes_only_the_version() {
        let hash = [0x5a_u8; 20];
        let main = base58check(AddressNetwork::Mainnet.p2pkh_version(), &hash);
        let test = base58check(AddressNetwork::Testnet.p2pkh_version(), &hash);
        assert_eq!(reencode_address(&main, AddressNetwork::Mainnet), main);
        // Version 0 with leading zero bytes of hash, and a `1…` string that does not decode,
        // stay as they are under the shortcut, as the full decoding leaves them.
        let zeros = base58check(AddressNetwork::Mainnet.p2pkh_version(), &[0u8; 20]);
        assert!(zeros.starts_with("11"));
        assert_eq!(reencode_address(&zeros, AddressNetwork::Mainnet), zeros);
        assert_eq!(
            reencode_address("1NotAnAddress", AddressNetwork::Mainnet),
            "1NotAnAddress"
        );
        assert_eq!(
            reencode_address(&zeros, AddressNetwork::Testnet),
            base58check(AddressNetwork::Testnet.p2pkh_version(), &[0u8; 20])
        );
        assert_eq!(reencode_address(&test, AddressNetwork::Mainnet), main);
        assert_eq!(reencode_address(&main, AddressNetwork::Testnet), test);
        let p2sh = base58check(AddressNetwork::Testnet.p2sh_version(), &hash);
        assert_eq!(
            reencode_address(&p2sh, AddressNetwork::Mainnet),
            base58check(AddressNetwork::Mainnet.p2sh_version(), &hash)
        );
        assert_eq!(
            reencode_address("not-an-address", AddressNetwork::Mainnet),
            "not-an-address"
        );
    }

    #[test]
    fn subdomain_syntax() {
        assert!(is_subdomain("sub.foo.test"));
        assert!(!is_subdomain("foo.test"));
        assert!(!is_subdomain("Sub.foo.test"));
        assert!(!is_subdomain("a..b"));
        assert!(is_subdomain(&format!("{}.foo.test", "a".repeat(60))));
        assert!(!is_subdomain(&format!("a.{}.test", "b".repeat(38))));
        assert!(!is_subdomain(&format!("a.b.{}", "c".repeat(20))));
    }

    #[test]
    fn reencodes_between_networks() {
        let testnet = base58check(111, &[7u8; 20]);
        let main = reencode_address(&testnet, AddressNetwork::Mainnet);
        assert_eq!(main, base58check(0, &[7u8; 20]));
        assert_eq!(reencode_address(&main, AddressNetwork::Testnet), testnet);
        let p2sh = base58check(196, &[9u8; 20]);
        assert_eq!(
            reencode_address(&p2sh, AddressNetwork::Mainnet),
            base58check(5, &[9u8; 20])
        );
        assert_eq!(
            reencode_address("garbage", AddressNetwork::Mainnet),
            "garbage"
        );
    }
}
