//! End to end on the embedded chain: transactions built and signed by the wallet crate, mined
//! by the devchain, fetched over its JSON-RPC by the bitcoind client, indexed by the indexer;
//! then a reorg that drops the registration.

use std::collections::BTreeMap;
use std::sync::Arc;

use bitcoin::hashes::Hash;
use bitcoin::secp256k1::Secp256k1;
use bitcoin::{Amount, BlockHash, FeeRate, NetworkKind, PubkeyHash, ScriptBuf, Transaction};
use blockstack_consensus::hash::preorder_hash;
use blockstack_consensus::op::{
    name_preorder, name_registration, namespace_preorder, namespace_ready, namespace_reveal,
};
use blockstack_consensus::price::PriceFunction;
use blockstack_consensus::{AddressNetwork, BlockOutcome, MemState, Rules, StateView};
use blockstack_devchain::rpc::{serve, RpcConfig};
use blockstack_devchain::DevChain;
use blockstack_indexer::{Indexer, IndexerConfig, Store};
use blockstack_namedb::NameDb;
use blockstack_node::chain::{BitcoindClient, BitcoindConfig, RpcAuth};
use blockstack_wallet::{
    BuildRequest, ChainParams, Funds, KeyInfo, Operation, Signer, SingleKey, TransactionBuilder,
    Utxo,
};
use tokio::sync::watch;

/// A store that keeps a snapshot of the whole state after every block.
#[derive(Default)]
struct SnapshotStore {
    blocks: BTreeMap<u64, (BlockHash, MemState)>,
}

impl Store for SnapshotStore {
    type View<'a> = &'a MemState;

    fn view(&self) -> &MemState {
        static EMPTY: std::sync::OnceLock<MemState> = std::sync::OnceLock::new();
        self.blocks
            .values()
            .next_back()
            .map_or_else(|| EMPTY.get_or_init(MemState::new), |(_, s)| s)
    }

    fn tip(&self) -> Result<Option<(u64, BlockHash)>, String> {
        Ok(self
            .blocks
            .iter()
            .next_back()
            .map(|(h, (hash, _))| (*h, *hash)))
    }

    fn block_hash(&self, height: u64) -> Result<Option<BlockHash>, String> {
        Ok(self.blocks.get(&height).map(|(h, _)| *h))
    }

    fn commit(&mut self, outcome: &BlockOutcome, hash: &BlockHash) -> Result<(), String> {
        let mut state = self.view().clone();
        state.apply(outcome.clone());
        self.blocks.insert(outcome.height, (*hash, state));
        Ok(())
    }

    fn rollback_to(&mut self, height: u64) -> Result<(), String> {
        self.blocks.retain(|h, _| *h <= height);
        Ok(())
    }
}

struct Party {
    key: KeyInfo,
    script: ScriptBuf,
    address: String,
}

fn party(label: &str) -> Party {
    let secp = Secp256k1::new();
    let secret = bitcoin::hashes::sha256::Hash::hash(label.as_bytes()).to_byte_array();
    let key = SingleKey::from_secret_bytes(&secret, true, NetworkKind::Test).expect("valid key");
    let script = key.script_pubkey(&secp);
    let address = key.address(&secp, NetworkKind::Test).to_string();
    Party {
        key: KeyInfo::Single(key),
        script,
        address,
    }
}

struct Harness {
    chain: DevChain,
    indexer: Indexer<BitcoindClient, SnapshotStore>,
    shutdown: watch::Receiver<bool>,
    miner: ScriptBuf,
    url: String,
}

impl Harness {
    async fn sync(&mut self) -> u64 {
        let report = self
            .indexer
            .sync(&self.shutdown, |_| {})
            .await
            .expect("sync");
        report.tip.map_or(0, |(h, _)| h)
    }

    fn tip_consensus_hash(&self) -> [u8; 16] {
        let (height, _) = self.indexer.store().tip().expect("tip").expect("indexed");
        let ch = self
            .indexer
            .store()
            .view()
            .consensus_hash(height)
            .expect("consensus hash");
        hex::decode(ch).expect("hex").try_into().expect("16 bytes")
    }

