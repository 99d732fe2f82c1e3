//! Lifetimes, expiry and the grace period (spec §8), for every name op at each window boundary,
//! in a short-lifetime epoch-3 namespace like spec §12.8's `expiring` (lifetime 3, so L = 3 × 2
//! = 6) with the grace period overridden to G = 10 (the test mode's
//! `BLOCKSTACK_EPOCH_3_NAMESPACE_LIFETIME_GRACE_PERIOD`).
//!
//! For a name registered at R: E = R + 6, grace = R + 6 … R + 15, A = R + 16 (last alive).

mod support;

use blockstack_consensus::record::NameOp;
use blockstack_consensus::rules::Rules;
use support::*;

const L: u64 = 6;
const G: u64 = 10;

fn short_rules(epoch2_end: u64) -> Rules {
    let mut rules = rules_with_epochs(104, epoch2_end);
    rules.epochs[2].grace_period = G;
    rules
}

/// `.expiring` ready; `u`, `t`, `r`, `n` and `x` registered to A at block R. Returns R.
fn expiring_chain_with(rules: Rules) -> (TestChain, u64) {
    let mut chain = TestChain::new(rules);
    chain.create_namespace(&NsSpec::new("expiring", cheap_price(), 3));
    let a = alice();
    let all: Vec<String> = ["u", "t", "r", "n", "x"]
        .iter()
        .map(|n| format!("{n}.expiring"))
        .collect();
    chain.register_many(&all, &a);
    let r = chain.tip;
    (chain, r)
}

fn expiring_chain() -> (TestChain, u64) {
    expiring_chain_with(short_rules(105))
}

/// A copy of `chain` with empty blocks up to `n − 1`, so that the next block is `n`.
fn at(chain: &TestChain, n: u64) -> TestChain {
    let mut c = chain.clone();
    c.mine_to(n - 1);
    c
}

fn update(c: &TestChain) -> ChainTx {
    name_update_tx(&alice(), "u.expiring", &c.ch(), [0x22; 20])
}

fn transfer(c: &TestChain) -> ChainTx {
    name_transfer_tx(&alice(), "t.expiring", &bob(), true, &c.ch())
}

fn revoke() -> ChainTx {
    name_revoke_tx(&alice(), "r.expiring")
}

fn renew(c: &TestChain) -> ChainTx {
    c.renew_tx("n.expiring", &alice())
}

/// §8.4: the windows this file checks follow from the predicates for these parameters.
#[test]
fn the_expiring_namespace_has_lifetime_6_and_grace_10_in_epoch_3() {
    let (chain, r) = expiring_chain();
    let ns = chain.namespace("expiring");
    assert!(ns.ready_block < r);
    let epoch = chain.rules.epoch(r);
    assert_eq!(u64::from(ns.lifetime) * epoch.lifetime_multiplier, L);
    assert_eq!(epoch.grace_period, G);
}

// ---- NAME_UPDATE -------------------------------------------------------------------------

/// §8.4, §9.5 steps 6–7: an update is accepted at R + L − 1, the block before the grace period.
#[test]
fn an_update_is_accepted_in_the_last_block_before_the_grace_period() {
    let (chain, r) = expiring_chain();
    let mut c = at(&chain, r + L - 1);
    c.mine_accepted(update(&c));
}

/// §8.2, §9.5 step 7, §13.11: an update is rejected in the first grace block, R + L
/// (spec §12.8 block 160).
#[test]
fn an_update_is_rejected_in_the_first_grace_block() {
    let (chain, r) = expiring_chain();
    let mut c = at(&chain, r + L);
    c.mine_rejected(update(&c), "grace");
}

/// §8.2, §9.5 step 7: an update is rejected in the last grace block, R + L + G − 1
/// (spec §12.8 block 5159).
#[test]
fn an_update_is_rejected_in_the_last_grace_block() {
    let (chain, r) = expiring_chain();
    let mut c = at(&chain, r + L + G - 1);
    c.mine_rejected(update(&c), "grace");
}

