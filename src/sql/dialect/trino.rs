//! Trino (generated and snapshot-tested; not executed by the tests).

use super::{series_step, Dialect, SqlType};
use crate::data::period::Grain;

/// Trino (and Presto-compatible engines).
pub struct Trino;

impl Dialect for Trino {
    fn name(&self) -> &'static str {
        "trino"
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
        format!("regexp_like({e}, '{re}')")
    }

    fn parse_instant(&self, c: &str) -> String {
        format!("from_iso8601_timestamp(replace({c}, ' ', 'T'))")
    }

    fn period_start(&self, day: &str, grain: Grain) -> String {
        format!("date_trunc('{}', {day})", grain.as_str())
    }

    fn add_days(&self, day: &str, n: i64) -> String {
        format!("date_add('day', {n}, {day})")
    }

    fn add_months(&self, day: &str, n: i64) -> String {
        format!("date_add('month', {n}, {day})")
    }

    fn days_between(&self, a: &str, b: &str) -> String {
        format!("date_diff('day', {a}, {b})")
    }

    fn iso_week_label(&self, monday: &str) -> String {
        format!("date_format({monday}, '%x-W%v')")
    }

    fn date_label(&self, start: &str, grain: Grain) -> String {
        match grain {
            Grain::Day => format!("date_format({start}, '%Y-%m-%d')"),
            Grain::Month => format!("date_format({start}, '%Y-%m')"),
            Grain::Quarter => {
                format!("date_format({start}, '%Y') || '-Q' || CAST(quarter({start}) AS VARCHAR)")
            }
            _ => format!("date_format({start}, '%Y')"),
        }
    }

    fn period_series(&self, from: &str, start: &str, end: &str, grain: Grain, col: &str) -> String {
        let (days, n) = series_step(grain);
        let step = if days {
            format!("INTERVAL '{n}' DAY")
        } else {
            format!("INTERVAL '{n}' MONTH")
        };
        format!(
            "SELECT s.x AS {col} FROM {from} CROSS JOIN UNNEST(sequence({start}, {end}, {step})) AS s(x)"
        )
    }

    fn percentile(&self, _value: &str, _fraction: f64) -> Result<String, String> {
        Err("Trino has no exact percentile aggregate (only approx_percentile)".into())
    }
}
