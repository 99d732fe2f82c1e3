//! Runs scenarios: one world per rule profile, every selected scenario of the profile
//! concurrently on it, then the world-wide checks the original ran after each scenario
//! (integration-tests.md §2 step 11): the consensus hashes survive a restart of the node, and a
//! fresh node indexing the same chain from scratch reaches the same consensus hash at every
//! block and replicates every zone file through Atlas.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::catalog::Scenario;
use crate::clock::Clock;
use crate::error::{Failure, Outcome};
use crate::node::EmbeddedNode;
use crate::profile::Profile;
use crate::scene::Scene;
use crate::world::{Backend, World};

/// The longest a scenario may run.
pub const SCENARIO_TIMEOUT: Duration = Duration::from_secs(420);
/// How long the fresh node may take to catch up.
const FOLLOWER_TIMEOUT: Duration = Duration::from_secs(180);

/// The result of one scenario (or world-wide check).
#[derive(Debug)]
pub struct Result {
    /// The scenario's name.
    pub name: String,
    /// Pass, or the first mismatch.
    pub outcome: Outcome,
    /// For a scenario marked with a known divergence: the failure it showed.
    pub known_divergence: Option<String>,
    /// How long it ran.
    pub elapsed: Duration,
}

/// What a run of one world found.
#[derive(Debug)]
pub struct Report {
    /// The backend.
    pub backend: &'static str,
    /// The profile.
    pub profile: Profile,
    /// One entry per scenario, then the world-wide checks.
    pub results: Vec<Result>,
    /// Blocks the scenarios mined.
    pub blocks: u64,
    /// Wall-clock time of the whole run.
    pub elapsed: Duration,
}

impl Report {
    /// The failed entries.
    pub fn failures(&self) -> Vec<&Result> {
        self.results.iter().filter(|r| r.outcome.is_err()).collect()
    }

    /// A table of every entry, one line each.
    pub fn render(&self) -> String {
        let mut out = format!(
            "{} scenarios on the {} ({} blocks, {:.1} s):\n",
            self.profile.name(),
            self.backend,
            self.blocks,
            self.elapsed.as_secs_f64()
        );
        for r in &self.results {
            let verdict = match (&r.outcome, &r.known_divergence) {
                (Ok(()), None) => "PASS".to_owned(),
                (Ok(()), Some(seen)) => format!("KNOWN DIVERGENCE {seen}"),
                (Err(e), _) => format!("FAIL {e}"),
            };
            out.push_str(&format!(
                "  {:<58} {:>6.1} s  {verdict}\n",
                r.name,
                r.elapsed.as_secs_f64()
            ));
        }
        out
    }

    /// Prints the table and panics naming every failure.
    pub fn assert_passed(&self) {
        eprintln!("{}", self.render());
        let failures = self.failures();
        if !failures.is_empty() {
            let list: Vec<String> = failures
                .iter()
                .map(|r| match &r.outcome {
                    Err(e) => format!("{}: {e}", r.name),
                    Ok(()) => r.name.clone(),
                })
                .collect();
            panic!(
                "{} of {} failed:\n{}",
                failures.len(),
                self.results.len(),
                list.join("\n")
            );
        }
    }
}

/// The scenarios of `profile` whose name contains the `BNS_SCENARIOS` filter (all without
/// one); on a regtest backend only those marked for it.
pub fn select(
    scenarios: &'static [Scenario],
    profile: Profile,
    regtest: bool,
) -> Vec<&'static Scenario> {
    let filter = std::env::var("BNS_SCENARIOS").ok();
    scenarios
        .iter()
        .filter(|s| s.profile == profile && (!regtest || s.regtest))
        .filter(|s| {
            filter
                .as_deref()
                .is_none_or(|f| f.split(',').any(|part| s.name.contains(part.trim())))
        })
        .collect()
}

fn panic_message(e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "a panic".to_owned()),
        Err(e) => e.to_string(),
    }
}

