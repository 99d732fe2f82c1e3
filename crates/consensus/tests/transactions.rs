//! Reading operations out of transactions (spec §5): which OP_RETURN output carries the
//! payload, who the sender is, the sender public key search; the p2sh rules by epoch (spec §4);
//! and where name fees must go (spec §7.3).

mod support;

use bitcoin::ScriptBuf;
use blockstack_consensus::op::namespace_preorder;
use blockstack_consensus::{ParseError, StateView};
use support::*;

fn ns_preorder(chain: &TestChain) -> ChainTx {
    namespace_preorder_tx(
        &chain.ns_payer,
        "test",
        &chain.revealer,
        40_000_000,
        burn_script(),
        &chain.ch(),
    )
}

fn ns_preorder_data(chain: &TestChain) -> Vec<u8> {
    namespace_preorder::Payload {
        preorder_hash: h20(&preorder_hash_of("test", &chain.ns_payer, &chain.revealer)),
        consensus_hash: ch_bytes(&chain.ch()),
    }
    .encode()
}

// ---- OP_RETURN extraction (§5.2, §12.10) -------------------------------------------------

/// §5.2 step 3, §12.10: the last nulldata output counts; a later non-BNS OP_RETURN hides an
/// earlier valid payload.
#[test]
fn a_later_op_return_without_a_bns_payload_hides_an_earlier_one() {
    let mut chain = TestChain::epoch3();
    let tx = ns_preorder(&chain).with_output(op_return(b"hello"), 0);
    assert_eq!(chain.mine_ignored(tx), ParseError::NotBns);
}

/// §5.2 step 3: with a non-BNS OP_RETURN first, the payload of the last one is used.
#[test]
fn the_payload_of_the_last_op_return_is_used() {
    let mut chain = TestChain::epoch3();
    let data = ns_preorder_data(&chain);
    let tx = ns_preorder(&chain)
        .with_output_at(0, op_return(b"hello"), 0)
        .with_output(op_return(&data), 0);
    chain.mine_accepted(tx);
}

/// §5.2 step 2, §12.10: an OP_PUSHDATA1 push carries the payload like a direct push.
#[test]
fn a_payload_pushed_with_op_pushdata1_is_read() {
    let mut chain = TestChain::epoch3();
    let data = ns_preorder_data(&chain);
    let mut script = vec![0x6a, 0x4c, data.len() as u8];
    script.extend(&data);
    let tx = ns_preorder(&chain).with_output_at(0, ScriptBuf::from_bytes(script), 0);
    chain.mine_accepted(tx);
}

/// §5.2 step 2, §12.10: when the second token is an opcode other than OP_0, the payload is
/// the raw bytes after the first two.
#[test]
fn a_payload_after_a_non_push_opcode_is_the_raw_remaining_bytes() {
    let mut chain = TestChain::epoch3();
    let data = ns_preorder_data(&chain);
    let mut script = vec![0x6a, 0x51];
    script.extend(&data);
    let tx = ns_preorder(&chain).with_output_at(0, ScriptBuf::from_bytes(script), 0);
    chain.mine_accepted(tx);
}

/// §5.2 step 2, §12.10: `OP_RETURN OP_0 …` has no payload.
#[test]
fn an_op_return_followed_by_op_0_has_no_payload() {
    let mut chain = TestChain::epoch3();
    let data = ns_preorder_data(&chain);
    let mut script = vec![0x6a, 0x00];
    script.extend(push(&data));
    let tx = ns_preorder(&chain).with_output_at(0, ScriptBuf::from_bytes(script), 0);
    assert_eq!(chain.mine_ignored(tx), ParseError::NotBns);
}

/// §5.2 step 4: a payload starting with `id` and an unknown third byte is skipped.
#[test]
fn an_unknown_opcode_byte_is_ignored() {
    let mut chain = TestChain::epoch3();
    let tx = ns_preorder(&chain).with_output_at(0, op_return(b"idZ0123"), 0);
    assert_eq!(chain.mine_ignored(tx), ParseError::UnknownOpcode(b'Z'));
}

