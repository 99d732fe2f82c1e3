//! Where the APIs read zone files from.
//!
//! The node's Atlas store implements [`ZonefileSource`]; [`DirZonefiles`] reads a plain
//! directory of `<hash>` files. Whatever the source, the APIs only serve bytes whose hash is
//! the one asked for ([`get_verified`]), as the original's `get_zonefile_data` does.

use std::path::{Path, PathBuf};

/// A store of zone files by their 40-hex hash (RIPEMD160(SHA256(bytes))).
pub trait ZonefileSource: Send + Sync {
    /// The bytes of the zone file with hash `hash` (lowercase hex), if held.
    fn get(&self, hash: &str) -> Option<Vec<u8>>;
}

/// Zone files stored as `<dir>/<hash>`, one file each.
#[derive(Clone, Debug)]
pub struct DirZonefiles {
    dir: PathBuf,
}

impl DirZonefiles {
    /// A source over `dir`; missing or unreadable files are simply not held.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The directory read.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl ZonefileSource for DirZonefiles {
    fn get(&self, hash: &str) -> Option<Vec<u8>> {
        if !is_zonefile_hash(hash) {
            return None;
        }
        std::fs::read(self.dir.join(hash)).ok()
    }
}

/// A source that holds nothing (a node without Atlas).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoZonefiles;

impl ZonefileSource for NoZonefiles {
    fn get(&self, _hash: &str) -> Option<Vec<u8>> {
        None
    }
}

/// Whether `s` is 40 hex digits (either case, as the original's `OP_HEX_PATTERN` allows).
pub fn is_zonefile_hash(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The zone file with hash `hash` from `source`, only if its bytes hash to `hash`.
pub fn get_verified(source: &dyn ZonefileSource, hash: &str) -> Option<Vec<u8>> {
    let data = source.get(hash)?;
    (blockstack_zonefile::zonefile_hash(&data).eq_ignore_ascii_case(hash)).then_some(data)
}

/// Whether the REST API treats `bytes` as a standard zone file (`decode_name_zonefile` with
/// `allow_legacy=True`): a zone file that parses and passes the client's user zone file schema,
/// or — when it does not parse as a zone file — a JSON object (a legacy profile).
pub fn is_standard_zonefile(bytes: &[u8]) -> bool {
    use blockstack_zonefile::schema::{validate, SchemaVariant};
    match blockstack_zonefile::parse_bytes(bytes) {
        Ok(zf) => validate(&zf, SchemaVariant::Client).is_ok(),
        Err(_) => matches!(
            serde_json::from_slice::<serde_json::Value>(bytes),
            Ok(serde_json::Value::Object(_))
        ),
    }
}
