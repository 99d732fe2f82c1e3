//! Rollback for reorgs: rolling back to block Y must give exactly the state of a replay that
//! stopped at Y, and re-applying the rolled-back blocks must give back the original state.

mod common;

use std::collections::BTreeMap;

use blockstack_namedb::{NameDb, NameDbError, StateDump};
use common::{replay_db, Chain};

fn dump(db: &NameDb, chain: &Chain) -> StateDump {
    db.snapshot(&chain.rules)
        .expect("snapshot")
        .dump()
        .expect("dump")
}

#[test]
fn rollback_restores_every_row_and_reapplying_restores_the_tip() {
    let chain = Chain::spec_12_8();
    let first = chain.rules.first_block;
    let last = chain.last();
    // Checkpoints around the interesting blocks: before the first import (keychain), between a
    // preorder and its registration, before a consumed preorder's registration, before the
    // re-registration of an expired name at the end of the chain.
    let checkpoints = [first, 119, 121, 131, 140, 160, 163, 5158];
    let mut db = NameDb::open_in_memory().expect("open");
    let mut saved: BTreeMap<u64, StateDump> = BTreeMap::new();
    let mut from = first;
    for &y in &checkpoints {
        replay_db(&chain, &mut db, from, y);
        saved.insert(y, dump(&db, &chain));
        from = y + 1;
    }
    replay_db(&chain, &mut db, from, last);
    let tip = dump(&db, &chain);
    assert!(!tip.history.is_empty() && !tip.keychains.is_empty());

    // Shallow: undo the re-registration of x.expiring and the ops of 5159–5162, then redo.
    assert_eq!(db.rollback_to(5158).expect("rollback"), last - 5158);
    assert_eq!(dump(&db, &chain), saved[&5158]);
    replay_db(&chain, &mut db, 5159, last);
    assert_eq!(dump(&db, &chain), tip);

    // Deep: 5000 blocks back, across consumed preorders, expiries and the quota block.
    db.rollback_to(140).expect("rollback");
    assert_eq!(db.last_block().expect("last"), Some(140));
    assert_eq!(dump(&db, &chain), saved[&140]);
    let fresh = common::fresh_db(&chain, 140);
    assert_eq!(
        dump(&db, &chain),
        dump(&fresh, &chain),
        "same as a fresh replay to 140"
    );
    replay_db(&chain, &mut db, 141, 163);
    assert_eq!(dump(&db, &chain), saved[&163]);

    // Step by step back to the first block; each state matches the straight replay's.
    for &y in checkpoints.iter().rev().filter(|&&y| y < 163) {
        db.rollback_to(y).expect("rollback");
        assert_eq!(dump(&db, &chain), saved[&y], "state at {y}");
    }

    // Before the first block: nothing is left.
    db.rollback_to(first - 1).expect("rollback");
    let empty = dump(&db, &chain);
    assert!(empty.names.is_empty() && empty.namespaces.is_empty() && empty.preorders.is_empty());
    assert!(empty.history.is_empty() && empty.blocks.is_empty() && empty.keychains.is_empty());
    assert_eq!(db.last_block().expect("last"), None);

    // And the chain replays from scratch to the same states.
    replay_db(&chain, &mut db, first, 163);
    assert_eq!(dump(&db, &chain), saved[&163]);
}

#[test]
fn rollback_at_or_past_the_tip_is_a_no_op() {
    let chain = Chain::spec_12_8();
    let mut db = common::fresh_db(&chain, 125);
    let before = dump(&db, &chain);
    assert_eq!(db.rollback_to(125).expect("rollback"), 0);
    assert_eq!(db.rollback_to(900).expect("rollback"), 0);
    assert_eq!(dump(&db, &chain), before);
    let mut empty = NameDb::open_in_memory().expect("open");
    assert_eq!(empty.rollback_to(5).expect("rollback"), 0);
}

#[test]
fn pruned_undo_data_refuses_deep_rollbacks_and_keeps_shallow_ones() {
    let chain = Chain::spec_12_8();
    let mut db = common::fresh_db(&chain, 130);
    let at_125 = dump(&common::fresh_db(&chain, 125), &chain);
    db.prune_undo(5).expect("prune");
    let before = dump(&db, &chain);
    match db.rollback_to(124) {
        Err(NameDbError::UndoPruned {
            target: 124,
            missing: 125,
        }) => {}
        other => panic!("expected UndoPruned, got {other:?}"),
    }
    assert_eq!(
        dump(&db, &chain),
        before,
        "a refused rollback changes nothing"
    );
    db.rollback_to(125).expect("rollback within the kept depth");
    let mut got = dump(&db, &chain);
    // Pruning only clears the undo flags of old blocks.
    for b in &mut got.blocks {
        b.has_undo = true;
    }
    assert_eq!(got, at_125);
}
