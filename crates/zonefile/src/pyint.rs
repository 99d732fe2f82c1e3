//! Integer parsing with the rules of Python 2's `int(str)`.

/// Outcome of reading an integer the way Python's `int()` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PyInt {
    /// A valid integer that fits in an `i64`.
    Value(i64),
    /// Valid syntax, but beyond `i64` (Python would return a `long`).
    OutOfRange,
    /// Not an integer at all.
    Invalid,
}

/// The bytes Python 2's `str.isspace()` / `str.strip()` treat as whitespace.
pub(crate) fn is_py_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// Parse like Python 2 `int(s)`: optional surrounding whitespace, an
/// optional sign, then one or more ASCII digits (leading zeros allowed,
/// base 10, no underscores).
pub(crate) fn parse_py_int(s: &str) -> PyInt {
    let trimmed = s.trim_matches(is_py_space);
    let (negative, digits) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return PyInt::Invalid;
    }
    let mut value: i64 = 0;
    for b in digits.bytes() {
        let digit = i64::from(b - b'0');
        let next = value.checked_mul(10).and_then(|v| {
            if negative {
                v.checked_sub(digit)
            } else {
                v.checked_add(digit)
            }
        });
        match next {
            Some(v) => value = v,
            None => return PyInt::OutOfRange,
        }
    }
    PyInt::Value(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_python_int_syntax() {
        assert_eq!(parse_py_int("10"), PyInt::Value(10));
        assert_eq!(parse_py_int("010"), PyInt::Value(10));
        assert_eq!(parse_py_int("+7"), PyInt::Value(7));
        assert_eq!(parse_py_int("-7"), PyInt::Value(-7));
        assert_eq!(parse_py_int(" 3\t"), PyInt::Value(3));
        assert_eq!(parse_py_int("-9223372036854775808"), PyInt::Value(i64::MIN));
    }

    #[test]
    fn rejects_non_integers() {
        for bad in [
            "", "+", "-", "1.0", "0x10", "1_000", "1L", "ten", "+-1", "1 2",
        ] {
            assert_eq!(parse_py_int(bad), PyInt::Invalid, "{bad:?}");
        }
    }

    #[test]
    fn reports_overflow() {
        assert_eq!(parse_py_int("9223372036854775808"), PyInt::OutOfRange);
        assert_eq!(parse_py_int("-99999999999999999999"), PyInt::OutOfRange);
    }
}
