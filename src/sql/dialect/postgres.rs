//! PostgreSQL (executed by the tests and `kpi eval --engine postgres`).

use super::{series_step, Dialect, SqlType};
use crate::data::period::Grain;

/// PostgreSQL 12 or later.
pub struct Postgres;

impl Dialect for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn type_name(&self, t: SqlType) -> &'static str {
        match t {
            SqlType::Double => "DOUBLE PRECISION",
            SqlType::Decimal => "NUMERIC",
            SqlType::Text => "TEXT",
            SqlType::Date => "DATE",
            SqlType::Bool => "BOOLEAN",
            SqlType::BigInt => "BIGINT",
        }
    }

    /// Years before 1 are written `.. BC` (PostgreSQL has no year 0).
    fn date_literal(&self, day: i32) -> String {
        let (y, m, d) = crate::data::period::civil_from_day(day);
        if y <= 0 {
            format!("DATE '{:04}-{m:02}-{d:02} BC'", 1 - y)
        } else {
            format!("DATE '{y:04}-{m:02}-{d:02}'")
        }
    }

    fn matches_regex(&self, e: &str, re: &str) -> String {
        format!("{e} ~ '{re}'")
    }

    fn parse_instant(&self, c: &str) -> String {
        format!("CAST({c} AS TIMESTAMPTZ)")
    }

    /// PostgreSQL has no `CREATE OR REPLACE TABLE`: drop and create in one
    /// transaction, so readers see the old table or the new one.
    fn materialize(&self, table: &str, query: &str) -> String {
        format!(
            "BEGIN;\nDROP TABLE IF EXISTS {table};\nCREATE TABLE {table} AS\n{};\nCOMMIT;\n",
            query.trim_end().trim_end_matches(';')
        )
    }

    fn add_months(&self, day: &str, n: i64) -> String {
        format!("CAST({day} + INTERVAL '{n} months' AS DATE)")
    }

    fn days_between(&self, a: &str, b: &str) -> String {
        format!("({b} - {a})")
    }

    fn iso_week_label(&self, monday: &str) -> String {
        format!("to_char({monday}, 'IYYY-\"W\"IW')")
    }

    fn date_label(&self, start: &str, grain: Grain) -> String {
        let pattern = match grain {
            Grain::Day => "YYYY-MM-DD",
            Grain::Month => "YYYY-MM",
            Grain::Quarter => "YYYY-\"Q\"Q",
            _ => "YYYY",
        };
        format!("to_char({start}, '{pattern}')")
    }

    fn period_series(&self, from: &str, start: &str, end: &str, grain: Grain, col: &str) -> String {
        let (days, n) = series_step(grain);
        let step = if days {
            format!("INTERVAL '{n} days'")
        } else {
            format!("INTERVAL '{n} months'")
        };
        format!(
            "SELECT CAST(s.x AS DATE) AS {col} FROM {from} CROSS JOIN LATERAL generate_series(CAST({start} AS TIMESTAMP), CAST({end} AS TIMESTAMP), {step}) AS s(x)"
        )
    }

    fn binary_order(&self, e: &str) -> String {
        format!("{e} COLLATE \"C\"")
    }
}
