//! Zone file parsing, serialization and subdomain decoding must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(zonefile) = blockstack_zonefile::parse_bytes(data) {
        let text = blockstack_zonefile::serialize(&zonefile);
        let _ = blockstack_zonefile::parse(&text);
        let _ = zonefile.to_json();
    }
    let _ = blockstack_zonefile::subdomain::decode_zonefile_subdomains("bar.id", data);
    let _ = blockstack_zonefile::subdomain::b64decode_py2(data);
});
