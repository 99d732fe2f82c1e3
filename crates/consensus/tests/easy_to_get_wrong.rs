//! One test per item of spec §13, "Things that are easy to get wrong", each built as the
//! minimal chain where the item decides the outcome.

mod support;

use blockstack_consensus::price::PriceFunction;
use blockstack_consensus::record::NameOp;
use blockstack_consensus::{ConsensusRecord, StateView};
use support::*;

/// §13 item 1, §6.1: in one block a preorder is visible to its registration, but the name
/// registered is invisible to an update after it.
#[test]
fn item_01_lastblock_hides_new_names_but_not_new_preorders() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    let ch = chain.ch();
    let m = chain.mine(vec![
        chain.preorder_tx("foo.test", &a, &a),
        name_register_tx(&a, "foo.test", &a, None),
        name_update_tx(&a, "foo.test", &ch, [0x22; 20]),
    ]);
    m.assert_accepted(1)
        .assert_accepted(2)
        .assert_rejected(3, "matches");
}

/// §13 item 2, §8.5: a name preorder much older than 144 blocks still registers (spec §12.8
/// block 400).
#[test]
fn item_02_name_preorders_do_not_time_out_after_144_blocks() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    chain.mine_ok(vec![chain.preorder_tx("old.test", &a, &a)]);
    chain.mine_to(chain.tip + 244);
    chain.mine_accepted(name_register_tx(&a, "old.test", &a, None));
}

/// §13 item 3, §6.3: when several registrations of one name are individually valid, every one
/// of them is rejected, not all but the first.
#[test]
fn item_03_three_valid_registrations_of_one_name_are_all_rejected() {
    let (mut chain, _) = chain_with_test_namespace();
    let parties = [alice(), bob(), carol()];
    chain.mine_ok(
        parties
            .iter()
            .map(|p| chain.preorder_tx("bar.test", p, p))
            .collect(),
    );
    let m = chain.mine(
        parties
            .iter()
            .map(|p| name_register_tx(p, "bar.test", p, None))
            .collect(),
    );
    for i in 1..=3 {
        m.assert_rejected(i, "collides");
    }
    assert_no_effect(&m);
}

/// §13 item 4, §5.5: `vtxindex` is the transaction's position in the Bitcoin block and enters
/// the record and the consensus hash.
#[test]
fn item_04_vtxindex_is_the_position_in_the_bitcoin_block() {
    let (chain, _) = chain_with_test_namespace();
    let a = alice();
    let tx = chain.preorder_tx("foo.test", &a, &a);
    let mut at7 = chain.clone();
    let m7 = at7.mine_at(vec![(7, tx.clone())]);
    let mut at8 = chain.clone();
    let m8 = at8.mine_at(vec![(8, tx)]);
    let ConsensusRecord::NamePreorder(p) = m7.record(7) else {
        panic!("not a preorder");
    };
    assert_eq!(p.vtxindex, 7);
    assert!(m7.serialized()[0].contains(",1:7,"));
    assert_ne!(m7.outcome.consensus_hash, m8.outcome.consensus_hash);
}

/// §13 item 5, §9.4: a renewal keeps the previous record's `sender_pubkey` (null after a
/// transfer) rather than the renewing transaction's key (spec §12.8 block 126).
#[test]
fn item_05_a_renewal_after_a_transfer_keeps_the_null_sender_pubkey() {
    let (mut chain, _) = chain_with_test_namespace();
    let (a, b) = (alice(), bob());
    chain.register("foo.test", &a);
    chain.mine_ok(vec![name_transfer_tx(
        &a,
        "foo.test",
        &b,
        true,
        &chain.ch(),
    )]);
    let m = chain.mine_accepted(chain.renew_tx("foo.test", &b));
    let rec = name_record(m.record(1));
    assert_eq!(rec.op, NameOp::Renewal);
    assert_eq!(rec.sender_pubkey, None);
    let s = m.record(1).serialize();
    assert!(s.contains(&format!(",50:{},0:,", b.script_hex())));
}

