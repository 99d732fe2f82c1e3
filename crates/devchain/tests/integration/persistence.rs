//! The block file: restarts keep the chain, torn tails are repaired.

use std::fs::OpenOptions;

use bitcoin::{Amount, OutPoint};
use blockstack_devchain::{DevChain, BLOCK_FILE};

use crate::support::{op_return, pay, spend, Key, COIN};

fn file_len(dir: &std::path::Path) -> u64 {
    std::fs::metadata(dir.join(BLOCK_FILE))
        .expect("block file")
        .len()
}

#[test]
fn a_restart_keeps_blocks_transactions_and_utxos() {
    let dir = tempfile::tempdir().expect("tempdir");
    let alice = Key::new("alice");
    let bob = Key::new("bob");
    let (tip, txid, funded) = {
        let chain = DevChain::open(dir.path()).expect("open");
        let funded = chain
            .fund(&alice.p2pkh(), Amount::from_sat(COIN))
            .expect("fund");
        let tx = spend(
            funded,
            &alice,
            vec![pay(COIN - 1000, bob.p2pkh()), op_return(b"id?persist")],
        );
        let txid = chain.submit_tx(&tx).expect("submit");
        chain.mine_blocks(1, &bob.p2pkh()).expect("mine");
        (chain.tip(), txid, funded)
    };
    let chain = DevChain::open(dir.path()).expect("reopen");
    assert_eq!(chain.tip(), tip);
    assert_eq!(chain.tail_repair(), None);
    assert_eq!(
        chain
            .transaction(&txid)
            .expect("still confirmed")
            .confirmations,
        1
    );
    assert!(
        chain.utxo(&funded, true).is_none(),
        "spent output stays spent"
    );
    let bob_utxo = chain
        .utxo(&OutPoint { txid, vout: 0 }, true)
        .expect("bob's output");
    assert_eq!(bob_utxo.output.value, Amount::from_sat(COIN - 1000));
    // Rebuilt UTXO set validates new spends.
    let again = spend(funded, &alice, vec![pay(COIN - 2000, bob.p2pkh())]);
    assert_eq!(
        chain
            .submit_tx(&again)
            .expect_err("double spend")
            .rpc_message(),
        "bad-txns-inputs-missingorspent"
    );
}

#[test]
fn a_torn_last_record_is_cut_off_and_the_chain_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = Key::new("miner");
    let (hashes, len_before_last) = {
        let chain = DevChain::open(dir.path()).expect("open");
        let mut hashes = chain.mine_blocks(4, &key.p2pkh()).expect("mine");
        let len = file_len(dir.path());
        hashes.extend(chain.mine_blocks(1, &key.p2pkh()).expect("mine"));
        (hashes, len)
    };
    // A crash in the middle of the last append: only part of the record made it.
    let full = file_len(dir.path());
    let file = OpenOptions::new()
        .write(true)
        .open(dir.path().join(BLOCK_FILE))
        .expect("open file");
    file.set_len(full - 7).expect("truncate");
    drop(file);

    let chain = DevChain::open(dir.path()).expect("reopen repairs the tail");
    assert_eq!(chain.height(), 4);
    assert_eq!(chain.tip().hash, hashes[3]);
    let repair = chain.tail_repair().expect("repair reported");
    assert_eq!(repair.offset, len_before_last);
    assert_eq!(repair.removed, full - 7 - len_before_last);
    assert_eq!(file_len(dir.path()), len_before_last);

    let next = chain
        .mine_blocks(1, &key.p2pkh())
        .expect("mine after repair");
    drop(chain);
    let chain = DevChain::open(dir.path()).expect("reopen");
    assert_eq!(chain.height(), 5);
    assert_eq!(chain.tip().hash, next[0]);
    assert_eq!(chain.tail_repair(), None);
}

#[test]
fn zeroes_left_at_the_end_by_a_crash_are_cut_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = Key::new("miner");
    let tip = {
        let chain = DevChain::open(dir.path()).expect("open");
        chain.mine_blocks(3, &key.p2pkh()).expect("mine");
        chain.tip()
    };
    let len = file_len(dir.path());
    let file = OpenOptions::new()
        .write(true)
        .open(dir.path().join(BLOCK_FILE))
        .expect("open file");
    file.set_len(len + 300).expect("extend with zeroes");
    drop(file);
    let chain = DevChain::open(dir.path()).expect("reopen");
    assert_eq!(chain.tip(), tip);
    assert_eq!(chain.tail_repair().map(|r| r.removed), Some(300));
    assert_eq!(file_len(dir.path()), len);
}

#[test]
fn invalidated_blocks_stay_gone_after_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = Key::new("miner");
    let other = Key::new("other");
    let (kept, replaced) = {
        let chain = DevChain::open(dir.path()).expect("open");
        let hashes = chain.mine_blocks(5, &key.p2pkh()).expect("mine");
        chain.invalidate_block(&hashes[3]).expect("invalidate");
        let replaced = chain.mine_blocks(3, &other.p2pkh()).expect("new branch");
        (hashes, replaced)
    };
    let chain = DevChain::open(dir.path()).expect("reopen");
    assert_eq!(chain.height(), 6);
    assert_eq!(chain.block_hash(3), Some(kept[2]));
    assert_eq!(chain.block_hash(4), Some(replaced[0]));
    assert_eq!(chain.tip().hash, replaced[2]);
}

#[test]
fn a_cut_at_any_byte_reopens_as_the_longest_complete_prefix() {
    let source = tempfile::tempdir().expect("tempdir");
    let key = Key::new("miner");
    let mut ends = Vec::new();
    let hashes = {
        let chain = DevChain::open(source.path()).expect("open");
        let mut hashes = vec![chain.tip().hash];
        ends.push(file_len(source.path()));
        for _ in 0..3 {
            hashes.extend(chain.mine_blocks(1, &key.p2pkh()).expect("mine"));
            ends.push(file_len(source.path()));
        }
        hashes
    };
    let bytes = std::fs::read(source.path().join(BLOCK_FILE)).expect("read");
    let header_len = usize::try_from(ends[0]).expect("small");
    for cut in header_len..=bytes.len() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(BLOCK_FILE), &bytes[..cut]).expect("write");
        let chain = DevChain::open(dir.path()).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        let complete = ends.iter().filter(|end| **end <= cut as u64).count() - 1;
        assert_eq!(chain.height() as usize, complete, "cut at {cut}");
        assert_eq!(chain.tip().hash, hashes[complete], "cut at {cut}");
        assert_eq!(
            file_len(dir.path()),
            ends[complete],
            "cut at {cut} leaves only whole records"
        );
    }
}
