//! The spec §12.8 chain replayed with the database as the processor's state: every consensus
//! hash must match the original's, and the database must end up with exactly the rows of the
//! in-memory reference replay.

mod common;

use std::collections::BTreeSet;

use blockstack_consensus::consensus_hash::ops_hash;
use blockstack_consensus::{ConsensusRecord, StateView};
use blockstack_namedb::{json, NameDb};
use common::{replay_db, replay_mem, Chain};

#[test]
fn replay_matches_the_original_and_the_reference_state() {
    let chain = Chain::spec_12_8();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut db = NameDb::open(dir.path().join("names.db")).expect("open");
    let last = chain.last();
    replay_db(&chain, &mut db, chain.rules.first_block, last);
    let mem = replay_mem(&chain, last);

    let snap = db.snapshot(&chain.rules).expect("snapshot");
    assert_eq!(snap.last_block(), Some(last));

    // Name and namespace rows, field for field.
    let mut mem_names: Vec<_> = mem.names().cloned().collect();
    mem_names.sort_by(|a, b| a.name.cmp(&b.name));
    let db_names = snap.name_rows().expect("names");
    assert_eq!(db_names.len(), mem_names.len());
    assert_eq!(db_names, mem_names);
    assert!(
        db_names
            .iter()
            .any(|n| n.op_fee.fract() != 0.0 || n.last_creation_op.as_str() == ";"),
        "the chain has imported names, whose fee must round-trip as a double"
    );
    let mut mem_ns: Vec<_> = mem.namespaces().cloned().collect();
    mem_ns.sort_by(|a, b| a.namespace_id.cmp(&b.namespace_id));
    assert_eq!(snap.namespace_rows().expect("namespaces"), mem_ns);

    // Preorders: every hash ever preordered, outstanding or consumed.
    let accepted = snap.dump().expect("dump").accepted_ops;
    let hashes: BTreeSet<String> = accepted
        .iter()
        .filter_map(|a| match &a.record {
            ConsensusRecord::NamePreorder(p) | ConsensusRecord::NamespacePreorder(p) => {
                Some(p.preorder_hash.clone())
            }
            _ => None,
        })
        .collect();
    assert!(hashes.len() > 50);
    let view = snap.view();
    for h in &hashes {
        assert_eq!(view.preorders(h), mem.preorders(h), "preorders of {h}");
    }
    let outstanding: BTreeSet<String> = snap
        .preorder_rows()
        .expect("preorders")
        .into_iter()
        .map(|p| p.preorder_hash)
        .collect();
    assert!(outstanding.is_subset(&hashes));

    // Keychains and the index lookups the processor uses.
    for ns in &mem_ns {
        assert_eq!(
            view.keychain(&ns.namespace_id),
            mem.keychain(&ns.namespace_id)
        );
        let mut a = view.namespaces_by_preorder_hash(&ns.preorder_hash);
        let mut b = mem.namespaces_by_preorder_hash(&ns.preorder_hash);
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }
    assert!(!snap.keychains().expect("keychains").is_empty());
    for n in &mem_names {
        let sorted = |mut v: Vec<String>| {
            v.sort();
            v
        };
        assert_eq!(view.name(&n.name).as_deref(), mem.name(&n.name).as_deref());
        assert_eq!(
            sorted(view.names_by_sender(&n.sender)),
            sorted(mem.names_by_sender(&n.sender))
        );
        assert_eq!(
            sorted(view.names_by_hash128(&n.name_hash128)),
            sorted(mem.names_by_hash128(&n.name_hash128))
        );
        assert_eq!(
            sorted(view.names_by_preorder_hash(&n.preorder_hash)),
            sorted(mem.names_by_preorder_hash(&n.preorder_hash))
        );
    }
    view.finish().expect("no lookup failed");

    // History, row for row and in order.
    let rows = snap.history_rows().expect("history");
    assert_eq!(rows.len(), mem.history.len());
    for (row, entry) in rows.iter().zip(&mem.history) {
        assert_eq!(row.history_id, entry.id);
        assert_eq!(row.block_id, entry.block);
        assert_eq!(row.vtxindex, entry.vtxindex);
        assert_eq!(row.txid, entry.txid);
        assert_eq!(row.op, entry.op);
        assert_eq!(row.creator_address, entry.creator_address);
        let want = serde_json::to_string(&json::history_state(&entry.state)).expect("json");
        assert_eq!(row.history_data, want);
    }

    // Per-block rows: consensus hashes, and ops hashes recomputed from the stored records.
    let blocks = snap.block_rows().expect("blocks");
    assert_eq!(blocks.len() as u64, last - chain.rules.first_block + 1);
    for b in &blocks {
        assert_eq!(Some(b.consensus_hash.clone()), mem.consensus_hash(b.height));
        let records: Vec<ConsensusRecord> = snap
            .accepted_ops_at(b.height)
            .expect("ops")
            .into_iter()
            .map(|a| a.record)
            .collect();
        assert_eq!(records.len() as u64, b.accepted_ops);
        assert_eq!(
            ops_hash(&records),
            b.ops_hash,
            "ops hash of block {}",
            b.height
        );
    }
}
