//! Method dispatch: a decoded `<methodCall>` in, the JSON reply document out, wrapped as the
//! original does (core-rpc.md §1–2): one XML-RPC string holding `json.dumps(result)`.

use std::sync::Arc;

use blockstack_node::xmlrpc::{
    decode_call, encode_response, DecodeError, Fault, Limits, MethodCall, MethodResponse, Value,
};
use serde_json::{json, Map, Value as Json};

use super::methods::METHODS;
use crate::pyjson;
use crate::service::{QueryService, ServiceError};

/// What a method answers, before the envelope is applied.
#[derive(Clone, Debug, PartialEq)]
pub enum RpcReply {
    /// Fields of a `success_response`: the dispatcher adds `status`, `indexing`, `lastblock`
    /// (and the stale marker) around them.
    Enveloped(Map<String, Json>),
    /// A reply sent as is (`ping`, `getinfo`).
    Bare(Json),
    /// `{"error": message}`: a validation or lookup failure.
    Error(String),
    /// `{"error": message, "traceback": lines}`: what an exception inside the original's
    /// method produced. Peers read the presence of `traceback` as "no such method".
    Traceback(String),
}

/// Extra methods the daemon adds (the Atlas ones: `get_zonefile_inventory`, `put_zonefiles`,
/// `get_atlas_peers`, `atlas_peer_exchange`, …).
///
/// The extension is asked first, so it may also replace a built-in method; `None` passes the
/// call on. It runs on a blocking thread and may block.
pub trait RpcExtension: Send + Sync {
    /// Answers `method` called with `params`, or `None` if it does not implement it.
    fn call(&self, method: &str, params: &[Value]) -> Option<RpcReply>;
}

impl<F> RpcExtension for F
where
    F: Fn(&str, &[Value]) -> Option<RpcReply> + Send + Sync,
{
    fn call(&self, method: &str, params: &[Value]) -> Option<RpcReply> {
        self(method, params)
    }
}

/// Dispatches node RPC calls to the query service and an optional [`RpcExtension`].
#[derive(Clone)]
pub struct RpcDispatcher {
    service: QueryService,
    extension: Option<Arc<dyn RpcExtension>>,
}

impl std::fmt::Debug for RpcDispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcDispatcher")
            .field("service", &self.service)
            .field("extension", &self.extension.is_some())
            .finish()
    }
}

impl RpcDispatcher {
    /// A dispatcher over `service`, with `extension` consulted before the built-in methods.
    pub fn new(service: QueryService, extension: Option<Arc<dyn RpcExtension>>) -> Self {
        Self { service, extension }
    }

    /// The names of the built-in methods.
    pub fn methods() -> impl Iterator<Item = &'static str> {
        METHODS.iter().map(|m| m.name)
    }

    /// Answers one call with the reply document (the JSON the original `json.dumps`es).
    pub async fn call(&self, call: MethodCall) -> Json {
        let extension = self.extension.clone();
        let result = self
            .service
            .read(move |reader| {
                let reply = extension
                    .as_deref()
                    .and_then(|ext| ext.call(&call.method, &call.params))
                    .map_or_else(|| builtin(reader, &call), Ok);
                match reply {
                    Ok(r) => render(reader, r),
                    Err(e) => traceback(&format!("{e}")),
                }
            })
            .await;
        match result {
            Ok(doc) => doc,
            Err(ServiceError::Busy) => traceback("Exception: server busy"),
            Err(e) => traceback(&format!("Exception: {e}")),
        }
    }

    /// Answers a request body: decodes the `<methodCall>`, dispatches it and encodes the
    /// `<methodResponse>`. Undecodable XML gets fault 1, as `SimpleXMLRPCServer` sends.
    pub async fn handle(&self, body: &[u8]) -> Vec<u8> {
        let response = match decode_call(body, &Limits::REQUEST) {
            Ok(call) => {
                let doc = self.call(call).await;
                MethodResponse::success(Value::String(pyjson::to_string(&doc)))
            }
            Err(e) => MethodResponse::Fault(fault(&e)),
        };
        // The reply is ASCII JSON or a fault string of ours; an encoding failure can only
        // come from control characters in a fault message, which is then replaced.
        encode_response(&response).unwrap_or_else(|_| {
            encode_response(&MethodResponse::Fault(Fault {
                code: 1,
                string: "ExpatError:invalid request".into(),
            }))
            .unwrap_or_default()
        })
    }
}

/// The fault `SimpleXMLRPCServer` sends for an unparseable request:
/// `"<exception type>:<message>"`.
pub fn fault(e: &DecodeError) -> Fault {
    let kind = match e {
        DecodeError::BadScalar { .. } => "ValueError",
        DecodeError::Structure { .. } | DecodeError::BadFault { .. } => "ResponseError",
        DecodeError::TooLarge { .. } | DecodeError::TooDeep { .. } => "ValueError",
        _ => "ExpatError",
    };
    let message: String = e
        .to_string()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    Fault {
        code: 1,
        string: format!("{kind}:{message}"),
    }
}

fn builtin(
    reader: &crate::service::Reader<'_>,
    call: &MethodCall,
) -> Result<RpcReply, blockstack_namedb::NameDbError> {
    let Some(method) = METHODS.iter().find(|m| m.name == call.method) else {
        return Ok(RpcReply::Traceback(format!(
            "KeyError: 'rpc_{}'",
            call.method
        )));
    };
    if call.params.len() != method.arity {
        return Ok(RpcReply::Traceback(format!(
            "TypeError: rpc_{}() takes exactly {} arguments ({} given)",
            method.name,
            method.arity + 1,
            call.params.len() + 1
        )));
    }
    (method.run)(reader, &call.params)
}

fn render(reader: &crate::service::Reader<'_>, reply: RpcReply) -> Json {
    match reply {
        RpcReply::Enveloped(fields) => reader.envelope(fields),
        RpcReply::Bare(v) => v,
        RpcReply::Error(msg) => json!({ "error": msg }),
        RpcReply::Traceback(msg) => traceback(&msg),
    }
}

fn traceback(last_line: &str) -> Json {
    json!({
        "error": last_line,
        "traceback": ["Traceback (most recent call last):", last_line],
    })
}
