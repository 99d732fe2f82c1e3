//! Which subdomain records take effect (spec `subdomains.md` §5;
//! `check_initial_subdomain` and `check_subdomain_transition` in
//! `blockstack/lib/subdomains.py`).
//!
//! These functions only look at records; the node supplies them in the
//! order the rules need and stores the verdicts.

use thiserror::Error;

use super::record::SubdomainRecord;
use super::verify::{verify_signature, Owner, SignatureError};

/// Why a record does not take effect.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Rejection {
    /// The first record of a subdomain must have sequence number 0.
    #[error("first record of {fqn} has seqn {sequence}, not 0")]
    NotCreation {
        /// The subdomain.
        fqn: String,
        /// Its sequence number.
        sequence: i64,
    },
    /// The first record of a subdomain must be carried by its parent domain.
    #[error("creation of {fqn} is carried by {carrier}, not its parent domain")]
    IndependentCreation {
        /// The subdomain.
        fqn: String,
        /// The carrier name.
        carrier: String,
    },
    /// The lowest record of this subdomain was rejected, so none can be
    /// accepted (v0.18 behaviour; an independent `seqn=0` record published
    /// before the parent's creation blocks the subdomain for good).
    #[error("creation of {fqn} was rejected, so later records cannot apply")]
    NoValidCreation {
        /// The subdomain.
        fqn: String,
    },
    /// Compared against a record of another subdomain.
    #[error("record for {found} does not continue {expected}")]
    DifferentName {
        /// The previous record's fqn.
        expected: String,
        /// The new record's fqn.
        found: String,
    },
    /// The sequence number is not the previous one plus one.
    #[error("seqn {found} does not follow {previous}")]
    SequenceGap {
        /// Previous accepted seqn.
        previous: i64,
        /// The new seqn.
        found: i64,
    },
    /// Not signed by the previous owner.
    #[error("not signed by previous owner {owner}: {source}")]
    BadSignature {
        /// The previous owner.
        owner: String,
        /// What failed.
        source: SignatureError,
    },
    /// A new owner's address is not a p2pkh/p2sh address (the original
    /// raises here).
    #[error("owner address {0:?} is neither p2pkh nor p2sh")]
    UnsupportedOwner(String),
    /// Ownership changes must be carried by the parent domain.
    #[error("transfer of {fqn} is carried by {carrier}, not its parent domain")]
    IndependentTransfer {
        /// The subdomain.
        fqn: String,
        /// The carrier name.
        carrier: String,
    },
}

/// Whether `record` may create its subdomain: `seqn` 0 and carried by the
/// parent domain. The creation's own `sig` is not checked.
pub fn check_creation(record: &SubdomainRecord) -> Result<(), Rejection> {
    if record.sequence != 0 {
        return Err(Rejection::NotCreation {
            fqn: record.fqn.clone(),
            sequence: record.sequence,
        });
    }
    if record.is_independent() {
        return Err(Rejection::IndependentCreation {
            fqn: record.fqn.clone(),
            carrier: record.carrier.clone(),
        });
    }
    Ok(())
}

/// Whether `next` may follow `previous`, the last accepted record: same
/// fqn, `seqn + 1`, signed by the previous owner, and, if the owner
/// changes, carried by the parent domain. Owner-preserving updates may be
/// carried by any name.
pub fn check_transition(
    previous: &SubdomainRecord,
    next: &SubdomainRecord,
) -> Result<(), Rejection> {
    if previous.fqn != next.fqn {
        return Err(Rejection::DifferentName {
            expected: previous.fqn.clone(),
            found: next.fqn.clone(),
        });
    }
    if previous.sequence.checked_add(1) != Some(next.sequence) {
        return Err(Rejection::SequenceGap {
            previous: previous.sequence,
            found: next.sequence,
        });
    }
    verify_signature(
        &previous.owner,
        next.plaintext().as_bytes(),
        next.signature.as_deref(),
    )
    .map_err(|source| Rejection::BadSignature {
        owner: previous.owner.clone(),
        source,
    })?;
    let new_owner = Owner::from_address(&next.owner)
        .ok_or_else(|| Rejection::UnsupportedOwner(next.owner.clone()))?;
    let old_owner = Owner::from_address(&previous.owner)
        .ok_or_else(|| Rejection::UnsupportedOwner(previous.owner.clone()))?;
    if new_owner != old_owner && next.is_independent() {
        return Err(Rejection::IndependentTransfer {
            fqn: next.fqn.clone(),
            carrier: next.carrier.clone(),
        });
    }
    Ok(())
}

/// Check `next` against the current state of its subdomain: the last
/// accepted record, or `None` if the subdomain has none yet.
pub fn check_record(
    current: Option<&SubdomainRecord>,
    next: &SubdomainRecord,
) -> Result<(), Rejection> {
    match current {
        None => check_creation(next),
        Some(previous) => check_transition(previous, next),
    }
}

/// A record of one subdomain together with the Atlas inventory index of
/// the carrier zone file it came from (chain order).
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// Atlas `inv_index` of the carrier zone file.
    pub zonefile_index: u64,
    /// The record.
    pub record: &'a SubdomainRecord,
}

/// Recompute acceptance for all known records of one subdomain (spec §5).
///
/// Records are considered in `(seqn, zonefile_index)` order. The lowest
/// must be a valid creation, else every record is rejected; each later
/// record is checked against the last accepted one, so rejected records do
/// not break the chain and, among equal sequence numbers, the one earliest
/// in the chain wins. Verdicts are returned in input order.
pub fn evaluate_history(candidates: &[Candidate<'_>]) -> Vec<Result<(), Rejection>> {
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by_key(|&i| {
        candidates
            .get(i)
            .map(|c| (c.record.sequence, c.zonefile_index))
    });

    let mut verdicts: Vec<Result<(), Rejection>> = vec![Ok(()); candidates.len()];
    let mut last: Option<&SubdomainRecord> = None;
    let mut blocked: Option<String> = None;
    for (rank, &i) in order.iter().enumerate() {
        let Some(candidate) = candidates.get(i) else {
            continue;
        };
        let verdict = if let Some(fqn) = &blocked {
            Err(Rejection::NoValidCreation { fqn: fqn.clone() })
        } else {
            check_record(last, candidate.record)
        };
        if verdict.is_ok() {
            last = Some(candidate.record);
        } else if rank == 0 {
            blocked = Some(candidate.record.fqn.clone());
        }
        if let Some(slot) = verdicts.get_mut(i) {
            *slot = verdict;
        }
    }
    verdicts
}
