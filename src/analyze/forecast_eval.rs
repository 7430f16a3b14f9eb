//! Evaluating a forecast (`kpi forecast`, and `forecast:` in definition tests): the
//! period and day it is made on, the metrics, and per group the value so far and
//! forecast by the run rate ([`crate::eval::project`]) or the funnel method
//! ([`super::forecast::funnel`]).

use crate::compile::graph::{Graph, NodeId};
use crate::data::calendar::WorkCalendar;
use crate::data::period::{
    grain_of_label, period_first_day, period_label, period_last_day, period_of_day, Grain,
};
use crate::eval::{self, project, Cell, EvalError, Output, Request};

use super::forecast::funnel;
use super::FunnelShape;

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Debug)]
pub enum Method {
    #[value(name = "run_rate")]
    RunRate,
    Funnel,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::RunRate => "run_rate",
            Method::Funnel => "funnel",
        }
    }
}

/// What every part of a forecast shares.
pub struct Ctx<'g> {
    pub graph: &'g Graph,
    pub cal: WorkCalendar,
    pub grain: Grain,
    /// The period forecast (ordinal) and its label.
    pub period: i32,
    pub label: String,
    pub today: i32,
    /// Working days of the period through `--today`, and in the whole period.
    pub seen: i64,
    pub whole: i64,
    pub method: Method,
    /// The metrics, in output order (for the funnel method: the funnel's members).
    pub metrics: Vec<NodeId>,
    /// The funnel method's funnel with the rates and value of `--rates-from`.
    pub funnel: Option<(FunnelShape, Vec<Option<f64>>, Option<f64>)>,
    /// Sources dated by month (targets such as quotas): not run-rated.
    pub period_dated: Vec<String>,
}

/// One group's forecast of one period: per metric, the value so far and forecast.
pub struct FcRow {
    pub dims: Vec<String>,
    pub period: String,
    pub to_date: Vec<Cell>,
    pub forecast: Vec<Option<f64>>,
}

/// What a forecast is asked for.
pub struct Setup<'a> {
    /// A period label; without one, the period of `grain` holding `today`.
    pub period: Option<&'a str>,
    pub grain: Grain,
    pub today: i32,
    pub method: Method,
    pub funnel: Option<&'a str>,
    pub rates_from: Option<&'a str>,
    /// The metrics asked for (`None`: every metric).
    pub metrics: Option<Vec<NodeId>>,
    /// Earlier periods read as well (groups active in them are forecast too; a
    /// backtest reads as many as it tests).
    pub history: i32,
}

fn usage(msg: impl Into<String>) -> EvalError {
    EvalError::Usage(msg.into())
}

fn day(d: i32) -> String {
    period_label(Grain::Day, d)
}

/// Check what is asked and set up the forecast, with its request (from `base`: the
/// data, `by`, threads): the period and the history before it through `today`,
/// every group in every period.
pub fn prepare<'g>(
    graph: &'g Graph,
    s: &Setup,
    base: &Request,
) -> Result<(Ctx<'g>, Request), EvalError> {
    let (grain, period) = match s.period {
        Some(l) => match grain_of_label(l) {
            Some((g, p)) if g != Grain::All => (g, p),
            _ => {
                return Err(usage(format!(
                    "--period `{l}` is not a period (use 2026-03, 2026-Q1, 2026-W10 or 2026)"
                )))
            }
        },
        None if s.grain == Grain::All => {
            return Err(usage(
                "--grain all has no periods to forecast; use week, month, quarter or year",
            ))
        }
        None => (s.grain, period_of_day(s.grain, s.today)),
    };
    let label = period_label(grain, period);
    let (first, last) = (
        period_first_day(grain, period),
        period_last_day(grain, period),
    );
    let today = s.today;
    if today < first || today > last {
        return Err(usage(format!(
            "--today {} is outside {label} ({}..{}): a forecast is made during its period; give a --today inside it, or the --period holding {}",
            day(today),
            day(first),
            day(last),
            day(today)
        )));
    }
    let cal = graph.work_calendar();
    let seen = cal.workdays(first, today);
    let whole = cal.workdays(first, last);
    if seen == 0 {
        let next = (today..=last).find(|d| cal.is_workday(*d));
        return Err(usage(format!(
            "no working day of {label} has passed by --today {}: there is no run rate to project yet (the forecast is undefined){}",
            day(today),
            next.map(|d| format!("; its first working day is {}", day(d)))
                .unwrap_or_else(|| format!("; {label} has no working days in the calendar"))
        )));
    }
    let shape = match s.method {
        Method::RunRate => {
            if s.funnel.is_some() || s.rates_from.is_some() {
                return Err(usage(
                    "--funnel and --rates-from are for --method funnel; the run rate needs neither",
                ));
            }
            None
        }
        Method::Funnel => {
            let (Some(name), Some(_)) = (s.funnel, s.rates_from) else {
                return Err(usage(
                    "--method funnel needs --funnel F (a funnel with a `value`) and --rates-from PERIOD (whose rates it uses)",
                ));
            };
            if s.metrics.is_some() {
                return Err(usage(
                    "--method funnel forecasts the members of --funnel; drop --metrics",
                ));
            }
            let shape = super::shape(graph, name).map_err(usage)?;
            if shape.value.is_none() || shape.total.is_none() {
                return Err(usage(format!(
                    "funnel `{name}` has no `value`: the funnel method projects its total through the value of --rates-from; give the funnel a `value` or use --method run_rate"
                )));
            }
            Some(shape)
        }
    };
    let metrics = match (&shape, &s.metrics) {
        (Some(shape), _) => funnel_nodes(shape),
        (None, Some(m)) => m.clone(),
        (None, None) => graph.metric_order.clone(),
    };
    let req = Request {
        metrics: metrics.clone(),
        from: Some(period_first_day(grain, period - s.history.max(1))),
        to: Some(today),
        fill: true,
        grain,
        ..base.clone()
    };
    let funnel = match shape {
        Some(shape) => {
            let (rates, value) = rates_from(graph, &shape, &req, s.rates_from)?;
            Some((shape, rates, value))
        }
        None => None,
    };
    Ok((
        Ctx {
            graph,
            cal,
            grain,
            period,
            label,
            today,
            seen,
            whole,
            method: s.method,
            metrics,
            funnel,
            period_dated: Vec::new(),
        },
        req,
    ))
}

