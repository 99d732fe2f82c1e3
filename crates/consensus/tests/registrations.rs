//! NAME_REGISTRATION (spec §9.2, §9.3) and NAME_RENEWAL (spec §9.4): every parse and validation
//! rule, each with the minimal chain where it alone decides, plus the accepted counterpart.

mod support;

use blockstack_consensus::price::PriceFunction;
use blockstack_consensus::record::{CreationOp, NameOp};
use blockstack_consensus::{ParseError, StateView};
use support::*;

/// `.test` ready, and `foo.test` preordered by A for A in the tip block.
fn preordered_foo() -> (TestChain, Party) {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    chain.mine_ok(vec![chain.preorder_tx("foo.test", &a, &a)]);
    (chain, a)
}

/// `.test` ready and `foo.test` registered to A.
fn registered_foo() -> (TestChain, Party) {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    chain.register("foo.test", &a);
    (chain, a)
}

// ---- parsing (§9.2) ----------------------------------------------------------------------

/// §9.2, §3: a payload that is not a valid fully-qualified name is ignored.
#[test]
fn a_registration_of_an_invalid_name_is_ignored() {
    let (mut chain, a) = preordered_foo();
    for bad in ["Foo.test", "foo", "a.b.test", "foo.test+"] {
        let tx = name_register_tx(&a, "foo.test", &a, None).with_output_at(
            0,
            op_return(&[b"id:".as_slice(), bad.as_bytes()].concat()),
            0,
        );
        assert!(
            matches!(chain.mine_ignored(tx), ParseError::InvalidName(_)),
            "{bad}"
        );
    }
    chain.mine_accepted(name_register_tx(&a, "foo.test", &a, None));
}

/// §9.2: a registration needs at least two outputs.
#[test]
fn a_registration_with_a_single_output_is_ignored() {
    let (mut chain, a) = preordered_foo();
    let tx = name_register_tx(&a, "foo.test", &a, None).truncate_outputs(1);
    assert!(matches!(
        chain.mine_ignored(tx),
        ParseError::OutputCount { .. }
    ));
    chain.mine_accepted(name_register_tx(&a, "foo.test", &a, None).truncate_outputs(2));
}

/// §9.2: output 1 (the new owner) must have an address.
#[test]
fn a_registration_whose_owner_output_has_no_address_is_ignored() {
    let (mut chain, a) = preordered_foo();
    let tx = name_register_tx(&a, "foo.test", &a, None).with_output_at(
        1,
        bitcoin::ScriptBuf::from_bytes(vec![0x51]),
        5500,
    );
    assert_eq!(chain.mine_ignored(tx), ParseError::OutputAddress(1));
}

/// §9.2, §13.15: with four or more outputs, output 3 must have an address even for a plain
/// registration.
#[test]
fn a_registration_with_a_nonstandard_output_3_is_ignored() {
    let (mut chain, a) = preordered_foo();
    let tx = name_register_tx(&a, "foo.test", &a, None)
        .with_output(bitcoin::ScriptBuf::from_bytes(vec![0x51]), 1000);
    assert_eq!(chain.mine_ignored(tx), ParseError::OutputAddress(3));
    let tx = name_register_tx(&a, "foo.test", &a, None).with_output(bob().script.clone(), 1000);
    chain.mine_accepted(tx);
}

/// §9.2, §4: the 57-byte form with a value hash exists only in epoch 3; before it the padded
/// payload is not a valid name.
#[test]
fn a_registration_with_a_value_hash_is_ignored_before_epoch_3() {
    let (mut chain, _) = chain_in_epochs(104, 10_000);
    let a = alice();
    chain.mine_ok(vec![chain.preorder_tx("foo.test", &a, &a)]);
    let tx = name_register_tx(&a, "foo.test", &a, Some([0x11; 20]));
    assert!(matches!(chain.mine_ignored(tx), ParseError::InvalidName(_)));
    chain.mine_accepted(name_register_tx(&a, "foo.test", &a, None));
}

