//! The registrar's pipeline against a simulated chain and node: every stage, restarts between
//! stages, dropped and refused transactions, and the confirmation counts.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use blockstack_consensus::hash::value_hash_hex;
use blockstack_registrar::{
    NameStatus, Queue, RegisterRequest, Registrar, RegistrarConfig, RenewRequest, Stage,
    SubmitError,
};

mod support;
use support::{Kind, Sim};

fn registrar(sim: &Sim, path: &Path, config: RegistrarConfig) -> Registrar<Sim> {
    Registrar::new(Queue::open(path).unwrap(), sim.clone(), config)
}

fn request(name: &str, zonefile: Option<&str>, transfer: Option<&str>) -> RegisterRequest {
    RegisterRequest {
        name: name.into(),
        zonefile: zonefile.map(|z| z.as_bytes().to_vec()),
        transfer_address: transfer.map(str::to_string),
        ..RegisterRequest::default()
    }
}

/// Mines a block and runs a pass, `n` times.
async fn blocks_and_passes(sim: &Sim, reg: &Registrar<Sim>, n: usize) {
    for _ in 0..n {
        sim.mine(1);
        reg.pass().await.unwrap();
    }
}

fn stages(reg: &Registrar<Sim>) -> Vec<(String, Stage)> {
    reg.queue()
        .all()
        .unwrap()
        .into_iter()
        .map(|j| (j.name, j.stage))
        .collect()
}

#[tokio::test]
async fn a_registration_goes_preorder_register_update_replicate_transfer() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::default();
    let reg = registrar(&sim, &dir.path().join("q.db"), RegistrarConfig::test_mode());
    let zonefile = "$ORIGIN a.test\n$TTL 3600\n";
    let submitted = reg
        .register(request("a.test", Some(zonefile), Some("friend")))
        .await
        .unwrap();
    assert_eq!(
        submitted.zonefile_hash,
        Some(value_hash_hex(zonefile.as_bytes()))
    );
    assert_eq!(stages(&reg), [("a.test".to_string(), Stage::Preorder)]);

    // Unconfirmed: nothing moves.
    reg.pass().await.unwrap();
    assert_eq!(stages(&reg), [("a.test".to_string(), Stage::Preorder)]);

    blocks_and_passes(&sim, &reg, 1).await;
    assert_eq!(stages(&reg), [("a.test".to_string(), Stage::Register)]);
    blocks_and_passes(&sim, &reg, 1).await;
    assert_eq!(stages(&reg), [("a.test".to_string(), Stage::Update)]);
    assert!(
        sim.world().pushed.is_empty(),
        "replicated before the hash is on chain"
    );
    blocks_and_passes(&sim, &reg, 1).await;
    assert_eq!(stages(&reg), [("a.test".to_string(), Stage::Transfer)]);
    assert_eq!(sim.world().pushed, [zonefile.as_bytes().to_vec()]);
    blocks_and_passes(&sim, &reg, 1).await;
    assert!(stages(&reg).is_empty());

    let w = sim.world();
    let status = &w.names["a.test"];
    assert_eq!(status.owner_address.as_deref(), Some("friend"));
    assert_eq!(status.value_hash, submitted.zonefile_hash);
    let kinds: Vec<&Kind> = w.built.iter().map(|(_, k)| k).collect();
    assert_eq!(kinds.len(), 4, "one transaction per stage: {kinds:?}");
    assert!(w.broadcasts.values().all(|&n| n == 1));
}

#[tokio::test]
async fn in_epoch_3_the_registration_carries_the_zonefile_hash_and_no_update_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::default();
    sim.world().regup = true;
    let reg = registrar(&sim, &dir.path().join("q.db"), RegistrarConfig::test_mode());
    reg.register(request("a.test", Some("zf"), None))
        .await
        .unwrap();
    blocks_and_passes(&sim, &reg, 1).await;
    assert_eq!(stages(&reg), [("a.test".to_string(), Stage::Register)]);
    blocks_and_passes(&sim, &reg, 1).await;
    assert!(stages(&reg).is_empty());
    assert_eq!(sim.built(|k| matches!(k, Kind::Update { .. })), 0);
    assert_eq!(sim.world().pushed.len(), 1);
    assert_eq!(
        sim.world().names["a.test"].value_hash,
        Some(value_hash_hex(b"zf"))
    );
}

