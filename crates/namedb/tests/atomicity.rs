//! A block is committed entirely or not at all: a commit that fails midway leaves the database
//! at the previous block.

mod common;

use blockstack_consensus::state::HistoryState;
use blockstack_namedb::{NameDb, NameDbError, StateDump};
use common::{block_hash, Chain};

fn dump(db: &NameDb, chain: &Chain) -> StateDump {
    db.snapshot(&chain.rules)
        .expect("snapshot")
        .dump()
        .expect("dump")
}

#[test]
fn a_constraint_violation_late_in_the_commit_leaves_the_previous_block() {
    let chain = Chain::spec_12_8();
    // Block 123 registers foo.test: it consumes a preorder, writes a name row, and two
    // history rows.
    let mut db = common::fresh_db(&chain, 122);
    let before = dump(&db, &chain);
    let good = db
        .process_block(&chain.rules, 123, chain.ops(123))
        .expect("process");
    assert!(!good.names.is_empty() && !good.consumed_preorders.is_empty());

    // The last history row duplicates an existing row's (txid, block, vtxindex): the insert
    // fails after every other change of the block was written.
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
    assert_eq!(dump(&db, &chain), before);
    assert_eq!(db.last_block().expect("last"), Some(122));

    // A name whose namespace does not exist fails the deferred foreign key at COMMIT.
    let mut orphan = good.clone();
    let mut rec = orphan.names[0].clone();
    rec.name = "orphan.nowhere".into();
    rec.namespace_id = "nowhere".into();
    orphan.names.push(rec);
    assert!(db.commit_block(&orphan, &block_hash(123)).is_err());
    assert_eq!(dump(&db, &chain), before);

    // A block out of order is refused before anything is written.
    let mut skipped = good.clone();
    skipped.height = 124;
    match db.commit_block(&skipped, &block_hash(124)) {
        Err(NameDbError::OutOfOrder {
            last: 122,
            got: 124,
        }) => {}
        other => panic!("expected OutOfOrder, got {other:?}"),
    }
    assert_eq!(dump(&db, &chain), before);

    // The genuine outcome still commits, and the chain goes on to match the original.
    db.commit_block(&good, &block_hash(123)).expect("commit");
    let after = dump(&db, &chain);
    assert!(after
        .history
        .iter()
        .any(|h| h.committed_block == 123 && h.op == "?"));
    assert!(matches!(good.history[0].state, HistoryState::Preorder(_)));
    common::replay_db(&chain, &mut db, 124, 130);
}
