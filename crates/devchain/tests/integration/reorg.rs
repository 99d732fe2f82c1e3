//! Forks: `invalidateblock` then a longer branch.

use bitcoin::{Amount, OutPoint};
use blockstack_devchain::{DevChain, DevChainError};

use crate::support::{pay, spend, Key, COIN};

#[test]
fn invalidating_a_block_returns_its_transactions_and_a_longer_branch_confirms_them() {
    let alice = Key::new("alice");
    let bob = Key::new("bob");
    let chain = DevChain::in_memory();
    let funded = chain
        .fund(&alice.p2pkh(), Amount::from_sat(COIN))
        .expect("fund");
    let fork_point = chain.tip();
    let tx = spend(funded, &alice, vec![pay(COIN - 1000, bob.p2pkh())]);
    let txid = chain.submit_tx(&tx).expect("submit");
    let old = chain.mine_blocks(2, &alice.p2pkh()).expect("branch a");
    assert_eq!(
        chain
            .transaction(&txid)
            .expect("mined")
            .block
            .map(|b| b.hash),
        Some(old[0])
    );

    chain.invalidate_block(&old[0]).expect("invalidate");
    assert_eq!(chain.tip(), fork_point);
    assert_eq!(
        chain.mempool(),
        vec![tx.clone()],
        "the transaction is back in the mempool"
    );
    assert!(chain
        .utxo(
            &OutPoint {
                txid: old_coinbase(&chain, old[0]),
                vout: 0
            },
            true
        )
        .is_none());
    assert!(
        chain.utxo(&funded, false).is_some(),
        "its input is unspent in the chain again"
    );

    let new = chain.mine_blocks(3, &bob.p2pkh()).expect("branch b");
    assert_eq!(chain.height(), fork_point.height + 3);
    let found = chain.transaction(&txid).expect("re-mined");
    assert_eq!(found.block.map(|b| b.hash), Some(new[0]));
    assert_eq!(found.confirmations, 3);

    let stale = chain
        .block_by_hash(&old[1])
        .expect("stale blocks stay readable");
    assert!(!stale.in_active_chain);
    assert_eq!(chain.block_hash(fork_point.height + 1), Some(new[0]));
}

fn old_coinbase(chain: &DevChain, hash: bitcoin::BlockHash) -> bitcoin::Txid {
    chain.block_by_hash(&hash).expect("block").block.txdata[0].compute_txid()
}

#[test]
fn transactions_spending_a_disconnected_coinbase_are_dropped() {
    let alice = Key::new("alice");
    let chain = DevChain::in_memory();
    let first = chain.mine_blocks(1, &alice.p2pkh()).expect("mine");
    chain
        .mine_blocks(100, &Key::new("x").p2pkh())
        .expect("mature");
    let coinbase = OutPoint {
        txid: old_coinbase(&chain, first[0]),
        vout: 0,
    };
    let tx = spend(coinbase, &alice, vec![pay(50 * COIN - 1000, alice.p2pkh())]);
    chain.submit_tx(&tx).expect("mature coinbase spend");
    chain.invalidate_block(&first[0]).expect("invalidate");
    assert_eq!(chain.height(), 0);
    assert!(chain.mempool().is_empty(), "its input no longer exists");
}

#[test]
fn the_genesis_block_and_unknown_blocks_cannot_be_invalidated() {
    let chain = DevChain::in_memory();
    let genesis = chain.tip().hash;
    assert!(matches!(
        chain.invalidate_block(&genesis),
        Err(DevChainError::InvalidateGenesis)
    ));
    let unknown = "00000000000000000000000000000000000000000000000000000000000000aa"
        .parse()
        .expect("hash");
    assert!(matches!(
        chain.invalidate_block(&unknown),
        Err(DevChainError::BlockNotFound(_))
    ));
}
