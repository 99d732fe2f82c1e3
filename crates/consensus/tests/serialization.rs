//! The consensus serializations of spec §12.5 (the documentation's `patrickstanley.id`
//! history, mainnet, epoch 2), rebuilt from records through the public API (spec §10.1, §10.2).

mod support;

use blockstack_consensus::hash::dsha256;
use blockstack_consensus::record::{CreationOp, NameOp};
use blockstack_consensus::{ConsensusRecord, NameRecord};
use support::*;

const REGISTRATION: &str = "::17:patrickstanley.id,0:,50:76a9144401f3be5311585ea519c1cb471a8dc7b02fd6ee88ac,66:039a8948d339ecbff44cf426cb85d90fce876f1658d385cdc47f007f279be626ea,34:17CbHgTgBG3kLedXNneEKBkCTgW2fyrnUD,6:445838,6:445838,6:445851,6:445851,5:False,1::,64:55b8b42fc3e3d23cbc0f07d38edae6a451dfc512b770fd7903725f9e465b2925,2:54,5:25000,0:,0:,50:76a9144401f3be5311585ea519c1cb471a8dc7b02fd6ee88ac,34:17CbHgTgBG3kLedXNneEKBkCTgW2fyrnUD";
const REGISTRATION_DSHA256: &str =
    "693791c85df7835f93d782172c4568f77a1002ae4b10fa9b6ce410f4c662524f";
const UPDATE: &str = "+:17:patrickstanley.id,40:02af0ef21161ad06b0923106f40b994b9e4c1614,50:76a9144401f3be5311585ea519c1cb471a8dc7b02fd6ee88ac,66:039a8948d339ecbff44cf426cb85d90fce876f1658d385cdc47f007f279be626ea,34:17CbHgTgBG3kLedXNneEKBkCTgW2fyrnUD,6:445838,6:445838,6:445851,6:445851,5:False,1:+,64:dc478659fc684a1a6e1e09901971e82de11f4dfe2b32a656700bf9a3b6030719,2:95,5:25000,0:,0:,32:93d8b6008b260febd26fb03bc502c533,32:18b8d69f0182b89ccb1aa536f83be18a";
const UPDATE_DSHA256: &str = "54bf4b732025c0ad927e0b02e75593d619e4f8f7b5997aedd3ee544698fc634f";
const TRANSFER: &str = ">:17:patrickstanley.id,40:02af0ef21161ad06b0923106f40b994b9e4c1614,50:76a914aabffa6dd90d731d3a349f009323bb312483c15088ac,0:,34:1GZqrVbamkaE6YNveJFWK6cDrCy6bXyS6b,6:445838,6:445838,6:445851,6:445851,5:False,2:>>,64:7a0a3bb7d39b89c3638abc369c85b5c028d0a55d7804ba1953ff19b0125f3c24,2:16,5:25000,0:,0:,32:683a3e1ee5f0296833c56e481cf41b77,32:18b8d69f0182b89ccb1aa536f83be18a,4:True";
const TRANSFER_DSHA256: &str = "33000b72a0b518020b31d661902f9cf3b7db419325ce28e4e6a3d6acd6e79767";

/// A name row taken from a real registration, every serialized field then set to the
/// documentation's registration at block 445851.
fn registration_record() -> NameRecord {
    let (mut chain, _) = chain_with_test_namespace();
    let a = alice();
    chain.register("foo.test", &a);
    let mut r = chain.name("foo.test");
    r.name = "patrickstanley.id".into();
    r.name_hash128 = blockstack_consensus::hash::name_hash128(&r.name);
    r.value_hash = None;
    r.sender = "76a9144401f3be5311585ea519c1cb471a8dc7b02fd6ee88ac".into();
    r.sender_pubkey =
        Some("039a8948d339ecbff44cf426cb85d90fce876f1658d385cdc47f007f279be626ea".into());
    r.address = "17CbHgTgBG3kLedXNneEKBkCTgW2fyrnUD".into();
    r.block_number = 445_838;
    r.preorder_block_number = 445_838;
    r.first_registered = 445_851;
    r.last_renewed = 445_851;
    r.revoked = false;
    r.op = NameOp::Registration;
    r.txid = "55b8b42fc3e3d23cbc0f07d38edae6a451dfc512b770fd7903725f9e465b2925".into();
    r.vtxindex = 54;
    r.op_fee = 25_000.0;
    r.importer = None;
    r.importer_address = None;
    r.consensus_hash = None;
    r.last_creation_op = CreationOp::Preorder;
    r
}

fn check(record: ConsensusRecord, want: &str, want_dsha256: &str) {
    let s = record.serialize();
    assert_eq!(s, want);
    assert_eq!(hex::encode(dsha256(s.as_bytes())), want_dsha256);
}

/// §10.1, §12.5: the REGISTER field list repeats `sender, address` at the end.
#[test]
fn the_registration_record_of_spec_12_5_serializes_exactly() {
    check(
        ConsensusRecord::NameRegistration(registration_record()),
        REGISTRATION,
        REGISTRATION_DSHA256,
    );
}

/// §10.1, §12.5: the UPDATE field list ends with the recomputed name-consensus hash and the
/// matched consensus hash.
#[test]
fn the_update_record_of_spec_12_5_serializes_exactly() {
    let mut r = registration_record();
    r.value_hash = Some("02af0ef21161ad06b0923106f40b994b9e4c1614".into());
    r.op = NameOp::Update;
    r.txid = "dc478659fc684a1a6e1e09901971e82de11f4dfe2b32a656700bf9a3b6030719".into();
    r.vtxindex = 95;
    r.consensus_hash = Some("18b8d69f0182b89ccb1aa536f83be18a".into());
    check(ConsensusRecord::NameUpdate(r), UPDATE, UPDATE_DSHA256);
}

/// §10.1, §12.5, §9.6: the TRANSFER field list ends with the name hash, the quirk consensus
/// hash and `keep_data`; `sender_pubkey` is empty.
#[test]
fn the_transfer_record_of_spec_12_5_serializes_exactly() {
    let mut r = registration_record();
    r.value_hash = Some("02af0ef21161ad06b0923106f40b994b9e4c1614".into());
    r.sender = "76a914aabffa6dd90d731d3a349f009323bb312483c15088ac".into();
    r.sender_pubkey = None;
    r.address = "1GZqrVbamkaE6YNveJFWK6cDrCy6bXyS6b".into();
    r.op = NameOp::TransferKeep;
    r.txid = "7a0a3bb7d39b89c3638abc369c85b5c028d0a55d7804ba1953ff19b0125f3c24".into();
    r.vtxindex = 16;
    r.consensus_hash = Some("18b8d69f0182b89ccb1aa536f83be18a".into());
    r.update_consensus_hash = Some("18b8d69f0182b89ccb1aa536f83be18a".into());
    check(ConsensusRecord::NameTransfer(r), TRANSFER, TRANSFER_DSHA256);
}