/// §8.4, §13.11: expiry is tested at N − 1 and grace at N, so an update is accepted again at
/// R + L + G and R + L + G + 1 (spec §12.8 blocks 5160, 5161).
#[test]
fn an_update_is_accepted_in_the_two_blocks_after_the_grace_period() {
    let (chain, r) = expiring_chain();
    let mut c = at(&chain, r + L + G);
    c.mine_accepted(update(&c));
    c.mine_accepted(update(&c));
    assert_eq!(c.tip, r + L + G + 1);
}

/// §8.1, §9.5 step 6: at R + L + G + 2 the name has expired (spec §12.8 block 5162).
#[test]
fn an_update_is_rejected_once_the_name_has_expired() {
    let (chain, r) = expiring_chain();
    let mut c = at(&chain, r + L + G + 2);
    c.mine_rejected(update(&c), "matches");
}

// ---- NAME_TRANSFER -----------------------------------------------------------------------

/// §8.4, §9.6 steps 5–6: a transfer is accepted at R + L − 1 and rejected at R + L.
#[test]
fn a_transfer_is_rejected_from_the_first_grace_block() {
    let (chain, r) = expiring_chain();
    let mut c = at(&chain, r + L - 1);
    let mut grace = at(&chain, r + L);
    c.mine_accepted(transfer(&c));
    grace.mine_rejected(transfer(&grace), "grace");
}

/// §8.4, §9.6: a transfer is rejected in the last grace block and accepted at R + L + G.
#[test]
fn a_transfer_is_accepted_again_right_after_the_grace_period() {
    let (chain, r) = expiring_chain();
    let mut last_grace = at(&chain, r + L + G - 1);
    last_grace.mine_rejected(transfer(&last_grace), "grace");
    let mut after = at(&chain, r + L + G);
    after.mine_accepted(transfer(&after));
}

/// §8.4: a transfer at R + L + G + 1 is accepted; at R + L + G + 2 the name has expired.
#[test]
fn a_transfer_is_rejected_once_the_name_has_expired() {
    let (chain, r) = expiring_chain();
    let mut last = at(&chain, r + L + G + 1);
    last.mine_accepted(transfer(&last));
    let mut expired = at(&chain, r + L + G + 2);
    expired.mine_rejected(transfer(&expired), "name hash");
}

// ---- NAME_REVOKE -------------------------------------------------------------------------

/// §8.4, §9.7: a revoke is accepted at R + L − 1 and rejected in the grace period.
#[test]
fn a_revoke_is_rejected_in_the_grace_period() {
    let (chain, r) = expiring_chain();
    let mut before = at(&chain, r + L - 1);
    before.mine_accepted(revoke());
    let mut grace = at(&chain, r + L);
    grace.mine_rejected(revoke(), "grace");
    let mut last_grace = at(&chain, r + L + G - 1);
    last_grace.mine_rejected(revoke(), "grace");
}

/// §8.4, §9.7, §13.11: a revoke tests expiry at N, so it is accepted at R + L + G but, unlike
/// an update, rejected at R + L + G + 1 (spec §12.8 block 5161).
#[test]
fn a_revoke_is_accepted_only_in_the_first_block_after_the_grace_period() {
    let (chain, r) = expiring_chain();
    let mut first = at(&chain, r + L + G);
    first.mine_accepted(revoke());
    let mut second = at(&chain, r + L + G + 1);
    let mut update_instead = second.clone();
    second.mine_rejected(revoke(), "expired");
    update_instead.mine_accepted(update(&update_instead));
}

// ---- NAME_RENEWAL ------------------------------------------------------------------------

/// §8.4, §9.4: renewals are accepted during the grace period (spec §12.8 block 160).
#[test]
fn a_renewal_is_accepted_in_the_grace_period() {
    let (chain, r) = expiring_chain();
    for n in [r + L, r + L + G - 1] {
        let mut c = at(&chain, n);
        let m = c.mine_accepted(renew(&c));
        assert_eq!(name_record(m.record(1)).op, NameOp::Renewal);
        assert_eq!(c.name("n.expiring").last_renewed, n);
    }
}

/// §8.4: the last renewal block is R + L + G + 1; at R + L + G + 2 the name is gone
/// (spec §12.8 blocks 5161, 5162).
#[test]
fn a_renewal_is_rejected_once_the_name_has_expired() {
    let (chain, r) = expiring_chain();
    let mut last = at(&chain, r + L + G + 1);
    last.mine_accepted(renew(&last));
    let mut expired = at(&chain, r + L + G + 2);
    expired.mine_rejected(renew(&expired), "preordered");
}

