//! The command line: one file per subcommand; this module parses flags and dispatches.

mod backtest;
mod check;
mod checks;
mod columns;
mod common;
mod convert;
mod diff;
mod engine;
mod error;
mod eval;
mod explain;
mod fmt;
mod forecast;
mod funnel;
mod graph;
mod insights;
mod literals;
mod load;
mod lsp;
mod output;
mod partial;
mod plan;
mod report;
mod review;
mod schema;
mod sniff;
mod sql;
mod test;
mod whatif;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use error::CliError;

/// Exit codes (DESIGN section 3).
pub const OK: u8 = 0;
/// Definitions or data rejected, or what was checked failed.
pub const FAILED: u8 = 1;
/// Usage or I/O problem.
pub const USAGE: u8 = 2;

#[derive(Parser)]
#[command(
    name = "kpi",
    version,
    about = "A KPI rules engine: metrics, funnels, checks and reviews as config, evaluated over CRM activity exports",
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate definitions (files or folders; default `metrics/`)
    Check(check::Args),
    /// Evaluate metrics over activity data
    Eval(eval::Args),
    /// A funnel per group: volumes, rates, conversion, total and the weakest step
    Funnel(funnel::Args),
    /// The reverse funnel: the volume each stage needs to reach a target
    Plan(plan::Args),
    /// A funnel's total before and after changing its factors, and its sensitivity
    Whatif(whatif::Args),
    /// Where each metric is heading by the end of a period (run rate or funnel), with backtests
    Forecast(forecast::Args),
    /// What the top quartile of groups does differently from the rest
    Insights(insights::Args),
    /// The evaluation as one SQL query for a warehouse (postgres, duckdb, trino, spark, bigquery, snowflake, clickhouse)
    Sql(sql::Args),
    /// Copy a CSV export into a PostgreSQL table (for `kpi eval --engine postgres`)
    Load(load::Args),
    /// Evaluate checks against targets at their review cadence
    Checks(checks::Args),
    /// The review meeting's page: one self-contained HTML file with charts
    Report(report::Args),
    /// List definitions due or overdue for review
    Review(review::Args),
    /// Run definition tests (`*.test.yaml`: fixture rows and expected values)
    Test(test::Args),
    /// Rewrite .kpi files in the canonical layout (`--check`: only report)
    Fmt(fmt::Args),
    /// Convert definitions between the .kpi and YAML forms
    Convert(convert::Args),
    /// What changed between two definition sets (compared as compiled expressions)
    Diff(diff::Args),
    /// Print the JSON Schema of the YAML form (for editors)
    Schema(schema::Args),
    /// Print a `source` block that reads an export (delimiter, encoding, types, ..)
    Sniff(sniff::Args),
    /// Print the evaluation graph
    Graph(graph::Args),
    /// Show one metric's effective definition, origin, unit and lineage
    Explain(explain::Args),
    /// A language server for editors (LSP over stdio): diagnostics, hover, definitions, completion, formatting
    Lsp(lsp::Args),
}

/// Entry point of the binary. Runs on a thread with a large stack, and turns any
/// internal panic into a one-line error (exit 101) instead of a backtrace.
pub fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        if crate::guard::active() {
            return; // contained: it becomes the file's error (see guard.rs)
        }
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        if msg.starts_with("failed printing to stdout") {
            // Results go through `output`, which reports failed writes; this is the
            // net under any other print. A reader that went away (`kpi .. | head`)
            // is not an error; anything else is an I/O problem (exit 2).
            if msg.contains("Broken pipe") {
                std::process::exit(0);
            }
            let why = msg.trim_start_matches("failed printing to stdout: ");
            eprintln!("error: cannot write to standard output: {why}");
            std::process::exit(2);
        }
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("kpi: internal error: {msg}{at}\nThis is a bug in kpi; please report it with the input that caused it.");
    }));
    let worker = std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(run);
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        _ => ExitCode::from(101),
    }
}

fn run() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { USAGE } else { OK };
        }
    };
    match cli.command {
        Command::Check(a) => check::run(a).unwrap_or_else(CliError::report),
        Command::Eval(a) => eval::run(a).unwrap_or_else(CliError::report),
        Command::Checks(a) => checks::run(a).unwrap_or_else(CliError::report),
        Command::Report(a) => report::run(a).unwrap_or_else(CliError::report),
        Command::Sql(a) => sql::run(a).unwrap_or_else(CliError::report),
        Command::Load(a) => load::run(a).unwrap_or_else(CliError::report),
        Command::Funnel(a) => funnel::run(a).unwrap_or_else(CliError::report),
        Command::Plan(a) => plan::run(a).unwrap_or_else(CliError::report),
        Command::Whatif(a) => whatif::run(a).unwrap_or_else(CliError::report),
        Command::Forecast(a) => forecast::run(a).unwrap_or_else(CliError::report),
        Command::Insights(a) => insights::run(a).unwrap_or_else(CliError::report),
        Command::Review(a) => review::run(a).unwrap_or_else(CliError::report),
        Command::Test(a) => test::run(a).unwrap_or_else(CliError::report),
        Command::Fmt(a) => fmt::run(a).unwrap_or_else(CliError::report),
        Command::Convert(a) => convert::run(a).unwrap_or_else(CliError::report),
        Command::Diff(a) => diff::run(a).unwrap_or_else(CliError::report),
        Command::Schema(a) => schema::run(a).unwrap_or_else(CliError::report),
        Command::Sniff(a) => sniff::run(a).unwrap_or_else(CliError::report),
        Command::Graph(a) => graph::run(a).unwrap_or_else(CliError::report),
        Command::Explain(a) => explain::run(a).unwrap_or_else(CliError::report),
        Command::Lsp(a) => lsp::run(a).unwrap_or_else(CliError::report),
    }
}
