//! WAL checkpoints on a thread of their own, so that copying the WAL back into the database
//! file mostly happens beside the thread that commits blocks instead of inside its commits.
//!
//! SQLite starts the WAL over only when a write transaction begins while every frame of the
//! WAL has already been copied back ("backfilled"). A thread that checkpoints while the
//! writer keeps committing never gets there on its own: each commit appends frames it has not
//! copied yet. So the work is split in two steps per cycle:
//!
//! 1. A commit that leaves at least `threshold` frames in the WAL wakes the thread (the
//!    writer's WAL hook), which runs a passive checkpoint on its own connection: it copies
//!    everything committed so far, beside the writer, without blocking it or any reader.
//! 2. Before its next write transaction, the writer sees that the thread has finished and
//!    copies the frames committed meanwhile (few, compared with the thread's) with a passive
//!    checkpoint of its own. Its transaction then begins with the WAL fully backfilled, and
//!    SQLite writes the WAL from its start again.
//!
//! The WAL is so bounded by about `threshold` plus what is committed during one run of the
//! thread. (A reader that keeps an old snapshot open can hold a restart back, exactly as with
//! SQLite's own automatic checkpoints; the next cycle catches up.) A checkpoint can run at any
//! instant without risk: the WAL keeps every committed block until it is copied, crash or not.

use std::os::raw::c_int;
use std::path::Path;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use rusqlite::hooks::Wal;
use rusqlite::{Connection, OpenFlags};

use crate::error::{NameDbError, Result, SqlContext};

/// No checkpoint under way or finished since the writer last finished one.
const IDLE: u8 = 0;
/// The thread has been woken and is copying frames.
const RUNNING: u8 = 1;
/// The thread has finished; the writer copies the rest before its next transaction.
const DONE: u8 = 2;

/// What the writer tells the thread.
enum Order {
    /// Copy the WAL back into the database file.
    Checkpoint,
    /// End.
    Stop,
}

/// The checkpoint thread of one writer connection. Dropping it stops the thread, after any
/// checkpoint under way has finished.
pub(crate) struct Checkpointer {
    state: Arc<AtomicU8>,
    orders: SyncSender<Order>,
    thread: Option<JoinHandle<()>>,
}

/// Runs a passive checkpoint on `conn`. A checkpoint that cannot copy everything (a reader
/// still needs some frames) or fails leaves the frames in the WAL for the next one.
fn passive_checkpoint(conn: &Connection) {
    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
}

