//! Every scenario on the devnet: one world per rule profile, its scenarios run concurrently,
//! each reported with its first mismatch, then the world-wide restart and reindex checks.

use blockstack_scenarios::catalog::SCENARIOS;
use blockstack_scenarios::runner::{run, select};
use blockstack_scenarios::{Backend, Profile};

async fn run_profile(profile: Profile) {
    let selected = select(SCENARIOS, profile, false);
    if selected.is_empty() {
        eprintln!("no {} scenario selected", profile.name());
        return;
    }
    run(Backend::Devnet, profile, &selected)
        .await
        .assert_passed();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn epoch3_scenarios() {
    run_profile(Profile::Epoch3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn short_life_scenarios() {
    run_profile(Profile::ShortLife).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn epoch1_scenarios() {
    run_profile(Profile::Epoch1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn epoch_change_scenarios() {
    run_profile(Profile::EpochChange).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn registrar_scenarios() {
    run_profile(Profile::Registrar).await;
}
