//! Shared CLI plumbing: loading and compiling definitions, printing diagnostics, dates.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::compile::{self, Graph, Loader};
use crate::diag::{self, Diagnostic, SourceMap};

use super::{FAILED, USAGE};

/// Whether to color diagnostics on stderr.
pub fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

pub fn print_diags(map: &SourceMap, diags: &[Diagnostic]) {
    if !diags.is_empty() {
        eprint!("{}", diag::render_all(map, diags, color()));
    }
}

/// Definition options shared by evaluating commands.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct DefOpts {
    /// Choose a profile declared in the definitions
    #[arg(long)]
    pub profile: Option<String>,
    /// Set a param: `--set calls_per_day_target=60` (repeatable)
    #[arg(long = "set", value_name = "PARAM=VALUE", value_parser = parse_set)]
    pub sets: Vec<(String, String)>,
}

fn parse_set(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("expected PARAM=VALUE, got `{s}`")),
    }
}

/// Load and compile one definitions file for evaluation; diagnostics go to stderr.
/// Err carries the exit code.
pub fn compile_defs(path: &Path, opts: &DefOpts) -> Result<(Loader, Graph), u8> {
    if !path.exists() {
        eprintln!("error: no such file: `{}`", path.display());
        return Err(USAGE);
    }
    if path.is_dir() {
        eprintln!("error: `{}` is a folder; give the definitions file to evaluate", path.display());
        return Err(USAGE);
    }
    let mut loader = Loader::new();
    let options = compile::Options {
        profile: opts.profile.clone(),
        sets: opts.sets.clone(),
        require_params: true,
    };
    let (graph, diags) = compile::compile_path(&mut loader, path, &options);
    let errors: Vec<Diagnostic> = diags.into_iter().filter(|d| d.is_error()).collect();
    print_diags(&loader.map, &errors);
    match graph {
        Some(g) if errors.is_empty() => Ok((loader, g)),
        _ => Err(FAILED),
    }
}

/// Parse `--today` or take the system date, as a day number.
pub fn today(arg: &Option<String>) -> Result<i32, u8> {
    match arg {
        Some(s) => crate::data::time::parse_date_arg(s).ok_or_else(|| {
            eprintln!("error: invalid date `{s}` for --today (expected YYYY-MM-DD)");
            USAGE
        }),
        None => {
            let now = jiff::ZonedDateTime::now().date();
            Ok(crate::compile::lower::day_number(now))
        }
    }
}

/// Resolve the paths to check (default `metrics/`).
pub fn default_paths(paths: &[PathBuf]) -> Vec<PathBuf> {
    if paths.is_empty() {
        vec![PathBuf::from("metrics")]
    } else {
        paths.to_vec()
    }
}
