//! NAME_UPDATE (spec §9.5), NAME_TRANSFER (spec §9.6) and NAME_REVOKE (spec §9.7): every parse
//! and validation rule, each with the minimal chain where it alone decides, plus the accepted
//! counterpart. Expiry and grace windows are in `expiry.rs`.

mod support;

use blockstack_consensus::record::NameOp;
use blockstack_consensus::ParseError;
use support::*;

/// `.test` ready and `foo.test` registered to A.
fn registered_foo() -> (TestChain, Party) {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    chain.register("foo.test", &a);
    (chain, a)
}

/// `.test` revealed (not ready) with `imported.test` imported to A.
fn imported_before_ready() -> (TestChain, Party, NsSpec) {
    let mut chain = TestChain::epoch3();
    let spec = NsSpec::new("test", test_price(), 52595);
    chain.preorder_namespace(&spec);
    chain.reveal_namespace(&spec);
    let (v, a) = (chain.revealer.clone(), alice());
    chain.mine_ok(vec![name_import_tx(&v, "imported.test", &a, [0x33; 20])]);
    (chain, a, spec)
}

/// `.cheap` revealed, `count` names imported to C, then READY.
fn importer_of(count: usize) -> (TestChain, Party, Vec<String>) {
    let mut chain = TestChain::epoch3();
    let spec = NsSpec::new("cheap", cheap_price(), 52595);
    chain.preorder_namespace(&spec);
    chain.reveal_namespace(&spec);
    let (v, c) = (chain.revealer.clone(), carol());
    let all = names("c", count, "cheap");
    chain.mine_ok(
        all.iter()
            .map(|n| name_import_tx(&v, n, &c, [0x33; 20]))
            .collect(),
    );
    chain.ready_namespace("cheap");
    (chain, c, all)
}

// ---- NAME_UPDATE -------------------------------------------------------------------------

/// §9.5: the payload must be exactly 36 bytes.
#[test]
fn an_update_payload_of_35_bytes_is_ignored() {
    let (mut chain, a) = registered_foo();
    let good = name_update_tx(&a, "foo.test", &chain.ch(), [0x22; 20]);
    let data = good.tx.output[0].script_pubkey.as_bytes()[2..].to_vec();
    let tx = good
        .clone()
        .with_output_at(0, op_return(&data[..data.len() - 1]), 0);
    assert!(matches!(
        chain.mine_ignored(tx),
        ParseError::PayloadLength { .. }
    ));
    chain.mine_accepted(name_update_tx(&a, "foo.test", &chain.ch(), [0x22; 20]));
}

/// §9.5 effect: the value hash and the matched consensus hash are stored; the key stays.
#[test]
fn an_update_sets_the_value_hash_and_records_the_matched_consensus_hash() {
    let (mut chain, a) = registered_foo();
    chain.mine_to(chain.tip + 5);
    let ch = chain.consensus_hash(chain.tip - 3);
    let before = chain.name("foo.test");
    let m = chain.mine_accepted(name_update_tx(&a, "foo.test", &ch, [0x22; 20]));
    let rec = name_record(m.record(1));
    assert_eq!(rec.value_hash.as_deref(), Some("22".repeat(20).as_str()));
    assert_eq!(rec.consensus_hash.as_deref(), Some(ch.as_str()));
    assert_eq!(rec.op, NameOp::Update);
    assert_eq!(rec.sender_pubkey, before.sender_pubkey);
    assert_eq!(rec.last_renewed, before.last_renewed);
}

/// §9.5 step 2, §13.10: the name-consensus hash may be built over block N − 24.
#[test]
fn an_update_over_the_consensus_hash_of_block_n_minus_24_is_accepted() {
    let (mut chain, a) = registered_foo();
    chain.mine_to(150);
    let ch = chain.consensus_hash(151 - 24);
    chain.mine_accepted(name_update_tx(&a, "foo.test", &ch, [0x22; 20]));
}

