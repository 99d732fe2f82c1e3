//! The §11.6 queries on a small hand-built state.
//!
//! Timeline (first block 100, every block in epoch 3 with multiplier 2 and grace 4):
//! * 100: reveal `ns` (lifetime 10), `inf` (infinite lifetime) and `rev` (never readied).
//! * 101: `ns` and `inf` ready.
//! * 102: preorders `pa`, `pb`, `pc` at vtxindex 1, 2, 3.
//! * 103: `a.ns` and `b.ns` registered by A (consuming `pa`, `pb`); `c.ns`, `d.ns` to C;
//!   `x.inf`; `r.rev` imported.
//! * 104: `a.ns` transferred to B (vtxindex 1); `b.ns` updated twice (vtxindex 2 and 3).
//! * 105: `d.ns` revoked.
//!
//! So in `ns`: L = 10 × 2 = 20, names registered at 103 have expire_block 123, renewal
//! deadline 127, and are alive through 127 (`last_renewed + L + G ≥ B`).

use blockstack_consensus::price::PriceFunction;
use blockstack_consensus::record::{CreationOp, NameOp, PreorderKind};
use blockstack_consensus::state::{HistoryEntry, HistoryState};
use blockstack_consensus::{
    AddressNetwork, BlockOutcome, NameRecord, NamespaceRecord, PreorderRecord, Rules,
};
use blockstack_namedb::{
    DidInfo, DidLookup, HistoricName, NameDb, NameLookup, Snapshot, SummaryLookup,
};
use serde_json::Value;

const A: &str = "addr-A";
const B: &str = "addr-B";
const C: &str = "addr-C";

fn rules() -> Rules {
    let mut r = Rules::test(100, AddressNetwork::Testnet);
    r.epochs[0].end_block = 0;
    r.epochs[1].end_block = 0;
    r.epochs[2].grace_period = 4;
    r
}

fn namespace(id: &str, lifetime: u32) -> NamespaceRecord {
    NamespaceRecord {
        namespace_id: id.into(),
        preorder_hash: format!("nspre-{id}"),
        version: 1,
        sender: "script-payer".into(),
        sender_pubkey: None,
        address: "addr-payer".into(),
        recipient: "script-revealer".into(),
        recipient_address: "addr-revealer".into(),
        block_number: 99,
        reveal_block: 100,
        ready_block: 0,
        ready: false,
        op_fee: 4_000_000,
        txid: format!("reveal-{id}"),
        vtxindex: 1,
        lifetime,
        price: PriceFunction {
            coeff: 10,
            base: 1,
            buckets: [0; 16],
            nonalpha_discount: 1,
            no_vowel_discount: 3,
        },
    }
}

fn name(fqn: &str, ns: &str, block: u64, vtxindex: u32, owner: &str) -> NameRecord {
    NameRecord {
        name: fqn.into(),
        preorder_hash: format!("pre-{fqn}"),
        name_hash128: format!("h128-{fqn}"),
        namespace_id: ns.into(),
        namespace_block_number: 99,
        value_hash: None,
        sender: format!("script-{owner}"),
        sender_pubkey: None,
        address: owner.into(),
        block_number: block - 1,
        preorder_block_number: block - 1,
        first_registered: block,
        last_renewed: block,
        revoked: false,
        op: NameOp::Registration,
        txid: format!("tx-{fqn}-{block}-{vtxindex}"),
        vtxindex,
        op_fee: 640_000.0,
        importer: None,
        importer_address: None,
        consensus_hash: None,
        last_creation_op: CreationOp::Preorder,
        update_consensus_hash: None,
    }
}

fn preorder(hash: &str, vtxindex: u32) -> PreorderRecord {
    PreorderRecord {
        preorder_hash: hash.into(),
        consensus_hash: "00".repeat(16),
        sender: format!("script-{A}"),
        sender_pubkey: None,
        address: A.into(),
        block_number: 102,
        kind: PreorderKind::Name,
        op_fee: 640_000,
        txid: format!("tx-preorder-{hash}"),
        vtxindex,
        burn_address: "burn".into(),
    }
}