#[tokio::test]
async fn a_crash_between_recording_and_sending_the_registration_sends_the_recorded_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    let sim = Sim::default();
    {
        let reg = registrar(&sim, &path, RegistrarConfig::test_mode());
        reg.register(request("a.test", None, None)).await.unwrap();
        sim.mine(1);
        sim.world().broadcast_down = true;
        reg.pass().await.unwrap();
        let job = reg.queue().get("a.test", Stage::Register).unwrap().unwrap();
        assert!(!job.tx.broadcast, "recorded, not sent");
        assert_eq!(job.errors, ["bitcoind is down"]);
    } // the process dies here
    sim.world().broadcast_down = false;
    let reg = registrar(&sim, &path, RegistrarConfig::test_mode());
    reg.pass().await.unwrap();
    let job = reg.queue().get("a.test", Stage::Register).unwrap().unwrap();
    assert!(job.tx.broadcast);
    blocks_and_passes(&sim, &reg, 1).await;
    assert!(stages(&reg).is_empty());
    assert_eq!(sim.built(|k| *k == Kind::Preorder), 1);
    assert_eq!(sim.built(|k| matches!(k, Kind::Register { .. })), 1);
    assert!(sim.world().names["a.test"].registered);
}

#[tokio::test]
async fn a_transaction_the_chain_forgot_is_sent_again_as_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    let sim = Sim::default();
    let reg = registrar(&sim, &path, RegistrarConfig::test_mode());
    sim.world().offline = true;
    assert!(matches!(
        reg.register(request("a.test", None, None)).await,
        Err(SubmitError::Unavailable(_))
    ));
    assert!(stages(&reg).is_empty(), "a failed build queues nothing");
    sim.world().offline = false;

    reg.register(request("b.test", None, None)).await.unwrap();
    let first = reg.queue().get("b.test", Stage::Preorder).unwrap().unwrap();
    // The mempool forgets it (evicted, or bitcoind restarted without it).
    sim.world().mempool.clear();
    drop(reg);
    let reg = registrar(&sim, &path, RegistrarConfig::test_mode());
    reg.pass().await.unwrap();
    assert_eq!(sim.world().broadcasts[&first.tx.txid], 2);
    assert_eq!(sim.built(|k| *k == Kind::Preorder), 1);
    blocks_and_passes(&sim, &reg, 2).await;
    assert!(sim.world().names["b.test"].registered);
}

#[tokio::test]
async fn a_submission_sent_while_bitcoind_is_unreachable_is_queued_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::default();
    let reg = registrar(&sim, &dir.path().join("q.db"), RegistrarConfig::test_mode());
    sim.world().broadcast_down = true;
    let submitted = reg.register(request("a.test", None, None)).await.unwrap();
    assert_eq!(submitted.warning.as_deref(), Some("bitcoind is down"));
    sim.world().broadcast_down = false;
    reg.pass().await.unwrap();
    blocks_and_passes(&sim, &reg, 2).await;
    assert!(sim.world().names["a.test"].registered);
}

#[tokio::test]
async fn a_refused_submission_leaves_nothing_queued_and_a_second_one_is_already_in_queue() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::default();
    let reg = registrar(&sim, &dir.path().join("q.db"), RegistrarConfig::test_mode());
    sim.world().refuse = Some("bad-txns-inputs-missingorspent".into());
    let err = reg
        .register(request("a.test", None, None))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "bad-txns-inputs-missingorspent");
    assert!(stages(&reg).is_empty());

    reg.register(request("a.test", None, None)).await.unwrap();
    let err = reg
        .register(request("a.test", None, None))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "Already in queue.");
    assert_eq!(sim.built(|k| *k == Kind::Preorder), 2);
    sim.world().refuse_builds = true;
    assert!(matches!(
        reg.revoke("c.test").await,
        Err(SubmitError::Refused(msg)) if msg == "not enough funds"
    ));
}

