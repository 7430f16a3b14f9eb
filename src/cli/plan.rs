//! `kpi plan DEFS FUNNEL --target X --rates-from PERIOD`: the reverse funnel.

use super::CliError;
use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::analyze::{self, plan::required, FunnelRow, FunnelShape};
use crate::data::calendar::WorkCalendar;
use crate::data::period::{grain_of_label, period_first_day, period_last_day, Grain};
use crate::report::{grid, Grid};

use super::common::{self, DataOpts, DefOpts};

#[derive(clap::Args)]
pub struct Args {
    /// The definitions file
    defs: PathBuf,
    /// The aggregate funnel (with a `value`)
    funnel: String,
    /// The total to reach (in the funnel value's unit, e.g. EUR)
    #[arg(long)]
    target: f64,
    /// The period whose rates and value are used: 2026-Q1, 2026-03, 2026-W10, 2026
    #[arg(long, value_name = "PERIOD")]
    rates_from: String,
    /// Plan per group too (the target is split evenly over the groups)
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// The target period, for volumes per working day (e.g. 2027-Q1)
    #[arg(long, value_name = "PERIOD")]
    period: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    #[command(flatten)]
    data: DataOpts,
    #[command(flatten)]
    opts: DefOpts,
    /// Write to FILE instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq)]
enum Format {
    Table,
    Json,
    Md,
}

fn period_days(label: &str) -> Result<(i32, i32), String> {
    match grain_of_label(label) {
        Some((g, p)) if g != Grain::All => Ok((period_first_day(g, p), period_last_day(g, p))),
        _ => Err(format!(
            "`{label}` is not a period (use 2026-Q1, 2026-03, 2026-W10, 2026-01-05 or 2026)"
        )),
    }
}

fn num(x: Option<f64>) -> Value {
    x.and_then(serde_json::Number::from_f64)
        .map_or(Value::Null, Value::Number)
}

fn plan_json(
    shape: &FunnelShape,
    row: &FunnelRow,
    target: f64,
    workdays: Option<f64>,
) -> Map<String, Value> {
    let mut rates = Map::new();
    for (s, r) in shape.stages.iter().skip(1).zip(&row.rates) {
        rates.insert(format!("{s}_rate"), num(*r));
    }
    let req = required(row, target);
    let mut needed = Map::new();
    let mut per_day = Map::new();
    for (s, v) in shape.stages.iter().zip(&req) {
        needed.insert(s.clone(), num(*v));
        if let Some(w) = workdays.filter(|w| *w > 0.0) {
            per_day.insert(s.clone(), num(v.map(|x| x / w)));
        }
    }
    let mut m = Map::new();
    m.insert("target".into(), num(Some(target)));
    m.insert("rates".into(), Value::Object(rates));
    m.insert("value".into(), num(row.value));
    m.insert("required".into(), Value::Object(needed));
    if workdays.is_some() {
        m.insert("workdays".into(), num(workdays));
        m.insert("per_workday".into(), Value::Object(per_day));
    }
    m
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let (_, graph) = common::compile_defs(&args.defs, &args.opts)?;
    let shape = match analyze::shape(&graph, &args.funnel) {
        Ok(s) if s.value.is_some() => s,
        Ok(_) => {
            return Err(CliError::Usage(format!(
                "funnel `{}` has no `value`, so there is no total to plan for",
                args.funnel
            )));
        }
        Err(msg) => {
            return Err(CliError::Usage(msg.to_string()));
        }
    };
    if !(args.target.is_finite() && args.target > 0.0) {
        return Err(CliError::Usage(
            "--target must be a positive number".to_string(),
        ));
    }
    let (from, to) = match period_days(&args.rates_from) {
        Ok(r) => r,
        Err(m) => {
            return Err(CliError::Usage(format!("--rates-from {m}")));
        }
    };
    let cal = graph.work_calendar();
    let workdays = match &args.period {
        None => None,
        Some(p) => match period_days(p) {
            Ok((a, b)) => {
                warn_holidays(&graph, p, a, b);
                Some(cal.workdays(a, b) as f64)
            }
            Err(m) => {
                return Err(CliError::Usage(format!("--period {m}")));
            }
        },
    };
    let mut data = args.data.clone();
    data.from = Some(crate::data::period::period_label(Grain::Day, from));
    data.to = Some(crate::data::period::period_label(Grain::Day, to));
    let mut req = common::base_request(&graph, &data, Vec::new(), Grain::All)?;
    let (whole, extent, warnings) = analyze::evaluate_funnel_extent(&graph, &shape, &req)?;
    common::print_warnings(&warnings);
    let Some(row) = whole.first() else {
        return Err(CliError::Failed(format!(
            "no data in {} to take rates from",
            args.rates_from
        )));
    };
    warn_partial(&args.rates_from, &cal, (from, to), extent);
    warn_few(&args.rates_from, &shape, row);
    let mut top = Map::new();
    top.insert("funnel".into(), shape.name.clone().into());
    top.insert("rates_from".into(), args.rates_from.clone().into());
    top.extend(plan_json(&shape, row, args.target, workdays));
    if !args.by.is_empty() {
        req.by = args.by.clone();
        let (rows, _) = analyze::evaluate_funnel(&graph, &shape, &req)?;
        let share = args.target / rows.len().max(1) as f64;
        let groups: Vec<Value> = rows
            .iter()
            .map(|r| {
                let g: Map<String, Value> = args
                    .by
                    .iter()
                    .cloned()
                    .zip(r.dims.iter().map(|d| Value::from(d.clone())))
                    .collect();
                let mut m = Map::new();
                m.insert("group".into(), Value::Object(g));
                m.extend(plan_json(&shape, r, share, workdays));
                Value::Object(m)
            })
            .collect();
        top.insert("groups".into(), Value::Array(groups));
    }
    let top = Value::Object(top);
    let text = match args.format {
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&top).unwrap_or_default()
        ),
        Format::Table => plan_table(&shape, &top, &args.by, Grid::Table),
        Format::Md => plan_table(&shape, &top, &args.by, Grid::Md),
    };
    super::output::write(&args.output, &text).map(|()| super::OK)
}

