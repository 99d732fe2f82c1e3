//! Every failure the REST API answers with, its status code and its body.
//!
//! The status codes are the v0.18 API's own conventions (rest-api.md §5): bad input is mostly
//! 401, a missing name is 404 with `{"status": "available"}`, indexer-side failures are 500.
//! Bodies are `{"error": "..."}` unless noted.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use thiserror::Error;

use crate::pyjson;
use crate::service::ServiceError;

/// A REST failure.
#[derive(Debug, Error)]
pub enum ApiError {
    /// No route for this path (404).
    #[error("No such route")]
    NoRoute,
    /// A path that exists, with a method it does not serve. The original answers these like
    /// unknown paths (404).
    #[error("Method not allowed")]
    WrongMethod,
    /// A query-string key given twice (401).
    #[error("Duplicate query argument")]
    DuplicateQueryKey,
    /// `page=` missing (401).
    #[error("page= argument required")]
    PageRequired,
    /// `page=` not a non-negative integer, or too large (401).
    #[error("Invalid page= value")]
    InvalidPage,
    /// `start_block`/`end_block` not integers (401).
    #[error("Invalid start_block or end_block")]
    InvalidBlockRange,
    /// A name that is neither a valid name nor a subdomain (400).
    #[error("Invalid name or subdomain")]
    InvalidName,
    /// A zone file hash that is not 40 hex digits (400).
    #[error("Invalid zone file hash")]
    InvalidZonefileHash,
    /// A blockchain other than `bitcoin` on `/v1/blockchains/…` (401).
    #[error("Unsupported blockchain")]
    UnsupportedBlockchain,
    /// A blockchain other than `bitcoin` on `/v1/addresses/…` (401).
    #[error("Invalid blockchain")]
    InvalidBlockchain,
    /// The name is not registered: 404 with `{"status": "available"}`.
    #[error("available")]
    NameAvailable,
    /// A malformed argument (400).
    #[error("{0}")]
    BadRequest(String),
    /// A route this node does not serve as configured (501).
    #[error("{0}")]
    NotEnabled(String),
    /// A lookup that found nothing (404).
    #[error("{0}")]
    NotFound(String),
    /// What the indexer answered with `{"error": …}` where the route passes it on (500).
    #[error("{0}")]
    Indexer(String),
    /// An error reply the original sends with 200 (`Non-standard zone file…`).
    #[error("{0}")]
    Soft(String),
    /// A historic zone file that does not parse: 204 (the original also sends a body, which
    /// HTTP forbids with 204 and which is dropped here).
    #[error("Non-standard zone file for {0}")]
    NonStandardHistoric(String),
    /// `GET /v1/blockchains/{c}/names/{n}/history` (405).
    #[error("Unimplemented")]
    Unimplemented,
    /// A request body over the limit (413).
    #[error("Request body too large")]
    PayloadTooLarge,
    /// The request took longer than the limit (503).
    #[error("Request timed out")]
    Timeout,
    /// Every read slot is busy (503).
    #[error("Server busy")]
    Busy,
    /// The name database could not be read (500).
    #[error("Internal server error")]
    Internal,
    /// Data the route needs could not be loaded (503, the original's `ENODATA`).
    #[error("{0}")]
    Unavailable(String),
}

impl ApiError {
    /// The status code.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::NoRoute | ApiError::WrongMethod => StatusCode::NOT_FOUND,
            ApiError::DuplicateQueryKey
            | ApiError::PageRequired
            | ApiError::InvalidPage
            | ApiError::InvalidBlockRange
            | ApiError::UnsupportedBlockchain
            | ApiError::InvalidBlockchain => StatusCode::UNAUTHORIZED,
            ApiError::InvalidName | ApiError::InvalidZonefileHash | ApiError::BadRequest(_) => {
                StatusCode::BAD_REQUEST
            }
            ApiError::NotEnabled(_) => StatusCode::NOT_IMPLEMENTED,
            ApiError::NameAvailable | ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Indexer(_) | ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Soft(_) => StatusCode::OK,
            ApiError::NonStandardHistoric(_) => StatusCode::NO_CONTENT,
            ApiError::Unimplemented => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Timeout | ApiError::Busy | ApiError::Unavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        match self {
            ApiError::NameAvailable => json!({"status": "available"}),
            other => json!({"error": other.to_string()}),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Busy => ApiError::Busy,
            other => {
                tracing::error!(error = %other, "REST read failed");
                ApiError::Internal
            }
        }
    }
}

impl From<blockstack_namedb::NameDbError> for ApiError {
    fn from(e: blockstack_namedb::NameDbError) -> Self {
        tracing::error!(error = %e, "REST query failed");
        ApiError::Internal
    }
}

impl From<blockstack_subdomains::SubdomainError> for ApiError {
    fn from(e: blockstack_subdomains::SubdomainError) -> Self {
        tracing::error!(error = %e, "REST subdomain query failed");
        ApiError::Internal
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status == StatusCode::NO_CONTENT {
            return status.into_response();
        }
        (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            pyjson::to_string(&self.body()),
        )
            .into_response()
    }
}