#[tokio::test]
async fn a_name_registered_by_someone_else_drops_the_preorder() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::default();
    let reg = registrar(&sim, &dir.path().join("q.db"), RegistrarConfig::test_mode());
    reg.register(request("a.test", None, None)).await.unwrap();
    sim.world().names.insert(
        "a.test".into(),
        NameStatus {
            registered: true,
            owner_address: Some("someone".into()),
            ..NameStatus::default()
        },
    );
    blocks_and_passes(&sim, &reg, 1).await;
    assert!(stages(&reg).is_empty());
    assert_eq!(sim.built(|k| matches!(k, Kind::Register { .. })), 0);
}

#[tokio::test]
async fn replication_waits_for_the_node_to_show_the_hash() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::default();
    sim.world().regup = true;
    let reg = registrar(&sim, &dir.path().join("q.db"), RegistrarConfig::test_mode());
    reg.register(request("a.test", Some("zf"), None))
        .await
        .unwrap();
    blocks_and_passes(&sim, &reg, 1).await;
    sim.world().node_frozen = true;
    blocks_and_passes(&sim, &reg, 3).await;
    let job = reg.queue().get("a.test", Stage::Register).unwrap().unwrap();
    assert_eq!(job.errors, ["Zonefile hash not yet replicated"]);
    assert!(sim.world().pushed.is_empty());
    sim.world().node_frozen = false;
    reg.pass().await.unwrap();
    assert!(stages(&reg).is_empty());
    assert_eq!(sim.world().pushed.len(), 1);
}

#[tokio::test]
async fn the_originals_confirmation_counts_apply_safe_and_unsafe() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::default();
    let reg = registrar(&sim, &dir.path().join("q.db"), RegistrarConfig::default());
    reg.register(request("safe.test", None, None))
        .await
        .unwrap();
    reg.register(RegisterRequest {
        unsafe_reg: true,
        ..request("fast.test", None, None)
    })
    .await
    .unwrap();
    blocks_and_passes(&sim, &reg, 3).await;
    assert_eq!(
        stages(&reg),
        [
            ("fast.test".to_string(), Stage::Preorder),
            ("safe.test".to_string(), Stage::Preorder)
        ]
    );
    blocks_and_passes(&sim, &reg, 1).await; // 4 confirmations
    assert_eq!(
        stages(&reg),
        [
            ("safe.test".to_string(), Stage::Preorder),
            ("fast.test".to_string(), Stage::Register)
        ]
    );
    blocks_and_passes(&sim, &reg, 1).await; // the unsafe register has 1
    assert_eq!(stages(&reg), [("safe.test".to_string(), Stage::Preorder)]);
    blocks_and_passes(&sim, &reg, 5).await; // 10 on the safe preorder
    assert_eq!(stages(&reg), [("safe.test".to_string(), Stage::Register)]);
    blocks_and_passes(&sim, &reg, 9).await;
    assert_eq!(stages(&reg), [("safe.test".to_string(), Stage::Register)]);
    blocks_and_passes(&sim, &reg, 1).await;
    assert!(stages(&reg).is_empty());
}

/// A test-mode registrar over a new queue, with a registration of `name` queued (preordered).
async fn preordered(name: &str) -> (tempfile::TempDir, Sim, Registrar<Sim>) {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::default();
    let reg = registrar(&sim, &dir.path().join("q.db"), RegistrarConfig::test_mode());
    reg.register(request(name, None, None)).await.unwrap();
    (dir, sim, reg)
}

