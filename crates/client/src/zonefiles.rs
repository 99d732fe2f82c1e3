//! Zone-file helpers the CLI needs: the default zone file of a new name,
//! the hash, the data public key and the parsed JSON form (zonefile.md).

use blockstack_zonefile::bns::{data_public_key, make_user_zonefile};
use blockstack_zonefile::{parse_bytes, serialize};
use serde_json::Value as Json;

/// Why a zone file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ZonefileError {
    /// It does not parse as a zone file.
    #[error("invalid zone file: {0}")]
    Parse(String),
    /// It is larger than the node accepts.
    #[error("zone file of {0} bytes is larger than the node accepts")]
    TooLarge(usize),
}

/// The zone file the original generates for a new name: `$ORIGIN`,
/// `$TTL 3600` and the data public key as `pubkey TXT "pubkey:data:…"`.
pub fn default_zonefile(name: &str, data_pubkey: &str) -> String {
    match make_user_zonefile(name, Some(data_pubkey), &[]) {
        Ok(zf) => serialize(&zf),
        Err(_) => format!("$ORIGIN {name}\n$TTL 3600\npubkey TXT \"pubkey:data:{data_pubkey}\"\n"),
    }
}

/// hash160 of the bytes, as 40 hex digits.
pub fn hash(bytes: &[u8]) -> String {
    blockstack_zonefile::zonefile_hash(bytes)
}

/// hash160 of the bytes.
pub fn hash_bytes(bytes: &[u8]) -> [u8; 20] {
    use bitcoin::hashes::{hash160, Hash};
    hash160::Hash::hash(bytes).to_byte_array()
}

/// Refuses zone files the node would not store.
pub fn check(bytes: &[u8]) -> Result<(), ZonefileError> {
    blockstack_zonefile::check_size(bytes).map_err(|_| ZonefileError::TooLarge(bytes.len()))
}

/// The parsed zone file as the original's JSON.
pub fn to_json(bytes: &[u8]) -> Result<Json, ZonefileError> {
    parse_bytes(bytes)
        .map(|zf| zf.to_json())
        .map_err(|e| ZonefileError::Parse(e.to_string()))
}

/// The data public key a user zone file names, if any.
pub fn public_key(bytes: &[u8]) -> Option<String> {
    let zf = parse_bytes(bytes).ok()?;
    data_public_key(&zf).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_zonefile_names_the_data_key_and_parses_back() {
        let key = format!("02{}", "ab".repeat(32));
        let text = default_zonefile("foo.test", &key);
        assert!(text.contains("$ORIGIN foo.test"), "{text}");
        assert_eq!(public_key(text.as_bytes()), Some(key));
        let json = to_json(text.as_bytes()).expect("parses");
        assert_eq!(json["$origin"], "foo.test");
        assert_eq!(
            hash(text.as_bytes()),
            hex::encode(hash_bytes(text.as_bytes()))
        );
        assert!(check(text.as_bytes()).is_ok());
        assert!(check(&vec![b'a'; 50_000]).is_err());
    }
}
