//! Stores restored zone files on a thread of their own.
//!
//! The archive carries zone files in the original's layout, one file each
//! (`zonefiles/<h[0:2]>/<h[2:4]>/<h>.txt`, or the legacy one-directory-per-byte layout); the
//! node keeps them in its store's table ([`ZonefileStore`]). This thread converts: each entry
//! whose path names a hash and whose bytes hash to it is stored, in batches of one
//! transaction each; entries that name no hash or hold other bytes are dropped (a node never
//! serves them: reads re-hash). Snapshots list the zone files before the databases, so the
//! main thread hands them over (a bounded amount of bytes at a time) and goes on
//! decompressing and writing the databases meanwhile.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Duration;

use blockstack_atlas::store::layout;
use blockstack_atlas::ZonefileStore;

use crate::error::{store as store_err, Result, SnapshotError};

/// Bytes of zone files waiting to be stored before the main thread waits.
const MAX_QUEUED: u64 = 64 << 20;

/// Zone files stored per transaction.
const BATCH: usize = 2000;

enum Job {
    /// The store's directory is in the archive.
    Dir,
    /// A zone file: its path below `zonefiles/`, and its bytes.
    File(Vec<String>, Vec<u8>),
}

/// The writer thread and its queue.
pub(crate) struct ZonefileWriter {
    tx: Option<mpsc::Sender<Job>>,
    handle: Option<JoinHandle<Result<u64>>>,
    queued: Arc<AtomicU64>,
}

/// The store at `root`, opened on first use; flushing is left to the restore's final
/// `syncfs`.
struct Target {
    root: PathBuf,
    store: Option<ZonefileStore>,
    pending: Vec<(String, Vec<u8>)>,
}

impl Target {
    fn store(&mut self) -> Result<&ZonefileStore> {
        if self.store.is_none() {
            let store = ZonefileStore::open(&self.root)
                .map_err(store_err(&self.root))?
                .with_sync(false);
            self.store = Some(store);
        }
        self.store
            .as_ref()
            .ok_or_else(|| SnapshotError::Content("the zone file store did not open".into()))
    }

    fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let root = self.root.clone();
        for verdict in self
            .store()?
            .put_batch(&pending, |_| true)
            .map_err(store_err(&root))?
        {
            verdict.map_err(store_err(&root))?;
        }
        Ok(())
    }

    /// Flushes what is pending and closes the store; the number of zone files it holds.
    fn finish(mut self) -> Result<u64> {
        self.flush()?;
        match self.store.take() {
            Some(store) => store.stored_count().map_err(store_err(&self.root)),
            None => Ok(0),
        }
    }
}

impl ZonefileWriter {
    /// Starts the thread, which stores into the zone file store at `root`.
    pub(crate) fn spawn(root: PathBuf) -> Self {
        let (tx, rx) = mpsc::channel::<Job>();
        let queued = Arc::new(AtomicU64::new(0));
        let counter = queued.clone();
        let handle = std::thread::spawn(move || -> Result<u64> {
            let mut target = Target {
                root,
                store: None,
                pending: Vec::new(),
            };
            for job in rx {
                match job {
                    Job::Dir => {
                        target.store()?;
                    }
                    Job::File(parts, bytes) => {
                        counter.fetch_sub(bytes.len() as u64, Ordering::Relaxed);
                        let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
                        let Some(hash) = layout::hash_of_member(&refs) else {
                            tracing::debug!(path = %parts.join("/"), "not a zone file path; dropped");
                            continue;
                        };
                        if blockstack_zonefile::zonefile_hash(&bytes) != hash {
                            tracing::debug!(%hash, "zone file bytes do not match the name; dropped");
                            continue;
                        }
                        target.pending.push((hash, bytes));
                        if target.pending.len() >= BATCH {
                            target.flush()?;
                        }
                    }
                }
            }
            target.finish()
        });
        Self {
            tx: Some(tx),
            handle: Some(handle),
            queued,
        }
    }

