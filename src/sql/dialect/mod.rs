//! SQL dialects: one documented hook per difference between warehouses. The query
//! builder (`super::query`) writes standard SQL and asks the dialect for everything
//! that differs: identifier quoting, literals, casts, event-time parsing and zone
//! conversion, period arithmetic and labels (ISO weeks), period series, `FILTER`,
//! percentiles, distinct counts and text ordering.

mod bigquery;
mod clickhouse;
mod duckdb;
mod postgres;
mod snowflake;
mod spark;
mod trino;

use crate::data::period::{civil_from_day, Grain};

pub use bigquery::BigQuery;
pub use clickhouse::ClickHouse;
pub use duckdb::DuckDb;
pub use postgres::Postgres;
pub use snowflake::Snowflake;
pub use spark::Spark;
pub use trino::Trino;

/// The names `--dialect` accepts.
pub const DIALECTS: [&str; 7] = [
    "postgres",
    "duckdb",
    "trino",
    "spark",
    "bigquery",
    "snowflake",
    "clickhouse",
];

/// The dialect called `name` (see [`DIALECTS`]).
pub fn by_name(name: &str) -> Option<Box<dyn Dialect>> {
    Some(match name {
        "postgres" | "postgresql" => Box::new(Postgres),
        "duckdb" => Box::new(DuckDb),
        "trino" => Box::new(Trino),
        "spark" => Box::new(Spark),
        "bigquery" => Box::new(BigQuery),
        "snowflake" => Box::new(Snowflake),
        "clickhouse" => Box::new(ClickHouse),
        _ => return None,
    })
}

/// The SQL types the generated queries cast to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqlType {
    /// 64-bit float: every derived value, as the in-process engine computes in f64.
    Double,
    /// Exact decimal: numeric columns without a type hint (stored as text), summed exactly.
    Decimal,
    Text,
    Date,
    Bool,
    BigInt,
}

/// A regular expression that matches the end of an event time carrying a UTC offset
/// (`Z`, `+01:00`, `+0100`, `+01`), applied to the text after the date.
pub const OFFSET_RE: &str = "([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$";

/// What differs between SQL dialects. Expressions are SQL text; `day` arguments are
/// `DATE` expressions.
pub trait Dialect {
    /// The name (`postgres`, `duckdb`, ..), used in `--dialect` and in errors.
    fn name(&self) -> &'static str;

    /// Identifier quoting: a column, a table part, or an output name such as
    /// `outbound.total`. Standard SQL: double quotes, doubled inside.
    fn quote_ident(&self, s: &str) -> String {
        format!("\"{}\"", s.replace('"', "\"\""))
    }

    /// Identifier quoting of the warehouse's own names: source columns and tables.
    /// Quoted like everything else by default; Snowflake leaves plain lower-case
    /// names unquoted so they match its upper-cased unquoted names.
    fn quote_column(&self, s: &str) -> String {
        self.quote_ident(s)
    }

    /// A string literal. Standard SQL doubles single quotes; dialects where the
    /// backslash escapes inside literals (Spark, BigQuery, Snowflake) escape it too.
    fn string_literal(&self, s: &str) -> String {
        format!("'{}'", s.replace('\'', "''"))
    }

    /// Type names of [`SqlType`] (casts).
    fn type_name(&self, t: SqlType) -> &'static str;

    /// `CAST(e AS t)`.
    fn cast(&self, e: &str, t: SqlType) -> String {
        format!("CAST({e} AS {})", self.type_name(t))
    }

