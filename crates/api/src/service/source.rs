//! Where the REST read routes get their data: the node's own name database and zone file
//! store ([`Source::Local`]), or a remote core through its node RPC ([`Source::Remote`]).
//!
//! The routes ask a [`Source`] for the same things the original's REST handlers asked the
//! daemon's RPC for, so a remote core answers them with the same bytes as the local database
//! of the same state. What the RPC does not expose is not served through a remote source:
//!
//! * `GET /v1/search` needs the node's own search index: 501 `{"error": ...}`;
//! * `GET /v1/info` carries the core's `getinfo` alone (no Atlas or subdomain-index view);
//! * `GET /v1/addresses/…` lists the subdomains the core's `get_subdomains_owned_by_address`
//!   reports (none when that call fails, as a failed local lookup).
//!
//! A remote core that cannot be reached, or that answers something that is not the method's
//! reply, is a 500 `{"error": ...}` naming the core and the failure.

use blockstack_client::node::{NodeClient, NodeError};
use blockstack_consensus::Rules;
use blockstack_node::xmlrpc::Value as XmlValue;
use serde_json::{Map, Value};
use tokio::runtime::Handle;

use super::Reader;
use crate::error::ApiError;
use crate::records::{NameReply, SubdomainReply};
use crate::rpc::satoshis;
use crate::zonefiles::{get_verified, StandardVerdicts};

/// Most operations `get_nameops_at` returns per call (its `count` limit).
const NAMEOPS_PER_CALL: u64 = 10;

/// A remote core read through its node RPC: the client, the rules the core runs under, and
/// the verdicts of the zone files it served (standard or not), remembered by hash.
pub struct RemoteSource {
    client: NodeClient,
    rules: Rules,
    verdicts: StandardVerdicts,
}

impl std::fmt::Debug for RemoteSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteSource")
            .field("url", &self.client.url())
            .finish_non_exhaustive()
    }
}

impl RemoteSource {
    /// A source reading the core at `client`'s URL, evaluated with `rules` (the core's own
    /// network and first block), remembering up to `verdicts` zone file verdicts.
    pub fn new(client: NodeClient, rules: Rules, verdicts: usize) -> Self {
        Self {
            client,
            rules,
            verdicts: StandardVerdicts::new(verdicts),
        }
    }

    /// The core's RPC URL.
    pub fn url(&self) -> &str {
        self.client.url()
    }
}

/// A record lookup's answer: the record (`None` for `record: null`) or the core's error.
type RecordReply = Result<Option<Map<String, Value>>, String>;

/// A remote source during one read: the calls run on the blocking thread the read runs on,
/// driven by the runtime's handle.
pub struct RemoteRead<'r> {
    pub(super) source: &'r RemoteSource,
    pub(super) handle: Handle,
}

impl RemoteRead<'_> {
    /// Calls `method` and returns its JSON document, `{"error": ...}` replies included.
    fn call(&self, method: &str, params: Vec<XmlValue>) -> Result<Value, ApiError> {
        self.handle
            .block_on(self.source.client.call_raw(method, params))
            .map_err(|e| remote_failure(&e))
    }

    /// Calls `method`: its reply, or the core's `{"error": ...}` message.
    fn call_ok(
        &self,
        method: &str,
        params: Vec<XmlValue>,
    ) -> Result<Result<Value, String>, ApiError> {
        let reply = self.call(method, params)?;
        Ok(match reply.get("error") {
            Some(e) => Err(e.as_str().map_or_else(|| e.to_string(), str::to_owned)),
            None => Ok(reply),
        })
    }

    /// Calls `method`, whose errors are failures, and returns the reply's `key`.
    fn field(&self, method: &str, params: Vec<XmlValue>, key: &str) -> Result<Value, ApiError> {
        match self.call_ok(method, params)? {
            Ok(mut reply) => reply
                .get_mut(key)
                .map(Value::take)
                .ok_or_else(|| bad_reply(method, &format!("no `{key}`"))),
            Err(e) => Err(ApiError::Indexer(e)),
        }
    }

    /// Calls `method` and decodes the reply's `key` as `T`.
    fn typed<T: serde::de::DeserializeOwned>(
        &self,
        method: &str,
        params: Vec<XmlValue>,
        key: &str,
    ) -> Result<T, ApiError> {
        serde_json::from_value(self.field(method, params, key)?)
            .map_err(|e| bad_reply(method, &format!("`{key}`: {e}")))
    }

    /// `get_name_record`/`get_name_blockchain_record`: the record (`None` for `record:
    /// null`) or the core's error message, and the envelope's `lastblock`.
    fn record(
        &self,
        name: &str,
        with_history: bool,
    ) -> Result<(RecordReply, Option<u64>), ApiError> {
        let method = if with_history {
            "get_name_blockchain_record"
        } else {
            "get_name_record"
        };
        let reply = match self.call_ok(method, vec![text(name)])? {
            Ok(reply) => reply,
            Err(e) => return Ok((Err(e), None)),
        };
        let lastblock = reply.get("lastblock").and_then(Value::as_u64);
        match reply.get("record") {
            Some(Value::Object(rec)) => Ok((Ok(Some(rec.clone())), lastblock)),
            Some(Value::Null) => Ok((Ok(None), lastblock)),
            _ => Err(bad_reply(method, "no `record`")),
        }
    }
}

