//! Committing a block's outcome: one `BEGIN IMMEDIATE … COMMIT` transaction per block (or one
//! savepoint of a batch's transaction), so that at any instant, crash included, the database
//! is at the end of some block.

use blockstack_consensus::{BlockOutcome, ConsensusRecord};
use rusqlite::{params, Connection};

use crate::blocks::last_block;
use crate::error::{NameDbError, Result, SqlContext};
use crate::json;
use crate::open::NameDb;
use crate::rows;
use crate::undo::{Entity, UndoRecorder};

fn encode<T: serde::Serialize>(what: &'static str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|source| NameDbError::Encode { what, source })
}

/// The symbolic opcode of an accepted op, from its consensus record.
fn record_opcode(record: &ConsensusRecord) -> &'static str {
    match record {
        ConsensusRecord::NamePreorder(_) => "NAME_PREORDER",
        ConsensusRecord::NameRegistration(r) => json::name_opcode(r.op),
        ConsensusRecord::NameImport(_) => "NAME_IMPORT",
        ConsensusRecord::NameUpdate(_) => "NAME_UPDATE",
        ConsensusRecord::NameTransfer(_) => "NAME_TRANSFER",
        ConsensusRecord::NameRevoke(_) => "NAME_REVOKE",
        ConsensusRecord::NamespacePreorder(_) => "NAMESPACE_PREORDER",
        ConsensusRecord::NamespaceReveal(_) => "NAMESPACE_REVEAL",
        ConsensusRecord::NamespaceReady(_) => "NAMESPACE_READY",
    }
}

/// Writes every change of `outcome`, with its undo data, inside the caller's transaction.
fn write_outcome(conn: &Connection, outcome: &BlockOutcome, block_hash: &str) -> Result<()> {
    let height = outcome.height;
    let mut undo = UndoRecorder::new(conn, height);

    // Same order as the reference `MemState::apply`: consumed preorders go before new ones.
    for hash in &outcome.consumed_preorders {
        undo.capture(Entity::Preorders, hash)?;
        conn.prepare_cached("DELETE FROM preorders WHERE preorder_hash = ?1")
            .and_then(|mut s| s.execute([hash]))
            .ctx("deleting consumed preorders")?;
    }
    // New preorders need no undo data: each row carries the block that wrote it, and a
    // rollback deletes the rows of the blocks it undoes.
    for p in &outcome.new_preorders {
        debug_assert_eq!(
            p.block_number, height,
            "a new preorder is made at its block"
        );
        rows::insert_preorder(conn, p).ctx("inserting a preorder")?;
    }
    for ns in &outcome.namespaces {
        undo.capture(Entity::Namespace, &ns.namespace_id)?;
        rows::put_namespace(conn, ns).ctx("writing a namespace row")?;
    }
    for rec in &outcome.names {
        undo.capture(Entity::Name, &rec.name)?;
        rows::put_name(conn, rec).ctx("writing a name row")?;
    }
    for (id, keys) in &outcome.keychains {
        undo.capture(Entity::Keychain, id)?;
        rows::put_keychain(conn, id, Some(keys)).ctx("writing an import keychain")?;
    }

    let mut insert_history = conn
        .prepare_cached(
            "INSERT INTO history (txid, history_id, creator_address, block_id, vtxindex, op, \
             opcode, value_hash, history_data, committed_block) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )
        .ctx("preparing the history insert")?;
    for h in &outcome.history {
        let data = encode("a history state", &json::history_state(&h.state))?;
        insert_history
            .execute(params![
                h.txid,
                h.id,
                h.creator_address,
                h.block,
                h.vtxindex,
                h.op,
                json::history_opcode(&h.state),
                json::history_value_hash(&h.state),
                data,
                height,
            ])
            .ctx("inserting a history row")?;
    }

    let mut insert_op = conn
        .prepare_cached(
            "INSERT INTO block_ops (height, position, txid, vtxindex, opcode, record, parsed_op) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .ctx("preparing the accepted-op insert")?;
    for (position, a) in outcome.accepted.iter().enumerate() {
        insert_op
            .execute(params![
                height,
                position,
                a.op.txid,
                a.op.vtxindex,
                record_opcode(&a.record),
                encode("a consensus record", &a.record)?,
                encode("a parsed op", &a.op)?,
            ])
            .ctx("inserting an accepted op")?;
    }

    conn.prepare_cached(
        "INSERT INTO blocks (height, block_hash, consensus_hash, ops_hash, accepted_ops, has_undo) \
         VALUES (?1, ?2, ?3, ?4, ?5, 1)",
    )
    .and_then(|mut s| {
        s.execute(params![
            height,
            block_hash,
            outcome.consensus_hash,
            outcome.ops_hash,
            outcome.accepted.len(),
        ])
    })
    .ctx("inserting the block row")?;
    Ok(())
}

/// Fails unless block `height` follows the last committed one (any height for an empty
/// database).
fn check_next(conn: &Connection, height: u64) -> Result<()> {
    match last_block(conn)? {
        Some(last) if height != last + 1 => Err(NameDbError::OutOfOrder { last, got: height }),
        _ => Ok(()),
    }
}

impl NameDb {
    /// Commits the outcome of block `outcome.height`, processed from the Bitcoin block
    /// `block_hash`, in one transaction, with the undo data [`NameDb::rollback_to`] needs.
    /// While a batch is open ([`NameDb::begin_batch`]) the block goes into the batch's
    /// transaction instead, under a savepoint of its own.
    ///
    /// The block must follow the last committed one (any height for an empty database). On
    /// any error nothing of the block is written.
    pub fn commit_block(&mut self, outcome: &BlockOutcome, block_hash: &str) -> Result<()> {
        if self.batch {
            let sp = self
                .conn
                .savepoint_with_name("block")
                .ctx("starting the block savepoint")?;
            check_next(&sp, outcome.height)?;
            write_outcome(&sp, outcome, block_hash)?;
            return sp.commit().ctx("releasing the block savepoint");
        }
        let tx = self.write_transaction("starting the block transaction")?;
        check_next(&tx, outcome.height)?;
        write_outcome(&tx, outcome, block_hash)?;
        tx.commit().ctx("committing the block")
    }
}
