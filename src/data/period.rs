//! Calendar arithmetic on day numbers and period ordinals.
//!
//! A *day* is an `i32`: the number of days since 1970-01-01 in the proleptic
//! Gregorian calendar (negative before). A *period* is an `i32` ordinal per
//! [`Grain`]; consecutive periods of one grain differ by exactly 1, so `ord - 1`
//! is always "the period before". Labels are the user-facing names of periods
//! (`2026-01-05`, `2026-W02`, `2026-01`, `2026-Q1`, `2026`) and round-trip through
//! [`parse_period`].

/// The time grain results are grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Grain {
    Day,
    Week,
    Month,
    Quarter,
    Year,
    All,
}

impl Grain {
    /// All grains, finest first.
    pub const ALL: [Grain; 6] = [
        Grain::Day,
        Grain::Week,
        Grain::Month,
        Grain::Quarter,
        Grain::Year,
        Grain::All,
    ];

    /// Parses `day`, `week`, `month`, `quarter`, `year` or `all`.
    pub fn parse(s: &str) -> Option<Grain> {
        Some(match s {
            "day" => Grain::Day,
            "week" => Grain::Week,
            "month" => Grain::Month,
            "quarter" => Grain::Quarter,
            "year" => Grain::Year,
            "all" => Grain::All,
            _ => return None,
        })
    }

    /// The name [`Grain::parse`] accepts.
    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Day => "day",
            Grain::Week => "week",
            Grain::Month => "month",
            Grain::Quarter => "quarter",
            Grain::Year => "year",
            Grain::All => "all",
        }
    }
}

impl std::fmt::Display for Grain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// First day of the `All` period: 0000-01-01.
pub const MIN_DAY: i32 = -719_528;
/// Last day of the `All` period: 9999-12-31.
pub const MAX_DAY: i32 = 2_932_896;

/// Days since 1970-01-01 of the civil date `y-m-d` (`days_from_civil`).
///
/// `m` must be 1..=12 and `d` 1..=31; the date is not validated (use
/// [`is_valid_date`] first when it comes from input). Years far outside
/// -5,000,000..5,000,000 wrap instead of panicking.
#[inline]
pub fn day_number(y: i32, m: u32, d: u32) -> i32 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400); // [0, 399]
    let mp = i64::from((m % 12 + 9) % 12); // March = 0
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1; // [0, 365]
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; // [0, 146096]
    (era * 146_097 + doe - 719_468) as i32
}

/// The civil date `(year, month, day)` of a day number (`civil_from_days`).
#[inline]
pub fn civil_from_day(day: i32) -> (i32, u32, u32) {
    let z = i64::from(day) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400) as i32 + i32::from(m <= 2);
    (y, m, d)
}

