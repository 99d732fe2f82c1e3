//! [`BitcoindClient`]: a small async JSON-RPC client for bitcoind (the
//! transport; the calls themselves are in `source.rs`).
//!
//! It hand-writes the dozen calls the node needs instead of pulling in a
//! per-Core-version RPC crate, and it is written for a node that may be
//! starting, stopping or restarting underneath it:
//!
//! * every call is retried with exponential backoff while bitcoind warms up
//!   (RPC error -28), is overloaded (HTTP 503) or refuses / drops the
//!   connection, until [`RetryPolicy::max_elapsed`] has passed; then the last
//!   error is returned. Credentials errors are never retried.
//! * each request opens a fresh connection. Some bitcoind builds stream
//!   `getblock` replies in small chunks, and on a reused connection Nagle
//!   plus delayed ACKs stall every such call by ~20 ms; a new localhost
//!   connection costs far less.
//! * blocks are fetched raw: from REST `/rest/block/<hash>.bin` when the node
//!   serves it, else `getblock <hash> 0`, and parsed with `rust-bitcoin`.
//! * a cookie file is re-read for every request, because bitcoind rewrites
//!   it on each start.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::{StatusCode, Url};
use serde::de::DeserializeOwned;
use serde_json::{json, Value as Json};

use super::error::ChainError;

/// How the client proves itself to bitcoind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RpcAuth {
    /// `rpcuser` / `rpcpassword` (`[bitcoind] user` / `passwd`).
    UserPass {
        /// The RPC user.
        user: String,
        /// The RPC password.
        password: String,
    },
    /// The `.cookie` file bitcoind writes when no password is configured;
    /// it holds `user:password` on one line.
    CookieFile(PathBuf),
    /// No credentials (only useful against a test double).
    None,
}

/// How blocks are downloaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockTransport {
    /// REST `.bin` while the node serves it (`rest=1`), otherwise
    /// `getblock <hash> 0`. The first REST refusal switches to RPC for good.
    Auto,
    /// Always `getblock <hash> 0`.
    Rpc,
}

/// Backoff for transient failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Wait before the first retry.
    pub initial_delay: Duration,
    /// Longest wait between two attempts.
    pub max_delay: Duration,
    /// Give up once this much time has passed since the first attempt.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self {
            initial_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
            max_elapsed: Duration::ZERO,
        }
    }
}

/// Everything needed to reach one bitcoind.
#[derive(Debug, Clone)]
pub struct BitcoindConfig {
    /// RPC endpoint, e.g. `http://127.0.0.1:8332/`. Credentials in the URL
    /// are used when `auth` is [`RpcAuth::None`].
    pub url: String,
    /// Credentials.
    pub auth: RpcAuth,
    /// Per-request timeout (`[bitcoind] timeout`, 300 s in the original).
    pub timeout: Duration,
    /// Backoff while bitcoind is unavailable.
    pub retry: RetryPolicy,
    /// How blocks are fetched.
    pub blocks: BlockTransport,
    /// Most requests per JSON-RPC batch.
    pub batch_size: usize,
}

impl BitcoindConfig {
    /// A configuration with the defaults for everything but URL and auth.
    pub fn new(url: impl Into<String>, auth: RpcAuth) -> Self {
        Self {
            url: url.into(),
            auth,
            timeout: Duration::from_secs(300),
            retry: RetryPolicy::default(),
            blocks: BlockTransport::Auto,
            batch_size: 100,
        }
    }
}

impl From<&crate::settings::BitcoindSettings> for BitcoindConfig {
    /// The client for the `[bitcoind]` section: `server`, `port`, `user`,
    /// `passwd` and `timeout`.
    fn from(settings: &crate::settings::BitcoindSettings) -> Self {
        let mut config = BitcoindConfig::new(
            settings.rpc_url(),
            RpcAuth::UserPass {
                user: settings.user.clone(),
                password: settings.passwd.clone(),
            },
        );
        config.timeout = settings.timeout;
        config
    }
}

const REST_UNKNOWN: u8 = 0;
/// `BitcoindClient::rest` once REST has been found unavailable.
pub(super) const REST_OFF: u8 = 1;

