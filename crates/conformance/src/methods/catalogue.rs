//! The calls made to both nodes: every method with a representative set of arguments built
//! from what the chain holds (its names, namespaces, addresses, heights, hashes) and the edges
//! (unknown and malformed values, wrong types, wrong arity, paging limits, heights outside the
//! chain).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use blockstack_node::xmlrpc::Value;

/// Every method compared. State-changing ones (`put_zonefiles`, `atlas_peer_exchange`) are only
/// called with arguments both nodes refuse or ignore, so the comparison changes nothing.
pub const METHODS_COMPARED: &[&str] = &[
    "ping",
    "getinfo",
    "get_name_record",
    "get_name_blockchain_record",
    "get_name_history_blocks",
    "get_name_at",
    "get_historic_name_at",
    "get_num_nameops_at",
    "get_nameops_at",
    "get_nameops_hash_at",
    "get_consensus_at",
    "get_consensus_hashes",
    "get_block_from_consensus",
    "get_names_owned_by_address",
    "get_subdomains_owned_by_address",
    "get_historic_names_by_address",
    "get_num_historic_names_by_address",
    "get_num_names",
    "get_num_names_cumulative",
    "get_all_names",
    "get_all_names_cumulative",
    "get_all_namespaces",
    "get_num_names_in_namespace",
    "get_names_in_namespace",
    "get_namespace_blockchain_record",
    "get_name_cost",
    "get_namespace_cost",
    "get_name_DID",
    "get_DID_record",
    "get_zonefiles",
    "put_zonefiles",
    "get_zonefiles_by_block",
    "get_zonefile_inventory",
    "get_atlas_peers",
    "atlas_peer_exchange",
    "get_all_neighbor_info",
];

/// A method name neither node serves, called to compare the "no such method" answer.
pub const UNKNOWN_METHOD: &str = "no_such_method";

/// What the chain holds, as the calls need it.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// The first block both nodes process.
    pub first_block: u64,
    /// The last block both nodes processed.
    pub tip: u64,
    /// Every name any op named or created.
    pub names: BTreeSet<String>,
    /// Every namespace ID any op named.
    pub namespaces: BTreeSet<String>,
    /// Addresses: owners, importers, revealers, the parties' own.
    pub addresses: BTreeSet<String>,
    /// For each name, the blocks its history has states at.
    pub history_blocks: BTreeMap<String, BTreeSet<u64>>,
    /// Consensus hashes of some processed blocks.
    pub consensus_hashes: Vec<String>,
    /// Zone file hashes the chain announced.
    pub value_hashes: BTreeSet<String>,
    /// Blocks with the most operations, for the paging edges of `get_nameops_at`.
    pub busy_blocks: Vec<u64>,
    /// History rows filed under each block (committed ops and consumed preorders).
    pub history_rows: BTreeMap<u64, usize>,
    /// Subdomains the zone files given to both nodes create.
    pub subdomains: BTreeSet<String>,
}

/// One call: a method and its positional parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    /// The method.
    pub method: String,
    /// Its parameters.
    pub params: Vec<Value>,
}

impl Call {
    /// `method(params…)`.
    pub fn new(method: &str, params: Vec<Value>) -> Self {
        Self {
            method: method.to_owned(),
            params,
        }
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let params: Vec<String> = self.params.iter().map(show).collect();
        write!(f, "{}({})", self.method, params.join(", "))
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::Boolean(b) => if *b { "True" } else { "False" }.to_owned(),
        Value::String(s) if s.len() > 48 => format!("{:?}…({} chars)", &s[..40], s.len()),
        Value::String(s) => format!("{s:?}"),
        Value::Double(d) => d.to_string(),
        Value::Array(a) if a.len() > 6 => format!("[{} items]", a.len()),
        Value::Array(a) => format!("[{}]", a.iter().map(show).collect::<Vec<_>>().join(", ")),
        Value::Nil => "None".to_owned(),
        other => format!("{other:?}"),
    }
}

fn s(v: &str) -> Value {
    Value::string(v)
}

fn i(v: i64) -> Value {
    Value::Int(v)
}

fn h(v: u64) -> Value {
    Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
}

