//! `GET /v1/users/{name}`: a name's profile (rest-api.md §7.9), resolved as the original's
//! `GET_user_profile` does through `blockstack lookup`: the bare profile object, or 404
//! `{"error": ...}`.
//!
//! The v0.18 daemon asks for an app session or the API password (`user_read`) and the wallet's
//! data key on this route. Here it is public, like every read route of this API and like the
//! public resolver that served the same data to browsers: a profile is public data signed by
//! its owner, and the clients that send the password (the Browser, the subdomain registrar)
//! are served all the same.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::extract::PyJson;
use super::names::{checked_name, client_record, record_zonefile};
use super::openapi::*;
use crate::error::ApiError;
use crate::profile::NameSource;
use crate::records::is_subdomain;
use crate::service::source::Source;
use crate::service::QueryService;

/// The name's current zone file and owner, or why it has no profile (`cli_lookup`'s checks).
fn name_source(r: &Source<'_>, name: &str) -> Result<Result<NameSource, String>, ApiError> {
    let rec = match client_record(r, name, false)? {
        Ok(rec) => rec,
        Err(e) => return Ok(Err(e)),
    };
    if !is_subdomain(name) {
        let flag = |key: &str| rec.get(key).and_then(Value::as_bool).unwrap_or(false);
        if flag("revoked") {
            return Ok(Err(
                "Name is revoked. Use `whois` or `get_name_blockchain_record` for details.".into(),
            ));
        }
        if flag("expired") {
            return Ok(Err("Name is expired. Use `whois` or `get_name_blockchain_record` for details. If you own this name, use `renew` to renew it.".into()));
        }
    }
    let Some(value_hash) = rec.get("value_hash").and_then(Value::as_str) else {
        return Ok(Err("No zone file hash for name".into()));
    };
    let Some(zonefile) = record_zonefile(&rec) else {
        return Ok(Err("Failed to load raw name zonefile".into()));
    };
    let owner = rec
        .get("address")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Ok(Ok(NameSource {
        name: name.to_owned(),
        value_hash: value_hash.to_owned(),
        zonefile,
        owner,
    }))
}

/// `GET /v1/users/{name}`: the profile the name's zone file points to, verified against the
/// name's data key or owner address.
#[utoipa::path(get, path = "/v1/users/{name}", tag = "users", params(("name" = String, Path, description = "Fully-qualified name or subdomain, e.g. `foo.id`")), responses((status = 200, description = "The profile object, as signed by the name's owner", body = Object), (status = 400, description = "Malformed name", body = ErrorBody), (status = 404, description = "No profile: unknown, revoked or expired name, no zone file, or no verified profile at its URLs", body = ErrorBody), (status = 503, description = "Server busy (every read or profile fetch slot taken)", body = ErrorBody)))]
pub async fn profile(
    State(svc): State<QueryService>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    checked_name(&name)?;
    let source = svc
        .query_point(move |r| name_source(r, &name))
        .await??
        .map_err(ApiError::NotFound)?;
    let name = source.name.clone();
    let resolution = svc.profiles().resolve(source).await;
    let profile = match resolution.outcome {
        Ok(profile) => profile,
        Err(_) if resolution.busy => return Err(ApiError::Busy),
        Err(e) => return Err(ApiError::NotFound(e)),
    };
    if resolution.fresh {
        // The index write may wait behind a refresh step: the reply does not.
        if let Some(index) = svc.search().cloned() {
            let stored = profile.clone();
            tokio::task::spawn_blocking(move || {
                if let Err(e) = index.set_profile(&name, &stored) {
                    tracing::warn!(error = %e, "cannot index a profile");
                }
            });
        }
    }
    Ok(PyJson(profile).into_response())
}
