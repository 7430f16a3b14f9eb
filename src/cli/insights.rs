//! `kpi insights DEFS --outcome won_amount --by rep`: what the top quartile does
//! differently from the rest.

use super::CliError;
use std::path::PathBuf;

use crate::analyze::ingredients;
use crate::analyze::insights::{compare, rank, split};
use crate::compile::graph::Formula;
use crate::compile::graph::{Graph, NodeId, NodeKind};
use crate::data::period::{grain_of_label, period_first_day, period_last_day, Grain};
use crate::syntax::ast::{AggFunc, Format};

use super::common::{self, DataOpts, DefOpts};
use super::FAILED;

#[derive(clap::Args)]
pub struct Args {
    /// The definitions file
    defs: PathBuf,
    /// The metric that ranks the groups (e.g. won_amount)
    #[arg(long)]
    outcome: String,
    /// The groups to compare (e.g. rep)
    #[arg(long, value_delimiter = ',', required = true)]
    by: Vec<String>,
    /// Only this period (2026-Q1, 2026-03, ..); default: the whole range
    #[arg(long, value_name = "PERIOD")]
    period: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    format: OutputFormat,
    #[command(flatten)]
    data: DataOpts,
    #[command(flatten)]
    opts: DefOpts,
    /// Write to FILE instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq)]
enum OutputFormat {
    Table,
    Json,
    Md,
}

/// Fewer groups than this on a side of the comparison: refused.
const MIN_SIDE: usize = 1;
/// Fewer groups than this on a side: a warning that the effect sizes are fragile.
const FRAGILE_SIDE: usize = 3;

/// Counts (compared per working day) and rates (compared as they are).
fn candidates(graph: &Graph, outcome: NodeId) -> Vec<(NodeId, bool)> {
    let mut out = Vec::new();
    for &id in &graph.metric_order {
        if id == outcome {
            continue;
        }
        let n = graph.node(id);
        let is_count = match &n.kind {
            NodeKind::Formula(Formula::Node(a)) => {
                matches!(&graph.node(*a).kind, NodeKind::Aggregate(s) if s.func == AggFunc::Count)
            }
            _ => false,
        };
        if is_count {
            out.push((id, true));
        } else if n.meta.format == Some(Format::Percent) {
            out.push((id, false));
        }
    }
    for f in &graph.funnels {
        for m in &f.members {
            if graph.node(*m).name.ends_with("_rate") {
                out.push((*m, false));
            }
        }
    }
    out
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let (_, graph) = common::compile_defs(&args.defs, &args.opts)?;
    let Some(outcome) = graph.metric(&args.outcome) else {
        let mut msg = format!("unknown metric `{}` for --outcome", args.outcome);
        let names = graph
            .metric_order
            .iter()
            .map(|&id| graph.node(id).name.as_str());
        if let Some(h) = crate::diag::did_you_mean(&args.outcome, names) {
            msg.push_str(&format!("\n  = help: {h}"));
        }
        return Err(CliError::Usage(msg));
    };
    let mut data = args.data.clone();
    if let Some(p) = &args.period {
        match grain_of_label(p) {
            Some((g, o)) if g != Grain::All => {
                data.from = Some(crate::data::period::period_label(
                    Grain::Day,
                    period_first_day(g, o),
                ));
                data.to = Some(crate::data::period::period_label(
                    Grain::Day,
                    period_last_day(g, o),
                ));
            }
            _ => {
                return Err(CliError::Usage(format!(
                    "--period `{p}` is not a period (use 2026-Q1, 2026-03, 2026-W10 or 2026)"
                )));
            }
        }
    }
    let mut req = common::base_request(&graph, &data, args.by.clone(), Grain::All)?;
    // Metrics that are part of the outcome (read it, or count its rows) are not
    // drivers of it: they are listed apart, with the reason.
    let (cands, apart): (Vec<_>, Vec<_>) = candidates(&graph, outcome)
        .into_iter()
        .map(|(id, per_day)| (id, per_day, ingredients::part_of(&graph, outcome, id)))
        .partition(|(_, _, why)| why.is_none());
    let cands: Vec<(NodeId, bool)> = cands.into_iter().map(|(id, d, _)| (id, d)).collect();
    let apart: Vec<(String, String)> = apart
        .into_iter()
        .map(|(id, _, why)| (graph.node(id).name.clone(), why.unwrap_or_default()))
        .collect();
    let workdays = crate::analyze::workdays_node(&graph)?;
    req.metrics = vec![outcome, workdays];
    req.metrics.extend(cands.iter().map(|(id, _)| *id));
    let out = crate::eval::evaluate(&graph, &req)?;
    super::common::print_warnings(&out.warnings());
    let col = |k: usize| -> Vec<Option<f64>> {
        out.rows().iter().map(|r| r.values[k].as_f64()).collect()
    };
    let outcome_vals = col(0);
    let wd = col(1);
    let (top, rest) = split(&outcome_vals);
    if top.len() < MIN_SIDE || rest.len() < MIN_SIDE {
        eprintln!(
            "error: --by {} gives {} group(s) with a value of {}: the top quartile has {} and the rest {}; comparing them needs at least {MIN_SIDE} on each side (at least {} groups)",
            args.by.join(","),
            top.len() + rest.len(),
            args.outcome,
            top.len(),
            rest.len(),
            4 * MIN_SIDE - 1,
        );
        eprintln!("  = help: group by a finer dimension, or take a longer --period");
        return Err(CliError::Reported(FAILED));
    }
    if top.len() < FRAGILE_SIDE || rest.len() < FRAGILE_SIDE {
        eprintln!(
            "warning: the top quartile has {} group(s) and the rest {}: with fewer than {FRAGILE_SIDE} on a side the effect sizes are fragile; group by a finer dimension or take a longer --period",
            top.len(),
            rest.len()
        );
    }
    let mut items = Vec::new();
    for (k, (id, per_day)) in cands.iter().enumerate() {
        let mut vals = col(k + 2);
        if *per_day {
            for (v, w) in vals.iter_mut().zip(&wd) {
                *v = match (*v, *w) {
                    (Some(x), Some(w)) if w > 0.0 => Some(x / w),
                    _ => None,
                };
            }
        }
        if let Some(i) = compare(&graph.node(*id).name, *per_day, &vals, &top, &rest) {
            items.push(i);
        }
    }
    rank(&mut items);
    let name_of = |ix: &[usize]| -> Vec<String> {
        ix.iter().map(|&i| out.rows()[i].dims.join("/")).collect()
    };
    let text = match args.format {
        OutputFormat::Json => {
            let v = serde_json::json!({
                "outcome": args.outcome,
                "by": args.by,
                "top": name_of(&top),
                "rest": name_of(&rest),
                "metrics": items.iter().map(|i| serde_json::json!({
                    "metric": i.metric, "per_workday": i.per_workday,
                    "top_mean": i.top_mean, "rest_mean": i.rest_mean,
                    "ratio": i.ratio, "effect_size": i.effect,
                })).collect::<Vec<_>>(),
                "left_out": apart.iter().map(|(m, why)| serde_json::json!({
                    "metric": m, "reason": why,
                })).collect::<Vec<_>>(),
            });
            format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        OutputFormat::Table | OutputFormat::Md => {
            let s6 = crate::report::number::sig6;
            let head: Vec<String> = ["metric", "top quartile", "rest", "ratio", "effect size (d)"]
                .map(String::from)
                .to_vec();
            let mut body = Vec::new();
            for i in &items {
                let name = if i.per_workday {
                    format!("{} per workday", i.metric)
                } else {
                    i.metric.clone()
                };
                // Rates as the metric's format says (funnel rates are percentages).
                let f = if i.per_workday {
                    None
                } else {
                    graph
                        .metric(&i.metric)
                        .and_then(|id| graph.node(id).meta.format)
                        .or((i.metric.contains('.') && i.metric.ends_with("_rate"))
                            .then_some(Format::Percent))
                };
                let show = |x: f64| crate::report::cell_display(&crate::eval::Cell::Num(x), f);
                body.push(vec![
                    name,
                    show(i.top_mean),
                    show(i.rest_mean),
                    i.ratio.map(s6).unwrap_or_default(),
                    i.effect.map(|d| format!("{d:+.2}")).unwrap_or_default(),
                ]);
            }
            let (how, gap) = if args.format == OutputFormat::Md {
                (crate::report::Grid::Md, "\n")
            } else {
                (crate::report::Grid::Table, "")
            };
            let t = crate::report::grid(&head, &body, how);
            let mut text = format!(
                "top quartile by {}: {}\nrest: {}\n{gap}{t}{gap}",
                args.outcome,
                name_of(&top).join(", "),
                name_of(&rest).join(", ")
            );
            if !apart.is_empty() {
                text.push_str(&format!("left out, as part of {}:\n", args.outcome));
                for (m, why) in &apart {
                    text.push_str(&format!("  {m}: {why}\n"));
                }
            }
            text
        }
    };
    super::output::write(&args.output, &text).map(|()| super::OK)
}