impl Checkpointer {
    /// Starts the thread on its own connection to `path` and makes `writer` wake it whenever a
    /// commit leaves at least `threshold` frames in the WAL. The writer's own automatic
    /// checkpoints are turned off; the writer must call [`Checkpointer::before_write`] before
    /// each write transaction.
    pub(crate) fn start(path: &Path, writer: &mut Connection, threshold: u32) -> Result<Self> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .ctx("opening the checkpoint thread's connection")?;
        let state = Arc::new(AtomicU8::new(IDLE));
        // One pending order is enough: a wake-up is only sent from `IDLE`.
        let (orders, inbox) = sync_channel::<Order>(1);
        let thread_state = Arc::clone(&state);
        let thread = std::thread::Builder::new()
            .name("namedb-checkpoint".into())
            .spawn(move || {
                while let Ok(Order::Checkpoint) = inbox.recv() {
                    passive_checkpoint(&conn);
                    thread_state.store(DONE, Ordering::Release);
                }
            })
            .map_err(NameDbError::Thread)?;
        writer
            .pragma_update(None, "wal_autocheckpoint", 0)
            .ctx("turning the writer's automatic checkpoints off")?;
        let threshold = c_int::try_from(threshold).unwrap_or(c_int::MAX);
        let hook_state = Arc::clone(&state);
        let wake = orders.clone();
        writer
            .wal_hook(Some(move |_: &mut Wal, frames: c_int| {
                if frames >= threshold
                    && hook_state
                        .compare_exchange(IDLE, RUNNING, Ordering::AcqRel, Ordering::Acquire)
                        .is_ok()
                    && wake.try_send(Order::Checkpoint).is_err()
                {
                    // The thread is gone; let the writer checkpoint by itself.
                    hook_state.store(DONE, Ordering::Release);
                }
                Ok(())
            }))
            .ctx("installing the WAL hook")?;
        Ok(Self {
            state,
            orders,
            thread: Some(thread),
        })
    }

    /// Step 2 of the cycle: if the thread has finished a checkpoint, copies what was committed
    /// meanwhile on `writer`, so that its next write transaction starts the WAL over.
    pub(crate) fn before_write(&self, writer: &Connection) {
        if self.state.load(Ordering::Acquire) == DONE {
            passive_checkpoint(writer);
            self.state.store(IDLE, Ordering::Release);
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let _ = self.orders.send(Order::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::{Duration, Instant};

    use rusqlite::Connection;

    use super::Checkpointer;

    fn wal_writer(path: &Path) -> Connection {
        let writer = Connection::open(path).expect("open");
        writer
            .query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .expect("wal");
        writer
            .execute_batch("CREATE TABLE t (k INTEGER PRIMARY KEY, x BLOB)")
            .expect("table");
        writer
    }

    fn insert_blob(writer: &Connection) {
        writer
            .execute("INSERT INTO t (x) SELECT zeroblob(100000)", [])
            .expect("insert");
    }

    fn len(path: &Path) -> u64 {
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
    }

    #[test]
    fn commits_past_the_threshold_are_copied_into_the_database_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        let mut writer = wal_writer(&path);
        let checkpointer = Checkpointer::start(&path, &mut writer, 4).expect("start");
        let before = len(&path);
        insert_blob(&writer);
        // The writer never checkpoints in this test, so only the thread can grow the file.
        let deadline = Instant::now() + Duration::from_secs(10);
        while len(&path) < before + 100_000 {
            assert!(Instant::now() < deadline, "no checkpoint copied the insert");
            std::thread::sleep(Duration::from_millis(10));
        }
        drop(checkpointer);
        drop(writer);
    }

    #[test]
    fn below_the_threshold_nothing_is_copied() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        let mut writer = wal_writer(&path);
        let checkpointer = Checkpointer::start(&path, &mut writer, 1_000_000).expect("start");
        insert_blob(&writer);
        std::thread::sleep(Duration::from_millis(200));
        assert!(len(&path) < 100_000);
        drop(checkpointer);
        drop(writer);
    }

    #[test]
    fn the_wal_stays_bounded_under_continuous_commits() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        let wal = dir.path().join("db-wal");
        let mut writer = wal_writer(&path);
        // 64 frames of 4 KiB; each commit below writes about 10 frames.
        let checkpointer = Checkpointer::start(&path, &mut writer, 64).expect("start");
        let mut largest = 0;
        for i in 0..2_000 {
            checkpointer.before_write(&writer);
            writer
                .execute("INSERT INTO t (k, x) VALUES (?1, zeroblob(40000))", [i])
                .expect("insert");
            largest = largest.max(len(&wal));
        }
        // 2,000 commits write about 80 MB; a WAL that never starts over would hold all of it.
        assert!(largest < 8 * 1024 * 1024, "the WAL grew to {largest} bytes");
        drop(checkpointer);
        drop(writer);
        let reopened = Connection::open(&path).expect("reopen");
        let rows: i64 = reopened
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .expect("count");
        assert_eq!(rows, 2_000);
    }

    #[test]
    fn dropping_it_before_the_writer_ends_the_thread() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db");
        let mut writer = wal_writer(&path);
        let checkpointer = Checkpointer::start(&path, &mut writer, 4).expect("start");
        insert_blob(&writer);
        drop(checkpointer);
        // The hook of the writer may still fire; with the thread gone it must not block.
        writer
            .execute("INSERT INTO t (x) SELECT zeroblob(100000)", [])
            .expect("insert after the thread ended");
        drop(writer);
    }
}
