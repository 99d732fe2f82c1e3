//! The worker against a real Atlas node: woken by indexed blocks and by zone files Atlas
//! stores, it indexes a subdomain as soon as its carrier zone file arrives.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use blockstack_atlas::{Atlas, AtlasConfig, ZonefileRow};
use blockstack_subdomains::{
    IndexerConfig, ReadOnlySubdomainDb, SubdomainIndexer, SubdomainWorker,
};
use common::{address, carrier_zonefile, key, op};

fn wait_for(mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

#[test]
fn a_stored_carrier_zone_file_is_indexed_without_waiting_for_a_block() {
    let a = key(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cfg = AtlasConfig::new(dir.path(), "127.0.0.1:16264");
    cfg.sync_writes = false;
    let atlas: Arc<Atlas> = Atlas::open(cfg).expect("atlas");
    let path = dir.path().join("subdomains.db");
    let indexer = SubdomainIndexer::open(&path, IndexerConfig::default()).expect("db");
    let worker = SubdomainWorker::spawn(indexer, Arc::clone(&atlas)).expect("spawn");
    let notifier = worker.notifier();
    atlas.set_on_stored(Box::new(move |hash, _block| notifier.stored(hash)));

    let zonefile = carrier_zonefile(
        "bar.id",
        &[op("foo.bar.id", "bar.id", &address(&a), 0, "v0", None)],
        &[],
    );
    atlas
        .add_block(
            700,
            vec![ZonefileRow {
                name: "bar.id".into(),
                zonefile_hash: blockstack_zonefile::zonefile_hash(&zonefile),
                txid: "aa".repeat(32),
                block_height: 700,
                vtxindex: 3,
            }],
        )
        .expect("block");
    worker.notifier().blocks();
    let reader = || ReadOnlySubdomainDb::open(&path).expect("reader");
    assert!(wait_for(|| reader()
        .lookup()
        .stats()
        .expect("stats")
        .rows_walked
        == 1));
    assert!(reader()
        .lookup()
        .current("foo.bar.id")
        .expect("lookup")
        .is_none());
    assert!(reader().lookup().pending("foo.bar.id").expect("pending"));

    // The zone file arrives (as from a peer): no block needed.
    atlas.put_zonefile(&zonefile).expect("store");
    assert!(wait_for(|| reader()
        .lookup()
        .current("foo.bar.id")
        .expect("lookup")
        .is_some()));
    assert!(!reader().lookup().pending("foo.bar.id").expect("pending"));
    worker.stop();
}