/// §13 item 6, §9.6: a transfer records the consensus hash of the last update since the
/// registration, skipping renewals and transfers; with no update, its own payload's.
#[test]
fn item_06_a_transfer_hashes_the_last_updates_consensus_hash() {
    let (mut chain, _) = chain_with_test_namespace();
    let (a, b, c) = (alice(), bob(), carol());
    chain.register("foo.test", &a);
    chain.register("bar.test", &a);
    let update_ch = chain.ch();
    chain.mine_ok(vec![name_update_tx(&a, "foo.test", &update_ch, [0x22; 20])]);
    chain.mine_ok(vec![chain.renew_tx("foo.test", &a)]);
    let own = chain.ch();
    assert_ne!(own, update_ch);
    let m = chain.mine_accepted(name_transfer_tx(&a, "foo.test", &b, true, &own));
    assert_eq!(
        name_record(m.record(1)).consensus_hash.as_deref(),
        Some(update_ch.as_str())
    );
    assert!(m.serialized()[0].ends_with(&format!(",32:{update_ch},4:True")));
    let m = chain.mine_accepted(name_transfer_tx(&b, "foo.test", &c, true, &chain.ch()));
    assert_eq!(
        name_record(m.record(1)).consensus_hash.as_deref(),
        Some(update_ch.as_str())
    );
    let own = chain.ch();
    let m = chain.mine_accepted(name_transfer_tx(&a, "bar.test", &b, false, &own));
    assert_eq!(
        name_record(m.record(1)).consensus_hash.as_deref(),
        Some(own.as_str())
    );
}

/// §13 item 7, §2.7, §9.12: an imported name's `op_fee` renders as a Python float in every
/// later op — in exponent form from 1e11 — while a registered name's renders as an integer.
#[test]
fn item_07_imported_names_render_op_fee_as_a_python_float() {
    let mut chain = TestChain::epoch3();
    let spec = NsSpec::new(
        "big",
        PriceFunction {
            coeff: 255,
            base: 255,
            buckets: [15; 16],
            nonalpha_discount: 1,
            no_vowel_discount: 1,
        },
        52595,
    );
    chain.preorder_namespace(&spec);
    chain.reveal_namespace(&spec);
    let (v, a) = (chain.revealer.clone(), alice());
    let m = chain.mine_accepted(name_import_tx(&v, "a.big", &a, [0x33; 20]));
    assert!(m.serialized()[0].contains(",17:3.19626579315e+39,"));
    chain.ready_namespace("big");
    let m = chain.mine_accepted(name_update_tx(&a, "a.big", &chain.ch(), [0x44; 20]));
    assert!(m.serialized()[0].contains(",17:3.19626579315e+39,"));

    let (mut chain, _) = chain_with_test_namespace();
    chain.register("foo.test", &a);
    let m = chain.mine_accepted(name_update_tx(&a, "foo.test", &chain.ch(), [0x44; 20]));
    assert!(m.serialized()[0].contains(",6:640000,"));
}

/// §13 item 8, §7.1, §12.9: a registration is priced at its preorder block's epoch, not its
/// own: an epoch-2 preorder paying the epoch-3 price is rejected when registered in epoch 3.
#[test]
fn item_08_a_registration_is_priced_at_its_preorder_blocks_epoch() {
    let (mut chain, _) = chain_in_epochs(104, 120);
    let a = alice();
    let ch = chain.ch();
    chain.mine_ok(vec![
        name_preorder_tx(&a, "foo.test", &a, 640_000, burn_script(), &ch),
        name_preorder_tx(&a, "bar.test", &a, 6_400_000, burn_script(), &ch),
    ]);
    chain.mine_to(120);
    assert_eq!(chain.rules.epoch(chain.next()).number, 3);
    let m = chain.mine(vec![
        name_register_tx(&a, "foo.test", &a, None),
        name_register_tx(&a, "bar.test", &a, None),
    ]);
    m.assert_rejected(1, "price").assert_accepted(2);
}

