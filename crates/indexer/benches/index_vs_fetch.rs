//! Indexing throughput against a chain source, as a ratio to merely fetching the same blocks.
//!
//! Builds a chain on the embedded devchain (served on loopback JSON-RPC, like a bitcoind) with
//! `BENCH_BLOCKS` blocks of `BENCH_OPS` signed NAME_PREORDERs each, all valid (each references
//! the consensus hash of the block before it). Then, in the same run and with the same client:
//! (a) fetches every block and its BNS prevouts through the indexer's fetch pipeline, and
//! (b) fetches, processes and commits every block into a fresh SQLite name database.
//! Reports (b)/(a), the CPU time of both, and the process's peak RSS. `BENCH_BATCH` sets the
//! most blocks per store transaction while catching up (1 = every block on its own).

use std::sync::Arc;
use std::time::Instant;

use bitcoin::hashes::Hash;
use bitcoin::secp256k1::Secp256k1;
use bitcoin::{Amount, FeeRate, NetworkKind, OutPoint, PubkeyHash, ScriptBuf, TxOut};
use blockstack_consensus::hash::preorder_hash;
use blockstack_consensus::op::name_preorder;
use blockstack_consensus::{
    parse_transaction, process_block, AddressNetwork, MemState, Rules, StateView,
};
use blockstack_devchain::rpc::{serve, RpcConfig};
use blockstack_devchain::{faucet_script, DevChain};
use blockstack_indexer::{fetch, BatchPolicy, Indexer, IndexerConfig, Store};
use blockstack_namedb::NameDb;
use blockstack_node::chain::{BitcoindClient, BitcoindConfig, RpcAuth};
use blockstack_wallet::{
    BuildRequest, ChainParams, Funds, KeyInfo, Operation, Signer, SingleKey, TransactionBuilder,
    Utxo,
};
use tokio::sync::watch;

fn env(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// CPU time (user + system) of the whole process so far, in seconds (clock ticks of 10 ms).
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesized command name; utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

struct Party {
    key: KeyInfo,
    script: ScriptBuf,
    address: String,
    coin: Utxo,
}

fn main() {
    let blocks = env("BENCH_BLOCKS", 1_000);
    let ops_per_block = env("BENCH_OPS", 10);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run(blocks, ops_per_block));
}

