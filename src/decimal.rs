//! Exact decimals: integers of 10^-6, read from and written as plain decimal text
//! (the in-process engine's sums, the SQL backends' results, the reports).

/// Scale of exact decimal sums: values are kept as integers of 10^-6.
pub const DEC_SCALE: i128 = 1_000_000;

/// Parse a plain decimal (`-1234.56`) into an integer of 10^-6 without rounding;
/// `None` for exponents, more than 6 decimals, or anything else.
#[inline]
pub fn parse_fixed(s: &[u8]) -> Option<i128> {
    let (neg, digits) = match s.first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || digits.len() > 30 {
        return None;
    }
    let v = if digits.len() <= 18 {
        short_decimal(digits)?
    } else {
        long_decimal(digits)?
    };
    Some(if neg { -v } else { v })
}

/// Powers of ten for the missing decimals of a value with 0..=6 of them.
const SCALE_UP: [u64; 7] = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

/// [`long_decimal`] of at most 18 characters, in 64-bit arithmetic (no digit run
/// can overflow it): the common case of a CSV amount or count.
#[inline(always)]
fn short_decimal(digits: &[u8]) -> Option<i128> {
    let (mut int, mut frac) = (0u64, 0u64);
    let mut frac_digits = 0usize;
    let mut seen_dot = false;
    let mut any = false;
    for &c in digits {
        let d = c.wrapping_sub(b'0');
        if d < 10 {
            if !seen_dot {
                int = int * 10 + u64::from(d);
            } else if frac_digits < 6 {
                frac = frac * 10 + u64::from(d);
                frac_digits += 1;
            } else if d != 0 {
                return None;
            }
            any = true;
        } else if c == b'.' && !seen_dot {
            seen_dot = true;
        } else {
            return None;
        }
    }
    if !any {
        return None;
    }
    Some(i128::from(int) * DEC_SCALE + i128::from(frac * SCALE_UP[frac_digits]))
}

/// The unsigned decimal `digits` (at most 30 characters) in 10^-6.
fn long_decimal(digits: &[u8]) -> Option<i128> {
    let mut int: i128 = 0;
    let mut frac: i128 = 0;
    let mut frac_digits = 0u32;
    let mut seen_dot = false;
    let mut any = false;
    for &c in digits {
        match c {
            b'0'..=b'9' if !seen_dot => {
                int = int * 10 + (c - b'0') as i128;
                any = true;
            }
            b'0'..=b'9' => {
                if frac_digits == 6 {
                    if c != b'0' {
                        return None;
                    }
                    continue;
                }
                frac = frac * 10 + (c - b'0') as i128;
                frac_digits += 1;
                any = true;
            }
            b'.' if !seen_dot => seen_dot = true,
            _ => return None,
        }
    }
    if !any {
        return None;
    }
    Some(int * DEC_SCALE + frac * 10i128.pow(6 - frac_digits))
}

/// Format an exact decimal of 10^-6 without trailing zeros.
pub fn format_fixed(v: i128) -> String {
    let mut out = Vec::new();
    write_fixed(v, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// [`format_fixed`], appended to `out` without allocating (per-row texts).
pub fn write_fixed(v: i128, out: &mut Vec<u8>) {
    use std::io::Write;
    let a = v.unsigned_abs();
    let int = a / DEC_SCALE as u128;
    let frac = a % DEC_SCALE as u128;
    if v < 0 {
        out.push(b'-');
    }
    let _ = write!(out, "{int}");
    if frac != 0 {
        let _ = write!(out, ".{frac:06}");
        while out.last() == Some(&b'0') {
            out.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_point_round_trip() {
        assert_eq!(parse_fixed(b"0.10"), Some(100_000));
        assert_eq!(parse_fixed(b"-12.5"), Some(-12_500_000));
        assert_eq!(parse_fixed(b"1e3"), None);
        assert_eq!(parse_fixed(b"."), None);
        assert_eq!(format_fixed(300_000_000_000), "300000");
        assert_eq!(format_fixed(-1_250_000), "-1.25");
        assert_eq!(format_fixed(1), "0.000001");
    }

    proptest::proptest! {
        /// The 64-bit path reads every short decimal as the 128-bit one does:
        /// digits, dots, signs and other bytes, decimals past the sixth.
        #[test]
        fn short_decimals_read_as_long_ones(s in "[0-9.+x-]{1,18}|[0-9]{1,18}|[0-9]{1,11}\\.[0-9]{1,6}0{0,3}") {
            let b = s.as_bytes();
            proptest::prop_assert_eq!(short_decimal(b), long_decimal(b), "{}", s);
        }
    }
}