/// Valid but unknown names and names that are not names at all.
const NAME_EDGES: &[&str] = &[
    "nobody.test",
    "x.nonexistent",
    "Upper.test",
    "no-dot",
    "two.dots.test",
    "a.b.c.d",
    "",
    ".test",
    "name.",
    "spaces in.test",
    "averyveryveryveryveryverylongname12.test",
    "sub.foo.test",
    "sub_domain+x.foo.test",
];

/// Unknown names of every price class in the chain's namespaces.
const PRICE_LABELS: &[&str] = &[
    "a",
    "ab",
    "abc",
    "abcd",
    "abcde",
    "abcdef",
    "abcdefghijklmnop",
    "b1",
    "bcd",
    "x-y",
    "q_9",
];

/// Namespace IDs that are unknown or malformed.
const NAMESPACE_EDGES: &[&str] = &[
    "zzz",
    "a",
    "abcdefghijklmnopqrs",
    "abcdefghijklmnopqrst",
    "UPPER",
    "dot.ted",
    "plus+",
    "",
];

/// Strings that are not addresses (bad alphabet, too short, too long).
const ADDRESS_EDGES: &[&str] = &[
    "not-an-address",
    "mfdp8Vjq86wdLTwZSVXvmx",
    "mfdp8Vjq86wdLTwZSVXvmxLTi2vPRB41Jh000000",
    "0OIl0OIl0OIl0OIl0OIl0OIl0OIl",
    "1111111111111111111111111111",
];

/// Values of the wrong type for a string or integer parameter.
fn wrong_types() -> Vec<Value> {
    vec![
        Value::Nil,
        Value::Boolean(true),
        Value::Double(1.5),
        Value::Array(vec![]),
    ]
}

/// Heights around and outside the chain, with wrong types.
fn height_edges(f: &Facts) -> Vec<Value> {
    let mut v = vec![
        i(0),
        i(-1),
        i(1),
        h(f.first_block.saturating_sub(1)),
        h(f.tip + 1),
        h(f.tip + 1000),
        i(10_000_000),
        i(10_000_001),
        s("120"),
        Value::Boolean(true),
        Value::Nil,
    ];
    v.dedup();
    v
}

/// The calls of the first pass: everything that does not need a DID.
pub fn catalogue(f: &Facts) -> Vec<Call> {
    let mut calls = Vec::new();
    status_calls(&mut calls);
    name_calls(f, &mut calls);
    block_calls(f, &mut calls);
    address_calls(f, &mut calls);
    listing_calls(f, &mut calls);
    price_calls(f, &mut calls);
    zonefile_calls(f, &mut calls);
    arity_calls(&mut calls);
    calls
}

fn status_calls(calls: &mut Vec<Call>) {
    calls.push(Call::new("ping", vec![]));
    calls.push(Call::new("getinfo", vec![]));
    calls.push(Call::new("get_all_neighbor_info", vec![]));
    calls.push(Call::new(UNKNOWN_METHOD, vec![]));
    calls.push(Call::new(UNKNOWN_METHOD, vec![s("x")]));
}

fn name_calls(f: &Facts, calls: &mut Vec<Call>) {
    let mut args: Vec<Value> = f.names.iter().map(|n| s(n)).collect();
    args.extend(f.subdomains.iter().map(|n| s(n)));
    args.extend(NAME_EDGES.iter().map(|n| s(n)));
    args.extend(wrong_types());
    args.push(i(5));
    for m in [
        "get_name_record",
        "get_name_blockchain_record",
        "get_name_history_blocks",
        "get_name_DID",
        "get_name_cost",
    ] {
        for a in &args {
            calls.push(Call::new(m, vec![a.clone()]));
        }
    }
    for m in ["get_name_at", "get_historic_name_at"] {
        for name in &f.names {
            let mut heights: BTreeSet<u64> =
                f.history_blocks.get(name).cloned().unwrap_or_default();
            if let Some(&last) = heights.iter().next_back() {
                heights.insert(last + 1);
            }
            if let Some(&first) = heights.iter().next() {
                heights.insert(first.saturating_sub(1));
            }
            heights.insert(f.tip);
            for height in heights {
                calls.push(Call::new(m, vec![s(name), h(height)]));
            }
        }
        let sample = f
            .names
            .iter()
            .next()
            .cloned()
            .unwrap_or_else(|| "foo.test".into());
        // The original aborts (`FATAL: No epoch for …`) when a name's expiry is evaluated at
        // a height past its last epoch, so the largest valid height is not sent here; the
        // one past the limit is refused before any lookup.
        for height in height_edges(f)
            .into_iter()
            .filter(|v| v.as_int() != Some(10_000_000))
        {
            calls.push(Call::new(m, vec![s(&sample), height]));
        }
        for name in NAME_EDGES {
            calls.push(Call::new(m, vec![s(name), h(f.tip)]));
        }
        calls.push(Call::new(m, vec![i(5), h(f.tip)]));
    }
}

