//! The [`Facts`] of a driven chain: what our in-memory index and the driver know about it.

use std::collections::BTreeMap;

use blockstack_consensus::StateView;

use super::catalogue::Facts;
use crate::driver::{Driver, MULTISIG, PARTIES};
use crate::ops::Op;
use crate::Error;

/// How many of the busiest blocks get the paging edges of `get_nameops_at`.
const BUSY_BLOCKS: usize = 6;

/// The subdomains a zone file's TXT records create, with their owners: a record
/// `label TXT "owner=<address>" …` under `$ORIGIN name` is `label.name`.
pub fn subdomains_of(zonefile: &str) -> Vec<(String, String)> {
    let origin = zonefile
        .lines()
        .find_map(|l| l.strip_prefix("$ORIGIN "))
        .map(str::trim);
    let Some(origin) = origin else {
        return Vec::new();
    };
    zonefile
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let label = words.next()?;
            if words.next()? != "TXT" {
                return None;
            }
            let owner = words
                .map(|w| w.trim_matches('"'))
                .find_map(|w| w.strip_prefix("owner="))?;
            Some((format!("{label}.{origin}"), owner.to_owned()))
        })
        .collect()
}

/// The facts of the chain `driver` drove, processed from `first_block` to `tip`.
pub fn from_run(driver: &Driver, first_block: u64, tip: u64) -> Result<Facts, Error> {
    let state = driver.ours.store().latest();
    let mut f = Facts {
        first_block,
        tip,
        ..Facts::default()
    };
    for rec in state.names() {
        f.names.insert(rec.name.clone());
        f.addresses.insert(rec.address.clone());
        if let Some(a) = &rec.importer_address {
            f.addresses.insert(a.clone());
        }
        if let Some(v) = &rec.value_hash {
            f.value_hashes.insert(v.clone());
        }
    }
    for ns in state.namespaces() {
        f.namespaces.insert(ns.namespace_id.clone());
        f.addresses.insert(ns.address.clone());
        f.addresses.insert(ns.recipient_address.clone());
    }
    for s in &driver.sent {
        match &s.op {
            Op::NamespacePreorder { ns, .. }
            | Op::NamespaceReveal { ns, .. }
            | Op::NamespaceReady { ns, .. } => {
                f.namespaces.insert(ns.clone());
            }
            Op::NameImport { name, .. }
            | Op::NamePreorder { name, .. }
            | Op::NameRegister { name, .. }
            | Op::NameRenew { name, .. }
            | Op::NameUpdate { name, .. }
            | Op::NameUpdateZonefile { name, .. }
            | Op::NameTransfer { name, .. }
            | Op::NameRevoke { name, .. } => {
                f.names.insert(name.clone());
            }
            Op::Malformed { .. } => {}
        }
    }
    for p in (0..PARTIES).chain([MULTISIG]) {
        if let Ok(k) = driver.party(p) {
            f.addresses.insert(k.address.to_string());
        }
    }
    for h in &state.history {
        *f.history_rows.entry(h.block).or_default() += 1;
        if f.names.contains(&h.id) {
            f.history_blocks
                .entry(h.id.clone())
                .or_default()
                .insert(h.block);
        }
    }
    for zonefile in driver.zonefiles()? {
        for (fqn, owner) in subdomains_of(&zonefile) {
            f.subdomains.insert(fqn);
            f.addresses.insert(owner);
        }
    }
    let step = ((tip.saturating_sub(first_block)) / 12).max(1);
    let mut height = first_block;
    while height <= tip {
        if let Some(ch) = state.consensus_hash(height) {
            f.consensus_hashes.push(ch);
        }
        height += step;
    }
    let mut per_block: BTreeMap<u64, usize> = BTreeMap::new();
    for s in driver.sent.iter().filter(|s| s.txid.is_some()) {
        *per_block.entry(s.height).or_default() += 1;
    }
    let mut busy: Vec<(usize, u64)> = per_block.into_iter().map(|(h, n)| (n, h)).collect();
    busy.sort_by(|a, b| b.cmp(a));
    f.busy_blocks = busy.into_iter().take(BUSY_BLOCKS).map(|(_, h)| h).collect();
    f.busy_blocks.sort_unstable();
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomain_records_are_read_from_txt_records() {
        let z = "$ORIGIN foo.test\n$TTL 3600\n_http._tcp URI 10 1 \"https://x/y\"\n\
                 alice TXT \"owner=mfdp8Vjq86wdLTwZSVXvmxLTi2vPRB41Jh\" \"seqn=0\" \"parts=0\"\n\
                 note TXT \"hello\"\n";
        assert_eq!(
            subdomains_of(z),
            vec![(
                "alice.foo.test".to_owned(),
                "mfdp8Vjq86wdLTwZSVXvmxLTi2vPRB41Jh".to_owned()
            )]
        );
        assert!(subdomains_of("no origin").is_empty());
    }
}
