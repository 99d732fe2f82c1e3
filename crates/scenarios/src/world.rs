//! A world: one node and its chain, shared by every scenario of one rule profile.
//!
//! Setting up mines the bank's coinbases and lets them mature; from then on the bank pays
//! every wallet a scenario asks for, in fan-out transactions sent just before a block. Blocks
//! are mined only by the [`clock`](crate::clock), when every running scenario is waiting for
//! one, so the operations all scenarios sent between two blocks land in the same block and
//! every scenario sees the same heights. Names and namespaces of different scenarios never
//! meet: each scenario makes its own namespaces, with IDs unique in the world.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use bitcoin::{Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid, Witness};
use blockstack_client::node::NodeClient;
use blockstack_consensus::Rules;
use blockstack_namedb::ReadOnlyNameDb;
use blockstack_wallet::{ChainParams, Keyring, Signer, Utxo};

use crate::chain::{Chain, BURN_ADDRESS};
use crate::error::WorldError;
use crate::node::{EmbeddedNode, Endpoints, NodeKind};
use crate::profile::Profile;
use crate::utxos::UtxoBook;
use crate::wallets::{single, Spec, Wallet};

/// Coinbases mined to the bank before the scenarios start (50 coins each).
pub const BANK_COINBASES: u64 = 20;
/// Blocks a coinbase needs before it can be spent.
pub const COINBASE_MATURITY: u64 = 100;
/// The fee rate of every transaction the world sends.
pub const FEE_RATE_SAT_VB: u64 = 2;
/// How long to wait for the node to index a block.
const INDEX_TIMEOUT: Duration = Duration::from_secs(120);
/// Outputs per funding transaction.
const FUNDING_CHUNK: usize = 200;

/// Which chain a world runs on.
#[derive(Clone, Debug)]
pub enum Backend {
    /// The devnet's embedded chain.
    Devnet,
    /// A real regtest bitcoind at this URL (`http://USER:PASS@HOST:PORT/`), signed with the
    /// FORKID digest it requires.
    Regtest {
        /// The JSON-RPC URL with credentials.
        url: String,
    },
}

impl Backend {
    /// Its name in reports.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Devnet => "devnet",
            Backend::Regtest { .. } => "regtest",
        }
    }
}

/// What one block held, as far as the scenarios care.
#[derive(Debug, Default)]
pub struct BlockFacts {
    /// Every transaction in the block.
    pub txids: HashSet<Txid>,
    /// The txids of the operations the node accepted in it (`get_nameops_at`).
    pub accepted: HashSet<String>,
}

/// How to talk to the node and its chain; replaced when the node restarts.
pub(crate) struct Conn {
    pub(crate) endpoints: Endpoints,
    pub(crate) chain: Chain,
    pub(crate) node: NodeClient,
}

struct PendingPayment {
    script: ScriptBuf,
    coins: Vec<Amount>,
}

/// A node, its chain and the bank, shared by the scenarios of one profile.
pub struct World {
    profile: Profile,
    backend: Backend,
    rules: Rules,
    params: ChainParams,
    start_height: u64,
    node: tokio::sync::Mutex<EmbeddedNode>,
    conn: RwLock<Arc<Conn>>,
    http: reqwest::Client,
    book: Mutex<UtxoBook>,
    bank: Wallet,
    payments: Mutex<Vec<PendingPayment>>,
    tip: AtomicU64,
    facts: Mutex<HashMap<u64, Arc<BlockFacts>>>,
    consensus: Mutex<HashMap<u64, String>>,
    ids: AtomicU64,
    _dir: tempfile::TempDir,
}

fn world_error(what: &str, e: impl std::fmt::Display) -> WorldError {
    WorldError::Node(format!("{what}: {e}"))
}