// ---- senders (§5.3, §2.6) ----------------------------------------------------------------

/// §5.3, §2.6: input 0 spending a native segwit output has no sender; the op is ignored
/// (spec §12.8 block 136, `wpkh.test`).
#[test]
fn an_op_whose_input_spends_native_segwit_is_ignored() {
    let mut chain = TestChain::epoch3();
    let mut segwit = vec![0x00, 0x14];
    segwit.extend([0x7e; 20]);
    let mut tx = ns_preorder(&chain).with_script_sig(ScriptBuf::new());
    tx.prevout = Some(bitcoin::TxOut {
        value: bitcoin::Amount::from_sat(FUNDING),
        script_pubkey: ScriptBuf::from_bytes(segwit),
    });
    assert!(matches!(chain.mine_ignored(tx), ParseError::NoSender(_)));
}

/// §2.6: a bare multisig prevout has no address either.
#[test]
fn an_op_whose_input_spends_bare_multisig_is_ignored() {
    let mut chain = TestChain::epoch3();
    let p = chain.ns_payer.clone();
    let mut multisig = vec![0x51, 0x21];
    multisig.extend(p.pubkey.serialize());
    multisig.extend([0x51, 0xae]);
    let mut tx = ns_preorder(&chain);
    tx.prevout = Some(bitcoin::TxOut {
        value: bitcoin::Amount::from_sat(FUNDING),
        script_pubkey: ScriptBuf::from_bytes(multisig),
    });
    assert!(matches!(chain.mine_ignored(tx), ParseError::NoSender(_)));
}

/// §5.3: without input 0's previous output there is no sender.
#[test]
fn an_op_without_its_senders_prevout_is_ignored() {
    let mut chain = TestChain::epoch3();
    let mut tx = ns_preorder(&chain);
    tx.prevout = None;
    assert_eq!(chain.mine_ignored(tx), ParseError::MissingPrevout);
}

/// §5.4, §2.6: a p2sh sender is valid and has a null `sender_pubkey` (spec §12.8 block 136).
#[test]
fn a_p2sh_sender_is_accepted_with_a_null_public_key() {
    let (mut chain, _) = chain_with_test_namespace();
    let s = p2sh_party();
    let m = chain.mine_accepted(chain.preorder_tx("psh.test", &s, &s));
    let blockstack_consensus::ConsensusRecord::NamePreorder(p) = m.record(1) else {
        panic!("not a preorder");
    };
    assert_eq!(p.sender, s.script_hex());
    assert_eq!(p.sender_pubkey, None);
    assert!(m.serialized()[0].contains(",0:,35:2N"));
}

// ---- sender public key (§5.4) ------------------------------------------------------------

fn pubkey_of(m: &Mined) -> Option<String> {
    match m.record(1) {
        blockstack_consensus::ConsensusRecord::NamespacePreorder(p) => p.sender_pubkey.clone(),
        other => panic!("not a namespace preorder: {other:?}"),
    }
}

fn script_sig(tokens: &[&[u8]]) -> ScriptBuf {
    ScriptBuf::from_bytes(tokens.iter().flat_map(|t| push(t)).collect())
}

/// §5.4: the key of a two-token scriptSig that hashes to the sender is recorded.
#[test]
fn the_sender_public_key_is_taken_from_a_matching_scriptsig() {
    let mut chain = TestChain::epoch3();
    let m = chain.mine_accepted(ns_preorder(&chain));
    assert_eq!(pubkey_of(&m), Some(chain.ns_payer.pubkey_hex()));
}

