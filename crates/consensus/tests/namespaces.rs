//! NAMESPACE_REVEAL (spec §9.10), NAMESPACE_READY (spec §9.11) and NAME_IMPORT (spec §9.12):
//! every parse and validation rule, each with the minimal chain where it alone decides, plus
//! the accepted counterpart; the import keychain; reveal expiry.

mod support;

use blockstack_consensus::record::CreationOp;
use blockstack_consensus::{ParseError, StateView};
use support::*;

fn test_spec() -> NsSpec {
    NsSpec::new("test", test_price(), 52595)
}

/// `.test` preordered by P for V in the tip block.
fn preordered_test() -> (TestChain, NsSpec) {
    let mut chain = TestChain::epoch3();
    let spec = test_spec();
    chain.preorder_namespace(&spec);
    (chain, spec)
}

/// `.test` revealed by P (revealer V) in the tip block.
fn revealed_test() -> (TestChain, NsSpec) {
    let (mut chain, spec) = preordered_test();
    chain.reveal_namespace(&spec);
    (chain, spec)
}

fn reveal(chain: &TestChain, spec: &NsSpec) -> ChainTx {
    namespace_reveal_tx(&chain.ns_payer, spec, &chain.revealer)
}

fn reveal_with_payload(chain: &TestChain, spec: &NsSpec, body: &[u8]) -> ChainTx {
    let data = [b"id&".as_slice(), body].concat();
    reveal(chain, spec).with_output_at(0, op_return(&data), 0)
}

// ---- NAMESPACE_REVEAL: parsing -----------------------------------------------------------

/// §9.10: the payload must have at least 18 bytes.
#[test]
fn a_reveal_payload_shorter_than_18_bytes_is_ignored() {
    let (mut chain, spec) = preordered_test();
    let body = spec.payload().encode()[3..].to_vec();
    let tx = reveal_with_payload(&chain, &spec, &body[..17]);
    assert!(matches!(
        chain.mine_ignored(tx),
        ParseError::PayloadLength { .. }
    ));
    chain.mine_accepted(reveal(&chain, &spec));
}

/// §9.10, §3: the namespace ID must be b40 with no `.` or `+` and at most 19 characters.
#[test]
fn a_reveal_of_an_invalid_namespace_id_is_ignored() {
    let (mut chain, spec) = preordered_test();
    let body = spec.payload().encode()[3..20].to_vec();
    for bad in ["te.st", "te+st", "Test", &"a".repeat(20)] {
        let tx = reveal_with_payload(&chain, &spec, &[body.as_slice(), bad.as_bytes()].concat());
        assert!(
            matches!(chain.mine_ignored(tx), ParseError::InvalidName(_)),
            "{bad}"
        );
    }
}

/// §9.10: the version must be 1 or 2.
#[test]
fn a_reveal_with_version_3_is_ignored() {
    let (mut chain, spec) = preordered_test();
    let mut body = spec.payload().encode()[3..].to_vec();
    body[16] = 3;
    let tx = reveal_with_payload(&chain, &spec, &body);
    assert!(matches!(
        chain.mine_ignored(tx),
        ParseError::InvalidField(_)
    ));
}

/// §9.10: both discount nibbles must be 1..15; a zero nibble makes the reveal ignored.
#[test]
fn a_reveal_with_a_zero_discount_is_ignored() {
    let (mut chain, spec) = preordered_test();
    for discounts in [0x0a, 0xa0] {
        let mut body = spec.payload().encode()[3..].to_vec();
        body[14] = discounts;
        let tx = reveal_with_payload(&chain, &spec, &body);
        assert!(matches!(
            chain.mine_ignored(tx),
            ParseError::InvalidField(_)
        ));
    }
}

