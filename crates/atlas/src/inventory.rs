//! The zone file inventory: the chain-ordered list of announced hashes and the bit vector
//! over it (atlas.md §4–§5). Pure; persistence is in [`crate::db`].
//!
//! Row *k* (0-based here, `inv_index = k + 1` in the original's `zonefiles` table) is the
//! *k*-th accepted `NAME_REGISTRATION`, `NAME_UPDATE`, `NAME_IMPORT` or `NAME_RENEWAL`
//! with a non-null value hash, by block height and then by the op's order in the block.
//! Rows are keyed by txid; the same hash may occupy many rows. Every honest node numbers
//! rows identically, which is what makes bit vectors comparable between peers.

use std::collections::HashMap;

/// One announced zone file: a row of the original's `zonefiles` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZonefileRow {
    /// The name whose operation announced the hash.
    pub name: String,
    /// The announced hash, 40 lowercase hex digits.
    pub zonefile_hash: String,
    /// The announcing operation's txid (the row key).
    pub txid: String,
    /// The block the operation was accepted in.
    pub block_height: u64,
    /// The operation's position in its block.
    pub vtxindex: u32,
}

/// Whether bit `i` of a packed inventory is set: MSB-first, bit `i` in byte `i / 8` at mask
/// `1 << (7 - i % 8)` (§5). Bits beyond the vector are clear.
pub fn bit_is_set(inv: &[u8], i: u64) -> bool {
    usize::try_from(i / 8)
        .ok()
        .and_then(|byte| inv.get(byte))
        .is_some_and(|b| b & (1 << (7 - i % 8)) != 0)
}

/// Sets or clears bit `i`, growing the vector with zero bytes as needed (§5).
pub fn set_bit(inv: &mut Vec<u8>, i: u64, value: bool) {
    let Ok(byte) = usize::try_from(i / 8) else {
        return;
    };
    if byte >= inv.len() {
        if !value {
            return;
        }
        inv.resize(byte + 1, 0);
    }
    let mask = 1u8 << (7 - i % 8);
    if value {
        inv[byte] |= mask;
    } else {
        inv[byte] &= !mask;
    }
}

/// Packs presence flags into an inventory vector: `ceil(n/8)` bytes, zero-padded (§5).
pub fn pack(present: &[bool]) -> Vec<u8> {
    let mut inv = vec![0u8; present.len().div_ceil(8)];
    for (i, p) in present.iter().enumerate() {
        if *p {
            inv[i / 8] |= 1 << (7 - i % 8);
        }
    }
    inv
}

/// The reply of `get_zonefile_inventory(offset, length)` as v0.18 servers compute it: a byte
/// slice `inv[offset : offset + length]`, both numbers in **bytes** (§9), empty at or past the
/// end. The Rust server additionally caps the result at `max` bytes.
pub fn inventory_slice(inv: &[u8], offset: u64, length: u64, max: usize) -> &[u8] {
    let start = usize::try_from(offset).unwrap_or(usize::MAX).min(inv.len());
    let want = usize::try_from(length).unwrap_or(usize::MAX).min(max);
    let end = start.saturating_add(want).min(inv.len());
    &inv[start..end]
}

/// The row indexes (0-based, below `rows`) that `theirs` has and `ours` lacks.
pub fn missing_from(ours: &[u8], theirs: &[u8], rows: u64) -> Vec<u64> {
    (0..rows)
        .filter(|&i| bit_is_set(theirs, i) && !bit_is_set(ours, i))
        .collect()
}

/// The announced rows and our presence bit for each, with lookups by hash and txid.
#[derive(Debug, Default, Clone)]
pub struct Inventory {
    rows: Vec<ZonefileRow>,
    bits: Vec<u8>,
    by_hash: HashMap<String, Vec<u64>>,
    by_txid: HashMap<String, u64>,
}

impl Inventory {
    /// An empty inventory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `row` with its presence flag, returning its index; `None` (and no change) if a
    /// row with the same txid exists, so re-processing a block never renumbers rows (§4.2).
    pub fn push(&mut self, row: ZonefileRow, present: bool) -> Option<u64> {
        if self.by_txid.contains_key(&row.txid) {
            return None;
        }
        let index = self.rows.len() as u64;
        self.by_txid.insert(row.txid.clone(), index);
        self.by_hash
            .entry(row.zonefile_hash.clone())
            .or_default()
            .push(index);
        self.rows.push(row);
        if self.bits.len() < self.rows.len().div_ceil(8) {
            self.bits.push(0);
        }
        set_bit(&mut self.bits, index, present);
        Some(index)
    }

