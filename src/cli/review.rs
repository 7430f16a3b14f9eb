//! `kpi review DEFS`: definitions due or overdue for review.

use super::CliError;
use std::path::PathBuf;

use crate::data::period::civil_from_day;
use crate::report::{grid, Grid};

use crate::compile::{self, Loader};
use crate::diag::{locate, Diagnostic};

use super::common;
use super::{FAILED, OK};

#[derive(clap::Args)]
pub struct Args {
    /// Definition files or folders (searched for .kpi, .yaml, .yml); default `metrics/`
    paths: Vec<PathBuf>,
    /// The date reviews are judged against (default: today)
    #[arg(long, value_name = "DATE")]
    today: Option<String>,
    /// Exit 1 when any review is overdue
    #[arg(long)]
    strict: bool,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
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
    Csv,
    Md,
}

fn date(day: i32) -> String {
    let (y, m, d) = civil_from_day(day);
    format!("{y:04}-{m:02}-{d:02}")
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let today = common::today(&args.today)?;
    let files = match compile::load::collect_files(&common::default_paths(&args.paths)) {
        Ok(f) => f,
        Err(msg) => {
            return Err(CliError::Usage(msg.to_string()));
        }
    };
    struct Item {
        name: String,
        kind: &'static str,
        at: String,
        file: String,
        line: usize,
        owner: Option<String>,
        last: Option<String>,
        due: Option<String>,
        status: &'static str,
    }
    let mut loader = Loader::new();
    let ids: Vec<_> = files.iter().filter_map(|f| loader.load(f, None)).collect();
    let mut errors: Vec<Diagnostic> = std::mem::take(&mut loader.diags);
    let mut found = Vec::new();
    let mut seen = std::collections::HashSet::new();
    common::for_each_graph(&mut loader, &ids, |graph, diags| {
        errors.extend(diags.into_iter().filter(|d| d.is_error()));
        for r in &graph.reviews {
            if seen.insert(r.span) {
                found.push((
                    r.span,
                    r.name.clone(),
                    r.kind,
                    r.owner.clone(),
                    Some((r.last, r.due())),
                    r.status(today),
                ));
            }
        }
        if graph.settings.review_required {
            for (name, kind, span) in &graph.unreviewed {
                if seen.insert(*span) {
                    found.push((*span, name.clone(), *kind, None, None, "unreviewed"));
                }
            }
        }
    });
    errors.dedup();
    if !errors.is_empty() {
        common::print_diags(&loader.map, &errors);
        return Err(CliError::Reported(FAILED));
    }
    let mut items: Vec<Item> = found
        .into_iter()
        .map(|(span, name, kind, owner, dates, status)| {
            let l = locate(&loader.map, span);
            Item {
                name,
                kind,
                at: format!("{}:{}", l.file, l.line),
                file: l.file.to_string(),
                line: l.line,
                owner,
                last: dates.map(|(last, _)| date(last)),
                due: dates.map(|(_, due)| date(due)),
                status,
            }
        })
        .collect();
    // Overdue first, then due soon, then the rest; by file and line within each.
    let rank = |s: &str| match s {
        "overdue" => 0,
        "due_soon" => 1,
        "unreviewed" => 2,
        _ => 3,
    };
    items.sort_by(|a, b| (rank(a.status), &a.file, a.line).cmp(&(rank(b.status), &b.file, b.line)));
    let overdue = items.iter().filter(|i| i.status == "overdue").count();
    let text = match args.format {
        Format::Json => {
            let v: Vec<serde_json::Value> = items
                .iter()
                .map(|i| {
                    serde_json::json!({
                        "name": i.name, "kind": i.kind, "owner": i.owner,
                        "last": i.last, "due": i.due, "status": i.status,
                        "at": i.at,
                    })
                })
                .collect();
            format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        Format::Table | Format::Csv | Format::Md => {
            let head: Vec<String> = ["name", "kind", "at", "owner", "last", "due", "status"]
                .map(String::from)
                .to_vec();
            let rows: Vec<Vec<String>> = items
                .iter()
                .map(|i| {
                    vec![
                        i.name.clone(),
                        i.kind.to_string(),
                        i.at.clone(),
                        i.owner.clone().unwrap_or_default(),
                        i.last.clone().unwrap_or_default(),
                        i.due.clone().unwrap_or_default(),
                        i.status.to_string(),
                    ]
                })
                .collect();
            let how = match args.format {
                Format::Csv => Grid::Csv,
                Format::Md => Grid::Md,
                _ => Grid::Table,
            };
            let wide = grid(&head, &rows, how);
            let mut text = if how != Grid::Csv
                && super::output::long(args.layout, how == Grid::Table, &args.output, &wide)
            {
                crate::report::grid_layout(&head, &rows, how, 1, "column", true)
            } else {
                wide
            };
            if how != Grid::Csv {
                let soon = items.iter().filter(|i| i.status == "due_soon").count();
                text.push_str(&format!(
                    "{}{} reviewed definitions: {overdue} overdue, {soon} due within 14 days (today {})\n",
                    if how == Grid::Md { "\n" } else { "" },
                    items.len(),
                    date(today)
                ));
            }
            text
        }
    };
    super::output::write(&args.output, &text)?;
    Ok(if args.strict && overdue > 0 {
        FAILED
    } else {
        OK
    })
}
