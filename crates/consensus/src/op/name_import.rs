//! NAME_IMPORT (`;`): the namespace revealer assigns a name before READY (spec §9.12).
//!
//! ```text
//! 0    2  3                 3+len(fqn)
//! | id | ; | fqn (3..37)    |
//! ```
//! Outputs: at least three; output 1 is the owner, output 2's p2pkh/p2sh hash is the zonefile
//! hash.

use super::name_registration::valid_name;
use super::{Opcode, ParseError};

/// The payload of a NAME_IMPORT.
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
        super::encode_nulldata(Opcode::NameImport, self.name.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let p = Payload {
            name: "imported.test".into(),
        };
        assert_eq!(Payload::parse(&p.encode()[3..]), Ok(p));
        assert!(Payload::parse(b"a.b.c").is_err());
    }
}
