//! Differential tests in DuckDB (driven through its Python package, the CSV exports
//! read with `read_csv`): the shipped examples and the golden fixtures evaluated
//! in-process and as DuckDB SQL give the same tables, floats to 1e-9 relative.
//! Skipped with a message when `python3 -c 'import duckdb'` fails; a failure under
//! `CI=true`. The runner: `support::engines`; DuckDB's part: `support::duckdb`.

use crate::support::duckdb::DuckDbEngine;
use crate::support::engines::{compare, materialize, Materialize, Reference};
use crate::support::sql::{GOLDEN, MIXED, TIME};

#[test]
fn duckdb_shipped_examples_match_the_in_process_engine() {
    compare(
        "duckdb_shipped_examples",
        &DuckDbEngine,
        &["sales", "teams"],
    );
}

#[test]
fn duckdb_golden_fixtures_match_the_in_process_engine() {
    compare("duckdb_golden_fixtures", &DuckDbEngine, &GOLDEN);
}

#[test]
fn duckdb_dst_and_iso_week_year_boundaries_match_the_in_process_engine() {
    compare("duckdb_dst_iso_weeks", &DuckDbEngine, &TIME);
}

#[test]
fn duckdb_generated_rows_over_every_supported_construct_match_the_in_process_engine() {
    compare("duckdb_generated_rows", &DuckDbEngine, &MIXED);
}

/// `kpi sql --materialize` from the command line: the statement creates the table in
/// DuckDB (and replaces it when run again), and the table holds `kpi eval`'s rows.
#[test]
fn duckdb_materialized_table_holds_the_engines_rows() {
    let m = Materialize {
        name: "kpi_out.team_month",
        metrics: "calls,won_amount,hit_rate",
        starts: "CREATE OR REPLACE TABLE \"kpi_out\".\"team_month\" AS\n",
        reference: Reference::KpiEval,
    };
    materialize("duckdb_materialize", &DuckDbEngine, &m);
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
