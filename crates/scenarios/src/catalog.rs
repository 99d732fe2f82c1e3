//! Every scenario, as data: its name, category, rule profile, what it checks and which of the
//! original's scenarios it stands for. The README's table is generated from this list (and a
//! test keeps the two equal).

use std::future::Future;
use std::pin::Pin;

use crate::error::Outcome;
use crate::profile::Profile;
use crate::scenarios::*;
use crate::scene::Scene;

/// The inventory's categories (integration-tests.md §5.1), as the issue groups them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Namespace preorder, reveal, ready, expiry of reveals.
    Namespaces,
    /// Namespace and name prices, fee destinations, pay-to-namespace-creator.
    Pricing,
    /// Name preorder and registration.
    Registration,
    /// NAME_UPDATE and zone-file hashes.
    Updates,
    /// NAME_TRANSFER.
    Transfers,
    /// NAME_RENEWAL.
    Renewals,
    /// Names expiring and being registered again.
    Expiry,
    /// The epoch-3 renewal grace period.
    Grace,
    /// NAME_REVOKE.
    Revokes,
    /// NAME_IMPORT and import keychains.
    Imports,
    /// Several operations on one name or namespace in one block.
    Collisions,
    /// Malformed or unauthorised operations the indexer must drop.
    Invalid,
    /// Rules changing at epoch boundaries.
    Epochs,
    /// P2SH multisig owners and payers.
    Multisig,
    /// Zone files and their replication through Atlas.
    Atlas,
    /// Subdomain records in zone files.
    Subdomains,
    /// The REST API's answers and write routes.
    Rest,
}

impl Category {
    /// Its name in the README.
    pub fn name(self) -> &'static str {
        match self {
            Category::Namespaces => "namespaces",
            Category::Pricing => "pricing",
            Category::Registration => "preorder/register",
            Category::Updates => "updates",
            Category::Transfers => "transfers",
            Category::Renewals => "renewals",
            Category::Expiry => "expiry",
            Category::Grace => "grace period",
            Category::Revokes => "revokes",
            Category::Imports => "imports",
            Category::Collisions => "collisions",
            Category::Invalid => "invalid ops",
            Category::Epochs => "epoch changes",
            Category::Multisig => "multisig",
            Category::Atlas => "zonefiles/Atlas",
            Category::Subdomains => "subdomains",
            Category::Rest => "REST API",
        }
    }

    /// Every category.
    pub const ALL: [Category; 17] = [
        Category::Namespaces,
        Category::Pricing,
        Category::Registration,
        Category::Updates,
        Category::Transfers,
        Category::Renewals,
        Category::Expiry,
        Category::Grace,
        Category::Revokes,
        Category::Imports,
        Category::Collisions,
        Category::Invalid,
        Category::Epochs,
        Category::Multisig,
        Category::Atlas,
        Category::Subdomains,
        Category::Rest,
    ];
}

/// A scenario's steps.
pub type Run = fn(Scene) -> Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// One scenario.
pub struct Scenario {
    /// Its name (unique).
    pub name: &'static str,
    /// Its category.
    pub category: Category,
    /// The rules it runs under.
    pub profile: Profile,
    /// Also run against the real regtest bitcoind.
    pub regtest: bool,
    /// What it checks, in a sentence.
    pub checks: &'static str,
    /// The original scenarios (`integration_tests/.../scenarios/*.py`) it stands for.
    pub originals: &'static [&'static str],
    /// A divergence of our node from the original that this scenario exposes, as the README
    /// records it: the scenario is expected to fail until it is fixed.
    pub divergence: Option<&'static str>,
    /// Its steps.
    pub run: Run,
}

macro_rules! optional {
    () => {
        None
    };
    ($text:literal) => {
        Some($text)
    };
}

macro_rules! scenarios {
    ($( $module:ident :: $name:ident { $cat:ident, $profile:ident, $regtest:literal, $checks:literal, [$($orig:literal),* $(,)?] $(, diverges $div:literal)? } )*) => {
        /// Every scenario, in README order.
        pub static SCENARIOS: &[Scenario] = &[
            $(Scenario {
                name: stringify!($name),
                category: Category::$cat,
                profile: Profile::$profile,
                regtest: $regtest,
                checks: $checks,
                originals: &[$($orig),*],
                divergence: optional!($($div)?),
                run: |s| Box::pin($module::$name(s)),
            },)*
        ];
    };
}

scenarios! {
    namespaces::namespace_preorder_reveal_ready { Namespaces, Epoch3, true,
        "a namespace preorder is stored, consumed by the reveal (revealed, not ready, with its lifetime, price function, revealer and creator) and the revealer's READY launches it",
        ["namespace_preorder_reveal_ready", "namespace_preorder", "namespace_preorder_reveal"] }
    registration::name_preorder_register { Registration, Epoch3, true,
        "a preorder is stored until its registration consumes it; the record has the committed owner, no zone-file hash, first_registered = last_renewed = the registration block and an expiry of lifetime x 2",
        ["name_pre_reg", "name_preorder"] }
    updates::name_update_sets_hash { Updates, Epoch3, true,
        "NAME_UPDATE by the owner sets the zone-file hash and records the consensus hash it matched; the owner and history stay",
        ["name_pre_reg_up"] }
}

/// The README's scenario table, generated from [`SCENARIOS`].
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| scenario | category | profile | regtest | what it checks | original scenario(s) |\n|---|---|---|---|---|---|\n",
    );
    for s in SCENARIOS {
        let originals: Vec<String> = s.originals.iter().map(|o| format!("`{o}`")).collect();
        let checks = match s.divergence {
            Some(d) => format!("{} **Known divergence:** {d}", s.checks),
            None => s.checks.to_owned(),
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} |\n",
            s.name,
            s.category.name(),
            s.profile.name(),
            if s.regtest { "yes" } else { "" },
            checks,
            originals.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn scenario_names_are_unique() {
        let mut seen = HashSet::new();
        for s in SCENARIOS {
            assert!(seen.insert(s.name), "{} twice", s.name);
        }
    }

    #[test]
    fn every_scenario_names_the_originals_it_stands_for() {
        for s in SCENARIOS {
            assert!(!s.originals.is_empty(), "{}", s.name);
            assert!(!s.checks.is_empty(), "{}", s.name);
        }
    }

    /// With `BNS_WRITE_README=1` the table between the README's markers is rewritten.
    #[test]
    fn the_readme_table_is_the_catalog() {
        const START: &str = "<!-- scenario-table -->\n";
        const END: &str = "<!-- /scenario-table -->";
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
        let readme = std::fs::read_to_string(path).expect("README.md");
        let table = markdown_table();
        let (Some(start), Some(end)) = (readme.find(START), readme.find(END)) else {
            panic!("README.md lacks the scenario-table markers");
        };
        let current = &readme[start + START.len()..end];
        if current != table && std::env::var_os("BNS_WRITE_README").is_some() {
            let updated = format!("{}{START}{table}{}", &readme[..start], &readme[end..]);
            std::fs::write(path, updated).expect("write README.md");
            return;
        }
        assert_eq!(
            current, table,
            "README.md's scenario table is out of date (BNS_WRITE_README=1 rewrites it)"
        );
    }
}
