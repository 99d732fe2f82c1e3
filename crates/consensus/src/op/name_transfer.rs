//! NAME_TRANSFER (`>`): give a name to output 1's owner (spec §9.6).
//!
//! ```text
//! 0    2  3    4                     20                  36
//! | id | > | d | name_hash128 (16)   | consensus_hash (16) |
//! d = '>' keeps the value hash, '~' clears it
//! ```

use super::{Opcode, ParseError};

/// The payload of a NAME_TRANSFER.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    /// Whether the value hash is kept (`>`) or cleared (`~`).
    pub keep_data: bool,
    /// `hash128(name)`.
    pub name_hash128: [u8; 16],
    /// A consensus hash of one of the previous 24 blocks.
    pub consensus_hash: [u8; 16],
}

impl Payload {
    /// Parses the bytes after the opcode: exactly 33.
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        let err = || ParseError::PayloadLength {
            opcode: Opcode::NameTransfer,
            len: body.len(),
            expected: "33",
        };
        if body.len() != 33 {
            return Err(err());
        }
        let (d, rest) = body.split_first().ok_or_else(err)?;
        let keep_data = match d {
            b'>' => true,
            b'~' => false,
            _ => {
                return Err(ParseError::InvalidField(
                    "transfer disposition must be '>' or '~'",
                ))
            }
        };
        let (a, b) = rest.split_at(16);
        Ok(Self {
            keep_data,
            name_hash128: a.try_into().map_err(|_| err())?,
            consensus_hash: b.try_into().map_err(|_| err())?,
        })
    }

    /// The full OP_RETURN data.
    pub fn encode(&self) -> Vec<u8> {
        let mut body = vec![if self.keep_data { b'>' } else { b'~' }];
        body.extend_from_slice(&self.name_hash128);
        body.extend_from_slice(&self.consensus_hash);
        super::encode_nulldata(Opcode::NameTransfer, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_and_clear() {
        let mut data = hex::decode("69643e3e683a3e1ee5f0296833c56e481cf41b77").expect("hex");
        data.extend_from_slice(&[0xab; 16]);
        let p = Payload::parse(&data[3..]).expect("valid");
        assert!(p.keep_data);
        assert_eq!(
            hex::encode(p.name_hash128),
            "683a3e1ee5f0296833c56e481cf41b77"
        );
        assert_eq!(p.encode(), data);
        data[3] = b'~';
        assert!(!Payload::parse(&data[3..]).expect("valid").keep_data);
        data[3] = b'x';
        assert!(Payload::parse(&data[3..]).is_err());
        assert!(Payload::parse(&data[4..]).is_err());
    }
}
