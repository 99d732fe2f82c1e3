//! The indexer over an in-memory chain: acceptance, ordering, late zone files, `pending`,
//! the first block, crash safety and the lookups (spec `subdomains.md` §5–7).

mod common;

use blockstack_subdomains::{
    history_json, make_subdomain_did, subdomain_did_owner, IndexerConfig, SubdomainDb,
    SubdomainError, SubdomainIndexer,
};
use blockstack_zonefile::subdomain::AddressNetwork;
use common::{address, carrier_zonefile, key, op, FakeSource};

const FQN: &str = "foo.bar.id";

fn indexer() -> SubdomainIndexer {
    SubdomainIndexer::new(
        SubdomainDb::open_in_memory().expect("db"),
        IndexerConfig::default(),
    )
}

/// (sequence, carrier index, accepted) of every record of `fqn`, in chain order.
fn verdicts(ix: &SubdomainIndexer, fqn: &str) -> Vec<(i64, u64, bool)> {
    ix.lookup()
        .all_records(fqn)
        .expect("records")
        .iter()
        .map(|s| {
            (
                s.record.sequence,
                s.record.parent_zonefile_index,
                s.record.accepted,
            )
        })
        .collect()
}

#[test]
fn creation_update_and_transfer_by_the_parent_are_accepted() {
    let (a, b) = (key(1), key(2));
    let src = FakeSource::default();
    src.announce(
        "bar.id",
        &carrier_zonefile(
            "bar.id",
            &[op(FQN, "bar.id", &address(&a), 0, "v0", None)],
            &[],
        ),
        100,
        true,
    );
    src.announce(
        "bar.id",
        &carrier_zonefile(
            "bar.id",
            &[op(FQN, "bar.id", &address(&a), 1, "v1", Some(&a))],
            &[],
        ),
        101,
        true,
    );
    src.announce(
        "bar.id",
        &carrier_zonefile(
            "bar.id",
            &[op(FQN, "bar.id", &address(&b), 2, "v2", Some(&a))],
            &[],
        ),
        102,
        true,
    );
    let mut ix = indexer();
    let report = ix.index(&src).expect("index");
    assert_eq!(report.rows_walked, 3);
    assert_eq!(report.zonefiles_decoded, 3);
    assert_eq!(report.records_stored, 3);
    assert_eq!(
        verdicts(&ix, FQN),
        [(0, 1, true), (1, 2, true), (2, 3, true)]
    );

    let current = ix.lookup().current(FQN).expect("lookup").expect("found");
    assert_eq!(current.record.sequence, 2);
    assert_eq!(current.record.owner, address(&b));
    assert_eq!(current.record.domain, "bar.id");
    assert_eq!(current.record.block_height, 102);
    assert_eq!(current.zonefile, common::own_zonefile("foo", "v2"));
    assert_eq!(
        current.record.zonefile_hash,
        blockstack_zonefile::zonefile_hash(&current.zonefile)
    );
    // Every subdomain zone file was handed to the store.
    assert_eq!(src.kept.borrow().len(), 3);

    // Only the current owner owns it (v0.18 would also list the previous owner).
    assert_eq!(ix.lookup().owned_by(&address(&b)).expect("owned"), [FQN]);
    assert!(ix
        .lookup()
        .owned_by(&address(&a))
        .expect("owned")
        .is_empty());

    let history = ix.lookup().history(FQN).expect("history");
    let json = history_json(&history);
    assert_eq!(json.keys().collect::<Vec<_>>(), ["100", "101", "102"]);
    assert_eq!(json["102"][0]["address"], address(&b));
    assert_eq!(json["101"][0]["sequence"], 1);

    // Indexing again changes nothing.
    let again = ix.index(&src).expect("index again");
    assert_eq!(again.rows_walked, 0);
    assert_eq!(again.records_stored, 0);
    assert_eq!(
        verdicts(&ix, FQN),
        [(0, 1, true), (1, 2, true), (2, 3, true)]
    );
}