    /// Boolean literals.
    fn bool_literal(&self, b: bool) -> &'static str {
        if b {
            "TRUE"
        } else {
            "FALSE"
        }
    }

    /// A date literal of a day number.
    fn date_literal(&self, day: i32) -> String {
        let (y, m, d) = civil_from_day(day);
        format!("DATE '{y:04}-{m:02}-{d:02}'")
    }

    /// Timestamp parsing and zone conversion: the local day (`DATE`) in zone `tz` of
    /// an event time given as text `t` (an expression that may be repeated): a date or
    /// a timestamp without offset is local time as written (its first ten characters);
    /// one with `Z` or an offset ([`OFFSET_RE`]) is rewritten in one shape
    /// ([`canonical_time`]), parsed ([`Dialect::parse_instant`]) and converted into
    /// the zone, DST included ([`Dialect::instant_day`]); `YYYY-MM` is the first day
    /// of the month (monthly sources such as quotas).
    fn local_day(&self, t: &str, tz: &str) -> String {
        let has_offset = self.matches_regex(&format!("substr({t}, 12)"), OFFSET_RE);
        let converted = self.instant_day(&self.parse_instant(&canonical_time(t)), tz);
        let month = self.text_to_date(&format!("{t} || '-01'"));
        let date = self.text_to_date(&format!("substr({t}, 1, 10)"));
        format!(
            "CASE WHEN {has_offset} THEN {converted} WHEN length({t}) = 7 THEN {month} ELSE {date} END"
        )
    }

    /// Regular expressions: whether text `e` matches `re` somewhere (a boolean).
    fn matches_regex(&self, e: &str, re: &str) -> String;

    /// Timestamp parsing: the instant of `c`, a text `YYYY-MM-DD HH:MM:SS+HH:MM`, in
    /// the type [`Dialect::instant_day`] reads.
    fn parse_instant(&self, c: &str) -> String;

    /// Date parsing: the `DATE` of a text `YYYY-MM-DD`.
    fn text_to_date(&self, e: &str) -> String {
        self.cast(e, SqlType::Date)
    }

    /// Typed time columns (`column ts: timestamp`): the local day (`DATE`) in zone
    /// `tz` of `ts`, a column of the warehouse's instant type (`TIMESTAMPTZ`,
    /// `TIMESTAMP WITH TIME ZONE`; Spark's and BigQuery's `TIMESTAMP`), with the
    /// warehouse's own date functions and independent of any session time zone.
    /// Standard SQL: `CAST(ts AT TIME ZONE 'tz' AS DATE)` (PostgreSQL, Trino).
    fn instant_day(&self, ts: &str, tz: &str) -> String {
        format!(
            "CAST({ts} AT TIME ZONE {} AS DATE)",
            self.string_literal(tz)
        )
    }

    /// Typed date columns (`column d: date`): the day of `col`, a `DATE` (or a
    /// zone-less `TIMESTAMP` of local wall times, whose date it takes).
    fn date_day(&self, col: &str) -> String {
        self.cast(col, SqlType::Date)
    }

    /// Period truncation: the first day of the `grain` period holding `day` (ISO
    /// weeks start on Monday). Never called with `Grain::Day` or `Grain::All`.
    /// `date_trunc` as a `DATE` by default (PostgreSQL, DuckDB).
    fn period_start(&self, day: &str, grain: Grain) -> String {
        format!("CAST(date_trunc('{}', {day}) AS DATE)", grain.as_str())
    }

    /// Date arithmetic: `day` plus `n` days (`n` may be negative); `DATE + integer`
    /// by default (PostgreSQL, DuckDB).
    fn add_days(&self, day: &str, n: i64) -> String {
        if n < 0 {
            format!("({day} - {})", -n)
        } else {
            format!("({day} + {n})")
        }
    }

    /// Date arithmetic: `day` plus `n` months.
    fn add_months(&self, day: &str, n: i64) -> String;

    /// Date arithmetic: the number of days from `a` to `b` (`b - a`, an integer).
    fn days_between(&self, a: &str, b: &str) -> String;

    /// ISO week/year extraction: the label `2026-W02` of the ISO week starting on
    /// Monday `monday`, with the ISO week-year (2025-12-29 is `2026-W01`).
    fn iso_week_label(&self, monday: &str) -> String;

    /// Period label formatting: `2026-01-05` (day), `2026-01` (month), `2026-Q1`
    /// (quarter), `2026` (year) of the period starting on `start`.
    fn date_label(&self, start: &str, grain: Grain) -> String;

    /// Series generation: a `SELECT` of one `DATE` column named `col` with every
    /// period start from `start` to `end` (inclusive, both period starts), reading
    /// them from the one-row table `from` (e.g. `"range__" r`).
    fn period_series(&self, from: &str, start: &str, end: &str, grain: Grain, col: &str) -> String;

    /// FILTER support: whether aggregates take `FILTER (WHERE ..)`; otherwise the
    /// aggregated value is wrapped in `CASE WHEN .. THEN .. END`.
    fn supports_filter(&self) -> bool {
        true
    }

    /// Percentile/median: the continuous percentile (linear interpolation between
    /// the closest ranks, as `percentile_cont`) of the double `value`, as an
    /// aggregate; `Err(why)` where the dialect has no exact aggregate for it.
    fn percentile(&self, value: &str, fraction: f64) -> Result<String, String> {
        Ok(format!(
            "percentile_cont({}) WITHIN GROUP (ORDER BY {value})",
            float_text(fraction)
        ))
    }

    /// Text `e` without the trailing characters `ch`.
    fn trim_trailing(&self, e: &str, ch: char) -> String {
        format!("RTRIM({e}, '{ch}')")
    }

    /// The query `query` kept as table `table` (an already quoted, possibly
    /// schema-qualified name), replacing it: `CREATE OR REPLACE TABLE .. AS` where the
    /// dialect has it (DuckDB, Trino, BigQuery, Snowflake), one statement per line.
    fn materialize(&self, table: &str, query: &str) -> String {
        format!(
            "CREATE OR REPLACE TABLE {table} AS\n{};\n",
            query.trim_end().trim_end_matches(';')
        )
    }

    /// Whether a query with two or more joins names a selected column `t.c` (not
    /// `c`) when another joined table has a column `c` too (ClickHouse's analyzer):
    /// such columns are then selected `AS c`, and lookups are joined one per SELECT.
    fn qualifies_joined_names(&self) -> bool {
        false
    }

    /// Settings the query carries in a `SETTINGS` clause at its end (ClickHouse:
    /// `join_use_nulls = 1`); none by default.
    fn query_settings(&self) -> Option<&'static str> {
        None
    }

    /// Count distinct of non-null values.
    fn count_distinct(&self, value: &str) -> String {
        format!("COUNT(DISTINCT {value})")
    }

    /// Text ordering by bytes (the engine compares and sorts text bytewise): wraps a
    /// text expression in `ORDER BY` and in `<`/`>` comparisons. Most warehouses
    /// compare binary by default; PostgreSQL needs `COLLATE "C"`.
    fn binary_order(&self, e: &str) -> String {
        e.to_string()
    }

    /// `day` plus `n` periods of `grain` (built from [`Dialect::add_days`] and
    /// [`Dialect::add_months`]).
    fn add_periods(&self, day: &str, grain: Grain, n: i64) -> String {
        match grain {
            Grain::Day => self.add_days(day, n),
            Grain::Week => self.add_days(day, 7 * n),
            Grain::Month => self.add_months(day, n),
            Grain::Quarter => self.add_months(day, 3 * n),
            Grain::Year => self.add_months(day, 12 * n),
            Grain::All => day.to_string(),
        }
    }

    /// The label of the period starting on `start`.
    fn period_label(&self, start: &str, grain: Grain) -> String {
        match grain {
            Grain::Week => self.iso_week_label(start),
            _ => self.date_label(start, grain),
        }
    }

    /// The start of the period holding `day` (identity for days).
    fn truncate(&self, day: &str, grain: Grain) -> String {
        match grain {
            Grain::Day | Grain::All => day.to_string(),
            _ => self.period_start(day, grain),
        }
    }
}

