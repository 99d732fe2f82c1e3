//! Applies a synthetic chain of 100,000 blocks carrying 1,000,000 BNS operations through the
//! pure block processor and reports operations per second, with the cost of the consensus hash
//! (serialization, ops Merkle root and block hash) over the same records as the baseline.
//!
//! Each block carries four name preorders, the four registrations of the previous block's
//! preorders and two updates of names registered earlier, each name with its own owner.
//! Set `BENCH_BLOCKS` to run a shorter chain.

use std::hint::black_box;
use std::time::{Duration, Instant};

use blockstack_consensus::address::{base58check, ScriptType};
use blockstack_consensus::consensus_hash::{block_consensus_hash, ops_hash, prior_heights};
use blockstack_consensus::hash::{hash160, name_consensus_hash, preorder_hash};
use blockstack_consensus::op::namespace_reveal::Payload as Reveal;
use blockstack_consensus::op::{FeeOutput, OpKind, ParsedOp, Recipient, Sender};
use blockstack_consensus::price::PriceFunction;
use blockstack_consensus::{process_block, AddressNetwork, MemState, Rules, StateView};

const PREORDERS_PER_BLOCK: u64 = 4;
const UPDATES_PER_BLOCK: u64 = 2;

fn party(i: u64) -> Sender {
    let hash = hash160(&i.to_le_bytes());
    let script = format!("76a914{}88ac", hex::encode(hash));
    Sender {
        address: base58check(0x6f, &hash),
        script,
        script_type: ScriptType::PubKeyHash,
    }
}

fn txid(height: u64, vtx: u32) -> String {
    hex::encode(blockstack_consensus::hash::dsha256(
        format!("{height}:{vtx}").as_bytes(),
    ))
}

fn op(height: u64, vtx: u32, sender: Sender, kind: OpKind) -> ParsedOp {
    ParsedOp {
        txid: txid(height, vtx),
        vtxindex: vtx,
        sender,
        sender_pubkey: None,
        kind,
    }
}

fn recipient(s: &Sender) -> Recipient {
    Recipient {
        script: s.script.clone(),
        address: s.address.clone(),
    }
}

/// The ops of block `height`, given the consensus hash of the block before it.
fn block_ops(height: u64, prev_ch: &str, rules: &Rules) -> Vec<ParsedOp> {
    let burn = rules.burn_address();
    let creator = party(u64::MAX);
    let revealer = party(u64::MAX - 1);
    match height {
        1 => {
            let hash =
                preorder_hash("bench", &creator.script, &revealer.address).unwrap_or_default();
            let fee = FeeOutput {
                amount: 400_000_000,
                address: burn,
            };
            let kind = OpKind::NamespacePreorder {
                preorder_hash: hash,
                consensus_hash: prev_ch.into(),
                fee,
            };
            vec![op(height, 1, creator, kind)]
        }
        2 => {
            let reveal = Reveal {
                namespace_id: "bench".into(),
                lifetime: u32::MAX,
                price: PriceFunction {
                    coeff: 1,
                    base: 1,
                    buckets: [1; 16],
                    nonalpha_discount: 1,
                    no_vowel_discount: 1,
                },
                version: 1,
            };
            vec![op(
                height,
                1,
                creator,
                OpKind::NamespaceReveal {
                    reveal,
                    recipient: recipient(&revealer),
                },
            )]
        }
        3 => vec![op(
            height,
            1,
            revealer,
            OpKind::NamespaceReady {
                namespace_id: "bench".into(),
            },
        )],
        _ => {
            let mut ops = Vec::new();
            let mut vtx = 1u32;
            let round = height - 4;
            for j in 0..PREORDERS_PER_BLOCK {
                let n = round * PREORDERS_PER_BLOCK + j;
                let owner = party(n);
                let hash = preorder_hash(&format!("n{n}.bench"), &owner.script, &owner.address)
                    .unwrap_or_default();
                let fee = FeeOutput {
                    amount: 1_000,
                    address: burn.clone(),
                };
                let kind = OpKind::NamePreorder {
                    preorder_hash: hash,
                    consensus_hash: prev_ch.into(),
                    fee,
                };
                ops.push(op(height, vtx, owner, kind));
                vtx += 1;
            }
            if round >= 1 {
                for j in 0..PREORDERS_PER_BLOCK {
                    let n = (round - 1) * PREORDERS_PER_BLOCK + j;
                    let owner = party(n);
                    let kind = OpKind::NameRegistration {
                        name: format!("n{n}.bench"),
                        value_hash: None,
                        recipient: recipient(&owner),
                        renewal_fee: None,
                    };
                    ops.push(op(height, vtx, owner, kind));
                    vtx += 1;
                }
            }
            if round >= 3 {
                for j in 0..UPDATES_PER_BLOCK {
                    let n = (round * 7 + j * 13) % ((round - 2) * PREORDERS_PER_BLOCK);
                    let name = format!("n{n}.bench");
                    let kind = OpKind::NameUpdate {
                        name_consensus_hash: name_consensus_hash(&name, prev_ch),
                        value_hash: hex::encode(hash160(name.as_bytes())),
                    };
                    ops.push(op(height, vtx, party(n), kind));
                    vtx += 1;
                }
            }
            ops
        }
    }
}

fn main() {
    let blocks: u64 = std::env::var("BENCH_BLOCKS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let rules = Rules::test(1, AddressNetwork::Testnet);
    let mut state = MemState::new();
    let mut processing = Duration::ZERO;
    let mut hashing = Duration::ZERO;
    let (mut accepted, mut total) = (0usize, 0usize);
    let mut prev_ch = blockstack_consensus::rules::GENESIS_CONSENSUS_HASH.to_string();
    let started = Instant::now();
    for height in 1..=blocks {
        let ops = block_ops(height, &prev_ch, &rules);
        total += ops.len();
        let t = Instant::now();
        let mut outcome = process_block(&state, &rules, height, ops);
        processing += t.elapsed();
        accepted += outcome.accepted.len();
        // Baseline: the consensus-hash work alone over the same records.
        let records: Vec<_> = outcome.accepted.iter().map(|a| a.record.clone()).collect();
        let prior: Vec<String> = prior_heights(height, rules.first_block)
            .filter_map(|h| state.consensus_hash(h))
            .collect();
        let t = Instant::now();
        let ch = block_consensus_hash(&ops_hash(black_box(&records)), &prior);
        hashing += t.elapsed();
        assert_eq!(
            ch, outcome.consensus_hash,
            "the baseline recomputes the same hash"
        );
        prev_ch = outcome.consensus_hash.clone();
        outcome.history.clear();
        state.apply(outcome);
        if height % 20_000 == 0 {
            eprintln!(
                "  {height}/{blocks} blocks, {total} ops, {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    assert_eq!(accepted, total, "every synthetic op is valid");
    let ops_per_sec = total as f64 / processing.as_secs_f64();
    println!("blocks                         {blocks}");
    println!("operations                     {total} ({accepted} accepted)");
    println!(
        "processor time                 {:.3} s",
        processing.as_secs_f64()
    );
    println!("processor throughput           {ops_per_sec:.0} ops/s (target >= 500000)");
    println!(
        "consensus hash time            {:.3} s",
        hashing.as_secs_f64()
    );
    println!(
        "consensus hash share           {:.1} % of processing",
        100.0 * hashing.as_secs_f64() / processing.as_secs_f64()
    );
    println!(
        "processing / hashing ratio     {:.2}x",
        processing.as_secs_f64() / hashing.as_secs_f64()
    );
    println!("final consensus hash           {prev_ch}");
}
