//! Same-block behaviour: lastblock visibility (spec §6.1, §13.1) and the collision rules of the
//! pre-scan and of block-order processing (spec §6.3, §6.4, §13.3).

mod support;

use blockstack_consensus::StateView;
use support::*;

/// `.test` ready; A and B each preordered `bar.test` for themselves in the tip block.
fn two_preorders_of_bar() -> (TestChain, Party, Party) {
    let (mut chain, _) = chain_with_test_namespace();
    let (a, b) = (alice(), bob());
    chain.mine_ok(vec![
        chain.preorder_tx("bar.test", &a, &a),
        chain.preorder_tx("bar.test", &b, &b),
    ]);
    (chain, a, b)
}

// ---- collisions --------------------------------------------------------------------------

/// §6.3, §13.3: two individually valid registrations of one name in one block are both
/// rejected and the block hashes like an empty one (spec §12.8 block 131); the preorders stay
/// and one of them registers in the next block (block 132).
#[test]
fn two_valid_registrations_of_one_name_in_one_block_are_both_rejected() {
    let (mut chain, a, b) = two_preorders_of_bar();
    let before = chain.snapshot();
    let m = chain.mine(vec![
        name_register_tx(&a, "bar.test", &a, None),
        name_register_tx(&b, "bar.test", &b, None),
    ]);
    m.assert_rejected(1, "collides")
        .assert_rejected(2, "collides");
    assert_no_effect(&m);
    assert_eq!(before, chain.snapshot());
    assert!(chain.state.name("bar.test").is_none());
    chain.mine_accepted(name_register_tx(&a, "bar.test", &a, None));
    assert_eq!(chain.name("bar.test").sender, a.script_hex());
}

/// §6.4: when the pre-scan finds only one valid registration (the other's preorder is in the
/// same block), the first in block order to reach the collision step wins.
#[test]
fn the_first_registration_in_block_order_wins_when_the_prescan_sees_no_conflict() {
    let (mut chain, _) = chain_with_test_namespace();
    let (a, b) = (alice(), bob());
    chain.mine_ok(vec![chain.preorder_tx("bar.test", &b, &b)]);
    let a_pre = chain.preorder_tx("bar.test", &a, &a);
    let a_reg = name_register_tx(&a, "bar.test", &a, None);
    let b_reg = name_register_tx(&b, "bar.test", &b, None);

    let mut a_first = chain.clone();
    let m = a_first.mine(vec![a_pre.clone(), a_reg.clone(), b_reg.clone()]);
    m.assert_accepted(1)
        .assert_accepted(2)
        .assert_rejected(3, "collides");
    assert_eq!(a_first.name("bar.test").sender, a.script_hex());

    let m = chain.mine(vec![b_reg, a_pre, a_reg]);
    m.assert_accepted(1)
        .assert_accepted(2)
        .assert_rejected(3, "collides");
    assert_eq!(chain.name("bar.test").sender, b.script_hex());
}

/// §6.3: a registration that is invalid against the pre-block state does not make a valid one
/// collide.
#[test]
fn an_invalid_registration_does_not_collide_with_a_valid_one() {
    let (mut chain, a, _) = two_preorders_of_bar();
    let m = chain.mine(vec![
        name_register_tx(&carol(), "bar.test", &carol(), None),
        name_register_tx(&a, "bar.test", &a, None),
    ]);
    m.assert_rejected(1, "preordered").assert_accepted(2);
}

/// §6.3: registrations of different names in one block do not collide.
#[test]
fn registrations_of_different_names_in_one_block_do_not_collide() {
    let (mut chain, _) = chain_with_test_namespace();
    let (a, b) = (alice(), bob());
    chain.mine_ok(vec![
        chain.preorder_tx("one.test", &a, &a),
        chain.preorder_tx("two.test", &b, &b),
    ]);
    chain
        .mine(vec![
            name_register_tx(&a, "one.test", &a, None),
            name_register_tx(&b, "two.test", &b, None),
        ])
        .assert_all_accepted();
}

