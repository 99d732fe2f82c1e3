//! Decoding arbitrary bytes as an XML-RPC call or response must never panic,
//! and whatever decodes must re-encode and decode to the same value.
#![no_main]

use blockstack_node::xmlrpc::{decode_call, decode_response, encode_call, encode_response, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_bytes: 64 * 1024, max_depth: 16 };
    if let Ok(call) = decode_call(data, &limits) {
        if let Ok(bytes) = encode_call(&call) {
            let again = decode_call(&bytes, &Limits { max_bytes: usize::MAX, ..limits });
            // NaN doubles are the one value that never compares equal.
            if format!("{call:?}").contains("NaN") {
                return;
            }
            assert_eq!(again.as_ref(), Ok(&call));
        }
    }
    if let Ok(response) = decode_response(data, &limits) {
        if let Ok(bytes) = encode_response(&response) {
            let again = decode_response(&bytes, &Limits { max_bytes: usize::MAX, ..limits });
            if format!("{response:?}").contains("NaN") {
                return;
            }
            assert_eq!(again.as_ref(), Ok(&response));
        }
    }
});
