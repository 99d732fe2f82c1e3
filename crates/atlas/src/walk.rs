//! Neighbour discovery: the Metropolis-Hastings random walk with delayed acceptance
//! (MHRWDA) of `AtlasPeerCrawler` (atlas.md §8), as a pure state machine.
//!
//! The walk asks for one neighbour list at a time. [`RandomWalk::begin`] names the peer
//! whose neighbours to fetch; the caller fetches them (`atlas_peer_exchange`, falling back
//! to `get_atlas_peers`), canonicalises the list, removes ourselves, and passes it to
//! [`RandomWalk::feed`], which either asks for another fetch within the same step or ends
//! the step with the peers discovered. A failed or empty fetch resets the walk (v0.18 does
//! not backtrack).

use rand::seq::SliceRandom;
use rand::Rng;

/// What [`RandomWalk::feed`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkStep {
    /// The step needs the neighbours of this peer too.
    Fetch(String),
    /// The step is over; these peers were learnt (add them to the candidate list).
    Done(Vec<String>),
    /// The fetch failed; the walk was reset.
    Failed,
}

#[derive(Debug, Clone, PartialEq)]
enum Pending {
    None,
    Start(String),
    Next(String),
    Alt {
        next: String,
        next_neighbors: Vec<String>,
        alt: String,
    },
    Refetch,
}

/// The walk's state: current and previous peer and the current peer's neighbours.
#[derive(Debug, Clone)]
pub struct RandomWalk {
    current: Option<String>,
    current_neighbors: Vec<String>,
    prev: Option<String>,
    prev_degree: usize,
    pending: Pending,
}

impl Default for RandomWalk {
    fn default() -> Self {
        Self::new()
    }
}

impl RandomWalk {
    /// A walk that has not started.
    pub fn new() -> Self {
        Self {
            current: None,
            current_neighbors: Vec::new(),
            prev: None,
            prev_degree: 0,
            pending: Pending::None,
        }
    }

    /// The peer the walk is at.
    pub fn current(&self) -> Option<&str> {
        self.current.as_deref()
    }

    /// The previous peer and its degree.
    pub fn previous(&self) -> (Option<&str>, usize) {
        (self.prev.as_deref(), self.prev_degree)
    }

    /// Forgets everything (§8: failures reset the walk).
    pub fn reset(&mut self) {
        *self = Self::new();
    }

    /// Starts a step: returns the peer whose neighbours to fetch first, or `None` if there
    /// is nothing to walk (no peers; or the current peer has no neighbours, which resets).
    ///
    /// With no current peer, a uniformly random peer of `table` is the start. Otherwise the
    /// walk proposes `next`, uniform among the current peer's neighbours.
    pub fn begin(&mut self, table: &[String], rng: &mut impl Rng) -> Option<String> {
        match &self.current {
            None => {
                let start = table.choose(rng)?.clone();
                self.pending = Pending::Start(start.clone());
                Some(start)
            }
            Some(_) => {
                let Some(next) = self.current_neighbors.choose(rng).cloned() else {
                    self.reset();
                    return None;
                };
                self.pending = Pending::Next(next.clone());
                Some(next)
            }
        }
    }

    /// Feeds the neighbour list of the peer last asked for (`None` if the fetch failed).
    pub fn feed(&mut self, neighbors: Option<Vec<String>>, rng: &mut impl Rng) -> WalkStep {
        let Some(neighbors) = neighbors.filter(|n| !n.is_empty()) else {
            self.reset();
            return WalkStep::Failed;
        };
        match std::mem::replace(&mut self.pending, Pending::None) {
            Pending::None => WalkStep::Done(Vec::new()),
            Pending::Start(start) => {
                self.current = Some(start);
                self.current_neighbors = neighbors.clone();
                WalkStep::Done(neighbors)
            }
            Pending::Next(next) => {
                let d_cur = self.current_neighbors.len() as f64;
                let d_next = neighbors.len() as f64;
                let p: f64 = rng.gen();
                if p <= (d_cur / d_next).min(1.0) {
                    let cur_degree = self.current_neighbors.len();
                    if self.prev.as_deref() == Some(next.as_str()) && cur_degree > 1 {
                        let others: Vec<&String> = self
                            .current_neighbors
                            .iter()
                            .filter(|n| **n != next)
                            .collect();
                        if let Some(alt) = others.choose(rng).map(|s| (*s).clone()) {
                            self.pending = Pending::Alt {
                                next,
                                next_neighbors: neighbors,
                                alt: alt.clone(),
                            };
                            return WalkStep::Fetch(alt);
                        }
                    }
                    self.move_to(next, neighbors.clone());
                    WalkStep::Done(neighbors)
                } else {
                    self.pending = Pending::Refetch;
                    match &self.current {
                        Some(cur) => WalkStep::Fetch(cur.clone()),
                        None => {
                            self.reset();
                            WalkStep::Failed
                        }
                    }
                }
            }
            Pending::Alt {
                next,
                next_neighbors,
                alt,
            } => {
                let d_cur = self.current_neighbors.len() as f64;
                let d_alt = neighbors.len() as f64;
                let q: f64 = rng.gen();
                // min(1, min(1, (d_cur/d_alt)^2), max(1, (d_prev/d_cur)^2)) = min(1, (d_cur/d_alt)^2).
                if q <= (d_cur / d_alt).powi(2).min(1.0) {
                    self.move_to(alt, neighbors.clone());
                    WalkStep::Done(neighbors)
                } else {
                    self.move_to(next, next_neighbors.clone());
                    WalkStep::Done(next_neighbors)
                }
            }
            Pending::Refetch => {
                self.current_neighbors = neighbors.clone();
                WalkStep::Done(neighbors)
            }
        }
    }

