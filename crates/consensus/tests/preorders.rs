//! NAME_PREORDER (spec §9.1) and NAMESPACE_PREORDER (spec §9.9): every parse and validation rule,
//! each with the minimal chain where it alone decides, plus the accepted counterpart.

mod support;

use blockstack_consensus::op::{name_preorder, namespace_preorder};
use blockstack_consensus::StateView;
use support::*;

fn preorder_foo(chain: &TestChain, payer: &Party) -> ChainTx {
    chain.preorder_tx("foo.test", payer, payer)
}

// ---- NAME_PREORDER: parsing --------------------------------------------------------------

/// §9.1: the payload must be exactly 36 bytes; 35 or 37 make the tx ignored.
#[test]
fn a_name_preorder_payload_of_35_or_37_bytes_is_ignored() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    let good = preorder_foo(&chain, &a);
    let data = name_preorder::Payload {
        preorder_hash: h20(&preorder_hash_of("foo.test", &a, &a)),
        consensus_hash: ch_bytes(&chain.ch()),
    }
    .encode();
    for bad in [
        &data[..data.len() - 1],
        &[data.as_slice(), &[0]].concat()[..],
    ] {
        let tx = good.clone().with_output_at(0, op_return(bad), 0);
        assert!(matches!(
            chain.mine_ignored(tx),
            blockstack_consensus::ParseError::PayloadLength { .. }
        ));
    }
    chain.mine_accepted(preorder_foo(&chain, &a));
}

/// §9.1, §13.15: a NAME_PREORDER needs exactly three outputs; four or two make it ignored.
#[test]
fn a_name_preorder_without_exactly_three_outputs_is_ignored() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    let four = preorder_foo(&chain, &a).with_output(a.script.clone(), 1000);
    assert!(matches!(
        chain.mine_ignored(four),
        blockstack_consensus::ParseError::OutputCount { .. }
    ));
    let two = preorder_foo(&chain, &a).truncate_outputs(2);
    assert!(matches!(
        chain.mine_ignored(two),
        blockstack_consensus::ParseError::OutputCount { .. }
    ));
    chain.mine_accepted(preorder_foo(&chain, &a));
}

/// §9.1: output 2 (the fee) must have an address; a bare-multisig fee output is ignored.
#[test]
fn a_name_preorder_whose_fee_output_has_no_address_is_ignored() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    let mut multisig = vec![0x51, 0x21];
    multisig.extend(a.pubkey.serialize());
    multisig.extend([0x51, 0xae]);
    let tx = preorder_foo(&chain, &a).with_output_at(
        2,
        bitcoin::ScriptBuf::from_bytes(multisig),
        640_000,
    );
    assert_eq!(
        chain.mine_ignored(tx),
        blockstack_consensus::ParseError::OutputAddress(2)
    );
}

// ---- NAME_PREORDER: validation -----------------------------------------------------------

/// §9.1 step 1: a preorder hash that is already stored is rejected; another hash is accepted.
#[test]
fn a_name_preorder_whose_hash_is_already_stored_is_rejected() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    chain.mine_accepted(preorder_foo(&chain, &a));
    chain.mine_rejected(preorder_foo(&chain, &a), "already in use");
    chain.mine_accepted(chain.preorder_tx("bar.test", &a, &a));
}

/// §9.1 step 5, §6.4: of two preorders with one hash in one block, the first wins.
#[test]
fn the_second_of_two_identical_preorders_in_one_block_is_rejected() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    let first = preorder_foo(&chain, &a);
    let second = preorder_foo(&chain, &a);
    let first_txid = first.txid();
    let m = chain.mine(vec![first, second]);
    m.assert_accepted(1).assert_rejected(2, "preorder hash");
    let stored = chain.state.preorders(&preorder_hash_of("foo.test", &a, &a));
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].txid, first_txid);
}

/// §9.1 step 1: a stored preorder whose hash a live name carries does not block a new one.
#[test]
fn a_preorder_hash_carried_by_a_live_name_counts_as_new() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    chain.register("foo.test", &a);
    let hash = preorder_hash_of("foo.test", &a, &a);
    assert_eq!(chain.name("foo.test").preorder_hash, hash);
    chain.mine_accepted(preorder_foo(&chain, &a));
    // A preorder with this hash is now stored, yet the live name makes it count as new.
    chain.mine_accepted(preorder_foo(&chain, &a));
    assert_eq!(chain.state.preorders(&hash).len(), 2);
}

