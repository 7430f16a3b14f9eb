//! Snowflake (generated and snapshot-tested; not executed by the tests).

use super::{series_step, Dialect, SqlType};
use crate::data::period::Grain;

/// Snowflake. Weeks assume the default `WEEK_START = 0` (ISO weeks, Monday first).
pub struct Snowflake;

impl Dialect for Snowflake {
    fn name(&self) -> &'static str {
        "snowflake"
    }

    /// Unquoted where the name is a plain lower-case identifier and not a reserved
    /// word, so it resolves to the usual unquoted (upper-cased) column and table
    /// names; quoted (case-sensitive) otherwise.
    fn quote_column(&self, s: &str) -> String {
        let plain = s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if plain && !RESERVED.contains(&s.to_ascii_uppercase().as_str()) {
            s.to_string()
        } else {
            self.quote_ident(s)
        }
    }

    fn string_literal(&self, s: &str) -> String {
        format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
    }

    fn type_name(&self, t: SqlType) -> &'static str {
        match t {
            SqlType::Double => "DOUBLE",
            SqlType::Decimal => "NUMBER(38, 6)",
            SqlType::Text => "VARCHAR",
            SqlType::Date => "DATE",
            SqlType::Bool => "BOOLEAN",
            SqlType::BigInt => "BIGINT",
        }
    }

    /// `REGEXP_LIKE` matches the whole text, hence the leading `.*`.
    fn matches_regex(&self, e: &str, re: &str) -> String {
        format!("REGEXP_LIKE({e}, '.*{re}')")
    }

    fn parse_instant(&self, c: &str) -> String {
        format!("TO_TIMESTAMP_TZ({c})")
    }

    fn text_to_date(&self, e: &str) -> String {
        format!("TO_DATE({e})")
    }

    /// For `TIMESTAMP_TZ` and `TIMESTAMP_LTZ` columns.
    fn instant_day(&self, ts: &str, tz: &str) -> String {
        format!(
            "TO_DATE(CONVERT_TIMEZONE({}, {ts}))",
            self.string_literal(tz)
        )
    }

    fn period_start(&self, day: &str, grain: Grain) -> String {
        format!("DATE_TRUNC('{}', {day})", grain.as_str().to_uppercase())
    }

    fn add_days(&self, day: &str, n: i64) -> String {
        format!("DATEADD(day, {n}, {day})")
    }

    fn add_months(&self, day: &str, n: i64) -> String {
        format!("DATEADD(month, {n}, {day})")
    }

    fn days_between(&self, a: &str, b: &str) -> String {
        format!("DATEDIFF(day, {a}, {b})")
    }

    fn iso_week_label(&self, monday: &str) -> String {
        format!("YEAROFWEEKISO({monday}) || '-W' || LPAD(WEEKISO({monday}), 2, '0')")
    }

    fn date_label(&self, start: &str, grain: Grain) -> String {
        match grain {
            Grain::Day => format!("TO_CHAR({start}, 'YYYY-MM-DD')"),
            Grain::Month => format!("TO_CHAR({start}, 'YYYY-MM')"),
            Grain::Quarter => format!("TO_CHAR({start}, 'YYYY') || '-Q' || QUARTER({start})"),
            _ => format!("TO_CHAR({start}, 'YYYY')"),
        }
    }

    /// Snowflake has no `generate_series`: a range of step numbers, flattened.
    fn period_series(&self, from: &str, start: &str, end: &str, grain: Grain, col: &str) -> String {
        let (days, n) = series_step(grain);
        let (unit, count) = if days {
            ("day", format!("FLOOR(DATEDIFF(day, {start}, {end}) / {n})"))
        } else {
            (
                "month",
                format!("FLOOR(DATEDIFF(month, {start}, {end}) / {n})"),
            )
        };
        format!(
            "SELECT DATEADD({unit}, f.value * {n}, {start}) AS {col} FROM {from}, LATERAL FLATTEN(input => ARRAY_GENERATE_RANGE(0, {count} + 1)) f"
        )
    }

    fn supports_filter(&self) -> bool {
        false
    }
}

/// Snowflake's reserved words (never left unquoted).
const RESERVED: &[&str] = &[
    "ACCOUNT",
    "ALL",
    "ALTER",
    "AND",
    "ANY",
    "AS",
    "BETWEEN",
    "BY",
    "CASE",
    "CAST",
    "CHECK",
    "COLUMN",
    "CONNECT",
    "CONNECTION",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "CURRENT_USER",
    "DATABASE",
    "DELETE",
    "DISTINCT",
    "DROP",
    "ELSE",
    "EXISTS",
    "FALSE",
    "FOLLOWING",
    "FOR",
    "FROM",
    "FULL",
    "GRANT",
    "GROUP",
    "GSCLUSTER",
    "HAVING",
    "ILIKE",
    "IN",
    "INCREMENT",
    "INNER",
    "INSERT",
    "INTERSECT",
    "INTO",
    "IS",
    "ISSUE",
    "JOIN",
    "LATERAL",
    "LEFT",
    "LIKE",
    "LOCALTIME",
    "LOCALTIMESTAMP",
    "MINUS",
    "NATURAL",
    "NOT",
    "NULL",
    "OF",
    "ON",
    "OR",
    "ORDER",
    "ORGANIZATION",
    "QUALIFY",
    "REGEXP",
    "REVOKE",
    "RIGHT",
    "RLIKE",
    "ROW",
    "ROWS",
    "SAMPLE",
    "SCHEMA",
    "SELECT",
    "SET",
    "SOME",
    "START",
    "TABLE",
    "TABLESAMPLE",
    "THEN",
    "TO",
    "TRIGGER",
    "TRUE",
    "TRY_CAST",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VALUES",
    "VIEW",
    "WHEN",
    "WHENEVER",
    "WHERE",
    "WITH",
];
