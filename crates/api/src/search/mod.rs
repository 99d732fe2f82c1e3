//! Search over names and resolved profiles for `GET /v1/search` (the original's public-node
//! search, rest-api.md §7.11), kept in an index database of its own ([`index::SearchIndex`]).
//!
//! A background thread ([`spawn_refresher`]) adds the names of each new block of the name
//! database, a bounded run of blocks per transaction, so a first build over a long chain
//! proceeds while the API serves (searches see the names indexed so far). Profiles enter
//! the index when `GET /v1/users/{name}` resolves them.

pub mod index;

use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::Duration;

use blockstack_consensus::Rules;
use blockstack_namedb::{NameDbError, ReadOnlyNameDb};
use serde_json::Value;

pub use index::{Hit, SearchError, SearchIndex};

/// Most blocks whose names are added in one transaction.
pub const BLOCKS_PER_STEP: u64 = 2_000;

/// Names past which a step ends at the block it has reached, so one transaction (which holds
/// the index's writer) stays short even through the blocks of mass imports.
pub const NAMES_PER_STEP: usize = 5_000;

/// The names touched by the ops of blocks `from..=to` (registrations, imports and every later
/// op carry the name), stopping after the block at which [`NAMES_PER_STEP`] is reached.
/// Returns the names and the last block read.
pub fn names_in_blocks(
    snap: &blockstack_namedb::Snapshot<'_>,
    from: u64,
    to: u64,
) -> Result<(Vec<String>, u64), NameDbError> {
    let mut names = Vec::new();
    for block in from..=to {
        for state in snap.nameops_at(block, 0, u64::MAX)? {
            if let Some(Value::String(name)) = state.get("name") {
                names.push(name.clone());
            }
        }
        if names.len() >= NAMES_PER_STEP {
            return Ok((names, block));
        }
    }
    Ok((names, to))
}

/// One refresh step: the names of up to [`BLOCKS_PER_STEP`] blocks (or about
/// [`NAMES_PER_STEP`] names) past the indexed height. Returns whether the index has caught up
/// with the name database.
pub fn refresh_step(
    index: &SearchIndex,
    db: &ReadOnlyNameDb,
    rules: &Rules,
) -> Result<bool, RefreshError> {
    let snap = db.snapshot(rules)?;
    let Some(last) = snap.last_block() else {
        return Ok(true);
    };
    let indexed = index.indexed_height()?;
    let from = match indexed {
        // The name database went back (a reorganisation): index again from its tip. Names
        // it no longer has stay in the index.
        Some(h) if h > last => {
            index.add_names(&[], last)?;
            return Ok(true);
        }
        Some(h) => h + 1,
        None => rules.first_block,
    };
    if from > last {
        return Ok(true);
    }
    let to = last.min(from.saturating_add(BLOCKS_PER_STEP - 1));
    let (names, to) = names_in_blocks(&snap, from, to)?;
    index.add_names(&names, to)?;
    Ok(to >= last)
}

/// A refresh failure.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// Reading the name database failed.
    #[error(transparent)]
    NameDb(#[from] NameDbError),
    /// Writing the index failed.
    #[error(transparent)]
    Index(#[from] SearchError),
}

/// Starts the thread that keeps `index` up to date with the name database at `db_path`,
/// polling every `interval` once caught up. The thread ends soon after the last strong
/// reference to the index is dropped.
pub fn spawn_refresher(
    index: &Arc<SearchIndex>,
    db_path: PathBuf,
    rules: Rules,
    interval: Duration,
) -> std::io::Result<()> {
    let weak: Weak<SearchIndex> = Arc::downgrade(index);
    std::thread::Builder::new()
        .name("search-index".into())
        .spawn(move || {
            let mut db: Option<ReadOnlyNameDb> = None;
            loop {
                let Some(index) = weak.upgrade() else {
                    return;
                };
                if db.is_none() {
                    db = ReadOnlyNameDb::open(&db_path).ok();
                }
                let caught_up = match &db {
                    None => true,
                    Some(handle) => match refresh_step(&index, handle, &rules) {
                        Ok(done) => done,
                        Err(e) => {
                            tracing::warn!(error = %e, "search index refresh failed");
                            db = None;
                            true
                        }
                    },
                };
                drop(index);
                if caught_up {
                    std::thread::sleep(interval);
                }
            }
        })
        .map(drop)
}
