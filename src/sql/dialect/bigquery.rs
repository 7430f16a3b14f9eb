//! BigQuery GoogleSQL (generated and snapshot-tested; not executed by the tests).

use super::{series_step, Dialect, SqlType};
use crate::data::period::Grain;

/// BigQuery.
pub struct BigQuery;

impl Dialect for BigQuery {
    fn name(&self) -> &'static str {
        "bigquery"
    }

    fn quote_ident(&self, s: &str) -> String {
        format!("`{}`", s.replace('\\', "\\\\").replace('`', "\\`"))
    }

    fn string_literal(&self, s: &str) -> String {
        format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
    }

    fn type_name(&self, t: SqlType) -> &'static str {
        match t {
            SqlType::Double => "FLOAT64",
            SqlType::Decimal => "NUMERIC",
            SqlType::Text => "STRING",
            SqlType::Date => "DATE",
            SqlType::Bool => "BOOL",
            SqlType::BigInt => "INT64",
        }
    }

    fn matches_regex(&self, e: &str, re: &str) -> String {
        format!("REGEXP_CONTAINS({e}, '{re}')")
    }

    fn parse_instant(&self, c: &str) -> String {
        format!("TIMESTAMP({c})")
    }

    fn instant_day(&self, ts: &str, tz: &str) -> String {
        format!("DATE({ts}, {})", self.string_literal(tz))
    }

    fn period_start(&self, day: &str, grain: Grain) -> String {
        let part = match grain {
            Grain::Week => "ISOWEEK",
            Grain::Month => "MONTH",
            Grain::Quarter => "QUARTER",
            _ => "YEAR",
        };
        format!("DATE_TRUNC({day}, {part})")
    }

    fn add_days(&self, day: &str, n: i64) -> String {
        format!("DATE_ADD({day}, INTERVAL {n} DAY)")
    }

    fn add_months(&self, day: &str, n: i64) -> String {
        format!("DATE_ADD({day}, INTERVAL {n} MONTH)")
    }

    fn days_between(&self, a: &str, b: &str) -> String {
        format!("DATE_DIFF({b}, {a}, DAY)")
    }

    fn iso_week_label(&self, monday: &str) -> String {
        format!("FORMAT_DATE('%G-W%V', {monday})")
    }

    fn date_label(&self, start: &str, grain: Grain) -> String {
        let pattern = match grain {
            Grain::Day => "%Y-%m-%d",
            Grain::Month => "%Y-%m",
            Grain::Quarter => "%Y-Q%Q",
            _ => "%Y",
        };
        format!("FORMAT_DATE('{pattern}', {start})")
    }

    fn period_series(&self, from: &str, start: &str, end: &str, grain: Grain, col: &str) -> String {
        let (days, n) = series_step(grain);
        let unit = if days { "DAY" } else { "MONTH" };
        format!(
            "SELECT s AS {col} FROM {from} CROSS JOIN UNNEST(GENERATE_DATE_ARRAY({start}, {end}, INTERVAL {n} {unit})) AS s"
        )
    }

    fn supports_filter(&self) -> bool {
        false
    }

    fn percentile(&self, _value: &str, _fraction: f64) -> Result<String, String> {
        Err("BigQuery's PERCENTILE_CONT is an analytic function only, not an aggregate".into())
    }
}