/// §9.1 step 2, §10.4, §13.10: the consensus hash of block N − 24 is still valid.
#[test]
fn a_name_preorder_referencing_block_n_minus_24_is_accepted() {
    let (mut chain, _) = chain_with_test_namespace();
    chain.mine_to(150);
    let a = alice();
    let old = chain.consensus_hash(151 - 24);
    let ns = chain.namespace("test");
    let fee = chain.name_fee("foo.test", &ns.price, 151);
    chain.mine_accepted(name_preorder_tx(
        &a,
        "foo.test",
        &a,
        fee,
        burn_script(),
        &old,
    ));
}

/// §9.1 step 2, §10.4, §13.10: the consensus hash of block N − 25 is too old.
#[test]
fn a_name_preorder_referencing_block_n_minus_25_is_rejected() {
    let (mut chain, _) = chain_with_test_namespace();
    chain.mine_to(150);
    let a = alice();
    let old = chain.consensus_hash(151 - 25);
    let ns = chain.namespace("test");
    let fee = chain.name_fee("foo.test", &ns.price, 151);
    chain.mine_rejected(
        name_preorder_tx(&a, "foo.test", &a, fee, burn_script(), &old),
        "consensus hash",
    );
}

/// §9.1 step 2: a consensus hash of no block is rejected.
#[test]
fn a_name_preorder_referencing_an_unknown_consensus_hash_is_rejected() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    chain.mine_rejected(
        name_preorder_tx(&a, "foo.test", &a, 640_000, burn_script(), &"ab".repeat(16)),
        "consensus hash",
    );
}

/// §10.4, §12.6: in the first blocks the genesis hash stored for F − 4 … F − 1 is valid.
#[test]
fn a_preorder_in_the_first_block_may_reference_the_genesis_consensus_hash() {
    let mut chain = TestChain::epoch3();
    let a = alice();
    let genesis = chain.ch();
    assert_eq!(genesis, blockstack_consensus::rules::GENESIS_CONSENSUS_HASH);
    chain.mine_accepted(name_preorder_tx(
        &a,
        "foo.test",
        &a,
        1,
        burn_script(),
        &genesis,
    ));
}

/// §9.1 step 3, §13.13: a payer that owns 25 names cannot preorder.
#[test]
fn a_payer_owning_25_names_cannot_preorder() {
    let (mut chain, _) = chain_with_cheap_namespace();
    let c = carol();
    chain.register_many(&names("c", 25, "cheap"), &c);
    chain.mine_rejected(chain.preorder_tx("extra.cheap", &c, &c), "maximum");
}

/// §9.1 step 3, §13.13: with 24 names the payer may still preorder.
#[test]
fn a_payer_owning_24_names_can_preorder() {
    let (mut chain, _) = chain_with_cheap_namespace();
    let c = carol();
    chain.register_many(&names("c", 24, "cheap"), &c);
    chain.mine_accepted(chain.preorder_tx("extra.cheap", &c, &c));
}

/// §9.1 step 3: registrations earlier in the same block count toward the payer's quota; a
/// preorder before the 25th registration is still accepted.
#[test]
fn registrations_earlier_in_the_block_count_toward_the_preorder_quota() {
    let (mut chain, _) = chain_with_cheap_namespace();
    let c = carol();
    chain.register_many(&names("c", 24, "cheap"), &c);
    chain.mine_ok(vec![chain.preorder_tx("last.cheap", &c, &c)]);
    let reg = name_register_tx(&c, "last.cheap", &c, None);
    let pre = chain.preorder_tx("extra.cheap", &c, &c);

    let mut after = chain.clone();
    let m = after.mine(vec![reg.clone(), pre.clone()]);
    m.assert_accepted(1).assert_rejected(2, "maximum");

    let m = chain.mine(vec![pre, reg]);
    m.assert_all_accepted();
}

/// §9.1 step 3, §13.13: revoked names do not count toward the quota.
#[test]
fn revoked_names_do_not_count_toward_the_preorder_quota() {
    let (mut chain, _) = chain_with_cheap_namespace();
    let c = carol();
    let all = names("c", 25, "cheap");
    chain.register_many(&all, &c);
    chain.mine_ok(vec![name_revoke_tx(&c, &all[0])]);
    chain.mine_accepted(chain.preorder_tx("extra.cheap", &c, &c));
}