/// What the REST routes read from: the local snapshot, or a remote core.
pub enum Source<'r> {
    /// The node's own database, zone files and subdomain index.
    Local(&'r Reader<'r>),
    /// A remote core's node RPC.
    Remote(&'r RemoteRead<'r>),
}

fn text(s: &str) -> XmlValue {
    XmlValue::String(s.to_owned())
}

fn int(n: u64) -> XmlValue {
    XmlValue::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

fn remote_failure(e: &NodeError) -> ApiError {
    tracing::error!(error = %e, "remote core read failed");
    ApiError::Indexer(format!("Remote core: {e}"))
}

fn bad_reply(method: &str, reason: &str) -> ApiError {
    remote_failure(&NodeError::BadReply {
        method: method.to_owned(),
        reason: reason.to_owned(),
    })
}

impl Source<'_> {
    /// The consensus rules the names are evaluated with.
    pub fn rules(&self) -> &Rules {
        match self {
            Source::Local(r) => r.rules,
            Source::Remote(r) => &r.source.rules,
        }
    }

    /// Whether the zone file `bytes`, verified to hash to `hash`, is standard, remembered by
    /// hash.
    pub fn is_standard_zonefile(&self, hash: &str, bytes: &[u8]) -> bool {
        match self {
            Source::Local(r) => r.is_standard_zonefile(hash, bytes),
            Source::Remote(r) => r.source.verdicts.is_standard(hash, bytes),
        }
    }

    /// The record as the reference client's `get_name_record` hands it to the REST handlers:
    /// a subdomain's from the subdomain index (`Failed to load subdomain` when unknown), a
    /// name's refused past its renewal deadline (`Name expired`), `Not found.` for none.
    pub fn client_record(
        &self,
        name: &str,
        with_history: bool,
    ) -> Result<Result<Map<String, Value>, String>, ApiError> {
        let (rec, lastblock) = match self {
            Source::Local(r) => {
                if crate::records::is_subdomain(name) {
                    return Ok(match r.subdomain_record(name, with_history)? {
                        SubdomainReply::Found(rec) => Ok(rec),
                        SubdomainReply::NotFound => Err("Failed to load subdomain".into()),
                    });
                }
                let rec = match r.name_record(name, with_history)? {
                    NameReply::NotFound | NameReply::NamespaceMissing => None,
                    NameReply::Found(rec) => Some(rec),
                };
                (rec, r.lastblock())
            }
            Source::Remote(r) => {
                let (rec, lastblock) = r.record(name, with_history)?;
                let rec = match rec {
                    Err(e) => return Ok(Err(e)),
                    Ok(rec) => rec,
                };
                if crate::records::is_subdomain(name) {
                    return Ok(rec.ok_or_else(|| "Failed to load subdomain".into()));
                }
                let last = lastblock.unwrap_or_else(|| self.rules().first_block.saturating_sub(1));
                (rec, last)
            }
        };
        let Some(rec) = rec else {
            return Ok(Err("Not found.".into()));
        };
        let deadline = rec
            .get("renewal_deadline")
            .and_then(Value::as_i64)
            .unwrap_or(-1);
        if past_renewal(lastblock, deadline) {
            return Ok(Err("Name expired".into()));
        }
        Ok(Ok(rec))
    }

    /// Whether the name `name` (not a subdomain) has a record (`get_name_record` finds one).
    pub fn name_exists(&self, name: &str) -> Result<bool, ApiError> {
        match self {
            Source::Local(r) => Ok(matches!(r.name_record(name, false)?, NameReply::Found(_))),
            Source::Remote(r) => Ok(matches!(r.record(name, false)?.0, Ok(Some(_)))),
        }
    }

    /// Whether the subdomain `fqn` has a record.
    pub fn subdomain_exists(&self, fqn: &str) -> Result<bool, ApiError> {
        match self {
            Source::Local(r) => Ok(matches!(
                r.subdomain_record(fqn, true)?,
                SubdomainReply::Found(_)
            )),
            Source::Remote(r) => Ok(matches!(r.record(fqn, true)?.0, Ok(Some(_)))),
        }
    }

    /// A page of the unexpired names (`get_all_names`), or of every name ever registered
    /// (`get_all_names_cumulative`).
    pub fn all_names(
        &self,
        offset: u64,
        count: u64,
        cumulative: bool,
    ) -> Result<Vec<String>, ApiError> {
        match self {
            Source::Local(r) if cumulative => Ok(r.snap.all_names_cumulative(offset, count)?),
            Source::Local(r) => Ok(r.snap.all_names(offset, count)?),
            Source::Remote(r) => {
                let method = if cumulative {
                    "get_all_names_cumulative"
                } else {
                    "get_all_names"
                };
                r.typed(method, vec![int(offset), int(count)], "names")
            }
        }
    }

    /// The number of unexpired names, or of every name ever registered.
    pub fn num_names(&self, cumulative: bool) -> Result<u64, ApiError> {
        match self {
            Source::Local(r) if cumulative => Ok(r.snap.num_names_cumulative()?),
            Source::Local(r) => Ok(r.snap.num_names()?),
            Source::Remote(r) => {
                let method = if cumulative {
                    "get_num_names_cumulative"
                } else {
                    "get_num_names"
                };
                r.typed(method, vec![], "count")
            }
        }
    }

    /// The names `address` owns (already in this network's encoding and checked).
    pub fn names_owned_by_address(&self, address: &str) -> Result<Vec<String>, ApiError> {
        match self {
            Source::Local(r) => Ok(r.snap.names_owned_by_address(address)?),
            Source::Remote(r) => {
                r.typed("get_names_owned_by_address", vec![text(address)], "names")
            }
        }
    }

    /// The subdomains `address` owns now, as written; none when the lookup fails or the node
    /// indexes no subdomains.
    pub fn subdomains_owned_by(&self, address: &str) -> Vec<String> {
        let owned = match self {
            Source::Local(r) => match r.subdomains() {
                Some(lookup) => lookup.owned_by(address).map_err(|e| e.to_string()),
                None => Ok(Vec::new()),
            },
            Source::Remote(r) => r
                .typed(
                    "get_subdomains_owned_by_address",
                    vec![text(address)],
                    "subdomains",
                )
                .map_err(|e| e.to_string()),
        };
        owned.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "subdomains by address");
            Vec::new()
        })
    }

    /// The IDs of the ready namespaces.
    pub fn namespace_ids(&self) -> Result<Vec<String>, ApiError> {
        match self {
            Source::Local(r) => Ok(r.snap.namespace_ids()?),
            Source::Remote(r) => r.typed("get_all_namespaces", vec![], "namespaces"),
        }
    }

    /// A namespace's record (without its history), if the namespace is visible.
    pub fn namespace_record(&self, ns: &str) -> Result<Option<Map<String, Value>>, ApiError> {
        match self {
            Source::Local(r) => {
                Ok(r.snap
                    .namespace_record(ns)?
                    .map(|view| match serde_json::to_value(view) {
                        Ok(Value::Object(m)) => m,
                        _ => Map::new(),
                    }))
            }
            Source::Remote(r) => {
                let method = "get_namespace_blockchain_record";
                match r.call_ok(method, vec![text(ns)])? {
                    Err(e) if e == "No such namespace" => Ok(None),
                    Err(e) => Err(ApiError::Indexer(e)),
                    Ok(mut reply) => match reply.get_mut("record").map(Value::take) {
                        Some(Value::Object(mut rec)) => {
                            // The RPC reads the namespace with its history; the REST route
                            // answers the record alone.
                            rec.remove("history");
                            Ok(Some(rec))
                        }
                        _ => Err(bad_reply(method, "no `record`")),
                    },
                }
            }
        }
    }

    /// A page of the unexpired names of a namespace.
    pub fn names_in_namespace(
        &self,
        ns: &str,
        offset: u64,
        count: u64,
    ) -> Result<Vec<String>, ApiError> {
        match self {
            Source::Local(r) => Ok(r.snap.names_in_namespace(ns, offset, count)?),
            Source::Remote(r) => r.typed(
                "get_names_in_namespace",
                vec![text(ns), int(offset), int(count)],
                "names",
            ),
        }
    }

    /// A namespace's price now, as the RPC writes it (`int(math.ceil(price))`).
    pub fn namespace_cost(&self, ns: &str) -> Result<Value, ApiError> {
        match self {
            Source::Local(r) => Ok(satoshis(r.snap.namespace_cost(ns)?.satoshis)),
            Source::Remote(r) => r.field("get_namespace_cost", vec![text(ns)], "satoshis"),
        }
    }

    /// A name's price now as the RPC writes it, and as a number; `None` when its namespace
    /// is unknown.
    pub fn name_cost(&self, name: &str) -> Result<Option<(Value, f64)>, ApiError> {
        match self {
            Source::Local(r) => Ok(r.snap.name_cost(name)?.map(|p| (satoshis(p), p))),
            Source::Remote(r) => match r.call_ok("get_name_cost", vec![text(name)])? {
                Err(e) if e == "Unknown/invalid namespace" => Ok(None),
                Err(e) => Err(ApiError::Indexer(e)),
                Ok(mut reply) => {
                    let sats = reply
                        .get_mut("satoshis")
                        .map(Value::take)
                        .unwrap_or(Value::Null);
                    let price = sats.as_f64().unwrap_or(f64::NAN);
                    Ok(Some((sats, price)))
                }
            },
        }
    }

    /// The `getinfo` reply.
    pub fn getinfo(&self) -> Result<Value, ApiError> {
        match self {
            Source::Local(r) => Ok(r.getinfo()?),
            Source::Remote(r) => match r.call_ok("getinfo", vec![])? {
                Ok(info) => Ok(info),
                Err(e) => Err(ApiError::Indexer(e)),
            },
        }
    }

    /// What the subdomain index holds, when the node keeps one it reads itself.
    pub fn subdomain_stats(&self) -> Result<Option<Value>, ApiError> {
        match self {
            Source::Local(r) => match r.subdomains().map(|l| l.stats()).transpose()? {
                Some(stats) => Ok(Some(
                    serde_json::to_value(stats).map_err(|_| ApiError::Internal)?,
                )),
                None => Ok(None),
            },
            Source::Remote(_) => Ok(None),
        }
    }

    /// Every operation of block `height` (already checked to be in range), sanitised.
    pub fn nameops_at(&self, height: u64) -> Result<Vec<Map<String, Value>>, ApiError> {
        let ops = match self {
            Source::Local(r) => {
                let count = r.snap.num_nameops_at(height)?;
                r.snap.nameops_at(height, 0, count)?
            }
            Source::Remote(r) => {
                let count: u64 = r.typed("get_num_nameops_at", vec![int(height)], "count")?;
                let mut ops: Vec<Map<String, Value>> = Vec::new();
                while (ops.len() as u64) < count {
                    let page: Vec<Map<String, Value>> = r.typed(
                        "get_nameops_at",
                        vec![int(height), int(ops.len() as u64), int(NAMEOPS_PER_CALL)],
                        "nameops",
                    )?;
                    if page.is_empty() {
                        break;
                    }
                    ops.extend(page);
                }
                ops
            }
        };
        Ok(ops.into_iter().map(crate::records::sanitize).collect())
    }

    /// The zone file stored under `hash` (verified): `None` when the node serves no zone
    /// files (Atlas disabled), `Some(None)` when it does not hold this one.
    pub fn stored_zonefile(&self, hash: &str) -> Result<Option<Option<Vec<u8>>>, ApiError> {
        match self {
            Source::Local(r) => Ok(r
                .config
                .atlas_enabled
                .then(|| get_verified(r.zonefiles, hash))),
            Source::Remote(r) => {
                let method = "get_zonefiles";
                let list = XmlValue::Array(vec![text(hash)]);
                let files = match r.call_ok(method, vec![list])? {
                    Err(e) if e == "No data" => return Ok(None),
                    Err(e) => return Err(ApiError::Indexer(e)),
                    Ok(mut reply) => reply.get_mut("zonefiles").map(Value::take),
                };
                let bytes = files
                    .as_ref()
                    .and_then(|f| f.get(hash))
                    .and_then(Value::as_str)
                    .and_then(|b64| {
                        use base64::Engine as _;
                        base64::engine::general_purpose::STANDARD.decode(b64).ok()
                    })
                    .filter(|b| blockstack_zonefile::zonefile_hash(b) == hash);
                Ok(Some(bytes))
            }
        }
    }
}

/// Whether `lastblock` is past a name's renewal deadline (−1: none).
pub(crate) fn past_renewal(lastblock: u64, deadline: i64) -> bool {
    deadline > 0 && i64::try_from(lastblock).is_ok_and(|b| b > deadline)
}
