//! Differential tests in ClickHouse (chDB, ClickHouse in-process, through its Python
//! package; the CSV exports loaded into tables typed as `kpi load` types them): the
//! shipped examples, the golden fixtures, the DST/ISO-week boundaries and the
//! generated rows evaluated in-process and as ClickHouse SQL give the same tables,
//! floats to 1e-9 relative, under two session time zones (`session_timezone` UTC
//! and America/New_York: the SQL must not depend on it). Skipped with a message
//! when chDB is missing; a failure under `CI=true`.

use std::collections::HashMap;

use crate::support::clickhouse::{clickhouse_available, run_clickhouse, ChJob};
use crate::support::sql::*;
use kpi::sql::dialect::ClickHouse;

/// The session time zones every case runs under.
const ZONES: [&str; 2] = ["UTC", "America/New_York"];

fn compare(test: &str, names: &[&str]) {
    if !clickhouse_available(test) {
        return;
    }
    let suites = suites_named(names);
    let mut jobs = Vec::new();
    let mut wants = Vec::new();
    for suite in &suites {
        let graph = compile(suite.defs);
        let mut want = Vec::new();
        let mut queries = Vec::new();
        for case in &suite.cases {
            let ctx = format!("{test}: {} {}", suite.defs, case.label());
            let req = case.request(&graph, &suite.data);
            let out = kpi::eval::evaluate(&graph, &req).unwrap_or_else(|e| panic!("{ctx}: {e}"));
            let q = kpi::sql::generate(&graph, &req, &ClickHouse, &HashMap::new())
                .unwrap_or_else(|e| panic!("{ctx}: {e}"));
            queries.push(q.sql);
            want.push((ctx, table_of(&out)));
        }
        for zone in ZONES {
            let mut job = ChJob::new(&graph, &suite.data, zone);
            job.queries = queries.clone();
            jobs.push(job);
            wants.push((zone, want.clone()));
        }
    }
    let began = std::time::Instant::now();
    let got = run_clickhouse(&jobs);
    let took = began.elapsed().as_secs_f64();
    for zone in ZONES {
        let (mut evals, mut cells) = (0, 0);
        for ((z, want), got) in wants.iter().zip(&got) {
            if *z != zone {
                continue;
            }
            for ((ctx, w), g) in want.iter().zip(got) {
                let ctx = format!("{ctx} (session zone {zone})");
                let g = g
                    .as_ref()
                    .unwrap_or_else(|e| panic!("{ctx}: ClickHouse: {e}"));
                cells += assert_same(&ctx, w, g);
                evals += 1;
            }
        }
        say(&format!(
            "{test}: {evals} evaluations, {cells} cells equal in ClickHouse (chDB, session zone {zone})"
        ));
    }
    say(&format!("{test}: {took:.1} s in chDB"));
}

#[test]
fn clickhouse_shipped_examples_match_the_in_process_engine() {
    compare("clickhouse_shipped_examples", &["sales", "teams"]);
}

#[test]
fn clickhouse_golden_fixtures_match_the_in_process_engine() {
    compare("clickhouse_golden_fixtures", &GOLDEN);
}

#[test]
fn clickhouse_dst_and_iso_week_year_boundaries_match_the_in_process_engine() {
    compare("clickhouse_dst_iso_weeks", &TIME);
}

#[test]
fn clickhouse_generated_rows_over_every_supported_construct_match_the_in_process_engine() {
    compare("clickhouse_generated_rows", &MIXED);
}

