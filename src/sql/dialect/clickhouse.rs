//! ClickHouse (24.8 or later, with the analyzer); executed by the tests in chDB,
//! ClickHouse in-process (tests/it/sql_clickhouse.rs).
//!
//! What differs from standard SQL here:
//! - columns are not nullable unless their type says so, and `CAST(NULL AS Float64)`
//!   fails: every cast is to a `Nullable(..)` type;
//! - an outer join fills unmatched columns with the type's default (`''`, `0`,
//!   `1970-01-01`) unless `join_use_nulls = 1`: the query carries that setting;
//! - string literals and quoted identifiers read backslash escapes;
//! - `Date` ends in 2149: days are `Date32`, and period starts are computed with
//!   `addDays`/`addMonths` (which keep `Date32`) rather than `toMonday` and its kin
//!   (which return `Date`);
//! - no `percentile_cont`: `quantileExactInclusive` interpolates between the closest
//!   ranks as it does; no `generate_series` over dates: `arrayJoin(range(..))`.

use super::{series_step, Dialect, SqlType};
use crate::data::period::{civil_from_day, Grain};

/// ClickHouse.
pub struct ClickHouse;

impl ClickHouse {
    /// `'YYYY-MM-DD'` of a day number.
    fn day_text(day: i32) -> String {
        let (y, m, d) = civil_from_day(day);
        format!("'{y:04}-{m:02}-{d:02}'")
    }
}

impl Dialect for ClickHouse {
    fn name(&self) -> &'static str {
        "clickhouse"
    }

    /// Double quotes, with `\` and `"` escaped by a backslash.
    fn quote_ident(&self, s: &str) -> String {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }

    fn string_literal(&self, s: &str) -> String {
        format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
    }

    fn type_name(&self, t: SqlType) -> &'static str {
        match t {
            SqlType::Double => "Nullable(Float64)",
            SqlType::Decimal => "Nullable(Decimal(38, 6))",
            SqlType::Text => "Nullable(String)",
            SqlType::Date => "Nullable(Date32)",
            SqlType::Bool => "Nullable(Bool)",
            SqlType::BigInt => "Nullable(Int64)",
        }
    }

    fn date_literal(&self, day: i32) -> String {
        format!("toDate32({})", Self::day_text(day))
    }

    fn matches_regex(&self, e: &str, re: &str) -> String {
        format!("match({e}, '{re}')")
    }

    fn parse_instant(&self, c: &str) -> String {
        format!("parseDateTime64BestEffort({c}, 0, 'UTC')")
    }

    fn text_to_date(&self, e: &str) -> String {
        format!("toDate32({e})")
    }

    /// A `DateTime64` (any zone) moved to the zone, its date taken there.
    fn instant_day(&self, ts: &str, tz: &str) -> String {
        format!("toDate32(toTimeZone({ts}, {}))", self.string_literal(tz))
    }

    fn period_start(&self, day: &str, grain: Grain) -> String {
        let first_of_month = format!("addDays({day}, 1 - toDayOfMonth({day}))");
        match grain {
            Grain::Week => format!("addDays({day}, 1 - toDayOfWeek({day}))"),
            Grain::Month => first_of_month,
            Grain::Quarter => {
                format!("addMonths({first_of_month}, -((toMonth({day}) - 1) % 3))")
            }
            _ => format!("addDays({day}, 1 - toDayOfYear({day}))"),
        }
    }

    fn add_days(&self, day: &str, n: i64) -> String {
        format!("addDays({day}, {n})")
    }

    fn add_months(&self, day: &str, n: i64) -> String {
        format!("addMonths({day}, {n})")
    }

    fn days_between(&self, a: &str, b: &str) -> String {
        format!("dateDiff('day', {a}, {b})")
    }

    fn iso_week_label(&self, monday: &str) -> String {
        format!("formatDateTime({monday}, '%G-W%V')")
    }

    fn date_label(&self, start: &str, grain: Grain) -> String {
        match grain {
            Grain::Day => format!("formatDateTime({start}, '%Y-%m-%d')"),
            Grain::Month => format!("formatDateTime({start}, '%Y-%m')"),
            Grain::Quarter => {
                format!("concat(formatDateTime({start}, '%Y'), '-Q', toString(toQuarter({start})))")
            }
            _ => format!("formatDateTime({start}, '%Y')"),
        }
    }

    /// One row per period: `arrayJoin` over `range(n)`, n the number of steps from
    /// `start` to `end` (none when either is null).
    fn period_series(&self, from: &str, start: &str, end: &str, grain: Grain, col: &str) -> String {
        let (days, n) = series_step(grain);
        let (unit, add) = if days {
            ("day", "addDays")
        } else {
            ("month", "addMonths")
        };
        format!(
            "SELECT {add}({start}, toInt32(arrayJoin(range(toUInt32(greatest(ifNull(intDiv(dateDiff('{unit}', {start}, {end}), {n}) + 1, 0), 0))))) * {n}) AS {col} FROM {from}"
        )
    }

    /// No `FILTER (WHERE ..)` in sqlparser's ClickHouse grammar (ClickHouse itself
    /// rewrites it to `-If` aggregates): `CASE WHEN` inside the aggregate instead.
    fn supports_filter(&self) -> bool {
        false
    }

    /// `quantileExactInclusive` interpolates linearly between the closest ranks
    /// (R7, as `percentile_cont` and the engine); nulls are skipped.
    fn percentile(&self, value: &str, fraction: f64) -> Result<String, String> {
        Ok(format!(
            "quantileExactInclusive({})({value})",
            super::float_text(fraction)
        ))
    }

    fn trim_trailing(&self, e: &str, ch: char) -> String {
        format!("TRIM(TRAILING '{ch}' FROM {e})")
    }

    /// `g.k` of `g CROSS JOIN p LEFT JOIN j ON j.k = g.k` is named `g.k`.
    fn qualifies_joined_names(&self) -> bool {
        true
    }

    /// Without `join_use_nulls` an outer join's unmatched columns would hold their
    /// type's default (`''`, `0`, `1970-01-01`) instead of null.
    fn query_settings(&self) -> Option<&'static str> {
        Some("join_use_nulls = 1")
    }

    /// A `MergeTree` table (no sorting key: `ORDER BY tuple()`, so nullable columns
    /// are fine), replaced atomically.
    fn materialize(&self, table: &str, query: &str) -> String {
        format!(
            "CREATE OR REPLACE TABLE {table} ENGINE = MergeTree ORDER BY tuple() AS\n{};\n",
            query.trim_end().trim_end_matches(';')
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backslashes_escape_and_the_table_is_a_merge_tree() {
        assert_eq!(ClickHouse.quote_ident("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(ClickHouse.string_literal("it's \\"), "'it\\'s \\\\'");
        assert_eq!(
            ClickHouse.materialize("\"s\".\"t\"", "SELECT 1\nSETTINGS join_use_nulls = 1\n"),
            "CREATE OR REPLACE TABLE \"s\".\"t\" ENGINE = MergeTree ORDER BY tuple() AS\nSELECT 1\nSETTINGS join_use_nulls = 1;\n"
        );
        assert_eq!(ClickHouse.type_name(SqlType::Date), "Nullable(Date32)");
        assert_eq!(
            ClickHouse.period_start("d", Grain::Quarter),
            "addMonths(addDays(d, 1 - toDayOfMonth(d)), -((toMonth(d) - 1) % 3))"
        );
    }
}
