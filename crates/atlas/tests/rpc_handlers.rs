//! The server side of the peer RPCs: argument checks, limits and reply shapes
//! (atlas.md §11, core-rpc.md §2).

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use base64::Engine;
use blockstack_atlas::peers::ChainView;
use blockstack_atlas::sim::{Endpoint, NodeEndpoint, SimNetwork};
use blockstack_atlas::{Atlas, AtlasRpc, ChainStatus, Crawler};
use blockstack_node::xmlrpc::Value;
use serde_json::Value as Json;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn call(rpc: &AtlasRpc, method: &str, params: Vec<Value>) -> Json {
    call_from(rpc, None, method, params)
}

fn call_from(rpc: &AtlasRpc, remote: Option<IpAddr>, method: &str, params: Vec<Value>) -> Json {
    let reply = rpc
        .handle_from(remote, method, &params)
        .expect("an atlas method");
    serde_json::from_str(reply.as_str().expect("a string")).expect("JSON")
}

fn error_of(reply: &Json) -> &str {
    reply["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error in {reply}"))
}

struct Fixture {
    _dir: tempfile::TempDir,
    atlas: Arc<Atlas>,
    rpc: AtlasRpc,
    files: Vec<(String, Vec<u8>)>,
}

fn fixture() -> Fixture {
    let files: Vec<_> = common::corpus().into_iter().take(20).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let atlas = common::open_node(
        common::config(dir.path(), "me.sim:16264", &[], 3),
        &common::chain(&files),
    );
    atlas.set_chain_status(ChainStatus {
        view: ChainView {
            last_block: Some(1000),
            recent_consensus: vec!["c".into()],
        },
        indexing: false,
    });
    // Hold files 0, 2 and 3: bits 1011 0000 … of the 20-row inventory.
    for i in [0, 2, 3] {
        atlas.put_zonefile(&files[i].1).expect("put");
    }
    let rpc = AtlasRpc::new(Arc::clone(&atlas));
    Fixture {
        _dir: dir,
        atlas,
        rpc,
        files,
    }
}

#[test]
fn inventory_replies_slice_bytes_and_check_arguments() {
    let f = fixture();
    let reply = call(
        &f.rpc,
        "get_zonefile_inventory",
        vec![Value::Int(0), Value::Int(524_288)],
    );
    assert_eq!(reply["status"], true);
    assert_eq!(reply["lastblock"], 1000);
    assert_eq!(reply["indexing"], false);
    let inv = B64
        .decode(reply["inv"].as_str().expect("inv"))
        .expect("base64");
    assert_eq!(inv, vec![0b1011_0000, 0, 0]);
    // Offsets and lengths are bytes, as v0.18 servers slice them.
    let reply = call(
        &f.rpc,
        "get_zonefile_inventory",
        vec![Value::Int(1), Value::Int(1)],
    );
    assert_eq!(reply["inv"], B64.encode([0u8]));
    let reply = call(
        &f.rpc,
        "get_zonefile_inventory",
        vec![Value::Int(0), Value::Int(1)],
    );
    assert_eq!(reply["inv"], B64.encode([0b1011_0000u8]));
    let reply = call(
        &f.rpc,
        "get_zonefile_inventory",
        vec![Value::Int(3), Value::Int(8)],
    );
    assert_eq!(reply["inv"], "");
    for (params, msg) in [
        (vec![Value::Int(-1), Value::Int(8)], "invalid offset"),
        (vec![Value::string("0"), Value::Int(8)], "invalid offset"),
        (vec![Value::Int(0), Value::Int(524_289)], "invalid length"),
        (vec![Value::Int(0), Value::Int(-1)], "invalid length"),
    ] {
        assert_eq!(
            error_of(&call(&f.rpc, "get_zonefile_inventory", params)),
            msg
        );
    }
    // A wrong parameter count is a traceback-style error, as from Python's dispatcher.
    let reply = call(&f.rpc, "get_zonefile_inventory", vec![Value::Int(0)]);
    assert!(error_of(&reply).starts_with("TypeError"));
    assert!(reply.get("traceback").is_some());
    assert!(
        f.rpc.handle("getinfo", &[]).is_none(),
        "not an atlas method"
    );
}

