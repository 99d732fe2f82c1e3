//! A client of the API daemon's REST write endpoints (rest-api.md §7.4):
//! the routes the registrar serves for `register`, `update`, `transfer`,
//! `renew` and `revoke`.
//!
//! Every request carries `Authorization: bearer <api_password>` and the
//! `Origin: http://localhost:8888` the daemon expects from its own CLI. The
//! reply body is returned as JSON whatever the status, since the daemon
//! explains refusals in `{"error": …}`.

use std::time::Duration;

use serde::Serialize;
use serde_json::Value as Json;

/// The `Origin` the CLI sends.
pub const CLI_ORIGIN: &str = "http://localhost:8888";

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Nothing listens at the configured endpoint.
    #[error("API server not running. Please start it with `blockstack api start`.")]
    NotRunning {
        /// The endpoint tried.
        url: String,
    },
    /// The request failed in transit.
    #[error("request to {url} failed: {reason}")]
    Transport {
        /// The URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The reply is not JSON.
    #[error("the API server answered {url} with HTTP {status} and a body that is not JSON")]
    NotJson {
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
    },
}

/// A reply: status and body.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiReply {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body.
    pub body: Json,
}

impl ApiReply {
    /// Whether the daemon accepted the request (2xx).
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// `POST /v1/names`: register, or renew a name the wallet owns.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RegisterRequest {
    /// The fully-qualified name.
    pub name: String,
    /// Zone file text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zonefile: Option<String>,
    /// Final owner (transfer after registration, or the new owner on renewal).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_address: Option<String>,
    /// Confirmations payment UTXOs need.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_confs: Option<u32>,
    /// The price the caller agreed to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_satoshis: Option<u64>,
    /// Store an empty profile after registration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub make_profile: Option<bool>,
    /// Fewer confirmations between steps.
    #[serde(rename = "unsafe", skip_serializing_if = "Option::is_none")]
    pub unsafe_reg: Option<bool>,
    /// Owner key override (privkey info).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_key: Option<Json>,
    /// Payment key override (privkey info).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_key: Option<Json>,
}

/// `PUT /v1/names/{name}/zonefile`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct UpdateRequest {
    /// Zone file text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zonefile: Option<String>,
    /// Or only its hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zonefile_hash: Option<String>,
    /// Owner key override.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_key: Option<Json>,
    /// Payment key override.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_key: Option<Json>,
}

/// `PUT /v1/names/{name}/owner`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TransferRequest {
    /// The new owner.
    pub owner: String,
    /// Owner key override.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_key: Option<Json>,
    /// Payment key override.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_key: Option<Json>,
}

/// A client of one API daemon.
#[derive(Clone, Debug)]
pub struct ApiClient {
    base: String,
    password: String,
    http: reqwest::Client,
}

impl ApiClient {
    /// A client of the daemon at `base` (e.g. `http://localhost:6270`).
    pub fn new(base: impl Into<String>, api_password: impl Into<String>) -> Result<Self, ApiError> {
        let base = base.into().trim_end_matches('/').to_owned();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(300))
            .no_proxy()
            .build()
            .map_err(|e| ApiError::Transport {
                url: base.clone(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            base,
            password: api_password.into(),
            http,
        })
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Json>,
    ) -> Result<ApiReply, ApiError> {
        let url = format!("{}{path}", self.base);
        let mut request = self
            .http
            .request(method, &url)
            .header("Authorization", format!("bearer {}", self.password))
            .header("Origin", CLI_ORIGIN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| {
            if e.is_connect() {
                ApiError::NotRunning { url: url.clone() }
            } else {
                ApiError::Transport {
                    url: url.clone(),
                    reason: e.to_string(),
                }
            }
        })?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| ApiError::Transport {
            url: url.clone(),
            reason: e.to_string(),
        })?;
        let body = serde_json::from_slice(&bytes).map_err(|_| ApiError::NotJson {
            url: url.clone(),
            status,
        })?;
        Ok(ApiReply { status, body })
    }

    fn to_json<T: Serialize>(value: &T) -> Json {
        serde_json::to_value(value).unwrap_or(Json::Null)
    }

    /// `POST /v1/names`.
    pub async fn register(&self, request: &RegisterRequest) -> Result<ApiReply, ApiError> {
        self.send(
            reqwest::Method::POST,
            "/v1/names",
            Some(Self::to_json(request)),
        )
        .await
    }

    /// `PUT /v1/names/{name}/zonefile`.
    pub async fn update(&self, name: &str, request: &UpdateRequest) -> Result<ApiReply, ApiError> {
        self.send(
            reqwest::Method::PUT,
            &format!("/v1/names/{name}/zonefile"),
            Some(Self::to_json(request)),
        )
        .await
    }

    /// `PUT /v1/names/{name}/owner`.
    pub async fn transfer(
        &self,
        name: &str,
        request: &TransferRequest,
    ) -> Result<ApiReply, ApiError> {
        self.send(
            reqwest::Method::PUT,
            &format!("/v1/names/{name}/owner"),
            Some(Self::to_json(request)),
        )
        .await
    }

    /// `DELETE /v1/names/{name}`.
    pub async fn revoke(&self, name: &str) -> Result<ApiReply, ApiError> {
        self.send(reqwest::Method::DELETE, &format!("/v1/names/{name}"), None)
            .await
    }

    /// `GET` of a read route, for status queries.
    pub async fn get(&self, path: &str) -> Result<ApiReply, ApiError> {
        self.send(reqwest::Method::GET, path, None).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_requests_leave_out_what_is_not_given() {
        let body = serde_json::to_value(RegisterRequest {
            name: "foo.test".into(),
            unsafe_reg: Some(true),
            ..RegisterRequest::default()
        })
        .expect("json");
        assert_eq!(
            body,
            serde_json::json!({"name": "foo.test", "unsafe": true})
        );
    }
}
