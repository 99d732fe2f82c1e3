//! Where the APIs read zone files from.
//!
//! The node's Atlas store implements [`ZonefileSource`]; [`DirZonefiles`] reads a plain
//! directory of `<hash>` files. Whatever the source, the APIs only serve bytes whose hash is
//! the one asked for ([`get_verified`]), as the original's `get_zonefile_data` does.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use blockstack_atlas::ZonefileStore;

/// A store of zone files by their 40-hex hash (RIPEMD160(SHA256(bytes))).
pub trait ZonefileSource: Send + Sync {
    /// The bytes of the zone file with hash `hash` (lowercase hex), if held.
    fn get(&self, hash: &str) -> Option<Vec<u8>>;
}

/// Zone files stored as `<dir>/<hash>`, one file each, or in an Atlas zone file store at
/// `<dir>` (its table, or the original's `<h[0:2]>/<h[2:4]>/<h>.txt` files): a node without
/// Atlas still serves what its store holds.
#[derive(Clone, Debug)]
pub struct DirZonefiles {
    dir: PathBuf,
    store: Arc<Mutex<Option<Arc<ZonefileStore>>>>,
}

impl DirZonefiles {
    /// A source over `dir`; missing or unreadable files are simply not held.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            store: Arc::new(Mutex::new(None)),
        }
    }

    /// The directory read.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The store at the directory, opened read-only on first use (and again while it has no
    /// database yet, so that one created later is found).
    fn store(&self) -> Option<Arc<ZonefileStore>> {
        let mut slot = match self.store.lock() {
            Ok(slot) => slot,
            Err(poisoned) => poisoned.into_inner(),
        };
        let stale = slot.as_ref().is_none_or(|s| {
            s.database_path().is_none() && self.dir.join(blockstack_atlas::store::DB_FILE).is_file()
        });
        if stale {
            match ZonefileStore::open_read_only(&self.dir) {
                Ok(store) => *slot = store.map(Arc::new),
                Err(e) => {
                    tracing::warn!(dir = %self.dir.display(), error = %e, "cannot read the zone file store");
                    *slot = None;
                }
            }
        }
        slot.clone()
    }
}

impl ZonefileSource for DirZonefiles {
    fn get(&self, hash: &str) -> Option<Vec<u8>> {
        if !is_zonefile_hash(hash) {
            return None;
        }
        if let Ok(bytes) = std::fs::read(self.dir.join(hash)) {
            return Some(bytes);
        }
        let store = self.store()?;
        match store.get(&hash.to_ascii_lowercase()) {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(%hash, error = %e, "cannot read a zone file");
                None
            }
        }
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

/// What a remembered zone file costs beyond its text: its key, the map's slot and the shared
/// string's header and allocation.
const TEXT_OVERHEAD: usize = 96;

/// The texts of verified zone files as `GET /v1/names/{name}` shows them, remembered by hash:
/// the bytes under a hash never change, so neither does their text nor whether they are
/// standard. Holds at most about `budget` bytes; when full, arbitrary entries are forgotten to
/// make room. A hash the source does not hold is not remembered (it may arrive later).
#[derive(Debug)]
pub struct ZonefileTexts {
    budget: usize,
    held: Mutex<HeldTexts>,
}

#[derive(Debug, Default)]
struct HeldTexts {
    /// Hash → the text of a standard zone file, `None` for a non-standard one.
    texts: std::collections::HashMap<[u8; 20], Option<Arc<str>>>,
    /// What the entries cost, as counted against the budget.
    bytes: usize,
}

impl ZonefileTexts {
    /// An empty cache of at most about `budget` bytes (0 remembers nothing).
    pub fn new(budget: usize) -> Self {
        Self {
            budget,
            held: Mutex::new(HeldTexts::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HeldTexts> {
        match self.held.lock() {
            Ok(held) => held,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Zone files remembered now.
    pub fn len(&self) -> usize {
        self.lock().texts.len()
    }

    /// Whether none is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The zone file with hash `hash` from `source`, if it holds bytes that hash to it: the
    /// text of a standard zone file (invalid UTF-8 replaced, as the reply shows it), or `None`
    /// for a non-standard one ([`is_standard_zonefile`]).
    pub fn get(&self, source: &dyn ZonefileSource, hash: &str) -> Option<Option<Arc<str>>> {
        let key = hash_key(hash);
        if let Some(key) = &key {
            if let Some(known) = self.lock().texts.get(key) {
                return Some(known.clone());
            }
        }
        let bytes = get_verified(source, hash)?;
        let text = is_standard_zonefile(&bytes).then(|| Arc::from(String::from_utf8_lossy(&bytes)));
        if let Some(key) = key.filter(|_| self.budget > 0) {
            let cost = text.as_deref().map_or(0, str::len) + TEXT_OVERHEAD;
            let mut held = self.lock();
            if held.bytes + cost > self.budget {
                // Forget an eighth of the budget's worth at once, not one entry per miss.
                let target = (self.budget - self.budget / 8).saturating_sub(cost);
                let mut drop = Vec::new();
                let mut bytes = held.bytes;
                for (k, v) in &held.texts {
                    if bytes <= target {
                        break;
                    }
                    bytes -= v.as_deref().map_or(0, str::len) + TEXT_OVERHEAD;
                    drop.push(*k);
                }
                for k in drop {
                    held.texts.remove(&k);
                }
                held.bytes = bytes;
            }
            if held.bytes + cost <= self.budget && held.texts.insert(key, text.clone()).is_none() {
                held.bytes += cost;
            }
        }
        Some(text)
    }
}

/// The 20 bytes of a 40-hex zone file hash, `None` if `hash` is not one.
fn hash_key(hash: &str) -> Option<[u8; 20]> {
    let mut key = [0u8; 20];
    hex::decode_to_slice(hash, &mut key).ok()?;
    Some(key)
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

    #[test]
    fn a_directory_source_reads_flat_files_and_an_atlas_store() {
        let dir = tempfile::tempdir().expect("tempdir");
        let source = DirZonefiles::new(dir.path());
        let flat = b"$ORIGIN flat.test\n$TTL 3600\n";
        let flat_hash = blockstack_zonefile::zonefile_hash(flat);
        std::fs::write(dir.path().join(&flat_hash), flat).expect("write");
        assert_eq!(source.get(&flat_hash).as_deref(), Some(flat.as_slice()));
        let stored_hash = blockstack_zonefile::zonefile_hash(STANDARD);
        assert_eq!(source.get(&stored_hash), None);
        // A store written afterwards (by a node with Atlas) is found, by either case of hash.
        let store = ZonefileStore::open(dir.path()).expect("store");
        store.put_unannounced(STANDARD).expect("put");
        assert_eq!(source.get(&stored_hash).as_deref(), Some(STANDARD));
        assert_eq!(
            source.get(&stored_hash.to_uppercase()).as_deref(),
            Some(STANDARD)
        );
        assert_eq!(source.get("not a hash"), None);
    }
}