/// §5.4: a scriptSig with other than two tokens is passed over; no key is found.
#[test]
fn a_scriptsig_with_three_tokens_gives_no_public_key() {
    let mut chain = TestChain::epoch3();
    let key = chain.ns_payer.pubkey.serialize();
    let tx = ns_preorder(&chain).with_script_sig(script_sig(&[&dummy_sig(), &dummy_sig(), &key]));
    let m = chain.mine_accepted(tx);
    assert_eq!(pubkey_of(&m), None);
}

/// §5.4: a valid key that does not match moves the search to the next input.
#[test]
fn the_public_key_search_continues_past_a_non_matching_key() {
    let mut chain = TestChain::epoch3();
    let other = bob().pubkey.serialize();
    let own = chain.ns_payer.pubkey.serialize();
    let tx = ns_preorder(&chain)
        .with_script_sig(script_sig(&[&dummy_sig(), &other]))
        .with_input(script_sig(&[&dummy_sig(), &own]));
    let m = chain.mine_accepted(tx);
    assert_eq!(pubkey_of(&m), Some(chain.ns_payer.pubkey_hex()));
}

/// §5.4: an unparseable candidate in a later input poisons the op too.
#[test]
fn an_unparseable_key_in_a_later_input_drops_the_op() {
    let mut chain = TestChain::epoch3();
    let other = bob().pubkey.serialize();
    let tx = ns_preorder(&chain)
        .with_script_sig(script_sig(&[&dummy_sig(), &other]))
        .with_input(script_sig(&[&dummy_sig(), &[0x05; 33]]));
    assert_eq!(chain.mine_ignored(tx), ParseError::BadSenderPubkey);
}

/// §5.4: a small-integer opcode as the second token is not a public key either.
#[test]
fn a_small_integer_second_token_drops_the_op() {
    let mut chain = TestChain::epoch3();
    let mut sig = push(&dummy_sig());
    sig.push(0x51);
    let tx = ns_preorder(&chain).with_script_sig(ScriptBuf::from_bytes(sig));
    assert_eq!(chain.mine_ignored(tx), ParseError::BadSenderPubkey);
}

/// §5.4: the key search runs only for p2pkh senders, so a p2sh sender's odd scriptSig does
/// not poison the op.
#[test]
fn a_p2sh_senders_scriptsig_is_not_searched_for_a_key() {
    let mut chain = TestChain::epoch3();
    let s = p2sh_party();
    let v = chain.revealer.clone();
    let tx = namespace_preorder_tx(&s, "test", &v, 40_000_000, burn_script(), &chain.ch())
        .with_script_sig(script_sig(&[&dummy_sig(), &[0x05; 10]]));
    let m = chain.mine_accepted(tx);
    assert_eq!(pubkey_of(&m), None);
}

/// §5.4: uncompressed (65-byte) and raw (64-byte X‖Y) keys are accepted as given when
/// `hash160(04‖X‖Y)` is the sender's hash.
#[test]
fn uncompressed_and_raw_public_keys_are_recorded_as_given() {
    let chain = TestChain::epoch3();
    let p = Party::p2pkh("uncompressed");
    let full = p.pubkey.serialize_uncompressed();
    let script = p2pkh_script(&blockstack_consensus::hash::hash160(&full));
    for key in [full.to_vec(), full[1..].to_vec()] {
        let mut tx = namespace_preorder_tx(
            &p,
            "test",
            &chain.revealer,
            40_000_000,
            burn_script(),
            &chain.ch(),
        )
        .with_script_sig(script_sig(&[&dummy_sig(), &key]));
        tx.prevout = Some(bitcoin::TxOut {
            value: bitcoin::Amount::from_sat(FUNDING),
            script_pubkey: script.clone(),
        });
        let m = chain.dry_run(vec![tx]);
        m.assert_accepted(1);
        assert_eq!(pubkey_of(&m), Some(hex::encode(&key)));
    }
}

// ---- p2sh rules by epoch (§4) ------------------------------------------------------------

