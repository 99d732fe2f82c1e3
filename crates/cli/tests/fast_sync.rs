//! fast-sync through the `blockstack-core` binary: a devnet node's state snapshotted while it
//! runs, restored on a fresh node that follows the same chain, both indexing on in agreement;
//! and every bad snapshot refused with the working directory unchanged.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::str::FromStr;

use blockstack_consensus::hash::name_consensus_hash;
use blockstack_consensus::op::name_update;
use blockstack_consensus::BlockOutcome;
use blockstack_namedb::NameDb;
use blockstack_snapshot::{trailer, Compression, SigningKey};
use blockstack_wallet::Operation;
use serde_json::Value;

mod common;
use common::devnet::{Devnet, Indexed};
use common::{core, core_with_env, http, json, KillOnDrop};

/// The snapshot signer of these tests.
const KEY: &str = "5f1e0a3b4c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061";

fn signer() -> SigningKey {
    KEY.parse().expect("key")
}

fn pubkey() -> String {
    signer().public_key().to_string()
}

/// The knobs that give a regtest node the devnet's consensus rules.
const DEVNET_RULES: [(&str, &str); 3] = [
    ("BLOCKSTACK_TEST_FIRST_BLOCK", "1"),
    ("BLOCKSTACK_EPOCH_1_END_BLOCK", "1"),
    ("BLOCKSTACK_EPOCH_2_END_BLOCK", "2"),
];