fn block_calls(f: &Facts, calls: &mut Vec<Call>) {
    let mut heights: Vec<Value> = (f.first_block.saturating_sub(3)..=f.tip + 2)
        .map(h)
        .collect();
    heights.extend(height_edges(f));
    for m in [
        "get_num_nameops_at",
        "get_nameops_hash_at",
        "get_consensus_at",
    ] {
        for height in &heights {
            calls.push(Call::new(m, vec![height.clone()]));
        }
    }
    for height in &heights {
        calls.push(Call::new(
            "get_nameops_at",
            vec![height.clone(), i(0), i(10)],
        ));
    }
    for &b in &f.busy_blocks {
        for (offset, count) in [
            (0, 1),
            (0, 3),
            (1, 1),
            (1, 10),
            (2, 3),
            (5, 5),
            (9, 1),
            (10, 10),
            (0, 0),
            (1000, 10),
        ] {
            calls.push(Call::new("get_nameops_at", vec![h(b), i(offset), i(count)]));
        }
    }
    let b = f.busy_blocks.first().copied().unwrap_or(f.first_block);
    for (offset, count) in [
        (i(0), i(11)),
        (i(0), i(-1)),
        (i(-1), i(1)),
        (s("0"), i(1)),
        (i(0), s("1")),
        (Value::Boolean(false), i(1)),
        (i(0), Value::Nil),
    ] {
        calls.push(Call::new("get_nameops_at", vec![h(b), offset, count]));
    }

    // get_consensus_hashes: windows over the chain, the limit, bad lists.
    let all: Vec<u64> = (f.first_block.saturating_sub(2)..=f.tip + 2).collect();
    for window in all.chunks(32) {
        calls.push(Call::new(
            "get_consensus_hashes",
            vec![Value::Array(window.iter().copied().map(h).collect())],
        ));
    }
    calls.push(Call::new(
        "get_consensus_hashes",
        vec![Value::Array(
            (f.first_block..f.first_block + 33).map(h).collect(),
        )],
    ));
    for list in [
        vec![],
        vec![i(0)],
        vec![h(f.tip), h(f.tip)],
        vec![h(f.tip), s("x")],
        vec![i(10_000_001)],
    ] {
        calls.push(Call::new("get_consensus_hashes", vec![Value::Array(list)]));
    }
    for bad in [s("120"), h(f.tip), Value::Nil] {
        calls.push(Call::new("get_consensus_hashes", vec![bad]));
    }

    // get_block_from_consensus: known hashes, unknown, malformed.
    for ch in &f.consensus_hashes {
        calls.push(Call::new("get_block_from_consensus", vec![s(ch)]));
        calls.push(Call::new(
            "get_block_from_consensus",
            vec![s(&ch.to_uppercase())],
        ));
    }
    for bad in [
        s(&"0".repeat(32)),
        s(&"0".repeat(31)),
        s(&"0".repeat(33)),
        s(&"g".repeat(32)),
        i(5),
        Value::Nil,
    ] {
        calls.push(Call::new("get_block_from_consensus", vec![bad]));
    }
}

