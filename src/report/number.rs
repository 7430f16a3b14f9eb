//! Number formatting: full precision for machines, 6 significant digits for people.
//!
//! The `push_*` functions append CSV numbers to a buffer without allocating and
//! without `core::fmt`; their text is the same as the `Display` text they replace.

use crate::decimal::DEC_SCALE;

/// Shortest text that reads back as the same f64 (CSV, JSON).
pub fn full(x: f64) -> String {
    let mut s = String::new();
    push_full(&mut s, x);
    s
}

/// [`full`] appended to `s`: `"0"` for ±0, else the text of `f64`'s `Display`
/// (shortest round-trip digits, plain decimal, never an exponent).
///
/// The digits come from `zmij`, which writes `-?I.F` for decimal exponents -5..=15
/// (an integer as `I.0`) and `-?D(.F)?e[+-]E` otherwise; the latter is laid out
/// without the exponent. Both pick the closest of the shortest digits, so they can
/// differ only when `x` lies exactly halfway between two of them (each breaks such
/// ties its own way): those rare values go to `Display`.
pub fn push_full(s: &mut String, x: f64) {
    if x == 0.0 {
        s.push('0');
        return;
    }
    if !x.is_finite() {
        // "NaN", "inf", "-inf": never in eval output; the text stays as it was.
        push_display(s, x);
        return;
    }
    let mut buf = zmij::Buffer::new();
    let t = buf.format_finite(x);
    if let Some(int) = t.strip_suffix(".0") {
        // An integer (never halfway).
        s.push_str(int);
        return;
    }
    // The exponent, if any, is one of the last five bytes (`e-324`, `e+16`, `e-6`).
    let sci = t.bytes().rev().take(5).any(|c| c == b'e');
    let e = odd_exp(x);
    if !sci && !(-25..0).contains(&e) {
        // The common case: `I.F` and never halfway (see `odd_exp`).
        s.push_str(t);
        return;
    }
    let (mant, exp) = match t.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(i32::MIN)),
        None => (t, 0),
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    // Halfway between two steps of the last digit (or an unreadable exponent,
    // which zmij never writes).
    if exp == i32::MIN || e == exp - frac.len() as i32 - 1 {
        push_display(s, x);
        return;
    }
    if exp == 0 {
        s.push_str(t);
        return;
    }
    let int = match int.strip_prefix('-') {
        Some(i) => {
            s.push('-');
            i
        }
        None => int,
    };
    // Digits `int ++ frac`, with the decimal point `point` digits in.
    let n = (int.len() + frac.len()) as i32;
    let point = int.len() as i32 + exp;
    if point <= 0 {
        s.push_str("0.");
        push_zeros(s, -point);
    }
    for (i, c) in int.chars().chain(frac.chars()).enumerate() {
        if point > 0 && i as i32 == point {
            s.push('.');
        }
        s.push(c);
    }
    push_zeros(s, point - n);
}

/// `x` through `Display`, as `full` wrote it before `push_full`.
fn push_display(s: &mut String, x: f64) {
    use std::fmt::Write as _;
    let _ = write!(s, "{x}");
}

/// `e` of finite nonzero `x = m * 2^e` with `m` odd.
///
/// For `e < 0` the exact decimal expansion of `x` has `m * 5^-e` as its digits,
/// the last one a 5 in the place of `10^e`; `x` is halfway between two steps of
/// `10^last` exactly when `e == last - 1` (an integer, `e >= 0`, never is). Both
/// halfway candidates are shortest (at most 17 digits), so there are at most 18
/// digits: `5^-e < 10^18`, `e >= -25`.
fn odd_exp(x: f64) -> i32 {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1 << 52) - 1);
    let m = if biased == 0 { frac } else { frac | (1 << 52) };
    biased.max(1) - 1075 + m.trailing_zeros() as i32
}

/// `n` zeros (none when `n <= 0`).
fn push_zeros(s: &mut String, n: i32) {
    s.extend(std::iter::repeat_n('0', n.max(0) as usize));
}

/// `i.to_string()` appended to `s`.
pub fn push_int(s: &mut String, i: i64) {
    s.push_str(itoa::Buffer::new().format(i));
}

/// [`crate::decimal::format_fixed`] appended to `s`: `v` in 10^-6 units as
/// `-?INT(.FRAC)?`, trailing fraction zeros trimmed.
pub fn push_fixed(s: &mut String, v: i128) {
    const SCALE: u128 = DEC_SCALE as u128;
    const SCALE64: u64 = DEC_SCALE as u64;
    if v < 0 {
        s.push('-');
    }
    let a = v.unsigned_abs();
    let mut b = itoa::Buffer::new();
    // u64 division is much cheaper than u128 and covers every realistic amount.
    let (int, frac) = match u64::try_from(a) {
        Ok(a) => (b.format(a / SCALE64), a % SCALE64),
        Err(_) => (b.format(a / SCALE), (a % SCALE) as u64),
    };
    s.push_str(int);
    if frac != 0 {
        s.push('.');
        // `1DDDDDD`: the six fraction digits with their leading zeros after the 1.
        let mut fb = itoa::Buffer::new();
        s.push_str(fb.format(SCALE64 + frac)[1..].trim_end_matches('0'));
    }
}

/// At most 6 significant digits, no exponent for ordinary magnitudes, no trailing zeros.
pub fn sig6(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".into();
    }
    let mag = x.abs().log10().floor() as i32;
    if !(-5..15).contains(&mag) {
        return format!("{x:.5e}");
    }
    let decimals = (5 - mag).max(0) as usize;
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// Money: two decimals.
pub fn money(x: f64) -> String {
    let s = format!("{x:.2}");
    if s == "-0.00" {
        "0.00".into()
    } else {
        s
    }
}

