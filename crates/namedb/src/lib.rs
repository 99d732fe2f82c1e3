//! The BNS name database: the committed state of the name system in SQLite (spec §11).
//!
//! * [`NameDb`] is the single writer. [`NameDb::process_block`] (or [`NameDb::view`] with
//!   [`blockstack_consensus::process_block`]) validates block N against the state as of N − 1,
//!   and [`NameDb::commit_block`] writes the outcome in one transaction, with undo data for
//!   [`NameDb::rollback_to`].
//! * [`NameDb::begin_batch`] and [`NameDb::commit_batch`] group the commits of several blocks
//!   into one transaction while catching up, each block still atomic.
//! * [`ReadOnlyNameDb`] is a reader for the API layers; it never blocks the writer.
//! * [`Snapshot`] answers the queries of spec §11.6 at the last committed block.
//!
//! The schema lives in [`schema`]; the file carries an application ID and a schema version,
//! and anything else is refused untouched.

mod batch;
mod blocks;
mod checkpoint;
mod commit;
pub mod error;
pub mod json;
mod open;
pub mod queries;
mod rows;
pub mod schema;
mod undo;
mod view;

pub use blocks::{AcceptedOpRow, BlockRow};
pub use error::{NameDbError, Result};
pub use open::{NameDb, ReadOnlyNameDb};
pub use queries::{
    Deadlines, DidInfo, DidLookup, HistoricName, HistoryRow, NameHistory, NameLookup,
    NameRecordView, NameStateView, NamespaceCost, NamespaceView, Snapshot, StateDump,
    SummaryLookup, ZonefileInfo,
};
pub use view::DbView;
