//! Server side of the peer RPCs (atlas.md §11): `get_zonefile_inventory`,
//! `get_zonefiles`, `put_zonefiles`, `get_atlas_peers` and `atlas_peer_exchange`.
//!
//! Each takes the decoded XML-RPC parameters and returns what `blockstackd.py`'s
//! `rpc_<method>` returns: an XML-RPC string holding JSON, with the success envelope
//! (`status`, `indexing`, `lastblock`) or `{"error": …}`. Argument types are checked as
//! strictly as v0.18 does; a wrong parameter count gets the traceback-style error a Python
//! `TypeError` produces there. Limits follow the spec, with the Rust choices of §15: the
//! inventory is sliced in bytes and capped at 64 KiB per reply, and `get_zonefiles` replies
//! are trimmed to stay under the v0.18 client's 400 KiB cap.

use std::net::IpAddr;
use std::sync::Arc;

use base64::Engine;
use blockstack_node::xmlrpc::Value;
use serde_json::{json, Map, Value as Json};

use crate::inventory::inventory_slice;
use crate::limits::{
    INV_PAGE, MAX_GET_ZONEFILES, MAX_GET_ZONEFILES_REPLY_BYTES, MAX_INV_REPLY_BYTES,
    MAX_PUT_ZONEFILES, MAX_PUT_ZONEFILE_B64, RPC_SERVER_PORT,
};
use crate::node::Atlas;
use crate::peers::canonical_hostport;
use crate::pyjson::dumps;

/// The methods [`AtlasRpc::handle`] answers.
pub const METHODS: &[&str] = &[
    "get_zonefile_inventory",
    "get_zonefiles",
    "put_zonefiles",
    "get_atlas_peers",
    "atlas_peer_exchange",
];

/// The peer RPC handlers of one node.
#[derive(Debug, Clone)]
pub struct AtlasRpc {
    atlas: Arc<Atlas>,
}

impl AtlasRpc {
    /// Handlers over `atlas`.
    pub fn new(atlas: Arc<Atlas>) -> Self {
        Self { atlas }
    }

    /// The node.
    pub fn atlas(&self) -> &Arc<Atlas> {
        &self.atlas
    }

    /// Answers `method(params)` if it is an Atlas method, for a caller whose address is not
    /// known: the peer exchange then queues nobody (the anti-poisoning rule of §11.5 needs the
    /// caller's address).
    pub fn handle(&self, method: &str, params: &[Value]) -> Option<Value> {
        self.handle_from(None, method, params)
    }

    /// Answers `method(params)` for a caller at `remote`, `None` if `method` is not ours.
    pub fn handle_from(
        &self,
        remote: Option<IpAddr>,
        method: &str,
        params: &[Value],
    ) -> Option<Value> {
        let reply = match method {
            "get_zonefile_inventory" => with_args(method, params, 2, |p| {
                self.get_zonefile_inventory(&p[0], &p[1])
            }),
            "get_zonefiles" => with_args(method, params, 1, |p| self.get_zonefiles(&p[0])),
            "put_zonefiles" => with_args(method, params, 1, |p| self.put_zonefiles(&p[0])),
            "get_atlas_peers" => with_args(method, params, 0, |_| self.get_atlas_peers(remote)),
            "atlas_peer_exchange" => with_args(method, params, 1, |p| {
                self.atlas_peer_exchange(remote, &p[0])
            }),
            _ => return None,
        };
        Some(Value::String(dumps(&reply)))
    }

    fn success(&self, fields: Map<String, Json>) -> Json {
        let chain = self.atlas.chain_status();
        let mut m = Map::new();
        m.insert("status".into(), Json::Bool(true));
        m.insert("indexing".into(), Json::Bool(chain.indexing));
        m.insert(
            "lastblock".into(),
            chain.view.last_block.map_or(Json::Null, Json::from),
        );
        m.extend(fields);
        Json::Object(m)
    }

