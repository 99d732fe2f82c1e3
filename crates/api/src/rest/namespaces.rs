//! `/v1/namespaces…` and `/v1/prices…` (rest-api.md §7.5, §7.6).

use axum::extract::{Path, State};
use serde_json::{json, Value};

use super::extract::{name_route_ok, namespace_route_ok, PyJson, Qs, PAGE_SIZE};
use super::openapi::*;
use crate::error::ApiError;
use crate::records::{check_name, check_namespace};
use crate::service::QueryService;

/// The indexer's answer to a malformed namespace ID, passed on with 404.
const INVALID_NAMESPACE: &str = "Invalid name or namespace";

fn checked_namespace(ns: &str) -> Result<(), ApiError> {
    if !namespace_route_ok(ns) {
        return Err(ApiError::NoRoute);
    }
    if !check_namespace(ns) {
        return Err(ApiError::NotFound(INVALID_NAMESPACE.into()));
    }
    Ok(())
}

/// `GET /v1/namespaces`: the IDs of the ready namespaces, as a bare array.
#[utoipa::path(get, path = "/v1/namespaces", tag = "namespaces", responses((status = 200, description = "IDs of the ready namespaces", body = Vec<String>)))]
pub async fn list(State(svc): State<QueryService>) -> Result<PyJson<Value>, ApiError> {
    let ids = svc.query(|r| r.namespace_ids()).await??;
    Ok(PyJson(json!(ids)))
}

/// `GET /v1/namespaces/{ns}`: the namespace record with `ready` (without `opcode`, which the
/// reference client removes).
#[utoipa::path(get, path = "/v1/namespaces/{ns}", tag = "namespaces", params(("ns" = String, Path, description = "Namespace ID")), responses((status = 200, description = "The namespace record with `ready`", body = Object), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn info(
    State(svc): State<QueryService>,
    Path(ns): Path<String>,
) -> Result<PyJson<Value>, ApiError> {
    checked_namespace(&ns)?;
    let record = svc.query(move |r| r.namespace_record(&ns)).await??;
    let Some(mut rec) = record else {
        return Err(ApiError::NotFound("No such namespace".into()));
    };
    // The reference client drops `opcode` from the record before the REST handler sees it.
    rec.remove("opcode");
    Ok(PyJson(Value::Object(rec)))
}

/// `GET /v1/namespaces/{ns}/names?page=N`: one page of 100 unexpired names.
#[utoipa::path(get, path = "/v1/namespaces/{ns}/names", tag = "namespaces", params(("ns" = String, Path, description = "Namespace ID"), ("page" = u64, Query, description = "Page number; 100 names per page")), responses((status = 200, description = "Names, sorted", body = Vec<String>), (status = 401, description = "Bad query argument", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn names(
    State(svc): State<QueryService>,
    Path(ns): Path<String>,
    qs: Qs,
) -> Result<PyJson<Value>, ApiError> {
    let page = qs.page()?;
    checked_namespace(&ns)?;
    let names = svc
        .query(move |r| r.names_in_namespace(&ns, page * PAGE_SIZE, PAGE_SIZE))
        .await??;
    Ok(PyJson(json!(names)))
}

/// `GET /v1/prices/namespaces/{ns}`: `{"satoshis": price}` at the current block.
#[utoipa::path(get, path = "/v1/prices/namespaces/{ns}", tag = "prices", params(("ns" = String, Path, description = "Namespace ID")), responses((status = 200, description = "Price", body = Satoshis), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn namespace_price(
    State(svc): State<QueryService>,
    Path(ns): Path<String>,
) -> Result<PyJson<Value>, ApiError> {
    checked_namespace(&ns)?;
    let sats = svc.query(move |r| r.namespace_cost(&ns)).await??;
    Ok(PyJson(json!({ "satoshis": sats })))
}

/// `GET /v1/prices/names/{name}`: the name's price as `name_price`. The original adds
/// transaction fee estimates from the daemon's wallet; this read-only API has no wallet and
/// reports the price alone.
#[utoipa::path(get, path = "/v1/prices/names/{name}", tag = "prices", params(("name" = String, Path, description = "Fully-qualified name, e.g. `foo.test`")), responses((status = 200, description = "Price", body = NamePrice), (status = 400, description = "Malformed name", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn name_price(
    State(svc): State<QueryService>,
    Path(name): Path<String>,
) -> Result<PyJson<Value>, ApiError> {
    if !name_route_ok(&name) {
        return Err(ApiError::InvalidName);
    }
    if !check_name(&name) {
        return Err(ApiError::NotFound(INVALID_NAMESPACE.into()));
    }
    let price = svc.query(move |r| r.name_cost(&name)).await??;
    let Some((sats, price)) = price else {
        return Err(ApiError::NotFound("Unknown/invalid namespace".into()));
    };
    let btc = sats.as_f64().unwrap_or(price) * 1e-8;
    Ok(PyJson(json!({
        "name_price": {"satoshis": sats, "btc": btc},
    })))
}
