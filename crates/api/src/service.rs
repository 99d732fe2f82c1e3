//! The query service both servers read through: read-only name database handles, the zone
//! file source and the node's status, with every SQLite read on a blocking thread; or, for
//! the REST routes of a `blockstack api` whose core runs elsewhere, that core's node RPC
//! ([`source`]).

pub mod source;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use blockstack_consensus::Rules;
use blockstack_namedb::{NameDbError, ReadOnlyNameDb, Snapshot};
use blockstack_subdomains::{Lookup, ReadOnlySubdomainDb, SubdomainError};
use thiserror::Error;
use tokio::sync::Semaphore;

use crate::node_info::{NodeInfo, NodeStatus};
use crate::profile::{ProfileConfig, ProfileResolver};
use crate::search::SearchIndex;
use crate::zonefiles::{NoZonefiles, StandardVerdicts, ZonefileSource, ZonefileTexts};
use source::{RemoteRead, RemoteSource, Source};

/// The version string v0.18 nodes report (`VERSION` in the original's `version.py`).
pub const DEFAULT_SERVER_VERSION: &str = "0.18.0.2";

/// Tunables of the query service.
#[derive(Clone, Debug)]
pub struct ServiceConfig {
    /// Reported by `getinfo`/`ping` as `server_version`/`version`; the REST ping reports its
    /// first three components (the series version).
    pub server_version: String,
    /// Reads running at once; more wait for a slot.
    pub max_concurrent_reads: usize,
    /// How long a read may wait for a slot before the request fails as busy.
    pub queue_timeout: Duration,
    /// Read-only handles kept open between requests. At most `max_concurrent_reads` are in
    /// use at once, so a pool that large never reopens a handle (a fresh handle costs the
    /// file checks of its open and the preparation of every statement it runs).
    pub pooled_handles: usize,
    /// Whether this node serves zone files (the original's `is_atlas_enabled`); without it
    /// `get_zonefiles` answers `"No data"` and records carry no `zonefile`.
    pub atlas_enabled: bool,
    /// The subdomain database the node's subdomain indexer writes (`subdomains.db`); without
    /// one, subdomains look up as unknown (`Failed to load subdomain`), as on a v0.18 node
    /// with subdomains disabled.
    pub subdomains_db: Option<PathBuf>,
    /// Zone file hashes whose standard-or-not verdict is remembered (the REST lookups parse
    /// each zone file they serve once, not on every request).
    pub zonefile_verdicts: usize,
    /// Bytes of verified zone file text `GET /v1/names/{name}` keeps by hash (a hash's bytes
    /// never change), so that a name looked up again is answered without reading, hashing
    /// and checking its zone file; 0 keeps none.
    pub zonefile_text_bytes: usize,
    /// Bytes of the name database file each read-only handle may map into memory
    /// ([`ReadOnlyNameDb::map_for_reads`]); 0 (the default) reads every page with `pread`.
    /// Mapping cuts the CPU of a name lookup by about a tenth, but the mapped pages count in
    /// the server's resident memory, up to the size of the file.
    pub read_map_bytes: u64,
    /// Profile resolution for `GET /v1/users/{name}`: fetch limits and the cache.
    pub profiles: ProfileConfig,
    /// The search index database (`GET /v1/search`), a file of its own next to the name
    /// database; without one the route answers 501.
    pub search_db: Option<PathBuf>,
    /// How often the search index looks for new blocks once caught up.
    pub search_refresh: Duration,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            server_version: DEFAULT_SERVER_VERSION.into(),
            max_concurrent_reads: 8,
            queue_timeout: Duration::from_secs(10),
            pooled_handles: 8,
            atlas_enabled: true,
            subdomains_db: None,
            zonefile_verdicts: 100_000,
            zonefile_text_bytes: 16 << 20,
            read_map_bytes: 0,
            profiles: ProfileConfig::default(),
            search_db: None,
            search_refresh: Duration::from_secs(5),
        }
    }
}

