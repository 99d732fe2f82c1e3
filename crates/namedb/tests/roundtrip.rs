//! Name rows round-trip exactly through the table and through the undo log, whatever their
//! optional fields and however fractional an imported name's fee.

use blockstack_consensus::price::PriceFunction;
use blockstack_consensus::record::{CreationOp, NameOp};
use blockstack_consensus::{BlockOutcome, NameRecord, NamespaceRecord, Rules};
use blockstack_namedb::NameDb;
use proptest::prelude::*;

fn namespace() -> NamespaceRecord {
    NamespaceRecord {
        namespace_id: "test".into(),
        preorder_hash: "11".repeat(20),
        version: 2,
        sender: "76a9".into(),
        sender_pubkey: Some("02aa".into()),
        address: "addr".into(),
        recipient: "76a9bb".into(),
        recipient_address: "raddr".into(),
        block_number: 1,
        reveal_block: 1,
        ready_block: 0,
        ready: false,
        op_fee: 40_000_000,
        txid: "ab".repeat(32),
        vtxindex: 7,
        lifetime: u32::MAX,
        price: PriceFunction {
            coeff: 255,
            base: 255,
            buckets: [15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
            nonalpha_discount: 255,
            no_vowel_discount: 1,
        },
    }
}

fn opt_hex() -> impl Strategy<Value = Option<String>> {
    proptest::option::of("[0-9a-f]{0,66}")
}

prop_compose! {
    fn name_record()(
        op in prop::sample::select(vec![
            NameOp::Registration, NameOp::Renewal, NameOp::Update, NameOp::TransferKeep,
            NameOp::TransferClear, NameOp::Revoke, NameOp::Import,
        ]),
        creation in prop::sample::select(vec![CreationOp::Preorder, CreationOp::Import]),
        op_fee in prop_oneof![0.0..1e40f64, (0u64..1 << 53).prop_map(|v| v as f64)],
        value_hash in opt_hex(),
        sender_pubkey in opt_hex(),
        importer in opt_hex(),
        importer_address in proptest::option::of("[1-9A-Za-z]{26,35}"),
        consensus_hash in opt_hex(),
        update_consensus_hash in opt_hex(),
        revoked in any::<bool>(),
        heights in prop::array::uniform5(0u64..i64::MAX as u64),
        vtxindex in any::<u32>(),
        sender in "[0-9a-f]{0,100}",
    ) -> NameRecord {
        NameRecord {
            name: "x.test".into(),
            preorder_hash: "22".repeat(20),
            name_hash128: "33".repeat(16),
            namespace_id: "test".into(),
            namespace_block_number: heights[0],
            value_hash,
            sender,
            sender_pubkey,
            address: "mjjWPCACZvF2G67wjKhkbYnjF65PohdsHE".into(),
            block_number: heights[1],
            preorder_block_number: heights[2],
            first_registered: heights[3],
            last_renewed: heights[4],
            revoked,
            op,
            txid: "44".repeat(32),
            vtxindex,
            op_fee,
            importer,
            importer_address,
            consensus_hash,
            last_creation_op: creation,
            update_consensus_hash,
        }
    }
}

fn block(height: u64, names: Vec<NameRecord>, namespaces: Vec<NamespaceRecord>) -> BlockOutcome {
    BlockOutcome {
        height,
        names,
        namespaces,
        consensus_hash: format!("{height:032x}"),
        ops_hash: "00".repeat(32),
        ..BlockOutcome::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn name_rows_round_trip_through_the_table_and_the_undo_log(
        first in name_record(),
        second in name_record(),
    ) {
        let rules = Rules::mainnet();
        let mut db = NameDb::open_in_memory().expect("open");
        db.commit_block(&block(1, vec![first.clone()], vec![namespace()]), "h1").expect("commit");
        prop_assert_eq!(db.snapshot(&rules).expect("snap").name_row("x.test").expect("row"), Some(first.clone()));
        db.commit_block(&block(2, vec![second.clone()], vec![]), "h2").expect("commit");
        prop_assert_eq!(db.snapshot(&rules).expect("snap").name_row("x.test").expect("row"), Some(second));
        db.rollback_to(1).expect("rollback");
        let snap = db.snapshot(&rules).expect("snap");
        prop_assert_eq!(snap.name_row("x.test").expect("row"), Some(first));
        prop_assert_eq!(snap.namespace_row("test").expect("row"), Some(namespace()));
    }
}
