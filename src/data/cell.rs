//! Typed values of readers that have them (Parquet), and their text in the
//! engine's forms.
//!
//! A reader with typed values hands a sink that asks for them
//! ([`super::scan::RowSink::typed`]) one [`Cell`] per column; every other sink gets
//! each cell's text ([`Cell::write`]): integers and exact decimals as digits, dates
//! as ISO dates, timestamps as ISO times (with `Z` for UTC instants, local times
//! otherwise), strings as they are, nulls as empty fields. A sink that reads cells
//! must give exactly the results it gives for that text.

/// One value of a row, as the file types it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell<'a> {
    /// A null (an empty field as text).
    Null,
    Bool(bool),
    /// An integer (`12`).
    Int(i64),
    /// An exact decimal: the unscaled value and the digits after the point.
    Decimal(Unscaled, u32),
    Float(f64),
    /// Days since 1970-01-01 (`2026-01-05`).
    Date(i64),
    /// Seconds since 1970-01-01T00:00:00 and a fraction of `digits` digits;
    /// `utc`: an instant (`..Z`), else a local time.
    Time {
        secs: i64,
        frac: i64,
        digits: u8,
        utc: bool,
    },
    /// Bytes as they are; `code`: (dictionary, entry) when the value is an entry
    /// of a dictionary, unique per dictionary in the process (the same pair is
    /// always the same bytes), so a sink can map each entry once.
    Text {
        bytes: &'a [u8],
        code: Option<(u32, u32)>,
    },
}

/// An unscaled decimal: an `i128` in two halves (so that a cell is 32 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unscaled {
    hi: i64,
    lo: u64,
}

impl Unscaled {
    pub fn new(x: i128) -> Unscaled {
        Unscaled {
            hi: (x >> 64) as i64,
            lo: x as u64,
        }
    }

    pub fn get(self) -> i128 {
        (i128::from(self.hi) << 64) | i128::from(self.lo)
    }
}

impl Cell<'_> {
    /// Appends the cell's text (nothing for a null).
    pub fn write(&self, out: &mut Vec<u8>, days: &mut DayCache) {
        match *self {
            Cell::Null => {}
            Cell::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
            Cell::Int(x) => out.extend_from_slice(itoa::Buffer::new().format(x).as_bytes()),
            Cell::Decimal(x, scale) => decimal(x.get(), scale, out),
            Cell::Float(x) => float(x, out),
            Cell::Date(d) => days.write(d, out),
            Cell::Time {
                secs,
                frac,
                digits,
                utc,
            } => timestamp(secs, frac, usize::from(digits), utc, out, days),
            Cell::Text { bytes, .. } => out.extend_from_slice(bytes),
        }
    }
}

/// The shortest text that reads back as `x` (`NaN`, `inf`, `-inf` if not finite).
pub(crate) fn float(x: f64, out: &mut Vec<u8>) {
    if x.is_finite() {
        out.extend_from_slice(zmij::Buffer::new().format(x).as_bytes());
    } else {
        out.extend_from_slice(if x.is_nan() {
            b"NaN"
        } else if x > 0.0 {
            b"inf"
        } else {
            b"-inf"
        });
    }
}

/// An unscaled decimal as digits with `scale` digits after the point.
pub(crate) fn decimal(x: i128, scale: u32, out: &mut Vec<u8>) {
    if scale == 0 {
        out.extend_from_slice(itoa::Buffer::new().format(x).as_bytes());
        return;
    }
    if x < 0 {
        out.push(b'-');
    }
    let mut buf = itoa::Buffer::new();
    let digits = buf.format(x.unsigned_abs()).as_bytes();
    let scale = scale as usize;
    if digits.len() <= scale {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', scale - digits.len()));
        out.extend_from_slice(digits);
    } else {
        let (int, frac) = digits.split_at(digits.len() - scale);
        out.extend_from_slice(int);
        out.push(b'.');
        out.extend_from_slice(frac);
    }
}

