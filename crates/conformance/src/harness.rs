//! One differential run: fund, drive the scenario, index it on our side, let the original node
//! index the same chain, compare block by block, and time both.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::{Duration, Instant};

use blockstack_consensus::StateView;
use blockstack_node::chain::BitcoindClient;
use serde_json::Value as Json;

use crate::bitcoind::Bitcoind;
use crate::daemon::OurDaemon;
use crate::driver::{Driver, FUNDING_BLOCKS};
use crate::methods::{self, MethodReport};
use crate::normalize::{
    diff, diff_present, history_ours, history_theirs, name_ours, name_theirs, namespace_ours,
    namespace_theirs,
};
use crate::ops::{Op, Step};
use crate::ours::{rules, AcceptedOp, OurNode};
use crate::reference::{self, Knobs, ReferenceNode};
use crate::rpc_client::Answer;
use crate::Error;

/// The first block of every chain: after the funding coinbases and their maturity.
pub const FIRST_BLOCK: u64 = FUNDING_BLOCKS + 1;

/// A chain to compare: epoch layout and steps.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// A label for reports.
    pub name: String,
    /// Blocks of epoch 1 from the first block (0: epoch 3 from the start).
    pub epoch1_blocks: u64,
    /// Blocks of epoch 2 after epoch 1 (0 with `epoch1_blocks` 0: epoch 3 from the start).
    pub epoch2_blocks: u64,
    /// The epoch-3 grace period.
    pub grace: u64,
    /// Blocks a revealed namespace has to become ready.
    pub reveal_expire: u64,
    /// The steps, from the first block on.
    pub steps: Vec<Step>,
}

impl Scenario {
    /// The test-mode knobs both nodes get.
    pub fn knobs(&self) -> Knobs {
        let f = FIRST_BLOCK;
        let (e1, e2) = if self.epoch1_blocks == 0 && self.epoch2_blocks == 0 {
            (f - 6, f - 5)
        } else {
            let e1 = f + self.epoch1_blocks - 1;
            (e1, e1 + self.epoch2_blocks)
        };
        Knobs {
            first_block: f,
            epoch1_end: e1,
            epoch2_end: e2,
            epoch3_grace: self.grace,
            reveal_expire: self.reveal_expire,
        }
    }

    /// Ops in the scenario.
    pub fn op_count(&self) -> usize {
        self.steps.iter().map(Step::ops).sum()
    }
}

/// One difference between the two nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence {
    /// The block it shows at.
    pub block: u64,
    /// What differs.
    pub what: String,
    /// Our value.
    pub ours: String,
    /// The original's value.
    pub theirs: String,
    /// The ops sent in that block, for context.
    pub context: Vec<String>,
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "block {}: {}", self.block, self.what)?;
        writeln!(f, "  ours:   {}", self.ours)?;
        writeln!(f, "  theirs: {}", self.theirs)?;
        for c in &self.context {
            writeln!(f, "  sent: {c}")?;
        }
        Ok(())
    }
}

/// Latency figures of one lookup kind.
#[derive(Clone, Debug, Default)]
pub struct Latency {
    /// Lookups made.
    pub count: usize,
    /// Mean.
    pub mean: Duration,
    /// Median.
    pub median: Duration,
}

impl Latency {
    fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort();
        let count = samples.len();
        let total: Duration = samples.iter().sum();
        Self {
            count,
            mean: total / u32::try_from(count.max(1)).unwrap_or(1),
            median: samples.get(count / 2).copied().unwrap_or_default(),
        }
    }
}