impl ServiceConfig {
    /// The series version: `major.minor.patch` of [`ServiceConfig::server_version`].
    pub fn series_version(&self) -> String {
        self.server_version
            .split('.')
            .take(3)
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// Why a read could not run.
#[derive(Debug, Error)]
pub enum ServiceError {
    /// The database could not be opened or read.
    #[error("name database: {0}")]
    Db(#[from] NameDbError),
    /// Every read slot stayed busy for the queue timeout.
    #[error("too many concurrent requests")]
    Busy,
    /// The blocking task died (a panic in a query) or the runtime is shutting down.
    #[error("read task failed: {0}")]
    Task(String),
    /// A read of the local database on a service that reads a remote core.
    #[error("this node reads a remote core ({0}) and has no local name database")]
    RemoteOnly(String),
}

/// What a read sees: one consistent snapshot of the name database, plus the node's state.
pub struct Reader<'a> {
    /// The snapshot, fixed at the block that was last when the read began.
    pub snap: Snapshot<'a>,
    /// The consensus rules (network, epochs, first block).
    pub rules: &'a Rules,
    /// Zone files.
    pub zonefiles: &'a dyn ZonefileSource,
    /// The node's state when the read began.
    pub status: NodeStatus,
    /// The service's settings.
    pub config: &'a ServiceConfig,
    /// The subdomain database, when the node has one and it could be opened.
    subdomains: Option<&'a ReadOnlySubdomainDb>,
    /// Remembered zone file verdicts.
    verdicts: &'a StandardVerdicts,
}

impl Reader<'_> {
    /// The subdomain lookups, if the node indexes subdomains and its database exists yet.
    pub fn subdomains(&self) -> Option<Lookup<'_>> {
        self.subdomains.map(ReadOnlySubdomainDb::lookup)
    }

    /// Whether the zone file `bytes`, verified to hash to `hash`, is standard
    /// ([`crate::zonefiles::is_standard_zonefile`]), remembered by hash.
    pub fn is_standard_zonefile(&self, hash: &str, bytes: &[u8]) -> bool {
        self.verdicts.is_standard(hash, bytes)
    }
}

/// What a one-statement read sees: a read-only handle outside any snapshot (each statement
/// reads the latest committed state, consistently within itself), and the service's parts.
pub struct StatementReader<'a> {
    /// The handle.
    pub db: &'a ReadOnlyNameDb,
    /// The consensus rules (network, epochs, first block).
    pub rules: &'a Rules,
    /// The service's settings.
    pub config: &'a ServiceConfig,
    zonefiles: &'a dyn ZonefileSource,
    texts: &'a ZonefileTexts,
}

impl StatementReader<'_> {
    /// The text of the zone file with hash `hash` as `GET /v1/names/{name}` shows it:
    /// `None` if the source does not hold bytes that hash to it, else `Some(Some(text))` for a
    /// standard zone file ([`crate::zonefiles::is_standard_zonefile`]; invalid UTF-8 replaced)
    /// and `Some(None)` for a non-standard one. Remembered by hash.
    pub fn zonefile_text(&self, hash: &str) -> Option<Option<Arc<str>>> {
        self.texts.get(self.zonefiles, hash)
    }
}

struct Inner {
    db_path: PathBuf,
    rules: Rules,
    zonefiles: Arc<dyn ZonefileSource>,
    node: Arc<dyn NodeInfo>,
    config: ServiceConfig,
    pool: Mutex<Vec<ReadOnlyNameDb>>,
    subdomain_pool: Mutex<Vec<ReadOnlySubdomainDb>>,
    permits: Semaphore,
    verdicts: StandardVerdicts,
    texts: ZonefileTexts,
    profiles: ProfileResolver,
    search: Option<Arc<SearchIndex>>,
    remote: Option<RemoteSource>,
}

impl Inner {
    /// The service's parts with empty pools and caches, no search index and no remote core.
    fn new(
        db_path: PathBuf,
        rules: Rules,
        zonefiles: Arc<dyn ZonefileSource>,
        node: Arc<dyn NodeInfo>,
        config: ServiceConfig,
    ) -> Self {
        Self {
            db_path,
            rules,
            zonefiles,
            node,
            pool: Mutex::new(Vec::new()),
            subdomain_pool: Mutex::new(Vec::new()),
            permits: Semaphore::new(config.max_concurrent_reads.max(1)),
            verdicts: StandardVerdicts::new(config.zonefile_verdicts),
            texts: ZonefileTexts::new(config.zonefile_text_bytes),
            profiles: ProfileResolver::new(&config.profiles),
            config,
            search: None,
            remote: None,
        }
    }
}

