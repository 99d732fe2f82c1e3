//! `/`, `/v1/ping`, `/v1/node/ping` and `/v1/info`.

use axum::extract::State;
use axum::response::Html;
use serde_json::{json, Value};

use super::extract::PyJson;
use super::openapi::*;
use crate::error::ApiError;
use crate::service::QueryService;

/// `GET /v1/ping`, `GET /v1/node/ping`: `{"status": "alive", "version": <series version>}`.
#[utoipa::path(get, path = "/v1/ping", tag = "node", responses((status = 200, description = "Alive", body = Ping)))]
pub async fn ping(State(svc): State<QueryService>) -> PyJson<Value> {
    PyJson(json!({"status": "alive", "version": svc.config().series_version()}))
}

/// `GET /v1/info`: the node RPC's `getinfo` reply (not a v0.18 REST route; added so REST
/// clients see the node's tip and consensus hash without XML-RPC).
#[utoipa::path(get, path = "/v1/info", tag = "node", responses((status = 200, description = "Node status, as the RPC getinfo", body = Object)))]
pub async fn info(State(svc): State<QueryService>) -> Result<PyJson<Value>, ApiError> {
    Ok(PyJson(svc.read(|r| r.getinfo()).await??))
}

/// `GET /`: a one-line page, used as a liveness probe.
pub async fn index() -> Html<&'static str> {
    Html(
        "<html><head><title>Blockstack Core API</title></head>\
         <body>Blockstack Core API; see /openapi.json and /v1/ping.</body></html>",
    )
}
