//! Name and namespace prices, in the original's IEEE-754 double arithmetic (`price_name`,
//! `price_namespace` in `scripts.py`; spec §1.5, §7).

use crate::name;
use crate::rules::{Rules, NAME_COST_UNIT, SATOSHIS_PER_BTC};

/// The pricing parameters a namespace reveal sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PriceFunction {
    /// Multiplier of the power.
    pub coeff: u8,
    /// Base of the power.
    pub base: u8,
    /// Exponent by name length: entry i for length i + 1, entry 15 for 16 and longer.
    pub buckets: [u8; 16],
    /// Divisor for names with a digit, `-` or `_`.
    pub nonalpha_discount: u8,
    /// Divisor for names without a vowel (`y` counts as one).
    pub no_vowel_discount: u8,
}

/// The price of `name_part` (the name without `.namespace`) at block `height`, in satoshis as
/// the original's double. A fee pays for it iff `!(fee < price)`.
pub fn price_name(name_part: &str, f: &PriceFunction, rules: &Rules, height: u64) -> f64 {
    let len = name_part.len();
    let exponent = if len < f.buckets.len() {
        f.buckets.get(len.saturating_sub(1)).copied().unwrap_or(0)
    } else {
        f.buckets[15]
    };
    let mut discount = 1.0f64;
    if !name_part
        .bytes()
        .any(|c| b"aeiouy".contains(&c.to_ascii_lowercase()))
    {
        discount = discount.max(f64::from(f.no_vowel_discount));
    }
    if name_part
        .bytes()
        .any(|c| c.is_ascii_digit() || c == b'-' || c == b'_')
    {
        discount = discount.max(f64::from(f.nonalpha_discount));
    }
    // coeff × base^exponent ≤ 255^16 < 2^128 is exact in u128; the conversion rounds to nearest.
    let n = u128::from(f.coeff) * u128::from(f.base).pow(u32::from(exponent));
    let mut price = (n as f64 / discount) * NAME_COST_UNIT;
    if price < NAME_COST_UNIT {
        price = NAME_COST_UNIT;
    }
    price * rules.epoch(height).price_multiplier
}

/// The price of a fully-qualified name: [`price_name`] of its name part.
pub fn price_fqn(fqn: &str, f: &PriceFunction, rules: &Rules, height: u64) -> f64 {
    price_name(name::name_part(fqn), f, rules, height)
}

/// The price of namespace `id` at block `height` (the table of spec §1.5).
pub fn price_namespace(id: &str, rules: &Rules, height: u64) -> f64 {
    let btc = SATOSHIS_PER_BTC as f64;
    let epoch3 = rules.epoch(height).number >= 3;
    let base = match id.len() {
        0 | 20.. => return 21.0 * btc,
        1 if rules.test_mode => {
            // An integer in the original, integer-divided in epoch 3.
            let p = 41 * SATOSHIS_PER_BTC;
            return if epoch3 { (p / 10) as f64 } else { p as f64 };
        }
        1 => 400.0 * btc,
        2 | 3 => 40.0 * btc,
        4..=7 => 4.0 * btc,
        _ => 0.4 * btc,
    };
    if epoch3 {
        base / 10.0
    } else {
        base
    }
}

