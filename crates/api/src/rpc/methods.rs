//! The name-database methods of the node RPC (core-rpc.md §3), each a function of the
//! snapshot and the positional parameters, with the original's checks and messages.

use std::collections::BTreeMap;

use base64::Engine as _;
use blockstack_consensus::address::decode_base58_address;
use blockstack_namedb::{DidLookup, NameDbError};
use blockstack_node::xmlrpc::Value;
use serde_json::{json, Map, Value as Json};

use super::dispatch::RpcReply;
use crate::records::{
    check_address, check_name, check_namespace, is_subdomain, reencode_address, sanitize,
    NameReply, SubdomainReply,
};
use crate::service::Reader;
use crate::zonefiles::{get_verified, is_zonefile_hash};

/// A method: its wire name, its parameter count and its body.
pub(super) struct Method {
    pub name: &'static str,
    pub arity: usize,
    pub run: fn(&Reader<'_>, &[Value]) -> Result<RpcReply, NameDbError>,
}

/// Largest `count` of the name listings.
pub const MAX_NAMES_PER_PAGE: i64 = 100;
/// Largest `count` of `get_nameops_at` and `get_historic_names_by_address`.
pub const MAX_OPS_PER_PAGE: i64 = 10;
/// Most heights `get_consensus_hashes` takes.
pub const MAX_CONSENSUS_HASHES: usize = 32;
/// Most hashes `get_zonefiles` takes.
pub const MAX_ZONEFILES: usize = 100;
/// Largest `count` of `get_zonefiles_by_block`.
pub const MAX_ZONEFILES_BY_BLOCK: i64 = 100;

/// The method table.
pub(super) const METHODS: &[Method] = &[
    Method {
        name: "ping",
        arity: 0,
        run: ping,
    },
    Method {
        name: "getinfo",
        arity: 0,
        run: getinfo,
    },
    Method {
        name: "get_name_record",
        arity: 1,
        run: get_name_record,
    },
    Method {
        name: "get_name_blockchain_record",
        arity: 1,
        run: get_name_blockchain_record,
    },
    Method {
        name: "get_name_history_blocks",
        arity: 1,
        run: get_name_history_blocks,
    },
    Method {
        name: "get_name_at",
        arity: 2,
        run: get_name_at,
    },
    Method {
        name: "get_historic_name_at",
        arity: 2,
        run: get_historic_name_at,
    },
    Method {
        name: "get_num_nameops_at",
        arity: 1,
        run: get_num_nameops_at,
    },
    Method {
        name: "get_nameops_at",
        arity: 3,
        run: get_nameops_at,
    },
    Method {
        name: "get_nameops_hash_at",
        arity: 1,
        run: get_nameops_hash_at,
    },
    Method {
        name: "get_consensus_at",
        arity: 1,
        run: get_consensus_at,
    },
    Method {
        name: "get_consensus_hashes",
        arity: 1,
        run: get_consensus_hashes,
    },
    Method {
        name: "get_block_from_consensus",
        arity: 1,
        run: get_block_from_consensus,
    },
    Method {
        name: "get_names_owned_by_address",
        arity: 1,
        run: get_names_owned_by_address,
    },
    Method {
        name: "get_subdomains_owned_by_address",
        arity: 1,
        run: get_subdomains_owned_by_address,
    },
    Method {
        name: "get_historic_names_by_address",
        arity: 3,
        run: get_historic_names_by_address,
    },
    Method {
        name: "get_num_historic_names_by_address",
        arity: 1,
        run: get_num_historic_names_by_address,
    },
    Method {
        name: "get_num_names",
        arity: 0,
        run: get_num_names,
    },
    Method {
        name: "get_num_names_cumulative",
        arity: 0,
        run: get_num_names_cumulative,
    },
    Method {
        name: "get_all_names",
        arity: 2,
        run: get_all_names,
    },
    Method {
        name: "get_all_names_cumulative",
        arity: 2,
        run: get_all_names_cumulative,
    },
    Method {
        name: "get_all_namespaces",
        arity: 0,
        run: get_all_namespaces,
    },
    Method {
        name: "get_num_names_in_namespace",
        arity: 1,
        run: get_num_names_in_namespace,
    },
    Method {
        name: "get_names_in_namespace",
        arity: 3,
        run: get_names_in_namespace,
    },
    Method {
        name: "get_namespace_blockchain_record",
        arity: 1,
        run: get_namespace_blockchain_record,
    },
    Method {
        name: "get_name_cost",
        arity: 1,
        run: get_name_cost,
    },
    Method {
        name: "get_namespace_cost",
        arity: 1,
        run: get_namespace_cost,
    },
    Method {
        name: "get_name_DID",
        arity: 1,
        run: get_name_did,
    },
    Method {
        name: "get_DID_record",
        arity: 1,
        run: get_did_record,
    },
    Method {
        name: "get_zonefiles",
        arity: 1,
        run: get_zonefiles,
    },
    Method {
        name: "get_all_neighbor_info",
        arity: 0,
        run: get_all_neighbor_info,
    },
];

type Reply = Result<RpcReply, NameDbError>;

fn ok(fields: Json) -> Reply {
    Ok(RpcReply::Enveloped(match fields {
        Json::Object(m) => m,
        _ => Map::new(),
    }))
}

fn err(msg: &str) -> Reply {
    Ok(RpcReply::Error(msg.to_string()))
}

/// What a missing parameter reads as (the dispatcher checks arity first).
static NIL: Value = Value::Nil;

/// Parameter `i`.
fn arg(p: &[Value], i: usize) -> &Value {
    p.get(i).unwrap_or(&NIL)
}

/// A string parameter.
fn string(v: &Value) -> Option<&str> {
    v.as_str()
}

/// An integer parameter ≥ 0 (`check_offset`) — booleans are not integers here.
fn offset(v: &Value) -> Option<u64> {
    v.as_int().and_then(|i| u64::try_from(i).ok())
}

/// `check_count(count, max)`.
fn count(v: &Value, max: i64) -> Option<u64> {
    v.as_int()
        .filter(|i| (0..=max).contains(i))
        .and_then(|i| u64::try_from(i).ok())
}

/// `check_block`: ≥ the first block (≥ 1 in test mode), ≤ 10 000 000.
fn block(r: &Reader<'_>, v: &Value) -> Option<u64> {
    let b = v.as_int()?;
    let min = if r.rules.test_mode {
        1
    } else {
        blockstack_consensus::rules::FIRST_BLOCK_MAINNET as i64
    };
    if b < min || b > 10_000_000 {
        return None;
    }
    u64::try_from(b).ok()
}

fn ping(r: &Reader<'_>, _: &[Value]) -> Reply {
    let status = if r.status.is_stale() {
        "stale"
    } else {
        "alive"
    };
    Ok(RpcReply::Bare(
        json!({"status": status, "version": r.config.server_version}),
    ))
}

/// `getinfo`: fails as the original's does once bitcoind's last answer is older than its
/// cache.
fn getinfo(r: &Reader<'_>, _: &[Value]) -> Reply {
    if r.status.bitcoind_lost_at(crate::node_info::unix_now()) {
        return Ok(RpcReply::Traceback(format!(
            "Exception: bitcoind has not answered for over {} seconds",
            crate::node_info::BITCOIND_INFO_MAX_AGE_SECS
        )));
    }
    Ok(RpcReply::Bare(r.getinfo()?))
}

fn name_record(r: &Reader<'_>, p: &[Value], with_history: bool) -> Reply {
    let Some(name) = string(arg(p, 0)) else {
        return err("Invalid name or subdomain");
    };
    if check_name(name) {
        match r.name_record(name, with_history)? {
            NameReply::NotFound => err("Not found."),
            NameReply::NamespaceMissing => ok(json!({"record": null})),
            NameReply::Found(rec) => ok(json!({"record": rec})),
        }
    } else if is_subdomain(name) {
        match r.subdomain_record(name, with_history) {
            Ok(SubdomainReply::Found(rec)) => ok(json!({ "record": rec })),
            Ok(SubdomainReply::NotFound) => err("Failed to load subdomain"),
            Err(e) => subdomain_failure(&e),
        }
    } else {
        err("Invalid name or subdomain")
    }
}

fn get_name_record(r: &Reader<'_>, p: &[Value]) -> Reply {
    name_record(r, p, false)
}

fn get_name_blockchain_record(r: &Reader<'_>, p: &[Value]) -> Reply {
    name_record(r, p, true)
}

fn get_name_history_blocks(r: &Reader<'_>, p: &[Value]) -> Reply {
    let Some(name) = string(arg(p, 0)).filter(|n| check_name(n)) else {
        return err("invalid name");
    };
    ok(json!({"history_blocks": r.snap.name_history_blocks(name)?}))
}

fn name_at(r: &Reader<'_>, p: &[Value], include_expired: bool) -> Reply {
    let Some(name) = string(arg(p, 0)).filter(|n| check_name(n)) else {
        return err("invalid name");
    };
    let Some(height) = block(r, arg(p, 1)) else {
        return ok(json!({"record": null}));
    };
    let states = if include_expired {
        r.snap.historic_name_at(name, height)?
    } else {
        r.snap.name_at(name, height)?
    };
    // The original iterates over the `None` its query returns for a name with no state
    // (or not alive) at that block.
    let Some(states) = states else {
        return Ok(RpcReply::Traceback(
            "TypeError: 'NoneType' object is not iterable".into(),
        ));
    };
    let records: Vec<Map<String, Json>> = states.into_iter().map(sanitize).collect();
    ok(json!({"records": records}))
}

fn get_name_at(r: &Reader<'_>, p: &[Value]) -> Reply {
    name_at(r, p, false)
}

fn get_historic_name_at(r: &Reader<'_>, p: &[Value]) -> Reply {
    name_at(r, p, true)
}

fn get_num_nameops_at(r: &Reader<'_>, p: &[Value]) -> Reply {
    let Some(height) = block(r, arg(p, 0)) else {
        return err("Invalid block height");
    };
    ok(json!({"count": r.snap.num_nameops_at(height)?}))
}

fn get_nameops_at(r: &Reader<'_>, p: &[Value]) -> Reply {
    let Some(height) = block(r, arg(p, 0)) else {
        return err("Invalid block height");
    };
    let Some(offset) = offset(arg(p, 1)) else {
        return err("Invalid offset");
    };
    let Some(count) = count(arg(p, 2), MAX_OPS_PER_PAGE) else {
        return err("Invalid count");
    };
    let ops: Vec<Map<String, Json>> = r
        .snap
        .nameops_at(height, offset, count)?
        .into_iter()
        .map(sanitize)
        .collect();
    ok(json!({"nameops": ops}))
}

fn get_nameops_hash_at(r: &Reader<'_>, p: &[Value]) -> Reply {
    let Some(height) = block(r, arg(p, 0)) else {
        return err("Invalid block height");
    };
    ok(json!({"ops_hash": r.snap.ops_hash_at(height)?}))
}

fn get_consensus_at(r: &Reader<'_>, p: &[Value]) -> Reply {
    let Some(height) = block(r, arg(p, 0)) else {
        return err("Invalid block height");
    };
    ok(json!({"consensus": r.snap.consensus_hash_at(height)?}))
}

fn get_consensus_hashes(r: &Reader<'_>, p: &[Value]) -> Reply {
    let Some(list) = arg(p, 0).as_array() else {
        return err("Invalid block heights");
    };
    if list.len() > MAX_CONSENSUS_HASHES {
        return err("Too many block heights");
    }
    let mut heights = Vec::with_capacity(list.len());
    for v in list {
        let Some(h) = block(r, v) else {
            return err("Invalid block height");
        };
        heights.push(h);
    }
    let mut out = BTreeMap::new();
    for h in heights {
        out.insert(h.to_string(), r.snap.consensus_hash_at(h)?);
    }
    ok(json!({"consensus_hashes": out}))
}

fn get_block_from_consensus(r: &Reader<'_>, p: &[Value]) -> Reply {
    let Some(hash) =
        string(arg(p, 0)).filter(|h| h.len() == 32 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    else {
        return err("Not a valid consensus hash");
    };
    ok(json!({"block_id": r.snap.block_of_consensus_hash(hash)?}))
}

fn get_names_owned_by_address(r: &Reader<'_>, p: &[Value]) -> Reply {
    let Some(address) = string(arg(p, 0)).filter(|a| check_address(a)) else {
        return err("Invalid address");
    };
    ok(json!({"names": r.snap.names_owned_by_address(address)?}))
}

/// A failure of the subdomain database: what an exception inside the original's method
/// produces.
fn subdomain_failure(e: &blockstack_subdomains::SubdomainError) -> Reply {
    tracing::error!(error = %e, "subdomain lookup failed");
    Ok(RpcReply::Traceback(format!("SubdomainError: {e}")))
}

/// `get_subdomains_owned_by_address`: the subdomains whose current owner is the address,
/// compared as written (no re-encoding, as the original).
fn get_subdomains_owned_by_address(r: &Reader<'_>, p: &[Value]) -> Reply {
    let Some(address) = string(arg(p, 0)).filter(|a| check_address(a)) else {
        return err("Invalid address");
    };
    let owned = match r.subdomains().map(|l| l.owned_by(address)) {
        None => Vec::new(),
        Some(Ok(list)) => list,
        Some(Err(e)) => return subdomain_failure(&e),
    };
    ok(json!({ "subdomains": owned }))
}

fn get_historic_names_by_address(r: &Reader<'_>, p: &[Value]) -> Reply {
    let Some(address) = string(arg(p, 0)).filter(|a| check_address(a)) else {
        return err("Invalid address");
    };
    let Some(offset) = offset(arg(p, 1)) else {
        return err("invalid offset");
    };
    let Some(count) = count(arg(p, 2), MAX_OPS_PER_PAGE) else {
        return err("invalid count");
    };
    let names: Vec<Json> = r
        .snap
        .historic_names_by_address(address, offset, count)?
        .into_iter()
        .map(|n| json!({"name": n.name, "block_id": n.block_id, "vtxindex": n.vtxindex}))
        .collect();
    ok(json!({"names": names}))
}

fn get_num_historic_names_by_address(r: &Reader<'_>, p: &[Value]) -> Reply {
    let Some(address) = string(arg(p, 0)).filter(|a| check_address(a)) else {
        return err("Invalid address");
    };
    ok(json!({"count": r.snap.num_historic_names_by_address(address)?}))
}

fn get_num_names(r: &Reader<'_>, _: &[Value]) -> Reply {
    ok(json!({"count": r.snap.num_names()?}))
}

fn get_num_names_cumulative(r: &Reader<'_>, _: &[Value]) -> Reply {
    ok(json!({"count": r.snap.num_names_cumulative()?}))
}

fn page(p: &[Value]) -> Result<(u64, u64), &'static str> {
    let offset = offset(arg(p, 0)).ok_or("invalid offset")?;
    let count = count(arg(p, 1), MAX_NAMES_PER_PAGE).ok_or("invalid count")?;
    Ok((offset, count))
}

fn get_all_names(r: &Reader<'_>, p: &[Value]) -> Reply {
    match page(p) {
        Ok((offset, count)) => ok(json!({"names": r.snap.all_names(offset, count)?})),
        Err(e) => err(e),
    }
}

fn get_all_names_cumulative(r: &Reader<'_>, p: &[Value]) -> Reply {
    match page(p) {
        Ok((offset, count)) => ok(json!({"names": r.snap.all_names_cumulative(offset, count)?})),
        Err(e) => err(e),
    }
}

fn get_all_namespaces(r: &Reader<'_>, _: &[Value]) -> Reply {
    ok(json!({"namespaces": r.snap.namespace_ids()?}))
}

fn namespace_param(p: &[Value]) -> Option<&str> {
    string(arg(p, 0)).filter(|ns| check_namespace(ns))
}

fn get_num_names_in_namespace(r: &Reader<'_>, p: &[Value]) -> Reply {
    let Some(ns) = namespace_param(p) else {
        return err("Invalid name or namespace");
    };
    ok(json!({"count": r.snap.num_names_in_namespace(ns)?}))
}

fn get_names_in_namespace(r: &Reader<'_>, p: &[Value]) -> Reply {
    let Some(ns) = namespace_param(p) else {
        return err("Invalid name or namespace");
    };
    match page(p.get(1..).unwrap_or_default()) {
        Ok((offset, count)) => ok(json!({"names": r.snap.names_in_namespace(ns, offset, count)?})),
        Err(e) => err(e),
    }
}

fn get_namespace_blockchain_record(r: &Reader<'_>, p: &[Value]) -> Reply {
    let Some(ns) = namespace_param(p) else {
        return err("Invalid name or namespace");
    };
    let Some(view) = r.snap.namespace_record(ns)? else {
        return err("No such namespace");
    };
    // The original reads the namespace with its history (`include_history=True`).
    let mut record = match serde_json::to_value(&view) {
        Ok(Json::Object(m)) => m,
        _ => Map::new(),
    };
    let history: Map<String, Json> = r
        .snap
        .history(ns)?
        .into_iter()
        .map(|(block, states)| (block.to_string(), Json::from(states)))
        .collect();
    record.insert("history".into(), Json::Object(history));
    ok(json!({ "record": record }))
}

fn get_name_cost(r: &Reader<'_>, p: &[Value]) -> Reply {
    let Some(name) = string(arg(p, 0)).filter(|n| check_name(n)) else {
        return err("Invalid name or namespace");
    };
    match r.snap.name_cost(name)? {
        Some(price) => ok(json!({"satoshis": satoshis(price)})),
        None => err("Unknown/invalid namespace"),
    }
}

fn get_namespace_cost(r: &Reader<'_>, p: &[Value]) -> Reply {
    let Some(ns) = namespace_param(p) else {
        return err("Invalid name or namespace");
    };
    let cost = r.snap.namespace_cost(ns)?;
    let mut fields = json!({"satoshis": satoshis(cost.satoshis)});
    if cost.exists {
        fields["warning"] = Json::from("Namespace already exists");
    }
    ok(fields)
}

/// `int(math.ceil(price))`: an integer when it fits, else the float (Python's long would
/// print all digits; no real namespace price comes near).
pub(crate) fn satoshis(price: f64) -> Json {
    let p = price.ceil();
    if p.is_finite() && p.abs() < 9.0e15 {
        Json::from(p as i64)
    } else {
        serde_json::Number::from_f64(p).map_or(Json::Null, Json::Number)
    }
}

fn get_zonefiles(r: &Reader<'_>, p: &[Value]) -> Reply {
    if !r.config.atlas_enabled {
        return err("No data");
    }
    let Some(list) = arg(p, 0).as_array() else {
        return err("Invalid zonefile hashes");
    };
    if list.len() > MAX_ZONEFILES {
        return err("Too many requests (no more than 100 allowed)");
    }
    let mut hashes = Vec::with_capacity(list.len());
    for v in list {
        let Some(h) = string(v).filter(|h| is_zonefile_hash(h)) else {
            return err("Invalid zone file hash");
        };
        hashes.push(h);
    }
    let mut out = BTreeMap::new();
    for h in hashes {
        if let Some(data) = get_verified(r.zonefiles, h) {
            out.insert(
                h.to_string(),
                base64::engine::general_purpose::STANDARD.encode(data),
            );
        }
    }
    ok(json!({"zonefiles": out}))
}

/// The network simulator's peer dump: disabled outside the simulator, as on every v0.18
/// node not run by it.
fn get_all_neighbor_info(_: &Reader<'_>, _: &[Value]) -> Reply {
    err("No such method")
}

/// `get_zonefiles_by_block(from, to, offset, count)`: the Atlas rows announced in blocks
/// `from..=to`, in inventory order, paged.
pub(super) fn get_zonefiles_by_block(
    r: &Reader<'_>,
    atlas: Option<&blockstack_atlas::Atlas>,
    p: &[Value],
) -> Reply {
    let Some(atlas) = atlas.filter(|_| r.config.atlas_enabled) else {
        return err("Not an atlas node");
    };
    let Some(from) = block(r, arg(p, 0)) else {
        return err("Invalid from_block height");
    };
    let Some(to) = block(r, arg(p, 1)) else {
        return err("Invalid to_block height");
    };
    let Some(offset) = offset(arg(p, 2)) else {
        return err("invalid offset");
    };
    let Some(count) = count(arg(p, 3), MAX_ZONEFILES_BY_BLOCK) else {
        return err("invalid count");
    };
    let info: Vec<Json> = super::zonefile_rows::rows_in_blocks(atlas, from, to, offset, count)
        .into_iter()
        .map(|(inv_index, row)| {
            json!({
                "name": row.name,
                "zonefile_hash": row.zonefile_hash,
                "block_height": row.block_height,
                "txid": row.txid,
                "inv_index": inv_index,
            })
        })
        .collect();
    ok(json!({ "zonefile_info": info }))
}

fn get_name_did(r: &Reader<'_>, p: &[Value]) -> Reply {
    let Some(name) = string(arg(p, 0)) else {
        return err("No such name");
    };
    if is_subdomain(name) && !check_name(name) {
        let info = match r.subdomains().map(|l| l.did_info(name)) {
            None | Some(Ok(None)) => None,
            Some(Ok(Some(info))) => Some(info),
            Some(Err(e)) => return subdomain_failure(&e),
        };
        let did = info.and_then(|info| {
            blockstack_subdomains::make_subdomain_did(
                &info.address,
                info.index,
                r.subdomain_network(),
            )
        });
        return match did {
            Some(did) => ok(json!({ "did": did })),
            // The original indexes into the `None` it got for an unknown subdomain.
            None => Ok(RpcReply::Traceback(
                "TypeError: 'NoneType' object has no attribute '__getitem__'".into(),
            )),
        };
    }
    if !check_name(name) {
        return err("No such name");
    }
    match r.snap.name_did(name)? {
        Some(info) => {
            let address = reencode_address(&info.address, r.rules.network);
            ok(json!({"did": format!("did:stack:v0:{address}-{}", info.index)}))
        }
        None => Ok(RpcReply::Traceback("KeyError: 'name_type'".into())),
    }
}

/// Address version bytes `address_reencode` knows: p2pkh and p2sh of mainnet and testnet.
const NAME_DID_VERSIONS: [u8; 4] = [0, 5, 111, 196];

/// `parse_DID`: `did:stack:v0:<base58 address>-<index>`.
fn parse_did(did: &str) -> Option<(&str, u64)> {
    let rest = did.strip_prefix("did:stack:v0:")?;
    let (address, index) = rest.rsplit_once('-')?;
    let ok_address =
        (25..=35).contains(&address.len()) && address.bytes().all(crate::records::is_base58_char);
    let ok_index = !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit());
    if !ok_address || !ok_index {
        return None;
    }
    Some((address, index.parse().ok()?))
}

