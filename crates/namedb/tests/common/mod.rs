//! Shared test support: the spec §12.8 chain and a replay loop (the same loop as the
//! consensus crate's `spec_chains.rs`, with the database as the state).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use blockstack_consensus::fixtures::{parse_chain, ChainTx};
use blockstack_consensus::op::ParsedOp;
use blockstack_consensus::{parse_transaction, process_block, AddressNetwork, MemState, Rules};
use blockstack_namedb::NameDb;

/// The crate directory, with symlinks resolved so the shared data is found from any checkout.
fn crate_dir() -> PathBuf {
    std::fs::canonicalize(env!("CARGO_MANIFEST_DIR")).expect("crate dir")
}

/// The §12.8 chain: transactions by block, and the expected consensus hash of listed blocks.
pub struct Chain {
    pub rules: Rules,
    pub blocks: BTreeMap<u64, Vec<ChainTx>>,
    pub expected: BTreeMap<u64, String>,
}

impl Chain {
    /// Loads the §12.8 chain (every block in epoch 3).
    pub fn spec_12_8() -> Self {
        let mut rules = Rules::test(110, AddressNetwork::Testnet);
        rules.epochs[0].end_block = 104;
        rules.epochs[1].end_block = 105;
        let data = crate_dir().join("../../../shared/data/spec-chain-12.8-txs.tsv");
        let text = std::fs::read_to_string(&data).expect("chain transactions");
        let blocks = parse_chain(&text).expect("spec chain data");
        let expected_path =
            crate_dir().join("../consensus/tests/data/spec-chain-12.8-expected.tsv");
        let expected = std::fs::read_to_string(expected_path)
            .expect("expected hashes")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(|l| {
                let cols: Vec<&str> = l.split('\t').collect();
                (cols[0].parse().expect("block"), cols[1].to_string())
            })
            .collect();
        Self {
            rules,
            blocks,
            expected,
        }
    }

    /// The last block with an expected hash.
    pub fn last(&self) -> u64 {
        *self.expected.keys().next_back().expect("non-empty")
    }

    /// The parsed ops of block `height`.
    pub fn ops(&self, height: u64) -> Vec<ParsedOp> {
        self.blocks
            .get(&height)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|c| {
                parse_transaction(&c.tx, c.vtxindex, Some(&c.prevout), &self.rules, height).ok()
            })
            .collect()
    }
}

/// A stand-in block hash for height `h`.
pub fn block_hash(h: u64) -> String {
    format!("{h:064x}")
}

/// Processes and commits blocks `from..=to` against the database, checking every listed
/// consensus hash.
pub fn replay_db(chain: &Chain, db: &mut NameDb, from: u64, to: u64) {
    for height in from..=to {
        let outcome = db
            .process_block(&chain.rules, height, chain.ops(height))
            .expect("process against the database");
        if let Some(want) = chain.expected.get(&height) {
            assert_eq!(
                &outcome.consensus_hash, want,
                "consensus hash of block {height}"
            );
        }
        db.commit_block(&outcome, &block_hash(height))
            .expect("commit");
    }
}

/// The reference replay through `MemState`, up to `to`.
pub fn replay_mem(chain: &Chain, to: u64) -> MemState {
    let mut state = MemState::new();
    for height in chain.rules.first_block..=to {
        let outcome = process_block(&state, &chain.rules, height, chain.ops(height));
        state.apply(outcome);
    }
    state
}

/// A fresh in-memory database replayed from the first block through `to`.
pub fn fresh_db(chain: &Chain, to: u64) -> NameDb {
    let mut db = NameDb::open_in_memory().expect("in-memory database");
    replay_db(chain, &mut db, chain.rules.first_block, to);
    db
}
