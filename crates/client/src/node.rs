//! An XML-RPC client of the core node (port 6264, core-rpc.md).
//!
//! Every method of the node answers with one XML-RPC string holding a JSON
//! document; `{"error": …}` documents become [`NodeError::Remote`] (or
//! `None` for lookups whose error means "no such record"). Requests use
//! the codec of [`blockstack_node::xmlrpc`] and a fresh reqwest client with
//! the original client's 30 s timeout.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use blockstack_node::xmlrpc::{
    decode_response, encode_call, Limits, MethodCall, MethodResponse, Value,
};
use serde::Deserialize;
use serde_json::Value as Json;

/// The original client's request timeout (`RPC_DEFAULT_TIMEOUT`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Most zone files `put_zonefiles` takes per call.
pub const MAX_PUT_ZONEFILES: usize = 5;
/// Page size of name listings.
pub const NAMES_PAGE: u64 = 100;
/// Page size of `get_nameops_at`.
pub const NAMEOPS_PAGE: u64 = 10;

/// Why a node call failed.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The node could not be reached or the connection broke.
    #[error("failed to contact blockstack node at {url}: {reason}")]
    Unreachable {
        /// The node's URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The reply is not what the method promises.
    #[error("bad reply from the node to `{method}`: {reason}")]
    BadReply {
        /// The method.
        method: String,
        /// What was wrong.
        reason: String,
    },
    /// The node answered `{"error": …}`.
    #[error("{message}")]
    Remote {
        /// The method.
        method: String,
        /// The node's message.
        message: String,
    },
}

/// `null` read as the type's default (a node that has indexed nothing yet
/// reports `null` consensus hash and block numbers).
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}

/// What `getinfo` reports.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct NodeInfo {
    /// The consensus hash at the last processed block (empty before the first).
    #[serde(default, deserialize_with = "null_default")]
    pub consensus: String,
    /// The last block the node indexed.
    #[serde(default, deserialize_with = "null_default")]
    pub last_block_processed: u64,
    /// The bitcoind tip the node sees.
    #[serde(default, deserialize_with = "null_default")]
    pub last_block_seen: u64,
    /// The node's version string.
    #[serde(default, deserialize_with = "null_default")]
    pub server_version: String,
    /// Always true.
    #[serde(default)]
    pub server_alive: bool,
    /// Whether the node is indexing now.
    #[serde(default)]
    pub indexing: bool,
    /// The whole reply.
    #[serde(skip)]
    pub raw: Json,
}

/// The fields of a name record the client acts on (core-rpc.md §4.1).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct NameRecord {
    /// The fully-qualified name.
    pub name: String,
    /// The owner's address.
    pub address: String,
    /// The owner's scriptPubKey, hex.
    pub sender: String,
    /// The zone-file hash, if set.
    #[serde(default)]
    pub value_hash: Option<String>,
    /// Whether the name is revoked.
    #[serde(default)]
    pub revoked: bool,
    /// Whether the name is expired at the node's last block.
    #[serde(default)]
    pub expired: bool,
    /// Block after which the name expires (-1: never).
    #[serde(default = "minus_one")]
    pub expire_block: i64,
    /// Last block of the renewal grace period (-1: never).
    #[serde(default = "minus_one")]
    pub renewal_deadline: i64,
    /// The last operation's opcode name.
    #[serde(default)]
    pub opcode: Option<String>,
    /// The last operation's txid.
    #[serde(default)]
    pub txid: String,
    /// The whole record.
    #[serde(skip)]
    pub raw: Json,
}

fn minus_one() -> i64 {
    -1
}

/// The fields of a namespace record the client acts on.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct NamespaceRecord {
    /// The namespace ID.
    pub namespace_id: String,
    /// Whether NAMESPACE_READY has been processed.
    #[serde(default)]
    pub ready: bool,
    /// The preorderer's address (receives fees in pay-to-creator namespaces).
    pub address: String,
    /// The revealer's script, hex.
    #[serde(default)]
    pub recipient: String,
    /// The revealer's address.
    #[serde(default)]
    pub recipient_address: String,
    /// 1 (burn) or 2 (pay to creator).
    #[serde(default)]
    pub version: u16,
    /// The block of the reveal.
    #[serde(default)]
    pub reveal_block: u64,
    /// The block of the ready (0 until then).
    #[serde(default)]
    pub ready_block: u64,
    /// The whole record.
    #[serde(skip)]
    pub raw: Json,
}

/// An XML-RPC client of one node.
#[derive(Clone, Debug)]
pub struct NodeClient {
    url: String,
    http: reqwest::Client,
}

