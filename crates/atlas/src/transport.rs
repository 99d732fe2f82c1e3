//! Calling peers: the [`PeerTransport`] trait (one XML-RPC call) and the typed
//! [`PeerClient`] on top of it, which checks every reply the way v0.18's `client.py`
//! does (atlas.md §11, core-rpc.md §1–§2).
//!
//! A transport only moves XML-RPC values; decoding the JSON-in-a-string replies, bounding
//! their sizes and mapping errors is shared here, so the HTTP transport and the simulated
//! one treat hostile replies identically. Every call is bounded by the spec's timeout for
//! its kind, measured with `tokio::time` (so paused-time tests see the same timeouts).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use blockstack_node::xmlrpc::Value;
use serde_json::{Map, Value as Json};

use crate::error::TransportError;
use crate::limits::{
    MAX_INV_ACCEPT_BYTES, NUM_NEIGHBORS, PEER_INV_TIMEOUT, PEER_NEIGHBORS_TIMEOUT,
    PEER_PING_TIMEOUT, PEER_PUSH_ZONEFILES_TIMEOUT, PEER_ZONEFILES_TIMEOUT,
};
use crate::peers::{canonical_hostport, PeerInfo};

/// The future of one call: the reply's single value.
pub type CallFuture<'a> = Pin<Box<dyn Future<Output = Result<Value, TransportError>> + Send + 'a>>;

/// One XML-RPC call to a peer at `host:port`.
pub trait PeerTransport: Send + Sync {
    /// Calls `method(params)` on `peer`; `timeout` is advisory (the client enforces it too).
    fn call<'a>(
        &'a self,
        peer: &'a str,
        method: &'a str,
        params: Vec<Value>,
        timeout: Duration,
    ) -> CallFuture<'a>;
}

/// The typed peer RPCs over a transport.
#[derive(Clone)]
pub struct PeerClient {
    transport: Arc<dyn PeerTransport>,
}

impl std::fmt::Debug for PeerClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerClient").finish_non_exhaustive()
    }
}

impl PeerClient {
    /// A client over `transport`.
    pub fn new(transport: Arc<dyn PeerTransport>) -> Self {
        Self { transport }
    }

    async fn call(
        &self,
        peer: &str,
        method: &str,
        params: Vec<Value>,
        timeout: Duration,
    ) -> Result<Map<String, Json>, TransportError> {
        let reply =
            tokio::time::timeout(timeout, self.transport.call(peer, method, params, timeout))
                .await
                .map_err(|_| TransportError::Timeout)??;
        decode_json_reply(&reply)
    }

    /// `ping()`: whether the peer says `alive` (a `stale` status counts as failure, §11.7).
    pub async fn ping(&self, peer: &str) -> Result<bool, TransportError> {
        let m = self
            .call(peer, "ping", Vec::new(), PEER_PING_TIMEOUT)
            .await?;
        Ok(m.get("status").and_then(Json::as_str) == Some("alive"))
    }

    /// `getinfo()`: what admission needs (§8 step 1).
    pub async fn getinfo(&self, peer: &str) -> Result<PeerInfo, TransportError> {
        let m = self
            .call(peer, "getinfo", Vec::new(), PEER_PING_TIMEOUT)
            .await?;
        Ok(PeerInfo {
            server_version: m
                .get("server_version")
                .and_then(Json::as_str)
                .map(str::to_owned),
            last_block_processed: m.get("last_block_processed").and_then(Json::as_u64),
            consensus: m.get("consensus").and_then(Json::as_str).map(str::to_owned),
            stale: m.get("stale").and_then(Json::as_bool).unwrap_or(false),
        })
    }

