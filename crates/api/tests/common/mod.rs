//! Shared test support: the spec §12.8 chain replayed into a name database on disk, the query
//! service over it, and both servers on ephemeral ports.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use blockstack_api::{
    DirZonefiles, NodeStatus, QueryService, RpcDispatcher, RpcExtension, ServiceConfig,
    SharedNodeInfo,
};
use blockstack_consensus::address::script_type;
use blockstack_consensus::fixtures::parse_chain;
use blockstack_consensus::hash::name_consensus_hash;
use blockstack_consensus::op::{OpKind, ParsedOp, Sender};
use blockstack_consensus::{parse_transaction, AddressNetwork, Rules};
use blockstack_namedb::NameDb;
use tokio::sync::oneshot;

fn crate_dir() -> PathBuf {
    std::fs::canonicalize(env!("CARGO_MANIFEST_DIR")).expect("crate dir")
}

/// The rules the §12.8 chain runs under (every block in epoch 3).
pub fn rules() -> Rules {
    let mut rules = Rules::test(110, AddressNetwork::Testnet);
    rules.epochs[0].end_block = 104;
    rules.epochs[1].end_block = 105;
    rules
}

/// The last block of the §12.8 chain.
pub const CHAIN_LAST: u64 = 5162;

/// The block the fixture adds after the chain: zone file updates of `gift.test` (a standard
/// zone file) and `carol-00.test` (a non-standard one).
pub const LAST_BLOCK: u64 = CHAIN_LAST + 1;

/// `gift.test`'s zone file after [`LAST_BLOCK`].
pub const GIFT_ZONEFILE: &str = "$ORIGIN gift.test\n$TTL 3600\n\
pubkey TXT \"pubkey:data:0298f5d4bd8dc1d1bd3e8e2c1cdf04d7ff6c8e4b0c0b1c5bf0b7ac11f16b2b7c5a\"\n\
_https._tcp URI 10 1 \"https://gaia.example.org/hub/gift/profile.json\"\n";

/// `carol-00.test`'s zone file after [`LAST_BLOCK`]: not a zone file at all.
pub const CAROL_ZONEFILE: &str = "this is not a zone file\n";

/// Replays the §12.8 chain into a new database at `path`, then [`LAST_BLOCK`].
pub fn build_db(path: &Path) {
    let last = CHAIN_LAST;
    let rules = rules();
    let data = crate_dir().join("../../../shared/data/spec-chain-12.8-txs.tsv");
    let text = std::fs::read_to_string(&data).expect("chain transactions");
    let blocks = parse_chain(&text).expect("spec chain data");
    let mut db = NameDb::open(path).expect("open");
    for height in rules.first_block..=last {
        let ops: Vec<ParsedOp> = blocks
            .get(&height)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|c| {
                parse_transaction(&c.tx, c.vtxindex, Some(&c.prevout), &rules, height).ok()
            })
            .collect();
        let outcome = db.process_block(&rules, height, ops).expect("process");
        db.commit_block(&outcome, &format!("{height:064x}"))
            .expect("commit");
    }
    let ops = {
        let snap = db.snapshot(&rules).expect("snapshot");
        let consensus = snap
            .consensus_hash_at(CHAIN_LAST)
            .expect("read")
            .expect("consensus hash");
        let update = |name: &str, zonefile: &str, vtxindex: u32| {
            let owner = snap.name_row(name).expect("read").expect("name");
            let script = hex::decode(&owner.sender).expect("hex");
            ParsedOp {
                txid: format!("{:064x}", 0xabc0 + u64::from(vtxindex)),
                vtxindex,
                sender: Sender {
                    script: owner.sender.clone(),
                    address: owner.address.clone(),
                    script_type: script_type(&script),
                },
                sender_pubkey: None,
                kind: OpKind::NameUpdate {
                    name_consensus_hash: name_consensus_hash(name, &consensus),
                    value_hash: blockstack_zonefile::zonefile_hash(zonefile.as_bytes()),
                },
            }
        };
        vec![
            update("gift.test", GIFT_ZONEFILE, 1),
            update("carol-00.test", CAROL_ZONEFILE, 2),
        ]
    };
    let outcome = db.process_block(&rules, LAST_BLOCK, ops).expect("process");
    assert_eq!(outcome.accepted.len(), 2, "both updates accepted");
    db.commit_block(&outcome, &format!("{LAST_BLOCK:064x}"))
        .expect("commit");
}

/// The replayed database, built once per test binary build and reused by its tests (each test
/// runs in its own process under nextest). The key is the test binary's size and mtime, so a
/// rebuild after any change replays again.
pub fn cached_db() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary");
    let meta = std::fs::metadata(&exe).expect("test binary metadata");
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let name = exe.file_name().and_then(|n| n.to_str()).unwrap_or("api");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("chain-12.8-{name}-{}-{mtime}.db", meta.len()));
    if !path.exists() {
        // Unique per process and thread: `cargo test` runs a binary's tests as threads.
        let tmp = dir.join(format!(
            "chain-12.8-{}-{:?}-{}.db.partial",
            std::process::id(),
            std::thread::current().id(),
            mtime
        ));
        build_db(&tmp);
        // Another process may have won the race; either file is complete.
        let _ = std::fs::rename(&tmp, &path);
        let _ = std::fs::remove_file(&tmp);
        // Databases of earlier builds of this binary are stale.
        let prefix = format!("chain-12.8-{name}-");
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let file = entry.file_name();
            let file = file.to_string_lossy();
            if file.starts_with(&prefix) && entry.path() != path {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    path
}

/// A replayed database, a zone file directory and the service over them.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub service: QueryService,
    pub node: Arc<SharedNodeInfo>,
}

