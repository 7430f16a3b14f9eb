//! A source without a `time` column evaluates at grain `all` (it used to print no rows).

use crate::support::kpi;

#[test]
fn a_source_without_time_is_counted_at_grain_all() {
    let out = kpi(&[
        "eval",
        "tests/fixtures/notime/n.kpi",
        "--data",
        "tests/fixtures/notime/s.csv",
        "--by",
        "rep",
        "--format",
        "csv",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "rep,n\na,2\nb,1\n");
    let week = kpi(&[
        "eval",
        "tests/fixtures/notime/n.kpi",
        "--data",
        "tests/fixtures/notime/s.csv",
        "--grain",
        "week",
    ]);
    assert_eq!(week.code, 1, "no time column: grouping by week is refused");
}