/// Shortest text of a finite f64 that reads back as the same number (no exponent).
pub fn float_text(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    format!("{x}")
}

/// An event time with an offset, text `t`, rewritten in the one shape every
/// dialect's timestamp cast reads: `YYYY-MM-DD HH:MM:SS+HH:MM`. It takes exactly
/// the shapes the engine's time parser accepts (`data/time.rs`): `T`, `t` or a space
/// between date and time; seconds or none; a fraction after `.` or `,` (dropped, as
/// the engine drops it: it never moves the day); a leap second `:60` kept in its
/// minute (`:59`, as the engine does; PostgreSQL would roll it into the next
/// minute); `Z`, `z`, `+HH`, `+HHMM` or `+HH:MM`. Only functions every dialect has:
/// UPPER, substr, length, regexp_replace, CASE and `||`.
pub fn canonical_time(t: &str) -> String {
    let u = format!("UPPER({t})");
    let has_sec = format!("substr({u}, 17, 1) = ':'");
    let sec = format!(
        "CASE WHEN {has_sec} THEN (CASE WHEN substr({u}, 18, 2) = '60' THEN '59' ELSE substr({u}, 18, 2) END) ELSE '00' END"
    );
    // What follows the seconds (or the minutes): a fraction, then the offset.
    let rest = format!("CASE WHEN {has_sec} THEN substr({u}, 20) ELSE substr({u}, 17) END");
    let off = format!("regexp_replace({rest}, '^[.,][0-9]*', '')");
    let off = format!(
        "CASE WHEN {off} = 'Z' THEN '+00:00' WHEN length({off}) = 3 THEN {off} || ':00' \
         WHEN length({off}) = 5 THEN substr({off}, 1, 3) || ':' || substr({off}, 4, 2) ELSE {off} END"
    );
    format!("(substr({u}, 1, 10) || ' ' || substr({u}, 12, 5) || ':' || {sec} || {off})")
}

