//! Keys, signing and a JSON-RPC test server.

use std::net::SocketAddr;

use bitcoin::hashes::{sha256, Hash};
use bitcoin::script::{Builder, PushBytesBuf};
use bitcoin::secp256k1::{Message, Secp256k1, SecretKey};
use bitcoin::sighash::{EcdsaSighashType, SighashCache};
use bitcoin::transaction::Version;
use bitcoin::{
    absolute, Address, Amount, Network, OutPoint, PublicKey, ScriptBuf, Sequence, Transaction,
    TxIn, TxOut, Witness,
};
use blockstack_devchain::rpc::{serve, RpcAuth, RpcConfig};
use blockstack_devchain::DevChain;
use serde_json::{json, Value};
use tokio::sync::oneshot;

pub const COIN: u64 = 100_000_000;

pub struct Key {
    secret: SecretKey,
    pub public: PublicKey,
}

impl Key {
    pub fn new(seed: &str) -> Key {
        let secret = SecretKey::from_slice(sha256::Hash::hash(seed.as_bytes()).as_byte_array())
            .expect("valid key");
        let public = PublicKey::new(secret.public_key(&Secp256k1::new()));
        Key { secret, public }
    }

    pub fn p2pkh(&self) -> ScriptBuf {
        ScriptBuf::new_p2pkh(&self.public.pubkey_hash())
    }

    pub fn address(&self) -> String {
        Address::p2pkh(self.public, Network::Regtest).to_string()
    }
}

/// A transaction spending `from` (a P2PKH output of `key`) to `outputs`, signed.
pub fn spend(from: OutPoint, key: &Key, outputs: Vec<TxOut>) -> Transaction {
    let mut tx = Transaction {
        version: Version::ONE,
        lock_time: absolute::LockTime::ZERO,
        input: vec![TxIn {
            previous_output: from,
            script_sig: ScriptBuf::new(),
            sequence: Sequence::MAX,
            witness: Witness::new(),
        }],
        output: outputs,
    };
    let digest = SighashCache::new(&tx)
        .legacy_signature_hash(0, &key.p2pkh(), EcdsaSighashType::All.to_u32())
        .expect("input 0 exists");
    let sig =
        Secp256k1::new().sign_ecdsa(&Message::from_digest(digest.to_byte_array()), &key.secret);
    let mut sig = sig.serialize_der().to_vec();
    sig.push(0x01);
    tx.input[0].script_sig = Builder::new()
        .push_slice(PushBytesBuf::try_from(sig).expect("fits"))
        .push_key(&key.public)
        .into_script();
    tx
}

pub fn pay(sats: u64, script: ScriptBuf) -> TxOut {
    TxOut {
        value: Amount::from_sat(sats),
        script_pubkey: script,
    }
}

pub fn op_return(data: &[u8]) -> TxOut {
    TxOut {
        value: Amount::ZERO,
        script_pubkey: ScriptBuf::new_op_return(
            PushBytesBuf::try_from(data.to_vec()).expect("fits"),
        ),
    }
}

/// A JSON-RPC server on 127.0.0.1:0 and a client for it.
pub struct TestServer {
    pub addr: SocketAddr,
    client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

pub const USER: &str = "bns";
pub const PASSWORD: &str = "s3cret";

impl TestServer {
    pub async fn start(chain: DevChain) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = oneshot::channel();
        let config = RpcConfig {
            auth: Some(RpcAuth {
                user: USER.into(),
                password: PASSWORD.into(),
            }),
            ..RpcConfig::default()
        };
        let task = tokio::spawn(serve(chain.clone(), listener, config, async {
            let _ = rx.await;
        }));
        TestServer {
            addr,
            client: reqwest::Client::new(),
            shutdown: Some(tx),
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Posts `body` with the right credentials; returns status and JSON body.
    pub async fn post(&self, body: Value) -> (u16, Value) {
        let response = self
            .client
            .post(self.url())
            .basic_auth(USER, Some(PASSWORD))
            .json(&body)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("json body"))
    }

    /// Calls `method` and returns its result, failing the test on an error.
    pub async fn call(&self, method: &str, params: Value) -> Value {
        let (status, body) = self
            .post(json!({"jsonrpc": "1.0", "id": "t", "method": method, "params": params}))
            .await;
        assert_eq!(status, 200, "{method}: {body}");
        assert_eq!(body["error"], Value::Null, "{method}: {body}");
        assert_eq!(body["id"], "t");
        body["result"].clone()
    }

    /// Calls `method` expecting an error; returns HTTP status, code and message.
    pub async fn call_err(&self, method: &str, params: Value) -> (u16, i64, String) {
        let (status, body) = self
            .post(json!({"id": 1, "method": method, "params": params}))
            .await;
        assert_eq!(body["result"], Value::Null, "{method}: {body}");
        let code = body["error"]["code"].as_i64().expect("error code");
        let message = body["error"]["message"]
            .as_str()
            .expect("error message")
            .to_owned();
        (status, code, message)
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