    fn move_to(&mut self, peer: String, neighbors: Vec<String>) {
        self.prev = self.current.take();
        self.prev_degree = self.current_neighbors.len();
        self.current = Some(peer);
        self.current_neighbors = neighbors;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn v(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn starts_at_a_table_peer_and_moves_to_a_neighbour() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut w = RandomWalk::new();
        assert_eq!(w.begin(&[], &mut rng), None);
        let start = w.begin(&v(&["a"]), &mut rng).expect("start");
        assert_eq!(start, "a");
        assert_eq!(w.feed(Some(v(&["b"])), &mut rng), WalkStep::Done(v(&["b"])));
        assert_eq!(w.current(), Some("a"));
        // d_cur = 1, d_next = 1: always accepted.
        assert_eq!(w.begin(&[], &mut rng).as_deref(), Some("b"));
        assert_eq!(w.feed(Some(v(&["a"])), &mut rng), WalkStep::Done(v(&["a"])));
        assert_eq!(w.current(), Some("b"));
        assert_eq!(w.previous(), (Some("a"), 1));
    }

    #[test]
    fn failures_reset() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut w = RandomWalk::new();
        w.begin(&v(&["a"]), &mut rng);
        assert_eq!(w.feed(Some(Vec::new()), &mut rng), WalkStep::Failed);
        assert_eq!(w.current(), None);
        w.begin(&v(&["a"]), &mut rng);
        w.feed(Some(v(&["b"])), &mut rng);
        w.begin(&[], &mut rng);
        assert_eq!(w.feed(None, &mut rng), WalkStep::Failed);
        assert_eq!(w.current(), None);
    }

    #[test]
    fn high_degree_proposals_are_often_refused() {
        // From a degree-1 peer, a proposal of degree 100 is accepted with p = 1/100, so most
        // steps stay and re-fetch the current peer.
        let mut rng = StdRng::seed_from_u64(3);
        let mut stays = 0;
        for _ in 0..200 {
            let mut w = RandomWalk::new();
            w.begin(&v(&["a"]), &mut rng);
            w.feed(Some(v(&["hub"])), &mut rng);
            w.begin(&[], &mut rng);
            let hub_neighbors: Vec<String> = (0..100).map(|i| format!("p{i}")).collect();
            match w.feed(Some(hub_neighbors), &mut rng) {
                WalkStep::Fetch(p) => {
                    assert_eq!(p, "a");
                    stays += 1;
                    assert_eq!(
                        w.feed(Some(v(&["hub"])), &mut rng),
                        WalkStep::Done(v(&["hub"]))
                    );
                    assert_eq!(w.current(), Some("a"));
                }
                WalkStep::Done(_) => assert_eq!(w.current(), Some("hub")),
                WalkStep::Failed => panic!("no failure expected"),
            }
        }
        assert!(stays > 180, "stays = {stays}");
    }

    #[test]
    fn going_back_proposes_an_alternative() {
        let mut rng = StdRng::seed_from_u64(5);
        let mut w = RandomWalk::new();
        w.begin(&v(&["a"]), &mut rng);
        w.feed(Some(v(&["b"])), &mut rng);
        w.begin(&[], &mut rng);
        // b has neighbours a and c; move there.
        w.feed(Some(v(&["a", "c"])), &mut rng);
        assert_eq!(w.current(), Some("b"));
        // Propose until the proposal is the previous peer "a".
        loop {
            let next = w.begin(&[], &mut rng).expect("next");
            if next == "a" {
                // d_cur = 2, d_next = 2: accepted, and since a == prev an alternative is drawn.
                assert_eq!(
                    w.feed(Some(v(&["b", "x"])), &mut rng),
                    WalkStep::Fetch("c".into())
                );
                let done = w.feed(Some(v(&["b", "y"])), &mut rng);
                assert!(matches!(done, WalkStep::Done(_)));
                // (d_cur/d_alt)^2 = 1: the alternative is always taken.
                assert_eq!(w.current(), Some("c"));
                break;
            }
            // Proposal c: accept and walk back to b so that prev is b's neighbour again.
            w.reset();
            w.begin(&v(&["a"]), &mut rng);
            w.feed(Some(v(&["b"])), &mut rng);
            w.begin(&[], &mut rng);
            w.feed(Some(v(&["a", "c"])), &mut rng);
        }
    }
}