/// §13 item 8, §7.1, §12.3: the larger discount applies (not their product), `y` is a vowel,
/// and the 100-satoshi floor comes before the epoch multiplier.
#[test]
fn item_08_prices_take_the_larger_discount_count_y_as_a_vowel_and_floor_first() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    let floor = NsSpec::new(
        "free",
        PriceFunction {
            coeff: 0,
            ..cheap_price()
        },
        52595,
    );
    chain.create_namespace(&floor);
    let ch = chain.ch();
    let cases = [
        ("xyz1.test", 16_000),
        ("rhythm.test", 10_000),
        ("zero.free", 10),
    ];
    let mut pre = Vec::new();
    for (i, (name, price)) in cases.iter().enumerate() {
        let payer = Party::p2pkh(&format!("payer-{i}"));
        pre.push(name_preorder_tx(
            &a,
            name,
            &a,
            price - 1,
            burn_script(),
            &ch,
        ));
        pre.push(name_preorder_tx(
            &payer,
            name,
            &payer,
            *price,
            burn_script(),
            &ch,
        ));
    }
    chain.mine_ok(pre);
    for (i, (name, _)) in cases.iter().enumerate() {
        let payer = Party::p2pkh(&format!("payer-{i}"));
        let m = chain.mine(vec![
            name_register_tx(&a, name, &a, None),
            name_register_tx(&payer, name, &payer, None),
        ]);
        m.assert_rejected(1, "price").assert_accepted(2);
    }
}

/// §13 item 9, §10.3, §10.4, §12.4: the Merkle byte order and skip list give the spec's
/// empty-block consensus hashes from the first block.
#[test]
fn item_09_empty_blocks_from_the_first_block_have_the_spec_consensus_hashes() {
    let mut chain = TestChain::epoch3();
    chain.mine_to(FIRST_BLOCK + 7);
    let want = [
        "2a9148d8b13939723d2aca16c75c6d68",
        "1c54465d3486f07be2c7a81af0ef44ad",
        "0efa29f955c6ae3bb5037039d89dba5e",
        "9daa6e59877b9e0ca4772a3df475abd2",
        "996ff3a1e5d612d4e4cf73dea04ccee6",
        "7ffaa0c606e1ebc5240b21934f8cffaa",
        "837782072d30d8cd90041eb1157d0f3b",
        "04c955e6e2c806ead334df392e433b63",
    ];
    for (i, ch) in want.iter().enumerate() {
        assert_eq!(chain.consensus_hash(FIRST_BLOCK + i as u64), *ch, "F+{i}");
    }
}

/// §13 item 10, §10.4: exactly the consensus hashes of blocks N − 1 … N − 24 are valid.
#[test]
fn item_10_the_consensus_hash_window_is_exactly_the_24_previous_blocks() {
    let (mut chain, _) = chain_with_test_namespace();
    chain.mine_to(160);
    let a = alice();
    let n = chain.next();
    for back in 1..=25u64 {
        let ch = chain.consensus_hash(n - back);
        let m = chain.dry_run(vec![name_preorder_tx(
            &a,
            "foo.test",
            &a,
            640_000,
            burn_script(),
            &ch,
        )]);
        assert_eq!(m.accepted(1), back <= 24, "N - {back}");
    }
}

/// §13 item 11, §8.1: the ready-block bound is strict and the last-renewed bound is not: a name
/// registered in the READY block outlives a name imported before it by exactly one block.
#[test]
fn item_11_expiry_mixes_strict_and_non_strict_comparisons() {
    let mut rules = epoch3_rules();
    rules.epochs[2].grace_period = 10;
    let mut chain = TestChain::new(rules);
    let spec = NsSpec::new("exp", cheap_price(), 3);
    chain.preorder_namespace(&spec);
    chain.reveal_namespace(&spec);
    let (v, a) = (chain.revealer.clone(), alice());
    chain.mine_ok(vec![name_import_tx(&v, "imp.exp", &a, [0x33; 20])]);
    let ch = chain.ch();
    chain.mine_ok(vec![
        namespace_ready_tx(&v, "exp"),
        name_preorder_tx(&a, "reg.exp", &a, 10, burn_script(), &ch),
        name_register_tx(&a, "reg.exp", &a, None),
    ]);
    let ready = chain.tip;
    assert_eq!(chain.name("reg.exp").last_renewed, ready);
    chain.mine_to(ready + 6 + 10);
    let ch = chain.ch();
    let m = chain.mine(vec![
        name_update_tx(&a, "imp.exp", &ch, [1; 20]),
        name_update_tx(&a, "reg.exp", &ch, [2; 20]),
    ]);
    m.assert_rejected(1, "matches").assert_accepted(2);
}

