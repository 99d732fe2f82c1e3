//! NAME_REGISTRATION and NAME_RENEWAL (`:`; spec §9.2–§9.4).
//!
//! ```text
//! Form 1:  0    2  3                     3+len(fqn)
//!          | id | : | fqn (3..37 bytes) |
//! Form 2 (epoch 3 only, exactly 57 bytes after the opcode):
//!          0    2  3                                40                 60
//!          | id | : | fqn, NUL-padded to 37 bytes   | value_hash (20)  |
//! ```
//! Outputs: at least two; output 1 is the (new) owner; with four or more, output 3 must have an
//! address and pays a renewal's fee.

use super::{Opcode, ParseError};
use crate::name::{is_name_valid, MAX_NAME_LEN};

/// The payload of a NAME_REGISTRATION or NAME_RENEWAL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    /// The fully-qualified name.
    pub name: String,
    /// The zonefile hash of form 2.
    pub value_hash: Option<[u8; 20]>,
}

impl Payload {
    /// Parses the bytes after the opcode. `with_value_hash` is whether the epoch allows form 2.
    pub fn parse(body: &[u8], with_value_hash: bool) -> Result<Self, ParseError> {
        let (name_bytes, value_hash) = if with_value_hash && body.len() == MAX_NAME_LEN + 20 {
            let (name, hash) = body.split_at(MAX_NAME_LEN);
            let end = name.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
            let hash: [u8; 20] = hash
                .try_into()
                .map_err(|_| ParseError::InvalidField("value hash"))?;
            (name.get(..end).unwrap_or_default(), Some(hash))
        } else {
            (body, None)
        };
        let name = valid_name(name_bytes)?;
        Ok(Self { name, value_hash })
    }

    /// The full OP_RETURN data (form 2 when a value hash is present).
    pub fn encode(&self) -> Vec<u8> {
        let mut body = self.name.as_bytes().to_vec();
        if let Some(hash) = &self.value_hash {
            body.resize(MAX_NAME_LEN, 0);
            body.extend_from_slice(hash);
        }
        super::encode_nulldata(Opcode::NameRegistration, &body)
    }
}

/// A payload's name, if it passes `is_name_valid`.
pub(crate) fn valid_name(bytes: &[u8]) -> Result<String, ParseError> {
    let name = std::str::from_utf8(bytes)
        .ok()
        .filter(|s| s.is_ascii())
        .ok_or_else(|| ParseError::InvalidName(String::from_utf8_lossy(bytes).into_owned()))?;
    if is_name_valid(name) {
        Ok(name.to_string())
    } else {
        Err(ParseError::InvalidName(name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_1() {
        let data = hex::decode("69643a7061747269636b7374616e6c65792e6964").expect("hex");
        let p = Payload::parse(&data[3..], false).expect("valid");
        assert_eq!(p.name, "patrickstanley.id");
        assert_eq!(p.value_hash, None);
        assert_eq!(p.encode(), data);
    }

    #[test]
    fn form_2_in_epoch_3() {
        let mut data = hex::decode("69643a666f6f2e74657374").expect("hex");
        data.extend_from_slice(&[0; 29]);
        data.extend_from_slice(&[0x11; 20]);
        assert_eq!(data.len(), 60);
        let p = Payload::parse(&data[3..], true).expect("valid");
        assert_eq!(p.name, "foo.test");
        assert_eq!(p.value_hash, Some([0x11; 20]));
        assert_eq!(p.encode(), data);
    }

    #[test]
    fn form_2_is_not_a_valid_name_before_epoch_3() {
        let mut body = b"foo.test".to_vec();
        body.resize(37, 0);
        body.extend_from_slice(&[0x11; 20]);
        assert!(matches!(
            Payload::parse(&body, false),
            Err(ParseError::InvalidName(_))
        ));
    }

    #[test]
    fn invalid_names_are_refused() {
        assert!(Payload::parse(b"noname", false).is_err());
        assert!(Payload::parse(b"Upper.id", false).is_err());
        assert!(Payload::parse(&[0xff, b'.', b'i', b'd'], false).is_err());
    }
}
