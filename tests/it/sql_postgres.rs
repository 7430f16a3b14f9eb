//! Differential tests in PostgreSQL: the shipped examples and the golden fixtures
//! evaluated in-process and as SQL in a real server over the same data (loaded with
//! `COPY`) give the same tables, floats to 1e-9 relative, and `kpi eval --engine
//! postgres` prints what the in-process engine prints. Needs `KPI_TEST_PG_DSN`
//! (skipped with a message without it; a failure under `CI=true`). The runner:
//! `support::engines`; PostgreSQL's part: `support::postgres`.

use crate::support::engines::{compare, compare_suites, materialize, Materialize, Reference};
use crate::support::kpi;
use crate::support::postgres::PostgresEngine;
use crate::support::sql::*;

#[test]
fn pg_shipped_examples_match_the_in_process_engine() {
    compare("pg_shipped_examples", &PostgresEngine, &["sales", "teams"]);
}

#[test]
fn pg_golden_fixtures_match_the_in_process_engine() {
    compare("pg_golden_fixtures", &PostgresEngine, &GOLDEN);
}

#[test]
fn pg_dst_and_iso_week_year_boundaries_match_the_in_process_engine() {
    compare("pg_dst_iso_weeks", &PostgresEngine, &TIME);
}

/// Typed time columns loaded by `kpi load` (`TIMESTAMPTZ` in the definitions' zone):
/// the DST and generated-rows suites with their event time hinted `timestamp`, so
/// local times (one in Amsterdam's spring gap), every odd shape the engine reads
/// (lower-case `z`, no seconds, a comma fraction, a leap second) and offsets are
/// rewritten on the way in and cut into days by PostgreSQL's own functions.
#[test]
fn pg_typed_time_columns_loaded_by_kpi_load_match_the_in_process_engine() {
    let suites = suites_named(&["dst", "mixed"])
        .into_iter()
        .map(|mut suite| {
            let text = std::fs::read_to_string(path(suite.defs)).expect("defs");
            let typed = text.replacen("  time ts\n", "  time ts\n  column ts: timestamp\n", 1);
            assert_ne!(text, typed, "{}: no `time ts` line", suite.defs);
            let file = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("pg_typed_{}.kpi", suite.name));
            std::fs::write(&file, typed).expect("write defs");
            suite.defs = Box::leak(file.to_string_lossy().into_owned().into_boxed_str());
            suite.name = Box::leak(format!("{}_typed", suite.name).into_boxed_str());
            suite
        })
        .collect();
    compare_suites("pg_typed_time", &PostgresEngine, suites);
}

/// `kpi load` copies the exports; `kpi eval --engine postgres` then prints exactly
/// what the in-process engine prints, in every format.
#[test]
fn pg_cli_load_then_eval_engine_postgres_prints_the_same_output() {
    let Some(dsn) = pg_dsn("pg_cli_load_then_eval") else {
        return;
    };
    let (code, _, err) = kpi(&[
        "load",
        "metrics/sales.kpi",
        "--dsn",
        &dsn,
        "--replace",
        "--data",
        "activities=data/activities.csv",
        "--table",
        "activities=kpi_cli.activities",
        "--data",
        "quotas=data/quotas.csv",
        "--table",
        "quotas=kpi_cli.quotas",
    ])
    .parts();
    assert_eq!(code, 0, "kpi load: {err}");
    assert!(err.contains("loaded 3927 rows"), "{err}");
    let tables = [
        "--table",
        "activities=kpi_cli.activities",
        "--table",
        "quotas=kpi_cli.quotas",
    ];
    for (by, grain, metrics) in [
        (
            "team",
            "month",
            "calls,hit_rate,won_amount,outbound,attainment",
        ),
        ("rep", "week", "touches,avg_deal_size,inbound,quota"),
        (
            "team,rep",
            "quarter",
            "won_amount,total_sales,avg_call_minutes,active_reps",
        ),
        // The script function runs in-process over the rows the query returns.
        ("team", "month", "calls,won_amount,commission,attainment"),
        ("rep", "week", "commission"),
    ] {
        for format in ["csv", "json", "table", "md"] {
            let mut a = vec![
                "eval",
                "metrics/sales.kpi",
                "--by",
                by,
                "--grain",
                grain,
                "--metrics",
                metrics,
                "--format",
                format,
            ];
            let (ca, want, ea) = kpi(&a).parts();
            assert_eq!(ca, 0, "{ea}");
            a.extend(["--engine", "postgres", "--dsn", &dsn]);
            a.extend(tables);
            let (cb, got, eb) = kpi(&a).parts();
            assert_eq!(cb, 0, "{eb}");
            // The warehouse gives no data extent, so its output has no partial-period
            // note (README, Warehouse SQL): compare the rest.
            let want = match want.find("\nnote: ") {
                Some(i) => want[..i + 1].trim_end_matches('\n').to_string() + "\n",
                None => want,
            };
            assert_eq!(want, got, "--by {by} --grain {grain} --format {format}");
        }
    }
    // Every metric of the shipped definitions, its script function (`commission`)
    // included: the same CSV to the byte.
    let mut a = vec![
        "eval",
        "metrics/sales.kpi",
        "--by",
        "team",
        "--grain",
        "month",
        "--format",
        "csv",
    ];
    let (_, want, _) = kpi(&a).parts();
    a.extend(["--engine", "postgres", "--dsn", &dsn]);
    a.extend(tables);
    let (code, got, err) = kpi(&a).parts();
    assert_eq!(code, 0, "{err}");
    assert!(want.contains(",commission\n") || want.lines().next().unwrap().ends_with("commission"));
    assert_eq!(want, got);
    // What SQL cannot express yet is an error naming the construct and the dialect.
    let mut a = vec![
        "eval",
        "metrics/sales.kpi",
        "--metrics",
        "inbound_journey",
        "--engine",
        "postgres",
        "--dsn",
        &dsn,
    ];
    a.extend(tables);
    let (code, _, err) = kpi(&a).parts();
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("journey funnel `inbound_journey`") && err.contains("postgres"),
        "{err}"
    );
}

