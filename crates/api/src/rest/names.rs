//! `/v1/names…` and `/v1/addresses…`: name listings, lookups, history and zone files
//! (rest-api.md §7.3).

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use blockstack_consensus::AddressNetwork;
use serde_json::{json, Map, Value};

use super::extract::{name_route_ok, PyJson, Qs, PAGE_SIZE};
use super::openapi::*;
use crate::error::ApiError;
use crate::records::{check_address, check_name, is_subdomain, reencode_address};
use crate::service::source::{past_renewal, Source};
use crate::service::{QueryService, StatementReader};
use crate::zonefiles::{is_standard_zonefile, is_zonefile_hash};
use blockstack_namedb::queries::SummaryLookup;

/// `GET /v1/names?page=N[&all=true]`: one page of 100 names, sorted; `all` includes expired
/// names.
#[utoipa::path(get, path = "/v1/names", tag = "names", params(("page" = u64, Query, description = "Page number; 100 names per page"), ("all" = Option<bool>, Query, description = "Include expired names")), responses((status = 200, description = "Names, sorted", body = Vec<String>), (status = 401, description = "Bad query argument", body = ErrorBody)))]
pub async fn list(State(svc): State<QueryService>, qs: Qs) -> Result<PyJson<Value>, ApiError> {
    let page = qs.page()?;
    let all = qs.flag("all");
    let offset = page * PAGE_SIZE;
    let names = svc
        .query(move |r| r.all_names(offset, PAGE_SIZE, all))
        .await??;
    Ok(PyJson(json!(names)))
}

/// How the REST layer checks a name from the path: the route's character class, then
/// name-or-subdomain syntax.
pub(super) fn checked_name(name: &str) -> Result<(), ApiError> {
    if name_route_ok(name) && (check_name(name) || is_subdomain(name)) {
        Ok(())
    } else {
        Err(ApiError::InvalidName)
    }
}

/// The record as the reference client's `get_name_record` returns it to the REST handlers
/// ([`Source::client_record`]).
pub(super) fn client_record(
    r: &Source<'_>,
    name: &str,
    with_history: bool,
) -> Result<Result<Map<String, Value>, String>, ApiError> {
    r.client_record(name, with_history)
}

/// The zone file bytes a record carries (base64 in `zonefile`).
pub(super) fn record_zonefile(rec: &Map<String, Value>) -> Option<Vec<u8>> {
    rec.get("zonefile")
        .and_then(Value::as_str)
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
}

/// `GET /v1/names/{name}`: status, owner (mainnet address), zone file, hash, last txid and
/// expiry block; 404 `{"status": "available"}` for an unregistered name. A subdomain is
/// `registered_subdomain` with its own zone file as `zonefile_txt` and no expiry.
#[utoipa::path(get, path = "/v1/names/{name}", tag = "names", params(("name" = String, Path, description = "Fully-qualified name, e.g. `foo.test`")), responses((status = 200, description = "The name", body = NameInfo), (status = 404, description = "Not registered", body = Available), (status = 400, description = "Malformed name", body = ErrorBody), (status = 500, description = "Indexer-side error", body = ErrorBody)))]
pub async fn info(
    State(svc): State<QueryService>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    checked_name(&name)?;
    if !is_subdomain(&name) && svc.is_local() {
        return svc.read_statement(move |r| name_info(r, &name)).await?;
    }
    svc.query_point(move |r| {
        if is_subdomain(&name) {
            subdomain_info(r, &name).map(IntoResponse::into_response)
        } else {
            record_name_info(r, &name)
        }
    })
    .await?
}

/// The `zonefile` of a `/v1/names/{name}` reply.
enum ZonefileField<'a> {
    /// No zone file held (or none named): `null`.
    Absent,
    /// A standard zone file's text.
    Text(&'a str),
    /// `{"error": "Non-standard zone file"}`.
    NonStandard,
}

impl serde::Serialize for ZonefileField<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        match self {
            Self::Absent => s.serialize_unit(),
            Self::Text(text) => s.serialize_str(text),
            Self::NonStandard => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("error", "Non-standard zone file")?;
                m.end()
            }
        }
    }
}