/// §9.10, §13.15: a reveal needs exactly three outputs.
#[test]
fn a_reveal_without_exactly_three_outputs_is_ignored() {
    let (mut chain, spec) = preordered_test();
    let p = chain.ns_payer.clone();
    let four = reveal(&chain, &spec).with_output(p.script.clone(), 1);
    assert!(matches!(
        chain.mine_ignored(four),
        ParseError::OutputCount { .. }
    ));
    let two = reveal(&chain, &spec).truncate_outputs(2);
    assert!(matches!(
        chain.mine_ignored(two),
        ParseError::OutputCount { .. }
    ));
    chain.mine_accepted(reveal(&chain, &spec));
}

/// §9.10: output 1 (the revealer) must have an address.
#[test]
fn a_reveal_whose_revealer_output_has_no_address_is_ignored() {
    let (mut chain, spec) = preordered_test();
    let tx =
        reveal(&chain, &spec).with_output_at(1, bitcoin::ScriptBuf::from_bytes(vec![0x51]), 5500);
    assert_eq!(chain.mine_ignored(tx), ParseError::OutputAddress(1));
}

// ---- NAMESPACE_REVEAL: validation --------------------------------------------------------

/// §9.10 effect: the row takes the payer as sender, output 1 as recipient, the preorder's block
/// and fee.
#[test]
fn a_reveal_creates_the_namespace_row_from_its_preorder() {
    let (mut chain, spec) = preordered_test();
    let pre_block = chain.tip;
    chain.mine_accepted(reveal(&chain, &spec));
    let ns = chain.namespace("test");
    assert_eq!(ns.sender, chain.ns_payer.script_hex());
    assert_eq!(ns.address, chain.ns_payer.address());
    assert_eq!(ns.recipient, chain.revealer.script_hex());
    assert_eq!(ns.recipient_address, chain.revealer.address());
    assert_eq!(ns.block_number, pre_block);
    assert_eq!(ns.reveal_block, chain.tip);
    assert_eq!(ns.ready_block, 0);
    assert!(!ns.ready);
    assert_eq!(ns.op_fee, 40_000_000);
    assert!(chain
        .state
        .preorders(&preorder_hash_of("test", &chain.ns_payer, &chain.revealer))
        .is_empty());
}

/// §9.10 step 3: a namespace that is currently revealed cannot be revealed again.
#[test]
fn a_reveal_of_a_namespace_already_revealed_is_rejected() {
    let (mut chain, spec) = preordered_test();
    let b = bob();
    let fee = chain.namespace_fee("test", chain.next());
    chain.mine_ok(vec![namespace_preorder_tx(
        &b,
        "test",
        &b,
        fee,
        burn_script(),
        &chain.ch(),
    )]);
    chain.mine_ok(vec![reveal(&chain, &spec)]);
    chain.mine_rejected(namespace_reveal_tx(&b, &spec, &b), "already revealed");
}

/// §9.10 step 4: a ready namespace cannot be revealed again.
#[test]
fn a_reveal_of_a_ready_namespace_is_rejected() {
    let mut chain = TestChain::epoch3();
    let spec = test_spec();
    chain.create_namespace(&spec);
    let b = bob();
    let fee = chain.namespace_fee("test", chain.next());
    chain.mine_ok(vec![namespace_preorder_tx(
        &b,
        "test",
        &b,
        fee,
        burn_script(),
        &chain.ch(),
    )]);
    chain.mine_rejected(namespace_reveal_tx(&b, &spec, &b), "ready");
}

/// §9.10 step 5: the reveal must name the revealer committed in the preorder.
#[test]
fn a_reveal_to_another_revealer_than_preordered_is_rejected() {
    let (mut chain, spec) = preordered_test();
    let p = chain.ns_payer.clone();
    chain.mine_rejected(namespace_reveal_tx(&p, &spec, &bob()), "preordered");
    chain.mine_accepted(reveal(&chain, &spec));
}

/// §9.10 step 5: the reveal must be sent by the preorder's payer.
#[test]
fn a_reveal_sent_by_another_payer_is_rejected() {
    let (mut chain, spec) = preordered_test();
    let v = chain.revealer.clone();
    chain.mine_rejected(namespace_reveal_tx(&bob(), &spec, &v), "preordered");
}

