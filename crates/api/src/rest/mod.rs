//! The v0.18 REST API's read routes (rest-api.md), served from the [`QueryService`].
//!
//! Transport as the original: every reply carries `Access-Control-Allow-Origin: *`, `OPTIONS`
//! under `/v1/` is a CORS preflight, paths are normalised (`//` collapsed, trailing `/`
//! dropped, `.`/`..` resolved) before routing, and JSON is written as `json.dumps` writes it.
//!
//! Where this API answers differently from the v0.18 daemon:
//!
//! * a name the route table or the name syntax rejects (`Foo.test`, `a..b`) is 400
//!   `{"error": "Invalid name or subdomain"}` (the original: 404 with no body, or 500);
//! * a malformed zone file hash in a path is 400 (the original: 404, no body);
//! * unknown routes, wrong methods and a query string that names a key twice (401, on any
//!   path) carry `{"error": ...}` bodies (the original: none);
//! * a body declared over [`MAX_BODY_BYTES`] is 413 before any route reads it (the original
//!   leaves it unread, so its handler answers "invalid request", usually 401);
//! * subdomains are read from the node's subdomain index (`ServiceConfig::subdomains_db`);
//!   `/v1/names/{sub}` for a subdomain whose zone file is non-standard answers with
//!   `zonefile_txt: {"error": ...}` and the record's hash (the original fails with a 500), and
//!   `/v1/addresses/…` lists the subdomains an address owns now, not those it ever owned;
//! * `GET /v1/prices/names/{name}` reports `name_price` only (no wallet, no fee estimates);
//! * a non-standard historic zone file is 204 without the original's (non-HTTP) body;
//! * `/v1/info` (with the operator's view of Atlas and the subdomain index) and
//!   `/openapi.json` are additions;
//! * `GET /v1/users/{name}` is public (the daemon asks for the API password or an app session
//!   and its data key);
//! * `GET /v1/search`, which v0.18 serves only from its public front end, is served here from
//!   the node's own search index (`ServiceConfig::search_db`; 501 without one); a missing
//!   `query` and a bad `limit_results` are 400.

mod blockchains;
mod extract;
mod names;
mod namespaces;
mod node;
mod openapi;
mod search;
mod users;

use std::future::Future;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Router, ServiceExt as _};
use tower::Layer as _;

pub use extract::{PyJson, Qs, MAX_PAGE, PAGE_SIZE};
pub use openapi::{document as openapi_document, ApiDoc};

use crate::error::ApiError;
use crate::service::QueryService;

/// Largest request body accepted (the original's `_read_json` refuses 1 MiB and more).
pub const MAX_BODY_BYTES: u64 = 1024 * 1024 - 1;

/// Time allowed for one request.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The route table: (path, handler) for every read route, without the transport layers.
///
/// The daemon may merge more routes (the write routes) into it before passing it to [`app`].
pub fn routes(service: QueryService) -> Router {
    Router::new()
        .route("/", get(node::index))
        .route("/v1/ping", get(node::ping))
        .route("/v1/node/ping", get(node::ping))
        .route("/v1/info", get(node::info))
        .route("/v1/names", get(names::list))
        .route("/v1/names/{name}", get(names::info))
        .route("/v1/names/{name}/history", get(names::history))
        .route("/v1/names/{name}/public_key", get(names::public_key))
        .route("/v1/names/{name}/zonefile", get(names::zonefile))
        .route(
            "/v1/names/{name}/zonefile/{hash}",
            get(names::zonefile_by_hash),
        )
        .route("/v1/addresses/{chain}/{address}", get(names::by_address))
        .route("/v1/users/{name}", get(users::profile))
        .route("/v1/search", get(search::search))
        .route("/v1/namespaces", get(namespaces::list))
        .route("/v1/namespaces/{ns}", get(namespaces::info))
        .route("/v1/namespaces/{ns}/names", get(namespaces::names))
        .route(
            "/v1/prices/namespaces/{ns}",
            get(namespaces::namespace_price),
        )
        .route("/v1/prices/names/{name}", get(namespaces::name_price))
        .route(
            "/v1/blockchains/{chain}/name_count",
            get(blockchains::name_count),
        )
        .route(
            "/v1/blockchains/{chain}/consensus",
            get(blockchains::consensus),
        )
        .route(
            "/v1/blockchains/{chain}/operations/{height}",
            get(blockchains::operations),
        )
        .route(
            "/v1/blockchains/{chain}/names/{name}/history",
            get(blockchains::name_history),
        )
        .route("/openapi.json", get(openapi::serve))
        .with_state(service)
}

