//! Subdomain signatures (`subdomains.md` §3) and acceptance (§5).
//!
//! The single-signature vector below was produced with
//! [`sign_singlesig`] (RFC 6979 nonces, so it is deterministic) and checked
//! independently with OpenSSL's ECDSA over the SHA-256 digest of the
//! plaintext, the verifier the original uses (which also accepts the
//! high-S twin of the signature, see `high_s_signatures_verify_like_openssl`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use bitcoin::hashes::{hash160, Hash};
use bitcoin::secp256k1::{Secp256k1, SecretKey};
use blockstack_zonefile::subdomain::{
    check_creation, check_record, check_transition, evaluate_history, sign_multisig,
    sign_singlesig, verify_signature, AddressKind, AddressNetwork, Candidate, Owner, Rejection,
    SignatureError, SubdomainRecord,
};

const KEY_A: [u8; 32] = [0x11; 32];
const KEY_B: [u8; 32] = [0x22; 32];
const KEY_C: [u8; 32] = [0x33; 32];

/// Compressed public key of `KEY_A`.
const PUBKEY_A: &str = "034f355bdcb7cc0af728ef3cceb9615d90684bb5b2ca5f859ab0f0b704075871aa";
/// p2pkh address of `PUBKEY_A`.
const ADDRESS_A: &str = "1Q1pE5vPGEEMqRcVRMbtBK842Y6Pzo6nK9";
/// `sig` over the plaintext of `record_a(1)` by `KEY_A`.
const SIG_A_SEQN1: &str = "QHkQzx9aUCGIGXUxcyWngDHCKPsHVobjvjwS9l8yZVXUKIsP91m0b/UABvWXheh+Zuzvbgfc1tLxgewi12F4ijEhA081W9y3zAr3KO88zrlhXZBoS7Wyyl+FmrDwtwQHWHGq";

fn key(bytes: [u8; 32]) -> SecretKey {
    SecretKey::from_slice(&bytes).expect("valid key")
}

fn p2pkh(key: &SecretKey, compressed: bool) -> String {
    let pubkey = bitcoin::PublicKey {
        compressed,
        inner: key.public_key(&Secp256k1::new()),
    };
    Owner {
        kind: AddressKind::P2pkh,
        payload: hash160::Hash::hash(&pubkey.to_bytes())
            .to_byte_array()
            .to_vec(),
    }
    .to_address(AddressNetwork::Mainnet)
}

fn record(owner: &str, sequence: i64, carrier: &str) -> SubdomainRecord {
    SubdomainRecord {
        fqn: "foo.bar.id".into(),
        carrier: carrier.into(),
        owner: owner.into(),
        sequence,
        zonefile: b"$ORIGIN foo\n$TTL 3600\n_http._tcp URI 10 1 \"https://example.com/foo.json\"\n"
            .to_vec(),
        signature: None,
    }
}

fn record_a(sequence: i64) -> SubdomainRecord {
    record(ADDRESS_A, sequence, "bar.id")
}

/// `record` signed by `signer`.
fn signed(mut rec: SubdomainRecord, signer: &SecretKey) -> SubdomainRecord {
    rec.signature = Some(sign_singlesig(rec.plaintext().as_bytes(), signer, true));
    rec
}

#[test]
fn vector_keys_and_address() {
    let pubkey = key(KEY_A).public_key(&Secp256k1::new());
    assert_eq!(hex::encode(pubkey.serialize()), PUBKEY_A);
    assert_eq!(p2pkh(&key(KEY_A), true), ADDRESS_A);
}

#[test]
fn singlesig_vector_signs_and_verifies() {
    let rec = record_a(1);
    let sig = sign_singlesig(rec.plaintext().as_bytes(), &key(KEY_A), true);
    assert_eq!(sig, SIG_A_SEQN1);
    assert_eq!(
        verify_signature(ADDRESS_A, rec.plaintext().as_bytes(), Some(SIG_A_SEQN1)),
        Ok(())
    );
}

#[test]
fn signature_covers_every_field() {
    let good = record_a(1);
    let mut variants = vec![record_a(2)];
    variants.push(SubdomainRecord {
        owner: p2pkh(&key(KEY_B), true),
        ..good.clone()
    });
    variants.push(SubdomainRecord {
        zonefile: b"other".to_vec(),
        ..good.clone()
    });
    variants.push(SubdomainRecord {
        carrier: "elsewhere.id".into(),
        ..good.clone()
    });
    for v in variants {
        assert_eq!(
            verify_signature(ADDRESS_A, v.plaintext().as_bytes(), Some(SIG_A_SEQN1)),
            Err(SignatureError::Invalid),
            "{v:?}"
        );
    }
}