fn get_did_record(r: &Reader<'_>, p: &[Value]) -> Reply {
    let Some(did) = string(arg(p, 0)) else {
        return err("Invalid DID: not a string");
    };
    let Some((address, index)) = parse_did(did) else {
        return err("Invalid DID");
    };
    if decode_base58_address(address).is_none() {
        return err("Invalid DID");
    }
    if let Some(owner) = blockstack_subdomains::subdomain_did_owner(address, r.subdomain_network())
    {
        let found = match r.subdomains().map(|l| {
            l.resolve_did(&owner, index).and_then(|sub| match sub {
                Some(sub) => l.pending(&sub.record.fqn).map(|p| Some((sub, p))),
                None => Ok(None),
            })
        }) {
            None | Some(Ok(None)) => None,
            Some(Ok(Some(found))) => Some(found),
            Some(Err(e)) => return subdomain_failure(&e),
        };
        return match found {
            Some((sub, pending)) => ok(json!({ "record": sub.to_json(Some(pending)) })),
            None => err(&format!("Failed to load subdomain from {did}")),
        };
    }
    // A name DID's address must re-encode as a Bitcoin address (p2pkh or p2sh of either
    // network); the original's `parse_DID` raises on any other version byte.
    let name_version =
        decode_base58_address(address).is_some_and(|(v, _)| NAME_DID_VERSIONS.contains(&v));
    if !name_version {
        return err("Invalid DID");
    }
    match r.snap.did_record(address, index)? {
        DidLookup::NotFound | DidLookup::Revoked => {
            err("Failed to resolve DID to a non-revoked name")
        }
        DidLookup::NamespaceMissing => err("DID does not resolve to an existing name"),
        DidLookup::Found(view) => {
            let mut rec = match serde_json::to_value(&*view) {
                Ok(Json::Object(m)) => m,
                _ => Map::new(),
            };
            let hash = rec
                .get("value_hash")
                .and_then(Json::as_str)
                .map(str::to_owned);
            if let Some(data) = hash
                .filter(|_| r.config.atlas_enabled)
                .and_then(|h| get_verified(r.zonefiles, &h))
            {
                rec.insert(
                    "zonefile".into(),
                    Json::from(base64::engine::general_purpose::STANDARD.encode(data)),
                );
            }
            ok(json!({ "record": rec }))
        }
    }
}