/// Runs `scenarios` on a new world of `profile` over `backend`, then the world-wide checks.
pub async fn run(backend: Backend, profile: Profile, scenarios: &[&'static Scenario]) -> Report {
    let started = Instant::now();
    let backend_name = backend.name();
    let failed_setup = |e: String| Report {
        backend: backend_name,
        profile,
        results: vec![Result {
            name: "world setup".into(),
            outcome: Err(Failure::step(0, "starting the world", e)),
            known_divergence: None,
            elapsed: started.elapsed(),
        }],
        blocks: 0,
        elapsed: started.elapsed(),
    };
    let world = match World::start(backend, profile).await {
        Ok(w) => w,
        Err(e) => return failed_setup(e.to_string()),
    };
    let mut clock = Clock::default();
    let mut handles = Vec::new();
    for scenario in scenarios {
        let scene = Scene::new(Arc::clone(&world), clock.ticket(), scenario.name);
        let run = scenario.run;
        let handle = tokio::spawn(async move {
            let begun = Instant::now();
            let outcome = match tokio::time::timeout(SCENARIO_TIMEOUT, run(scene)).await {
                Ok(outcome) => outcome,
                Err(_) => Err(Failure::step(
                    0,
                    "running",
                    format!("timed out after {} s", SCENARIO_TIMEOUT.as_secs()),
                )),
            };
            (outcome, begun.elapsed())
        });
        handles.push((*scenario, handle));
    }
    let driver = tokio::spawn(clock.drive(Arc::clone(&world)));
    let mut results = Vec::new();
    for (scenario, handle) in handles {
        let (outcome, elapsed) = match handle.await {
            Ok(done) => done,
            Err(e) => (
                Err(Failure::step(world.height(), "running", panic_message(e))),
                Duration::ZERO,
            ),
        };
        let (outcome, known_divergence) = match (scenario.divergence, outcome) {
            (None, outcome) => (outcome, None),
            (Some(_), Err(seen)) => (Ok(()), Some(seen.to_string())),
            (Some(d), Ok(())) => (
                Err(Failure::step(
                    world.height(),
                    "known divergence",
                    format!("the scenario passes now; remove its divergence mark ({d})"),
                )),
                None,
            ),
        };
        results.push(Result {
            name: scenario.name.to_owned(),
            outcome,
            known_divergence,
            elapsed,
        });
    }
    let blocks = match driver.await {
        Ok(Ok(n)) => n,
        Ok(Err(e)) => {
            results.push(Result {
                name: "world clock".into(),
                outcome: Err(Failure::step(world.height(), "mining", e)),
                known_divergence: None,
                elapsed: Duration::ZERO,
            });
            0
        }
        Err(e) => {
            results.push(Result {
                name: "world clock".into(),
                outcome: Err(Failure::step(world.height(), "mining", panic_message(e))),
                known_divergence: None,
                elapsed: Duration::ZERO,
            });
            0
        }
    };
    let (checks, follower) = world_checks(&world).await;
    for (name, outcome, elapsed) in checks {
        results.push(Result {
            name,
            outcome,
            known_divergence: None,
            elapsed,
        });
    }
    // The fresh node goes first, while the chain it follows is still up.
    if let Some(mut follower) = follower {
        let _ = follower.stop().await;
    }
    let _ = world.shutdown().await;
    Report {
        backend: backend_name,
        profile,
        results,
        blocks,
        elapsed: started.elapsed(),
    }
}

/// The checks that cover every scenario of the world at once; also returns the fresh node,
/// still running.
async fn world_checks(world: &World) -> (Vec<(String, Outcome, Duration)>, Option<EmbeddedNode>) {
    let mut out = Vec::new();
    let begun = Instant::now();
    let restart = restart_keeps_consensus(world).await;
    out.push((
        "world: the node restarts with the same consensus hashes".to_owned(),
        restart,
        begun.elapsed(),
    ));
    let begun = Instant::now();
    let (reindex, follower) = fresh_node_agrees(world).await;
    out.push((
        "world: a fresh node reindexes to the same hashes and zone files".to_owned(),
        reindex,
        begun.elapsed(),
    ));
    (out, follower)
}

async fn restart_keeps_consensus(world: &World) -> Outcome {
    let dir = world.node_dir().await;
    let fail = |step: &str, e: &dyn std::fmt::Display| Failure::step(world.height(), step, e);
    let before = World::consensus_hashes(&dir, world.rules()).map_err(|e| fail("reading", &e))?;
    world.restart().await.map_err(|e| fail("restarting", &e))?;
    let after = World::consensus_hashes(&dir, world.rules()).map_err(|e| fail("reading", &e))?;
    if before != after {
        let at = before
            .iter()
            .zip(&after)
            .position(|(a, b)| a != b)
            .map_or(before.len().min(after.len()) + 1, |i| i + 1);
        return Err(Failure::mismatch(
            world.height(),
            format!("consensus hash of block {at} after the restart"),
            format!("{:?}", before.get(at - 1)),
            format!("{:?}", after.get(at - 1)),
        ));
    }
    // The restarted node keeps indexing.
    let height = world.mine(1).await.map_err(|e| fail("mining", &e))?;
    if height != before.len() as u64 + 1 {
        return Err(Failure::mismatch(
            height,
            "height after the restart",
            before.len() + 1,
            height,
        ));
    }
    Ok(())
}

async fn fresh_node_agrees(world: &World) -> (Outcome, Option<EmbeddedNode>) {
    let fail = |step: &str, e: &dyn std::fmt::Display| Failure::step(world.height(), step, e);
    let main_dir = world.node_dir().await;
    let expected = match World::consensus_hashes(&main_dir, world.rules()) {
        Ok(e) => e,
        Err(e) => return (Err(fail("reading", &e)), None),
    };
    let dir = main_dir.with_file_name("fresh-node");
    let follower = match world.start_follower(&dir).await {
        Ok(f) => f,
        Err(e) => return (Err(fail("starting a fresh node", &e)), None),
    };
    let client = match follower.endpoints().node_client() {
        Ok(c) => c,
        Err(e) => return (Err(fail("fresh node client", &e)), Some(follower)),
    };
    let tip = expected.len() as u64;
    let deadline = Instant::now() + FOLLOWER_TIMEOUT;
    let outcome = async {
        loop {
            let info = client.getinfo().await.ok();
            if info.as_ref().is_some_and(|i| i.last_block_processed >= tip) {
                break;
            }
            if Instant::now() > deadline {
                return Err(Failure::mismatch(
                    world.height(),
                    "fresh node progress",
                    format!("block {tip} indexed"),
                    format!("block {}", info.map_or(0, |i| i.last_block_processed)),
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let got = World::consensus_hashes(&dir, world.rules()).map_err(|e| fail("reading", &e))?;
        for (i, (want, have)) in expected.iter().zip(&got).enumerate() {
            if want != have {
                return Err(Failure::mismatch(
                    world.height(),
                    format!("fresh node's consensus hash of block {}", i + 1),
                    format!("{want:?}"),
                    format!("{have:?}"),
                ));
            }
        }
        crate::replication::replicated(world, &client, deadline).await
    }
    .await;
    (outcome, Some(follower))
}
