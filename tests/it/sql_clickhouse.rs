//! Differential tests in ClickHouse (chDB, ClickHouse in-process, through its Python
//! package; the CSV exports loaded into tables typed as `kpi load` types them): the
//! shipped examples, the golden fixtures, the DST/ISO-week boundaries and the
//! generated rows evaluated in-process and as ClickHouse SQL give the same tables,
//! floats to 1e-9 relative, under two session time zones (`session_timezone` UTC
//! and America/New_York: the SQL must not depend on it). Skipped with a message
//! when chDB is missing; a failure under `CI=true`. The runner: `support::engines`;
//! ClickHouse's part: `support::clickhouse`.

use crate::support::clickhouse::ClickHouseEngine;
use crate::support::engines::{compare, materialize, session_zones, Materialize, Reference};
use crate::support::sql::{GOLDEN, MIXED, TIME};

#[test]
fn clickhouse_shipped_examples_match_the_in_process_engine() {
    compare(
        "clickhouse_shipped_examples",
        &ClickHouseEngine,
        &["sales", "teams"],
    );
}

#[test]
fn clickhouse_golden_fixtures_match_the_in_process_engine() {
    compare("clickhouse_golden_fixtures", &ClickHouseEngine, &GOLDEN);
}

#[test]
fn clickhouse_dst_and_iso_week_year_boundaries_match_the_in_process_engine() {
    compare("clickhouse_dst_iso_weeks", &ClickHouseEngine, &TIME);
}

#[test]
fn clickhouse_generated_rows_over_every_supported_construct_match_the_in_process_engine() {
    compare("clickhouse_generated_rows", &ClickHouseEngine, &MIXED);
}

/// Amsterdam's days in `dst.kpi` cut the same whatever the session's own zone is,
/// and the zone is the one set.
#[test]
fn clickhouse_day_cut_does_not_depend_on_the_session_time_zone() {
    session_zones("clickhouse_session_zones", &ClickHouseEngine);
}

/// `kpi sql --dialect clickhouse --materialize` from the command line: the statement
/// creates a MergeTree table (nullable columns) and replaces it when run again; the
/// table holds the engine's rows, a null among them (`avg_deal_size`).
#[test]
fn clickhouse_materialized_table_holds_the_engines_rows() {
    let m = Materialize {
        name: "kpi_out.team_month",
        metrics: "calls,won_amount,hit_rate,avg_deal_size",
        starts: "CREATE OR REPLACE TABLE \"kpi_out\".\"team_month\" ENGINE = MergeTree ORDER BY tuple() AS\nWITH\n",
        reference: Reference::InProcess,
    };
    materialize("clickhouse_materialize", &ClickHouseEngine, &m);
}