/// §9.2: in epoch 3 the 57-byte form carries the value hash into the new row.
#[test]
fn a_registration_in_epoch_3_may_carry_a_value_hash() {
    let (mut chain, a) = preordered_foo();
    chain.mine_accepted(name_register_tx(&a, "foo.test", &a, Some([0x11; 20])));
    assert_eq!(
        chain.name("foo.test").value_hash.as_deref(),
        Some("11".repeat(20).as_str())
    );
}

// ---- validation (§9.3) -------------------------------------------------------------------

/// §9.3 step 3: a revoked name cannot be registered again while it is alive.
#[test]
fn a_registration_of_a_revoked_name_is_rejected() {
    let (mut chain, a) = registered_foo();
    chain.mine_ok(vec![name_revoke_tx(&a, "foo.test")]);
    let b = bob();
    chain.mine_ok(vec![chain.preorder_tx("foo.test", &b, &b)]);
    chain.mine_rejected(name_register_tx(&b, "foo.test", &b, None), "revoked");
}

/// §9.3 step 4: the namespace must exist and be ready.
#[test]
fn a_registration_in_a_namespace_that_is_only_revealed_is_rejected() {
    let mut chain = TestChain::epoch3();
    let spec = NsSpec::new("test", test_price(), 52595);
    chain.preorder_namespace(&spec);
    chain.reveal_namespace(&spec);
    let a = alice();
    chain.mine_ok(vec![name_preorder_tx(
        &a,
        "foo.test",
        &a,
        640_000,
        burn_script(),
        &chain.ch(),
    )]);
    chain.mine_rejected(name_register_tx(&a, "foo.test", &a, None), "not ready");
    let ch = chain.ch();
    chain.mine_ok(vec![name_preorder_tx(
        &a,
        "foo.nope",
        &a,
        640_000,
        burn_script(),
        &ch,
    )]);
    chain.mine_rejected(name_register_tx(&a, "foo.nope", &a, None), "not ready");
}

/// §9.3 step 5, §13.13: the recipient of a registration may not already own 25 names.
#[test]
fn a_registration_to_an_owner_of_25_names_is_rejected() {
    let (mut chain, _) = chain_with_cheap_namespace();
    let (b, c) = (bob(), carol());
    chain.register_many(&names("c", 25, "cheap"), &c);
    chain.mine_ok(vec![chain.preorder_tx("gift.cheap", &b, &c)]);
    chain.mine_rejected(name_register_tx(&b, "gift.cheap", &c, None), "maximum");
}

/// §9.3 step 5: registrations earlier in the block count; the 25th is accepted, the 26th not.
#[test]
fn the_26th_name_registered_in_one_block_is_rejected() {
    let (mut chain, _) = chain_with_cheap_namespace();
    let c = carol();
    let all = names("c", 26, "cheap");
    chain.register_many(&all[..24], &c);
    chain.mine_ok(vec![
        chain.preorder_tx(&all[24], &c, &c),
        chain.preorder_tx(&all[25], &c, &c),
    ]);
    let m = chain.mine(vec![
        name_register_tx(&c, &all[24], &c, None),
        name_register_tx(&c, &all[25], &c, None),
    ]);
    m.assert_accepted(1).assert_rejected(2, "maximum");
    assert!(chain.state.name(&all[25]).is_none());
}

/// §9.3 step 7: the registration's input 0 must spend the preorder payer's script.
#[test]
fn a_registration_sent_by_someone_other_than_the_preorder_payer_is_rejected() {
    let (mut chain, a) = preordered_foo();
    chain.mine_rejected(name_register_tx(&bob(), "foo.test", &a, None), "preordered");
    chain.mine_accepted(name_register_tx(&a, "foo.test", &a, None));
}

