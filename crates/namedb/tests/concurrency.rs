//! A reader on its own connection reads while the writer commits: it never blocks the writer,
//! never fails with a busy error, and each snapshot stays at one block.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use blockstack_namedb::{NameDb, ReadOnlyNameDb};
use common::{replay_db, Chain};

#[test]
fn a_reader_sees_whole_blocks_while_the_writer_commits() {
    let chain = Chain::spec_12_8();
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("names.db");
    let mut db = NameDb::open(&path).expect("open");
    replay_db(&chain, &mut db, chain.rules.first_block, 120);

    let done = Arc::new(AtomicBool::new(false));
    let started = Arc::new(AtomicBool::new(false));
    let reader = {
        let path = path.clone();
        let rules = chain.rules.clone();
        let (done, started) = (Arc::clone(&done), Arc::clone(&started));
        std::thread::spawn(move || {
            let reader = ReadOnlyNameDb::open(&path).expect("reader");
            let mut seen = Vec::new();
            // At least one snapshot, then as many as fit while the writer commits.
            loop {
                let snap = reader.snapshot(&rules).expect("snapshot");
                let last = snap.last_block().expect("a block");
                // Inside one snapshot the tip does not move, and every block row is whole.
                let blocks = snap.block_rows().expect("blocks");
                assert_eq!(blocks.last().map(|b| b.height), Some(last));
                assert_eq!(
                    snap.consensus_hash_at(last).expect("hash"),
                    blocks.last().map(|b| b.consensus_hash.clone())
                );
                let names = snap.num_names_cumulative().expect("count");
                assert_eq!(snap.last_block(), Some(last));
                assert_eq!(snap.block_rows().expect("blocks").len(), blocks.len());
                if let Some(&(prev, prev_names)) = seen.last() {
                    assert!(last >= prev, "the tip never goes back");
                    assert!(last > prev || names == prev_names);
                }
                seen.push((last, names));
                started.store(true, Ordering::Release);
                if done.load(Ordering::Acquire) {
                    break;
                }
            }
            seen
        })
    };
    // The commits below start only once the reader is reading, however loaded the machine.
    while !started.load(Ordering::Acquire) {
        std::thread::yield_now();
    }

    // A snapshot held open across commits does not block them and does not move.
    let held = ReadOnlyNameDb::open(&path).expect("reader");
    let snap = held.snapshot(&chain.rules).expect("snapshot");
    replay_db(&chain, &mut db, 121, 163);
    assert_eq!(snap.last_block(), Some(120));
    assert_eq!(snap.consensus_hash_at(121).expect("query"), None);
    drop(snap);
    assert_eq!(
        held.snapshot(&chain.rules).expect("snapshot").last_block(),
        Some(163)
    );

    done.store(true, Ordering::Release);
    let seen = reader.join().expect("reader thread");
    assert!(!seen.is_empty());
    assert_eq!(
        ReadOnlyNameDb::open(&path)
            .expect("reader")
            .snapshot(&chain.rules)
            .expect("snapshot")
            .last_block(),
        Some(163)
    );
}
