//! Subdomain records carried in zone files (spec `subdomains.md` §2–5).
//!
//! The pure half of v0.18's subdomain support: decoding the TXT records of
//! a carrier zone file ([`decode_zonefile_subdomains`]), rebuilding the
//! signed plaintext ([`SubdomainRecord::plaintext`]), checking and making
//! signatures ([`verify_signature`], [`sign_singlesig`],
//! [`sign_multisig`]) and deciding which records take effect
//! ([`check_record`], [`evaluate_history`]). Storage, the zone file queue
//! and the `pending` computation belong to the node.

mod accept;
mod base64py;
mod decode;
mod name;
mod record;
mod script;
mod verify;

pub use accept::{
    check_creation, check_record, check_transition, evaluate_history, Candidate, Rejection,
};
pub use base64py::b64decode_py2;
pub use decode::{
    decode_zonefile_subdomains, is_subdomain_record, CarrierRecords, DecodeError, SkipReason,
    Skipped, RESERVED_NAMES,
};
pub use name::{is_name_valid, split_subdomain};
pub use record::{SubdomainRecord, ZONEFILE_PIECE_LEN};
pub use verify::{
    sign_multisig, sign_singlesig, verify_signature, AddressKind, AddressNetwork, Owner,
    SignatureError,
};
