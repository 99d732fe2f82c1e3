//! A devnet node driven from a test: started detached on ephemeral ports, mined on demand, and
//! sent operations built and signed with the wallet crate.

use std::str::FromStr;
use std::time::{Duration, Instant};

use base64::Engine;
use bitcoin::hashes::Hash;
use bitcoin::{Address, Amount, FeeRate, NetworkKind, PubkeyHash, ScriptBuf};
use blockstack_consensus::hash::preorder_hash;
use blockstack_consensus::op::{
    name_preorder, name_registration, namespace_preorder, namespace_ready, namespace_reveal,
};
use blockstack_consensus::price::PriceFunction;
use blockstack_node::chain::{BitcoindClient, BitcoindConfig, ChainSource, RpcAuth};
use blockstack_wallet::{
    BuildRequest, ChainParams, Funds, KeyInfo, Operation, Signer, TransactionBuilder, Utxo,
    WalletFile, WalletKeys,
};
use serde_json::Value;

use super::{core, http, json, start_devnet, KillOnDrop};

/// Where the coinbases of blocks mined by tests go (nobody's key).
pub const MINER: &str = "mfWxJ45yp2SFn7UciZyNpvDKrzbhyfKrY8";

/// The devnet wallet's password.
pub const WALLET_PASSWORD: &str = "blockstack-devnet";

/// A way to read how far some node has indexed.
pub type Indexed<'a> = &'a dyn Fn() -> Option<u64>;

/// A running devnet node and a JSON-RPC client of its embedded chain.
pub struct Devnet {
    /// The node's working directory.
    pub dir: tempfile::TempDir,
    /// The embedded chain's JSON-RPC URL (no credentials in it).
    pub chain_url: String,
    /// The chain's RPC password (user `devnet`).
    pub secret: String,
    /// The REST API's base URL, ending in `/`.
    pub rest: String,
    /// The node RPC's base URL, ending in `/`.
    pub rpc: String,
    /// What `start` printed.
    pub started: Value,
    /// A client of the embedded chain.
    pub client: BitcoindClient,
}

impl Devnet {
    /// Starts a devnet node in a fresh directory; the guard kills it when the test ends.
    pub fn start() -> (Self, KillOnDrop) {
        let dir = tempfile::tempdir().expect("tempdir");
        let guard = KillOnDrop(dir.path().to_path_buf());
        let started = start_devnet(dir.path());
        let devnet = &started["devnet"];
        let text = |key: &str| devnet[key].as_str().expect(key).to_string();
        let chain_url = text("bitcoind_rpc_url");
        let secret = std::fs::read_to_string(dir.path().join("devnet-rpc.secret"))
            .expect("secret")
            .trim()
            .to_string();
        let client = BitcoindClient::new(BitcoindConfig::new(
            chain_url.clone(),
            RpcAuth::UserPass {
                user: "devnet".into(),
                password: secret.clone(),
            },
        ))
        .expect("client");
        let net = Devnet {
            rest: text("rest_api_url"),
            rpc: text("node_rpc_url"),
            chain_url,
            secret,
            dir,
            started,
            client,
        };
        (net, guard)
    }

    /// The last block the node has indexed, from `blockstack-core info`.
    pub fn indexed(&self) -> Option<u64> {
        json(&core(self.dir.path(), &["info"]))["last_block_processed"].as_u64()
    }

    /// The keys of the devnet's funded wallet.
    pub fn wallet(&self) -> WalletKeys {
        WalletFile::new(self.dir.path().join("wallet.json"))
            .load(WALLET_PASSWORD)
            .expect("the devnet wallet opens with the devnet password")
            .keys
    }

    /// Mines `n` blocks and waits for this node to index them.
    pub async fn mine(&self, n: u64) {
        let own = || self.indexed();
        self.mine_for(n, &[&own]).await;
    }