/// `a.ns` as registered, with a zone file hash.
fn a_ns() -> NameRecord {
    NameRecord {
        value_hash: Some("11".repeat(20)),
        ..name("a.ns", "ns", 103, 1, A)
    }
}

struct Builder {
    db: NameDb,
    rules: Rules,
    next: u64,
}

impl Builder {
    fn block(&mut self, fill: impl FnOnce(&mut BlockOutcome)) {
        let h = self.next;
        let mut o = BlockOutcome {
            height: h,
            consensus_hash: format!("{h:032x}"),
            ops_hash: format!("{h:064x}"),
            ..BlockOutcome::default()
        };
        fill(&mut o);
        self.db
            .commit_block(&o, &format!("blockhash-{h}"))
            .expect("commit");
        self.next += 1;
    }

    fn advance_to(&mut self, h: u64) {
        while self.next <= h {
            self.block(|_| {});
        }
    }

    fn snap(&self) -> Snapshot<'_> {
        self.db.snapshot(&self.rules).expect("snapshot")
    }
}

fn put_name(o: &mut BlockOutcome, rec: NameRecord, creator: Option<&str>) {
    o.history.push(HistoryEntry {
        id: rec.name.clone(),
        block: o.height,
        vtxindex: rec.vtxindex,
        txid: rec.txid.clone(),
        op: rec.op.as_str().into(),
        creator_address: creator.map(String::from),
        state: HistoryState::Name(rec.clone()),
    });
    o.names.retain(|n| n.name != rec.name);
    o.names.push(rec);
}

fn put_namespace(o: &mut BlockOutcome, ns: NamespaceRecord, creator: Option<&str>) {
    o.history.push(HistoryEntry {
        id: ns.namespace_id.clone(),
        block: o.height,
        vtxindex: ns.vtxindex,
        txid: ns.txid.clone(),
        op: ns.op_str().into(),
        creator_address: creator.map(String::from),
        state: HistoryState::Namespace(ns.clone()),
    });
    o.namespaces.push(ns);
}

fn consume(o: &mut BlockOutcome, id: &str, p: &PreorderRecord) {
    o.history.push(HistoryEntry {
        id: id.into(),
        block: p.block_number,
        vtxindex: p.vtxindex,
        txid: p.txid.clone(),
        op: "?".into(),
        creator_address: None,
        state: HistoryState::Preorder(p.clone()),
    });
    o.consumed_preorders.push(p.preorder_hash.clone());
}

/// The state of the timeline, at block 105.
fn build() -> Builder {
    build_in(NameDb::open_in_memory().expect("open"))
}

