//! Snapshot and restore of a large state, against plainly copying the same files.
//!
//! Builds a working directory of `BENCH_NAMES` names (default 1,000,000; 1,000 a block, one
//! history row each) and `BENCH_ZONEFILES` zone files (default 100,000) through the name
//! database, Atlas database and zone file store APIs. Then, in the same run:
//! (a) copies the state files as they are (`std::fs::copy`, no archive, no signature);
//! (b) `create`: a signed snapshot, zstd on `BENCH_THREADS` threads (default 2);
//! (c) restore: verify the signature, stage (extract, check, flush) and swap into a fresh
//!     working directory.
//! Reports the times, the state and snapshot sizes, and (b)/(a), (c)/(a).
//! `BENCH_BZIP2=1` also times creating the original's bzip2 payload. `BENCH_DIR` is where the
//! state is built (default: the current directory).

use std::fs;
use std::path::Path;
use std::time::Instant;

#[path = "../tests/common/mod.rs"]
mod common;

use blockstack_snapshot::{
    create, stage, verify, Compression, CreateOptions, SigningKey, StatePaths, TrustPolicy,
};

fn env(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Bytes of every file under `path`.
fn size_of(path: &Path) -> u64 {
    let meta = fs::symlink_metadata(path).expect("stat");
    if meta.is_dir() {
        fs::read_dir(path)
            .expect("readdir")
            .map(|e| size_of(&e.expect("entry").path()))
            .sum()
    } else {
        meta.len()
    }
}

/// Copies a file or tree.
fn copy_tree(from: &Path, to: &Path) {
    if from.is_dir() {
        fs::create_dir_all(to).expect("mkdir");
        for e in fs::read_dir(from).expect("readdir") {
            let e = e.expect("entry");
            copy_tree(&e.path(), &to.join(e.file_name()));
        }
    } else {
        fs::copy(from, to).expect("copy");
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn main() {
    // The restore's phase timings (debug events) go to stderr.
    tracing_subscriber::fmt()
        .with_env_filter("blockstack_snapshot=debug")
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    let names = env("BENCH_NAMES", 1_000_000);
    let zonefiles = env("BENCH_ZONEFILES", 100_000);
    let threads = env("BENCH_THREADS", 2) as u32;
    let root = tempfile::tempdir_in(std::env::var("BENCH_DIR").unwrap_or_else(|_| ".".into()))
        .expect("tempdir");
    let source = root.path().join("source");
    fs::create_dir(&source).expect("mkdir");

    let t = Instant::now();
    let built = common::build(&source, names, zonefiles, 1_000);
    println!(
        "state: {names} names, {zonefiles} zone files, {} blocks (built in {:.1} s)",
        built.last_block,
        t.elapsed().as_secs_f64()
    );
    let paths = StatePaths::in_working_dir(&source);
    let state_bytes: u64 = [&paths.name_db, &paths.atlas_db, &paths.zonefiles]
        .iter()
        .map(|p| size_of(p))
        .sum();
    println!(
        "state size                     {:.1} MB (name db {:.1} MB, atlas db {:.1} MB, zone files {:.1} MB)",
        mb(state_bytes),
        mb(size_of(&paths.name_db)),
        mb(size_of(&paths.atlas_db)),
        mb(size_of(&paths.zonefiles))
    );

    // (a) the baseline: the same files copied as they are.
    let copy = root.path().join("copy");
    fs::create_dir(&copy).expect("mkdir");
    let t = Instant::now();
    for p in [&paths.name_db, &paths.atlas_db, &paths.zonefiles] {
        copy_tree(p, &copy.join(p.file_name().expect("name")));
    }
    let copied = t.elapsed().as_secs_f64();
    fs::remove_dir_all(&copy).expect("cleanup");
    println!("(a) plain copy                 {copied:.2} s");

    // (b) create.
    let key: SigningKey = format!("{:064x}", 0xb10c_u64).parse().expect("key");
    let out = root.path().join("snapshot.bsk");
    let options = CreateOptions {
        threads,
        ..CreateOptions::default()
    };
    let t = Instant::now();
    let report = create(&paths, &out, &key, &options).expect("create");
    let created = t.elapsed().as_secs_f64();
    println!("(b) create                     {created:.2} s");
    println!(
        "snapshot size                  {:.1} MB ({:.1}% of the state)",
        mb(report.file_bytes),
        100.0 * report.file_bytes as f64 / state_bytes as f64
    );

    // (c) restore into a fresh node's working directory.
    let target = root.path().join("restored");
    fs::create_dir(&target).expect("mkdir");
    fs::write(target.join("blockstack-server.ini"), "[blockstack]\n").expect("ini");
    let policy = TrustPolicy::new(vec![key.public_key()], None).expect("policy");
    let t = Instant::now();
    let verified = verify(&out, &policy).expect("verify");
    let verified_at = t.elapsed().as_secs_f64();
    let staged = stage(&verified, &target, &[]).expect("stage");
    let staged_at = t.elapsed().as_secs_f64();
    let restored = staged.commit().expect("commit");
    let restore_time = t.elapsed().as_secs_f64();
    assert_eq!(restored.block, built.last_block);
    assert_eq!(restored.zonefiles, zonefiles);
    println!(
        "(c) restore                    {restore_time:.2} s (signature check {verified_at:.2} s, staged {staged_at:.2} s)"
    );
    println!("(b) / (a)                      {:.2}", created / copied);
    println!(
        "(c) / (a)                      {:.2}",
        restore_time / copied
    );

    if env("BENCH_BZIP2", 0) == 1 {
        let out = root.path().join("snapshot-bzip2.bsk");
        let options = CreateOptions {
            compression: Compression::Bzip2,
            ..options
        };
        let t = Instant::now();
        let report = create(&paths, &out, &key, &options).expect("create");
        println!(
            "create, bzip2 (the original's) {:.2} s, {:.1} MB",
            t.elapsed().as_secs_f64(),
            mb(report.file_bytes)
        );
    }
}
