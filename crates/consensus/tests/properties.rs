//! Property tests: every op payload round-trips through its encoder and parser (spec §9
//! layouts), no parser panics on arbitrary bytes or transactions (spec §5), and the block
//! processor never panics on arbitrary sequences of parsed ops against a state built by a short
//! valid chain (spec §6).

mod support;

use std::sync::OnceLock;

use bitcoin::absolute::LockTime;
use bitcoin::transaction::Version;
use bitcoin::{Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Witness};
use blockstack_consensus::address::ScriptType;
use blockstack_consensus::op::{
    announce, name_import, name_preorder, name_registration, name_revoke, name_transfer,
    name_update, namespace_preorder, namespace_ready, namespace_reveal, FeeOutput, Recipient,
    Sender,
};
use blockstack_consensus::price::PriceFunction;
use blockstack_consensus::{parse_transaction, process_block, OpKind, ParsedOp, Rules};
use proptest::prelude::*;
use support::*;

// ---- strategies --------------------------------------------------------------------------

fn namespace_id() -> impl Strategy<Value = String> {
    "[a-z0-9_-]{1,19}"
}

/// A valid fully-qualified name (spec §3): at most 37 bytes, one dot.
fn fqn() -> impl Strategy<Value = String> {
    ("[a-z0-9_-]{1,17}", namespace_id())
        .prop_map(|(name, ns)| format!("{name}.{ns}"))
        .prop_filter("at most 37 bytes", |f| f.len() <= 37)
}

fn price_function() -> impl Strategy<Value = PriceFunction> {
    (
        any::<u8>(),
        any::<u8>(),
        proptest::array::uniform16(0u8..16),
        1u8..16,
        1u8..16,
    )
        .prop_map(
            |(coeff, base, buckets, nonalpha_discount, no_vowel_discount)| PriceFunction {
                coeff,
                base,
                buckets,
                nonalpha_discount,
                no_vowel_discount,
            },
        )
}

