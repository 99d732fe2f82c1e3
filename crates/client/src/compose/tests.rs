//! Each composed transaction is decoded with the consensus parser and
//! checked to be the operation meant, sent by the key meant, with every
//! input validly signed.

use bitcoin::hashes::Hash;
use bitcoin::secp256k1::Secp256k1;
use bitcoin::{Amount, FeeRate, NetworkKind, OutPoint, Transaction, TxOut, Txid};
use blockstack_consensus::hash::{name_consensus_hash, name_hash128, preorder_hash};
use blockstack_consensus::op::{parse_kind, parse_sender, OpKind};
use blockstack_consensus::price::PriceFunction;
use blockstack_consensus::{AddressNetwork, Rules};
use blockstack_wallet::{verify_input, ChainParams, KeyInfo, SingleKey, Utxo, WalletKeys};

use super::*;

const HEIGHT: u64 = 100;

fn rules() -> Rules {
    let mut rules = Rules::test(1, AddressNetwork::Testnet);
    rules.epochs[0].end_block = 1;
    rules.epochs[1].end_block = 2;
    rules
}

struct Fixture {
    composer: Composer,
    keys: WalletKeys,
    reveal: KeyInfo,
    payment_utxos: Vec<Utxo>,
    owner_utxos: Vec<Utxo>,
    reveal_utxos: Vec<Utxo>,
}

fn utxo(tag: u8, vout: u32, sats: u64) -> Utxo {
    Utxo {
        outpoint: OutPoint {
            txid: Txid::from_byte_array([tag; 32]),
            vout,
        },
        value: Amount::from_sat(sats),
    }
}

fn fixture() -> Fixture {
    Fixture {
        composer: Composer::new(ChainParams::bitcoin_testnet()),
        keys: WalletKeys::generate(NetworkKind::Test),
        reveal: KeyInfo::Single(SingleKey::generate(NetworkKind::Test)),
        payment_utxos: vec![utxo(1, 0, 50_000_000), utxo(1, 1, 30_000)],
        owner_utxos: vec![utxo(2, 0, 5_500)],
        reveal_utxos: vec![utxo(3, 0, 1_000_000)],
    }
}

fn rate() -> FeeRate {
    FeeRate::from_sat_per_vb_u32(3)
}

/// The previous outputs of `tx`'s inputs, given which key owns which UTXO.
fn prevouts(tx: &Transaction, owners: &[(&KeyInfo, &[Utxo])]) -> Vec<TxOut> {
    tx.input
        .iter()
        .map(|input| {
            owners
                .iter()
                .find_map(|(key, utxos)| {
                    utxos
                        .iter()
                        .find(|u| u.outpoint == input.previous_output)
                        .map(|u| TxOut {
                            value: u.value,
                            script_pubkey: key.script_pubkey(),
                        })
                })
                .expect("every input spends a known UTXO")
        })
        .collect()
}

/// Decodes the op, checks the sender is `sender`, and verifies every signature.
fn decode(tx: &Transaction, sender: &KeyInfo, owners: &[(&KeyInfo, &[Utxo])]) -> OpKind {
    let prevouts = prevouts(tx, owners);
    let secp = Secp256k1::verification_only();
    for (i, prevout) in prevouts.iter().enumerate() {
        verify_input(
            &secp,
            tx,
            i,
            prevout,
            ChainParams::bitcoin_testnet().sighash,
        )
        .unwrap_or_else(|e| panic!("input {i}: {e}"));
    }
    let (s, _) = parse_sender(tx, &prevouts[0], &rules()).expect("sender");
    assert_eq!(s.script, sender.script_pubkey().to_hex_string(), "sender");
    parse_kind(tx, &rules(), HEIGHT).expect("a BNS operation")
}

fn ch() -> [u8; 16] {
    [0x5a; 16]
}