/// [`build`] into `db`.
fn build_in(db: NameDb) -> Builder {
    let mut b = Builder {
        db,
        rules: rules(),
        next: 100,
    };
    let ns = namespace("ns", 10);
    let inf = namespace("inf", u32::MAX);
    let rev = namespace("rev", 10);
    b.block(|o| {
        put_namespace(o, ns.clone(), Some("addr-payer"));
        put_namespace(
            o,
            NamespaceRecord {
                txid: "reveal-inf".into(),
                vtxindex: 2,
                ..inf.clone()
            },
            None,
        );
        put_namespace(
            o,
            NamespaceRecord {
                txid: "reveal-rev".into(),
                vtxindex: 3,
                ..rev.clone()
            },
            None,
        );
    });
    b.block(|o| {
        for (ns, vtx) in [(&ns, 1), (&inf, 2)] {
            let ready = NamespaceRecord {
                ready: true,
                ready_block: 101,
                txid: format!("ready-{}", ns.namespace_id),
                vtxindex: vtx,
                ..ns.clone()
            };
            put_namespace(o, ready, None);
        }
    });
    b.block(|o| {
        o.new_preorders = vec![preorder("pa", 1), preorder("pb", 2), preorder("pc", 3)];
    });
    b.block(|o| {
        consume(o, "a.ns", &preorder("pa", 1));
        put_name(o, a_ns(), Some(A));
        consume(o, "b.ns", &preorder("pb", 2));
        put_name(o, name("b.ns", "ns", 103, 2, A), Some(A));
        put_name(o, name("c.ns", "ns", 103, 3, C), Some(C));
        put_name(o, name("d.ns", "ns", 103, 4, C), Some(C));
        put_name(o, name("x.inf", "inf", 103, 5, C), Some(C));
        let imported = NameRecord {
            op: NameOp::Import,
            last_creation_op: CreationOp::Import,
            op_fee: 33.333333333333336,
            importer: Some("script-revealer".into()),
            importer_address: Some("addr-revealer".into()),
            ..name("r.rev", "rev", 103, 6, C)
        };
        put_name(o, imported, Some(C));
    });
    b.block(|o| {
        let a = a_ns();
        let transferred = NameRecord {
            op: NameOp::TransferKeep,
            sender: format!("script-{B}"),
            address: B.into(),
            txid: "tx-transfer-a".into(),
            vtxindex: 1,
            ..a
        };
        put_name(o, transferred, None);
        let b0 = name("b.ns", "ns", 103, 2, A);
        for (vtx, hash) in [(2u32, "22"), (3, "33")] {
            let updated = NameRecord {
                op: NameOp::Update,
                value_hash: Some(hash.repeat(20)),
                consensus_hash: Some("ab".repeat(16)),
                txid: format!("tx-update-b-{vtx}"),
                vtxindex: vtx,
                ..b0.clone()
            };
            put_name(o, updated, None);
        }
    });
    b.block(|o| {
        let revoked = NameRecord {
            op: NameOp::Revoke,
            revoked: true,
            txid: "tx-revoke-d".into(),
            vtxindex: 1,
            ..name("d.ns", "ns", 103, 4, C)
        };
        put_name(o, revoked, None);
    });
    b
}

