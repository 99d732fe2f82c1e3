//! The committed state as a [`StateView`]: what the block processor validates block N against
//! (the state at the end of block N − 1, spec §6.1).
//!
//! Every lookup is one indexed query through a cached prepared statement. [`StateView`] cannot
//! report errors, so a failed lookup answers "nothing" and the error is kept: call
//! [`DbView::finish`] (or use [`NameDb::process_block`]) and discard the outcome if it fails,
//! because an outcome computed from a failed lookup is not the consensus outcome.

use std::borrow::Cow;
use std::cell::RefCell;

use blockstack_consensus::op::ParsedOp;
use blockstack_consensus::{
    process_block, BlockOutcome, NameRecord, NamespaceRecord, PreorderRecord, Rules, StateView,
};
use rusqlite::Connection;

use crate::error::{NameDbError, Result, SqlContext};
use crate::open::{NameDb, ReadOnlyNameDb};
use crate::rows;

/// A [`StateView`] over a connection's committed state.
pub struct DbView<'c> {
    conn: &'c Connection,
    error: RefCell<Option<NameDbError>>,
}

impl<'c> DbView<'c> {
    pub(crate) fn new(conn: &'c Connection) -> Self {
        Self {
            conn,
            error: RefCell::new(None),
        }
    }

    /// `Ok` if every lookup so far succeeded, else the first error.
    pub fn finish(self) -> Result<()> {
        match self.error.into_inner() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Keeps the first error and answers with `fallback`.
    fn answer<T>(&self, context: &'static str, r: rusqlite::Result<T>, fallback: T) -> T {
        match r {
            Ok(v) => v,
            Err(source) => {
                let mut slot = self.error.borrow_mut();
                if slot.is_none() {
                    *slot = Some(NameDbError::Sqlite { context, source });
                }
                fallback
            }
        }
    }

    fn names_where(&self, context: &'static str, sql: &str, value: &str) -> Vec<String> {
        let r = self.conn.prepare_cached(sql).and_then(|mut stmt| {
            stmt.query_map([value], |row| row.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<String>>>()
        });
        self.answer(context, r, Vec::new())
    }
}

impl StateView for DbView<'_> {
    fn name(&self, name: &str) -> Option<Cow<'_, NameRecord>> {
        let r = rows::get_name(self.conn, name);
        self.answer("looking up a name", r, None).map(Cow::Owned)
    }

    fn namespace(&self, namespace_id: &str) -> Option<Cow<'_, NamespaceRecord>> {
        let r = rows::get_namespace(self.conn, namespace_id);
        self.answer("looking up a namespace", r, None)
            .map(Cow::Owned)
    }

    fn preorders(&self, preorder_hash: &str) -> Vec<PreorderRecord> {
        let r = rows::get_preorders(self.conn, preorder_hash);
        self.answer("looking up preorders", r, Vec::new())
    }

    fn names_by_sender(&self, script: &str) -> Vec<String> {
        self.names_where(
            "looking up names by owner script",
            "SELECT name FROM name_records WHERE sender = ?1",
            script,
        )
    }

    fn names_by_hash128(&self, hash: &str) -> Vec<String> {
        self.names_where(
            "looking up names by name hash",
            "SELECT name FROM name_records WHERE name_hash128 = ?1",
            hash,
        )
    }

    fn names_by_preorder_hash(&self, hash: &str) -> Vec<String> {
        self.names_where(
            "looking up names by preorder hash",
            "SELECT name FROM name_records WHERE preorder_hash = ?1",
            hash,
        )
    }

    fn namespaces_by_preorder_hash(&self, hash: &str) -> Vec<String> {
        self.names_where(
            "looking up namespaces by preorder hash",
            "SELECT namespace_id FROM namespaces WHERE preorder_hash = ?1",
            hash,
        )
    }

    fn consensus_hash(&self, height: u64) -> Option<String> {
        let r = self
            .conn
            .prepare_cached("SELECT consensus_hash FROM blocks WHERE height = ?1")
            .and_then(|mut stmt| {
                let mut rows = stmt.query([height])?;
                rows.next()?.map(|row| row.get::<_, String>(0)).transpose()
            });
        self.answer("looking up a consensus hash", r, None)
    }

    fn keychain(&self, namespace_id: &str) -> Option<Vec<String>> {
        let r = rows::get_keychain(self.conn, namespace_id);
        self.answer("looking up an import keychain", r, None)
    }
}

/// Runs the processor on `ops` of block `height` against `conn`'s committed state.
fn process_on(
    conn: &Connection,
    rules: &Rules,
    height: u64,
    ops: Vec<ParsedOp>,
) -> Result<BlockOutcome> {
    // Outside a transaction every lookup would begin and end a read transaction of its own
    // (WAL locks each time); one around the block makes that once per block.
    let own = conn.is_autocommit();
    if own {
        conn.prepare_cached("BEGIN DEFERRED")
            .and_then(|mut s| s.execute([]))
            .ctx("starting the read transaction of a block")?;
    }
    let view = DbView::new(conn);
    let outcome = process_block(&view, rules, height, ops);
    let looked_up = view.finish();
    if own {
        // Only reads happened; ending the transaction cannot lose anything.
        let _ = conn
            .prepare_cached("ROLLBACK")
            .and_then(|mut s| s.execute([]));
    }
    looked_up?;
    Ok(outcome)
}

impl NameDb {
    /// A view of the committed state for the block processor.
    pub fn view(&self) -> DbView<'_> {
        DbView::new(&self.conn)
    }

    /// Processes block `height` against the committed state (which must end at `height − 1`),
    /// failing if any lookup failed. The outcome is not committed.
    pub fn process_block(
        &self,
        rules: &Rules,
        height: u64,
        ops: Vec<ParsedOp>,
    ) -> Result<BlockOutcome> {
        process_on(&self.conn, rules, height, ops)
    }
}

impl ReadOnlyNameDb {
    /// A view of the committed state (e.g. to check a transaction against the tip).
    ///
    /// Each lookup sees the latest commit at the time it runs; for a view fixed at one block,
    /// use [`Snapshot::view`](crate::Snapshot::view).
    pub fn view(&self) -> DbView<'_> {
        DbView::new(&self.conn)
    }
}
