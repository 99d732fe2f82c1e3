//! Replays the synthetic chains of spec §12.8 and §12.9, whose every outcome and consensus hash
//! the original v0.18 node computed, through the pure processor.

use std::collections::BTreeMap;
use std::path::PathBuf;

use blockstack_consensus::fixtures::{parse_chain, ChainTx};
use blockstack_consensus::{parse_transaction, process_block, AddressNetwork, MemState, Rules};

fn shared_data(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(file)
}

fn load_txs(file: &str) -> BTreeMap<u64, Vec<ChainTx>> {
    let path = shared_data(file);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    parse_chain(&text).expect("spec chain data")
}

fn load_expected(file: &str) -> BTreeMap<u64, (String, Vec<(u32, String)>)> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(file);
    let text = std::fs::read_to_string(path).expect("expected file");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            let outcomes = cols
                .get(2)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.split(',')
                        .map(|o| {
                            let (i, r) = o.split_once(':').expect("i:outcome");
                            (i.parse().expect("index"), r.to_string())
                        })
                        .collect()
                })
                .unwrap_or_default();
            (
                cols[0].parse().expect("block"),
                (cols[1].to_string(), outcomes),
            )
        })
        .collect()
}

fn replay(rules: &Rules, txs_file: &str, expected_file: &str) {
    let blocks = load_txs(txs_file);
    let expected = load_expected(expected_file);
    let last = *expected.keys().next_back().expect("non-empty");
    let mut state = MemState::new();
    for height in rules.first_block..=last {
        let mut ops = Vec::new();
        let mut outcomes: Vec<(u32, String)> = Vec::new();
        for ctx in blocks.get(&height).map(Vec::as_slice).unwrap_or_default() {
            assert_eq!(
                ctx.tx.compute_txid().to_string(),
                ctx.txid,
                "txid at {height}"
            );
            match parse_transaction(&ctx.tx, ctx.vtxindex, Some(&ctx.prevout), rules, height) {
                Ok(op) => ops.push(op),
                Err(_) => outcomes.push((ctx.vtxindex, "ign".into())),
            }
        }
        let outcome = process_block(&state, rules, height, ops);
        outcomes.extend(
            outcome
                .accepted
                .iter()
                .map(|a| (a.op.vtxindex, "ok".to_string())),
        );
        outcomes.extend(
            outcome
                .rejected
                .iter()
                .map(|(op, why)| (op.vtxindex, format!("rej ({why})"))),
        );
        outcomes.sort();
        if let Some((ch, want)) = expected.get(&height) {
            let got: Vec<(u32, String)> = outcomes
                .iter()
                .map(|(i, o)| (*i, o.split(' ').next().unwrap_or_default().to_string()))
                .collect();
            assert_eq!(&got, want, "outcomes of block {height}: {outcomes:?}");
            assert_eq!(
                &outcome.consensus_hash, ch,
                "consensus hash of block {height}"
            );
        } else {
            assert!(outcomes.is_empty(), "block {height} has unexpected ops");
        }
        state.apply(outcome);
    }
}

fn test_rules(epoch1_end: u64, epoch2_end: u64) -> Rules {
    let mut rules = Rules::test(110, AddressNetwork::Testnet);
    rules.epochs[0].end_block = epoch1_end;
    rules.epochs[1].end_block = epoch2_end;
    rules
}

#[test]
fn chain_12_8_matches_the_original_block_by_block() {
    replay(
        &test_rules(104, 105),
        "spec-chain-12.8-txs.tsv",
        "spec-chain-12.8-expected.tsv",
    );
}

#[test]
fn chain_12_9_epoch_boundary_matches_the_original() {
    replay(
        &test_rules(104, 125),
        "spec-chain-12.9-txs.tsv",
        "spec-chain-12.9-expected.tsv",
    );
}
