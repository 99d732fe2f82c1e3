//! bitcoind's unauthenticated REST interface (`-rest`), the read-only part a
//! block fetcher uses: blocks and transactions as `.bin`, `.hex` or `.json`,
//! `blockhashbyheight` and `chaininfo.json`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use bitcoin::consensus::encode::serialize;
use bitcoin::{BlockHash, Txid};
use serde_json::Value;

use super::json::{self, Placement};
use super::App;

/// The three encodings REST serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Bin,
    Hex,
    Json,
}

/// Every REST failure and the status and text bitcoind answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestError {
    /// The extension is not `.bin`, `.hex` or `.json`.
    Format,
    /// The id does not parse.
    Invalid(&'static str, String),
    /// Nothing with that id.
    NotFound(String),
}

impl IntoResponse for RestError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            RestError::Format => (
                StatusCode::NOT_FOUND,
                "output format not found (available: .bin, .hex, .json)".to_owned(),
            ),
            RestError::Invalid(what, id) => {
                (StatusCode::BAD_REQUEST, format!("Invalid {what}: {id}"))
            }
            RestError::NotFound(message) => (StatusCode::NOT_FOUND, message),
        };
        (
            status,
            [(header::CONTENT_TYPE, "text/plain")],
            format!("{body}\r\n"),
        )
            .into_response()
    }
}

/// Splits `<id>.<ext>` and reads the extension.
fn split(file: &str) -> Result<(&str, Format), RestError> {
    let (id, ext) = file.rsplit_once('.').unwrap_or((file, ""));
    let format = match ext {
        "bin" => Format::Bin,
        "hex" => Format::Hex,
        "json" => Format::Json,
        _ => return Err(RestError::Format),
    };
    Ok((id, format))
}

fn reply(format: Format, bytes: Vec<u8>, json: impl FnOnce() -> Value) -> Response {
    match format {
        Format::Bin => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/octet-stream")],
            bytes,
        )
            .into_response(),
        Format::Hex => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain")],
            format!("{}\n", hex::encode(bytes)),
        )
            .into_response(),
        Format::Json => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            format!("{}\n", json()),
        )
            .into_response(),
    }
}

/// `GET /rest/block/<hash>.<ext>`: the block with decoded transactions.
pub async fn block(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
) -> Result<Response, RestError> {
    block_response(&app, &file, true)
}

/// `GET /rest/block/notxdetails/<hash>.<ext>`: the block with txids only.
pub async fn block_no_details(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
) -> Result<Response, RestError> {
    block_response(&app, &file, false)
}

fn block_response(app: &App, file: &str, details: bool) -> Result<Response, RestError> {
    let (id, format) = split(file)?;
    let hash: BlockHash = id
        .parse()
        .map_err(|_| RestError::Invalid("hash", id.to_owned()))?;
    let state = app.chain.lock();
    let info = state
        .block_info(&hash)
        .ok_or_else(|| RestError::NotFound(format!("{id} not found")))?;
    let at = Placement {
        height: info.height,
        active: info.in_active_chain,
    };
    Ok(reply(format, serialize(&info.block), || {
        json::block(&state.chain, &info.block, at, details)
    }))
}

/// `GET /rest/tx/<txid>.<ext>`: a mempool or confirmed transaction.
pub async fn transaction(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
) -> Result<Response, RestError> {
    let (id, format) = split(&file)?;
    let txid: Txid = id
        .parse()
        .map_err(|_| RestError::Invalid("hash", id.to_owned()))?;
    let info = app
        .chain
        .transaction(&txid)
        .ok_or_else(|| RestError::NotFound(format!("{id} not found")))?;
    Ok(reply(format, serialize(&info.tx), || {
        json::transaction(&info.tx)
    }))
}

/// `GET /rest/blockhashbyheight/<height>.<ext>`.
pub async fn block_hash_by_height(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
) -> Result<Response, RestError> {
    let (id, format) = split(&file)?;
    let height: u32 = id
        .parse()
        .map_err(|_| RestError::Invalid("height", id.to_owned()))?;
    let hash = app
        .chain
        .block_hash(height)
        .ok_or_else(|| RestError::NotFound("Block height out of range".to_owned()))?;
    Ok(reply(
        format,
        serialize(&hash),
        || serde_json::json!({ "blockhash": hash.to_string() }),
    ))
}

/// `GET /rest/chaininfo.json`: the `getblockchaininfo` object.
pub async fn chain_info(State(app): State<Arc<App>>) -> Response {
    let info = super::methods::call(
        &app.chain,
        "getblockchaininfo",
        &super::Params::Positional(Vec::new()),
    );
    match info {
        Ok(value) => reply(Format::Json, Vec::new(), || value),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.message).into_response(),
    }
}