fn address_calls(f: &Facts, calls: &mut Vec<Call>) {
    let mut args: Vec<Value> = f.addresses.iter().map(|a| s(a)).collect();
    args.extend(ADDRESS_EDGES.iter().map(|a| s(a)));
    args.extend(wrong_types());
    args.push(i(5));
    for m in [
        "get_names_owned_by_address",
        "get_subdomains_owned_by_address",
        "get_num_historic_names_by_address",
    ] {
        for a in &args {
            calls.push(Call::new(m, vec![a.clone()]));
        }
    }
    for a in &args {
        calls.push(Call::new(
            "get_historic_names_by_address",
            vec![a.clone(), i(0), i(10)],
        ));
    }
    let sample = f.addresses.iter().next().cloned().unwrap_or_default();
    for addr in &f.addresses {
        for (offset, count) in [(1, 1), (0, 2), (2, 10), (100, 10), (0, 0)] {
            calls.push(Call::new(
                "get_historic_names_by_address",
                vec![s(addr), i(offset), i(count)],
            ));
        }
    }
    for (offset, count) in [
        (i(0), i(11)),
        (i(-1), i(1)),
        (i(0), i(-1)),
        (s("0"), i(1)),
        (i(0), Value::Boolean(true)),
    ] {
        calls.push(Call::new(
            "get_historic_names_by_address",
            vec![s(&sample), offset, count],
        ));
    }
}

/// Paging arguments of the name listings: full pages, small pages, past the end, the limit.
fn pages() -> Vec<(Value, Value)> {
    vec![
        (i(0), i(100)),
        (i(0), i(10)),
        (i(10), i(10)),
        (i(3), i(7)),
        (i(1000), i(10)),
        (i(0), i(0)),
        (i(0), i(101)),
        (i(-1), i(10)),
        (i(0), i(-1)),
        (s("0"), i(10)),
        (i(0), s("10")),
        (Value::Boolean(false), i(10)),
        (Value::Nil, i(10)),
    ]
}

fn listing_calls(f: &Facts, calls: &mut Vec<Call>) {
    for m in [
        "get_num_names",
        "get_num_names_cumulative",
        "get_all_namespaces",
    ] {
        calls.push(Call::new(m, vec![]));
    }
    for m in ["get_all_names", "get_all_names_cumulative"] {
        for (offset, count) in pages() {
            calls.push(Call::new(m, vec![offset, count]));
        }
        // Every page of the whole listing.
        let n = i64::try_from(f.names.len()).unwrap_or(i64::MAX);
        let mut offset = 0;
        while offset <= n {
            calls.push(Call::new(m, vec![i(offset), i(20)]));
            offset += 20;
        }
    }
    let mut namespaces: Vec<Value> = f.namespaces.iter().map(|n| s(n)).collect();
    namespaces.extend(NAMESPACE_EDGES.iter().map(|n| s(n)));
    namespaces.extend(wrong_types());
    namespaces.push(i(5));
    for m in [
        "get_num_names_in_namespace",
        "get_namespace_blockchain_record",
        "get_namespace_cost",
    ] {
        for ns in &namespaces {
            calls.push(Call::new(m, vec![ns.clone()]));
        }
    }
    for ns in &namespaces {
        calls.push(Call::new(
            "get_names_in_namespace",
            vec![ns.clone(), i(0), i(100)],
        ));
    }
    let sample = f
        .namespaces
        .iter()
        .next()
        .cloned()
        .unwrap_or_else(|| "test".into());
    for (offset, count) in pages() {
        calls.push(Call::new(
            "get_names_in_namespace",
            vec![s(&sample), offset, count],
        ));
    }
}

fn price_calls(f: &Facts, calls: &mut Vec<Call>) {
    for ns in f.namespaces.iter().map(String::as_str).chain(["zzz"]) {
        for label in PRICE_LABELS {
            calls.push(Call::new(
                "get_name_cost",
                vec![s(&format!("{label}.{ns}"))],
            ));
        }
    }
    for id in PRICE_LABELS.iter().chain(["abcdefghijklmnopqrs"].iter()) {
        calls.push(Call::new("get_namespace_cost", vec![s(id)]));
    }
}

