//! Differential tests in DuckDB (driven through its Python package, the CSV exports
//! read with `read_csv`): the shipped examples and the golden fixtures evaluated
//! in-process and as DuckDB SQL give the same tables, floats to 1e-9 relative.
//! Skipped with a message when `python3 -c 'import duckdb'` fails; a failure under
//! `CI=true`.

use std::collections::HashMap;

use crate::support::sql::*;
use kpi::sql::dialect::DuckDb;

fn compare(test: &str, names: &[&str]) {
    if !duckdb_available(test) {
        return;
    }
    let suites = suites_named(names);
    let mut jobs = Vec::new();
    let mut wants = Vec::new();
    for suite in &suites {
        let graph = compile(suite.defs);
        let mut job = DuckJob::new(&graph, &suite.data);
        let mut want = Vec::new();
        for case in &suite.cases {
            let ctx = format!("{test}: {} {}", suite.defs, case.label());
            let req = case.request(&graph, &suite.data);
            let out = kpi::eval::evaluate(&graph, &req).unwrap_or_else(|e| panic!("{ctx}: {e}"));
            let q = kpi::sql::generate(&graph, &req, &DuckDb, &HashMap::new())
                .unwrap_or_else(|e| panic!("{ctx}: {e}"));
            job.queries.push(q.sql);
            want.push((ctx, table_of(&out)));
        }
        jobs.push(job);
        wants.push(want);
    }
    let got = run_duckdb(&jobs);
    let (mut evals, mut cells) = (0, 0);
    for (want, got) in wants.iter().zip(&got) {
        for ((ctx, w), g) in want.iter().zip(got) {
            let g = g.as_ref().unwrap_or_else(|e| panic!("{ctx}: DuckDB: {e}"));
            cells += assert_same(ctx, w, g);
            evals += 1;
        }
    }
    say(&format!(
        "{test}: {evals} evaluations, {cells} cells equal in DuckDB"
    ));
}

#[test]
fn duckdb_shipped_examples_match_the_in_process_engine() {
    compare("duckdb_shipped_examples", &["sales", "teams"]);
}

#[test]
fn duckdb_golden_fixtures_match_the_in_process_engine() {
    compare("duckdb_golden_fixtures", &GOLDEN);
}

#[test]
fn duckdb_dst_and_iso_week_year_boundaries_match_the_in_process_engine() {
    compare("duckdb_dst_iso_weeks", &TIME);
}

#[test]
fn duckdb_generated_rows_over_every_supported_construct_match_the_in_process_engine() {
    compare("duckdb_generated_rows", &MIXED);
}
