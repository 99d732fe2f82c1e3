//! Expiry as the queries see it: the SQL form of `alive(name, B)` (spec §8.1, the original's
//! `namedb_select_where_unexpired_names`) and the reported deadlines (spec §8.3,
//! `BlockstackDB.get_name_deadlines` and `load_name_info` in `blockstackd.py`).

use blockstack_consensus::{NamespaceRecord, Rules};
use rusqlite::types::Value as SqlValue;
use serde::Serialize;

/// The original's `NAMESPACE_LIFE_INFINITE`: a lifetime that never expires.
pub(crate) const LIFE_INFINITE: u32 = u32::MAX;

/// `alive(name, ?1)` over `name_records nr JOIN namespaces ns`, with `?2` the lifetime
/// multiplier and `?3` the grace period of epoch(?1), and `?4` `NAMESPACE_REVEAL_EXPIRE`.
/// Revoked names are alive; callers filter them where needed.
pub(crate) const ALIVE: &str = "(nr.first_registered <= ?1 AND (\
    (ns.op = '!' AND (ns.ready_block + ns.lifetime * ?2 + ?3 > ?1 \
                      OR nr.last_renewed + ns.lifetime * ?2 + ?3 >= ?1)) \
    OR (ns.op = '&' AND ns.reveal_block <= ?1 AND ?1 < ns.reveal_block + ?4)))";

/// [`ALIVE`] without the `first_registered ≤ B` term (`only_registered=False`), which the
/// name-at-block query uses so a name can be looked up at its preorder's block.
pub(crate) const ALIVE_ANY_AGE: &str = "(\
    (ns.op = '!' AND (ns.ready_block + ns.lifetime * ?2 + ?3 > ?1 \
                      OR nr.last_renewed + ns.lifetime * ?2 + ?3 >= ?1)) \
    OR (ns.op = '&' AND ns.reveal_block <= ?1 AND ?1 < ns.reveal_block + ?4))";

/// An SQL integer from a height or count.
pub(crate) fn int(v: u64) -> SqlValue {
    SqlValue::Integer(i64::try_from(v).unwrap_or(i64::MAX))
}

/// An SQL text value.
pub(crate) fn text(s: &str) -> SqlValue {
    SqlValue::Text(s.to_string())
}

/// The four parameters of [`ALIVE`] at block `b`, to which a query appends its own.
pub(crate) fn alive_args(rules: &Rules, b: u64) -> Vec<SqlValue> {
    let epoch = rules.epoch(b);
    vec![
        int(b),
        int(epoch.lifetime_multiplier),
        int(epoch.grace_period),
        int(rules.namespace_reveal_expire),
    ]
}

/// Whether a namespace is what the queries call visible at `b`: ready, or revealed and not
/// expired (`get_namespace`, else `get_namespace_reveal`).
pub(crate) fn namespace_visible(ns: &NamespaceRecord, rules: &Rules, b: u64) -> bool {
    visible_at(ns.ready, ns.reveal_block, rules, b)
}

/// [`namespace_visible`] of a namespace known by its readiness and reveal block.
pub(crate) fn visible_at(ready: bool, reveal_block: u64, rules: &Rules, b: u64) -> bool {
    ready || (reveal_block <= b && b < reveal_block.saturating_add(rules.namespace_reveal_expire))
}

/// What the deadlines of a name depend on in its namespace.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NamespaceTerms {
    /// Whether the namespace is ready.
    pub ready: bool,
    /// The block it became ready at.
    pub ready_block: u64,
    /// Its names' lifetime in blocks ([`LIFE_INFINITE`]: forever).
    pub lifetime: u32,
}

/// The deadlines reported with a name (spec §8.3). Informational: consensus uses §8.1/§8.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Deadlines {
    /// `max(ready_block, last_renewed) + lifetime × M(lastblock)`, or −1 for an
    /// infinite-lifetime or not-yet-ready namespace.
    pub expire_block: i64,
    /// `expire_block + G(lastblock)`, or −1 like `expire_block`.
    pub renewal_deadline: i64,
    /// `0 < expire_block ≤ lastblock`.
    pub expired: bool,
}

impl Deadlines {
    /// The deadlines of a name last renewed at `last_renewed` in namespace `ns`, at `lastblock`.
    pub fn compute(ns: &NamespaceRecord, last_renewed: u64, lastblock: u64, rules: &Rules) -> Self {
        Self::of_namespace(
            NamespaceTerms {
                ready: ns.ready,
                ready_block: ns.ready_block,
                lifetime: ns.lifetime,
            },
            last_renewed,
            lastblock,
            rules,
        )
    }

    /// [`Deadlines::compute`] from the namespace's terms alone.
    pub(crate) fn of_namespace(
        ns: NamespaceTerms,
        last_renewed: u64,
        lastblock: u64,
        rules: &Rules,
    ) -> Self {
        let (expire_block, renewal_deadline) = if ns.lifetime == LIFE_INFINITE || !ns.ready {
            (-1, -1)
        } else {
            let epoch = rules.epoch(lastblock);
            let expire = ns
                .ready_block
                .max(last_renewed)
                .saturating_add(u64::from(ns.lifetime).saturating_mul(epoch.lifetime_multiplier));
            let deadline = expire.saturating_add(epoch.grace_period);
            let signed = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
            (signed(expire), signed(deadline))
        };
        let expired = expire_block > 0 && u64::try_from(expire_block).is_ok_and(|e| e <= lastblock);
        Self {
            expire_block,
            renewal_deadline,
            expired,
        }
    }
}
