//! Indexing throughput against a chain source, as a ratio to merely fetching the same blocks.
//!
//! Builds a chain of `BENCH_BLOCKS` blocks with `BENCH_OPS` wallet-signed NAME_PREORDERs each,
//! all valid (each references the consensus hash of the block before it), on one of two chain
//! sources (`BENCH_CHAIN`):
//!
//! * `devchain` (the default): the embedded devchain, mined in this process and served on
//!   loopback JSON-RPC like a bitcoind;
//! * `regtest`: the regtest bitcoind of `shared/tools/bitcoind-regtest` (Bitcoin SV, so the ops
//!   are signed with the FORKID sighash). The chain is built by a child process and the stopped
//!   node's datadir is kept under `~/.cache/blockstack-rs/index-bench/` (or `BENCH_CACHE_DIR`),
//!   keyed by the sizes, so a later run only starts the node. This process then holds nothing
//!   but the client and the indexer.
//!
//! Then, with the same client: (a) fetches every block and its BNS prevouts through the
//! indexer's fetch pipeline, and (b) fetches, processes and commits every block into a fresh
//! SQLite name database. `BENCH_REPEAT` runs (a) and (b) that many times in alternation and
//! reports the medians with their spread. Reports (b)/(a), the CPU time of both, and the
//! process's peak RSS. `BENCH_BATCH` sets the most blocks per store transaction while catching
//! up (1 = every block on its own), `BENCH_BATCH_SECS` the longest a batch stays open.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use bitcoin::hashes::Hash;
use bitcoin::secp256k1::{All, Secp256k1};
use bitcoin::{
    Amount, BlockHash, FeeRate, NetworkKind, OutPoint, PubkeyHash, ScriptBuf, Transaction, TxOut,
    Txid,
};
use blockstack_consensus::hash::preorder_hash;
use blockstack_consensus::op::name_preorder;
use blockstack_consensus::{
    parse_transaction, process_block, AddressNetwork, MemState, Rules, StateView,
};
use blockstack_devchain::rpc::{serve, RpcConfig};
use blockstack_devchain::{faucet_script, DevChain};
use blockstack_indexer::{fetch, BatchPolicy, Indexer, IndexerConfig, Store};
use blockstack_namedb::NameDb;
use blockstack_node::chain::{BitcoindClient, BitcoindConfig, ChainSource, RpcAuth};
use blockstack_node::testing::{RegtestNode, MINER_ADDRESS};
use blockstack_wallet::{
    BuildRequest, ChainParams, Funds, KeyInfo, Operation, Signer, SingleKey, TransactionBuilder,
    Utxo,
};
use serde_json::json;
use tokio::sync::watch;

/// Set in the child process that builds the regtest chain: the directory to build it in.
const GENERATE_ENV: &str = "BENCH_REGTEST_GENERATE";
/// Bumped whenever the regtest chain the generator builds changes, so old caches are not used.
const CACHE_VERSION: u32 = 1;

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