// ---- round trips -------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// §9.1: NAME_PREORDER.
    #[test]
    fn name_preorder_payloads_round_trip(h in any::<[u8; 20]>(), ch in any::<[u8; 16]>()) {
        let p = name_preorder::Payload { preorder_hash: h, consensus_hash: ch };
        let data = p.encode();
        prop_assert_eq!(&data[..3], b"id?");
        prop_assert_eq!(name_preorder::Payload::parse(&data[3..]), Ok(p));
    }

    /// §9.2: NAME_REGISTRATION in both forms; form 2 needs epoch 3.
    #[test]
    fn name_registration_payloads_round_trip(
        name in fqn(),
        value in proptest::option::of(any::<[u8; 20]>()),
    ) {
        let p = name_registration::Payload { name, value_hash: value };
        let data = p.encode();
        prop_assert_eq!(&data[..3], b"id:");
        prop_assert_eq!(name_registration::Payload::parse(&data[3..], true), Ok(p.clone()));
        if p.value_hash.is_none() {
            prop_assert_eq!(name_registration::Payload::parse(&data[3..], false), Ok(p));
        } else {
            prop_assert_eq!(data.len(), 60);
        }
    }

    /// §9.5: NAME_UPDATE.
    #[test]
    fn name_update_payloads_round_trip(nch in any::<[u8; 16]>(), v in any::<[u8; 20]>()) {
        let p = name_update::Payload { name_consensus_hash: nch, value_hash: v };
        let data = p.encode();
        prop_assert_eq!(&data[..3], b"id+");
        prop_assert_eq!(name_update::Payload::parse(&data[3..]), Ok(p));
    }

    /// §9.6: NAME_TRANSFER with either disposition.
    #[test]
    fn name_transfer_payloads_round_trip(
        keep in any::<bool>(),
        h in any::<[u8; 16]>(),
        ch in any::<[u8; 16]>(),
    ) {
        let p = name_transfer::Payload { keep_data: keep, name_hash128: h, consensus_hash: ch };
        let data = p.encode();
        prop_assert_eq!(&data[..3], b"id>");
        prop_assert_eq!(data[3], if keep { b'>' } else { b'~' });
        prop_assert_eq!(name_transfer::Payload::parse(&data[3..]), Ok(p));
    }

    /// §9.7: NAME_REVOKE.
    #[test]
    fn name_revoke_payloads_round_trip(name in fqn()) {
        let p = name_revoke::Payload { name };
        let data = p.encode();
        prop_assert_eq!(&data[..3], b"id~");
        prop_assert_eq!(name_revoke::Payload::parse(&data[3..]), Ok(p));
    }

    /// §9.12: NAME_IMPORT.
    #[test]
    fn name_import_payloads_round_trip(name in fqn()) {
        let p = name_import::Payload { name };
        let data = p.encode();
        prop_assert_eq!(&data[..3], b"id;");
        prop_assert_eq!(name_import::Payload::parse(&data[3..]), Ok(p));
    }

    /// §9.9: NAMESPACE_PREORDER.
    #[test]
    fn namespace_preorder_payloads_round_trip(h in any::<[u8; 20]>(), ch in any::<[u8; 16]>()) {
        let p = namespace_preorder::Payload { preorder_hash: h, consensus_hash: ch };
        let data = p.encode();
        prop_assert_eq!(&data[..3], b"id*");
        prop_assert_eq!(namespace_preorder::Payload::parse(&data[3..]), Ok(p));
    }

    /// §9.10: NAMESPACE_REVEAL with every field in range.
    #[test]
    fn namespace_reveal_payloads_round_trip(
        id in namespace_id(),
        lifetime in any::<u32>(),
        price in price_function(),
        version in 1u16..=2,
    ) {
        let p = namespace_reveal::Payload { namespace_id: id, lifetime, price, version };
        let data = p.encode();
        prop_assert_eq!(&data[..3], b"id&");
        prop_assert_eq!(data.len(), 20 + p.namespace_id.len());
        prop_assert_eq!(namespace_reveal::Payload::parse(&data[3..]), Ok(p));
    }

    /// §9.11: NAMESPACE_READY.
    #[test]
    fn namespace_ready_payloads_round_trip(id in namespace_id()) {
        let p = namespace_ready::Payload { namespace_id: id };
        let data = p.encode();
        prop_assert_eq!(&data[..4], b"id!.");
        prop_assert_eq!(namespace_ready::Payload::parse(&data[3..]), Ok(p));
    }

    /// §9.8: ANNOUNCE.
    #[test]
    fn announce_payloads_round_trip(h in any::<[u8; 20]>()) {
        let p = announce::Payload { message_hash: h };
        let data = p.encode();
        prop_assert_eq!(&data[..3], b"id#");
        prop_assert_eq!(announce::Payload::parse(&data[3..]), Ok(p));
    }
}

// ---- parsers never panic -----------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// §5, §9: every payload parser returns a value or an error for any bytes, and whatever it
    /// accepts re-encodes to exactly the bytes it was given.
    #[test]
    fn payload_parsers_never_panic_and_accepted_bodies_re_encode_exactly(
        body in proptest::collection::vec(any::<u8>(), 0..80),
    ) {
        let encoded: Vec<Option<Vec<u8>>> = vec![
            name_preorder::Payload::parse(&body).ok().map(|p| p.encode()),
            name_registration::Payload::parse(&body, true).ok().map(|p| p.encode()),
            name_registration::Payload::parse(&body, false).ok().map(|p| p.encode()),
            name_update::Payload::parse(&body).ok().map(|p| p.encode()),
            name_transfer::Payload::parse(&body).ok().map(|p| p.encode()),
            name_revoke::Payload::parse(&body).ok().map(|p| p.encode()),
            name_import::Payload::parse(&body).ok().map(|p| p.encode()),
            namespace_preorder::Payload::parse(&body).ok().map(|p| p.encode()),
            namespace_reveal::Payload::parse(&body).ok().map(|p| p.encode()),
            namespace_ready::Payload::parse(&body).ok().map(|p| p.encode()),
            announce::Payload::parse(&body).ok().map(|p| p.encode()),
        ];
        for data in encoded.into_iter().flatten() {
            prop_assert_eq!(&data[3..], body.as_slice());
        }
    }

    /// §9.1, §9.5, §9.9: the fixed-length payloads accept every body of their length.
    #[test]
    fn fixed_length_payloads_accept_any_body_of_their_length(
        body36 in proptest::collection::vec(any::<u8>(), 36),
        body20 in proptest::collection::vec(any::<u8>(), 20),
    ) {
        prop_assert!(name_preorder::Payload::parse(&body36).is_ok());
        prop_assert!(namespace_preorder::Payload::parse(&body36).is_ok());
        prop_assert!(name_update::Payload::parse(&body36).is_ok());
        prop_assert!(announce::Payload::parse(&body20).is_ok());
    }

    /// §9.2: a 57-byte body is either form 2 or an error, never a panic, in every epoch.
    #[test]
    fn registration_parsing_of_57_byte_bodies_never_panics(
        body in proptest::collection::vec(any::<u8>(), 57),
    ) {
        if let Ok(p) = name_registration::Payload::parse(&body, true) {
            prop_assert!(p.value_hash.is_some());
        }
        let _ = name_registration::Payload::parse(&body, false);
    }
}

