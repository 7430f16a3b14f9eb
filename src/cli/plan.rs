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
    /// Table layout: long (one row per value) when the wide table is wider than the terminal
    #[arg(long, value_enum, default_value = "auto")]
    layout: crate::report::Layout,
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
    why: Option<String>,
) -> Map<String, Value> {
    let mut rates = Map::new();
    for (s, r) in shape.stages.iter().skip(1).zip(&row.rates) {
        rates.insert(format!("{s}_rate"), num(*r));
    }
    let req = required(row, target);
    let mut needed = Map::new();
    let mut rounded = Map::new();
    let mut per_day = Map::new();
    for (s, v) in shape.stages.iter().zip(&req) {
        needed.insert(s.clone(), num(*v));
        // Whole activities: an integer (`53`), or null without a plan.
        rounded.insert(
            s.clone(),
            v.map(whole)
                .filter(|x| *x < 9.0e15)
                .map_or(Value::Null, |x| Value::from(x as i64)),
        );
        if let Some(w) = workdays.filter(|w| *w > 0.0) {
            per_day.insert(s.clone(), num(v.map(|x| x / w)));
        }
    }
    let mut m = Map::new();
    m.insert("target".into(), num(Some(target)));
    m.insert("rates".into(), Value::Object(rates));
    m.insert("value".into(), num(row.value));
    m.insert("required".into(), Value::Object(needed));
    m.insert("rounded".into(), Value::Object(rounded));
    if let Some(why) = why {
        m.insert("no_plan".into(), why.into());
    }
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
    let value_name = shape
        .value
        .map(|v| graph.node(v).name.clone())
        .unwrap_or_default();
    let why = |r: &FunnelRow| why_no_plan(&shape, r, &value_name, &args.rates_from);
    top.extend(plan_json(&shape, row, args.target, workdays, why(row)));
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
                m.extend(plan_json(&shape, r, share, workdays, why(r)));
                Value::Object(m)
            })
            .collect();
        top.insert("groups".into(), Value::Array(groups));
    }
    let top = Value::Object(top);
    let view = PlanView {
        locale: graph.settings.locale,
        currency: common::funnel_currency(&graph, &shape),
        layout: args.layout,
        output: args.output.clone(),
    };
    let text = match args.format {
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&top).unwrap_or_default()
        ),
        Format::Table => plan_table(&shape, &top, &args.by, Grid::Table, &view),
        Format::Md => plan_table(&shape, &top, &args.by, Grid::Md, &view),
    };
    super::output::write(&args.output, &text).map(|()| super::OK)
}

/// A required volume as whole activities: rounded up (52.72 touches: 53), with a
/// little room for the float noise of dividing by rates (53.000000001: 53).
pub(crate) fn whole(x: f64) -> f64 {
    (x - 1e-9 * x.abs().max(1.0)).ceil().max(0.0)
}

/// Why a group has no plan: the stage, rate or value of `--rates-from` that is
/// missing or zero (`None` when every stage has a required volume).
fn why_no_plan(
    shape: &FunnelShape,
    row: &FunnelRow,
    value_name: &str,
    rates_from: &str,
) -> Option<String> {
    if required(row, 1.0).iter().all(Option::is_some) {
        return None;
    }
    let n = shape.stages.len();
    let none = |k: usize| {
        row.volumes
            .get(k)
            .copied()
            .flatten()
            .is_none_or(|v| v <= 0.0)
    };
    let at = format!("in --rates-from {rates_from}");
    for k in (1..n).rev() {
        match row.rates.get(k - 1).copied().flatten() {
            Some(r) if r > 0.0 => {}
            Some(_) => return Some(format!("no {} {at}", shape.stages[k])),
            None if none(k - 1) => return Some(format!("no {} {at}", shape.stages[k - 1])),
            None => return Some(format!("no {}_rate {at}", shape.stages[k])),
        }
    }
    Some(match row.value {
        _ if n > 0 && none(n - 1) => format!("no {} {at}", shape.stages[n - 1]),
        None => format!("no {value_name} {at}"),
        Some(_) => format!("{value_name} is not positive {at}"),
    })
}

/// The plan's text for people: each row's target, the stage volumes it needs
/// (rounded up to whole activities) and per working day; a `note` says why a group
/// has none.
fn plan_table(
    shape: &FunnelShape,
    top: &Value,
    by: &[String],
    how: Grid,
    view: &PlanView,
) -> String {
    use crate::report::number::{human_ref, NumKind};
    let locale = view.locale;
    let money = NumKind::Currency(view.currency.clone());
    let show = |v: &Value, kind: &NumKind| {
        v.as_f64()
            .map(|x| human_ref(x, kind, locale))
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
        row.push(show(&m["target"], &money));
        for s in &shape.stages {
            row.push(show(&m["rounded"][s], &NumKind::Count));
        }
        if per_day {
            for s in &shape.stages {
                row.push(show(&m["per_workday"][s], &NumKind::Plain));
            }
        }
        row.push(m["no_plan"].as_str().unwrap_or("").to_string());
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
    // The note column only when a row has no plan.
    if body.iter().all(|r| r.last().is_some_and(String::is_empty)) {
        body.iter_mut().for_each(|r| {
            r.pop();
        });
    } else {
        head.push("note".into());
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
                    .map_or("null".into(), |r| human_ref(r, &NumKind::Percent, locale))
            )
        })
        .collect();
    let nd = by.len().max(1);
    let wide = grid(&head, &body, how);
    let t = if super::output::long(view.layout, how == Grid::Table, &view.output, &wide) {
        crate::report::grid_layout(&head, &body, how, nd, "column", true)
    } else {
        wide
    };
    let gap = if how == Grid::Md { "\n" } else { "" };
    format!(
        "{t}{gap}rates from {}: {}; value {}; needed volumes rounded up to whole activities\n",
        top["rates_from"].as_str().unwrap_or(""),
        rates.join(", "),
        show(&top["value"], &money)
    )
}

/// How the plan is shown to people.
struct PlanView {
    locale: crate::report::Locale,
    currency: Option<String>,
    layout: crate::report::Layout,
    output: Option<PathBuf>,
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