// ---- lastblock visibility ----------------------------------------------------------------

/// §6.1, §13.1: a preorder and its registration may share a block (spec §12.8 block 129).
#[test]
fn a_preorder_and_its_registration_may_share_a_block() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    let m = chain.mine(vec![
        chain.preorder_tx("baz.test", &a, &a),
        name_register_tx(&a, "baz.test", &a, None),
    ]);
    m.assert_all_accepted();
    let rec = chain.name("baz.test");
    assert_eq!(rec.preorder_block_number, chain.tip);
    assert_eq!(rec.first_registered, chain.tip);
    assert!(chain
        .state
        .preorders(&preorder_hash_of("baz.test", &a, &a))
        .is_empty());
}

/// §6.1, §6.2: ops are processed in block order, so a registration placed before its
/// same-block preorder finds no preorder.
#[test]
fn a_registration_before_its_preorder_in_the_same_block_is_rejected() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    let m = chain.mine(vec![
        name_register_tx(&a, "baz.test", &a, None),
        chain.preorder_tx("baz.test", &a, &a),
    ]);
    m.assert_rejected(1, "preordered").assert_accepted(2);
}

/// §6.1, §13.1: a name registered in block N is invisible to an update later in N (spec §12.8
/// block 148) and visible in N + 1.
#[test]
fn a_name_registered_in_a_block_cannot_be_updated_in_that_block() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    chain.mine_ok(vec![chain.preorder_tx("foo.test", &a, &a)]);
    let ch = chain.ch();
    let m = chain.mine(vec![
        name_register_tx(&a, "foo.test", &a, None),
        name_update_tx(&a, "foo.test", &ch, [0x22; 20]),
    ]);
    m.assert_accepted(1).assert_rejected(2, "matches");
    assert_eq!(chain.name("foo.test").value_hash, None);
    chain.mine_accepted(name_update_tx(&a, "foo.test", &chain.ch(), [0x22; 20]));
}

/// §6.1, §13.1: a name registered in block N cannot be transferred or revoked later in N.
#[test]
fn a_name_registered_in_a_block_cannot_be_transferred_or_revoked_in_that_block() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    chain.mine_ok(vec![chain.preorder_tx("foo.test", &a, &a)]);
    let ch = chain.ch();
    let m = chain.mine(vec![
        name_register_tx(&a, "foo.test", &a, None),
        name_transfer_tx(&a, "foo.test", &bob(), true, &ch),
        name_revoke_tx(&a, "foo.test"),
    ]);
    m.assert_accepted(1)
        .assert_rejected(2, "name hash")
        .assert_rejected(3, "does not exist");
    let rec = chain.name("foo.test");
    assert_eq!(rec.sender, a.script_hex());
    assert!(!rec.revoked);
}

/// §6.1: rows changed in place earlier in the block are seen with their new values: after a
/// transfer the new owner may update, the old one may not.
#[test]
fn a_transfer_earlier_in_the_block_is_visible_to_later_ops() {
    let (mut chain, _) = chain_with_test_namespace();
    let (a, b) = (alice(), bob());
    chain.register("foo.test", &a);
    let ch = chain.ch();
    let m = chain.mine(vec![
        name_transfer_tx(&a, "foo.test", &b, true, &ch),
        name_update_tx(&a, "foo.test", &ch, [0x11; 20]),
        name_update_tx(&b, "foo.test", &ch, [0x22; 20]),
    ]);
    m.assert_accepted(1)
        .assert_rejected(2, "matches")
        .assert_accepted(3);
    let rec = chain.name("foo.test");
    assert_eq!(rec.sender, b.script_hex());
    assert_eq!(rec.value_hash.as_deref(), Some("22".repeat(20).as_str()));
}

