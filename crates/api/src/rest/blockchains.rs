//! `/v1/blockchains/{chain}/…`: name count, consensus hash, the operations of a block
//! (rest-api.md §7.7).

use axum::extract::{Path, State};
use serde_json::{json, Map, Value};

use super::extract::{bitcoin_only, name_route_ok, PyJson, Qs};
use super::openapi::*;
use crate::error::ApiError;
use crate::records::{check_name, is_subdomain};
use crate::service::QueryService;

/// `GET /v1/blockchains/{chain}/name_count[?all=true]`: `{"names_count": n}`.
#[utoipa::path(get, path = "/v1/blockchains/{chain}/name_count", tag = "blockchains", params(("chain" = Chain, Path, description = "Must be `bitcoin`"), ("all" = Option<bool>, Query, description = "Count expired names too")), responses((status = 200, description = "Count", body = NamesCount), (status = 401, description = "Bad query argument", body = ErrorBody)))]
pub async fn name_count(
    State(svc): State<QueryService>,
    Path(chain): Path<String>,
    qs: Qs,
) -> Result<PyJson<Value>, ApiError> {
    bitcoin_only(&chain)?;
    let all = qs.flag("all");
    let count = svc.query(move |r| r.num_names(all)).await??;
    Ok(PyJson(json!({"names_count": count})))
}

/// `GET /v1/blockchains/{chain}/consensus`: the consensus hash at the last processed block.
#[utoipa::path(get, path = "/v1/blockchains/{chain}/consensus", tag = "blockchains", params(("chain" = Chain, Path, description = "Must be `bitcoin`")), responses((status = 200, description = "Consensus hash at the last processed block", body = ConsensusHash), (status = 401, description = "Bad query argument", body = ErrorBody)))]
pub async fn consensus(
    State(svc): State<QueryService>,
    Path(chain): Path<String>,
) -> Result<PyJson<Value>, ApiError> {
    bitcoin_only(&chain)?;
    let info = svc.query(|r| r.getinfo()).await??;
    Ok(PyJson(json!({
        "consensus_hash": info.get("consensus").cloned().unwrap_or(Value::Null),
    })))
}

/// `GET /v1/blockchains/{chain}/operations/{height}`: every operation of the block (the
/// preorders made in it, then the states recorded in it, by `vtxindex`).
#[utoipa::path(get, path = "/v1/blockchains/{chain}/operations/{height}", tag = "blockchains", params(("chain" = Chain, Path, description = "Must be `bitcoin`"), ("height" = u64, Path, description = "Block height")), responses((status = 200, description = "The operations of the block", body = Vec<Object>), (status = 401, description = "Bad query argument", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn operations(
    State(svc): State<QueryService>,
    Path((chain, height)): Path<(String, String)>,
) -> Result<PyJson<Value>, ApiError> {
    bitcoin_only(&chain)?;
    if height.is_empty() || !height.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::NoRoute);
    }
    svc.query(move |r| {
        let min = if r.rules().test_mode {
            1
        } else {
            blockstack_consensus::rules::FIRST_BLOCK_MAINNET
        };
        let height = height
            .parse::<u64>()
            .ok()
            .filter(|h| (min..=10_000_000).contains(h))
            .ok_or_else(|| ApiError::NotFound("Invalid block height".into()))?;
        let ops: Vec<Map<String, Value>> = r.nameops_at(height)?;
        Ok(PyJson(json!(ops)))
    })
    .await?
}

/// `GET /v1/blockchains/{chain}/names/{name}/history`: never implemented by the original —
/// 405 once the name is found, else the lookup's error.
#[utoipa::path(get, path = "/v1/blockchains/{chain}/names/{name}/history", tag = "blockchains", params(("chain" = Chain, Path, description = "Must be `bitcoin`"), ("name" = String, Path, description = "Fully-qualified name, e.g. `foo.test`")), responses((status = 405, description = "Never implemented", body = ErrorBody), (status = 400, description = "Malformed name", body = ErrorBody), (status = 401, description = "Not `bitcoin`", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
pub async fn name_history(
    State(svc): State<QueryService>,
    Path((chain, name)): Path<(String, String)>,
) -> Result<PyJson<Value>, ApiError> {
    bitcoin_only(&chain)?;
    if !name_route_ok(&name) {
        return Err(ApiError::InvalidName);
    }
    if is_subdomain(&name) && !check_name(&name) {
        let found = svc.query(move |r| r.subdomain_exists(&name)).await??;
        return Err(if found {
            ApiError::Unimplemented
        } else {
            ApiError::NotFound("Failed to load subdomain".into())
        });
    }
    if !check_name(&name) {
        return Err(ApiError::NotFound("Invalid name or subdomain".into()));
    }
    let found = svc.query(move |r| r.name_exists(&name)).await??;
    if found {
        Err(ApiError::Unimplemented)
    } else {
        Err(ApiError::NotFound("Not found.".into()))
    }
}
