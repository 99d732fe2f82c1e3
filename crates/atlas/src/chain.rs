//! Which hashes the chain announces: the name operations of a block that give inventory
//! rows (atlas.md §4.1, `BlockstackDB.get_atlas_zonefile_info_at`).
//!
//! The input is what the name database lists for a block, in its order:
//! `blockstack_namedb::Snapshot::nameops_at(height, 0, u64::MAX)` gives exactly the
//! `namedb_get_all_ops_at` list the original walks. The indexer passes the result of
//! [`rows_from_ops`] to [`crate::Atlas::add_block`] after committing each block; this crate
//! does not depend on the name database itself.

use serde_json::{Map, Value};

use crate::inventory::ZonefileRow;

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
            op(
                json!({"opcode": "NAME_REGISTRATION", "name": "a.id", "value_hash": h, "txid": "t1", "vtxindex": 2}),
            ),
            op(
                json!({"opcode": "NAME_REGISTRATION", "name": "b.id", "value_hash": null, "txid": "t2", "vtxindex": 3}),
            ),
            op(
                json!({"opcode": "NAME_TRANSFER", "name": "c.id", "value_hash": h, "txid": "t3", "vtxindex": 4}),
            ),
            op(json!({"op": "::", "name": "d.id", "value_hash": h, "txid": "t4", "vtxindex": 5})),
            op(
                json!({"opcode": "NAME_UPDATE", "name": "e.id", "value_hash": h, "txid": "t5", "vtxindex": 6}),
            ),
            op(
                json!({"opcode": "NAME_IMPORT", "name": "f.id", "value_hash": h, "txid": "t6", "vtxindex": 7}),
            ),
            op(
                json!({"opcode": "NAME_REVOKE", "name": "g.id", "value_hash": h, "txid": "t7", "vtxindex": 8}),
            ),
        ];
        let rows = rows_from_ops(500, &ops);
        let txids: Vec<_> = rows.iter().map(|r| r.txid.as_str()).collect();
        assert_eq!(txids, vec!["t1", "t4", "t5", "t6"]);
        assert!(rows
            .iter()
            .all(|r| r.block_height == 500 && r.zonefile_hash == h));
    }
}