/// §8.1: a renewal restarts the lifetime from its own block.
#[test]
fn a_renewed_name_lives_a_full_lifetime_from_its_renewal() {
    let (chain, r) = expiring_chain();
    let mut c = at(&chain, r + L);
    c.mine_ok(vec![renew(&c)]);
    let renewed = c.tip;
    c.mine_to(renewed + L - 2);
    c.mine_accepted(name_update_tx(&alice(), "n.expiring", &c.ch(), [0x22; 20]));
    c.mine_rejected(
        name_update_tx(&alice(), "n.expiring", &c.ch(), [0x23; 20]),
        "grace",
    );
}

// ---- re-registration ---------------------------------------------------------------------

/// §8.4, §9.3 step 7: another user can re-register the name only from R + L + G + 2
/// (spec §12.8 blocks 5161, 5162); the row keeps its original `block_number`.
#[test]
fn an_expired_name_can_be_registered_by_anyone_from_two_blocks_after_the_grace_period() {
    let (chain, r) = expiring_chain();
    let b = bob();
    let original = chain.name("x.expiring");
    let mut c = at(&chain, r + L + G - 1);
    c.mine_ok(vec![c.preorder_tx("x.expiring", &b, &b)]);
    let mut early = at(&c, r + L + G + 1);
    early.mine_rejected(name_register_tx(&b, "x.expiring", &b, None), "own");
    let mut c = at(&c, r + L + G + 2);
    c.mine_accepted(name_register_tx(&b, "x.expiring", &b, None));
    let rec = c.name("x.expiring");
    assert_eq!(rec.sender, b.script_hex());
    assert_eq!(rec.first_registered, r + L + G + 2);
    assert_eq!(rec.block_number, original.block_number);
    assert_ne!(rec.preorder_block_number, original.preorder_block_number);
}

/// §9.7: a revoked name can be registered again after it expires.
#[test]
fn a_revoked_name_can_be_registered_again_after_it_expires() {
    let (chain, r) = expiring_chain();
    let mut c = chain.clone();
    c.mine_ok(vec![revoke()]);
    let b = bob();
    let mut c = at(&c, r + L + G + 1);
    c.mine_ok(vec![c.preorder_tx("r.expiring", &b, &b)]);
    c.mine_accepted(name_register_tx(&b, "r.expiring", &b, None));
    assert!(!c.name("r.expiring").revoked);
}

// ---- imported names ----------------------------------------------------------------------

/// §8.1, §8.4: an imported name lives until `ready_block + L + G − 1`, so updates are accepted
/// once more at `ready_block + L + G` and never after.
#[test]
fn an_imported_name_expires_relative_to_the_ready_block() {
    let mut chain = TestChain::new(short_rules(105));
    let spec = NsSpec::new("expiring", cheap_price(), 3);
    chain.preorder_namespace(&spec);
    chain.reveal_namespace(&spec);
    let (v, a) = (chain.revealer.clone(), alice());
    chain.mine_ok(vec![name_import_tx(&v, "imp.expiring", &a, [0x33; 20])]);
    chain.mine_to(chain.tip + 3);
    chain.ready_namespace("expiring");
    let ready = chain.tip;
    let up = |c: &TestChain| name_update_tx(&alice(), "imp.expiring", &c.ch(), [0x44; 20]);
    let mut before = at(&chain, ready + L - 1);
    before.mine_accepted(up(&before));
    let mut grace = at(&chain, ready + L);
    grace.mine_rejected(up(&grace), "grace");
    let mut after = at(&chain, ready + L + G);
    after.mine_accepted(up(&after));
    after.mine_rejected(up(&after), "matches");
}

// ---- epoch boundaries --------------------------------------------------------------------

