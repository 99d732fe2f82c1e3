//! The node RPC on port 6264: XML-RPC over HTTP `POST` to `/` or `/RPC2` (core-rpc.md §1).
//!
//! HTTP framing as the original's `SimpleXMLRPCServer`: other verbs get 501, other paths 404,
//! a `Content-Encoding` other than `identity` 501, a body over 512 KiB 400 with an empty body,
//! replies over 1400 bytes gzipped for clients that accept it. Requests are served
//! concurrently (the original handles one at a time); subdomain lookups answer as for a
//! subdomain the original does not know.

mod dispatch;
mod methods;
mod zonefile_rows;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use blockstack_node::xmlrpc::Limits;

pub use dispatch::{fault, RpcDispatcher, RpcExtension, RpcReply};
pub(crate) use methods::satoshis;
pub use methods::{
    MAX_CONSENSUS_HASHES, MAX_NAMES_PER_PAGE, MAX_OPS_PER_PAGE, MAX_ZONEFILES,
    MAX_ZONEFILES_BY_BLOCK,
};

/// Largest request body accepted (512 KiB).
pub const MAX_REQUEST_BYTES: usize = Limits::REQUEST.max_bytes;

/// Time allowed to read a request body and answer it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Replies larger than this are gzipped for clients that accept it, as the original's
/// `SimpleXMLRPCRequestHandler.encode_threshold`.
pub const GZIP_THRESHOLD: u64 = 1400;

/// The RPC router: `POST /` and `POST /RPC2`; 501 for any other method, 404 for other paths.
pub fn router(dispatcher: RpcDispatcher) -> Router {
    let gzip = tower_http::compression::CompressionLayer::new()
        .gzip(true)
        .compress_when(tower_http::compression::predicate::SizeAbove::new(
            GZIP_THRESHOLD + 1,
        ));
    Router::new()
        .route("/", post(handle))
        .route("/RPC2", post(handle))
        .method_not_allowed_fallback(|| async { empty(StatusCode::NOT_IMPLEMENTED) })
        .fallback(unrouted)
        .layer(gzip)
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(dispatcher)
}

/// Serves the node RPC on `listener` until `shutdown` completes; in-flight requests finish.
pub async fn serve_rpc(
    listener: tokio::net::TcpListener,
    dispatcher: RpcDispatcher,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The caller's address reaches the Atlas peer exchange (`ConnectInfo`).
    axum::serve(
        listener,
        router(dispatcher).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Any other path: 404 for a POST, and 501 for any other method whatever the path, since the
/// original's handler implements POST alone and checks the path only then.
async fn unrouted(method: Method) -> Response {
    if method == Method::POST {
        empty(StatusCode::NOT_FOUND)
    } else {
        empty(StatusCode::NOT_IMPLEMENTED)
    }
}

fn empty(status: StatusCode) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain")],
        Body::empty(),
    )
        .into_response()
}

async fn handle(State(dispatcher): State<RpcDispatcher>, request: Request) -> Response {
    let remote = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let (parts, body) = request.into_parts();
    let headers: HeaderMap = parts.headers;
    if let Some(enc) = headers.get(header::CONTENT_ENCODING) {
        if !enc.as_bytes().eq_ignore_ascii_case(b"identity") {
            return empty(StatusCode::NOT_IMPLEMENTED);
        }
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_REQUEST_BYTES as u64) {
        return empty(StatusCode::BAD_REQUEST);
    }
    let work = async {
        let bytes: Bytes = match to_bytes(body, MAX_REQUEST_BYTES).await {
            Ok(b) => b,
            Err(_) => return empty(StatusCode::BAD_REQUEST),
        };
        let reply = dispatcher.handle_from(remote, &bytes).await;
        (StatusCode::OK, [(header::CONTENT_TYPE, "text/xml")], reply).into_response()
    };
    match tokio::time::timeout(REQUEST_TIMEOUT, work).await {
        Ok(resp) => resp,
        Err(_) => empty(StatusCode::INTERNAL_SERVER_ERROR),
    }
}
