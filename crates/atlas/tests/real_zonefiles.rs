//! Every real zone file of the corpus is stored and read back by its hash.

mod common;

use blockstack_atlas::ZonefileStore;

#[test]
fn every_real_zonefile_round_trips_through_the_store() {
    let files = common::corpus();
    assert_eq!(files.len(), 1631);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ZonefileStore::open(dir.path().join("zonefiles")).expect("store");
    for (hash, bytes) in &files {
        assert_eq!(
            &blockstack_zonefile::zonefile_hash(bytes),
            hash,
            "corpus hash"
        );
    }
    // Synced writes, from a few threads at once (each waits on its own fsync).
    std::thread::scope(|scope| {
        for part in files.chunks(files.len().div_ceil(8)) {
            let store = &store;
            scope.spawn(move || {
                for (hash, bytes) in part {
                    assert_eq!(&store.put(bytes, |h| h == hash).expect("put"), hash);
                }
            });
        }
    });
    // A second handle on the same directory (as after a restart) reads them all back.
    let reopened = ZonefileStore::open(dir.path().join("zonefiles")).expect("reopen");
    for (hash, bytes) in &files {
        assert_eq!(
            reopened.get(hash).expect("get").as_deref(),
            Some(bytes.as_slice()),
            "{hash}"
        );
        let path = reopened.current_path(hash);
        assert!(path.ends_with(format!("{}/{}/{hash}.txt", &hash[0..2], &hash[2..4])));
    }
    assert!(common::store_is_clean(&reopened));
}

#[test]
fn the_inventory_over_the_corpus_tracks_presence_across_a_reopen() {
    let files = common::corpus();
    let files = &files[..200];
    let chain = common::chain(files);
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = common::config(dir.path(), "n0.sim:16264", &[], 1);
    let atlas = common::open_node(cfg.clone(), &chain);
    let rows: usize = chain.iter().map(|(_, r)| r.len()).sum();
    assert_eq!(atlas.inventory().len() as usize, rows);
    assert_eq!(atlas.inventory_vector().len(), rows.div_ceil(8));
    assert!(atlas.inventory_vector().iter().all(|b| *b == 0));
    // Hold every third file.
    for (hash, bytes) in files.iter().step_by(3) {
        let stored = atlas.put_zonefile(bytes).expect("put");
        assert!(stored.new && &stored.hash == hash);
    }
    let inv = atlas.inventory();
    for (i, row) in inv.rows().iter().enumerate() {
        let held = files
            .iter()
            .step_by(3)
            .any(|(h, _)| *h == row.zonefile_hash);
        assert_eq!(inv.is_present(i as u64), held, "row {i}");
    }
    let vector = atlas.inventory_vector();
    drop(atlas);
    // Reopening (and re-indexing the same blocks, as a restart does) changes nothing.
    let atlas = common::open_node(cfg, &chain);
    assert_eq!(atlas.inventory_vector(), vector);
    let status = atlas.status();
    assert_eq!(status.zonefiles_expected, 200);
    assert_eq!(status.zonefiles_held, 67);
    assert_eq!(status.missing.len(), 133);
    assert_eq!(
        status.missing[0],
        (Some("name1.id".to_owned()), files[1].0.clone())
    );
}
