//! The long tier: random chains against the original node, with shrinking.
//!
//! ```text
//! conformance [--chains N] [--seed S] [--blocks B] [--shrink-runs R] [--quick] [--methods]
//!             [--jobs J] [--log FILE]
//! ```
//!
//! `--jobs J` runs J chains at once (each with its own bitcoind and original node; the
//! original spends most of a chain waiting on its poll, so a few at once use the machine
//! better). `--log FILE` appends one JSON line per finished chain (seed, blocks, ops, clean)
//! and skips the seeds FILE already records as clean, so a long tier can be run in parts.
//!
//! Runs N random chains (seeds S, S+1, …) of about B blocks each, or the fixed quick chain with
//! `--quick`; `--methods` also compares every XML-RPC method on each finished chain. A diverging chain is shrunk with at most R further runs and the reproduction is
//! printed. Exit status 0 when nothing diverged, 1 on a divergence, 2 on a usage error, 3 when
//! the tools cannot run on this machine.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tokio::task::JoinSet;

use blockstack_conformance::harness::{self, Options, Report, Scenario};
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
    jobs: u64,
    log: Option<PathBuf>,
}

fn parse() -> Result<Args, String> {
    let mut args = Args {
        chains: 1,
        seed: 1,
        blocks: 40,
        shrink_runs: 20,
        quick: false,
        methods: false,
        jobs: 1,
        log: None,
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
            "--jobs" => args.jobs = num("--jobs")?.max(1),
            "--log" => {
                args.log = Some(
                    it.next()
                        .map(PathBuf::from)
                        .ok_or_else(|| "--log needs a file".to_string())?,
                )
            }
            "-h" | "--help" => {
                return Err(
                    "usage: conformance [--chains N] [--seed S] [--blocks B] [--shrink-runs R] [--quick] [--methods] [--jobs J] [--log FILE]"
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
    let done = match &args.log {
        Some(path) => clean_seeds(path)?,
        None => HashSet::new(),
    };
    let mut seeds = (0..args.chains)
        .map(|i| args.seed.wrapping_add(i))
        .filter(|seed| !done.contains(seed));
    let commit = args.log.as_ref().and_then(|_| tree_commit());
    let mut running = JoinSet::new();
    let mut clean = true;
    loop {
        while running.len() < usize::try_from(args.jobs).unwrap_or(usize::MAX) {
            let Some(seed) = seeds.next() else { break };
            let scenario = generate(seed, args.blocks);
            running.spawn(async move {
                let report = harness::run_full(&scenario, options).await;
                (seed, scenario, report)
            });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        let (seed, scenario, report) =
            joined.map_err(|e| Error::Chain(format!("a chain's task failed: {e}")))?;
        let report = match report {
            Ok(r) => r,
            Err(Error::Unavailable(why)) => return Err(Error::Unavailable(why)),
            Err(e) => {
                // A chain that could not be run (a tool that failed to start, a port taken
                // by a neighbour) is reported and left for the next run; the others go on.
                eprintln!("seed {seed}: not run: {e}");
                clean = false;
                continue;
            }
        };
        println!("{report}");
        if let Some(path) = &args.log {
            append_log(path, commit.as_deref(), seed, &scenario, &report)?;
        }
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

/// The seeds a log records as clean.
fn clean_seeds(path: &Path) -> Result<HashSet<u64>, Error> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(e) => return Err(Error::Chain(format!("read {}: {e}", path.display()))),
    };
    Ok(text
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|v| v["clean"] == true)
        .filter_map(|v| v["seed"].as_u64())
        .collect())
}

/// The commit the run was built from: `$CONFORMANCE_COMMIT`, else `git rev-parse HEAD` in the
/// current directory, else null — so a log kept with the sources says which tree each chain
/// was checked on.
fn tree_commit() -> Option<String> {
    if let Ok(c) = std::env::var("CONFORMANCE_COMMIT") {
        return Some(c);
    }
    let out = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Appends one chain's outcome to the log.
fn append_log(
    path: &Path,
    commit: Option<&str>,
    seed: u64,
    scenario: &Scenario,
    report: &Report,
) -> Result<(), Error> {
    let line = serde_json::json!({
        "seed": seed,
        "scenario": report.scenario,
        "blocks": report.tip.saturating_sub(report.first_block) + 1,
        "ops": scenario.op_count(),
        "divergences": report.divergences.len(),
        "clean": report.is_clean(),
        "commit": commit,
    });
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::Chain(format!("open {}: {e}", path.display())))?;
    writeln!(file, "{line}").map_err(|e| Error::Chain(format!("write {}: {e}", path.display())))
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