#[test]
fn a_namespace_preorder_commits_to_payer_and_revealer_and_pays_the_price() {
    let f = fixture();
    let reveal_address = f.reveal.address(NetworkKind::Test).to_string();
    let done = f
        .composer
        .namespace_preorder(
            "test",
            Funding::new(&f.keys.payment, &f.payment_utxos),
            &f.reveal.script_pubkey(),
            ch(),
            Amount::from_sat(40_000_000),
            rate(),
        )
        .expect("composed");
    let expected = preorder_hash(
        "test",
        &f.keys.payment.script_pubkey().to_hex_string(),
        &reveal_address,
    )
    .expect("hash");
    match decode(
        &done.tx,
        &f.keys.payment,
        &[(&f.keys.payment, &f.payment_utxos)],
    ) {
        OpKind::NamespacePreorder {
            preorder_hash,
            consensus_hash,
            fee,
        } => {
            assert_eq!(preorder_hash, expected);
            assert_eq!(consensus_hash, hex::encode(ch()));
            assert_eq!(fee.amount, 40_000_000);
            assert_eq!(fee.address, AddressNetwork::Testnet.burn_address());
        }
        other => panic!("{other:?}"),
    }
    assert!(done.fee > Amount::ZERO);
}

#[test]
fn a_namespace_reveal_carries_the_price_function_to_the_revealer() {
    let f = fixture();
    let params = RevealParams {
        lifetime: 5000,
        price: PriceFunction {
            coeff: 4,
            base: 4,
            buckets: [7, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1],
            nonalpha_discount: 3,
            no_vowel_discount: 2,
        },
        version: 2,
    };
    let done = f
        .composer
        .namespace_reveal(
            "test",
            &params,
            Funding::new(&f.keys.payment, &f.payment_utxos),
            &f.reveal.script_pubkey(),
            rate(),
        )
        .expect("composed");
    match decode(
        &done.tx,
        &f.keys.payment,
        &[(&f.keys.payment, &f.payment_utxos)],
    ) {
        OpKind::NamespaceReveal { reveal, recipient } => {
            assert_eq!(reveal.namespace_id, "test");
            assert_eq!(reveal.lifetime, 5000);
            assert_eq!(reveal.price, params.price);
            assert_eq!(reveal.version, 2);
            assert_eq!(recipient.script, f.reveal.script_pubkey().to_hex_string());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn reveal_parameters_the_indexer_ignores_are_refused() {
    let f = fixture();
    let mut params = RevealParams {
        lifetime: 1,
        price: PriceFunction {
            coeff: 1,
            base: 1,
            buckets: [0; 16],
            nonalpha_discount: 0,
            no_vowel_discount: 1,
        },
        version: 1,
    };
    let reveal = |p: &RevealParams| {
        f.composer.namespace_reveal(
            "test",
            p,
            Funding::new(&f.keys.payment, &f.payment_utxos),
            &f.reveal.script_pubkey(),
            rate(),
        )
    };
    assert!(matches!(
        reveal(&params),
        Err(ComposeError::InvalidPayload { .. })
    ));
    params.price.nonalpha_discount = 1;
    params.version = 3;
    assert!(matches!(
        reveal(&params),
        Err(ComposeError::InvalidPayload { .. })
    ));
    params.version = 1;
    assert!(reveal(&params).is_ok());
    assert!(matches!(
        f.composer.namespace_reveal(
            "bad.ns",
            &params,
            Funding::new(&f.keys.payment, &f.payment_utxos),
            &f.reveal.script_pubkey(),
            rate()
        ),
        Err(ComposeError::InvalidNamespace(_))
    ));
}

#[test]
fn ready_and_import_are_sent_by_the_revealer() {
    let f = fixture();
    let ready = f
        .composer
        .namespace_ready("test", Funding::new(&f.reveal, &f.reveal_utxos), rate())
        .expect("ready");
    assert_eq!(
        decode(&ready.tx, &f.reveal, &[(&f.reveal, &f.reveal_utxos)]),
        OpKind::NamespaceReady {
            namespace_id: "test".into()
        }
    );
    let zonefile_hash = [0x42; 20];
    let import = f
        .composer
        .name_import(
            "alice.test",
            Funding::new(&f.reveal, &f.reveal_utxos),
            &f.keys.owner.script_pubkey(),
            zonefile_hash,
            rate(),
        )
        .expect("import");
    match decode(&import.tx, &f.reveal, &[(&f.reveal, &f.reveal_utxos)]) {
        OpKind::NameImport {
            name,
            recipient,
            value_hash,
        } => {
            assert_eq!(name, "alice.test");
            assert_eq!(
                recipient.script,
                f.keys.owner.script_pubkey().to_hex_string()
            );
            assert_eq!(value_hash, hex::encode(zonefile_hash));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        f.composer.name_import(
            "alice.test",
            Funding::new(&f.keys.payment, &f.payment_utxos),
            &f.keys.owner.script_pubkey(),
            zonefile_hash,
            rate()
        ),
        Err(ComposeError::NotSingleKey { .. })
    ));
}

#[test]
fn preorder_then_registration_match_as_the_indexer_requires() {
    let f = fixture();
    let owner_address = f.keys.owner.address(NetworkKind::Test).to_string();
    let preorder = f
        .composer
        .name_preorder(
            "foo.test",
            Funding::new(&f.keys.payment, &f.payment_utxos),
            &f.keys.owner.script_pubkey(),
            ch(),
            Amount::from_sat(640_000),
            &burn_script(),
            rate(),
        )
        .expect("preorder");
    let expected = preorder_hash(
        "foo.test",
        &f.keys.payment.script_pubkey().to_hex_string(),
        &owner_address,
    )
    .expect("hash");
    match decode(
        &preorder.tx,
        &f.keys.payment,
        &[(&f.keys.payment, &f.payment_utxos)],
    ) {
        OpKind::NamePreorder {
            preorder_hash, fee, ..
        } => {
            assert_eq!(preorder_hash, expected);
            assert_eq!(fee.amount, 640_000);
        }
        other => panic!("{other:?}"),
    }
    // The registration spends the preorder's change from the same payer script.
    let change = vec![Utxo {
        outpoint: OutPoint {
            txid: preorder.tx.compute_txid(),
            vout: 1,
        },
        value: preorder.tx.output[1].value,
    }];
    assert_eq!(
        preorder.tx.output[1].script_pubkey,
        f.keys.payment.script_pubkey()
    );
    for hash in [None, Some([0x77; 20])] {
        let register = f
            .composer
            .name_registration(
                "foo.test",
                Funding::new(&f.keys.payment, &change),
                &f.keys.owner.script_pubkey(),
                hash,
                rate(),
            )
            .expect("register");
        match decode(&register.tx, &f.keys.payment, &[(&f.keys.payment, &change)]) {
            OpKind::NameRegistration {
                name,
                value_hash,
                recipient,
                renewal_fee,
            } => {
                assert_eq!(name, "foo.test");
                assert_eq!(value_hash, hash.map(hex::encode));
                assert_eq!(recipient.address, owner_address);
                assert_eq!(renewal_fee, None);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn owner_ops_are_sent_by_the_owner_and_paid_by_the_payment_key() {
    let f = fixture();
    let owner = Funding::new(&f.keys.owner, &f.owner_utxos);
    let payer = Funding::new(&f.keys.payment, &f.payment_utxos);
    let both: [(&KeyInfo, &[Utxo]); 2] = [
        (&f.keys.owner, &f.owner_utxos),
        (&f.keys.payment, &f.payment_utxos),
    ];
    let check_owner_change = |tx: &Transaction, index: usize| {
        assert_eq!(tx.output[index].script_pubkey, f.keys.owner.script_pubkey());
        assert_eq!(tx.output[index].value, Amount::from_sat(5_500));
    };

    let ch_hex = hex::encode(ch());
    let update = f
        .composer
        .name_update("foo.test", owner, payer, &ch_hex, [0x11; 20], rate())
        .expect("update");
    assert_eq!(
        decode(&update.tx, &f.keys.owner, &both),
        OpKind::NameUpdate {
            name_consensus_hash: name_consensus_hash("foo.test", &ch_hex),
            value_hash: hex::encode([0x11; 20]),
        }
    );
    check_owner_change(&update.tx, 1);

    let other = WalletKeys::generate(NetworkKind::Test).owner;
    for keep in [true, false] {
        let transfer = f
            .composer
            .name_transfer(
                "foo.test",
                owner,
                payer,
                &other.script_pubkey(),
                keep,
                ch(),
                rate(),
            )
            .expect("transfer");
        match decode(&transfer.tx, &f.keys.owner, &both) {
            OpKind::NameTransfer {
                name_hash128: h,
                keep_data,
                recipient,
                ..
            } => {
                assert_eq!(h, name_hash128("foo.test"));
                assert_eq!(keep_data, keep);
                assert_eq!(recipient.script, other.script_pubkey().to_hex_string());
            }
            other => panic!("{other:?}"),
        }
        check_owner_change(&transfer.tx, 2);
    }

    let renewal = f
        .composer
        .name_renewal(
            "foo.test",
            owner,
            payer,
            Some(&other.script_pubkey()),
            Some([0x22; 20]),
            Amount::from_sat(640_000),
            &burn_script(),
            rate(),
        )
        .expect("renewal");
    match decode(&renewal.tx, &f.keys.owner, &both) {
        OpKind::NameRegistration {
            name,
            value_hash,
            recipient,
            renewal_fee,
        } => {
            assert_eq!(name, "foo.test");
            assert_eq!(value_hash, Some(hex::encode([0x22; 20])));
            assert_eq!(recipient.script, other.script_pubkey().to_hex_string());
            let fee = renewal_fee.expect("output 3 pays the price");
            assert_eq!(fee.amount, 640_000);
            assert_eq!(fee.address, AddressNetwork::Testnet.burn_address());
        }
        other => panic!("{other:?}"),
    }
    check_owner_change(&renewal.tx, 2);

    let revoke = f
        .composer
        .name_revoke("foo.test", owner, payer, rate())
        .expect("revoke");
    assert_eq!(
        decode(&revoke.tx, &f.keys.owner, &both),
        OpKind::NameRevoke {
            name: "foo.test".into()
        }
    );
    check_owner_change(&revoke.tx, 1);
}

#[test]
fn a_renewal_to_self_keeps_the_owner() {
    let f = fixture();
    let both: [(&KeyInfo, &[Utxo]); 2] = [
        (&f.keys.owner, &f.owner_utxos),
        (&f.keys.payment, &f.payment_utxos),
    ];
    let renewal = f
        .composer
        .name_renewal(
            "foo.test",
            Funding::new(&f.keys.owner, &f.owner_utxos),
            Funding::new(&f.keys.payment, &f.payment_utxos),
            None,
            None,
            Amount::from_sat(1_000),
            &burn_script(),
            rate(),
        )
        .expect("renewal");
    match decode(&renewal.tx, &f.keys.owner, &both) {
        OpKind::NameRegistration {
            recipient,
            value_hash,
            ..
        } => {
            assert_eq!(
                recipient.script,
                f.keys.owner.script_pubkey().to_hex_string()
            );
            assert_eq!(value_hash, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn announce_carries_the_message_hash() {
    let f = fixture();
    let done = f
        .composer
        .announce(
            [9; 20],
            Funding::new(&f.keys.payment, &f.payment_utxos),
            rate(),
        )
        .expect("announce");
    assert_eq!(
        decode(
            &done.tx,
            &f.keys.payment,
            &[(&f.keys.payment, &f.payment_utxos)]
        ),
        OpKind::Announce {
            message_hash: hex::encode([9; 20])
        }
    );
}

#[test]
fn invalid_names_and_short_funds_are_errors_not_transactions() {
    let f = fixture();
    let poor = vec![utxo(4, 0, 1_000)];
    assert!(matches!(
        f.composer.name_preorder(
            "Foo.test",
            Funding::new(&f.keys.payment, &f.payment_utxos),
            &f.keys.owner.script_pubkey(),
            ch(),
            Amount::from_sat(1),
            &burn_script(),
            rate()
        ),
        Err(ComposeError::InvalidName(_))
    ));
    assert!(matches!(
        f.composer.name_preorder(
            "foo.test",
            Funding::new(&f.keys.payment, &poor),
            &f.keys.owner.script_pubkey(),
            ch(),
            Amount::from_sat(640_000),
            &burn_script(),
            rate()
        ),
        Err(ComposeError::Build(BuildError::InsufficientFunds { .. }))
    ));
}

#[test]
fn withdrawals_pay_the_amount_with_change_or_sweep_everything() {
    let f = fixture();
    let to = WalletKeys::generate(NetworkKind::Test)
        .payment
        .script_pubkey();
    let owners: [(&KeyInfo, &[Utxo]); 1] = [(&f.keys.payment, &f.payment_utxos)];
    let secp = Secp256k1::verification_only();
    let verify = |tx: &Transaction| {
        for (i, prevout) in prevouts(tx, &owners).iter().enumerate() {
            verify_input(
                &secp,
                tx,
                i,
                prevout,
                ChainParams::bitcoin_testnet().sighash,
            )
            .expect("signed");
        }
    };
    let paid = f
        .composer
        .withdraw(
            Funding::new(&f.keys.payment, &f.payment_utxos),
            &to,
            Some(Amount::from_sat(1_000_000)),
            Some(b"hello"),
            rate(),
        )
        .expect("withdraw");
    verify(&paid.tx);
    assert_eq!(paid.tx.input.len(), 1, "the largest UTXO suffices");
    assert_eq!(paid.tx.output[0].value, Amount::from_sat(1_000_000));
    assert_eq!(paid.tx.output[0].script_pubkey, to);
    assert_eq!(
        paid.tx.output[1].script_pubkey,
        f.keys.payment.script_pubkey()
    );
    assert!(paid.tx.output[2].script_pubkey.is_op_return());
    let total_in = Amount::from_sat(50_000_000);
    let total_out: Amount = paid.tx.output.iter().map(|o| o.value).sum();
    assert_eq!(total_in - total_out, paid.fee);

    let swept = f
        .composer
        .withdraw(
            Funding::new(&f.keys.payment, &f.payment_utxos),
            &to,
            None,
            None,
            rate(),
        )
        .expect("sweep");
    verify(&swept.tx);
    assert_eq!(swept.tx.input.len(), 2);
    assert_eq!(swept.tx.output.len(), 1);
    assert_eq!(
        swept.tx.output[0].value + swept.fee,
        Amount::from_sat(50_030_000)
    );

    assert!(matches!(
        f.composer.withdraw(
            Funding::new(&f.keys.payment, &f.payment_utxos),
            &to,
            Some(Amount::from_sat(60_000_000)),
            None,
            rate()
        ),
        Err(ComposeError::Build(BuildError::InsufficientFunds { .. }))
    ));
    assert!(matches!(
        f.composer.withdraw(
            Funding::new(&f.keys.payment, &f.payment_utxos),
            &to,
            Some(Amount::from_sat(1_000)),
            Some(&[0u8; 41]),
            rate()
        ),
        Err(ComposeError::Withdraw(_))
    ));
}

#[test]
fn forkid_chains_get_forkid_signatures() {
    let params = ChainParams::sv_regtest_test_node();
    let composer = Composer::new(params);
    let f = fixture();
    let both: [(&KeyInfo, &[Utxo]); 2] = [
        (&f.keys.owner, &f.owner_utxos),
        (&f.keys.payment, &f.payment_utxos),
    ];
    let revoke = composer
        .name_revoke(
            "foo.test",
            Funding::new(&f.keys.owner, &f.owner_utxos),
            Funding::new(&f.keys.payment, &f.payment_utxos),
            rate(),
        )
        .expect("revoke");
    let secp = Secp256k1::verification_only();
    for (i, prevout) in prevouts(&revoke.tx, &both).iter().enumerate() {
        verify_input(&secp, &revoke.tx, i, prevout, params.sighash).expect("forkid signature");
        assert!(
            verify_input(
                &secp,
                &revoke.tx,
                i,
                prevout,
                ChainParams::bitcoin_testnet().sighash
            )
            .is_err(),
            "not a legacy signature"
        );
    }
}

#[test]
fn cheap_prices_still_pay_a_5500_satoshi_output() {
    let f = fixture();
    let done = f
        .composer
        .name_preorder(
            "foo.test",
            Funding::new(&f.keys.payment, &f.payment_utxos),
            &f.keys.owner.script_pubkey(),
            ch(),
            Amount::from_sat(480),
            &burn_script(),
            rate(),
        )
        .expect("preorder");
    assert_eq!(done.tx.output[2].value, Amount::from_sat(5_500));
    let big = f.composer.fee_output(Amount::from_sat(640_000));
    assert_eq!(big, Amount::from_sat(640_000));
}
