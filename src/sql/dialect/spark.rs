//! Spark SQL 3.1+ (and Databricks); executed by the tests in a local Spark 4 session
//! (tests/it/sql_spark.rs).

use super::{series_step, Dialect, SqlType};
use crate::data::period::Grain;

/// Spark SQL (and Databricks).
pub struct Spark;

impl Dialect for Spark {
    fn name(&self) -> &'static str {
        "spark"
    }

    fn quote_ident(&self, s: &str) -> String {
        format!("`{}`", s.replace('`', "``"))
    }

    fn string_literal(&self, s: &str) -> String {
        format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
    }

    fn type_name(&self, t: SqlType) -> &'static str {
        match t {
            SqlType::Double => "DOUBLE",
            SqlType::Decimal => "DECIMAL(38, 6)",
            SqlType::Text => "STRING",
            SqlType::Date => "DATE",
            SqlType::Bool => "BOOLEAN",
            SqlType::BigInt => "BIGINT",
        }
    }

    fn matches_regex(&self, e: &str, re: &str) -> String {
        format!("{e} RLIKE '{re}'")
    }

    /// Spark timestamps are instants shown in the session zone; an offset text is
    /// parsed into the instant it names whatever the session zone.
    fn parse_instant(&self, c: &str) -> String {
        format!("CAST({c} AS TIMESTAMP)")
    }

    fn text_to_date(&self, e: &str) -> String {
        format!("to_date({e})")
    }

    /// A Spark `TIMESTAMP` is an instant: shifted to the zone's wall time, its epoch
    /// seconds give the day whatever the session zone.
    fn instant_day(&self, ts: &str, tz: &str) -> String {
        format!(
            "date_from_unix_date(CAST(floor(unix_seconds(from_utc_timestamp({ts}, {})) / 86400) AS INT))",
            self.string_literal(tz)
        )
    }

    /// Open-source Spark replaces only v2 tables (Delta, Iceberg): the table is
    /// dropped, then created in the session's default format (Parquet; Delta on
    /// Databricks). Not atomic: readers may briefly find no table.
    fn materialize(&self, table: &str, query: &str) -> String {
        format!(
            "DROP TABLE IF EXISTS {table};\nCREATE TABLE {table} AS\n{};\n",
            query.trim_end().trim_end_matches(';')
        )
    }

    fn period_start(&self, day: &str, grain: Grain) -> String {
        format!("trunc({day}, '{}')", grain.as_str().to_uppercase())
    }

    fn add_days(&self, day: &str, n: i64) -> String {
        format!("date_add({day}, {n})")
    }

    fn add_months(&self, day: &str, n: i64) -> String {
        format!("add_months({day}, {n})")
    }

    fn days_between(&self, a: &str, b: &str) -> String {
        format!("datediff({b}, {a})")
    }

    /// `weekofyear` is the ISO week; the ISO year is the year of the week's Thursday.
    fn iso_week_label(&self, monday: &str) -> String {
        format!(
            "concat(CAST(year(date_add({monday}, 3)) AS STRING), '-W', lpad(CAST(weekofyear({monday}) AS STRING), 2, '0'))"
        )
    }

    fn date_label(&self, start: &str, grain: Grain) -> String {
        match grain {
            Grain::Day => format!("date_format({start}, 'yyyy-MM-dd')"),
            Grain::Month => format!("date_format({start}, 'yyyy-MM')"),
            Grain::Quarter => format!(
                "concat(date_format({start}, 'yyyy'), '-Q', CAST(quarter({start}) AS STRING))"
            ),
            _ => format!("date_format({start}, 'yyyy')"),
        }
    }

    fn period_series(&self, from: &str, start: &str, end: &str, grain: Grain, col: &str) -> String {
        let (days, n) = series_step(grain);
        let step = if days {
            format!("INTERVAL {n} DAYS")
        } else {
            format!("INTERVAL {n} MONTHS")
        };
        format!("SELECT explode(sequence({start}, {end}, {step})) AS {col} FROM {from}")
    }

    /// Spark's `percentile` is exact, with linear interpolation.
    fn trim_trailing(&self, e: &str, ch: char) -> String {
        format!("TRIM(TRAILING '{ch}' FROM {e})")
    }

    fn percentile(&self, value: &str, fraction: f64) -> Result<String, String> {
        Ok(format!(
            "percentile({value}, {})",
            super::float_text(fraction)
        ))
    }
}