/// §8.4, §13.11: expiry is judged with N − 1's epoch and grace with N's; with epoch 2 (G = 0)
/// ending at R + L, an update at R + L + 1 falls into epoch 3's grace period and is rejected,
/// while without the boundary it is accepted.
#[test]
fn an_epoch_boundary_between_n_minus_1_and_n_changes_the_update_window() {
    let far = {
        let (chain, r) = expiring_chain_with(short_rules(10_000));
        let mut c = at(&chain, r + L + 1);
        c.mine_accepted(update(&c));
        r
    };
    let (chain, r) = expiring_chain_with(short_rules(far + L));
    assert_eq!(r, far, "both chains register at the same height");
    assert_eq!(chain.rules.epoch(r + L).number, 2);
    assert_eq!(chain.rules.epoch(r + L + 1).number, 3);
    let mut c = at(&chain, r + L + 1);
    c.mine_rejected(update(&c), "grace");
}

/// §8.5, §9.3 step 7, §14: preorders that share a hash with a live name are all accepted; when
/// the name has expired, a registration uses the oldest of them (lowest block, then txid).
#[test]
fn a_re_registration_uses_the_oldest_of_several_preorders_with_one_hash() {
    let (chain, r) = expiring_chain();
    let a = alice();
    let preorder = |c: &TestChain, to: bitcoin::ScriptBuf| {
        name_preorder_tx(&a, "x.expiring", &a, 10, to, &c.ch())
    };
    for (first, second, accepted) in [
        (bob().script.clone(), burn_script(), false),
        (burn_script(), bob().script.clone(), true),
    ] {
        let mut c = at(&chain, r + L + G - 4);
        c.mine_accepted(preorder(&c, first));
        c.mine_accepted(preorder(&c, second));
        let hash = preorder_hash_of("x.expiring", &a, &a);
        assert_eq!(
            blockstack_consensus::StateView::preorders(&c.state, &hash).len(),
            2
        );
        let mut c = at(&c, r + L + G + 2);
        let m = c.mine(vec![name_register_tx(&a, "x.expiring", &a, None)]);
        assert_eq!(m.accepted(1), accepted, "{:?}", m.summary());
    }
}

/// §8.1, §8.2, §8.5: with lifetime 0 a preorder is usable only in its own block (its block must
/// exceed lastblock), and the new name is in its grace period from the next block on: updates
/// are refused, renewals accepted.
#[test]
fn in_a_lifetime_0_namespace_names_register_only_with_a_same_block_preorder() {
    let mut chain = TestChain::new(short_rules(105));
    chain.create_namespace(&NsSpec::new("zero", cheap_price(), 0));
    let a = alice();
    chain.mine_ok(vec![chain.preorder_tx("late.zero", &a, &a)]);
    chain.mine_rejected(name_register_tx(&a, "late.zero", &a, None), "preordered");
    chain.mine_ok(vec![
        chain.preorder_tx("now.zero", &a, &a),
        name_register_tx(&a, "now.zero", &a, None),
    ]);
    let mut renew = chain.clone();
    chain.mine_rejected(
        name_update_tx(&a, "now.zero", &chain.ch(), [1; 20]),
        "grace",
    );
    renew.mine_accepted(renew.renew_tx("now.zero", &a));
}

/// §9.6 quirk: a re-registration ends the history walk, so an update made under the previous
/// owner no longer decides a transfer's consensus hash.
#[test]
fn a_re_registration_resets_the_transfer_consensus_hash_quirk() {
    let (chain, r) = expiring_chain();
    let (a, b, c) = (alice(), bob(), carol());
    let mut chain = chain;
    chain.mine_ok(vec![name_update_tx(
        &a,
        "x.expiring",
        &chain.ch(),
        [0x22; 20],
    )]);
    assert!(chain.name("x.expiring").consensus_hash.is_some());
    let mut chain = at(&chain, r + L + G + 1);
    chain.mine_ok(vec![chain.preorder_tx("x.expiring", &b, &b)]);
    chain.mine_ok(vec![name_register_tx(&b, "x.expiring", &b, None)]);
    assert_eq!(chain.name("x.expiring").consensus_hash, None);
    let own = chain.ch();
    let m = chain.mine_accepted(name_transfer_tx(&b, "x.expiring", &c, true, &own));
    assert_eq!(
        name_record(m.record(1)).consensus_hash.as_deref(),
        Some(own.as_str())
    );
}
