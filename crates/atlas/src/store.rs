//! The content-addressed zone file store (atlas.md §6, `storage/crawl.py`).
//!
//! Zone files are rows of one SQLite table, `<root>/zonefiles.db`, keyed by hash
//! (`store/blobs.rs`): a batch of fetched zone files is one transaction instead of a file, a
//! directory and a rename each. The original's one-file-per-zone-file layouts
//! ([`layout`]) are still read, never written: a store inherited from a v0.18 node (current
//! layout `<root>/<h[0:2]>/<h[2:4]>/<h>.txt`, or the legacy
//! `<root>/<h[0:2]>/…/<h[38:40]>/zonefile.txt`) keeps working, and storing a zone file
//! that is only held as a file copies it into the table. Snapshots carry the zone files in
//! the current layout and convert on the way in and out.
//!
//! v0.18 writes files in place; here a zone file is either wholly in the table or absent after
//! a crash (SQLite's transactions), and with `sync` on a commit is on disk before the write
//! returns. Every read re-hashes the bytes and treats a mismatch as absent (§3), so even a
//! tampered copy is never served.

use std::path::{Path, PathBuf};

use blockstack_zonefile::{zonefile_hash, MAX_ZONEFILE_LEN};

use crate::error::StoreError;

mod blobs;
pub mod layout;

pub use blobs::DB_FILE;