/// §9.5 step 2, §13.10: over block N − 25 no name matches.
#[test]
fn an_update_over_the_consensus_hash_of_block_n_minus_25_is_rejected() {
    let (mut chain, a) = registered_foo();
    chain.mine_to(150);
    let ch = chain.consensus_hash(151 - 25);
    chain.mine_rejected(name_update_tx(&a, "foo.test", &ch, [0x22; 20]), "matches");
}

/// §9.5 step 2: the name is searched only among the sender's names.
#[test]
fn an_update_by_someone_other_than_the_owner_is_rejected() {
    let (mut chain, _) = registered_foo();
    chain.mine_rejected(
        name_update_tx(&bob(), "foo.test", &chain.ch(), [0x22; 20]),
        "matches",
    );
}

/// §9.5 steps 2 and 5: a revoked name is not among the sender's names.
#[test]
fn an_update_of_a_revoked_name_is_rejected() {
    let (mut chain, a) = registered_foo();
    chain.mine_ok(vec![name_revoke_tx(&a, "foo.test")]);
    chain.mine_rejected(
        name_update_tx(&a, "foo.test", &chain.ch(), [0x22; 20]),
        "matches",
    );
}

/// §9.5 step 4: an imported name cannot be updated before its namespace is ready.
#[test]
fn an_update_of_an_imported_name_before_ready_is_rejected() {
    let (mut chain, a, _) = imported_before_ready();
    chain.mine_rejected(
        name_update_tx(&a, "imported.test", &chain.ch(), [0x44; 20]),
        "not ready",
    );
    chain.ready_namespace("test");
    chain.mine_accepted(name_update_tx(&a, "imported.test", &chain.ch(), [0x44; 20]));
}

/// §9.5 step 1, §13.13: a sender owning more than 25 names cannot update.
#[test]
fn an_owner_of_26_names_cannot_update() {
    let (mut chain, c, all) = importer_of(26);
    chain.mine_rejected(
        name_update_tx(&c, &all[0], &chain.ch(), [0x44; 20]),
        "more than",
    );
}

/// §9.5 step 1, §13.13: exactly 25 names is still allowed for an update (spec §12.8 block 163).
#[test]
fn an_owner_of_exactly_25_names_can_update() {
    let (mut chain, c, all) = importer_of(25);
    chain.mine_accepted(name_update_tx(&c, &all[0], &chain.ch(), [0x44; 20]));
}

// ---- NAME_TRANSFER -----------------------------------------------------------------------

fn transfer_foo(chain: &TestChain, from: &Party, to: &Party) -> ChainTx {
    name_transfer_tx(from, "foo.test", to, true, &chain.ch())
}

/// §9.6: the payload must be exactly 33 bytes.
#[test]
fn a_transfer_payload_of_32_bytes_is_ignored() {
    let (mut chain, a) = registered_foo();
    let good = transfer_foo(&chain, &a, &bob());
    let data = good.tx.output[0].script_pubkey.as_bytes()[2..].to_vec();
    let tx = good.with_output_at(0, op_return(&data[..data.len() - 1]), 0);
    assert!(matches!(
        chain.mine_ignored(tx),
        ParseError::PayloadLength { .. }
    ));
}

/// §9.6: the disposition byte must be `>` or `~`.
#[test]
fn a_transfer_with_an_unknown_disposition_byte_is_ignored() {
    let (mut chain, a) = registered_foo();
    let good = transfer_foo(&chain, &a, &bob());
    let mut data = good.tx.output[0].script_pubkey.as_bytes()[2..].to_vec();
    data[3] = b'x';
    let tx = good.with_output_at(0, op_return(&data), 0);
    assert!(matches!(
        chain.mine_ignored(tx),
        ParseError::InvalidField(_)
    ));
}

/// §9.6: a transfer needs output 1 with an address.
#[test]
fn a_transfer_without_a_recipient_output_is_ignored() {
    let (mut chain, a) = registered_foo();
    let one = transfer_foo(&chain, &a, &bob()).truncate_outputs(1);
    assert!(matches!(
        chain.mine_ignored(one),
        ParseError::OutputCount { .. }
    ));
    let nonstandard = transfer_foo(&chain, &a, &bob()).with_output_at(
        1,
        bitcoin::ScriptBuf::from_bytes(vec![0x51]),
        5500,
    );
    assert_eq!(
        chain.mine_ignored(nonstandard),
        ParseError::OutputAddress(1)
    );
}

