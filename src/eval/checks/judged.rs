//! The result of [`super::evaluate_checks`]: each check's status and streak per row
//! over the evaluation it shared with the checks of its shape. Values, groups and
//! periods stay in the evaluation and are read when a row is read, so a long result
//! (many checks over many groups) is not built row by row unless it is asked for.

use std::ops::Range;
use std::sync::Arc;

use super::{CheckRow, Group, Status};
use crate::eval::Output;

/// An output row's group and period, shared by the rows of the checks evaluated
/// together, and whether the period is only partly covered.
pub(super) struct RowKey {
    pub group: Group,
    pub period: Arc<str>,
    pub partial: bool,
}

/// One evaluation shared by checks of one shape, and its rows' keys.
pub(super) struct Evaluation {
    pub out: Output,
    pub keys: Vec<RowKey>,
}

/// One check's verdicts, row by row of its evaluation.
pub(super) struct Verdicts {
    pub name: Arc<str>,
    /// The index of its evaluation.
    pub eval: usize,
    /// The output columns of its value, warn and fail thresholds.
    pub cols: [Option<usize>; 3],
    pub status: Vec<Status>,
    pub streak: Vec<u32>,
}

impl Verdicts {
    /// The value and thresholds of row `i` of `out`, its evaluation.
    pub fn values(&self, out: &Output, i: usize) -> [Option<f64>; 3] {
        self.cols.map(|k| k.and_then(|k| out.cell(i, k).as_f64()))
    }
}

/// Checks as judged, in their order, each over every row of its evaluation.
pub struct Judged {
    pub(super) evals: Vec<Evaluation>,
    pub(super) checks: Vec<Verdicts>,
}

/// One check result, borrowed from a [`Judged`] or a [`CheckRow`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CheckView<'a> {
    pub check: &'a str,
    pub group: &'a [(String, String)],
    pub period: &'a str,
    pub value: Option<f64>,
    pub warn: Option<f64>,
    pub fail: Option<f64>,
    pub status: Status,
    pub streak: u32,
}

impl CheckRow {
    pub fn view(&self) -> CheckView<'_> {
        CheckView {
            check: &self.check,
            group: &self.group,
            period: &self.period,
            value: self.value,
            warn: self.warn,
            fail: self.fail,
            status: self.status,
            streak: self.streak,
        }
    }
}

impl Judged {
    /// Rows over all checks.
    pub fn len(&self) -> usize {
        self.checks.iter().map(|c| c.status.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Per check, in order: its name and how many rows are pass, warn, fail, no_data
    /// and partial (indexed by [`Status`]).
    pub fn counts(&self) -> Vec<(&str, [usize; 5])> {
        self.checks
            .iter()
            .map(|c| {
                let mut n = [0; 5];
                for &s in &c.status {
                    n[s as usize] += 1;
                }
                (c.name.as_ref(), n)
            })
            .collect()
    }

    /// Whether any row has a status for which `hit` holds.
    pub fn any(&self, hit: impl Fn(Status) -> bool) -> bool {
        self.checks.iter().any(|c| c.status.iter().any(|&s| hit(s)))
    }

    /// Rows `range` of all checks (in check order, then row order), read from the
    /// evaluations.
    pub fn views(&self, range: Range<usize>) -> impl Iterator<Item = CheckView<'_>> + '_ {
        let mut first = 0;
        self.checks.iter().flat_map(move |c| {
            let n = c.status.len();
            let (lo, hi) = (range.start.max(first), range.end.min(first + n));
            let rows = if lo < hi {
                lo - first..hi - first
            } else {
                0..0
            };
            first += n;
            let e = &self.evals[c.eval];
            rows.map(move |i| {
                let [value, warn, fail] = c.values(&e.out, i);
                let key = &e.keys[i];
                CheckView {
                    check: &c.name,
                    group: &key.group,
                    period: &key.period,
                    value,
                    warn,
                    fail,
                    status: c.status[i],
                    streak: c.streak[i],
                }
            })
        })
    }

    /// Every row, built.
    pub fn into_rows(self) -> Vec<CheckRow> {
        let mut rows = Vec::with_capacity(self.len());
        for c in &self.checks {
            let e = &self.evals[c.eval];
            for (i, key) in e.keys.iter().enumerate() {
                let [value, warn, fail] = c.values(&e.out, i);
                rows.push(CheckRow {
                    check: c.name.clone(),
                    group: key.group.clone(),
                    period: key.period.clone(),
                    value,
                    warn,
                    fail,
                    status: c.status[i],
                    streak: c.streak[i],
                });
            }
        }
        rows
    }
}