/// §9.1, §7.3, §13.14: the fee output's destination is not checked when preordering.
#[test]
fn a_name_preorder_paying_its_fee_to_anyone_is_accepted() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    let ch = chain.ch();
    let m = chain.mine_accepted(name_preorder_tx(
        &a,
        "foo.test",
        &a,
        640_000,
        bob().script.clone(),
        &ch,
    ));
    let blockstack_consensus::ConsensusRecord::NamePreorder(p) = m.record(1) else {
        panic!("not a preorder record");
    };
    assert_eq!(p.burn_address, bob().address());
    assert_eq!(p.op_fee, 640_000);
}

/// §9.1: a preorder does not need its namespace to exist.
#[test]
fn a_name_preorder_in_a_namespace_that_does_not_exist_is_accepted() {
    let mut chain = TestChain::epoch3();
    chain.mine_to(115);
    let a = alice();
    let ch = chain.ch();
    chain.mine_accepted(name_preorder_tx(
        &a,
        "foo.nowhere",
        &a,
        1,
        burn_script(),
        &ch,
    ));
}

// ---- NAMESPACE_PREORDER ------------------------------------------------------------------

fn ns_preorder(chain: &TestChain, id: &str) -> ChainTx {
    namespace_preorder_tx(
        &chain.ns_payer,
        id,
        &chain.revealer,
        chain.namespace_fee(id, chain.next()),
        burn_script(),
        &chain.ch(),
    )
}

/// §9.9: the payload must be exactly 36 bytes.
#[test]
fn a_namespace_preorder_payload_of_35_bytes_is_ignored() {
    let mut chain = TestChain::epoch3();
    let p = chain.ns_payer.clone();
    let data = namespace_preorder::Payload {
        preorder_hash: h20(&preorder_hash_of("test", &p, &chain.revealer)),
        consensus_hash: ch_bytes(&chain.ch()),
    }
    .encode();
    let tx = ns_preorder(&chain, "test").with_output_at(0, op_return(&data[..38]), 0);
    assert!(matches!(
        chain.mine_ignored(tx),
        blockstack_consensus::ParseError::PayloadLength { .. }
    ));
    chain.mine_accepted(ns_preorder(&chain, "test"));
}

/// §9.9, §13.15: a NAMESPACE_PREORDER needs at least three outputs; a fourth is fine.
#[test]
fn a_namespace_preorder_needs_at_least_three_outputs() {
    let mut chain = TestChain::epoch3();
    let two = ns_preorder(&chain, "test").truncate_outputs(2);
    assert!(matches!(
        chain.mine_ignored(two),
        blockstack_consensus::ParseError::OutputCount { .. }
    ));
    let p = chain.ns_payer.clone();
    chain.mine_accepted(ns_preorder(&chain, "test").with_output(p.script.clone(), 1));
}

/// §9.9: output 2 must have an address.
#[test]
fn a_namespace_preorder_whose_fee_output_has_no_address_is_ignored() {
    let mut chain = TestChain::epoch3();
    let tx = ns_preorder(&chain, "test").with_output_at(
        2,
        bitcoin::ScriptBuf::from_bytes(vec![0x51]),
        40_000_000,
    );
    assert_eq!(
        chain.mine_ignored(tx),
        blockstack_consensus::ParseError::OutputAddress(2)
    );
}

/// §9.9: a namespace preorder hash that is already stored is rejected.
#[test]
fn a_namespace_preorder_whose_hash_is_already_stored_is_rejected() {
    let mut chain = TestChain::epoch3();
    chain.mine_accepted(ns_preorder(&chain, "test"));
    chain.mine_rejected(ns_preorder(&chain, "test"), "already in use");
    chain.mine_accepted(ns_preorder(&chain, "other"));
}

/// §9.9, §6.4: of two namespace preorders with one hash in one block, the first wins.
#[test]
fn the_second_of_two_identical_namespace_preorders_in_one_block_is_rejected() {
    let mut chain = TestChain::epoch3();
    let m = chain.mine(vec![
        ns_preorder(&chain, "test"),
        ns_preorder(&chain, "test"),
    ]);
    m.assert_accepted(1).assert_rejected(2, "preorder hash");
}

/// §9.9: a stored namespace preorder whose hash a namespace row carries does not block a new
/// one.
#[test]
fn a_namespace_preorder_hash_carried_by_a_namespace_counts_as_new() {
    let mut chain = TestChain::epoch3();
    let spec = NsSpec::new("test", test_price(), 52595);
    chain.create_namespace(&spec);
    chain.mine_accepted(ns_preorder(&chain, "test"));
    chain.mine_accepted(ns_preorder(&chain, "test"));
    let hash = preorder_hash_of("test", &chain.ns_payer, &chain.revealer);
    assert_eq!(chain.state.preorders(&hash).len(), 2);
}

