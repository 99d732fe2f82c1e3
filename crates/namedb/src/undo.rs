//! Undo data and rollback, for chain reorganizations.
//!
//! The original node has no reorg handling (spec §5.1); this database keeps, for every block,
//! the value each touched key had before the block: a name's row, a namespace's row, all
//! preorder rows of a preorder hash the block consumed, a namespace's keychain (`NULL` = the
//! key did not exist). Each key is recorded once per block, on its first write, so restoring
//! every key of a block in any order gives back the state before the block. Rows a block only
//! adds are deleted by the block that wrote them instead: history, per-block rows, accepted ops
//! and new preorders (whose `block_number` is the block that made them).

use std::collections::HashSet;

use blockstack_consensus::{NameRecord, NamespaceRecord, PreorderRecord};
use rusqlite::{params, Connection};

use crate::blocks::last_block;
use crate::error::{NameDbError, Result, SqlContext};
use crate::open::NameDb;
use crate::rows;

/// The kinds of keys the undo log restores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Entity {
    /// A `name_records` row, keyed by name.
    Name,
    /// A `namespaces` row, keyed by namespace ID.
    Namespace,
    /// All `preorders` rows of one preorder hash.
    Preorders,
    /// A namespace's `import_keychains` rows.
    Keychain,
}

impl Entity {
    fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Namespace => "namespace",
            Self::Preorders => "preorders",
            Self::Keychain => "keychain",
        }
    }

    fn from_str_opt(s: &str) -> Option<Self> {
        Some(match s {
            "name" => Self::Name,
            "namespace" => Self::Namespace,
            "preorders" => Self::Preorders,
            "keychain" => Self::Keychain,
            _ => return None,
        })
    }
}

fn encode<T: serde::Serialize>(what: &'static str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|source| NameDbError::Encode { what, source })
}

/// Records the pre-block value of each key a block writes, before it is written.
pub(crate) struct UndoRecorder<'t> {
    conn: &'t Connection,
    height: u64,
    seq: u64,
    seen: HashSet<(Entity, String)>,
}

impl<'t> UndoRecorder<'t> {
    pub(crate) fn new(conn: &'t Connection, height: u64) -> Self {
        Self {
            conn,
            height,
            seq: 0,
            seen: HashSet::new(),
        }
    }

    /// Records `key`'s current value unless this block already did.
    pub(crate) fn capture(&mut self, entity: Entity, key: &str) -> Result<()> {
        if !self.seen.insert((entity, key.to_string())) {
            return Ok(());
        }
        let prior = match entity {
            Entity::Name => rows::get_name(self.conn, key)
                .ctx("reading a name row for undo")?
                .map(|r| encode("a name row", &r))
                .transpose()?,
            Entity::Namespace => rows::get_namespace(self.conn, key)
                .ctx("reading a namespace row for undo")?
                .map(|r| encode("a namespace row", &r))
                .transpose()?,
            Entity::Preorders => {
                let list = rows::get_preorders(self.conn, key).ctx("reading preorders for undo")?;
                Some(encode("preorder rows", &list)?)
            }
            Entity::Keychain => rows::get_keychain(self.conn, key)
                .ctx("reading a keychain for undo")?
                .map(|k| encode("a keychain", &k))
                .transpose()?,
        };
        self.conn
            .prepare_cached(
                "INSERT INTO undo_log (height, seq, entity, entity_key, prior) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut s| {
                s.execute(params![self.height, self.seq, entity.as_str(), key, prior])
            })
            .ctx("writing undo data")?;
        self.seq += 1;
        Ok(())
    }
}

fn corrupt(key: &str, detail: impl ToString) -> NameDbError {
    NameDbError::Corrupt {
        table: "undo_log",
        key: key.to_string(),
        detail: detail.to_string(),
    }
}

fn decode<T: serde::de::DeserializeOwned>(key: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| corrupt(key, e))
}

