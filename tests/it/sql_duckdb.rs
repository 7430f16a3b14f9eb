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

/// `kpi sql --materialize` from the command line: the statement creates the table in
/// DuckDB (and replaces it when run again), and the table holds the engine's rows.
#[test]
fn duckdb_materialized_table_holds_the_engines_rows() {
    let test = "duckdb_materialize";
    if !duckdb_available(test) {
        return;
    }
    let args = [
        "--by",
        "team",
        "--grain",
        "month",
        "--metrics",
        "calls,won_amount,hit_rate",
    ];
    let mut sql_args = vec![
        "sql",
        "metrics/sales.kpi",
        "--dialect",
        "duckdb",
        "--materialize",
        "kpi_out.team_month",
    ];
    sql_args.extend_from_slice(&args);
    let r = crate::support::kpi(&sql_args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("CREATE OR REPLACE TABLE \"kpi_out\".\"team_month\" AS\n"),
        "{}",
        &r.stdout[..80]
    );
    let suite = suites_named(&["sales"]).remove(0);
    let graph = compile(suite.defs);
    let mut job = DuckJob::new(&graph, &suite.data);
    job.queries
        .push("CREATE SCHEMA IF NOT EXISTS kpi_out".into());
    // Twice: the second run replaces the table.
    job.queries.push(r.stdout.clone());
    job.queries.push(r.stdout.clone());
    job.queries
        .push("SELECT * FROM kpi_out.team_month ORDER BY 1, 2".into());
    let got = run_duckdb(&[job]).remove(0);
    let table = got[3]
        .as_ref()
        .unwrap_or_else(|e| panic!("{test}: DuckDB: {e}"));
    let mut eval_args = vec!["eval", "metrics/sales.kpi", "--format", "csv"];
    eval_args.extend_from_slice(&args);
    let want = crate::support::kpi(&eval_args);
    assert_eq!(want.code, 0, "{}", want.stderr);
    let want = crate::support::eval::Table::parse(&want.stdout);
    assert_eq!(table.header, want.header);
    assert_eq!(table.rows.len(), want.rows.len());
    for (g, w) in table.rows.iter().zip(&want.rows) {
        for (k, (a, b)) in g.iter().zip(w).enumerate() {
            let (a, b) = (a.clone().unwrap_or_default(), b.clone());
            let same = a == b
                || matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(x), Ok(y)) if (x - y).abs() <= 1e-9 * y.abs().max(1.0));
            assert!(same, "{test}: {} {a} vs {b}", table.header[k]);
        }
    }
    say(&format!(
        "{test}: {} rows of the materialized table equal kpi eval's",
        table.rows.len()
    ));
}

#[test]
fn materialize_refuses_a_name_that_is_no_table() {
    for bad in ["a..b", "", "a.b.c.d", " .t"] {
        let r = crate::support::kpi(&["sql", "metrics/sales.kpi", "--materialize", bad]);
        assert_eq!(r.code, 2, "{bad}: {}", r.stderr);
        assert!(
            r.stderr.contains("is not a table name"),
            "{bad}: {}",
            r.stderr
        );
    }
}
