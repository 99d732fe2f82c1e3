//! The seeded random generator of operation sequences and the shrinker (long tier).
//!
//! [`generate`] builds a scenario from a seed: a fixed setup (namespaces `test` and
//! `expiring`, ready) and then random blocks mixing valid and invalid operations over a small
//! pool of names, so that names collide, expire, change hands and get re-registered. The
//! generator keeps a rough model of who owns what only to make most ops plausible; the
//! comparison does not depend on it.
//!
//! [`shrink`] takes a scenario that diverges and deletes steps and ops while the divergence
//! persists (each try is a full run on fresh nodes), within a run budget.

use crate::harness::{self, Report, Scenario};
use crate::ops::{Burn, ChRef, Fee, Malformed, Op, Party, Step};
use crate::scenario::{
    import, ns_preorder, ns_reveal, ns_reveal_std, preorder, preorder_with, ready, register, renew,
    revoke, transfer, update, ChainBuilder,
};
use crate::Error;

/// A small deterministic PRNG (SplitMix64).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with probability `pct`%.
    pub fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }

    /// A random element.
    pub fn pick<T: Clone>(&mut self, items: &[T]) -> Option<T> {
        let n = u64::try_from(items.len()).ok()?;
        if n == 0 {
            return None;
        }
        items.get(usize::try_from(self.below(n)).ok()?).cloned()
    }
}

const SENDERS: [Party; 6] = [2, 3, 4, 5, 6, 7];