/// §13 item 12, §2.2: b40 drops leading zeros, so a preorder for `a.test` registers
/// `0a.test`.
#[test]
fn item_12_a_preorder_for_a_dot_test_registers_0a_dot_test() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    assert_eq!(
        preorder_hash_of("a.test", &a, &a),
        preorder_hash_of("0a.test", &a, &a)
    );
    chain.mine_ok(vec![chain.preorder_tx("a.test", &a, &a)]);
    chain.mine_accepted(name_register_tx(&a, "0a.test", &a, None));
    assert!(chain.state.name("0a.test").is_some());
    assert!(chain.state.name("a.test").is_none());
}

/// §13 item 13: with 25 names an owner can still update (> 25 rejects) but cannot preorder,
/// renew or receive a transfer (≥ 25 rejects).
#[test]
fn item_13_quota_25_applies_as_at_least_25_except_for_updates() {
    let (mut chain, _) = chain_with_cheap_namespace();
    let (a, c) = (alice(), carol());
    let all = names("c", 25, "cheap");
    chain.register_many(&all, &c);
    chain.register("mine.cheap", &a);
    let ch = chain.ch();
    let m = chain.mine(vec![
        name_update_tx(&c, &all[1], &ch, [1; 20]),
        chain.preorder_tx("extra.cheap", &c, &c),
        chain.renew_tx(&all[0], &c),
        name_transfer_tx(&a, "mine.cheap", &c, true, &ch),
    ]);
    m.assert_accepted(1)
        .assert_rejected(2, "maximum")
        .assert_rejected(3, "maximum")
        .assert_rejected(4, "maximum");
}

/// §13 item 14, §9.9: a namespace preorder's fee may go anywhere (spec §12.8 blocks 155, 456),
/// while a name preorder's must be burned.
#[test]
fn item_14_namespace_fees_are_never_checked_but_name_fees_are() {
    let mut chain = TestChain::epoch3();
    let (p, v, a) = (chain.ns_payer.clone(), chain.revealer.clone(), alice());
    let ch = chain.ch();
    chain.mine_ok(vec![namespace_preorder_tx(
        &p,
        "test",
        &v,
        40_000_000,
        a.script.clone(),
        &ch,
    )]);
    chain.mine_accepted(namespace_reveal_tx(
        &p,
        &NsSpec::new("test", test_price(), 52595),
        &v,
    ));
    chain.ready_namespace("test");
    let ch = chain.ch();
    chain.mine_ok(vec![name_preorder_tx(
        &a,
        "foo.test",
        &a,
        640_000,
        p.script.clone(),
        &ch,
    )]);
    chain.mine_rejected(name_register_tx(&a, "foo.test", &a, None), "address");
}

/// §13 item 15, §5.2 step 5: output indices count the OP_RETURN output wherever it is; a
/// preorder with the OP_RETURN in the middle still takes output 2 as its fee, and a transfer
/// whose output 1 is the OP_RETURN has no recipient.
#[test]
fn item_15_output_indices_count_the_op_return_wherever_it_is() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    let mut pre = chain.preorder_tx("foo.test", &a, &a);
    pre.tx.output.swap(0, 1);
    let m = chain.mine_accepted(pre);
    let ConsensusRecord::NamePreorder(p) = m.record(1) else {
        panic!("not a preorder");
    };
    assert_eq!(p.op_fee, 640_000);
    chain.mine_ok(vec![name_register_tx(&a, "foo.test", &a, None)]);
    let mut transfer = name_transfer_tx(&a, "foo.test", &bob(), true, &chain.ch());
    transfer.tx.output.swap(0, 1);
    assert_eq!(
        chain.mine_ignored(transfer),
        blockstack_consensus::ParseError::OutputAddress(1)
    );
}