/// Whether `hash` is a zone file hash as the store names files: 40 lowercase hex digits.
///
/// Uppercase never matches in v0.18 (paths are built from the string as given and compared
/// with lowercase digests, §3), so it is not accepted here either.
pub fn is_valid_hash(hash: &str) -> bool {
    hash.len() == 40
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Whether `name`, an entry of the store's root directory, is one of the database's files
/// (the database, its WAL, shared-memory or rollback journal) rather than a zone file.
pub fn is_database_file(name: &str) -> bool {
    name.strip_prefix(DB_FILE)
        .is_some_and(|rest| matches!(rest, "" | "-wal" | "-shm" | "-journal"))
}

/// What [`ZonefileStore::put_batch`] did with each chunk, in input order.
pub type BatchVerdicts = Vec<Result<(), StoreError>>;

/// The zone file store rooted at one directory.
#[derive(Debug)]
pub struct ZonefileStore {
    root: PathBuf,
    /// `None` only for a read-only handle on a directory without a database.
    blobs: Option<blobs::Blobs>,
    sync: bool,
}

impl ZonefileStore {
    /// Opens the store at `root`, creating the directory (mode 0700, as v0.18) and its
    /// database if needed.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let root = root.into();
        if !root.is_dir() {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                builder.mode(0o700);
            }
            builder.create(&root).map_err(|source| StoreError::Io {
                path: root.clone(),
                source,
            })?;
        }
        let blobs = blobs::Blobs::open(&root, true)?;
        Ok(Self {
            root,
            blobs: Some(blobs),
            sync: true,
        })
    }

    /// Opens the store at `root` for reading only, creating nothing (for readers beside a
    /// running node, such as a snapshot being taken); `None` if `root` is not a directory.
    /// Writes to it fail with [`StoreError::ReadOnly`].
    pub fn open_read_only(root: impl Into<PathBuf>) -> Result<Option<Self>, StoreError> {
        let root = root.into();
        if !root.is_dir() {
            return Ok(None);
        }
        let blobs = blobs::Blobs::open_existing(&root)?;
        Ok(Some(Self {
            root,
            blobs,
            sync: false,
        }))
    }

    /// Turns the flushing of writes to disk off (`false`) or on. Writes stay atomic for a
    /// process crash either way; without it a power loss may lose recent writes (or, with
    /// SQLite's `synchronous = OFF`, damage the database), so this is for throwaway stores
    /// (simulations, tests) only.
    pub fn with_sync(mut self, sync: bool) -> Self {
        if let Some(blobs) = &self.blobs {
            blobs.set_sync(sync);
        }
        self.sync = sync;
        self
    }

    /// Whether writes are flushed to disk before they return.
    pub fn syncs(&self) -> bool {
        self.sync
    }

    /// The store's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The database file, if the store has one.
    pub fn database_path(&self) -> Option<&Path> {
        self.blobs.as_ref().map(blobs::Blobs::path)
    }

    /// Where the original keeps a zone file with `hash`: `<root>/h[0:2]/h[2:4]/h.txt`
    /// (meaningful for a valid hash, see [`is_valid_hash`]). Read, never written.
    pub fn current_path(&self, hash: &str) -> PathBuf {
        layout::current_path(&self.root, hash)
    }

    /// Where an older node kept it: one directory per byte, then `zonefile.txt`.
    pub fn legacy_path(&self, hash: &str) -> PathBuf {
        layout::legacy_path(&self.root, hash)
    }

    /// The zone file with `hash`, if the store holds a copy that hashes correctly.
    ///
    /// Tries the table, then the current file layout, then the legacy one; a copy whose
    /// contents do not hash to `hash` is ignored. A malformed `hash` is simply absent.
    pub fn get(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        if !is_valid_hash(hash) {
            return Ok(None);
        }
        let stored = match &self.blobs {
            Some(blobs) => blobs.get(hash)?,
            None => None,
        };
        self.verified_or_file(hash, stored)
    }

    /// [`ZonefileStore::get`] for each of `hashes`, in input order, with one read of the table.
    pub fn get_many(&self, hashes: &[&str]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let valid: Vec<&str> = hashes
            .iter()
            .copied()
            .filter(|h| is_valid_hash(h))
            .collect();
        let mut stored = match &self.blobs {
            Some(blobs) => blobs.get_many(&valid)?.into_iter(),
            None => vec![None; valid.len()].into_iter(),
        };
        hashes
            .iter()
            .map(|hash| {
                if !is_valid_hash(hash) {
                    return Ok(None);
                }
                self.verified_or_file(hash, stored.next().flatten())
            })
            .collect()
    }

    /// `stored` if it hashes to `hash`, else a valid copy in either file layout.
    fn verified_or_file(
        &self,
        hash: &str,
        stored: Option<Vec<u8>>,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        if let Some(bytes) = stored.filter(|b| zonefile_hash(b) == hash) {
            return Ok(Some(bytes));
        }
        for path in [self.current_path(hash), self.legacy_path(hash)] {
            if let Some(bytes) = layout::read_verified(&path, hash)? {
                return Ok(Some(bytes));
            }
        }
        Ok(None)
    }

    /// Whether the store holds a valid copy of `hash` (reads and re-hashes it, §4.2).
    pub fn has(&self, hash: &str) -> Result<bool, StoreError> {
        Ok(self.get(hash)?.is_some())
    }

    /// Stores `bytes` if they fit the size limit and their hash is one `expected` accepts;
    /// returns the hash.
    ///
    /// This is the rule of `put_zonefiles` and the crawler (§10, §11.3): only chunks whose hash
    /// some accepted name operation announced are admitted. Storing a chunk that is already
    /// held is a no-op.
    pub fn put(
        &self,
        bytes: &[u8],
        expected: impl FnOnce(&str) -> bool,
    ) -> Result<String, StoreError> {
        check_len(bytes)?;
        let hash = zonefile_hash(bytes);
        if !expected(&hash) {
            return Err(StoreError::NotExpected(hash));
        }
        self.write(&[(&hash, bytes)])?;
        Ok(hash)
    }

    /// Stores `bytes` offered as the zone file with hash `hash`, refusing data that hashes to
    /// anything else, then applies the rules of [`ZonefileStore::put`].
    pub fn put_as(
        &self,
        hash: &str,
        bytes: &[u8],
        expected: impl FnOnce(&str) -> bool,
    ) -> Result<(), StoreError> {
        check_offered(hash, bytes)?;
        self.put(bytes, expected).map(|_| ())
    }

    /// Stores a zone file no name operation announces, such as a subdomain's own zone file
    /// written by the subdomain indexer (§6). Only the size limit applies.
    pub fn put_unannounced(&self, bytes: &[u8]) -> Result<String, StoreError> {
        self.put(bytes, |_| true)
    }

    /// Stores each `(hash, bytes)` of `chunks` as [`ZonefileStore::put_as`] would, all in one
    /// transaction: the chunks that pass the checks are stored together (and flushed once),
    /// or, if the transaction fails (the outer error), none is. The verdicts are in input
    /// order.
    pub fn put_batch(
        &self,
        chunks: &[(String, Vec<u8>)],
        expected: impl Fn(&str) -> bool,
    ) -> Result<BatchVerdicts, StoreError> {
        let verdicts: BatchVerdicts = chunks
            .iter()
            .map(|(hash, bytes)| {
                check_offered(hash, bytes)?;
                if expected(hash) {
                    Ok(())
                } else {
                    Err(StoreError::NotExpected(hash.clone()))
                }
            })
            .collect();
        let accepted: Vec<(&str, &[u8])> = chunks
            .iter()
            .zip(&verdicts)
            .filter(|(_, v)| v.is_ok())
            .map(|((h, b), _)| (h.as_str(), b.as_slice()))
            .collect();
        self.write(&accepted)?;
        Ok(verdicts)
    }

    /// Calls `f` with every zone file of the table as `(hash, bytes)`, in hash order, from one
    /// consistent view even while the store is written; stops at the first error of `f`.
    /// Copies held only as files in the original's layouts are not listed.
    pub fn for_each_stored<E>(
        &self,
        f: impl FnMut(&str, &[u8]) -> Result<(), E>,
    ) -> Result<Result<(), E>, StoreError> {
        match &self.blobs {
            Some(blobs) => blobs.for_each(f),
            None => Ok(Ok(())),
        }
    }

    /// How many zone files the table holds (copies held only as files not counted).
    pub fn stored_count(&self) -> Result<u64, StoreError> {
        match &self.blobs {
            Some(blobs) => blobs.count(),
            None => Ok(0),
        }
    }

    fn write(&self, items: &[(&str, &[u8])]) -> Result<(), StoreError> {
        match &self.blobs {
            Some(blobs) => blobs.put_many(items),
            None if items.is_empty() => Ok(()),
            None => Err(StoreError::ReadOnly(self.root.clone())),
        }
    }
}