/// A funnel's members in the order the funnel method fills them: stages, rates,
/// conversion, value, total.
fn funnel_nodes(shape: &FunnelShape) -> Vec<NodeId> {
    let mut v = shape.stage_nodes.clone();
    v.extend(&shape.rate_nodes);
    v.extend(shape.conversion);
    v.extend(shape.value);
    v.extend(shape.total);
    v
}

/// The rates and value of `--rates-from` over all groups.
fn rates_from(
    graph: &Graph,
    shape: &FunnelShape,
    base: &Request,
    label: Option<&str>,
) -> Result<(Vec<Option<f64>>, Option<f64>), EvalError> {
    let label = label.unwrap_or_default();
    let (first, last) = match grain_of_label(label) {
        Some((g, p)) if g != Grain::All => (period_first_day(g, p), period_last_day(g, p)),
        _ => {
            return Err(usage(format!(
                "--rates-from `{label}` is not a period (use 2026-Q1, 2026-03, 2026-W10 or 2026)"
            )))
        }
    };
    let req = Request {
        by: Vec::new(),
        grain: Grain::All,
        from: Some(first),
        to: Some(last),
        fill: false,
        ..base.clone()
    };
    let (rows, _) = super::evaluate_funnel(graph, shape, &req)?;
    match rows.first() {
        Some(r) if r.volumes.first().copied().flatten().unwrap_or(0.0) > 0.0 => {
            Ok((r.rates.clone(), r.value))
        }
        _ => Err(EvalError::Data(format!(
            "no data in --rates-from {label} ({}..{}) to take the rates of funnel `{}` from",
            day(first),
            day(last),
            shape.name
        ))),
    }
}

/// Evaluate `req` (its metrics) as it is and run-rated in the periods `which` accepts.
pub fn evaluate(
    ctx: &Ctx,
    req: &Request,
    which: &dyn Fn(i32) -> bool,
) -> Result<(Output, Output), EvalError> {
    let projector = |g: &eval::grid::Grid, c: &eval::grid::Cols, fixed: &[NodeId]| {
        project::run_rate(ctx.graph, g, c, &ctx.cal, which, fixed)
    };
    let (actual, projected) = eval::evaluate_with(ctx.graph, req, Some(&projector))?;
    let projected = projected.ok_or_else(|| EvalError::Usage("internal: no projection".into()))?;
    Ok((actual, projected))
}

/// The forecast rows of the periods `keep` accepts (labels), per method.
pub fn forecasts(
    ctx: &Ctx,
    actual: &Output,
    projected: &Output,
    keep: &dyn Fn(&str) -> bool,
) -> Vec<FcRow> {
    let mut out = Vec::new();
    for (a, p) in actual.rows().iter().zip(projected.rows()) {
        let period = a.period.clone().unwrap_or_default();
        if !keep(&period) {
            continue;
        }
        let forecast: Vec<Option<f64>> = match &ctx.funnel {
            None => p.values.iter().map(Cell::as_f64).collect(),
            Some((shape, rates, value)) => {
                let ns = shape.stage_nodes.len();
                let td: Vec<Option<f64>> = a.values.iter().map(Cell::as_f64).collect();
                if p.values[0].as_f64() == td[0] {
                    // Nothing of the first stage remains (the period's end, or no
                    // working day left): the forecast is what there is.
                    out.push(FcRow {
                        dims: a.dims.clone(),
                        period,
                        forecast: td,
                        to_date: a.values.clone(),
                    });
                    continue;
                }
                let f = funnel(
                    &td[..ns],
                    td.last().copied().flatten(),
                    p.values[0].as_f64(),
                    rates,
                    *value,
                );
                let mut v = f.volumes;
                v.extend(f.rates);
                v.extend(shape.conversion.map(|_| f.conversion));
                v.push(f.value);
                v.push(f.total);
                v
            }
        };
        out.push(FcRow {
            dims: a.dims.clone(),
            period,
            to_date: a.values.clone(),
            forecast,
        });
    }
    out
}
