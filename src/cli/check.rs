//! `kpi check [PATH..]`: validate definitions; human, JSON or GitHub output.

use super::CliError;
use std::path::PathBuf;

use crate::compile::{self, Loader};
use crate::data::period::civil_from_day;
use crate::deftest::junit;
use crate::diag::{self, Diagnostic};

use super::common;
use super::{FAILED, OK};

#[derive(clap::Args)]
pub struct Args {
    /// Definition files or folders (searched for .kpi, .yaml, .yml); default `metrics/`
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Exit 1 when there are warnings
    #[arg(long)]
    deny_warnings: bool,
    /// Treat overdue reviews as errors
    #[arg(long)]
    strict_reviews: bool,
    /// The date reviews are judged against (default: today)
    #[arg(long, value_name = "DATE")]
    today: Option<String>,
    /// Write to FILE instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq)]
enum Format {
    Human,
    Json,
    Github,
    Junit,
    Sarif,
}

fn date_str(day: i32) -> String {
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
    let mut loader = Loader::new();
    let ids: Vec<_> = files.iter().filter_map(|f| loader.load(f, None)).collect();
    let mut unique = Unique::default();
    for d in super::columns::check(&loader) {
        unique.push(d);
    }
    common::for_each_graph(&mut loader, &ids, |graph, more| {
        for d in more {
            unique.push(d);
        }
        for r in &graph.reviews {
            if r.status(today) == "overdue" {
                let mut d = Diagnostic::warning(
                    "W0501",
                    format!("review of {} `{}` is overdue", r.kind, r.name),
                )
                .at(r.span, format!("was due {}", date_str(r.due())))
                .with_help("review the definition, then update `last` to the review date");
                if args.strict_reviews {
                    d.severity = diag::Severity::Error;
                }
                unique.push(d);
            }
        }
        if graph.settings.review_required {
            for (name, kind, span) in &graph.unreviewed {
                let d = Diagnostic::warning("W0502", format!("{kind} `{name}` has no review rule"))
                    .at(*span, "unreviewed")
                    .with_help(
                        "settings require reviews: add `review every quarter last YYYY-MM-DD`",
                    );
                unique.push(d);
            }
        }
        // Freeing a large graph takes milliseconds per thousand metrics, and the
        // process exits right after: leave it to the operating system.
        std::mem::forget(graph);
    });
    for d in std::mem::take(&mut loader.diags) {
        unique.push(d);
    }
    let diags = unique.items;
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let text = match args.format {
        Format::Human => {
            common::print_diags(&loader.map, &diags);
            let verdict = if errors > 0 { "invalid" } else { "valid" };
            eprintln!(
                "checked {} file{}: {errors} error{}, {warnings} warning{} ({verdict})",
                files.len(),
                if files.len() == 1 { "" } else { "s" },
                if errors == 1 { "" } else { "s" },
                if warnings == 1 { "" } else { "s" },
            );
            String::new()
        }
        Format::Json => {
            let v = diag::to_json(&loader.map, &diags);
            format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        Format::Github => diag::to_github(&loader.map, &diags),
        Format::Sarif => {
            let v = diag::to_sarif(&loader.map, &diags);
            format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        Format::Junit => {
            // One test case per file: it fails when the file has errors (or warnings
            // under --deny-warnings).
            let cases: Vec<junit::Case> = files
                .iter()
                .map(|f| {
                    let id = loader.map.find(f);
                    let mine: Vec<&Diagnostic> = diags
                        .iter()
                        .filter(|d| d.span.map(|s| s.file) == id && id.is_some())
                        .filter(|d| d.is_error() || args.deny_warnings)
                        .collect();
                    junit::Case {
                        name: f.display().to_string(),
                        seconds: 0.0,
                        failure: (!mine.is_empty()).then(|| {
                            let owned: Vec<Diagnostic> =
                                mine.iter().map(|d| (*d).clone()).collect();
                            (
                                format!("{} problem(s)", mine.len()),
                                diag::render_all(&loader.map, &owned, false),
                            )
                        }),
                    }
                })
                .collect();
            junit::document(&[("kpi check".to_string(), cases)])
        }
    };
    let written = super::output::write(&args.output, &text);
    // As with the graphs: the sources and syntax trees are freed at exit.
    std::mem::forget(loader);
    let code = if errors > 0 || (args.deny_warnings && warnings > 0) {
        FAILED
    } else {
        OK
    };
    super::output::combine(code, written)
}

/// Diagnostics without duplicates (a file imported by several roots is compiled with
/// each), in constant time per diagnostic.
#[derive(Default)]
struct Unique {
    items: Vec<Diagnostic>,
    index: std::collections::HashMap<(&'static str, Option<crate::diag::Span>, String), Vec<usize>>,
}

impl Unique {
    fn push(&mut self, d: Diagnostic) {
        let same = self
            .index
            .entry((d.code, d.span, d.message.clone()))
            .or_default();
        if same.iter().any(|&i| self.items[i] == d) {
            return;
        }
        same.push(self.items.len());
        self.items.push(d);
    }
}
