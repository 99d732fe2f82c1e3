//! BNS zone files and subdomain records, as Blockstack Core v0.18 reads
//! and writes them.
//!
//! * [`parse`] / [`serialize`] reproduce the Python `blockstack_zones`
//!   0.17.0.2 parser and serializer, quirks included, because BNS
//!   consumers (the subdomain indexer, the REST API, profile lookup) accept
//!   or reject zone files by what that parser does.
//! * [`zonefile_hash`] and [`check_size`] are what Atlas needs: it stores
//!   raw bytes and never parses them.
//! * [`schema`] holds the "user zone file" JSON-schema checks.
//! * [`subdomain`] decodes subdomain TXT records, rebuilds the signed
//!   plaintext, verifies signatures and applies the acceptance rules.
//!
//! Everything here is pure: no I/O, no clock, and no input can make it
//! panic.

#![cfg_attr(
    not(test),
    deny(clippy::indexing_slicing, clippy::unwrap_used, clippy::panic)
)]

mod args;
/// BNS conventions: the v0.18 user zone file layout, data key and profile URLs.
pub mod bns;
mod error;
mod hash;
mod parse;
mod passes;
mod pyint;
mod record;
/// User zone file schema checks.
pub mod schema;
mod serialize;
/// Subdomain records carried in zone files.
pub mod subdomain;
mod tokenize;

pub use error::{ParseError, TooLarge};
pub use hash::{check_size, zonefile_hash, LEGACY_MAX_ZONEFILE_LEN, MAX_ZONEFILE_LEN};
pub use parse::{parse, parse_bytes};
pub use record::{
    AddressRecord, CnameRecord, HostRecord, MxRecord, PtrRecord, RecordType, SoaRecord, SpfRecord,
    SrvRecord, TxtData, TxtRecord, UriRecord, Zonefile, SUPPORTED_KEYWORDS,
};
pub use serialize::serialize;
