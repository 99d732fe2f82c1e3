//! Conversions between the consensus records and table rows.
//!
//! Every column is typed; enums are stored as the original's one- or two-character op strings
//! so the database reads like the original's. Decoding never panics: a value this crate would
//! not have written is reported as a conversion failure naming the column.

use std::fmt;

use blockstack_consensus::price::PriceFunction;
use blockstack_consensus::pyfmt::list_str;
use blockstack_consensus::record::{CreationOp, NameOp, PreorderKind};
use blockstack_consensus::{NameRecord, NamespaceRecord, PreorderRecord};
use rusqlite::types::Type;
use rusqlite::{params, Connection, Row};

/// The columns of `name_records`, in the order [`name_from_row`] reads them.
pub(crate) const NAME_COLUMNS: &str = "name, preorder_hash, name_hash128, namespace_id, \
    namespace_block_number, value_hash, sender, sender_pubkey, address, block_number, \
    preorder_block_number, first_registered, last_renewed, revoked, op, txid, vtxindex, op_fee, \
    importer, importer_address, consensus_hash, last_creation_op, update_consensus_hash";

/// The columns of `namespaces`, in the order [`namespace_from_row`] reads them.
pub(crate) const NAMESPACE_COLUMNS: &str = "namespace_id, preorder_hash, version, sender, \
    sender_pubkey, address, recipient, recipient_address, block_number, reveal_block, \
    ready_block, op, op_fee, txid, vtxindex, lifetime, coeff, base, buckets, nonalpha_discount, \
    no_vowel_discount";

/// The columns of `preorders`, in the order [`preorder_from_row`] reads them.
pub(crate) const PREORDER_COLUMNS: &str = "preorder_hash, consensus_hash, sender, \
    sender_pubkey, address, block_number, op, op_fee, txid, vtxindex, burn_address";

/// A stored value this crate does not write.
#[derive(Debug)]
struct BadValue(String);

impl fmt::Display for BadValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadValue {}

fn bad(idx: usize, what: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(BadValue(what)))
}

/// Reads a text column and decodes it with `parse`.
fn text_enum<T>(row: &Row<'_>, idx: usize, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let s: String = row.get(idx)?;
    parse(&s).ok_or_else(|| bad(idx, format!("unexpected value {s:?}")))
}

/// Decodes `last_creation_op`.
pub(crate) fn creation_op_from_str(s: &str) -> Option<CreationOp> {
    match s {
        "?" => Some(CreationOp::Preorder),
        ";" => Some(CreationOp::Import),
        _ => None,
    }
}

/// Decodes a preorder's `op`.
pub(crate) fn preorder_kind_from_str(s: &str) -> Option<PreorderKind> {
    match s {
        "?" => Some(PreorderKind::Name),
        "*" => Some(PreorderKind::Namespace),
        _ => None,
    }
}

/// Decodes `buckets`, the Python list text `"[a, b, …]"` of 16 exponents (spec §11.2).
pub(crate) fn buckets_from_str(s: &str) -> Option<[u8; 16]> {
    let inner = s.strip_prefix('[')?.strip_suffix(']')?;
    let mut out = [0u8; 16];
    let mut n = 0;
    for part in inner.split(',') {
        let slot = out.get_mut(n)?;
        *slot = part.trim().parse().ok()?;
        n += 1;
    }
    (n == 16).then_some(out)
}

/// Reads a name row selected with [`NAME_COLUMNS`].
pub(crate) fn name_from_row(row: &Row<'_>) -> rusqlite::Result<NameRecord> {
    let revoked: i64 = row.get(13)?;
    Ok(NameRecord {
        name: row.get(0)?,
        preorder_hash: row.get(1)?,
        name_hash128: row.get(2)?,
        namespace_id: row.get(3)?,
        namespace_block_number: row.get(4)?,
        value_hash: row.get(5)?,
        sender: row.get(6)?,
        sender_pubkey: row.get(7)?,
        address: row.get(8)?,
        block_number: row.get(9)?,
        preorder_block_number: row.get(10)?,
        first_registered: row.get(11)?,
        last_renewed: row.get(12)?,
        revoked: match revoked {
            0 => false,
            1 => true,
            other => return Err(bad(13, format!("revoked is {other}"))),
        },
        op: text_enum(row, 14, NameOp::from_str_opt)?,
        txid: row.get(15)?,
        vtxindex: row.get(16)?,
        op_fee: row.get(17)?,
        importer: row.get(18)?,
        importer_address: row.get(19)?,
        consensus_hash: row.get(20)?,
        last_creation_op: text_enum(row, 21, creation_op_from_str)?,
        update_consensus_hash: row.get(22)?,
    })
}

