//! A stored value this crate would not have written is an error, never a panic and never a
//! silent "not found": the processor must not validate a block against a failed read.

use blockstack_consensus::address::ScriptType;
use blockstack_consensus::op::Sender;
use blockstack_consensus::{AddressNetwork, BlockOutcome, OpKind, ParsedOp, Rules, StateView};
use blockstack_namedb::{NameDb, NameDbError};

#[test]
fn a_corrupt_row_fails_the_view_and_the_queries() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("names.db");
    let rules = Rules::test(1, AddressNetwork::Testnet);
    {
        let mut db = NameDb::open(&path).expect("open");
        let block = BlockOutcome {
            height: 1,
            consensus_hash: "00".repeat(16),
            ops_hash: "00".repeat(32),
            ..BlockOutcome::default()
        };
        db.commit_block(&block, "h1").expect("commit");
    }
    // Written behind the crate's back: a namespace whose buckets are not 16 exponents.
    rusqlite::Connection::open(&path)
        .and_then(|c| {
            c.execute_batch(
                "INSERT INTO namespaces VALUES ('bad', 'p', 1, 's', NULL, 'a', 'r', 'ra', 1, 1, \
                 0, '&', 1, 't', 1, 10, 1, 1, '[1, 2, 3]', 1, 1);",
            )
        })
        .expect("tamper");

    let db = NameDb::open(&path).expect("open");
    let view = db.view();
    assert!(view.namespace("bad").is_none());
    assert!(view.namespace("other").is_none());
    match view.finish() {
        Err(NameDbError::Sqlite { context, source }) => {
            assert_eq!(context, "looking up a namespace");
            assert!(source.to_string().contains("unexpected value"), "{source}");
        }
        other => panic!("expected the lookup error, got {other:?}"),
    }
    // The processor refuses an outcome computed from a failed lookup.
    let ready = |id: &str| ParsedOp {
        txid: "aa".repeat(32),
        vtxindex: 1,
        sender: Sender {
            script: "76a914".to_string() + &"00".repeat(20) + "88ac",
            address: "addr".into(),
            script_type: ScriptType::PubKeyHash,
        },
        sender_pubkey: None,
        kind: OpKind::NamespaceReady {
            namespace_id: id.into(),
        },
    };
    assert!(db.process_block(&rules, 2, vec![ready("bad")]).is_err());
    let fine = db
        .process_block(&rules, 2, vec![ready("other")])
        .expect("process");
    assert_eq!(
        fine.rejected.len(),
        1,
        "an unknown namespace is a rejection, not an error"
    );

    let snap = db.snapshot(&rules).expect("snapshot");
    assert!(snap.namespace_record("bad").is_err());
    assert!(snap.namespace_rows().is_err());
    assert!(snap.namespace_record("other").expect("query").is_none());
}
