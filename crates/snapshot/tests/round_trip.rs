//! Snapshots of a built state: created, verified, restored into another working directory,
//! and every bad snapshot refused with the working directory left as it was.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use blockstack_atlas::{AtlasDb, ZonefileStore};
use blockstack_consensus::{AddressNetwork, BlockOutcome, Rules};
use blockstack_namedb::{NameDb, StateDump};
use blockstack_snapshot::checkpoint::Checkpoint;
use blockstack_snapshot::{
    cosign, create, stage, trailer, verify, Compression, CreateOptions, SigningKey, SnapshotError,
    StatePaths, TrustPolicy,
};

fn key(n: u8) -> SigningKey {
    format!("{:064x}", u32::from(n) + 7).parse().expect("key")
}

fn policy(keys: &[&SigningKey], required: Option<usize>) -> TrustPolicy {
    TrustPolicy::new(keys.iter().map(|k| k.public_key()).collect(), required).expect("policy")
}

fn dump(dir: &Path) -> StateDump {
    let rules = Rules::test(1, AddressNetwork::Testnet);
    let db = NameDb::open_read_only(dir.join("blockstack-server.db")).expect("open");
    let dump = db.snapshot(&rules).expect("snapshot").dump().expect("dump");
    dump
}

/// Every file under `dir` with its bytes, by relative path.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in fs::read_dir(dir).expect("readdir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(
                    p.strip_prefix(root).expect("prefix").to_path_buf(),
                    fs::read(&p).expect("read"),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Every zone file of the store under `dir`, by hash.
fn zonefiles_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let store = ZonefileStore::open(dir.join("zonefiles")).expect("store");
    let mut out = BTreeMap::new();
    store
        .for_each_stored(|hash, bytes| {
            out.insert(hash.to_owned(), bytes.to_vec());
            Ok::<(), ()>(())
        })
        .expect("list")
        .expect("listed");
    out
}

/// A source node's working directory with a built state, and an empty place for snapshots.
struct Fixture {
    root: tempfile::TempDir,
    last_block: u64,
}

impl Fixture {
    fn new(names: u64, zonefiles: u64) -> Self {
        let root = tempfile::tempdir().expect("tempdir");
        fs::create_dir(root.path().join("source")).expect("mkdir");
        let built = common::build(&root.path().join("source"), names, zonefiles, 10);
        Self {
            root,
            last_block: built.last_block,
        }
    }

    fn source(&self) -> PathBuf {
        self.root.path().join("source")
    }

    fn snapshot(&self, name: &str, options: &CreateOptions) -> PathBuf {
        let out = self.root.path().join(name);
        create(
            &StatePaths::in_working_dir(&self.source()),
            &out,
            &key(1),
            options,
        )
        .expect("create");
        out
    }

    /// A node's working directory with a configuration, a wallet and an older state of its own.
    fn target(&self) -> PathBuf {
        let t = self.root.path().join("target");
        fs::create_dir_all(t.join("devchain")).expect("mkdir");
        fs::write(t.join("blockstack-server.ini"), b"[blockstack]\n").expect("ini");
        fs::write(t.join("devchain/blocks"), b"chain data").expect("chain");
        common::build(&t, 3, 1, 10);
        fs::write(t.join("blockstack-server.db-wal"), b"stale journal").expect("wal");
        t
    }
}

/// Restores `snapshot` into `target` under `policy` and `checkpoints`, all or nothing.
fn restore(
    snapshot: &Path,
    target: &Path,
    policy: &TrustPolicy,
    checkpoints: &[Checkpoint],
) -> Result<blockstack_snapshot::RestoreReport, SnapshotError> {
    let verified = verify(snapshot, policy)?;
    stage(&verified, target, checkpoints)?.commit()
}

/// Asserts a restore fails with a message containing `needle` and changes nothing around.
fn assert_refused(snapshot: &Path, target: &Path, policy: &TrustPolicy, needle: &str) {
    let before = files(target);
    let siblings = fs::read_dir(target.parent().expect("parent"))
        .expect("readdir")
        .count();
    let err = restore(snapshot, target, policy, &[]).expect_err("refused");
    assert!(err.to_string().contains(needle), "{needle:?} not in {err}");
    assert_eq!(files(target), before, "the working directory changed");
    let after = fs::read_dir(target.parent().expect("parent"))
        .expect("readdir")
        .count();
    assert_eq!(
        after, siblings,
        "something was left beside the working directory"
    );
}