fn check_len(bytes: &[u8]) -> Result<(), StoreError> {
    if bytes.len() > MAX_ZONEFILE_LEN {
        return Err(StoreError::TooLarge {
            len: bytes.len(),
            max: MAX_ZONEFILE_LEN,
        });
    }
    Ok(())
}

/// The size limit, then whether `bytes` hash to the `hash` they were offered under.
fn check_offered(hash: &str, bytes: &[u8]) -> Result<(), StoreError> {
    check_len(bytes)?;
    let actual = zonefile_hash(bytes);
    if actual != hash {
        return Err(StoreError::HashMismatch {
            expected: hash.to_owned(),
            actual,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    const TOR: &[u8] =
        b"$ORIGIN duckduckgo_tor.id\n$TTL 3600\ntor TXT \"3g2upl4pq6kufc4m.onion\"\n";
    const TOR_HASH: &str = "1b89a685f4c4ea245ce9433d0b29166c22175ab4";

    fn store() -> (tempfile::TempDir, ZonefileStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = ZonefileStore::open(dir.path().join("zonefiles")).expect("open");
        (dir, store)
    }

    /// Every entry of the store's root but the database's own files.
    fn stray_entries(s: &ZonefileStore) -> Vec<String> {
        fs::read_dir(s.root())
            .expect("readdir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| !is_database_file(n))
            .collect()
    }

    fn raw_table(s: &ZonefileStore) -> rusqlite::Connection {
        rusqlite::Connection::open(s.database_path().expect("database")).expect("open")
    }

    #[test]
    fn writes_rows_of_the_table_and_no_files() {
        let (_d, s) = store();
        assert_eq!(s.put(TOR, |_| true).expect("put"), TOR_HASH);
        assert_eq!(s.get(TOR_HASH).expect("get").as_deref(), Some(TOR));
        assert!(stray_entries(&s).is_empty(), "{:?}", stray_entries(&s));
        assert!(!s.current_path(TOR_HASH).exists());
        assert_eq!(s.stored_count().expect("count"), 1);
        // Storing it again changes nothing.
        s.put(TOR, |_| true).expect("put again");
        assert_eq!(s.stored_count().expect("count"), 1);
        // A second handle (as after a restart) reads it.
        let reopened = ZonefileStore::open(s.root()).expect("reopen");
        assert_eq!(reopened.get(TOR_HASH).expect("get").as_deref(), Some(TOR));
    }

    #[test]
    fn reads_both_file_layouts_of_the_original() {
        for legacy in [false, true] {
            let (_d, s) = store();
            let path = if legacy {
                s.legacy_path(TOR_HASH)
            } else {
                s.current_path(TOR_HASH)
            };
            if legacy {
                assert!(path.ends_with(
                    "1b/89/a6/85/f4/c4/ea/24/5c/e9/43/3d/0b/29/16/6c/22/17/5a/b4/zonefile.txt"
                ));
            } else {
                assert!(path.ends_with(format!("1b/89/{TOR_HASH}.txt")));
            }
            fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            fs::write(&path, TOR).expect("write");
            assert!(s.has(TOR_HASH).expect("has"), "legacy {legacy}");
            assert_eq!(
                s.get_many(&[TOR_HASH]).expect("get_many"),
                vec![Some(TOR.to_vec())]
            );
            // Storing it copies it into the table; the file stays as it was.
            assert_eq!(s.stored_count().expect("count"), 0);
            s.put(TOR, |_| true).expect("put");
            assert_eq!(s.stored_count().expect("count"), 1);
            assert_eq!(fs::read(&path).expect("file"), TOR);
        }
    }

    #[test]
    fn corrupt_copies_are_absent() {
        let (_d, s) = store();
        s.put(TOR, |_| true).expect("put");
        raw_table(&s)
            .execute("UPDATE zonefiles SET data = x'00'", [])
            .expect("tamper");
        assert!(!s.has(TOR_HASH).expect("has"));
        assert_eq!(s.get_many(&[TOR_HASH]).expect("get_many"), vec![None]);
        // A tampered file in the original's layout is absent too.
        let path = s.current_path(TOR_HASH);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(&path, &TOR[..10]).expect("write");
        assert!(!s.has(TOR_HASH).expect("has"));
        // Re-storing repairs it.
        s.put(TOR, |_| true).expect("put");
        assert!(s.has(TOR_HASH).expect("has"));
    }

    #[test]
    fn refuses_unexpected_oversized_and_mismatched_data() {
        let (_d, s) = store();
        assert!(matches!(
            s.put(TOR, |h| h != TOR_HASH),
            Err(StoreError::NotExpected(h)) if h == TOR_HASH
        ));
        assert!(!s.has(TOR_HASH).expect("has"));
        let big = vec![b'a'; MAX_ZONEFILE_LEN + 1];
        assert!(matches!(
            s.put(&big, |_| true),
            Err(StoreError::TooLarge { .. })
        ));
        s.put(&big[..MAX_ZONEFILE_LEN], |_| true)
            .expect("exactly the limit is fine");
        assert!(matches!(
            s.put_as(TOR_HASH, b"other", |_| true),
            Err(StoreError::HashMismatch { .. })
        ));
        assert!(!s.has(TOR_HASH).expect("has"));
    }

    #[test]
    fn a_batch_stores_what_passes_and_reports_the_rest() {
        let (_d, s) = store();
        let other = b"$ORIGIN other.id\n$TTL 3600\n".to_vec();
        let other_hash = zonefile_hash(&other);
        let unannounced = b"$ORIGIN nobody.id\n$TTL 3600\n".to_vec();
        let unannounced_hash = zonefile_hash(&unannounced);
        let chunks = vec![
            (TOR_HASH.to_owned(), TOR.to_vec()),
            (other_hash.clone(), b"not what was asked for".to_vec()),
            (unannounced_hash.clone(), unannounced),
            (other_hash.clone(), other.clone()),
            (TOR_HASH.to_owned(), TOR.to_vec()),
        ];
        let verdicts = s
            .put_batch(&chunks, |h| h != unannounced_hash)
            .expect("batch");
        assert!(verdicts[0].is_ok());
        assert!(matches!(verdicts[1], Err(StoreError::HashMismatch { .. })));
        assert!(matches!(&verdicts[2], Err(StoreError::NotExpected(h)) if *h == unannounced_hash));
        assert!(verdicts[3].is_ok() && verdicts[4].is_ok());
        assert_eq!(
            s.get_many(&[TOR_HASH, &unannounced_hash, "nothex", &other_hash])
                .expect("get_many"),
            vec![Some(TOR.to_vec()), None, None, Some(other)]
        );
        assert_eq!(s.stored_count().expect("count"), 2);
    }

    #[test]
    fn uppercase_and_malformed_hashes_are_absent() {
        let (_d, s) = store();
        s.put(TOR, |_| true).expect("put");
        assert!(!s.has(&TOR_HASH.to_uppercase()).expect("has"));
        assert!(!s.has("../../etc/passwd").expect("has"));
        assert!(!s.has("").expect("has"));
    }

    #[test]
    fn an_uncommitted_write_leaves_nothing_readable() {
        let (_d, s) = store();
        {
            // What a crash in the middle of a batch leaves: a transaction never committed.
            let mut conn = raw_table(&s);
            let tx = conn.transaction().expect("begin");
            tx.execute(
                "INSERT INTO zonefiles (zonefile_hash, data) VALUES (?1, ?2)",
                rusqlite::params![TOR_HASH, TOR],
            )
            .expect("insert");
            drop(tx);
        }
        assert!(!s.has(TOR_HASH).expect("has"));
        s.put(TOR, |_| true).expect("put");
        assert_eq!(s.get(TOR_HASH).expect("get").as_deref(), Some(TOR));
    }

    #[test]
    fn a_read_only_handle_reads_and_creates_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("zonefiles");
        assert!(ZonefileStore::open_read_only(&root)
            .expect("absent")
            .is_none());
        fs::create_dir(&root).expect("mkdir");
        let bare = ZonefileStore::open_read_only(&root)
            .expect("open")
            .expect("a directory");
        assert!(bare.database_path().is_none());
        assert!(!bare.has(TOR_HASH).expect("has"));
        assert!(matches!(
            bare.put(TOR, |_| true),
            Err(StoreError::ReadOnly(_))
        ));
        assert!(!root.join(DB_FILE).exists());
        let s = ZonefileStore::open(&root).expect("open");
        s.put(TOR, |_| true).expect("put");
        let reader = ZonefileStore::open_read_only(&root)
            .expect("open")
            .expect("a directory");
        let mut listed = Vec::new();
        reader
            .for_each_stored(|h, b| {
                listed.push((h.to_owned(), b.to_vec()));
                Ok::<(), ()>(())
            })
            .expect("list")
            .expect("listed");
        assert_eq!(listed, vec![(TOR_HASH.to_owned(), TOR.to_vec())]);
        assert!(matches!(
            reader.put(TOR, |_| true),
            Err(StoreError::ReadOnly(_))
        ));
    }

    #[test]
    fn a_database_of_an_unknown_schema_is_refused() {
        let (_d, s) = store();
        raw_table(&s)
            .execute_batch("PRAGMA user_version = 99")
            .expect("bump");
        assert!(matches!(
            ZonefileStore::open(s.root()),
            Err(StoreError::Schema { found: 99, .. })
        ));
        assert!(matches!(
            ZonefileStore::open_read_only(s.root()),
            Err(StoreError::Schema { found: 99, .. })
        ));
    }

    #[test]
    fn database_files_are_told_from_zone_files() {
        for name in ["zonefiles.db", "zonefiles.db-wal", "zonefiles.db-shm"] {
            assert!(is_database_file(name), "{name}");
        }
        for name in ["1b", "zonefiles.db.bak", "zonefiles", "x.txt"] {
            assert!(!is_database_file(name), "{name}");
        }
    }
}
