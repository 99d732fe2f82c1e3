//! The original v0.18 node (`shared/tools/reference-node`), started on the same regtest chain
//! with the same first block and epoch knobs, and queried over its XML-RPC port.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use blockstack_node::xmlrpc::Value;
use serde_json::Value as Json;

use crate::rpc_client::RpcClient;
use crate::tools::{free_port, reference_home, reference_script, run_kv, run_script};
use crate::Error;

/// Test-mode parameters both nodes run with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Knobs {
    /// The first block processed (`BLOCKSTACK_TEST_FIRST_BLOCK`).
    pub first_block: u64,
    /// Last block of epoch 1 (`BLOCKSTACK_EPOCH_1_END_BLOCK`).
    pub epoch1_end: u64,
    /// Last block of epoch 2 (`BLOCKSTACK_EPOCH_2_END_BLOCK`).
    pub epoch2_end: u64,
    /// Epoch-3 grace period (`BLOCKSTACK_EPOCH_3_NAMESPACE_LIFETIME_GRACE_PERIOD`).
    pub epoch3_grace: u64,
    /// Blocks a revealed namespace has to become ready (`BLOCKSTACK_NAMESPACE_REVEAL_EXPIRE`).
    pub reveal_expire: u64,
}

impl Knobs {
    /// The `BLOCKSTACK_*` variables the reference node reads.
    pub fn env(&self) -> Vec<(String, String)> {
        vec![
            (
                "BLOCKSTACK_TEST_FIRST_BLOCK".into(),
                self.first_block.to_string(),
            ),
            (
                "BLOCKSTACK_EPOCH_1_END_BLOCK".into(),
                self.epoch1_end.to_string(),
            ),
            (
                "BLOCKSTACK_EPOCH_2_END_BLOCK".into(),
                self.epoch2_end.to_string(),
            ),
            (
                "BLOCKSTACK_EPOCH_3_NAMESPACE_LIFETIME_GRACE_PERIOD".into(),
                self.epoch3_grace.to_string(),
            ),
            (
                "BLOCKSTACK_NAMESPACE_REVEAL_EXPIRE".into(),
                self.reveal_expire.to_string(),
            ),
        ]
    }
}

fn home_env() -> Vec<(String, String)> {
    vec![(
        "REFERENCE_NODE_HOME".to_owned(),
        reference_home().display().to_string(),
    )]
}

/// Installs the original node (idempotent; a fresh machine needs it). `Err` says why not.
pub fn install() -> Result<(), Error> {
    let home = reference_home();
    run_kv(
        &reference_script(),
        &["install", &home.display().to_string()],
        &home_env(),
    )
    .map(|_| ())
    .map_err(Error::Unavailable)
}

/// A running original node; stopped by `reference-node stop` when dropped.
pub struct ReferenceNode {
    workdir: PathBuf,
    rpc: RpcClient,
    /// The node's log file.
    pub log: PathBuf,
}