/// A cheap-to-clone handle on the query service.
#[derive(Clone)]
pub struct QueryService {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for QueryService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryService")
            .field("db_path", &self.inner.db_path)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl QueryService {
    /// A service over the name database file `db_path` (created by the indexer's `NameDb`),
    /// evaluated with `rules`. Handles are opened lazily, so the file may appear later.
    pub fn new(
        db_path: impl Into<PathBuf>,
        rules: Rules,
        zonefiles: Arc<dyn ZonefileSource>,
        node: Arc<dyn NodeInfo>,
        config: ServiceConfig,
    ) -> Self {
        let mut inner = Inner::new(db_path.into(), rules, zonefiles, node, config);
        inner.search = inner.config.search_db.as_ref().and_then(|path| {
            let index = match SearchIndex::open(path) {
                Ok(index) => Arc::new(index),
                Err(e) => {
                    tracing::error!(error = %e, "search is disabled");
                    return None;
                }
            };
            let started = crate::search::spawn_refresher(
                &index,
                inner.db_path.clone(),
                inner.rules.clone(),
                inner.config.search_refresh,
            );
            if let Err(e) = started {
                tracing::error!(error = %e, "cannot start the search index refresh");
            }
            Some(index)
        });
        Self {
            inner: Arc::new(inner),
        }
    }

    /// A service whose REST reads go to the remote core behind `client` (its node RPC),
    /// evaluated with `rules` (the core's network and first block). It has no local database:
    /// [`QueryService::read`] fails with [`ServiceError::RemoteOnly`], and the routes that
    /// need local state answer as [`source`] says.
    pub fn remote(
        client: blockstack_client::node::NodeClient,
        rules: Rules,
        config: ServiceConfig,
    ) -> Self {
        let remote = RemoteSource::new(client, rules.clone(), config.zonefile_verdicts);
        let node = Arc::new(crate::node_info::SharedNodeInfo::new(NodeStatus::starting()));
        let mut inner = Inner::new(PathBuf::new(), rules, Arc::new(NoZonefiles), node, config);
        inner.remote = Some(remote);
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The remote core's RPC URL, when this service reads one.
    pub fn remote_url(&self) -> Option<&str> {
        self.inner.remote.as_ref().map(RemoteSource::url)
    }

    /// The database file read.
    pub fn db_path(&self) -> &Path {
        &self.inner.db_path
    }

    /// The consensus rules.
    pub fn rules(&self) -> &Rules {
        &self.inner.rules
    }

    /// The service's settings.
    pub fn config(&self) -> &ServiceConfig {
        &self.inner.config
    }

    /// The profile resolver.
    pub fn profiles(&self) -> &ProfileResolver {
        &self.inner.profiles
    }

    /// The search index, if the node keeps one.
    pub fn search(&self) -> Option<&Arc<SearchIndex>> {
        self.inner.search.as_ref()
    }

    /// The node's state now.
    pub fn node_status(&self) -> NodeStatus {
        self.inner.node.status()
    }

    /// The node's Atlas peer, if it runs one.
    pub fn atlas(&self) -> Option<std::sync::Arc<blockstack_atlas::Atlas>> {
        self.inner.node.atlas()
    }

    /// A read slot, waited for at most the queue timeout.
    async fn slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ServiceError> {
        tokio::time::timeout(
            self.inner.config.queue_timeout,
            self.inner.permits.acquire(),
        )
        .await
        .map_err(|_| ServiceError::Busy)?
        .map_err(|e| ServiceError::Task(e.to_string()))
    }

    /// Runs `f` against a fresh snapshot on a blocking thread and returns its result.
    pub async fn read<R, F>(&self, f: F) -> Result<R, ServiceError>
    where
        F: FnOnce(&Reader<'_>) -> R + Send + 'static,
        R: Send + 'static,
    {
        let _permit = self.slot().await?;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || inner.run(f))
            .await
            .map_err(|e| ServiceError::Task(e.to_string()))?
    }

    /// Runs `f` against the service's [`Source`] on a blocking thread: a fresh snapshot of
    /// the local database, or the remote core (whose calls then run on that thread).
    pub async fn query<R, F>(&self, f: F) -> Result<R, ServiceError>
    where
        F: FnOnce(&Source<'_>) -> R + Send + 'static,
        R: Send + 'static,
    {
        let _permit = self.slot().await?;
        let inner = Arc::clone(&self.inner);
        let handle = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || inner.query(handle, f))
            .await
            .map_err(|e| ServiceError::Task(e.to_string()))?
    }

    /// [`QueryService::query`] for a point read (a handful of indexed row lookups): on the
    /// local database it runs right here when a read slot is free, as
    /// [`QueryService::read_point`]; a remote read always goes to a blocking thread.
    pub async fn query_point<R, F>(&self, f: F) -> Result<R, ServiceError>
    where
        F: FnOnce(&Source<'_>) -> R + Send + 'static,
        R: Send + 'static,
    {
        if self.inner.remote.is_some() {
            return self.query(f).await;
        }
        match self.inner.permits.try_acquire() {
            Ok(_permit) => self.inner.run(|r| f(&Source::Local(r))),
            Err(_) => self.query(f).await,
        }
    }
}

impl QueryService {
    /// Whether this service reads a local name database (not a remote core).
    pub fn is_local(&self) -> bool {
        self.inner.remote.is_none()
    }

    /// Runs `f`, a read of one SQL statement (which is consistent on its own), on a pooled
    /// handle without opening a snapshot: right here when a read slot is free, else on a
    /// blocking thread once one is. Fails with [`ServiceError::RemoteOnly`] on a service that
    /// reads a remote core.
    pub async fn read_statement<R, F>(&self, f: F) -> Result<R, ServiceError>
    where
        F: FnOnce(&StatementReader<'_>) -> R + Send + 'static,
        R: Send + 'static,
    {
        if let Ok(_permit) = self.inner.permits.try_acquire() {
            return self.inner.run_statement(f);
        }
        let _permit = self.slot().await?;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || inner.run_statement(f))
            .await
            .map_err(|e| ServiceError::Task(e.to_string()))?
    }

    /// Runs a point read — a handful of indexed row lookups, no scans — against a fresh
    /// snapshot. With a read slot free it runs right here on the calling task's thread, which
    /// costs less than the hand-over to a blocking thread and back; otherwise it waits for a
    /// slot as [`QueryService::read`] does.
    pub async fn read_point<R, F>(&self, f: F) -> Result<R, ServiceError>
    where
        F: FnOnce(&Reader<'_>) -> R + Send + 'static,
        R: Send + 'static,
    {
        match self.inner.permits.try_acquire() {
            Ok(_permit) => self.inner.run(f),
            Err(_) => self.read(f).await,
        }
    }
}

impl Inner {
    /// Runs `f` against the source: the remote core, or a fresh local snapshot.
    fn query<R>(
        &self,
        handle: tokio::runtime::Handle,
        f: impl FnOnce(&Source<'_>) -> R,
    ) -> Result<R, ServiceError> {
        match &self.remote {
            Some(source) => Ok(f(&Source::Remote(&RemoteRead { source, handle }))),
            None => self.run(|r| f(&Source::Local(r))),
        }
    }

    fn run_statement<R>(
        &self,
        f: impl FnOnce(&StatementReader<'_>) -> R,
    ) -> Result<R, ServiceError> {
        if let Some(remote) = &self.remote {
            return Err(ServiceError::RemoteOnly(remote.url().to_owned()));
        }
        let db = self.checkout()?;
        let result = f(&StatementReader {
            db: &db,
            rules: &self.rules,
            config: &self.config,
            zonefiles: self.zonefiles.as_ref(),
            texts: &self.texts,
        });
        self.checkin(db);
        Ok(result)
    }

    fn run<R>(&self, f: impl FnOnce(&Reader<'_>) -> R) -> Result<R, ServiceError> {
        if let Some(remote) = &self.remote {
            return Err(ServiceError::RemoteOnly(remote.url().to_owned()));
        }
        let db = self.checkout()?;
        let subdomains = self.checkout_subdomains();
        let result = {
            let snap = db.snapshot(&self.rules)?;
            let reader = Reader {
                snap,
                rules: &self.rules,
                zonefiles: self.zonefiles.as_ref(),
                status: self.node.status(),
                config: &self.config,
                subdomains: subdomains.as_ref(),
                verdicts: &self.verdicts,
            };
            f(&reader)
        };
        self.checkin(db);
        if let Some(sub) = subdomains {
            let mut pool = match self.subdomain_pool.lock() {
                Ok(pool) => pool,
                Err(poisoned) => poisoned.into_inner(),
            };
            if pool.len() < self.config.pooled_handles {
                pool.push(sub);
            }
        }
        Ok(result)
    }

    /// A read-only subdomain database handle, if one is configured and can be opened; a
    /// database the indexer has not created yet is simply absent.
    fn checkout_subdomains(&self) -> Option<ReadOnlySubdomainDb> {
        let path = self.config.subdomains_db.as_ref()?;
        let pooled = match self.subdomain_pool.lock() {
            Ok(mut pool) => pool.pop(),
            Err(poisoned) => poisoned.into_inner().pop(),
        };
        if pooled.is_some() {
            return pooled;
        }
        match ReadOnlySubdomainDb::open(path) {
            Ok(db) => Some(db),
            Err(SubdomainError::Missing { .. }) => None,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the subdomain database");
                None
            }
        }
    }

    fn checkout(&self) -> Result<ReadOnlyNameDb, ServiceError> {
        let pooled = match self.pool.lock() {
            Ok(mut pool) => pool.pop(),
            Err(poisoned) => poisoned.into_inner().pop(),
        };
        if let Some(db) = pooled {
            return Ok(db);
        }
        let db = ReadOnlyNameDb::open(&self.db_path)?;
        if self.config.read_map_bytes > 0 {
            // Without the mapping every read still works, through `pread`.
            if let Err(e) = db.map_for_reads(self.config.read_map_bytes) {
                tracing::warn!(error = %e, "cannot map the name database for reads");
            }
        }
        Ok(db)
    }

    fn checkin(&self, db: ReadOnlyNameDb) {
        let mut pool = match self.pool.lock() {
            Ok(pool) => pool,
            Err(poisoned) => poisoned.into_inner(),
        };
        if pool.len() < self.config.pooled_handles {
            pool.push(db);
        }
    }
}