    /// Builds, signs, submits and mines one operation sent by `sender`.
    fn send(&self, sender: &Party, operation: Operation, payload: Vec<u8>) -> Transaction {
        let params = ChainParams::bitcoin_testnet();
        let utxos: Vec<Utxo> = self
            .chain
            .utxos_for_script(&sender.script)
            .into_iter()
            .filter(|u| u.mature)
            .map(|u| Utxo {
                outpoint: u.outpoint,
                value: u.output.value,
            })
            .collect();
        let unsigned = TransactionBuilder::new(params)
            .build(&BuildRequest {
                operation,
                payload,
                sender: Funds {
                    spender: sender.key.spender(),
                    utxos,
                },
                payer: None,
                fee_rate: FeeRate::from_sat_per_vb_u32(2),
            })
            .expect("build");
        let tx = Signer::new(params.sighash)
            .sign(&unsigned, &[&sender.key])
            .expect("sign")
            .into_transaction();
        self.chain.submit_tx(&tx).expect("accepted by the chain");
        self.chain.mine_blocks(1, &self.miner).expect("mine");
        tx
    }
}

async fn harness() -> Harness {
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
    let client =
        BitcoindClient::new(BitcoindConfig::new(url.clone(), RpcAuth::None)).expect("client");
    let rules = Rules::test(1, AddressNetwork::Testnet);
    let config = IndexerConfig {
        rules,
        confirmations: 0,
        prefetch: 8,
    };
    let (_, shutdown) = watch::channel(false);
    let miner = party("miner").script;
    Harness {
        chain,
        indexer: Indexer::new(Arc::new(client), SnapshotStore::default(), config),
        shutdown,
        miner,
        url,
    }
}