/// `/v1/names/{name}` of a name, its keys in the sorted order `json.dumps` writes a dict's.
#[derive(serde::Serialize)]
struct NameInfoBody<'a> {
    address: String,
    blockchain: &'static str,
    expire_block: i64,
    last_txid: &'a str,
    status: &'static str,
    zonefile: ZonefileField<'a>,
    zonefile_hash: Option<&'a str>,
}

/// `/v1/names/{name}` of a name, read by one statement from its row and its namespace's: the
/// same reply as through [`client_record`], without the record's detour through JSON and
/// base64.
fn name_info(r: &StatementReader<'_>, name: &str) -> Result<Response, ApiError> {
    let found = match r.db.name_summary(r.rules, name)? {
        SummaryLookup::NotFound | SummaryLookup::NamespaceMissing => {
            return Err(ApiError::NameAvailable)
        }
        SummaryLookup::Found(found) => found,
    };
    if past_renewal(found.lastblock, found.deadlines.renewal_deadline) {
        return Err(ApiError::Indexer(
            "Blockstack daemon error: Name expired".into(),
        ));
    }
    let text = found
        .value_hash
        .as_deref()
        .filter(|_| r.config.atlas_enabled)
        .and_then(|hash| r.zonefile_text(hash));
    let zonefile = match &text {
        None => ZonefileField::Absent,
        Some(Some(text)) => ZonefileField::Text(text),
        Some(None) => ZonefileField::NonStandard,
    };
    Ok(PyJson(NameInfoBody {
        address: reencode_address(&found.address, AddressNetwork::Mainnet),
        blockchain: "bitcoin",
        expire_block: found.deadlines.expire_block,
        last_txid: &found.txid,
        status: if found.revoked {
            "revoked"
        } else {
            "registered"
        },
        zonefile,
        zonefile_hash: found.value_hash.as_deref(),
    })
    .into_response())
}

/// `/v1/names/{name}` of a name, from its record as the RPC returns it: the reply
/// [`name_info`] reads from the row.
fn record_name_info(r: &Source<'_>, name: &str) -> Result<Response, ApiError> {
    let rec = match client_record(r, name, false)? {
        Ok(rec) => rec,
        Err(e) if e == "Not found." => return Err(ApiError::NameAvailable),
        Err(e) => return Err(ApiError::Indexer(format!("Blockstack daemon error: {e}"))),
    };
    let text = |key: &str| rec.get(key).and_then(Value::as_str);
    let value_hash = text("value_hash");
    let bytes = record_zonefile(&rec);
    let standard_text = match (value_hash, &bytes) {
        (Some(hash), Some(bytes)) if r.is_standard_zonefile(hash, bytes) => {
            Some(String::from_utf8_lossy(bytes))
        }
        _ => None,
    };
    let zonefile = match (&standard_text, value_hash.and(bytes.as_ref())) {
        (Some(text), _) => ZonefileField::Text(text),
        (None, Some(_)) => ZonefileField::NonStandard,
        (None, None) => ZonefileField::Absent,
    };
    Ok(PyJson(NameInfoBody {
        address: reencode_address(text("address").unwrap_or_default(), AddressNetwork::Mainnet),
        blockchain: "bitcoin",
        expire_block: rec
            .get("expire_block")
            .and_then(Value::as_i64)
            .unwrap_or(-1),
        last_txid: text("txid").unwrap_or_default(),
        status: if rec.get("revoked").and_then(Value::as_bool) == Some(true) {
            "revoked"
        } else {
            "registered"
        },
        zonefile,
        zonefile_hash: value_hash,
    })
    .into_response())
}

