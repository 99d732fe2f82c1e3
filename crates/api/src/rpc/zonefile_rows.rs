//! The Atlas rows of a block range, for `get_zonefiles_by_block` (atlas.md §11.6).

use blockstack_atlas::{Atlas, ZonefileRow};

/// The rows announced in blocks `from..=to`, in inventory order, skipping `offset` of them
/// and keeping at most `count`, each with its 1-based `inv_index`.
///
/// Rows are filed in block order, so the first row of the range is found by bisection and
/// only the page is copied out of the inventory.
pub fn rows_in_blocks(
    atlas: &Atlas,
    from: u64,
    to: u64,
    offset: u64,
    count: u64,
) -> Vec<(u64, ZonefileRow)> {
    if from > to || count == 0 {
        return Vec::new();
    }
    let block_at = |i: u64| -> Option<u64> {
        atlas
            .rows_from(i, 1)
            .first()
            .map(|(_, row, _)| row.block_height)
    };
    // An index past the last row.
    let mut hi = atlas.wire_zonefile_count().max(1);
    while block_at(hi).is_some() {
        hi = hi.saturating_mul(2);
    }
    // The first 1-based index whose row is at or after `from` (`hi` when none is).
    let mut lo = 1_u64;
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match block_at(mid) {
            Some(b) if b < from => lo = mid + 1,
            _ => hi = mid,
        }
    }
    let Some(start) = lo.checked_add(offset) else {
        return Vec::new();
    };
    let limit = usize::try_from(count).unwrap_or(usize::MAX);
    atlas
        .rows_from(start, limit)
        .into_iter()
        .take_while(|(_, row, _)| row.block_height <= to)
        .map(|(i, row, _)| (i, row))
        .collect()
}

#[cfg(test)]
mod tests {
    use blockstack_atlas::AtlasConfig;

    use super::*;

    fn row(name: &str, block: u64, vtxindex: u32) -> ZonefileRow {
        ZonefileRow {
            name: name.into(),
            zonefile_hash: format!("{:040x}", u64::from(vtxindex) + block * 100),
            txid: format!("{:064x}", u64::from(vtxindex) + block * 100),
            block_height: block,
            vtxindex,
        }
    }

    fn atlas(dir: &std::path::Path) -> std::sync::Arc<Atlas> {
        let atlas = Atlas::open(AtlasConfig::new(dir, "localhost:16264")).expect("atlas");
        atlas
            .add_block(10, vec![row("a.test", 10, 1), row("b.test", 10, 2)])
            .expect("block 10");
        atlas
            .add_block(12, vec![row("c.test", 12, 1)])
            .expect("block 12");
        atlas
            .add_block(15, vec![row("d.test", 15, 1), row("e.test", 15, 3)])
            .expect("block 15");
        atlas
    }

    fn names(rows: &[(u64, ZonefileRow)]) -> Vec<(u64, &str)> {
        rows.iter().map(|(i, r)| (*i, r.name.as_str())).collect()
    }

    #[test]
    fn a_block_range_is_inclusive_and_numbered_from_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = atlas(dir.path());
        assert_eq!(
            names(&rows_in_blocks(&a, 10, 15, 0, 100)),
            vec![
                (1, "a.test"),
                (2, "b.test"),
                (3, "c.test"),
                (4, "d.test"),
                (5, "e.test")
            ]
        );
        assert_eq!(
            names(&rows_in_blocks(&a, 11, 12, 0, 100)),
            vec![(3, "c.test")]
        );
        assert_eq!(
            names(&rows_in_blocks(&a, 12, 15, 1, 1)),
            vec![(4, "d.test")]
        );
    }

    #[test]
    fn empty_ranges_and_pages_past_the_end_give_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = atlas(dir.path());
        assert!(rows_in_blocks(&a, 16, 100, 0, 100).is_empty());
        assert!(rows_in_blocks(&a, 13, 14, 0, 100).is_empty());
        assert!(rows_in_blocks(&a, 15, 10, 0, 100).is_empty());
        assert!(rows_in_blocks(&a, 10, 15, 5, 100).is_empty());
        assert!(rows_in_blocks(&a, 10, 15, 0, 0).is_empty());
        assert!(rows_in_blocks(&a, 10, 15, u64::MAX, 10).is_empty());
    }
}