impl Fixture {
    /// The chain replayed through [`LAST_BLOCK`].
    pub fn new() -> Self {
        Self::with(ServiceConfig::default())
    }

    /// The chain replayed, with `config`.
    pub fn with(config: ServiceConfig) -> Self {
        Self::with_dir(|_| config)
    }

    /// The chain replayed, with the configuration `config` makes from the fixture's
    /// directory (which it may also fill, for instance with a subdomain database).
    pub fn with_dir(config: impl FnOnce(&Path) -> ServiceConfig) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = config(dir.path());
        let db = dir.path().join("names.db");
        if std::fs::copy(cached_db(), &db).is_err() {
            // A concurrent run of another build removed the cached file: replay here.
            build_db(&db);
        }
        let zonefiles = dir.path().join("zonefiles");
        std::fs::create_dir_all(&zonefiles).expect("zonefile dir");
        let node = Arc::new(SharedNodeInfo::new(NodeStatus {
            last_block_seen: LAST_BLOCK + 2,
            indexing: false,
            last_indexing_time: blockstack_api::node_info::unix_now(),
            zonefile_count: Some(1),
            bitcoind_answered_at: None,
        }));
        let service = QueryService::new(
            db,
            rules(),
            Arc::new(DirZonefiles::new(zonefiles)),
            node.clone(),
            config,
        );
        Self { dir, service, node }
    }

    /// Stores `bytes` as a zone file under its hash and returns the hash.
    pub fn put_zonefile(&self, bytes: &[u8]) -> String {
        let hash = blockstack_zonefile::zonefile_hash(bytes);
        std::fs::write(self.dir.path().join("zonefiles").join(&hash), bytes).expect("write");
        hash
    }

    /// Stores `bytes` under `hash` whatever their real hash.
    pub fn put_zonefile_as(&self, hash: &str, bytes: &[u8]) {
        std::fs::write(self.dir.path().join("zonefiles").join(hash), bytes).expect("write");
    }
}

/// A server on 127.0.0.1 that stops when dropped.
pub struct Server {
    pub base: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn listener() -> (tokio::net::TcpListener, String) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", l.local_addr().expect("addr"));
    (l, base)
}

/// The REST API over `service`.
pub async fn rest_server(service: QueryService) -> Server {
    let (l, base) = listener().await;
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(blockstack_api::serve_rest(l, service, async move {
        let _ = rx.await;
    }));
    Server {
        base,
        stop: Some(tx),
        task: Some(task),
    }
}

/// The node RPC over `service`, with `extension`.
pub async fn rpc_server(service: QueryService, extension: Option<Arc<dyn RpcExtension>>) -> Server {
    let (l, base) = listener().await;
    let (tx, rx) = oneshot::channel::<()>();
    let dispatcher = RpcDispatcher::new(service, extension);
    let task = tokio::spawn(blockstack_api::serve_rpc(l, dispatcher, async move {
        let _ = rx.await;
    }));
    Server {
        base,
        stop: Some(tx),
        task: Some(task),
    }
}

/// Appends a block to the database at `path` in which `name`'s owner points it at
/// `zonefile` (a NAME_UPDATE), and returns that block's height.
pub fn update_zonefile(path: &Path, name: &str, zonefile: &[u8]) -> u64 {
    let rules = rules();
    let mut db = NameDb::open(path).expect("open");
    let (height, op) = {
        let snap = db.snapshot(&rules).expect("snapshot");
        let last = snap.last_block().expect("a processed block");
        let consensus = snap
            .consensus_hash_at(last)
            .expect("read")
            .expect("consensus hash");
        let owner = snap.name_row(name).expect("read").expect("name");
        let script = hex::decode(&owner.sender).expect("hex");
        let op = ParsedOp {
            txid: format!("{:064x}", 0xfee0 + last),
            vtxindex: 1,
            sender: Sender {
                script: owner.sender.clone(),
                address: owner.address.clone(),
                script_type: script_type(&script),
            },
            sender_pubkey: None,
            kind: OpKind::NameUpdate {
                name_consensus_hash: name_consensus_hash(name, &consensus),
                value_hash: blockstack_zonefile::zonefile_hash(zonefile),
            },
        };
        (last + 1, op)
    };
    let outcome = db.process_block(&rules, height, vec![op]).expect("process");
    assert_eq!(outcome.accepted.len(), 1, "the update is accepted");
    db.commit_block(&outcome, &format!("{height:064x}"))
        .expect("commit");
    height
}
