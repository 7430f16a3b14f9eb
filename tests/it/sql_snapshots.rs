//! The generated SQL of every dialect, as insta snapshots, each parsed with the
//! matching `sqlparser` dialect (Trino has none there: the generic one). What a
//! dialect cannot express is snapshotted as its error. No server needed.

use crate::support::kpi;
use std::collections::HashMap;

use crate::support::sql::*;
use kpi::sql::{dialect_by_name, DIALECTS};
use sqlparser::dialect::{
    BigQueryDialect, ClickHouseDialect, Dialect, DuckDbDialect, GenericDialect, PostgreSqlDialect,
    SnowflakeDialect, SparkSqlDialect,
};
use sqlparser::parser::Parser;

fn parser_dialect(name: &str) -> Box<dyn Dialect> {
    match name {
        "postgres" => Box::new(PostgreSqlDialect {}),
        "duckdb" => Box::new(DuckDbDialect {}),
        "spark" => Box::new(SparkSqlDialect {}),
        "bigquery" => Box::new(BigQueryDialect {}),
        "snowflake" => Box::new(SnowflakeDialect {}),
        "clickhouse" => Box::new(ClickHouseDialect {}),
        _ => Box::new(GenericDialect {}),
    }
}

/// The SQL (or the error) of `case` over `defs` in every dialect: snapshotted as
/// `<name>@<dialect>`, and every query parsed.
fn snapshot_all(name: &str, defs: &str, case: Case, tables: &[(&str, &str)]) {
    let graph = compile(defs);
    let req = case.request(&graph, &[]);
    let tables: HashMap<String, String> = tables
        .iter()
        .map(|(s, t)| (s.to_string(), t.to_string()))
        .collect();
    for dialect in DIALECTS {
        let d = dialect_by_name(dialect).expect("dialect");
        let text = match kpi::sql::generate(&graph, &req, d.as_ref(), &tables) {
            Ok(q) => {
                let parsed = Parser::parse_sql(parser_dialect(dialect).as_ref(), &q.sql);
                assert!(
                    matches!(&parsed, Ok(stmts) if stmts.len() == 1),
                    "{name} in {dialect} does not parse: {:?}\n{}",
                    parsed.err(),
                    q.sql
                );
                q.sql
            }
            Err(e) => format!("error: {e}\n"),
        };
        insta::with_settings!({ omit_expression => true, description => format!("kpi sql {defs} --dialect {dialect} {}", case.label()) }, {
            insta::assert_snapshot!(format!("{name}@{dialect}"), text);
        });
    }
}

#[test]
fn sales_two_sources_funnel_by_team_and_month() {
    snapshot_all(
        "sales_team_month",
        "metrics/sales.kpi",
        Case::new("team", "month")
            .metrics("calls,won_amount,hit_rate,avg_call_minutes,active_reps,outbound,attainment"),
        &[("activities", "crm.activities"), ("quotas", "crm.quotas")],
    );
}

#[test]
fn window_functions_and_workdays_by_rep_and_month() {
    snapshot_all(
        "windows_rep_month",
        "tests/fixtures/eval/windows.kpi",
        Case::new("rep", "month"),
        &[],
    );
}

#[test]
fn holidays_in_a_filled_week_range() {
    snapshot_all(
        "workdays_rep_week_range_fill",
        "tests/fixtures/eval/workdays.kpi",
        Case::new("rep", "week")
            .range(Some("2026-12-23"), Some("2027-01-02"))
            .fill(),
        &[],
    );
}

#[test]
fn every_aggregation_by_team() {
    snapshot_all(
        "aggs_team",
        "tests/fixtures/eval/aggs.kpi",
        Case::new("team", "all"),
        &[],
    );
}

#[test]
fn days_cut_in_a_time_zone_with_dst() {
    snapshot_all(
        "dst_rep_day",
        "tests/fixtures/eval/dst.kpi",
        Case::new("rep", "day"),
        &[],
    );
}

#[test]
fn two_sources_without_groups_or_periods() {
    snapshot_all(
        "msrc_all",
        "tests/fixtures/eval/msrc.kpi",
        Case::new("", "all"),
        &[],
    );
}

#[test]
fn row_expressions_derived_columns_and_null_tests_by_size_and_week() {
    snapshot_all(
        "rows_size_week",
        "tests/fixtures/eval/rows.kpi",
        // Not the median and percentile: not every dialect has an exact one.
        Case::new("size", "week").metrics(
            "revenue,net,lines,priced,no_discount,discounted,no_team,avg_line,biggest,sizes,large_revenue,share_large,line_values",
        ),
        &[],
    );
}

#[test]
fn lookups_with_validity_by_team_and_month() {
    snapshot_all(
        "lookup_team_month",
        "tests/fixtures/eval/lookup.kpi",
        Case::new("team,category", "month"),
        &[("reps", "crm.reps")],
    );
}