/// CPU time (user + system) of process `pid` ("self" for this one) so far, in seconds (clock
/// ticks of 10 ms); 0 when it cannot be read.
fn cpu_secs_of(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
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

fn cpu_secs() -> f64 {
    cpu_secs_of("self")
}

/// A sender of one op per block; every op spends its sender's previous change.
struct Party {
    key: KeyInfo,
    script: ScriptBuf,
    address: String,
    coin: Utxo,
}

fn party_key(i: u64, secp: &Secp256k1<All>) -> (KeyInfo, ScriptBuf, String) {
    let secret =
        bitcoin::hashes::sha256::Hash::hash(format!("bench-{i}").as_bytes()).to_byte_array();
    let key = SingleKey::from_secret_bytes(&secret, true, NetworkKind::Test).expect("key");
    let script = key.script_pubkey(secp);
    let address = key.address(secp, NetworkKind::Test).to_string();
    (KeyInfo::Single(key), script, address)
}

/// Builds and signs the NAME_PREORDERs of one block for every party, referencing consensus
/// hash `ch`, and moves each party's coin to its new change.
struct OpMaker {
    builder: TransactionBuilder,
    signer: Signer,
    burn: ScriptBuf,
    serial: u64,
}

impl OpMaker {
    fn new(params: ChainParams) -> Self {
        Self {
            builder: TransactionBuilder::new(params),
            signer: Signer::new(params.sighash),
            burn: ScriptBuf::new_p2pkh(&PubkeyHash::from_byte_array([0; 20])),
            serial: 0,
        }
    }

    fn block_ops(&mut self, parties: &mut [Party], ch: &str) -> Vec<Transaction> {
        let ch: [u8; 16] = hex::decode(ch).expect("hex").try_into().expect("16 bytes");
        parties
            .iter_mut()
            .map(|p| {
                self.serial += 1;
                let name = format!("n{}.bench", self.serial);
                let hash =
                    preorder_hash(&name, &p.script.to_hex_string(), &p.address).expect("b40");
                let payload = name_preorder::Payload {
                    preorder_hash: hex::decode(hash).expect("hex").try_into().expect("20"),
                    consensus_hash: ch,
                };
                let unsigned = self
                    .builder
                    .build(&BuildRequest {
                        operation: Operation::NamePreorder {
                            burn_script: self.burn.clone(),
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
                let tx = self
                    .signer
                    .sign(&unsigned, &[&p.key])
                    .expect("sign")
                    .into_transaction();
                p.coin = Utxo {
                    outpoint: OutPoint {
                        txid: tx.compute_txid(),
                        vout: 1,
                    },
                    value: tx.output[1].value,
                };
                tx
            })
            .collect()
    }
}

/// The chain to measure against.
struct Chain {
    client: Arc<BitcoindClient>,
    /// Its height.
    tip: u64,
    /// The first block with ops.
    first: u64,
    total_ops: u64,
    /// The consensus hash at `tip`, as the pure processor computed it while building.
    tip_consensus_hash: Option<String>,
    /// The chain server's pid when it runs in a process of its own.
    server_pid: Option<String>,
    /// What the peak RSS of this process includes.
    rss_note: &'static str,
}

fn rules() -> Rules {
    Rules::test(1, AddressNetwork::Testnet)
}

fn main() {
    let blocks = env("BENCH_BLOCKS", 1_000);
    let ops_per_block = env("BENCH_OPS", 10);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    if let Some(dir) = std::env::var_os(GENERATE_ENV) {
        runtime.block_on(generate_regtest(Path::new(&dir), blocks, ops_per_block));
        return;
    }
    let mode = std::env::var("BENCH_CHAIN").unwrap_or_else(|_| "devchain".into());
    match mode.as_str() {
        "devchain" => runtime.block_on(async {
            let (chain, stop) = devchain(blocks, ops_per_block).await;
            measure(&chain).await;
            let _ = stop.send(true);
        }),
        "regtest" => {
            let dir = cached_regtest_chain(blocks, ops_per_block);
            let node = RegtestNode::start_in("index_vs_fetch", &dir.join("node"), &[])
                .expect("the regtest bitcoind is needed for BENCH_CHAIN=regtest");
            let meta = std::fs::read_to_string(dir.join("chain.txt")).expect("chain.txt");
            let field = |key: &str| {
                meta.lines()
                    .find_map(|l| l.strip_prefix(&format!("{key}=")))
                    .unwrap_or_else(|| panic!("chain.txt has no {key}"))
                    .to_owned()
            };
            let pid = std::fs::read_to_string(Path::new(node.datadir()).join("bitcoind.pid"))
                .ok()
                .map(|p| p.trim().to_owned());
            let chain = Chain {
                client: Arc::new(BitcoindClient::new(node.config()).expect("client")),
                tip: field("tip").parse().expect("tip"),
                first: field("first").parse().expect("first"),
                total_ops: field("ops").parse().expect("ops"),
                tip_consensus_hash: Some(field("consensus_hash")),
                server_pid: pid,
                rss_note: "indexer and client only; bitcoind runs apart",
            };
            runtime.block_on(async {
                let height = chain.client.block_count().await.expect("block count");
                assert_eq!(height, chain.tip, "the cached node serves the whole chain");
                measure(&chain).await;
            });
            drop(node);
        }
        other => panic!("BENCH_CHAIN must be devchain or regtest, not {other}"),
    }
}

/// Builds the devchain chain in this process and serves it on loopback; the sender stops it.
async fn devchain(blocks: u64, ops_per_block: u64) -> (Chain, watch::Sender<bool>) {
    let rules = rules();
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

    // Parties, each funded once.
    let secp = Secp256k1::new();
    let mut parties: Vec<Party> = (0..ops_per_block)
        .map(|i| {
            let (key, script, address) = party_key(i, &secp);
            let outpoint = chain
                .fund(&script, Amount::from_sat(50_000_000_000))
                .expect("fund");
            let value = Amount::from_sat(50_000_000_000);
            Party {
                key,
                script,
                address,
                coin: Utxo { outpoint, value },
            }
        })
        .collect();
    chain.mine_blocks(1, &faucet_script()).expect("mine");

    // Generate the chain, following it with the pure processor to reference real hashes.
    let started = Instant::now();
    let mut maker = OpMaker::new(ChainParams::bitcoin_testnet());
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
    for _ in 0..blocks {
        let ch = state.consensus_hash(processed).expect("consensus hash");
        for tx in maker.block_ops(&mut parties, &ch) {
            chain.submit_tx(&tx).expect("accepted");
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
    (
        Chain {
            client,
            tip,
            first,
            total_ops,
            tip_consensus_hash: state.consensus_hash(tip),
            server_pid: None,
            rss_note: "chain and generator included",
        },
        stop_tx,
    )
}

/// The directory of the finished regtest chain of these sizes, building it first (in a child
/// process, so this one stays lean) when it is not cached yet.
fn cached_regtest_chain(blocks: u64, ops_per_block: u64) -> PathBuf {
    let base = std::env::var_os("BENCH_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME")
                .map(PathBuf::from)
                .unwrap_or_else(std::env::temp_dir);
            home.join(".cache/blockstack-rs/index-bench")
        });
    let dir = base.join(format!("regtest-v{CACHE_VERSION}-{blocks}x{ops_per_block}"));
    if dir.join("chain.txt").exists() {
        eprintln!("using the cached regtest chain in {}", dir.display());
        return dir;
    }
    let building = base.join(format!(
        "building-v{CACHE_VERSION}-{blocks}x{ops_per_block}"
    ));
    if building.exists() {
        std::fs::remove_dir_all(&building).expect("remove an unfinished build");
    }
    std::fs::create_dir_all(&building).expect("create the build directory");
    eprintln!(
        "building a regtest chain of {blocks} blocks x {ops_per_block} ops in {}",
        building.display()
    );
    let status = std::process::Command::new(std::env::current_exe().expect("own path"))
        .env(GENERATE_ENV, &building)
        .env("BENCH_BLOCKS", blocks.to_string())
        .env("BENCH_OPS", ops_per_block.to_string())
        .status()
        .expect("run the generator");
    assert!(status.success(), "the regtest chain generator failed");
    std::fs::rename(&building, &dir).expect("move the finished chain into place");
    dir
}

/// Sends a block's transactions in one JSON-RPC batch and mines them into a block.
async fn send_and_mine(client: &BitcoindClient, txs: &[Transaction]) -> BlockHash {
    let params: Vec<serde_json::Value> = txs
        .iter()
        .map(|tx| json!([bitcoin::consensus::encode::serialize_hex(tx)]))
        .collect();
    if !params.is_empty() {
        let sent: Vec<Result<Txid, _>> = client
            .batch("sendrawtransaction", &params)
            .await
            .expect("sendrawtransaction batch");
        for (tx, sent) in txs.iter().zip(sent) {
            let txid = sent.unwrap_or_else(|e| panic!("{} refused: {e}", tx.compute_txid()));
            assert_eq!(txid, tx.compute_txid());
        }
    }
    let hashes: Vec<BlockHash> = client
        .call("generatetoaddress", json!([1, MINER_ADDRESS]))
        .await
        .expect("generatetoaddress");
    hashes[0]
}

/// The child process: builds the chain on a regtest bitcoind in `dir/node`, writes
/// `dir/chain.txt` and stops the node cleanly.
async fn generate_regtest(dir: &Path, blocks: u64, ops_per_block: u64) {
    let rules = rules();
    let node = RegtestNode::start_in("index_vs_fetch", &dir.join("node"), &[])
        .expect("the regtest bitcoind is needed for BENCH_CHAIN=regtest");
    let client = BitcoindClient::new(node.config()).expect("client");
    let started = Instant::now();

    // One coinbase for each party, matured by 100 more blocks.
    let secp = Secp256k1::new();
    let mut parties = Vec::new();
    for i in 0..ops_per_block {
        let (key, script, address) = party_key(i, &secp);
        let hashes: Vec<BlockHash> = client
            .call("generatetoaddress", json!([1, address]))
            .await
            .expect("generatetoaddress");
        let block = client.block(hashes[0]).await.expect("block");
        let coinbase = &block.txdata[0];
        assert_eq!(coinbase.output[0].script_pubkey, script, "pays the party");
        parties.push(Party {
            key,
            script,
            address,
            coin: Utxo {
                outpoint: OutPoint {
                    txid: coinbase.compute_txid(),
                    vout: 0,
                },
                value: coinbase.output[0].value,
            },
        });
    }
    let _: Vec<BlockHash> = client
        .call("generatetoaddress", json!([100, MINER_ADDRESS]))
        .await
        .expect("generatetoaddress");

    // Follow the chain with the pure processor to reference real consensus hashes.
    let mut state = MemState::new();
    let follow = |state: &mut MemState, h: u64, fetched: fetch::FetchedBlock| {
        let ops = fetched
            .candidates
            .iter()
            .filter_map(|c| {
                parse_transaction(&c.tx, c.vtxindex, c.prevout.as_ref(), &rules, h).ok()
            })
            .collect::<Vec<_>>();
        let n = ops.len();
        state.apply(process_block(&*state, &rules, h, ops));
        n
    };
    let mut processed = 0u64;
    let height = client.block_count().await.expect("block count");
    while processed < height {
        processed += 1;
        let fetched = fetch::fetch_block(&client, processed).await.expect("fetch");
        follow(&mut state, processed, fetched);
    }
    let first = processed + 1;
    let mut maker = OpMaker::new(ChainParams::sv_regtest_test_node());
    for i in 0..blocks {
        let ch = state.consensus_hash(processed).expect("consensus hash");
        let txs = maker.block_ops(&mut parties, &ch);
        let hash = send_and_mine(&client, &txs).await;
        processed += 1;
        let fetched = fetch::fetch_block(&client, processed).await.expect("fetch");
        assert_eq!(fetched.hash, hash, "mined on the tip");
        let n = follow(&mut state, processed, fetched);
        assert_eq!(
            n as u64, ops_per_block,
            "every op of block {processed} mined"
        );
        if (i + 1) % 1_000 == 0 {
            eprintln!(
                "  {} blocks in {:.0} s",
                i + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    let total_ops = blocks * ops_per_block;
    let meta = format!(
        "tip={processed}\nfirst={first}\nops={total_ops}\nconsensus_hash={}\n",
        state.consensus_hash(processed).expect("tip consensus hash")
    );
    std::fs::write(dir.join("chain.txt"), meta).expect("write chain.txt");
    eprintln!(
        "generated {blocks} blocks with {total_ops} ops on regtest bitcoind in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    node.stop();
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn spread(v: &[f64]) -> String {
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if v.len() > 1 {
        format!(" [{min:.2}–{max:.2} over {} runs]", v.len())
    } else {
        String::new()
    }
}

fn batch_policy() -> BatchPolicy {
    let mut policy = BatchPolicy::default();
    policy.max_blocks = env("BENCH_BATCH", policy.max_blocks);
    if let Some(secs) = std::env::var("BENCH_BATCH_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        policy.max_age = std::time::Duration::from_secs_f64(secs);
    }
    policy
}

/// (a) fetch only, through the same pipeline the indexer uses: seconds, own CPU, server CPU.
async fn fetch_only(chain: &Chain) -> (f64, f64, f64) {
    let server = || chain.server_pid.as_deref().map_or(0.0, cpu_secs_of);
    let t = Instant::now();
    let cpu = cpu_secs();
    let server_cpu = server();
    let mut rx = fetch::spawn(chain.client.clone(), 1, chain.tip, 16);
    let mut fetched = 0u64;
    while let Some(block) = rx.recv().await {
        fetched += block.expect("fetch").candidates.len() as u64;
    }
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(fetched, chain.total_ops, "every op fetched");
    (secs, cpu_secs() - cpu, server() - server_cpu)
}

/// (b) fetch + process + commit into a fresh SQLite database: seconds, own CPU, server CPU.
async fn fetch_index_commit(chain: &Chain, policy: BatchPolicy) -> (f64, f64, f64) {
    let server = || chain.server_pid.as_deref().map_or(0.0, cpu_secs_of);
    let dir = tempfile::tempdir().expect("tempdir");
    let db = NameDb::open(dir.path().join("names.db")).expect("db");
    let mut indexer = Indexer::new(
        chain.client.clone(),
        db,
        IndexerConfig {
            rules: rules(),
            confirmations: 0,
            prefetch: 16,
        },
    )
    .with_batch_policy(policy);
    let (_, shutdown) = watch::channel(false);
    let t = Instant::now();
    let cpu = cpu_secs();
    let server_cpu = server();
    let report = indexer.sync(&shutdown, |_| {}).await.expect("index");
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu;
    let server_cpu = server() - server_cpu;
    assert_eq!(report.accepted_ops, chain.total_ops, "every op accepted");
    assert_eq!(
        Store::view(indexer.store()).consensus_hash(chain.tip),
        chain.tip_consensus_hash,
        "same tip hash as the pure processor"
    );
    (secs, cpu, server_cpu)
}

async fn measure(chain: &Chain) {
    let rules = rules();
    let tip = chain.tip;
    let total_ops = chain.total_ops;
    let policy = batch_policy();
    let repeat = env("BENCH_REPEAT", 1).max(1);
    let rss_start = peak_rss_mb();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..repeat {
        a.push(fetch_only(chain).await);
        b.push(fetch_index_commit(chain, policy).await);
    }
    let secs = |v: &[(f64, f64, f64)]| v.iter().map(|r| r.0).collect::<Vec<_>>();
    let (a_secs, b_secs) = (secs(&a), secs(&b));
    let ratios: Vec<f64> = a.iter().zip(&b).map(|(a, b)| b.0 / a.0).collect();
    let (fetch_secs, index_secs) = (median(&a_secs), median(&b_secs));
    let col = |v: &[(f64, f64, f64)], f: fn(&(f64, f64, f64)) -> f64| {
        median(&v.iter().map(f).collect::<Vec<_>>())
    };

    println!(
        "blocks indexed                 {} (from {} to {tip} carry ops)",
        tip, chain.first
    );
    println!("operations                     {total_ops}");
    println!(
        "(a) fetch only                 {fetch_secs:.2} s ({:.0} blocks/s){}",
        tip as f64 / fetch_secs,
        spread(&a_secs)
    );
    println!(
        "(b) fetch + index + commit     {index_secs:.2} s ({:.0} ops/s){}",
        total_ops as f64 / index_secs,
        spread(&b_secs)
    );
    println!(
        "(b) / (a)                      {:.2} (target <= 1.2, median of the runs' ratios){}",
        median(&ratios),
        spread(&ratios)
    );
    if chain.server_pid.is_some() {
        println!(
            "CPU time (a), (b)              {:.2} s, {:.2} s (this process); bitcoind {:.2} s, {:.2} s",
            col(&a, |r| r.1),
            col(&b, |r| r.1),
            col(&a, |r| r.2),
            col(&b, |r| r.2)
        );
    } else {
        println!(
            "CPU time (a), (b)              {:.2} s, {:.2} s (client and chain server)",
            col(&a, |r| r.1),
            col(&b, |r| r.1)
        );
    }
    println!(
        "peak RSS (whole process)       {:.0} MB ({})",
        peak_rss_mb(),
        chain.rss_note
    );
    println!(
        "peak RSS growth during (a, b)  {:.0} MB (from {rss_start:.0} MB)",
        peak_rss_mb() - rss_start
    );

    // (c) process + commit alone, from blocks held in memory (fetched again, untimed): the
    // cost of indexing on one thread, without the network or the chain server.
    let mut rx = fetch::spawn(chain.client.clone(), 1, tip, 16);
    let mut held = Vec::new();
    while let Some(block) = rx.recv().await {
        held.push(block.expect("fetch"));
    }
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
        chain.tip_consensus_hash
    );
    println!(
        "(c) index + commit alone       {alone_secs:.2} s, CPU {alone_cpu:.2} s ({:.0} ops/s, blocks in memory)",
        total_ops as f64 / alone_secs
    );
}