#[test]
fn get_zonefiles_serves_what_the_store_holds_within_limits() {
    let f = fixture();
    let hashes = |hs: &[&str]| Value::Array(hs.iter().map(|h| Value::string(*h)).collect());
    let held = f.files[0].0.as_str();
    let absent = f.files[1].0.as_str();
    let reply = call(&f.rpc, "get_zonefiles", vec![hashes(&[held, absent])]);
    let zfs = reply["zonefiles"].as_object().expect("zonefiles");
    assert_eq!(zfs.len(), 1);
    assert_eq!(
        B64.decode(zfs[held].as_str().expect("b64")).expect("b64"),
        f.files[0].1
    );
    // Uppercase passes the pattern but never matches (atlas.md §3).
    let upper = held.to_uppercase();
    let reply = call(&f.rpc, "get_zonefiles", vec![hashes(&[&upper])]);
    assert!(reply["zonefiles"]
        .as_object()
        .expect("zonefiles")
        .is_empty());
    // A zone file no name announces (a subdomain's) is served all the same.
    let sub = f
        .atlas
        .store()
        .put_unannounced(b"$ORIGIN sub\n")
        .expect("put");
    let reply = call(&f.rpc, "get_zonefiles", vec![hashes(&[&sub])]);
    assert_eq!(reply["zonefiles"].as_object().expect("zonefiles").len(), 1);

    assert_eq!(
        error_of(&call(&f.rpc, "get_zonefiles", vec![Value::string(held)])),
        "Invalid zonefile hashes"
    );
    let many: Vec<&str> = std::iter::repeat_n(held, 101).collect();
    assert_eq!(
        error_of(&call(&f.rpc, "get_zonefiles", vec![hashes(&many)])),
        "Too many requests (no more than 100 allowed)"
    );
    let hundred: Vec<&str> = std::iter::repeat_n(held, 100).collect();
    assert_eq!(
        call(&f.rpc, "get_zonefiles", vec![hashes(&hundred)])["status"],
        true
    );
    for bad in ["abc", &format!("{held}0"), &format!("{}g", &held[..39])] {
        assert_eq!(
            error_of(&call(&f.rpc, "get_zonefiles", vec![hashes(&[bad])])),
            "Invalid zone file hash"
        );
    }
    assert_eq!(
        error_of(&call(
            &f.rpc,
            "get_zonefiles",
            vec![Value::Array(vec![Value::Int(1)])]
        )),
        "Invalid zone file hash"
    );
}

/// A store that cannot be read answers an error, never `status: true` with no zone files,
/// which a caller would take for a peer withholding what it advertised.
#[test]
fn get_zonefiles_reports_a_store_it_cannot_read() {
    let f = fixture();
    let absent = f.files[1].0.clone();
    // The zone file's place in the file layout is a symlink loop: reading it fails.
    let path = f
        .atlas
        .config()
        .zonefiles_dir
        .join(&absent[0..2])
        .join(&absent[2..4])
        .join(format!("{absent}.txt"));
    std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
    std::os::unix::fs::symlink(&path, &path).expect("symlink");
    let reply = call(
        &f.rpc,
        "get_zonefiles",
        vec![Value::Array(vec![Value::string(&absent)])],
    );
    assert_eq!(error_of(&reply), "Failed to load zone files", "{reply}");
}

#[test]
fn get_zonefiles_replies_stay_under_the_python_clients_cap() {
    let f = fixture();
    let big: Vec<String> = (0..10u8)
        .map(|i| {
            let mut data = vec![b'a' + i; blockstack_zonefile::MAX_ZONEFILE_LEN];
            data[0] = b'$';
            f.atlas.store().put_unannounced(&data).expect("put")
        })
        .collect();
    let params = vec![Value::Array(
        big.iter().map(|h| Value::string(h.as_str())).collect(),
    )];
    let reply = f.rpc.handle("get_zonefiles", &params).expect("reply");
    let text = reply.as_str().expect("string");
    assert!(text.len() < 409_600 - 1024, "reply of {} bytes", text.len());
    let json: Json = serde_json::from_str(text).expect("json");
    let n = json["zonefiles"].as_object().expect("zonefiles").len();
    assert!((1..10).contains(&n), "{n} of 10 served");
}

