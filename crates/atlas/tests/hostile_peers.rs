//! Hostile peers on the simulated network: wrong-hash and oversized zone files, garbage
//! replies, an inventory claiming everything, a very slow peer. No bad zone file is stored,
//! each faulty peer loses health and is dropped (the sender of an oversized chunk, which a
//! v0.18 peer may hold, is kept), and honest replication completes.

mod common;

use std::sync::Arc;
use std::time::Duration;

use blockstack_atlas::sim::{Endpoint, HostileEndpoint, Hostility, SimNetwork};
use blockstack_atlas::ZonefileRow;
use common::{chain, config, corpus, open_node, run_until, SimNode};

const FILES: usize = 60;

#[tokio::test(start_paused = true)]
async fn hostile_peers_are_dropped_and_store_nothing_bad() {
    let mut files: Vec<_> = corpus().into_iter().skip(400).take(FILES).collect();
    // One announced hash belongs to a chunk over the size limit: only a hostile peer has it.
    let oversized = vec![b';'; blockstack_zonefile::MAX_ZONEFILE_LEN + 100];
    let oversized_hash = blockstack_zonefile::zonefile_hash(&oversized);
    let mut chain = chain(&files);
    let last = chain.last().map(|(h, _)| *h).unwrap_or(1000) + 1;
    chain.push((
        last,
        vec![ZonefileRow {
            name: "huge.id".into(),
            zonefile_hash: oversized_hash.clone(),
            txid: "f".repeat(64),
            block_height: last,
            vtxindex: 0,
        }],
    ));
    let root = tempfile::tempdir().expect("tempdir");
    let net = SimNetwork::new(9);

    // Hostile peers are full nodes holding every file, misbehaving in their replies.
    let kinds = [
        ("wrong.sim:16264", Hostility::WrongHash),
        (
            "huge.sim:16264",
            Hostility::Oversized {
                hash: oversized_hash.clone(),
                data: oversized.clone(),
            },
        ),
        ("garbage.sim:16264", Hostility::Garbage),
        ("liar.sim:16264", Hostility::ClaimEverything),
        ("slow.sim:16264", Hostility::Slow(Duration::from_secs(120))),
    ];
    let hostile: Vec<&str> = kinds.iter().map(|(h, _)| *h).collect();
    // A peer whose only fault is a chunk over the limit is not dropped: v0.18 peers store
    // fetched chunks of any size.
    let faulty: Vec<&str> = hostile
        .iter()
        .copied()
        .filter(|h| *h != "huge.sim:16264")
        .collect();
    for (i, (hp, kind)) in kinds.iter().enumerate() {
        let mut cfg = config(&root.path().join(hp), hp, &[], 50 + i as u64);
        // They share one store (writes of a held chunk are no-ops), to keep the test fast.
        cfg.zonefiles_dir = root.path().join("hostile-zonefiles");
        let atlas = open_node(cfg, &chain);
        for (_, bytes) in &files {
            atlas.put_zonefile(bytes).expect("hostile share");
        }
        net.attach(
            hp,
            Arc::new(HostileEndpoint::new(atlas, kind.clone())) as Arc<dyn Endpoint>,
        );
    }

    // One honest source, and two empty honest nodes that know the hostile
    // peers (added as ordinary peers, not seeds) and only the source as a seed.
    let mut nodes = Vec::new();
    for (i, name) in ["source", "b", "c"].iter().enumerate() {
        let hp = format!("{name}.sim:16264");
        let dir = root.path().join(name);
        let seeds: Vec<&str> = if i == 0 {
            vec![]
        } else {
            vec!["source.sim:16264"]
        };
        let mut cfg = config(&dir, &hp, &seeds, i as u64);
        cfg.push = false;
        let atlas = open_node(cfg, &chain);
        if i > 0 {
            for h in &hostile {
                assert!(atlas.add_peer(h).expect("add peer"));
            }
        }
        nodes.push(SimNode::start(&net, atlas, dir));
    }
    // For the first minute only hostile peers have the files, so they are asked for them
    // (the oversized-chunk peer serves the others honestly).
    tokio::time::sleep(Duration::from_secs(60)).await;
    for n in &nodes[1..] {
        assert!(common::store_is_clean(n.atlas.store()), "{}", n.hostport);
        assert!(!n.atlas.store().has(&oversized_hash).expect("has"));
        let peers = n.atlas.peer_hostports();
        for h in ["wrong.sim:16264", "garbage.sim:16264", "liar.sim:16264"] {
            assert!(
                !peers.iter().any(|p| p == h),
                "{} still has {h}",
                n.hostport
            );
        }
    }
    // Then a client uploads the files to the honest source.
    for (_, bytes) in &files {
        nodes[0].atlas.put_zonefile(bytes).expect("upload");
    }
    let fetchable = |n: &SimNode| {
        let s = n.atlas.status();
        s.missing.len() == 1 && s.missing[0].1 == oversized_hash
    };
    let dropped = |n: &SimNode| {
        let peers = n.atlas.peer_hostports();
        faulty.iter().all(|h| !peers.iter().any(|p| p == h))
    };
    let took = run_until(Duration::from_secs(1800), || {
        nodes[1..].iter().all(|n| fetchable(n) && dropped(n))
    })
    .await;
    eprintln!(
        "handled in {took:?} of virtual time after the first minute, {} calls",
        net.calls()
    );
    if took.is_none() {
        for n in &nodes {
            eprintln!("{}: {:#?}", n.hostport, n.atlas.status());
        }
        panic!("hostile peers not handled in 1800 s of virtual time");
    }
    for n in &nodes[1..] {
        assert!(common::store_is_clean(n.atlas.store()), "{}", n.hostport);
        assert!(!n.atlas.store().has(&oversized_hash).expect("has"));
        for (hash, bytes) in &files {
            assert_eq!(
                n.atlas.get_zonefile(hash).expect("get").as_deref(),
                Some(bytes.as_slice())
            );
        }
        // Dropped peers are not re-admitted while banned, even if someone names them.
        assert!(!n.atlas.add_peer("garbage.sim:16264").expect("add"));
        assert!(
            n.atlas
                .peer_hostports()
                .iter()
                .any(|p| p == "huge.sim:16264"),
            "{}: the oversized chunk's sender is kept",
            n.hostport
        );
    }
    files.clear();
    for n in nodes {
        if let Some(c) = n.crawler {
            c.stop().await;
        }
    }
}