/// §9.6 effect: `>` keeps the value hash, clears `sender_pubkey`, moves the owner.
#[test]
fn a_transfer_keeping_data_moves_the_owner_and_keeps_the_value_hash() {
    let (mut chain, a) = registered_foo();
    let b = bob();
    chain.mine_ok(vec![name_update_tx(
        &a,
        "foo.test",
        &chain.ch(),
        [0x22; 20],
    )]);
    let m = chain.mine_accepted(transfer_foo(&chain, &a, &b));
    let rec = name_record(m.record(1));
    assert_eq!(rec.sender, b.script_hex());
    assert_eq!(rec.address, b.address());
    assert_eq!(rec.sender_pubkey, None);
    assert_eq!(rec.value_hash.as_deref(), Some("22".repeat(20).as_str()));
    assert_eq!(rec.op, NameOp::TransferKeep);
    assert!(m.record(1).serialize().ends_with(",4:True"));
}

/// §9.6 effect: `~` clears the value hash; `keep_data` serializes as `False`.
#[test]
fn a_transfer_clearing_data_removes_the_value_hash() {
    let (mut chain, a) = registered_foo();
    chain.mine_ok(vec![name_update_tx(
        &a,
        "foo.test",
        &chain.ch(),
        [0x22; 20],
    )]);
    let m = chain.mine_accepted(name_transfer_tx(&a, "foo.test", &bob(), false, &chain.ch()));
    let rec = name_record(m.record(1));
    assert_eq!(rec.value_hash, None);
    assert_eq!(rec.op, NameOp::TransferClear);
    assert!(m.record(1).serialize().ends_with(",5:False"));
}

/// §9.6 step 1: no registered name has the payload's name hash.
#[test]
fn a_transfer_of_an_unregistered_name_is_rejected() {
    let (mut chain, a) = registered_foo();
    chain.mine_rejected(
        name_transfer_tx(&a, "bar.test", &bob(), true, &chain.ch()),
        "name hash",
    );
}

/// §9.6 steps 1 and 4: a revoked name cannot be transferred.
#[test]
fn a_transfer_of_a_revoked_name_is_rejected() {
    let (mut chain, a) = registered_foo();
    chain.mine_ok(vec![name_revoke_tx(&a, "foo.test")]);
    chain.mine_rejected(transfer_foo(&chain, &a, &bob()), "name hash");
}

/// §9.6 step 3: an imported name cannot be transferred before its namespace is ready.
#[test]
fn a_transfer_of_an_imported_name_before_ready_is_rejected() {
    let (mut chain, a, _) = imported_before_ready();
    chain.mine_rejected(
        name_transfer_tx(&a, "imported.test", &bob(), true, &chain.ch()),
        "not ready",
    );
}

/// §9.6 step 7, §13.10: the consensus hash of block N − 24 is valid, N − 25 is not.
#[test]
fn a_transfer_consensus_hash_window_is_24_blocks() {
    let (mut chain, a) = registered_foo();
    let b = bob();
    chain.mine_to(150);
    let too_old = chain.consensus_hash(151 - 25);
    chain.mine_rejected(
        name_transfer_tx(&a, "foo.test", &b, true, &too_old),
        "consensus hash",
    );
    let oldest = chain.consensus_hash(152 - 24);
    chain.mine_accepted(name_transfer_tx(&a, "foo.test", &b, true, &oldest));
}

/// §9.6 step 8: a transfer to the current owner's script is rejected.
#[test]
fn a_transfer_to_the_current_owner_is_rejected() {
    let (mut chain, a) = registered_foo();
    chain.mine_rejected(transfer_foo(&chain, &a, &a), "current owner");
}

/// §9.6 step 10: only the owner may transfer.
#[test]
fn a_transfer_by_someone_other_than_the_owner_is_rejected() {
    let (mut chain, _) = registered_foo();
    chain.mine_rejected(transfer_foo(&chain, &bob(), &carol()), "own");
}