fn zonefile_calls(f: &Facts, calls: &mut Vec<Call>) {
    let known: Vec<Value> = f.value_hashes.iter().map(|h| s(h)).collect();
    for chunk in known.chunks(100) {
        calls.push(Call::new(
            "get_zonefiles",
            vec![Value::Array(chunk.to_vec())],
        ));
    }
    let unknown = "ab".repeat(20);
    for list in [
        vec![],
        vec![s(&unknown)],
        vec![s(&unknown.to_uppercase())],
        vec![s("abc")],
        vec![i(5)],
        (0..101).map(|_| s(&unknown)).collect(),
        (0..100).map(|_| s(&unknown)).collect(),
    ] {
        calls.push(Call::new("get_zonefiles", vec![Value::Array(list)]));
    }
    for bad in [s(&unknown), Value::Nil, i(5)] {
        calls.push(Call::new("get_zonefiles", vec![bad]));
    }

    // put_zonefiles: only payloads both nodes refuse, or chunks no name announced.
    let unannounced = "JE9SSUdJTiBub2JvZHkudGVzdAo="; // "$ORIGIN nobody.test\n"
    for list in [
        vec![],
        vec![s(unannounced)],
        vec![s("not base64 !!")],
        vec![i(5)],
        (0..6).map(|_| s(unannounced)).collect(),
        vec![s(&"A".repeat(54_620))],
    ] {
        calls.push(Call::new("put_zonefiles", vec![Value::Array(list)]));
    }
    for bad in [s(unannounced), Value::Nil] {
        calls.push(Call::new("put_zonefiles", vec![bad]));
    }

    let first = h(f.first_block);
    let tip = h(f.tip);
    for (from, to, offset, count) in [
        (first.clone(), tip.clone(), i(0), i(100)),
        (first.clone(), tip.clone(), i(0), i(3)),
        (first.clone(), tip.clone(), i(2), i(3)),
        (first.clone(), tip.clone(), i(1000), i(10)),
        (first.clone(), h(f.first_block + 10), i(0), i(100)),
        (tip.clone(), first.clone(), i(0), i(100)),
        (i(1), h(f.tip + 100), i(0), i(100)),
        (i(0), tip.clone(), i(0), i(10)),
        (first.clone(), i(10_000_001), i(0), i(10)),
        (first.clone(), tip.clone(), i(-1), i(10)),
        (first.clone(), tip.clone(), i(0), i(101)),
        (first.clone(), tip.clone(), i(0), i(0)),
        (s("1"), tip.clone(), i(0), i(10)),
    ] {
        calls.push(Call::new(
            "get_zonefiles_by_block",
            vec![from, to, offset, count],
        ));
    }

    for (offset, length) in [
        (i(0), i(100)),
        (i(0), i(0)),
        (i(0), i(1)),
        (i(1), i(10)),
        (i(100_000), i(10)),
        (i(0), i(524_288)),
        (i(0), i(524_289)),
        (i(-1), i(10)),
        (i(0), i(-1)),
        (s("0"), i(10)),
    ] {
        calls.push(Call::new("get_zonefile_inventory", vec![offset, length]));
    }

    calls.push(Call::new("get_atlas_peers", vec![]));
    for bad in [s("not a host port"), s(""), s("host:port:extra"), i(5)] {
        calls.push(Call::new("atlas_peer_exchange", vec![bad]));
    }
}

/// Wrong parameter counts, for a method of each arity.
fn arity_calls(calls: &mut Vec<Call>) {
    for (m, given) in [
        ("ping", vec![s("x")]),
        ("getinfo", vec![i(1)]),
        ("get_name_record", vec![]),
        ("get_name_record", vec![s("foo.test"), i(1)]),
        ("get_name_at", vec![s("foo.test")]),
        ("get_nameops_at", vec![i(1), i(0)]),
        ("get_all_names", vec![i(0)]),
        ("get_names_in_namespace", vec![s("test"), i(0)]),
        ("get_zonefiles", vec![]),
        ("get_zonefile_inventory", vec![i(0)]),
        ("get_zonefiles_by_block", vec![i(1), i(2), i(0)]),
        ("get_atlas_peers", vec![i(1)]),
        ("atlas_peer_exchange", vec![]),
        ("get_DID_record", vec![]),
    ] {
        calls.push(Call::new(m, given));
    }
}

/// `put_zonefiles` of every zone file, at most five per call (the limit).
pub fn put_calls(zonefiles: &[String]) -> Vec<Call> {
    use base64::Engine as _;
    zonefiles
        .chunks(5)
        .map(|chunk| {
            let datas = chunk
                .iter()
                .map(|z| s(&base64::engine::general_purpose::STANDARD.encode(z.as_bytes())))
                .collect();
            Call::new("put_zonefiles", vec![Value::Array(datas)])
        })
        .collect()
}