const EPOCH1: (u64, u64) = (10_000, 20_000);
const EPOCH2: (u64, u64) = (104, 10_000);

/// §4, §9.3 step 6: a p2sh recipient of a registration needs the MULTISIG feature (epoch 2).
#[test]
fn a_registration_to_a_p2sh_owner_is_rejected_in_epoch_1_and_accepted_in_epoch_2() {
    let s = p2sh_party();
    let a = alice();
    let (mut e1, _) = chain_in_epochs(EPOCH1.0, EPOCH1.1);
    e1.mine_ok(vec![e1.preorder_tx("foo.test", &a, &s)]);
    e1.mine_rejected(name_register_tx(&a, "foo.test", &s, None), "p2sh");
    let (mut e2, _) = chain_in_epochs(EPOCH2.0, EPOCH2.1);
    e2.mine_ok(vec![e2.preorder_tx("foo.test", &a, &s)]);
    e2.mine_accepted(name_register_tx(&a, "foo.test", &s, None));
}

/// §4: a p2sh payer may preorder and register (for a p2pkh owner) even in epoch 1.
#[test]
fn a_p2sh_payer_can_preorder_and_register_in_epoch_1() {
    let s = p2sh_party();
    let a = alice();
    let (mut chain, _) = chain_in_epochs(EPOCH1.0, EPOCH1.1);
    chain.mine_accepted(chain.preorder_tx("foo.test", &s, &a));
    chain.mine_accepted(name_register_tx(&s, "foo.test", &a, None));
    assert_eq!(chain.name("foo.test").sender, a.script_hex());
}

/// §4, §9.6 step 12: a p2sh owner cannot transfer in epoch 1, but can in epoch 2.
#[test]
fn a_transfer_by_a_p2sh_owner_is_rejected_in_epoch_1_and_accepted_in_epoch_2() {
    for (end1, end2, accepted) in [(EPOCH1.0, EPOCH1.1, false), (EPOCH2.0, EPOCH2.1, true)] {
        let mut chain = TestChain::new(rules_with_epochs(end1, end2));
        let spec = NsSpec::new("test", test_price(), 52595);
        chain.preorder_namespace(&spec);
        chain.reveal_namespace(&spec);
        let (v, s) = (chain.revealer.clone(), p2sh_party());
        chain.mine_ok(vec![name_import_tx(&v, "psh.test", &s, [0x33; 20])]);
        chain.ready_namespace("test");
        let tx = name_transfer_tx(&s, "psh.test", &alice(), true, &chain.ch());
        if accepted {
            chain.mine_accepted(tx);
        } else {
            chain.mine_rejected(tx, "p2sh");
        }
    }
}

/// §4: MULTISIG gates only p2sh registration recipients and transfer senders; a transfer *to*
/// a p2sh owner is accepted in epoch 1.
#[test]
fn a_transfer_to_a_p2sh_owner_is_accepted_in_epoch_1() {
    let (mut chain, _) = chain_in_epochs(EPOCH1.0, EPOCH1.1);
    let (a, s) = (alice(), p2sh_party());
    chain.register("foo.test", &a);
    chain.mine_accepted(name_transfer_tx(&a, "foo.test", &s, true, &chain.ch()));
    assert_eq!(chain.name("foo.test").sender, s.script_hex());
}

// ---- fee destinations (§7.3) -------------------------------------------------------------

const FEES_PERIOD: u64 = 20;

/// A version-2 `.test` in epoch 3 with a receive-fees period of 20 blocks. Returns the reveal
/// block.
fn pay_to_creator_chain() -> (TestChain, u64) {
    let mut rules = epoch3_rules();
    rules.epochs[2].receive_fees_period = FEES_PERIOD;
    let mut chain = TestChain::new(rules);
    let mut spec = NsSpec::new("test", test_price(), 52595);
    spec.version = 2;
    chain.preorder_namespace(&spec);
    chain.reveal_namespace(&spec);
    let reveal = chain.tip;
    chain.ready_namespace("test");
    (chain, reveal)
}

