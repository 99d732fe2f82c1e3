//! An in-memory network of Atlas nodes for tests and simulations, in the spirit of the
//! original's `atlas_network.py` simulator: every node's [`AtlasRpc`] is reachable through
//! a [`SimTransport`] that adds per-link latency and drop probability (in `tokio::time`, so
//! paused-time tests run fast), and [`HostileEndpoint`] wraps a node to misbehave.
//!
//! Calls carry real XML-RPC values and JSON replies end to end, so the client-side checks
//! of [`crate::transport::PeerClient`] run exactly as over HTTP.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use blockstack_node::xmlrpc::Value;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value as Json};

use crate::error::TransportError;
use crate::node::Atlas;
use crate::pyjson::dumps;
use crate::rpc::AtlasRpc;
use crate::transport::{CallFuture, PeerTransport};

/// The version string honest simulated nodes report (`getinfo`, `ping`).
pub const SIM_VERSION: &str = "0.18.0.2";

/// Something that answers calls.
pub trait Endpoint: Send + Sync {
    /// The reply to `method(params)` from `caller`.
    fn reply(&self, caller: &str, method: &str, params: &[Value]) -> Value;

    /// Extra time before replying to `method`.
    fn delay(&self, _method: &str) -> Duration {
        Duration::ZERO
    }
}

/// An honest node: `ping` and `getinfo` as the daemon answers them (core-rpc.md §3.1), the
/// Atlas methods through [`AtlasRpc`], and the traceback-style error for anything else.
#[derive(Debug, Clone)]
pub struct NodeEndpoint {
    rpc: AtlasRpc,
    remote: IpAddr,
}

impl NodeEndpoint {
    /// The endpoint of `atlas`; callers are taken to be on the loopback interface, so their
    /// advertised address is trusted (§11.5), as in the original's simulator.
    pub fn new(atlas: Arc<Atlas>) -> Self {
        Self {
            rpc: AtlasRpc::new(atlas),
            remote: IpAddr::V4(Ipv4Addr::LOCALHOST),
        }
    }

    /// The Atlas handlers.
    pub fn rpc(&self) -> &AtlasRpc {
        &self.rpc
    }

    /// The reply to `method(params)` from a caller at `remote`.
    pub fn reply_from(&self, remote: Option<IpAddr>, method: &str, params: &[Value]) -> Value {
        let atlas = self.rpc.atlas();
        let json = match method {
            "ping" => json!({"status": "alive", "version": SIM_VERSION}),
            "getinfo" => {
                let chain = atlas.chain_status();
                let last = chain.view.last_block.unwrap_or(0);
                json!({
                    "last_block_seen": last,
                    "consensus": chain.view.recent_consensus.first().cloned().unwrap_or_default(),
                    "server_version": SIM_VERSION,
                    "last_block_processed": last,
                    "server_alive": true,
                    "indexing": chain.indexing,
                    "zonefile_count": atlas.wire_zonefile_count(),
                })
            }
            _ => match self.rpc.handle_from(remote, method, params) {
                Some(v) => return v,
                None => json!({
                    "error": format!("KeyError: 'rpc_{method}'"),
                    "traceback": ["Traceback (most recent call last):", format!("KeyError: 'rpc_{method}'")],
                }),
            },
        };
        Value::String(dumps(&json))
    }
}

impl Endpoint for NodeEndpoint {
    fn reply(&self, _caller: &str, method: &str, params: &[Value]) -> Value {
        self.reply_from(Some(self.remote), method, params)
    }
}

/// How a [`HostileEndpoint`] misbehaves. It answers `ping` and `getinfo` honestly, so it
/// gets admitted, and otherwise behaves like the node it wraps except as described.
#[derive(Debug, Clone)]
pub enum Hostility {
    /// Serves every zone file with altered bytes.
    WrongHash,
    /// Advertises and serves only `data` (over the size limit) under `hash`, which the
    /// chain announces.
    Oversized {
        /// The announced hash of `data`.
        hash: String,
        /// More than 40 960 bytes.
        data: Vec<u8>,
    },
    /// Answers every Atlas call with a value that is not JSON.
    Garbage,
    /// Claims every zone file in its inventory and serves none.
    ClaimEverything,
    /// Answers Atlas calls only after this long.
    Slow(Duration),
}

