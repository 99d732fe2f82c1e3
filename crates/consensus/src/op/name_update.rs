//! NAME_UPDATE (`+`): set a name's zonefile hash (spec §9.5).
//!
//! ```text
//! 0    2  3                           19                 39
//! | id | + | name_consensus_hash (16) | value_hash (20)  |
//! ```
//! The name is not in the payload: it is found among the sender's names by
//! `hash128(name ‖ consensus_hash)` over the last 24 consensus hashes.

use super::{Opcode, ParseError};

/// The payload of a NAME_UPDATE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    /// `hash128(name ‖ consensus_hash_hex)`.
    pub name_consensus_hash: [u8; 16],
    /// The new zonefile hash.
    pub value_hash: [u8; 20],
}

impl Payload {
    /// Parses the bytes after the opcode: exactly 36.
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        let err = || ParseError::PayloadLength {
            opcode: Opcode::NameUpdate,
            len: body.len(),
            expected: "36",
        };
        if body.len() != 36 {
            return Err(err());
        }
        let (a, b) = body.split_at(16);
        Ok(Self {
            name_consensus_hash: a.try_into().map_err(|_| err())?,
            value_hash: b.try_into().map_err(|_| err())?,
        })
    }

    /// The full OP_RETURN data.
    pub fn encode(&self) -> Vec<u8> {
        let mut body = self.name_consensus_hash.to_vec();
        body.extend_from_slice(&self.value_hash);
        super::encode_nulldata(Opcode::NameUpdate, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_update_of_patrickstanley() {
        let data = hex::decode(
            "69642b93d8b6008b260febd26fb03bc502c53302af0ef21161ad06b0923106f40b994b9e4c1614",
        )
        .expect("hex");
        let p = Payload::parse(&data[3..]).expect("valid");
        assert_eq!(
            hex::encode(p.name_consensus_hash),
            "93d8b6008b260febd26fb03bc502c533"
        );
        assert_eq!(
            hex::encode(p.value_hash),
            "02af0ef21161ad06b0923106f40b994b9e4c1614"
        );
        assert_eq!(p.encode(), data);
        assert!(Payload::parse(&data[4..]).is_err());
    }
}
