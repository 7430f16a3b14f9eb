//! The rows of an evaluation: the range it covers, and which (group, period) rows
//! are evaluated (windows need earlier periods; `--fill` adds empty ones) and shown.

use crate::data::period::{period_first_day, period_last_day, period_of_day, Grain};

use super::merge::{Groups, Merged};
use super::{EvalError, Request};

/// The most (group, period) cells `--fill` or windows may lay out.
const MAX_DENSE_CELLS: u64 = 50_000_000;

/// The first and last day holding data (over all sources), if any.
pub(super) fn extent(merged: &[Merged]) -> Option<(i32, i32)> {
    let min_day = merged.iter().map(|m| m.min_day).min().unwrap_or(i32::MAX);
    let max_day = merged.iter().map(|m| m.max_day).max().unwrap_or(i32::MIN);
    (min_day <= max_day).then_some((min_day, max_day))
}

/// The evaluated range (inclusive day numbers): `--from`/`--to` where given, else
/// the whole periods holding data (the days themselves at grain `all`).
pub(super) fn range(req: &Request, extent: Option<(i32, i32)>) -> (i32, i32) {
    let grain = req.grain;
    match (req.from, req.to, extent) {
        (Some(a), Some(b), _) => (a, b),
        (Some(a), None, Some((_, max_day))) => (
            a,
            period_last_day(grain, period_of_day(grain, max_day)).max(a),
        ),
        (None, Some(b), Some((min_day, _))) => (
            period_first_day(grain, period_of_day(grain, min_day)).min(b),
            b,
        ),
        (None, None, Some((min_day, max_day))) if grain == Grain::All => (min_day, max_day),
        (None, None, Some((min_day, max_day))) => (
            period_first_day(grain, period_of_day(grain, min_day)),
            period_last_day(grain, period_of_day(grain, max_day)),
        ),
        (Some(a), None, None) => (a, a),
        (None, Some(b), None) => (b, b),
        (None, None, None) => (0, -1),
    }
}

/// The rows to evaluate, in output order, and which of them are shown.
pub(super) struct Layout {
    pub rows: Vec<(u32, i32)>,
    pub shown: Vec<bool>,
    /// The first period holding data (`i32::MIN` without data): windows start there.
    pub data_first: i32,
}

/// Lay out the rows: per group (in the order of its values), the periods holding
/// rows in the range, or every period of the range with `--fill` (and from the
/// first period of data, not shown before the range, when windows read earlier
/// periods).
pub(super) fn rows(
    req: &Request,
    merged: &[Merged],
    groups: &Groups,
    extent: Option<(i32, i32)>,
    range: (i32, i32),
    windows: bool,
) -> Result<Layout, EvalError> {
    let grain = req.grain;
    let has_data = extent.is_some();
    let (p_lo, p_hi) = if grain == Grain::All {
        (0, 0)
    } else {
        (period_of_day(grain, range.0), period_of_day(grain, range.1))
    };
    // Which (group, period) pairs hold rows in the range, sorted.
    let mut present: Vec<(u32, i32)> = Vec::new();
    for m in merged {
        for (&(g, p), &slot) in &m.slots {
            if m.rows[slot] > 0 && p >= p_lo && p <= p_hi && (has_data || grain == Grain::All) {
                present.push((g, p));
            }
        }
    }
    present.sort_unstable();
    present.dedup();
    let mut order: Vec<u32> = present.iter().map(|(g, _)| *g).collect();
    order.dedup();
    order.sort_by(|a, b| groups.values[*a as usize].cmp(&groups.values[*b as usize]));
    // The present periods of group `g`.
    let periods_of = |g: u32| {
        let a = present.partition_point(|&(h, _)| h < g);
        let b = present.partition_point(|&(h, _)| h <= g);
        &present[a..b]
    };
    let data_first = match extent {
        Some((min_day, _)) if grain != Grain::All => period_of_day(grain, min_day),
        _ => p_lo,
    };
    let mut rows = Vec::new();
    let mut shown = Vec::new();
    let dense = (windows || req.fill) && grain != Grain::All;
    let start = if windows { data_first.min(p_lo) } else { p_lo };
    let cells = order.len() as u64 * (p_hi as i64 - start as i64 + 1).max(0) as u64;
    if dense && cells > MAX_DENSE_CELLS {
        return Err(EvalError::Usage(format!(
            "{cells} (group, period) cells are too many to fill; use a coarser --grain, fewer --by dimensions, or --from/--to"
        )));
    }
    for &g in &order {
        let mine = periods_of(g);
        if dense {
            for p in start..=p_hi {
                rows.push((g, p));
                shown.push(
                    p >= p_lo && (req.fill || mine.binary_search_by_key(&p, |&(_, q)| q).is_ok()),
                );
            }
        } else {
            for &(_, p) in mine {
                rows.push((g, p));
                shown.push(true);
            }
        }
    }
    Ok(Layout {
        rows,
        shown,
        data_first: if has_data { data_first } else { i32::MIN },
    })
}
