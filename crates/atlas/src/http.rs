//! The XML-RPC-over-HTTP transport v0.18 peers speak (core-rpc.md §1): `POST` to
//! `http://host:port/RPC2` (what `xmlrpclib.ServerProxy` sends for a URL without a path),
//! plain HTTP, no compression requested (a v0.18 server gzips only when asked).

use std::time::Duration;

use blockstack_node::xmlrpc::Value;
use blockstack_node::xmlrpc::{decode_response, encode_call, Limits, MethodCall, MethodResponse};

use crate::error::TransportError;
use crate::transport::{CallFuture, PeerTransport};

/// Largest reply body read: a v0.18 server may return 100 zone files of 40 KiB each in one
/// uncompressed `get_zonefiles` reply (about 5.5 MB of base64 in XML).
pub const MAX_REPLY_BYTES: usize = 8 * 1024 * 1024;

/// The reqwest-based transport.
#[derive(Debug, Clone)]
pub struct HttpTransport {
    client: reqwest::Client,
}

impl HttpTransport {
    /// A transport with its own connection pool.
    pub fn new() -> Result<Self, TransportError> {
        let client = reqwest::Client::builder()
            .connect_timeout(crate::limits::PEER_PING_TIMEOUT)
            .build()
            .map_err(|e| TransportError::Unreachable(e.to_string()))?;
        Ok(Self { client })
    }

    async fn post(
        &self,
        peer: &str,
        method: &str,
        params: Vec<Value>,
        timeout: Duration,
    ) -> Result<Value, TransportError> {
        let body = encode_call(&MethodCall::new(method, params))
            .map_err(|e| TransportError::Malformed(format!("cannot encode the call: {e}")))?;
        let url = format!("http://{peer}/RPC2");
        let mut resp = self
            .client
            .post(url)
            .header("Content-Type", "text/xml")
            .timeout(timeout)
            .body(body)
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    TransportError::Timeout
                } else {
                    TransportError::Unreachable(e.to_string())
                }
            })?;
        if !resp.status().is_success() {
            return Err(TransportError::Malformed(format!(
                "HTTP status {}",
                resp.status()
            )));
        }
        let mut buf = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| {
            if e.is_timeout() {
                TransportError::Timeout
            } else {
                TransportError::Unreachable(e.to_string())
            }
        })? {
            if buf.len() + chunk.len() > MAX_REPLY_BYTES {
                return Err(TransportError::Malformed("reply too large".into()));
            }
            buf.extend_from_slice(&chunk);
        }
        let limits = Limits {
            max_bytes: MAX_REPLY_BYTES,
            ..Limits::REPLY
        };
        match decode_response(&buf, &limits) {
            Ok(MethodResponse::Params(mut params)) if params.len() == 1 => Ok(params.remove(0)),
            Ok(MethodResponse::Params(_)) => Err(TransportError::Malformed(
                "reply must carry exactly one value".into(),
            )),
            Ok(MethodResponse::Fault(f)) => Err(TransportError::Malformed(format!(
                "fault {}: {}",
                f.code, f.string
            ))),
            Err(e) => Err(TransportError::Malformed(format!("undecodable reply: {e}"))),
        }
    }
}

impl PeerTransport for HttpTransport {
    fn call<'a>(
        &'a self,
        peer: &'a str,
        method: &'a str,
        params: Vec<Value>,
        timeout: Duration,
    ) -> CallFuture<'a> {
        Box::pin(self.post(peer, method, params, timeout))
    }
}
