//! `kpi checks DEFS`: evaluate checks over the range; status per group and period.

use super::CliError;
use std::collections::HashMap;
use std::path::PathBuf;

use crate::report::number::{self, NumKind};
use crate::report::{Grid, Layout};

use crate::eval::checks::{evaluate_checks, CheckRow, CheckView, Status};

use super::common::{self, DataOpts, DefOpts};
use super::{FAILED, OK};

#[derive(clap::Args)]
pub struct Args {
    /// The definitions file
    defs: PathBuf,
    /// Only these checks
    #[arg(long, value_delimiter = ',')]
    checks: Vec<String>,
    /// Only list results with this status
    #[arg(long, value_enum)]
    only: Option<Only>,
    /// Exit 1 on warnings too (default: only on failures)
    #[arg(long, value_enum, default_value = "fail")]
    fail_on: FailOn,
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
enum Only {
    Fail,
    Warn,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq)]
enum FailOn {
    Fail,
    Warn,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq)]
enum Format {
    Table,
    Csv,
    Json,
    Md,
}

fn group_text(r: &CheckRow) -> String {
    r.group
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The checks' JSON rows; `forecast` marks rows judged on a forecast (`kpi forecast
/// --checks`).
pub(super) fn json(rows: &[CheckRow], forecast: bool) -> String {
    let items: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            let group: serde_json::Map<String, serde_json::Value> = r
                .group
                .iter()
                .map(|(k, v)| (k.clone(), v.clone().into()))
                .collect();
            let n = |x: Option<f64>| {
                x.and_then(serde_json::Number::from_f64)
                    .map_or(serde_json::Value::Null, serde_json::Value::Number)
            };
            let mut item = serde_json::json!({
                "check": r.check.as_ref(),
                "group": group,
                "period": r.period.as_ref(),
                "value": n(r.value),
                "warn_threshold": n(r.warn),
                "fail_threshold": n(r.fail),
                "status": r.status.as_str(),
                "streak": r.streak,
            });
            if forecast {
                item["forecast"] = true.into();
            }
            item
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_default() + "\n"
}

/// How each check's value is written for people: its own `format`, else that of
/// the metric it checks (`check attainment_low = attainment`: percent), else by its
/// unit (money in a currency).
pub(super) fn kinds(graph: &crate::compile::Graph) -> HashMap<String, NumKind> {
    graph
        .checks
        .iter()
        .map(|c| {
            let currency = number::currency_of(&c.unit, graph.settings.currency.as_deref());
            let k = match (c.meta.format, &c.value) {
                (Some(f), _) => number::kind_of_format(
                    Some(f),
                    currency.or(graph.settings.currency.clone()).as_deref(),
                ),
                (None, crate::compile::graph::Formula::Node(id)) => number::num_kind(graph, *id),
                (None, _) if currency.is_some() => NumKind::Currency(currency),
                (None, _) => NumKind::Plain,
            };
            (c.name.clone(), k)
        })
        .collect()
}

/// The checks' table for people (`md`: Markdown), in `locale`, long when `long`
/// (one row per column of each check, group and period).
pub(super) fn table(
    rows: &[CheckRow],
    md: bool,
    kinds: &HashMap<String, NumKind>,
    locale: crate::report::Locale,
    long: bool,
) -> String {
    let head: Vec<String> = [
        "check", "group", "period", "value", "warn", "fail", "status", "streak",
    ]
    .map(String::from)
    .to_vec();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let kind = kinds.get(r.check.as_ref()).cloned().unwrap_or_default();
            let show = |x: Option<f64>| {
                x.map(|x| number::human_ref(x, &kind, locale))
                    .unwrap_or_default()
            };
            vec![
                r.check.to_string(),
                group_text(r),
                r.period.to_string(),
                show(r.value),
                show(r.warn),
                show(r.fail),
                r.status.as_str().to_string(),
                if r.streak > 1 {
                    format!("{} in a row", r.streak)
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    let how = if md { Grid::Md } else { Grid::Table };
    crate::report::grid_layout(&head, &body, how, 3, "column", long)
}

pub(super) fn csv(rows: &[CheckRow]) -> String {
    csv_parts(rows.len(), |r| rows[r].iter().map(CheckRow::view)).concat()
}

/// The checks' CSV of `n` rows, read by range with `views`, in parts to be written
/// in order: many checks over many groups make long files, so the rows are
/// formatted in parts on the available cores.
fn csv_parts<'a, I>(n: usize, views: impl Fn(std::ops::Range<usize>) -> I + Sync) -> Vec<String>
where
    I: Iterator<Item = CheckView<'a>>,
{
    let head = "check,group,period,value,warn_threshold,fail_threshold,status,streak\n";
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let part = n.div_ceil(threads.max(1)).max(4096);
    let views = &views;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .step_by(part)
            .map(|lo| {
                let rows = lo..n.min(lo + part);
                scope.spawn(move || csv_rows(rows.len(), views(rows)))
            })
            .collect();
        std::iter::once(head.to_string())
            .chain(
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))),
            )
            .collect()
    })
}