fn plan_table(shape: &FunnelShape, top: &Value, by: &[String], how: Grid) -> String {
    let fmt = |v: &Value| {
        v.as_f64()
            .map(crate::report::number::sig6)
            .unwrap_or_default()
    };
    let mut head: Vec<String> = by.to_vec();
    if by.is_empty() {
        head.push("plan".into());
    }
    head.push("target".into());
    for s in &shape.stages {
        head.push(format!("{s} needed"));
    }
    let per_day = top.get("per_workday").is_some();
    if per_day {
        for s in &shape.stages {
            head.push(format!("{s}/workday"));
        }
    }
    let mut body: Vec<Vec<String>> = Vec::new();
    let line = |label: Vec<String>, m: &Value| -> Vec<String> {
        let mut row = label;
        row.push(
            m["target"]
                .as_f64()
                .map(crate::report::number::money)
                .unwrap_or_default(),
        );
        for s in &shape.stages {
            row.push(fmt(&m["required"][s]));
        }
        if per_day {
            for s in &shape.stages {
                row.push(fmt(&m["per_workday"][s]));
            }
        }
        row
    };
    if by.is_empty() {
        body.push(line(vec!["total".into()], top));
    }
    if let Some(groups) = top.get("groups").and_then(|g| g.as_array()) {
        for g in groups {
            let label = by
                .iter()
                .map(|b| g["group"][b].as_str().unwrap_or("").to_string())
                .collect();
            body.push(line(label, g));
        }
    }
    let rates: Vec<String> = shape
        .stages
        .iter()
        .skip(1)
        .map(|s| {
            format!(
                "{s}_rate {}",
                top["rates"][format!("{s}_rate")]
                    .as_f64()
                    .map_or("null".into(), |r| format!(
                        "{}%",
                        crate::report::number::sig6(r * 100.0)
                    ))
            )
        })
        .collect();
    let t = grid(&head, &body, how);
    let gap = if how == Grid::Md { "\n" } else { "" };
    format!(
        "{t}{gap}rates from {}: {}; value {}\n",
        top["rates_from"].as_str().unwrap_or(""),
        rates.join(", "),
        top["value"]
            .as_f64()
            .map(crate::report::number::money)
            .unwrap_or_default()
    )
}

/// Fewer events than this in a stage make its rate a warning.
const FEW_EVENTS: f64 = 5.0;

fn day(d: i32) -> String {
    crate::data::period::period_label(Grain::Day, d)
}

/// `--rates-from` only partly covered by data: its rates may not be typical.
fn warn_partial(
    label: &str,
    cal: &WorkCalendar,
    (first, last): (i32, i32),
    extent: Option<(i32, i32)>,
) {
    let Some((lo, hi)) = extent else {
        return;
    };
    if cal.workdays(first, lo - 1) > 0 || cal.workdays(hi + 1, last) > 0 {
        eprintln!(
            "warning: --rates-from {label} is partial: the data covers {} of its {} working days ({}..{}); its rates may not be typical",
            cal.workdays(lo.max(first), hi.min(last)),
            cal.workdays(first, last),
            day(lo.max(first)),
            day(hi.min(last)),
        );
    }
}

/// Rates that rest on a handful of events (a 100 % won rate from one deal).
fn warn_few(label: &str, shape: &FunnelShape, row: &FunnelRow) {
    let few: Vec<String> = shape
        .stages
        .iter()
        .zip(&row.volumes)
        .filter_map(|(s, v)| v.filter(|v| *v < FEW_EVENTS).map(|v| format!("{s} {v}")))
        .collect();
    if !few.is_empty() {
        eprintln!(
            "warning: the rates of --rates-from {label} rest on few events ({}): fewer than {FEW_EVENTS} in a stage is no reliable rate; take a longer period",
            few.join(", ")
        );
    }
}

/// A calendar that lists holidays, but none in the target period's year(s).
fn warn_holidays(graph: &crate::compile::Graph, label: &str, first: i32, last: i32) {
    let Some(c) = &graph.settings.calendar else {
        return;
    };
    let year = |d: i32| crate::data::period::civil_from_day(d).0;
    if c.holidays.is_empty() {
        return;
    }
    let missing: Vec<String> = (year(first)..=year(last))
        .filter(|y| !c.holidays.iter().any(|&h| year(h) == *y))
        .map(|y| y.to_string())
        .collect();
    if !missing.is_empty() {
        let mut listed: Vec<i32> = c.holidays.iter().map(|&h| year(h)).collect();
        listed.dedup();
        let listed: Vec<String> = listed.iter().map(i32::to_string).collect();
        eprintln!(
            "warning: calendar `{}` lists no holidays in {} (only in {}): the working days of {label} count none",
            c.name,
            missing.join(", "),
            listed.join(", ")
        );
    }
}
