//! Replication on the simulated network, in paused `tokio` time: five nodes, lossy links,
//! a late joiner and a restart.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use blockstack_atlas::sim::{Link, SimNetwork};
use blockstack_atlas::{AtlasConfig, ZonefileRow};
use common::{chain, config, corpus, open_node, run_until, SimNode};

const FILES: usize = 120;

fn hostport(i: usize) -> String {
    format!("n{i}.sim:16264")
}

fn node_config(dir: &Path, i: usize, seeds: &[String], push: bool) -> AtlasConfig {
    let seeds: Vec<&str> = seeds.iter().map(String::as_str).collect();
    let mut cfg = config(dir, &hostport(i), &seeds, 100 + i as u64);
    cfg.push = push;
    cfg
}

/// Starts node `i` of `share_of` holding every `share_of`-th file from the `i`-th (so the
/// shares are disjoint).
fn start_with_share(
    net: &Arc<SimNetwork>,
    root: &Path,
    (i, share_of): (usize, usize),
    seeds: &[String],
    push: bool,
    files: &[(String, Vec<u8>)],
    chain: &[(u64, Vec<ZonefileRow>)],
) -> SimNode {
    let dir = root.join(format!("n{i}"));
    let atlas = open_node(node_config(&dir, i, seeds, push), chain);
    for (_, bytes) in files.iter().skip(i).step_by(share_of) {
        atlas.put_zonefile(bytes).expect("seed share");
    }
    SimNode::start(net, atlas, dir)
}

