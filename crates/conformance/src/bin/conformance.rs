//! The long tier: random chains against the original node, with shrinking.
//!
//! ```text
//! conformance [--chains N] [--seed S] [--blocks B] [--shrink-runs R] [--quick] [--methods]
//! ```
//!
//! Runs N random chains (seeds S, S+1, …) of about B blocks each, or the fixed quick chain with
//! `--quick`; `--methods` also compares every XML-RPC method on each finished chain. A diverging chain is shrunk with at most R further runs and the reproduction is
//! printed. Exit status 0 when nothing diverged, 1 on a divergence, 2 on a usage error, 3 when
//! the tools cannot run on this machine.

use std::process::ExitCode;

use blockstack_conformance::harness::{self, Options};
use blockstack_conformance::random::{generate, shrink};
use blockstack_conformance::scenario;
use blockstack_conformance::Error;

struct Args {
    chains: u64,
    seed: u64,
    blocks: u64,
    shrink_runs: usize,
    quick: bool,
    methods: bool,
}

fn parse() -> Result<Args, String> {
    let mut args = Args {
        chains: 1,
        seed: 1,
        blocks: 40,
        shrink_runs: 20,
        quick: false,
        methods: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut num = |name: &str| -> Result<u64, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{name} needs a number"))
        };
        match a.as_str() {
            "--chains" => args.chains = num("--chains")?,
            "--seed" => args.seed = num("--seed")?,
            "--blocks" => args.blocks = num("--blocks")?,
            "--shrink-runs" => {
                args.shrink_runs = usize::try_from(num("--shrink-runs")?).unwrap_or(usize::MAX)
            }
            "--quick" => args.quick = true,
            "--methods" => args.methods = true,
            "-h" | "--help" => {
                return Err(
                    "usage: conformance [--chains N] [--seed S] [--blocks B] [--shrink-runs R] [--quick] [--methods]"
                        .into(),
                )
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

async fn main_async(args: Args) -> Result<bool, Error> {
    let options = Options {
        methods: args.methods,
    };
    if args.quick {
        let report = harness::run_full(&scenario::quick(), options).await?;
        println!("{report}");
        return Ok(report.is_clean());
    }
    let mut clean = true;
    for i in 0..args.chains {
        let seed = args.seed.wrapping_add(i);
        let scenario = generate(seed, args.blocks);
        let report = harness::run_full(&scenario, options).await?;
        println!("{report}");
        if !report.divergences.is_empty() {
            clean = false;
            let shrunk = shrink(scenario, report, args.shrink_runs).await?;
            println!(
                "shrunk seed {seed} in {} runs to {} steps / {} ops:",
                shrunk.runs,
                shrunk.scenario.steps.len(),
                shrunk.scenario.op_count()
            );
            println!("{:#?}", shrunk.scenario);
            println!("{}", shrunk.report);
        } else if !report.is_clean() {
            clean = false;
        }
    }
    Ok(clean)
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(main_async(args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(Error::Unavailable(why)) => {
            eprintln!("cannot run here: {why}");
            ExitCode::from(3)
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}
