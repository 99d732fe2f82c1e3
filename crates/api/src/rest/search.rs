//! `GET /v1/search?query=<q>[&limit_results=N]` (rest-api.md §7.11): names and resolved
//! profiles whose words start with the query's words, as
//! `{"results": [{"username", "fullyQualifiedName", "profile"}]}`.
//!
//! As the original's search: an empty or blank `query` answers `{}` and at most 50 results
//! come back unless `limit_results` says otherwise. Where it differs: a missing `query` is 400
//! `{"error": "No query given"}` (the original: 200 `{"status": -1, "message": ...}`), and a
//! `limit_results` that is not an integer from 1 to [`MAX_LIMIT`] or a query longer than
//! [`MAX_QUERY_CHARS`] is 400 (the original ignores a bad limit).

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::extract::{PyJson, Qs};
use super::openapi::*;
use crate::error::ApiError;
use crate::search::index::label_of;
use crate::service::QueryService;

/// Results when `limit_results` is not given (the original's `SEARCH_DEFAULT_LIMIT`).
pub const DEFAULT_LIMIT: usize = 50;

/// The largest `limit_results` accepted.
pub const MAX_LIMIT: usize = 100;

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 128;

/// Whether the raw query string names `key` at all (with a blank value, which [`Qs`] drops).
fn names_key(raw: &str, key: &str) -> bool {
    raw.split(['&', ';'])
        .any(|pair| pair.split_once('=').map_or(pair, |(k, _)| k) == key)
}

/// `limit_results=`: an integer (Python `int()` form) from 1 to [`MAX_LIMIT`].
fn limit(qs: &Qs) -> Result<usize, ApiError> {
    let Some(raw) = qs.get("limit_results") else {
        return Ok(DEFAULT_LIMIT);
    };
    raw.trim()
        .parse::<i128>()
        .ok()
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| (1..=MAX_LIMIT).contains(n))
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "limit_results must be an integer from 1 to {MAX_LIMIT}"
            ))
        })
}

/// `GET /v1/search`.
#[utoipa::path(get, path = "/v1/search", tag = "search", params(("query" = String, Query, description = "Words to look for; each must start a word of the name or of the profile's name or description"), ("limit_results" = Option<u64>, Query, description = "Most results returned, 1 to 100 (default 50)")), responses((status = 200, description = "Matches, exact name labels first; `{}` for an empty query", body = SearchResults), (status = 400, description = "Missing query, query too long, or bad limit_results", body = ErrorBody), (status = 401, description = "A query argument given twice", body = ErrorBody), (status = 501, description = "The node keeps no search index", body = ErrorBody)))]
pub async fn search(
    State(svc): State<QueryService>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let raw = raw.unwrap_or_default();
    let qs = Qs::parse(&raw)?;
    let query = match qs.get("query") {
        Some(q) => q.to_owned(),
        None if names_key(&raw, "query") => String::new(),
        None => return Err(ApiError::BadRequest("No query given".into())),
    };
    if query.trim().is_empty() {
        return Ok(PyJson(json!({})).into_response());
    }
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::BadRequest(format!(
            "query is longer than {MAX_QUERY_CHARS} characters"
        )));
    }
    let limit = limit(&qs)?;
    let index = svc
        .search()
        .cloned()
        .ok_or_else(|| ApiError::NotEnabled("Search is not enabled on this node".into()))?;
    let hits = tokio::task::spawn_blocking(move || index.search(&query, limit))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "search task failed");
            ApiError::Internal
        })?
        .map_err(|e| {
            tracing::error!(error = %e, "search failed");
            ApiError::Internal
        })?;
    let results: Vec<Value> = hits
        .into_iter()
        .map(|hit| {
            json!({
                "username": label_of(&hit.name),
                "fullyQualifiedName": hit.name,
                "profile": hit.profile.unwrap_or_else(|| Value::Object(Map::new())),
            })
        })
        .collect();
    Ok(PyJson(json!({ "results": results })).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_blank_keys() {
        let q = |s: &str| Qs::parse(s).expect("qs");
        assert_eq!(limit(&q("")).ok(), Some(DEFAULT_LIMIT));
        assert_eq!(limit(&q("limit_results=+7")).ok(), Some(7));
        for bad in [
            "limit_results=0",
            "limit_results=101",
            "limit_results=x",
            "limit_results=-1",
        ] {
            assert!(
                matches!(limit(&q(bad)), Err(ApiError::BadRequest(_))),
                "{bad}"
            );
        }
        assert!(names_key("a=1&query=", "query"));
        assert!(names_key("query", "query"));
        assert!(!names_key("queryx=1", "query"));
    }
}
