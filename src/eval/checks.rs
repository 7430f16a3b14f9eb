//! Checks against targets: each check's value and thresholds evaluated for every
//! `per` group seen in the range, in every `every` period of the range (a group with
//! no activity in a period is checked with count 0), with status and streaks.

use crate::compile::graph::{CheckDef, Graph, NodeId, NodeKind};
use crate::data::period::{parse_period, period_first_day, period_last_day, Grain};
use crate::syntax::ast::BinOp;

use std::sync::Arc;

use super::{evaluate, EvalError, Request};

/// Status of one group in one period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Pass,
    Warn,
    Fail,
    NoData,
    /// The period is only partly covered by the data: not judged.
    Partial,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::NoData => "no_data",
            Status::Partial => "partial",
        }
    }
}

/// The (`per` dimension, value) pairs of a check row.
pub type Group = Arc<[(String, String)]>;

mod judged;
pub use judged::{CheckView, Judged};
use judged::{Evaluation, RowKey, Verdicts};

/// One check result.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckRow {
    pub check: Arc<str>,
    /// (`per` dimension, value) pairs (shared by the checks of one evaluation).
    pub group: Group,
    pub period: Arc<str>,
    pub value: Option<f64>,
    pub warn: Option<f64>,
    pub fail: Option<f64>,
    pub status: Status,
    /// Consecutive periods (up to and including this one) this group has had this
    /// same non-pass status; 0 for pass.
    pub streak: u32,
}

fn holds(op: BinOp, value: f64, threshold: Option<f64>) -> bool {
    let Some(t) = threshold else { return false };
    match op {
        BinOp::Lt => value < t,
        BinOp::Le => value <= t,
        BinOp::Gt => value > t,
        BinOp::Ge => value >= t,
        BinOp::Eq => value == t,
        BinOp::Ne => value != t,
        _ => false,
    }
}

/// A check's status for a value and its warn and fail thresholds: fail when the
/// fail condition holds, else warn when the warn condition holds, else pass; no
/// value is no data.
pub fn status_of(check: &CheckDef, v: Option<f64>, w: Option<f64>, f: Option<f64>) -> Status {
    match v {
        None => Status::NoData,
        Some(x) if check.fail.as_ref().is_some_and(|(op, _)| holds(*op, x, f)) => Status::Fail,
        Some(x) if check.warn.as_ref().is_some_and(|(op, _)| holds(*op, x, w)) => Status::Warn,
        Some(_) => Status::Pass,
    }
}

/// Evaluate one check. `base` carries the data bindings, range and bad-row policy.
pub fn evaluate_check(
    graph: &Graph,
    check: &CheckDef,
    base: &Request,
) -> Result<Vec<CheckRow>, EvalError> {
    evaluate_checks(graph, &[check], base)
        .map(|(judged, _)| judged.into_rows())
        .map_err(|(_, e)| e)
}

/// What makes checks share one evaluation: the same groups (`per`), periods
/// (`every`), sources read and window use give the same rows, range and scans, so
/// their formulas are only more columns of one request.
#[derive(PartialEq)]
struct Shape<'c> {
    per: &'c [String],
    every: Grain,
    sources: Vec<usize>,
    journeys: Vec<usize>,
    windows: bool,
}

fn shape<'c>(graph: &Graph, check: &'c CheckDef) -> Shape<'c> {
    let needed = crate::plan::closure(graph, &check.nodes.list());
    let mut sources: Vec<usize> = needed
        .iter()
        .filter_map(|id| match &graph.node(*id).kind {
            NodeKind::Aggregate(a) => Some(a.source),
            _ => None,
        })
        .collect();
    sources.sort_unstable();
    sources.dedup();
    Shape {
        per: &check.per,
        every: check.every,
        sources,
        journeys: crate::plan::journeys(graph, &needed),
        windows: crate::plan::uses_windows(graph, &needed),
    }
}

/// Evaluate checks, in their order: one evaluation (one scan of each source) for all
/// checks of the same [`Shape`]; with the evaluations' warnings (skipped rows,
/// unmatched lookup keys), each once. On an error, the first check (in order) that
/// fails on its own is named with its error.
pub fn evaluate_checks(
    graph: &Graph,
    checks: &[&CheckDef],
    base: &Request,
) -> Result<(Judged, Vec<String>), (String, EvalError)> {
    let mut warnings: Vec<String> = Vec::new();
    let shapes: Vec<Shape> = checks.iter().map(|c| shape(graph, c)).collect();
    let mut evals: Vec<Evaluation> = Vec::new();
    let mut verdicts: Vec<Option<Verdicts>> = (0..checks.len()).map(|_| None).collect();
    for i in 0..checks.len() {
        if verdicts[i].is_some() {
            continue;
        }
        let members: Vec<usize> = (i..checks.len())
            .filter(|&k| verdicts[k].is_none() && shapes[k] == shapes[i])
            .collect();
        let metrics: Vec<NodeId> = members
            .iter()
            .flat_map(|&k| checks[k].nodes.list())
            .collect();
        let req = Request {
            metrics,
            by: checks[i].per.clone(),
            grain: checks[i].every,
            fill: true,
            ..base.clone()
        };
        let out = match evaluate(graph, &req) {
            Ok(out) => out,
            Err(e) => return Err(first_failing(graph, checks, base, e)),
        };
        for w in out.warnings() {
            if !warnings.contains(&w) {
                warnings.push(w);
            }
        }
        let keys = row_keys(graph, checks[i], &out);
        let mut col = 0;
        for &k in &members {
            verdicts[k] = Some(judge(checks[k], &out, &keys, col, evals.len()));
            col += checks[k].nodes.list().len();
        }
        evals.push(Evaluation { out, keys });
    }
    let checks = verdicts.into_iter().flatten().collect();
    Ok((Judged { evals, checks }, warnings))
}

