//! Errors of the XML-RPC codec.

use thiserror::Error;

/// Why a buffer is not a valid XML-RPC document.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The buffer is larger than the configured limit; nothing was parsed.
    #[error("xml-rpc document of {len} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Length of the buffer.
        len: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The buffer ends before the document does: more bytes are needed.
    #[error("xml-rpc document is incomplete (ends at byte {len})")]
    Incomplete {
        /// Length of the buffer.
        len: usize,
    },
    /// Values are nested deeper than the configured limit.
    #[error("xml-rpc values nested deeper than {limit} levels")]
    TooDeep {
        /// The limit in force.
        limit: usize,
    },
    /// The bytes are not UTF-8, or the declaration names another encoding.
    #[error("xml-rpc document is not utf-8: {reason}")]
    Encoding {
        /// What was wrong.
        reason: String,
    },
    /// The XML itself is not well formed (or uses a forbidden construct,
    /// such as a DTD or an unknown entity).
    #[error("malformed xml at byte {position}: {reason}")]
    Xml {
        /// Byte offset where the problem was found.
        position: u64,
        /// What was wrong.
        reason: String,
    },
    /// Well-formed XML that is not the XML-RPC structure expected here.
    #[error("unexpected xml-rpc structure at byte {position}: expected {expected}, found {found}")]
    Structure {
        /// Byte offset where the problem was found.
        position: u64,
        /// What the grammar allows here.
        expected: &'static str,
        /// What the document has instead.
        found: String,
    },
    /// A scalar whose text does not parse as its type.
    #[error("bad xml-rpc <{kind}> value {text:?}")]
    BadScalar {
        /// The type element, e.g. `int`, `boolean`.
        kind: &'static str,
        /// The offending text (truncated to 64 characters).
        text: String,
    },
    /// A `<fault>` whose struct is not `{faultCode: int, faultString: string}`.
    #[error("bad xml-rpc fault: {reason}")]
    BadFault {
        /// What was wrong.
        reason: String,
    },
}

/// Why a value cannot be written as XML-RPC.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum EncodeError {
    /// An integer outside the 32-bit range. `xmlrpclib.dumps` raises
    /// `OverflowError("int exceeds XML-RPC limits")` for the same values.
    #[error("integer {0} exceeds xml-rpc limits (32-bit)")]
    IntOverflow(i64),
    /// A character XML 1.0 cannot carry at all, not even as a reference
    /// (e.g. U+0000 or U+001B). xmlrpclib would write it and the peer's
    /// parser would reject the whole document.
    #[error("character U+{0:04X} cannot be written in xml")]
    InvalidChar(u32),
}
