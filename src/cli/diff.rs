//! `kpi diff A B`: what changed between two definition sets, compared as compiled
//! expressions.

use super::CliError;
use std::path::PathBuf;

use crate::compile::{self, diff::diff, Loader};

use super::common;
use super::{FAILED, OK};

#[derive(clap::Args)]
pub struct Args {
    /// The definitions before (e.g. the base library)
    a: PathBuf,
    /// The definitions after (e.g. a client's file)
    b: PathBuf,
    /// Exit 1 when they differ
    #[arg(long)]
    exit_code: bool,
    /// Output format
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Write to FILE instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq)]
enum Format {
    Human,
    Json,
}

fn load(path: &std::path::Path) -> Result<compile::Graph, CliError> {
    if !path.is_file() {
        return Err(CliError::Usage(format!(
            "no such file: `{}`",
            path.display()
        )));
    }
    let mut loader = Loader::new();
    let (graph, diags) = compile::compile_path(&mut loader, path, &compile::Options::default());
    let errors: Vec<_> = diags.into_iter().filter(|d| d.is_error()).collect();
    common::print_diags(&loader.map, &errors);
    graph.ok_or(CliError::Reported(FAILED))
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let (a, b) = (load(&args.a)?, load(&args.b)?);
    let changes = diff(&a, &b);
    use std::fmt::Write;
    let mut out = String::new();
    match args.format {
        Format::Json => {
            let v: Vec<serde_json::Value> = changes
                .iter()
                .map(|c| serde_json::json!({"kind": c.kind, "name": c.name, "change": c.change, "before": c.before, "after": c.after}))
                .collect();
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&v).unwrap_or_default()
            );
        }
        Format::Human => {
            for c in &changes {
                // `settings` is one item: no name after its kind.
                let what = if c.name == c.kind {
                    c.kind.to_string()
                } else {
                    format!("{} {}", c.kind, c.name)
                };
                let before = c.before.as_deref().unwrap_or("");
                let after = c.after.as_deref().unwrap_or("");
                let _ = match c.change {
                    "added" => writeln!(out, "+ {what} = {after}"),
                    "removed" => writeln!(out, "- {what} = {before}"),
                    _ => writeln!(out, "~ {what}\n    - {before}\n    + {after}"),
                };
            }
            let count = |k: &str| changes.iter().filter(|c| c.change == k).count();
            let _ = writeln!(
                out,
                "{} added, {} removed, {} changed",
                count("added"),
                count("removed"),
                count("changed")
            );
        }
    }
    let code = if args.exit_code && !changes.is_empty() {
        FAILED
    } else {
        OK
    };
    super::output::combine(code, super::output::write(&args.output, &out))
}