    /// Marks every row carrying `hash` present or absent (`atlasdb_set_zonefile_present`
    /// updates by hash, §5). Returns whether any bit changed.
    pub fn set_present(&mut self, hash: &str, present: bool) -> bool {
        let Some(indexes) = self.by_hash.get(hash) else {
            return false;
        };
        let mut changed = false;
        for &i in indexes {
            changed |= bit_is_set(&self.bits, i) != present;
            set_bit(&mut self.bits, i, present);
        }
        changed
    }

    /// The packed vector we serve to peers.
    pub fn vector(&self) -> &[u8] {
        &self.bits
    }

    /// Number of rows.
    pub fn len(&self) -> u64 {
        self.rows.len() as u64
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// `zonefile_count` as v0.18's `getinfo` reports it: `MAX(inv_index) + 1`, one more than
    /// the number of rows, and 0 when there are none (§5, §15).
    pub fn wire_zonefile_count(&self) -> u64 {
        if self.rows.is_empty() {
            0
        } else {
            self.len() + 1
        }
    }

    /// Row `i`.
    pub fn row(&self, i: u64) -> Option<&ZonefileRow> {
        usize::try_from(i).ok().and_then(|i| self.rows.get(i))
    }

    /// All rows, in inventory order.
    pub fn rows(&self) -> &[ZonefileRow] {
        &self.rows
    }

    /// Whether row `i` is present.
    pub fn is_present(&self, i: u64) -> bool {
        bit_is_set(&self.bits, i)
    }

    /// Whether a row with `txid` exists.
    pub fn contains_txid(&self, txid: &str) -> bool {
        self.by_txid.contains_key(txid)
    }

    /// Whether some row announces `hash`: the admission rule for chunks (§11.3, §14).
    pub fn is_expected(&self, hash: &str) -> bool {
        self.by_hash.contains_key(hash)
    }

    /// Whether we hold `hash` (all its rows share one bit value).
    pub fn has_hash(&self, hash: &str) -> bool {
        self.by_hash
            .get(hash)
            .and_then(|ix| ix.first())
            .is_some_and(|&i| self.is_present(i))
    }

    /// The lowest block height among the rows carrying `hash` (the store callback's
    /// `min_block_height`, §10).
    pub fn min_block_of(&self, hash: &str) -> Option<u64> {
        self.by_hash.get(hash).and_then(|ix| {
            ix.iter()
                .filter_map(|&i| self.row(i))
                .map(|r| r.block_height)
                .min()
        })
    }

    /// Row indexes carrying `hash`.
    pub fn indexes_of(&self, hash: &str) -> &[u64] {
        self.by_hash.get(hash).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The highest block with rows.
    pub fn last_block(&self) -> Option<u64> {
        self.rows.last().map(|r| r.block_height)
    }

    /// Distinct announced hashes.
    pub fn distinct_hashes(&self) -> usize {
        self.by_hash.len()
    }

    /// Distinct hashes we hold.
    pub fn distinct_present(&self) -> usize {
        self.by_hash.keys().filter(|h| self.has_hash(h)).count()
    }

    /// What the operator sees of completeness: distinct hashes expected and held, and the
    /// first `max_missing` hashes still missing, each with the first row that announced it.
    pub fn summary(&self, max_missing: usize) -> InventorySummary {
        let mut missing = Vec::new();
        let mut missing_count = 0;
        for (i, row) in self.rows.iter().enumerate() {
            let i = i as u64;
            let first = self.indexes_of(&row.zonefile_hash).first() == Some(&i);
            if first && !self.is_present(i) {
                missing_count += 1;
                if missing.len() < max_missing {
                    missing.push(MissingZonefile::of(row, i));
                }
            }
        }
        InventorySummary {
            zonefiles_expected: self.distinct_hashes(),
            zonefiles_held: self.distinct_present(),
            missing_count,
            missing,
        }
    }

    /// Distinct hashes we lack, each with the first name that announced it, in row order.
    pub fn missing_hashes(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (i, row) in self.rows.iter().enumerate() {
            let first = self.indexes_of(&row.zonefile_hash).first() == Some(&(i as u64));
            if first && !self.is_present(i as u64) {
                out.push((row.name.clone(), row.zonefile_hash.clone()));
            }
        }
        out
    }
}

/// A zone file the chain announced that the node does not hold.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MissingZonefile {
    /// The first name whose operation announced it.
    pub name: String,
    /// The announced hash.
    pub zonefile_hash: String,
    /// The block of that operation.
    pub block_height: u64,
    /// Its row in the original's numbering (`inv_index`, 1-based).
    pub inv_index: u64,
}

impl MissingZonefile {
    fn of(row: &ZonefileRow, index: u64) -> Self {
        Self {
            name: row.name.clone(),
            zonefile_hash: row.zonefile_hash.clone(),
            block_height: row.block_height,
            inv_index: index + 1,
        }
    }
}

/// Inventory completeness for the operator (`blockstack-core info`, the REST node info).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InventorySummary {
    /// Distinct announced hashes.
    pub zonefiles_expected: usize,
    /// Distinct announced hashes held.
    pub zonefiles_held: usize,
    /// Distinct announced hashes not held (`expected - held`).
    pub missing_count: usize,
    /// The first of them in inventory order, each with the first row announcing it; at
    /// most the number asked for.
    pub missing: Vec<MissingZonefile>,
}