/// Whether `y` is a Gregorian leap year.
#[inline]
pub fn is_leap_year(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Number of days in month `m` (1..=12) of year `y`; 0 for an invalid month.
#[inline]
pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Whether `y-m-d` is a real calendar date.
#[inline]
pub fn is_valid_date(y: i32, m: u32, d: u32) -> bool {
    d >= 1 && d <= days_in_month(y, m)
}

/// Day of the week, Monday = 0 .. Sunday = 6.
#[inline]
pub fn weekday_index(day: i32) -> usize {
    // 1970-01-01 was a Thursday (index 3).
    (i64::from(day) + 3).rem_euclid(7) as usize
}

/// The period (of `grain`) that contains `day`.
#[inline]
pub fn period_of_day(grain: Grain, day: i32) -> i32 {
    match grain {
        Grain::Day => day,
        // Week 0 starts on Monday 1969-12-29.
        Grain::Week => (i64::from(day) + 3).div_euclid(7) as i32,
        Grain::Month => {
            let (y, m, _) = civil_from_day(day);
            y * 12 + m as i32 - 1
        }
        Grain::Quarter => {
            let (y, m, _) = civil_from_day(day);
            y * 4 + (m as i32 - 1) / 3
        }
        Grain::Year => civil_from_day(day).0,
        Grain::All => 0,
    }
}

/// The first day of period `ord`.
pub fn period_first_day(grain: Grain, ord: i32) -> i32 {
    match grain {
        Grain::Day => ord,
        Grain::Week => ord.saturating_mul(7).saturating_sub(3),
        Grain::Month => day_number(ord.div_euclid(12), ord.rem_euclid(12) as u32 + 1, 1),
        Grain::Quarter => day_number(ord.div_euclid(4), ord.rem_euclid(4) as u32 * 3 + 1, 1),
        Grain::Year => day_number(ord, 1, 1),
        Grain::All => MIN_DAY,
    }
}

/// The last day of period `ord` (inclusive).
pub fn period_last_day(grain: Grain, ord: i32) -> i32 {
    match grain {
        Grain::All => MAX_DAY,
        _ => period_first_day(grain, ord.saturating_add(1)).saturating_sub(1),
    }
}

/// ISO 8601 week-numbering year and week (1..=53) of a day.
pub fn iso_week(day: i32) -> (i32, u32) {
    let thursday = day
        .saturating_sub(weekday_index(day) as i32)
        .saturating_add(3);
    let (y, _, _) = civil_from_day(thursday);
    let week = (i64::from(thursday) - i64::from(day_number(y, 1, 1))) / 7 + 1;
    (y, week.clamp(1, 53) as u32)
}

/// The label of period `ord`: `2026-01-05`, `2026-W02`, `2026-01`, `2026-Q1`,
/// `2026`, or `""` for `All`.
pub fn period_label(grain: Grain, ord: i32) -> String {
    match grain {
        Grain::Day => {
            let (y, m, d) = civil_from_day(ord);
            format!("{y:04}-{m:02}-{d:02}")
        }
        Grain::Week => {
            let (y, w) = iso_week(period_first_day(Grain::Week, ord));
            format!("{y:04}-W{w:02}")
        }
        Grain::Month => format!("{:04}-{:02}", ord.div_euclid(12), ord.rem_euclid(12) + 1),
        Grain::Quarter => format!("{:04}-Q{}", ord.div_euclid(4), ord.rem_euclid(4) + 1),
        Grain::Year => format!("{ord:04}"),
        Grain::All => String::new(),
    }
}

/// Parses 1 to 9 ASCII digits.
fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 9 {
        return None;
    }
    let mut v = 0u32;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(b - b'0');
    }
    Some(v)
}

/// Parses a 4-digit year.
fn year4(s: &[u8]) -> Option<i32> {
    if s.len() != 4 {
        return None;
    }
    digits(s).map(|y| y as i32)
}

/// The ordinal of the ISO week `week` of ISO year `y`, if that week exists.
pub fn iso_week_ordinal(y: i32, week: u32) -> Option<i32> {
    if !(1..=53).contains(&week) {
        return None;
    }
    let jan4 = day_number(y, 1, 4);
    let monday = jan4 - weekday_index(jan4) as i32;
    let ord = period_of_day(Grain::Week, monday) + week as i32 - 1;
    (iso_week(period_first_day(Grain::Week, ord)) == (y, week)).then_some(ord)
}

/// Parses the label of a period of `grain` (the inverse of [`period_label`]).
pub fn parse_period(grain: Grain, s: &str) -> Option<i32> {
    let b = s.as_bytes();
    match grain {
        Grain::Day => {
            if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
                return None;
            }
            let y = year4(&b[..4])?;
            let m = digits(&b[5..7])?;
            let d = digits(&b[8..10])?;
            is_valid_date(y, m, d).then(|| day_number(y, m, d))
        }
        Grain::Week => {
            if b.len() != 8 || b[4] != b'-' || !(b[5] == b'W' || b[5] == b'w') {
                return None;
            }
            iso_week_ordinal(year4(&b[..4])?, digits(&b[6..8])?)
        }
        Grain::Month => {
            if b.len() != 7 || b[4] != b'-' {
                return None;
            }
            let y = year4(&b[..4])?;
            let m = digits(&b[5..7])?;
            (1..=12).contains(&m).then(|| y * 12 + m as i32 - 1)
        }
        Grain::Quarter => {
            if b.len() != 7 || b[4] != b'-' || !(b[5] == b'Q' || b[5] == b'q') {
                return None;
            }
            let y = year4(&b[..4])?;
            let q = digits(&b[6..7])?;
            (1..=4).contains(&q).then(|| y * 4 + q as i32 - 1)
        }
        Grain::Year => year4(b),
        Grain::All => s.is_empty().then_some(0),
    }
}