/// Amsterdam's days in `dst.kpi` (`2026-03-28T22:59:59Z` is 23:59:59 there, on the
/// 28th) cut the same whatever the session's own zone is, and the zone is the one set.
#[test]
fn clickhouse_day_cut_does_not_depend_on_the_session_time_zone() {
    let test = "clickhouse_session_zones";
    if !clickhouse_available(test) {
        return;
    }
    let data = [("acts", "tests/fixtures/eval/dst.csv")];
    let graph = compile("tests/fixtures/eval/dst.kpi");
    let case = Case::new("rep", "day");
    let req = case.request(&graph, &data);
    let want = table_of(&kpi::eval::evaluate(&graph, &req).expect("eval"));
    let sql = kpi::sql::generate(&graph, &req, &ClickHouse, &HashMap::new())
        .expect("sql")
        .sql;
    let zones = ["UTC", "America/New_York", "Europe/Amsterdam", "Asia/Tokyo"];
    let jobs: Vec<ChJob> = zones
        .iter()
        .map(|z| {
            let mut job = ChJob::new(&graph, &data, z);
            job.queries = vec!["SELECT timezone() AS zone".into(), sql.clone()];
            job
        })
        .collect();
    for (zone, got) in zones.iter().zip(run_clickhouse(&jobs)) {
        let ctx = format!("{test} (session zone {zone}): dst.kpi {}", case.label());
        let current = got[0].as_ref().unwrap_or_else(|e| panic!("{ctx}: {e}"));
        assert_eq!(current.rows, vec![vec![Some(zone.to_string())]], "{ctx}");
        let rows = got[1]
            .as_ref()
            .unwrap_or_else(|e| panic!("{ctx}: ClickHouse: {e}"));
        assert_same(&ctx, &want, rows);
    }
    say(&format!(
        "{test}: dst.kpi {} gives the engine's {} rows under {}",
        case.label(),
        want.rows.len(),
        zones.join(", ")
    ));
}

/// `kpi sql --dialect clickhouse --materialize` from the command line: the statement
/// creates a MergeTree table (nullable columns) and replaces it when run again; the
/// table holds the engine's rows.
#[test]
fn clickhouse_materialized_table_holds_the_engines_rows() {
    let test = "clickhouse_materialize";
    if !clickhouse_available(test) {
        return;
    }
    let metrics = "calls,won_amount,hit_rate,avg_deal_size";
    let args = ["--by", "team", "--grain", "month", "--metrics", metrics];
    let mut sql_args = vec!["sql", "metrics/sales.kpi", "--dialect", "clickhouse"];
    sql_args.extend_from_slice(&["--materialize", "kpi_out.team_month"]);
    sql_args.extend_from_slice(&args);
    let r = crate::support::kpi(&sql_args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with(
            "CREATE OR REPLACE TABLE \"kpi_out\".\"team_month\" ENGINE = MergeTree ORDER BY tuple() AS\nWITH\n"
        ),
        "{}",
        &r.stdout[..120]
    );
    assert!(
        r.stdout.ends_with("SETTINGS join_use_nulls = 1;\n"),
        "{}",
        &r.stdout[r.stdout.len() - 80..]
    );
    let suite = suites_named(&["sales"]).remove(0);
    let graph = compile(suite.defs);
    let mut job = ChJob::new(&graph, &suite.data, "UTC");
    job.queries = vec![
        "CREATE DATABASE IF NOT EXISTS kpi_out".into(),
        // Twice: the second run replaces the table.
        r.stdout.clone(),
        r.stdout.clone(),
        "SELECT engine FROM system.tables WHERE database = 'kpi_out' AND name = 'team_month'"
            .into(),
        "SELECT * FROM kpi_out.team_month ORDER BY 1, 2".into(),
        "DROP DATABASE kpi_out".into(),
    ];
    let got = run_clickhouse(&[job]).remove(0);
    for (i, g) in got.iter().enumerate() {
        if let Err(e) = g {
            panic!("{test}: statement {i}: ClickHouse: {e}");
        }
    }
    let engine = got[3].as_ref().expect("engine");
    assert_eq!(engine.rows, vec![vec![Some("MergeTree".to_string())]]);
    let table = got[4].as_ref().expect("rows");
    let case = Case::new("team", "month").metrics(metrics);
    let req = case.request(&graph, &suite.data);
    let want = table_of(&kpi::eval::evaluate(&graph, &req).expect("eval"));
    assert!(want.rows.iter().flatten().any(Option::is_none), "a null");
    let cells = assert_same(test, &want, table);
    say(&format!(
        "{test}: {} rows ({cells} cells) of the materialized table equal kpi eval's",
        table.rows.len()
    ));
}