#[test]
fn bad_signatures_gaps_and_independent_transfers_are_rejected_without_breaking_the_chain() {
    let (a, b, c) = (key(1), key(2), key(3));
    let src = FakeSource::default();
    let file = |recs: &[blockstack_zonefile::subdomain::SubdomainRecord], carrier: &str| {
        carrier_zonefile(carrier, recs, &[])
    };
    // 1: creation by the parent.
    src.announce(
        "bar.id",
        &file(&[op(FQN, "bar.id", &address(&a), 0, "v0", None)], "bar.id"),
        100,
        true,
    );
    // 2: seqn 1 signed by the wrong key.
    src.announce(
        "bar.id",
        &file(
            &[op(FQN, "bar.id", &address(&a), 1, "bad", Some(&c))],
            "bar.id",
        ),
        101,
        true,
    );
    // 3: seqn 3 skips a number.
    src.announce(
        "bar.id",
        &file(
            &[op(FQN, "bar.id", &address(&a), 3, "gap", Some(&a))],
            "bar.id",
        ),
        102,
        true,
    );
    // 4: an update that keeps the owner, carried by another name: accepted.
    src.announce(
        "other.id",
        &file(
            &[op(FQN, "other.id", &address(&a), 1, "any", Some(&a))],
            "other.id",
        ),
        103,
        true,
    );
    // 5: a transfer carried by another name: rejected.
    src.announce(
        "other.id",
        &file(
            &[op(FQN, "other.id", &address(&b), 2, "steal", Some(&a))],
            "other.id",
        ),
        104,
        true,
    );
    // 6: the same transfer carried by the parent: accepted.
    src.announce(
        "bar.id",
        &file(
            &[op(FQN, "bar.id", &address(&b), 2, "xfer", Some(&a))],
            "bar.id",
        ),
        105,
        true,
    );
    // 7: the new owner's update.
    src.announce(
        "bar.id",
        &file(
            &[op(FQN, "bar.id", &address(&b), 3, "v3", Some(&b))],
            "bar.id",
        ),
        106,
        true,
    );
    let mut ix = indexer();
    ix.index(&src).expect("index");
    assert_eq!(
        verdicts(&ix, FQN),
        [
            (0, 1, true),
            (1, 2, false),
            (3, 3, false),
            (1, 4, true),
            (2, 5, false),
            (2, 6, true),
            (3, 7, true),
        ]
    );
    let current = ix.lookup().current(FQN).expect("lookup").expect("found");
    assert_eq!(
        (
            current.record.sequence,
            current.record.parent_zonefile_index
        ),
        (3, 7)
    );
    // The independent update is part of the history; the rejected records are not.
    let history: Vec<u64> = ix
        .lookup()
        .history(FQN)
        .expect("history")
        .iter()
        .map(|s| s.record.parent_zonefile_index)
        .collect();
    assert_eq!(history, [1, 4, 6, 7]);
    assert_eq!(
        ix.lookup().history(FQN).expect("history")[1].record.domain,
        "other.id"
    );
}

#[test]
fn an_independent_creation_before_the_parent_blocks_the_subdomain() {
    let a = key(1);
    let src = FakeSource::default();
    src.announce(
        "other.id",
        &carrier_zonefile(
            "other.id",
            &[op(FQN, "other.id", &address(&a), 0, "squat", None)],
            &[],
        ),
        100,
        true,
    );
    src.announce(
        "bar.id",
        &carrier_zonefile(
            "bar.id",
            &[op(FQN, "bar.id", &address(&a), 0, "v0", None)],
            &[],
        ),
        101,
        true,
    );
    src.announce(
        "bar.id",
        &carrier_zonefile(
            "bar.id",
            &[op(FQN, "bar.id", &address(&a), 1, "v1", Some(&a))],
            &[],
        ),
        102,
        true,
    );
    let mut ix = indexer();
    ix.index(&src).expect("index");
    assert_eq!(
        verdicts(&ix, FQN),
        [(0, 1, false), (0, 2, false), (1, 3, false)]
    );
    assert!(ix.lookup().current(FQN).expect("lookup").is_none());
}