/// One hash to fetch, with the peers advertising it (step 2 of §10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    /// The hash.
    pub hash: String,
    /// Our rows carrying it.
    pub bits: Vec<u64>,
    /// Peers whose inventory has one of those bits set.
    pub peers: Vec<String>,
}

impl Wanted {
    /// How many peers advertise it.
    pub fn popularity(&self) -> usize {
        self.peers.len()
    }
}

/// The crawler's work list: every hash we lack that at least one peer advertises, rarest
/// first (ascending popularity, then smallest row index).
///
/// v0.18 intends this order but loses it by passing the sorted list through a set (§10.3).
pub fn rarest_first<'a>(
    inv: &Inventory,
    peers: impl IntoIterator<Item = (&'a str, &'a [u8])> + Clone,
) -> Vec<Wanted> {
    let mut by_hash: HashMap<&str, Wanted> = HashMap::new();
    for (i, row) in inv.rows().iter().enumerate() {
        let i = i as u64;
        if inv.is_present(i) {
            continue;
        }
        let entry = by_hash
            .entry(row.zonefile_hash.as_str())
            .or_insert_with(|| Wanted {
                hash: row.zonefile_hash.clone(),
                bits: Vec::new(),
                peers: Vec::new(),
            });
        entry.bits.push(i);
        for (peer, theirs) in peers.clone() {
            if bit_is_set(theirs, i) && !entry.peers.iter().any(|p| p == peer) {
                entry.peers.push(peer.to_owned());
            }
        }
    }
    let mut wanted: Vec<Wanted> = by_hash
        .into_values()
        .filter(|w| !w.peers.is_empty())
        .collect();
    wanted.sort_by_key(|w| (w.popularity(), w.bits.first().copied().unwrap_or(u64::MAX)));
    wanted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(i: u32, hash: &str) -> ZonefileRow {
        ZonefileRow {
            name: format!("n{i}.id"),
            zonefile_hash: hash.to_owned(),
            txid: format!("{i:064x}"),
            block_height: 100 + u64::from(i),
            vtxindex: i,
        }
    }

    #[test]
    fn spec_example_packs_msb_first() {
        // atlas.md §5: rows 1..10 present = 1,0,1,1,0,0,0,1,1,0 → 0xB1 0x80.
        let present = [
            true, false, true, true, false, false, false, true, true, false,
        ];
        assert_eq!(pack(&present), vec![0xB1, 0x80]);
        let mut inv = Inventory::new();
        for (i, p) in present.iter().enumerate() {
            inv.push(row(i as u32, &format!("{i:040x}")), *p);
        }
        assert_eq!(inv.vector(), &[0xB1, 0x80]);
        assert!(bit_is_set(inv.vector(), 0));
        assert!(!bit_is_set(inv.vector(), 1));
        assert!(bit_is_set(inv.vector(), 8));
        assert!(!bit_is_set(inv.vector(), 9));
        assert!(!bit_is_set(inv.vector(), 1000));
    }

    #[test]
    fn vector_is_whole_bytes_and_grows() {
        let mut inv = Inventory::new();
        assert!(inv.vector().is_empty());
        inv.push(row(0, "aa"), false);
        assert_eq!(inv.vector(), &[0x00]);
        for i in 1..9 {
            inv.push(row(i, "bb"), false);
        }
        assert_eq!(inv.vector().len(), 2);
        let mut v = Vec::new();
        set_bit(&mut v, 17, true);
        assert_eq!(v, vec![0, 0, 0x40]);
        set_bit(&mut v, 40, false);
        assert_eq!(v.len(), 3);
    }

    #[test]
    fn presence_is_by_hash_and_rows_by_txid() {
        let mut inv = Inventory::new();
        inv.push(row(0, "aa"), false);
        inv.push(row(1, "bb"), false);
        inv.push(row(2, "aa"), false);
        assert_eq!(
            inv.push(row(1, "cc"), true),
            None,
            "same txid is not a new row"
        );
        assert!(inv.set_present("aa", true));
        assert!(!inv.set_present("aa", true));
        assert_eq!(inv.vector(), &[0b1010_0000]);
        assert!(!inv.set_present("zz", true));
        assert_eq!(inv.wire_zonefile_count(), 4);
        assert_eq!(Inventory::new().wire_zonefile_count(), 0);
        assert_eq!(
            inv.missing_hashes(),
            vec![("n1.id".to_owned(), "bb".to_owned())]
        );
        assert_eq!(inv.distinct_present(), 1);
    }

    #[test]
    fn summary_counts_distinct_hashes_and_bounds_the_missing_list() {
        let mut inv = Inventory::new();
        inv.push(row(0, "aa"), true);
        inv.push(row(1, "bb"), false);
        inv.push(row(2, "cc"), false);
        inv.push(row(3, "bb"), false);
        inv.push(row(4, "dd"), false);
        let all = inv.summary(10);
        assert_eq!(all.zonefiles_expected, 4);
        assert_eq!(all.zonefiles_held, 1);
        assert_eq!(all.missing_count, 3);
        let hashes: Vec<_> = all
            .missing
            .iter()
            .map(|m| m.zonefile_hash.as_str())
            .collect();
        assert_eq!(hashes, ["bb", "cc", "dd"]);
        assert_eq!(all.missing[0].name, "n1.id");
        assert_eq!(all.missing[0].inv_index, 2);
        assert_eq!(all.missing[0].block_height, 101);
        let bounded = inv.summary(2);
        assert_eq!(bounded.missing_count, 3);
        assert_eq!(bounded.missing.len(), 2);
        assert!(inv.summary(0).missing.is_empty());
    }

    #[test]
    fn slices_are_in_bytes() {
        let inv = [1u8, 2, 3, 4, 5];
        assert_eq!(inventory_slice(&inv, 0, 524_288, 65_536), &inv);
        assert_eq!(inventory_slice(&inv, 1, 2, 65_536), &[2, 3]);
        assert_eq!(inventory_slice(&inv, 5, 2, 65_536), &[] as &[u8]);
        assert_eq!(inventory_slice(&inv, 99, 2, 65_536), &[] as &[u8]);
        assert_eq!(inventory_slice(&inv, 0, 10, 3), &[1, 2, 3]);
        assert_eq!(inventory_slice(&inv, u64::MAX, u64::MAX, 3), &[] as &[u8]);
    }

    #[test]
    fn diff_ignores_bits_beyond_our_rows() {
        assert_eq!(
            missing_from(&[0b1000_0000], &[0xFF, 0xFF], 10),
            vec![1, 2, 3, 4, 5, 6, 7, 8, 9]
        );
        assert_eq!(missing_from(&[0xFF], &[0xFF], 8), Vec::<u64>::new());
        assert_eq!(missing_from(&[], &[0x01], 8), vec![7]);
    }

    #[test]
    fn rarest_hash_comes_first() {
        let mut inv = Inventory::new();
        inv.push(row(0, "aa"), false);
        inv.push(row(1, "bb"), false);
        inv.push(row(2, "cc"), true);
        inv.push(row(3, "dd"), false);
        let p1 = vec![0b1101_0000u8];
        let p2 = vec![0b1100_0000u8];
        let p3 = vec![0b1000_0000u8];
        let peers = [
            ("p1", p1.as_slice()),
            ("p2", p2.as_slice()),
            ("p3", p3.as_slice()),
        ];
        let plan = rarest_first(&inv, peers);
        let order: Vec<_> = plan
            .iter()
            .map(|w| (w.hash.as_str(), w.popularity()))
            .collect();
        assert_eq!(order, vec![("dd", 1), ("bb", 2), ("aa", 3)]);
    }
}
