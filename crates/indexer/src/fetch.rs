//! Fetching blocks ahead of processing: each block with its BNS candidate transactions and
//! the previous outputs their senders spend.

use std::collections::VecDeque;
use std::sync::Arc;

use bitcoin::{Block, BlockHash, OutPoint, Transaction, TxOut};
use blockstack_consensus::op::is_bns_candidate;
use blockstack_node::chain::{ChainError, ChainSource};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::recent::RecentOutputs;

/// How many BNS transactions a fetch run keeps the outputs of, for later BNS transactions
/// that spend them (a few hundred bytes each).
const RECENT_TXS: usize = 5_000;

/// A transaction that carries a BNS payload, with the output its input 0 spends.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// Position in the block (coinbase = 0).
    pub vtxindex: u32,
    /// The transaction.
    pub tx: Transaction,
    /// The output input 0 spends (absent for a transaction without inputs).
    pub prevout: Option<TxOut>,
}

/// One block, ready for processing.
#[derive(Clone, Debug)]
pub struct FetchedBlock {
    /// Its height.
    pub height: u64,
    /// Its hash.
    pub hash: BlockHash,
    /// The block.
    pub block: Block,
    /// Its BNS candidate transactions in block order.
    pub candidates: Vec<Candidate>,
}

/// Fetches one block and the sender prevouts of its BNS candidates.
pub async fn fetch_block<C: ChainSource>(
    chain: &C,
    height: u64,
) -> Result<FetchedBlock, ChainError> {
    fetch_block_with(chain, height, None).await
}

/// [`fetch_block`], taking the prevouts it can from `recent` (once every earlier block of the
/// run is in it) and recording its own candidates there.
async fn fetch_block_with<C: ChainSource>(
    chain: &C,
    height: u64,
    recent: Option<&RecentOutputs>,
) -> Result<FetchedBlock, ChainError> {
    let hash = chain.block_hash(height).await?;
    let block = chain.block(hash).await?;
    let mut candidates: Vec<Candidate> = block
        .txdata
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, tx)| is_bns_candidate(tx))
        .map(|(i, tx)| Candidate {
            vtxindex: u32::try_from(i).unwrap_or(u32::MAX),
            tx: tx.clone(),
            prevout: None,
        })
        .collect();
    if let Some(recent) = recent {
        recent.record(height, candidates.iter().map(|c| &c.tx));
        if candidates.iter().any(|c| !c.tx.input.is_empty()) {
            recent.wait_below(height).await;
            for c in &mut candidates {
                c.prevout =
                    c.tx.input
                        .first()
                        .and_then(|i| recent.get(&i.previous_output));
            }
        }
    }
    let missing: Vec<OutPoint> = candidates
        .iter()
        .filter(|c| c.prevout.is_none())
        .filter_map(|c| c.tx.input.first().map(|i| i.previous_output))
        .collect();
    if !missing.is_empty() {
        let mut prevouts = chain.prevouts(&missing).await?.into_iter();
        for c in candidates
            .iter_mut()
            .filter(|c| c.prevout.is_none() && !c.tx.input.is_empty())
        {
            c.prevout = prevouts.next();
        }
    }
    Ok(FetchedBlock {
        height,
        hash,
        block,
        candidates,
    })
}

/// Fetches blocks `from..=to` with up to `ahead` requests in flight and delivers them in order.
///
/// A candidate that spends an output of an earlier candidate of the run (in this block or an
/// earlier one) takes it from the outputs the run has already seen instead of asking the chain.
pub fn spawn<C: ChainSource + 'static>(
    chain: Arc<C>,
    from: u64,
    to: u64,
    ahead: usize,
) -> mpsc::Receiver<Result<FetchedBlock, ChainError>> {
    spawn_with(chain, from, to, ahead, |block| block)
}

/// Like [`spawn`], with `prepare` applied to each block in the task that fetched it (so in
/// parallel for the blocks in flight) before the results are delivered in order.
pub fn spawn_with<C, T, F>(
    chain: Arc<C>,
    from: u64,
    to: u64,
    ahead: usize,
    prepare: F,
) -> mpsc::Receiver<Result<T, ChainError>>
where
    C: ChainSource + 'static,
    T: Send + 'static,
    F: Fn(FetchedBlock) -> T + Send + Sync + 'static,
{
    let (tx, rx) = mpsc::channel(ahead);
    let prepare = Arc::new(prepare);
    let recent = Arc::new(RecentOutputs::new(RECENT_TXS, from));
    tokio::spawn(async move {
        let mut in_flight: VecDeque<JoinHandle<Result<T, ChainError>>> = VecDeque::new();
        let mut next = from;
        loop {
            while in_flight.len() < ahead && next <= to {
                let chain = chain.clone();
                let prepare = prepare.clone();
                let recent = recent.clone();
                let height = next;
                in_flight.push_back(tokio::spawn(async move {
                    fetch_block_with(&*chain, height, Some(&recent))
                        .await
                        .map(|b| prepare(b))
                }));
                next += 1;
            }
            let Some(handle) = in_flight.pop_front() else {
                break;
            };
            let result = match handle.await {
                Ok(r) => r,
                Err(e) => Err(ChainError::BadResponse {
                    method: "fetch".into(),
                    reason: e.to_string(),
                }),
            };
            let failed = result.is_err();
            if tx.send(result).await.is_err() || failed {
                break;
            }
        }
        for handle in in_flight {
            handle.abort();
        }
    });
    rx
}
