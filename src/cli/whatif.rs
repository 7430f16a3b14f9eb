//! `kpi whatif DEFS FUNNEL --change meetings_rate=+10%`: totals before and after per
//! group, and the sensitivity of the total to each factor.

use super::CliError;
use std::path::PathBuf;

use crate::analyze::{self, whatif};
use crate::data::period::Grain;
use crate::eval::{Cell, Row};
use crate::report::{self, OutFormat};
use crate::syntax::ast::Format;

use super::common::{self, DataOpts, DefOpts};

#[derive(clap::Args)]
pub struct Args {
    /// The definitions file
    defs: PathBuf,
    /// The aggregate funnel (with a `value`)
    funnel: String,
    /// A change: `FACTOR=+10%` (relative), `FACTOR=+5` (added), `FACTOR=120` (set); factors are the first stage, `<stage>_rate` and `value` (repeatable)
    #[arg(long = "change", value_name = "FACTOR=CHANGE")]
    changes: Vec<String>,
    /// The relative step of the sensitivity table
    #[arg(long, default_value = "10%")]
    step: String,
    /// Group by these dimensions
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// Period grain (default: all)
    #[arg(long, default_value = "all", value_parser = super::common::parse_grain)]
    grain: Grain,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    format: OutFormat,
    #[command(flatten)]
    data: DataOpts,
    #[command(flatten)]
    opts: DefOpts,
    /// Table layout: long (one row per value) when the wide table is wider than the terminal
    #[arg(long, value_enum, default_value = "auto")]
    layout: report::Layout,
    /// Write to FILE instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let (_, graph) = common::compile_defs(&args.defs, &args.opts)?;
    let shape = match analyze::shape(&graph, &args.funnel) {
        Ok(s) if s.value.is_some() => s,
        Ok(_) => {
            return Err(CliError::Usage(format!(
                "funnel `{}` has no `value`, so it has no total",
                args.funnel
            )));
        }
        Err(msg) => {
            return Err(CliError::Usage(msg.to_string()));
        }
    };
    let names = whatif::factor_names(&shape);
    let mut changes = Vec::new();
    for c in &args.changes {
        match whatif::parse_change(c) {
            Ok((name, ch)) => match names.iter().position(|n| *n == name) {
                Some(i) => changes.push((i, ch)),
                None => {
                    return Err(CliError::Usage(format!(
                        "`{name}` is not a factor of funnel `{}` (factors: {})",
                        shape.name,
                        names.join(", ")
                    )));
                }
            },
            Err(m) => {
                return Err(CliError::Usage(format!("--change {m}")));
            }
        }
    }
    let step = match whatif::parse_change(&format!("step={}", args.step)) {
        Ok((_, whatif::Change::Relative(r))) | Ok((_, whatif::Change::Set(r))) if r > 0.0 => r,
        _ => {
            return Err(CliError::Usage(
                "--step must be a positive percentage such as 10%".to_string(),
            ));
        }
    };
    let req = common::base_request(&graph, &args.data, args.by.clone(), args.grain)?;
    let (rows, warnings) = analyze::evaluate_funnel(&graph, &shape, &req)?;
    common::print_warnings(&warnings);
    for r in &rows {
        if let Err((msg, help)) = whatif::check_changes(r, &changes, &names) {
            let group = group_label(&args.by, r);
            return Err(CliError::Usage(format!(
                "--change makes an impossible funnel{group}: {msg}\n  = help: {help}"
            )));
        }
    }
    let mut cols: Vec<(String, Option<Format>)> = vec![
        ("total_before".into(), Some(Format::Currency)),
        ("total_after".into(), Some(Format::Currency)),
        ("change".into(), Some(Format::Currency)),
        ("change_pct".into(), Some(Format::Percent)),
    ];
    let step_label = crate::report::number::plain(step * 100.0, report::Locale::En);
    for (i, n) in names.iter().enumerate() {
        cols.push((format!("gain {n} +{step_label}%"), Some(Format::Currency)));
        if i > 0 && i + 1 < names.len() {
            cols.push((format!("gain {n} +1pp"), Some(Format::Currency)));
        }
    }
    let out_rows: Vec<Row> = rows
        .iter()
        .map(|r| {
            let before = whatif::factors(r).map(|f| whatif::product(&f));
            let after = whatif::after(r, &changes);
            let diff = before.zip(after).map(|(b, a)| a - b);
            let pct = before
                .zip(diff)
                .and_then(|(b, d)| (b != 0.0).then(|| d / b));
            let mut values = vec![
                Cell::opt(before),
                Cell::opt(after),
                Cell::opt(diff),
                Cell::opt(pct),
            ];
            match whatif::sensitivity(r, step) {
                Some(s) => {
                    for (i, (rel, pp)) in s.into_iter().enumerate() {
                        values.push(Cell::opt(Some(rel)));
                        if i > 0 && i + 1 < names.len() {
                            values.push(Cell::opt(pp));
                        }
                    }
                }
                None => values.extend((0..cols.len() - 4).map(|_| Cell::Null)),
            }
            Row {
                dims: r.dims.clone(),
                period: r.period.clone(),
                values,
            }
        })
        .collect();
    let out = report::table_output(args.by.clone(), args.grain, cols, out_rows);
    let currency = super::common::funnel_currency(&graph, &shape);
    let text = super::common::render_analysis(
        &out,
        args.format,
        args.layout,
        &args.output,
        report::View::of_formats(&out, currency.as_deref(), graph.settings.locale),
    );
    super::output::write(&args.output, &text).map(|()| super::OK)
}

/// ` for rep=ann, period 2026-Q1` (empty without groups).
fn group_label(by: &[String], r: &analyze::FunnelRow) -> String {
    let mut parts: Vec<String> = by
        .iter()
        .zip(&r.dims)
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if let Some(p) = &r.period {
        parts.push(format!("period {p}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" for {}", parts.join(", "))
    }
}