#[tokio::test]
async fn a_preorder_that_cannot_be_registered_is_dropped_after_130_confirmations() {
    let (_dir, sim, reg) = preordered("a.test").await;
    sim.world().refuse_builds = true;
    blocks_and_passes(&sim, &reg, 130).await;
    let job = reg.queue().get("a.test", Stage::Preorder).unwrap().unwrap();
    assert_eq!(job.errors, ["not enough funds"]);
    blocks_and_passes(&sim, &reg, 1).await;
    assert!(stages(&reg).is_empty());
}

#[tokio::test]
async fn a_preorder_found_after_130_confirmations_is_still_registered() {
    let (_dir, sim, reg) = preordered("a.test").await;
    // The registrar was down while 135 blocks were mined on its preorder.
    sim.mine(135);
    reg.pass().await.unwrap();
    assert_eq!(stages(&reg), [("a.test".to_string(), Stage::Register)]);
}

#[tokio::test]
async fn a_preorder_made_by_another_wallet_is_not_registered() {
    let (_dir, sim, reg) = preordered("a.test").await;
    // Restarted with another wallet before the preorder confirmed.
    sim.world().other_wallet = true;
    blocks_and_passes(&sim, &reg, 3).await;
    let job = reg.queue().get("a.test", Stage::Preorder).unwrap().unwrap();
    assert_eq!(
        job.errors.last().map(String::as_str),
        Some(
            "a.test was preordered by payment address payer-address for owner owner-address, \
             not by this wallet (other-payer, other-owner)"
        )
    );
    assert_eq!(
        sim.world().built.len(),
        1,
        "no registration is built: {:?}",
        sim.world().built
    );
    // Back with the wallet that made it: the registration goes out.
    sim.world().other_wallet = false;
    blocks_and_passes(&sim, &reg, 1).await;
    assert_eq!(stages(&reg), [("a.test".to_string(), Stage::Register)]);
}

#[tokio::test]
async fn updates_transfers_renewals_and_revokes_finish_once_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::default();
    let reg = registrar(&sim, &dir.path().join("q.db"), RegistrarConfig::test_mode());
    let up = reg
        .update("u.test", Some(b"new zonefile".to_vec()), None)
        .await
        .unwrap();
    assert_eq!(up.zonefile_hash, Some(value_hash_hex(b"new zonefile")));
    reg.update("h.test", None, Some("00".repeat(20)))
        .await
        .unwrap();
    reg.transfer("t.test", "friend").await.unwrap();
    reg.renew(RenewRequest {
        name: "r.test".into(),
        ..RenewRequest::default()
    })
    .await
    .unwrap();
    reg.revoke("v.test").await.unwrap();
    assert_eq!(stages(&reg).len(), 5);
    blocks_and_passes(&sim, &reg, 1).await;
    assert!(stages(&reg).is_empty(), "{:?}", stages(&reg));
    assert_eq!(sim.world().pushed, [b"new zonefile".to_vec()]);
    assert_eq!(
        sim.world().names["t.test"].owner_address.as_deref(),
        Some("friend")
    );
    assert!(matches!(
        reg.update("x.test", None, None).await,
        Err(SubmitError::Refused(_))
    ));
}

#[tokio::test]
async fn the_run_loop_passes_when_the_tip_moves_and_stops_on_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::default();
    let mut config = RegistrarConfig::test_mode();
    config.poll_interval = std::time::Duration::from_secs(3600);
    let reg = std::sync::Arc::new(registrar(&sim, &dir.path().join("q.db"), config));
    reg.register(request("a.test", None, None)).await.unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(reg.clone().run(stopped));
    // The first pass runs at once, while the preorder is unconfirmed.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(stages(&reg), [("a.test".to_string(), Stage::Preorder)]);
    sim.mine(1);
    // With an hour between polls, only the moving tip can make it register.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while stages(&reg) != [("a.test".to_string(), Stage::Register)] {
        assert!(std::time::Instant::now() < deadline, "{:?}", stages(&reg));
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    stop.send(true).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(5), task)
        .await
        .expect("the loop stops")
        .unwrap();
}
