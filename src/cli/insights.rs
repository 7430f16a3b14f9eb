//! `kpi insights DEFS --outcome won_amount --by rep`: what the top quartile does
//! differently from the rest; with `--lead K`, which activities go with the outcome
//! K periods later (leading indicators).

use super::CliError;
use std::collections::HashMap;
use std::path::PathBuf;

use crate::analyze::insights::{compare, rank, split};
use crate::analyze::{ingredients, lead};
use crate::compile::graph::Formula;
use crate::compile::graph::{Graph, NodeId, NodeKind};
use crate::data::calendar::WorkCalendar;
use crate::data::period::{
    grain_of_label, parse_period, period_first_day, period_label, period_last_day, period_of_day,
    Grain,
};
use crate::eval::checks::coverage;
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
    /// Correlate each activity metric in a period with the outcome K periods later
    /// (Pearson and Spearman, across groups and periods)
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..))]
    lead: Option<u64>,
    /// The periods of --lead: day, week, month, quarter or year
    #[arg(long, requires = "lead", value_parser = common::parse_grain)]
    grain: Option<Grain>,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    format: OutputFormat,
    #[command(flatten)]
    data: DataOpts,
    #[command(flatten)]
    opts: DefOpts,
    /// Table layout: long (one row per value) when the wide table is wider than the terminal
    #[arg(long, value_enum, default_value = "auto")]
    layout: crate::report::Layout,
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

/// Metrics (id, counted per working day) that may drive the outcome, and the names of
/// those that are part of it (read it, or count its rows), listed apart with the reason.
type Drivers = (Vec<(NodeId, bool)>, Vec<(String, String)>);

fn drivers(graph: &Graph, outcome: NodeId) -> Drivers {
    let (cands, apart): (Vec<_>, Vec<_>) = candidates(graph, outcome)
        .into_iter()
        .map(|(id, per_day)| (id, per_day, ingredients::part_of(graph, outcome, id)))
        .partition(|(_, _, why)| why.is_none());
    let cands: Vec<(NodeId, bool)> = cands.into_iter().map(|(id, d, _)| (id, d)).collect();
    let apart: Vec<(String, String)> = apart
        .into_iter()
        .map(|(id, _, why)| (graph.node(id).name.clone(), why.unwrap_or_default()))
        .collect();
    (cands, apart)
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
    if let Some(k) = args.lead {
        return run_lead(&args, &graph, outcome, &data, k);
    }
    let mut req = common::base_request(&graph, &data, args.by.clone(), Grain::All)?;
    let (cands, apart) = drivers(&graph, outcome);
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
            use crate::report::number::{self, NumKind};
            let locale = graph.settings.locale;
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
                // Rates as the metric's format says (funnel rates are percentages);
                // counts per working day are plain numbers.
                let kind = if i.per_workday {
                    NumKind::Plain
                } else {
                    match graph.metric(&i.metric) {
                        Some(id) if graph.node(id).meta.format.is_some() => {
                            number::num_kind(&graph, id)
                        }
                        _ if i.metric.contains('.') && i.metric.ends_with("_rate") => {
                            NumKind::Percent
                        }
                        Some(id) => number::num_kind(&graph, id),
                        None => NumKind::Plain,
                    }
                };
                let show = |x: f64| number::human_ref(x, &kind, locale);
                body.push(vec![
                    name,
                    show(i.top_mean),
                    show(i.rest_mean),
                    i.ratio
                        .map(|r| number::plain(r, locale))
                        .unwrap_or_default(),
                    i.effect
                        .map(|d| number::signed(d, 2, locale))
                        .unwrap_or_default(),
                ]);
            }
            let (how, gap) = if args.format == OutputFormat::Md {
                (crate::report::Grid::Md, "\n")
            } else {
                (crate::report::Grid::Table, "")
            };
            let wide = crate::report::grid(&head, &body, how);
            let t = if super::output::long(
                args.layout,
                how == crate::report::Grid::Table,
                &args.output,
                &wide,
            ) {
                crate::report::grid_layout(&head, &body, how, 1, "column", true)
            } else {
                wide
            };
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

