//! Extracting subdomain records from a carrier zone file (spec
//! `subdomains.md` §2, §4; `decode_zonefile_subdomains`,
//! `Subdomain.parse_subdomain_record`, `is_subdomain_record` and
//! `is_subdomain_missing_zonefiles_record` in `blockstack/lib/subdomains.py`).

use std::collections::HashMap;

use thiserror::Error;

use super::base64py::b64decode_py2;
use super::name::{is_name_valid, split_subdomain};
use super::record::SubdomainRecord;
use crate::error::ParseError;
use crate::pyint::{parse_py_int, PyInt};
use crate::record::{TxtData, TxtRecord};
use crate::schema::{validate, SchemaError, SchemaVariant};

/// TXT owner names that never hold subdomain records (compared after
/// lower-casing).
pub const RESERVED_NAMES: [&str; 3] = ["_missing", "_resolver", "_registrar"];

/// The subdomain content of one carrier zone file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CarrierRecords {
    /// Accepted-for-indexing records, in zone file order, at most one per
    /// fqn (the lowest `seqn`, the first on ties).
    pub records: Vec<SubdomainRecord>,
    /// Atlas inventory indexes the carrier declares missing (`_missing`).
    pub missing: Vec<i64>,
    /// Subdomain-looking TXT records that were passed over, with why.
    pub skipped: Vec<Skipped>,
}

/// A TXT record left out of [`CarrierRecords::records`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Position of the record among the zone file's TXT records.
    pub txt_index: usize,
    /// The owner name, lower-cased.
    pub name: String,
    /// Why.
    pub reason: SkipReason,
}

/// Why a subdomain TXT record was skipped without losing the zone file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// The owner name is one of [`RESERVED_NAMES`].
    Reserved,
    /// A key occurs twice.
    DuplicateKey(String),
    /// `parts` is not an integer.
    InvalidParts(String),
    /// `seqn` is not an integer (or does not fit in an `i64`).
    InvalidSequence(String),
    /// Another record for the same fqn in this zone file has a lower (or
    /// equal and earlier) sequence number.
    Superseded,
}