async fn run(blocks: u64, ops_per_block: u64) {
    let rules = Rules::test(1, AddressNetwork::Testnet);
    let chain = DevChain::in_memory();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    let (stop_tx, mut stop_rx) = watch::channel(false);
    tokio::spawn(serve(
        chain.clone(),
        listener,
        RpcConfig::default(),
        async move {
            let _ = stop_rx.wait_for(|s| *s).await;
        },
    ));

    // Parties, each funded once; every op spends its sender's previous change.
    let secp = Secp256k1::new();
    let mut parties: Vec<Party> = (0..ops_per_block)
        .map(|i| {
            let secret = bitcoin::hashes::sha256::Hash::hash(format!("bench-{i}").as_bytes())
                .to_byte_array();
            let key = SingleKey::from_secret_bytes(&secret, true, NetworkKind::Test).expect("key");
            let script = key.script_pubkey(&secp);
            let address = key.address(&secp, NetworkKind::Test).to_string();
            let outpoint = chain
                .fund(&script, Amount::from_sat(50_000_000_000))
                .expect("fund");
            let value = Amount::from_sat(50_000_000_000);
            Party {
                key: KeyInfo::Single(key),
                script,
                address,
                coin: Utxo { outpoint, value },
            }
        })
        .collect();
    chain.mine_blocks(1, &faucet_script()).expect("mine");

    // Generate the chain, following it with the pure processor to reference real hashes.
    let started = Instant::now();
    let params = ChainParams::bitcoin_testnet();
    let builder = TransactionBuilder::new(params);
    let signer = Signer::new(params.sighash);
    let burn = ScriptBuf::new_p2pkh(&PubkeyHash::from_byte_array([0; 20]));
    let mut state = MemState::new();
    let mut processed = 0u64;
    let follow = |state: &mut MemState, processed: &mut u64, tip: u64| {
        while *processed < tip {
            let h = *processed + 1;
            let block = chain
                .block(u32::try_from(h).expect("height"))
                .expect("block");
            let ops = block
                .txdata
                .iter()
                .enumerate()
                .skip(1)
                .filter_map(|(i, tx)| {
                    let prev = tx.input.first()?.previous_output;
                    let out: TxOut = chain.utxo(&prev, true).map(|u| u.output).or_else(|| {
                        chain
                            .transaction(&prev.txid)
                            .and_then(|t| t.tx.output.get(prev.vout as usize).cloned())
                    })?;
                    parse_transaction(tx, u32::try_from(i).ok()?, Some(&out), &rules, h).ok()
                })
                .collect();
            let outcome = process_block(&*state, &rules, h, ops);
            state.apply(outcome);
            *processed = h;
        }
    };
    follow(&mut state, &mut processed, u64::from(chain.height()));
    let first = u64::from(chain.height()) + 1;
    let mut serial = 0u64;
    for _ in 0..blocks {
        let ch = state.consensus_hash(processed).expect("consensus hash");
        let ch: [u8; 16] = hex::decode(ch).expect("hex").try_into().expect("16 bytes");
        for p in &mut parties {
            serial += 1;
            let name = format!("n{serial}.bench");
            let hash = preorder_hash(&name, &p.script.to_hex_string(), &p.address).expect("b40");
            let payload = name_preorder::Payload {
                preorder_hash: hex::decode(hash).expect("hex").try_into().expect("20"),
                consensus_hash: ch,
            };
            let unsigned = builder
                .build(&BuildRequest {
                    operation: Operation::NamePreorder {
                        burn_script: burn.clone(),
                        fee: Amount::from_sat(10_000),
                    },
                    payload: payload.encode(),
                    sender: Funds {
                        spender: p.key.spender(),
                        utxos: vec![p.coin],
                    },
                    payer: None,
                    fee_rate: FeeRate::from_sat_per_vb_u32(1),
                })
                .expect("build");
            let tx = signer
                .sign(&unsigned, &[&p.key])
                .expect("sign")
                .into_transaction();
            chain.submit_tx(&tx).expect("accepted");
            p.coin = Utxo {
                outpoint: OutPoint {
                    txid: tx.compute_txid(),
                    vout: 1,
                },
                value: tx.output[1].value,
            };
        }
        chain.mine_blocks(1, &faucet_script()).expect("mine");
        follow(&mut state, &mut processed, u64::from(chain.height()));
    }
    let tip = u64::from(chain.height());
    let total_ops = blocks * ops_per_block;
    eprintln!(
        "generated {blocks} blocks with {total_ops} ops in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let client =
        Arc::new(BitcoindClient::new(BitcoindConfig::new(url, RpcAuth::None)).expect("client"));
    // (a) fetch only, through the same pipeline the indexer uses.
    let t = Instant::now();
    let cpu = cpu_secs();
    let mut rx = fetch::spawn(client.clone(), 1, tip, 16);
    let mut fetched = 0u64;
    while let Some(block) = rx.recv().await {
        fetched += block.expect("fetch").candidates.len() as u64;
    }
    let fetch_secs = t.elapsed().as_secs_f64();
    let fetch_cpu = cpu_secs() - cpu;
    assert_eq!(fetched, total_ops, "every op fetched");

    // (b) fetch + process + commit into SQLite.
    let dir = tempfile::tempdir().expect("tempdir");
    let db = NameDb::open(dir.path().join("names.db")).expect("db");
    let policy = match std::env::var("BENCH_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        Some(max_blocks) => BatchPolicy {
            max_blocks,
            ..BatchPolicy::default()
        },
        None => BatchPolicy::default(),
    };
    let mut indexer = Indexer::new(
        client.clone(),
        db,
        IndexerConfig {
            rules: rules.clone(),
            confirmations: 0,
            prefetch: 16,
        },
    )
    .with_batch_policy(policy);
    let (_, shutdown) = watch::channel(false);
    let rss_before = peak_rss_mb();
    let t = Instant::now();
    let cpu = cpu_secs();
    let report = indexer.sync(&shutdown, |_| {}).await.expect("index");
    let index_secs = t.elapsed().as_secs_f64();
    let index_cpu = cpu_secs() - cpu;
    assert_eq!(report.accepted_ops, total_ops, "every op accepted");
    assert_eq!(
        Store::view(indexer.store()).consensus_hash(tip),
        state.consensus_hash(tip),
        "same tip hash as the pure processor"
    );

    println!(
        "blocks indexed                 {} (from {first} to {tip} carry ops)",
        tip
    );
    println!("operations                     {total_ops}");
    println!(
        "(a) fetch only                 {fetch_secs:.2} s ({:.0} blocks/s)",
        tip as f64 / fetch_secs
    );
    println!(
        "(b) fetch + index + commit     {index_secs:.2} s ({:.0} ops/s)",
        total_ops as f64 / index_secs
    );
    println!(
        "(b) / (a)                      {:.2} (target <= 1.2)",
        index_secs / fetch_secs
    );
    println!(
        "CPU time (a), (b)              {fetch_cpu:.2} s, {index_cpu:.2} s (client and chain server)"
    );
    println!(
        "peak RSS (whole process)       {:.0} MB (chain and generator included)",
        peak_rss_mb()
    );
    println!(
        "peak RSS growth during (b)     {:.0} MB (from {rss_before:.0} MB)",
        peak_rss_mb() - rss_before
    );

    // (c) process + commit alone, from blocks held in memory (fetched again, untimed): the
    // cost of indexing on one thread, without the network or the chain server.
    let mut rx = fetch::spawn(client, 1, tip, 16);
    let mut held = Vec::new();
    while let Some(block) = rx.recv().await {
        held.push(block.expect("fetch"));
    }
    let _ = stop_tx.send(true);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut db = NameDb::open(dir.path().join("names.db")).expect("db");
    let t = Instant::now();
    let cpu = cpu_secs();
    for (i, block) in held.iter().enumerate() {
        let far = policy.batches(block.height, tip);
        if far && (i as u64).is_multiple_of(policy.max_blocks) {
            db.commit_batch().expect("commit batch");
            db.begin_batch().expect("begin batch");
        } else if !far {
            db.commit_batch().expect("commit batch");
        }
        let ops = block
            .candidates
            .iter()
            .filter_map(|c| {
                parse_transaction(&c.tx, c.vtxindex, c.prevout.as_ref(), &rules, block.height).ok()
            })
            .collect();
        let outcome = db
            .process_block(&rules, block.height, ops)
            .expect("process");
        db.commit_block(&outcome, &block.hash.to_string())
            .expect("commit");
    }
    db.commit_batch().expect("commit batch");
    let alone_secs = t.elapsed().as_secs_f64();
    let alone_cpu = cpu_secs() - cpu;
    assert_eq!(
        db.consensus_hash(tip).expect("hash"),
        state.consensus_hash(tip)
    );
    println!(
        "(c) index + commit alone       {alone_secs:.2} s, CPU {alone_cpu:.2} s ({:.0} ops/s, blocks in memory)",
        total_ops as f64 / alone_secs
    );
}