/// §6.1, §13.1: READY takes effect within its block: a preorder and a registration after it in
/// the same block are accepted (spec §12.8 block 147).
#[test]
fn ready_takes_effect_within_its_block() {
    let mut chain = TestChain::epoch3();
    let spec = NsSpec::new("test", test_price(), 52595);
    chain.preorder_namespace(&spec);
    chain.reveal_namespace(&spec);
    let (v, a) = (chain.revealer.clone(), alice());
    let ch = chain.ch();
    let m = chain.mine(vec![
        namespace_ready_tx(&v, "test"),
        name_preorder_tx(&a, "foo.test", &a, 640_000, burn_script(), &ch),
        name_register_tx(&a, "foo.test", &a, None),
    ]);
    m.assert_all_accepted();
}

/// §6.1: a registration before READY in the same block still sees the namespace unready.
#[test]
fn a_registration_before_ready_in_the_same_block_is_rejected() {
    let mut chain = TestChain::epoch3();
    let spec = NsSpec::new("test", test_price(), 52595);
    chain.preorder_namespace(&spec);
    chain.reveal_namespace(&spec);
    let (v, a) = (chain.revealer.clone(), alice());
    let ch = chain.ch();
    let m = chain.mine(vec![
        name_preorder_tx(&a, "foo.test", &a, 640_000, burn_script(), &ch),
        name_register_tx(&a, "foo.test", &a, None),
        namespace_ready_tx(&v, "test"),
    ]);
    m.assert_accepted(1)
        .assert_rejected(2, "not ready")
        .assert_accepted(3);
}

/// §6.3 step 2: the pre-scan passes every earlier scanned op to validation, failed ones as
/// parsed, so a failed registration counts against its sender's quota there; that can make a
/// registration fail in the pre-scan only, and then "first valid wins" applies instead of both
/// colliding.
#[test]
fn a_failed_registration_counts_toward_its_senders_quota_in_the_prescan() {
    let (mut chain, _) = chain_with_test_namespace();
    let (b, c) = (bob(), carol());
    chain.register_many(&names("c", 24, "test"), &c);
    chain.mine_ok(vec![
        chain.preorder_tx("bar.test", &c, &c),
        chain.preorder_tx("bar.test", &b, &b),
    ]);
    let failed = name_register_tx(&c, "nopreorder.test", &c, None);
    let c_reg = name_register_tx(&c, "bar.test", &c, None);
    let b_reg = name_register_tx(&b, "bar.test", &b, None);

    let mut without = chain.clone();
    let m = without.mine(vec![c_reg.clone(), b_reg.clone()]);
    m.assert_rejected(1, "collides")
        .assert_rejected(2, "collides");

    let m = chain.mine(vec![failed, c_reg, b_reg]);
    m.assert_rejected(1, "preordered")
        .assert_accepted(2)
        .assert_rejected(3, "collides");
    assert_eq!(chain.name("bar.test").sender, c.script_hex());
}

/// §6.3 step 2: a second renewal of a name in one block is rejected by the collision step,
/// and the first (a renewal, not a creation) is not marked collided, so it stands.
#[test]
fn of_two_renewals_of_one_name_in_one_block_the_first_wins() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    chain.register("foo.test", &a);
    let m = chain.mine(vec![
        chain.renew_tx("foo.test", &a),
        chain.renew_tx("foo.test", &a),
    ]);
    m.assert_accepted(1).assert_rejected(2, "collides");
}

/// §6.3 step 2: when the collision step fires, the pre-scan marks *every* earlier scanned op
/// with that name whose op string is a registration or import — failed ones included, since
/// they stay as parsed (`op` = `:`). So a failed registration of a name followed by two
/// renewals of it puts the name in the block's collision set, and both renewals are rejected.
#[test]
fn a_failed_registration_before_two_renewals_makes_both_renewals_collide() {
    let (mut chain, _) = chain_with_test_namespace();
    let (a, c) = (alice(), carol());
    chain.register("foo.test", &a);
    let before = chain.snapshot();
    let m = chain.mine(vec![
        name_register_tx(&c, "foo.test", &c, None),
        chain.renew_tx("foo.test", &a),
        chain.renew_tx("foo.test", &a),
    ]);
    m.assert_rejected(1, "own")
        .assert_rejected(2, "collides")
        .assert_rejected(3, "collides");
    assert_no_effect(&m);
    assert_eq!(before, chain.snapshot());
}