/// Recognises the grain of a period label and parses it: `2026-W02` is a week,
/// `2026-Q1` a quarter, `2026-01` a month, `2026` a year, `2026-01-05` a day, and
/// the empty string is the `All` period.
pub fn grain_of_label(s: &str) -> Option<(Grain, i32)> {
    let b = s.as_bytes();
    let grain = match b.len() {
        0 => Grain::All,
        4 => Grain::Year,
        7 if matches!(b.get(5), Some(b'Q' | b'q')) => Grain::Quarter,
        7 => Grain::Month,
        8 => Grain::Week,
        10 => Grain::Day,
        _ => return None,
    };
    parse_period(grain, s).map(|ord| (grain, ord))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for day in -800_000..800_000 {
            let (y, m, d) = civil_from_day(day);
            assert!(is_valid_date(y, m, d));
            assert_eq!(day_number(y, m, d), day);
        }
        assert_eq!(day_number(1970, 1, 1), 0);
        assert_eq!(day_number(0, 1, 1), MIN_DAY);
        assert_eq!(day_number(9999, 12, 31), MAX_DAY);
    }

    #[test]
    fn weeks() {
        let d = |y, m, dd| day_number(y, m, dd);
        assert_eq!(weekday_index(d(2026, 1, 5)), 0);
        let w = |y, m, dd| period_label(Grain::Week, period_of_day(Grain::Week, d(y, m, dd)));
        assert_eq!(w(2026, 1, 5), "2026-W02");
        assert_eq!(w(2025, 12, 29), "2026-W01");
        assert_eq!(w(2027, 1, 1), "2026-W53");
        assert_eq!(w(2020, 12, 31), "2020-W53");
        assert_eq!(w(2021, 1, 3), "2020-W53");
        assert_eq!(w(2021, 1, 4), "2021-W01");
        assert_eq!(w(1969, 12, 31), "1970-W01");
        assert_eq!(parse_period(Grain::Week, "2026-W54"), None);
        assert_eq!(parse_period(Grain::Week, "2025-W53"), None);
        assert!(parse_period(Grain::Week, "2026-W53").is_some());
        for ord in -3000..3000 {
            let label = period_label(Grain::Week, ord);
            assert_eq!(parse_period(Grain::Week, &label), Some(ord), "{label}");
            assert_eq!(weekday_index(period_first_day(Grain::Week, ord)), 0);
            assert_eq!(
                period_last_day(Grain::Week, ord) - period_first_day(Grain::Week, ord),
                6
            );
        }
    }

    #[test]
    fn labels_round_trip() {
        for grain in Grain::ALL {
            assert_eq!(Grain::parse(grain.as_str()), Some(grain));
            let start = period_of_day(grain, day_number(1999, 11, 3));
            let n = if grain == Grain::All { 1 } else { 400 };
            for ord in start..start + n {
                let label = period_label(grain, ord);
                assert_eq!(parse_period(grain, &label), Some(ord), "{label}");
                assert_eq!(grain_of_label(&label), Some((grain, ord)), "{label}");
                let first = period_first_day(grain, ord);
                let last = period_last_day(grain, ord);
                assert!(first <= last);
                assert_eq!(period_of_day(grain, first), ord);
                assert_eq!(period_of_day(grain, last), ord);
                if grain != Grain::All {
                    assert_eq!(period_of_day(grain, last + 1), ord + 1);
                }
            }
        }
    }

    #[test]
    fn extremes_do_not_panic() {
        for grain in Grain::ALL {
            for v in [i32::MIN, i32::MIN + 1, -1, 0, 1, i32::MAX - 1, i32::MAX] {
                let _ = period_of_day(grain, v);
                let _ = period_first_day(grain, v);
                let _ = period_last_day(grain, v);
                let _ = period_label(grain, v);
                let _ = civil_from_day(v);
                let _ = day_number(v, 2, 29);
            }
        }
    }

    #[test]
    fn bad_labels() {
        for s in [
            "2026-13",
            "2026-00",
            "2026-Q5",
            "2026-Q0",
            "26",
            "2026-02-30",
            "x026",
        ] {
            assert_eq!(grain_of_label(s), None, "{s}");
        }
        assert_eq!(
            parse_period(Grain::Day, "2024-02-29"),
            Some(day_number(2024, 2, 29))
        );
        assert_eq!(parse_period(Grain::Day, "2025-02-29"), None);
    }
}