#[test]
fn a_late_zone_file_is_applied_in_chain_order() {
    let (a, b, c) = (key(1), key(2), key(3));
    let src = FakeSource::default();
    let creation = carrier_zonefile(
        "bar.id",
        &[op(FQN, "bar.id", &address(&a), 0, "v0", None)],
        &[],
    );
    let first_seq1 = carrier_zonefile(
        "bar.id",
        &[op(FQN, "bar.id", &address(&b), 1, "to-b", Some(&a))],
        &[],
    );
    let second_seq1 = carrier_zonefile(
        "bar.id",
        &[op(FQN, "bar.id", &address(&c), 1, "to-c", Some(&a))],
        &[],
    );
    // The creation and the first transfer are absent when the rows are walked.
    src.announce("bar.id", &creation, 100, false);
    src.announce("bar.id", &first_seq1, 101, false);
    src.announce("bar.id", &second_seq1, 102, true);
    let mut ix = indexer();
    let report = ix.index(&src).expect("index");
    assert_eq!(report.zonefiles_decoded, 1);
    assert_eq!(verdicts(&ix, FQN), [(1, 3, false)]);
    assert!(ix.lookup().current(FQN).expect("lookup").is_none());
    // The parent's later records make its answers pending.
    assert!(ix.lookup().pending(FQN).expect("pending"));

    // The creation arrives: the only transfer known takes effect.
    src.deliver(&blockstack_zonefile::zonefile_hash(&creation));
    let report = ix
        .index_arrivals(&src, &[blockstack_zonefile::zonefile_hash(&creation)])
        .expect("arrivals");
    assert_eq!(report.zonefiles_decoded, 1);
    assert_eq!(verdicts(&ix, FQN), [(0, 1, true), (1, 3, true)]);
    assert_eq!(
        ix.lookup()
            .current(FQN)
            .expect("lookup")
            .expect("found")
            .record
            .owner,
        address(&c)
    );
    assert!(ix.lookup().pending(FQN).expect("pending"));

    // The earlier transfer arrives last and still wins: conflicts go to chain order.
    src.deliver(&blockstack_zonefile::zonefile_hash(&first_seq1));
    ix.index(&src).expect("index");
    assert_eq!(
        verdicts(&ix, FQN),
        [(0, 1, true), (1, 2, true), (1, 3, false)]
    );
    assert_eq!(
        ix.lookup()
            .current(FQN)
            .expect("lookup")
            .expect("found")
            .record
            .owner,
        address(&b)
    );
    assert!(!ix.lookup().pending(FQN).expect("pending"));
}

#[test]
fn a_higher_sequence_seen_first_is_accepted_once_its_predecessor_is() {
    let a = key(1);
    let src = FakeSource::default();
    // seqn 1 is published (row 1) before the creation (row 2).
    src.announce(
        "bar.id",
        &carrier_zonefile(
            "bar.id",
            &[op(FQN, "bar.id", &address(&a), 1, "v1", Some(&a))],
            &[],
        ),
        100,
        true,
    );
    src.announce(
        "bar.id",
        &carrier_zonefile(
            "bar.id",
            &[op(FQN, "bar.id", &address(&a), 0, "v0", None)],
            &[],
        ),
        101,
        true,
    );
    let mut ix = indexer();
    ix.index(&src).expect("index");
    assert_eq!(verdicts(&ix, FQN), [(1, 1, true), (0, 2, true)]);
    assert_eq!(
        ix.lookup()
            .current(FQN)
            .expect("lookup")
            .expect("found")
            .record
            .sequence,
        1
    );
}

/// A domain whose first carrier row is absent and whose next one creates [`FQN`] listing that
/// row as `_missing`, indexed.
fn an_excused_lost_row() -> (FakeSource, SubdomainIndexer) {
    let src = FakeSource::default();
    let lost = carrier_zonefile("bar.id", &[], &[]);
    src.announce("bar.id", &lost, 100, false);
    src.announce(
        "bar.id",
        &carrier_zonefile(
            "bar.id",
            &[op(FQN, "bar.id", &address(&key(1)), 0, "v0", None)],
            &[1],
        ),
        101,
        true,
    );
    let mut ix = indexer();
    ix.index(&src).expect("index");
    (src, ix)
}

#[test]
fn pending_ignores_zone_files_the_parent_lists_as_missing() {
    let (src, mut ix) = an_excused_lost_row();
    let current = ix.lookup().current(FQN).expect("lookup").expect("found");
    assert_eq!(current.record.missing, [1]);
    assert!(!ix.lookup().pending(FQN).expect("pending"));

    // Another absent row of the parent, not listed, makes it pending.
    src.announce("bar.id", &carrier_zonefile("bar.id", &[], &[9]), 102, false);
    ix.index(&src).expect("index");
    assert!(ix.lookup().pending(FQN).expect("pending"));
    // Absent rows of other names do not matter.
    assert!(!ix.lookup().pending("x.other.id").expect("pending"));
}