/// §9.10 step 7, §4: version 2 (pay to creator) needs epoch 3 (spec §12.9 blocks 114 and 126).
#[test]
fn a_version_2_reveal_is_rejected_before_epoch_3() {
    let mut chain = TestChain::new(rules_with_epochs(104, 10_000));
    let mut spec = test_spec();
    spec.version = 2;
    chain.preorder_namespace(&spec);
    chain.mine_rejected(reveal(&chain, &spec), "version");
    let mut v1 = spec.clone();
    v1.version = 1;
    chain.mine_accepted(reveal(&chain, &v1));
}

/// §9.10 step 7: in epoch 3 a version-2 reveal is accepted.
#[test]
fn a_version_2_reveal_is_accepted_in_epoch_3() {
    let (mut chain, mut spec) = preordered_test();
    spec.version = 2;
    chain.mine_accepted(reveal(&chain, &spec));
    assert_eq!(chain.namespace("test").version, 2);
}

/// §9.10 step 8, §7.2: the preorder fee must cover the namespace price.
#[test]
fn a_reveal_whose_preorder_paid_less_than_the_price_is_rejected() {
    let mut chain = TestChain::epoch3();
    let (p, v) = (chain.ns_payer.clone(), chain.revealer.clone());
    let ch = chain.ch();
    chain.mine_ok(vec![
        namespace_preorder_tx(&p, "test", &v, 39_999_999, burn_script(), &ch),
        namespace_preorder_tx(&p, "tset", &v, 40_000_000, burn_script(), &ch),
    ]);
    chain.mine_rejected(namespace_reveal_tx(&p, &test_spec(), &v), "price");
    chain.mine_accepted(namespace_reveal_tx(
        &p,
        &NsSpec::new("tset", test_price(), 52595),
        &v,
    ));
}

/// §7.2, §13.8: the namespace price is that of the reveal block's epoch (spec §12.9).
#[test]
fn a_reveal_is_priced_at_the_reveal_blocks_epoch() {
    let mut chain = TestChain::new(rules_with_epochs(104, 120));
    let (p, v) = (chain.ns_payer.clone(), chain.revealer.clone());
    let ch = chain.ch();
    chain.mine_ok(vec![namespace_preorder_tx(
        &p,
        "test",
        &v,
        40_000_000,
        burn_script(),
        &ch,
    )]);
    let mut later = chain.clone();
    chain.mine_rejected(namespace_reveal_tx(&p, &test_spec(), &v), "price");
    later.mine_to(120);
    later.mine_accepted(namespace_reveal_tx(&p, &test_spec(), &v));
}

/// §8.6, §13.2: a namespace preorder never expires by age (spec §12.8 block 456).
#[test]
fn a_namespace_preorder_300_blocks_old_can_be_revealed() {
    let (mut chain, spec) = preordered_test();
    chain.mine_to(chain.tip + 300);
    chain.mine_accepted(reveal(&chain, &spec));
}

/// §9.10 step 9, §6.3, §13.3: two individually valid reveals of one namespace in one block are
/// both rejected.
#[test]
fn two_valid_reveals_of_one_namespace_in_one_block_are_both_rejected() {
    let (mut chain, spec) = preordered_test();
    let b = bob();
    let fee = chain.namespace_fee("test", chain.next());
    chain.mine_ok(vec![namespace_preorder_tx(
        &b,
        "test",
        &b,
        fee,
        burn_script(),
        &chain.ch(),
    )]);
    let before = chain.snapshot();
    let m = chain.mine(vec![
        reveal(&chain, &spec),
        namespace_reveal_tx(&b, &spec, &b),
    ]);
    m.assert_rejected(1, "collides")
        .assert_rejected(2, "collides");
    assert_no_effect(&m);
    assert_eq!(before, chain.snapshot());
}

/// §6.4: when only one reveal of a namespace in the block is valid, it wins.
#[test]
fn a_valid_reveal_next_to_an_invalid_one_is_accepted() {
    let (mut chain, spec) = preordered_test();
    let b = bob();
    let m = chain.mine(vec![
        namespace_reveal_tx(&b, &spec, &b),
        reveal(&chain, &spec),
    ]);
    m.assert_rejected(1, "preordered").assert_accepted(2);
}

