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

/// Most missing zone files listed by `/v1/info`.
pub const MAX_MISSING_LISTED: usize = 100;

/// `GET /v1/info`: the node RPC's `getinfo` reply (not a v0.18 REST route; added so REST
/// clients see the node's tip and consensus hash without XML-RPC), plus the operator view
/// when the node runs Atlas: `atlas` (its peers, the zone files held and expected, and the
/// first [`MAX_MISSING_LISTED`] still missing with the names that announced them) and
/// `subdomains` (what the subdomain index holds).
#[utoipa::path(get, path = "/v1/info", tag = "node", responses((status = 200, description = "Node status, as the RPC getinfo, with the Atlas and subdomain view", body = Object)))]
pub async fn info(State(svc): State<QueryService>) -> Result<PyJson<Value>, ApiError> {
    let atlas = svc.atlas();
    let (mut info, subdomains) = svc
        .query(|r| Ok::<_, ApiError>((r.getinfo()?, r.subdomain_stats()?)))
        .await??;
    if let (Some(atlas), Value::Object(m)) = (atlas, &mut info) {
        let overview = tokio::task::spawn_blocking(move || atlas.overview(MAX_MISSING_LISTED))
            .await
            .map_err(|_| ApiError::Internal)?;
        m.insert(
            "atlas".into(),
            serde_json::to_value(overview).map_err(|_| ApiError::Internal)?,
        );
    }
    if let (Some(stats), Value::Object(m)) = (subdomains, &mut info) {
        m.insert("subdomains".into(), stats);
    }
    Ok(PyJson(info))
}

/// `GET /`: a one-line page, used as a liveness probe.
pub async fn index() -> Html<&'static str> {
    Html(
        "<html><head><title>Blockstack Core API</title></head>\
         <body>Blockstack Core API; see /openapi.json and /v1/ping.</body></html>",
    )
}