/// Preorders `foo.test` by A with the fee to `to` at the next block; returns whether its
/// registration in the block after is accepted.
fn registers_with_fee_to(chain: &TestChain, to: ScriptBuf) -> bool {
    let mut c = chain.clone();
    let a = alice();
    let ch = c.ch();
    c.mine_ok(vec![name_preorder_tx(&a, "foo.test", &a, 640_000, to, &ch)]);
    c.mine(vec![name_register_tx(&a, "foo.test", &a, None)])
        .accepted(1)
}

/// §7.3, §13.18: in a version-2 namespace, a fee preordered at `reveal_block + period` must go
/// to the creator, not the burn address.
#[test]
fn a_version_2_fee_within_the_receive_period_must_go_to_the_creator() {
    let (mut chain, reveal) = pay_to_creator_chain();
    chain.mine_to(reveal + FEES_PERIOD - 1);
    let creator = chain.ns_payer.script.clone();
    assert!(registers_with_fee_to(&chain, creator));
    assert!(!registers_with_fee_to(&chain, burn_script()));
}

/// §7.3: one block after the receive period, the fee must be burned again.
#[test]
fn a_version_2_fee_after_the_receive_period_must_be_burned() {
    let (mut chain, reveal) = pay_to_creator_chain();
    chain.mine_to(reveal + FEES_PERIOD);
    let creator = chain.ns_payer.script.clone();
    assert!(registers_with_fee_to(&chain, burn_script()));
    assert!(!registers_with_fee_to(&chain, creator));
}

/// §7.3, §9.4 step 12: a renewal in a version-2 namespace pays the creator during the period,
/// judged at the renewal block.
#[test]
fn a_version_2_renewal_within_the_receive_period_pays_the_creator() {
    let (mut chain, _) = pay_to_creator_chain();
    let (a, creator) = (alice(), chain.ns_payer.script.clone());
    let ch = chain.ch();
    chain.mine_ok(vec![name_preorder_tx(
        &a,
        "foo.test",
        &a,
        640_000,
        creator.clone(),
        &ch,
    )]);
    chain.mine_ok(vec![name_register_tx(&a, "foo.test", &a, None)]);
    chain.mine_rejected(
        name_renew_tx(&a, "foo.test", &a, None, 640_000, burn_script()),
        "address",
    );
    chain.mine_accepted(name_renew_tx(&a, "foo.test", &a, None, 640_000, creator));
    assert!(chain.state.name("foo.test").is_some());
}

/// §7.3: a registration's fee destination is judged at its preorder's block, so a preorder
/// paying the creator inside the period still registers after the period has ended.
#[test]
fn a_registration_fee_destination_is_judged_at_the_preorder_block() {
    let (mut chain, reveal) = pay_to_creator_chain();
    chain.mine_to(reveal + FEES_PERIOD - 1);
    let (a, creator) = (alice(), chain.ns_payer.script.clone());
    let ch = chain.ch();
    chain.mine_ok(vec![name_preorder_tx(
        &a, "foo.test", &a, 640_000, creator, &ch,
    )]);
    chain.mine_to(reveal + FEES_PERIOD + 5);
    chain.mine_accepted(name_register_tx(&a, "foo.test", &a, None));
}

/// §5.2 step 2, §12.10: a push whose declared length overruns the script yields the bytes that
/// remain.
#[test]
fn a_push_declaring_more_bytes_than_remain_yields_the_rest_of_the_script() {
    let mut chain = TestChain::epoch3();
    let data = ns_preorder_data(&chain);
    let mut script = vec![0x6a, 0x4c, 0xff];
    script.extend(&data);
    let tx = ns_preorder(&chain).with_output_at(0, ScriptBuf::from_bytes(script), 0);
    chain.mine_accepted(tx);
}