/// The result of one run.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Scenario label.
    pub scenario: String,
    /// First block processed.
    pub first_block: u64,
    /// Last block compared.
    pub tip: u64,
    /// Ops sent (broadcast).
    pub ops_sent: usize,
    /// Ops the driver could not build or bitcoind refused, with the reason.
    pub ops_skipped: Vec<String>,
    /// Accepted ops on our side, by opcode.
    pub accepted: BTreeMap<String, usize>,
    /// Names and namespaces whose records were compared.
    pub records_compared: usize,
    /// Per-block name states compared through the names' histories.
    pub history_states_compared: usize,
    /// Every divergence, ordered by block.
    pub divergences: Vec<Divergence>,
    /// Our fresh index of the whole chain (in process, over bitcoind JSON-RPC).
    pub our_index_time: Duration,
    /// The original's index of the whole chain (start to `last_block_processed` = tip, over P2P).
    pub reference_index_time: Duration,
    /// Our name lookups: in-process store read plus normalisation (no RPC layer).
    pub our_lookup: Latency,
    /// The original's `get_name_blockchain_record` over XML-RPC on 127.0.0.1.
    pub reference_lookup: Latency,
    /// Time spent driving the chain (building, signing, sending, mining, our incremental sync).
    pub drive_time: Duration,
    /// Every sent op and what both sides made of it (`block txid op -> outcome`).
    pub outcomes: Vec<String>,
    /// Our daemon's index of the whole chain (start to `last_block_processed` = tip: SQLite
    /// name database, Atlas, subdomain indexer), when the methods were compared.
    pub our_daemon_index_time: Option<Duration>,
    /// The XML-RPC method comparison, when it ran ([`Options::methods`]).
    pub methods: Option<MethodReport>,
}

impl Report {
    /// The first divergence, if any.
    pub fn first_divergence(&self) -> Option<&Divergence> {
        self.divergences.first()
    }

    /// Whether nothing diverged: no consensus, operation or record divergence, and no
    /// XML-RPC method whose replies differ.
    pub fn is_clean(&self) -> bool {
        self.divergences.is_empty() && self.methods.as_ref().is_none_or(MethodReport::is_clean)
    }
}

/// What a run compares beyond consensus hashes, operations and records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Also start our daemon on the finished chain and compare every XML-RPC method with the
    /// original's ([`methods`]).
    pub methods: bool,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "conformance run `{}`: blocks {}..={} ({} blocks), {} ops sent, {} skipped, {} records and {} per-block name states compared",
            self.scenario,
            self.first_block,
            self.tip,
            self.tip + 1 - self.first_block.min(self.tip + 1),
            self.ops_sent,
            self.ops_skipped.len(),
            self.records_compared,
            self.history_states_compared
        )?;
        let accepted: Vec<String> = self
            .accepted
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        writeln!(f, "  accepted (ours): {}", accepted.join(", "))?;
        writeln!(
            f,
            "  index time: ours {:.3} s (fresh, in process, JSON-RPC), original {:.3} s (start to tip, P2P + its 1 s poll)",
            self.our_index_time.as_secs_f64(),
            self.reference_index_time.as_secs_f64()
        )?;
        writeln!(
            f,
            "  name record lookup: ours mean {:?} / median {:?} (in-process store read + normalisation, no RPC), original mean {:?} / median {:?} (get_name_blockchain_record over XML-RPC, incl. history), {} lookups",
            self.our_lookup.mean,
            self.our_lookup.median,
            self.reference_lookup.mean,
            self.reference_lookup.median,
            self.reference_lookup.count
        )?;
        if let Some(t) = self.our_daemon_index_time {
            writeln!(
                f,
                "  index time of our daemon: {:.3} s (start to tip: SQLite name database, Atlas, subdomains)",
                t.as_secs_f64()
            )?;
        }
        writeln!(f, "  drive time {:.1} s", self.drive_time.as_secs_f64())?;
        for s in &self.ops_skipped {
            writeln!(f, "  skipped: {s}")?;
        }
        if std::env::var_os("CONFORMANCE_VERBOSE").is_some() {
            for o in &self.outcomes {
                writeln!(f, "  op: {o}")?;
            }
        }
        if self.divergences.is_empty() {
            writeln!(f, "  no divergence")?;
        } else {
            writeln!(f, "  {} divergence(s); first:", self.divergences.len())?;
            for d in self.divergences.iter().take(10) {
                write!(f, "{d}")?;
            }
        }
        if let Some(m) = &self.methods {
            write!(f, "{m}")?;
        }
        Ok(())
    }
}

fn subject_of(op: &Op) -> Vec<(bool, String)> {
    // (is_namespace, id)
    match op {
        Op::NamespacePreorder { ns, .. }
        | Op::NamespaceReveal { ns, .. }
        | Op::NamespaceReady { ns, .. } => vec![(true, ns.clone())],
        Op::NameImport { name, .. }
        | Op::NamePreorder { name, .. }
        | Op::NameRegister { name, .. }
        | Op::NameRenew { name, .. }
        | Op::NameUpdate { name, .. }
        | Op::NameUpdateZonefile { name, .. }
        | Op::NameTransfer { name, .. }
        | Op::NameRevoke { name, .. } => vec![(false, name.clone())],
        Op::Malformed { name, .. } => vec![(false, name.clone())],
    }
}

