//! Base-40 encoding of names (`b40.py` in the original).
//!
//! A name is read as a big-endian number in base 40 over the alphabet below and written back as
//! the shortest even-length big-endian byte string. Leading `0` characters therefore vanish:
//! `a.id` and `0a.id` encode to the same bytes (spec §2.2, §13 item 12).

/// The 40 characters of the alphabet, in digit order.
pub const ALPHABET: &[u8; 40] = b"0123456789abcdefghijklmnopqrstuvwxyz-_.+";

/// The value of one alphabet character, or `None` for any other byte.
fn digit(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 10),
        b'-' => Some(36),
        b'_' => Some(37),
        b'.' => Some(38),
        b'+' => Some(39),
        _ => None,
    }
}

/// Whether `s` matches the original's `^[a-z0-9\-_.+]*$` under Python `re.match`.
///
/// Python's `$` also matches just before one final `\n`, so a string that is base-40 except for a
/// single trailing newline passes this check (spec §3). [`to_bytes`] still refuses it.
pub fn is_b40(s: &str) -> bool {
    let body = s.strip_suffix('\n').unwrap_or(s);
    body.bytes().all(|c| digit(c).is_some())
}

/// Encodes `s` as base-40 bytes, or `None` if a character is outside the alphabet.
///
/// The empty string encodes to the single byte `00`, as the original's hex round trip does.
pub fn to_bytes(s: &str) -> Option<Vec<u8>> {
    // Big-endian base-256 accumulator: multiply by 40 and add each digit.
    let mut out: Vec<u8> = Vec::with_capacity(s.len());
    for c in s.bytes() {
        let mut carry = digit(c)?;
        for byte in out.iter_mut().rev() {
            let v = u32::from(*byte) * 40 + carry;
            *byte = (v & 0xff) as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            out.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    // Leading zero bytes cannot occur (each insert is non-zero); zero itself is one `00` byte.
    if out.is_empty() {
        out.push(0);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> String {
        hex::encode(to_bytes(s).expect("valid b40"))
    }

    #[test]
    fn spec_examples_encode() {
        assert_eq!(hex("id"), "02dd");
        assert_eq!(hex("test"), "1cadfd");
        assert_eq!(hex("foo.test"), "0253b0250dfd");
        assert_eq!(hex("muneeb.id"), "87b0059d8e5d");
        assert_eq!(hex("a.id"), "0ab45d");
    }

    #[test]
    fn leading_zero_characters_vanish() {
        assert_eq!(hex("a"), "0a");
        assert_eq!(hex("0a"), "0a");
        assert_eq!(hex("00a"), "0a");
        assert_eq!(hex("0a.id"), hex("a.id"));
    }

    #[test]
    fn empty_and_zero_strings_encode_to_one_zero_byte() {
        assert_eq!(hex(""), "00");
        assert_eq!(hex("0"), "00");
        assert_eq!(hex("000"), "00");
    }

    #[test]
    fn odd_length_hex_is_left_padded() {
        // 40 = 0x28 -> "28"; 39 ('+') -> "27"; 1600 = 0x640 -> "0640".
        assert_eq!(hex("10"), "28");
        assert_eq!(hex("+"), "27");
        assert_eq!(hex("100"), "0640");
    }

    #[test]
    fn characters_outside_the_alphabet_are_refused() {
        assert_eq!(to_bytes("A"), None);
        assert_eq!(to_bytes("a b"), None);
        assert_eq!(to_bytes("a\n"), None);
        assert_eq!(to_bytes("é"), None);
    }

    #[test]
    fn trailing_newline_passes_the_regex_only() {
        assert!(is_b40("abc\n"));
        assert!(!is_b40("abc\n\n"));
        assert!(!is_b40("ab\nc"));
        assert!(is_b40(""));
        assert!(!is_b40("ABC"));
    }

    proptest::proptest! {
        #[test]
        fn encoding_matches_big_integer_arithmetic(s in "[0-9a-z._+-]{0,20}") {
            // Reference: u128 arithmetic is exact for up to 24 base-40 digits.
            let mut n: u128 = 0;
            for c in s.bytes() {
                n = n * 40 + u128::from(digit(c).expect("alphabet"));
            }
            let mut h = format!("{n:x}");
            if h.len() % 2 == 1 {
                h.insert(0, '0');
            }
            proptest::prop_assert_eq!(hex(&s), h);
        }
    }
}