/// §13 item 16, §5.4: a second scriptSig token that is not a public key poisons the whole op.
#[test]
fn item_16_a_scriptsig_whose_second_token_is_not_a_public_key_drops_the_op() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    let mut sig = push(&dummy_sig());
    sig.extend(push(&[0x02; 10]));
    let tx = chain
        .preorder_tx("foo.test", &a, &a)
        .with_script_sig(bitcoin::ScriptBuf::from_bytes(sig));
    assert_eq!(
        chain.mine_ignored(tx),
        blockstack_consensus::ParseError::BadSenderPubkey
    );
    chain.mine_accepted(chain.preorder_tx("foo.test", &a, &a));
}

/// §13 item 17, §9.12 step 4: the keychain is built once, from the first importer's key: its
/// children 0 … 4 (test mode) plus its own address, and stored in the state.
#[test]
fn item_17_the_keychain_is_the_first_importers_children_plus_itself() {
    let mut chain = TestChain::epoch3();
    let spec = NsSpec::new("test", test_price(), 52595);
    chain.preorder_namespace(&spec);
    chain.reveal_namespace(&spec);
    let v = chain.revealer.clone();
    chain.mine_ok(vec![name_import_tx(&v, "first.test", &alice(), [1; 20])]);
    let mut keychain = chain.state.keychain("test").expect("keychain stored");
    keychain.sort();
    let mut want: Vec<String> = (0..5).map(|i| v.keychain_child(i).address()).collect();
    want.push(v.address());
    want.sort();
    assert_eq!(keychain, want);
}

/// §13 item 18, §9.11, §7.3: READY makes the revealer the sender but pay-to-creator fees go to
/// the unchanged `address`, the payer's.
#[test]
fn item_18_pay_to_creator_fees_go_to_the_payer_not_the_revealer() {
    let mut chain = TestChain::epoch3();
    let mut spec = NsSpec::new("test", test_price(), 52595);
    spec.version = 2;
    chain.create_namespace(&spec);
    let (p, v) = (chain.ns_payer.clone(), chain.revealer.clone());
    assert_eq!(chain.namespace("test").sender, v.script_hex());
    let (a, b) = (alice(), bob());
    let ch = chain.ch();
    chain.mine_ok(vec![
        name_preorder_tx(&a, "foo.test", &a, 640_000, v.script.clone(), &ch),
        name_preorder_tx(&b, "foo.test", &b, 640_000, p.script.clone(), &ch),
    ]);
    chain.mine_rejected(name_register_tx(&a, "foo.test", &a, None), "address");
    chain.mine_accepted(name_register_tx(&b, "foo.test", &b, None));
}

/// §13 item 19, §9.3 step 8: a `:` with four outputs for a name that is neither preordered nor
/// registered is rejected, not taken as a renewal.
#[test]
fn item_19_four_outputs_do_not_make_a_registration_a_renewal() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    chain.mine_rejected(
        name_renew_tx(&a, "foo.test", &a, None, 640_000, burn_script()),
        "preordered",
    );
}

/// §13 item 20, §9.8: ANNOUNCE changes nothing and the block hashes like an empty one (spec
/// §12.8 block 135).
#[test]
fn item_20_announce_has_no_consensus_effect() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    chain.register("foo.test", &a);
    let data = blockstack_consensus::op::announce::Payload {
        message_hash: [0x99; 20],
    }
    .encode();
    chain.mine_rejected(
        op_tx(&a, &data, vec![(a.script.clone(), 100_000_000)]),
        "announce",
    );
}

/// §13 item 7, §9.12: the float `op_fee` of an imported name also appears in its transfer and
/// revoke records.
#[test]
fn item_07_transfers_and_revokes_of_imported_names_render_a_float_fee() {
    let mut chain = TestChain::epoch3();
    let spec = NsSpec::new("test", test_price(), 52595);
    chain.preorder_namespace(&spec);
    chain.reveal_namespace(&spec);
    let (v, a, b) = (chain.revealer.clone(), alice(), bob());
    chain.mine_ok(vec![name_import_tx(&v, "imported.test", &a, [0x33; 20])]);
    chain.ready_namespace("test");
    let m = chain.mine_accepted(name_transfer_tx(&a, "imported.test", &b, true, &chain.ch()));
    assert!(m.serialized()[0].contains(",6:2500.0,"));
    let m = chain.mine_accepted(name_revoke_tx(&b, "imported.test"));
    assert!(m.serialized()[0].contains(",6:2500.0,"));
}