/// Why a carrier zone file yields no subdomain records at all. The
/// `Malformed*`/`Invalid*` variants are v0.18 quirks (spec §4 step 5):
/// errors inside one record that the original does not catch per record,
/// so the whole zone file is dropped.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// Not a parseable zone file.
    #[error("zone file does not parse: {0}")]
    Parse(#[from] ParseError),
    /// Fails the server's user zone file schema.
    #[error("zone file is not a user zone file: {0}")]
    Schema(#[from] SchemaError),
    /// `$ORIGIN` is not the carrier name.
    #[error("zone file origin {origin:?} is not the carrier name {carrier:?}")]
    OriginMismatch {
        /// The zone file's `$origin`.
        origin: Option<String>,
        /// The carrier name.
        carrier: String,
    },
    /// More than one `_missing` record.
    #[error("zone file has more than one _missing record")]
    MultipleMissing,
    /// A string of a subdomain record has no `=`.
    #[error("subdomain record {name:?} has an entry without '=': {entry:?}")]
    EntryWithoutEquals {
        /// Record owner name.
        name: String,
        /// The entry.
        entry: String,
    },
    /// A `zfN` piece below `parts` is absent.
    #[error("subdomain record {name:?} lacks zone file piece zf{index}")]
    MissingPiece {
        /// Record owner name.
        name: String,
        /// Index of the first missing piece.
        index: u64,
    },
    /// The record's owner name cannot be made into a valid subdomain name.
    #[error("subdomain record name {name:?} does not give a valid subdomain of {carrier:?}")]
    InvalidName {
        /// Record owner name.
        name: String,
        /// The carrier name.
        carrier: String,
    },
    /// The joined `zfN` pieces are not base64 (Python 2 rules).
    #[error("subdomain record {name:?} has undecodable zone file base64")]
    InvalidBase64 {
        /// Record owner name.
        name: String,
    },
}

/// Decode the subdomain records of a zone file carried by the on-chain
/// name `carrier` (`decode_zonefile_subdomains`, minus the block height,
/// txid and Atlas index the node attaches).
pub fn decode_zonefile_subdomains(
    carrier: &str,
    zonefile: &[u8],
) -> Result<CarrierRecords, DecodeError> {
    let parsed = crate::parse_bytes(zonefile)?;
    validate(&parsed, SchemaVariant::Server)?;
    if parsed.origin.as_deref() != Some(carrier) {
        return Err(DecodeError::OriginMismatch {
            origin: parsed.origin,
            carrier: carrier.to_owned(),
        });
    }

    let mut out = CarrierRecords::default();
    let mut missing: Option<Vec<i64>> = None;
    for txt in &parsed.txt {
        if let Some(list) = missing_list(txt) {
            if missing.is_some() {
                return Err(DecodeError::MultipleMissing);
            }
            missing = Some(list);
        }
    }
    out.missing = missing.unwrap_or_default();

    // fqn -> (TXT position, owner name, record)
    let mut best: HashMap<String, (usize, String, SubdomainRecord)> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for (txt_index, txt) in parsed.txt.iter().enumerate() {
        let TxtData::Multi(strings) = &txt.txt else {
            continue;
        };
        if !is_subdomain_record(strings) {
            continue;
        }
        let name = txt.name.to_ascii_lowercase();
        let skip = |reason| Skipped {
            txt_index,
            name: name.clone(),
            reason,
        };
        if RESERVED_NAMES.contains(&name.as_str()) {
            out.skipped.push(skip(SkipReason::Reserved));
            continue;
        }
        let record = match parse_record(carrier, &name, strings)? {
            Ok(record) => record,
            Err(reason) => {
                out.skipped.push(skip(reason));
                continue;
            }
        };
        match best.get(&record.fqn) {
            Some((_, _, kept)) if kept.sequence <= record.sequence => {
                out.skipped.push(skip(SkipReason::Superseded));
            }
            Some((kept_index, kept_name, _)) => {
                out.skipped.push(Skipped {
                    txt_index: *kept_index,
                    name: kept_name.clone(),
                    reason: SkipReason::Superseded,
                });
                best.insert(record.fqn.clone(), (txt_index, name.clone(), record));
            }
            None => {
                order.push(record.fqn.clone());
                best.insert(record.fqn.clone(), (txt_index, name.clone(), record));
            }
        }
    }

    let mut kept: Vec<(usize, String, SubdomainRecord)> =
        order.iter().filter_map(|fqn| best.remove(fqn)).collect();
    kept.sort_by_key(|(index, _, _)| *index);
    out.records = kept.into_iter().map(|(_, _, r)| r).collect();
    out.skipped.sort_by_key(|s| s.txt_index);
    Ok(out)
}

/// `is_subdomain_record`: a list holding strings that start with
/// `parts=`, `owner=` and `seqn=`.
pub fn is_subdomain_record(strings: &[String]) -> bool {
    let has = |prefix: &str| strings.iter().any(|s| s.starts_with(prefix));
    has("parts=") && has("owner=") && has("seqn=")
}

/// `is_subdomain_missing_zonefiles_record` + its parser: a single-string
/// TXT named exactly `_missing` whose comma-separated items are all
/// integers.
fn missing_list(txt: &TxtRecord) -> Option<Vec<i64>> {
    if txt.name != "_missing" {
        return None;
    }
    let TxtData::Single(s) = &txt.txt else {
        return None;
    };
    s.split(',')
        .map(|item| match parse_py_int(item) {
            PyInt::Value(v) => Some(v),
            PyInt::OutOfRange | PyInt::Invalid => None,
        })
        .collect()
}

/// `parse_subdomain_record`. The outer `Result` is a whole-file failure,
/// the inner one a per-record skip; their order follows the original's
/// evaluation order.
fn parse_record(
    carrier: &str,
    name: &str,
    strings: &[String],
) -> Result<Result<SubdomainRecord, SkipReason>, DecodeError> {
    let mut entries: HashMap<&str, String> = HashMap::new();
    for entry in strings {
        let Some((key, value)) = entry.split_once('=') else {
            return Err(DecodeError::EntryWithoutEquals {
                name: name.to_owned(),
                entry: entry.clone(),
            });
        };
        if entries.contains_key(key) {
            return Ok(Err(SkipReason::DuplicateKey(key.to_owned())));
        }
        entries.insert(key, value.replace("\\=", "="));
    }
    let field = |key: &str| entries.get(key).cloned().unwrap_or_default();

    let parts_text = field("parts");
    let parts = match parse_py_int(&parts_text) {
        PyInt::Value(v) => v,
        // A huge positive count cannot be satisfied by the pieces present;
        // a huge negative one is an empty range.
        PyInt::OutOfRange if parts_text.trim_start().starts_with('-') => 0,
        PyInt::OutOfRange => i64::MAX,
        PyInt::Invalid => return Ok(Err(SkipReason::InvalidParts(parts_text))),
    };
    let seqn_text = field("seqn");
    let PyInt::Value(sequence) = parse_py_int(&seqn_text) else {
        return Ok(Err(SkipReason::InvalidSequence(seqn_text)));
    };

    let mut encoded = String::new();
    for index in 0..u64::try_from(parts).unwrap_or(0) {
        match entries.get(format!("zf{index}").as_str()) {
            Some(piece) => encoded.push_str(piece),
            None => {
                return Err(DecodeError::MissingPiece {
                    name: name.to_owned(),
                    index,
                })
            }
        }
    }

    let fqn = if split_subdomain(name).is_some() {
        name.to_owned()
    } else {
        let candidate = format!("{name}.{carrier}");
        if !is_name_valid(carrier) || split_subdomain(&candidate).is_none() {
            return Err(DecodeError::InvalidName {
                name: name.to_owned(),
                carrier: carrier.to_owned(),
            });
        }
        candidate
    };

    let Some(zonefile) = b64decode_py2(encoded.as_bytes()) else {
        return Err(DecodeError::InvalidBase64 {
            name: name.to_owned(),
        });
    };

    Ok(Ok(SubdomainRecord {
        fqn,
        carrier: carrier.to_owned(),
        owner: field("owner"),
        sequence,
        zonefile,
        signature: entries.get("sig").cloned(),
    }))
}