/// Whether a namespace row's stored op says ready (`!`) or only revealed (`&`); `None` for
/// any other value.
pub(crate) fn namespace_ready(op: &str) -> Option<bool> {
    match op {
        "!" => Some(true),
        "&" => Some(false),
        _ => None,
    }
}

/// Reads a namespace row selected with [`NAMESPACE_COLUMNS`].
pub(crate) fn namespace_from_row(row: &Row<'_>) -> rusqlite::Result<NamespaceRecord> {
    let op: String = row.get(11)?;
    let ready = namespace_ready(&op).ok_or_else(|| bad(11, format!("namespace op {op:?}")))?;
    Ok(NamespaceRecord {
        namespace_id: row.get(0)?,
        preorder_hash: row.get(1)?,
        version: row.get(2)?,
        sender: row.get(3)?,
        sender_pubkey: row.get(4)?,
        address: row.get(5)?,
        recipient: row.get(6)?,
        recipient_address: row.get(7)?,
        block_number: row.get(8)?,
        reveal_block: row.get(9)?,
        ready_block: row.get(10)?,
        ready,
        op_fee: row.get(12)?,
        txid: row.get(13)?,
        vtxindex: row.get(14)?,
        lifetime: row.get(15)?,
        price: PriceFunction {
            coeff: row.get(16)?,
            base: row.get(17)?,
            buckets: text_enum(row, 18, buckets_from_str)?,
            nonalpha_discount: row.get(19)?,
            no_vowel_discount: row.get(20)?,
        },
    })
}

/// Reads a preorder row selected with [`PREORDER_COLUMNS`].
pub(crate) fn preorder_from_row(row: &Row<'_>) -> rusqlite::Result<PreorderRecord> {
    Ok(PreorderRecord {
        preorder_hash: row.get(0)?,
        consensus_hash: row.get(1)?,
        sender: row.get(2)?,
        sender_pubkey: row.get(3)?,
        address: row.get(4)?,
        block_number: row.get(5)?,
        kind: text_enum(row, 6, preorder_kind_from_str)?,
        op_fee: row.get(7)?,
        txid: row.get(8)?,
        vtxindex: row.get(9)?,
        burn_address: row.get(10)?,
    })
}

/// Writes a name row, replacing the row of the same name.
pub(crate) fn put_name(conn: &Connection, r: &NameRecord) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR REPLACE INTO name_records (name, preorder_hash, name_hash128, namespace_id, \
         namespace_block_number, value_hash, sender, sender_pubkey, address, block_number, \
         preorder_block_number, first_registered, last_renewed, revoked, op, txid, vtxindex, \
         op_fee, importer, importer_address, consensus_hash, last_creation_op, \
         update_consensus_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, \
         ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23)",
    )?;
    stmt.execute(params![
        r.name,
        r.preorder_hash,
        r.name_hash128,
        r.namespace_id,
        r.namespace_block_number,
        r.value_hash,
        r.sender,
        r.sender_pubkey,
        r.address,
        r.block_number,
        r.preorder_block_number,
        r.first_registered,
        r.last_renewed,
        i64::from(r.revoked),
        r.op.as_str(),
        r.txid,
        r.vtxindex,
        r.op_fee,
        r.importer,
        r.importer_address,
        r.consensus_hash,
        r.last_creation_op.as_str(),
        r.update_consensus_hash,
    ])?;
    Ok(())
}

