//! XML-RPC codec for the node RPC port (6264) and Atlas peers.
//!
//! The v0.18 daemon is a Python 2.7 `SimpleXMLRPCServer`, and its clients use
//! `xmlrpclib.ServerProxy` (`core-rpc.md` §1, `atlas.md` §11). This module
//! speaks exactly that dialect, without any I/O:
//!
//! * [`encode_call`] / [`encode_response`] write the bytes `xmlrpclib.dumps`
//!   writes: the same header, newlines, `<string>` and `<int>` tags,
//!   `repr()`-style doubles and 76-column base64. The deliberate differences:
//!   a carriage return inside a string is written as `&#13;` (xmlrpclib
//!   writes it raw and the receiving XML parser turns it into `\n`), so
//!   strings survive a round trip; markup characters in a method name are
//!   escaped (xmlrpclib writes them raw, producing invalid XML); characters
//!   XML cannot carry are an [`EncodeError`].
//! * [`decode_call`] / [`decode_response`] parse a complete request or reply
//!   held in one buffer, the way `xmlrpclib.loads` behind defusedxml does:
//!   an untyped `<value>` is a string, whitespace around typed values is
//!   ignored, line endings are normalised, DTDs and entity declarations are
//!   refused. A buffer that ends before the document does is
//!   [`DecodeError::Incomplete`]; size and nesting are bounded by
//!   [`Limits`]. It never panics on any input.

mod decode;
mod encode;
mod error;
mod value;

pub use decode::{decode_call, decode_response, Limits};
pub use encode::{encode_call, encode_response};
pub use error::{DecodeError, EncodeError};
pub use value::{Fault, MethodCall, MethodResponse, Value};