fn failed_with(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "succeeded: {stderr}");
    assert!(stderr.contains(needle), "{needle:?} not in: {stderr}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// The REST answers both nodes must agree on.
fn answers(rest: &str) -> BTreeMap<&'static str, Value> {
    [
        ("name", "v1/names/foo.test"),
        ("zonefile", "v1/names/foo.test/zonefile"),
        ("namespace", "v1/namespaces/test"),
        ("names", "v1/namespaces/test/names?page=0"),
        ("history", "v1/names/foo.test/history"),
    ]
    .into_iter()
    .map(|(k, path)| (k, http(&format!("{rest}{path}"), None)))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_node_indexes_on_in_agreement_with_its_source() {
    let (a, _guard_a) = Devnet::start();
    let a_height = || a.indexed();
    a.mine(1).await;
    let keys = a.wallet();
    let (payment, owner) = (&keys.payment, &keys.owner);

    // A namespace and a name with a zonefile, as devnet_names.rs builds them.
    a.launch_test_namespace(&keys, 1).await;
    let zonefile =
        b"$ORIGIN foo.test\n$TTL 3600\n_http._tcp URI 10 1 \"https://example.com/foo.json\"\n";
    a.register(
        &keys,
        "foo.test",
        Some(&blockstack_zonefile::zonefile_hash(zonefile)),
    )
    .await;
    a.push_zonefile(zonefile);

    // The snapshot, taken while A runs.
    let work = tempfile::tempdir().expect("tempdir");
    let snap = work.path().join("a.bsk");
    let created = json(&core(
        a.dir.path(),
        &[
            "snapshot",
            "create",
            snap.to_str().expect("utf-8"),
            "--private-key",
            KEY,
        ],
    ));
    assert_eq!(created["block"].as_u64(), a.indexed());
    assert_eq!(created["zonefiles"], 1, "{created}");

    // B: a fresh node following A's chain (A's bitcoind settings), restored from the snapshot.
    let b_dir = work.path().join("b");
    std::fs::create_dir(&b_dir).expect("mkdir");
    let _guard_b = KillOnDrop(b_dir.clone());
    let rpc = a
        .chain_url
        .replace("http://", &format!("http://devnet:{}@", a.secret));
    json(&core(
        &b_dir,
        &["configure", "--network", "regtest", "--bitcoind-url", &rpc],
    ));
    let restored = json(&core_with_env(
        &b_dir,
        &[
            "fast_sync",
            snap.to_str().expect("utf-8"),
            "--public-key",
            &pubkey(),
        ],
        &DEVNET_RULES,
    ));
    assert_eq!(restored["block"], created["block"], "{restored}");
    assert_eq!(restored["consensus_hash"], created["consensus_hash"]);
    assert_eq!(restored["chain_check"], "matched", "{restored}");
    let b_rest_port = free_port();
    json(&core_with_env(
        &b_dir,
        &[
            "start",
            "--poll-interval",
            "1",
            "--rpc-port",
            &free_port().to_string(),
            "--api-port",
            &b_rest_port.to_string(),
            "--bind",
            "127.0.0.1",
        ],
        &DEVNET_RULES,
    ));
    let b_rest = format!("http://127.0.0.1:{b_rest_port}/");
    let b_height =
        || json(&core_with_env(&b_dir, &["info"], &DEVNET_RULES))["last_block_processed"].as_u64();
    let both: [Indexed; 2] = [&a_height, &b_height];

    // Both index on: empty blocks, then a NAME_UPDATE to a new zonefile.
    a.mine_for(3, &both).await;
    assert_eq!(answers(&b_rest), answers(&a.rest));
    let new_zonefile =
        b"$ORIGIN foo.test\n$TTL 3600\n_http._tcp URI 10 1 \"https://example.com/v2.json\"\n";
    let new_hash = blockstack_zonefile::zonefile_hash(new_zonefile);
    let ch = hex::encode(a.consensus_hash());
    let update = name_update::Payload {
        name_consensus_hash: hex::decode(name_consensus_hash("foo.test", &ch))
            .expect("hex")
            .try_into()
            .expect("16"),
        value_hash: hex::decode(&new_hash).expect("hex").try_into().expect("20"),
    };
    a.broadcast(owner, Some(payment), Operation::NameUpdate, update.encode())
        .await;
    a.mine_for(1, &both).await;
    a.mine_for(2, &both).await;
    let a_info = json(&core(a.dir.path(), &["info"]));
    let b_info = json(&core_with_env(&b_dir, &["info"], &DEVNET_RULES));
    assert_eq!(
        b_info["last_block_processed"],
        a_info["last_block_processed"]
    );
    assert_eq!(b_info["consensus_hash"], a_info["consensus_hash"]);
    assert_eq!(b_info["last_block_hash"], a_info["last_block_hash"]);
    let (a_answers, b_answers) = (answers(&a.rest), answers(&b_rest));
    assert_eq!(a_answers["name"]["zonefile_hash"], new_hash.as_str());
    assert_eq!(b_answers, a_answers);

    json(&core_with_env(&b_dir, &["stop"], &DEVNET_RULES));
    json(&core(a.dir.path(), &["stop"]));
}

/// A stopped node's working directory with a small state: blocks 1..=`last`.
fn source_node(dir: &Path, last: u64) {
    std::fs::create_dir_all(dir.join("zonefiles/1b/89")).expect("mkdir");
    std::fs::write(
        dir.join("zonefiles/1b/89/1b89a685f4c4ea245ce9433d0b29166c22175ab4.txt"),
        b"$ORIGIN duckduckgo_tor.id\n$TTL 3600\ntor TXT \"3g2upl4pq6kufc4m.onion\"\n",
    )
    .expect("zonefile");
    let mut db = NameDb::open(dir.join("blockstack-server.db")).expect("db");
    for h in 1..=last {
        db.commit_block(
            &BlockOutcome {
                height: h,
                consensus_hash: format!("{h:032x}"),
                ops_hash: "00".repeat(32),
                ..BlockOutcome::default()
            },
            &format!("{h:064x}"),
        )
        .expect("commit");
    }
}

/// Every file under `dir` with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("readdir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

/// A tar member header (GNU format) with a raw name.
fn tar_header(name: &[u8], size: usize, kind: u8) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name);
    h[100..107].copy_from_slice(b"0000644");
    h[108..115].copy_from_slice(b"0000000");
    h[116..123].copy_from_slice(b"0000000");
    h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
    h[136..147].copy_from_slice(b"00000000000");
    h[156] = kind;
    h[257..265].copy_from_slice(b"ustar  \0");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    h
}