#[test]
fn put_zonefiles_saves_only_announced_chunks_within_limits() {
    let f = fixture();
    let datas =
        |ds: &[&[u8]]| Value::Array(ds.iter().map(|d| Value::String(B64.encode(d))).collect());
    let known = f.files[5].1.as_slice();
    let held = f.files[0].1.as_slice();
    let unknown: &[u8] = b"$ORIGIN nobody.id\n";
    let oversized = vec![b'x'; blockstack_zonefile::MAX_ZONEFILE_LEN + 1];
    let reply = call(
        &f.rpc,
        "put_zonefiles",
        vec![datas(&[known, held, unknown, &oversized, b""])],
    );
    let saved: Vec<i64> = reply["saved"]
        .as_array()
        .expect("saved")
        .iter()
        .map(|v| v.as_i64().expect("int"))
        .collect();
    assert_eq!(saved, vec![1, 1, 0, 0, 0]);
    assert!(f.atlas.has_zonefile(&f.files[5].0));
    assert!(!f
        .atlas
        .store()
        .has(&blockstack_zonefile::zonefile_hash(unknown))
        .expect("has"));
    assert!(!f
        .atlas
        .store()
        .has(&blockstack_zonefile::zonefile_hash(&oversized))
        .expect("has"));
    // Idempotent.
    let reply = call(&f.rpc, "put_zonefiles", vec![datas(&[known])]);
    assert_eq!(reply["saved"], serde_json::json!([1]));

    let payload_error = "Invalid zone file payload (exceeds 40960 bytes and/or not base64-encoded)";
    assert_eq!(
        error_of(&call(&f.rpc, "put_zonefiles", vec![Value::string("x")])),
        "Invalid data"
    );
    assert_eq!(
        error_of(&call(&f.rpc, "put_zonefiles", vec![datas(&[known; 6])])),
        "Too many zonefiles"
    );
    for bad in ["QQ", "QU I=", "QU-_"] {
        let reply = call(
            &f.rpc,
            "put_zonefiles",
            vec![Value::Array(vec![Value::string(bad)])],
        );
        assert_eq!(error_of(&reply), payload_error, "{bad}");
    }
    let too_long = B64.encode(vec![b'x'; blockstack_zonefile::MAX_ZONEFILE_LEN + 3]);
    assert!(too_long.len() > 54_616);
    let reply = call(
        &f.rpc,
        "put_zonefiles",
        vec![Value::Array(vec![Value::String(too_long)])],
    );
    assert_eq!(error_of(&reply), payload_error);
}

#[tokio::test(start_paused = true)]
async fn peer_exchange_trusts_advertised_addresses_only_from_loopback() {
    let f = fixture();
    let outside = Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 7)));
    let local = Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let reply = call_from(
        &f.rpc,
        local,
        "atlas_peer_exchange",
        vec![Value::string("bad:host:1")],
    );
    assert_eq!(error_of(&reply), "Invalid remote peer address");
    let reply = call_from(
        &f.rpc,
        local,
        "atlas_peer_exchange",
        vec![Value::string("friend.sim:6270")],
    );
    assert_eq!(reply["status"], true);
    assert_eq!(
        reply["peers"],
        serde_json::json!([]),
        "no live neighbours yet"
    );
    let reply = call_from(
        &f.rpc,
        outside,
        "atlas_peer_exchange",
        vec![Value::string("evil.sim:6270")],
    );
    assert_eq!(reply["status"], true);
    let reply = call_from(&f.rpc, outside, "get_atlas_peers", vec![]);
    assert_eq!(reply["status"], true);
    assert!(
        f.atlas.peer_hostports().is_empty(),
        "candidates are probed before admission"
    );

    // Every address exists; one crawler step probes the queued candidates and admits them.
    let net = SimNetwork::new(1);
    for hp in ["friend.sim:6270", "10.0.0.7:6264", "evil.sim:6270"] {
        let dir = f._dir.path().join(hp);
        let other = common::open_node(common::config(&dir, hp, &[], 9), &[]);
        other.set_chain_status(f.atlas.chain_status());
        net.attach(hp, Arc::new(NodeEndpoint::new(other)) as Arc<dyn Endpoint>);
    }
    let mut crawler = Crawler::new(Arc::clone(&f.atlas), net.transport("me.sim:16264"));
    crawler.step().await;
    let mut peers = f.atlas.peer_hostports();
    peers.sort();
    assert_eq!(peers, vec!["10.0.0.7:6264", "friend.sim:6270"]);
    // Once they have answered, they are live neighbours, offered to others but not to
    // themselves.
    let reply = call_from(&f.rpc, outside, "get_atlas_peers", vec![]);
    assert_eq!(reply["peers"], serde_json::json!(["friend.sim:6270"]));
}

#[test]
fn zonefile_count_is_rows_plus_one() {
    let f = fixture();
    let rows = f.atlas.inventory().len();
    assert_eq!(rows, 20);
    assert_eq!(f.atlas.wire_zonefile_count(), 21);
}
