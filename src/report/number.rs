//! Number formatting: full precision for machines (CSV, JSON), numbers for people
//! (tables, Markdown, the HTML report): [`human`] after a [`NumKind`] and a [`Locale`].
//!
//! The `push_*` functions append CSV numbers to a buffer without allocating and
//! without `core::fmt`; their text is the same as the `Display` text they replace.

use crate::compile::types::Unit;
use crate::compile::{Graph, NodeId};
use crate::decimal::DEC_SCALE;
use crate::syntax::ast::Format;

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
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        // An integer that i64 holds exactly (counts, mostly): its digits.
        s.push_str(itoa::Buffer::new().format(x as i64));
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

/// How numbers are written for people: the separators of a locale
/// (`settings { locale "nl-NL" }`, default `en`).
///
/// The set is small on purpose: `en`, `en-US` and `en-GB` write `151,107.27`;
/// `nl-NL` and `de-DE` write `151.107,27`; `fr-FR` writes `151 107,27` with a narrow
/// no-break space (U+202F, as CLDR has it) between the thousands and before `%`.
/// Tags compare without regard to case, and `_` may stand for `-` (`nl_nl`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Locale {
    #[default]
    En,
    EnUs,
    EnGb,
    NlNl,
    DeDe,
    FrFr,
}

impl Locale {
    /// Every locale, in the order of [`Locale::KNOWN`].
    pub const ALL: [Locale; 6] = [
        Locale::En,
        Locale::EnUs,
        Locale::EnGb,
        Locale::NlNl,
        Locale::DeDe,
        Locale::FrFr,
    ];
    /// The tags of [`Locale::ALL`], as written in `settings`.
    pub const KNOWN: [&'static str; 6] = ["en", "en-US", "en-GB", "nl-NL", "de-DE", "fr-FR"];

    /// The locale of a tag such as `nl-NL`; `None` for one not in [`Locale::KNOWN`].
    pub fn parse(tag: &str) -> Option<Locale> {
        let tag = tag.trim().replace('_', "-");
        Locale::KNOWN
            .iter()
            .position(|k| k.eq_ignore_ascii_case(&tag))
            .map(|i| Locale::ALL[i])
    }

    /// The canonical tag (`nl-NL`).
    pub fn tag(self) -> &'static str {
        Locale::KNOWN[self as usize]
    }

    /// The thousands separator.
    pub fn group(self) -> &'static str {
        match self {
            Locale::En | Locale::EnUs | Locale::EnGb => ",",
            Locale::NlNl | Locale::DeDe => ".",
            Locale::FrFr => "\u{202f}",
        }
    }

    /// The decimal separator.
    pub fn decimal(self) -> char {
        match self {
            Locale::En | Locale::EnUs | Locale::EnGb => '.',
            Locale::NlNl | Locale::DeDe | Locale::FrFr => ',',
        }
    }

    /// What goes between a number and its `%`.
    fn percent_gap(self) -> &'static str {
        match self {
            Locale::FrFr => "\u{202f}",
            _ => "",
        }
    }
}

impl std::fmt::Display for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.tag())
    }
}

/// What a number is, for writing it for people.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum NumKind {
    /// A share: times 100, one decimal, `%` (`6.1%`).
    Percent,
    /// Money: two decimals and thousands separators, then the currency code where
    /// one is known (`151,107.27 EUR`).
    Currency(Option<String>),
    /// A count: a whole number with thousands separators (`12,345`); a count that is
    /// not whole (an average of counts) is written as [`NumKind::Plain`].
    Count,
    /// Seconds as `1h 02m 03s`.
    Duration,
    /// Anything else: at least 3 significant digits, whole from 100 on (`7.48`,
    /// `0.123`, `12,346`).
    #[default]
    Plain,
}

/// `x` for people (tables, Markdown, the HTML report); CSV and JSON keep [`full`]
/// precision. Rounding is half away from zero on the shortest decimal text of `x`
/// (`1.005` -> `1.01`, `-2.5` -> `-3`); a value that rounds to zero has no minus;
/// NaN is empty (no value), infinities are `∞` and `-∞`.
pub fn human(x: f64, kind: NumKind, locale: Locale) -> String {
    human_ref(x, &kind, locale)
}

