//! `kpi forecast --backtest N`: the same forecast made at the same working-day offset
//! in each of the N periods before, against what those periods came to. One more
//! scan: every earlier period cut at its own offset day ([`crate::plan::Cut`]) and
//! run-rated; the actual values come from the forecast's own evaluation, which reads
//! those periods whole.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::analyze::forecast::{accuracy, cut_day, Accuracy};
use crate::compile::graph::NodeId;
use crate::data::period::{period_label, Grain};
use crate::eval::{Output, Request};
use crate::plan::Cut;
use crate::report::{number, Grid};

use super::forecast::group_json;
use super::CliError;
use crate::analyze::forecast_eval::{evaluate, forecasts, Ctx, FcRow};

/// One forecast of an earlier period against what it came to.
pub(super) struct Case {
    pub dims: Vec<String>,
    pub period: String,
    pub metric: usize,
    pub forecast: Option<f64>,
    pub actual: Option<f64>,
}

/// A backtest's cases and accuracies.
pub(super) struct Backtest {
    /// The earlier periods, oldest first.
    pub periods: Vec<String>,
    /// Metrics (indexes into the forecast's) that were backtested.
    pub metrics: Vec<usize>,
    /// Metrics left out, with why.
    pub left_out: Vec<(usize, &'static str)>,
    pub cases: Vec<Case>,
}

/// Why a metric is not backtested: it reads other periods (window functions, whose
/// earlier periods would be cut too) or a journey (whose entities span periods).
fn why_not(ctx: &Ctx, id: NodeId) -> Option<&'static str> {
    let needed = crate::plan::closure(ctx.graph, &[id]);
    if crate::plan::uses_windows(ctx.graph, &needed) {
        Some("reads earlier periods (prev, change, rolling, to_date)")
    } else if !crate::plan::journeys(ctx.graph, &needed).is_empty() {
        Some("counts a journey, whose entities span periods")
    } else {
        None
    }
}

/// Run the backtest of `n` periods; `actual` is the forecast's evaluation (from the
/// first of those periods through `--today`).
pub(super) fn run(
    ctx: &Ctx,
    base: &Request,
    actual: &Output,
    n: u32,
) -> Result<Backtest, CliError> {
    let trailing = !ctx.cal.is_workday(ctx.today);
    let earlier: Vec<i32> = (ctx.period - n as i32..ctx.period).collect();
    let cut = Cut {
        last: earlier
            .iter()
            .map(|&q| (q, cut_day(&ctx.cal, ctx.grain, q, ctx.seen, trailing)))
            .collect(),
    };
    let mut metrics = Vec::new();
    let mut left_out = Vec::new();
    for (k, &id) in ctx.metrics.iter().enumerate() {
        match why_not(ctx, id) {
            Some(why) => left_out.push((k, why)),
            None => metrics.push(k),
        }
    }
    let periods: Vec<String> = earlier
        .iter()
        .map(|&q| period_label(ctx.grain, q))
        .collect();
    let mut cases = Vec::new();
    if metrics.len() < ctx.metrics.len() && ctx.funnel.is_some() {
        // The funnel method needs all of its members: nothing to backtest.
        return Ok(Backtest {
            periods,
            metrics: Vec::new(),
            left_out,
            cases,
        });
    }
    if metrics.is_empty() {
        return Ok(Backtest {
            periods,
            metrics,
            left_out,
            cases,
        });
    }
    let req = Request {
        metrics: ctx.metrics.clone(),
        cut: Some(Arc::new(cut)),
        ..base.clone()
    };
    let (to_date, projected) = evaluate(ctx, &req, &|q| q < ctx.period)?;
    let made: Vec<FcRow> = forecasts(ctx, &to_date, &projected, &|p| p != ctx.label);
    let made: HashMap<(&[String], &str), &FcRow> = made
        .iter()
        .map(|r| ((r.dims.as_slice(), r.period.as_str()), r))
        .collect();
    // Each earlier period of each group against what it came to. A group with no
    // rows before the cut in any period is not in the cut evaluation: its counts
    // were 0 so far and so forecast 0; its other values have no forecast.
    for r in actual.rows() {
        let p = r.period.as_deref().unwrap_or_default();
        if p == ctx.label {
            continue;
        }
        let fc = made.get(&(r.dims.as_slice(), p));
        for &k in &metrics {
            let forecast = match fc {
                Some(f) => f.forecast[k],
                None => ctx
                    .graph
                    .node(ctx.metrics[k])
                    .typing
                    .count_like
                    .then_some(0.0),
            };
            cases.push(Case {
                dims: r.dims.clone(),
                period: p.to_string(),
                metric: k,
                forecast,
                actual: r.values[k].as_f64(),
            });
        }
    }
    Ok(Backtest {
        periods,
        metrics,
        left_out,
        cases,
    })
}

