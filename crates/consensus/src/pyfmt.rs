//! Python 2.7 renderings of values, which the consensus serialization depends on (spec §2.7).

/// Renders `x` as Python 2.7's `str(float)` does: 12 significant digits, exponent form when the
/// decimal exponent is below −4 or above 10 (so `1e+11` but `99999999999.0`), `.0` appended to
/// integral values in fixed form.
pub fn float_str(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let sign = if x < 0.0 { "-" } else { "" };
    // `{:.11e}` is correctly rounded to 12 significant digits: "d.ddddddddddde<exp>".
    let formatted = format!("{:.11e}", x.abs());
    let (mantissa, exp) = formatted.split_once('e').unwrap_or((&formatted, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    // Position of the decimal point relative to the first digit: value = 0.d1d2… × 10^decpt.
    let decpt = exp + 1;
    if decpt <= -4 || decpt > 11 {
        let (first, rest) = digits.split_at(1);
        let e = decpt - 1;
        let esign = if e < 0 { '-' } else { '+' };
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        format!("{sign}{first}{frac}e{esign}{:02}", e.unsigned_abs())
    } else if decpt <= 0 {
        let zeros = "0".repeat(decpt.unsigned_abs() as usize);
        format!("{sign}0.{zeros}{digits}")
    } else {
        let point = decpt as usize;
        if digits.len() <= point {
            let zeros = "0".repeat(point - digits.len());
            format!("{sign}{digits}{zeros}.0")
        } else {
            let (int, frac) = digits.split_at(point);
            format!("{sign}{int}.{frac}")
        }
    }
}

/// Renders a bucket list as Python's `str(list)` does: `[6, 5, 4, …]`.
pub fn list_str(values: &[u8]) -> String {
    let inner: Vec<String> = values.iter().map(u8::to_string).collect();
    format!("[{}]", inner.join(", "))
}

/// Renders a bool as Python does.
pub fn bool_str(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_float_examples() {
        let cases = [
            (6400000.0, "6400000.0"),
            (99999999999.0, "99999999999.0"),
            (100000000000.0, "1e+11"),
            (429496729600.0, "4.294967296e+11"),
            (999999999999.0, "9.99999999999e+11"),
            (1234567890123.0, "1.23456789012e+12"),
            (233.33333333333334, "233.333333333"),
            (3.196265793150785e+40, "3.19626579315e+40"),
            (2500.0, "2500.0"),
            (842713585.7142856, "842713585.714"),
            (12.5, "12.5"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.0, "1.0"),
            (0.5, "0.5"),
            (-2.5, "-2.5"),
        ];
        for (x, want) in cases {
            assert_eq!(float_str(x), want, "{x}");
        }
    }

    #[test]
    fn rounding_to_twelve_digits_can_carry_into_exponent_form() {
        // 99999999999.96 rounds to 100000000000 (12 digits): exponent form.
        assert_eq!(float_str(99_999_999_999.96), "1e+11");
        assert_eq!(float_str(99_999_999_999.94), "99999999999.9");
    }

    #[test]
    fn lists_and_bools() {
        assert_eq!(
            list_str(&[6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
            "[6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]"
        );
        assert_eq!(bool_str(true), "True");
        assert_eq!(bool_str(false), "False");
    }
}
