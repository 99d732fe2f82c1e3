//! `/openapi.json`: the OpenAPI description of the read routes, generated from the
//! `#[utoipa::path]` attributes on the handlers, and the schemas of the fixed-shape replies.
//! Records whose fields depend on the operation (name and namespace states) are described as
//! free-form objects.

use axum::http::header;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

/// `{"error": "..."}`: every JSON failure reply.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: String,
}

/// `{"status": "available"}`: an unregistered name.
#[derive(Debug, Serialize, ToSchema)]
pub struct Available {
    /// Always `available`.
    pub status: String,
}

/// The ping reply.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ping {
    /// Always `alive`.
    pub status: String,
    /// The series version, `major.minor.patch`.
    pub version: String,
}

/// `GET /v1/names/{name}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct NameInfo {
    /// `registered` or `revoked`.
    pub status: String,
    /// The zone file text, `{"error": "Non-standard zone file"}`, or null.
    pub zonefile: Option<ZonefileField>,
    /// The on-chain zone file hash (40 hex), or null.
    pub zonefile_hash: Option<String>,
    /// The owner, as a mainnet address.
    pub address: String,
    /// Txid of the last operation.
    pub last_txid: String,
    /// Always `bitcoin`.
    pub blockchain: String,
    /// The block the name expires at, −1 if never.
    pub expire_block: i64,
}

/// The blockchain of the `/v1/blockchains/{chain}/…` and `/v1/addresses/{chain}/…` routes:
/// only `bitcoin` is served (anything else is 401 `Invalid blockchain` or `Unsupported
/// blockchain`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code, reason = "describes a reply the handlers build as JSON")]
pub enum Chain {
    /// Bitcoin.
    Bitcoin,
}

/// The `zonefile` of a name: its text when standard, else the error object.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code, reason = "describes a reply the handlers build as JSON")]
pub enum ZonefileField {
    /// The zone file text.
    Text(String),
    /// `{"error": "Non-standard zone file"}`.
    NonStandard(ErrorBody),
}

/// `GET /v1/names/{name}/zonefile` without `raw`: the text, or (status 200 all the same) the
/// error of a non-standard zone file.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code, reason = "describes a reply the handlers build as JSON")]
pub enum ZonefileReply {
    /// `{"zonefile": text}`.
    Zonefile(ZonefileBody),
    /// `{"error": "Non-standard zone file.  Try passing raw=1 to get the raw zone file."}`.
    NonStandard(ErrorBody),
}

/// `{"public_key": hex}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicKey {
    /// The data public key, hex.
    pub public_key: String,
}

/// `{"zonefile": text}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ZonefileBody {
    /// The zone file text.
    pub zonefile: String,
}

/// `{"names": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressNames {
    /// Names owned by the address.
    pub names: Vec<String>,
}

/// `{"satoshis": n}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Satoshis {
    /// The price in satoshis.
    pub satoshis: u64,
}

/// A price in both units.
#[derive(Debug, Serialize, ToSchema)]
pub struct Price {
    /// Satoshis.
    pub satoshis: u64,
    /// Bitcoin.
    pub btc: f64,
}

/// `GET /v1/prices/names/{name}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct NamePrice {
    /// The name's price.
    pub name_price: Price,
}

/// `{"names_count": n}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct NamesCount {
    /// How many names.
    pub names_count: u64,
}

/// `{"consensus_hash": hex}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsensusHash {
    /// 32 hex digits, or null before the first block.
    pub consensus_hash: Option<String>,
}

/// One `GET /v1/search` result.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchResult {
    /// The name without its namespace (`alice` of `alice.id`).
    pub username: String,
    /// The name (`alice.id`).
    pub fully_qualified_name: String,
    /// The profile last resolved for the name (`{}` if none has been).
    #[schema(value_type = Object)]
    pub profile: serde_json::Value,
}

