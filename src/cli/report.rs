//! `kpi report DEFS -o report.html`: the review meeting's page (DESIGN 5.4). Runs the
//! evaluations (metrics by group and period, the totals, the checks, the forecast of
//! the current period) and hands them to [`crate::html`].

use super::CliError;
use std::path::PathBuf;

use crate::analyze::forecast_eval::{evaluate as forecast_eval, forecasts, prepare, Method, Setup};
use crate::compile::graph::{Graph, NodeId};
use crate::data::period::{period_first_day, period_last_day, period_of_day};
use crate::data::period::{period_label, Grain};
use crate::eval::checks::evaluate_checks;
use crate::eval::{evaluate, evaluate_extra, project, Extra, Request};
use crate::html::{self, ForecastTable, Inputs};

use super::common::{self, parse_grain, select_metrics, DataOpts, DefOpts};
use super::OK;

#[derive(clap::Args)]
pub struct Args {
    /// The definitions file (.kpi or .yaml)
    defs: PathBuf,
    /// Group by these dimensions: one chart per group in the trends and funnels
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// Period grain of the trends: day, week, month, quarter, year
    #[arg(long, default_value = "month", value_parser = parse_grain)]
    grain: Grain,
    /// Metrics of the trends (default: every metric)
    #[arg(long, value_delimiter = ',')]
    metrics: Vec<String>,
    /// Metrics of the headline tiles (default: the first six)
    #[arg(long, value_delimiter = ',')]
    headline: Vec<String>,
    /// The day the report is made on: reviews due, and the forecast of its period when it lies in the range (default: the system date)
    #[arg(long, value_name = "DATE")]
    today: Option<String>,
    /// The page's title
    #[arg(long)]
    title: Option<String>,
    #[command(flatten)]
    data: DataOpts,
    #[command(flatten)]
    opts: DefOpts,
    /// Write the page to FILE (default: standard output)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

fn usage(msg: impl Into<String>) -> CliError {
    CliError::Usage(msg.into())
}

fn day(d: i32) -> String {
    period_label(Grain::Day, d)
}

pub fn run(args: Args) -> Result<u8, CliError> {
    if args.grain == Grain::All {
        return Err(usage(
            "a report shows periods: use --grain day, week, month, quarter or year",
        ));
    }
    let (_, graph) = common::compile_defs(&args.defs, &args.opts)?;
    let today = common::today(&args.today)?;
    let trends = select_metrics(&graph, &args.metrics).map_err(usage)?;
    let headline = if args.headline.is_empty() {
        graph.metric_order.iter().copied().take(6).collect()
    } else {
        select_metrics(&graph, &args.headline).map_err(usage)?
    };
    let funnels: Vec<_> = graph
        .funnels
        .iter()
        .filter_map(|f| crate::analyze::shape(&graph, &f.name).ok())
        .collect();
    // One evaluation for the trends, the funnels (their members ride along), the
    // headline's totals (combined across the groups where they combine) and the
    // run-rate projection of the period holding --today.
    let mut metrics: Vec<NodeId> = trends.clone();
    for m in graph
        .funnels
        .iter()
        .flat_map(|f| &f.members)
        .chain(&headline)
    {
        if !metrics.contains(m) {
            metrics.push(*m);
        }
    }
    let base = common::base_request(&graph, &args.data, args.by.clone(), args.grain)?;
    let req = Request {
        metrics,
        fill: true,
        ..base.clone()
    };
    let cal = graph.work_calendar();
    let now = period_of_day(args.grain, today);
    let projector = |g: &crate::eval::grid::Grid, c: &crate::eval::grid::Cols, fixed: &[NodeId]| {
        project::run_rate(&graph, g, c, &cal, &|p| p == now, fixed)
    };
    let progress = common::progress(&graph, &req);
    let evaluated = evaluate_extra(
        &graph,
        &req,
        Extra {
            projector: Some(&projector),
            totals: !args.by.is_empty(),
        },
    )?;
    drop(progress);
    let main = evaluated.out;
    let mut warnings = main.warnings();
    let totals = match evaluated.totals {
        Some(t) => Some(t),
        None if args.by.is_empty() => None,
        // Distinct counts or medians do not add up across groups: their own scan.
        None => Some(evaluate(
            &graph,
            &Request {
                metrics: headline.clone(),
                by: Vec::new(),
                ..req.clone()
            },
        )?),
    };
    let totals_ref = totals.as_ref().unwrap_or(&main);
    let partial: std::collections::BTreeSet<String> =
        super::partial::partial_periods(&graph, &main)
            .into_keys()
            .collect();
    let all_checks: Vec<&crate::compile::graph::CheckDef> = graph.checks.iter().collect();
    let (checks, check_warnings) =
        evaluate_checks(&graph, &all_checks, &base).map_err(|(name, e)| match e {
            crate::eval::EvalError::Usage(m) => usage(format!("check `{name}`: {m}")),
            crate::eval::EvalError::Data(m) => CliError::Failed(format!("check `{name}`: {m}")),
        })?;
    let checks = checks.into_rows();
    warnings.extend(check_warnings);
    let forecast = match main.data_days {
        // The data ends in the period of --today, on or before it: the forecast is
        // the projection of the evaluation above, from the days the data holds.
        Some((_, last)) if today >= last && period_of_day(args.grain, last) == now => evaluated
            .projected
            .as_ref()
            .and_then(|p| projected_section(&graph, &main, p, &headline, args.grain, now, last)),
        _ => forecast_section(&graph, &base, &main, &headline, today, args.grain)?,
    };
    warnings.sort();
    warnings.dedup();
    common::print_warnings(&warnings);
    let range = match main.data_days {
        Some((a, b)) => format!("{}..{}", day(a), day(b)),
        None => "no data".into(),
    };
    let title = args.title.clone().unwrap_or_else(|| {
        let stem = args
            .defs
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!("KPI review: {stem}")
    });
    let subtitle = format!(
        "{} by {}{}, {range}; made on {}",
        args.defs.display(),
        args.grain.as_str(),
        if args.by.is_empty() {
            String::new()
        } else {
            format!(" and {}", args.by.join(", "))
        },
        day(today)
    );
    let inputs = Inputs {
        graph: &graph,
        title,
        subtitle,
        footer: format!(
            "kpi {} report {}; numbers as evaluated by `kpi eval`{}",
            env!("CARGO_PKG_VERSION"),
            args.defs.display(),
            if partial.is_empty() {
                String::new()
            } else {
                format!(
                    "; partial periods (not whole in the data): {}",
                    partial.iter().cloned().collect::<Vec<_>>().join(", ")
                )
            }
        ),
        main: &main,
        totals: totals_ref,
        headline,
        trends,
        partial,
        checks,
        funnels,
        forecast,
        reviews: reviews(&graph, today),
    };
    let text = html::page(&inputs);
    super::output::write(&args.output, &text).map(|()| OK)
}

/// The forecast of the period holding `--today`, when `--today` lies in the range
/// the data covers; absent otherwise.
fn forecast_section(
    graph: &Graph,
    base: &Request,
    main: &crate::eval::Output,
    headline: &[NodeId],
    today: i32,
    grain: Grain,
) -> Result<Option<ForecastTable>, CliError> {
    let Some((first, last)) = main.data_days else {
        return Ok(None);
    };
    if today < first || today > last {
        return Ok(None);
    }
    let setup = Setup {
        period: None,
        grain,
        today,
        method: Method::RunRate,
        funnel: None,
        rates_from: None,
        metrics: Some(headline.to_vec()),
        history: 1,
    };
    let (ctx, req) = match prepare(graph, &setup, base) {
        Ok(x) => x,
        // Before the period's first working day there is nothing to project yet.
        Err(crate::eval::EvalError::Usage(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let (actual, projected) = forecast_eval(&ctx, &req, &|p| p == ctx.period)?;
    let rows = forecasts(&ctx, &actual, &projected, &|p| p == ctx.label);
    // One row per group, one column per metric: "so far -> forecast".
    let mut head: Vec<String> = base.by.clone();
    head.extend(ctx.metrics.iter().map(|id| graph.node(*id).name.clone()));
    let shown = |id: NodeId, x: Option<f64>| {
        x.map(|x| html::show(graph, id, x))
            .unwrap_or_else(|| "\u{2013}".into())
    };
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut line = r.dims.clone();
            for (k, id) in ctx.metrics.iter().enumerate() {
                line.push(format!(
                    "{} \u{2192} {}",
                    shown(*id, r.to_date[k].as_f64()),
                    shown(*id, r.forecast[k])
                ));
            }
            line
        })
        .collect();
    Ok(Some(ForecastTable {
        period: ctx.label.clone(),
        note: format!(
            "to date \u{2192} forecast: the run rate at working day {} of {} (through {}): counts and sums scaled by {}/{}, the other metrics recomputed from them (see kpi forecast)",
            ctx.seen,
            ctx.whole,
            day(today),
            ctx.whole,
            ctx.seen
        ),
        keys: base.by.len(),
        head,
        rows: body,
    }))
}

/// The forecast section from an evaluation's own projection of period `now`, whose
/// data ends on day `last`.
fn projected_section(
    graph: &Graph,
    main: &crate::eval::Output,
    projected: &crate::eval::Output,
    headline: &[NodeId],
    grain: Grain,
    now: i32,
    last: i32,
) -> Option<ForecastTable> {
    let cal = graph.work_calendar();
    let (first, end) = (period_first_day(grain, now), period_last_day(grain, now));
    let seen = cal.workdays(first, last);
    if seen == 0 {
        return None;
    }
    let whole = cal.workdays(first, end);
    let label = period_label(grain, now);
    let cols: Vec<(NodeId, usize)> = headline
        .iter()
        .filter_map(|id| {
            main.columns
                .iter()
                .position(|c| c.node == *id)
                .map(|k| (*id, k))
        })
        .collect();
    let shown = |id: NodeId, x: Option<f64>| {
        x.map(|x| html::show(graph, id, x))
            .unwrap_or_else(|| "\u{2013}".into())
    };
    let mut head: Vec<String> = main.by.clone();
    head.extend(cols.iter().map(|(id, _)| graph.node(*id).name.clone()));
    let rows: Vec<Vec<String>> = main
        .rows()
        .iter()
        .enumerate()
        .filter(|(_, a)| a.period.as_deref() == Some(label.as_str()))
        .map(|(i, a)| {
            let mut line = a.dims.clone();
            for &(id, k) in &cols {
                line.push(format!(
                    "{} \u{2192} {}",
                    shown(id, a.values[k].as_f64()),
                    shown(id, projected.cell(i, k).as_f64())
                ));
            }
            line
        })
        .collect();
    Some(ForecastTable {
        period: label,
        note: format!(
            "to date \u{2192} forecast: the run rate at working day {seen} of {whole} (the data ends on {}): counts and sums scaled by {whole}/{seen}, the other metrics recomputed from them (see kpi forecast)",
            day(last)
        ),
        keys: main.by.len(),
        head,
        rows,
    })
}

/// Reviews: overdue first, then due soon, then the rest.
fn reviews(graph: &Graph, today: i32) -> Vec<[String; 6]> {
    let mut out: Vec<(u8, [String; 6])> = graph
        .reviews
        .iter()
        .map(|r| {
            let status = r.status(today);
            let rank = match status {
                "overdue" => 0,
                "due_soon" => 1,
                _ => 2,
            };
            (
                rank,
                [
                    r.name.clone(),
                    r.kind.to_string(),
                    r.owner.clone().unwrap_or_default(),
                    day(r.last),
                    day(r.due()),
                    status.to_string(),
                ],
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1[4].cmp(&b.1[4])));
    out.into_iter().map(|(_, r)| r).collect()
}