/// `/v1/names/{name}` of a subdomain.
fn subdomain_info(r: &Source<'_>, name: &str) -> Result<PyJson<Value>, ApiError> {
    let rec = match client_record(r, name, false)? {
        Ok(rec) => rec,
        Err(e) if e == "Not found." || e == "Failed to load subdomain" => {
            return Err(ApiError::NameAvailable)
        }
        Err(e) => return Err(ApiError::Indexer(format!("Blockstack daemon error: {e}"))),
    };
    let zonefile = match record_zonefile(&rec) {
        None => Value::Null,
        Some(bytes) if is_standard_zonefile(&bytes) => {
            Value::from(String::from_utf8_lossy(&bytes).into_owned())
        }
        Some(_) => json!({"error": "Non-standard zone file"}),
    };
    // The original hashes `zonefile_txt` (and fails on the error object); the record's
    // `value_hash` is that hash for a standard zone file.
    Ok(PyJson(json!({
        "status": "registered_subdomain",
        "zonefile_txt": zonefile,
        "zonefile_hash": rec.get("value_hash").cloned().unwrap_or(Value::Null),
        "address": rec.get("address").cloned().unwrap_or(Value::Null),
        "blockchain": "bitcoin",
        "last_txid": rec.get("txid").cloned().unwrap_or(Value::Null),
    })))
}

/// `GET /v1/names/{name}/history[?start_block=&end_block=]`: block → states, filtered to the
/// range (default: the first block to 2³²).
#[utoipa::path(get, path = "/v1/names/{name}/history", tag = "names", params(("name" = String, Path, description = "Fully-qualified name, e.g. `foo.test`"), ("start_block" = Option<u64>, Query, description = "First block"), ("end_block" = Option<u64>, Query, description = "Last block")), responses((status = 200, description = "Block height to the states recorded at it", body = Object), (status = 400, description = "Malformed name", body = ErrorBody), (status = 401, description = "Bad query argument", body = ErrorBody), (status = 500, description = "Indexer-side error", body = ErrorBody)))]
pub async fn history(
    State(svc): State<QueryService>,
    Path(name): Path<String>,
    qs: Qs,
) -> Result<PyJson<Value>, ApiError> {
    checked_name(&name)?;
    let bound = |key: &str| -> Result<Option<i128>, ApiError> {
        qs.get(key)
            .map(|v| {
                v.trim()
                    .parse::<i128>()
                    .map_err(|_| ApiError::InvalidBlockRange)
            })
            .transpose()
    };
    let start = bound("start_block")?;
    let end = bound("end_block")?.unwrap_or(1 << 32);
    svc.query(move |r| {
        let start = start.unwrap_or(i128::from(r.rules().first_block));
        let rec = client_record(r, &name, true)?.map_err(ApiError::Indexer)?;
        let mut out = Map::new();
        if let Some(Value::Object(history)) = rec.get("history") {
            for (block, states) in history {
                let h: i128 = block.parse().unwrap_or(-1);
                if start <= h && h <= end {
                    out.insert(block.clone(), states.clone());
                }
            }
        }
        Ok(PyJson(Value::Object(out)))
    })
    .await?
}

/// `GET /v1/names/{name}/public_key`: the `pubkey:data:` key of the current zone file,
/// uncompressed, as the original's `cli_get_public_key`: 503 when the name's zone file cannot
/// be loaded as a user zone file (no such name, no zone file held, not one that parses and
/// passes the schema), 404 when it has no such key.
#[utoipa::path(get, path = "/v1/names/{name}/public_key", tag = "names", params(("name" = String, Path, description = "Fully-qualified name, e.g. `foo.test`")), responses((status = 200, description = "The data public key, uncompressed", body = PublicKey), (status = 400, description = "Malformed name", body = ErrorBody), (status = 404, description = "The zone file has no data key", body = ErrorBody), (status = 500, description = "More than one data key, or a key that is not a point", body = ErrorBody), (status = 503, description = "The zone file cannot be loaded", body = ErrorBody)))]
pub async fn public_key(
    State(svc): State<QueryService>,
    Path(name): Path<String>,
) -> Result<PyJson<Value>, ApiError> {
    checked_name(&name)?;
    svc.query(move |r| {
        use blockstack_zonefile::schema::{validate, SchemaVariant};
        let unloadable =
            || ApiError::Unavailable(format!("unable to load or parse zone file for {name}"));
        let rec = client_record(r, &name, false)?.map_err(|_| unloadable())?;
        let zonefile = record_zonefile(&rec)
            .and_then(|bytes| blockstack_zonefile::parse_bytes(&bytes).ok())
            .filter(|zf| validate(zf, SchemaVariant::Client).is_ok())
            .ok_or_else(unloadable)?;
        let key = blockstack_zonefile::bns::data_public_key(&zonefile)
            .map_err(|_| ApiError::Indexer("Invalid zone file: multiple data keys".into()))?
            .ok_or_else(|| ApiError::NotFound(format!("zone file for {name} has no public key")))?;
        Ok(PyJson(json!({"public_key": uncompressed(&key)?})))
    })
    .await?
}