fn burn_script() -> ScriptBuf {
    ScriptBuf::new_p2pkh(&PubkeyHash::from_byte_array([0; 20]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wallet_built_operations_are_indexed_and_a_reorg_drops_them() {
    let mut h = harness().await;
    let (payer, revealer, owner) = (party("payer"), party("revealer"), party("owner"));
    h.chain
        .fund(&payer.script, Amount::from_sat(1_000_000_000))
        .expect("fund payer");
    h.chain
        .fund(&revealer.script, Amount::from_sat(100_000_000))
        .expect("fund revealer");
    h.sync().await;

    // The namespace `test`: preorder, reveal, ready.
    let hash =
        preorder_hash("test", &payer.script.to_hex_string(), &revealer.address).expect("b40");
    let payload = namespace_preorder::Payload {
        preorder_hash: hex::decode(&hash).expect("hex").try_into().expect("20"),
        consensus_hash: h.tip_consensus_hash(),
    };
    h.send(
        &payer,
        Operation::NamespacePreorder {
            burn_script: burn_script(),
            fee: Amount::from_sat(400_000_000),
        },
        payload.encode(),
    );
    h.sync().await;
    let reveal = namespace_reveal::Payload {
        namespace_id: "test".into(),
        lifetime: 52_595,
        price: PriceFunction {
            coeff: 250,
            base: 4,
            buckets: [6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            nonalpha_discount: 10,
            no_vowel_discount: 10,
        },
        version: 1,
    };
    h.send(
        &payer,
        Operation::NamespaceReveal {
            revealer_script: revealer.script.clone(),
        },
        reveal.encode(),
    );
    h.sync().await;
    h.send(
        &revealer,
        Operation::NamespaceReady,
        namespace_ready::Payload {
            namespace_id: "test".into(),
        }
        .encode(),
    );
    h.sync().await;
    let ns = h
        .indexer
        .store()
        .view()
        .namespace("test")
        .expect("namespace")
        .into_owned();
    assert!(ns.ready);

    // The name `foo.test`: preorder, then registration in its own block.
    let hash =
        preorder_hash("foo.test", &payer.script.to_hex_string(), &owner.address).expect("b40");
    let payload = name_preorder::Payload {
        preorder_hash: hex::decode(&hash).expect("hex").try_into().expect("20"),
        consensus_hash: h.tip_consensus_hash(),
    };
    h.send(
        &payer,
        Operation::NamePreorder {
            burn_script: burn_script(),
            fee: Amount::from_sat(6_400_000),
        },
        payload.encode(),
    );
    h.sync().await;
    let register = name_registration::Payload {
        name: "foo.test".into(),
        value_hash: None,
    };
    let register_tx = h.send(
        &payer,
        Operation::NameRegistration {
            owner_script: owner.script.clone(),
        },
        register.encode(),
    );
    let tip = h.sync().await;
    let rec = h
        .indexer
        .store()
        .view()
        .name("foo.test")
        .expect("registered")
        .into_owned();
    assert_eq!(rec.sender, owner.script.to_hex_string());
    assert_eq!(rec.address, owner.address);
    assert_eq!(rec.txid, register_tx.compute_txid().to_string());
    assert_eq!(rec.first_registered, tip);

    // Reorg: drop the registration's block and mine a longer branch without it.
    let hash = h
        .chain
        .block_hash(u32::try_from(tip).expect("height"))
        .expect("block");
    h.chain.invalidate_block(&hash).expect("invalidate");
    h.chain.mine_blocks(3, &h.miner).expect("mine");
    let report = h.indexer.sync(&h.shutdown, |_| {}).await.expect("sync");
    assert!(report.rolled_back >= 1, "{report:?}");
    // The registration went back to the mempool and was mined again on the new branch; the
    // state must equal that of the new best chain, block for block.
    let new_tip = h.chain.height();
    assert_eq!(report.tip.map(|t| t.0), Some(u64::from(new_tip)));
    for height in 1..=u64::from(new_tip) {
        let ours = h.indexer.store().block_hash(height).expect("read");
        assert_eq!(
            ours,
            h.chain.block_hash(u32::try_from(height).expect("h")),
            "block {height}"
        );
    }
    // A fresh index of the new best chain reaches the same state.
    let client =
        BitcoindClient::new(BitcoindConfig::new(h.url.clone(), RpcAuth::None)).expect("client");
    let config = IndexerConfig {
        rules: Rules::test(1, AddressNetwork::Testnet),
        confirmations: 0,
        prefetch: 8,
    };
    let mut fresh = Indexer::new(Arc::new(client), SnapshotStore::default(), config);
    fresh.sync(&h.shutdown, |_| {}).await.expect("fresh sync");
    for height in 1..=u64::from(new_tip) {
        assert_eq!(
            fresh.store().view().consensus_hash(height),
            h.indexer.store().view().consensus_hash(height),
            "consensus hash of block {height}"
        );
    }
    let ours = h
        .indexer
        .store()
        .view()
        .name("foo.test")
        .map(|r| r.into_owned());
    let theirs = fresh
        .store()
        .view()
        .name("foo.test")
        .map(|r| r.into_owned());
    assert_eq!(ours, theirs);

    // The SQLite name database indexes the same chain to the same state.
    let dir = tempfile::tempdir().expect("tempdir");
    let db = NameDb::open(dir.path().join("names.db")).expect("open");
    let client =
        BitcoindClient::new(BitcoindConfig::new(h.url.clone(), RpcAuth::None)).expect("client");
    let config = IndexerConfig {
        rules: Rules::test(1, AddressNetwork::Testnet),
        confirmations: 0,
        prefetch: 8,
    };
    let mut on_disk = Indexer::new(Arc::new(client), db, config);
    on_disk
        .sync(&h.shutdown, |_| {})
        .await
        .expect("sync to disk");
    for height in 1..=u64::from(new_tip) {
        assert_eq!(
            on_disk.store().consensus_hash(height).expect("read"),
            fresh.store().view().consensus_hash(height),
            "consensus hash of block {height} on disk"
        );
    }
    let stored = Store::view(on_disk.store())
        .name("foo.test")
        .map(|r| r.into_owned());
    assert_eq!(stored, theirs);
}