impl Backtest {
    /// Accuracy per metric over every group, then (with groups) per group and metric.
    fn rows(&self) -> Vec<(Option<Vec<String>>, usize, Accuracy)> {
        let mut out = Vec::new();
        for &k in &self.metrics {
            let acc = accuracy(
                self.cases
                    .iter()
                    .filter(|c| c.metric == k)
                    .map(|c| (c.forecast, c.actual)),
            );
            out.push((None, k, acc));
        }
        let mut groups: Vec<&Vec<String>> = self.cases.iter().map(|c| &c.dims).collect();
        groups.sort();
        groups.dedup();
        if groups.len() > 1 || groups.first().is_some_and(|g| !g.is_empty()) {
            for g in groups {
                for &k in &self.metrics {
                    let acc = accuracy(
                        self.cases
                            .iter()
                            .filter(|c| c.metric == k && &c.dims == g)
                            .map(|c| (c.forecast, c.actual)),
                    );
                    out.push((Some(g.clone()), k, acc));
                }
            }
        }
        out
    }

    fn name<'c>(&self, ctx: &'c Ctx, k: usize) -> &'c str {
        &ctx.graph.node(ctx.metrics[k]).name
    }

    pub fn json(&self, ctx: &Ctx, by: &[String]) -> Value {
        let num = |x: Option<f64>| {
            x.and_then(serde_json::Number::from_f64)
                .map_or(Value::Null, Value::Number)
        };
        let metrics: Vec<Value> = self
            .rows()
            .into_iter()
            .map(|(g, k, a)| {
                let mut m = Map::new();
                m.insert("metric".into(), self.name(ctx, k).into());
                m.insert(
                    "group".into(),
                    g.map_or(Value::Null, |g| group_json(by, &g)),
                );
                m.insert("mape".into(), num(a.mape));
                m.insert("bias".into(), num(a.bias));
                m.insert("n".into(), a.n.into());
                m.insert("left_out".into(), a.left_out.into());
                Value::Object(m)
            })
            .collect();
        let cases: Vec<Value> = self
            .cases
            .iter()
            .map(|c| {
                let mut m = Map::new();
                m.insert("group".into(), group_json(by, &c.dims));
                m.insert("period".into(), c.period.clone().into());
                m.insert("metric".into(), self.name(ctx, c.metric).into());
                m.insert("forecast".into(), num(c.forecast));
                m.insert("actual".into(), num(c.actual));
                Value::Object(m)
            })
            .collect();
        let not: Vec<Value> = self
            .left_out
            .iter()
            .map(|(k, why)| serde_json::json!({"metric": self.name(ctx, *k), "why": why}))
            .collect();
        let mut top = Map::new();
        top.insert("periods".into(), self.periods.clone().into());
        top.insert("workday".into(), ctx.seen.into());
        top.insert("metrics".into(), Value::Array(metrics));
        top.insert("not_backtested".into(), Value::Array(not));
        top.insert("cases".into(), Value::Array(cases));
        Value::Object(top)
    }

    pub fn table(&self, ctx: &Ctx, by: &[String], how: Grid, long: bool) -> String {
        let pct = |x: Option<f64>, signed: bool| {
            x.map(|x| {
                let s = number::human(x, number::NumKind::Percent, ctx.graph.settings.locale);
                if signed && !s.starts_with('-') && s.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
                    format!("+{s}")
                } else {
                    s
                }
            })
            .unwrap_or_default()
        };
        let mut head: Vec<String> = by.to_vec();
        head.extend(["metric", "mape", "bias", "n"].map(String::from));
        let body: Vec<Vec<String>> = self
            .rows()
            .into_iter()
            .map(|(g, k, a)| {
                let mut line = match g {
                    Some(g) => g,
                    None => {
                        let mut v = vec![String::new(); by.len()];
                        if let Some(first) = v.first_mut() {
                            *first = "(all)".into();
                        }
                        v
                    }
                };
                line.push(self.name(ctx, k).to_string());
                line.push(pct(a.mape, false));
                line.push(pct(a.bias, true));
                line.push(number::human(
                    a.n as f64,
                    number::NumKind::Count,
                    ctx.graph.settings.locale,
                ));
                line
            })
            .collect();
        let gap = if how == Grid::Md { "\n" } else { "" };
        let mut s = format!(
            "backtest: the same forecast at working day {} of {} ({}), against what they came to\n{gap}",
            ctx.seen,
            match self.periods.len() {
                1 => format!("the {} before", grain_word(ctx.grain)),
                n => format!("each of the {n} {}s before", grain_word(ctx.grain)),
            },
            match (self.periods.first(), self.periods.last()) {
                (Some(a), Some(b)) if a != b => format!("{a}..{b}"),
                (Some(a), _) => a.clone(),
                _ => String::new(),
            }
        );
        if !body.is_empty() {
            s.push_str(&crate::report::grid_layout(
                &head,
                &body,
                how,
                by.len() + 1,
                "column",
                long,
            ));
            s.push_str(gap);
            s.push_str("mape: mean absolute percentage error; bias: mean signed error (+: the forecast ran high); n: group-periods with a non-zero actual value\n");
        }
        for (k, why) in &self.left_out {
            s.push_str(&format!("not backtested: {} ({why})\n", self.name(ctx, *k)));
        }
        s
    }
}

fn grain_word(g: Grain) -> &'static str {
    match g {
        Grain::Day => "day",
        Grain::Week => "week",
        Grain::Month => "month",
        Grain::Quarter => "quarter",
        Grain::Year => "year",
        Grain::All => "period",
    }
}