/// The calls of the second pass: `get_DID_record` for the DIDs the original gave out, and
/// DIDs that resolve to nothing or are malformed.
pub fn did_calls(dids: &BTreeSet<String>, f: &Facts) -> Vec<Call> {
    let mut calls: Vec<Call> = dids
        .iter()
        .map(|d| Call::new("get_DID_record", vec![s(d)]))
        .collect();
    if let Some(first) = dids.iter().next() {
        if let Some((base, _)) = first.rsplit_once('-') {
            calls.push(Call::new("get_DID_record", vec![s(&format!("{base}-99"))]));
        }
    }
    for a in f.addresses.iter().take(3) {
        calls.push(Call::new(
            "get_DID_record",
            vec![s(&format!("did:stack:v0:{a}-0"))],
        ));
    }
    // Subdomain DIDs: an address re-encoded with the test network's subdomain version
    // bytes (127 single-sig, 142 multisig), and an unknown version byte.
    if let Some(a) = f.addresses.iter().next() {
        for version in [127, 142, 63] {
            if let Some(other) = with_version(a, version) {
                calls.push(Call::new(
                    "get_DID_record",
                    vec![s(&format!("did:stack:v0:{other}-0"))],
                ));
            }
        }
    }
    for bad in [
        s("did:stack:v0:notanaddress-0"),
        s("did:stack:v0:mfdp8Vjq86wdLTwZSVXvmxLTi2vPRB41Jh"),
        s("did:stack:v0:mfdp8Vjq86wdLTwZSVXvmxLTi2vPRB41Jh-x"),
        s("did:stack:v1:mfdp8Vjq86wdLTwZSVXvmxLTi2vPRB41Jh-0"),
        s("not a did"),
        s(""),
        i(5),
        Value::Nil,
    ] {
        calls.push(Call::new("get_DID_record", vec![bad]));
    }
    calls
}