/// §9.6 step 11, §13.13: the recipient may not already own 25 names; with 24 it may.
#[test]
fn a_transfer_to_an_owner_of_25_names_is_rejected() {
    let (mut chain, _) = chain_with_cheap_namespace();
    let (a, c) = (alice(), carol());
    let all = names("c", 25, "cheap");
    chain.register_many(&all, &c);
    chain.register("mine.cheap", &a);
    let mut fewer = chain.clone();
    chain.mine_rejected(
        name_transfer_tx(&a, "mine.cheap", &c, true, &chain.ch()),
        "maximum",
    );
    fewer.mine_ok(vec![name_revoke_tx(&c, &all[0])]);
    fewer.mine_accepted(name_transfer_tx(&a, "mine.cheap", &c, true, &fewer.ch()));
}

// ---- NAME_REVOKE -------------------------------------------------------------------------

/// §9.7: the payload must be a valid name.
#[test]
fn a_revoke_of_an_invalid_name_is_ignored() {
    let (mut chain, a) = registered_foo();
    let tx = name_revoke_tx(&a, "foo.test").with_output_at(0, op_return(b"id~foo"), 0);
    assert!(matches!(chain.mine_ignored(tx), ParseError::InvalidName(_)));
}

/// §9.7 effect: the name is revoked, its value hash cleared, its owner kept.
#[test]
fn a_revoke_marks_the_name_revoked_and_clears_its_value_hash() {
    let (mut chain, a) = registered_foo();
    chain.mine_ok(vec![name_update_tx(
        &a,
        "foo.test",
        &chain.ch(),
        [0x22; 20],
    )]);
    let m = chain.mine_accepted(name_revoke_tx(&a, "foo.test"));
    let rec = name_record(m.record(1));
    assert!(rec.revoked);
    assert_eq!(rec.value_hash, None);
    assert_eq!(rec.sender, a.script_hex());
    assert_eq!(rec.op, NameOp::Revoke);
}

/// §9.7: a name that was never registered cannot be revoked.
#[test]
fn a_revoke_of_an_unregistered_name_is_rejected() {
    let (mut chain, a) = registered_foo();
    chain.mine_rejected(name_revoke_tx(&a, "bar.test"), "does not exist");
}

/// §9.7: an imported name cannot be revoked before its namespace is ready.
#[test]
fn a_revoke_of_an_imported_name_before_ready_is_rejected() {
    let (mut chain, a, _) = imported_before_ready();
    chain.mine_rejected(name_revoke_tx(&a, "imported.test"), "not ready");
}

/// §9.7: a name cannot be revoked twice.
#[test]
fn a_revoke_of_a_revoked_name_is_rejected() {
    let (mut chain, a) = registered_foo();
    chain.mine_ok(vec![name_revoke_tx(&a, "foo.test")]);
    chain.mine_rejected(name_revoke_tx(&a, "foo.test"), "revoked");
}

/// §9.7: only the owner may revoke.
#[test]
fn a_revoke_by_someone_other_than_the_owner_is_rejected() {
    let (mut chain, _) = registered_foo();
    chain.mine_rejected(name_revoke_tx(&bob(), "foo.test"), "own");
}

/// §2.6, §9.6: a transfer to a native segwit script stores the v0.18 bech32 rendering; the
/// name is then frozen, since such a script is never a sender.
#[test]
fn a_transfer_to_a_native_segwit_script_is_stored_with_the_buggy_bech32_address() {
    let (mut chain, a) = registered_foo();
    let mut script = vec![0x00, 0x14];
    script.extend(hex::decode("7ec6eba089ef2fadbf9d0677b2de32dcd9d36a44").expect("hex"));
    let tx = name_transfer_tx(&a, "foo.test", &a, true, &chain.ch()).with_output_at(
        1,
        bitcoin::ScriptBuf::from_bytes(script.clone()),
        5500,
    );
    chain.mine_accepted(tx);
    let rec = chain.name("foo.test");
    assert_eq!(rec.sender, hex::encode(&script));
    assert_eq!(rec.address, "tb1pz3lvd6aq38hjltdln5r80vk7xtwdn5m2gsdqelj2");
}
