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

use blockstack_consensus::Rules;
use rusqlite::{Connection, Transaction};

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

/// A consistent read of the committed state, fixed at the block that was last when it began.
///
/// Hold it for one request: while a snapshot is open the writer's WAL cannot be checkpointed
/// past it, so a snapshot kept for hours lets the WAL file grow.
pub struct Snapshot<'a> {
    tx: Transaction<'a>,
    rules: &'a Rules,
    last_block: Option<u64>,
}

impl<'a> Snapshot<'a> {
    fn begin(conn: &'a Connection, rules: &'a Rules) -> Result<Self> {
        let tx = conn
            .unchecked_transaction()
            .ctx("starting a read transaction")?;
        // The first read fixes the snapshot.
        let last_block = blocks::last_block(&tx)?;
        Ok(Self {
            tx,
            rules,
            last_block,
        })
    }

    fn conn(&self) -> &Connection {
        &self.tx
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