/// The step of a period series: days per step for day and week, months otherwise.
pub fn series_step(grain: Grain) -> (bool, i64) {
    match grain {
        Grain::Day | Grain::All => (true, 1),
        Grain::Week => (true, 7),
        Grain::Month => (false, 1),
        Grain::Quarter => (false, 3),
        Grain::Year => (false, 12),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_literals_escape() {
        for name in DIALECTS {
            let d = by_name(name).expect("dialect");
            assert_eq!(d.name(), name);
            let q = d.quote_ident("out.\"x`");
            assert!(q.len() > 7, "{name}: {q}");
            let s = d.string_literal("it's a \\ b");
            assert!(s.starts_with('\'') && s.ends_with('\''), "{name}: {s}");
            assert!(
                !s[1..s.len() - 1]
                    .replace("''", "")
                    .replace("\\'", "")
                    .contains('\''),
                "{name}: {s}"
            );
        }
        assert_eq!(Snowflake.quote_column("amount"), "amount");
        assert_eq!(Snowflake.quote_column("order"), "\"order\"");
        assert_eq!(Snowflake.quote_column("Amount"), "\"Amount\"");
        assert_eq!(
            Postgres.date_literal(crate::data::period::MIN_DAY),
            "DATE '0001-01-01 BC'"
        );
        assert!(by_name("oracle").is_none());
    }

    #[test]
    fn materialize_replaces_the_table() {
        let q = "SELECT 1 AS x\n";
        assert_eq!(
            DuckDb.materialize("\"s\".\"t\"", q),
            "CREATE OR REPLACE TABLE \"s\".\"t\" AS\nSELECT 1 AS x;\n"
        );
        assert_eq!(
            Postgres.materialize("\"s\".\"t\"", q),
            "BEGIN;\nDROP TABLE IF EXISTS \"s\".\"t\";\nCREATE TABLE \"s\".\"t\" AS\nSELECT 1 AS x;\nCOMMIT;\n"
        );
        for name in DIALECTS {
            let d = by_name(name).expect("dialect");
            let m = d.materialize("t", "SELECT 1;");
            assert!(m.contains("SELECT 1;") && !m.contains(";;"), "{name}: {m}");
        }
    }
}
