//! The fetch pipeline takes the output a BNS transaction spends from an earlier BNS
//! transaction of the run, in the same block or an earlier one, instead of asking the chain,
//! and delivers exactly what fetching each block on its own delivers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bitcoin::block::{Header, Version as BlockVersion};
use bitcoin::hashes::Hash;
use bitcoin::script::PushBytesBuf;
use bitcoin::{
    absolute::LockTime, transaction::Version, Address, Amount, Block, BlockHash, CompactTarget,
    OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxMerkleNode, TxOut, Txid, Witness,
};
use blockstack_indexer::fetch;
use blockstack_node::chain::{ChainError, ChainInfo, ChainSource, Utxo};

/// An in-memory chain that counts the outpoints it is asked to resolve.
struct MemChain {
    blocks: Vec<Block>,
    txs: HashMap<Txid, Transaction>,
    prevouts_asked: AtomicUsize,
}

impl MemChain {
    fn new(blocks: Vec<Block>) -> Self {
        let txs = blocks
            .iter()
            .flat_map(|b| b.txdata.iter())
            .map(|tx| (tx.compute_txid(), tx.clone()))
            .collect();
        Self {
            blocks,
            txs,
            prevouts_asked: AtomicUsize::new(0),
        }
    }

    fn unsupported(method: &str) -> ChainError {
        ChainError::BadResponse {
            method: method.into(),
            reason: "not served by this test chain".into(),
        }
    }
}

impl ChainSource for MemChain {
    async fn block_count(&self) -> Result<u64, ChainError> {
        Ok(self.blocks.len() as u64 - 1)
    }

    async fn block_hash(&self, height: u64) -> Result<BlockHash, ChainError> {
        let block = usize::try_from(height)
            .ok()
            .and_then(|h| self.blocks.get(h))
            .ok_or_else(|| Self::unsupported("getblockhash"))?;
        Ok(block.block_hash())
    }

    async fn block(&self, hash: BlockHash) -> Result<Block, ChainError> {
        self.blocks
            .iter()
            .find(|b| b.block_hash() == hash)
            .cloned()
            .ok_or_else(|| Self::unsupported("getblock"))
    }

    async fn transaction(&self, txid: Txid) -> Result<Transaction, ChainError> {
        self.txs
            .get(&txid)
            .cloned()
            .ok_or_else(|| Self::unsupported("getrawtransaction"))
    }

    async fn prevouts(&self, outpoints: &[OutPoint]) -> Result<Vec<TxOut>, ChainError> {
        self.prevouts_asked
            .fetch_add(outpoints.len(), Ordering::Relaxed);
        outpoints
            .iter()
            .map(|o| {
                self.txs
                    .get(&o.txid)
                    .and_then(|tx| tx.output.get(o.vout as usize))
                    .cloned()
                    .ok_or(ChainError::MissingOutput { outpoint: *o })
            })
            .collect()
    }

    async fn broadcast(&self, _: &Transaction) -> Result<Txid, ChainError> {
        Err(Self::unsupported("sendrawtransaction"))
    }

    async fn chain_info(&self) -> Result<ChainInfo, ChainError> {
        Err(Self::unsupported("getblockchaininfo"))
    }

    async fn utxos(&self, _: &Address) -> Result<Vec<Utxo>, ChainError> {
        Err(Self::unsupported("listunspent"))
    }
}

/// A transaction spending `from` with a payment output and a change output of `value`,
/// carrying a NAME_PREORDER payload when `bns`.
fn spend(from: OutPoint, value: u64, bns: bool) -> Transaction {
    let mut output = vec![
        TxOut {
            value: Amount::from_sat(1_000),
            script_pubkey: ScriptBuf::new_p2pkh(&bitcoin::PubkeyHash::all_zeros()),
        },
        TxOut {
            value: Amount::from_sat(value),
            script_pubkey: ScriptBuf::new_p2pkh(&bitcoin::PubkeyHash::all_zeros()),
        },
    ];
    if bns {
        let mut payload = b"id?".to_vec();
        payload.extend_from_slice(&value.to_be_bytes());
        payload.resize(3 + 20 + 16, 0);
        let push = PushBytesBuf::try_from(payload).expect("short payload");
        output.insert(
            0,
            TxOut {
                value: Amount::ZERO,
                script_pubkey: ScriptBuf::new_op_return(push),
            },
        );
    }
    Transaction {
        version: Version::ONE,
        lock_time: LockTime::ZERO,
        input: vec![TxIn {
            previous_output: from,
            script_sig: ScriptBuf::new(),
            sequence: Sequence::MAX,
            witness: Witness::new(),
        }],
        output,
    }
}