impl NodeClient {
    /// A client of the node at `url` (e.g. `http://localhost:6264/RPC2`).
    pub fn new(url: impl Into<String>) -> Result<Self, NodeError> {
        Self::with_timeout(url, DEFAULT_TIMEOUT)
    }

    /// A client with a request timeout.
    pub fn with_timeout(url: impl Into<String>, timeout: Duration) -> Result<Self, NodeError> {
        let url = url.into();
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .no_proxy()
            .build()
            .map_err(|e| NodeError::Unreachable {
                url: url.clone(),
                reason: e.to_string(),
            })?;
        Ok(Self { url, http })
    }

    /// The node's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Calls `method` and returns its JSON document, `{"error": …}` included.
    pub async fn call_raw(&self, method: &str, params: Vec<Value>) -> Result<Json, NodeError> {
        let bad = |reason: String| NodeError::BadReply {
            method: method.to_owned(),
            reason,
        };
        let body = encode_call(&MethodCall::new(method, params))
            .map_err(|e| bad(format!("cannot encode the call: {e}")))?;
        let unreachable = |e: reqwest::Error| NodeError::Unreachable {
            url: self.url.clone(),
            reason: e.to_string(),
        };
        let response = self
            .http
            .post(&self.url)
            .header("Content-Type", "text/xml")
            .body(body)
            .send()
            .await
            .map_err(unreachable)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(unreachable)?;
        if !status.is_success() {
            return Err(bad(format!("HTTP {status}")));
        }
        let limits = Limits {
            max_bytes: 64 << 20,
            max_depth: 64,
        };
        let value = match decode_response(&bytes, &limits).map_err(|e| bad(e.to_string()))? {
            MethodResponse::Params(mut p) if !p.is_empty() => p.swap_remove(0),
            MethodResponse::Params(_) => return Err(bad("empty reply".into())),
            MethodResponse::Fault(f) => return Err(bad(format!("fault {}: {}", f.code, f.string))),
        };
        match value {
            Value::String(s) => {
                serde_json::from_str(&s).map_err(|_| bad("Server replied invalid JSON".into()))
            }
            other => Err(bad(format!(
                "a {} instead of a JSON string",
                other.type_name()
            ))),
        }
    }

    /// Calls `method`; an `{"error": …}` reply is [`NodeError::Remote`].
    pub async fn call(&self, method: &str, params: Vec<Value>) -> Result<Json, NodeError> {
        let reply = self.call_raw(method, params).await?;
        match reply.get("error") {
            Some(e) => Err(NodeError::Remote {
                method: method.to_owned(),
                message: e.as_str().map_or_else(|| e.to_string(), str::to_owned),
            }),
            None => Ok(reply),
        }
    }

    fn field<T: serde::de::DeserializeOwned>(
        method: &str,
        reply: &Json,
        key: &str,
    ) -> Result<T, NodeError> {
        let value = reply.get(key).cloned().ok_or_else(|| NodeError::BadReply {
            method: method.to_owned(),
            reason: format!("no `{key}` in {reply}"),
        })?;
        serde_json::from_value(value).map_err(|e| NodeError::BadReply {
            method: method.to_owned(),
            reason: format!("`{key}`: {e}"),
        })
    }

    /// `getinfo`.
    pub async fn getinfo(&self) -> Result<NodeInfo, NodeError> {
        let raw = self.call("getinfo", vec![]).await?;
        let mut info: NodeInfo =
            serde_json::from_value(raw.clone()).map_err(|e| NodeError::BadReply {
                method: "getinfo".into(),
                reason: e.to_string(),
            })?;
        info.raw = raw;
        Ok(info)
    }

