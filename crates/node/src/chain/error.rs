//! Errors of the chain client.

use std::path::PathBuf;
use std::time::Duration;

use bitcoin::OutPoint;
use thiserror::Error;

/// RPC error code bitcoind returns while it loads its block index.
pub const RPC_IN_WARMUP: i64 = -28;
/// RPC error code for an unknown block, transaction or address.
pub const RPC_INVALID_ADDRESS_OR_KEY: i64 = -5;
/// RPC error code for an unknown method.
pub const RPC_METHOD_NOT_FOUND: i64 = -32601;

/// Why a chain request failed.
#[derive(Debug, Error)]
pub enum ChainError {
    /// HTTP 401. bitcoind sends no body, so this is all we know.
    #[error(
        "bitcoind at {url} rejected our credentials (HTTP 401); check the `[bitcoind] user` and \
         `passwd` keys in blockstack-server.ini (or the cookie file, if one is configured)"
    )]
    Auth {
        /// The RPC URL, without credentials.
        url: String,
    },
    /// HTTP 403: bitcoind does not accept RPC from this address.
    #[error(
        "bitcoind at {url} refused RPC from this host (HTTP 403); check its `rpcallowip` setting"
    )]
    Forbidden {
        /// The RPC URL, without credentials.
        url: String,
    },
    /// Nothing accepted the TCP connection (bitcoind not running, wrong port).
    #[error(
        "cannot connect to bitcoind at {url} (is it running? check `[bitcoind] server` and `port`)"
    )]
    ConnectionRefused {
        /// The RPC URL, without credentials.
        url: String,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The connection broke before a full reply arrived (bitcoind stopping,
    /// restarting or crashing).
    #[error("connection to bitcoind at {url} failed during `{method}`")]
    Transport {
        /// The RPC URL, without credentials.
        url: String,
        /// The RPC method or REST path.
        method: String,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// No reply within the configured timeout (`[bitcoind] timeout`).
    #[error("bitcoind at {url} did not answer `{method}` within {timeout:?}")]
    Timeout {
        /// The RPC URL, without credentials.
        url: String,
        /// The RPC method or REST path.
        method: String,
        /// The timeout in force.
        timeout: Duration,
    },
    /// HTTP 503: bitcoind's RPC work queue is full.
    #[error("bitcoind at {url} is overloaded (HTTP 503, RPC work queue full)")]
    Busy {
        /// The RPC URL, without credentials.
        url: String,
    },
    /// bitcoind answered with a JSON-RPC error object.
    #[error("bitcoind `{method}` failed with RPC error {code}: {message}")]
    Rpc {
        /// The RPC method.
        method: String,
        /// The JSON-RPC error code, e.g. -5 (not found), -25, -26 (rejected).
        code: i64,
        /// bitcoind's message.
        message: String,
    },
    /// A reply that is not what the method promises.
    #[error("bad reply from bitcoind to `{method}`: {reason}")]
    BadResponse {
        /// The RPC method or REST path.
        method: String,
        /// What was wrong with it.
        reason: String,
    },
    /// An input's previous output does not exist in its transaction.
    #[error("transaction {} has no output {}", .outpoint.txid, .outpoint.vout)]
    MissingOutput {
        /// The outpoint asked for.
        outpoint: OutPoint,
    },
    /// The configured cookie file cannot be read.
    #[error("cannot read the bitcoind cookie file {}", .path.display())]
    Cookie {
        /// Its path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The configured URL is unusable.
    #[error("invalid bitcoind url {url:?}: {reason}")]
    BadUrl {
        /// The URL as given (credentials removed).
        url: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl ChainError {
    /// The JSON-RPC error code, if bitcoind answered with one.
    pub fn rpc_code(&self) -> Option<i64> {
        match self {
            ChainError::Rpc { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Whether bitcoind said the block, transaction or key does not exist.
    pub fn is_not_found(&self) -> bool {
        self.rpc_code() == Some(RPC_INVALID_ADDRESS_OR_KEY)
    }

    /// Whether waiting and asking again may succeed: bitcoind is warming up,
    /// overloaded, or not (yet, or again) accepting connections.
    pub fn is_transient(&self) -> bool {
        match self {
            ChainError::ConnectionRefused { .. }
            | ChainError::Transport { .. }
            | ChainError::Busy { .. } => true,
            ChainError::Rpc { code, .. } => *code == RPC_IN_WARMUP,
            _ => false,
        }
    }
}
