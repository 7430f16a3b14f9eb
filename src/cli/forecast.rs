//! `kpi forecast DEFS [--period P] [--today D]`: where each metric is heading by the
//! end of a period, from what it holds so far (DESIGN 5.3); `--checks` judges the
//! period's checks on the forecast, `--backtest N` measures the same forecast in the
//! N periods before.

use super::CliError;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::analyze::forecast_eval::{evaluate, forecasts, prepare, Ctx, FcRow, Method, Setup};
use crate::compile::graph::NodeId;
use crate::data::period::{period_first_day, period_label, Grain};
use crate::eval::checks::{status_of, CheckRow, Status};
use crate::eval::{Output, Request};
use crate::report::{cell_human, grid_layout, human, num_kind, Grid, Layout};

use super::common::{self, parse_grain, DataOpts, DefOpts};
use super::{FAILED, OK};

#[derive(clap::Args)]
pub struct Args {
    /// The definitions file
    defs: PathBuf,
    /// The period to forecast: 2026-03, 2026-Q1, 2026-W10, 2026 (default: the period of --grain holding --today)
    #[arg(long, value_name = "PERIOD")]
    period: Option<String>,
    /// The grain of the default period (without --period): week, month, quarter, year
    #[arg(long, default_value = "month", value_parser = parse_grain)]
    grain: Grain,
    /// The day of the forecast: rows through this day (inclusive) are what has happened (default: the system date)
    #[arg(long, value_name = "DATE")]
    today: Option<String>,
    /// Forecast per group, e.g. `--by rep`
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// Only these metrics (or funnels, listing all their members), in this order
    #[arg(long, value_delimiter = ',')]
    metrics: Vec<String>,
    /// run_rate: counts and sums scaled by working days; funnel: the first stage run-rated, the others through the rates of --rates-from
    #[arg(long, value_enum, default_value = "run_rate")]
    method: Method,
    /// The funnel of `--method funnel` (one with a `value`)
    #[arg(long)]
    funnel: Option<String>,
    /// The period whose rates and value `--method funnel` uses: 2026-Q4, 2026-02, ..
    #[arg(long, value_name = "PERIOD")]
    rates_from: Option<String>,
    /// Judge every check of the period's grain on the forecast (exit 1 when one would fail)
    #[arg(long)]
    checks: bool,
    /// Also make the same forecast at the same working day of each of the N periods before, against what they came to
    #[arg(long, value_name = "N")]
    backtest: Option<u32>,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    #[command(flatten)]
    data: DataOpts,
    #[command(flatten)]
    opts: DefOpts,
    /// Table layout: long (one row per value) when the wide table is wider than the terminal
    #[arg(long, value_enum, default_value = "auto")]
    layout: Layout,
    /// Write to FILE instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq)]
pub(super) enum Format {
    Table,
    Csv,
    Json,
    Md,
}

/// Most earlier periods a backtest reaches back.
const MAX_BACKTEST: u32 = 120;

fn usage(msg: impl Into<String>) -> CliError {
    CliError::Usage(msg.into())
}

fn day(d: i32) -> String {
    period_label(Grain::Day, d)
}

pub fn run(args: Args) -> Result<u8, CliError> {
    if args.data.from.is_some() || args.data.to.is_some() {
        return Err(usage("kpi forecast takes its days from --period and --today; drop --from/--to (--today 2026-03-16 forecasts the period holding it from its rows through that day)"));
    }
    if args.backtest == Some(0) || args.backtest.is_some_and(|n| n > MAX_BACKTEST) {
        return Err(usage(format!(
            "--backtest takes 1 to {MAX_BACKTEST} periods"
        )));
    }
    if args.checks && args.method == Method::Funnel {
        return Err(usage(
            "--checks judges the run-rate forecast of every check; drop --method funnel",
        ));
    }
    if args.backtest.is_some() && args.format == Format::Csv {
        return Err(usage(
            "--backtest adds a second table, which CSV cannot hold; use --format json, table or md",
        ));
    }
    let (_, graph) = common::compile_defs(&args.defs, &args.opts)?;
    let today = common::today(&args.today)?;
    let metrics = if args.metrics.is_empty() {
        None
    } else {
        Some(common::select_metrics(&graph, &args.metrics).map_err(usage)?)
    };
    let setup = Setup {
        period: args.period.as_deref(),
        grain: args.grain,
        today,
        method: args.method,
        funnel: args.funnel.as_deref(),
        rates_from: args.rates_from.as_deref(),
        metrics,
        // One period of history at least: a group active before that has no rows
        // in the period yet is forecast too (at 0), not left out.
        history: args.backtest.unwrap_or(1).max(1) as i32,
    };
    let base = common::base_request(&graph, &args.data, args.by.clone(), args.grain)?;
    let (mut ctx, req) = prepare(&graph, &setup, &base)?;
    let first = period_first_day(ctx.grain, ctx.period);
    if args.checks {
        return checks(&ctx, &req, &args);
    }
    let (actual, projected) = evaluate(&ctx, &req, &|p| p == ctx.period)?;
    common::print_warnings(&actual.warnings());
    warn_stale(&ctx, &actual);
    if actual.data_extent.is_none() {
        return Err(CliError::Failed(format!(
            "no data from {} through {}: nothing to forecast {} from",
            day(req.from.unwrap_or(first)),
            day(today),
            ctx.label
        )));
    }
    ctx.period_dated = actual.period_dated.clone();
    let rows = forecasts(&ctx, &actual, &projected, &|p| p == ctx.label);
    let backtest = match args.backtest {
        Some(n) => Some(super::backtest::run(&ctx, &req, &actual, n)?),
        None => None,
    };
    let text = match args.format {
        Format::Json => {
            let rows = json_rows(&ctx, &args.by, &rows);
            let v = match &backtest {
                Some(b) => {
                    let mut m = Map::new();
                    m.insert("forecast".into(), rows);
                    m.insert("backtest".into(), b.json(&ctx, &args.by));
                    Value::Object(m)
                }
                None => rows,
            };
            serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
        }
        Format::Csv => table(&ctx, &args.by, &rows, Grid::Csv, false),
        Format::Table | Format::Md => {
            let how = if args.format == Format::Md {
                Grid::Md
            } else {
                Grid::Table
            };
            let wide = table(&ctx, &args.by, &rows, how, false);
            let long = super::output::long(args.layout, how == Grid::Table, &args.output, &wide);
            let mut t = if long {
                table(&ctx, &args.by, &rows, how, true)
            } else {
                wide
            };
            t.push_str(&note(&ctx, how));
            if let Some(b) = &backtest {
                t.push('\n');
                t.push_str(&b.table(&ctx, &args.by, how, long));
            }
            t
        }
    };
    super::output::write(&args.output, &text).map(|()| OK)
}

/// Rows of the data before `--today` were not all there: the days between count as
/// days without activity.
fn warn_stale(ctx: &Ctx, out: &Output) {
    let Some((_, last)) = out.data_extent else {
        return;
    };
    let gap = ctx.cal.workdays(last + 1, ctx.today);
    if gap > 0 {
        eprintln!(
            "warning: the data ends on {}, {gap} working day{} before --today {}: those days count as days without activity; pass --today {} to forecast from what the data holds",
            day(last),
            if gap == 1 { "" } else { "s" },
            day(ctx.today),
            day(last)
        );
    }
}

fn num(x: Option<f64>) -> Value {
    x.and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

pub(super) fn group_json(by: &[String], dims: &[String]) -> Value {
    Value::Object(
        by.iter()
            .cloned()
            .zip(dims.iter().map(|d| Value::from(d.clone())))
            .collect(),
    )
}

fn json_rows(ctx: &Ctx, by: &[String], rows: &[FcRow]) -> Value {
    let mut items = Vec::new();
    for r in rows {
        for (k, id) in ctx.metrics.iter().enumerate() {
            let mut m = Map::new();
            m.insert("group".into(), group_json(by, &r.dims));
            m.insert("period".into(), r.period.clone().into());
            m.insert("metric".into(), ctx.graph.node(*id).name.clone().into());
            m.insert("to_date".into(), num(r.to_date[k].as_f64()));
            m.insert("forecast".into(), num(r.forecast[k]));
            m.insert("method".into(), ctx.method.as_str().into());
            items.push(Value::Object(m));
        }
    }
    Value::Array(items)
}

/// A forecast value for people, as its metric's numbers are written.
fn show(ctx: &Ctx, id: NodeId, x: Option<f64>) -> String {
    let Some(x) = x else { return String::new() };
    human(x, num_kind(ctx.graph, id), ctx.graph.settings.locale)
}

/// The forecast table (CSV: full precision), long when `long`.
fn table(ctx: &Ctx, by: &[String], rows: &[FcRow], how: Grid, long: bool) -> String {
    let mut head: Vec<String> = by.to_vec();
    head.extend(["period", "metric", "to_date", "forecast"].map(String::from));
    let mut body = Vec::new();
    for r in rows {
        for (k, id) in ctx.metrics.iter().enumerate() {
            let node = ctx.graph.node(*id);
            let mut line = r.dims.clone();
            line.push(r.period.clone());
            line.push(node.name.clone());
            if how == Grid::Csv {
                line.push(crate::report::cell_raw(&r.to_date[k]));
                line.push(
                    r.forecast[k]
                        .map(crate::report::number::full)
                        .unwrap_or_default(),
                );
            } else {
                let kind = num_kind(ctx.graph, *id);
                line.push(cell_human(&r.to_date[k], &kind, ctx.graph.settings.locale));
                line.push(show(ctx, *id, r.forecast[k]));
            }
            body.push(line);
        }
    }
    grid_layout(&head, &body, how, by.len() + 2, "column", long)
}

/// What the forecast rests on, under the table.
fn note(ctx: &Ctx, how: Grid) -> String {
    let gap = if how == Grid::Md { "\n" } else { "" };
    let first = period_first_day(ctx.grain, ctx.period);
    let fixed = if ctx.period_dated.is_empty() {
        String::new()
    } else {
        format!(
            "; values of {} (dated by month) as they are",
            ctx.period_dated
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let basis = match &ctx.funnel {
        None => format!(
            "counts and sums x {}/{}; averages, medians, minima, maxima and distinct counts as they are{fixed}; the other metrics recomputed from those",
            ctx.whole, ctx.seen
        ),
        Some((shape, _, _)) => format!(
            "`{}` run-rated x {}/{}, the later stages and the total through the rates and value of --rates-from",
            shape.stages.first().map(String::as_str).unwrap_or(""),
            ctx.whole,
            ctx.seen
        ),
    };
    format!(
        "{gap}{} forecast of {} at working day {} of {} ({}..{}): {basis}\n",
        ctx.method.as_str(),
        ctx.label,
        ctx.seen,
        ctx.whole,
        day(first),
        day(ctx.today),
    )
}

/// `--checks`: every check of the period's grain judged on the run-rate forecast.
fn checks(ctx: &Ctx, base: &Request, args: &Args) -> Result<u8, CliError> {
    let chosen: Vec<&crate::compile::graph::CheckDef> = ctx
        .graph
        .checks
        .iter()
        .filter(|c| c.every == ctx.grain)
        .collect();
    if chosen.is_empty() {
        let have: Vec<String> = ctx
            .graph
            .checks
            .iter()
            .map(|c| format!("{} (every {})", c.name, c.every.as_str()))
            .collect();
        return Err(usage(format!(
            "no check is judged every {}, the grain of {}{}",
            ctx.grain.as_str(),
            ctx.label,
            if have.is_empty() {
                String::new()
            } else {
                format!("\n  = help: checks: {}", have.join(", "))
            }
        )));
    }
    let mut rows: Vec<CheckRow> = Vec::new();
    for c in &chosen {
        let req = Request {
            metrics: c.nodes.list(),
            by: c.per.clone(),
            ..base.clone()
        };
        let (actual, projected) = evaluate(ctx, &req, &|p| p == ctx.period)?;
        common::print_warnings(&actual.warnings());
        let name: Arc<str> = c.name.as_str().into();
        for r in projected.rows() {
            if r.period.as_deref() != Some(ctx.label.as_str()) {
                continue;
            }
            let v = r.values[0].as_f64();
            let mut k = 0;
            let mut next = |present: bool| {
                present.then(|| {
                    k += 1;
                    r.values[k].as_f64()
                })
            };
            let w = next(c.nodes.warn.is_some()).flatten();
            let f = next(c.nodes.fail.is_some()).flatten();
            let status = status_of(c, v, w, f);
            let group: Vec<(String, String)> =
                c.per.iter().cloned().zip(r.dims.iter().cloned()).collect();
            rows.push(CheckRow {
                check: name.clone(),
                group: group.into(),
                period: ctx.label.as_str().into(),
                value: v,
                warn: w,
                fail: f,
                status,
                streak: u32::from(status != Status::Pass),
            });
        }
    }
    let failed = rows.iter().any(|r| r.status == Status::Fail);
    let count = |s: Status| rows.iter().filter(|r| r.status == s).count();
    let summary = format!(
        "judged on the run-rate forecast of {} at working day {} of {}: {} pass, {} warn, {} fail, {} no_data\n",
        ctx.label,
        ctx.seen,
        ctx.whole,
        count(Status::Pass),
        count(Status::Warn),
        count(Status::Fail),
        count(Status::NoData)
    );
    let kinds = super::checks::kinds(ctx.graph);
    let locale = ctx.graph.settings.locale;
    let table = |md: bool| {
        let wide = super::checks::table(&rows, md, &kinds, locale, false);
        if super::output::long(args.layout, !md, &args.output, &wide) {
            super::checks::table(&rows, md, &kinds, locale, true)
        } else {
            wide
        }
    };
    let text = match args.format {
        Format::Json => super::checks::json(&rows, true),
        Format::Csv => super::checks::csv(&rows),
        Format::Table => format!("{}{summary}", table(false)),
        Format::Md => format!("{}\n{summary}", table(true)),
    };
    let written = super::output::write(&args.output, &text);
    super::output::combine(if failed { FAILED } else { OK }, written)
}