/// An async JSON-RPC client for bitcoind; see the module docs.
#[derive(Debug)]
pub struct BitcoindClient {
    pub(super) http: reqwest::Client,
    pub(super) url: Url,
    /// `url` without credentials, for messages.
    pub(super) display_url: String,
    auth: RpcAuth,
    timeout: Duration,
    retry: RetryPolicy,
    pub(super) blocks: BlockTransport,
    batch_size: usize,
    pub(super) rest: AtomicU8,
    next_id: AtomicU64,
    /// `scantxoutset` missing on this node (older or non-Core bitcoind).
    pub(super) no_scantxoutset: AtomicU8,
    /// Addresses already imported as watch-only for the `listunspent` path.
    pub(super) watched: Mutex<HashSet<String>>,
}

impl BitcoindClient {
    /// Builds a client. No request is made until the first call.
    pub fn new(config: BitcoindConfig) -> Result<Self, ChainError> {
        let mut url = Url::parse(&config.url).map_err(|e| ChainError::BadUrl {
            url: strip_credentials(&config.url),
            reason: e.to_string(),
        })?;
        if url.scheme() != "http" {
            return Err(ChainError::BadUrl {
                url: strip_credentials(&config.url),
                reason: "only http:// is supported (bitcoind RPC has no TLS)".to_owned(),
            });
        }
        let mut auth = config.auth;
        if !url.username().is_empty() {
            if auth == RpcAuth::None {
                auth = RpcAuth::UserPass {
                    user: percent_decode(url.username()),
                    password: percent_decode(url.password().unwrap_or("")),
                };
            }
            // Cannot fail for an http URL.
            let _ = url.set_username("");
            let _ = url.set_password(None);
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .pool_max_idle_per_host(0)
            .no_proxy()
            .build()
            .map_err(|e| ChainError::BadUrl {
                url: url.to_string(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            http,
            display_url: url.to_string(),
            url,
            auth,
            timeout: config.timeout,
            retry: config.retry,
            blocks: config.blocks,
            batch_size: config.batch_size.max(1),
            rest: AtomicU8::new(REST_UNKNOWN),
            next_id: AtomicU64::new(1),
            no_scantxoutset: AtomicU8::new(0),
            watched: Mutex::new(HashSet::new()),
        })
    }

    /// The RPC URL, without credentials.
    pub fn url(&self) -> &str {
        &self.display_url
    }

    /// Calls `method` with positional `params` and decodes its result,
    /// retrying transient failures.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        params: Json,
    ) -> Result<T, ChainError> {
        let result = self.retrying(|| self.call_once(method, &params)).await?;
        serde_json::from_value(result).map_err(|e| bad(method, format!("unexpected result: {e}")))
    }

    /// Sends one JSON-RPC batch of `method` calls, one per entry of
    /// `params`, and returns each call's result (or error) in order.
    pub async fn batch<T: DeserializeOwned>(
        &self,
        method: &str,
        params: &[Json],
    ) -> Result<Vec<Result<T, ChainError>>, ChainError> {
        let mut out = Vec::with_capacity(params.len());
        for chunk in params.chunks(self.batch_size) {
            let replies = self.retrying(|| self.batch_once(method, chunk)).await?;
            for reply in replies {
                out.push(reply.and_then(|value| {
                    serde_json::from_value(value)
                        .map_err(|e| bad(method, format!("unexpected result: {e}")))
                }));
            }
        }
        Ok(out)
    }

    async fn retrying<T, F, Fut>(&self, mut attempt: F) -> Result<T, ChainError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, ChainError>>,
    {
        let start = Instant::now();
        let mut delay = self.retry.initial_delay;
        let mut tries = 0u32;
        loop {
            match attempt().await {
                Err(e) if e.is_transient() && start.elapsed() + delay <= self.retry.max_elapsed => {
                    tries += 1;
                    if tries == 1 {
                        tracing::warn!(url = %self.display_url, error = %e, "bitcoind unavailable; retrying");
                    } else {
                        tracing::debug!(url = %self.display_url, error = %e, tries, "bitcoind still unavailable");
                    }
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2)
                        .min(self.retry.max_delay)
                        .max(Duration::from_millis(1));
                }
                other => return other,
            }
        }
    }