/// Whether an integer fee pays for a price (`not fee < price`).
pub fn fee_covers(fee: u64, price: f64) -> bool {
    // Satoshi amounts are below 2^53, so the conversion is exact.
    (fee as f64) >= price
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::AddressNetwork;

    const E12: u64 = 445_838;
    const E3: u64 = 500_000;

    fn test_ns() -> PriceFunction {
        PriceFunction {
            coeff: 250,
            base: 4,
            buckets: [6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            nonalpha_discount: 10,
            no_vowel_discount: 10,
        }
    }

    fn zone() -> PriceFunction {
        PriceFunction {
            coeff: 37,
            base: 3,
            buckets: [13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1, 0, 2],
            nonalpha_discount: 3,
            no_vowel_discount: 7,
        }
    }

    #[test]
    fn table_12_3() {
        let r = Rules::mainnet();
        let f = test_ns();
        let cases = [
            ("a", 102400000.0, 10240000.0),
            ("ab", 25600000.0, 2560000.0),
            ("abc", 6400000.0, 640000.0),
            ("jude", 1600000.0, 160000.0),
            ("abcde", 400000.0, 40000.0),
            ("muneeb", 100000.0, 10000.0),
            ("abcdefg", 25000.0, 2500.0),
            ("abcdefghijklmnopqrst", 25000.0, 2500.0),
            ("1", 10240000.0, 1024000.0),
            ("a1", 2560000.0, 256000.0),
            ("bcd", 640000.0, 64000.0),
            ("xyz1", 160000.0, 16000.0),
        ];
        for (name, e12, e3) in cases {
            assert_eq!(price_name(name, &f, &r, E12), e12, "{name} epoch 1-2");
            assert_eq!(price_name(name, &f, &r, E3), e3, "{name} epoch 3");
        }
    }

    #[test]
    fn table_12_7_exact_doubles() {
        let r = Rules::mainnet();
        let f = zone();
        let cases: [(&str, f64, f64); 14] = [
            ("a", 5898995100.0, 589899510.0),
            ("b", 842713585.7142856, 84271358.57142857),
            ("7", 842713585.7142856, 84271358.57142857),
            ("y2", 655443900.0, 65544390.0),
            ("xq_", 93634842.85714285, 9363484.285714285),
            ("hello", 72827100.0, 7282710.0),
            ("h3ll0", 10403871.42857143, 1040387.142857143),
            ("rhythm", 24275700.0, 2427570.0),
            ("bcdfghjklmnp", 4757.142857142857, 475.7142857142857),
            ("zzzzzzzzzzzzz", 1585.7142857142858, 158.57142857142858),
            ("abcdefghijklmno", 3700.0, 370.0),
            ("abcdefghijklmnop", 33300.0, 3330.0),
            ("a-very-long-name-with-dashes", 11100.0, 1110.0),
            ("n1", 280904528.5714286, 28090452.857142862),
        ];
        for (name, e12, e3) in cases {
            assert_eq!(price_name(name, &f, &r, 400_000), e12, "{name} at 400000");
            assert_eq!(price_name(name, &f, &r, E12), e12, "{name} epoch 2");
            assert_eq!(price_name(name, &f, &r, E3), e3, "{name} epoch 3");
        }
    }

    #[test]
    fn non_integral_price_and_the_fee_test() {
        let r = Rules::mainnet();
        let f = PriceFunction {
            coeff: 10,
            base: 2,
            buckets: [0; 16],
            nonalpha_discount: 8,
            no_vowel_discount: 1,
        };
        assert_eq!(price_name("a1", &f, &r, E12), 125.0);
        let p = price_name("a1", &f, &r, E3);
        assert_eq!(p, 12.5);
        assert!(!fee_covers(12, p));
        assert!(fee_covers(13, p));
        assert!(!fee_covers(28_090_452, price_name("n3", &zone(), &r, E3)));
        assert!(fee_covers(28_090_453, price_name("n3", &zone(), &r, E3)));
    }

    #[test]
    fn floor_is_applied_before_the_multiplier() {
        let r = Rules::mainnet();
        let f = PriceFunction {
            coeff: 0,
            base: 4,
            buckets: [1; 16],
            nonalpha_discount: 1,
            no_vowel_discount: 1,
        };
        assert_eq!(price_name("abc", &f, &r, E12), 100.0);
        assert_eq!(price_name("abc", &f, &r, E3), 10.0);
        let zero_pow = PriceFunction {
            coeff: 1,
            base: 0,
            buckets: [0; 16],
            nonalpha_discount: 1,
            no_vowel_discount: 1,
        };
        assert_eq!(price_name("abc", &zero_pow, &r, E12), 100.0);
    }

    #[test]
    fn largest_price() {
        let r = Rules::mainnet();
        let f = PriceFunction {
            coeff: 255,
            base: 255,
            buckets: [15; 16],
            nonalpha_discount: 1,
            no_vowel_discount: 1,
        };
        assert_eq!(price_name("a", &f, &r, E12), 3.196265793150785e+40);
        assert_eq!(price_name("a", &f, &r, E3), 3.1962657931507854e+39);
    }

    #[test]
    fn discounts_take_the_max_not_the_product() {
        let r = Rules::mainnet();
        let f = PriceFunction {
            nonalpha_discount: 4,
            no_vowel_discount: 3,
            ..test_ns()
        };
        assert_eq!(price_name("b1", &f, &r, E12), 6400000.0);
        assert_eq!(price_name("ba1", &f, &r, E12), 1600000.0);
        assert_eq!(price_name("bc", &f, &r, E12), 8533333.333333332);
    }

    #[test]
    fn steep_curve_of_12_3() {
        let r = Rules::mainnet();
        let f = PriceFunction {
            coeff: 4,
            base: 4,
            buckets: [15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
            nonalpha_discount: 2,
            no_vowel_discount: 5,
        };
        assert_eq!(price_name("a", &f, &r, 400_000), 429496729600.0);
        assert_eq!(price_name("bb", &f, &r, 400_000), 21474836480.0);
        assert_eq!(price_name("j0hn", &f, &r, 400_000), 1342177280.0);
        assert_eq!(price_name("abcdefghijklmnop", &f, &r, 400_000), 400.0);
    }

    #[test]
    fn namespace_price_table() {
        let m = Rules::mainnet();
        assert_eq!(price_namespace("a", &m, E12), 40_000_000_000.0);
        assert_eq!(price_namespace("ab", &m, E12), 4_000_000_000.0);
        assert_eq!(price_namespace("abc", &m, E12), 4_000_000_000.0);
        assert_eq!(price_namespace("abcd", &m, E12), 400_000_000.0);
        assert_eq!(price_namespace("abcdefg", &m, E12), 400_000_000.0);
        assert_eq!(price_namespace("abcdefgh", &m, E12), 40_000_000.0);
        assert_eq!(price_namespace(&"a".repeat(19), &m, E12), 40_000_000.0);
        assert_eq!(price_namespace("a", &m, E3), 4_000_000_000.0);
        assert_eq!(price_namespace("test", &m, E3), 40_000_000.0);
        assert_eq!(price_namespace("abcdefgh", &m, E3), 4_000_000.0);
        let t = Rules::test(110, AddressNetwork::Testnet);
        assert_eq!(price_namespace("a", &t, E12), 4_100_000_000.0);
        assert_eq!(price_namespace("a", &t, E3), 410_000_000.0);
        assert_eq!(price_namespace("ab", &t, E12), 4_000_000_000.0);
    }
}