/// §8.7, §1.6: a revealed namespace expires after `NAMESPACE_REVEAL_EXPIRE` (144 in test
/// mode) blocks; then a new preorder may reveal it again, keeping the row's `block_number`.
#[test]
fn an_expired_reveal_can_be_revealed_again_by_anyone() {
    let (mut chain, spec) = revealed_test();
    let v_block = chain.tip;
    let first_block_number = chain.namespace("test").block_number;
    let b = bob();
    chain.mine_ok(vec![namespace_preorder_tx(
        &b,
        "test",
        &b,
        40_000_000,
        burn_script(),
        &chain.ch(),
    )]);
    chain.mine_to(v_block + 143);
    chain.mine_rejected(namespace_reveal_tx(&b, &spec, &b), "already revealed");
    assert_eq!(chain.tip, v_block + 144);
    chain.mine_accepted(namespace_reveal_tx(&b, &spec, &b));
    let ns = chain.namespace("test");
    assert_eq!(ns.recipient, b.script_hex());
    assert_eq!(ns.reveal_block, v_block + 145);
    assert_eq!(ns.block_number, first_block_number);
}

// ---- NAMESPACE_READY ---------------------------------------------------------------------

/// §9.11: the payload must start with `.` and name a valid namespace ID.
#[test]
fn a_ready_payload_without_the_dot_or_with_an_invalid_id_is_ignored() {
    let (mut chain, _) = revealed_test();
    let v = chain.revealer.clone();
    for body in [b"test".as_slice(), b".te.st", b"."] {
        let tx = namespace_ready_tx(&v, "test").with_output_at(
            0,
            op_return(&[b"id!".as_slice(), body].concat()),
            0,
        );
        chain.mine_ignored(tx);
    }
    chain.mine_accepted(namespace_ready_tx(&v, "test"));
}

/// §9.11 effect, §13.18: READY sets `ready_block` and the sender to the revealer, keeps the
/// payer's address and key.
#[test]
fn ready_makes_the_revealer_the_sender_and_keeps_the_payers_address() {
    let (mut chain, _) = revealed_test();
    let v = chain.revealer.clone();
    let before = chain.namespace("test");
    chain.mine_accepted(namespace_ready_tx(&v, "test"));
    let ns = chain.namespace("test");
    assert!(ns.ready);
    assert_eq!(ns.ready_block, chain.tip);
    assert_eq!(ns.sender, v.script_hex());
    assert_eq!(ns.address, before.address);
    assert_eq!(ns.sender_pubkey, before.sender_pubkey);
    assert_eq!(ns.address, chain.ns_payer.address());
}

/// §9.11: a namespace that was never revealed cannot be readied.
#[test]
fn a_ready_of_an_unrevealed_namespace_is_rejected() {
    let (mut chain, _) = preordered_test();
    let v = chain.revealer.clone();
    chain.mine_rejected(namespace_ready_tx(&v, "test"), "not revealed");
}

/// §9.11, §6.1, §13.1: READY in the reveal's own block is rejected (revealed needs
/// `reveal_block ≤ N − 1`).
#[test]
fn a_ready_in_the_reveal_block_is_rejected() {
    let (mut chain, spec) = preordered_test();
    let v = chain.revealer.clone();
    let m = chain.mine(vec![reveal(&chain, &spec), namespace_ready_tx(&v, "test")]);
    m.assert_accepted(1).assert_rejected(2, "not revealed");
    assert!(!chain.namespace("test").ready);
}

/// §9.11, §8.7: READY is accepted up to block V + 144 (test mode) and rejected after.
#[test]
fn a_ready_after_the_reveal_expired_is_rejected() {
    let (mut chain, _) = revealed_test();
    let v_block = chain.tip;
    let v = chain.revealer.clone();
    chain.mine_to(v_block + 143);
    let mut last = chain.clone();
    last.mine_accepted(namespace_ready_tx(&v, "test"));
    assert_eq!(last.tip, v_block + 144);
    chain.mine(Vec::new());
    chain.mine_rejected(namespace_ready_tx(&v, "test"), "not revealed");
}

