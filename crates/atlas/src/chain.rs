//! Which hashes the chain announces: the name operations of a block that give inventory
//! rows (atlas.md §4.1, `BlockstackDB.get_atlas_zonefile_info_at`).

use blockstack_namedb::Snapshot;
use serde_json::{Map, Value};

use crate::error::AtlasError;
use crate::inventory::ZonefileRow;
use crate::node::Atlas;

/// The opcodes whose accepted ops announce their value hash. `NAME_TRANSFER` never does,
/// even though it may keep a hash.
pub const ANNOUNCING_OPCODES: &[&str] = &[
    "NAME_REGISTRATION",
    "NAME_UPDATE",
    "NAME_IMPORT",
    "NAME_RENEWAL",
];

fn opcode_of(op: &Map<String, Value>) -> Option<&str> {
    if let Some(code) = op.get("opcode").and_then(Value::as_str) {
        return Some(code);
    }
    // `op_get_opcode_name` on the op string, for states that carry only `op`.
    match op.get("op").and_then(Value::as_str)? {
        ":" => Some("NAME_REGISTRATION"),
        "::" => Some("NAME_RENEWAL"),
        "+" => Some("NAME_UPDATE"),
        ";" => Some("NAME_IMPORT"),
        _ => None,
    }
}

/// The inventory rows of block `height` from its ops as `namedb_get_all_ops_at` lists them
/// (preorders first, then history states by vtxindex): the announcing ops with a non-null
/// value hash, in that order. Ops missing a field are skipped.
pub fn rows_from_ops(height: u64, ops: &[Map<String, Value>]) -> Vec<ZonefileRow> {
    ops.iter()
        .filter(|op| opcode_of(op).is_some_and(|c| ANNOUNCING_OPCODES.contains(&c)))
        .filter_map(|op| {
            let hash = op.get("value_hash")?.as_str()?;
            Some(ZonefileRow {
                name: op.get("name")?.as_str()?.to_owned(),
                zonefile_hash: hash.to_ascii_lowercase(),
                txid: op.get("txid")?.as_str()?.to_owned(),
                block_height: height,
                vtxindex: op
                    .get("vtxindex")
                    .and_then(Value::as_u64)
                    .and_then(|v| u32::try_from(v).ok())
                    .unwrap_or(0),
            })
        })
        .collect()
}

/// The inventory rows announced at block `height` in the name database.
pub fn rows_at(snapshot: &Snapshot<'_>, height: u64) -> Result<Vec<ZonefileRow>, AtlasError> {
    let ops = snapshot
        .nameops_at(height, 0, u64::MAX)
        .map_err(|e| AtlasError::NameDb(e.to_string()))?;
    Ok(rows_from_ops(height, &ops))
}

impl Atlas {
    /// Adds the rows of blocks `from..=to` from the name database (start-up rescan and
    /// catch-up, §4.3). Blocks already indexed are skipped row by row, so `from` may be the
    /// last block seen (v0.18 rescans from `MAX(block_height)` inclusive).
    pub fn sync_from_namedb(&self, snapshot: &Snapshot<'_>, from: u64, to: u64) -> Result<usize, AtlasError> {
        let mut added = 0;
        for height in from..=to {
            added += self.add_block(height, rows_at(snapshot, height)?)?.len();
        }
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn keeps_announcing_ops_with_a_hash_in_order() {
        let h = "1b89a685f4c4ea245ce9433d0b29166c22175ab4";
        let ops = vec![
            op(json!({"opcode": "NAME_PREORDER", "txid": "t0", "vtxindex": 1})),
            op(json!({"opcode": "NAME_REGISTRATION", "name": "a.id", "value_hash": h, "txid": "t1", "vtxindex": 2})),
            op(json!({"opcode": "NAME_REGISTRATION", "name": "b.id", "value_hash": null, "txid": "t2", "vtxindex": 3})),
            op(json!({"opcode": "NAME_TRANSFER", "name": "c.id", "value_hash": h, "txid": "t3", "vtxindex": 4})),
            op(json!({"op": "::", "name": "d.id", "value_hash": h, "txid": "t4", "vtxindex": 5})),
            op(json!({"opcode": "NAME_UPDATE", "name": "e.id", "value_hash": h, "txid": "t5", "vtxindex": 6})),
            op(json!({"opcode": "NAME_IMPORT", "name": "f.id", "value_hash": h, "txid": "t6", "vtxindex": 7})),
            op(json!({"opcode": "NAME_REVOKE", "name": "g.id", "value_hash": h, "txid": "t7", "vtxindex": 8})),
        ];
        let rows = rows_from_ops(500, &ops);
        let txids: Vec<_> = rows.iter().map(|r| r.txid.as_str()).collect();
        assert_eq!(txids, vec!["t1", "t4", "t5", "t6"]);
        assert!(rows.iter().all(|r| r.block_height == 500 && r.zonefile_hash == h));
    }
}