#[test]
fn public_key_must_hash_to_the_owner_in_the_form_given() {
    let rec = record_a(1);
    let uncompressed = sign_singlesig(rec.plaintext().as_bytes(), &key(KEY_A), false);
    assert!(matches!(
        verify_signature(ADDRESS_A, rec.plaintext().as_bytes(), Some(&uncompressed)),
        Err(SignatureError::OwnerMismatch(_))
    ));
    assert_eq!(
        verify_signature(
            &p2pkh(&key(KEY_A), false),
            rec.plaintext().as_bytes(),
            Some(&uncompressed)
        ),
        Ok(())
    );
    let other = p2pkh(&key(KEY_B), true);
    assert!(matches!(
        verify_signature(&other, rec.plaintext().as_bytes(), Some(SIG_A_SEQN1)),
        Err(SignatureError::OwnerMismatch(_))
    ));
}

#[test]
fn high_s_signatures_verify_like_openssl() {
    let rec = record_a(1);
    let script = STANDARD.decode(SIG_A_SEQN1).expect("base64");
    // Layout: 0x40 r(32) s(32) 0x21 pubkey(33).
    let (head, rest) = script.split_at(33);
    let (s, tail) = rest.split_at(32);
    let order = bitcoin::secp256k1::constants::CURVE_ORDER;
    let mut high_s = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let v = i16::from(order[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(v < 0);
        high_s[i] = (v + 256 * borrow) as u8;
    }
    let forged = STANDARD.encode([head, &high_s[..], tail].concat());
    assert_ne!(forged, SIG_A_SEQN1);
    assert_eq!(
        verify_signature(ADDRESS_A, rec.plaintext().as_bytes(), Some(&forged)),
        Ok(())
    );
}

#[test]
fn malformed_signatures_are_rejected() {
    let plaintext = record_a(1).plaintext();
    let p = plaintext.as_bytes();
    assert_eq!(
        verify_signature(ADDRESS_A, p, None),
        Err(SignatureError::Missing)
    );
    assert_eq!(
        verify_signature(ADDRESS_A, p, Some("QQ")),
        Err(SignatureError::InvalidBase64)
    );
    // `str(None)` as stored by v0.18 for unsigned records.
    assert_eq!(
        verify_signature(ADDRESS_A, p, Some("None")),
        Err(SignatureError::WrongStructure)
    );
    let three = STANDARD.encode([1u8, 1, 1, 1, 1, 1, 1]);
    assert_eq!(
        verify_signature(ADDRESS_A, p, Some(&three)),
        Err(SignatureError::WrongStructure)
    );
    // Version byte 0x1c (a zcash-style prefix) is neither p2pkh nor p2sh.
    let odd = bitcoin::base58::encode_check(&[0x1c; 21]);
    assert!(matches!(
        verify_signature(&odd, p, Some(SIG_A_SEQN1)),
        Err(SignatureError::UnsupportedAddress(_))
    ));
    assert!(matches!(
        verify_signature("not an address", p, Some(SIG_A_SEQN1)),
        Err(SignatureError::UnsupportedAddress(_))
    ));
}

#[test]
fn testnet_addresses_are_reencoded() {
    let owner = Owner::from_address(ADDRESS_A).expect("decodes");
    let testnet = owner.to_address(AddressNetwork::Testnet);
    assert!(testnet.starts_with('m') || testnet.starts_with('n'));
    let plaintext = record_a(1).plaintext();
    assert_eq!(
        verify_signature(&testnet, plaintext.as_bytes(), Some(SIG_A_SEQN1)),
        Ok(())
    );
}

/// `OP_2 <A> <B> <C> OP_3 OP_CHECKMULTISIG`.
fn redeem_2_of_3() -> Vec<u8> {
    let secp = Secp256k1::new();
    let mut script = vec![0x52];
    for k in [KEY_A, KEY_B, KEY_C] {
        script.push(33);
        script.extend(key(k).public_key(&secp).serialize());
    }
    script.extend([0x53, 0xae]);
    script
}

fn p2sh(script: &[u8]) -> String {
    Owner {
        kind: AddressKind::P2sh,
        payload: hash160::Hash::hash(script).to_byte_array().to_vec(),
    }
    .to_address(AddressNetwork::Mainnet)
}

#[test]
fn multisig_signatures_match_keys_in_order() {
    let redeem = redeem_2_of_3();
    let owner = p2sh(&redeem);
    assert!(owner.starts_with('3'));
    let plaintext = record(&owner, 1, "bar.id").plaintext();
    let p = plaintext.as_bytes();

    let sig = sign_multisig(p, &redeem, &[key(KEY_C), key(KEY_A)]).expect("two keys of three");
    assert_eq!(verify_signature(&owner, p, Some(&sig)), Ok(()));

    // Swapping the two signatures breaks OP_CHECKMULTISIG ordering.
    let script = STANDARD.decode(&sig).expect("base64");
    let (op0, rest) = script.split_at(1);
    let (first, rest) = rest.split_at(65);
    let (second, redeem_push) = rest.split_at(65);
    let swapped = STANDARD.encode([op0, second, first, redeem_push].concat());
    assert_eq!(
        verify_signature(&owner, p, Some(&swapped)),
        Err(SignatureError::Invalid)
    );

    // One signature where two are required.
    let short = STANDARD.encode([op0, first, redeem_push].concat());
    assert_eq!(
        verify_signature(&owner, p, Some(&short)),
        Err(SignatureError::WrongSignatureCount {
            expected: 2,
            found: 1
        })
    );
    assert_eq!(sign_multisig(p, &redeem, &[key(KEY_A)]), None);
}

/// v0.18 reads `m` as whatever opcode opens the redeem script, so a script
/// starting with `OP_RESERVED` needs zero signatures. Reproduced for
/// parity; a known weakness of the original.
#[test]
fn zero_of_n_redeem_script_verifies_as_in_v018() {
    let secp = Secp256k1::new();
    let mut redeem = vec![0x50, 33];
    redeem.extend(key(KEY_A).public_key(&secp).serialize());
    redeem.extend([0x51, 0xae]);
    let owner = p2sh(&redeem);
    let mut script = vec![0u8, u8::try_from(redeem.len()).expect("short")];
    script.extend(&redeem);
    let sig = STANDARD.encode(script);
    assert_eq!(verify_signature(&owner, b"anything", Some(&sig)), Ok(()));
}

// §5 acceptance

#[test]
fn creation_needs_seqn_zero_from_the_parent() {
    assert_eq!(check_creation(&record_a(0)), Ok(()));
    assert!(matches!(
        check_creation(&record_a(1)),
        Err(Rejection::NotCreation { sequence: 1, .. })
    ));
    assert!(matches!(
        check_creation(&record(ADDRESS_A, 0, "other.id")),
        Err(Rejection::IndependentCreation { .. })
    ));
    assert_eq!(check_record(None, &record_a(0)), Ok(()));
    // A creation's own signature is not checked, whatever it holds.
    let mut garbage = record_a(0);
    garbage.signature = Some("not a signature".into());
    assert_eq!(check_creation(&garbage), Ok(()));
    assert_eq!(check_record(None, &garbage), Ok(()));
}

#[test]
fn updates_need_the_next_seqn_and_the_previous_owners_signature() {
    let a = key(KEY_A);
    let genesis = record_a(0);
    assert_eq!(check_transition(&genesis, &signed(record_a(1), &a)), Ok(()));
    assert!(matches!(
        check_transition(&genesis, &signed(record_a(2), &a)),
        Err(Rejection::SequenceGap {
            previous: 0,
            found: 2
        })
    ));
    assert!(matches!(
        check_transition(&genesis, &record_a(1)),
        Err(Rejection::BadSignature {
            source: SignatureError::Missing,
            ..
        })
    ));
    assert!(matches!(
        check_transition(&genesis, &signed(record_a(1), &key(KEY_B))),
        Err(Rejection::BadSignature { .. })
    ));
    let other_name = SubdomainRecord {
        fqn: "baz.bar.id".into(),
        ..signed(record_a(1), &a)
    };
    assert!(matches!(
        check_transition(&genesis, &other_name),
        Err(Rejection::DifferentName { .. })
    ));
}

#[test]
fn any_name_may_update_but_only_the_parent_may_transfer() {
    let a = key(KEY_A);
    let genesis = record_a(0);
    let update_elsewhere = signed(record(ADDRESS_A, 1, "other.id"), &a);
    assert!(update_elsewhere.is_independent());
    assert_eq!(check_transition(&genesis, &update_elsewhere), Ok(()));

    let b_address = p2pkh(&key(KEY_B), true);
    let transfer_elsewhere = signed(record(&b_address, 1, "other.id"), &a);
    assert!(matches!(
        check_transition(&genesis, &transfer_elsewhere),
        Err(Rejection::IndependentTransfer { .. })
    ));
    let transfer = signed(record(&b_address, 1, "bar.id"), &a);
    assert_eq!(check_transition(&genesis, &transfer), Ok(()));
    // After the transfer only the new owner can sign.
    assert_eq!(
        check_transition(
            &transfer,
            &signed(record(&b_address, 2, "bar.id"), &key(KEY_B))
        ),
        Ok(())
    );
    assert!(check_transition(&transfer, &signed(record(&b_address, 2, "bar.id"), &a)).is_err());
    // Testnet spelling of the same owner is not a transfer.
    let same_owner_testnet = Owner::from_address(ADDRESS_A)
        .expect("decodes")
        .to_address(AddressNetwork::Testnet);
    let update = signed(record(&same_owner_testnet, 1, "other.id"), &a);
    assert_eq!(check_transition(&genesis, &update), Ok(()));
}

#[test]
fn history_orders_by_sequence_then_chain_position() {
    let a = key(KEY_A);
    let b_address = p2pkh(&key(KEY_B), true);
    let genesis = record_a(0);
    let early_update = signed(record_a(1), &a);
    let conflicting = signed(record(&b_address, 1, "bar.id"), &a);
    let forged = signed(record_a(2), &key(KEY_C));
    let next = signed(record_a(2), &a);
    let candidates = [
        Candidate {
            zonefile_index: 9,
            record: &next,
        },
        Candidate {
            zonefile_index: 7,
            record: &conflicting,
        },
        Candidate {
            zonefile_index: 5,
            record: &genesis,
        },
        Candidate {
            zonefile_index: 3,
            record: &early_update,
        },
        Candidate {
            zonefile_index: 8,
            record: &forged,
        },
    ];
    let verdicts = evaluate_history(&candidates);
    assert_eq!(verdicts[0], Ok(()), "seqn 2 continues the first seqn 1");
    assert!(
        matches!(verdicts[1], Err(Rejection::SequenceGap { .. })),
        "later seqn 1 loses"
    );
    assert_eq!(verdicts[2], Ok(()), "creation");
    assert_eq!(
        verdicts[3],
        Ok(()),
        "seqn 1 earlier in the chain than its creation"
    );
    assert!(
        matches!(verdicts[4], Err(Rejection::BadSignature { .. })),
        "forged seqn 2"
    );
}

#[test]
fn independent_first_record_blocks_the_subdomain() {
    let squatter = record(ADDRESS_A, 0, "other.id");
    let genesis = record_a(0);
    let verdicts = evaluate_history(&[
        Candidate {
            zonefile_index: 2,
            record: &genesis,
        },
        Candidate {
            zonefile_index: 1,
            record: &squatter,
        },
    ]);
    assert!(matches!(
        verdicts[1],
        Err(Rejection::IndependentCreation { .. })
    ));
    assert!(matches!(
        verdicts[0],
        Err(Rejection::NoValidCreation { .. })
    ));
}

#[test]
fn script_contents_are_checked() {
    let p = b"plaintext";
    // A "public key" that hashes to the owner but is not a curve point.
    let bogus_key = [0x05u8; 33];
    let owner = Owner {
        kind: AddressKind::P2pkh,
        payload: hash160::Hash::hash(&bogus_key).to_byte_array().to_vec(),
    }
    .to_address(AddressNetwork::Mainnet);
    let mut script = vec![64];
    script.extend([1u8; 64]);
    script.push(33);
    script.extend(bogus_key);
    assert_eq!(
        verify_signature(&owner, p, Some(&STANDARD.encode(&script))),
        Err(SignatureError::InvalidPublicKey)
    );

    // A signature that is not 64 bytes.
    let pubkey = key(KEY_A).public_key(&Secp256k1::new()).serialize();
    let mut script = vec![10];
    script.extend([1u8; 10]);
    script.push(33);
    script.extend(pubkey);
    assert_eq!(
        verify_signature(ADDRESS_A, p, Some(&STANDARD.encode(&script))),
        Err(SignatureError::MalformedSignature)
    );

    // A p2sh owner whose redeem script is not a multisig script.
    let redeem = [0x51u8, 0xae];
    let script = [&[0u8, 2][..], &redeem[..]].concat();
    assert_eq!(
        verify_signature(&p2sh(&redeem), p, Some(&STANDARD.encode(script))),
        Err(SignatureError::InvalidRedeemScript)
    );
}

#[test]
fn new_owner_must_be_a_p2pkh_or_p2sh_address() {
    let transfer = signed(record("not-an-address", 1, "bar.id"), &key(KEY_A));
    assert_eq!(
        check_transition(&record_a(0), &transfer),
        Err(Rejection::UnsupportedOwner("not-an-address".into()))
    );
}