    fn credentials(&self) -> Result<Option<(String, String)>, ChainError> {
        match &self.auth {
            RpcAuth::UserPass { user, password } => Ok(Some((user.clone(), password.clone()))),
            RpcAuth::CookieFile(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ChainError::Cookie {
                    path: path.clone(),
                    source,
                })?;
                let line = text.lines().next().unwrap_or("").trim();
                match line.split_once(':') {
                    Some((user, password)) => Ok(Some((user.to_owned(), password.to_owned()))),
                    None => Err(ChainError::Cookie {
                        path: path.clone(),
                        source: std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            "expected `user:password`",
                        ),
                    }),
                }
            }
            RpcAuth::None => Ok(None),
        }
    }

    fn transport_error(&self, method: &str, e: reqwest::Error) -> ChainError {
        if e.is_timeout() {
            ChainError::Timeout {
                url: self.display_url.clone(),
                method: method.to_owned(),
                timeout: self.timeout,
            }
        } else if e.is_connect() {
            ChainError::ConnectionRefused {
                url: self.display_url.clone(),
                source: e,
            }
        } else {
            ChainError::Transport {
                url: self.display_url.clone(),
                method: method.to_owned(),
                source: e,
            }
        }
    }

    /// POSTs a JSON body and returns the status and the parsed reply.
    async fn post(&self, method: &str, body: &Json) -> Result<(StatusCode, Json), ChainError> {
        let mut request = self.http.post(self.url.clone()).json(body);
        if let Some((user, password)) = self.credentials()? {
            request = request.basic_auth(user, Some(password));
        }
        let response = request
            .send()
            .await
            .map_err(|e| self.transport_error(method, e))?;
        let status = response.status();
        match status {
            StatusCode::UNAUTHORIZED => {
                return Err(ChainError::Auth {
                    url: self.display_url.clone(),
                })
            }
            StatusCode::FORBIDDEN => {
                return Err(ChainError::Forbidden {
                    url: self.display_url.clone(),
                })
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                return Err(ChainError::Busy {
                    url: self.display_url.clone(),
                })
            }
            _ => {}
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(method, e))?;
        let reply = serde_json::from_slice(&bytes).map_err(|e| {
            bad(
                method,
                format!(
                    "HTTP {status} with a body that is not JSON ({e}): {:?}",
                    preview(&bytes)
                ),
            )
        })?;
        Ok((status, reply))
    }

    async fn call_once(&self, method: &str, params: &Json) -> Result<Json, ChainError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let body = json!({"jsonrpc": "1.0", "id": id, "method": method, "params": params});
        let (status, reply) = self.post(method, &body).await?;
        let Json::Object(mut reply) = reply else {
            return Err(bad(
                method,
                format!("HTTP {status} with a JSON reply that is not an object"),
            ));
        };
        reply_result(method, reply.remove("result"), reply.remove("error"))
    }

    async fn batch_once(
        &self,
        method: &str,
        params: &[Json],
    ) -> Result<Vec<Result<Json, ChainError>>, ChainError> {
        let first = self
            .next_id
            .fetch_add(params.len() as u64, Ordering::Relaxed);
        let body: Vec<Json> = params
            .iter()
            .zip(first..)
            .map(|(p, id)| json!({"jsonrpc": "1.0", "id": id, "method": method, "params": p}))
            .collect();
        let (status, reply) = self.post(method, &Json::Array(body)).await?;
        let items = match reply {
            Json::Array(items) => items,
            // A request-level error (e.g. warm-up) comes back as one object.
            Json::Object(mut obj) => {
                reply_result(method, obj.remove("result"), obj.remove("error"))?;
                return Err(bad(
                    method,
                    format!("HTTP {status}: a single reply to a batch"),
                ));
            }
            _ => return Err(bad(method, "batch reply is not an array".to_owned())),
        };
        let mut by_id: HashMap<u64, Result<Json, ChainError>> = HashMap::with_capacity(items.len());
        for item in items {
            let Json::Object(mut obj) = item else {
                return Err(bad(method, "batch reply item is not an object".to_owned()));
            };
            let id = obj
                .get("id")
                .and_then(Json::as_u64)
                .ok_or_else(|| bad(method, "batch item without id".into()))?;
            by_id.insert(
                id,
                reply_result(method, obj.remove("result"), obj.remove("error")),
            );
        }
        let mut out = Vec::with_capacity(params.len());
        for id in first..first + params.len() as u64 {
            let reply = by_id
                .remove(&id)
                .ok_or_else(|| bad(method, format!("batch reply lacks id {id}")))?;
            // One warm-up error means the whole node is warming up: retry all.
            if let Err(e) = &reply {
                if e.is_transient() {
                    return Err(bad_transient(method, e));
                }
            }
            out.push(reply);
        }
        Ok(out)
    }
}