/// Generates the scenario of `seed` with about `blocks` random blocks.
pub fn generate(seed: u64, blocks: u64) -> Scenario {
    let mut rng = Rng::new(seed);
    let (epoch1_blocks, epoch2_blocks) = match rng.below(3) {
        0 => (0, 0),
        1 => (5 + rng.below(10), 5 + rng.below(10)),
        _ => (0, 0),
    };
    let grace = rng.below(6);
    let mut c = ChainBuilder::default();
    c.block(vec![
        ns_preorder("test", 0, 1, Fee::Price),
        ns_preorder("expiring", 0, 1, Fee::Price),
    ]);
    c.block(vec![
        ns_reveal_std("test", 0, 1, 1),
        ns_reveal(
            "expiring",
            0,
            1,
            2 + rng.below(3) as u32,
            1,
            1,
            [0; 16],
            (1, 1),
            1,
        ),
    ]);
    c.block(vec![
        import("imp0.test", 1, 2, 0x30),
        import("imp1.expiring", 1, 3, 0x31),
    ]);
    c.block(vec![ready("test", 1), ready("expiring", 1)]);

    let names: Vec<String> = (0..5)
        .map(|i| format!("n{i}.test"))
        .chain((0..5).map(|i| format!("e{i}.expiring")))
        .chain(["imp0.test".to_owned(), "imp1.expiring".to_owned()])
        .collect();
    let mut owners: Vec<(String, Party)> =
        vec![("imp0.test".into(), 2), ("imp1.expiring".into(), 3)];
    let mut preorders: Vec<(String, Party, Party)> = Vec::new();
    // Registrations scheduled after their preorders: (block index, op).
    let mut pending: Vec<(u64, Op)> = Vec::new();

    for b in 0..blocks {
        let n_ops = 1 + rng.below(6);
        let mut ops: Vec<Op> = Vec::new();
        let (due, later): (Vec<_>, Vec<_>) = pending.into_iter().partition(|(at, _)| *at <= b);
        pending = later;
        ops.extend(due.into_iter().map(|(_, op)| op));
        for _ in 0..n_ops {
            let sender = rng.pick(&SENDERS).unwrap_or(2);
            let other = rng.pick(&SENDERS).unwrap_or(3);
            let name = rng.pick(&names).unwrap_or_default();
            let owned = rng.pick(&owners);
            let honest = |rng: &mut Rng, owner: Party| if rng.chance(85) { owner } else { sender };
            let op = match rng.below(100) {
                0..=24 => {
                    let fee = match rng.below(20) {
                        0 => Fee::PriceMinus(1),
                        1 => Fee::Tenth,
                        2 => Fee::PriceTimes10,
                        _ => Fee::Price,
                    };
                    let burn = if rng.chance(5) {
                        Burn::Party(other)
                    } else {
                        Burn::Proper
                    };
                    let ch = if rng.chance(10) {
                        ChRef::Back(rng.below(30))
                    } else {
                        ChRef::Tip
                    };
                    preorders.push((name.clone(), sender, other));
                    // Most preorders get their registration one block later, some in the same
                    // block, and a few from the wrong payer.
                    let payer = if rng.chance(90) { sender } else { other };
                    let value = rng.chance(30).then(|| rng.below(256) as u8);
                    let reg = register(&name, payer, other, value);
                    let op = preorder_with(&name, sender, other, fee, burn, ch);
                    match rng.below(10) {
                        0..=5 => {
                            pending.push((b + 1 + rng.below(3), reg));
                            owners.retain(|(n, _)| *n != name);
                            owners.push((name.clone(), other));
                            op
                        }
                        6 | 7 => {
                            ops.push(op);
                            owners.retain(|(n, _)| *n != name);
                            owners.push((name.clone(), other));
                            reg
                        }
                        _ => op,
                    }
                }
                25..=44 => match rng.pick(&preorders) {
                    Some((name, payer, owner)) => {
                        let payer = if rng.chance(90) { payer } else { sender };
                        owners.retain(|(n, _)| *n != name);
                        owners.push((name.clone(), owner));
                        let value = rng.chance(30).then(|| rng.below(256) as u8);
                        register(&name, payer, owner, value)
                    }
                    None => preorder(&name, sender, sender),
                },
                45..=57 => match owned {
                    Some((name, owner)) => {
                        let v = rng.below(256) as u8;
                        let ch = if rng.chance(10) {
                            ChRef::Back(rng.below(30))
                        } else {
                            ChRef::Tip
                        };
                        Op::NameUpdate {
                            name,
                            owner: honest(&mut rng, owner),
                            value: v,
                            ch,
                        }
                    }
                    None => update(&name, sender, 1),
                },
                58..=69 => match owned {
                    Some((name, owner)) => {
                        let from = honest(&mut rng, owner);
                        if from == owner {
                            owners.retain(|(n, _)| *n != name);
                            owners.push((name.clone(), other));
                        }
                        transfer(&name, from, other, rng.chance(50))
                    }
                    None => transfer(&name, sender, other, true),
                },
                70..=81 => match owned {
                    Some((name, owner)) => {
                        let to = if rng.chance(70) { owner } else { other };
                        let value = rng.chance(20).then(|| rng.below(256) as u8);
                        renew(&name, honest(&mut rng, owner), to, value)
                    }
                    None => renew(&name, sender, sender, None),
                },
                82..=86 => match owned {
                    Some((name, owner)) => revoke(&name, honest(&mut rng, owner)),
                    None => revoke(&name, sender),
                },
                87..=88 => import(&name, if rng.chance(50) { 1 } else { sender }, other, 0x40),
                89 => {
                    // A collision: two parties preorder one name now and both register next.
                    pending.push((b + 1, register(&name, sender, sender, None)));
                    pending.push((b + 1, register(&name, other, other, None)));
                    ops.push(preorder(&name, sender, sender));
                    preorder(&name, other, other)
                }
                90 => match owned {
                    // A transfer and the new owner's update in one block (the update must fail).
                    Some((name, owner)) => {
                        ops.push(transfer(&name, owner, other, true));
                        owners.retain(|(n, _)| *n != name);
                        owners.push((name.clone(), other));
                        update(&name, other, 0x55)
                    }
                    None => update(&name, sender, 2),
                },
                91..=93 => ready(if rng.chance(50) { "test" } else { "expiring" }, sender),
                _ => {
                    let kind = rng
                        .pick(&[
                            Malformed::ShortPreorder,
                            Malformed::ShortUpdate,
                            Malformed::BadDisposition,
                            Malformed::ReadyWithoutDot,
                            Malformed::UpperCaseName,
                            Malformed::TwoDots,
                            Malformed::LongName,
                        ])
                        .unwrap_or(Malformed::ShortPreorder);
                    Op::Malformed { kind, sender, name }
                }
            };
            ops.push(op);
        }
        c.block(ops);
        if rng.chance(25) {
            let gap = if rng.chance(20) {
                5 + rng.below(8)
            } else {
                1 + rng.below(2)
            };
            let next = c.offset() + gap;
            c.pad_to(next);
        }
    }
    Scenario {
        name: format!("random seed {seed}"),
        epoch1_blocks,
        epoch2_blocks,
        grace,
        reveal_expire: 20,
        steps: c.finish(),
    }
}

/// The outcome of shrinking.
#[derive(Debug)]
pub struct Shrunk {
    /// The smallest diverging scenario found.
    pub scenario: Scenario,
    /// Its report.
    pub report: Report,
    /// Runs spent.
    pub runs: usize,
}

/// Steps of the setup prefix that shrinking keeps (namespaces and imports).
const SETUP_STEPS: usize = 4;

fn mined_offset(steps: &[Step], index: usize) -> u64 {
    steps.iter().take(index).map(Step::blocks).sum()
}

/// Shrinks a diverging scenario (whose run gave `report`) within `max_runs` further runs.
pub async fn shrink(scenario: Scenario, report: Report, max_runs: usize) -> Result<Shrunk, Error> {
    let offset = report
        .first_divergence()
        .map(|d| d.block.saturating_sub(report.first_block));
    let mut last: Option<Report> = None;
    let (scenario, runs) = shrink_by(scenario, offset, max_runs, async |candidate: &Scenario| {
        let r = harness::run(candidate).await?;
        let diverges = !r.divergences.is_empty();
        if diverges {
            last = Some(r);
        }
        Ok(diverges)
    })
    .await?;
    Ok(Shrunk {
        scenario,
        report: last.unwrap_or(report),
        runs,
    })
}

