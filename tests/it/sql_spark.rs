//! Differential tests in Apache Spark (a local session through PySpark, the CSV
//! exports registered as views): the shipped examples, the golden fixtures, the
//! DST/ISO-week boundaries and the generated rows evaluated in-process and as Spark
//! SQL give the same tables, floats to 1e-9 relative, under two session time zones
//! (UTC and America/New_York: the SQL must not depend on
//! `spark.sql.session.timeZone`; which cases run under the second:
//! `SparkEngine::second_zone`). Skipped with a message when PySpark or Java is
//! missing; a failure under `CI=true`. The runner: `support::engines`; Spark's part:
//! `support::spark`.

use crate::support::engines::{compare, materialize, session_zones, Materialize, Reference};
use crate::support::spark::SparkEngine;
use crate::support::sql::{GOLDEN, MIXED, TIME};

#[test]
fn spark_shipped_examples_match_the_in_process_engine() {
    compare("spark_shipped_examples", &SparkEngine, &["sales", "teams"]);
}

#[test]
fn spark_golden_fixtures_match_the_in_process_engine() {
    compare("spark_golden_fixtures", &SparkEngine, &GOLDEN);
}

#[test]
fn spark_dst_and_iso_week_year_boundaries_match_the_in_process_engine() {
    compare("spark_dst_iso_weeks", &SparkEngine, &TIME);
}

#[test]
fn spark_generated_rows_over_every_supported_construct_match_the_in_process_engine() {
    compare("spark_generated_rows", &SparkEngine, &MIXED);
}

/// Amsterdam's days in `dst.kpi` cut the same whatever the session's own zone is,
/// and the zone is the one set.
#[test]
fn spark_day_cut_does_not_depend_on_the_session_time_zone() {
    session_zones("spark_session_zones", &SparkEngine);
}

/// `kpi sql --dialect spark --materialize` from the command line: run twice as one
/// script (the second run replaces the table), the table holds the engine's rows.
#[test]
fn spark_materialized_table_holds_the_engines_rows() {
    let m = Materialize {
        name: "kpi_out.team_month",
        metrics: "calls,won_amount,hit_rate",
        starts:
            "DROP TABLE IF EXISTS `kpi_out`.`team_month`;\nCREATE TABLE `kpi_out`.`team_month` AS\n",
        reference: Reference::InProcess,
    };
    materialize("spark_materialize", &SparkEngine, &m);
}