#[test]
fn a_restored_node_has_the_source_state_and_keeps_its_own_files() {
    let f = Fixture::new(60, 25);
    let snap = f.snapshot("snap.bsk", &CreateOptions::default());
    let target = f.target();
    let report = restore(&snap, &target, &policy(&[&key(1)], None), &[]).expect("restore");
    // The stale journal of the replaced database is gone (checked before anything opens it).
    assert!(!target.join("blockstack-server.db-wal").exists());

    assert_eq!(report.block, f.last_block);
    assert_eq!(report.backup_set, f.last_block - 1);
    assert_eq!(report.consensus_hash, common::consensus_hash(f.last_block));
    assert_eq!(report.zonefiles, 25);
    assert_eq!(dump(&target), dump(&f.source()));
    assert_eq!(zonefiles_of(&f.source()).len(), 25);
    assert_eq!(zonefiles_of(&target), zonefiles_of(&f.source()));
    let rows = |d: &Path| {
        AtlasDb::open(d.join("atlas.db"))
            .expect("atlas")
            .load_rows()
            .expect("rows")
    };
    assert_eq!(rows(&target), rows(&f.source()));
    // The node's own files stay; the stale journal of the replaced database does not.
    assert_eq!(
        fs::read(target.join("blockstack-server.ini")).expect("ini"),
        b"[blockstack]\n"
    );
    assert_eq!(
        fs::read(target.join("devchain/blocks")).expect("chain"),
        b"chain data"
    );
    let leftovers: Vec<_> = fs::read_dir(f.root.path())
        .expect("readdir")
        .map(|e| e.expect("entry").file_name())
        .filter(|n| n.to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_restore_into_a_missing_directory_creates_it() {
    let f = Fixture::new(12, 3);
    let snap = f.snapshot("snap.bsk", &CreateOptions::default());
    let target = f.root.path().join("fresh");
    restore(&snap, &target, &policy(&[&key(1)], None), &[]).expect("restore");
    assert_eq!(dump(&target), dump(&f.source()));
}

#[test]
fn the_original_bzip2_payload_round_trips() {
    let f = Fixture::new(15, 5);
    let options = CreateOptions {
        compression: Compression::Bzip2,
        ..CreateOptions::default()
    };
    let snap = f.snapshot("snap.bsk", &options);
    assert_eq!(&fs::read(&snap).expect("read")[..3], b"BZh");
    let target = f.target();
    restore(&snap, &target, &policy(&[&key(1)], None), &[]).expect("restore");
    assert_eq!(dump(&target), dump(&f.source()));
}

#[test]
fn an_older_block_is_snapshotted_by_rolling_a_copy_back() {
    let f = Fixture::new(50, 50);
    let block = f.last_block - 2;
    let options = CreateOptions {
        block: Some(block),
        ..CreateOptions::default()
    };
    let before = dump(&f.source());
    let snap = f.snapshot("snap.bsk", &options);
    assert_eq!(
        dump(&f.source()),
        before,
        "the live database was not touched"
    );
    let target = f.target();
    let report = restore(&snap, &target, &policy(&[&key(1)], None), &[]).expect("restore");
    assert_eq!(report.block, block);
    let db = NameDb::open_read_only(target.join("blockstack-server.db")).expect("open");
    let rules = Rules::test(1, AddressNetwork::Testnet);
    let snapshot = db.snapshot(&rules).expect("snapshot");
    assert_eq!(snapshot.last_block(), Some(block));
    assert_eq!(snapshot.num_names().expect("count"), (block - 1) * 10);
    let rows = AtlasDb::open(target.join("atlas.db"))
        .expect("atlas")
        .load_rows()
        .expect("rows");
    assert!(rows.iter().all(|(r, _)| r.block_height <= block));
    assert_eq!(rows.len() as u64, (block - 1) * 10);

    let err = create(
        &StatePaths::in_working_dir(&f.source()),
        &f.root.path().join("future.bsk"),
        &key(1),
        &CreateOptions {
            block: Some(f.last_block + 1),
            ..CreateOptions::default()
        },
    )
    .expect_err("future block");
    assert!(err.to_string().contains("only reached block"), "{err}");
}

/// Carrier rows, their records and the records' zone files in `subdomains.db`, by block.
fn subdomain_rows(db: &Path) -> [Vec<i64>; 3] {
    let conn = rusqlite::Connection::open(db).expect("open");
    let column = |sql: &str| -> Vec<i64> {
        let mut stmt = conn.prepare(sql).expect("prepare");
        let rows = stmt.query_map([], |r| r.get(0)).expect("query");
        rows.map(|r| r.expect("row")).collect()
    };
    [
        column("SELECT block_height FROM carrier_rows ORDER BY inv_index"),
        column("SELECT block_height FROM subdomain_records ORDER BY parent_zonefile_index"),
        column("SELECT CAST(zonefile AS INTEGER) FROM subdomain_zonefiles ORDER BY 1"),
    ]
}

#[test]
fn the_subdomain_index_travels_as_of_the_snapshots_block() {
    let f = Fixture::new(50, 50);
    let sub = f.source().join("subdomains.db");
    drop(blockstack_subdomains::SubdomainDb::open(&sub).expect("subdomain db"));
    let conn = rusqlite::Connection::open(&sub).expect("open");
    // One carrier row a block, each carrying one record with a zone file of its own, and a
    // zone file that no record names.
    for h in 2..=f.last_block as i64 {
        conn.execute(
            "INSERT INTO carrier_rows VALUES (?1, 'foo.test', ?2, ?3, ?1, 1)",
            rusqlite::params![h, format!("{h:040x}"), format!("{h:064x}")],
        )
        .expect("carrier row");
        conn.execute(
            "INSERT INTO subdomain_records VALUES \
             (?1, 'foo.test', 0, 'owner', ?2, '', ?3, ?4, ?3, ?5, '', 1)",
            rusqlite::params![
                format!("s{h}.foo.test"),
                format!("{:040x}", 1000 + h),
                h,
                format!("{h:040x}"),
                format!("{h:064x}")
            ],
        )
        .expect("record");
        conn.execute(
            "INSERT INTO subdomain_zonefiles VALUES (?1, ?2)",
            rusqlite::params![format!("{:040x}", 1000 + h), h.to_string()],
        )
        .expect("zone file");
    }
    conn.execute(
        "INSERT INTO subdomain_zonefiles VALUES (?1, '0')",
        [format!("{:040x}", 7)],
    )
    .expect("stray zone file");
    drop(conn);
    let blocks = |to: u64| (2..=to as i64).collect::<Vec<_>>();

    // The latest state travels whole, but for the zone file no record names.
    let snap = f.snapshot("latest.bsk", &CreateOptions::default());
    let target = f.target();
    restore(&snap, &target, &policy(&[&key(1)], None), &[]).expect("restore");
    let all = blocks(f.last_block);
    assert_eq!(
        subdomain_rows(&target.join("subdomains.db")),
        [all.clone(), all.clone(), all]
    );

    // An older block leaves out what later blocks carried.
    let block = f.last_block - 2;
    let snap = f.snapshot(
        "older.bsk",
        &CreateOptions {
            block: Some(block),
            ..CreateOptions::default()
        },
    );
    restore(&snap, &target, &policy(&[&key(1)], None), &[]).expect("restore");
    let kept = blocks(block);
    assert_eq!(
        subdomain_rows(&target.join("subdomains.db")),
        [kept.clone(), kept.clone(), kept]
    );
    assert_eq!(
        subdomain_rows(&sub)[0].len() as u64,
        f.last_block - 1,
        "the live database was not touched"
    );
}

#[test]
fn an_existing_output_is_never_overwritten() {
    let f = Fixture::new(5, 0);
    let out = f.root.path().join("taken.bsk");
    fs::write(&out, b"precious").expect("write");
    let err = create(
        &StatePaths::in_working_dir(&f.source()),
        &out,
        &key(1),
        &CreateOptions::default(),
    )
    .expect_err("exists");
    assert!(matches!(err, SnapshotError::OutputExists(_)));
    assert_eq!(fs::read(&out).expect("read"), b"precious");
}

#[test]
fn a_snapshot_taken_while_blocks_are_committed_is_consistent() {
    let f = Fixture::new(20, 0);
    let source = f.source();
    let writer = {
        let source = source.clone();
        let start = f.last_block;
        std::thread::spawn(move || {
            let mut db = NameDb::open(source.join("blockstack-server.db")).expect("open");
            for h in start + 1..start + 200 {
                db.commit_block(
                    &BlockOutcome {
                        height: h,
                        consensus_hash: common::consensus_hash(h),
                        ops_hash: "00".repeat(32),
                        ..BlockOutcome::default()
                    },
                    &common::block_hash(h),
                )
                .expect("commit");
            }
        })
    };
    let snap = f.snapshot("live.bsk", &CreateOptions::default());
    writer.join().expect("writer");
    let target = f.target();
    let report = restore(&snap, &target, &policy(&[&key(1)], None), &[]).expect("restore");
    assert!(report.block >= f.last_block);
    assert_eq!(report.consensus_hash, common::consensus_hash(report.block));
}

#[test]
fn co_signatures_meet_a_two_of_two_policy_and_a_key_signs_once() {
    let f = Fixture::new(5, 1);
    let snap = f.snapshot("snap.bsk", &CreateOptions::default());
    let both = policy(&[&key(1), &key(2)], None);
    let target = f.target();
    assert_refused(&snap, &target, &both, "1 of the required 2");
    let inspection = cosign(&snap, &key(2)).expect("cosign");
    assert_eq!(inspection.signatures.len(), 2);
    let err = cosign(&snap, &key(2)).expect_err("twice");
    assert!(err.to_string().contains("already signed"), "{err}");
    restore(&snap, &target, &both, &[]).expect("2 of 2");
}

#[test]
fn tampered_truncated_and_wrongly_signed_snapshots_are_refused() {
    let f = Fixture::new(20, 5);
    let snap = f.snapshot("snap.bsk", &CreateOptions::default());
    let target = f.target();
    let bytes = fs::read(&snap).expect("read");

    let tampered = f.root.path().join("tampered.bsk");
    let mut t = bytes.clone();
    t[bytes.len() / 2] ^= 0x01;
    fs::write(&tampered, &t).expect("write");
    assert_refused(
        &tampered,
        &target,
        &policy(&[&key(1)], None),
        "not enough valid signatures",
    );

    let truncated = f.root.path().join("truncated.bsk");
    fs::write(&truncated, &bytes[..bytes.len() - 30]).expect("write");
    assert_refused(
        &truncated,
        &target,
        &policy(&[&key(1)], None),
        "not a snapshot file",
    );

    let cut_payload = f.root.path().join("cut.bsk");
    let mut c = bytes[..bytes.len() / 2].to_vec();
    c.extend_from_slice(&bytes[bytes.len() - 104..]);
    fs::write(&cut_payload, &c).expect("write");
    assert_refused(
        &cut_payload,
        &target,
        &policy(&[&key(1)], None),
        "not enough valid signatures",
    );

    assert_refused(
        &snap,
        &target,
        &policy(&[&key(3)], None),
        "0 of the required 1",
    );
}

#[test]
fn a_checkpoint_that_disagrees_refuses_and_one_that_agrees_passes() {
    let f = Fixture::new(20, 0);
    let snap = f.snapshot("snap.bsk", &CreateOptions::default());
    let target = f.target();
    let before = files(&target);
    let wrong = Checkpoint {
        height: 2,
        consensus_hash: "00".repeat(16),
    };
    let err = restore(&snap, &target, &policy(&[&key(1)], None), &[wrong]).expect_err("refused");
    assert!(
        err.to_string().contains("trusted checkpoint at block 2"),
        "{err}"
    );
    assert_eq!(files(&target), before);
    let right = Checkpoint {
        height: 2,
        consensus_hash: common::consensus_hash(2),
    };
    let later = Checkpoint {
        height: f.last_block + 5,
        consensus_hash: "00".repeat(16),
    };
    let report =
        restore(&snap, &target, &policy(&[&key(1)], None), &[right, later]).expect("restore");
    assert_eq!(report.checkpoints.matched, vec![2]);
    assert_eq!(report.checkpoints.later, vec![f.last_block + 5]);
}

/// One crafted archive member.
enum Crafted<'a> {
    File(&'a [u8], &'a [u8]),
    Symlink(&'a [u8], &'a str),
    /// An entry of another kind (hard link, device, FIFO), without data.
    Special(&'a [u8], tar::EntryType),
}

/// A signed snapshot of hand-made members (names written raw, so `..` survives).
fn craft(path: &Path, members: &[Crafted<'_>], compression: Compression, signer: &SigningKey) {
    let mut tar = tar::Builder::new(Vec::new());
    for m in members {
        let mut h = tar::Header::new_gnu();
        let (name, data): (&[u8], &[u8]) = match m {
            Crafted::File(name, data) => {
                h.set_entry_type(tar::EntryType::Regular);
                (name, data)
            }
            Crafted::Symlink(name, to) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_link_name(to).expect("link name");
                (name, &[])
            }
            Crafted::Special(name, kind) => {
                h.set_entry_type(*kind);
                if *kind == tar::EntryType::Link {
                    h.set_link_name("backups/blockstack-server.db.bak.5")
                        .expect("link name");
                }
                (name, &[])
            }
        };
        h.as_old_mut().name[..name.len()].copy_from_slice(name);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append(&h, data).expect("append");
    }
    let raw = tar.into_inner().expect("tar");
    let mut enc = compression.encoder(Vec::new(), 1).expect("encoder");
    enc.write_all(&raw).expect("compress");
    let mut payload = enc.finish().expect("finish");
    let digest = blockstack_snapshot::hashing::sha256_prefix(&payload[..], payload.len() as u64)
        .expect("hash");
    payload.extend(trailer::encode(&[signer.sign_digest(&digest)]));
    fs::write(path, payload).expect("write");
}

#[test]
fn unsafe_and_stray_entries_refuse_the_whole_archive() {
    let f = Fixture::new(5, 0);
    let target = f.target();
    let db = fs::read(f.source().join("blockstack-server.db")).expect("db");
    let trusted = policy(&[&key(1)], None);
    let cases: Vec<(&str, Vec<Crafted<'_>>)> = vec![
        (
            "climbs out",
            vec![
                Crafted::File(b"backups/blockstack-server.db.bak.5", &db),
                Crafted::File(b"./zonefiles/../../evil", b"x"),
            ],
        ),
        ("absolute path", vec![Crafted::File(b"/tmp/evil", b"x")]),
        (
            "symbolic link",
            vec![Crafted::Symlink(b"zonefiles/link", "/etc/passwd")],
        ),
        (
            "hard link",
            vec![Crafted::Special(b"zonefiles/a/l.txt", tar::EntryType::Link)],
        ),
        (
            "character device",
            vec![Crafted::Special(b"zonefiles/a/c.txt", tar::EntryType::Char)],
        ),
        (
            "block device",
            vec![Crafted::Special(
                b"zonefiles/a/d.txt",
                tar::EntryType::Block,
            )],
        ),
        (
            "FIFO",
            vec![Crafted::Special(b"zonefiles/a/f.txt", tar::EntryType::Fifo)],
        ),
        (
            "appears twice",
            vec![
                Crafted::File(b"zonefiles/a/b.txt", b"1"),
                Crafted::File(b"./zonefiles/a/b.txt", b"2"),
            ],
        ),
        (
            "not part of a snapshot",
            vec![Crafted::File(b"blockstack-server.ini", b"[bitcoind]")],
        ),
        (
            "no name database",
            vec![Crafted::File(b"zonefiles/a/b.txt", b"1")],
        ),
    ];
    for (i, (needle, members)) in cases.iter().enumerate() {
        let snap = f.root.path().join(format!("crafted-{i}.bsk"));
        craft(&snap, members, Compression::Zstd, &key(1));
        assert_refused(&snap, &target, &trusted, needle);
    }
    assert!(!f.root.path().join("evil").exists());
}

#[test]
fn an_original_node_snapshot_is_recognised_but_not_restored() {
    let f = Fixture::new(5, 0);
    let target = f.target();
    let foreign = f.root.path().join("foreign.db");
    let conn = rusqlite::Connection::open(&foreign).expect("open");
    conn.execute_batch("CREATE TABLE name_records (name TEXT);")
        .expect("schema");
    drop(conn);
    let db = fs::read(&foreign).expect("db");
    let snap = f.root.path().join("original.bsk");
    craft(
        &snap,
        &[
            Crafted::File(b"./backups/blockstack-server.db.bak.99", &db),
            Crafted::File(b"./backups/blockstack-server.snapshots.bak.99", &db),
            Crafted::File(b"./backups/atlas.db.bak.99", &db),
            Crafted::File(b"./zonefiles/1b/89/zonefile.txt", b"$ORIGIN a.id\n"),
            Crafted::File(b"./id.keychain", b"1Addr\n"),
        ],
        Compression::Bzip2,
        &key(1),
    );
    assert_refused(
        &snap,
        &target,
        &policy(&[&key(1)], None),
        "original Python node",
    );
}

#[test]
fn a_backup_set_must_match_its_name_database_and_stand_alone() {
    let f = Fixture::new(20, 0);
    let target = f.target();
    let db = fs::read(f.source().join("blockstack-server.db")).expect("db");
    let atlas = fs::read(f.source().join("atlas.db")).expect("atlas");
    let set = f.last_block - 1;
    // An archive of the name database as set `name_set` and the Atlas one as `atlas_set`.
    let refused = |name_set: u64, atlas_set: u64, needle: &str| {
        let name = format!("./backups/blockstack-server.db.bak.{name_set}");
        let atlas_name = format!("./backups/atlas.db.bak.{atlas_set}");
        let snap = f
            .root
            .path()
            .join(format!("sets-{name_set}-{atlas_set}.bsk"));
        craft(
            &snap,
            &[
                Crafted::File(name.as_bytes(), &db),
                Crafted::File(atlas_name.as_bytes(), &atlas),
            ],
            Compression::Zstd,
            &key(1),
        );
        assert_refused(&snap, &target, &policy(&[&key(1)], None), needle);
    };
    // The set is named after the block before the database's last.
    refused(
        set + 1,
        set + 1,
        &format!("backup set {} must end at block {}", set + 1, set + 2),
    );
    // Every database of the archive belongs to one set.
    refused(
        set,
        set - 1,
        &format!("mixes backup sets {set} and {}", set - 1),
    );
}

/// The names of the zone file entries in the payload of `snapshot`.
fn zonefile_members(snapshot: &Path) -> Vec<String> {
    let inspection = blockstack_snapshot::inspect(snapshot).expect("inspect");
    let file = fs::File::open(snapshot).expect("open");
    let payload = std::io::Read::take(file, inspection.payload_bytes);
    let decoder = inspection
        .compression
        .expect("compression")
        .decoder(payload)
        .expect("decoder");
    let mut archive = tar::Archive::new(decoder);
    archive
        .entries()
        .expect("entries")
        .map(|e| {
            e.expect("entry")
                .path()
                .expect("path")
                .to_string_lossy()
                .into_owned()
        })
        .filter(|p| p.starts_with("zonefiles/") && !p.ends_with('/'))
        .collect()
}

#[test]
fn zone_files_travel_in_the_original_layout_and_files_of_an_older_store_come_along() {
    let f = Fixture::new(20, 6);
    // Zone files a v0.18 node left as files, in both of its layouts, and one the table
    // holds as well.
    let store = ZonefileStore::open(f.source().join("zonefiles")).expect("store");
    let legacy = b"$ORIGIN legacy.id\n$TTL 3600\n".to_vec();
    let legacy_hash = blockstack_zonefile::zonefile_hash(&legacy);
    let current = b"$ORIGIN current.id\n$TTL 3600\n".to_vec();
    let current_hash = blockstack_zonefile::zonefile_hash(&current);
    let (held_hash, held) = zonefiles_of(&f.source())
        .into_iter()
        .next()
        .expect("a stored zone file");
    for (path, bytes) in [
        (store.legacy_path(&legacy_hash), &legacy),
        (store.current_path(&current_hash), &current),
        (store.current_path(&held_hash), &held),
    ] {
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(&path, bytes).expect("write");
    }
    drop(store);

    let snap = f.snapshot("layout.bsk", &CreateOptions::default());
    let members = zonefile_members(&snap);
    assert_eq!(members.len(), 8, "{members:?}");
    for m in &members {
        let parts: Vec<&str> = m.split('/').skip(1).collect();
        let hash = blockstack_atlas::store::layout::hash_of_member(&parts)
            .unwrap_or_else(|| panic!("{m} is not in the original's layout"));
        if hash != legacy_hash {
            assert_eq!(parts.len(), 3, "{m}");
        }
    }
    assert_eq!(
        members.iter().filter(|m| m.contains(&held_hash)).count(),
        1,
        "a zone file held twice travels once"
    );

    let target = f.target();
    let report = restore(&snap, &target, &policy(&[&key(1)], None), &[]).expect("restore");
    assert_eq!(report.zonefiles, 8);
    let restored = zonefiles_of(&target);
    assert_eq!(restored.get(&legacy_hash), Some(&legacy));
    assert_eq!(restored.get(&current_hash), Some(&current));
    assert_eq!(restored.get(&held_hash), Some(&held));
    // Restored into the table: no zone file is left as a file.
    let stray: Vec<_> = fs::read_dir(target.join("zonefiles"))
        .expect("readdir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| !blockstack_atlas::store::is_database_file(n))
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
}
