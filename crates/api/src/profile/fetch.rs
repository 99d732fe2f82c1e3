//! Fetching token files over HTTP without letting a slow or hostile host hold the server:
//! a whole-request timeout, a body size limit read as the body streams in, a bounded number
//! of fetches at once (more wait briefly for a slot, then fail), and few redirects.

use std::time::Duration;

use thiserror::Error;
use tokio::sync::Semaphore;

/// Limits on profile fetches.
#[derive(Clone, Debug)]
pub struct FetchLimits {
    /// Time allowed for one fetch, connection to last byte (the original's HTTP driver
    /// allows 5 s).
    pub timeout: Duration,
    /// Largest body accepted.
    pub max_bytes: usize,
    /// Fetches running at once.
    pub concurrent: usize,
    /// How long a fetch waits for a slot before failing.
    pub queue_timeout: Duration,
}

/// The most profile bytes read from one URL: the original client's `RPC_MAX_PROFILE_LEN`.
pub const MAX_PROFILE_BYTES: usize = 1_024_000;

impl Default for FetchLimits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            max_bytes: MAX_PROFILE_BYTES,
            concurrent: 16,
            queue_timeout: Duration::from_secs(2),
        }
    }
}

/// Why a fetch failed.
#[derive(Debug, Error)]
pub enum FetchError {
    /// Not an `http://` or `https://` URL.
    #[error("unsupported profile URL {0:?}")]
    Scheme(String),
    /// Every fetch slot stayed busy.
    #[error("too many profile fetches in progress")]
    Busy,
    /// The host answered with another status than 200.
    #[error("profile host answered {0}")]
    Status(u16),
    /// The body is over the limit.
    #[error("profile is larger than {0} bytes")]
    TooLarge(usize),
    /// The fetch ran past its timeout.
    #[error("profile fetch timed out")]
    Timeout,
    /// Connection or protocol failure.
    #[error("profile fetch failed: {0}")]
    Http(String),
}

/// An HTTP client for token files.
#[derive(Debug)]
pub struct Fetcher {
    client: Option<reqwest::Client>,
    limits: FetchLimits,
    slots: Semaphore,
}

impl Fetcher {
    /// A fetcher with `limits`. Should the HTTP client fail to build, every fetch fails.
    pub fn new(limits: FetchLimits) -> Self {
        let client = reqwest::Client::builder()
            .timeout(limits.timeout)
            .connect_timeout(limits.timeout)
            .redirect(reqwest::redirect::Policy::limited(3))
            .user_agent(concat!("blockstack-api/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| tracing::error!(error = %e, "cannot build the profile HTTP client"))
            .ok();
        Self {
            client,
            slots: Semaphore::new(limits.concurrent.max(1)),
            limits,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &FetchLimits {
        &self.limits
    }

    /// The body at `url`, if the host answers 200 with at most `max_bytes` in time.
    pub async fn get(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(FetchError::Scheme(url.to_owned()));
        }
        let client = self
            .client
            .as_ref()
            .ok_or_else(|| FetchError::Http("no HTTP client".into()))?;
        let _slot = tokio::time::timeout(self.limits.queue_timeout, self.slots.acquire())
            .await
            .map_err(|_| FetchError::Busy)?
            .map_err(|_| FetchError::Busy)?;
        match tokio::time::timeout(self.limits.timeout, self.fetch(client, url)).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout),
        }
    }

    async fn fetch(&self, client: &reqwest::Client, url: &str) -> Result<Vec<u8>, FetchError> {
        let failed = |e: reqwest::Error| {
            if e.is_timeout() {
                FetchError::Timeout
            } else {
                FetchError::Http(e.to_string())
            }
        };
        let mut resp = client.get(url).send().await.map_err(failed)?;
        if resp.status() != reqwest::StatusCode::OK {
            return Err(FetchError::Status(resp.status().as_u16()));
        }
        let max = self.limits.max_bytes;
        if resp
            .content_length()
            .is_some_and(|n| n > u64::try_from(max).unwrap_or(u64::MAX))
        {
            return Err(FetchError::TooLarge(max));
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(failed)? {
            if body.len() + chunk.len() > max {
                return Err(FetchError::TooLarge(max));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_default_cap_is_the_original_clients_profile_limit() {
        let app = axum::Router::new()
            .route(
                "/exact",
                axum::routing::get(|| async { vec![b'x'; MAX_PROFILE_BYTES] }),
            )
            .route(
                "/over",
                axum::routing::get(|| async { vec![b'x'; MAX_PROFILE_BYTES + 1] }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        let fetcher = Fetcher::new(FetchLimits::default());
        let body = fetcher.get(&format!("{base}/exact")).await.expect("fetch");
        assert_eq!(body.len(), 1_024_000);
        let over = fetcher.get(&format!("{base}/over")).await;
        assert!(
            matches!(over, Err(FetchError::TooLarge(1_024_000))),
            "{over:?}"
        );
    }
}