/// The CSV lines of `rows`, about `n` of them.
fn csv_rows<'a>(n: usize, rows: impl Iterator<Item = CheckView<'a>>) -> String {
    use crate::report::number::push_full;
    let mut s = String::with_capacity(n * 64);
    let mut int = itoa::Buffer::new();
    for r in rows {
        s.push_str(r.check);
        s.push(',');
        for (k, (dim, value)) in r.group.iter().enumerate() {
            if k > 0 {
                s.push(' ');
            }
            s.push_str(dim);
            s.push('=');
            s.push_str(value);
        }
        s.push(',');
        s.push_str(r.period);
        for x in [r.value, r.warn, r.fail] {
            s.push(',');
            if let Some(x) = x {
                push_full(&mut s, x);
            }
        }
        s.push(',');
        s.push_str(r.status.as_str());
        s.push(',');
        s.push_str(int.format(r.streak));
        s.push('\n');
    }
    s
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let (_, graph) = common::compile_defs(&args.defs, &args.opts)?;
    for name in &args.checks {
        if !graph.checks.iter().any(|c| &c.name == name) {
            let names: Vec<&str> = graph.checks.iter().map(|c| c.name.as_str()).collect();
            let hint = crate::diag::did_you_mean(name, names.iter().copied())
                .map(|h| format!("\n  = help: {h}"))
                .unwrap_or_default();
            return Err(CliError::Usage(format!(
                "unknown check `{name}` (checks: {}){hint}",
                names.join(", ")
            )));
        }
    }
    let base = common::base_request(
        &graph,
        &args.data,
        Vec::new(),
        crate::data::period::Grain::All,
    )?;
    let chosen: Vec<&crate::compile::graph::CheckDef> = graph
        .checks
        .iter()
        .filter(|c| args.checks.is_empty() || args.checks.contains(&c.name))
        .collect();
    let judged = match evaluate_checks(&graph, &chosen, &base) {
        Ok((judged, warnings)) => {
            for w in warnings {
                eprintln!("warning: {w}");
            }
            judged
        }
        Err((name, e)) => {
            eprint!("check `{name}`: ");
            return Err(e.into());
        }
    };
    let summary: Vec<String> = judged
        .counts()
        .into_iter()
        .map(|(name, [pass, warn, fail, no_data, partial])| {
            format!("{name}: {pass} pass, {warn} warn, {fail} fail, {no_data} no_data, {partial} partial")
        })
        .collect();
    let failed =
        judged.any(|s| s == Status::Fail || (args.fail_on == FailOn::Warn && s == Status::Warn));
    let only = args.only.map(|only| match only {
        Only::Fail => Status::Fail,
        Only::Warn => Status::Warn,
    });
    let shown = |s: Status| only.is_none_or(|o| o == s);
    let parts = match args.format {
        Format::Csv => csv_parts(judged.len(), |r| {
            judged.views(r).filter(|v| shown(v.status))
        }),
        format => {
            let mut rows = judged.into_rows();
            rows.retain(|r| shown(r.status));
            let text = match format {
                Format::Json => json(&rows, false),
                _ => {
                    let md = format == Format::Md;
                    let (kinds, locale) = (kinds(&graph), graph.settings.locale);
                    let wide = table(&rows, md, &kinds, locale, false);
                    let mut text = if super::output::long(args.layout, !md, &args.output, &wide) {
                        table(&rows, md, &kinds, locale, true)
                    } else {
                        wide
                    };
                    for s in &summary {
                        text.push_str(s);
                        text.push('\n');
                    }
                    text
                }
            };
            vec![text]
        }
    };
    if !matches!(args.format, Format::Table | Format::Md) {
        for s in &summary {
            eprintln!("{s}");
        }
    }
    let written = super::output::write_parts(&args.output, &parts);
    super::output::combine(if failed { FAILED } else { OK }, written)
}
