//! The shipped example: `metrics/sales.kpi` over `data/` evaluates, and a few values
//! agree with a reference computed with Python's csv + Decimal:
//!
//! ```python
//! import csv; from decimal import Decimal
//! acts = list(csv.DictReader(open("data/activities.csv")))   # local times, no offsets
//! quotas = list(csv.DictReader(open("data/quotas.csv")))
//! won = lambda f: sum((Decimal(r["amount"]) for r in acts if r["type"] == "deal_won" and f(r)), Decimal(0))
//! quota = lambda f: sum(Decimal(r["amount"]) for r in quotas if f(r))
//! sum(1 for r in acts if r["team"] == "north" and r["ts"][:7] == "2026-02" and r["type"] == "call")  # 178
//! won(lambda r: r["rep"] == "ann" and r["ts"][:7] == "2026-03")                                       # 82704.06
//! won(lambda r: r["rep"] == "bob" and r["ts"][:7] == "2026-01")                                       # 0
//! quota(lambda r: r["rep"] == "bob" and r["month"] == "2026-01")                                      # 30000.00 -> attainment 0
//! won(lambda r: r["rep"] == "ann" and r["ts"][:7] == "2026-01") / quota(... ann, 2026-01)             # 33652.12 / 30000 = 1.121737333..
//! won(north, 2026-03) / quota(north, 2026-03)                                                        # 140257.78 / 90000 = 1.558419777..
//! ```

use crate::support::eval::*;

fn close(got: &str, want: f64) {
    let g: f64 = got.parse().unwrap();
    assert!((g - want).abs() <= 1e-12 * want.abs(), "{got} vs {want}");
}

#[test]
fn sales_example_by_team_and_month() {
    let r = kpi(&[
        "eval",
        "metrics/sales.kpi",
        "--by",
        "team",
        "--grain",
        "month",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("north") && r.stdout.contains("2026-02"),
        "{}",
        r.stdout
    );

    let t = eval_csv(&["metrics/sales.kpi", "--by", "team", "--grain", "month"]);
    assert_eq!(t.header[..3], ["team", "period", "calls"]);
    assert_eq!(t.get(&["north", "2026-02"], "calls"), "178");
    assert_eq!(t.get(&["north", "2026-03"], "won_amount"), "140257.78");
    assert_eq!(t.get(&["north", "2026-03"], "quota"), "90000");
    close(
        &t.get(&["north", "2026-03"], "attainment"),
        140257.78 / 90000.0,
    );
}

#[test]
fn sales_example_by_rep_and_month() {
    let t = eval_csv(&[
        "metrics/sales.kpi",
        "--by",
        "rep",
        "--grain",
        "month",
        "--metrics",
        "won_amount,quota,attainment",
    ]);
    assert_eq!(t.get(&["ann", "2026-03"], "won_amount"), "82704.06");
    assert_eq!(t.get(&["bob", "2026-01"], "won_amount"), "0");
    assert_eq!(t.get(&["bob", "2026-01"], "quota"), "30000");
    assert_eq!(t.get(&["bob", "2026-01"], "attainment"), "0");
    close(
        &t.get(&["ann", "2026-01"], "attainment"),
        33652.12 / 30000.0,
    );
}

/// A period only partly covered by data is said to be: a note under tables and
/// Markdown (covered working days of the period's), and with `--mark-partial` a
/// `partial` column in CSV and JSON; without the flag CSV/JSON keep their columns.
/// The shipped export runs 2026-01-05..2026-04-05: January misses Friday the 2nd
/// (the 1st is a holiday), April has 2 of its 19 working days (the 3rd is Good Friday).
#[test]
fn partial_periods_are_marked() {
    let base = [
        "eval",
        "metrics/sales.kpi",
        "--grain",
        "month",
        "--metrics",
        "calls",
    ];
    let r = kpi(&base);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.ends_with(
            "└─────────┴───────┘\nnote: 2026-01 is partial: the data covers 20 of its 21 working days\nnote: 2026-04 is partial: the data covers 2 of its 19 working days\n"
        ),
        "{}",
        r.stdout
    );
    let mut md = base.to_vec();
    md.extend(["--format", "md"]);
    let r = kpi(&md);
    assert!(r.stdout.ends_with("| 2026-04 | 72 |\n\nnote: 2026-01 is partial: the data covers 20 of its 21 working days\nnote: 2026-04 is partial: the data covers 2 of its 19 working days\n"), "{}", r.stdout);
    let mut csv = base.to_vec();
    csv.extend(["--format", "csv"]);
    assert_eq!(
        kpi(&csv).stdout,
        "period,calls\n2026-01,475\n2026-02,484\n2026-03,554\n2026-04,72\n"
    );
    csv.push("--mark-partial");
    assert_eq!(
        kpi(&csv).stdout,
        "period,calls,partial\n2026-01,475,true\n2026-02,484,false\n2026-03,554,false\n2026-04,72,true\n"
    );
    let mut json = base.to_vec();
    json.extend(["--format", "json", "--mark-partial"]);
    let v: serde_json::Value = serde_json::from_str(&kpi(&json).stdout).unwrap();
    assert_eq!(v[3]["partial"], serde_json::Value::Bool(true));
    assert_eq!(v[1]["partial"], serde_json::Value::Bool(false));
    // The warehouse does not say which days the data covers: refused, not all false.
    let r = kpi(&[
        "eval",
        "metrics/sales.kpi",
        "--grain",
        "month",
        "--mark-partial",
        "--engine",
        "postgres",
        "--dsn",
        "host=nowhere",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("error: --mark-partial needs the in-process engine"),
        "{}",
        r.stderr
    );
    // A fully covered range: no note.
    let r = kpi(&[
        "eval",
        "metrics/sales.kpi",
        "--grain",
        "month",
        "--metrics",
        "calls",
        "--from",
        "2026-02-01",
        "--to",
        "2026-03-31",
    ]);
    assert!(!r.stdout.contains("note:"), "{}", r.stdout);
}

/// The shipped lookup example `metrics/teams.kpi`: team from `metrics/reps.csv` by the
/// event's day (cem moved from north to west on 2026-03-01). Reference (csv +
/// Decimal, the team of each row looked up by its local date):
///
/// ```python
/// def team(r):  # the reps.csv row with start_date <= date < end_date
///     ...
/// calls(west, 2026-03) = 194; calls(north, 2026-03) = 176; won(west, 2026-03) = 61853.12
/// cem's calls 2026-02-23..2026-03-08: 9 before the move (north), 10 after (west)
/// deals of 10000 or more: 25, 355311.96
/// ```
#[test]
fn teams_example_follows_the_reps_history() {
    let t = eval_csv(&["metrics/teams.kpi", "--by", "team", "--grain", "month"]);
    expect(
        &t,
        &["west", "2026-03"],
        &[("calls", "194"), ("won_amount", "61853.12")],
    );
    expect(&t, &["north", "2026-03"], &[("calls", "176")]);
    let t = eval_csv(&[
        "metrics/teams.kpi",
        "--by",
        "rep,team",
        "--metrics",
        "calls",
        "--from",
        "2026-02-23",
        "--to",
        "2026-03-08",
    ]);
    expect(&t, &["cem", "north"], &[("calls", "9")]);
    expect(&t, &["cem", "west"], &[("calls", "10")]);
    let t = eval_csv(&[
        "metrics/teams.kpi",
        "--by",
        "deal_size",
        "--metrics",
        "won_deals,won_amount",
    ]);
    expect(
        &t,
        &["large"],
        &[("won_deals", "25"), ("won_amount", "355311.96")],
    );
}
