//! Base64 decoding with the leniency of Python 2's `base64.b64decode`
//! (`binascii.a2b_base64`), which the v0.18 subdomain code relies on.
//!
//! Python 2 skips every byte outside the alphabet, ignores `=` that cannot
//! start padding, stops at the first valid padding, and fails only when the
//! data bits do not end on a byte boundary ("Incorrect padding").

/// Value of a base64 alphabet byte; `=` counts as valid (value 0) for the
/// look-ahead, as in CPython's table.
fn value(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        b'=' => Some(0),
        _ => None,
    }
}

/// Decode like Python 2 `base64.b64decode(s)`; `None` means Python would
/// raise `TypeError: Incorrect padding`.
pub fn b64decode_py2(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 3);
    let mut quad_pos = 0u8;
    let mut left_char: u32 = 0;
    let mut left_bits = 0u32;

    for (i, &c) in input.iter().enumerate() {
        if c > 0x7f || c == b'\r' || c == b'\n' || c == b' ' {
            continue;
        }
        if c == b'=' {
            // Padding ends the data only in the third or fourth position of a
            // quad, and in the third only if the next valid byte is also `=`.
            let next_valid = input
                .get(i + 1..)
                .unwrap_or_default()
                .iter()
                .copied()
                .find(|&b| b <= 0x7f && value(b).is_some());
            if quad_pos < 2 || (quad_pos == 2 && next_valid != Some(b'=')) {
                continue;
            }
            left_bits = 0;
            break;
        }
        let Some(v) = value(c) else {
            continue;
        };
        quad_pos = (quad_pos + 1) & 3;
        left_char = (left_char << 6) | u32::from(v);
        left_bits += 6;
        if left_bits >= 8 {
            left_bits -= 8;
            out.push(((left_char >> left_bits) & 0xff) as u8);
            left_char &= (1 << left_bits) - 1;
        }
    }
    (left_bits == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Option<Vec<u8>> {
        b64decode_py2(s.as_bytes())
    }

    #[test]
    fn standard_input() {
        assert_eq!(dec("Zm9vYmFy").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(dec("Zm9vYg==").as_deref(), Some(&b"foob"[..]));
        assert_eq!(dec("Zm9vYmE=").as_deref(), Some(&b"fooba"[..]));
        assert_eq!(dec("").as_deref(), Some(&b""[..]));
    }

    #[test]
    fn python2_leniency() {
        // Junk bytes are skipped, data after padding is ignored.
        assert_eq!(dec("Zm9v!YmFy").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(dec("Zg==trailing").as_deref(), Some(&b"f"[..]));
        assert_eq!(dec("Z=g==").as_deref(), Some(&b"f"[..]));
        // Bits left over: incorrect padding.
        assert_eq!(dec("Zm9vY"), None);
        assert_eq!(dec("Zg="), None);
        assert_eq!(dec("Zg"), None);
    }
}