    /// The consensus hash of the node's last block, as 16 bytes.
    pub async fn consensus_hash(&self) -> Result<[u8; 16], NodeError> {
        let info = self.getinfo().await?;
        if info.consensus.is_empty() {
            return Err(NodeError::BadReply {
                method: "getinfo".into(),
                reason: "the node has not processed any block yet".into(),
            });
        }
        hex::decode(&info.consensus)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| NodeError::BadReply {
                method: "getinfo".into(),
                reason: format!("consensus hash {:?} is not 16 bytes of hex", info.consensus),
            })
    }

    /// `get_consensus_at(block)`: `None` if the block is not processed.
    pub async fn consensus_at(&self, block: u64) -> Result<Option<String>, NodeError> {
        let reply = self.call("get_consensus_at", vec![int(block)?]).await?;
        Self::field("get_consensus_at", &reply, "consensus")
    }

    async fn lookup(&self, method: &str, arg: &str) -> Result<Option<Json>, NodeError> {
        match self.call(method, vec![Value::from(arg)]).await {
            Ok(reply) => match reply.get("record") {
                Some(Json::Null) | None => Ok(None),
                Some(record) => Ok(Some(record.clone())),
            },
            Err(NodeError::Remote { message, .. })
                if message == "Not found." || message == "No such namespace" =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// `get_name_blockchain_record`: the record with its history, raw.
    pub async fn name_blockchain_record(&self, name: &str) -> Result<Option<Json>, NodeError> {
        self.lookup("get_name_blockchain_record", name).await
    }

    /// `get_name_record`: the current state, typed.
    pub async fn name_record(&self, name: &str) -> Result<Option<NameRecord>, NodeError> {
        match self.lookup("get_name_record", name).await? {
            None => Ok(None),
            Some(raw) => {
                let mut rec: NameRecord =
                    serde_json::from_value(raw.clone()).map_err(|e| NodeError::BadReply {
                        method: "get_name_record".into(),
                        reason: e.to_string(),
                    })?;
                rec.raw = raw;
                Ok(Some(rec))
            }
        }
    }

    /// `get_namespace_blockchain_record`, typed.
    pub async fn namespace_record(&self, id: &str) -> Result<Option<NamespaceRecord>, NodeError> {
        match self.lookup("get_namespace_blockchain_record", id).await? {
            None => Ok(None),
            Some(raw) => {
                let mut rec: NamespaceRecord =
                    serde_json::from_value(raw.clone()).map_err(|e| NodeError::BadReply {
                        method: "get_namespace_blockchain_record".into(),
                        reason: e.to_string(),
                    })?;
                rec.raw = raw;
                Ok(Some(rec))
            }
        }
    }

    /// `get_name_cost`: the price in satoshis at the node's last block.
    pub async fn name_cost(&self, name: &str) -> Result<u64, NodeError> {
        let reply = self.call("get_name_cost", vec![Value::from(name)]).await?;
        Self::field("get_name_cost", &reply, "satoshis")
    }

    /// `get_namespace_cost`: the price and whether the namespace exists.
    pub async fn namespace_cost(&self, id: &str) -> Result<(u64, bool), NodeError> {
        let reply = self
            .call("get_namespace_cost", vec![Value::from(id)])
            .await?;
        let sats = Self::field("get_namespace_cost", &reply, "satoshis")?;
        Ok((sats, reply.get("warning").is_some()))
    }

    /// `get_names_owned_by_address`.
    pub async fn names_owned_by_address(&self, address: &str) -> Result<Vec<String>, NodeError> {
        let reply = self
            .call("get_names_owned_by_address", vec![Value::from(address)])
            .await?;
        Self::field("get_names_owned_by_address", &reply, "names")
    }

    /// `get_name_history_blocks`.
    pub async fn name_history_blocks(&self, name: &str) -> Result<Vec<u64>, NodeError> {
        let reply = self
            .call("get_name_history_blocks", vec![Value::from(name)])
            .await?;
        Self::field("get_name_history_blocks", &reply, "history_blocks")
    }

    /// `get_name_at`: the states the name took in one block.
    pub async fn name_at(&self, name: &str, block: u64) -> Result<Vec<Json>, NodeError> {
        let reply = self
            .call("get_name_at", vec![Value::from(name), int(block)?])
            .await?;
        Ok(match reply.get("records") {
            Some(Json::Array(items)) => items.clone(),
            _ => Vec::new(),
        })
    }

    /// The name's history between two blocks (inclusive), keyed by block:
    /// the original's `get_name_blockchain_history`.
    pub async fn name_history(
        &self,
        name: &str,
        start: Option<u64>,
        end: Option<u64>,
    ) -> Result<BTreeMap<u64, Vec<Json>>, NodeError> {
        let mut out = BTreeMap::new();
        for block in self.name_history_blocks(name).await? {
            if start.is_some_and(|s| block < s) || end.is_some_and(|e| block > e) {
                continue;
            }
            out.insert(block, self.name_at(name, block).await?);
        }
        Ok(out)
    }

    /// `get_num_names_in_namespace`.
    pub async fn num_names_in_namespace(&self, id: &str) -> Result<u64, NodeError> {
        let reply = self
            .call("get_num_names_in_namespace", vec![Value::from(id)])
            .await?;
        Self::field("get_num_names_in_namespace", &reply, "count")
    }

    /// `get_names_in_namespace(id, offset, count)`.
    pub async fn names_in_namespace(
        &self,
        id: &str,
        offset: u64,
        count: u64,
    ) -> Result<Vec<String>, NodeError> {
        let reply = self
            .call(
                "get_names_in_namespace",
                vec![Value::from(id), int(offset)?, int(count)?],
            )
            .await?;
        Self::field("get_names_in_namespace", &reply, "names")
    }

    /// `get_all_namespaces`.
    pub async fn all_namespaces(&self) -> Result<Vec<String>, NodeError> {
        let reply = self.call("get_all_namespaces", vec![]).await?;
        Self::field("get_all_namespaces", &reply, "namespaces")
    }

    /// `get_nameops_at(block, offset, count)`.
    pub async fn nameops_at_page(
        &self,
        block: u64,
        offset: u64,
        count: u64,
    ) -> Result<Vec<Json>, NodeError> {
        let reply = self
            .call(
                "get_nameops_at",
                vec![int(block)?, int(offset)?, int(count)?],
            )
            .await?;
        Self::field("get_nameops_at", &reply, "nameops")
    }

    /// Every operation of one block, paging through `get_nameops_at`.
    pub async fn nameops_at(&self, block: u64) -> Result<Vec<Json>, NodeError> {
        let mut all = Vec::new();
        loop {
            let page = self
                .nameops_at_page(block, all.len() as u64, NAMEOPS_PAGE)
                .await?;
            let short = (page.len() as u64) < NAMEOPS_PAGE;
            all.extend(page);
            if short {
                return Ok(all);
            }
        }
    }

    /// `get_zonefiles`: the zone files the node holds, by hash.
    pub async fn zonefiles(
        &self,
        hashes: &[String],
    ) -> Result<BTreeMap<String, Vec<u8>>, NodeError> {
        let list = hashes.iter().map(|h| Value::from(h.as_str())).collect();
        let reply = self.call("get_zonefiles", vec![Value::Array(list)]).await?;
        let encoded: BTreeMap<String, String> = Self::field("get_zonefiles", &reply, "zonefiles")?;
        encoded
            .into_iter()
            .map(|(hash, b64)| {
                BASE64
                    .decode(b64.as_bytes())
                    .map(|bytes| (hash.clone(), bytes))
                    .map_err(|e| NodeError::BadReply {
                        method: "get_zonefiles".into(),
                        reason: format!("zone file {hash} is not base64: {e}"),
                    })
            })
            .collect()
    }

    /// `put_zonefiles` (base64 on the wire), at most five at a time:
    /// whether each was stored.
    pub async fn put_zonefiles(&self, zonefiles: &[Vec<u8>]) -> Result<Vec<bool>, NodeError> {
        let mut saved = Vec::with_capacity(zonefiles.len());
        for chunk in zonefiles.chunks(MAX_PUT_ZONEFILES) {
            let list = chunk
                .iter()
                .map(|z| Value::String(BASE64.encode(z)))
                .collect();
            let reply = self.call("put_zonefiles", vec![Value::Array(list)]).await?;
            let flags: Vec<i64> = Self::field("put_zonefiles", &reply, "saved")?;
            saved.extend(flags.into_iter().map(|f| f != 0));
        }
        Ok(saved)
    }
}

fn int(n: u64) -> Result<Value, NodeError> {
    i32::try_from(n)
        .map(Value::from)
        .map_err(|_| NodeError::BadReply {
            method: "encode".into(),
            reason: format!("{n} does not fit an XML-RPC int"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_beyond_xmlrpc_ints_are_refused_before_sending() {
        assert!(int(2_147_483_647).is_ok());
        assert!(int(2_147_483_648).is_err());
    }

    #[test]
    fn records_parse_from_the_node_shape() {
        let raw = serde_json::json!({
            "name": "foo.test", "address": "mfWx", "sender": "76a9", "value_hash": null,
            "revoked": false, "expire_block": 100, "renewal_deadline": 105, "txid": "ab",
            "opcode": "NAME_REGISTRATION", "history": {}
        });
        let rec: NameRecord = serde_json::from_value(raw).expect("parses");
        assert_eq!(rec.expire_block, 100);
        assert_eq!(rec.value_hash, None);
        let ns: NamespaceRecord = serde_json::from_value(serde_json::json!({
            "namespace_id": "test", "address": "n1", "ready": true, "version": 2,
            "reveal_block": 7, "recipient_address": "n2"
        }))
        .expect("parses");
        assert!(ns.ready);
        assert_eq!(ns.version, 2);
        let fresh: NodeInfo = serde_json::from_value(serde_json::json!({
            "consensus": null, "last_block_processed": null, "last_block_seen": 3,
            "server_version": "0.18.0.2"
        }))
        .expect("a node that indexed nothing");
        assert_eq!(
            (fresh.consensus.as_str(), fresh.last_block_processed),
            ("", 0)
        );
    }
}
