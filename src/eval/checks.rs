//! Checks against targets: each check's value and thresholds evaluated for every
//! `per` group seen in the range, in every `every` period of the range (a group with
//! no activity in a period is checked with count 0), with status and streaks.

use crate::compile::graph::{CheckDef, Formula, Graph, Meta, Node, NodeId, NodeKind};
use crate::compile::types::{Kind, Unit};
use crate::data::period::{parse_period, period_first_day, period_last_day};
use crate::syntax::ast::BinOp;

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

/// One check result.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckRow {
    pub check: String,
    /// (`per` dimension, value) pairs.
    pub group: Vec<(String, String)>,
    pub period: String,
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

pub fn push_formula(g: &mut Graph, name: &str, f: Formula) -> NodeId {
    let id = NodeId(g.nodes.len() as u32);
    g.nodes.push(Node {
        name: name.to_string(),
        kind: NodeKind::Formula(f),
        span: Default::default(),
        unit: Unit::none(),
        value_kind: Kind::Num,
        meta: Meta::default(),
        is_metric: true,
    });
    id
}

/// Evaluate one check. `base` carries the data bindings, range and bad-row policy.
pub fn evaluate_check(
    graph: &Graph,
    check: &CheckDef,
    base: &Request,
) -> Result<Vec<CheckRow>, EvalError> {
    let mut g = graph.clone();
    let value = push_formula(&mut g, &check.name, check.value.clone());
    let warn = check
        .warn
        .as_ref()
        .map(|(_, f)| push_formula(&mut g, "warn", f.clone()));
    let fail = check
        .fail
        .as_ref()
        .map(|(_, f)| push_formula(&mut g, "fail", f.clone()));
    let mut metrics = vec![value];
    metrics.extend(warn);
    metrics.extend(fail);
    let req = Request {
        metrics,
        by: check.per.clone(),
        grain: check.every,
        fill: true,
        ..base.clone()
    };
    let out = evaluate(&g, &req)?;
    let cover = out.data_days;
    let cal = match &graph.settings.calendar {
        Some(c) => crate::data::calendar::WorkCalendar::new(&c.weekend, &c.holidays),
        None => crate::data::calendar::WorkCalendar::default_mon_fri(),
    };
    let mut rows: Vec<CheckRow> = Vec::with_capacity(out.rows().len());
    for r in out.rows() {
        let period = r.period.clone().unwrap_or_default();
        let v = r.values[0].as_f64();
        let mut k = 1;
        let w = warn.map(|_| {
            k += 1;
            r.values[k - 1].as_f64()
        });
        let f = fail.map(|_| {
            k += 1;
            r.values[k - 1].as_f64()
        });
        let ord = parse_period(check.every, &period);
        let partial = ord.is_some_and(|p| coverage(&cal, check.every, p, cover).is_some());
        let status = match v {
            _ if partial => Status::Partial,
            None => Status::NoData,
            Some(x)
                if check
                    .fail
                    .as_ref()
                    .is_some_and(|(op, _)| holds(*op, x, f.flatten())) =>
            {
                Status::Fail
            }
            Some(x)
                if check
                    .warn
                    .as_ref()
                    .is_some_and(|(op, _)| holds(*op, x, w.flatten())) =>
            {
                Status::Warn
            }
            Some(_) => Status::Pass,
        };
        let group: Vec<(String, String)> = check
            .per
            .iter()
            .cloned()
            .zip(r.dims.iter().cloned())
            .collect();
        let streak = match rows.last() {
            _ if status == Status::Pass => 0,
            Some(prev) if prev.group == group && prev.status == status => prev.streak + 1,
            _ => 1,
        };
        rows.push(CheckRow {
            check: check.name.clone(),
            group,
            period,
            value: v,
            warn: w.flatten(),
            fail: f.flatten(),
            status,
            streak,
        });
    }
    Ok(rows)
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