/// The first check, in order, whose own evaluation fails (so an error names the
/// check it belongs to, as when each check is evaluated alone).
fn first_failing(
    graph: &Graph,
    checks: &[&CheckDef],
    base: &Request,
    shared: EvalError,
) -> (String, EvalError) {
    for c in checks {
        let req = Request {
            metrics: c.nodes.list(),
            by: c.per.clone(),
            grain: c.every,
            fill: true,
            ..base.clone()
        };
        if let Err(e) = evaluate(graph, &req) {
            return (c.name.clone(), e);
        }
    }
    (checks[0].name.clone(), shared)
}

/// Each output row's group and period (shared by the rows of the checks judged
/// together: one allocation per group and per period, not per row), and whether
/// the period is only partly covered by the data (then it is not judged).
fn row_keys(graph: &Graph, check: &CheckDef, out: &super::Output) -> Vec<RowKey> {
    let cal = graph.work_calendar();
    let mut periods: std::collections::HashMap<
        &str,
        (Arc<str>, bool),
        foldhash::fast::RandomState,
    > = Default::default();
    let mut keys: Vec<RowKey> = Vec::with_capacity(out.len());
    for i in 0..out.len() {
        let dims = out.dims(i);
        // Rows come group by group: the previous row's group is usually this one.
        let group = match keys.last() {
            Some(k) if k.group.iter().map(|(_, v)| v).eq(dims.iter()) => k.group.clone(),
            _ => check
                .per
                .iter()
                .cloned()
                .zip(dims.iter().cloned())
                .collect(),
        };
        let label = out.period(i).unwrap_or_default();
        let (period, partial) = periods
            .entry(label)
            .or_insert_with(|| {
                let partial = parse_period(check.every, label)
                    .is_some_and(|p| coverage(&cal, check.every, p, out.data_days).is_some());
                (label.into(), partial)
            })
            .clone();
        keys.push(RowKey {
            group,
            period,
            partial,
        });
    }
    keys
}

/// Status and streaks of one check from the columns `col..` of evaluation `eval`.
fn judge(
    check: &CheckDef,
    out: &super::Output,
    keys: &[RowKey],
    col: usize,
    eval: usize,
) -> Verdicts {
    let (warn, fail) = match (check.nodes.warn, check.nodes.fail) {
        (Some(_), Some(_)) => (Some(col + 1), Some(col + 2)),
        (Some(_), None) => (Some(col + 1), None),
        (None, Some(_)) => (None, Some(col + 1)),
        (None, None) => (None, None),
    };
    let mut v = Verdicts {
        name: check.name.as_str().into(),
        eval,
        cols: [Some(col), warn, fail],
        status: Vec::with_capacity(keys.len()),
        streak: Vec::with_capacity(keys.len()),
    };
    for (i, key) in keys.iter().enumerate() {
        let [x, w, f] = v.values(out, i);
        let status = if key.partial {
            Status::Partial
        } else {
            status_of(check, x, w, f)
        };
        let streak = match (v.status.last(), v.streak.last()) {
            _ if status == Status::Pass => 0,
            (Some(&s), Some(&n)) if s == status && keys[i - 1].group == key.group => n + 1,
            _ => 1,
        };
        v.status.push(status);
        v.streak.push(streak);
    }
    v
}

/// Whether period `ord` of `grain` is only partly covered by data (`cover`: first and
/// last covered day): some working day of it lies outside. Some((covered working
/// days, working days of the period)) when it is partial.
pub fn coverage(
    cal: &crate::data::calendar::WorkCalendar,
    grain: crate::data::period::Grain,
    ord: i32,
    cover: Option<(i32, i32)>,
) -> Option<(i64, i64)> {
    let (lo, hi) = cover?;
    let (first, last) = (period_first_day(grain, ord), period_last_day(grain, ord));
    if cal.workdays(first, lo - 1) > 0 || cal.workdays(hi + 1, last) > 0 {
        // `workdays` of an empty span is 0.
        let covered = cal.workdays(lo.max(first), hi.min(last));
        Some((covered, cal.workdays(first, last)))
    } else {
        None
    }
}