#[test]
fn typed_time_and_date_columns_use_native_types() {
    snapshot_all(
        "typed_rep_day",
        "tests/fixtures/sql/typed.kpi",
        Case::new("rep", "day").range(Some("2026-03-07"), Some("2026-03-09")),
        &[],
    );
}

/// Journey funnels and script functions are errors naming the construct and the
/// dialect, in every dialect; so are median/percentile where there is no exact one.
#[test]
fn unsupported_constructs_are_clear_errors() {
    let graph = compile("metrics/sales.kpi");
    for (metrics, construct) in [
        ("inbound_journey", "journey funnel `inbound_journey`"),
        ("commission", "script function `tiered_commission`"),
    ] {
        let req = Case::new("rep", "month")
            .metrics(metrics)
            .request(&graph, &[]);
        for dialect in DIALECTS {
            let d = dialect_by_name(dialect).expect("dialect");
            let err = kpi::sql::generate(&graph, &req, d.as_ref(), &HashMap::new())
                .expect_err("unsupported")
                .to_string();
            assert!(
                err.contains(construct) && err.contains(dialect),
                "{metrics} in {dialect}: {err}"
            );
        }
    }
    let graph = compile("tests/fixtures/eval/aggs.kpi");
    let req = Case::new("", "all").metrics("med").request(&graph, &[]);
    for (dialect, ok) in [
        ("postgres", true),
        ("duckdb", true),
        ("spark", true),
        ("snowflake", true),
        ("clickhouse", true),
        ("trino", false),
        ("bigquery", false),
    ] {
        let d = dialect_by_name(dialect).expect("dialect");
        let r = kpi::sql::generate(&graph, &req, d.as_ref(), &HashMap::new());
        assert_eq!(r.is_ok(), ok, "median in {dialect}: {:?}", r.err());
        if let Err(e) = r {
            assert!(e.to_string().contains("median(acts.amount)"), "{e}");
        }
    }
}

/// `kpi sql`: a query per dialect on stdout (or `-o FILE`); usage problems exit 2,
/// what a dialect cannot express exits 1 naming the construct and the dialect.
#[test]
fn cli_sql_prints_the_query_or_a_clear_error() {
    for dialect in DIALECTS {
        let (code, out, err) = kpi(&[
            "sql",
            "metrics/sales.kpi",
            "--dialect",
            dialect,
            "--by",
            "team,rep",
            "--grain",
            "week",
            "--metrics",
            "calls,outbound,attainment",
            "--from",
            "2026-02-01",
            "--to",
            "2026-03-31",
            "--fill",
            "--table",
            "activities=crm.activities",
            "--set",
            "calls_per_day_target=5",
        ])
        .parts();
        assert_eq!(code, 0, "{dialect}: {err}");
        assert!(
            out.starts_with("WITH\n") && out.contains("crm"),
            "{dialect}: {out}"
        );
        let parsed = Parser::parse_sql(parser_dialect(dialect).as_ref(), &out);
        assert!(parsed.is_ok(), "{dialect}: {:?}", parsed.err());
    }
    let file = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("kpi_sql_out.sql");
    let (code, out, err) = kpi(&[
        "sql",
        "metrics/sales.kpi",
        "--metrics",
        "calls",
        "-o",
        &file.to_string_lossy(),
    ])
    .parts();
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert!(std::fs::read_to_string(&file)
        .expect("written")
        .contains("COUNT(*) FILTER"));

    let (code, _, err) = kpi(&["sql", "metrics/sales.kpi", "--dialect", "oracle"]).parts();
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("unknown dialect `oracle`") && err.contains("snowflake"),
        "{err}"
    );
    let (code, _, err) = kpi(&[
        "sql",
        "metrics/sales.kpi",
        "--metrics",
        "calls",
        "--table",
        "activitis=x",
    ])
    .parts();
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no source `activitis`") && err.contains("activities"),
        "{err}"
    );
    let (code, _, err) = kpi(&[
        "sql",
        "metrics/sales.kpi",
        "--metrics",
        "calls",
        "--by",
        "nope",
    ])
    .parts();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no dimension `nope`"), "{err}");
    let (code, _, err) = kpi(&[
        "sql",
        "metrics/sales.kpi",
        "--dialect",
        "bigquery",
        "--metrics",
        "inbound_journey.won",
    ])
    .parts();
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("journey funnel `inbound_journey`") && err.contains("bigquery SQL"),
        "{err}"
    );
    let (code, _, err) = kpi(&["sql", "metrics/sales.kpi", "--dialect", "trino"]).parts();
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("tiered_commission") && err.contains("trino"),
        "{err}"
    );
    let (code, _, err) = kpi(&[
        "eval",
        "metrics/sales.kpi",
        "--metrics",
        "calls",
        "--dsn",
        "x",
    ])
    .parts();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--engine postgres"), "{err}");
}
