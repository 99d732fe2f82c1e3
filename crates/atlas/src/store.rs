//! The content-addressed zone file store on disk (atlas.md §6, `storage/crawl.py`).
//!
//! Layout, as the original's: a zone file with hash `h` lives at
//! `<root>/<h[0:2]>/<h[2:4]>/<h>.txt`. The legacy layout of older nodes
//! (`<root>/<h[0:2]>/<h[2:4]>/…/<h[38:40]>/zonefile.txt`, one level per byte)
//! is still read, never written, so a store inherited from a v0.18 node keeps
//! working.
//!
//! Unlike v0.18, which writes in place, every write goes to a temporary file in
//! the target directory, is `fsync`ed, renamed over the target and followed by
//! an `fsync` of the directory: after a crash a path holds either nothing or
//! a complete file. Every read re-hashes the file and treats a mismatch as
//! absent (§3), so even a torn or tampered file is never served.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use blockstack_zonefile::{zonefile_hash, MAX_ZONEFILE_LEN};

use crate::error::StoreError;

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

/// The zone file store rooted at one directory.
#[derive(Debug)]
pub struct ZonefileStore {
    root: PathBuf,
    tmp_counter: AtomicU64,
    sync: bool,
}

impl ZonefileStore {
    /// Opens the store at `root`, creating the directory (mode 0700, as v0.18) if needed.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let root = root.into();
        if !root.is_dir() {
            let mut builder = fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                builder.mode(0o700);
            }
            builder.create(&root).map_err(|e| io_err(&root, e))?;
        }
        Ok(Self {
            root,
            tmp_counter: AtomicU64::new(0),
            sync: true,
        })
    }

    /// Turns the `fsync` of files and directories off (`false`) or on. Writes stay atomic
    /// for a process crash either way; without `fsync` a power loss may lose recent
    /// writes, so this is for throwaway stores (simulations, tests) only.
    pub fn with_sync(mut self, sync: bool) -> Self {
        self.sync = sync;
        self
    }

    /// Whether writes are `fsync`ed.
    pub fn syncs(&self) -> bool {
        self.sync
    }

    /// The store's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where a zone file with `hash` is written: `<root>/h[0:2]/h[2:4]/h.txt` (meaningful
    /// for a valid hash, see [`is_valid_hash`]).
    pub fn current_path(&self, hash: &str) -> PathBuf {
        self.root
            .join(hash.get(0..2).unwrap_or_default())
            .join(hash.get(2..4).unwrap_or_default())
            .join(format!("{hash}.txt"))
    }

    /// Where an older node kept it: one directory per byte, then `zonefile.txt`.
    pub fn legacy_path(&self, hash: &str) -> PathBuf {
        let mut path = self.root.clone();
        for i in (0..hash.len()).step_by(2) {
            path.push(hash.get(i..i + 2).unwrap_or_default());
        }
        path.push("zonefile.txt");
        path
    }

    /// The zone file with `hash`, if the store holds a copy that hashes correctly.
    ///
    /// Tries the current layout, then the legacy one; a file whose contents do not hash to
    /// `hash` is ignored. A malformed `hash` is simply absent.
    pub fn get(&self, hash: &str) -> Result<Option<Vec<u8>>, StoreError> {
        if !is_valid_hash(hash) {
            return Ok(None);
        }
        for path in [self.current_path(hash), self.legacy_path(hash)] {
            match fs::read(&path) {
                Ok(bytes) if zonefile_hash(&bytes) == hash => return Ok(Some(bytes)),
                Ok(_) => continue,
                Err(e) if is_absent(&e) => continue,
                Err(e) => return Err(io_err(&path, e)),
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
        self.write(&hash, bytes)?;
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
        check_len(bytes)?;
        let actual = zonefile_hash(bytes);
        if actual != hash {
            return Err(StoreError::HashMismatch {
                expected: hash.to_owned(),
                actual,
            });
        }
        self.put(bytes, expected).map(|_| ())
    }

    /// Stores a zone file no name operation announces, such as a subdomain's own zone file
    /// written by the subdomain indexer (§6). Only the size limit applies.
    pub fn put_unannounced(&self, bytes: &[u8]) -> Result<String, StoreError> {
        self.put(bytes, |_| true)
    }

    fn write(&self, hash: &str, bytes: &[u8]) -> Result<(), StoreError> {
        if self.get(hash)?.is_some() {
            return Ok(());
        }
        let path = self.current_path(hash);
        let dir = path.parent().unwrap_or(&self.root).to_path_buf();
        fs::create_dir_all(&dir).map_err(|e| io_err(&dir, e))?;
        let n = self.tmp_counter.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{hash}.{}.{n}.tmp", std::process::id()));
        let sync = self.sync;
        let result = write_new(&tmp, bytes, sync)
            .and_then(|()| fs::rename(&tmp, &path))
            .and_then(|()| if sync { sync_dir(&dir) } else { Ok(()) });
        if let Err(e) = result {
            // Best effort: a leftover temporary file is never read as a zone file.
            let _ = fs::remove_file(&tmp);
            return Err(io_err(&path, e));
        }
        Ok(())
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

fn write_new(path: &Path, bytes: &[u8], sync: bool) -> io::Result<()> {
    let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(bytes)?;
    if sync {
        file.sync_all()?;
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

fn is_absent(e: &io::Error) -> bool {
    // A path component that is a file instead of a directory reads as ENOTDIR.
    matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory | io::ErrorKind::IsADirectory
    )
}

fn io_err(path: &Path, source: io::Error) -> StoreError {
    StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOR: &[u8] =
        b"$ORIGIN duckduckgo_tor.id\n$TTL 3600\ntor TXT \"3g2upl4pq6kufc4m.onion\"\n";
    const TOR_HASH: &str = "1b89a685f4c4ea245ce9433d0b29166c22175ab4";

    fn store() -> (tempfile::TempDir, ZonefileStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = ZonefileStore::open(dir.path().join("zonefiles")).expect("open");
        (dir, store)
    }

    #[test]
    fn writes_the_original_layout() {
        let (_d, s) = store();
        assert_eq!(s.put(TOR, |_| true).expect("put"), TOR_HASH);
        let path = s
            .root()
            .join("1b/89/1b89a685f4c4ea245ce9433d0b29166c22175ab4.txt");
        assert_eq!(fs::read(path).expect("read"), TOR);
        assert_eq!(s.get(TOR_HASH).expect("get").as_deref(), Some(TOR));
    }

    #[test]
    fn reads_the_legacy_layout() {
        let (_d, s) = store();
        let legacy = s.legacy_path(TOR_HASH);
        assert!(legacy
            .ends_with("1b/89/a6/85/f4/c4/ea/24/5c/e9/43/3d/0b/29/16/6c/22/17/5a/b4/zonefile.txt"));
        fs::create_dir_all(legacy.parent().expect("parent")).expect("mkdir");
        fs::write(&legacy, TOR).expect("write");
        assert!(s.has(TOR_HASH).expect("has"));
    }

    #[test]
    fn corrupt_files_are_absent() {
        let (_d, s) = store();
        s.put(TOR, |_| true).expect("put");
        fs::write(s.current_path(TOR_HASH), b"tampered").expect("write");
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
    fn uppercase_and_malformed_hashes_are_absent() {
        let (_d, s) = store();
        s.put(TOR, |_| true).expect("put");
        assert!(!s.has(&TOR_HASH.to_uppercase()).expect("has"));
        assert!(!s.has("../../etc/passwd").expect("has"));
        assert!(!s.has("").expect("has"));
    }

    #[test]
    fn a_crash_before_the_rename_leaves_nothing_readable() {
        let (_d, s) = store();
        // What an interrupted write leaves: a partial temporary file next to the target.
        let path = s.current_path(TOR_HASH);
        let dir = path.parent().expect("parent");
        fs::create_dir_all(dir).expect("mkdir");
        fs::write(dir.join(format!(".{TOR_HASH}.1.0.tmp")), &TOR[..10]).expect("write");
        assert!(!s.has(TOR_HASH).expect("has"));
        // A torn file at the target itself (an in-place writer's crash) is absent too.
        fs::write(&path, &TOR[..10]).expect("write");
        assert!(!s.has(TOR_HASH).expect("has"));
        s.put(TOR, |_| true).expect("put");
        assert_eq!(s.get(TOR_HASH).expect("get").as_deref(), Some(TOR));
    }

    #[test]
    fn leaves_no_temporary_files() {
        let (_d, s) = store();
        s.put(TOR, |_| true).expect("put");
        s.put(TOR, |_| true).expect("put again");
        let dir = s.current_path(TOR_HASH);
        let entries: Vec<_> = fs::read_dir(dir.parent().expect("parent"))
            .expect("readdir")
            .collect();
        assert_eq!(entries.len(), 1);
    }
}
