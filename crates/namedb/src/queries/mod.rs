//! The read queries the RPC and REST layers serve (spec §11.6, core-rpc.md §3), evaluated at
//! the last committed block ("lastblock").
//!
//! A [`Snapshot`] holds one SQLite read transaction, so every query through it sees the same
//! committed block even while the writer commits more.

mod did;
mod dump;
mod expiry;
mod names;
mod namespaces;
mod ops;
mod point;

use blockstack_consensus::Rules;
use rusqlite::Connection;

use crate::blocks;
use crate::error::{Result, SqlContext};
use crate::open::{NameDb, ReadOnlyNameDb};
use crate::view::DbView;

pub use did::{DidInfo, DidLookup, HistoricName};
pub use dump::{HistoryRow, StateDump};
pub use expiry::Deadlines;
pub use names::{NameHistory, NameLookup, NameRecordView, NameStateView};
pub use namespaces::{NamespaceCost, NamespaceView};
pub use ops::ZonefileInfo;
pub use point::{NameSummary, SummaryLookup};

/// A consistent read of the committed state, fixed at the block that was last when it began.
///
/// Hold it for one request: while a snapshot is open the writer's WAL cannot be checkpointed
/// past it, so a snapshot kept for hours lets the WAL file grow.
pub struct Snapshot<'a> {
    conn: &'a Connection,
    rules: &'a Rules,
    last_block: Option<u64>,
    /// Whether the snapshot began the read transaction (it reads inside the writer's open
    /// batch otherwise, and must not end it).
    owns_transaction: bool,
}

/// Ends the read transaction of a snapshot. The statements are prepared once per connection
/// (a read is a point lookup or two; parsing `BEGIN` and `ROLLBACK` anew costs as much).
fn rollback(conn: &Connection) {
    // A rollback only fails when no transaction is open, which leaves nothing to undo.
    let _ = conn
        .prepare_cached("ROLLBACK")
        .and_then(|mut s| s.execute([]));
}

impl<'a> Snapshot<'a> {
    fn begin(conn: &'a Connection, rules: &'a Rules) -> Result<Self> {
        // A writer with an open batch is inside its transaction already; the snapshot borrows
        // the writer, so nothing is written while it lives and that transaction is as fixed.
        let owns_transaction = conn.is_autocommit();
        if owns_transaction {
            conn.prepare_cached("BEGIN DEFERRED")
                .and_then(|mut s| s.execute([]))
                .ctx("starting a read transaction")?;
        }
        // The first read fixes the snapshot.
        let last_block = match blocks::last_block(conn) {
            Ok(b) => b,
            Err(e) => {
                if owns_transaction {
                    rollback(conn);
                }
                return Err(e);
            }
        };
        Ok(Self {
            conn,
            rules,
            last_block,
            owns_transaction,
        })
    }

    fn conn(&self) -> &Connection {
        self.conn
    }

    /// The block this snapshot is at, `None` if nothing was committed yet.
    pub fn last_block(&self) -> Option<u64> {
        self.last_block
    }

    /// The height queries are evaluated at: the last block, or the block before the first
    /// block when nothing was committed.
    fn lastblock(&self) -> u64 {
        self.last_block
            .unwrap_or_else(|| self.rules.first_block.saturating_sub(1))
    }

    /// A [`blockstack_consensus::StateView`] of this snapshot's state.
    pub fn view(&self) -> DbView<'_> {
        DbView::new(self.conn())
    }
}

impl Drop for Snapshot<'_> {
    fn drop(&mut self) {
        if self.owns_transaction {
            rollback(self.conn);
        }
    }
}

impl NameDb {
    /// A consistent read of the committed state; `rules` give the epochs for expiry and prices.
    pub fn snapshot<'a>(&'a self, rules: &'a Rules) -> Result<Snapshot<'a>> {
        Snapshot::begin(&self.conn, rules)
    }
}

impl ReadOnlyNameDb {
    /// A consistent read of the committed state; `rules` give the epochs for expiry and prices.
    pub fn snapshot<'a>(&'a self, rules: &'a Rules) -> Result<Snapshot<'a>> {
        Snapshot::begin(&self.conn, rules)
    }
}

#[cfg(test)]
mod tests {
    use blockstack_consensus::{AddressNetwork, BlockOutcome, Rules};

    use crate::NameDb;

    fn block(height: u64) -> BlockOutcome {
        BlockOutcome {
            height,
            consensus_hash: format!("{height:032x}"),
            ops_hash: "00".repeat(32),
            ..BlockOutcome::default()
        }
    }

    #[test]
    fn a_dropped_snapshot_ends_its_read_transaction() {
        let rules = Rules::test(1, AddressNetwork::Testnet);
        let mut db = NameDb::open_in_memory().expect("db");
        db.commit_block(&block(1), &"11".repeat(32))
            .expect("block 1");
        for _ in 0..3 {
            let snap = db.snapshot(&rules).expect("snapshot");
            assert_eq!(snap.last_block(), Some(1));
            // A second snapshot on the same connection reads inside the first one's
            // transaction and leaves it open when dropped.
            let nested = db.snapshot(&rules).expect("nested snapshot");
            assert_eq!(nested.last_block(), Some(1));
            drop(nested);
            assert!(!db.conn.is_autocommit(), "the outer snapshot is still open");
            drop(snap);
            assert!(
                db.conn.is_autocommit(),
                "the dropped snapshot ended its transaction"
            );
        }
        // Nothing of the reads is left open: the writer commits on the same connection.
        db.commit_block(&block(2), &"22".repeat(32))
            .expect("block 2");
        assert_eq!(db.snapshot(&rules).expect("snapshot").last_block(), Some(2));
    }
}