#[test]
fn pending_reads_the_missing_list_of_the_domains_latest_record() {
    let (src, mut ix) = an_excused_lost_row();
    assert!(!ix.lookup().pending(FQN).expect("pending"));

    // A later record of the domain (another subdomain) lists nothing as missing: the lost
    // row is no longer excused, for every subdomain of the domain.
    src.announce(
        "bar.id",
        &carrier_zonefile(
            "bar.id",
            &[op("y.bar.id", "bar.id", &address(&key(1)), 0, "y0", None)],
            &[],
        ),
        102,
        true,
    );
    ix.index(&src).expect("index");
    assert!(ix.lookup().pending(FQN).expect("pending"));
    assert!(ix.lookup().pending("y.bar.id").expect("pending"));
}

#[test]
fn rows_below_the_first_block_are_never_decoded() {
    let a = key(1);
    let src = FakeSource::default();
    let early = carrier_zonefile(
        "bar.id",
        &[op(FQN, "bar.id", &address(&a), 0, "v0", None)],
        &[],
    );
    src.announce("bar.id", &early, 99, true);
    let absent_early = carrier_zonefile(
        "bar.id",
        &[op("gone.bar.id", "bar.id", &address(&a), 0, "x", None)],
        &[],
    );
    src.announce("bar.id", &absent_early, 99, false);
    let late = carrier_zonefile(
        "bar.id",
        &[op("late.bar.id", "bar.id", &address(&a), 0, "v0", None)],
        &[],
    );
    src.announce("bar.id", &late, 100, true);
    let mut ix = SubdomainIndexer::new(
        SubdomainDb::open_in_memory().expect("db"),
        IndexerConfig {
            first_block: 100,
            ..IndexerConfig::default()
        },
    );
    ix.index(&src).expect("index");
    assert!(ix.lookup().current(FQN).expect("lookup").is_none());
    assert!(ix
        .lookup()
        .current("late.bar.id")
        .expect("lookup")
        .is_some());
    // The absent early row is never decoded, even once it arrives, but it keeps the
    // parent's subdomains pending until then.
    assert!(ix.lookup().pending("late.bar.id").expect("pending"));
    src.deliver(&blockstack_zonefile::zonefile_hash(&absent_early));
    ix.index(&src).expect("index");
    assert!(ix
        .lookup()
        .current("gone.bar.id")
        .expect("lookup")
        .is_none());
    assert!(!ix.lookup().pending("late.bar.id").expect("pending"));
}

#[test]
fn an_unusable_carrier_zone_file_yields_nothing() {
    let a = key(1);
    let src = FakeSource::default();
    let mut text = String::from_utf8(carrier_zonefile(
        "bar.id",
        &[op(FQN, "bar.id", &address(&a), 0, "v0", None)],
        &[],
    ))
    .expect("utf8");
    // A string without '=' in another subdomain record loses the whole file (v0.18).
    text.push_str("other TXT \"owner=x\" \"seqn=0\" \"parts=0\" \"junk\"\n");
    src.announce("bar.id", text.as_bytes(), 100, true);
    // A carrier zone file under the wrong name yields nothing either.
    src.announce(
        "baz.id",
        &carrier_zonefile(
            "bar.id",
            &[op("x.bar.id", "bar.id", &address(&a), 0, "v0", None)],
            &[],
        ),
        101,
        true,
    );
    let mut ix = indexer();
    let report = ix.index(&src).expect("index");
    assert_eq!(report.zonefiles_decoded, 2);
    assert_eq!(report.records_stored, 0);
    assert!(ix.lookup().current(FQN).expect("lookup").is_none());
    assert_eq!(ix.lookup().stats().expect("stats").records, 0);
}

