//! The evaluated range and the calendar in SQL: the range is `--from`..`--to`, or
//! the first through the last period holding data (as the engine's); `workdays`
//! and `days` count the days of a period inside the range (a period wholly before
//! the range, read only by window functions, counts all its days).

use crate::compile::graph::Graph;
use crate::data::calendar::WorkCalendar;
use crate::data::period::{
    period_first_day, period_of_day, weekday_index, Grain, MAX_DAY, MIN_DAY,
};

use super::dialect::{Dialect, SqlType};

/// `lo` and `hi` of the range, over the `"min_day"`/`"max_day"` of the data.
pub fn range_bounds(
    d: &dyn Dialect,
    grain: Grain,
    from: Option<i32>,
    to: Option<i32>,
) -> (String, String) {
    let min = d.quote_ident("min_day");
    let max = d.quote_ident("max_day");
    let first = if grain == Grain::All {
        d.date_literal(MIN_DAY)
    } else {
        d.truncate(&min, grain)
    };
    let last = if grain == Grain::All {
        d.date_literal(MAX_DAY)
    } else {
        d.add_days(&d.add_periods(&d.truncate(&max, grain), grain, 1), -1)
    };
    match (from, to) {
        (Some(a), Some(b)) => (d.date_literal(a), d.date_literal(b)),
        (Some(a), None) => {
            let a = d.date_literal(a);
            (a.clone(), format!("GREATEST({last}, {a})"))
        }
        (None, Some(b)) => {
            let b = d.date_literal(b);
            (format!("LEAST({first}, {b})"), b)
        }
        (None, None) if grain == Grain::All => (min, max),
        (None, None) => (first, last),
    }
}

/// The first day of the period holding `from` (rows of earlier periods are kept
/// for window functions).
pub fn from_period_start(grain: Grain, from: i32) -> i32 {
    period_first_day(grain, period_of_day(grain, from))
}

/// The first and last day a grid row's `workdays`/`days` count: the period clipped
/// to the range `lo__`..`hi__`, or the whole period when it ends before the range.
pub fn span(d: &dyn Dialect, grain: Grain, ps: &str, lo: &str, hi: &str) -> (String, String) {
    if grain == Grain::All {
        return (lo.to_string(), hi.to_string());
    }
    let pe = d.add_days(&d.add_periods(ps, grain, 1), -1);
    (
        format!("(CASE WHEN {pe} < {lo} THEN {ps} ELSE GREATEST({ps}, {lo}) END)"),
        format!("(CASE WHEN {pe} < {lo} THEN {pe} ELSE LEAST({pe}, {hi}) END)"),
    )
}

/// `workdays` from the span's length `len` (days, may be <= 0), the weekday index
/// (Monday = 0) `dow` of its first day `a`, and its last day `b`: whole weeks, the
/// working days of the remainder, minus the holidays on working days inside it.
pub fn workdays(d: &dyn Dialect, graph: &Graph, len: &str, dow: &str, a: &str, b: &str) -> String {
    let (weekend, holidays): (Vec<usize>, Vec<i32>) = match &graph.settings.calendar {
        Some(c) => {
            let cal = WorkCalendar::new(&c.weekend, &c.holidays);
            let weekend = c
                .weekend
                .iter()
                .map(|w| w.to_monday_zero_offset() as usize)
                .collect();
            let mut hol: Vec<i32> = c
                .holidays
                .iter()
                .copied()
                .filter(|&h| cal.is_holiday(h))
                .collect();
            hol.sort_unstable();
            hol.dedup();
            (weekend, hol)
        }
        None => (vec![5, 6], Vec::new()),
    };
    let mut weekend = weekend;
    weekend.sort_unstable();
    weekend.dedup();
    let per_week = 7 - weekend.len();
    let mut s = format!("FLOOR({len} / 7) * {per_week}");
    if per_week > 0 {
        let off: Vec<String> = weekend.iter().map(|w| w.to_string()).collect();
        for k in 0..6 {
            let working = if off.is_empty() {
                String::new()
            } else {
                format!(" AND MOD({dow} + {k}, 7) NOT IN ({})", off.join(", "))
            };
            s.push_str(&format!(
                " + (CASE WHEN MOD({len}, 7) > {k}{working} THEN 1 ELSE 0 END)"
            ));
        }
    }
    for h in holidays {
        let lit = d.date_literal(h);
        s.push_str(&format!(
            " - (CASE WHEN {a} <= {lit} AND {lit} <= {b} THEN 1 ELSE 0 END)"
        ));
    }
    d.cast(
        &format!("(CASE WHEN {len} <= 0 THEN 0 ELSE {s} END)"),
        SqlType::Double,
    )
}

/// The weekday index (Monday = 0) of `day`, from its distance to 1970-01-01 (a Thursday).
pub fn weekday(d: &dyn Dialect, day: &str) -> String {
    let epoch = d.date_literal(0);
    debug_assert_eq!(weekday_index(0), 3);
    format!("MOD(MOD({} + 3, 7) + 7, 7)", d.days_between(&epoch, day))
}