/// A snapshot of hand-made members, signed by the test key.
fn crafted(path: &Path, members: &[(&[u8], &[u8])]) {
    let mut tar = Vec::new();
    for (name, data) in members {
        tar.extend_from_slice(&tar_header(name, data.len(), b'0'));
        tar.extend_from_slice(data);
        tar.resize(tar.len().div_ceil(512) * 512, 0);
    }
    tar.resize(tar.len() + 1024, 0);
    let mut enc = Compression::Zstd.encoder(Vec::new(), 1).expect("encoder");
    enc.write_all(&tar).expect("compress");
    let mut payload = enc.finish().expect("finish");
    let digest = blockstack_snapshot::hashing::sha256_prefix(&payload[..], payload.len() as u64)
        .expect("hash");
    payload.extend(trailer::encode(&[signer().sign_digest(&digest)]));
    std::fs::write(path, payload).expect("write");
}

#[test]
fn bad_snapshots_are_refused_and_change_nothing() {
    let work = tempfile::tempdir().expect("tempdir");
    let source = work.path().join("source");
    source_node(&source, 5);
    let good = work.path().join("good.bsk");
    let created = json(&core(
        &source,
        &[
            "snapshot",
            "create",
            good.to_str().expect("utf-8"),
            "--private-key",
            KEY,
        ],
    ));
    assert_eq!(created["block"], 5);
    let bytes = std::fs::read(&good).expect("read");

    // The node being restored: its own configuration and an older state of its own.
    let target = work.path().join("target");
    source_node(&target, 2);
    std::fs::write(
        target.join("blockstack-server.ini"),
        "[blockstack]\natlas = False\n",
    )
    .expect("ini");
    let before = files(&target);

    let write = |name: &str, data: &[u8]| {
        let p = work.path().join(name);
        std::fs::write(&p, data).expect("write");
        p
    };
    let mut tampered = bytes.clone();
    tampered[bytes.len() / 3] ^= 0x40;
    let tampered = write("tampered.bsk", &tampered);
    let truncated = write("truncated.bsk", &bytes[..bytes.len() - 20]);
    let db = std::fs::read(source.join("blockstack-server.db")).expect("db");
    let traversal = work.path().join("traversal.bsk");
    crafted(
        &traversal,
        &[
            (b"./backups/blockstack-server.db.bak.4", &db),
            (b"./zonefiles/../../escaped", b"gotcha"),
        ],
    );
    let siblings = std::fs::read_dir(work.path()).expect("readdir").count();
    let other_key = SigningKey::from_str(&"11".repeat(32))
        .expect("key")
        .public_key()
        .to_string();

    let pk = pubkey();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![tampered.to_str().expect("utf-8"), "--public-key", &pk],
            "not enough valid signatures: 0 of the required 1",
        ),
        (
            vec![good.to_str().expect("utf-8"), "--public-key", &other_key],
            "not enough valid signatures: 0 of the required 1",
        ),
        (
            vec![truncated.to_str().expect("utf-8"), "--public-key", &pk],
            "not a snapshot file",
        ),
        (
            vec![traversal.to_str().expect("utf-8"), "--public-key", &pk],
            "climbs out of the target directory",
        ),
        (
            vec![
                good.to_str().expect("utf-8"),
                "--public-key",
                &pk,
                "--public-key",
                &other_key,
            ],
            "1 of the required 2",
        ),
        (
            vec![
                good.to_str().expect("utf-8"),
                "--public-key",
                &pk,
                "--public-key",
                &pk,
                "--num-required",
                "2",
            ],
            "between 1 and the 1 distinct trusted key",
        ),
    ];
    for (args, needle) in cases {
        let mut all = vec!["fast_sync", "--no-chain-check"];
        all.extend(args);
        failed_with(&core(&target, &all), needle);
        assert_eq!(
            files(&target),
            before,
            "{needle}: the working directory changed"
        );
        assert_eq!(
            std::fs::read_dir(work.path()).expect("readdir").count(),
            siblings,
            "{needle}: something was left beside the working directory"
        );
    }
    assert!(!work.path().join("escaped").exists());

    // A zone file store outside the working directory would not receive the restored files.
    std::fs::write(
        target.join("blockstack-server.ini"),
        "[blockstack]\natlas = False\nzonefiles = /var/elsewhere\n",
    )
    .expect("ini");
    let before = files(&target);
    failed_with(
        &core(
            &target,
            &[
                "fast_sync",
                "--no-chain-check",
                good.to_str().expect("utf-8"),
                "--public-key",
                &pk,
            ],
        ),
        "a snapshot restores into the working directory",
    );
    assert_eq!(files(&target), before);

    // A checkpoint from the configuration that the snapshot contradicts.
    std::fs::write(
        target.join("blockstack-server.ini"),
        format!(
            "[blockstack]\natlas = False\nfast_sync_checkpoints = 3:{}\n",
            "ff".repeat(16)
        ),
    )
    .expect("ini");
    let before = files(&target);
    failed_with(
        &core(
            &target,
            &[
                "fast_sync",
                "--no-chain-check",
                good.to_str().expect("utf-8"),
                "--public-key",
                &pk,
            ],
        ),
        "disagrees with the trusted checkpoint at block 3",
    );
    assert_eq!(files(&target), before);

    // The right checkpoint: restored, the configuration kept.
    std::fs::write(
        target.join("blockstack-server.ini"),
        format!(
            "[blockstack]\natlas = False\nfast_sync_checkpoints = 3:{:032x}\n",
            3
        ),
    )
    .expect("ini");
    let restored = json(&core(
        &target,
        &[
            "fast_sync",
            "--no-chain-check",
            good.to_str().expect("utf-8"),
            "--public-key",
            &pk,
        ],
    ));
    assert_eq!(restored["block"], 5);
    assert_eq!(restored["checkpoints"]["matched"], serde_json::json!([3]));
    assert!(
        std::fs::read_to_string(target.join("blockstack-server.ini"))
            .expect("ini")
            .contains("fast_sync_checkpoints")
    );
    let info = json(&core(&target, &["info"]));
    assert_eq!(info["last_block_processed"], 5);
}