/// A script: random bytes, or one of the shapes the parser distinguishes.
fn script() -> impl Strategy<Value = Vec<u8>> {
    let random = proptest::collection::vec(any::<u8>(), 0..60);
    let hash = any::<[u8; 20]>();
    prop_oneof![
        random.clone(),
        hash.prop_map(|h| p2pkh_script(&h).into_bytes()),
        hash.prop_map(|h| p2sh_script(&h).into_bytes()),
        hash.prop_map(|h| [vec![0x00, 0x14], h.to_vec()].concat()),
        // OP_RETURN with an `id` payload and a random opcode and body.
        (
            prop::sample::select(b"?:+>~;*&!#Z".to_vec()),
            proptest::collection::vec(any::<u8>(), 0..70),
            0u8..3,
        )
            .prop_map(|(op, body, form)| {
                let data = [b"id".as_slice(), &[op], &body].concat();
                match form {
                    0 => op_return(&data).into_bytes(),
                    1 => [vec![0x6a, 0x51], data].concat(),
                    _ => [vec![0x6a, 0x4c, 0xff], data].concat(),
                }
            }),
    ]
}

fn transaction() -> impl Strategy<Value = (Transaction, Option<TxOut>)> {
    let input = (script(), any::<u32>()).prop_map(|(sig, seq)| TxIn {
        previous_output: OutPoint::null(),
        script_sig: ScriptBuf::from_bytes(sig),
        sequence: Sequence(seq),
        witness: Witness::new(),
    });
    let output = (script(), 0u64..2_100_000_000_000_000).prop_map(|(s, v)| TxOut {
        value: Amount::from_sat(v),
        script_pubkey: ScriptBuf::from_bytes(s),
    });
    (
        proptest::collection::vec(input, 0..4),
        proptest::collection::vec(output, 0..6),
        proptest::option::of(script()),
    )
        .prop_map(|(input, output, prev)| {
            let tx = Transaction {
                version: Version::ONE,
                lock_time: LockTime::ZERO,
                input,
                output,
            };
            let prevout = prev.map(|s| TxOut {
                value: Amount::from_sat(FUNDING),
                script_pubkey: ScriptBuf::from_bytes(s),
            });
            (tx, prevout)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// §5: `parse_transaction` returns an op or an error for any transaction and prevout, in
    /// every epoch and network.
    #[test]
    fn parse_transaction_never_panics_on_arbitrary_transactions(
        (tx, prevout) in transaction(),
        height in 0u64..600_000,
    ) {
        for rules in [epoch3_rules(), Rules::mainnet(), rules_with_epochs(10_000, 20_000)] {
            if let Ok(op) = parse_transaction(&tx, 1, prevout.as_ref(), &rules, height) {
                let prev = prevout.as_ref().expect("an op needs its sender");
                prop_assert_eq!(op.sender.script, hex::encode(prev.script_pubkey.as_bytes()));
                prop_assert_eq!(op.vtxindex, 1);
                prop_assert_eq!(op.txid, tx.compute_txid().to_string());
            }
        }
    }

    /// §5.4: a p2pkh sender's scriptSig with two random tokens never panics the key search.
    #[test]
    fn the_sender_key_search_never_panics(
        a in proptest::collection::vec(any::<u8>(), 0..80),
        b in proptest::collection::vec(any::<u8>(), 0..80),
    ) {
        let chain = TestChain::epoch3();
        let p = chain.ns_payer.clone();
        let mut sig = push(&a);
        sig.extend(push(&b));
        let tx = namespace_preorder_tx(&p, "test", &chain.revealer, 1, burn_script(), &chain.ch())
            .with_script_sig(ScriptBuf::from_bytes(sig));
        match parse_transaction(&tx.tx, 1, tx.prevout.as_ref(), &chain.rules, chain.next()) {
            Ok(op) => {
                if let Some(key) = op.sender_pubkey {
                    prop_assert_eq!(&key, &hex::encode(&b));
                    prop_assert_eq!(key, p.pubkey_hex());
                }
            }
            Err(e) => prop_assert_eq!(e, blockstack_consensus::ParseError::BadSenderPubkey),
        }
    }
}

// ---- the block processor never panics ----------------------------------------------------

const NAMES: &[&str] = &[
    "foo.test",
    "bar.test",
    "new.test",
    "a.test",
    "0a.test",
    "gift.pay",
    "x.pay",
    "imp.rev",
    "foo.nope",
    "foo.test\n",
];
const NAMESPACES: &[&str] = &["test", "pay", "rev", "fresh", "nope"];

fn parties() -> Vec<Party> {
    let chain = TestChain::epoch3();
    vec![
        alice(),
        bob(),
        carol(),
        chain.ns_payer.clone(),
        chain.revealer.clone(),
        chain.revealer.keychain_child(0),
        p2sh_party(),
    ]
}

/// `.test` (v1) and `.pay` (v2) ready, `.rev` revealed with an import, a few names
/// registered, updated and transferred, and outstanding preorders.
fn base_chain() -> &'static TestChain {
    static BASE: OnceLock<TestChain> = OnceLock::new();
    BASE.get_or_init(|| {
        let mut chain = TestChain::epoch3();
        chain.rules.epochs[2].grace_period = 10;
        let (a, b) = (alice(), bob());
        chain.create_namespace(&NsSpec::new("test", test_price(), 52595));
        let mut pay = NsSpec::new("pay", cheap_price(), 3);
        pay.version = 2;
        chain.create_namespace(&pay);
        let rev = NsSpec::new("rev", cheap_price(), 52595);
        chain.preorder_namespace(&rev);
        chain.reveal_namespace(&rev);
        let v = chain.revealer.clone();
        chain.mine_ok(vec![name_import_tx(&v, "imp.rev", &a, [0x33; 20])]);
        chain.register("foo.test", &a);
        chain.register("bar.test", &b);
        chain.mine_ok(vec![name_update_tx(
            &a,
            "foo.test",
            &chain.ch(),
            [0x22; 20],
        )]);
        chain.mine_ok(vec![name_transfer_tx(
            &b,
            "bar.test",
            &a,
            true,
            &chain.ch(),
        )]);
        chain.mine_ok(vec![
            chain.preorder_tx("new.test", &b, &b),
            chain.preorder_tx("a.test", &a, &a),
        ]);
        chain
    })
}

/// What one generated op does; indexes pick from the pools above.
#[derive(Clone, Debug)]
enum Action {
    Preorder(usize, usize, usize, u64, usize),
    Register(usize, usize, usize, Option<u8>, Option<u64>),
    Update(usize, usize, usize, u8),
    Transfer(usize, usize, usize, bool, usize),
    Revoke(usize, usize),
    Import(usize, usize, usize),
    NsPreorder(usize, usize, usize, u64, usize),
    Reveal(usize, usize, usize, u32, PriceFunction, u16),
    Ready(usize, usize),
    Raw(u8, String, String, String, u64),
}

fn action() -> impl Strategy<Value = Action> {
    let p = 0usize..7;
    let n = 0usize..NAMES.len();
    let s = 0usize..NAMESPACES.len();
    let ch = 0usize..30;
    let fee = prop_oneof![Just(0u64), 0u64..1_000_000, Just(40_000_000), Just(640_000)];
    prop_oneof![
        (p.clone(), n.clone(), p.clone(), fee.clone(), ch.clone())
            .prop_map(|(a, b, c, d, e)| Action::Preorder(a, b, c, d, e)),
        (
            p.clone(),
            n.clone(),
            p.clone(),
            proptest::option::of(any::<u8>()),
            proptest::option::of(fee.clone())
        )
            .prop_map(|(a, b, c, d, e)| Action::Register(a, b, c, d, e)),
        (p.clone(), n.clone(), ch.clone(), any::<u8>())
            .prop_map(|(a, b, c, d)| Action::Update(a, b, c, d)),
        (p.clone(), n.clone(), p.clone(), any::<bool>(), ch.clone())
            .prop_map(|(a, b, c, d, e)| Action::Transfer(a, b, c, d, e)),
        (p.clone(), n.clone()).prop_map(|(a, b)| Action::Revoke(a, b)),
        (p.clone(), n.clone(), p.clone()).prop_map(|(a, b, c)| Action::Import(a, b, c)),
        (p.clone(), s.clone(), p.clone(), fee, ch)
            .prop_map(|(a, b, c, d, e)| Action::NsPreorder(a, b, c, d, e)),
        (
            p.clone(),
            s.clone(),
            p.clone(),
            any::<u32>(),
            price_function(),
            1u16..=2
        )
            .prop_map(|(a, b, c, d, e, f)| Action::Reveal(a, b, c, d, e, f)),
        (p, s).prop_map(|(a, b)| Action::Ready(a, b)),
        (0u8..10, ".{0,40}", ".{0,60}", ".{0,40}", any::<u64>())
            .prop_map(|(a, b, c, d, e)| Action::Raw(a, b, c, d, e)),
    ]
}

/// The consensus hash `back` blocks before the next one (invalid or random past the window).
fn ch_back(chain: &TestChain, back: usize) -> String {
    let h = chain.next().saturating_sub(back as u64 + 1);
    if h + 4 >= chain.rules.first_block {
        chain.consensus_hash(h)
    } else {
        "ab".repeat(16)
    }
}

/// A parsed op for `action`, or none if the built transaction does not parse.
fn parsed(chain: &TestChain, ps: &[Party], action: &Action) -> Option<ParsedOp> {
    let tx = match action.clone() {
        Action::Preorder(a, n, o, fee, ch) => name_preorder_tx(
            &ps[a],
            NAMES[n].trim_end(),
            &ps[o],
            fee,
            burn_script(),
            &ch_back(chain, ch),
        ),
        Action::Register(a, n, o, v, fee) => {
            let tx = name_register_tx(&ps[a], NAMES[n], &ps[o], v.map(|b| [b; 20]));
            match fee {
                Some(f) => tx.with_output(burn_script(), f),
                None => tx,
            }
        }
        Action::Update(a, n, ch, v) => {
            name_update_tx(&ps[a], NAMES[n], &ch_back(chain, ch), [v; 20])
        }
        Action::Transfer(a, n, o, keep, ch) => {
            name_transfer_tx(&ps[a], NAMES[n], &ps[o], keep, &ch_back(chain, ch))
        }
        Action::Revoke(a, n) => name_revoke_tx(&ps[a], NAMES[n]),
        Action::Import(a, n, o) => name_import_tx(&ps[a], NAMES[n], &ps[o], [0x44; 20]),
        Action::NsPreorder(a, s, r, fee, ch) => namespace_preorder_tx(
            &ps[a],
            NAMESPACES[s],
            &ps[r],
            fee,
            burn_script(),
            &ch_back(chain, ch),
        ),
        Action::Reveal(a, s, r, lifetime, price, version) => namespace_reveal_tx(
            &ps[a],
            &NsSpec {
                id: NAMESPACES[s].to_string(),
                lifetime,
                price,
                version,
            },
            &ps[r],
        ),
        Action::Ready(a, s) => namespace_ready_tx(&ps[a], NAMESPACES[s]),
        Action::Raw(kind, name, script, address, amount) => {
            return Some(raw_op(kind, name, script, address, amount));
        }
    };
    parse_transaction(&tx.tx, 0, tx.prevout.as_ref(), &chain.rules, chain.next()).ok()
}

/// A parsed op with arbitrary text where the parser would only put valid values.
fn raw_op(kind: u8, name: String, script: String, address: String, amount: u64) -> ParsedOp {
    let recipient = Recipient {
        script: script.clone(),
        address: address.clone(),
    };
    let fee = FeeOutput {
        amount,
        address: address.clone(),
    };
    let kind = match kind {
        0 => OpKind::NamePreorder {
            preorder_hash: name.clone(),
            consensus_hash: script.clone(),
            fee,
        },
        1 => OpKind::NameRegistration {
            name: name.clone(),
            value_hash: Some(script.clone()),
            recipient,
            renewal_fee: Some(fee),
        },
        2 => OpKind::NameUpdate {
            name_consensus_hash: name.clone(),
            value_hash: script.clone(),
        },
        3 => OpKind::NameTransfer {
            name_hash128: name.clone(),
            consensus_hash: script.clone(),
            keep_data: amount.is_multiple_of(2),
            recipient,
        },
        4 => OpKind::NameRevoke { name: name.clone() },
        5 => OpKind::NameImport {
            name: name.clone(),
            recipient,
            value_hash: script.clone(),
        },
        6 => OpKind::NamespacePreorder {
            preorder_hash: name.clone(),
            consensus_hash: script.clone(),
            fee,
        },
        7 => OpKind::NamespaceReveal {
            reveal: namespace_reveal::Payload {
                namespace_id: name.clone(),
                lifetime: amount as u32,
                price: PriceFunction {
                    coeff: amount as u8,
                    base: (amount >> 8) as u8,
                    buckets: [(amount >> 16) as u8; 16],
                    nonalpha_discount: (amount >> 24) as u8,
                    no_vowel_discount: (amount >> 32) as u8,
                },
                version: (amount >> 40) as u16,
            },
            recipient,
        },
        8 => OpKind::NamespaceReady {
            namespace_id: name.clone(),
        },
        _ => OpKind::Announce {
            message_hash: name.clone(),
        },
    };
    ParsedOp {
        txid: address.clone(),
        vtxindex: (amount % 1000) as u32,
        sender: Sender {
            script,
            address,
            script_type: ScriptType::PubKeyHash,
        },
        sender_pubkey: amount.is_multiple_of(3).then_some(name),
        kind,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// §6: processing any sequence of ops, in two consecutive blocks, never panics; the outcome
    /// accounts for every op exactly once, is deterministic, and a block that accepts nothing
    /// writes nothing and hashes like an empty block.
    #[test]
    fn process_block_never_panics_on_arbitrary_ops(
        first in proptest::collection::vec(action(), 0..12),
        second in proptest::collection::vec(action(), 0..12),
        gap in 0u64..20,
    ) {
        let ps = parties();
        let mut chain = base_chain().clone();
        chain.mine_to(chain.tip + gap);
        for actions in [first, second] {
            let ops: Vec<ParsedOp> = actions
                .iter()
                .enumerate()
                .filter_map(|(i, a)| {
                    parsed(&chain, &ps, a).map(|mut op| {
                        op.vtxindex = i as u32 + 1;
                        op
                    })
                })
                .collect();
            let count = ops.len();
            let outcome = process_block(&chain.state, &chain.rules, chain.next(), ops.clone());
            prop_assert_eq!(outcome.accepted.len() + outcome.rejected.len(), count);
            prop_assert_eq!(outcome.consensus_hash.len(), 32);
            // Deterministic, whatever the hash-map iteration order of a fresh run.
            let again = process_block(&chain.state.clone(), &chain.rules, chain.next(), ops.clone());
            prop_assert_eq!(&again, &outcome);
            if outcome.accepted.is_empty() {
                prop_assert_eq!(&outcome.consensus_hash, &chain.empty_block_hash());
                prop_assert!(outcome.names.is_empty() && outcome.namespaces.is_empty());
                prop_assert!(outcome.new_preorders.is_empty());
                prop_assert!(outcome.consumed_preorders.is_empty() && outcome.history.is_empty());
            }
            chain.mine_ops(ops, Vec::new());
        }
    }
}