/// A data key in hex as `user_zonefile_data_pubkey` returns it: a compressed key
/// decompressed, any other form as written.
fn uncompressed(key: &str) -> Result<String, ApiError> {
    if key.len() != 66 {
        return Ok(key.to_owned());
    }
    let bytes = hex::decode(key).map_err(|_| ApiError::Indexer("Invalid public key".into()))?;
    let point = bitcoin::secp256k1::PublicKey::from_slice(&bytes)
        .map_err(|_| ApiError::Indexer("Invalid public key".into()))?;
    Ok(hex::encode(point.serialize_uncompressed()))
}

/// A zone file reply: raw bytes, or `{"zonefile": text}`.
fn zonefile_reply(bytes: Vec<u8>, raw: bool) -> Response {
    if raw {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/octet-stream")],
            bytes,
        )
            .into_response()
    } else {
        PyJson(json!({"zonefile": String::from_utf8_lossy(&bytes)})).into_response()
    }
}

/// `GET /v1/names/{name}/zonefile[?raw=1]`: the current zone file.
#[utoipa::path(get, path = "/v1/names/{name}/zonefile", tag = "names", params(("name" = String, Path, description = "Fully-qualified name, e.g. `foo.test`"), ("raw" = Option<bool>, Query, description = "Raw bytes instead of JSON")), responses((status = 200, description = "The current zone file: JSON, or its bytes with `raw`", content((ZonefileReply = "application/json"), (Vec<u8> = "application/octet-stream"))), (status = 400, description = "Malformed name", body = ErrorBody), (status = 401, description = "Bad query argument", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 500, description = "Indexer-side error", body = ErrorBody)))]
pub async fn zonefile(
    State(svc): State<QueryService>,
    Path(name): Path<String>,
    qs: Qs,
) -> Result<Response, ApiError> {
    checked_name(&name)?;
    let raw = qs.flag("raw");
    svc.query(move |r| {
        let rec = client_record(r, &name, false)?.map_err(ApiError::Indexer)?;
        let bytes = record_zonefile(&rec)
            .ok_or_else(|| ApiError::NotFound("No zone file for name".into()))?;
        if !raw && !is_standard_zonefile(&bytes) {
            return Err(ApiError::Soft(
                "Non-standard zone file.  Try passing raw=1 to get the raw zone file.".into(),
            ));
        }
        Ok(zonefile_reply(bytes, raw))
    })
    .await?
}

/// `GET /v1/names/{name}/zonefile/{hash}[?raw=1]`: a zone file the name has had.
#[utoipa::path(get, path = "/v1/names/{name}/zonefile/{hash}", tag = "names", params(("name" = String, Path, description = "Fully-qualified name, e.g. `foo.test`"), ("hash" = String, Path, pattern = "^[0-9a-fA-F]{40}$", description = "40-hex zone file hash"), ("raw" = Option<bool>, Query, description = "Raw bytes instead of JSON")), responses((status = 200, description = "A zone file the name has had: JSON, or its bytes with `raw`", content((ZonefileBody = "application/json"), (Vec<u8> = "application/octet-stream"))), (status = 204, description = "Non-standard zone file"), (status = 400, description = "Malformed name or zone file hash", body = ErrorBody), (status = 401, description = "Bad query argument", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody), (status = 500, description = "Indexer-side error", body = ErrorBody)))]
pub async fn zonefile_by_hash(
    State(svc): State<QueryService>,
    Path((name, hash)): Path<(String, String)>,
    qs: Qs,
) -> Result<Response, ApiError> {
    checked_name(&name)?;
    if !is_zonefile_hash(&hash) {
        return Err(ApiError::InvalidZonefileHash);
    }
    let raw = qs.flag("raw");
    svc.query(move |r| {
        let rec = client_record(r, &name, true)?
            .map_err(|e| ApiError::Indexer(format!("Failed to get name record for {name}: {e}")))?;
        let known = rec
            .get("history")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|h| h.values())
            .filter_map(Value::as_array)
            .flatten()
            .find(|state| state.get("value_hash").and_then(Value::as_str) == Some(&hash));
        let Some(state) = known else {
            return Err(ApiError::NotFound("No such zonefile".into()));
        };
        // A subdomain's history carries its zone files; the node's store holds them too.
        let carried = state
            .as_object()
            .and_then(record_zonefile)
            .filter(|b| blockstack_zonefile::zonefile_hash(b) == hash);
        let bytes = r
            .stored_zonefile(&hash)?
            .and_then(|stored| stored.or(carried))
            .ok_or_else(|| ApiError::NotFound("No such zonefile".into()))?;
        if !raw && !is_standard_zonefile(&bytes) {
            return Err(ApiError::NonStandardHistoric(name));
        }
        Ok(zonefile_reply(bytes, raw))
    })
    .await?
}