/// A node that misbehaves.
#[derive(Debug, Clone)]
pub struct HostileEndpoint {
    inner: NodeEndpoint,
    kind: Hostility,
}

impl HostileEndpoint {
    /// Wraps `atlas` with the behaviour `kind`.
    pub fn new(atlas: Arc<Atlas>, kind: Hostility) -> Self {
        Self {
            inner: NodeEndpoint::new(atlas),
            kind,
        }
    }
}

fn reply_json(v: &Value) -> Option<serde_json::Map<String, Json>> {
    serde_json::from_str::<Json>(v.as_str()?)
        .ok()?
        .as_object()
        .cloned()
}

impl Endpoint for HostileEndpoint {
    fn reply(&self, caller: &str, method: &str, params: &[Value]) -> Value {
        let honest = self.inner.reply(caller, method, params);
        if matches!(method, "ping" | "getinfo") {
            return honest;
        }
        let engine = base64::engine::general_purpose::STANDARD;
        match (&self.kind, method) {
            (Hostility::Garbage, _) => Value::String("<html>502 Bad Gateway</html>".into()),
            (Hostility::WrongHash, "get_zonefiles") => {
                let Some(mut m) = reply_json(&honest) else {
                    return honest;
                };
                if let Some(Json::Object(zfs)) = m.get_mut("zonefiles") {
                    for v in zfs.values_mut() {
                        let mut bytes = v
                            .as_str()
                            .and_then(|s| engine.decode(s).ok())
                            .unwrap_or_default();
                        bytes.extend_from_slice(b"; tampered\n");
                        *v = Json::String(engine.encode(bytes));
                    }
                }
                Value::String(dumps(&Json::Object(m)))
            }
            (Hostility::ClaimEverything, "get_zonefile_inventory") => {
                let len = params
                    .get(1)
                    .and_then(Value::as_int)
                    .map_or(0, |l| l.clamp(0, 65_536) as usize);
                let inv = if params.first().and_then(Value::as_int) == Some(0) {
                    vec![0xFF; len]
                } else {
                    Vec::new()
                };
                Value::String(dumps(&json!({
                    "status": true, "indexing": false, "lastblock": null,
                    "inv": engine.encode(inv),
                })))
            }
            (Hostility::ClaimEverything, "get_zonefiles") => Value::String(dumps(&json!({
                "status": true, "indexing": false, "lastblock": null, "zonefiles": {},
            }))),
            (Hostility::Oversized { hash, .. }, "get_zonefile_inventory") => {
                let Some(mut m) = reply_json(&honest) else {
                    return honest;
                };
                let atlas = self.inner.rpc().atlas();
                let mut inv = Vec::new();
                for &i in atlas.inventory().indexes_of(hash) {
                    crate::inventory::set_bit(&mut inv, i, true);
                }
                m.insert("inv".into(), Json::String(engine.encode(inv)));
                Value::String(dumps(&Json::Object(m)))
            }
            (Hostility::Oversized { hash, data }, "get_zonefiles") => {
                let Some(mut m) = reply_json(&honest) else {
                    return honest;
                };
                let asked = params
                    .first()
                    .and_then(Value::as_array)
                    .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(hash)));
                if let Some(Json::Object(zfs)) = m.get_mut("zonefiles") {
                    zfs.clear();
                    if asked {
                        zfs.insert(hash.clone(), Json::String(engine.encode(data)));
                    }
                }
                Value::String(dumps(&Json::Object(m)))
            }
            _ => honest,
        }
    }

    fn delay(&self, method: &str) -> Duration {
        match (&self.kind, method) {
            (_, "ping" | "getinfo") => Duration::ZERO,
            (Hostility::Slow(d), _) => *d,
            _ => Duration::ZERO,
        }
    }
}

