//! The JSON-RPC envelope bitcoind speaks: request objects (1.0, 2.0 or bare,
//! positional or named parameters), `{"result","error","id"}` replies, error
//! codes and the HTTP status each error maps to.

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use crate::reject::RejectReason;

/// `RPC_MISC_ERROR`.
pub const RPC_MISC_ERROR: i32 = -1;
/// `RPC_TYPE_ERROR`: a parameter has the wrong JSON type.
pub const RPC_TYPE_ERROR: i32 = -3;
/// `RPC_INVALID_ADDRESS_OR_KEY`: also "block/transaction not found".
pub const RPC_INVALID_ADDRESS_OR_KEY: i32 = -5;
/// `RPC_INVALID_PARAMETER`.
pub const RPC_INVALID_PARAMETER: i32 = -8;
/// `RPC_DESERIALIZATION_ERROR`: hex that does not decode to a transaction.
pub const RPC_DESERIALIZATION_ERROR: i32 = -22;
/// `RPC_DATABASE_ERROR`: the block file could not be written.
pub const RPC_DATABASE_ERROR: i32 = -20;
/// JSON-RPC "Invalid Request".
pub const RPC_INVALID_REQUEST: i32 = -32600;
/// JSON-RPC "Method not found".
pub const RPC_METHOD_NOT_FOUND: i32 = -32601;
/// JSON-RPC "Parse error".
pub const RPC_PARSE_ERROR: i32 = -32700;

/// An error reply: bitcoind's numeric code and message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rpc error {code}: {message}")]
pub struct RpcError {
    /// bitcoind's error code.
    pub code: i32,
    /// bitcoind's message.
    pub message: String,
}

impl RpcError {
    /// An error with `code` and `message`.
    pub fn new(code: i32, message: impl Into<String>) -> RpcError {
        RpcError {
            code,
            message: message.into(),
        }
    }

    /// `-32601 Method not found`.
    pub fn method_not_found() -> RpcError {
        RpcError::new(RPC_METHOD_NOT_FOUND, "Method not found")
    }

    /// `-8` with `message`.
    pub fn invalid_parameter(message: impl Into<String>) -> RpcError {
        RpcError::new(RPC_INVALID_PARAMETER, message)
    }

    /// The HTTP status bitcoind sends with a single (non-batch) error reply.
    pub fn status(&self) -> StatusCode {
        match self.code {
            RPC_INVALID_REQUEST => StatusCode::BAD_REQUEST,
            RPC_METHOD_NOT_FOUND => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<RejectReason> for RpcError {
    fn from(reason: RejectReason) -> RpcError {
        RpcError::new(reason.rpc_code(), reason.rpc_message())
    }
}

/// A reply object.
pub fn reply(result: Result<Value, RpcError>, id: Value) -> Value {
    match result {
        Ok(result) => json!({ "result": result, "error": null, "id": id }),
        Err(e) => json!({
            "result": null,
            "error": { "code": e.code, "message": e.message },
            "id": id,
        }),
    }
}

/// One parsed request.
#[derive(Debug, Clone)]
pub struct Request {
    /// The method name.
    pub method: String,
    /// Its parameters.
    pub params: Params,
    /// The caller's id, echoed back.
    pub id: Value,
}

impl Request {
    /// Reads a request object; on failure returns the error and the id to
    /// answer with.
    pub fn parse(value: Value) -> Result<Request, (RpcError, Value)> {
        let Value::Object(mut object) = value else {
            return Err((
                RpcError::new(RPC_INVALID_REQUEST, "Invalid Request object"),
                Value::Null,
            ));
        };
        let id = object.remove("id").unwrap_or(Value::Null);
        let method = match object.remove("method") {
            Some(Value::String(method)) => method,
            None => return Err((RpcError::new(RPC_INVALID_REQUEST, "Missing method"), id)),
            Some(_) => {
                return Err((
                    RpcError::new(RPC_INVALID_REQUEST, "Method must be a string"),
                    id,
                ))
            }
        };
        let params = match object.remove("params") {
            None | Some(Value::Null) => Params::Positional(Vec::new()),
            Some(Value::Array(items)) => Params::Positional(items),
            Some(Value::Object(named)) => Params::Named(named),
            Some(_) => {
                return Err((
                    RpcError::new(RPC_INVALID_REQUEST, "Params must be an array or object"),
                    id,
                ))
            }
        };
        Ok(Request { method, params, id })
    }
}

/// Parameters, positional or by name. `null` counts as absent, as in bitcoind.
#[derive(Debug, Clone)]
pub enum Params {
    /// `"params": [..]`.
    Positional(Vec<Value>),
    /// `"params": {..}`.
    Named(Map<String, Value>),
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_error(expected: &str, got: &Value) -> RpcError {
    RpcError::new(
        RPC_TYPE_ERROR,
        format!("Expected type {expected}, got {}", type_name(got)),
    )
}

impl Params {
    /// Parameter `index` (or `name`), if given and not null.
    pub fn get(&self, index: usize, name: &str) -> Option<&Value> {
        let value = match self {
            Params::Positional(items) => items.get(index),
            Params::Named(named) => named.get(name),
        };
        value.filter(|v| !v.is_null())
    }

    /// A parameter the method cannot do without.
    pub fn required(&self, index: usize, name: &str) -> Result<&Value, RpcError> {
        self.get(index, name).ok_or_else(|| {
            RpcError::new(
                RPC_MISC_ERROR,
                format!("missing required parameter '{name}'"),
            )
        })
    }

    /// An integer parameter.
    pub fn i64(&self, index: usize, name: &str) -> Result<Option<i64>, RpcError> {
        self.get(index, name)
            .map(|v| v.as_i64().ok_or_else(|| type_error("number", v)))
            .transpose()
    }

    /// A required integer parameter.
    pub fn required_i64(&self, index: usize, name: &str) -> Result<i64, RpcError> {
        let v = self.required(index, name)?;
        v.as_i64().ok_or_else(|| type_error("number", v))
    }

    /// A number parameter.
    pub fn f64(&self, index: usize, name: &str) -> Result<Option<f64>, RpcError> {
        self.get(index, name)
            .map(|v| v.as_f64().ok_or_else(|| type_error("number", v)))
            .transpose()
    }

    /// A string parameter.
    pub fn required_str(&self, index: usize, name: &str) -> Result<&str, RpcError> {
        let v = self.required(index, name)?;
        v.as_str().ok_or_else(|| type_error("string", v))
    }

    /// A boolean parameter; bitcoind also takes 0/1 for verbosity flags.
    pub fn bool_or_int(&self, index: usize, name: &str) -> Result<Option<i64>, RpcError> {
        self.get(index, name)
            .map(|v| match v {
                Value::Bool(b) => Ok(i64::from(*b)),
                Value::Number(n) => n.as_i64().ok_or_else(|| type_error("number", v)),
                _ => Err(type_error("bool", v)),
            })
            .transpose()
    }
}