/// §9.11: only the revealer (the reveal's output 1) may send READY, not the payer.
#[test]
fn a_ready_sent_by_the_payer_instead_of_the_revealer_is_rejected() {
    let (mut chain, _) = revealed_test();
    let p = chain.ns_payer.clone();
    chain.mine_rejected(namespace_ready_tx(&p, "test"), "revealer");
}

/// §9.11: a ready namespace cannot be readied again.
#[test]
fn a_second_ready_is_rejected() {
    let (mut chain, _) = revealed_test();
    chain.ready_namespace("test");
    let v = chain.revealer.clone();
    chain.mine_rejected(namespace_ready_tx(&v, "test"), "not revealed");
}

// ---- NAME_IMPORT -------------------------------------------------------------------------

fn import(chain: &TestChain, name: &str, owner: &Party) -> ChainTx {
    name_import_tx(&chain.revealer, name, owner, [0x33; 20])
}

/// §9.12, §13.15: an import needs at least three outputs.
#[test]
fn an_import_with_two_outputs_is_ignored() {
    let (mut chain, _) = revealed_test();
    let tx = import(&chain, "imported.test", &alice()).truncate_outputs(2);
    assert!(matches!(
        chain.mine_ignored(tx),
        ParseError::OutputCount { .. }
    ));
}

/// §9.12: output 2 must be a p2pkh or p2sh script carrying the value hash; a nonstandard or
/// native segwit script makes the import ignored.
#[test]
fn an_import_whose_value_hash_output_is_not_p2pkh_or_p2sh_is_ignored() {
    let (mut chain, _) = revealed_test();
    let mut segwit = vec![0x00, 0x14];
    segwit.extend([0x33; 20]);
    for script in [vec![0x51], segwit] {
        let tx = import(&chain, "imported.test", &alice()).with_output_at(
            2,
            bitcoin::ScriptBuf::from_bytes(script),
            5500,
        );
        assert_eq!(chain.mine_ignored(tx), ParseError::OutputAddress(2));
    }
    let tx =
        import(&chain, "imported.test", &alice()).with_output_at(2, p2sh_script(&[0x44; 20]), 5500);
    chain.mine_accepted(tx);
    assert_eq!(
        chain.name("imported.test").value_hash.as_deref(),
        Some("44".repeat(20).as_str())
    );
}

/// §9.12: the payload must be a valid name.
#[test]
fn an_import_of_an_invalid_name_is_ignored() {
    let (mut chain, _) = revealed_test();
    let tx =
        import(&chain, "imported.test", &alice()).with_output_at(0, op_return(b"id;imported"), 0);
    assert!(matches!(chain.mine_ignored(tx), ParseError::InvalidName(_)));
}

/// §9.12 effect, §13.7: an import stores the owner, the importer and its key, the value hash,
/// and the price as a float `op_fee` (spec §12.8 block 120).
#[test]
fn an_import_records_the_importer_and_a_float_fee() {
    let (mut chain, _) = revealed_test();
    let (v, a) = (chain.revealer.clone(), alice());
    let m = chain.mine_accepted(import(&chain, "imported.test", &a));
    let rec = name_record(m.record(1));
    assert_eq!(rec.sender, a.script_hex());
    assert_eq!(rec.sender_pubkey.as_deref(), Some(v.pubkey_hex().as_str()));
    assert_eq!(rec.importer.as_deref(), Some(v.script_hex().as_str()));
    assert_eq!(rec.importer_address.as_deref(), Some(v.address().as_str()));
    assert_eq!(rec.value_hash.as_deref(), Some("33".repeat(20).as_str()));
    assert_eq!(rec.last_creation_op, CreationOp::Import);
    assert_eq!(rec.first_registered, chain.tip);
    assert!(m.record(1).serialize().contains(",6:2500.0,"));
}

