//! Group commit into the SQLite name database: indexing in batches gives the same consensus
//! hashes as committing block by block, and a failure in the middle of a batch keeps the
//! blocks before it, so a restart resumes from there to the same state.

use std::sync::Arc;

use bitcoin::hashes::Hash;
use bitcoin::secp256k1::Secp256k1;
use bitcoin::{Amount, BlockHash, FeeRate, NetworkKind, PubkeyHash, ScriptBuf};
use blockstack_consensus::hash::preorder_hash;
use blockstack_consensus::op::{name_preorder, ParsedOp};
use blockstack_consensus::{AddressNetwork, BlockOutcome, MemState, Rules, StateView};
use blockstack_devchain::rpc::{serve, RpcConfig};
use blockstack_devchain::DevChain;
use blockstack_indexer::{BatchPolicy, Indexer, IndexerConfig, IndexerError, Store};
use blockstack_namedb::NameDb;
use blockstack_node::chain::{BitcoindClient, BitcoindConfig, RpcAuth};
use blockstack_wallet::{
    BuildRequest, ChainParams, Funds, KeyInfo, Operation, Signer, SingleKey, TransactionBuilder,
    Utxo,
};
use tokio::sync::watch;

/// A name database whose commit of one block fails, as a full disk would.
struct FailingAt {
    db: NameDb,
    height: u64,
}

impl Store for FailingAt {
    type View<'a> = blockstack_namedb::DbView<'a>;

    fn view(&self) -> Self::View<'_> {
        self.db.view()
    }

    fn process(
        &self,
        rules: &Rules,
        height: u64,
        ops: Vec<ParsedOp>,
    ) -> Result<BlockOutcome, String> {
        Store::process(&self.db, rules, height, ops)
    }

    fn tip(&self) -> Result<Option<(u64, BlockHash)>, String> {
        Store::tip(&self.db)
    }

    fn block_hash(&self, height: u64) -> Result<Option<BlockHash>, String> {
        Store::block_hash(&self.db, height)
    }

    fn commit(&mut self, outcome: &BlockOutcome, hash: &BlockHash) -> Result<(), String> {
        if outcome.height == self.height {
            return Err(format!(
                "no space left while writing block {}",
                outcome.height
            ));
        }
        Store::commit(&mut self.db, outcome, hash)
    }

    fn rollback_to(&mut self, height: u64) -> Result<(), String> {
        Store::rollback_to(&mut self.db, height)
    }

    fn begin_batch(&mut self) -> Result<(), String> {
        Store::begin_batch(&mut self.db)
    }

    fn commit_batch(&mut self) -> Result<(), String> {
        Store::commit_batch(&mut self.db)
    }
}

fn config() -> IndexerConfig {
    IndexerConfig {
        rules: Rules::test(1, AddressNetwork::Testnet),
        confirmations: 0,
        prefetch: 8,
    }
}

fn client(url: &str) -> Arc<BitcoindClient> {
    Arc::new(BitcoindClient::new(BitcoindConfig::new(url, RpcAuth::None)).expect("client"))
}

/// A chain of `blocks` blocks after funding, each with one valid NAME_PREORDER; returns the
/// chain, its RPC address and the consensus hash of every block by the pure processor.
async fn chain_with_preorders(blocks: u32) -> (DevChain, String, MemState) {
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
            let _ = stop_rx.changed().await;
        },
    ));
    std::mem::forget(stop_tx);

    let secp = Secp256k1::new();
    let secret = bitcoin::hashes::sha256::Hash::hash(b"group-commit").to_byte_array();
    let key = SingleKey::from_secret_bytes(&secret, true, NetworkKind::Test).expect("key");
    let script = key.script_pubkey(&secp);
    let address = key.address(&secp, NetworkKind::Test).to_string();
    let key = KeyInfo::Single(key);
    chain
        .fund(&script, Amount::from_sat(10_000_000_000))
        .expect("fund");
    let miner = ScriptBuf::new_p2pkh(&PubkeyHash::from_byte_array([7; 20]));
    chain.mine_blocks(1, &miner).expect("mine");

    // The reference: the indexer over the pure in-memory state, synced after every block so
    // each preorder references the consensus hash of the block before it.
    let (_, shutdown) = watch::channel(false);
    let mut reference = Indexer::new(client(&url), MemStore::default(), config());
    reference.sync(&shutdown, |_| {}).await.expect("sync");
    let params = ChainParams::bitcoin_testnet();
    let burn = ScriptBuf::new_p2pkh(&PubkeyHash::from_byte_array([0; 20]));
    for i in 0..blocks {
        let tip = u64::from(chain.height());
        let ch = reference.store().0.consensus_hash(tip).expect("hash");
        let name = format!("n{i}.test");
        let hash = preorder_hash(&name, &script.to_hex_string(), &address).expect("b40");
        let payload = name_preorder::Payload {
            preorder_hash: hex::decode(hash).expect("hex").try_into().expect("20"),
            consensus_hash: hex::decode(ch).expect("hex").try_into().expect("16"),
        };
        let utxos = chain
            .utxos_for_script(&script)
            .into_iter()
            .filter(|u| u.mature)
            .map(|u| Utxo {
                outpoint: u.outpoint,
                value: u.output.value,
            })
            .collect();
        let unsigned = TransactionBuilder::new(params)
            .build(&BuildRequest {
                operation: Operation::NamePreorder {
                    burn_script: burn.clone(),
                    fee: Amount::from_sat(10_000),
                },
                payload: payload.encode(),
                sender: Funds {
                    spender: key.spender(),
                    utxos,
                },
                payer: None,
                fee_rate: FeeRate::from_sat_per_vb_u32(1),
            })
            .expect("build");
        let tx = Signer::new(params.sighash)
            .sign(&unsigned, &[&key])
            .expect("sign")
            .into_transaction();
        chain.submit_tx(&tx).expect("accepted");
        chain.mine_blocks(1, &miner).expect("mine");
        let report = reference.sync(&shutdown, |_| {}).await.expect("sync");
        assert_eq!(
            report.accepted_ops,
            1,
            "block {} carries a valid op",
            tip + 1
        );
    }
    let state = reference.into_store().0;
    (chain, url, state)
}

