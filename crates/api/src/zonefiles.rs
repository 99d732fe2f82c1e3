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

/// [`is_standard_zonefile`] verdicts remembered by zone file hash, for bytes already checked
/// against that hash: the verdict depends on the bytes alone, so it never goes stale. Holds at
/// most `capacity` verdicts; when full, arbitrary ones are forgotten to make room.
#[derive(Debug)]
pub struct StandardVerdicts {
    capacity: usize,
    verdicts: std::sync::Mutex<std::collections::HashMap<String, bool>>,
}

impl StandardVerdicts {
    /// An empty cache of at most `capacity` verdicts (0 remembers nothing).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            verdicts: std::sync::Mutex::new(std::collections::HashMap::new()),
        }
    }

    /// Verdicts held now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no verdict is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, bool>> {
        match self.verdicts.lock() {
            Ok(map) => map,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Whether `bytes`, verified to hash to `hash`, are a standard zone file.
    pub fn is_standard(&self, hash: &str, bytes: &[u8]) -> bool {
        let key = hash.to_ascii_lowercase();
        if let Some(&known) = self.lock().get(&key) {
            return known;
        }
        let verdict = is_standard_zonefile(bytes);
        if self.capacity > 0 {
            let mut map = self.lock();
            if map.len() >= self.capacity {
                let drop: Vec<String> = map.keys().take(map.len() / 8 + 1).cloned().collect();
                for key in drop {
                    map.remove(&key);
                }
            }
            map.insert(key, verdict);
        }
        verdict
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    const STANDARD: &[u8] =
        b"$ORIGIN foo.test\n$TTL 3600\n_http._tcp URI 10 1 \"https://example.org/foo.json\"\n";

    #[test]
    fn verdicts_match_a_fresh_check_and_stay_bounded() {
        let verdicts = StandardVerdicts::new(4);
        let odd = b"not a zone file".as_slice();
        assert!(is_standard_zonefile(STANDARD));
        assert!(!is_standard_zonefile(odd));
        for round in 0..2 {
            assert!(verdicts.is_standard("aa", STANDARD), "round {round}");
            assert!(!verdicts.is_standard("bb", odd), "round {round}");
        }
        assert_eq!(verdicts.len(), 2);
        for i in 0..20 {
            verdicts.is_standard(&format!("{i:040x}"), STANDARD);
            assert!(verdicts.len() <= 4);
        }
    }

    #[test]
    fn a_remembered_verdict_is_answered_without_the_bytes() {
        let verdicts = StandardVerdicts::new(8);
        assert!(verdicts.is_standard("cc", STANDARD));
        // Bytes under a hash never change, so the remembered verdict stands.
        assert!(verdicts.is_standard("cc", b"garbage"));
        let none = StandardVerdicts::new(0);
        assert!(none.is_standard("cc", STANDARD));
        assert!(!none.is_standard("cc", b"garbage"));
        assert!(none.is_empty());
    }
}