/// §9.12 step 1, §5.4: a p2sh importer has no `sender_pubkey`, so it cannot import.
#[test]
fn an_import_by_a_p2sh_sender_is_rejected() {
    let (mut chain, _) = revealed_test();
    chain.mine_rejected(
        name_import_tx(&p2sh_party(), "imported.test", &alice(), [0x33; 20]),
        "public key",
    );
}

/// §9.12 step 2: the namespace must be revealed and not yet ready.
#[test]
fn an_import_into_a_ready_namespace_is_rejected() {
    let (mut chain, _) = revealed_test();
    let a = alice();
    chain.mine_ok(vec![import(&chain, "first.test", &a)]);
    chain.ready_namespace("test");
    chain.mine_rejected(import(&chain, "imported.test", &a), "not revealed");
}

/// §9.12 step 2: a namespace that was never revealed accepts no import.
#[test]
fn an_import_into_an_unrevealed_namespace_is_rejected() {
    let (mut chain, _) = preordered_test();
    chain.mine_rejected(import(&chain, "imported.test", &alice()), "not revealed");
}

/// §9.12 step 2, §6.1, §13.1: an import in the reveal's own block is rejected (spec §12.8
/// block 145).
#[test]
fn an_import_in_the_reveal_block_is_rejected() {
    let (mut chain, spec) = preordered_test();
    let m = chain.mine(vec![
        reveal(&chain, &spec),
        import(&chain, "early.test", &alice()),
    ]);
    m.assert_accepted(1).assert_rejected(2, "not revealed");
    assert!(chain.state.name("early.test").is_none());
}

/// §9.12 step 2, §8.7: imports stop when the reveal expires (144 blocks in test mode).
#[test]
fn an_import_after_the_reveal_expired_is_rejected() {
    let (mut chain, _) = revealed_test();
    let v_block = chain.tip;
    chain.mine_to(v_block + 143);
    let mut last = chain.clone();
    last.mine_accepted(import(&last, "imported.test", &alice()));
    chain.mine(Vec::new());
    chain.mine_rejected(import(&chain, "imported.test", &alice()), "not revealed");
}

/// §9.12 step 4, §13.17: the first importer must be the revealer.
#[test]
fn the_first_import_by_someone_other_than_the_revealer_is_rejected() {
    let (mut chain, _) = revealed_test();
    chain.mine_rejected(
        name_import_tx(&bob(), "imported.test", &alice(), [0x33; 20]),
        "revealer",
    );
}

/// §9.12 step 4: a keychain child cannot import before the revealer's first import.
#[test]
fn a_keychain_child_cannot_import_before_the_revealer() {
    let (mut chain, _) = revealed_test();
    let child = chain.revealer.keychain_child(0);
    chain.mine_rejected(
        name_import_tx(&child, "imported.test", &alice(), [0x33; 20]),
        "revealer",
    );
}

/// §9.12 step 4, §1.6: after the revealer's first import, its BIP32 children 0 … 4 (keyring
/// size 5 in test mode) may import; child 5 may not.
#[test]
fn keychain_children_below_the_keyring_size_may_import() {
    let (mut chain, _) = revealed_test();
    let a = alice();
    chain.mine_ok(vec![import(&chain, "first.test", &a)]);
    let v = chain.revealer.clone();
    let ok: Vec<ChainTx> = (0..5)
        .map(|i| name_import_tx(&v.keychain_child(i), &format!("child{i}.test"), &a, [1; 20]))
        .collect();
    chain.mine_ok(ok);
    chain.mine_rejected(
        name_import_tx(&v.keychain_child(5), "child5.test", &a, [1; 20]),
        "keychain",
    );
}

/// §6.3 step 4, §9.12 step 4, §13.17: the keychain is built during the pre-scan, so a child's
/// import before the revealer's first import in the same block is accepted.
#[test]
fn a_child_import_earlier_in_the_block_than_the_revealers_first_import_is_accepted() {
    let (mut chain, _) = revealed_test();
    let a = alice();
    let child = chain.revealer.keychain_child(3);
    let m = chain.mine(vec![
        name_import_tx(&child, "child.test", &a, [1; 20]),
        import(&chain, "first.test", &a),
    ]);
    m.assert_all_accepted();
    assert!(chain.state.keychain("test").is_some());
}