#[test]
fn an_interrupted_pass_leaves_no_partial_state_and_resumes() {
    let a = key(1);
    let src = FakeSource::default();
    let mut zonefiles = Vec::new();
    for seq in 0..6 {
        let signer = (seq > 0).then_some(&a);
        let zf = carrier_zonefile(
            "bar.id",
            &[op(
                FQN,
                "bar.id",
                &address(&a),
                seq,
                &format!("v{seq}"),
                signer,
            )],
            &[],
        );
        src.announce("bar.id", &zf, 100 + seq as u64, true);
        zonefiles.push(zf);
    }
    let config = IndexerConfig {
        first_block: 0,
        batch_rows: 2,
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("subdomains.db");
    {
        let mut ix = SubdomainIndexer::open(&path, config.clone()).expect("open");
        *src.fail_on.borrow_mut() = Some(blockstack_zonefile::zonefile_hash(&zonefiles[3]));
        let err = ix.index(&src).expect_err("the store fails");
        assert!(matches!(err, SubdomainError::Source(_)), "{err}");
        // The first batch (rows 1-2) committed; the failed one (rows 3-4) left nothing.
        assert_eq!(ix.cursor().expect("cursor"), 2);
        assert_eq!(verdicts(&ix, FQN), [(0, 1, true), (1, 2, true)]);
    }
    *src.fail_on.borrow_mut() = None;
    let mut ix = SubdomainIndexer::open(&path, config).expect("reopen");
    ix.index(&src).expect("resume");
    let resumed = verdicts(&ix, FQN);
    let mut clean = indexer();
    clean.index(&src).expect("clean run");
    assert_eq!(resumed, verdicts(&clean, FQN));
    assert_eq!(resumed.len(), 6);
    assert!(resumed.iter().all(|v| v.2));
}

#[test]
fn a_replaced_inventory_is_refused() {
    let a = key(1);
    let src = FakeSource::default();
    src.announce(
        "bar.id",
        &carrier_zonefile(
            "bar.id",
            &[op(FQN, "bar.id", &address(&a), 0, "v0", None)],
            &[],
        ),
        100,
        true,
    );
    let mut ix = indexer();
    ix.index(&src).expect("index");
    src.rows.borrow_mut()[0].txid = "ff".repeat(32);
    let err = ix.index(&src).expect_err("diverged");
    assert!(
        matches!(err, SubdomainError::Diverged { inv_index: 1, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("delete subdomains.db"));
}

#[test]
fn dids_count_an_owners_creations_in_chain_order() {
    let a = key(1);
    let src = FakeSource::default();
    let owner = address(&a);
    for (fqn, carrier, block) in [
        ("one.bar.id", "bar.id", 100),
        ("two.bar.id", "bar.id", 101),
        ("three.baz.id", "baz.id", 102),
    ] {
        src.announce(
            carrier,
            &carrier_zonefile(carrier, &[op(fqn, carrier, &owner, 0, fqn, None)], &[]),
            block,
            true,
        );
    }
    // Two creations in one zone file share an index, as in v0.18 (both count as "up to and
    // including this zone file").
    src.announce(
        "qux.id",
        &carrier_zonefile(
            "qux.id",
            &[
                op("four.qux.id", "qux.id", &owner, 0, "4", None),
                op("five.qux.id", "qux.id", &owner, 0, "5", None),
            ],
            &[],
        ),
        103,
        true,
    );
    let mut ix = indexer();
    ix.index(&src).expect("index");
    let lookup = ix.lookup();
    for (i, fqn) in ["one.bar.id", "two.bar.id", "three.baz.id"]
        .iter()
        .enumerate()
    {
        let info = lookup.did_info(fqn).expect("did").expect("found");
        assert_eq!(info.address, owner);
        assert_eq!(info.index, i as u64, "{fqn}");
        let did =
            make_subdomain_did(&info.address, info.index, AddressNetwork::Mainnet).expect("did");
        let (did_address, index) = did
            .strip_prefix("did:stack:v0:")
            .and_then(|r| r.rsplit_once('-'))
            .expect("shape");
        let back = subdomain_did_owner(did_address, AddressNetwork::Mainnet).expect("owner");
        let resolved = lookup
            .resolve_did(&back, index.parse().expect("index"))
            .expect("resolve")
            .expect("found");
        assert_eq!(resolved.record.fqn, *fqn);
    }
    for fqn in ["four.qux.id", "five.qux.id"] {
        assert_eq!(lookup.did_info(fqn).expect("did").expect("found").index, 4);
    }
    assert!(lookup.did_info("nosuch.bar.id").expect("did").is_none());
    assert!(lookup.resolve_did(&owner, 5).expect("resolve").is_none());
}
