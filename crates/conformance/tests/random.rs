//! The long tier, behind a flag: `CONFORMANCE_RANDOM_CHAINS=N` random chains (seeds from
//! `CONFORMANCE_SEED`, default 1; about `CONFORMANCE_BLOCKS` blocks each, default 40), each
//! shrunk to a short reproduction when it diverges; with `CONFORMANCE_METHODS=1` every XML-RPC
//! method is compared on each finished chain too. Run with
//! `CONFORMANCE_RANDOM_CHAINS=5 cargo nextest run -p blockstack-conformance --run-ignored all random_chains`.

use blockstack_conformance::harness::{self, Options};
use blockstack_conformance::random::{generate, shrink};
use blockstack_conformance::Error;

fn env_u64(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "long tier: set CONFORMANCE_RANDOM_CHAINS and run ignored tests"]
async fn random_chains_have_no_divergence() {
    let chains = env_u64("CONFORMANCE_RANDOM_CHAINS", 1);
    let seed = env_u64("CONFORMANCE_SEED", 1);
    let blocks = env_u64("CONFORMANCE_BLOCKS", 40);
    let options = Options {
        methods: env_u64("CONFORMANCE_METHODS", 0) == 1,
    };
    let mut failures = Vec::new();
    for i in 0..chains {
        let scenario = generate(seed + i, blocks);
        let report = match harness::run_full(&scenario, options).await {
            Ok(r) => r,
            Err(Error::Unavailable(why)) => {
                eprintln!("SKIPPED random_chains_have_no_divergence: {why}");
                return;
            }
            Err(e) => panic!("seed {}: {e}", seed + i),
        };
        eprintln!("{report}");
        if let Some(m) = report.methods.as_ref().filter(|m| !m.is_clean()) {
            failures.push(format!("seed {}: XML-RPC methods differ\n{m}", seed + i));
        }
        if !report.divergences.is_empty() {
            let shrunk = shrink(scenario, report, 20).await.expect("shrink");
            failures.push(format!(
                "seed {}: shrunk in {} runs to {:#?}\n{}",
                seed + i,
                shrunk.runs,
                shrunk.scenario,
                shrunk.report
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