/// §9.12 step 4, §13.17: the keychain is never forgotten; after the reveal expires and someone
/// else reveals the namespace, the new revealer cannot import but the old keychain can.
#[test]
fn the_keychain_survives_a_re_reveal_by_someone_else() {
    let (mut chain, spec) = revealed_test();
    let v_block = chain.tip;
    let (v, a, b) = (chain.revealer.clone(), alice(), bob());
    chain.mine_ok(vec![import(&chain, "first.test", &a)]);
    chain.mine_ok(vec![namespace_preorder_tx(
        &b,
        "test",
        &b,
        40_000_000,
        burn_script(),
        &chain.ch(),
    )]);
    chain.mine_to(v_block + 144);
    chain.mine_ok(vec![namespace_reveal_tx(&b, &spec, &b)]);
    chain.mine_rejected(name_import_tx(&b, "bobs.test", &a, [1; 20]), "keychain");
    chain.mine_accepted(name_import_tx(
        &v.keychain_child(1),
        "old.test",
        &a,
        [1; 20],
    ));
    chain.mine_accepted(name_import_tx(&v, "older.test", &a, [1; 20]));
}

/// §6.3, §6.4, §13.3: imports never collide; several imports of one name in one block are
/// all applied in order.
#[test]
fn two_imports_of_one_name_in_one_block_are_both_applied() {
    let (mut chain, _) = revealed_test();
    let (v, a, b) = (chain.revealer.clone(), alice(), bob());
    let m = chain.mine(vec![
        name_import_tx(&v, "dup.test", &a, [1; 20]),
        name_import_tx(&v, "dup.test", &b, [2; 20]),
    ]);
    m.assert_all_accepted();
    let rec = chain.name("dup.test");
    assert_eq!(rec.sender, b.script_hex());
    assert_eq!(rec.value_hash.as_deref(), Some("02".repeat(20).as_str()));
}

/// §9.12 step 5: a re-import in a later block replaces the row but keeps its creation blocks
/// and preorder hash.
#[test]
fn a_re_import_keeps_the_first_imports_blocks() {
    let (mut chain, _) = revealed_test();
    let (v, a, b) = (chain.revealer.clone(), alice(), bob());
    chain.mine_ok(vec![name_import_tx(&v, "dup.test", &a, [1; 20])]);
    let first = chain.name("dup.test");
    chain.mine(Vec::new());
    chain.mine_accepted(name_import_tx(&v, "dup.test", &b, [2; 20]));
    let rec = chain.name("dup.test");
    assert_eq!(rec.sender, b.script_hex());
    assert_eq!(rec.value_hash.as_deref(), Some("02".repeat(20).as_str()));
    assert_eq!(rec.first_registered, first.first_registered);
    assert_eq!(rec.last_renewed, first.last_renewed);
    assert_eq!(rec.block_number, first.block_number);
    assert_eq!(rec.preorder_block_number, first.preorder_block_number);
    assert_eq!(rec.preorder_hash, first.preorder_hash);
}

/// §9.10 step 1: a p2sh payer (null `sender_pubkey`) may preorder and reveal a namespace.
#[test]
fn a_p2sh_payer_can_preorder_and_reveal_a_namespace() {
    let mut chain = TestChain::epoch3();
    let (s, v) = (p2sh_party(), chain.revealer.clone());
    let ch = chain.ch();
    chain.mine_ok(vec![namespace_preorder_tx(
        &s,
        "test",
        &v,
        40_000_000,
        burn_script(),
        &ch,
    )]);
    chain.mine_accepted(namespace_reveal_tx(&s, &test_spec(), &v));
    assert_eq!(chain.namespace("test").sender_pubkey, None);
}