/// `GET /v1/addresses/{chain}/{address}`: the names the address owns (re-encoded to this
/// network first), then the subdomains it owns (the address as given; a failed subdomain
/// lookup lists none, as the original).
#[utoipa::path(get, path = "/v1/addresses/{chain}/{address}", tag = "names", params(("chain" = Chain, Path, description = "Must be `bitcoin`"), ("address" = String, Path, description = "Base58check address")), responses((status = 200, description = "Names owned", body = AddressNames), (status = 401, description = "Not `bitcoin`", body = ErrorBody), (status = 404, description = "Not a base58 string (no such route)", body = ErrorBody), (status = 500, description = "Indexer-side error", body = ErrorBody)))]
pub async fn by_address(
    State(svc): State<QueryService>,
    Path((chain, address)): Path<(String, String)>,
) -> Result<PyJson<Value>, ApiError> {
    if chain != "bitcoin" {
        return Err(ApiError::InvalidBlockchain);
    }
    if address.is_empty() || !address.bytes().all(crate::records::is_base58_char) {
        return Err(ApiError::NoRoute);
    }
    svc.query(move |r| {
        let subdomains: Vec<String> = if check_address(&address) {
            r.subdomains_owned_by(&address)
        } else {
            Vec::new()
        };
        let address = reencode_address(&address, r.rules().network);
        if !check_address(&address) {
            return Err(ApiError::Indexer("Failed to list names by address".into()));
        }
        let mut names = r.names_owned_by_address(&address)?;
        names.extend(subdomains);
        Ok(PyJson(json!({ "names": names })))
    })
    .await?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_reply_is_written_with_sorted_keys_like_the_json_object() {
        let body = NameInfoBody {
            address: "1Addr".into(),
            blockchain: "bitcoin",
            expire_block: 426_242,
            last_txid: "ab",
            status: "registered",
            zonefile: ZonefileField::Text("$ORIGIN a.id\n"),
            zonefile_hash: Some("00ff"),
        };
        let as_object = json!({
            "status": "registered",
            "zonefile": "$ORIGIN a.id\n",
            "zonefile_hash": "00ff",
            "address": "1Addr",
            "last_txid": "ab",
            "blockchain": "bitcoin",
            "expire_block": 426_242,
        });
        let text = crate::pyjson::to_string(&body);
        assert_eq!(text, crate::pyjson::to_string(&as_object));
        assert!(text.starts_with(
            r#"{"address": "1Addr", "blockchain": "bitcoin", "expire_block": 426242, "last_txid""#
        ));
        let odd = NameInfoBody {
            zonefile: ZonefileField::NonStandard,
            address: "1Addr".into(),
            ..body
        };
        assert!(crate::pyjson::to_string(&odd)
            .contains(r#""zonefile": {"error": "Non-standard zone file"}, "zonefile_hash""#));
        let none = NameInfoBody {
            zonefile: ZonefileField::Absent,
            zonefile_hash: None,
            ..body
        };
        assert!(crate::pyjson::to_string(&none)
            .ends_with(r#""zonefile": null, "zonefile_hash": null}"#));
    }
}
