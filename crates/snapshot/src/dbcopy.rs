//! Consistent copies of live SQLite databases.
//!
//! The node keeps indexing while a snapshot is taken. SQLite's online backup, run in a single
//! step, copies every page inside one read transaction: in WAL mode that is a fixed view of the
//! last committed block that never blocks the writer (and the writer never invalidates it). The
//! copy is then switched to rollback journaling so it is one self-contained file.

use std::path::Path;
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use crate::error::{sql, Result};

/// How long to wait for a lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Copies the database at `src` into a new file `dst`.
pub fn copy_live(src: &Path, dst: &Path) -> Result<()> {
    // Read-write without create: a WAL database can always be opened this way, even when
    // its `-shm` does not exist yet; the connection is made query-only.
    let from = Connection::open_with_flags(
        src,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql(src, "opening the database to copy"))?;
    from.busy_timeout(BUSY_TIMEOUT)
        .map_err(sql(src, "setting the busy timeout"))?;
    from.execute_batch("PRAGMA query_only = ON;")
        .map_err(sql(src, "making the copy connection query-only"))?;
    let mut to = Connection::open(dst).map_err(sql(dst, "creating the copy"))?;
    {
        let backup = Backup::new(&from, &mut to).map_err(sql(src, "starting the backup"))?;
        let mut waited = Duration::ZERO;
        loop {
            match backup.step(-1).map_err(sql(src, "copying pages"))? {
                StepResult::Done => break,
                StepResult::More => {}
                // Busy or locked: another connection holds an exclusive lock for a moment.
                _ => {
                    if waited > BUSY_TIMEOUT {
                        return Err(sql(src, "copying pages")(rusqlite::Error::SqliteFailure(
                            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                            Some("the database stayed locked".into()),
                        )));
                    }
                    std::thread::sleep(Duration::from_millis(50));
                    waited += Duration::from_millis(50);
                }
            }
        }
    }
    self_contained(&to, dst)
}

/// Switches an open copy to rollback journaling and closes it: one file, no `-wal`.
pub fn self_contained(conn: &Connection, path: &Path) -> Result<()> {
    let _: String = conn
        .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
        .map_err(sql(path, "switching the copy to a rollback journal"))?;
    Ok(())
}

/// Opens a private copy for editing.
pub fn open_copy(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql(path, "opening the copy"))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(sql(path, "setting the busy timeout"))?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_a_wal_database_while_a_writer_holds_uncheckpointed_commits() {
        let dir = tempfile::tempdir().expect("tempdir");
        let src = dir.path().join("live.db");
        let writer = Connection::open(&src).expect("open");
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;
                 CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2);",
            )
            .expect("write");
        // The rows live only in the WAL: a plain file copy would miss them.
        assert!(dir.path().join("live.db-wal").exists());
        let dst = dir.path().join("copy.db");
        copy_live(&src, &dst).expect("copy");
        writer
            .execute("INSERT INTO t VALUES (3)", [])
            .expect("later write");
        assert!(!dir.path().join("copy.db-wal").exists());
        let copy = Connection::open(&dst).expect("open copy");
        let n: i64 = copy
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .expect("count");
        assert_eq!(n, 2);
        let mode: String = copy
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("mode");
        assert_eq!(mode, "delete");
    }
}
