//! bitcoind-compatible JSON-RPC over HTTP.
//!
//! `POST /` (and `/wallet/<name>`, which bitcoind also serves) with HTTP
//! basic auth. A body is one request object or a batch array; replies use
//! the JSON-RPC 1.0 envelope `{"result","error","id"}`. A single error reply
//! carries HTTP 500 (404 for an unknown method, 400 for an invalid request),
//! batches always 200, a failed login 401 with an empty body, as bitcoind.
//!
//! With [`RpcConfig::rest`], the read-only REST interface of `bitcoind
//! -rest` is served too (`/rest/block/<hash>.bin` and friends).
//!
//! The server runs each request on the blocking pool, because chain
//! operations take a mutex and may flush the block file.

mod envelope;
mod json;
mod methods;
mod rest;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Extension;
use axum::Router;
use base64::Engine;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tracing::Instrument;

pub use envelope::{
    Params, RpcError, RPC_DATABASE_ERROR, RPC_DESERIALIZATION_ERROR, RPC_INVALID_ADDRESS_OR_KEY,
    RPC_INVALID_PARAMETER, RPC_INVALID_REQUEST, RPC_METHOD_NOT_FOUND, RPC_MISC_ERROR,
    RPC_PARSE_ERROR, RPC_TYPE_ERROR,
};
pub use methods::call;

use crate::DevChain;

/// User name and password clients must send with HTTP basic auth
/// (bitcoind's `rpcuser`/`rpcpassword`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcAuth {
    /// The user name.
    pub user: String,
    /// The password.
    pub password: String,
}

/// Server settings.
#[derive(Debug, Clone)]
pub struct RpcConfig {
    /// Credentials to require; `None` accepts every request.
    pub auth: Option<RpcAuth>,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Requests served at once; more wait their turn.
    pub max_concurrent_requests: usize,
    /// Also serve bitcoind's read-only REST interface under `/rest/`
    /// (unauthenticated, as bitcoind's `-rest`).
    pub rest: bool,
}

impl Default for RpcConfig {
    fn default() -> Self {
        RpcConfig {
            auth: None,
            max_body_bytes: 16 << 20,
            max_concurrent_requests: 64,
            rest: true,
        }
    }
}

struct App {
    chain: DevChain,
    /// The expected `Authorization` header value.
    authorization: Option<String>,
    /// Signalled by the `stop` method.
    stop: Arc<Notify>,
}

/// Builds the HTTP service. `stop` is notified when a client calls `stop`.
pub fn router(chain: DevChain, config: &RpcConfig, stop: Arc<Notify>) -> Router {
    let authorization = config.auth.as_ref().map(|auth| {
        let pair = format!("{}:{}", auth.user, auth.password);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(pair)
        )
    });
    let app = Arc::new(App {
        chain,
        authorization,
        stop,
    });
    let mut router = Router::new()
        .route("/", post(handle))
        .route("/wallet/{*name}", post(handle));
    if config.rest {
        router = router
            .route(
                "/rest/block/notxdetails/{file}",
                get(rest::block_no_details),
            )
            .route("/rest/block/{file}", get(rest::block))
            .route("/rest/tx/{file}", get(rest::transaction))
            .route(
                "/rest/blockhashbyheight/{file}",
                get(rest::block_hash_by_height),
            )
            .route("/rest/chaininfo.json", get(rest::chain_info));
    }
    router
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(tower::limit::ConcurrencyLimitLayer::new(
            config.max_concurrent_requests.max(1),
        ))
        .with_state(app)
}

/// Serves JSON-RPC on `listener` until `shutdown` completes or a client
/// calls `stop`; in-flight requests are finished first.
pub async fn serve<F>(
    chain: DevChain,
    listener: TcpListener,
    config: RpcConfig,
    shutdown: F,
) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let stop = Arc::new(Notify::new());
    let app = router(chain, &config, stop.clone());
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "devchain JSON-RPC listening");
    }
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        tokio::select! {
            () = shutdown => {}
            () = stop.notified() => {}
        }
    })
    .await
}

/// Compares without an early exit, so timing does not reveal the password.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn handle(
    State(app): State<Arc<App>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let peer = peer.map(|Extension(ConnectInfo(addr))| addr);
    let span = tracing::debug_span!("rpc_request", peer = ?peer);
    respond(app, headers, body).instrument(span).await
}

async fn respond(app: Arc<App>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(expected) = &app.authorization {
        let given = headers
            .get(header::AUTHORIZATION)
            .map(HeaderValue::as_bytes)
            .unwrap_or_default();
        if !same_bytes(given, expected.as_bytes()) {
            tracing::warn!("JSON-RPC request with wrong or missing credentials");
            return (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Basic realm=\"jsonrpc\"")],
            )
                .into_response();
        }
    }
    let request: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(_) => {
            let error = RpcError::new(RPC_PARSE_ERROR, "Parse error");
            return json_response(error.status(), envelope::reply(Err(error), Value::Null));
        }
    };
    let worker = app.clone();
    let span = tracing::Span::current();
    match tokio::task::spawn_blocking(move || span.in_scope(|| worker.dispatch(request))).await {
        Ok((status, reply)) => json_response(status, reply),
        Err(e) => {
            tracing::error!(error = %e, "JSON-RPC handler panicked");
            let error = RpcError::new(RPC_MISC_ERROR, "internal error");
            json_response(error.status(), envelope::reply(Err(error), Value::Null))
        }
    }
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

impl App {
    fn dispatch(&self, request: Value) -> (StatusCode, Value) {
        match request {
            Value::Array(batch) => {
                let replies = batch.into_iter().map(|one| self.call_one(one).0).collect();
                (StatusCode::OK, Value::Array(replies))
            }
            one => {
                let (reply, error) = self.call_one(one);
                (error.map_or(StatusCode::OK, |e| e.status()), reply)
            }
        }
    }

    fn call_one(&self, request: Value) -> (Value, Option<RpcError>) {
        let request = match envelope::Request::parse(request) {
            Ok(request) => request,
            Err((error, id)) => return (envelope::reply(Err(error.clone()), id), Some(error)),
        };
        let span = tracing::debug_span!("rpc", method = %request.method);
        let _entered = span.enter();
        let result = methods::call(&self.chain, &request.method, &request.params);
        if let Err(e) = &result {
            tracing::debug!(code = e.code, message = %e.message, "rpc error");
        }
        if request.method == "stop" && result.is_ok() {
            self.stop.notify_one();
        }
        let error = result.as_ref().err().cloned();
        (envelope::reply(result, request.id), error)
    }
}
