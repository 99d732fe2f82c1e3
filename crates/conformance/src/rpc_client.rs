//! An XML-RPC client for a node's RPC port, ours or the original's: one `<methodCall>` per
//! request, the reply's JSON document decoded.

use std::time::Duration;

use blockstack_node::xmlrpc::{
    decode_response, encode_call, Limits, MethodCall, MethodResponse, Value,
};
use serde_json::{json, Value as Json};

/// What a node answered to one call.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// The JSON document of the reply (the XML-RPC string's content, or the value itself
    /// mapped to JSON when the reply is not a string).
    Doc(Json),
    /// An XML-RPC fault.
    Fault {
        /// `faultCode`.
        code: i64,
        /// `faultString`.
        string: String,
    },
}

impl Answer {
    /// The answer as one JSON value; a fault becomes `{"fault": {"code", "string"}}`.
    pub fn to_json(&self) -> Json {
        match self {
            Answer::Doc(doc) => doc.clone(),
            Answer::Fault { code, string } => {
                json!({"fault": {"code": code, "string": string}})
            }
        }
    }
}

/// A client of one node's XML-RPC endpoint.
#[derive(Clone, Debug)]
pub struct RpcClient {
    url: String,
    http: reqwest::Client,
}

impl RpcClient {
    /// A client posting to `url` (for example `http://127.0.0.1:16264/`).
    pub fn new(url: impl Into<String>) -> Result<Self, String> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| format!("http client: {e}"))?;
        Ok(Self {
            url: url.into(),
            http,
        })
    }

    /// The endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Calls `method` and returns what the node answered, fault or document. `Err` is a
    /// transport failure or a reply that is not XML-RPC (or whose string is not JSON).
    pub async fn answer(&self, method: &str, params: Vec<Value>) -> Result<Answer, String> {
        let body = encode_call(&MethodCall::new(method, params))
            .map_err(|e| format!("{method}: encode: {e}"))?;
        let reply = self
            .http
            .post(&self.url)
            .header("Content-Type", "text/xml")
            .body(body)
            .send()
            .await
            .map_err(|e| format!("{method}: {e}"))?
            .bytes()
            .await
            .map_err(|e| format!("{method}: reply: {e}"))?;
        let limits = Limits {
            max_bytes: 64 << 20,
            max_depth: 64,
        };
        let response =
            decode_response(&reply, &limits).map_err(|e| format!("{method}: decode: {e}"))?;
        let value = match response {
            MethodResponse::Params(mut p) if !p.is_empty() => p.swap_remove(0),
            MethodResponse::Params(_) => return Err(format!("{method}: empty reply")),
            MethodResponse::Fault(f) => {
                return Ok(Answer::Fault {
                    code: i64::from(f.code),
                    string: f.string,
                })
            }
        };
        match value {
            Value::String(s) => serde_json::from_str(&s)
                .map(Answer::Doc)
                .map_err(|e| format!("{method}: not JSON: {e}: {s}")),
            other => Ok(Answer::Doc(xml_to_json(&other))),
        }
    }

    /// Calls `method` and returns its JSON document; a fault is an error.
    ///
    /// An `{"error": …}` document is returned as is (callers treat "no such name" as data).
    pub async fn call(&self, method: &str, params: Vec<Value>) -> Result<Json, String> {
        match self.answer(method, params).await? {
            Answer::Doc(doc) => Ok(doc),
            Answer::Fault { code, string } => Err(format!("{method}: fault {code}: {string}")),
        }
    }
}

/// An XML-RPC value as JSON (base64 as hex, date-times as their text).
pub fn xml_to_json(v: &Value) -> Json {
    match v {
        Value::Int(i) => Json::from(*i),
        Value::Boolean(b) => Json::Bool(*b),
        Value::String(s) | Value::DateTime(s) => Json::String(s.clone()),
        Value::Double(d) => serde_json::Number::from_f64(*d).map_or(Json::Null, Json::Number),
        Value::Base64(b) => Json::String(hex::encode(b)),
        Value::Array(a) => Json::Array(a.iter().map(xml_to_json).collect()),
        Value::Struct(m) => {
            Json::Object(m.iter().map(|(k, v)| (k.clone(), xml_to_json(v))).collect())
        }
        Value::Nil => Json::Null,
    }
}