    /// `get_zonefile_inventory(offset, length)`: `inv[offset : offset+length]` in bytes,
    /// at most 65 536 bytes (§9, §11.1).
    fn get_zonefile_inventory(&self, offset: &Value, length: &Value) -> Json {
        let Some(offset) = offset.as_int().filter(|o| *o >= 0) else {
            return error("invalid offset");
        };
        let Some(length) = length
            .as_int()
            .filter(|l| (0..=INV_PAGE as i64).contains(l))
        else {
            return error("invalid length");
        };
        let inv = self.atlas.inventory_vector();
        let slice = inventory_slice(&inv, offset as u64, length as u64, MAX_INV_REPLY_BYTES);
        let b64 = base64::engine::general_purpose::STANDARD.encode(slice);
        self.success(fields([("inv", Json::String(b64))]))
    }

    /// `get_zonefiles(hashes)`: every requested chunk the store holds (§11.2), trimmed so the
    /// reply stays under the v0.18 client's limit (§10).
    fn get_zonefiles(&self, hashes: &Value) -> Json {
        let Some(hashes) = hashes.as_array() else {
            return error("Invalid zonefile hashes");
        };
        if hashes.len() > MAX_GET_ZONEFILES {
            return error("Too many requests (no more than 100 allowed)");
        }
        let mut wanted = Vec::with_capacity(hashes.len());
        for h in hashes {
            match h.as_str() {
                Some(s) if s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    wanted.push(s)
                }
                _ => return error("Invalid zone file hash"),
            }
        }
        let engine = base64::engine::general_purpose::STANDARD;
        let mut out = Map::new();
        let mut budget = MAX_GET_ZONEFILES_REPLY_BYTES;
        // A store that cannot be read is an error, not an empty reply: a caller takes "none of
        // what you advertised" for misbehaviour.
        let found = match self.atlas.get_zonefiles(&wanted) {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read zone files");
                return error("Failed to load zone files");
            }
        };
        for (hash, data) in wanted.into_iter().zip(found) {
            let Some(data) = data else {
                continue;
            };
            if out.contains_key(hash) || data.len() > budget {
                continue;
            }
            budget -= data.len();
            out.insert(hash.to_owned(), Json::String(engine.encode(&data)));
        }
        self.success(fields([("zonefiles", Json::Object(out))]))
    }

    /// `put_zonefiles(datas)`: stores each announced chunk; `saved[i]` is 1 for stored or
    /// already held, 0 otherwise (§11.3). Does not relay (the crawler's push does, if on).
    fn put_zonefiles(&self, datas: &Value) -> Json {
        let Some(datas) = datas.as_array() else {
            return error("Invalid data");
        };
        if datas.len() > MAX_PUT_ZONEFILES {
            return error("Too many zonefiles");
        }
        let mut texts = Vec::with_capacity(datas.len());
        for d in datas {
            match d.as_str() {
                Some(s) if s.len() <= MAX_PUT_ZONEFILE_B64 && is_padded_base64(s) => texts.push(s),
                _ => {
                    return error(&format!(
                        "Invalid zone file payload (exceeds {} bytes and/or not base64-encoded)",
                        blockstack_zonefile::MAX_ZONEFILE_LEN
                    ))
                }
            }
        }
        let engine = base64::engine::general_purpose::STANDARD;
        let saved: Vec<Json> = texts
            .into_iter()
            .map(|t| {
                let ok = engine.decode(t).ok().is_some_and(|bytes| {
                    match self.atlas.put_zonefile(&bytes) {
                        Ok(_) => true,
                        Err(e) => {
                            tracing::debug!(error = %e, "put_zonefiles: not saved");
                            false
                        }
                    }
                });
                Json::from(u8::from(ok))
            })
            .collect();
        self.success(fields([("saved", Json::Array(saved))]))
    }

    /// `get_atlas_peers()`: queues the caller at the default port and returns our live
    /// neighbours but the caller (§11.4).
    fn get_atlas_peers(&self, remote: Option<IpAddr>) -> Json {
        let caller = remote.and_then(|ip| canonical_hostport(&format!("{ip}:{RPC_SERVER_PORT}")));
        self.peer_exchange(caller)
    }

    /// `atlas_peer_exchange(remote_peer)`: as `get_atlas_peers`, but a caller on the loopback
    /// interface may name the address to queue (§11.5).
    fn atlas_peer_exchange(&self, remote: Option<IpAddr>, remote_peer: &Value) -> Json {
        let caller = match remote {
            Some(ip) if ip.is_loopback() => {
                match remote_peer.as_str().and_then(canonical_hostport) {
                    Some(hp) => Some(hp),
                    None => return error("Invalid remote peer address"),
                }
            }
            Some(ip) => canonical_hostport(&format!("{ip}:{RPC_SERVER_PORT}")),
            None => None,
        };
        self.peer_exchange(caller)
    }

    fn peer_exchange(&self, caller: Option<String>) -> Json {
        let peers = {
            let mut st = self.atlas.lock();
            let st = &mut *st;
            if let Some(c) = &caller {
                st.peers.enqueue_inbound(c);
            }
            st.peers.live_neighbors(caller.as_deref(), &mut st.rng)
        };
        self.success(fields([(
            "peers",
            Json::Array(peers.into_iter().map(Json::String).collect()),
        )]))
    }
}