/// `--lead K`: for every driver, the correlation of its value in a period with the
/// outcome's K periods later, over every group and period of one evaluation
/// (`--fill`: a group without rows in a period counts 0 there).
fn run_lead(
    args: &Args,
    graph: &Graph,
    outcome: NodeId,
    data: &DataOpts,
    k: u64,
) -> Result<u8, CliError> {
    let grain = args.grain.unwrap_or(Grain::Month);
    if grain == Grain::All {
        return Err(CliError::Usage(
            "--grain all has no periods to look ahead by; with --lead use --grain day, week, month, quarter or year"
                .into(),
        ));
    }
    let (cands, apart) = drivers(graph, outcome);
    let mut req = common::base_request(graph, data, args.by.clone(), grain)?;
    req.fill = true;
    req.metrics = vec![outcome];
    req.metrics.extend(cands.iter().map(|(id, _)| *id));
    let out = crate::eval::evaluate(graph, &req)?;
    common::print_warnings(&out.warnings());
    let unit = grain.as_str();
    let units = |n: u64| {
        if n == 1 {
            format!("{n} {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    let later = format!("{} later", units(k));
    let help = "  = help: use a longer range (--from/--to or --period) or a smaller --lead";
    // The periods from the first to the last holding data: periods of the range
    // before or after all data are left out (no data yet is not 0 for every group).
    let Some((d_lo, d_hi)) = out.data_extent.filter(|_| !out.rows().is_empty()) else {
        return Err(CliError::Failed(format!(
            "no data in the range: 0 pairs (metric in a {unit}, {} {later}) to correlate\n{help}",
            args.outcome
        )));
    };
    let (lo, hi) = out.range;
    let (p_lo, p_hi) = (period_of_day(grain, d_lo), period_of_day(grain, d_hi));
    let periods = (i64::from(p_hi) - i64::from(p_lo) + 1).max(0) as u64;
    let day = |d: i32| period_label(Grain::Day, d);
    let label = |p: i32| period_label(grain, p);
    let cut_lo = period_of_day(grain, lo) < p_lo;
    let cut_hi = period_of_day(grain, hi) > p_hi;
    if cut_lo {
        eprintln!(
            "warning: the range starts {} but the data {}: the {unit}s before {} are left out, not counted as 0",
            day(lo),
            day(d_lo),
            label(p_lo)
        );
    }
    if cut_hi {
        eprintln!(
            "warning: the range ends {} but the data {}: the {unit}s after {} are left out, not counted as 0",
            day(hi),
            day(d_hi),
            label(p_hi)
        );
    }
    // The first and last period may be covered only in part: they hold less than a
    // whole one. Say so, and how to leave them out.
    let (given_lo, given_hi) = out.data_days.unwrap_or((d_lo, d_hi));
    let cover = (
        if cut_lo { d_lo } else { given_lo },
        if cut_hi { d_hi } else { given_hi },
    );
    let cal = match &graph.settings.calendar {
        Some(c) => WorkCalendar::new(&c.weekend, &c.holidays),
        None => WorkCalendar::default_mon_fri(),
    };
    let mut edges = vec![p_lo];
    if p_hi != p_lo {
        edges.push(p_hi);
    }
    for p in edges {
        let Some((covered, total)) = coverage(&cal, grain, p, Some(cover)) else {
            continue;
        };
        let fix = if p_hi == p_lo {
            String::new()
        } else if p == p_hi {
            format!(
                " (--to {} leaves it out)",
                day(period_first_day(grain, p) - 1)
            )
        } else {
            format!(
                " (--from {} leaves it out)",
                day(period_last_day(grain, p) + 1)
            )
        };
        eprintln!(
            "warning: {} is partial: the data covers {covered} of its {total} working days; its values do not compare with whole {unit}s{fix}",
            label(p)
        );
    }
    if k >= periods {
        return Err(CliError::Failed(format!(
            "--lead {k} looks {} ahead, but the data ({}..{}) spans {}: 0 pairs (metric in a {unit}, {} {later}) to correlate\n{help}",
            units(k),
            day(d_lo),
            day(d_hi),
            units(periods),
            args.outcome
        )));
    }
    if cands.is_empty() {
        return Err(CliError::Failed(format!(
            "no activity metric to correlate with {}: the definitions have no count or percent rate besides its own ingredients",
            args.outcome
        )));
    }
    // Row of each (group, period): groups in output order, periods from the first.
    let np = periods as usize;
    let mut groups: HashMap<&[String], usize> = HashMap::new();
    let mut slots: Vec<Vec<Option<usize>>> = Vec::new();
    for (i, r) in out.rows().iter().enumerate() {
        let Some(p) = r.period.as_deref().and_then(|l| parse_period(grain, l)) else {
            continue;
        };
        let Ok(t) = usize::try_from(i64::from(p) - i64::from(p_lo)) else {
            continue;
        };
        if t >= np {
            continue;
        }
        let g = *groups.entry(r.dims.as_slice()).or_insert_with(|| {
            slots.push(vec![None; np]);
            slots.len() - 1
        });
        slots[g][t] = Some(i);
    }
    let series = |col: usize| -> Vec<Vec<Option<f64>>> {
        slots
            .iter()
            .map(|g| {
                g.iter()
                    .map(|s| s.and_then(|i| out.rows()[i].values[col].as_f64()))
                    .collect()
            })
            .collect()
    };
    let y = series(0);
    let lead_by = k as usize; // k < periods, which fits
    let mut items: Vec<lead::Lead> = cands
        .iter()
        .enumerate()
        .map(|(c, (id, _))| {
            let pairs = lead::lagged_pairs(&series(c + 1), &y, lead_by);
            lead::correlate(&graph.node(*id).name, &pairs)
        })
        .collect();
    let max_n = items.iter().map(|l| l.n).max().unwrap_or(0);
    let across = format!("{} x {unit}", args.by.join("/"));
    if max_n < lead::MIN_PAIRS {
        return Err(CliError::Failed(format!(
            "only {max_n} pair(s) (metric in a {unit}, {} {later}) across {across}; a correlation needs at least {}\n{help}",
            args.outcome,
            lead::MIN_PAIRS
        )));
    }
    lead::rank(&mut items);
    let text = match args.format {
        OutputFormat::Json => {
            let v = serde_json::json!({
                "outcome": args.outcome,
                "lead": k,
                "grain": unit,
                "by": args.by,
                "metrics": items.iter().map(|l| serde_json::json!({
                    "metric": l.metric, "pearson": l.pearson,
                    "spearman": l.spearman, "n": l.n,
                })).collect::<Vec<_>>(),
                "left_out": apart.iter().map(|(m, why)| serde_json::json!({
                    "metric": m, "reason": why,
                })).collect::<Vec<_>>(),
            });
            format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        OutputFormat::Table | OutputFormat::Md => {
            let locale = graph.settings.locale;
            let f3 = |x: Option<f64>| match x {
                Some(v) => crate::report::number::fixed(v, 3, locale),
                None => String::new(),
            };
            let head: Vec<String> = ["metric", "pearson", "spearman", "n"]
                .map(String::from)
                .to_vec();
            let body: Vec<Vec<String>> = items
                .iter()
                .map(|l| {
                    vec![
                        l.metric.clone(),
                        f3(l.pearson),
                        f3(l.spearman),
                        crate::report::number::human(
                            l.n as f64,
                            crate::report::NumKind::Count,
                            locale,
                        ),
                    ]
                })
                .collect();
            let (how, gap) = if args.format == OutputFormat::Md {
                (crate::report::Grid::Md, "\n")
            } else {
                (crate::report::Grid::Table, "")
            };
            let wide = crate::report::grid(&head, &body, how);
            let t = if super::output::long(
                args.layout,
                how == crate::report::Grid::Table,
                &args.output,
                &wide,
            ) {
                crate::report::grid_layout(&head, &body, how, 1, "column", true)
            } else {
                wide
            };
            let pairs = if items.iter().all(|l| l.n == max_n) {
                format!("{max_n} pairs")
            } else {
                format!("up to {max_n} pairs")
            };
            let mut text = format!(
                "{t}{gap}correlation of each metric in a {unit} with {} {later}, across {across} ({pairs}); correlation is not causation\n",
                args.outcome
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
