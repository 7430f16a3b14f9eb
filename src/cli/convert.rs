//! `kpi convert FILE --to kpi|yaml`: the same definitions in the other form.

use super::CliError;
use std::path::{Component, Path, PathBuf};

use crate::compile::load::normalize;
use crate::diag::SourceMap;
use crate::syntax::ast::{File, Item};
use crate::syntax::{dsl, format, yaml};

use super::common;
use super::FAILED;

#[derive(clap::Args)]
pub struct Args {
    /// The definitions file (.kpi, .yaml or .yml)
    file: PathBuf,
    /// The form to write
    #[arg(long, value_enum)]
    to: To,
    /// Write to FILE instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq)]
enum To {
    Kpi,
    Yaml,
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let text = match std::fs::read(&args.file).map(String::from_utf8) {
        Ok(Ok(t)) => t,
        Ok(Err(_)) => {
            return Err(CliError::Failed(format!(
                "`{}` is not valid UTF-8",
                args.file.display()
            )));
        }
        Err(e) => {
            return Err(CliError::Usage(format!(
                "cannot read `{}`: {e}",
                args.file.display()
            )));
        }
    };
    let is_yaml = args
        .file
        .extension()
        .is_some_and(|e| e == "yaml" || e == "yml");
    let mut map = SourceMap::new();
    let id = map.add(args.file.clone(), text.clone());
    let (ast, diags) = if is_yaml {
        yaml::parse_file(id, &text)
    } else {
        dsl::parse_file(id, &text)
    };
    if diags.iter().any(|d| d.is_error()) {
        common::print_diags(&map, &diags);
        return Err(CliError::Reported(FAILED));
    }
    // Written into another folder, the relative paths it holds (imports, scripts,
    // sources' `from`) are rewritten to point at the same files from there.
    let mut ast = ast;
    if let Some(out) = &args.output {
        let from_dir = args.file.parent().unwrap_or(Path::new(""));
        let to_dir = out.parent().unwrap_or(Path::new(""));
        rebase(&mut ast, from_dir, to_dir);
    }
    let out = match args.to {
        To::Kpi if is_yaml => format::dsl::print(&ast, ""),
        To::Kpi => format::dsl::print(&ast, &text),
        To::Yaml => format::yaml::print(&ast),
    };
    // Lossless: the converted text must parse back to the same definitions.
    let id2 = map.add(PathBuf::from("<converted>"), out.clone());
    let (back, d2) = match args.to {
        To::Kpi => dsl::parse_file(id2, &out),
        To::Yaml => yaml::parse_file(id2, &out),
    };
    if !d2.is_empty() || !format::same_meaning(&ast, &back) {
        common::print_diags(&map, &d2);
        return Err(CliError::Failed("the conversion would not be lossless; nothing was written (a bug in kpi convert: please report it with the file)".into()));
    }
    super::output::write(&args.output, &out).map(|()| super::OK)
}

/// Rewrite the relative paths of `ast` written for `from_dir` so that they name the
/// same files from `to_dir`.
fn rebase(ast: &mut File, from_dir: &Path, to_dir: &Path) {
    let cwd = std::env::current_dir().unwrap_or_default();
    let (from_dir, to_dir) = (normalize(&cwd.join(from_dir)), normalize(&cwd.join(to_dir)));
    if from_dir == to_dir {
        return;
    }
    let fix = |value: &mut String| {
        if Path::new(value.as_str()).is_absolute() {
            return;
        }
        let target = normalize(&from_dir.join(value.as_str()));
        *value = relative(&target, &to_dir);
    };
    for item in &mut ast.items {
        match item {
            Item::Import(s) | Item::Script(s) => fix(&mut s.value),
            Item::Source(src) => {
                if let Some(f) = &mut src.from {
                    fix(&mut f.value);
                }
            }
            _ => {}
        }
    }
}

/// `target` relative to the folder `base` (both absolute and normalized), with `/`.
fn relative(target: &Path, base: &Path) -> String {
    let t: Vec<Component> = target.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common <= 1 && target.is_absolute() {
        // Nothing in common but the root: the absolute path reads better.
        return target.to_string_lossy().into_owned();
    }
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::relative;
    use std::path::Path;

    #[test]
    fn relative_paths() {
        for (target, base, want) in [
            ("/w/data/a.csv", "/w/metrics", "../data/a.csv"),
            ("/w/metrics/f.rhai", "/w/out/deep", "../../metrics/f.rhai"),
            ("/w/out/x.kpi", "/w/out", "x.kpi"),
            ("/w/a.kpi", "/w/out/deep", "../../a.kpi"),
            ("/w/a.kpi", "/tmp/out", "/w/a.kpi"),
        ] {
            assert_eq!(relative(Path::new(target), Path::new(base)), want);
        }
    }
}
