//! The method-by-method comparison: every XML-RPC method both nodes serve, called on both
//! with the same arguments once both have indexed the same chain, and the replies compared
//! whole (envelope and values), up to the documented rules of [`tolerate`].
//!
//! * [`facts`] gathers what the chain holds ([`catalogue::Facts`]) and [`catalogue`] builds
//!   the calls from it;
//! * [`tolerate`] finds the first differing path and holds the tolerated differences;
//! * [`compare`] makes the calls and collects a [`MethodReport`] with the first difference
//!   of each method and both replies.

pub mod catalogue;
pub mod compare;
pub mod facts;
pub mod tolerate;

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value as Json;

pub use catalogue::{Call, Facts, METHODS_COMPARED};
pub use compare::{compare_calls, compare_methods};
pub use tolerate::Difference;

/// The first difference found for one method.
#[derive(Clone, Debug)]
pub struct MethodDiff {
    /// The call.
    pub call: String,
    /// Where the replies first differ.
    pub difference: Difference,
    /// Our whole reply.
    pub ours: Json,
    /// The original's whole reply.
    pub theirs: Json,
}

/// Per-method counts.
#[derive(Clone, Debug, Default)]
pub struct MethodStats {
    /// Calls made.
    pub calls: usize,
    /// Identical replies.
    pub same: usize,
    /// Replies equal up to a tolerated difference.
    pub tolerated: usize,
    /// Replies that differ.
    pub differing: usize,
    /// The first of those.
    pub first: Option<MethodDiff>,
    /// How many differing calls first differ at each path (indices and block keys shown as
    /// `*`).
    pub paths: BTreeMap<String, usize>,
}

/// The result of one comparison.
#[derive(Clone, Debug, Default)]
pub struct MethodReport {
    /// Per method.
    pub methods: BTreeMap<String, MethodStats>,
    /// How often each tolerance rule fired.
    pub tolerated: BTreeMap<&'static str, usize>,
    /// Wall time of the calls (both nodes called concurrently).
    pub elapsed: std::time::Duration,
    /// What both nodes were expected to hold before the comparison (for example "zone file
    /// … stored", "subdomain … resolves"), with whether ours and the original did: equal
    /// replies are only meaningful if these hold.
    pub witnesses: BTreeMap<String, (bool, bool)>,
}

impl MethodReport {
    /// Calls made in all.
    pub fn calls(&self) -> usize {
        self.methods.values().map(|m| m.calls).sum()
    }

    /// The methods whose replies differed, with their first difference.
    pub fn differences(&self) -> impl Iterator<Item = (&str, &MethodDiff)> {
        self.methods
            .iter()
            .filter_map(|(m, s)| s.first.as_ref().map(|d| (m.as_str(), d)))
    }

    /// Whether every reply matched (up to the tolerated differences).
    pub fn is_clean(&self) -> bool {
        self.differences().next().is_none()
    }

    /// Whether both nodes held everything they were expected to.
    pub fn witnessed(&self) -> bool {
        self.witnesses.values().all(|(a, b)| *a && *b)
    }
}

/// A difference path with its array indices and numeric keys replaced by `*`, so that calls
/// differing the same way count together.
pub fn path_pattern(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut digits = false;
    for c in path.chars() {
        if c.is_ascii_digit() {
            if !digits {
                out.push('*');
            }
            digits = true;
        } else {
            digits = false;
            out.push(c);
        }
    }
    out
}

/// A JSON value shortened for a report line.
pub fn clip(v: &Json, max: usize) -> String {
    let s = v.to_string();
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} chars)", &s[..end], s.len())
}

impl fmt::Display for MethodReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let differing = self.methods.values().filter(|m| m.differing > 0).count();
        writeln!(
            f,
            "  XML-RPC methods: {} calls over {} methods in {:.1} s, {} method(s) differ",
            self.calls(),
            self.methods.len(),
            self.elapsed.as_secs_f64(),
            differing
        )?;
        for (m, s) in &self.methods {
            writeln!(
                f,
                "    {m}: {} calls, {} same, {} tolerated, {} differ",
                s.calls, s.same, s.tolerated, s.differing
            )?;
        }
        for (rule, n) in &self.tolerated {
            writeln!(f, "    tolerated {n}×: {rule}")?;
        }
        for (what, (ours, theirs)) in &self.witnesses {
            writeln!(f, "    {what}: ours {ours}, original {theirs}")?;
        }
        for (m, d) in self.differences() {
            writeln!(f, "  method {m}: first difference in {}", d.call)?;
            writeln!(
                f,
                "    at {}: ours {} / theirs {}",
                d.difference.path,
                d.difference
                    .ours
                    .as_ref()
                    .map_or("(absent)".to_owned(), |v| clip(v, 300)),
                d.difference
                    .theirs
                    .as_ref()
                    .map_or("(absent)".to_owned(), |v| clip(v, 300))
            )?;
            if let Some(stats) = self.methods.get(m) {
                let paths: Vec<String> = stats
                    .paths
                    .iter()
                    .map(|(p, n)| format!("{p} ×{n}"))
                    .collect();
                writeln!(f, "    differing paths: {}", paths.join(", "))?;
            }
            writeln!(f, "    ours:   {}", clip(&d.ours, 1500))?;
            writeln!(f, "    theirs: {}", clip(&d.theirs, 1500))?;
        }
        Ok(())
    }
}
