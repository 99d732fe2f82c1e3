//! Checks the chain-building harness of `tests/support` against spec §12.8: its keys, scripts
//! and addresses, a raw transaction, and the first six blocks' consensus hashes.

mod support;

use blockstack_consensus::rules::GENESIS_CONSENSUS_HASH;
use support::*;

/// Spec §12.8 key table: labels give these public keys, scripts and testnet addresses.
#[test]
fn parties_match_the_key_table_of_spec_12_8() {
    let cases = [
        (
            Party::p2pkh("bns-2"),
            "02321c7e56061321a54ea30987a7fec9d9e90dea806734f438e0d66ef3c69b2cfc",
            "76a914014c189ab4265ccc283ee1c8f674c519538c56c688ac",
            "mfdp8Vjq86wdLTwZSVXvmxLTi2vPRB41Jh",
        ),
        (
            alice(),
            "0211efe9ad379446884922566b0282f10baf107e950ee2502807a773aca7d50a00",
            "76a9142e4047e8d4ac3a2c4c4bbf749ce4afe821ec016d88ac",
            "mjjWPCACZvF2G67wjKhkbYnjF65PohdsHE",
        ),
        (
            p2sh_party(),
            "024102b26b64a9ebbdcecdb8d8e575098b0ec85fcd0fe608261ee33b7d5777dabb",
            "a91492904ee78d2ae998e51a8594176a2e509c3ecf9987",
            "2N6cBX15UfAHxzAtbAeEpYEgXbxPGtzEKdY",
        ),
    ];
    for (party, pubkey, script, address) in cases {
        assert_eq!(party.pubkey_hex(), pubkey, "{}", party.label);
        assert_eq!(party.script_hex(), script, "{}", party.label);
        assert_eq!(party.address(), address, "{}", party.label);
    }
}

/// Spec §12.8: the raw NAME_PREORDER of block 122 is byte-identical to the harness's.
#[test]
fn the_block_122_preorder_is_byte_identical_to_spec_12_8() {
    let tx = name_preorder_tx(
        &alice(),
        "foo.test",
        &alice(),
        640_000,
        burn_script(),
        "463236cda0b284fca1475865de747ebf",
    )
    .with_funding("bns-alice", 122, 1);
    let raw = hex::encode(bitcoin::consensus::serialize(&tx.tx));
    assert_eq!(
        raw,
        "0100000001cbb3fba0a24a0417e2390cf479e360b99b7d868d5a4c359610fa9f77a9b284bf000000006a473044022011111111111111111111111111111111111111111111111111111111111111110220222222222222222222222222222222222222222222222222222222222222222201210211efe9ad379446884922566b0282f10baf107e950ee2502807a773aca7d50a00ffffffff030000000000000000296a2769643ffd622863d3408db825b8df52321b6f7bd321990c463236cda0b284fca1475865de747ebf00e1f505000000001976a9142e4047e8d4ac3a2c4c4bbf749ce4afe821ec016d88ac00c40900000000001976a914000000000000000000000000000000000000000088ac00000000"
    );
    assert_eq!(
        tx.txid(),
        "4345d1e8d2ca168b7c8745b9b5fa80b80bb3a861a6ab3edf6c5e8105902bc075"
    );
}

/// Spec §12.4 and §12.8: empty blocks from F, then blocks 118–123 built with the harness's
/// builders, give the original's consensus hashes.
#[test]
fn harness_builders_reproduce_blocks_118_to_123_of_spec_12_8() {
    let mut chain = TestChain::epoch3();
    let (p, v, a) = (chain.ns_payer.clone(), chain.revealer.clone(), alice());
    assert_eq!(chain.consensus_hash(109), GENESIS_CONSENSUS_HASH);
    chain.mine_to(117);
    assert_eq!(
        chain.consensus_hash(110),
        "2a9148d8b13939723d2aca16c75c6d68"
    );
    assert_eq!(
        chain.consensus_hash(117),
        "04c955e6e2c806ead334df392e433b63"
    );
    let spec = NsSpec::new("test", test_price(), 52595);
    let ch = chain.ch();
    let m = chain.mine_ok(vec![namespace_preorder_tx(
        &p,
        "test",
        &v,
        40_000_000,
        burn_script(),
        &ch,
    )
    .with_funding("bns-2", 118, 1)]);
    assert_eq!(m.outcome.consensus_hash, "3e4e193855cac1d3b9c92496ac59e32e");
    let m = chain.mine_ok(vec![
        namespace_reveal_tx(&p, &spec, &v).with_funding("bns-2", 119, 1)
    ]);
    assert_eq!(m.outcome.consensus_hash, "7438bdb2b7a7f9f45ed89ee6a5d41c1e");
    let m = chain.mine_ok(vec![
        name_import_tx(&v, "imported.test", &a, [0x33; 20]).with_funding("bns-3", 120, 1)
    ]);
    assert_eq!(m.outcome.consensus_hash, "ee2cdae5226267963765f989ffce7fb7");
    let m = chain.mine_ok(vec![
        namespace_ready_tx(&v, "test").with_funding("bns-3", 121, 1)
    ]);
    assert_eq!(m.outcome.consensus_hash, "463236cda0b284fca1475865de747ebf");
    let ch = chain.ch();
    let m = chain.mine_ok(vec![name_preorder_tx(
        &a,
        "foo.test",
        &a,
        640_000,
        burn_script(),
        &ch,
    )
    .with_funding("bns-alice", 122, 1)]);
    assert_eq!(m.outcome.consensus_hash, "a1558eb15720db8763e4d0f42be9f59f");
    let m = chain
        .mine_ok(vec![name_register_tx(&a, "foo.test", &a, Some([0x11; 20]))
            .with_funding("bns-alice", 123, 1)]);
    assert_eq!(m.outcome.consensus_hash, "94fd72f23590825f09e41d2dce0fcb0a");
}