/// The civil date of a day number (days since 1970-01-01), proleptic Gregorian.
pub(crate) fn civil(days: i64) -> (i64, u32, u32) {
    // A corrupt value must not overflow: past +-100 million days (year +-270,000)
    // the text is a year the engine rejects as a bad row anyway.
    let z = days.clamp(-100_000_000, 100_000_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The text of the last day written (rows of a file tend to share their day).
#[derive(Default)]
pub struct DayCache {
    day: Option<i64>,
    text: Vec<u8>,
}

impl DayCache {
    fn write(&mut self, days: i64, out: &mut Vec<u8>) {
        if self.day != Some(days) {
            self.text.clear();
            date(days, &mut self.text);
            self.day = Some(days);
        }
        out.extend_from_slice(&self.text);
    }
}

/// Two ASCII digits of `n` (0..=99).
#[inline(always)]
fn two(n: i64, out: &mut Vec<u8>) {
    out.push(b'0' + (n / 10) as u8);
    out.push(b'0' + (n % 10) as u8);
}

/// `YYYY-MM-DD` of a day number (years outside 0..=9999 in full).
pub(crate) fn date(days: i64, out: &mut Vec<u8>) {
    let (y, m, d) = civil(days);
    if (0..=9999).contains(&y) {
        two(y / 100, out);
        two(y % 100, out);
    } else {
        out.extend_from_slice(itoa::Buffer::new().format(y).as_bytes());
    }
    out.push(b'-');
    two(i64::from(m), out);
    out.push(b'-');
    two(i64::from(d), out);
}

/// Seconds since the epoch plus a fraction of `digits` digits, as ISO text.
pub(crate) fn timestamp(
    secs: i64,
    frac: i64,
    digits: usize,
    utc: bool,
    out: &mut Vec<u8>,
    days: &mut DayCache,
) {
    days.write(secs.div_euclid(86_400), out);
    let s = secs.rem_euclid(86_400);
    out.push(b'T');
    two(s / 3600, out);
    out.push(b':');
    two(s / 60 % 60, out);
    out.push(b':');
    two(s % 60, out);
    if frac != 0 {
        out.push(b'.');
        let mut buf = itoa::Buffer::new();
        let text = buf.format(frac).as_bytes();
        out.extend(std::iter::repeat_n(b'0', digits.saturating_sub(text.len())));
        out.extend_from_slice(text);
    }
    if utc {
        out.push(b'Z');
    }
}

/// Days since 1970-01-01 of 0001-01-01 and 9999-12-31: dates in between are
/// written as `YYYY-MM-DD`, which the engine's time parser reads back as the same
/// day (a sink may use the day of such a cell without its text).
pub const FIRST_PLAIN_DAY: i64 = -719_162;
pub const LAST_PLAIN_DAY: i64 = 2_932_896;

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn values_in_the_engines_forms() {
        assert_eq!(text(|o| decimal(123_456, 2, o)), "1234.56");
        assert_eq!(text(|o| decimal(-5, 2, o)), "-0.05");
        assert_eq!(text(|o| decimal(7, 0, o)), "7");
        assert_eq!(text(|o| date(0, o)), "1970-01-01");
        assert_eq!(text(|o| date(20_458, o)), "2026-01-05");
        assert_eq!(text(|o| date(-1, o)), "1969-12-31");
        assert_eq!(
            text(|o| timestamp(1_767_604_500, 0, 6, true, o, &mut DayCache::default())),
            "2026-01-05T09:15:00Z"
        );
        assert_eq!(
            text(|o| timestamp(1_767_604_500, 250, 3, false, o, &mut DayCache::default())),
            "2026-01-05T09:15:00.250"
        );
        let cell = |c: Cell| text(|o| c.write(o, &mut DayCache::default()));
        assert_eq!(cell(Cell::Null), "");
        assert_eq!(cell(Cell::Int(-12)), "-12");
        assert_eq!(cell(Cell::Float(0.1)), "0.1");
        assert_eq!(cell(Cell::Float(f64::NEG_INFINITY)), "-inf");
        assert_eq!(cell(Cell::Bool(true)), "true");
        assert_eq!(cell(Cell::Decimal(Unscaled::new(-12_345), 3)), "-12.345");
        for x in [0, 1, -1, i128::MAX, i128::MIN, 1 << 64, -(1 << 64) + 3] {
            assert_eq!(Unscaled::new(x).get(), x);
        }
        assert_eq!(std::mem::size_of::<Cell>(), 32);
    }

    #[test]
    fn plain_days_are_the_four_digit_years() {
        let mut time = crate::data::TimeParser::new(jiff::tz::TimeZone::UTC);
        for (day, want) in [
            (FIRST_PLAIN_DAY, "0001-01-01"),
            (LAST_PLAIN_DAY, "9999-12-31"),
        ] {
            let t = text(|o| date(day, o));
            assert_eq!(t, want);
            assert_eq!(time.parse_day(t.as_bytes()), Some(day as i32));
        }
        assert_eq!(text(|o| date(LAST_PLAIN_DAY + 1, o)), "10000-01-01");
    }
}