impl ReferenceNode {
    /// Starts the node in `workdir` against the bitcoind at `bitcoind_url` (with credentials),
    /// reading blocks over P2P from `p2p_port`.
    pub fn start(
        workdir: &Path,
        bitcoind_url: &str,
        p2p_port: u16,
        knobs: &Knobs,
    ) -> Result<Self, Error> {
        let mut env = home_env();
        env.extend(knobs.env());
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port()?.to_string();
            let first = knobs.first_block.to_string();
            let p2p = p2p_port.to_string();
            let wd = workdir.display().to_string();
            let args = [
                "start",
                wd.as_str(),
                bitcoind_url,
                p2p.as_str(),
                "--first-block",
                first.as_str(),
                "--rpc-port",
                port.as_str(),
                "--home",
                &reference_home().display().to_string(),
            ]
            .map(|s| s.to_owned());
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            match run_kv(&reference_script(), &refs, &env) {
                Ok(kv) => {
                    let url = kv.get("REFERENCE_RPC_URL").cloned().ok_or_else(|| {
                        Error::Reference("reference-node start printed no REFERENCE_RPC_URL".into())
                    })?;
                    let rpc = RpcClient::new(url).map_err(Error::Reference)?;
                    return Ok(Self {
                        workdir: workdir.to_path_buf(),
                        rpc,
                        log: workdir.join("blockstackd.out"),
                    });
                }
                Err(e) => {
                    let _ = run_script(&reference_script(), &["stop", wd.as_str()], &home_env());
                    let busy = e.contains("already in use");
                    last = e;
                    if !busy {
                        break;
                    }
                }
            }
        }
        Err(Error::Unavailable(format!(
            "reference-node start failed: {last}"
        )))
    }

    /// Calls an XML-RPC method and decodes the JSON document it answers with.
    ///
    /// An `{"error": …}` answer is returned as is (the comparator treats "no such name" as
    /// data).
    pub async fn call(&self, method: &str, params: Vec<Value>) -> Result<Json, Error> {
        self.rpc
            .call(method, params)
            .await
            .map_err(Error::Reference)
    }

    /// The node's XML-RPC client.
    pub fn rpc(&self) -> &RpcClient {
        &self.rpc
    }

    /// `getinfo.last_block_processed`.
    pub async fn last_block_processed(&self) -> Result<Option<u64>, Error> {
        let info = self.call("getinfo", vec![]).await?;
        Ok(info.get("last_block_processed").and_then(Json::as_u64))
    }

    /// Waits until the node has processed `height`.
    pub async fn wait_for(&self, height: u64, timeout: Duration) -> Result<(), Error> {
        let deadline = Instant::now() + timeout;
        let mut last = None;
        loop {
            match self.last_block_processed().await {
                Ok(Some(h)) if h >= height => return Ok(()),
                Ok(h) => last = h,
                Err(_) if Instant::now() < deadline => {}
                Err(e) => return Err(e),
            }
            if Instant::now() >= deadline {
                return Err(Error::Reference(format!(
                    "timed out waiting for block {height}: last_block_processed {last:?} (log {})",
                    self.log.display()
                )));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `get_consensus_at(height)`.
    pub async fn consensus_at(&self, height: u64) -> Result<Option<String>, Error> {
        let res = self.call("get_consensus_at", vec![int(height)?]).await?;
        Ok(res
            .get("consensus")
            .and_then(Json::as_str)
            .map(str::to_owned))
    }

    /// Every op of `get_nameops_at(height)`, and whether the list is known to be complete.
    ///
    /// The original pages this call 10 at a time, and its paging loses rows: the page query
    /// applies `LIMIT/OFFSET` to a `SELECT COUNT(*)` of the block's outstanding preorders, so
    /// from offset 1 on it counts 0 preorders and starts the history rows at the raw offset,
    /// while the first page stops its history rows at `10 − preorders`. Reading page (0, 10)
    /// and then pages (j, 1) for every j below `get_num_nameops_at` collects every row, except
    /// history row 0 when the block has 10 or more outstanding preorders (then the list is
    /// marked incomplete). Rows are deduplicated by (vtxindex, txid, opcode).
    pub async fn nameops_at(&self, height: u64) -> Result<(Vec<Json>, bool), Error> {
        let total = self
            .call("get_num_nameops_at", vec![int(height)?])
            .await?
            .get("count")
            .and_then(Json::as_u64)
            .unwrap_or(0);
        let mut out: Vec<Json> = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        let mut add = |page: Vec<Json>, out: &mut Vec<Json>| {
            for op in page {
                let key = (
                    op.get("vtxindex").and_then(Json::as_u64),
                    op.get("txid").and_then(Json::as_str).map(str::to_owned),
                    op.get("opcode").and_then(Json::as_str).map(str::to_owned),
                );
                if seen.insert(key) {
                    out.push(op);
                }
            }
        };
        add(self.nameops_page(height, 0, 10).await?, &mut out);
        if total > 10 {
            for j in 1..total {
                add(self.nameops_page(height, j, 1).await?, &mut out);
            }
        }
        let complete = out.len() as u64 >= total;
        Ok((out, complete))
    }

    async fn nameops_page(&self, height: u64, offset: u64, count: u64) -> Result<Vec<Json>, Error> {
        let res = self
            .call(
                "get_nameops_at",
                vec![int(height)?, int(offset)?, int(count)?],
            )
            .await?;
        if let Some(err) = res.get("error") {
            return Err(Error::Reference(format!("get_nameops_at {height}: {err}")));
        }
        Ok(res
            .get("nameops")
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default())
    }

    /// `get_name_blockchain_record(name)`: the record, or `None` for an error answer.
    pub async fn name_record(&self, name: &str) -> Result<Option<Json>, Error> {
        let res = self
            .call("get_name_blockchain_record", vec![Value::string(name)])
            .await?;
        Ok(res.get("record").filter(|r| !r.is_null()).cloned())
    }

    /// `get_namespace_blockchain_record(id)`: the record, or `None` for an error answer.
    pub async fn namespace_record(&self, id: &str) -> Result<Option<Json>, Error> {
        let res = self
            .call("get_namespace_blockchain_record", vec![Value::string(id)])
            .await?;
        Ok(res.get("record").filter(|r| !r.is_null()).cloned())
    }

    /// Stops the node.
    pub fn stop(&self) -> Result<(), Error> {
        let out = run_script(
            &reference_script(),
            &["stop", &self.workdir.display().to_string()],
            &home_env(),
        )?;
        if out.status.success() {
            Ok(())
        } else {
            Err(Error::Reference(format!(
                "reference-node stop failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )))
        }
    }
}

impl Drop for ReferenceNode {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            eprintln!("{e}");
        }
    }
}

fn int(v: u64) -> Result<Value, Error> {
    i64::try_from(v)
        .map(Value::Int)
        .map_err(|_| Error::Reference(format!("{v} does not fit an XML-RPC int")))
}
