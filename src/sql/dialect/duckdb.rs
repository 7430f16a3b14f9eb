//! DuckDB (executed by the tests through its Python package).

use super::{series_step, Dialect, SqlType};
use crate::data::period::Grain;

/// DuckDB 1.0 or later (with the bundled ICU extension for time zones).
pub struct DuckDb;

impl Dialect for DuckDb {
    fn name(&self) -> &'static str {
        "duckdb"
    }

    fn type_name(&self, t: SqlType) -> &'static str {
        match t {
            SqlType::Double => "DOUBLE",
            SqlType::Decimal => "DECIMAL(38, 6)",
            SqlType::Text => "VARCHAR",
            SqlType::Date => "DATE",
            SqlType::Bool => "BOOLEAN",
            SqlType::BigInt => "BIGINT",
        }
    }

    fn matches_regex(&self, e: &str, re: &str) -> String {
        format!("regexp_matches({e}, '{re}')")
    }

    fn parse_instant(&self, c: &str) -> String {
        format!("CAST({c} AS TIMESTAMPTZ)")
    }

    /// `timezone(tz, TIMESTAMPTZ)` is the zone's wall time (ICU). In UTC the day is
    /// the epoch's microseconds as a plain `TIMESTAMP`, without ICU.
    fn instant_day(&self, ts: &str, tz: &str) -> String {
        if matches!(tz, "UTC" | "Etc/UTC") {
            format!("CAST(make_timestamp(epoch_us({ts})) AS DATE)")
        } else {
            format!("CAST(timezone({}, {ts}) AS DATE)", self.string_literal(tz))
        }
    }

    fn add_months(&self, day: &str, n: i64) -> String {
        format!("CAST({day} + INTERVAL ({n}) MONTH AS DATE)")
    }

    fn days_between(&self, a: &str, b: &str) -> String {
        format!("date_diff('day', {a}, {b})")
    }

    fn iso_week_label(&self, monday: &str) -> String {
        format!("strftime({monday}, '%G-W%V')")
    }

    fn date_label(&self, start: &str, grain: Grain) -> String {
        match grain {
            Grain::Day => format!("strftime({start}, '%Y-%m-%d')"),
            Grain::Month => format!("strftime({start}, '%Y-%m')"),
            Grain::Quarter => {
                format!("strftime({start}, '%Y') || '-Q' || CAST(quarter({start}) AS VARCHAR)")
            }
            _ => format!("strftime({start}, '%Y')"),
        }
    }

    fn period_series(&self, from: &str, start: &str, end: &str, grain: Grain, col: &str) -> String {
        let (days, n) = series_step(grain);
        let step = if days {
            format!("INTERVAL ({n}) DAY")
        } else {
            format!("INTERVAL ({n}) MONTH")
        };
        format!(
            "SELECT CAST(s.x AS DATE) AS {col} FROM {from} CROSS JOIN generate_series(CAST({start} AS TIMESTAMP), CAST({end} AS TIMESTAMP), {step}) AS s(x)"
        )
    }
}
