//! Number formatting: full precision for machines, 6 significant digits for people.

/// Shortest text that reads back as the same f64 (CSV, JSON).
pub fn full(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    format!("{x}")
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
