//! Errors produced while reading zone files.

use thiserror::Error;

/// Why a zone file was rejected by [`crate::parse`].
///
/// Every variant corresponds to a way the Python `blockstack_zones`
/// 0.17.0.2 parser raises (`InvalidLineException`, `ValueError`,
/// `AssertionError`, `TypeError`), so callers that treat any exception
/// as "unusable zone file" can do the same with any variant. `line` fields
/// hold the record line after the normalisation passes (tokens joined by
/// single spaces), which is what the original reported.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    /// The input bytes are not UTF-8 (the Rust parser works on text).
    #[error("zone file is not valid utf-8 (first bad byte at offset {offset})")]
    NotUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// No record line survived the comment and blank-line passes; the
    /// original's argument parser fails on the empty line it is then given.
    #[error("zone file contains no records")]
    Empty,
    /// A class token (`in`, `Cs`, …) was found in a case other than upper
    /// case; `remove_class` detects it case-insensitively but removes it
    /// case-sensitively and raises `ValueError` (spec §2.2 pass 3).
    #[error("class token {token:?} is not upper case in line {line:?}")]
    NonUpperCaseClass {
        /// The offending token.
        token: String,
        /// The line it was found in.
        line: String,
    },
    /// Neither the first, second nor third token is a supported record
    /// type keyword (types are matched case-sensitively, spec §2.3).
    #[error("no supported record type in line {line:?}")]
    UnknownRecordType {
        /// The offending line.
        line: String,
    },
    /// Fewer fields than the record type requires.
    #[error("too few fields in line {line:?}")]
    TooFewFields {
        /// The offending line.
        line: String,
    },
    /// More fields than the record type accepts.
    #[error("unexpected extra fields {extra:?} in line {line:?}")]
    ExtraFields {
        /// The surplus tokens.
        extra: Vec<String>,
        /// The offending line.
        line: String,
    },
    /// A token starting with `-` that `argparse` takes for an option
    /// (anything but a negative number or a string with a space; `--ttl` is
    /// the only option accepted, and only on TXT lines).
    #[error("option-like token {token:?} in line {line:?}")]
    OptionLikeToken {
        /// The offending token.
        token: String,
        /// The offending line.
        line: String,
    },
    /// A bare `--` token: `argparse` treats it as an end-of-options marker
    /// with effects this parser does not reproduce, so such lines are
    /// rejected.
    #[error("unsupported argument separator \"--\" in line {line:?}")]
    ArgumentSeparator {
        /// The offending line.
        line: String,
    },
    /// An integer field is not a decimal integer as Python's `int()` reads it.
    #[error("invalid integer {value:?} for field {field} in line {line:?}")]
    InvalidInteger {
        /// Which field.
        field: &'static str,
        /// The offending value.
        value: String,
        /// The offending line.
        line: String,
    },
    /// An integer field is a valid integer but does not fit in an `i64`
    /// (Python would accept arbitrarily large integers).
    #[error("integer {value:?} for field {field} is out of range in line {line:?}")]
    IntegerOutOfRange {
        /// Which field.
        field: &'static str,
        /// The offending value.
        value: String,
        /// The offending line.
        line: String,
    },
    /// The record-type keyword did not land in the type position (e.g.
    /// `foo 10 A` parses `10` as the type field); the original fails an
    /// assertion ("Unknown record type").
    #[error("record type keyword {keyword:?} is misplaced in line {line:?}")]
    MisplacedType {
        /// The keyword that selected the record type.
        keyword: String,
        /// The offending line.
        line: String,
    },
    /// PTR records always fail in 0.17.0.2: the parser looks the origin up
    /// under `$ORIGIN` but stores it as `$origin`, so the `fullname`
    /// concatenation raises `TypeError`.
    #[error("ptr records are rejected by the reference parser in line {line:?}")]
    PtrRecord {
        /// The offending line.
        line: String,
    },
}

/// A zone file larger than [`crate::MAX_ZONEFILE_LEN`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("zone file is {len} bytes, more than the {max} byte limit")]
pub struct TooLarge {
    /// Size of the rejected zone file.
    pub len: usize,
    /// The limit it exceeded.
    pub max: usize,
}
