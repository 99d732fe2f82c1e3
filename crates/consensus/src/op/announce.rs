//! ANNOUNCE (`#`): a message hash from an announcer name; no consensus effect (spec §9.8).
//!
//! ```text
//! 0    2  3                     23
//! | id | # | message_hash (20)  |
//! ```

use super::{Opcode, ParseError};

/// The payload of an ANNOUNCE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    /// The message's hash.
    pub message_hash: [u8; 20],
}

impl Payload {
    /// Parses the bytes after the opcode: exactly 20.
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        let message_hash = body.try_into().map_err(|_| ParseError::PayloadLength {
            opcode: Opcode::Announce,
            len: body.len(),
            expected: "20",
        })?;
        Ok(Self { message_hash })
    }

    /// The full OP_RETURN data.
    pub fn encode(&self) -> Vec<u8> {
        super::encode_nulldata(Opcode::Announce, &self.message_hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_length() {
        let p = Payload {
            message_hash: [0x99; 20],
        };
        assert_eq!(Payload::parse(&p.encode()[3..]), Ok(p));
        assert!(Payload::parse(&[0; 19]).is_err());
        assert!(Payload::parse(&[0; 21]).is_err());
    }
}