/// The shrinking strategy over any "still diverges" check (each call is one run).
///
/// 1. Steps after the block of the first divergence (`first_offset` from the first block)
///    are dropped without a run.
/// 2. Chunks of blocks, halving in size down to single blocks, become empty blocks (the block
///    count, and so every later height and epoch, stays the same) while the check still fails.
/// 3. Single ops are deleted from the remaining blocks.
///
/// The setup steps (namespaces, imports) are kept. Returns the smallest scenario found and
/// the runs spent.
pub async fn shrink_by<F>(
    scenario: Scenario,
    first_offset: Option<u64>,
    max_runs: usize,
    mut diverges: F,
) -> Result<(Scenario, usize), Error>
where
    F: AsyncFnMut(&Scenario) -> Result<bool, Error>,
{
    let mut best = scenario;
    let mut runs = 0;
    if let Some(offset) = first_offset {
        let keep = (0..=best.steps.len())
            .find(|i| mined_offset(&best.steps, *i) > offset)
            .unwrap_or(best.steps.len());
        best.steps.truncate(keep);
    }
    let mut chunk = (best.steps.len().saturating_sub(SETUP_STEPS) / 2).max(1);
    'chunks: loop {
        let mut start = SETUP_STEPS;
        while start < best.steps.len() {
            if runs >= max_runs {
                break 'chunks;
            }
            let end = (start + chunk).min(best.steps.len());
            let mut candidate = best.clone();
            for step in candidate.steps.iter_mut().take(end).skip(start) {
                if let Step::Block(_) = step {
                    *step = Step::Mine(1);
                }
            }
            if candidate.steps != best.steps {
                runs += 1;
                if diverges(&candidate).await? {
                    best = candidate;
                }
            }
            start = end;
        }
        if chunk == 1 {
            break;
        }
        chunk = (chunk / 2).max(1);
    }
    let mut i = SETUP_STEPS;
    while i < best.steps.len() {
        let mut j = 0;
        while j < best.steps.get(i).map_or(0, Step::ops) {
            if runs >= max_runs {
                return Ok((best, runs));
            }
            let mut candidate = best.clone();
            if let Some(Step::Block(ops)) = candidate.steps.get_mut(i) {
                ops.remove(j);
            }
            runs += 1;
            if diverges(&candidate).await? {
                best = candidate;
            } else {
                j += 1;
            }
        }
        i += 1;
    }
    Ok((best, runs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_mixed() {
        let a = generate(7, 30);
        let b = generate(7, 30);
        assert_eq!(a.steps, b.steps);
        assert_ne!(generate(8, 30).steps, a.steps);
        assert!(a.op_count() > 30);
        let malformed = a
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::Block(ops) => Some(ops),
                Step::Mine(_) => None,
            })
            .flatten()
            .filter(|o| matches!(o, Op::Malformed { .. } | Op::NameImport { .. }))
            .count();
        assert!(malformed > 0);
    }

    fn has(s: &Scenario, pred: impl Fn(&Op) -> bool) -> bool {
        s.steps.iter().any(|st| match st {
            Step::Block(ops) => ops.iter().any(&pred),
            Step::Mine(_) => false,
        })
    }

    #[tokio::test]
    async fn shrinking_keeps_only_what_the_divergence_needs() {
        let scenario = generate(3, 25);
        // A synthetic divergence: it needs the first random block's first op and any revoke.
        let needle = match scenario.steps.get(SETUP_STEPS) {
            Some(Step::Block(ops)) => ops.first().cloned().expect("an op"),
            _ => panic!("no random block"),
        };
        let is_revoke = |o: &Op| matches!(o, Op::NameRevoke { .. });
        assert!(has(&scenario, is_revoke), "seed 3 has a revoke");
        let check = async |s: &Scenario| Ok(has(s, |o| *o == needle) && has(s, is_revoke));
        let blocks: u64 = scenario.steps.iter().map(Step::blocks).sum();
        let (small, runs) = shrink_by(scenario.clone(), None, 500, check)
            .await
            .expect("shrink");
        assert!(runs > 0);
        let ops: usize = small.steps.iter().skip(SETUP_STEPS).map(Step::ops).sum();
        assert_eq!(ops, 2, "{small:#?}");
        assert_eq!(small.steps.iter().map(Step::blocks).sum::<u64>(), blocks);
        assert_eq!(small.steps[..SETUP_STEPS], scenario.steps[..SETUP_STEPS]);
    }

    #[test]
    fn rng_below_stays_in_range() {
        let mut r = Rng::new(1);
        assert!((0..1000).all(|_| r.below(7) < 7));
    }
}
