//! NAMESPACE_PREORDER (`*`): commit to a namespace ID (spec §9.9).
//!
//! ```text
//! 0    2  3                      23                  39
//! | id | * | preorder_hash (20)  | consensus_hash (16) |
//! ```
//! Outputs: at least three; output 2 pays the fee, to any address (never checked).

use super::name_preorder::split_hashes;
use super::{Opcode, ParseError};

/// The payload of a NAMESPACE_PREORDER.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    /// `hash160(b40(namespace_id) ‖ payer script ‖ revealer address)`.
    pub preorder_hash: [u8; 20],
    /// A consensus hash of one of the previous 24 blocks.
    pub consensus_hash: [u8; 16],
}

impl Payload {
    /// Parses the bytes after the opcode: exactly 36.
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        let (preorder_hash, consensus_hash) = split_hashes(body, Opcode::NamespacePreorder)?;
        Ok(Self {
            preorder_hash,
            consensus_hash,
        })
    }

    /// The full OP_RETURN data.
    pub fn encode(&self) -> Vec<u8> {
        let mut body = self.preorder_hash.to_vec();
        body.extend_from_slice(&self.consensus_hash);
        super::encode_nulldata(Opcode::NamespacePreorder, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_length() {
        let p = Payload {
            preorder_hash: [7; 20],
            consensus_hash: [9; 16],
        };
        let data = p.encode();
        assert_eq!(&data[..3], b"id*");
        assert_eq!(Payload::parse(&data[3..]), Ok(p));
        assert!(Payload::parse(&data[4..]).is_err());
    }
}