fn change_of(tx: &Transaction) -> OutPoint {
    OutPoint {
        txid: tx.compute_txid(),
        vout: tx.output.len() as u32 - 1,
    }
}

fn coinbase(height: u64) -> Transaction {
    spend(
        OutPoint {
            txid: Txid::all_zeros(),
            vout: u32::try_from(height).expect("small"),
        },
        5_000_000_000,
        false,
    )
}

fn block(height: u64, prev: BlockHash, txs: Vec<Transaction>) -> Block {
    let mut txdata = vec![coinbase(height)];
    txdata.extend(txs);
    Block {
        header: Header {
            version: BlockVersion::ONE,
            prev_blockhash: prev,
            merkle_root: TxMerkleNode::all_zeros(),
            time: u32::try_from(height).expect("small"),
            bits: CompactTarget::from_consensus(0x207fffff),
            nonce: 0,
        },
        txdata,
    }
}

/// Blocks 0..=40: a funding transaction, then BNS transactions that each spend the change of
/// the one before (within a block and across blocks), and one funded from outside the run.
fn chain() -> (MemChain, usize) {
    let mut blocks = vec![block(0, BlockHash::all_zeros(), vec![])];
    let funding = spend(
        OutPoint {
            txid: Txid::all_zeros(),
            vout: 99,
        },
        1_000_000,
        false,
    );
    let mut last = change_of(&funding);
    let outside = OutPoint {
        txid: funding.compute_txid(),
        vout: 0,
    };
    blocks.push(block(1, blocks[0].block_hash(), vec![funding]));
    let mut candidates = 0;
    for height in 2..=40u64 {
        let mut txs = Vec::new();
        for _ in 0..(height % 3) + 1 {
            let tx = spend(last, 900_000 - height * 10 - txs.len() as u64, true);
            last = change_of(&tx);
            txs.push(tx);
        }
        if height == 20 {
            txs.push(spend(outside, 500, true));
        }
        candidates += txs.len();
        let prev = blocks.last().map(Block::block_hash).expect("a block");
        blocks.push(block(height, prev, txs));
    }
    (MemChain::new(blocks), candidates)
}

#[tokio::test]
async fn later_bns_transactions_take_their_prevouts_from_earlier_ones() {
    let (chain, candidates) = chain();
    let chain = Arc::new(chain);

    let mut alone = Vec::new();
    for height in 2..=40 {
        alone.push(fetch::fetch_block(&*chain, height).await.expect("fetch"));
    }
    let asked_alone = chain.prevouts_asked.swap(0, Ordering::Relaxed);
    assert_eq!(
        asked_alone, candidates,
        "on its own, every prevout is asked for"
    );

    let mut rx = fetch::spawn(chain.clone(), 2, 40, 8);
    let mut piped = Vec::new();
    while let Some(block) = rx.recv().await {
        piped.push(block.expect("fetch"));
    }
    let asked_piped = chain.prevouts_asked.load(Ordering::Relaxed);
    // The first candidate spends the funding transaction, and one spends it again at 20.
    assert_eq!(
        asked_piped, 2,
        "only outputs of non-BNS transactions are asked for"
    );

    assert_eq!(piped.len(), alone.len());
    for (a, b) in alone.iter().zip(&piped) {
        assert_eq!((a.height, a.hash), (b.height, b.hash));
        let prevouts = |f: &fetch::FetchedBlock| {
            f.candidates
                .iter()
                .map(|c| (c.vtxindex, c.prevout.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(prevouts(a), prevouts(b), "block {}", a.height);
        assert!(b.candidates.iter().all(|c| c.prevout.is_some()));
    }
}