#[test]
fn snapshots_can_be_co_signed_and_inspected() {
    let work = tempfile::tempdir().expect("tempdir");
    let source = work.path().join("source");
    source_node(&source, 3);
    let snap = work.path().join("s.bsk");
    json(&core(
        &source,
        &[
            "snapshot",
            "create",
            snap.to_str().expect("utf-8"),
            "--private-key",
            KEY,
            "--compression",
            "bzip2",
        ],
    ));
    let second = "22".repeat(32);
    let second_pub = SigningKey::from_str(&second)
        .expect("key")
        .public_key()
        .to_string();
    let signed = json(&core(
        &source,
        &[
            "snapshot",
            "sign",
            snap.to_str().expect("utf-8"),
            "--private-key",
            &second,
        ],
    ));
    assert_eq!(signed["signatures"], 2);
    let inspected = json(&core(
        &source,
        &[
            "snapshot",
            "inspect",
            snap.to_str().expect("utf-8"),
            "--public-key",
            &pubkey(),
            "--public-key",
            &second_pub,
        ],
    ));
    assert_eq!(inspected["compression"], "bzip2");
    assert_eq!(
        inspected["signed_by_trusted_keys"].as_array().map(Vec::len),
        Some(2)
    );
    let before = std::fs::read(&snap).expect("read");
    failed_with(
        &core(
            &source,
            &[
                "snapshot",
                "create",
                snap.to_str().expect("utf-8"),
                "--private-key",
                KEY,
            ],
        ),
        "already exists",
    );
    assert_eq!(std::fs::read(&snap).expect("read"), before);
}