fn theirs_ops(ops: &[Json]) -> Vec<AcceptedOp> {
    let mut out: Vec<AcceptedOp> = ops
        .iter()
        .map(|o| AcceptedOp {
            vtxindex: o
                .get("vtxindex")
                .and_then(Json::as_u64)
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or(u32::MAX),
            txid: o
                .get("txid")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned(),
            opcode: o
                .get("opcode")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_owned(),
            subject: o
                .get("name")
                .or_else(|| o.get("namespace_id"))
                .and_then(Json::as_str)
                .map(str::to_owned),
        })
        .collect();
    out.sort();
    out
}

fn show_ops(ops: &[AcceptedOp]) -> String {
    let items: Vec<String> = ops
        .iter()
        .map(|o| {
            format!(
                "{}:{}{} {}",
                o.vtxindex,
                o.opcode,
                o.subject
                    .as_ref()
                    .map(|s| format!("({s})"))
                    .unwrap_or_default(),
                o.txid.get(..12).unwrap_or(&o.txid)
            )
        })
        .collect();
    format!("[{}]", items.join(", "))
}

/// Runs one scenario end to end. `Err(Error::Unavailable)` means the tools cannot run here.
pub async fn run(scenario: &Scenario) -> Result<Report, Error> {
    run_with_options(scenario, Options::default(), |k| k).await
}

/// Like [`run`], comparing what `options` asks for too.
pub async fn run_full(scenario: &Scenario, options: Options) -> Result<Report, Error> {
    run_with_options(scenario, options, |k| k).await
}

/// Like [`run`], with our node's knobs changed by `ours` (the original keeps the scenario's).
///
/// Only for checking that the harness notices a rule difference.
pub async fn run_with(
    scenario: &Scenario,
    ours: impl FnOnce(Knobs) -> Knobs,
) -> Result<Report, Error> {
    run_with_options(scenario, Options::default(), ours).await
}

async fn run_with_options(
    scenario: &Scenario,
    options: Options,
    ours: impl FnOnce(Knobs) -> Knobs,
) -> Result<Report, Error> {
    reference::install()?;
    let mut dir = tempfile::Builder::new()
        .prefix("bns-conformance-")
        .tempdir()
        .map_err(|e| Error::Unavailable(format!("temp dir: {e}")))?;
    // `$CONFORMANCE_KEEP_DIR` keeps the run's directory (both nodes' logs) for inspection.
    if std::env::var_os("CONFORMANCE_KEEP_DIR").is_some() {
        dir.disable_cleanup(true);
        eprintln!("conformance run directory: {}", dir.path().display());
    }
    let btc = Bitcoind::start(&dir.path().join("btc"))?;
    let knobs = scenario.knobs();
    let our_knobs = ours(knobs.clone());
    let client =
        BitcoindClient::new(btc.config()).map_err(|e| Error::Chain(format!("client: {e}")))?;
    let ours = OurNode::new(client, &our_knobs);
    let mut driver = Driver::new(btc, ours, rules(&our_knobs))?;
    let funded = driver.fund().await?;
    if funded + 1 != knobs.first_block {
        return Err(Error::Driver(format!(
            "funding ended at {funded}, expected {}",
            knobs.first_block - 1
        )));
    }
    let drive_start = Instant::now();
    for step in &scenario.steps {
        driver.run_step(step).await?;
    }
    // Two empty blocks so the last ops' block is not the tip either side polls at.
    driver.run_step(&Step::Mine(2)).await?;
    let drive_time = drive_start.elapsed();
    let tip = driver.btc.height().await?;

    // Our fresh index of the whole chain.
    let client = BitcoindClient::new(driver.btc.config())
        .map_err(|e| Error::Chain(format!("client: {e}")))?;
    let mut fresh = OurNode::new(client, &our_knobs);
    fresh.sync().await?;
    let our_index_time = fresh.index_time;

    // The original, on the finished chain.
    let ref_start = Instant::now();
    let reference = ReferenceNode::start(
        &dir.path().join("ref"),
        &driver.btc.url_with_credentials(),
        driver.btc.p2p_port,
        &knobs,
    )?;
    let timeout = Duration::from_secs(180 + tip.saturating_sub(knobs.first_block));
    reference.wait_for(tip, timeout).await?;
    let reference_index_time = ref_start.elapsed();

    let mut report = Report {
        scenario: scenario.name.clone(),
        first_block: knobs.first_block,
        tip,
        ops_sent: driver.sent.iter().filter(|s| s.txid.is_some()).count(),
        ops_skipped: driver
            .sent
            .iter()
            .filter_map(|s| {
                s.skipped
                    .as_ref()
                    .map(|why| format!("block {}: {:?}: {why}", s.height, s.op))
            })
            .collect(),
        our_index_time,
        reference_index_time,
        drive_time,
        ..Report::default()
    };
    compare(&driver, &fresh, &reference, &knobs, tip, &mut report).await?;
    if options.methods {
        let start = Instant::now();
        let daemon = OurDaemon::start(
            &dir.path().join("ours"),
            &driver.btc.url_with_credentials(),
            rules(&our_knobs),
        )
        .await?;
        daemon.wait_for(tip, timeout).await?;
        report.our_daemon_index_time = Some(start.elapsed());
        let mut methods_report = MethodReport::default();
        let tip = give_zonefiles(&mut driver, &daemon, &reference, &mut methods_report).await?;
        let mut facts = methods::facts::from_run(&driver, knobs.first_block, tip)?;
        // The original's rows before the first block carry its initial consensus hash.
        if let Some(ch) = reference.consensus_at(knobs.first_block - 1).await? {
            facts.consensus_hashes.push(ch);
        }
        methods::compare_methods(daemon.rpc(), reference.rpc(), &facts, &mut methods_report)
            .await?;
        report.methods = Some(methods_report);
        drop(daemon);
    }
    drop(reference);
    drop(driver);
    Ok(report)
}