/// §6.1, §9.6: transfers are not state-creating, so a name may change hands twice in one block,
/// the second transfer seeing the first's new owner.
#[test]
fn a_name_can_be_transferred_twice_in_one_block() {
    let (mut chain, _) = chain_with_test_namespace();
    let (a, b, c) = (alice(), bob(), carol());
    chain.register("foo.test", &a);
    let ch = chain.ch();
    chain
        .mine(vec![
            name_transfer_tx(&a, "foo.test", &b, true, &ch),
            name_transfer_tx(&b, "foo.test", &c, true, &ch),
        ])
        .assert_all_accepted();
    assert_eq!(chain.name("foo.test").sender, c.script_hex());
}

/// §6.1: a revoke earlier in the block is visible to a later transfer of the name.
#[test]
fn a_revoke_earlier_in_the_block_blocks_a_later_transfer() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    chain.register("foo.test", &a);
    let ch = chain.ch();
    let m = chain.mine(vec![
        name_revoke_tx(&a, "foo.test"),
        name_transfer_tx(&a, "foo.test", &bob(), true, &ch),
    ]);
    m.assert_accepted(1).assert_rejected(2, "name hash");
}

/// §9.6 step 11, §6.1: the transfer quota counts the recipient's names at lastblock only, so a
/// registration to the recipient earlier in the block does not count.
#[test]
fn a_transfer_quota_ignores_same_block_registrations_of_the_recipient() {
    let (mut chain, _) = chain_with_cheap_namespace();
    let (a, c) = (alice(), carol());
    let all = names("c", 25, "cheap");
    chain.register_many(&all[..24], &c);
    chain.register("mine.cheap", &a);
    chain.mine_ok(vec![chain.preorder_tx(&all[24], &c, &c)]);
    let ch = chain.ch();
    chain
        .mine(vec![
            name_register_tx(&c, &all[24], &c, None),
            name_transfer_tx(&a, "mine.cheap", &c, true, &ch),
        ])
        .assert_all_accepted();
    // Carol now owns 26 names: updates are refused (> 25).
    chain.mine_rejected(
        name_update_tx(&c, &all[0], &chain.ch(), [1; 20]),
        "more than",
    );
}

/// §6.1, §9.11, §9.12: an import before READY in the same block is accepted; one after it is
/// not (the namespace is no longer merely revealed).
#[test]
fn imports_before_ready_in_the_same_block_are_accepted_and_after_it_rejected() {
    let mut chain = TestChain::epoch3();
    let spec = NsSpec::new("test", test_price(), 52595);
    chain.preorder_namespace(&spec);
    chain.reveal_namespace(&spec);
    let (v, a) = (chain.revealer.clone(), alice());
    let m = chain.mine(vec![
        name_import_tx(&v, "before.test", &a, [1; 20]),
        namespace_ready_tx(&v, "test"),
        name_import_tx(&v, "after.test", &a, [2; 20]),
    ]);
    m.assert_accepted(1)
        .assert_accepted(2)
        .assert_rejected(3, "not revealed");
}

/// §9.6 quirk, §6.1: the history walk includes ops applied earlier in the block, so a transfer
/// right after a same-block update records the update's consensus hash.
#[test]
fn a_transfer_after_a_same_block_update_records_the_updates_consensus_hash() {
    let (mut chain, _) = chain_with_test_namespace();
    let (a, b) = (alice(), bob());
    chain.register("foo.test", &a);
    chain.mine_to(chain.tip + 3);
    let update_ch = chain.consensus_hash(chain.tip - 2);
    let own = chain.ch();
    let m = chain.mine(vec![
        name_update_tx(&a, "foo.test", &update_ch, [0x22; 20]),
        name_transfer_tx(&a, "foo.test", &b, true, &own),
    ]);
    m.assert_all_accepted();
    assert_eq!(
        name_record(m.record(2)).consensus_hash.as_deref(),
        Some(update_ch.as_str())
    );
}