/// One direction of a link.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// Probability that a call is lost (the caller sees it as unreachable).
    pub drop_probability: f64,
    /// One-way latency.
    pub latency: Duration,
}

impl Default for Link {
    fn default() -> Self {
        Self {
            drop_probability: 0.0,
            latency: Duration::from_millis(20),
        }
    }
}

struct NetState {
    endpoints: HashMap<String, Arc<dyn Endpoint>>,
    links: HashMap<(String, String), Link>,
    default_link: Link,
    rng: StdRng,
    calls: u64,
}

/// The simulated network.
pub struct SimNetwork {
    state: Mutex<NetState>,
}

impl std::fmt::Debug for SimNetwork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimNetwork").finish_non_exhaustive()
    }
}

impl SimNetwork {
    /// An empty network whose random link losses are drawn from `seed`.
    pub fn new(seed: u64) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(NetState {
                endpoints: HashMap::new(),
                links: HashMap::new(),
                default_link: Link::default(),
                rng: StdRng::seed_from_u64(seed),
                calls: 0,
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, NetState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sets the link used where no specific one is set.
    pub fn set_default_link(&self, link: Link) {
        self.lock().default_link = link;
    }

    /// Sets the link between `a` and `b`, both directions.
    pub fn set_link(&self, a: &str, b: &str, link: Link) {
        let mut st = self.lock();
        st.links.insert((a.to_owned(), b.to_owned()), link);
        st.links.insert((b.to_owned(), a.to_owned()), link);
    }

    /// Makes `endpoint` reachable at `hostport`.
    pub fn attach(&self, hostport: &str, endpoint: Arc<dyn Endpoint>) {
        self.lock().endpoints.insert(hostport.to_owned(), endpoint);
    }

    /// Takes `hostport` off the network.
    pub fn detach(&self, hostport: &str) {
        self.lock().endpoints.remove(hostport);
    }

    /// Calls made so far.
    pub fn calls(&self) -> u64 {
        self.lock().calls
    }

    /// The transport a node at `me` uses.
    pub fn transport(self: &Arc<Self>, me: &str) -> Arc<SimTransport> {
        Arc::new(SimTransport {
            net: Arc::clone(self),
            me: me.to_owned(),
        })
    }
}

/// A node's view of the [`SimNetwork`].
#[derive(Debug)]
pub struct SimTransport {
    net: Arc<SimNetwork>,
    me: String,
}

impl SimTransport {
    async fn deliver(
        &self,
        peer: &str,
        method: &str,
        params: Vec<Value>,
    ) -> Result<Value, TransportError> {
        let (endpoint, link, dropped) = {
            let mut st = self.net.lock();
            st.calls += 1;
            let link = st
                .links
                .get(&(self.me.clone(), peer.to_owned()))
                .copied()
                .unwrap_or(st.default_link);
            let dropped = st.rng.gen::<f64>() < link.drop_probability;
            (st.endpoints.get(peer).cloned(), link, dropped)
        };
        tokio::time::sleep(link.latency).await;
        let Some(endpoint) = endpoint else {
            return Err(TransportError::Unreachable(format!("no host {peer}")));
        };
        if dropped {
            return Err(TransportError::Unreachable("connection lost".into()));
        }
        tokio::time::sleep(endpoint.delay(method)).await;
        let reply = endpoint.reply(&self.me, method, &params);
        tokio::time::sleep(link.latency).await;
        Ok(reply)
    }
}

impl PeerTransport for SimTransport {
    fn call<'a>(
        &'a self,
        peer: &'a str,
        method: &'a str,
        params: Vec<Value>,
        _timeout: Duration,
    ) -> CallFuture<'a> {
        Box::pin(self.deliver(peer, method, params))
    }
}
