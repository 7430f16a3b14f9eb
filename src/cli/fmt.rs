//! `kpi fmt [--check] PATH..`: rewrite `.kpi` files in the canonical layout.

use super::CliError;
use std::path::PathBuf;

use crate::diag::SourceMap;
use crate::syntax::{dsl, format};

use super::common;
use super::{FAILED, OK};

#[derive(clap::Args)]
pub struct Args {
    /// `.kpi` files or folders (default `metrics/`)
    paths: Vec<PathBuf>,
    /// Only report files that are not formatted (exit 1 if any)
    #[arg(long)]
    check: bool,
}

/// Format `text`; `Err` carries the diagnostics when it does not parse.
pub fn format_text(
    path: &std::path::Path,
    text: &str,
) -> Result<String, (SourceMap, Vec<crate::diag::Diagnostic>)> {
    let mut map = SourceMap::new();
    let id = map.add(path.to_path_buf(), text.to_string());
    let (ast, diags) = dsl::parse_file(id, text);
    if diags.iter().any(|d| d.is_error()) {
        return Err((map, diags));
    }
    let out = format::dsl::print(&ast, text);
    // Never change meaning: the formatted text must parse to the same definitions.
    let id2 = map.add(path.to_path_buf(), out.clone());
    let (again, d2) = dsl::parse_file(id2, &out);
    if !d2.is_empty() || !format::same_meaning(&ast, &again) {
        let d = crate::diag::Diagnostic::error(
            "E0199",
            "the formatter would change this file's meaning; it was left as it is",
        )
        .with_help("this is a bug in kpi fmt; please report it with the file");
        return Err((map, vec![d]));
    }
    Ok(out)
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let files = match crate::compile::load::collect_files(&common::default_paths(&args.paths)) {
        Ok(f) => f,
        Err(msg) => {
            return Err(CliError::Usage(msg.to_string()));
        }
    };
    let mut changed = 0;
    let mut failed = false;
    for f in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "kpi"))
    {
        let text = match std::fs::read(f).map(String::from_utf8) {
            Ok(Ok(t)) => t,
            Ok(Err(_)) => {
                eprintln!("error: `{}` is not valid UTF-8", f.display());
                failed = true;
                continue;
            }
            Err(e) => {
                return Err(CliError::Usage(format!(
                    "cannot read `{}`: {e}",
                    f.display()
                )));
            }
        };
        match format_text(f, &text) {
            Err((map, diags)) => {
                common::print_diags(&map, &diags);
                failed = true;
            }
            Ok(out) if out != text => {
                changed += 1;
                if args.check {
                    super::output::progress(&format!("would reformat {}\n", f.display()))?;
                } else if let Err(e) = std::fs::write(f, out) {
                    return Err(CliError::Usage(format!(
                        "cannot write `{}`: {e}",
                        f.display()
                    )));
                } else {
                    super::output::progress(&format!("formatted {}\n", f.display()))?;
                }
            }
            Ok(_) => {}
        }
    }
    if args.check && changed > 0 {
        eprintln!(
            "{changed} file{} would be reformatted",
            if changed == 1 { "" } else { "s" }
        );
    }
    Ok(if failed || (args.check && changed > 0) {
        FAILED
    } else {
        OK
    })
}
