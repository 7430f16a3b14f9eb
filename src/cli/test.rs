//! `kpi test [PATH..]`: run definition tests (`*.test.yaml`); JUnit with `--junit`.

use super::CliError;
use std::path::PathBuf;

use crate::deftest::{self, junit, Outcome};

use super::{FAILED, OK};

#[derive(clap::Args)]
pub struct Args {
    /// Test files or folders searched for `*.test.yaml` (default `metrics/`)
    paths: Vec<PathBuf>,
    /// Also write the results as JUnit XML to FILE
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
}

fn details(o: &Outcome) -> String {
    if let Some(e) = &o.error {
        // Every error ends its line: the next test's result starts on a line of its own.
        let mut e = e.clone();
        if !e.ends_with('\n') {
            e.push('\n');
        }
        return e;
    }
    let w = |f: fn(&deftest::Failure) -> &str, h: &str| {
        o.failures
            .iter()
            .map(|x| f(x).len())
            .chain([h.len()])
            .max()
            .unwrap_or(0)
    };
    let (wc, we) = (w(|f| &f.column, "column"), w(|f| &f.expected, "expected"));
    let mut s = String::new();
    let mut last_group = None;
    for f in &o.failures {
        if last_group != Some(&f.group) {
            s.push_str(&format!(
                "  group {}\n    {:<wc$}  {:<we$}  got\n",
                f.group, "column", "expected"
            ));
            last_group = Some(&f.group);
        }
        s.push_str(&format!(
            "    {:<wc$}  {:<we$}  {}\n",
            f.column, f.expected, f.got
        ));
    }
    s
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("metrics")]
    } else {
        args.paths.clone()
    };
    let files = match deftest::find(&paths) {
        Ok(f) => f,
        Err(m) => {
            return Err(CliError::Usage(m.to_string()));
        }
    };
    if files.is_empty() {
        return Err(CliError::Usage(format!(
            "no *.test.yaml files under {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let mut suites = Vec::new();
    let (mut passed, mut failed) = (0, 0);
    for f in &files {
        let outcomes = deftest::run_file(f);
        let mut cases = Vec::new();
        for o in &outcomes {
            if o.passed() {
                passed += 1;
                super::output::progress(&format!("ok   {} :: {}\n", f.display(), o.name))?;
            } else {
                failed += 1;
                let text = format!("FAIL {} :: {}\n{}", f.display(), o.name, details(o));
                super::output::progress(&text)?;
            }
            cases.push(junit::Case {
                name: o.name.clone(),
                seconds: o.seconds,
                failure: (!o.passed()).then(|| {
                    let msg = o
                        .error
                        .clone()
                        .map(|e| e.lines().next().unwrap_or("").to_string())
                        .unwrap_or_else(|| format!("{} mismatch(es)", o.failures.len()));
                    (msg, details(o))
                }),
            });
        }
        suites.push((f.display().to_string(), cases));
    }
    super::output::progress(&format!("{passed} passed, {failed} failed\n"))?;
    if let Some(p) = &args.junit {
        if let Err(e) = std::fs::write(p, junit::document(&suites)) {
            return Err(CliError::Usage(format!(
                "cannot write `{}`: {e}",
                p.display()
            )));
        }
    }
    Ok(if failed > 0 { FAILED } else { OK })
}