    /// `get_zonefile_inventory(offset, length)`: the decoded slice. Replies longer than
    /// 524 288 bytes are refused (§9).
    pub async fn get_zonefile_inventory(
        &self,
        peer: &str,
        offset: u64,
        length: u64,
    ) -> Result<Vec<u8>, TransportError> {
        let params = vec![int_param(offset)?, int_param(length)?];
        let m = self
            .call(peer, "get_zonefile_inventory", params, PEER_INV_TIMEOUT)
            .await?;
        require_status(&m)?;
        let inv = m
            .get("inv")
            .and_then(Json::as_str)
            .ok_or_else(|| malformed("inventory reply without `inv`"))?;
        if inv.len() > MAX_INV_ACCEPT_BYTES.div_ceil(3) * 4 {
            return Err(malformed("inventory reply too long"));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(inv)
            .map_err(|e| malformed(&format!("inventory is not base64: {e}")))?;
        if bytes.len() > MAX_INV_ACCEPT_BYTES {
            return Err(malformed("inventory reply too long"));
        }
        Ok(bytes)
    }

    /// `get_zonefiles(hashes)`: the chunks returned, keyed by the hash they were returned
    /// under. Nothing here is verified yet; the caller checks each chunk.
    pub async fn get_zonefiles(
        &self,
        peer: &str,
        hashes: &[String],
    ) -> Result<BTreeMap<String, Vec<u8>>, TransportError> {
        let params = vec![Value::Array(
            hashes.iter().map(|h| Value::string(h.as_str())).collect(),
        )];
        let m = self
            .call(peer, "get_zonefiles", params, PEER_ZONEFILES_TIMEOUT)
            .await?;
        require_status(&m)?;
        let zonefiles = m
            .get("zonefiles")
            .and_then(Json::as_object)
            .ok_or_else(|| malformed("zone file reply without `zonefiles`"))?;
        let mut out = BTreeMap::new();
        for (hash, data) in zonefiles {
            let data = data
                .as_str()
                .ok_or_else(|| malformed("zone file is not a string"))?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(data)
                .map_err(|e| malformed(&format!("zone file is not base64: {e}")))?;
            out.insert(hash.clone(), bytes);
        }
        Ok(out)
    }

    /// `put_zonefiles(datas)`: one saved flag per chunk (the reply must have exactly one
    /// entry per input, §11.3).
    pub async fn put_zonefiles(
        &self,
        peer: &str,
        datas: &[Vec<u8>],
    ) -> Result<Vec<bool>, TransportError> {
        let engine = base64::engine::general_purpose::STANDARD;
        let params = vec![Value::Array(
            datas
                .iter()
                .map(|d| Value::String(engine.encode(d)))
                .collect(),
        )];
        let m = self
            .call(peer, "put_zonefiles", params, PEER_PUSH_ZONEFILES_TIMEOUT)
            .await?;
        require_status(&m)?;
        let saved = m
            .get("saved")
            .and_then(Json::as_array)
            .ok_or_else(|| malformed("put reply without `saved`"))?;
        if saved.len() != datas.len() {
            return Err(malformed("put reply has the wrong number of entries"));
        }
        saved
            .iter()
            .map(|s| match s.as_i64() {
                Some(0) => Ok(false),
                Some(1) => Ok(true),
                _ => Err(malformed("saved flag is not 0 or 1")),
            })
            .collect()
    }

    /// `atlas_peer_exchange(our_hostport)`, falling back to `get_atlas_peers()` when the peer
    /// lacks the method (§8 "fetch neighbours"). Entries that are not valid `host:port` are
    /// dropped; at most 80 are kept.
    pub async fn neighbors(
        &self,
        peer: &str,
        our_hostport: &str,
    ) -> Result<Vec<String>, TransportError> {
        let reply = match self
            .call(
                peer,
                "atlas_peer_exchange",
                vec![Value::string(our_hostport)],
                PEER_NEIGHBORS_TIMEOUT,
            )
            .await
        {
            Err(TransportError::NoSuchMethod(_)) => {
                self.call(peer, "get_atlas_peers", Vec::new(), PEER_NEIGHBORS_TIMEOUT)
                    .await?
            }
            other => other?,
        };
        require_status(&reply)?;
        let peers = reply
            .get("peers")
            .and_then(Json::as_array)
            .ok_or_else(|| malformed("peer reply without `peers`"))?;
        Ok(peers
            .iter()
            .filter_map(Json::as_str)
            .filter_map(canonical_hostport)
            .take(NUM_NEIGHBORS)
            .collect())
    }
}

fn int_param(n: u64) -> Result<Value, TransportError> {
    i32::try_from(n)
        .map(Value::from)
        .map_err(|_| malformed("integer argument exceeds XML-RPC limits"))
}

fn malformed(what: &str) -> TransportError {
    TransportError::Malformed(what.to_owned())
}

/// Decodes a v0.18 reply value: an XML-RPC string holding a JSON object. `{"error": …}`
/// becomes [`TransportError::Remote`], or [`TransportError::NoSuchMethod`] when it also has
/// a `traceback` (core-rpc.md §2.2).
pub fn decode_json_reply(reply: &Value) -> Result<Map<String, Json>, TransportError> {
    let text = reply
        .as_str()
        .ok_or_else(|| malformed("reply is not a string"))?;
    let json: Json =
        serde_json::from_str(text).map_err(|_| malformed("Server replied invalid JSON"))?;
    let Json::Object(map) = json else {
        return Err(malformed("reply is not a JSON object"));
    };
    if let Some(err) = map.get("error") {
        let msg = err.as_str().unwrap_or("unknown error").to_owned();
        return Err(if map.contains_key("traceback") {
            TransportError::NoSuchMethod(msg)
        } else {
            TransportError::Remote(msg)
        });
    }
    Ok(map)
}

fn require_status(m: &Map<String, Json>) -> Result<(), TransportError> {
    if m.get("status").and_then(Json::as_bool) == Some(true) {
        Ok(())
    } else {
        Err(malformed("reply without `status: true`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_are_json_in_a_string() {
        let ok = Value::string(r#"{"status": true, "inv": ""}"#);
        assert!(decode_json_reply(&ok).is_ok());
        assert!(matches!(
            decode_json_reply(&Value::string(r#"{"error": "Not an atlas node"}"#)),
            Err(TransportError::Remote(m)) if m == "Not an atlas node"
        ));
        assert!(matches!(
            decode_json_reply(&Value::string(r#"{"error": "KeyError", "traceback": []}"#)),
            Err(TransportError::NoSuchMethod(_))
        ));
        assert!(matches!(
            decode_json_reply(&Value::string("<<garbage")),
            Err(TransportError::Malformed(_))
        ));
        assert!(matches!(
            decode_json_reply(&Value::Int(3)),
            Err(TransportError::Malformed(_))
        ));
        assert!(matches!(
            decode_json_reply(&Value::string("[1, 2]")),
            Err(TransportError::Malformed(_))
        ));
    }
}
