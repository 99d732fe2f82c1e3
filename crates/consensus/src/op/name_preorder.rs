//! NAME_PREORDER (`?`): commit to a name without revealing it (spec §9.1).
//!
//! ```text
//! 0    2  3                      23                  39
//! | id | ? | preorder_hash (20)  | consensus_hash (16) |
//! ```
//! Outputs: exactly three; output 2 pays the fee (its destination is checked at registration).

use super::{Opcode, ParseError};

/// The payload of a NAME_PREORDER.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    /// `hash160(b40(name) ‖ payer script ‖ recipient address)`.
    pub preorder_hash: [u8; 20],
    /// A consensus hash of one of the previous 24 blocks.
    pub consensus_hash: [u8; 16],
}

impl Payload {
    /// Parses the bytes after the opcode: exactly 36.
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        let (preorder_hash, consensus_hash) = split_hashes(body, Opcode::NamePreorder)?;
        Ok(Self {
            preorder_hash,
            consensus_hash,
        })
    }

    /// The full OP_RETURN data.
    pub fn encode(&self) -> Vec<u8> {
        let mut body = self.preorder_hash.to_vec();
        body.extend_from_slice(&self.consensus_hash);
        super::encode_nulldata(Opcode::NamePreorder, &body)
    }
}

/// Splits a 36-byte `hash160 ‖ consensus hash` body (shared with NAMESPACE_PREORDER).
pub(crate) fn split_hashes(
    body: &[u8],
    opcode: Opcode,
) -> Result<([u8; 20], [u8; 16]), ParseError> {
    let err = || ParseError::PayloadLength {
        opcode,
        len: body.len(),
        expected: "36",
    };
    if body.len() != 36 {
        return Err(err());
    }
    let (a, b) = body.split_at(20);
    Ok((
        a.try_into().map_err(|_| err())?,
        b.try_into().map_err(|_| err())?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_mainnet_payload_round_trips() {
        let data = hex::decode(
            "69643f26bf7874706ac761afdd403ed6b3b9578fb01a347b696b6f4060b792d41912068944d73b",
        )
        .expect("hex");
        let p = Payload::parse(&data[3..]).expect("valid");
        assert_eq!(
            hex::encode(p.preorder_hash),
            "26bf7874706ac761afdd403ed6b3b9578fb01a34"
        );
        assert_eq!(
            hex::encode(p.consensus_hash),
            "7b696b6f4060b792d41912068944d73b"
        );
        assert_eq!(p.encode(), data);
    }

    #[test]
    fn length_must_be_exactly_36() {
        assert!(Payload::parse(&[0; 35]).is_err());
        assert!(Payload::parse(&[0; 37]).is_err());
        assert!(Payload::parse(&[0; 36]).is_ok());
    }
}
