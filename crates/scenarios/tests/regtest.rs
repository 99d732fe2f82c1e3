//! The scenarios marked for it, against a real regtest bitcoind (Bitcoin SV, FORKID
//! signatures): the same steps and checks as on the devnet, so the devnet cannot drift from a
//! real node's behaviour. Skipped, with the reason printed, only when the regtest bitcoind
//! cannot be installed (`BITCOIND_REGTEST_REQUIRED=1` makes that a failure).

use blockstack_node::testing::RegtestNode;
use blockstack_scenarios::catalog::SCENARIOS;
use blockstack_scenarios::runner::{run, select};
use blockstack_scenarios::{Backend, Profile};

async fn run_profile(test: &str, profile: Profile) {
    let selected = select(SCENARIOS, profile, true);
    if selected.is_empty() {
        eprintln!("no {} scenario selected", profile.name());
        return;
    }
    let Some(bitcoind) = RegtestNode::start(test) else {
        return;
    };
    let url = format!(
        "http://{}:{}@127.0.0.1:{}/",
        bitcoind.user, bitcoind.password, bitcoind.port
    );
    run(Backend::Regtest { url }, profile, &selected)
        .await
        .assert_passed();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn epoch3_scenarios_on_regtest() {
    run_profile("epoch3_scenarios_on_regtest", Profile::Epoch3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn short_life_scenarios_on_regtest() {
    run_profile("short_life_scenarios_on_regtest", Profile::ShortLife).await;
}