/// What v0.18 answers to an Atlas method when Atlas is off (§11): mount this instead of
/// [`AtlasRpc::handle`] on a node with `atlas = False`.
pub fn disabled_reply(method: &str) -> Option<Value> {
    let msg = match method {
        "get_zonefiles" | "put_zonefiles" => "No data",
        "get_zonefile_inventory" | "get_atlas_peers" | "atlas_peer_exchange" => "Not an atlas node",
        _ => return None,
    };
    Some(Value::String(dumps(&error(msg))))
}

fn fields<const N: usize>(items: [(&str, Json); N]) -> Map<String, Json> {
    items.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

fn error(msg: &str) -> Json {
    json!({ "error": msg })
}

fn with_args(method: &str, params: &[Value], n: usize, f: impl FnOnce(&[Value]) -> Json) -> Json {
    if params.len() == n {
        return f(params);
    }
    // What Python's dispatcher reports for `rpc_<method>(self, …, **con_info)`.
    // Python counts `self`, and the two connection keywords when there are too many.
    let given = params.len() + if params.len() > n { 3 } else { 1 };
    let msg = format!(
        "TypeError: rpc_{method}() takes exactly {} argument{} ({given} given)",
        n + 1,
        if n == 0 { "" } else { "s" },
    );
    json!({
        "error": msg,
        "traceback": ["Traceback (most recent call last):", msg],
    })
}

/// `OP_BASE64_EMPTY_PATTERN`: standard alphabet, padded, no whitespace; empty allowed.
fn is_padded_base64(s: &str) -> bool {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(4) {
        return false;
    }
    let alpha = |c: u8| c.is_ascii_alphanumeric() || c == b'+' || c == b'/';
    let Some(last) = b.chunks(4).last() else {
        return true;
    };
    let body = &b[..b.len() - 4];
    body.iter().all(|&c| alpha(c))
        && match last {
            [a, b2, b'=', b'='] => alpha(*a) && alpha(*b2),
            [a, b2, c, b'='] => alpha(*a) && alpha(*b2) && alpha(*c),
            other => other.iter().all(|&c| alpha(c)),
        }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_handler_fits_the_servers_extension_hook() {
        fn hook<F: Fn(&str, &[Value]) -> Option<Value> + Send + Sync + 'static>(_: F) {}
        fn with(rpc: AtlasRpc) {
            hook(move |m: &str, p: &[Value]| rpc.handle(m, p));
        }
        let _ = with;
    }

    #[test]
    fn a_disabled_node_answers_like_v018() {
        let reply = disabled_reply("get_zonefiles").expect("atlas method");
        assert_eq!(reply.as_str(), Some(r#"{"error": "No data"}"#));
        let reply = disabled_reply("atlas_peer_exchange").expect("atlas method");
        assert_eq!(reply.as_str(), Some(r#"{"error": "Not an atlas node"}"#));
        assert!(disabled_reply("getinfo").is_none());
    }

    #[test]
    fn base64_pattern() {
        assert!(is_padded_base64(""));
        assert!(is_padded_base64("QUJD"));
        assert!(is_padded_base64("QUI="));
        assert!(is_padded_base64("QQ=="));
        assert!(!is_padded_base64("QQ"));
        assert!(!is_padded_base64("Q==="));
        assert!(!is_padded_base64("QU I="));
        assert!(!is_padded_base64("QQ==QUJD"));
        assert!(!is_padded_base64("QU-_"));
    }
}