/// Gives both nodes the zone files of the chain's zone-file updates (`put_zonefiles`, a
/// compared call), mines a block so that both index the subdomains they carry, and waits
/// until both answer for every subdomain (or a minute has passed). Returns the new tip.
async fn give_zonefiles(
    driver: &mut Driver,
    daemon: &OurDaemon,
    reference: &ReferenceNode,
    report: &mut MethodReport,
) -> Result<u64, Error> {
    let tip = driver.btc.height().await?;
    let zonefiles = driver.zonefiles()?;
    if zonefiles.is_empty() {
        return Ok(tip);
    }
    let calls = methods::catalogue::put_calls(&zonefiles);
    let facts = methods::Facts::default();
    let answers =
        methods::compare_calls(daemon.rpc(), reference.rpc(), &calls, &facts, report).await?;
    let all_saved = |a: &Answer| {
        a.to_json()
            .get("saved")
            .and_then(Json::as_array)
            .is_some_and(|v| v.iter().all(|s| s == &Json::from(1)))
    };
    for (call, (ours, theirs)) in calls.iter().zip(&answers) {
        report.witnesses.insert(
            format!("{call} saved every zone file"),
            (all_saved(ours), all_saved(theirs)),
        );
    }
    driver.run_step(&Step::Mine(1)).await?;
    let tip = driver.btc.height().await?;
    reference.wait_for(tip, Duration::from_secs(120)).await?;
    daemon.wait_for(tip, Duration::from_secs(120)).await?;
    let subdomains: Vec<String> = zonefiles
        .iter()
        .flat_map(|z| methods::facts::subdomains_of(z))
        .map(|(fqn, _)| fqn)
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    for fqn in &subdomains {
        let found = loop {
            let args = || vec![blockstack_node::xmlrpc::Value::string(fqn.as_str())];
            let ours = daemon.rpc().call("get_name_record", args()).await;
            let theirs = reference.rpc().call("get_name_record", args()).await;
            let has =
                |r: &Result<Json, String>| r.as_ref().is_ok_and(|d| d.get("record").is_some());
            let found = (has(&ours), has(&theirs));
            if (found.0 && found.1) || Instant::now() > deadline {
                break found;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        report
            .witnesses
            .insert(format!("subdomain {fqn} resolves"), found);
    }
    Ok(tip)
}

/// The record of `name` block by block: the states its history holds at every block.
fn compare_history(
    driver: &Driver,
    name: &str,
    state: &blockstack_consensus::MemState,
    theirs: &Json,
    report: &mut Report,
) {
    let ours = history_ours(state, name);
    let theirs = history_theirs(theirs);
    let blocks: BTreeSet<u64> = ours.keys().chain(theirs.keys()).copied().collect();
    for block in blocks {
        let a = ours.get(&block).map(Vec::as_slice).unwrap_or_default();
        let b = theirs.get(&block).map(Vec::as_slice).unwrap_or_default();
        let mut problems = Vec::new();
        if a.len() != b.len() {
            problems.push((
                "number of states".to_owned(),
                Json::from(a.len()),
                Json::from(b.len()),
            ));
        }
        for (x, y) in a.iter().zip(b) {
            report.history_states_compared += 1;
            problems.extend(diff_present(x, y));
        }
        if !problems.is_empty() {
            let fields: Vec<&str> = problems.iter().map(|(k, _, _)| k.as_str()).collect();
            report.divergences.push(Divergence {
                block,
                what: format!(
                    "name `{name}` state at this block (history): {}",
                    fields.join(", ")
                ),
                ours: problems
                    .iter()
                    .map(|(k, a, _)| format!("{k}={a}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                theirs: problems
                    .iter()
                    .map(|(k, _, b)| format!("{k}={b}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                context: context(driver, block),
            });
            // Later blocks of this name follow from the first difference.
            break;
        }
    }
}

fn context(driver: &Driver, block: u64) -> Vec<String> {
    driver
        .sent
        .iter()
        .filter(|s| s.height == block)
        .map(|s| {
            format!(
                "{} {:?}",
                s.txid.as_deref().map_or("(not sent)".to_owned(), |t| t
                    .get(..12)
                    .unwrap_or(t)
                    .to_owned()),
                s.op
            )
        })
        .collect()
}

async fn compare(
    driver: &Driver,
    fresh: &OurNode,
    reference: &ReferenceNode,
    knobs: &Knobs,
    tip: u64,
    report: &mut Report,
) -> Result<(), Error> {
    let ours = &driver.ours;
    let mut last_touch: BTreeMap<(bool, String), u64> = BTreeMap::new();
    for s in &driver.sent {
        for subject in subject_of(&s.op) {
            last_touch.insert(subject, s.height);
        }
    }
    for h in knobs.first_block..=tip {
        let mine = ours.consensus_at(h);
        let again = fresh.consensus_at(h);
        if mine != again {
            report.divergences.push(Divergence {
                block: h,
                what: "consensus hash: our incremental index vs our fresh index".into(),
                ours: format!("{mine:?}"),
                theirs: format!("(fresh) {again:?}"),
                context: context(driver, h),
            });
        }
        let theirs = reference.consensus_at(h).await?;
        let mut ops_ours = ours
            .store()
            .accepted_at(h)
            .map(<[_]>::to_vec)
            .unwrap_or_default();
        ops_ours.sort();
        for o in &ops_ours {
            *report.accepted.entry(o.opcode.clone()).or_default() += 1;
            if let Some(s) = &o.subject {
                let ns = o.opcode.starts_with("NAMESPACE");
                last_touch.insert((ns, s.clone()), h);
            }
        }
        let (raw, complete) = reference.nameops_at(h).await?;
        let ops_theirs = theirs_ops(&raw);
        for s in driver.sent.iter().filter(|s| s.height == h) {
            let find = |v: &[AcceptedOp]| {
                s.txid
                    .as_ref()
                    .and_then(|t| v.iter().find(|o| o.txid == *t))
                    .map_or_else(|| "-".to_owned(), |o| o.opcode.clone())
            };
            let why = s
                .txid
                .as_deref()
                .and_then(|t| ours.store().rejection(h, t))
                .map_or_else(String::new, |w| format!(" (ours: {w})"));
            report.outcomes.push(format!(
                "{h} {} {:?} -> ours {} / theirs {}{why}",
                s.txid
                    .as_deref()
                    .map_or("(not sent)", |t| t.get(..8).unwrap_or(t)),
                s.op,
                find(&ops_ours),
                find(&ops_theirs)
            ));
        }
        let key = |v: &[AcceptedOp]| -> Vec<(u32, String, String)> {
            v.iter()
                .map(|o| (o.vtxindex, o.txid.clone(), o.opcode.clone()))
                .collect()
        };
        let differs = if complete {
            key(&ops_ours) != key(&ops_theirs)
        } else {
            // Only a subset is readable: every op they list must be one of ours.
            let mine = key(&ops_ours);
            key(&ops_theirs).iter().any(|o| !mine.contains(o))
        };
        if differs {
            report.divergences.push(Divergence {
                block: h,
                what: "accepted operations (get_nameops_at)".into(),
                ours: show_ops(&ops_ours),
                theirs: show_ops(&ops_theirs),
                context: context(driver, h),
            });
        }
        if mine != theirs {
            report.divergences.push(Divergence {
                block: h,
                what: "consensus hash".into(),
                ours: mine.unwrap_or_else(|| "None".into()),
                theirs: theirs.unwrap_or_else(|| "None".into()),
                context: context(driver, h),
            });
        }
        for o in &ops_theirs {
            if let Some(s) = &o.subject {
                let ns = o.opcode.starts_with("NAMESPACE");
                last_touch.entry((ns, s.clone())).or_insert(h);
            }
        }
    }

    let state = ours.store().latest();
    let mut our_lat = Vec::new();
    let mut ref_lat = Vec::new();
    let names: BTreeSet<_> = last_touch.keys().cloned().collect();
    for (is_ns, id) in names {
        let block = last_touch.get(&(is_ns, id.clone())).copied().unwrap_or(tip);
        report.records_compared += 1;
        let (ours_rec, theirs_rec, what) = if is_ns {
            // The original answers for a ready namespace, or a revealed one whose reveal has
            // not expired as of its last block.
            let mine = state
                .namespace(&id)
                .map(|c| c.into_owned())
                .filter(|ns| {
                    ns.ready
                        || (ns.reveal_block <= tip
                            && tip < ns.reveal_block + driver.rules().namespace_reveal_expire)
                })
                .map(|ns| namespace_ours(&ns));
            let theirs = reference
                .namespace_record(&id)
                .await?
                .map(|r| namespace_theirs(&r));
            (mine, theirs, format!("namespace record `{id}`"))
        } else {
            let t0 = Instant::now();
            // The original serves no record for a name whose namespace is neither ready nor
            // revealed and unexpired (`load_name_info` returns None): mirror that.
            let visible = |ns_id: &str| {
                state.namespace(ns_id).is_some_and(|ns| {
                    ns.ready
                        || (ns.reveal_block <= tip
                            && tip < ns.reveal_block + driver.rules().namespace_reveal_expire)
                })
            };
            let mine = state
                .name(&id)
                .filter(|r| visible(&r.namespace_id))
                .map(|r| name_ours(&r));
            our_lat.push(t0.elapsed());
            let t1 = Instant::now();
            let theirs = reference.name_record(&id).await?;
            ref_lat.push(t1.elapsed());
            if let (Some(_), Some(rec)) = (&mine, &theirs) {
                compare_history(driver, &id, state, rec, report);
            }
            (
                mine,
                theirs.map(|r| name_theirs(&r)),
                format!("name record `{id}`"),
            )
        };
        match (&ours_rec, &theirs_rec) {
            (None, None) => {}
            (Some(a), Some(b)) => {
                let d = diff(a, b);
                if !d.is_empty() {
                    let fields: Vec<String> = d.iter().map(|(k, _, _)| k.clone()).collect();
                    report.divergences.push(Divergence {
                        block,
                        what: format!("{what}: fields {}", fields.join(", ")),
                        ours: d
                            .iter()
                            .map(|(k, a, _)| format!("{k}={a}"))
                            .collect::<Vec<_>>()
                            .join(" "),
                        theirs: d
                            .iter()
                            .map(|(k, _, b)| format!("{k}={b}"))
                            .collect::<Vec<_>>()
                            .join(" "),
                        context: context(driver, block),
                    });
                }
            }
            _ => report.divergences.push(Divergence {
                block,
                what: format!("{what}: exists on one side only"),
                ours: format!("{}", ours_rec.is_some()),
                theirs: format!("{}", theirs_rec.is_some()),
                context: context(driver, block),
            }),
        }
    }
    report.our_lookup = Latency::of(our_lat);
    report.reference_lookup = Latency::of(ref_lat);
    report.divergences.sort_by_key(|d| d.block);
    Ok(())
}
