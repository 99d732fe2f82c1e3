//! Trusted checkpoints: consensus hashes the operator knows to be right at given blocks
//! (configuration `[blockstack] fast_sync_checkpoints`, the role of v0.18's
//! `GENESIS_SNAPSHOT` / `--expected-snapshots` for indexing).
//!
//! v0.18 trusted a snapshot as soon as enough keys signed it. A restore here also refuses one
//! whose consensus hash at a checkpointed block differs from the checkpoint, so a signer's
//! mistake (or a stolen key) cannot feed the node a forged history below a checkpoint.

use std::str::FromStr;

use crate::error::SnapshotError;

/// A block and its trusted consensus hash.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Checkpoint {
    /// The block.
    pub height: u64,
    /// Its consensus hash: 32 lowercase hex digits.
    pub consensus_hash: String,
}

impl FromStr for Checkpoint {
    type Err = SnapshotError;

    /// Parses `HEIGHT:CONSENSUS_HASH`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || SnapshotError::BadCheckpoint(s.to_owned());
        let (h, ch) = s.trim().split_once(':').ok_or_else(bad)?;
        let height = h.trim().parse().map_err(|_| bad())?;
        let ch = ch.trim().to_ascii_lowercase();
        if ch.len() != 32 || !ch.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok(Self {
            height,
            consensus_hash: ch,
        })
    }
}

/// What the checkpoints said about a snapshot.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct CheckpointReport {
    /// Checkpoints at or below the snapshot's block, all matched.
    pub matched: Vec<u64>,
    /// Checkpoints above the snapshot's block: the node checks them as it indexes on.
    pub later: Vec<u64>,
}

/// Checks `checkpoints` against a state ending at `last_block` whose consensus hash at a
/// block is `consensus_at(height)`.
pub fn check(
    checkpoints: &[Checkpoint],
    last_block: u64,
    consensus_at: impl Fn(u64) -> Result<Option<String>, SnapshotError>,
) -> Result<CheckpointReport, SnapshotError> {
    let mut report = CheckpointReport::default();
    for cp in checkpoints {
        if cp.height > last_block {
            report.later.push(cp.height);
            continue;
        }
        let found = consensus_at(cp.height)?;
        if found.as_deref() != Some(cp.consensus_hash.as_str()) {
            return Err(SnapshotError::Checkpoint {
                height: cp.height,
                expected: cp.consensus_hash.clone(),
                found: found.unwrap_or_else(|| "none".into()),
            });
        }
        report.matched.push(cp.height);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "0123456789abcdef0123456789abcdef";
    const B: &str = "ffffffffffffffffffffffffffffffff";

    fn state(h: u64) -> Result<Option<String>, SnapshotError> {
        Ok(match h {
            10 => Some(A.into()),
            20 => Some(B.into()),
            _ => None,
        })
    }

    #[test]
    fn parses_height_colon_hash() {
        let cp: Checkpoint = format!(" 10 : {}", A.to_uppercase()).parse().expect("cp");
        assert_eq!(
            cp,
            Checkpoint {
                height: 10,
                consensus_hash: A.into()
            }
        );
        for bad in [
            "10",
            "x:00",
            &format!("10:{}", &A[1..]),
            &format!("10:{A}0"),
        ] {
            assert!(bad.parse::<Checkpoint>().is_err(), "{bad}");
        }
    }

    #[test]
    fn matching_checkpoints_pass_and_later_ones_are_reported() {
        let cps = [
            Checkpoint {
                height: 10,
                consensus_hash: A.into(),
            },
            Checkpoint {
                height: 30,
                consensus_hash: A.into(),
            },
        ];
        let report = check(&cps, 20, state).expect("matches");
        assert_eq!((report.matched, report.later), (vec![10], vec![30]));
    }

    #[test]
    fn a_different_or_missing_hash_refuses() {
        let wrong = [Checkpoint {
            height: 20,
            consensus_hash: A.into(),
        }];
        let err = check(&wrong, 20, state).expect_err("differs");
        assert!(err.to_string().contains(B), "{err}");
        let missing = [Checkpoint {
            height: 15,
            consensus_hash: A.into(),
        }];
        let err = check(&missing, 20, state).expect_err("missing");
        assert!(err.to_string().contains("none"), "{err}");
    }
}
