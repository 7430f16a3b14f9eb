//! Analyses over evaluated funnels: weakest steps (`kpi funnel`), the reverse funnel
//! (`kpi plan`), what-if changes (`kpi whatif`) and what separates the best groups
//! from the rest (`kpi insights`).

pub mod forecast;
pub mod forecast_eval;
pub mod ingredients;
pub mod insights;
pub mod lead;
pub mod plan;
pub mod weakest;
pub mod whatif;

use crate::compile::graph::{Graph, NodeId};
use crate::eval::{evaluate, EvalError, Request};

/// The members of one funnel (aggregate or journey).
#[derive(Clone, Debug)]
pub struct FunnelShape {
    pub name: String,
    pub stages: Vec<String>,
    pub stage_nodes: Vec<NodeId>,
    /// Rates of stages 1.. (`F.meetings_rate`, ..).
    pub rate_nodes: Vec<NodeId>,
    pub conversion: Option<NodeId>,
    pub value: Option<NodeId>,
    pub total: Option<NodeId>,
}

/// Find funnel `name`; the error lists the funnels there are.
pub fn shape(graph: &Graph, name: &str) -> Result<FunnelShape, String> {
    let get = |m: &str| graph.metric(&format!("{name}.{m}"));
    if let Some(f) = graph.funnels.iter().find(|f| f.name == name) {
        return Ok(FunnelShape {
            name: name.to_string(),
            stages: f.stages.clone(),
            stage_nodes: f.stages.iter().filter_map(|s| get(s)).collect(),
            rate_nodes: f
                .stages
                .iter()
                .skip(1)
                .filter_map(|s| get(&format!("{s}_rate")))
                .collect(),
            conversion: get("conversion"),
            value: get("value"),
            total: get("total"),
        });
    }
    if let Some(j) = graph.journeys.iter().find(|j| j.name == name) {
        let stages: Vec<String> = j.steps.iter().map(|(s, _)| s.clone()).collect();
        return Ok(FunnelShape {
            name: name.to_string(),
            stage_nodes: stages.iter().filter_map(|s| get(s)).collect(),
            rate_nodes: stages
                .iter()
                .skip(1)
                .filter_map(|s| get(&format!("{s}_rate")))
                .collect(),
            stages,
            conversion: get("conversion"),
            value: None,
            total: None,
        });
    }
    let mut names: Vec<&str> = graph.funnels.iter().map(|f| f.name.as_str()).collect();
    names.extend(graph.journeys.iter().map(|j| j.name.as_str()));
    let mut msg = format!("unknown funnel `{name}`");
    match crate::diag::did_you_mean(name, names.iter().copied()) {
        Some(h) => msg.push_str(&format!("\n  = help: {h}")),
        None if names.is_empty() => msg.push_str("\n  = help: the definitions declare no funnels"),
        None => msg.push_str(&format!("\n  = help: funnels: {}", names.join(", "))),
    }
    Err(msg)
}

/// One group's (and period's) funnel.
#[derive(Clone, Debug, PartialEq)]
pub struct FunnelRow {
    pub dims: Vec<String>,
    pub period: Option<String>,
    pub volumes: Vec<Option<f64>>,
    pub rates: Vec<Option<f64>>,
    pub conversion: Option<f64>,
    pub value: Option<f64>,
    pub total: Option<f64>,
    /// Working days of the period in the range.
    pub workdays: Option<f64>,
}

impl FunnelRow {
    /// The total with rate `i` replaced by `rate` (volumes of stage 0 times every rate
    /// times the value); `None` when a factor is null.
    pub fn total_with_rate(&self, i: usize, rate: f64) -> Option<f64> {
        let mut t = self.volumes.first().copied().flatten()?;
        for (k, r) in self.rates.iter().enumerate() {
            t *= if k == i { rate } else { (*r)? };
        }
        Some(t * self.value?)
    }
}

/// Evaluate a funnel's members per group (and period), with the evaluation's
/// warnings (skipped rows, unmatched lookup keys: see `Output::warnings`).
pub fn evaluate_funnel(
    graph: &Graph,
    f: &FunnelShape,
    req: &Request,
) -> Result<(Vec<FunnelRow>, Vec<String>), EvalError> {
    evaluate_funnel_extent(graph, f, req).map(|(rows, _, w)| (rows, w))
}

/// The graph's `workdays` node (every compiled graph has one).
pub fn workdays_node(graph: &Graph) -> Result<NodeId, EvalError> {
    graph
        .workdays
        .ok_or_else(|| EvalError::Usage("internal: the graph has no workdays node".into()))
}

/// First and last day (inclusive day numbers).
pub type DayRange = (i32, i32);

/// A funnel's rows, the first and last day holding data, and the warnings.
pub type FunnelEval = (Vec<FunnelRow>, Option<DayRange>, Vec<String>);

/// [`evaluate_funnel`], with the first and last day holding data in the range.
pub fn evaluate_funnel_extent(
    graph: &Graph,
    f: &FunnelShape,
    req: &Request,
) -> Result<FunnelEval, EvalError> {
    let workdays = workdays_node(graph)?;
    let mut metrics: Vec<NodeId> = f.stage_nodes.clone();
    metrics.extend(&f.rate_nodes);
    metrics.extend(f.conversion);
    metrics.extend(f.value);
    metrics.extend(f.total);
    metrics.push(workdays);
    let out = evaluate(
        graph,
        &Request {
            metrics,
            ..req.clone()
        },
    )?;
    let ns = f.stage_nodes.len();
    let nr = f.rate_nodes.len();
    let extent = out.data_extent;
    let warnings = out.warnings();
    let rows = out
        .into_rows()
        .into_iter()
        .map(|r| {
            let v: Vec<Option<f64>> = r.values.iter().map(|c| c.as_f64()).collect();
            let mut k = ns + nr;
            let mut next = |present: bool| {
                if present {
                    k += 1;
                    v[k - 1]
                } else {
                    None
                }
            };
            let conversion = next(f.conversion.is_some());
            let value = next(f.value.is_some());
            let total = next(f.total.is_some());
            FunnelRow {
                dims: r.dims,
                period: r.period,
                volumes: v[..ns].to_vec(),
                rates: v[ns..ns + nr].to_vec(),
                conversion,
                value,
                total,
                workdays: v.last().copied().flatten(),
            }
        })
        .collect();
    Ok((rows, extent, warnings))
}

/// Median of the values present; `None` when there are none.
pub fn median(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    Some(crate::eval::accum::quantile(&mut v, 0.5))
}