    fn send(&mut self, job: Job) -> Result<()> {
        let sent = self.tx.as_ref().is_some_and(|tx| tx.send(job).is_ok());
        if sent {
            return Ok(());
        }
        // The thread stopped: its error explains why.
        self.join()?;
        Err(SnapshotError::Content(
            "the zone file writer stopped".into(),
        ))
    }

    /// Notes that the archive has the store's directory (the store is created even if no
    /// zone file follows).
    pub(crate) fn dir(&mut self) -> Result<()> {
        self.send(Job::Dir)
    }

    /// Queues the zone file at `parts` (below `zonefiles/`) with `bytes`, waiting while too
    /// many bytes are queued.
    pub(crate) fn file(&mut self, parts: Vec<String>, bytes: Vec<u8>) -> Result<()> {
        while self.queued.load(Ordering::Relaxed) > MAX_QUEUED {
            if self.handle.as_ref().is_none_or(JoinHandle::is_finished) {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        self.queued.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        self.send(Job::File(parts, bytes))
    }

    fn join(&mut self) -> Result<u64> {
        self.tx = None;
        match self.handle.take() {
            Some(h) => h
                .join()
                .map_err(|_| SnapshotError::Content("the zone file writer panicked".into()))?,
            None => Ok(0),
        }
    }

    /// Waits until every queued zone file is stored and the store is closed; how many zone
    /// files it holds.
    pub(crate) fn finish(mut self) -> Result<u64> {
        self.join()
    }
}

impl Drop for ZonefileWriter {
    fn drop(&mut self) {
        let _ = self.join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOR: &[u8] =
        b"$ORIGIN duckduckgo_tor.id\n$TTL 3600\ntor TXT \"3g2upl4pq6kufc4m.onion\"\n";
    const TOR_HASH: &str = "1b89a685f4c4ea245ce9433d0b29166c22175ab4";

    fn parts(path: &str) -> Vec<String> {
        path.split('/').map(str::to_owned).collect()
    }

    #[test]
    fn stores_zone_files_of_either_layout_and_drops_the_rest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("zonefiles");
        let mut w = ZonefileWriter::spawn(root.clone());
        let mut expected = Vec::new();
        for i in 0..(BATCH as u32 + 10) {
            let bytes = format!("$ORIGIN n{i}.id\n$TTL 3600\n").into_bytes();
            let hash = blockstack_zonefile::zonefile_hash(&bytes);
            w.file(parts(&layout::current_member(&hash)), bytes.clone())
                .expect("queue");
            expected.push((hash, bytes));
        }
        let legacy: Vec<String> = (0..20)
            .map(|i| TOR_HASH[2 * i..2 * i + 2].to_owned())
            .chain(["zonefile.txt".to_owned()])
            .collect();
        w.file(legacy, TOR.to_vec()).expect("queue");
        w.file(parts("1b/89/junk.txt"), TOR.to_vec())
            .expect("queue");
        let wrong = b"not the named zone file".to_vec();
        w.file(parts(&layout::current_member(TOR_HASH)), wrong)
            .expect("queue");
        assert_eq!(w.finish().expect("stored"), BATCH as u64 + 11);
        let store = ZonefileStore::open(&root).expect("open");
        assert_eq!(store.get(TOR_HASH).expect("get").as_deref(), Some(TOR));
        for (hash, bytes) in expected {
            assert_eq!(store.get(&hash).expect("get"), Some(bytes));
        }
    }

    #[test]
    fn a_store_that_cannot_open_is_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("zonefiles");
        std::fs::write(&root, b"a file where the store's directory should be").expect("write");
        let mut w = ZonefileWriter::spawn(root);
        w.file(parts(&layout::current_member(TOR_HASH)), TOR.to_vec())
            .expect("queued");
        w.dir().ok();
        let err = w.finish().expect_err("no store");
        assert!(err.to_string().contains("zonefiles"), "{err}");
    }
}
