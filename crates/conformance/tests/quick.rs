//! The quick tier: fixed chains against the original v0.18 node.
//!
//! Each test skips (with the reason on stderr) when Python 2.7, the original node or the
//! regtest bitcoind cannot be installed or started on this machine.

use blockstack_conformance::harness::{self, Report, Scenario};
use blockstack_conformance::scenario;
use blockstack_conformance::Error;

async fn run_or_skip(test: &str, scenario: &Scenario) -> Option<Report> {
    match harness::run(scenario).await {
        Ok(report) => {
            eprintln!("{report}");
            Some(report)
        }
        Err(Error::Unavailable(why)) => {
            eprintln!("SKIPPED {test}: {why}");
            None
        }
        Err(e) => panic!("{test}: {e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smoke_chain_has_no_divergence() {
    let Some(report) = run_or_skip("smoke_chain_has_no_divergence", &scenario::smoke()).await
    else {
        return;
    };
    assert!(report.divergences.is_empty(), "{report}");
    assert!(report.accepted.values().sum::<usize>() >= 8, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_chain_has_no_divergence() {
    let Some(report) = run_or_skip("quick_chain_has_no_divergence", &scenario::quick()).await
    else {
        return;
    };
    assert!(report.ops_skipped.is_empty(), "{report}");
    assert!(report.divergences.is_empty(), "{report}");
}
