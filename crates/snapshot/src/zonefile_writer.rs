//! Writes restored zone files on a thread of their own.
//!
//! A store of 100,000 zone files is some 150,000 file and directory creations, which cost far
//! more than their bytes. Snapshots list the zone files before the databases, so the main
//! thread hands them over (a bounded amount of bytes at a time) and goes on decompressing and
//! writing the databases while this thread creates the files.

use std::collections::HashSet;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::error::{io, Result, SnapshotError};

/// Bytes of zone files waiting to be written before the main thread waits.
const MAX_QUEUED: u64 = 64 << 20;

enum Job {
    Dir(PathBuf),
    File(PathBuf, Vec<u8>),
}

/// The writer thread and its queue.
pub(crate) struct ZonefileWriter {
    tx: Option<mpsc::Sender<Job>>,
    handle: Option<JoinHandle<Result<()>>>,
    queued: Arc<AtomicU64>,
}

impl ZonefileWriter {
    /// Starts the thread.
    pub(crate) fn spawn() -> Self {
        let (tx, rx) = mpsc::channel::<Job>();
        let queued = Arc::new(AtomicU64::new(0));
        let counter = queued.clone();
        let handle = std::thread::spawn(move || -> Result<()> {
            let mut dirs = HashSet::new();
            for job in rx {
                match job {
                    Job::Dir(path) => make_dirs(&path, &mut dirs)?,
                    Job::File(path, bytes) => {
                        if let Some(parent) = path.parent() {
                            make_dirs(parent, &mut dirs)?;
                        }
                        let mut file = OpenOptions::new()
                            .write(true)
                            .create_new(true)
                            .open(&path)
                            .map_err(io(&path))?;
                        file.write_all(&bytes).map_err(io(&path))?;
                        counter.fetch_sub(bytes.len() as u64, Ordering::Relaxed);
                    }
                }
            }
            Ok(())
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

    /// Queues the directory `path`.
    pub(crate) fn dir(&mut self, path: PathBuf) -> Result<()> {
        self.send(Job::Dir(path))
    }

    /// Queues the new file `path` with `bytes`, waiting while too many bytes are queued.
    pub(crate) fn file(&mut self, path: PathBuf, bytes: Vec<u8>) -> Result<()> {
        while self.queued.load(Ordering::Relaxed) > MAX_QUEUED {
            if self.handle.as_ref().is_none_or(JoinHandle::is_finished) {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        self.queued.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        self.send(Job::File(path, bytes))
    }

    fn join(&mut self) -> Result<()> {
        self.tx = None;
        match self.handle.take() {
            Some(h) => h
                .join()
                .map_err(|_| SnapshotError::Content("the zone file writer panicked".into()))?,
            None => Ok(()),
        }
    }

    /// Waits until every queued file is written.
    pub(crate) fn finish(mut self) -> Result<()> {
        self.join()
    }
}

impl Drop for ZonefileWriter {
    fn drop(&mut self) {
        let _ = self.join();
    }
}

/// Creates `path` and its missing parents (mode 0700, as the zone file store's), remembering
/// which exist so each costs one `mkdir`.
fn make_dirs(path: &Path, made: &mut HashSet<PathBuf>) -> Result<()> {
    if made.contains(path) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        if !made.contains(parent) && !parent.is_dir() {
            make_dirs(parent, made)?;
        }
    }
    match fs::DirBuilder::new().mode(0o700).create(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && path.is_dir() => {}
        Err(e) => return Err(io(path)(e)),
    }
    made.insert(path.to_path_buf());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_every_queued_file_and_reports_a_failure() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut w = ZonefileWriter::spawn();
        for i in 0..200u32 {
            let path = dir.path().join(format!("{:02x}/{i}.txt", i % 7));
            w.file(path, i.to_le_bytes().to_vec()).expect("queue");
        }
        w.finish().expect("written");
        assert_eq!(
            fs::read(dir.path().join("03/3.txt")).expect("read"),
            3u32.to_le_bytes()
        );

        let mut w = ZonefileWriter::spawn();
        let path = dir.path().join("03/3.txt");
        w.file(path, vec![1]).expect("queued");
        let err = w.finish().expect_err("the file exists");
        assert!(err.to_string().contains("3.txt"), "{err}");
    }
}
