//! A throw-away regtest bitcoind (Bitcoin SV, from `shared/tools/bitcoind-regtest`) that
//! listens for P2P on 127.0.0.1, because the original node reads blocks over P2P.

use std::path::Path;
use std::time::Duration;

use bitcoin::{Address, Block, BlockHash, Transaction, Txid};
use blockstack_node::chain::{BitcoindClient, BitcoindConfig, ChainSource, RetryPolicy, RpcAuth};
use serde_json::json;

use crate::tools::{
    bitcoind_home, bitcoind_script, free_port, run_kv, run_kv_within, run_script, script_timeout,
    START_TIMEOUT,
};
use crate::Error;

/// A running regtest node; stopped (cleanly, by `bitcoind-regtest stop`) when dropped.
pub struct Bitcoind {
    /// RPC port on 127.0.0.1.
    pub rpc_port: u16,
    /// P2P port on 127.0.0.1.
    pub p2p_port: u16,
    /// RPC user.
    pub user: String,
    /// RPC password.
    pub password: String,
    client: BitcoindClient,
    datadir: std::path::PathBuf,
}

fn env() -> Vec<(String, String)> {
    vec![(
        "BITCOIND_HOME".to_owned(),
        bitcoind_home().display().to_string(),
    )]
}

impl Bitcoind {
    /// Installs (idempotent) and starts a node in `datadir` on free ports.
    pub fn start(datadir: &Path) -> Result<Self, Error> {
        let home = bitcoind_home();
        run_kv(
            &bitcoind_script(),
            &["install", &home.display().to_string()],
            &env(),
        )
        .map_err(Error::Unavailable)?;
        let dir = datadir.display().to_string();
        let mut last = String::new();
        for _ in 0..5 {
            let rpc_port = free_port()?;
            let p2p_port = free_port()?;
            if rpc_port == p2p_port {
                continue;
            }
            let (rpc, p2p) = (rpc_port.to_string(), format!("-port={p2p_port}"));
            let args = [
                "start",
                dir.as_str(),
                rpc.as_str(),
                "--",
                "-listen=1",
                p2p.as_str(),
                "-bind=127.0.0.1",
            ];
            match run_kv_within(
                &bitcoind_script(),
                &args,
                &env(),
                START_TIMEOUT.min(script_timeout()),
            ) {
                Ok(kv) => {
                    let field = |k: &str| {
                        kv.get(k).cloned().ok_or_else(|| {
                            Error::Unavailable(format!("bitcoind-regtest start printed no {k}"))
                        })
                    };
                    let user = field("BITCOIND_RPC_USER")?;
                    let password = field("BITCOIND_RPC_PASSWORD")?;
                    let mut config = BitcoindConfig::new(
                        format!("http://127.0.0.1:{rpc_port}/"),
                        RpcAuth::UserPass {
                            user: user.clone(),
                            password: password.clone(),
                        },
                    );
                    config.timeout = Duration::from_secs(60);
                    config.retry = RetryPolicy {
                        initial_delay: Duration::from_millis(50),
                        max_delay: Duration::from_millis(500),
                        max_elapsed: Duration::from_secs(30),
                    };
                    let client = BitcoindClient::new(config)
                        .map_err(|e| Error::Chain(format!("client: {e}")))?;
                    return Ok(Self {
                        rpc_port,
                        p2p_port,
                        user,
                        password,
                        client,
                        datadir: datadir.to_path_buf(),
                    });
                }
                Err(e) => {
                    // A start that failed half way may have left a node behind.
                    let _ = run_script(&bitcoind_script(), &["stop", dir.as_str()], &env());
                    last = e;
                }
            }
        }
        Err(Error::Unavailable(format!(
            "bitcoind-regtest start failed: {last}"
        )))
    }

    /// `http://USER:PASS@127.0.0.1:PORT/`, the form the reference node takes.
    pub fn url_with_credentials(&self) -> String {
        format!(
            "http://{}:{}@127.0.0.1:{}/",
            self.user, self.password, self.rpc_port
        )
    }

    /// A fresh client for this node (one per indexer).
    pub fn config(&self) -> BitcoindConfig {
        let mut config = BitcoindConfig::new(
            format!("http://127.0.0.1:{}/", self.rpc_port),
            RpcAuth::UserPass {
                user: self.user.clone(),
                password: self.password.clone(),
            },
        );
        config.timeout = Duration::from_secs(60);
        config
    }

    /// The RPC client.
    pub fn client(&self) -> &BitcoindClient {
        &self.client
    }

    /// Mines `n` blocks paying `address`; returns their hashes.
    pub async fn mine(&self, n: u32, address: &Address) -> Result<Vec<BlockHash>, Error> {
        let hashes: Vec<String> = self
            .client
            .call("generatetoaddress", json!([n, address.to_string()]))
            .await
            .map_err(|e| Error::Chain(format!("generatetoaddress: {e}")))?;
        hashes
            .iter()
            .map(|h| {
                h.parse()
                    .map_err(|e| Error::Chain(format!("bad block hash {h}: {e}")))
            })
            .collect()
    }

    /// The block with this hash.
    pub async fn block(&self, hash: BlockHash) -> Result<Block, Error> {
        self.client
            .block(hash)
            .await
            .map_err(|e| Error::Chain(format!("getblock {hash}: {e}")))
    }

    /// The chain height.
    pub async fn height(&self) -> Result<u64, Error> {
        self.client
            .block_count()
            .await
            .map_err(|e| Error::Chain(format!("getblockcount: {e}")))
    }

    /// Sends a signed transaction.
    pub async fn send(&self, tx: &Transaction) -> Result<Txid, Error> {
        let hex = bitcoin::consensus::encode::serialize_hex(tx);
        let txid: String = self
            .client
            .call("sendrawtransaction", json!([hex]))
            .await
            .map_err(|e| Error::Chain(format!("sendrawtransaction {}: {e}", tx.compute_txid())))?;
        txid.parse()
            .map_err(|e| Error::Chain(format!("bad txid {txid}: {e}")))
    }

    /// Stops the node (blocks are kept).
    pub fn stop(&self) -> Result<(), Error> {
        let out = run_script(
            &bitcoind_script(),
            &["stop", &self.datadir.display().to_string()],
            &env(),
        )?;
        if out.status.success() {
            Ok(())
        } else {
            Err(Error::Chain(format!(
                "bitcoind-regtest stop failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )))
        }
    }
}

impl Drop for Bitcoind {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            eprintln!("{e}");
        }
    }
}
