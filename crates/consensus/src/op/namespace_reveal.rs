//! NAMESPACE_REVEAL (`&`): reveal a preordered namespace and its price function (spec §9.10).
//!
//! ```text
//! 0    2  3        7       8      9                17          18        20             20+len(id)
//! | id | & | life  | coeff | base | bucket nibbles | discounts | version | namespace_id (1..19) |
//!          4 B BE    1 B     1 B    8 B = 16 × 4 bit  1 B         2 B BE
//! ```
//! Bucket nibbles: high nibble of the first byte is the exponent for length 1, …, the low nibble
//! of the last byte for length 16 and up. Discounts: high nibble non-alpha, low nibble no-vowel;
//! both must be 1..15. Outputs: exactly three; output 1 is the revealer.

use serde::Serialize;

use super::{Opcode, ParseError};
use crate::name::is_namespace_valid;
use crate::price::PriceFunction;

/// Namespace version 1: name fees are burned.
pub const VERSION_PAY_TO_BURN: u16 = 1;
/// Namespace version 2: name fees go to the namespace creator for a year (epoch 3).
pub const VERSION_PAY_TO_CREATOR: u16 = 2;

/// The payload of a NAMESPACE_REVEAL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Payload {
    /// The namespace ID.
    pub namespace_id: String,
    /// Name lifetime in blocks (before the epoch multiplier).
    pub lifetime: u32,
    /// The price function.
    #[serde(flatten)]
    pub price: PriceFunction,
    /// 1 or 2.
    pub version: u16,
}

impl Payload {
    /// The price function.
    pub fn price_function(&self) -> PriceFunction {
        self.price
    }

    /// Parses the bytes after the opcode.
    pub fn parse(body: &[u8]) -> Result<Self, ParseError> {
        if body.len() < 18 {
            return Err(ParseError::PayloadLength {
                opcode: Opcode::NamespaceReveal,
                len: body.len(),
                expected: "at least 18",
            });
        }
        let byte = |i: usize| body.get(i).copied().unwrap_or(0);
        let lifetime = u32::from_be_bytes([byte(0), byte(1), byte(2), byte(3)]);
        let coeff = byte(4);
        let base = byte(5);
        let mut buckets = [0u8; 16];
        for (i, b) in buckets.iter_mut().enumerate() {
            let packed = byte(6 + i / 2);
            *b = if i % 2 == 0 {
                packed >> 4
            } else {
                packed & 0x0f
            };
        }
        let discounts = byte(14);
        let nonalpha_discount = discounts >> 4;
        let no_vowel_discount = discounts & 0x0f;
        let version = u16::from_be_bytes([byte(15), byte(16)]);
        let id_bytes = body.get(17..).unwrap_or_default();
        let namespace_id = std::str::from_utf8(id_bytes)
            .ok()
            .filter(|s| is_namespace_valid(s))
            .ok_or_else(|| ParseError::InvalidName(String::from_utf8_lossy(id_bytes).into_owned()))?
            .to_string();
        if version != VERSION_PAY_TO_BURN && version != VERSION_PAY_TO_CREATOR {
            return Err(ParseError::InvalidField("namespace version must be 1 or 2"));
        }
        if nonalpha_discount == 0 || no_vowel_discount == 0 {
            return Err(ParseError::InvalidField(
                "namespace discounts must be 1..15",
            ));
        }
        Ok(Self {
            namespace_id,
            lifetime,
            price: PriceFunction {
                coeff,
                base,
                buckets,
                nonalpha_discount,
                no_vowel_discount,
            },
            version,
        })
    }

    /// The full OP_RETURN data.
    pub fn encode(&self) -> Vec<u8> {
        let mut body = self.lifetime.to_be_bytes().to_vec();
        body.push(self.price.coeff);
        body.push(self.price.base);
        for pair in self.price.buckets.chunks(2) {
            let hi = pair.first().copied().unwrap_or(0) & 0x0f;
            let lo = pair.get(1).copied().unwrap_or(0) & 0x0f;
            body.push((hi << 4) | lo);
        }
        body.push(
            ((self.price.nonalpha_discount & 0x0f) << 4) | (self.price.no_vowel_discount & 0x0f),
        );
        body.extend_from_slice(&self.version.to_be_bytes());
        body.extend_from_slice(self.namespace_id.as_bytes());
        super::encode_nulldata(Opcode::NamespaceReveal, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example() {
        let data = hex::decode("6964260000cd73fa046543210000000000aa000174657374").expect("hex");
        let p = Payload::parse(&data[3..]).expect("valid");
        assert_eq!(p.namespace_id, "test");
        assert_eq!(p.lifetime, 52595);
        assert_eq!(p.price.coeff, 250);
        assert_eq!(p.price.base, 4);
        assert_eq!(
            p.price.buckets,
            [6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(p.price.nonalpha_discount, 10);
        assert_eq!(p.price.no_vowel_discount, 10);
        assert_eq!(p.version, 1);
        assert_eq!(p.encode(), data);
    }

    #[test]
    fn parse_time_checks() {
        let good = hex::decode("0000cd73fa046543210000000000aa000174657374").expect("hex");
        assert!(Payload::parse(&good).is_ok());
        let mut zero_discount = good.clone();
        zero_discount[14] = 0xa0;
        assert!(Payload::parse(&zero_discount).is_err());
        zero_discount[14] = 0x0a;
        assert!(Payload::parse(&zero_discount).is_err());
        let mut v3 = good.clone();
        v3[16] = 3;
        assert!(Payload::parse(&v3).is_err());
        let mut v2 = good.clone();
        v2[16] = 2;
        assert_eq!(Payload::parse(&v2).expect("valid").version, 2);
        assert!(Payload::parse(&good[..17]).is_err());
        let mut bad_id = good.clone();
        bad_id.push(b'+');
        assert!(Payload::parse(&bad_id).is_err());
    }
}
