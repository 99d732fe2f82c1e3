//! fast-sync: signed snapshots of a node's state, their verification and restore
//! (`/work/shared/spec/fast-sync.md`; v0.18 `blockstack/lib/fast_sync.py`).
//!
//! A snapshot file is the original's container: a compressed tar payload, then one sigblock
//! per signer (base64 secp256k1 signature of the payload's SHA-256 and its 8-hex-digit length),
//! then the 8-hex-digit signature count ([`trailer`]). The archive keeps the original's layout
//! ([`layout`]): the databases as backup set `B − 1` under `backups/`, the zone file store
//! under `zonefiles/`.
//!
//! * [`create::create`] snapshots a working directory while the node keeps indexing;
//!   [`verify::cosign`] adds a signature.
//! * [`verify::verify`] checks the signatures against a [`trust::TrustPolicy`]: N distinct
//!   trusted keys, each counted once.
//! * [`restore::stage`] unpacks into a new directory beside the working directory, refusing
//!   unsafe entries ([`paths`]) and a state that contradicts a trusted [`checkpoint`];
//!   [`restore::Staged::commit`] swaps it in atomically ([`swap`]).
//! * [`download::download`] fetches a snapshot over HTTP, resumably.
//!
//! Safety beyond the original: entries are confined to the layout (no `..`, absolute paths,
//! links or devices), a key signing twice counts once, checkpoints are enforced, and the
//! working directory is never left half-restored.

pub mod checkpoint;
pub mod compression;
pub mod create;
mod dbcopy;
pub mod download;
pub mod error;
pub mod hashing;
pub mod keys;
pub mod layout;
pub mod paths;
pub mod restore;
pub mod swap;
pub mod trailer;
pub mod trust;
pub mod verify;
mod zonefile_writer;

pub use checkpoint::Checkpoint;
pub use compression::Compression;
pub use create::{create, CreateOptions, CreateReport, StatePaths};
pub use error::{Result, SnapshotError};
pub use keys::{parse_public_key, SigningKey};
pub use restore::{stage, RestoreReport, Staged};
pub use trust::TrustPolicy;
pub use verify::{cosign, inspect, verify, Inspection, Verified};