/// `kpi load` reads an export through its source's entries: the European Excel CSV
/// of `metrics/clients/nordwerk.kpi` (Windows-1252, `;`, decimal commas, a day-first
/// time, `NULL`, German headers) lands as the engine reads it, and the warehouse's
/// answer is the engine's.
#[test]
fn pg_cli_load_reads_an_export_through_its_source() {
    let Some(dsn) = pg_dsn("pg_cli_load_export") else {
        return;
    };
    let defs = "metrics/clients/nordwerk.kpi";
    let (code, _, err) = kpi(&[
        "load",
        defs,
        "--data",
        "deals=data/exports/nordwerk_deals.csv",
        "--dsn",
        &dsn,
        "--replace",
        "--table",
        "deals=kpi_export.deals",
    ])
    .parts();
    assert_eq!(code, 0, "kpi load: {err}");
    assert!(err.contains("loaded 8 rows"), "{err}");
    for by in ["rep", "region"] {
        let args = [
            "eval", defs, "--by", by, "--grain", "month", "--format", "csv",
        ];
        let (ca, want, ea) = kpi(&args).parts();
        assert_eq!(ca, 0, "{ea}");
        let mut b = args.to_vec();
        b.extend([
            "--engine",
            "postgres",
            "--dsn",
            &dsn,
            "--table",
            "deals=kpi_export.deals",
        ]);
        let (cb, got, eb) = kpi(&b).parts();
        assert_eq!(cb, 0, "{eb}");
        assert_eq!(want, got, "--by {by}");
    }
}

/// A wrong DSN is a usage error (exit 2), not a panic.
#[test]
fn engine_postgres_without_a_server_is_a_usage_error() {
    let (code, _, err) = kpi(&[
        "eval",
        "metrics/sales.kpi",
        "--metrics",
        "calls",
        "--engine",
        "postgres",
        "--dsn",
        "host=127.0.0.1 port=1 user=nobody connect_timeout=2",
    ])
    .parts();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot connect to PostgreSQL"), "{err}");
    let (code, _, err) = kpi(&[
        "eval",
        "metrics/sales.kpi",
        "--metrics",
        "calls",
        "--engine",
        "postgres",
    ])
    .parts();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--dsn"), "{err}");
}

#[test]
fn pg_generated_rows_over_every_supported_construct_match_the_in_process_engine() {
    compare("pg_generated_rows", &PostgresEngine, &MIXED);
}

/// `kpi sql --dialect postgres --materialize` from the command line: the script
/// (drop and create in one transaction) runs in PostgreSQL, twice, and the table
/// holds `kpi eval`'s rows.
#[test]
fn pg_materialized_table_holds_the_engines_rows() {
    let m = Materialize {
        name: "kpi_pg_materialize.team_month",
        metrics: "calls,won_amount,hit_rate",
        starts: "BEGIN;\nDROP TABLE IF EXISTS \"kpi_pg_materialize\".\"team_month\";\nCREATE TABLE",
        reference: Reference::KpiEval,
    };
    materialize("pg_materialize", &PostgresEngine, &m);
}