/// §9.9, §13.10: a namespace preorder may reference block N − 24 but not N − 25.
#[test]
fn a_namespace_preorder_consensus_hash_window_is_24_blocks() {
    let mut chain = TestChain::epoch3();
    chain.mine_to(150);
    let (p, v) = (chain.ns_payer.clone(), chain.revealer.clone());
    let fee = chain.namespace_fee("test", 151);
    let too_old = chain.consensus_hash(151 - 25);
    chain.mine_rejected(
        namespace_preorder_tx(&p, "test", &v, fee, burn_script(), &too_old),
        "consensus hash",
    );
    let oldest = chain.consensus_hash(152 - 24);
    chain.mine_accepted(namespace_preorder_tx(
        &p,
        "test",
        &v,
        fee,
        burn_script(),
        &oldest,
    ));
}

/// §10.4: the genesis hash is stored for F − 4 … F − 1, so it stays valid while F − 1 is in
/// the window: through block F + 23, not at F + 24.
#[test]
fn the_genesis_consensus_hash_is_valid_through_block_f_plus_23() {
    let mut chain = TestChain::epoch3();
    let a = alice();
    let genesis = blockstack_consensus::rules::GENESIS_CONSENSUS_HASH;
    chain.mine_to(FIRST_BLOCK + 22);
    let pre = |name: &str| name_preorder_tx(&a, name, &a, 1, burn_script(), genesis);
    chain.mine_accepted(pre("last.test"));
    assert_eq!(chain.tip, FIRST_BLOCK + 23);
    chain.mine_rejected(pre("late.test"), "consensus hash");
}

/// §9.3 effect, §6.1: a registration deletes the preorders of its hash when it is applied, so
/// a preorder of the same hash accepted later in the same block is stored.
#[test]
fn a_preorder_accepted_after_its_hash_was_consumed_in_the_same_block_is_stored() {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    chain.mine_ok(vec![preorder_foo(&chain, &a)]);
    let again = preorder_foo(&chain, &a);
    let txid = again.txid();
    let m = chain.mine(vec![name_register_tx(&a, "foo.test", &a, None), again]);
    m.assert_all_accepted();
    let stored = chain.state.preorders(&preorder_hash_of("foo.test", &a, &a));
    assert_eq!(stored.len(), 1, "the later preorder must be stored");
    assert_eq!(stored[0].txid, txid);
    assert_eq!(stored[0].block_number, chain.tip);
}

/// §9.1 step 1: the consequence of the rule above. Once the name has expired, that stored
/// preorder is no longer hidden, so a new preorder of the same hash is not new.
#[test]
fn a_preorder_stored_in_its_registrations_block_blocks_the_hash_after_expiry() {
    let mut rules = epoch3_rules();
    rules.epochs[2].grace_period = 10;
    let mut chain = TestChain::new(rules);
    chain.create_namespace(&NsSpec::new("short", cheap_price(), 3));
    let a = alice();
    chain.mine_ok(vec![chain.preorder_tx("foo.short", &a, &a)]);
    chain.mine_ok(vec![
        name_register_tx(&a, "foo.short", &a, None),
        chain.preorder_tx("foo.short", &a, &a),
    ]);
    let r = chain.tip;
    chain.mine_to(r + 6 + 10 + 1);
    chain.mine_rejected(chain.preorder_tx("foo.short", &a, &a), "already in use");
}

/// §9.10 effect, §6.1: the same for namespaces: a reveal deletes its preorder when applied, so
/// a namespace preorder of that hash accepted later in the block is stored.
#[test]
fn a_namespace_preorder_accepted_after_its_hash_was_consumed_in_the_same_block_is_stored() {
    let mut chain = TestChain::epoch3();
    let spec = NsSpec::new("test", test_price(), 52595);
    chain.preorder_namespace(&spec);
    let (p, v) = (chain.ns_payer.clone(), chain.revealer.clone());
    let m = chain.mine(vec![
        namespace_reveal_tx(&p, &spec, &v),
        ns_preorder(&chain, "test"),
    ]);
    m.assert_all_accepted();
    let stored = chain.state.preorders(&preorder_hash_of("test", &p, &v));
    assert_eq!(stored.len(), 1, "the later preorder must be stored");
    assert_eq!(stored[0].block_number, chain.tip);
}
