//! NAMESPACE_READY (`!`): open a revealed namespace to registrations (spec §9.11).
//!
//! ```text
//! 0    2  3   4                    4+len(id)
//! | id | ! | . | namespace_id (1..19) |
//! ```

use super::{Opcode, ParseError};
use crate::name::is_namespace_valid;

/// The payload of a NAMESPACE_READY.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    /// The namespace ID.
    pub namespace_id: String,
}

impl Payload {
    /// Parses the bytes after the opcode: `.` then a valid namespace ID.
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        let id = body.strip_prefix(b".").ok_or(ParseError::InvalidField(
            "namespace ready must start with '.'",
        ))?;
        let id = std::str::from_utf8(id)
            .ok()
            .filter(|s| is_namespace_valid(s))
            .ok_or_else(|| ParseError::InvalidName(String::from_utf8_lossy(id).into_owned()))?;
        Ok(Self {
            namespace_id: id.to_string(),
        })
    }

    /// The full OP_RETURN data.
    pub fn encode(&self) -> Vec<u8> {
        let mut body = vec![b'.'];
        body.extend_from_slice(self.namespace_id.as_bytes());
        super::encode_nulldata(Opcode::NamespaceReady, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example() {
        let data = hex::decode("6964212e74657374").expect("hex");
        let p = Payload::parse(&data[3..]).expect("valid");
        assert_eq!(p.namespace_id, "test");
        assert_eq!(p.encode(), data);
    }

    #[test]
    fn needs_the_dot_and_a_valid_id() {
        assert!(Payload::parse(b"test").is_err());
        assert!(Payload::parse(b".").is_err());
        assert!(Payload::parse(b"").is_err());
        assert!(Payload::parse(b".te.st").is_err());
        assert!(Payload::parse(b".aaaaaaaaaaaaaaaaaaaa").is_err());
    }
}