    /// Mines `n` blocks and waits for every node in `nodes` to index them.
    pub async fn mine_for(&self, n: u64, nodes: &[Indexed<'_>]) {
        let height = self.mine_to(n, MINER).await;
        let deadline = Instant::now() + Duration::from_secs(90);
        for indexed in nodes {
            while indexed().is_none_or(|h| h < height) {
                assert!(
                    Instant::now() < deadline,
                    "a node did not index block {height}"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }

    /// Mines `n` blocks whose coinbases pay `address`, without waiting for the node; returns
    /// the new chain height.
    pub async fn mine_to(&self, n: u64, address: &str) -> u64 {
        let _: Vec<String> = self
            .client
            .call("generatetoaddress", serde_json::json!([n, address]))
            .await
            .expect("mine");
        self.client.block_count().await.expect("count")
    }

    /// The consensus hash the REST API reports.
    pub fn consensus_hash(&self) -> [u8; 16] {
        let ch = http(
            &format!("{}v1/blockchains/bitcoin/consensus", self.rest),
            None,
        );
        hex::decode(ch["consensus_hash"].as_str().expect("hash"))
            .expect("hex")
            .try_into()
            .expect("16 bytes")
    }

    /// What `key` can spend.
    pub async fn funds(&self, key: &KeyInfo) -> Funds {
        let address = Address::from_str(&key.address(NetworkKind::Test).to_string())
            .expect("address")
            .assume_checked();
        let utxos: Vec<Utxo> = self
            .client
            .utxos(&address)
            .await
            .expect("utxos")
            .into_iter()
            .map(|u| Utxo {
                outpoint: u.outpoint,
                value: u.txout.value,
            })
            .collect();
        Funds {
            spender: key.spender(),
            utxos,
        }
    }

    /// Builds, signs and broadcasts one operation sent by `sender`, its fees paid by `payer`
    /// when given; nothing is mined.
    pub async fn broadcast(
        &self,
        sender: &KeyInfo,
        payer: Option<&KeyInfo>,
        operation: Operation,
        payload: Vec<u8>,
    ) {
        let params = ChainParams::bitcoin_testnet();
        let payer_funds = match payer {
            Some(p) => Some(self.funds(p).await),
            None => None,
        };
        let unsigned = TransactionBuilder::new(params)
            .build(&BuildRequest {
                operation,
                payload,
                sender: self.funds(sender).await,
                payer: payer_funds,
                fee_rate: FeeRate::from_sat_per_vb_u32(2),
            })
            .expect("build");
        let keys: Vec<&KeyInfo> = std::iter::once(sender).chain(payer).collect();
        let tx = Signer::new(params.sighash)
            .sign(&unsigned, &keys)
            .expect("sign")
            .into_transaction();
        self.client
            .broadcast(&tx)
            .await
            .expect("accepted by the devnet");
    }

    /// Sends one operation paid by its sender and mines it.
    pub async fn send(&self, sender: &KeyInfo, operation: Operation, payload: Vec<u8>) {
        self.send_paid(sender, None, operation, payload).await;
    }

    /// Sends one operation, fees paid by `payer` when given, and mines it.
    pub async fn send_paid(
        &self,
        sender: &KeyInfo,
        payer: Option<&KeyInfo>,
        operation: Operation,
        payload: Vec<u8>,
    ) {
        self.broadcast(sender, payer, operation, payload).await;
        self.mine(1).await;
    }

    /// Launches the namespace `test`: preordered and revealed by the payment key to the owner
    /// key, which gets `owner_coinbases` matured coinbases to pay for READY and later
    /// operations, and readies it.
    pub async fn launch_test_namespace(&self, keys: &WalletKeys, owner_coinbases: u64) {
        let (payment, owner) = (&keys.payment, &keys.owner);
        let owner_address = owner.address(NetworkKind::Test).to_string();
        let hash = preorder_hash(
            "test",
            &payment.script_pubkey().to_hex_string(),
            &owner_address,
        )
        .expect("b40");
        let preorder = namespace_preorder::Payload {
            preorder_hash: hex::decode(&hash).expect("hex").try_into().expect("20"),
            consensus_hash: self.consensus_hash(),
        };
        self.send(
            payment,
            Operation::NamespacePreorder {
                burn_script: burn(),
                fee: Amount::from_sat(40_000_000),
            },
            preorder.encode(),
        )
        .await;
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
        self.send(
            payment,
            Operation::NamespaceReveal {
                revealer_script: owner.script_pubkey(),
            },
            reveal.encode(),
        )
        .await;
        self.mine_to(owner_coinbases, &owner_address).await;
        self.mine(100).await;
        self.send(
            owner,
            Operation::NamespaceReady,
            namespace_ready::Payload {
                namespace_id: "test".into(),
            }
            .encode(),
        )
        .await;
    }

    /// Preorders and registers `name` (in `test`) to the owner key, paid by the payment key,
    /// committing to `value_hash` (the epoch-3 registration form) when given.
    pub async fn register(&self, keys: &WalletKeys, name: &str, value_hash: Option<&str>) {
        let (payment, owner) = (&keys.payment, &keys.owner);
        let hash = preorder_hash(
            name,
            &payment.script_pubkey().to_hex_string(),
            &owner.address(NetworkKind::Test).to_string(),
        )
        .expect("b40");
        let preorder = name_preorder::Payload {
            preorder_hash: hex::decode(&hash).expect("hex").try_into().expect("20"),
            consensus_hash: self.consensus_hash(),
        };
        self.send(
            payment,
            Operation::NamePreorder {
                burn_script: burn(),
                fee: Amount::from_sat(640_000),
            },
            preorder.encode(),
        )
        .await;
        let register = name_registration::Payload {
            name: name.into(),
            value_hash: value_hash
                .map(|h| hex::decode(h).expect("hex").try_into().expect("20 bytes")),
        };
        self.send(
            payment,
            Operation::NameRegistration {
                owner_script: owner.script_pubkey(),
            },
            register.encode(),
        )
        .await;
    }

    /// Pushes a zone file through the node RPC, as a client or an Atlas peer would.
    pub fn push_zonefile(&self, zonefile: &[u8]) {
        let b64 = base64::engine::general_purpose::STANDARD.encode(zonefile);
        let call = format!(
            "<?xml version='1.0'?><methodCall><methodName>put_zonefiles</methodName><params><param><value><array><data><value><string>{b64}</string></value></data></array></value></param></params></methodCall>"
        );
        let out = std::process::Command::new("curl")
            .args(["-s", "-d", &call, &format!("{}RPC2", self.rpc)])
            .output()
            .expect("curl");
        let reply = String::from_utf8_lossy(&out.stdout);
        assert!(reply.contains("\"saved\": [1]"), "{reply}");
    }
}

/// A burn output nobody can spend.
pub fn burn() -> ScriptBuf {
    ScriptBuf::new_p2pkh(&PubkeyHash::from_byte_array([0; 20]))
}