/// §9.3 step 7: output 1 must pay the address committed in the preorder.
#[test]
fn a_registration_to_another_owner_than_preordered_is_rejected() {
    let (mut chain, a) = preordered_foo();
    chain.mine_rejected(name_register_tx(&a, "foo.test", &bob(), None), "preordered");
    chain.mine_accepted(name_register_tx(&a, "foo.test", &a, None));
}

/// §9.3 step 7, §8.5: a preorder is usable while `block + lifetime × M > lastblock`
/// (spec §12.8 blocks 161 and 162).
#[test]
fn a_preorder_older_than_the_namespace_lifetime_cannot_be_registered() {
    let mut chain = TestChain::epoch3();
    let spec = NsSpec::new("short", cheap_price(), 3);
    chain.create_namespace(&spec);
    let a = alice();
    chain.mine_ok(vec![
        chain.preorder_tx("p6.short", &a, &a),
        chain.preorder_tx("p7.short", &a, &a),
    ]);
    let pre = chain.tip;
    chain.mine_to(pre + 5);
    chain.mine_accepted(name_register_tx(&a, "p6.short", &a, None));
    assert_eq!(chain.tip, pre + 6);
    chain.mine_rejected(name_register_tx(&a, "p7.short", &a, None), "preordered");
}

/// §9.3 step 7: a name alive at lastblock cannot be taken by another preorder.
#[test]
fn a_registration_of_a_name_someone_else_owns_is_rejected() {
    let (mut chain, _) = registered_foo();
    let b = bob();
    chain.mine_ok(vec![chain.preorder_tx("foo.test", &b, &b)]);
    chain.mine_rejected(name_register_tx(&b, "foo.test", &b, None), "own");
}

/// §9.3 step 8b, §8.5: a preorder made before the namespace's READY cannot be registered
/// (spec §12.8 block 148, `pre.zone`); one made after it can.
#[test]
fn a_preorder_made_before_the_namespace_was_ready_cannot_be_registered() {
    let mut chain = TestChain::epoch3();
    let spec = NsSpec::new("test", test_price(), 52595);
    chain.preorder_namespace(&spec);
    chain.reveal_namespace(&spec);
    let a = alice();
    let ch = chain.ch();
    chain.mine_ok(vec![name_preorder_tx(
        &a,
        "foo.test",
        &a,
        640_000,
        burn_script(),
        &ch,
    )]);
    chain.ready_namespace("test");
    chain.mine_rejected(name_register_tx(&a, "foo.test", &a, None), "ready");
    chain.mine_ok(vec![chain.preorder_tx("bar.test", &a, &a)]);
    chain.mine_accepted(name_register_tx(&a, "bar.test", &a, None));
}

/// §9.3 step 9, §7.1: a fee one satoshi below the price is rejected; the price is accepted.
#[test]
fn a_registration_whose_preorder_paid_less_than_the_price_is_rejected() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    let ch = chain.ch();
    chain.mine_ok(vec![
        name_preorder_tx(&a, "foo.test", &a, 639_999, burn_script(), &ch),
        name_preorder_tx(&a, "bar.test", &a, 640_000, burn_script(), &ch),
    ]);
    chain.mine_rejected(name_register_tx(&a, "foo.test", &a, None), "price");
    chain.mine_accepted(name_register_tx(&a, "bar.test", &a, None));
}

/// §7.1, §12.7, §13.8: a non-integral price (12.5) rejects the floor (12) and accepts the
/// ceiling (13).
#[test]
fn a_fee_of_the_floor_of_a_fractional_price_is_rejected() {
    let mut chain = TestChain::epoch3();
    let spec = NsSpec::new(
        "frac",
        PriceFunction {
            coeff: 10,
            base: 2,
            buckets: [0; 16],
            nonalpha_discount: 8,
            no_vowel_discount: 1,
        },
        52595,
    );
    chain.create_namespace(&spec);
    let (a, b) = (alice(), bob());
    let ch = chain.ch();
    chain.mine_ok(vec![
        name_preorder_tx(&a, "a1.frac", &a, 12, burn_script(), &ch),
        name_preorder_tx(&b, "a1.frac", &b, 13, burn_script(), &ch),
    ]);
    chain.mine_rejected(name_register_tx(&a, "a1.frac", &a, None), "price");
    chain.mine_accepted(name_register_tx(&b, "a1.frac", &b, None));
}

