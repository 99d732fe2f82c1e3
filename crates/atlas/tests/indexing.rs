//! Inventory updates from the indexer: idempotent re-indexing, append-only numbering, the
//! store callback, and chunks that arrive before their announcement.

mod common;

use std::sync::{Arc, Mutex};

use blockstack_atlas::{AtlasError, DbError, ZonefileRow};

fn row(i: usize, hash: &str, block: u64) -> ZonefileRow {
    ZonefileRow {
        name: format!("name{i}.id"),
        zonefile_hash: hash.to_owned(),
        txid: format!("{i:064x}"),
        block_height: block,
        vtxindex: i as u32,
    }
}

#[test]
fn blocks_append_rows_once_in_vtxindex_order() {
    let files: Vec<_> = common::corpus().into_iter().take(4).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let atlas = common::open_node(common::config(dir.path(), "me.sim:16264", &[], 1), &[]);
    let stored = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&stored);
    atlas.set_on_stored(Box::new(move |hash, block| {
        sink.lock().expect("lock").push((hash.to_owned(), block));
    }));

    // Given out of order within the block: numbered by vtxindex.
    let added = atlas
        .add_block(10, vec![row(1, &files[1].0, 10), row(0, &files[0].0, 10)])
        .expect("block 10");
    assert_eq!(added, vec![0, 1]);
    assert_eq!(atlas.inventory().rows()[0].txid, format!("{:064x}", 0));
    // Re-indexing the same block adds nothing.
    assert!(atlas
        .add_block(10, vec![row(0, &files[0].0, 10), row(1, &files[1].0, 10)])
        .expect("again")
        .is_empty());
    // A renewal re-announcing hash 0 at block 12 is a new row with the same hash.
    assert_eq!(
        atlas
            .add_block(12, vec![row(2, &files[0].0, 12)])
            .expect("block 12"),
        vec![2]
    );
    // A new row for an earlier block would renumber later rows: refused.
    assert!(matches!(
        atlas.add_block(11, vec![row(3, &files[2].0, 11)]),
        Err(AtlasError::Db(DbError::OutOfOrder {
            block: 11,
            last: 12
        }))
    ));

    // Storing hash 0 sets both of its rows and fires the callback once, with the lowest block.
    assert!(atlas.put_zonefile(&files[0].1).expect("put").new);
    assert!(!atlas.put_zonefile(&files[0].1).expect("put again").new);
    assert_eq!(atlas.inventory_vector(), vec![0b1010_0000]);
    // A chunk already in the store when its hash is announced is present at once.
    atlas
        .store()
        .put_unannounced(&files[3].1)
        .expect("early arrival");
    atlas
        .add_block(13, vec![row(4, &files[3].0, 13)])
        .expect("block 13");
    assert_eq!(atlas.inventory_vector(), vec![0b1011_0000]);
    assert_eq!(
        *stored.lock().expect("lock"),
        vec![(files[0].0.clone(), 10), (files[3].0.clone(), 13)]
    );
}

#[test]
fn rows_are_read_back_by_inv_index_with_presence_and_the_overview_lists_what_is_missing() {
    let files: Vec<_> = common::corpus().into_iter().take(3).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let atlas = common::open_node(common::config(dir.path(), "me.sim:16264", &[], 1), &[]);
    atlas
        .add_block(
            10,
            vec![
                row(0, &files[0].0, 10),
                row(1, &files[1].0, 10),
                row(2, &files[2].0, 10),
            ],
        )
        .expect("block 10");
    atlas.put_zonefile(&files[1].1).expect("put");

    let rows = atlas.rows_from(2, 10);
    let got: Vec<(u64, &str, bool)> = rows
        .iter()
        .map(|(i, r, p)| (*i, r.name.as_str(), *p))
        .collect();
    assert_eq!(got, vec![(2, "name1.id", true), (3, "name2.id", false)]);
    assert_eq!(atlas.rows_from(1, 1).len(), 1);
    assert!(atlas.rows_from(4, 10).is_empty());
    assert_eq!(
        atlas.rows_from(0, 10).len(),
        3,
        "index 0 reads from the first row"
    );
    assert_eq!(
        atlas.rows_present(&[0, 1, 2, 3, 99]),
        vec![false, false, true, false, false]
    );

    let view = atlas.overview(1);
    assert_eq!(view.inventory.zonefiles_expected, 3);
    assert_eq!(view.inventory.zonefiles_held, 1);
    assert_eq!(view.inventory.missing_count, 2);
    assert_eq!(view.inventory.missing.len(), 1);
    assert_eq!(view.inventory.missing[0].name, "name0.id");
    assert_eq!(view.inventory.missing[0].inv_index, 1);
    let json = serde_json::to_value(&view).expect("json");
    assert_eq!(json["missing_count"], 2);
    assert!(json["peers"].as_array().is_some());
}

#[test]
fn a_batch_is_stored_in_input_order_with_each_chunk_judged_alone() {
    let files: Vec<_> = common::corpus().into_iter().take(4).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    for sync in [false, true] {
        let mut cfg = common::config(&dir.path().join(format!("n{sync}")), "me.sim:16264", &[], 1);
        cfg.sync_writes = sync;
        let atlas = common::open_node(cfg, &[]);
        let stored = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&stored);
        atlas.set_on_stored(Box::new(move |hash, _| {
            sink.lock().expect("lock").push(hash.to_owned());
        }));
        atlas
            .add_block(
                10,
                vec![
                    row(0, &files[0].0, 10),
                    row(1, &files[1].0, 10),
                    row(2, &files[2].0, 10),
                ],
            )
            .expect("block");
        let batch = vec![
            (files[0].0.clone(), files[0].1.clone()),
            // Bytes under the wrong hash.
            (files[1].0.clone(), files[2].1.clone()),
            // Not announced.
            (files[3].0.clone(), files[3].1.clone()),
            (files[2].0.clone(), files[2].1.clone()),
            // Twice in one batch: new only once.
            (files[0].0.clone(), files[0].1.clone()),
        ];
        let results = atlas.accept_batch(&batch).expect("batch");
        assert_eq!(results.len(), 5);
        assert!(matches!(&results[0], Ok(s) if s.new && s.hash == files[0].0));
        assert!(matches!(
            &results[1],
            Err(AtlasError::Store(
                blockstack_atlas::StoreError::HashMismatch { .. }
            ))
        ));
        assert!(matches!(
            &results[2],
            Err(AtlasError::Store(
                blockstack_atlas::StoreError::NotExpected(_)
            ))
        ));
        assert!(matches!(&results[3], Ok(s) if s.new));
        assert!(matches!(&results[4], Ok(s) if !s.new));
        assert_eq!(atlas.inventory_vector(), vec![0b1010_0000], "sync {sync}");
        assert_eq!(
            *stored.lock().expect("lock"),
            vec![files[0].0.clone(), files[2].0.clone()]
        );
        assert!(common::store_is_clean(atlas.store()));
    }
}