/// [`human`] of a borrowed kind.
pub fn human_ref(x: f64, kind: &NumKind, locale: Locale) -> String {
    if x.is_nan() {
        return String::new();
    }
    if x.is_infinite() {
        return if x > 0.0 { "∞".into() } else { "-∞".into() };
    }
    match kind {
        NumKind::Percent => {
            let mut s = fixed_scaled(x, 2, 1, locale);
            s.push_str(locale.percent_gap());
            s.push('%');
            s
        }
        NumKind::Currency(code) => {
            let mut s = fixed(x, 2, locale);
            if let Some(c) = code {
                s.push(' ');
                s.push_str(c);
            }
            s
        }
        NumKind::Count if x.fract() == 0.0 && x.abs() < 1e15 => fixed(x, 0, locale),
        NumKind::Duration => {
            let d = duration(x.abs());
            if x.round() < 0.0 {
                format!("-{d}")
            } else {
                d
            }
        }
        NumKind::Count | NumKind::Plain => plain(x, locale),
    }
}

/// `x` with `decimals` decimals (half away from zero) and thousands separators.
pub fn fixed(x: f64, decimals: usize, locale: Locale) -> String {
    fixed_scaled(x, 0, decimals, locale)
}

/// `x` with a sign always (`+0.53`, `-1.20`, `0.00`): [`fixed`] for differences.
pub fn signed(x: f64, decimals: usize, locale: Locale) -> String {
    let s = fixed(x, decimals, locale);
    if s.starts_with('-') || s.bytes().all(|b| !(b'1'..=b'9').contains(&b)) {
        s
    } else {
        format!("+{s}")
    }
}

/// A number at least 3 significant digits long, whole from 100 on, trailing
/// fraction zeros dropped; below 1e-6 and from 1e15 on in scientific notation
/// (`1.23e-7`).
pub fn plain(x: f64, locale: Locale) -> String {
    if !x.is_finite() {
        return human_ref(x, &NumKind::Plain, locale);
    }
    if x == 0.0 {
        return "0".into();
    }
    let (_, point) = digits(x);
    let mag = point - 1;
    if !(-6..15).contains(&mag) {
        let s = format!("{x:.2e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let m = m.trim_end_matches('0').trim_end_matches('.');
        return format!("{}e{e}", m.replace('.', &locale.decimal().to_string()));
    }
    let decimals = (2 - mag).max(0) as usize;
    let s = fixed(x, decimals, locale);
    if decimals == 0 {
        return s;
    }
    let s = s.trim_end_matches('0').trim_end_matches(locale.decimal());
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// Decimal text `-?INT(.FRAC)?` (an exact decimal, [`crate::decimal::format_fixed`])
/// with the locale's separators: exact values are written in full, not rounded.
pub fn grouped(text: &str, locale: Locale) -> String {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", text),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let mut s = String::with_capacity(text.len() + int.len() / 3 * 3);
    s.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            s.push_str(locale.group());
        }
        s.push(c);
    }
    if !frac.is_empty() {
        s.push(locale.decimal());
        s.push_str(frac);
    }
    s
}

/// The shortest decimal digits of `|x|` (finite, nonzero) and the place of the
/// point: `|x| = 0.d1d2.. x 10^point`.
fn digits(x: f64) -> (Vec<u8>, i32) {
    let s = format!("{:e}", x.abs());
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let d: Vec<u8> = m.bytes().filter(u8::is_ascii_digit).collect();
    (d, e.parse::<i32>().unwrap_or(0) + 1)
}

