//! Group commit: blocks committed in a batch give the same state as blocks committed one by
//! one, each block of a batch is still atomic, and a batch that is never committed leaves the
//! file at the block before it.

mod common;

use blockstack_namedb::{NameDb, NameDbError, ReadOnlyNameDb, StateDump};
use common::{block_hash, replay_db, Chain};

fn dump(db: &NameDb, chain: &Chain) -> StateDump {
    db.snapshot(&chain.rules)
        .expect("snapshot")
        .dump()
        .expect("dump")
}

#[test]
fn a_batched_replay_matches_the_per_block_replay() {
    let chain = Chain::spec_12_8();
    let first = chain.rules.first_block;
    let last = chain.last();
    let straight = common::fresh_db(&chain, last);

    let mut db = NameDb::open_in_memory().expect("db");
    // Batches of uneven sizes, with a snapshot taken inside one (it reads the batch's blocks).
    let mut from = first;
    for to in [first, 125, 140, 163, last] {
        db.begin_batch().expect("begin");
        assert!(db.in_batch());
        replay_db(&chain, &mut db, from, to);
        assert_eq!(
            db.snapshot(&chain.rules).expect("snapshot").last_block(),
            Some(to)
        );
        db.commit_batch().expect("commit batch");
        assert!(!db.in_batch());
        from = to + 1;
    }
    assert_eq!(dump(&db, &chain), dump(&straight, &chain));
    assert_eq!(
        db.consensus_hash(last).expect("hash"),
        straight.consensus_hash(last).expect("hash")
    );
}

#[test]
fn a_failed_block_in_a_batch_writes_nothing_and_keeps_the_earlier_blocks() {
    let chain = Chain::spec_12_8();
    let mut db = common::fresh_db(&chain, 120);
    db.begin_batch().expect("begin");
    replay_db(&chain, &mut db, 121, 122);
    let before = dump(&db, &chain);
    let good = db
        .process_block(&chain.rules, 123, chain.ops(123))
        .expect("process");

    // Fails late, on a duplicate history row, after the block's other rows were written.
    let mut bad = good.clone();
    let existing = before.history.first().expect("history").clone();
    let mut dup = bad.history.last().expect("history").clone();
    dup.txid = existing.txid.clone();
    dup.block = existing.block_id;
    dup.vtxindex = existing.vtxindex;
    bad.history.push(dup);
    assert!(matches!(
        db.commit_block(&bad, &block_hash(123)),
        Err(NameDbError::Sqlite { .. })
    ));
    assert!(db.in_batch(), "the batch stays open");
    assert_eq!(dump(&db, &chain), before);
    assert_eq!(db.last_block().expect("last"), Some(122));

    db.commit_block(&good, &block_hash(123)).expect("commit");
    db.commit_batch().expect("commit batch");
    assert_eq!(db.last_block().expect("last"), Some(123));
    replay_db(&chain, &mut db, 124, 130);
    let fresh = common::fresh_db(&chain, 130);
    assert_eq!(dump(&db, &chain), dump(&fresh, &chain));
}

#[test]
fn an_uncommitted_batch_is_lost_whole_and_readers_see_only_committed_batches() {
    let chain = Chain::spec_12_8();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("names.db");
    {
        let mut db = NameDb::open(&path).expect("open");
        replay_db(&chain, &mut db, chain.rules.first_block, 120);
        let reader = ReadOnlyNameDb::open(&path).expect("reader");
        db.begin_batch().expect("begin");
        replay_db(&chain, &mut db, 121, 125);
        assert_eq!(
            reader.snapshot(&chain.rules).expect("snap").last_block(),
            Some(120),
            "a reader does not see an open batch"
        );
        db.commit_batch().expect("commit batch");
        assert_eq!(
            reader.snapshot(&chain.rules).expect("snap").last_block(),
            Some(125)
        );
        db.begin_batch().expect("begin");
        replay_db(&chain, &mut db, 126, 135);
        // Dropped with the batch open, as in a crash.
    }
    let mut db = NameDb::open(&path).expect("reopen");
    assert_eq!(db.last_block().expect("last"), Some(125));
    let fresh = common::fresh_db(&chain, 125);
    assert_eq!(dump(&db, &chain), dump(&fresh, &chain));
    // Resuming from there reaches the expected hashes.
    replay_db(&chain, &mut db, 126, chain.last());
}

#[test]
fn rollback_and_prune_commit_an_open_batch_first() {
    let chain = Chain::spec_12_8();
    let mut db = common::fresh_db(&chain, 130);
    db.begin_batch().expect("begin");
    replay_db(&chain, &mut db, 131, 140);
    assert_eq!(db.rollback_to(135).expect("rollback"), 5);
    assert!(!db.in_batch());
    assert_eq!(
        dump(&db, &chain),
        dump(&common::fresh_db(&chain, 135), &chain)
    );

    db.begin_batch().expect("begin");
    replay_db(&chain, &mut db, 136, 140);
    db.prune_undo(2).expect("prune");
    assert!(!db.in_batch());
    assert_eq!(db.last_block().expect("last"), Some(140));
    assert!(matches!(
        db.rollback_to(130),
        Err(NameDbError::UndoPruned { .. })
    ));
}
