//! Real BNS transactions from the Bitcoin testnet: a NAME_UPDATE with three single-sig inputs
//! and a NAME_REVOKE from a 2-of-3 multisig owner (fixtures/real-txs.tsv).

use std::path::PathBuf;

use bitcoin::consensus::deserialize;
use bitcoin::{Amount, ScriptBuf, Transaction, TxOut};
use blockstack_consensus::op::{OpKind, Opcode};
use blockstack_consensus::{parse_transaction, AddressNetwork, Rules};

fn fixture(txid: &str) -> (Transaction, TxOut) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/real-txs.tsv");
    let text = std::fs::read_to_string(path).expect("fixture file");
    let line = text
        .lines()
        .find(|l| l.starts_with(txid))
        .expect("fixture present");
    let cols: Vec<&str> = line.split('\t').collect();
    let tx: Transaction = deserialize(&hex::decode(cols[2]).expect("hex")).expect("tx");
    let prevout = TxOut {
        value: Amount::from_sat(100_000),
        script_pubkey: ScriptBuf::from_bytes(hex::decode(cols[1]).expect("hex")),
    };
    (tx, prevout)
}

fn testnet() -> Rules {
    let mut rules = Rules::mainnet();
    rules.network = AddressNetwork::Testnet;
    rules
}

#[test]
fn name_update_185c11_parses_with_its_payload_and_uncompressed_sender_key() {
    let (tx, prevout) = fixture("185c112401590b11acdfea6bb26d2a8e37cb31f24a0c89dbb8cc14b3d6271fb1");
    let op = parse_transaction(&tx, 4, Some(&prevout), &testnet(), 500_000).expect("a BNS op");
    assert_eq!(
        op.txid,
        "185c112401590b11acdfea6bb26d2a8e37cb31f24a0c89dbb8cc14b3d6271fb1"
    );
    assert_eq!(op.opcode(), Opcode::NameUpdate);
    assert_eq!(
        op.kind,
        OpKind::NameUpdate {
            name_consensus_hash: "fae543ff5672fb607fe15e16b1c3ef38".into(),
            value_hash: "737c631c7c5d911c6617993c21fba731363f1cfe".into(),
        }
    );
    assert_eq!(
        op.sender.script,
        "76a914395f3643cea07ec4eec73b4d9a973dcce56b9bf188ac"
    );
    assert_eq!(op.sender.address, "mkkJsS22dnDJhD8duFkpGnHNr9uz3JEcWu");
    assert_eq!(
        op.sender_pubkey.as_deref(),
        Some("040fadbbcea0ff3b05f03195b41cd991d7a0af8bd38559943aec99cbdaf0b22cc806b9a4f07579934774cc0c155e781d45c989f94336765e88a66d91cfb9f060b0")
    );
}

#[test]
fn name_revoke_eb2e84_from_a_multisig_owner_has_no_sender_key() {
    let (tx, prevout) = fixture("eb2e84a45cf411e528185a98cd5fb45ed349843a83d39fd4dff2de47adad8c8f");
    let op = parse_transaction(&tx, 4, Some(&prevout), &testnet(), 500_000).expect("a BNS op");
    assert_eq!(
        op.txid,
        "eb2e84a45cf411e528185a98cd5fb45ed349843a83d39fd4dff2de47adad8c8f"
    );
    assert_eq!(
        op.kind,
        OpKind::NameRevoke {
            name: "patrickstanley2.id".into()
        }
    );
    assert_eq!(
        op.sender.script,
        "a914eb1881fb0682c2eb37e478bf918525a2c61bc40487"
    );
    assert!(
        op.sender.address.starts_with('2'),
        "p2sh testnet address: {}",
        op.sender.address
    );
    assert_eq!(op.sender_pubkey, None);
}

#[test]
fn without_the_sender_prevout_no_op_is_produced() {
    let (tx, _) = fixture("185c112401590b11acdfea6bb26d2a8e37cb31f24a0c89dbb8cc14b3d6271fb1");
    assert!(parse_transaction(&tx, 4, None, &testnet(), 500_000).is_err());
}
