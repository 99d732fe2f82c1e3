//! BNS v0.18 consensus rules, pure: no I/O, no clock, no randomness.
//!
//! Bytes and a read-only view of the state go in; operations, typed rejections, state changes
//! and consensus hashes come out. Everything here reproduces the original Blockstack Core v0.18
//! node byte for byte, including the quirks that became consensus.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)
)]

pub mod address;
pub mod b40;
pub mod block;
pub mod consensus_hash;
#[cfg(feature = "testing")]
pub mod fixtures;
pub mod hash;
pub mod name;
pub mod op;
pub mod price;
pub mod pyfmt;
pub mod record;
pub mod rules;
pub mod script;
pub mod state;

pub use address::AddressNetwork;
pub use block::process_block;
pub use consensus_hash::ConsensusRecord;
pub use op::{parse_transaction, OpKind, Opcode, ParseError, ParsedOp};
pub use record::{NameRecord, NamespaceRecord, PreorderRecord};
pub use rules::Rules;
pub use state::{BlockOutcome, MemState, Rejection, StateView};