/// §9.3 step 10, §7.3, §13.14: a version-1 namespace's name fee must go to the burn address.
#[test]
fn a_registration_whose_preorder_fee_was_not_burned_is_rejected() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    let ch = chain.ch();
    chain.mine_ok(vec![
        name_preorder_tx(&a, "foo.test", &a, 640_000, bob().script.clone(), &ch),
        name_preorder_tx(&a, "bar.test", &a, 640_000, burn_script(), &ch),
    ]);
    chain.mine_rejected(name_register_tx(&a, "foo.test", &a, None), "address");
    chain.mine_accepted(name_register_tx(&a, "bar.test", &a, None));
}

/// §7.3, §12.6: p2sh to twenty zero bytes is not the burn address (spec §12.8 block 138).
#[test]
fn a_fee_paid_to_the_all_zero_p2sh_address_is_not_burned() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    let ch = chain.ch();
    chain.mine_ok(vec![name_preorder_tx(
        &a,
        "foo.test",
        &a,
        640_000,
        p2sh_script(&[0; 20]),
        &ch,
    )]);
    chain.mine_rejected(name_register_tx(&a, "foo.test", &a, None), "address");
}

/// §9.3 step 8 "otherwise": no preorder and no registered name to renew.
#[test]
fn a_registration_without_any_preorder_is_rejected() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    chain.mine_rejected(name_register_tx(&a, "foo.test", &a, None), "preordered");
}

/// §9.3 effect, §13.5: the new row's owner is output 1, its `sender_pubkey` is the paying
/// sender's key, its blocks come from the preorder and its `op_fee` is the preorder's fee.
#[test]
fn a_registration_paid_by_another_key_records_the_payers_public_key() {
    let (mut chain, _) = chain_with_test_namespace();
    let (a, b) = (alice(), bob());
    chain.mine_ok(vec![chain.preorder_tx("gift.test", &b, &a)]);
    let pre_block = chain.tip;
    let m = chain.mine_accepted(name_register_tx(&b, "gift.test", &a, None));
    let rec = name_record(m.record(1)).clone();
    assert_eq!(rec, chain.name("gift.test"));
    assert_eq!(rec.sender, a.script_hex());
    assert_eq!(rec.address, a.address());
    assert_eq!(rec.sender_pubkey.as_deref(), Some(b.pubkey_hex().as_str()));
    assert_eq!(rec.block_number, pre_block);
    assert_eq!(rec.preorder_block_number, pre_block);
    assert_eq!(rec.first_registered, chain.tip);
    assert_eq!(rec.last_renewed, chain.tip);
    assert_eq!(rec.op, NameOp::Registration);
    assert_eq!(rec.op_fee, 160_000.0);
    assert_eq!(rec.last_creation_op, CreationOp::Preorder);
    let hash = preorder_hash_of("gift.test", &b, &a);
    assert_eq!(rec.preorder_hash, hash);
    assert!(chain.state.preorders(&hash).is_empty(), "preorder consumed");
    // REGISTER repeats sender and address at the end of the record (§10.1).
    let s = m.record(1).serialize();
    assert!(s.ends_with(&format!(",50:{},34:{}", a.script_hex(), a.address())));
}

/// §13.19: a `:` with four outputs is a registration, not a renewal, when a usable preorder
/// exists (spec §12.8 block 134).
#[test]
fn a_registration_with_four_outputs_and_a_preorder_is_a_registration() {
    let (mut chain, a) = preordered_foo();
    let m = chain.mine_accepted(
        name_register_tx(&a, "foo.test", &a, None).with_output(bob().script.clone(), 1000),
    );
    assert_eq!(name_record(m.record(1)).op, NameOp::Registration);
    assert_eq!(name_record(m.record(1)).op_fee, 640_000.0);
}