/// `GET /v1/search`: `{"results": [...]}`, or `{}` for an empty query.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResults {
    /// The matches; absent when the query was empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results: Option<Vec<SearchResult>>,
}

/// The OpenAPI document of the read routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Blockstack Core REST API (read routes)",
        description = "The read routes of the v0.18 `blockstack api` daemon, served from the node's name database."
    ),
    paths(
        super::node::ping,
        super::node::info,
        super::names::list,
        super::names::info,
        super::names::history,
        super::names::public_key,
        super::names::zonefile,
        super::names::zonefile_by_hash,
        super::names::by_address,
        super::users::profile,
        super::search::search,
        super::namespaces::list,
        super::namespaces::info,
        super::namespaces::names,
        super::namespaces::namespace_price,
        super::namespaces::name_price,
        super::blockchains::name_count,
        super::blockchains::consensus,
        super::blockchains::operations,
        super::blockchains::name_history,
    ),
    components(schemas(
        ErrorBody,
        Chain,
        Available,
        Ping,
        NameInfo,
        PublicKey,
        ZonefileBody,
        ZonefileField,
        ZonefileReply,
        AddressNames,
        Satoshis,
        Price,
        NamePrice,
        NamesCount,
        ConsensusHash,
        SearchResult,
        SearchResults
    ))
)]
pub struct ApiDoc;

/// The document as JSON.
pub fn document() -> serde_json::Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or(serde_json::Value::Null)
}

/// `GET /openapi.json`.
pub async fn serve() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string(&ApiDoc::openapi()).unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_described_shapes_serialize_as_the_handlers_reply() {
        assert_eq!(
            serde_json::to_value(Chain::Bitcoin).ok(),
            Some(json!("bitcoin"))
        );
        let text = ZonefileField::Text("$ORIGIN a.id\n".into());
        assert_eq!(
            serde_json::to_value(text).ok(),
            Some(json!("$ORIGIN a.id\n"))
        );
        let odd = ZonefileField::NonStandard(ErrorBody {
            error: "Non-standard zone file".into(),
        });
        assert_eq!(
            serde_json::to_value(odd).ok(),
            Some(json!({"error": "Non-standard zone file"}))
        );
        let reply = ZonefileReply::Zonefile(ZonefileBody {
            zonefile: "z".into(),
        });
        assert_eq!(
            serde_json::to_value(reply).ok(),
            Some(json!({"zonefile": "z"}))
        );
        let doc = document();
        let zonefile = &doc["components"]["schemas"]["NameInfo"]["properties"]["zonefile"];
        assert!(zonefile.to_string().contains("ZonefileField"), "{zonefile}");
        let chain = &doc["components"]["schemas"]["Chain"]["enum"];
        assert_eq!(chain, &json!(["bitcoin"]));
        let result = SearchResult {
            username: "alice".into(),
            fully_qualified_name: "alice.id".into(),
            profile: json!({}),
        };
        assert_eq!(
            serde_json::to_value(result).ok(),
            Some(json!({"username": "alice", "fullyQualifiedName": "alice.id", "profile": {}}))
        );
        let empty = SearchResults { results: None };
        assert_eq!(serde_json::to_value(empty).ok(), Some(json!({})));
        let required = &doc["components"]["schemas"]["SearchResults"]["required"];
        assert!(
            !required.to_string().contains("results"),
            "an empty query's {{}} fits the schema: {required}"
        );
        let search = &doc["components"]["schemas"]["SearchResult"]["properties"];
        assert!(search.get("fullyQualifiedName").is_some(), "{search}");
        for path in ["/v1/users/{name}", "/v1/search"] {
            assert!(doc["paths"][path]["get"].is_object(), "{path}");
        }
        let raw = &doc["paths"]["/v1/names/{name}/zonefile"]["get"]["responses"]["200"]["content"];
        assert!(raw.get("application/octet-stream").is_some(), "{raw}");
    }
}