fn reply_result(
    method: &str,
    result: Option<Json>,
    error: Option<Json>,
) -> Result<Json, ChainError> {
    match error {
        None | Some(Json::Null) => Ok(result.unwrap_or(Json::Null)),
        Some(error) => {
            let code = error.get("code").and_then(Json::as_i64);
            let message = error.get("message").and_then(Json::as_str);
            match (code, message) {
                (Some(code), message) => Err(ChainError::Rpc {
                    method: method.to_owned(),
                    code,
                    message: message.unwrap_or("").to_owned(),
                }),
                _ => Err(bad(method, format!("malformed error object {error}"))),
            }
        }
    }
}

/// A transient per-item batch error, re-raised for the whole batch.
fn bad_transient(method: &str, e: &ChainError) -> ChainError {
    match e {
        ChainError::Rpc { code, message, .. } => ChainError::Rpc {
            method: method.to_owned(),
            code: *code,
            message: message.clone(),
        },
        other => bad(method, other.to_string()),
    }
}

pub(super) fn bad(method: &str, reason: String) -> ChainError {
    ChainError::BadResponse {
        method: method.to_owned(),
        reason,
    }
}

fn preview(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned()
}

fn strip_credentials(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.to_string()
        }
        Err(_) => match url.rsplit_once('@') {
            Some((_, rest)) => rest.to_owned(),
            None => url.to_owned(),
        },
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_the_url_become_user_and_password() {
        let client = BitcoindClient::new(BitcoindConfig::new(
            "http://alice:p%40ss@127.0.0.1:8332/",
            RpcAuth::None,
        ))
        .expect("valid url");
        assert_eq!(
            client.auth,
            RpcAuth::UserPass {
                user: "alice".into(),
                password: "p@ss".into()
            }
        );
        assert_eq!(client.url(), "http://127.0.0.1:8332/");
    }

    #[test]
    fn https_and_garbage_urls_are_refused_without_echoing_passwords() {
        let err = BitcoindClient::new(BitcoindConfig::new("https://u:secret@host/", RpcAuth::None))
            .expect_err("https");
        assert!(!err.to_string().contains("secret"), "{err}");
        assert!(matches!(
            BitcoindClient::new(BitcoindConfig::new("not a url", RpcAuth::None)),
            Err(ChainError::BadUrl { .. })
        ));
    }

    #[test]
    fn the_bitcoind_section_configures_the_client() {
        let settings = crate::settings::BitcoindSettings {
            server: "node.example".into(),
            port: 18332,
            p2p_port: 18444,
            user: "blockstack".into(),
            passwd: "blockstacksystem".into(),
            timeout: Duration::from_secs(42),
            regtest: true,
            spv_path: PathBuf::from("/dev/null"),
        };
        let config = BitcoindConfig::from(&settings);
        assert_eq!(config.url, "http://node.example:18332/");
        assert_eq!(config.timeout, Duration::from_secs(42));
        assert_eq!(
            config.auth,
            RpcAuth::UserPass {
                user: "blockstack".into(),
                password: "blockstacksystem".into()
            }
        );
    }

    #[test]
    fn cookie_files_hold_user_and_password() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(".cookie");
        std::fs::write(&path, "__cookie__:abc123\n").expect("write");
        let client = BitcoindClient::new(BitcoindConfig::new(
            "http://127.0.0.1:1/",
            RpcAuth::CookieFile(path.clone()),
        ))
        .expect("valid");
        assert_eq!(
            client.credentials().expect("readable"),
            Some(("__cookie__".into(), "abc123".into()))
        );
        std::fs::write(&path, "garbage").expect("write");
        assert!(matches!(
            client.credentials(),
            Err(ChainError::Cookie { .. })
        ));
        std::fs::remove_file(&path).expect("remove");
        assert!(matches!(
            client.credentials(),
            Err(ChainError::Cookie { .. })
        ));
    }
}