// ---- renewal (§9.4) ----------------------------------------------------------------------

/// §9.3 case B, §9.4 effect, §13.5: the owner renews; `last_renewed` moves, `sender_pubkey`
/// and the creation fields stay.
#[test]
fn an_owner_renews_with_a_fee_output() {
    let (mut chain, a) = registered_foo();
    let before = chain.name("foo.test");
    let m = chain.mine_accepted(chain.renew_tx("foo.test", &a));
    let rec = name_record(m.record(1)).clone();
    assert_eq!(rec.op, NameOp::Renewal);
    assert_eq!(rec.last_renewed, chain.tip);
    assert_eq!(rec.first_registered, before.first_registered);
    assert_eq!(rec.block_number, before.block_number);
    assert_eq!(rec.sender_pubkey, before.sender_pubkey);
    assert_eq!(rec.op_fee, 640_000.0);
    assert_eq!(rec, chain.name("foo.test"));
}

/// §9.3 case B step c: a renewal without output 3 pays no fee.
#[test]
fn a_renewal_without_a_fee_output_is_rejected() {
    let (mut chain, a) = registered_foo();
    chain.mine_rejected(name_register_tx(&a, "foo.test", &a, None), "fee");
    chain.mine_accepted(chain.renew_tx("foo.test", &a));
}

/// §9.3 case B step b, §9.4 step 9: only the owner may renew.
#[test]
fn a_renewal_by_someone_other_than_the_owner_is_rejected() {
    let (mut chain, a) = registered_foo();
    let b = bob();
    chain.mine_rejected(
        name_renew_tx(&b, "foo.test", &a, None, 640_000, burn_script()),
        "own",
    );
}

/// §9.4 step 11, §7.1: the renewal fee must cover the price at the renewal block.
#[test]
fn a_renewal_paying_less_than_the_price_is_rejected() {
    let (mut chain, a) = registered_foo();
    chain.mine_rejected(
        name_renew_tx(&a, "foo.test", &a, None, 639_999, burn_script()),
        "price",
    );
    chain.mine_accepted(name_renew_tx(
        &a,
        "foo.test",
        &a,
        None,
        640_000,
        burn_script(),
    ));
}

/// §9.4 step 12: the renewal fee must go to the burn address of a version-1 namespace.
#[test]
fn a_renewal_paying_its_fee_elsewhere_is_rejected() {
    let (mut chain, a) = registered_foo();
    chain.mine_rejected(
        name_renew_tx(&a, "foo.test", &a, None, 640_000, bob().script.clone()),
        "address",
    );
}

/// §9.4 step 4, §9.7: a revoked name cannot be renewed.
#[test]
fn a_renewal_of_a_revoked_name_is_rejected() {
    let (mut chain, a) = registered_foo();
    chain.mine_ok(vec![name_revoke_tx(&a, "foo.test")]);
    chain.mine_rejected(chain.renew_tx("foo.test", &a), "revoked");
}

/// §9.4 step 6, §13.13: an owner of 25 names cannot renew any of them (spec §12.8 block 163);
/// with 24 it can.
#[test]
fn an_owner_of_25_names_cannot_renew() {
    let (mut chain, _) = chain_with_cheap_namespace();
    let c = carol();
    let all = names("c", 25, "cheap");
    chain.register_many(&all, &c);
    let mut fewer = chain.clone();
    chain.mine_rejected(chain.renew_tx(&all[0], &c), "maximum");
    fewer.mine_ok(vec![name_revoke_tx(&c, &all[24])]);
    fewer.mine_accepted(fewer.renew_tx(&all[0], &c));
}