/// The pure in-memory state as a store (one state, no rollback needed here).
#[derive(Default)]
struct MemStore(MemState, Option<(u64, BlockHash)>, Vec<BlockHash>);

impl Store for MemStore {
    type View<'a> = &'a MemState;

    fn view(&self) -> &MemState {
        &self.0
    }

    fn tip(&self) -> Result<Option<(u64, BlockHash)>, String> {
        Ok(self.1)
    }

    fn block_hash(&self, height: u64) -> Result<Option<BlockHash>, String> {
        let i = usize::try_from(height).map_err(|e| e.to_string())?;
        Ok(i.checked_sub(1).and_then(|i| self.2.get(i)).copied())
    }

    fn commit(&mut self, outcome: &BlockOutcome, hash: &BlockHash) -> Result<(), String> {
        self.0.apply(outcome.clone());
        self.1 = Some((outcome.height, *hash));
        self.2.push(*hash);
        Ok(())
    }

    fn rollback_to(&mut self, _height: u64) -> Result<(), String> {
        Err("the reference chain does not reorganize".into())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_match_per_block_commits_and_a_failure_mid_batch_resumes() {
    let blocks = 30;
    let (chain, url, reference) = chain_with_preorders(blocks).await;
    let tip = u64::from(chain.height());
    let (_, shutdown) = watch::channel(false);
    let dir = tempfile::tempdir().expect("tempdir");

    // Block by block.
    let path = dir.path().join("per-block.db");
    let mut per_block = Indexer::new(client(&url), NameDb::open(&path).expect("db"), config())
        .with_batch_policy(BatchPolicy::per_block());
    per_block.sync(&shutdown, |_| {}).await.expect("sync");

    // In batches of 8, failing at a block in the middle of the second batch.
    let policy = BatchPolicy {
        near_tip: 3,
        max_blocks: 8,
        ..BatchPolicy::default()
    };
    // Batches start at block 1: 1..=8, 9..=16, …; fail inside one, after its first block.
    let mut fail_at = tip - 10;
    if (fail_at - 1).is_multiple_of(8) {
        fail_at += 1;
    }
    let path = dir.path().join("batched.db");
    let store = FailingAt {
        db: NameDb::open(&path).expect("db"),
        height: fail_at,
    };
    let mut failing = Indexer::new(client(&url), store, config()).with_batch_policy(policy);
    match failing.sync(&shutdown, |_| {}).await {
        Err(IndexerError::Store(why)) => {
            assert!(why.contains(&format!("block {fail_at}")), "{why}");
        }
        other => panic!("expected the store error, got {other:?}"),
    }
    drop(failing);
    // The blocks of the open batch before the failure were kept.
    let db = NameDb::open(&path).expect("reopen");
    assert_eq!(db.last_block().expect("last"), Some(fail_at - 1));
    let mut resumed = Indexer::new(client(&url), db, config()).with_batch_policy(policy);
    let report = resumed.sync(&shutdown, |_| {}).await.expect("resume");
    assert_eq!(report.blocks, tip - fail_at + 1);
    assert_eq!(report.accepted_ops, tip - fail_at + 1);

    for height in 1..=tip {
        let want = reference.consensus_hash(height);
        assert!(want.is_some(), "block {height}");
        assert_eq!(
            per_block.store().consensus_hash(height).expect("read"),
            want,
            "block {height} committed block by block"
        );
        assert_eq!(
            resumed.store().consensus_hash(height).expect("read"),
            want,
            "block {height} committed in batches"
        );
    }
}