impl World {
    /// Starts a node under `profile` on `backend`, funds the bank and waits until the node has
    /// indexed everything.
    pub async fn start(backend: Backend, profile: Profile) -> Result<Arc<World>, WorldError> {
        if std::env::var_os("BNS_SCENARIOS_LOG").is_some() {
            // Logs of every node of the process, at RUST_LOG's level, on stderr.
            let _ = blockstack_cli::daemon::logging::init(Path::new("."), false, false);
        }
        let dir = tempfile::Builder::new()
            .prefix(&format!("bns-scenarios-{}-", profile.name()))
            .tempdir()
            .map_err(|e| world_error("temp dir", e))?;
        // Both chains start empty: the devnet funds (and mines a block for) only a wallet it
        // creates itself, and the world brings its own.
        let initial = 0;
        let (params, kind) = match &backend {
            Backend::Devnet => (ChainParams::bitcoin_testnet(), NodeKind::Devnet),
            Backend::Regtest { url } => (
                ChainParams::sv_regtest_test_node(),
                NodeKind::Follower {
                    chain_url: url.clone(),
                    atlas_seeds: Vec::new(),
                },
            ),
        };
        let start_height = initial + BANK_COINBASES + COINBASE_MATURITY;
        let rules = profile.rules(start_height);
        let node = EmbeddedNode::start(&dir.path().join("node"), kind, rules.clone()).await?;
        let conn = Arc::new(Conn::open(node.endpoints())?);
        let bank = Wallet::derive("bank", &single("bank"));
        let world = Arc::new(World {
            profile,
            backend,
            rules,
            params,
            start_height,
            node: tokio::sync::Mutex::new(node),
            conn: RwLock::new(conn),
            http: reqwest::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(60))
                .build()
                .map_err(|e| world_error("http client", e))?,
            book: Mutex::new(UtxoBook::default()),
            bank,
            payments: Mutex::new(Vec::new()),
            tip: AtomicU64::new(0),
            facts: Mutex::new(HashMap::new()),
            consensus: Mutex::new(HashMap::new()),
            ids: AtomicU64::new(0),
            _dir: dir,
        });
        world.fund_bank(initial).await?;
        Ok(world)
    }

    async fn fund_bank(&self, initial: u64) -> Result<(), WorldError> {
        let conn = self.conn();
        let height = conn.chain.height().await?;
        if height != initial {
            return Err(WorldError::Chain(format!(
                "the chain is at block {height} before setup, expected {initial}"
            )));
        }
        self.watch(&self.bank);
        let hashes = conn.chain.mine(BANK_COINBASES, self.bank.address()).await?;
        for hash in hashes {
            let block = conn.chain.block(hash).await?;
            let coinbase = block
                .txdata
                .first()
                .ok_or_else(|| WorldError::Chain("a block without a coinbase".into()))?;
            let txid = coinbase.compute_txid();
            for (vout, out) in coinbase.output.iter().enumerate() {
                if &out.script_pubkey == self.bank.script() {
                    self.book().add(
                        self.bank.script(),
                        Utxo {
                            outpoint: OutPoint {
                                txid,
                                vout: u32::try_from(vout).unwrap_or(u32::MAX),
                            },
                            value: out.value,
                        },
                    );
                }
            }
        }
        conn.chain.mine(COINBASE_MATURITY, BURN_ADDRESS).await?;
        self.wait_indexed(self.start_height).await?;
        Ok(())
    }

    /// The rule profile.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The backend.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// The consensus rules the node runs under.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// The chain parameters transactions are built for.
    pub fn params(&self) -> &ChainParams {
        &self.params
    }

    /// The last block of setup; scenarios start with the next.
    pub fn start_height(&self) -> u64 {
        self.start_height
    }

    /// The last block the node has indexed.
    pub fn height(&self) -> u64 {
        self.tip.load(Ordering::SeqCst)
    }

    pub(crate) fn conn(&self) -> Arc<Conn> {
        match self.conn.read() {
            Ok(c) => Arc::clone(&c),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// The node RPC client.
    pub fn node(&self) -> NodeClient {
        self.conn().node.clone()
    }

    /// The REST API's base URL.
    pub fn rest_url(&self) -> String {
        self.conn().endpoints.rest.clone()
    }

    /// An HTTP client for the REST API.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The node's working directory.
    pub async fn node_dir(&self) -> PathBuf {
        self.node.lock().await.dir().to_path_buf()
    }

    pub(crate) fn book(&self) -> std::sync::MutexGuard<'_, UtxoBook> {
        match self.book.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn watch(&self, wallet: &Wallet) {
        self.book().watch(wallet.script());
    }

    /// A namespace ID unique in this world: `label` followed by a counter, padded with `0`
    /// after the label to at least `min_len` characters.
    pub fn namespace_id(&self, label: &str, min_len: usize) -> String {
        let n = self.ids.fetch_add(1, Ordering::SeqCst);
        let mut id = format!("{label}{n}");
        while id.len() < min_len {
            id.insert(label.len(), '0');
        }
        id
    }

    /// A namespace ID of exactly `len` characters (1 to 19) unique in this world.
    pub fn namespace_id_of_len(&self, len: usize) -> String {
        letters_id(self.ids.fetch_add(1, Ordering::SeqCst), len)
    }

    /// Wallets for `specs` (keys from `scope` and each label), paid by the bank in the next
    /// block.
    pub fn request_wallets(&self, scope: &str, specs: &[Spec]) -> Vec<Wallet> {
        let wallets: Vec<Wallet> = specs
            .iter()
            .map(|spec| Wallet::derive(&format!("{scope}/{}", spec.label), spec))
            .collect();
        for (wallet, spec) in wallets.iter().zip(specs) {
            self.watch(wallet);
            self.pay(wallet.script(), spec.coins.clone());
        }
        wallets
    }

    /// Queues a payment of one output per amount to `script`, sent before the next block.
    pub fn pay(&self, script: &ScriptBuf, coins: Vec<Amount>) {
        let mut payments = match self.payments.lock() {
            Ok(p) => p,
            Err(poisoned) => poisoned.into_inner(),
        };
        payments.push(PendingPayment {
            script: script.clone(),
            coins,
        });
    }

    /// Sends the queued payments; called before each block.
    pub(crate) async fn settle_payments(&self) -> Result<(), WorldError> {
        let pending: Vec<PendingPayment> = {
            let mut payments = match self.payments.lock() {
                Ok(p) => p,
                Err(poisoned) => poisoned.into_inner(),
            };
            std::mem::take(&mut *payments)
        };
        let outputs: Vec<TxOut> = pending
            .iter()
            .flat_map(|p| {
                p.coins.iter().map(|value| TxOut {
                    value: *value,
                    script_pubkey: p.script.clone(),
                })
            })
            .collect();
        for chunk in outputs.chunks(FUNDING_CHUNK) {
            let tx = self.fan_out(chunk.to_vec())?;
            self.conn()
                .chain
                .broadcast(&tx)
                .await
                .map_err(|e| WorldError::Funding(format!("the chain refused a payment: {e}")))?;
            self.book().track(&tx);
        }
        Ok(())
    }

    /// A transaction from the bank paying `outputs`, with the change back to the bank.
    fn fan_out(&self, mut outputs: Vec<TxOut>) -> Result<Transaction, WorldError> {
        let total: Amount = outputs.iter().map(|o| o.value).sum();
        let mut inputs: Vec<Utxo> = Vec::new();
        let mut gathered = Amount::ZERO;
        let fee = |ins: usize, outs: usize| {
            Amount::from_sat((10 + 148 * ins as u64 + 34 * (outs as u64 + 1)) * FEE_RATE_SAT_VB)
        };
        for utxo in self.book().utxos(self.bank.script()) {
            if gathered >= total + fee(inputs.len(), outputs.len()) {
                break;
            }
            gathered += utxo.value;
            inputs.push(utxo);
        }
        let fee = fee(inputs.len(), outputs.len());
        let change = gathered
            .checked_sub(total + fee)
            .ok_or_else(|| WorldError::Funding(format!("the bank cannot pay {total}")))?;
        if change > Amount::from_sat(10_000) {
            outputs.push(TxOut {
                value: change,
                script_pubkey: self.bank.script().clone(),
            });
        }
        let prevouts: Vec<TxOut> = inputs
            .iter()
            .map(|u| TxOut {
                value: u.value,
                script_pubkey: self.bank.script().clone(),
            })
            .collect();
        let tx = Transaction {
            version: bitcoin::transaction::Version::ONE,
            lock_time: bitcoin::absolute::LockTime::ZERO,
            input: inputs
                .iter()
                .map(|u| TxIn {
                    previous_output: u.outpoint,
                    script_sig: ScriptBuf::new(),
                    sequence: Sequence::MAX,
                    witness: Witness::new(),
                })
                .collect(),
            output: outputs,
        };
        let signer = Signer::new(self.params.sighash);
        let keyring = Keyring::new(signer.secp(), &[self.bank.key()]);
        signer
            .sign_transaction(&tx, &prevouts, &keyring)
            .map(|s| s.into_transaction())
            .map_err(|e| WorldError::Funding(format!("signing a payment: {e}")))
    }

    /// Mines `n` blocks and waits until the node has indexed them; returns the new height.
    pub(crate) async fn mine(&self, n: u64) -> Result<u64, WorldError> {
        let conn = self.conn();
        conn.chain.mine(n, BURN_ADDRESS).await?;
        let height = conn.chain.height().await?;
        self.wait_indexed(height).await?;
        Ok(height)
    }

    /// Waits until the node has indexed block `height`.
    pub async fn wait_indexed(&self, height: u64) -> Result<(), WorldError> {
        let node = self.node();
        let deadline = Instant::now() + INDEX_TIMEOUT;
        loop {
            if let Ok(info) = node.getinfo().await {
                if info.last_block_processed >= height {
                    self.tip.store(info.last_block_processed, Ordering::SeqCst);
                    return Ok(());
                }
            }
            if Instant::now() > deadline {
                return Err(WorldError::Node(format!(
                    "block {height} was not indexed within {} s",
                    INDEX_TIMEOUT.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// The consensus hash of block `height`.
    pub async fn consensus_at(&self, height: u64) -> Result<String, WorldError> {
        if let Some(hash) = lock(&self.consensus).get(&height) {
            return Ok(hash.clone());
        }
        let hash = self
            .node()
            .consensus_at(height)
            .await
            .map_err(|e| world_error("get_consensus_at", e))?
            .ok_or_else(|| WorldError::Node(format!("block {height} has no consensus hash")))?;
        lock(&self.consensus).insert(height, hash.clone());
        Ok(hash)
    }

    /// What block `height` holds: its transactions and the operations the node accepted.
    pub async fn block_facts(&self, height: u64) -> Result<Arc<BlockFacts>, WorldError> {
        if let Some(facts) = lock(&self.facts).get(&height) {
            return Ok(Arc::clone(facts));
        }
        let conn = self.conn();
        let block = conn.chain.block_at(height).await?;
        let ops = conn
            .node
            .nameops_at(height)
            .await
            .map_err(|e| world_error("get_nameops_at", e))?;
        let facts = Arc::new(BlockFacts {
            txids: block.txdata.iter().map(Transaction::compute_txid).collect(),
            accepted: ops
                .iter()
                .filter_map(|op| op["txid"].as_str().map(str::to_owned))
                .collect(),
        });
        lock(&self.facts).insert(height, Arc::clone(&facts));
        Ok(facts)
    }

    /// Broadcasts a signed transaction and records its coins.
    pub(crate) async fn broadcast(&self, tx: &Transaction) -> Result<Txid, String> {
        let txid = self.conn().chain.broadcast(tx).await?;
        self.book().track(tx);
        Ok(txid)
    }

    /// The consensus hash of every block from 1 to the tip, read from a node's database.
    pub fn consensus_hashes(dir: &Path, rules: &Rules) -> Result<Vec<Option<String>>, WorldError> {
        let db = ReadOnlyNameDb::open(dir.join(blockstack_cli::daemon::DB_FILE))
            .map_err(|e| world_error("opening the name database", e))?;
        let snapshot = db
            .snapshot(rules)
            .map_err(|e| world_error("reading the name database", e))?;
        let last = snapshot.last_block().unwrap_or(0);
        (1..=last)
            .map(|h| {
                snapshot
                    .consensus_hash_at(h)
                    .map_err(|e| world_error("reading a consensus hash", e))
            })
            .collect()
    }

    /// Stops the node and starts it again in the same directory (the devnet reopens its chain
    /// from its block file).
    pub async fn restart(&self) -> Result<(), WorldError> {
        let mut node = self.node.lock().await;
        node.restart().await?;
        let conn = Arc::new(Conn::open(node.endpoints())?);
        drop(node);
        match self.conn.write() {
            Ok(mut c) => *c = conn,
            Err(poisoned) => *poisoned.into_inner() = conn,
        }
        let height = self.conn().chain.height().await?;
        self.wait_indexed(height).await
    }

    /// Starts a second node in `dir` following this world's chain under the same rules, with
    /// this world's node as its Atlas seed.
    pub async fn start_follower(&self, dir: &Path) -> Result<EmbeddedNode, WorldError> {
        let conn = self.conn();
        let seed = conn
            .endpoints
            .node_rpc
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        EmbeddedNode::start(
            dir,
            NodeKind::Follower {
                chain_url: conn.endpoints.chain_url.clone(),
                atlas_seeds: vec![seed],
            },
            self.rules.clone(),
        )
        .await
    }

    /// Stops the node.
    pub async fn shutdown(&self) -> Result<(), WorldError> {
        self.node.lock().await.stop().await
    }
}

impl Conn {
    fn open(endpoints: &Endpoints) -> Result<Self, WorldError> {
        Ok(Conn {
            endpoints: endpoints.clone(),
            chain: Chain::new(endpoints.chain.clone())?,
            node: endpoints.node_client()?,
        })
    }
}

/// `n` written in base 26 with the letters `a`–`z`, in exactly `len` characters: IDs of one
/// length differ for counters below 26^len, and never equal an ID with a digit in it.
fn letters_id(mut n: u64, len: usize) -> String {
    let mut id = vec![b'a'; len];
    for slot in id.iter_mut().rev() {
        *slot = b'a' + u8::try_from(n % 26).unwrap_or(0);
        n /= 26;
    }
    String::from_utf8(id).unwrap_or_else(|_| "a".repeat(len))
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use blockstack_consensus::name::is_namespace_valid;

    use super::*;

    #[test]
    fn letter_ids_are_valid_distinct_and_of_the_asked_length() {
        for len in [1, 2, 3, 8, 19] {
            let ids: HashSet<String> = (0..26u64).map(|n| letters_id(n + 100, len)).collect();
            assert_eq!(ids.len(), 26, "length {len}");
            assert!(ids.iter().all(|id| id.len() == len
                && is_namespace_valid(id)
                && !id.contains(char::is_numeric)));
        }
    }
}