/// §9.3 case B step a, §9.4 step 2: before epoch 3 a renewal cannot change the owner.
#[test]
fn a_renewal_to_another_owner_is_rejected_before_epoch_3() {
    let (mut chain, _) = chain_in_epochs(104, 10_000);
    let (a, b) = (alice(), bob());
    chain.register("foo.test", &a);
    let fee = 6_400_000;
    chain.mine_rejected(
        name_renew_tx(&a, "foo.test", &b, None, fee, burn_script()),
        "own",
    );
    chain.mine_accepted(name_renew_tx(&a, "foo.test", &a, None, fee, burn_script()));
}

/// §9.4 step 2, §4 OP_RENEW_TRANSFER_UPDATE: in epoch 3 a renewal may go to a new owner and set
/// a value hash (spec §12.8 block 142).
#[test]
fn a_renewal_in_epoch_3_may_transfer_and_update() {
    let (mut chain, a) = registered_foo();
    let b = bob();
    let m = chain.mine_accepted(name_renew_tx(
        &a,
        "foo.test",
        &b,
        Some([0x55; 20]),
        640_000,
        burn_script(),
    ));
    let rec = name_record(m.record(1));
    assert_eq!(rec.sender, b.script_hex());
    assert_eq!(rec.address, b.address());
    assert_eq!(rec.value_hash.as_deref(), Some("55".repeat(20).as_str()));
    assert_eq!(
        rec.sender_pubkey.as_deref(),
        Some(a.pubkey_hex().as_str()),
        "the key stays the registration's"
    );
}

/// §9.4 step 11, §7.1: a renewal is priced at its own block's epoch (spec §12.9 block 127).
#[test]
fn a_renewal_is_priced_at_the_renewal_blocks_epoch() {
    let (mut chain, _) = chain_in_epochs(104, 130);
    let a = alice();
    chain.register("foo.test", &a);
    assert!(chain.next() <= 130);
    let epoch3_fee = 640_000;
    let mut later = chain.clone();
    chain.mine_rejected(
        name_renew_tx(&a, "foo.test", &a, None, epoch3_fee, burn_script()),
        "price",
    );
    later.mine_to(130);
    later.mine_accepted(name_renew_tx(
        &a,
        "foo.test",
        &a,
        None,
        epoch3_fee,
        burn_script(),
    ));
}

// ---- reference aborts (§14) --------------------------------------------------------------

/// §9.3 step 6, §2.6, §14: a registration to a native segwit (`00…`) recipient makes the
/// original abort; it must be refused without effect.
#[test]
fn a_registration_to_a_native_segwit_recipient_is_refused_as_a_reference_abort() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    let mut script = vec![0x00, 0x14];
    script.extend([0x7e; 20]);
    let segwit = bitcoin::ScriptBuf::from_bytes(script);
    let tx = name_register_tx(&a, "foo.test", &a, None).with_output_at(1, segwit, 5500);
    let m = chain.mine_rejected(tx, "aborts");
    assert!(matches!(
        m.rejection(1),
        Some(blockstack_consensus::Rejection::ReferenceAbort(_))
    ));
}

/// §9.3 step 4, §9.4 step 5: an imported name is registered but cannot be renewed before its
/// namespace is ready; after READY it can (spec §12.8 block 128).
#[test]
fn a_renewal_of_an_imported_name_before_ready_is_rejected() {
    let mut chain = TestChain::epoch3();
    let spec = NsSpec::new("test", test_price(), 52595);
    chain.preorder_namespace(&spec);
    chain.reveal_namespace(&spec);
    let (v, a) = (chain.revealer.clone(), alice());
    chain.mine_ok(vec![name_import_tx(&v, "imported.test", &a, [0x33; 20])]);
    let renew = name_renew_tx(&a, "imported.test", &a, None, 2500, burn_script());
    chain.mine_rejected(renew.clone(), "not ready");
    chain.ready_namespace("test");
    let m = chain.mine_accepted(name_renew_tx(
        &a,
        "imported.test",
        &a,
        None,
        2500,
        burn_script(),
    ));
    assert!(m.serialized()[0].contains(",6:2500.0,"));
}