/// Puts one key back to its recorded value.
fn restore(conn: &Connection, entity: Entity, key: &str, prior: Option<&str>) -> Result<()> {
    match entity {
        Entity::Name => {
            conn.prepare_cached("DELETE FROM name_records WHERE name = ?1")
                .and_then(|mut s| s.execute([key]))
                .ctx("undoing a name row")?;
            if let Some(text) = prior {
                let rec: NameRecord = decode(key, text)?;
                rows::put_name(conn, &rec).ctx("restoring a name row")?;
            }
        }
        Entity::Namespace => {
            conn.prepare_cached("DELETE FROM namespaces WHERE namespace_id = ?1")
                .and_then(|mut s| s.execute([key]))
                .ctx("undoing a namespace row")?;
            if let Some(text) = prior {
                let rec: NamespaceRecord = decode(key, text)?;
                rows::put_namespace(conn, &rec).ctx("restoring a namespace row")?;
            }
        }
        Entity::Preorders => {
            conn.prepare_cached("DELETE FROM preorders WHERE preorder_hash = ?1")
                .and_then(|mut s| s.execute([key]))
                .ctx("undoing preorders")?;
            let text = prior.ok_or_else(|| corrupt(key, "preorder undo entry without rows"))?;
            let list: Vec<PreorderRecord> = decode(key, text)?;
            for p in &list {
                rows::insert_preorder(conn, p).ctx("restoring a preorder")?;
            }
        }
        Entity::Keychain => {
            let keys: Option<Vec<String>> = prior.map(|t| decode(key, t)).transpose()?;
            rows::put_keychain(conn, key, keys.as_deref()).ctx("restoring a keychain")?;
        }
    }
    Ok(())
}

impl NameDb {
    /// Rolls the database back to the end of block `height` (for a reorg), in one transaction:
    /// every later block's changes are undone and its history, accepted ops and per-block rows
    /// are deleted. Returns how many blocks were rolled back (0 if `height` is at or past the
    /// last block). An open batch is committed first.
    pub fn rollback_to(&mut self, height: u64) -> Result<u64> {
        self.commit_batch()?;
        let tx = self.write_transaction("starting the rollback transaction")?;
        let Some(last) = last_block(&tx)? else {
            return Ok(0);
        };
        if height >= last {
            return Ok(0);
        }
        let pruned: Option<u64> = tx
            .query_row(
                "SELECT MIN(height) FROM blocks WHERE height > ?1 AND has_undo = 0",
                [height],
                |r| r.get(0),
            )
            .ctx("checking undo coverage")?;
        if let Some(missing) = pruned {
            return Err(NameDbError::UndoPruned {
                target: height,
                missing,
            });
        }
        let entries: Vec<(String, String, Option<String>)> = tx
            .prepare(
                "SELECT entity, entity_key, prior FROM undo_log WHERE height > ?1 \
                 ORDER BY height DESC, seq DESC",
            )
            .and_then(|mut s| {
                s.query_map([height], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect()
            })
            .ctx("reading undo data")?;
        for (entity, key, prior) in &entries {
            let entity = Entity::from_str_opt(entity)
                .ok_or_else(|| corrupt(key, format!("unknown entity {entity:?}")))?;
            restore(&tx, entity, key, prior.as_deref())?;
        }
        for (sql, context) in [
            (
                "DELETE FROM undo_log WHERE height > ?1",
                "deleting undo data",
            ),
            // After the restores above, which may re-insert rows of later blocks that a
            // consumption had captured.
            (
                "DELETE FROM preorders WHERE block_number > ?1",
                "deleting new preorders",
            ),
            (
                "DELETE FROM history WHERE committed_block > ?1",
                "deleting history",
            ),
            (
                "DELETE FROM block_ops WHERE height > ?1",
                "deleting accepted ops",
            ),
            (
                "DELETE FROM blocks WHERE height > ?1",
                "deleting block rows",
            ),
        ] {
            tx.execute(sql, [height]).ctx(context)?;
        }
        tx.commit().ctx("committing the rollback")?;
        Ok(last - height)
    }

    /// Drops the undo data of every block but the last `keep_last`, after which those blocks
    /// can no longer be rolled back. Reorgs deeper than the confirmation depth the indexer
    /// waits for (spec §5.1) do not happen in practice, so a few hundred blocks suffice.
    /// An open batch is committed first.
    pub fn prune_undo(&mut self, keep_last: u64) -> Result<()> {
        self.commit_batch()?;
        let Some(last) = last_block(&self.conn)? else {
            return Ok(());
        };
        let Some(floor) = last.checked_sub(keep_last) else {
            return Ok(());
        };
        let tx = self.write_transaction("starting the prune transaction")?;
        tx.execute("DELETE FROM undo_log WHERE height <= ?1", [floor])
            .ctx("pruning undo data")?;
        tx.execute(
            "UPDATE blocks SET has_undo = 0 WHERE height <= ?1 AND has_undo = 1",
            [floor],
        )
        .ctx("marking pruned blocks")?;
        tx.commit().ctx("committing the prune")
    }
}
