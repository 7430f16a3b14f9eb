//! The .kpi and YAML forms of the same definitions compile to the same graph and give
//! the same results; `kpi fmt` and `kpi convert` never change meaning.

use crate::support::kpi;
use std::path::{Path, PathBuf};

use kpi::compile::{compile_path, Loader, Options};

fn canonical(path: &str) -> String {
    let mut loader = Loader::new();
    let (graph, diags) = compile_path(&mut loader, Path::new(path), &Options::default());
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{path}: {errors:?}");
    graph.expect("compiled").canonical()
}

#[test]
fn shipped_dsl_and_yaml_compile_to_the_same_graph() {
    let dsl = canonical("metrics/sales.kpi");
    let yaml = canonical("metrics/yaml/sales.yaml");
    assert!(
        dsl.contains(
            "metric total_sales = if(won_deals == 0, 0, opportunities * hit_rate * avg_deal_size) unit=EUR"
        ),
        "{dsl}"
    );
    assert_eq!(dsl, yaml);
}

#[test]
fn shipped_dsl_and_yaml_give_the_same_results() {
    let a = kpi(&[
        "eval",
        "metrics/sales.kpi",
        "--by",
        "team,rep",
        "--grain",
        "week",
        "--format",
        "csv",
        "--metrics",
        "calls,won_amount,hit_rate,outbound,inbound_journey",
    ])
    .parts();
    let b = kpi(&[
        "eval",
        "metrics/yaml/sales.yaml",
        "--by",
        "team,rep",
        "--grain",
        "week",
        "--format",
        "csv",
        "--metrics",
        "calls,won_amount,hit_rate,outbound,inbound_journey",
    ])
    .parts();
    assert_eq!(a.0, 0, "{}", a.2);
    assert_eq!(a, b);
    assert!(a.1.lines().count() > 50);
}

#[test]
fn a_graph_differs_when_a_formula_does() {
    let dir = std::env::temp_dir().join(format!("kpi_same_graph_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string("metrics/sales.kpi").unwrap();
    let changed = text.replace(
        "metric hit_rate = won_deals / opportunities",
        "metric hit_rate = won_deals / (opportunities + 1)",
    );
    assert_ne!(text, changed);
    let p = dir.join("sales.kpi");
    std::fs::write(&p, changed).unwrap();
    std::fs::copy("metrics/functions.rhai", dir.join("functions.rhai")).unwrap();
    assert_ne!(
        canonical("metrics/sales.kpi"),
        canonical(p.to_str().unwrap())
    );
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for e in entries {
        if e.is_dir() {
            files(&e, out);
        } else if e.extension().is_some_and(|x| x == "kpi" || x == "yaml")
            && !e.to_string_lossy().ends_with(".test.yaml")
        {
            out.push(e);
        }
    }
}

/// Every definition file of the repo that parses cleanly.
fn parseable_files() -> Vec<PathBuf> {
    let mut all = Vec::new();
    files(Path::new("metrics"), &mut all);
    files(Path::new("tests/fixtures"), &mut all);
    all.into_iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            let id = kpi::diag::FileId(0);
            let (_, d) = if p.extension().is_some_and(|x| x == "yaml") {
                kpi::syntax::yaml::parse_file(id, &text)
            } else {
                kpi::syntax::dsl::parse_file(id, &text)
            };
            !text.is_empty() && d.is_empty()
        })
        .collect()
}

#[test]
fn fmt_is_idempotent_and_keeps_meaning_and_comments_for_every_kpi_file() {
    let dir = std::env::temp_dir().join(format!("kpi_fmt_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut n = 0;
    for (i, p) in parseable_files()
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "kpi"))
        .enumerate()
    {
        let text = std::fs::read_to_string(p).unwrap();
        let copy = dir.join(format!("f{i}.kpi"));
        std::fs::write(&copy, &text).unwrap();
        let (code, _, err) = kpi(&["fmt", copy.to_str().unwrap()]).parts();
        assert_eq!(code, 0, "{}: {err}", p.display());
        let once = std::fs::read_to_string(&copy).unwrap();
        let (code, _, _) = kpi(&["fmt", "--check", copy.to_str().unwrap()]).parts();
        assert_eq!(code, 0, "fmt of fmt changed {}", p.display());
        let id = kpi::diag::FileId(0);
        let (a, _) = kpi::syntax::dsl::parse_file(id, &text);
        let (b, _) = kpi::syntax::dsl::parse_file(id, &once);
        assert!(kpi::syntax::format::same_meaning(&a, &b), "{}", p.display());
        assert_eq!(
            text.matches('#').count() - text.matches("\"#").count(),
            once.matches('#').count() - once.matches("\"#").count(),
            "comments lost in {}",
            p.display()
        );
        n += 1;
    }
    assert!(n >= 5, "only {n} files");
}

#[test]
fn fmt_check_reports_an_unformatted_file() {
    let dir = std::env::temp_dir().join(format!("kpi_fmt_check_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("ugly.kpi");
    std::fs::write(
        &p,
        "source s { time ts }\nmetric   a=count(s)   # the count\n",
    )
    .unwrap();
    let (code, out, _) = kpi(&["fmt", "--check", p.to_str().unwrap()]).parts();
    assert_eq!(code, 1);
    assert!(out.contains("would reformat"), "{out}");
    let (code, _, _) = kpi(&["fmt", p.to_str().unwrap()]).parts();
    assert_eq!(code, 0);
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        "source s {\n  time ts\n}\nmetric a = count(s)  # the count\n"
    );
}

#[test]
fn convert_round_trips_every_definition_file() {
    let dir = std::env::temp_dir().join(format!("kpi_convert_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut n = 0;
    for (i, p) in parseable_files().iter().enumerate() {
        let to = if p.extension().is_some_and(|x| x == "kpi") {
            "yaml"
        } else {
            "kpi"
        };
        let out = dir.join(format!("c{i}.{to}"));
        let (code, _, err) = kpi(&[
            "convert",
            p.to_str().unwrap(),
            "--to",
            to,
            "-o",
            out.to_str().unwrap(),
        ])
        .parts();
        assert_eq!(code, 0, "{}: {err}", p.display());
        let back_to = if to == "yaml" { "kpi" } else { "yaml" };
        let (code, back, err) = kpi(&["convert", out.to_str().unwrap(), "--to", back_to]).parts();
        assert_eq!(code, 0, "{}: {err}", p.display());
        assert!(!back.is_empty());
        n += 1;
    }
    assert!(n >= 5, "only {n} files");
}