/// `address` with its base58check version byte replaced.
fn with_version(address: &str, version: u8) -> Option<String> {
    let mut data = bitcoin::base58::decode_check(address).ok()?;
    *data.first_mut()? = version;
    Some(bitcoin::base58::encode_check(&data))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            first_block: 110,
            tip: 150,
            names: ["foo.test".to_owned(), "bar.test".to_owned()].into(),
            namespaces: ["test".to_owned()].into(),
            addresses: ["mfdp8Vjq86wdLTwZSVXvmxLTi2vPRB41Jh".to_owned()].into(),
            history_blocks: [("foo.test".to_owned(), [115, 120].into())].into(),
            consensus_hashes: vec!["17ac43c1d8549c3181b200f1bf97eb7d".into()],
            value_hashes: ["33".repeat(20)].into(),
            busy_blocks: vec![114],
            history_rows: [(114, 3)].into(),
            subdomains: ["alice.foo.test".to_owned()].into(),
        }
    }

    fn all_calls() -> Vec<Call> {
        let f = facts();
        let mut calls = catalogue(&f);
        calls.extend(did_calls(
            &["did:stack:v0:mfdp8Vjq86wdLTwZSVXvmxLTi2vPRB41Jh-0".to_owned()].into(),
            &f,
        ));
        calls
    }

    #[test]
    fn every_compared_method_is_called() {
        let calls = all_calls();
        for m in METHODS_COMPARED {
            assert!(calls.iter().any(|c| c.method == *m), "{m} is never called");
        }
        assert!(calls.iter().any(|c| c.method == UNKNOWN_METHOD));
    }

    #[test]
    fn every_method_our_node_serves_is_compared() {
        let served = blockstack_api::RpcDispatcher::methods()
            .chain(blockstack_atlas::rpc::METHODS.iter().copied());
        for m in served {
            assert!(
                METHODS_COMPARED.contains(&m),
                "{m} is served but not compared"
            );
        }
    }

    #[test]
    fn each_method_taking_arguments_gets_a_malformed_one() {
        let calls = all_calls();
        for m in METHODS_COMPARED {
            let with_args: Vec<&Call> = calls.iter().filter(|c| c.method == *m).collect();
            if with_args.iter().all(|c| c.params.is_empty()) {
                continue;
            }
            let malformed = with_args.iter().any(|c| {
                c.params.iter().any(|p| {
                    matches!(p, Value::Nil | Value::Boolean(_))
                        || matches!(p, Value::Int(n) if *n < 0 || *n == 5)
                        || matches!(p, Value::String(s) if s.is_empty() || s == "120" || s == "0" || s == "1")
                })
            });
            let wrong_arity = calls.iter().any(|c| c.method == *m)
                && with_args
                    .iter()
                    .map(|c| c.params.len())
                    .collect::<BTreeSet<_>>()
                    .len()
                    > 1;
            assert!(malformed || wrong_arity, "{m} gets no malformed argument");
        }
    }

    #[test]
    fn heights_span_before_inside_and_past_the_chain() {
        let f = facts();
        let calls = catalogue(&f);
        let heights: BTreeSet<i64> = calls
            .iter()
            .filter(|c| c.method == "get_consensus_at")
            .filter_map(|c| c.params.first().and_then(Value::as_int))
            .collect();
        assert!(heights.contains(&0) && heights.contains(&-1));
        assert!(heights.contains(&109) && heights.contains(&110) && heights.contains(&150));
        assert!(heights.contains(&151) && heights.contains(&10_000_001));
    }

    #[test]
    fn no_name_is_looked_up_past_the_original_s_last_epoch() {
        let calls = catalogue(&facts());
        for c in calls.iter().filter(|c| c.method.ends_with("name_at")) {
            assert_ne!(
                c.params.get(1).and_then(Value::as_int),
                Some(10_000_000),
                "{c}"
            );
        }
        assert!(calls.iter().any(|c| c.method == "get_name_at"
            && c.params.get(1).and_then(Value::as_int) == Some(10_000_001)));
    }

    #[test]
    fn paging_edges_reach_past_the_end_and_over_the_limit() {
        let calls = catalogue(&facts());
        let pages: Vec<(i64, i64)> = calls
            .iter()
            .filter(|c| c.method == "get_all_names")
            .filter_map(|c| Some((c.params.first()?.as_int()?, c.params.get(1)?.as_int()?)))
            .collect();
        assert!(pages.contains(&(0, 101)));
        assert!(pages.contains(&(1000, 10)));
        assert!(pages.contains(&(-1, 10)));
        assert!(pages.contains(&(0, 0)));
        let ops: Vec<(i64, i64)> = calls
            .iter()
            .filter(|c| c.method == "get_nameops_at")
            .filter_map(|c| Some((c.params.get(1)?.as_int()?, c.params.get(2)?.as_int()?)))
            .collect();
        assert!(ops.contains(&(0, 11)) && ops.contains(&(1000, 10)) && ops.contains(&(1, 1)));
    }

    #[test]
    fn subdomain_dids_carry_the_subdomain_version_bytes() {
        let t = with_version("mfdp8Vjq86wdLTwZSVXvmxLTi2vPRB41Jh", 127).expect("address");
        assert!(t.starts_with('t'), "{t}");
        let z = with_version("mfdp8Vjq86wdLTwZSVXvmxLTi2vPRB41Jh", 142).expect("address");
        assert!(z.starts_with('z'), "{z}");
        assert_eq!(with_version("not base58!", 127), None);
    }

    #[test]
    fn zone_files_are_pushed_five_at_a_time() {
        let zonefiles: Vec<String> = (0..7).map(|i| format!("$ORIGIN n{i}.test\n")).collect();
        let calls = put_calls(&zonefiles);
        assert_eq!(calls.len(), 2);
        let sizes: Vec<usize> = calls
            .iter()
            .filter_map(|c| c.params.first().and_then(Value::as_array).map(<[_]>::len))
            .collect();
        assert_eq!(sizes, [5, 2]);
        assert_eq!(
            calls[0].params[0].as_array().and_then(|a| a[0].as_str()),
            Some("JE9SSUdJTiBuMC50ZXN0Cg==")
        );
    }

    #[test]
    fn subdomains_are_looked_up() {
        let calls = catalogue(&facts());
        for m in [
            "get_name_record",
            "get_name_blockchain_record",
            "get_name_DID",
        ] {
            assert!(calls
                .iter()
                .any(|c| c.method == m && c.params == [s("alice.foo.test")]));
        }
    }

    #[test]
    fn calls_render_like_python() {
        let c = Call::new("get_name_at", vec![s("foo.test"), i(5), Value::Nil]);
        assert_eq!(c.to_string(), "get_name_at(\"foo.test\", 5, None)");
    }
}