/// The transport around a route table: the original's answers for unknown paths and wrong
/// methods, request limits, CORS and tracing.
pub fn app(routes: Router) -> Router {
    routes
        .method_not_allowed_fallback(|| async { ApiError::WrongMethod })
        .fallback(|| async { ApiError::NoRoute })
        .layer(middleware::from_fn(limits))
        .layer(axum::extract::DefaultBodyLimit::max(
            MAX_BODY_BYTES as usize,
        ))
        .layer(middleware::from_fn(cors))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// The read API: [`app`] over [`routes`].
pub fn router(service: QueryService) -> Router {
    app(routes(service))
}

/// Serves the REST API on `listener` until `shutdown` completes; in-flight requests finish.
pub async fn serve_rest(
    listener: tokio::net::TcpListener,
    service: QueryService,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_app(listener, router(service), shutdown).await
}

/// Serves an [`app`] (for instance the read routes merged with the write routes) on
/// `listener`, normalising paths before routing, until `shutdown` completes.
pub async fn serve_app(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = middleware::from_fn(normalize).layer(app);
    axum::serve(listener, app.into_make_service())
        .with_graceful_shutdown(shutdown)
        .await
}

/// Rewrites the path as the original's `posixpath.normpath` does, before routing.
async fn normalize(mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let normal = normalize_path(path);
    if normal != path {
        let rebuilt = match req.uri().query() {
            Some(q) => format!("{normal}?{q}"),
            None => normal,
        };
        if let Ok(uri) = rebuilt.parse::<Uri>() {
            *req.uri_mut() = uri;
        }
    }
    next.run(req).await
}

/// `posixpath.normpath` for an absolute URL path.
pub fn normalize_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

/// CORS as the original: a preflight answer for `OPTIONS` under `/v1/` and `/insight-api/`,
/// `Access-Control-Allow-Origin: *` on everything else.
async fn cors(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if req.method() == Method::OPTIONS
        && (path.starts_with("/v1/") || path.starts_with("/insight-api/"))
    {
        let mut resp = StatusCode::OK.into_response();
        let h = resp.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, PUT, POST, DELETE"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type, authorization, range"),
        );
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("content-length, content-range"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("21600"),
        );
        return resp;
    }
    let mut resp = next.run(req).await;
    resp.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    resp
}

/// Request checks before routing and limits: a query string that names a key twice is
/// refused (401) on every path, as the original parses it before it routes; `HEAD` is not
/// served (404, as the original); a declared body over [`MAX_BODY_BYTES`] is refused (413)
/// before anything reads it; and a request that runs past [`REQUEST_TIMEOUT`] fails (503).
async fn limits(req: Request, next: Next) -> Response {
    if let Some(Err(e)) = req.uri().query().map(Qs::parse) {
        return e.into_response();
    }
    // No route of the original answers HEAD (axum would answer it from the GET handler).
    if req.method() == Method::HEAD {
        return ApiError::WrongMethod.into_response();
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().parse::<u64>().unwrap_or(u64::MAX));
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return ApiError::PayloadTooLarge.into_response();
    }
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => ApiError::Timeout.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_path;

    #[test]
    fn paths_normalise_like_normpath() {
        assert_eq!(normalize_path("/v1/names/"), "/v1/names");
        assert_eq!(
            normalize_path("//v1//names/foo.test/./zonefile/"),
            "/v1/names/foo.test/zonefile"
        );
        assert_eq!(normalize_path("/v1/names/../ping"), "/v1/ping");
        assert_eq!(normalize_path("/"), "/");
        assert_eq!(normalize_path("/../.."), "/");
    }
}
