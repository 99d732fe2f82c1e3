//! Method dispatch: a decoded `<methodCall>` in, the JSON reply document out, wrapped as the
//! original does (core-rpc.md §1–2): one XML-RPC string holding `json.dumps(result)`.

use std::net::IpAddr;
use std::sync::Arc;

use blockstack_node::xmlrpc::{
    decode_call, encode_response, DecodeError, Fault, Limits, MethodCall, MethodResponse, Value,
};
use serde_json::{json, Map, Value as Json};

use super::methods::{get_zonefiles_by_block, METHODS};

/// The method answered from the node's Atlas rows rather than the name database.
const ZONEFILES_BY_BLOCK: &str = "get_zonefiles_by_block";
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
/// The extension is asked before the built-in methods, so it may also replace one; `None`
/// passes the call on. It runs on a blocking thread and may block. The Atlas methods go to
/// the node's Atlas peer instead once the node has one ([`crate::NodeInfo::atlas`]), so that
/// they see the caller's address.
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
        METHODS
            .iter()
            .map(|m| m.name)
            .chain(std::iter::once(ZONEFILES_BY_BLOCK))
    }

    /// Answers one call with the reply document (the JSON the original `json.dumps`es).
    pub async fn call(&self, call: MethodCall) -> Json {
        self.call_from(None, call).await
    }

    /// Answers one call from a caller at `remote`. When the node runs an Atlas peer, its
    /// methods are answered by it with the caller's address (the peer exchange trusts a
    /// loopback caller's `remote_peer` and checks it, as the original does); otherwise the
    /// extension is asked first, then the built-in methods.
    pub async fn call_from(&self, remote: Option<IpAddr>, call: MethodCall) -> Json {
        let extension = self.extension.clone();
        let atlas = self.service.atlas();
        let result = self
            .service
            .read(move |reader| {
                let reply = atlas_reply(atlas.as_ref(), remote, &call)
                    .or_else(|| {
                        extension
                            .as_deref()
                            .and_then(|ext| ext.call(&call.method, &call.params))
                    })
                    .map_or_else(|| builtin(reader, atlas.as_deref(), &call), Ok);
                match reply {
                    Ok(r) => render(reader, atlas_marked(reader, &call.method, r)),
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
        self.handle_from(None, body).await
    }

    /// [`RpcDispatcher::handle`] for a caller at `remote`.
    pub async fn handle_from(&self, remote: Option<IpAddr>, body: &[u8]) -> Vec<u8> {
        let response = match decode_call(body, &Limits::REQUEST) {
            Ok(call) => {
                let doc = self.call_from(remote, call).await;
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

/// An Atlas method answered by the node's Atlas peer, `None` for any other method or when
/// the node runs none.
fn atlas_reply(
    atlas: Option<&Arc<blockstack_atlas::Atlas>>,
    remote: Option<IpAddr>,
    call: &MethodCall,
) -> Option<RpcReply> {
    let atlas = atlas?;
    if !blockstack_atlas::rpc::METHODS.contains(&call.method.as_str()) {
        return None;
    }
    let rpc = blockstack_atlas::AtlasRpc::new(Arc::clone(atlas));
    match rpc.handle_from(remote, &call.method, &call.params)? {
        Value::String(doc) => serde_json::from_str(&doc).ok().map(RpcReply::Bare),
        _ => None,
    }
}

/// An Atlas method's success with the stale marker added when the node is stale: the
/// original's Atlas methods answer through `success_response` like the others.
fn atlas_marked(reader: &crate::service::Reader<'_>, method: &str, reply: RpcReply) -> RpcReply {
    match reply {
        RpcReply::Bare(Json::Object(mut m))
            if blockstack_atlas::rpc::METHODS.contains(&method)
                && m.get("status") == Some(&Json::Bool(true)) =>
        {
            reader.mark_if_stale(&mut m);
            RpcReply::Bare(Json::Object(m))
        }
        other => other,
    }
}

fn builtin(
    reader: &crate::service::Reader<'_>,
    atlas: Option<&blockstack_atlas::Atlas>,
    call: &MethodCall,
) -> Result<RpcReply, blockstack_namedb::NameDbError> {
    if call.method == ZONEFILES_BY_BLOCK {
        if call.params.len() != 4 {
            return Ok(RpcReply::Traceback(arity_error(
                ZONEFILES_BY_BLOCK,
                4,
                call.params.len(),
            )));
        }
        return get_zonefiles_by_block(reader, atlas, &call.params);
    }
    let Some(method) = METHODS.iter().find(|m| m.name == call.method) else {
        return Ok(RpcReply::Traceback(format!(
            "KeyError: 'rpc_{}'",
            call.method
        )));
    };
    if call.params.len() != method.arity {
        return Ok(RpcReply::Traceback(arity_error(
            method.name,
            method.arity,
            call.params.len(),
        )));
    }
    (method.run)(reader, &call.params)
}

/// The `TypeError` Python 2 raises when the original's dispatcher calls
/// `rpc_<method>(self, <arity parameters>, **con_info)` with `given` positional values.
pub fn arity_error(method: &str, arity: usize, given: usize) -> String {
    let takes = arity + 1;
    // Too many: every argument is counted, keywords included; too few: the positional ones.
    let counted = if given > arity { given + 3 } else { given + 1 };
    format!(
        "TypeError: rpc_{method}() takes exactly {takes} argument{} ({counted} given)",
        if takes == 1 { "" } else { "s" },
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arity_errors_count_like_python_2() {
        // Too many: self, the values and the two connection keywords.
        assert_eq!(
            arity_error("ping", 0, 1),
            "TypeError: rpc_ping() takes exactly 1 argument (4 given)"
        );
        assert_eq!(
            arity_error("get_name_record", 1, 2),
            "TypeError: rpc_get_name_record() takes exactly 2 arguments (5 given)"
        );
        // Too few: self and the values only.
        assert_eq!(
            arity_error("get_name_record", 1, 0),
            "TypeError: rpc_get_name_record() takes exactly 2 arguments (1 given)"
        );
        assert_eq!(
            arity_error("get_nameops_at", 3, 2),
            "TypeError: rpc_get_nameops_at() takes exactly 4 arguments (3 given)"
        );
    }
}
