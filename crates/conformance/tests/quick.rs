//! The quick tier: the fixed chain against the original node.

use blockstack_conformance::harness;
use blockstack_conformance::scenario;
use blockstack_conformance::Error;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smoke_chain_has_no_divergence() {
    let report = match harness::run(&scenario::smoke()).await {
        Ok(r) => r,
        Err(Error::Unavailable(why)) => {
            eprintln!("SKIPPED smoke_chain_has_no_divergence: {why}");
            return;
        }
        Err(e) => panic!("{e}"),
    };
    eprintln!("{report}");
    assert!(report.divergences.is_empty(), "{report}");
}