fn found(l: NameLookup) -> blockstack_namedb::NameRecordView {
    match l {
        NameLookup::Found(v) => *v,
        other => panic!("expected a record, got {other:?}"),
    }
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn ops_of(states: &[serde_json::Map<String, Value>]) -> Vec<(String, u64)> {
    states
        .iter()
        .map(|s| {
            (
                s["op"].as_str().unwrap_or_default().to_string(),
                s["vtxindex"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn expiry_fields_at_their_boundaries() {
    let mut b = build();
    b.advance_to(122);
    let rec = found(b.snap().name_record("a.ns").expect("query"));
    assert_eq!(rec.deadlines.expire_block, 123);
    assert_eq!(rec.deadlines.renewal_deadline, 127);
    assert!(!rec.deadlines.expired, "not expired at 122");
    let json = serde_json::to_value(&rec).expect("json");
    assert_eq!(json["expire_block"], 123);
    assert_eq!(json["expired"], false);
    assert_eq!(json["opcode"], "NAME_TRANSFER");
    assert_eq!(json["keep_data"], true);
    assert_eq!(json["op_fee"], 640000);
    assert!(json.get("last_creation_op").is_none());

    b.advance_to(123);
    assert!(
        found(b.snap().name_record("a.ns").expect("query"))
            .deadlines
            .expired
    );

    // In the grace period the name is expired but still listed.
    b.advance_to(127);
    let s = b.snap();
    assert!(s
        .all_names(0, 100)
        .expect("names")
        .contains(&"a.ns".to_string()));
    assert_eq!(s.num_names().expect("count"), 6);
    drop(s);

    b.advance_to(128);
    let s = b.snap();
    assert_eq!(
        s.all_names(0, 100).expect("names"),
        strs(&["r.rev", "x.inf"])
    );
    assert_eq!(s.num_names().expect("count"), 2);
    assert_eq!(s.num_names_cumulative().expect("count"), 6);
    assert_eq!(s.all_names_cumulative(0, 100).expect("names").len(), 6);
    // The record itself is returned whatever its expiry.
    assert_eq!(
        found(s.name_record("a.ns").expect("query"))
            .deadlines
            .expire_block,
        123
    );

    // Infinite lifetime, and a namespace that is only revealed: −1.
    for n in ["x.inf", "r.rev"] {
        let d = found(s.name_record(n).expect("query")).deadlines;
        assert_eq!(
            (d.expire_block, d.renewal_deadline, d.expired),
            (-1, -1, false),
            "{n}"
        );
    }
    let imported =
        serde_json::to_value(found(s.name_record("r.rev").expect("query"))).expect("json");
    assert_eq!(
        imported["op_fee"], 33.333333333333336,
        "imports keep a float fee"
    );
    assert_eq!(s.name_record("zz.ns").expect("query"), NameLookup::NotFound);
    drop(s);

    // The reveal of `rev` expires at 100 + 144: its names lose their namespace.
    b.advance_to(243);
    assert!(b.snap().namespace_record("rev").expect("query").is_some());
    b.advance_to(244);
    let s = b.snap();
    assert!(s.namespace_record("rev").expect("query").is_none());
    assert_eq!(
        s.name_record("r.rev").expect("query"),
        NameLookup::NamespaceMissing
    );
    assert_eq!(s.all_names(0, 100).expect("names"), strs(&["x.inf"]));
}

/// The one-statement lookup of `GET /v1/names/{name}` answers as the snapshot does, for every
/// kind of name (transferred, updated, revoked, imported, infinite, missing) across the
/// timeline's expiry and reveal boundaries.
#[test]
fn name_summary_agrees_with_the_snapshot_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("names.db");
    let mut b = build_in(NameDb::open(&path).expect("open"));
    let names = ["a.ns", "b.ns", "c.ns", "d.ns", "x.inf", "r.rev", "zz.ns"];
    let mut kinds = std::collections::BTreeSet::new();
    for height in [105, 122, 123, 127, 128, 243, 244] {
        b.advance_to(height);
        let reader = NameDb::open_read_only(&path).expect("read-only");
        let snap = reader.snapshot(&b.rules).expect("snapshot");
        let last = snap.last_block().expect("blocks committed");
        let expected: Vec<_> = names
            .iter()
            .map(|n| snap.name_record(n).expect("record"))
            .collect();
        drop(snap);
        for (n, want) in names.iter().zip(expected) {
            let got = reader.name_summary(&b.rules, n).expect("summary");
            match (want, got) {
                (NameLookup::NotFound, SummaryLookup::NotFound) => kinds.insert("not found"),
                (NameLookup::NamespaceMissing, SummaryLookup::NamespaceMissing) => {
                    kinds.insert("namespace missing")
                }
                (NameLookup::Found(view), SummaryLookup::Found(summary)) => {
                    let rec = &view.record;
                    assert_eq!(summary.address, rec.address, "{n} at {height}");
                    assert_eq!(summary.txid, rec.txid, "{n} at {height}");
                    assert_eq!(summary.revoked, rec.revoked, "{n} at {height}");
                    assert_eq!(summary.value_hash, rec.value_hash, "{n} at {height}");
                    assert_eq!(summary.deadlines, view.deadlines, "{n} at {height}");
                    assert_eq!(summary.lastblock, last, "{n} at {height}");
                    kinds.insert(if view.deadlines.expired {
                        "expired"
                    } else {
                        "live"
                    })
                }
                (want, got) => panic!("{n} at {height}: snapshot {want:?}, summary {got:?}"),
            };
        }
    }
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["expired", "live", "namespace missing", "not found"],
        "every kind of answer was compared"
    );
}

#[test]
fn paging_and_counts() {
    let b = build();
    let s = b.snap();
    assert_eq!(s.all_names(0, 2).expect("page"), strs(&["a.ns", "b.ns"]));
    assert_eq!(s.all_names(2, 2).expect("page"), strs(&["c.ns", "d.ns"]));
    assert_eq!(s.all_names(4, 10).expect("page"), strs(&["r.rev", "x.inf"]));
    assert!(s.all_names(6, 10).expect("page").is_empty());
    assert!(s.all_names(0, 0).expect("page").is_empty());
    assert_eq!(
        s.names_in_namespace("ns", 1, 2).expect("page"),
        strs(&["b.ns", "c.ns"])
    );
    assert_eq!(
        s.names_in_namespace("ns", 3, 100).expect("page"),
        strs(&["d.ns"])
    );
    assert_eq!(
        s.num_names_in_namespace("ns").expect("count"),
        4,
        "revoked names count"
    );
    assert_eq!(s.num_names_in_namespace("nope").expect("count"), 0);
    assert_eq!(s.num_names().expect("count"), 6);
    // In the order of their first reveal (`ns` at vtxindex 1, `inf` at 2), not by ID.
    assert_eq!(s.namespace_ids().expect("ids"), strs(&["ns", "inf"]));
    assert_eq!(s.num_namespaces().expect("count"), 2);
    assert_eq!(s.num_namespaces_cumulative().expect("count"), 3);
}

#[test]
fn names_by_address_follow_transfers_and_skip_revoked_names() {
    let b = build();
    let s = b.snap();
    assert_eq!(s.names_owned_by_address(A).expect("names"), strs(&["b.ns"]));
    assert_eq!(s.names_owned_by_address(B).expect("names"), strs(&["a.ns"]));
    assert_eq!(
        s.names_owned_by_address(C).expect("names"),
        strs(&["c.ns", "r.rev", "x.inf"])
    );
    assert!(s
        .names_owned_by_address("addr-nobody")
        .expect("names")
        .is_empty());
}

#[test]
fn ops_at_a_block_include_consumed_preorders_and_page_across_both_lists() {
    let b = build();
    let s = b.snap();
    // 102: `pc` is outstanding; `pa` and `pb` were consumed at 103 and filed under 102.
    let at_102 = s.nameops_at(102, 0, 10).expect("ops");
    let hashes: Vec<&str> = at_102
        .iter()
        .map(|o| o["preorder_hash"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(hashes, ["pc", "pa", "pb"]);
    assert!(at_102.iter().all(|o| o["opcode"] == "NAME_PREORDER"));
    assert_eq!(s.num_nameops_at(102).expect("count"), 3);
    let page = |o, c| {
        s.nameops_at(102, o, c)
            .expect("ops")
            .iter()
            .map(|x| x["preorder_hash"].as_str().unwrap_or_default().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(page(0, 1), strs(&["pc"]));
    assert_eq!(page(1, 2), strs(&["pa", "pb"]));
    assert_eq!(page(2, 5), strs(&["pb"]));
    assert!(page(3, 5).is_empty());

    let at_104 = s.nameops_at(104, 0, 10).expect("ops");
    assert_eq!(
        ops_of(&at_104),
        [(">>".into(), 1), ("+".into(), 2), ("+".into(), 3)]
    );
    assert_eq!(
        at_104[1]["name_consensus_hash"].as_str().map(str::len),
        Some(32)
    );
    assert_eq!(s.num_nameops_at(103).expect("count"), 6);
    assert_eq!(s.num_nameops_at(150).expect("count"), 0);
    assert!(s.nameops_at(150, 0, 10).expect("ops").is_empty());
}

#[test]
fn name_at_a_block_and_history() {
    let b = build();
    let s = b.snap();
    let at = |n: &str, h| s.name_at(n, h).expect("query").map(|v| ops_of(&v));
    assert_eq!(
        at("b.ns", 104),
        Some(vec![("+".into(), 3), ("+".into(), 2)]),
        "newest first"
    );
    assert_eq!(at("b.ns", 103), Some(vec![(":".into(), 2)]));
    assert_eq!(
        at("b.ns", 110),
        Some(vec![("+".into(), 3)]),
        "the latest state before"
    );
    assert_eq!(
        at("a.ns", 102),
        Some(vec![("?".into(), 1)]),
        "the preorder, before registration"
    );
    // Not alive at 128 (epochs of 128): only the historic variant answers.
    assert_eq!(at("a.ns", 128), None);
    assert_eq!(
        s.historic_name_at("a.ns", 128)
            .expect("query")
            .map(|v| ops_of(&v)),
        Some(vec![(">>".into(), 1)])
    );
    assert_eq!(at("a.ns", 127), Some(vec![(">>".into(), 1)]));
    assert_eq!(at("zz.ns", 104), None);
    assert_eq!(s.historic_name_at("a.ns", 50).expect("query"), None);

    let h = s.history("b.ns").expect("history");
    assert_eq!(h.keys().copied().collect::<Vec<_>>(), [102, 103, 104]);
    assert_eq!(ops_of(&h[&104]), [("+".into(), 2), ("+".into(), 3)]);
    assert_eq!(h[&102][0]["opcode"], "NAME_PREORDER");
    // A registration's state holds the op's fields only; later ops overlay the stored row.
    assert_eq!(h[&103][0]["opcode"], "NAME_REGISTRATION");
    assert!(h[&103][0].get("name_hash128").is_none());
    assert!(h[&103][0].get("namespace_id").is_none());
    assert_eq!(h[&104][0]["opcode"], "NAME_UPDATE");
    assert!(h[&104][0].get("name_hash128").is_some());
    assert_eq!(h[&104][0]["namespace_id"], "ns");
    assert_eq!(
        s.name_history_blocks("b.ns").expect("blocks"),
        [102, 103, 104]
    );
    assert!(s.name_history_blocks("zz.ns").expect("blocks").is_empty());
    let ns_hist = s.history("ns").expect("history");
    assert_eq!(
        ns_hist[&100][0]["buckets"],
        serde_json::Value::from(vec![0u8; 16])
    );
    assert_eq!(ns_hist[&101][0]["opcode"], "NAMESPACE_READY");
}

#[test]
fn namespace_records_and_prices() {
    let b = build();
    let s = b.snap();
    let rev = serde_json::to_value(s.namespace_record("rev").expect("query").expect("revealed"))
        .expect("json");
    assert_eq!(rev["ready"], false);
    assert_eq!(rev["opcode"], "NAMESPACE_REVEAL");
    assert_eq!(
        rev["buckets"],
        "[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]"
    );
    let ns = serde_json::to_value(s.namespace_record("ns").expect("query").expect("ready"))
        .expect("json");
    assert_eq!(ns["ready"], true);
    assert_eq!(ns["ready_block"], 101);
    assert!(s.namespace_record("nope").expect("query").is_none());

    // 10 × 1⁰ / 3 (no vowel) × 100 × 0.1 = 33.33…, reported rounded up.
    assert_eq!(s.name_cost("bcd.ns").expect("cost"), Some(34.0));
    assert_eq!(s.name_cost("abc.ns").expect("cost"), Some(100.0));
    assert_eq!(
        s.name_cost("bcd.rev").expect("cost"),
        Some(34.0),
        "revealed namespaces price"
    );
    assert_eq!(s.name_cost("bcd.nope").expect("cost"), None);
    let c = s.namespace_cost("ns").expect("cost");
    assert_eq!((c.satoshis, c.exists), (400_000_000.0, true));
    let c = s.namespace_cost("rev").expect("cost");
    assert!(!c.exists, "only ready namespaces exist for the warning");
    assert_eq!(
        s.namespace_cost("abcdefghi").expect("cost").satoshis,
        4_000_000.0
    );
}

#[test]
fn dids_resolve_through_creator_addresses() {
    let b = build();
    let s = b.snap();
    let did = |n: &str| s.name_did(n).expect("query");
    let info = |a: &str, i| {
        Some(DidInfo {
            address: a.into(),
            index: i,
        })
    };
    assert_eq!(did("a.ns"), info(A, 0));
    assert_eq!(did("b.ns"), info(A, 1));
    assert_eq!(did("d.ns"), info(C, 1));
    assert_eq!(did("zz.ns"), None);
    assert_eq!(s.num_historic_names_by_address(A).expect("count"), 2);
    assert_eq!(
        s.historic_names_by_address(A, 1, 10).expect("names"),
        [HistoricName {
            name: "b.ns".into(),
            block_id: 103,
            vtxindex: 2
        }]
    );
    // Reveal rows carry a creator address too, but are not names.
    assert_eq!(
        s.num_historic_names_by_address("addr-payer")
            .expect("count"),
        0
    );

    match s.did_record(A, 0).expect("query") {
        DidLookup::Found(v) => {
            assert_eq!(v.state["address"], B, "the latest state of the incarnation");
            assert_eq!(v.deadlines.expire_block, 123);
            let json = serde_json::to_value(&v).expect("json");
            assert!(json.get("last_creation_op").is_none());
            assert_eq!(json["renewal_deadline"], 127);
        }
        other => panic!("expected a record, got {other:?}"),
    }
    assert_eq!(s.did_record(C, 1).expect("query"), DidLookup::Revoked);
    assert_eq!(s.did_record(A, 2).expect("query"), DidLookup::NotFound);
}

#[test]
fn zone_file_hashes_announced_at_a_block() {
    let b = build();
    let s = b.snap();
    let at = |h| {
        s.zonefile_info_at(h)
            .expect("query")
            .into_iter()
            .map(|z| (z.name, z.value_hash, z.txid))
            .collect::<Vec<_>>()
    };
    // The registration of a.ns carries a hash; the other registrations carry none.
    assert_eq!(
        at(103),
        [("a.ns".into(), "11".repeat(20), "tx-a.ns-103-1".into())]
    );
    // The transfer of a.ns keeps its hash but never announces it; both updates do.
    assert_eq!(
        at(104),
        [
            ("b.ns".into(), "22".repeat(20), "tx-update-b-2".into()),
            ("b.ns".into(), "33".repeat(20), "tx-update-b-3".into()),
        ]
    );
    assert!(
        at(102).is_empty(),
        "consumed preorders are not zone file announcements"
    );
}

#[test]
fn per_block_values() {
    let b = build();
    let s = b.snap();
    assert_eq!(s.last_block(), Some(105));
    assert_eq!(
        s.consensus_hash_at(103).expect("query"),
        Some(format!("{:032x}", 103))
    );
    assert_eq!(s.consensus_hash_at(106).expect("query"), None);
    assert_eq!(
        s.block_of_consensus_hash(&format!("{:032x}", 104))
            .expect("query"),
        Some(104)
    );
    assert_eq!(
        s.block_of_consensus_hash(&"ff".repeat(16)).expect("query"),
        None
    );
    // The four blocks before the first block (100) hold the genesis hash, which names the
    // block just before the first.
    let genesis = blockstack_consensus::rules::GENESIS_CONSENSUS_HASH;
    for h in 96..100 {
        assert_eq!(
            s.consensus_hash_at(h).expect("query").as_deref(),
            Some(genesis),
            "block {h}"
        );
    }
    assert_eq!(s.consensus_hash_at(95).expect("query"), None);
    assert_eq!(s.block_of_consensus_hash(genesis).expect("query"), Some(99));
    assert_eq!(s.ops_hash_at(99).expect("query"), None);
    assert_eq!(
        s.ops_hash_at(101).expect("query"),
        Some(format!("{:064x}", 101))
    );
    assert_eq!(
        s.block_hash_at(102).expect("query").as_deref(),
        Some("blockhash-102")
    );
    assert_eq!(
        b.db.consensus_hash(105).expect("query"),
        Some(format!("{:032x}", 105))
    );
    assert_eq!(
        b.db.block_hash(100).expect("query").as_deref(),
        Some("blockhash-100")
    );
    assert_eq!(b.db.last_block().expect("query"), Some(105));
}
