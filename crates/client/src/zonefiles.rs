//! Zone-file helpers the CLI needs: the default zone file of a new name,
//! the hash, the data public key and the parsed JSON form (zonefile.md).

use blockstack_zonefile::bns::{data_public_key, make_user_zonefile};
use blockstack_zonefile::{parse_bytes, serialize, LEGACY_MAX_ZONEFILE_LEN};
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
    /// It is larger than the registrar queues for a registration or an update.
    #[error("Zonefile is too big ({0} bytes); a registration or update takes at most {max}", max = LEGACY_MAX_ZONEFILE_LEN)]
    TooLargeToQueue(usize),
}

/// The zone file the original generates for a new name
/// (`make_empty_zonefile`): `$ORIGIN`, `$TTL 3600`, the data public key as
/// `pubkey TXT "pubkey:data:…"` and one URI record per profile URL.
pub fn default_zonefile(
    name: &str,
    data_pubkey: &str,
    urls: &[&str],
) -> Result<String, ZonefileError> {
    make_user_zonefile(name, Some(data_pubkey), urls)
        .map(|zf| serialize(&zf))
        .map_err(|e| ZonefileError::Parse(e.to_string()))
}

/// Where the `disk` storage driver keeps a name's profile:
/// `file://<root>/mutable/<name>`, with `/` in the name escaped as the
/// original's driver does.
pub fn disk_profile_url(storage_root: &std::path::Path, name: &str) -> String {
    format!(
        "file://{}/mutable/{}",
        storage_root.display(),
        name.replace('/', "\\x2f")
    )
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

/// Refuses zone files the registrar would not queue with a registration or an update: the
/// v0.18 client holds them to 4,096 bytes (`RPC_MAX_ZONEFILE_LEN` of `blockstack_client`),
/// a tenth of what a node stores.
pub fn check_queued(bytes: &[u8]) -> Result<(), ZonefileError> {
    if bytes.len() > LEGACY_MAX_ZONEFILE_LEN {
        Err(ZonefileError::TooLargeToQueue(bytes.len()))
    } else {
        Ok(())
    }
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
        let key = format!("04{}", "ab".repeat(64));
        let url = disk_profile_url(
            std::path::Path::new("/home/u/.blockstack/storage-disk"),
            "foo.test",
        );
        assert_eq!(
            url,
            "file:///home/u/.blockstack/storage-disk/mutable/foo.test"
        );
        let text = default_zonefile("foo.test", &key, &[&url]).expect("zone file");
        assert!(text.contains("$ORIGIN foo.test"), "{text}");
        assert_eq!(public_key(text.as_bytes()), Some(key.clone()));
        let json = to_json(text.as_bytes()).expect("parses");
        assert_eq!(json["$origin"], "foo.test");
        assert_eq!(json["uri"][0]["target"], url.as_str());
        // Without a URI record the zone file fails the client schema, so its key is not read.
        let bare = default_zonefile("foo.test", &key, &[]).expect("zone file");
        assert_eq!(public_key(bare.as_bytes()), None);
        assert_eq!(
            hash(text.as_bytes()),
            hex::encode(hash_bytes(text.as_bytes()))
        );
        assert!(check(text.as_bytes()).is_ok());
        assert!(check(&vec![b'a'; 50_000]).is_err());
    }

    #[test]
    fn registrations_and_updates_take_zone_files_of_at_most_4096_bytes() {
        assert!(check_queued(&[b'a'; 4096]).is_ok());
        let err = check_queued(&[b'a'; 4097]).expect_err("one byte over");
        assert!(matches!(err, ZonefileError::TooLargeToQueue(4097)), "{err}");
        assert_eq!(
            err.to_string(),
            "Zonefile is too big (4097 bytes); a registration or update takes at most 4096"
        );
        // A node still stores ten times as much, for imports and pushes.
        assert!(check(&[b'a'; 4097]).is_ok());
    }
}
