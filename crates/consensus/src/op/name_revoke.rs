//! NAME_REVOKE (`~`): freeze a name until it expires (spec §9.7).
//!
//! ```text
//! 0    2  3                 3+len(fqn)
//! | id | ~ | fqn (3..37)    |
//! ```

use super::name_registration::valid_name;
use super::{Opcode, ParseError};

/// The payload of a NAME_REVOKE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    /// The fully-qualified name.
    pub name: String,
}

impl Payload {
    /// Parses the bytes after the opcode: a valid name.
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        Ok(Self {
            name: valid_name(body)?,
        })
    }

    /// The full OP_RETURN data.
    pub fn encode(&self) -> Vec<u8> {
        super::encode_nulldata(Opcode::NameRevoke, self.name.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let p = Payload {
            name: "foo.test".into(),
        };
        assert_eq!(Payload::parse(&p.encode()[3..]), Ok(p));
        assert!(Payload::parse(b"foo").is_err());
    }
}