/// Seconds as `1h 02m 03s`.
pub fn duration(secs: f64) -> String {
    let total = secs.round() as i64;
    let (h, m, s) = (total / 3600, (total % 3600) / 60, total % 60);
    if h > 0 {
        format!("{h}h {m:02}m {s:02}s")
    } else if m > 0 {
        format!("{m}m {s:02}s")
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decimal::format_fixed;
    use proptest::prelude::*;

    /// The text `full` had before `push_full`: the standard library's `Display`.
    fn std_full(x: f64) -> String {
        if x == 0.0 {
            "0".into()
        } else {
            format!("{x}")
        }
    }

    fn check_full(x: f64) -> Result<(), TestCaseError> {
        let mut s = String::from("a,");
        push_full(&mut s, x);
        prop_assert_eq!(&s[2..], std_full(x), "bits {:#x}", x.to_bits());
        prop_assert_eq!(full(x), std_full(x));
        Ok(())
    }

    /// Values that reach every layout: exponents far out, subnormals, extremes,
    /// integers just past 2^53 and the edges of zmij's fixed range.
    const EDGES: [f64; 26] = [
        5e-324,
        1e-323,
        2.2250738585072e-308,
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::MIN,
        f64::EPSILON,
        0.1 + 0.2,
        1e-7,
        1.5e-7,
        1e-5,
        1.2345e-6,
        0.5,
        2.5,
        3.0,
        -0.0,
        1e15,
        1e16,
        1e17,
        1e20,
        1e21,
        1e22,
        1e23,
        123456789012345680.0,
        9007199254740993.0,
        -5942736479622170.0,
    ];

    #[test]
    fn full_edges() {
        for x in EDGES {
            check_full(x).unwrap();
            check_full(-x).unwrap();
        }
        let mut s = String::new();
        for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            s.clear();
            push_full(&mut s, x);
            assert_eq!(s, format!("{x}"));
        }
    }

    #[test]
    fn full_ties() {
        // Exactly halfway between the two closest 16-digit decimals: zmij rounds
        // down here, `Display` up.
        let x = 604016093463392.0 + 0.25;
        assert_eq!(zmij::Buffer::new().format_finite(x), "604016093463392.2");
        assert_eq!(full(x), "604016093463392.3");
        for x in [x, 2f64.powi(-25), 2f64.powi(-24), 5.444310685350916e14] {
            check_full(x).unwrap();
            check_full(-x).unwrap();
        }
    }

    proptest! {
        /// `m * 2^e` with `m` odd and at most 18 exact digits (`m * 5^-e < 10^18`):
        /// the only values that can be halfway (see `odd_exp`), many of them are.
        #[test]
        fn full_matches_display_halfway(e in -25i32..=-1, r in any::<u64>()) {
            let max = (10u64.pow(18) / 5u64.pow(e.unsigned_abs())).min(1 << 53);
            let m = (r % max) | 1;
            check_full(m as f64 * 2f64.powi(e))?;
        }

        #[test]
        fn full_matches_display_any_bits(bits in any::<u64>()) {
            let x = f64::from_bits(bits);
            prop_assume!(x.is_finite());
            check_full(x)?;
        }

        #[test]
        fn full_matches_display_decimals(i in any::<i64>(), k in 0u32..12) {
            check_full(i as f64 / 10f64.powi(k as i32))?;
        }

        #[test]
        fn full_matches_display_near_powers_of_ten(
            e in -320i32..=308,
            ulps in -3i64..=3,
            tiny in -1e-12f64..1e-12,
        ) {
            let p = format!("1e{e}").parse::<f64>().unwrap();
            check_full(p)?;
            check_full(p * (1.0 + tiny))?;
            if p != 0.0 {
                check_full(f64::from_bits(p.to_bits().wrapping_add_signed(ulps)))?;
            }
        }

        #[test]
        fn full_matches_display_subnormals(m in 1u64..(1u64 << 52)) {
            check_full(f64::from_bits(m))?;
        }

        #[test]
        fn int_matches_display(i in prop_oneof![
            any::<i64>(),
            Just(i64::MIN),
            Just(i64::MAX),
            Just(0i64),
            -1000i64..1000,
        ]) {
            let mut s = String::from("x");
            push_int(&mut s, i);
            prop_assert_eq!(&s[1..], i.to_string());
        }

        #[test]
        fn fixed_matches_format_fixed(v in prop_oneof![
            any::<i128>(),
            any::<i64>().prop_map(i128::from),
            -100_000_000i128..100_000_000,
            prop::sample::select(vec![
                i128::MIN, i128::MIN + 1, i128::MAX, 0, 1, -1, 1_000_000, -1_000_000,
                i128::from(u64::MAX), -i128::from(u64::MAX), i128::from(u64::MAX) + 1,
            ]),
        ]) {
            let mut s = String::from("x");
            push_fixed(&mut s, v);
            prop_assert_eq!(&s[1..], format_fixed(v));
        }
    }

    #[test]
    fn significant_digits() {
        assert_eq!(sig6(1234.5678), "1234.57");
        assert_eq!(sig6(0.123456789), "0.123457");
        assert_eq!(sig6(100.0), "100");
        assert_eq!(sig6(-2.5), "-2.5");
        assert_eq!(full(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(money(1234.5), "1234.50");
        assert_eq!(duration(3723.0), "1h 02m 03s");
    }
}