/// §9.12 step 0, §3, §14: a name valid only thanks to the trailing-newline regex quirk makes
/// the original abort on import; it must be refused without effect.
#[test]
fn an_import_of_a_name_with_a_trailing_newline_is_refused_as_a_reference_abort() {
    let (mut chain, _) = revealed_test();
    let tx = import(&chain, "imported.test", &alice()).with_output_at(
        0,
        op_return(b"id;imported.test\n"),
        0,
    );
    let m = chain.mine_rejected(tx, "aborts");
    assert!(matches!(
        m.rejection(1),
        Some(blockstack_consensus::Rejection::ReferenceAbort(_))
    ));
}

/// §9.10, §14: re-revealing an expired namespace with a different preorder fee makes the
/// original abort; it must be refused without effect.
#[test]
fn a_re_reveal_with_a_different_fee_is_refused_as_a_reference_abort() {
    let (mut chain, spec) = revealed_test();
    let v_block = chain.tip;
    let b = bob();
    chain.mine_ok(vec![namespace_preorder_tx(
        &b,
        "test",
        &b,
        40_000_001,
        burn_script(),
        &chain.ch(),
    )]);
    chain.mine_to(v_block + 144);
    let m = chain.mine_rejected(namespace_reveal_tx(&b, &spec, &b), "aborts");
    assert!(matches!(
        m.rejection(1),
        Some(blockstack_consensus::Rejection::ReferenceAbort(_))
    ));
}

/// §6.3 step 4: the keychain built during the pre-scan survives even when the import that built
/// it is then rejected (here by a READY earlier in the same block).
#[test]
fn the_prescan_keychain_survives_a_rejected_first_import() {
    let (mut chain, _) = revealed_test();
    let v = chain.revealer.clone();
    let m = chain.mine(vec![
        namespace_ready_tx(&v, "test"),
        import(&chain, "late.test", &alice()),
    ]);
    m.assert_accepted(1).assert_rejected(2, "not revealed");
    assert!(chain.state.name("late.test").is_none());
    let keychain = chain.state.keychain("test").expect("keychain kept");
    assert!(keychain.contains(&v.address()));
}

/// §2.6, §9.12: an import to a native segwit owner script is simply stored, with the v0.18
/// bech32 rendering as its address.
#[test]
fn an_import_to_a_native_segwit_owner_is_stored() {
    let (mut chain, _) = revealed_test();
    let mut script = vec![0x00, 0x14];
    script.extend(hex::decode("7ec6eba089ef2fadbf9d0677b2de32dcd9d36a44").expect("hex"));
    let tx = import(&chain, "frozen.test", &alice()).with_output_at(
        1,
        bitcoin::ScriptBuf::from_bytes(script.clone()),
        5500,
    );
    chain.mine_accepted(tx);
    let rec = chain.name("frozen.test");
    assert_eq!(rec.sender, hex::encode(&script));
    assert_eq!(rec.address, "tb1pz3lvd6aq38hjltdln5r80vk7xtwdn5m2gsdqelj2");
}

/// §6.3, §9.10, §14: the re-reveal abort happens when the op is committed, after validation;
/// a re-reveal with a different fee passes validation, so next to another valid reveal of the
/// namespace in the block both collide and the original never reaches the abort.
#[test]
fn a_different_fee_re_reveal_still_collides_with_another_reveal() {
    let (mut chain, spec) = revealed_test();
    let v_block = chain.tip;
    let (b, c) = (bob(), carol());
    let ch = chain.ch();
    chain.mine_ok(vec![
        namespace_preorder_tx(&b, "test", &b, 40_000_001, burn_script(), &ch),
        namespace_preorder_tx(&c, "test", &c, 40_000_000, burn_script(), &ch),
    ]);
    chain.mine_to(v_block + 144);
    let mut alone = chain.clone();
    alone.mine_accepted(namespace_reveal_tx(&c, &spec, &c));
    let before = chain.snapshot();
    let m = chain.mine(vec![
        namespace_reveal_tx(&b, &spec, &b),
        namespace_reveal_tx(&c, &spec, &c),
    ]);
    m.assert_rejected(1, "collides")
        .assert_rejected(2, "collides");
    assert_no_effect(&m);
    assert_eq!(before, chain.snapshot());
}
