//! Group commit: several blocks in one SQLite transaction, for catching up far behind the tip.
//!
//! Committing a block costs a transaction: its changed pages go to the WAL, and the same pages
//! (the top of every index) change again in the next block. While a batch is open,
//! [`NameDb::commit_block`] writes each block inside a savepoint of one long transaction
//! instead, and [`NameDb::commit_batch`] commits them all at once.
//!
//! The per-block invariant still holds: a block is written entirely or not at all (a failed
//! block rolls back to its savepoint and leaves the earlier blocks of the batch in place), and
//! after a crash the file is at the end of the block before the batch, from which indexing
//! resumes. Only durability is coarser: a crash loses the whole open batch, not only the last
//! block. Readers on other connections see the blocks of a batch when it commits.

use rusqlite::Connection;

use crate::error::{NameDbError, Result, SqlContext};
use crate::open::NameDb;

/// Runs one statement through the connection's statement cache.
fn run(conn: &Connection, sql: &str, context: &'static str) -> Result<()> {
    conn.prepare_cached(sql)
        .and_then(|mut s| s.execute([]))
        .map(|_| ())
        .ctx(context)
}

impl NameDb {
    /// Opens a batch: until [`NameDb::commit_batch`], blocks are committed into one
    /// transaction. Does nothing if a batch is already open.
    ///
    /// A `NameDb` dropped with a batch open discards the batch (SQLite rolls the transaction
    /// back when the connection closes), leaving the state as of the block before it.
    pub fn begin_batch(&mut self) -> Result<()> {
        if self.batch {
            return Ok(());
        }
        self.before_write();
        run(&self.conn, "BEGIN IMMEDIATE", "starting a batch")?;
        self.batch = true;
        Ok(())
    }

    /// Commits the open batch, if any, making its blocks durable and visible to readers.
    pub fn commit_batch(&mut self) -> Result<()> {
        if !self.batch {
            return Ok(());
        }
        self.batch = false;
        if self.conn.is_autocommit() {
            // SQLite ends a transaction on its own after some errors (e.g. a full disk).
            return Err(NameDbError::BatchLost);
        }
        if let Err(e) = run(&self.conn, "COMMIT", "committing a batch") {
            if !self.conn.is_autocommit() {
                let _ = run(&self.conn, "ROLLBACK", "rolling back a failed batch");
            }
            return Err(e);
        }
        Ok(())
    }

    /// Whether a batch is open.
    pub fn in_batch(&self) -> bool {
        self.batch
    }
}