/// `x * 10^shift` (an exact decimal shift of its digits) with `decimals` decimals,
/// rounded half away from zero, with the locale's separators.
fn fixed_scaled(x: f64, shift: i32, decimals: usize, locale: Locale) -> String {
    let (mut d, mut point) = if x == 0.0 || !x.is_finite() {
        (Vec::new(), 0)
    } else {
        digits(x)
    };
    point += shift;
    let keep = point + decimals as i32;
    if keep < 0 {
        d.clear();
    } else if (keep as usize) < d.len() {
        let keep = keep as usize;
        let up = d[keep] >= b'5';
        d.truncate(keep);
        if up {
            let mut i = keep;
            loop {
                if i == 0 {
                    d.insert(0, b'1');
                    point += 1;
                    break;
                }
                i -= 1;
                if d[i] == b'9' {
                    d[i] = b'0';
                } else {
                    d[i] += 1;
                    break;
                }
            }
        }
    }
    let at = |j: i32| -> u8 {
        if j >= 0 && (j as usize) < d.len() {
            d[j as usize]
        } else {
            b'0'
        }
    };
    let int: Vec<u8> = if point <= 0 {
        vec![b'0']
    } else {
        let int: Vec<u8> = (0..point).map(at).collect();
        let lead = int.iter().take_while(|&&c| c == b'0').count();
        int[lead.min(int.len() - 1)..].to_vec()
    };
    let frac: Vec<u8> = (0..decimals as i32).map(|i| at(point + i)).collect();
    let zero = int.iter().chain(&frac).all(|&c| c == b'0');
    let mut s = String::with_capacity(int.len() * 2 + frac.len() + 2);
    if x < 0.0 && !zero {
        s.push('-');
    }
    for (i, c) in int.iter().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            s.push_str(locale.group());
        }
        s.push(*c as char);
    }
    if decimals > 0 {
        s.push(locale.decimal());
        s.extend(frac.iter().map(|&c| c as char));
    }
    s
}

/// The kind of numbers of display format `format` (no format: plain), money in
/// `currency`.
pub fn kind_of_format(format: Option<Format>, currency: Option<&str>) -> NumKind {
    match format {
        Some(Format::Percent) => NumKind::Percent,
        Some(Format::Currency) => NumKind::Currency(currency.map(str::to_string)),
        Some(Format::Count) => NumKind::Count,
        Some(Format::Duration) => NumKind::Duration,
        Some(Format::Number) | None => NumKind::Plain,
    }
}

/// The currency of a unit: a name with exponent 1 that is the settings' currency or
/// an ISO 4217-like code (three capital letters): `EUR`, and `EUR/deals` (an
/// average deal size).
pub fn currency_of(unit: &Unit, currency: Option<&str>) -> Option<String> {
    let is_code = |n: &str| n.len() == 3 && n.bytes().all(|b| b.is_ascii_uppercase());
    unit.factors()
        .find(|&(n, e)| e == 1 && (Some(n) == currency || is_code(n)))
        .map(|(n, _)| n.to_string())
}