/// Writes a namespace row, replacing the row of the same ID.
pub(crate) fn put_namespace(conn: &Connection, r: &NamespaceRecord) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR REPLACE INTO namespaces (namespace_id, preorder_hash, version, sender, \
         sender_pubkey, address, recipient, recipient_address, block_number, reveal_block, \
         ready_block, op, op_fee, txid, vtxindex, lifetime, coeff, base, buckets, \
         nonalpha_discount, no_vowel_discount) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, \
         ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
    )?;
    stmt.execute(params![
        r.namespace_id,
        r.preorder_hash,
        r.version,
        r.sender,
        r.sender_pubkey,
        r.address,
        r.recipient,
        r.recipient_address,
        r.block_number,
        r.reveal_block,
        r.ready_block,
        r.op_str(),
        r.op_fee,
        r.txid,
        r.vtxindex,
        r.lifetime,
        r.price.coeff,
        r.price.base,
        list_str(&r.price.buckets),
        r.price.nonalpha_discount,
        r.price.no_vowel_discount,
    ])?;
    Ok(())
}

/// Inserts a preorder row.
pub(crate) fn insert_preorder(conn: &Connection, p: &PreorderRecord) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO preorders (preorder_hash, consensus_hash, sender, sender_pubkey, address, \
         block_number, op, op_fee, txid, vtxindex, burn_address) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    stmt.execute(params![
        p.preorder_hash,
        p.consensus_hash,
        p.sender,
        p.sender_pubkey,
        p.address,
        p.block_number,
        p.kind.as_str(),
        p.op_fee,
        p.txid,
        p.vtxindex,
        p.burn_address,
    ])?;
    Ok(())
}

/// A name's row.
pub(crate) fn get_name(conn: &Connection, name: &str) -> rusqlite::Result<Option<NameRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {NAME_COLUMNS} FROM name_records WHERE name = ?1"
    ))?;
    let mut rows = stmt.query([name])?;
    rows.next()?.map(name_from_row).transpose()
}

/// A namespace's row.
pub(crate) fn get_namespace(
    conn: &Connection,
    namespace_id: &str,
) -> rusqlite::Result<Option<NamespaceRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {NAMESPACE_COLUMNS} FROM namespaces WHERE namespace_id = ?1"
    ))?;
    let mut rows = stmt.query([namespace_id])?;
    rows.next()?.map(namespace_from_row).transpose()
}

/// The preorders with this hash, ordered by `(block_number, txid)` as the processor expects.
pub(crate) fn get_preorders(
    conn: &Connection,
    preorder_hash: &str,
) -> rusqlite::Result<Vec<PreorderRecord>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {PREORDER_COLUMNS} FROM preorders WHERE preorder_hash = ?1 \
         ORDER BY block_number, txid"
    ))?;
    let rows = stmt.query_map([preorder_hash], preorder_from_row)?;
    rows.collect()
}

/// A namespace's import keychain, `None` if it was never materialized.
pub(crate) fn get_keychain(
    conn: &Connection,
    namespace_id: &str,
) -> rusqlite::Result<Option<Vec<String>>> {
    let mut stmt = conn.prepare_cached(
        "SELECT address FROM import_keychains WHERE namespace_id = ?1 ORDER BY key_index",
    )?;
    let keys = stmt
        .query_map([namespace_id], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok((!keys.is_empty()).then_some(keys))
}

/// Replaces a namespace's keychain (`None` deletes it).
pub(crate) fn put_keychain(
    conn: &Connection,
    namespace_id: &str,
    keys: Option<&[String]>,
) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM import_keychains WHERE namespace_id = ?1")?
        .execute([namespace_id])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO import_keychains (namespace_id, key_index, address) VALUES (?1, ?2, ?3)",
    )?;
    for (i, key) in keys.unwrap_or_default().iter().enumerate() {
        insert.execute(params![namespace_id, i, key])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_text_round_trips_and_rejects_malformed_lists() {
        let b = [6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 15];
        assert_eq!(buckets_from_str(&list_str(&b)), Some(b));
        assert_eq!(buckets_from_str("[1, 2]"), None);
        assert_eq!(
            buckets_from_str(&format!("[{}]", ["1"; 17].join(", "))),
            None
        );
        assert_eq!(buckets_from_str("1, 2"), None);
        assert_eq!(buckets_from_str("[a, 2]"), None);
    }
}