#[tokio::test(start_paused = true)]
async fn five_nodes_on_lossy_links_replicate_everything_by_pull_alone() {
    let files: Vec<_> = corpus().into_iter().take(FILES).collect();
    let chain = chain(&files);
    let root = tempfile::tempdir().expect("tempdir");
    let net = SimNetwork::new(42);
    net.set_default_link(Link {
        drop_probability: 0.1,
        latency: Duration::from_millis(50),
    });
    // A line of seeds: n1 knows n0, n2 knows n1, …; the walk and the exchanges do the rest.
    let nodes: Vec<SimNode> = (0..5)
        .map(|i| {
            let seeds = if i == 0 {
                vec![]
            } else {
                vec![hostport(i - 1)]
            };
            start_with_share(&net, root.path(), (i, 5), &seeds, false, &files, &chain)
        })
        .collect();
    assert!(nodes.iter().all(|n| !n.complete()));
    let took = run_until(Duration::from_secs(300), || {
        nodes.iter().all(SimNode::complete)
    })
    .await;
    let took = took.unwrap_or_else(|| {
        let missing: Vec<_> = nodes
            .iter()
            .map(|n| n.atlas.status().missing.len())
            .collect();
        panic!("not replicated in 300 s of virtual time; missing per node: {missing:?}")
    });
    eprintln!(
        "replicated in {took:?} of virtual time, {} calls",
        net.calls()
    );
    for n in &nodes {
        assert!(common::store_is_clean(n.atlas.store()));
        assert_eq!(
            n.atlas.inventory_vector(),
            nodes[0].atlas.inventory_vector()
        );
        for (hash, bytes) in &files {
            assert_eq!(
                n.atlas.get_zonefile(hash).expect("get").as_deref(),
                Some(bytes.as_slice())
            );
        }
    }
    // Discovery goes on: within a few minutes every node knows peers beyond its seed.
    run_until(Duration::from_secs(300), || {
        nodes.iter().all(|n| n.atlas.peer_hostports().len() >= 3)
    })
    .await
    .unwrap_or_else(|| {
        let known: Vec<_> = nodes.iter().map(|n| n.atlas.peer_hostports()).collect();
        panic!("discovery stalled: {known:?}")
    });
    for n in nodes {
        if let Some(c) = n.crawler {
            c.stop().await;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_late_node_catches_up_and_a_restarted_node_keeps_what_it_had() {
    let files: Vec<_> = corpus().into_iter().skip(FILES).take(FILES).collect();
    // Twenty files per block: the last block, announcing the last twenty, is indexed later.
    let (first, later) = files.split_at(FILES - 20);
    let full_chain = chain(&files);
    let (early_chain, late_chain) = full_chain.split_at(full_chain.len() - 1);
    let root = tempfile::tempdir().expect("tempdir");
    let net = SimNetwork::new(7);
    let mut nodes: Vec<SimNode> = (0..4)
        .map(|i| {
            let seeds = if i == 0 { vec![] } else { vec![hostport(0)] };
            start_with_share(&net, root.path(), (i, 4), &seeds, true, first, early_chain)
        })
        .collect();
    run_until(Duration::from_secs(200), || {
        nodes.iter().all(SimNode::complete)
    })
    .await
    .expect("the first four replicate");

    // A fifth node joins late, knowing only n2, holding nothing.
    let late_dir = root.path().join("n4");
    let late = open_node(node_config(&late_dir, 4, &[hostport(2)], true), early_chain);
    nodes.push(SimNode::start(&net, late, late_dir));
    run_until(Duration::from_secs(200), || nodes[4].complete())
        .await
        .expect("the late node catches up");

    // n3 crashes (its task is aborted mid-flight) and comes back from its directory.
    let n3 = nodes.remove(3);
    let before = n3.atlas.status();
    assert_eq!(before.zonefiles_held, before.zonefiles_expected);
    if let Some(c) = n3.crawler {
        c.abort();
    }
    net.detach(&n3.hostport);
    let dir = n3.dir.clone();
    drop(n3.atlas);
    let reopened = open_node(node_config(&dir, 3, &[hostport(0)], true), early_chain);
    let after = reopened.status();
    assert_eq!(after.zonefiles_expected, before.zonefiles_expected);
    assert_eq!(
        after.zonefiles_held, before.zonefiles_held,
        "nothing lost across the restart"
    );
    let peers_before: Vec<String> = before.peers.iter().map(|p| p.hostport.clone()).collect();
    assert!(peers_before.len() >= 2);
    assert_eq!(
        reopened.peer_hostports(),
        peers_before,
        "the peer table is kept in atlas.db"
    );
    for (hash, bytes) in first {
        assert_eq!(
            reopened.get_zonefile(hash).expect("get").as_deref(),
            Some(bytes.as_slice())
        );
    }
    nodes.insert(3, SimNode::start(&net, reopened, dir));

    // A new block announces twenty more files; a client uploads them to n1 only. With push on
    // they spread to everyone, the restarted node included.
    for n in &nodes {
        for (height, rows) in late_chain {
            n.atlas.add_block(*height, rows.clone()).expect("new block");
        }
    }
    assert!(nodes.iter().all(|n| !n.complete()));
    for (_, bytes) in later {
        assert!(nodes[1].atlas.put_zonefile(bytes).expect("upload").new);
    }
    run_until(Duration::from_secs(120), || {
        nodes.iter().all(SimNode::complete)
    })
    .await
    .expect("the new files reach every node");
    for n in nodes {
        if let Some(c) = n.crawler {
            c.stop().await;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn new_zonefiles_are_pushed_to_neighbours_that_lack_them() {
    for push in [true, false] {
        let files: Vec<_> = corpus().into_iter().skip(300).take(10).collect();
        let chain = chain(&files);
        let root = tempfile::tempdir().expect("tempdir");
        let net = SimNetwork::new(3);
        let mut nodes = Vec::new();
        for i in 0..2 {
            let dir = root.path().join(format!("n{i}"));
            let seeds = if i == 0 {
                vec![hostport(1)]
            } else {
                vec![hostport(0)]
            };
            let mut cfg = node_config(&dir, i, &seeds, push);
            // After its first pass, the receiver does not crawl again for hours: only a
            // push can bring it the new files.
            cfg.timing.crawl_interval = 100_000;
            nodes.push(SimNode::start(&net, open_node(cfg, &chain), dir));
        }
        tokio::time::sleep(Duration::from_secs(5)).await;
        for (_, bytes) in &files {
            nodes[0].atlas.put_zonefile(bytes).expect("upload");
        }
        let took = run_until(Duration::from_secs(60), || nodes[1].complete()).await;
        assert_eq!(took.is_some(), push, "push = {push}");
        for n in nodes {
            if let Some(c) = n.crawler {
                c.stop().await;
            }
        }
    }
}