/// How node `id`'s numbers are written for people: its display `format` first
/// (`format currency` with the unit's currency, else the settings' one), else money
/// when its unit is a currency, a count when it counts (`count`, journey steps, their
/// sums), else plain.
pub fn num_kind(graph: &Graph, id: NodeId) -> NumKind {
    let Some(node) = graph.nodes.get(id.0 as usize) else {
        return NumKind::Plain;
    };
    let settings = graph.settings.currency.as_deref();
    let code = currency_of(&node.unit, settings);
    match node.meta.format {
        Some(Format::Currency) => NumKind::Currency(code.or(settings.map(str::to_string))),
        Some(f) => kind_of_format(Some(f), None),
        None if code.is_some() => NumKind::Currency(code),
        None if node.typing.count_like => NumKind::Count,
        None => NumKind::Plain,
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
    fn full_precision_stays() {
        assert_eq!(full(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(duration(3723.0), "1h 02m 03s");
    }

    fn en(x: f64, k: NumKind) -> String {
        human(x, k, Locale::En)
    }

    #[test]
    fn percent_one_decimal() {
        assert_eq!(en(0.0606635, NumKind::Percent), "6.1%");
        assert_eq!(en(0.465517, NumKind::Percent), "46.6%");
        assert_eq!(en(0.27, NumKind::Percent), "27.0%");
        assert_eq!(en(1.0, NumKind::Percent), "100.0%");
        assert_eq!(en(12.345, NumKind::Percent), "1,234.5%");
        assert_eq!(en(-0.0606635, NumKind::Percent), "-6.1%");
        assert_eq!(en(0.0, NumKind::Percent), "0.0%");
        // Halves go away from zero, on the decimal text (0.0605 is 6.05 %).
        assert_eq!(en(0.0605, NumKind::Percent), "6.1%");
        assert_eq!(en(-0.0605, NumKind::Percent), "-6.1%");
        assert_eq!(en(0.00049, NumKind::Percent), "0.0%");
        assert_eq!(en(-0.0004, NumKind::Percent), "0.0%");
    }

    #[test]
    fn currency_two_decimals_and_code() {
        let eur = || NumKind::Currency(Some("EUR".into()));
        assert_eq!(en(151107.27, eur()), "151,107.27 EUR");
        assert_eq!(en(151107.27, NumKind::Currency(None)), "151,107.27");
        assert_eq!(en(-1234.5, eur()), "-1,234.50 EUR");
        assert_eq!(en(0.0, eur()), "0.00 EUR");
        assert_eq!(en(-0.001, eur()), "0.00 EUR");
        assert_eq!(en(999.995, NumKind::Currency(None)), "1,000.00");
        assert_eq!(en(1.005, NumKind::Currency(None)), "1.01");
        assert_eq!(en(0.125, NumKind::Currency(None)), "0.13");
        assert_eq!(en(-0.125, NumKind::Currency(None)), "-0.13");
        assert_eq!(en(1e12, NumKind::Currency(None)), "1,000,000,000,000.00");
        assert_eq!(en(12.0, NumKind::Currency(None)), "12.00");
    }

    #[test]
    fn counts_with_separators() {
        assert_eq!(en(12345.0, NumKind::Count), "12,345");
        assert_eq!(en(1585.0, NumKind::Count), "1,585");
        assert_eq!(en(999.0, NumKind::Count), "999");
        assert_eq!(en(-1000.0, NumKind::Count), "-1,000");
        assert_eq!(en(0.0, NumKind::Count), "0");
        assert_eq!(en(1234567.0, NumKind::Count), "1,234,567");
        // A count that is not whole (an average of counts) is plain.
        assert_eq!(en(2.5, NumKind::Count), "2.5");
        assert_eq!(en(1234.5, NumKind::Count), "1,235");
    }

    #[test]
    fn plain_three_significant_digits() {
        assert_eq!(en(7.4834, NumKind::Plain), "7.48");
        assert_eq!(en(7.59008, NumKind::Plain), "7.59");
        assert_eq!(en(12345.6, NumKind::Plain), "12,346");
        assert_eq!(en(123.456, NumKind::Plain), "123");
        assert_eq!(en(46.5517, NumKind::Plain), "46.6");
        assert_eq!(en(0.123456, NumKind::Plain), "0.123");
        assert_eq!(en(0.000123456, NumKind::Plain), "0.000123");
        assert_eq!(en(2.5, NumKind::Plain), "2.5");
        assert_eq!(en(100.0, NumKind::Plain), "100");
        assert_eq!(en(1.0, NumKind::Plain), "1");
        assert_eq!(en(0.0, NumKind::Plain), "0");
        assert_eq!(en(-7.4834, NumKind::Plain), "-7.48");
        // Halves away from zero; a carry may add a digit.
        assert_eq!(en(2.345, NumKind::Plain), "2.35");
        assert_eq!(en(-2.345, NumKind::Plain), "-2.35");
        assert_eq!(en(99.95, NumKind::Plain), "100");
        assert_eq!(en(9.995, NumKind::Plain), "10");
        assert_eq!(en(0.5, NumKind::Plain), "0.5");
        assert_eq!(en(1234.5, NumKind::Plain), "1,235");
        // Tiny and huge: scientific.
        assert_eq!(en(1.2345e-7, NumKind::Plain), "1.23e-7");
        assert_eq!(en(1e-8, NumKind::Plain), "1e-8");
        assert_eq!(en(1.5e-6, NumKind::Plain), "0.0000015");
        assert_eq!(en(1.23456e20, NumKind::Plain), "1.23e20");
        assert_eq!(en(123456789012.0, NumKind::Plain), "123,456,789,012");
    }

    #[test]
    fn no_value_and_infinities() {
        for k in [
            NumKind::Percent,
            NumKind::Count,
            NumKind::Plain,
            NumKind::Duration,
        ] {
            assert_eq!(en(f64::NAN, k.clone()), "");
            assert_eq!(en(f64::INFINITY, k.clone()), "∞");
            assert_eq!(en(f64::NEG_INFINITY, k), "-∞");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(en(3723.0, NumKind::Duration), "1h 02m 03s");
        assert_eq!(en(65.4, NumKind::Duration), "1m 05s");
        assert_eq!(en(-65.0, NumKind::Duration), "-1m 05s");
        assert_eq!(en(0.2, NumKind::Duration), "0s");
    }

    #[test]
    fn locales() {
        let eur = || NumKind::Currency(Some("EUR".into()));
        for (l, money, pct, count, plain) in [
            (Locale::En, "151,107.27 EUR", "6.1%", "12,345", "7.48"),
            (Locale::EnUs, "151,107.27 EUR", "6.1%", "12,345", "7.48"),
            (Locale::EnGb, "151,107.27 EUR", "6.1%", "12,345", "7.48"),
            (Locale::NlNl, "151.107,27 EUR", "6,1%", "12.345", "7,48"),
            (Locale::DeDe, "151.107,27 EUR", "6,1%", "12.345", "7,48"),
            (
                Locale::FrFr,
                "151\u{202f}107,27 EUR",
                "6,1\u{202f}%",
                "12\u{202f}345",
                "7,48",
            ),
        ] {
            assert_eq!(human(151107.27, eur(), l), money, "{l}");
            assert_eq!(human(0.0606635, NumKind::Percent, l), pct, "{l}");
            assert_eq!(human(12345.0, NumKind::Count, l), count, "{l}");
            assert_eq!(human(7.4834, NumKind::Plain, l), plain, "{l}");
            assert_eq!(Locale::parse(l.tag()), Some(l));
        }
        assert_eq!(
            human(-1234567.891, NumKind::Currency(None), Locale::NlNl),
            "-1.234.567,89"
        );
        assert_eq!(human(1.2345e-7, NumKind::Plain, Locale::DeDe), "1,23e-7");
        assert_eq!(human(100.0, NumKind::Plain, Locale::NlNl), "100");
        assert_eq!(human(2.5, NumKind::Plain, Locale::NlNl), "2,5");
    }

    #[test]
    fn locale_tags() {
        assert_eq!(Locale::default(), Locale::En);
        assert_eq!(Locale::parse("nl-NL"), Some(Locale::NlNl));
        assert_eq!(Locale::parse("nl_nl"), Some(Locale::NlNl));
        assert_eq!(Locale::parse("EN-gb"), Some(Locale::EnGb));
        assert_eq!(Locale::parse("nl"), None);
        assert_eq!(Locale::parse("xx-YY"), None);
        assert_eq!(Locale::FrFr.to_string(), "fr-FR");
    }

    #[test]
    fn signed_differences() {
        assert_eq!(signed(0.534, 2, Locale::En), "+0.53");
        assert_eq!(signed(-1.2, 2, Locale::NlNl), "-1,20");
        assert_eq!(signed(0.001, 2, Locale::En), "0.00");
        assert_eq!(signed(-0.001, 2, Locale::En), "0.00");
    }

    #[test]
    fn exact_decimals_in_full() {
        assert_eq!(grouped("1250.5", Locale::En), "1,250.5");
        assert_eq!(grouped("-1234567.125", Locale::NlNl), "-1.234.567,125");
        assert_eq!(grouped("12", Locale::FrFr), "12");
        assert_eq!(grouped("0.000001", Locale::DeDe), "0,000001");
    }
}
