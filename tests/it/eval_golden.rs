//! Golden tests of `kpi eval`: small fixtures under `tests/fixtures/eval/`, every
//! expected value worked out independently of kpi — by hand in the comments, and by
//! `tests/fixtures/eval/reference.py SECTION` (csv + Decimal, SQL three-valued logic),
//! whose output is quoted next to the assertions it backs.

use crate::support::eval::*;
use kpi::data::period::Grain;
use kpi::eval::Cell;

/// Compare cells of the row `key`: `""` is null (an empty CSV cell), `~x` a float equal
/// to x within 1e-12 relative, anything else the exact text.
fn expect(t: &Table, key: &[&str], cells: &[(&str, &str)]) {
    for (col, want) in cells {
        let got = t.get(key, col);
        if let Some(x) = want.strip_prefix('~') {
            let want: f64 = x.parse().unwrap();
            let g: f64 = got
                .parse()
                .unwrap_or_else(|_| panic!("{key:?} {col}: `{got}` is not a number"));
            assert!(
                (g - want).abs() <= 1e-12 * want.abs().max(1e-300),
                "{key:?} {col}: got {got}, want {want}"
            );
        } else {
            assert_eq!(&got, want, "{key:?} {col}");
        }
    }
}

fn f(name: &str) -> String {
    fixture(name)
}

// ---- aggregations and filters ----------------------------------------------------

/// reference.py aggs, group `*`:
/// rows 13, n_amount 7, total 2070.79, mean 295.8271428571428571, lo -20.05, hi 1000.10,
/// reps 4, med 100, p90 760.19 (sorted: -20.05 40 99.99 100 250.50 600.25 1000.10;
/// pos 0.9*6 = 5.4 -> 600.25 + 0.4*399.85), calls 5, not_calls 8, small 3, small_le 4,
/// big 3, big_ge 4, pipeline 7, call_or_big 7, deal_and_big 1100.10, not_small 4,
/// doubled 3, long_calls 3, negative 1, dur_in 2, deal_avg 295.01, deal_min -20.05,
/// deal_med 99.995, dur_total 959.
#[test]
fn every_aggregation_and_filter_operator_overall() {
    let t = eval_csv(&[&f("aggs.kpi"), "--data", &f("aggs.csv")]);
    assert_eq!(t.rows.len(), 1);
    expect(
        &t,
        &[],
        &[
            ("rows", "13"),
            ("n_amount", "7"),
            ("total", "2070.79"),
            ("mean", "~295.82714285714285714"),
            ("lo", "-20.05"),
            ("hi", "1000.1"),
            ("reps", "4"),
            ("med", "100"),
            ("p90", "~760.19"),
            ("calls", "5"),
            ("not_calls", "8"),
            ("small", "3"),
            ("small_le", "4"),
            ("big", "3"),
            ("big_ge", "4"),
            ("pipeline", "7"),
            ("call_or_big", "7"),
            ("deal_and_big", "1100.1"),
            ("not_small", "4"),
            ("doubled", "3"),
            ("long_calls", "3"),
            ("negative", "1"),
            ("dur_in", "2"),
            ("deal_avg", "~295.01"),
            ("deal_min", "-20.05"),
            ("deal_med", "~99.995"),
            ("dur_total", "959"),
        ],
    );
}

/// reference.py aggs, per team. `east` has one call and no amounts: the aggregates
/// of no values are null (avg/min/max/median/percentile), count 0 and sum 0; and a
/// comparison with a null amount excludes the row (`not (amount < 100)` too), while
/// `type == "call" or amount > 500` is true for a call whatever the amount.
#[test]
fn every_aggregation_per_team_with_null_rules() {
    let t = eval_csv(&[&f("aggs.kpi"), "--data", &f("aggs.csv"), "--by", "team"]);
    assert_eq!(t.keys(1), vec![vec!["east"], vec!["north"], vec!["south"]]);
    expect(
        &t,
        &["east"],
        &[
            ("rows", "1"),
            ("n_amount", "0"),
            ("total", "0"),
            ("mean", ""),
            ("lo", ""),
            ("hi", ""),
            ("reps", "1"),
            ("med", ""),
            ("p90", ""),
            ("calls", "1"),
            ("not_calls", "0"),
            ("small", "0"),
            ("big_ge", "0"),
            ("call_or_big", "1"),
            ("deal_and_big", "0"),
            ("not_small", "0"),
            ("doubled", "0"),
            ("long_calls", "0"),
            ("dur_in", "0"),
            ("deal_avg", ""),
            ("deal_min", ""),
            ("deal_med", ""),
            ("dur_total", "59"),
        ],
    );
    // north: amounts 250.50 99.99 100 600.25 -> mean 262.685, median (100+250.5)/2,
    // p90 pos 0.9*3 = 2.7 -> 250.5 + 0.7*349.75 = 495.325.
    expect(
        &t,
        &["north"],
        &[
            ("rows", "8"),
            ("n_amount", "4"),
            ("total", "1050.74"),
            ("mean", "~262.685"),
            ("lo", "99.99"),
            ("hi", "600.25"),
            ("reps", "2"),
            ("med", "~175.25"),
            ("p90", "~495.325"),
            ("calls", "3"),
            ("not_calls", "5"),
            ("small", "1"),
            ("small_le", "2"),
            ("big", "2"),
            ("big_ge", "3"),
            ("pipeline", "4"),
            ("call_or_big", "4"),
            ("deal_and_big", "100"),
            ("not_small", "3"),
            ("doubled", "2"),
            ("long_calls", "2"),
            ("negative", "0"),
            ("dur_in", "1"),
            ("deal_avg", "~99.995"),
            ("deal_min", "99.99"),
            ("deal_med", "~99.995"),
            ("dur_total", "300"),
        ],
    );
    // south: amounts 1000.10 40 -20.05; p90 pos 0.9*2 = 1.8 -> 40 + 0.8*960.10 = 808.08.
    expect(
        &t,
        &["south"],
        &[
            ("rows", "4"),
            ("n_amount", "3"),
            ("total", "1020.05"),
            ("mean", "~340.01666666666666667"),
            ("lo", "-20.05"),
            ("hi", "1000.1"),
            ("med", "40"),
            ("p90", "~808.08"),
            ("small", "2"),
            ("small_le", "2"),
            ("big", "1"),
            ("big_ge", "1"),
            ("call_or_big", "2"),
            ("deal_and_big", "1000.1"),
            ("not_small", "1"),
            ("doubled", "1"),
            ("long_calls", "1"),
            ("negative", "1"),
            ("dur_in", "1"),
            ("deal_avg", "~490.025"),
            ("deal_med", "~490.025"),
            ("dur_total", "600"),
        ],
    );
}

// ---- empty groups and nulls --------------------------------------------------------

/// reference.py nulls:
/// north opps 2 won 1 won_amount 500 avg/max/med 500 hit_rate 0.5 deal_size 500 plus_one 501 safe_rate 0.5 safe_size 500
/// south opps 0 won 0 won_amount 0 avg/max/med null hit_rate null (0/0) deal_size null plus_one null safe_rate 0 safe_size -1
/// west  opps 0 won 1 won_amount 300 hit_rate null (1/0) deal_size 300 plus_one 301 safe_rate 0 safe_size 300
#[test]
fn empty_groups_division_by_zero_and_coalesce_csv() {
    let t = eval_csv(&[&f("nulls.kpi"), "--data", &f("nulls.csv"), "--by", "team"]);
    expect(
        &t,
        &["north"],
        &[
            ("opps", "2"),
            ("won", "1"),
            ("won_amount", "500"),
            ("avg_won", "500"),
            ("max_won", "500"),
            ("med_won", "500"),
            ("hit_rate", "0.5"),
            ("deal_size", "500"),
            ("plus_one", "501"),
            ("safe_rate", "0.5"),
            ("safe_size", "500"),
        ],
    );
    expect(
        &t,
        &["south"],
        &[
            ("opps", "0"),
            ("won", "0"),
            ("won_amount", "0"),
            ("avg_won", ""),
            ("max_won", ""),
            ("med_won", ""),
            ("hit_rate", ""),
            ("deal_size", ""),
            ("plus_one", ""),
            ("safe_rate", "0"),
            ("safe_size", "-1"),
        ],
    );
    expect(
        &t,
        &["west"],
        &[
            ("opps", "0"),
            ("won", "1"),
            ("hit_rate", ""),
            ("deal_size", "300"),
            ("plus_one", "301"),
            ("safe_rate", "0"),
            ("safe_size", "300"),
        ],
    );
    // Never NaN or inf in the text.
    let r = kpi(&[
        "eval",
        &f("nulls.kpi"),
        "--data",
        &f("nulls.csv"),
        "--by",
        "team",
        "--format",
        "csv",
    ]);
    assert!(
        !r.stdout.to_lowercase().contains("nan") && !r.stdout.contains("inf"),
        "{}",
        r.stdout
    );
}

#[test]
fn json_prints_null_and_integer_counts() {
    let r = kpi(&[
        "eval",
        &f("nulls.kpi"),
        "--data",
        &f("nulls.csv"),
        "--by",
        "team",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    let south = &rows[1];
    assert_eq!(south["team"], "south");
    for k in [
        "avg_won",
        "max_won",
        "med_won",
        "hit_rate",
        "deal_size",
        "plus_one",
    ] {
        assert!(south[k].is_null(), "{k}: {}", south[k]);
    }
    // Counts are JSON integers, not 0.0.
    assert!(south["opps"].is_u64() && south["opps"].as_u64() == Some(0));
    assert_eq!(south["won_amount"].as_f64(), Some(0.0));
    assert_eq!(south["safe_rate"].as_f64(), Some(0.0));
    assert_eq!(south["safe_size"].as_f64(), Some(-1.0));
    assert_eq!(rows[0]["won"].as_u64(), Some(1));
    assert_eq!(rows[0]["hit_rate"].as_f64(), Some(0.5));
    assert_eq!(rows[2]["plus_one"].as_f64(), Some(301.0));
}

// ---- grains and period labels ----------------------------------------------------

/// reference.py grains (Python's date.isocalendar for ISO weeks):
/// 2024-02-29 is a leap day in 2024-W09; 2025-12-29 (a Monday) starts 2026-W01, as
/// 2026-01-01 is a Thursday; 2026-12-31 and 2027-01-01 are in 2026-W53 (2026 starts
/// on a Thursday, so it has 53 ISO weeks); 2027-01-04 starts 2027-W01. Amounts are
/// powers of two, so each sum names the rows in its period.
/// (period label, n, amt)
type Period<'a> = (&'a str, &'a str, &'a str);

#[test]
fn every_grain_with_labels_iso_weeks_and_leap_day() {
    let cases: &[(&str, &[Period])] = &[
        (
            "day",
            &[
                ("2024-02-28", "1", "1"),
                ("2024-02-29", "1", "2"),
                ("2024-03-01", "1", "4"),
                ("2025-12-28", "1", "8"),
                ("2025-12-29", "1", "16"),
                ("2025-12-31", "1", "32"),
                ("2026-01-01", "1", "64"),
                ("2026-12-31", "1", "128"),
                ("2027-01-01", "1", "256"),
                ("2027-01-04", "1", "512"),
            ],
        ),
        (
            "week",
            &[
                ("2024-W09", "3", "7"),
                ("2025-W52", "1", "8"),
                ("2026-W01", "3", "112"),
                ("2026-W53", "2", "384"),
                ("2027-W01", "1", "512"),
            ],
        ),
        (
            "month",
            &[
                ("2024-02", "2", "3"),
                ("2024-03", "1", "4"),
                ("2025-12", "3", "56"),
                ("2026-01", "1", "64"),
                ("2026-12", "1", "128"),
                ("2027-01", "2", "768"),
            ],
        ),
        (
            "quarter",
            &[
                ("2024-Q1", "3", "7"),
                ("2025-Q4", "3", "56"),
                ("2026-Q1", "1", "64"),
                ("2026-Q4", "1", "128"),
                ("2027-Q1", "2", "768"),
            ],
        ),
        (
            "year",
            &[
                ("2024", "3", "7"),
                ("2025", "3", "56"),
                ("2026", "2", "192"),
                ("2027", "2", "768"),
            ],
        ),
    ];
    for (grain, want) in cases {
        let t = eval_csv(&[
            &f("grains.kpi"),
            "--data",
            &f("grains.csv"),
            "--grain",
            grain,
        ]);
        assert_eq!(t.header, vec!["period", "n", "amt"], "{grain}");
        let got: Vec<(String, String, String)> = t
            .rows
            .iter()
            .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
            .collect();
        let want: Vec<(String, String, String)> = want
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect();
        assert_eq!(got, want, "grain {grain}");
    }
    // `all` has no period column.
    let t = eval_csv(&[
        &f("grains.kpi"),
        "--data",
        &f("grains.csv"),
        "--grain",
        "all",
    ]);
    assert_eq!(t.header, vec!["n", "amt"]);
    assert_eq!(t.rows, vec![vec!["10", "1023"]]);
    let t = eval_csv(&[&f("grains.kpi"), "--data", &f("grains.csv")]);
    assert_eq!(t.rows, vec![vec!["10", "1023"]], "the default grain is all");
}

/// `--from/--to` are inclusive days: from the leap day through the last day of 2025-W52.
#[test]
fn from_and_to_are_inclusive() {
    let t = eval_csv(&[
        &f("grains.kpi"),
        "--data",
        &f("grains.csv"),
        "--from",
        "2024-02-29",
        "--to",
        "2025-12-28",
    ]);
    // rows 2024-02-29 (2), 2024-03-01 (4), 2025-12-28 (8)
    assert_eq!(t.rows, vec![vec!["3", "14"]]);
    let t = eval_csv(&[
        &f("grains.kpi"),
        "--data",
        &f("grains.csv"),
        "--from",
        "2025-12-29",
        "--to",
        "2025-12-29",
        "--grain",
        "day",
    ]);
    assert_eq!(t.rows, vec![vec!["2025-12-29", "1", "16"]]);
    // --from clips a week: 2026-W01 without 2025-12-29 (16).
    let t = eval_csv(&[
        &f("grains.kpi"),
        "--data",
        &f("grains.csv"),
        "--from",
        "2025-12-30",
        "--to",
        "2026-12-31",
        "--grain",
        "week",
    ]);
    assert_eq!(
        t.rows,
        vec![vec!["2026-W01", "2", "96"], vec!["2026-W53", "1", "128"]]
    );
}

// ---- time zones ------------------------------------------------------------------

/// reference.py dst (zoneinfo): Europe/Amsterdam is UTC+1 until 2026-03-29T01:00Z and
/// from 2026-10-25T01:00Z, UTC+2 in between. So 2026-03-28T23:30Z is 00:30 on 03-29,
/// 2026-03-29T22:30Z is 00:30 on 03-30 (CEST), 2026-10-24T22:30Z is 00:30 on 10-25,
/// 2026-10-25T22:30Z is 23:30 on 10-25 (CET again), 2026-10-25T00:30+05:00 is
/// 2026-10-24T21:30 local, and a timestamp without an offset is local as written.
#[test]
fn days_are_cut_in_the_time_zone_across_dst() {
    let t = eval_csv(&[&f("dst.kpi"), "--data", &f("dst.csv"), "--grain", "day"]);
    let got: Vec<Vec<String>> = t.rows.clone();
    let want = [
        ["2026-03-28", "1"],
        ["2026-03-29", "5"],
        ["2026-03-30", "1"],
        ["2026-10-24", "2"],
        ["2026-10-25", "4"],
        ["2026-10-26", "2"],
    ];
    assert_eq!(
        got,
        want.iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    );
    // The same rows cut in UTC.
    let t = eval_csv(&[&f("dst_utc.kpi"), "--data", &f("dst.csv"), "--grain", "day"]);
    let want = [
        ["2026-03-28", "2"],
        ["2026-03-29", "5"],
        ["2026-10-24", "3"],
        ["2026-10-25", "5"],
    ];
    assert_eq!(
        t.rows,
        want.iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    );
}

/// `--from` is a local day too: 2026-03-28T23:30:00Z is on 2026-03-29 in Amsterdam.
#[test]
fn from_uses_local_days() {
    let t = eval_csv(&[
        &f("dst.kpi"),
        "--data",
        &f("dst.csv"),
        "--from",
        "2026-03-29",
        "--to",
        "2026-03-29",
    ]);
    assert_eq!(t.rows, vec![vec!["5"]]);
}

/// A `where` filter on the event-time column compares local days, like the periods:
/// of the 15 rows only 2026-03-28T22:59:59Z (23:59:59 local) is before 2026-03-29.
/// (Found bug: the filter compared the text's date, `2026-03-28T23:30:00Z` < 03-29.)
#[test]
fn filter_on_the_time_column_uses_local_days() {
    let dir = tempdir("tsfilter");
    let defs = dir.join("f.kpi");
    std::fs::write(
        &defs,
        "settings { timezone \"Europe/Amsterdam\" }\nsource acts { time ts dimensions rep }\n\
         metric late = count(acts where ts >= 2026-03-29)\nmetric early = count(acts where ts < 2026-03-29)\n",
    )
    .unwrap();
    let t = eval_csv(&[defs.to_str().unwrap(), "--data", &f("dst.csv")]);
    expect(&t, &[], &[("late", "14"), ("early", "1")]);
}

pub fn tempdir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("kpi-eval-golden-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

// ---- workdays, days, holidays ----------------------------------------------------

/// reference.py workdays. Calendar nl: weekend Sat/Sun, holidays 2026-12-25 (Fri),
/// 2026-12-26 (Sat: takes no working day), 2027-01-01 (Fri).
/// 2026-W52 (Dec 21-27): Mon-Thu = 4 workdays, 8 calls -> 2.
/// 2026-W53 (Dec 28-Jan 3): Mon-Thu = 4 workdays, 9 calls (one on Saturday) -> 2.25.
/// 2027-W01 (Jan 4-10): 5 workdays, 5 calls -> 1.
#[test]
fn workdays_per_week_with_holidays() {
    let t = eval_csv(&[
        &f("workdays.kpi"),
        "--data",
        &f("workdays.csv"),
        "--by",
        "rep",
        "--grain",
        "week",
    ]);
    assert_eq!(
        t.header,
        vec!["rep", "period", "calls", "wd", "d", "calls_per_day"]
    );
    expect(
        &t,
        &["ann", "2026-W52"],
        &[
            ("calls", "8"),
            ("wd", "4"),
            ("d", "7"),
            ("calls_per_day", "2"),
        ],
    );
    expect(
        &t,
        &["ann", "2026-W53"],
        &[
            ("calls", "9"),
            ("wd", "4"),
            ("d", "7"),
            ("calls_per_day", "2.25"),
        ],
    );
    expect(
        &t,
        &["ann", "2027-W01"],
        &[
            ("calls", "5"),
            ("wd", "5"),
            ("d", "7"),
            ("calls_per_day", "1"),
        ],
    );
    // December 2026: 23 weekdays less the 25th = 22; January 2027: 21 less the 1st = 20.
    let t = eval_csv(&[
        &f("workdays.kpi"),
        "--data",
        &f("workdays.csv"),
        "--by",
        "rep",
        "--grain",
        "month",
    ]);
    expect(
        &t,
        &["ann", "2026-12"],
        &[
            ("calls", "16"),
            ("wd", "22"),
            ("d", "31"),
            ("calls_per_day", "~0.72727272727272727"),
        ],
    );
    expect(
        &t,
        &["ann", "2027-01"],
        &[
            ("calls", "6"),
            ("wd", "20"),
            ("d", "31"),
            ("calls_per_day", "0.3"),
        ],
    );
    // grain all: the data's days, Dec 21 .. Jan 4 = 15 days, 9 of them working days.
    let t = eval_csv(&[
        &f("workdays.kpi"),
        "--data",
        &f("workdays.csv"),
        "--by",
        "rep",
    ]);
    expect(
        &t,
        &["ann"],
        &[
            ("calls", "22"),
            ("wd", "9"),
            ("d", "15"),
            ("calls_per_day", "~2.4444444444444444"),
        ],
    );
}

/// --from/--to clip the first and last week: W52 keeps Dec 23-27 (Wed, Thu; Fri is the
/// holiday) = 2 workdays, 5 days, 1+3 calls; W01 keeps only Mon Jan 4 = 1 workday, 5 calls.
#[test]
fn workdays_clipped_by_from_and_to() {
    let t = eval_csv(&[
        &f("workdays.kpi"),
        "--data",
        &f("workdays.csv"),
        "--by",
        "rep",
        "--grain",
        "week",
        "--from",
        "2026-12-23",
        "--to",
        "2027-01-04",
    ]);
    expect(
        &t,
        &["ann", "2026-W52"],
        &[
            ("calls", "4"),
            ("wd", "2"),
            ("d", "5"),
            ("calls_per_day", "2"),
        ],
    );
    expect(
        &t,
        &["ann", "2026-W53"],
        &[
            ("calls", "9"),
            ("wd", "4"),
            ("d", "7"),
            ("calls_per_day", "2.25"),
        ],
    );
    expect(
        &t,
        &["ann", "2027-W01"],
        &[
            ("calls", "5"),
            ("wd", "1"),
            ("d", "1"),
            ("calls_per_day", "5"),
        ],
    );
}

// ---- --fill ---------------------------------------------------------------------------

/// bob has no rows in 2026-03: with --fill the month appears with counts 0, sum 0 and
/// a null ratio; --from/--to beyond the data add 2025-12 and 2026-06 for both reps.
#[test]
fn fill_adds_zero_periods() {
    let t = eval_csv(&[
        &f("windows.kpi"),
        "--data",
        &f("windows.csv"),
        "--by",
        "rep",
        "--grain",
        "month",
        "--metrics",
        "calls,won_amount,hit_rate",
    ]);
    assert_eq!(
        t.rows.len(),
        9,
        "without --fill bob's empty March is not shown"
    );
    let t = eval_csv(&[
        &f("windows.kpi"),
        "--data",
        &f("windows.csv"),
        "--by",
        "rep",
        "--grain",
        "month",
        "--metrics",
        "calls,won_amount,hit_rate",
        "--fill",
    ]);
    assert_eq!(t.rows.len(), 10);
    expect(
        &t,
        &["bob", "2026-03"],
        &[("calls", "0"), ("won_amount", "0"), ("hit_rate", "")],
    );
    let t = eval_csv(&[
        &f("windows.kpi"),
        "--data",
        &f("windows.csv"),
        "--by",
        "rep",
        "--grain",
        "month",
        "--metrics",
        "calls,prev_calls,calls_3m",
        "--fill",
        "--from",
        "2025-12-01",
        "--to",
        "2026-06-30",
    ]);
    let periods: Vec<String> = t
        .rows
        .iter()
        .filter(|r| r[0] == "ann")
        .map(|r| r[1].clone())
        .collect();
    assert_eq!(
        periods,
        ["2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    );
    expect(
        &t,
        &["ann", "2025-12"],
        &[("calls", "0"), ("prev_calls", ""), ("calls_3m", "0")],
    );
    // prev of the data's first period is null even when --from reaches before it
    // (found bug: the filled 2025-12 row made it 0).
    expect(
        &t,
        &["ann", "2026-01"],
        &[("calls", "3"), ("prev_calls", ""), ("calls_3m", "3")],
    );
    expect(
        &t,
        &["ann", "2026-06"],
        &[("calls", "0"), ("prev_calls", "1"), ("calls_3m", "5")],
    );
    expect(
        &t,
        &["bob", "2026-03"],
        &[("calls", "0"), ("prev_calls", "2"), ("calls_3m", "3")],
    );
}

// ---- derived metrics are ratios of sums -----------------------------------------

/// reference.py funnel: ann won 1 of 2 opps (0.5), bob 1 of 8 (0.125). Team north's
/// hit rate is 2/10 = 0.2, not the mean of its reps' rates (0.3125).
#[test]
fn team_ratio_is_ratio_of_sums_not_mean_of_rep_ratios() {
    let reps = eval_csv(&[
        &f("funnel.kpi"),
        "--data",
        &f("funnel.csv"),
        "--by",
        "rep",
        "--metrics",
        "hit_rate,opps,won",
    ]);
    expect(&reps, &["ann"], &[("hit_rate", "0.5")]);
    expect(&reps, &["bob"], &[("hit_rate", "0.125")]);
    let teams = eval_csv(&[
        &f("funnel.kpi"),
        "--data",
        &f("funnel.csv"),
        "--by",
        "team",
        "--metrics",
        "hit_rate,opps,won",
    ]);
    expect(
        &teams,
        &["north"],
        &[("hit_rate", "0.2"), ("opps", "10"), ("won", "2")],
    );
    assert_ne!(teams.get(&["north"], "hit_rate"), "0.3125");
    // cem has no opportunities: 0/0 is null.
    expect(&teams, &["south"], &[("hit_rate", ""), ("opps", "0")]);
}

// ---- funnels -----------------------------------------------------------------------

/// reference.py funnel. Members F.s0..F.sk, F.si_rate = si / s(i-1), F.conversion =
/// sk / s0, F.total = s0 x rates x value (= won_amount when no rate is null).
/// north: touches 30, meetings 7, won 2, rates 7/30 and 2/7, conversion 2/30, total 1250.5.
/// south (cem): 5 touches, 0 meetings: meetings_rate 0, won_rate 0/0 null; nothing was won,
/// so the total is 0 (not the null of the 0/0 rate and average deal size).
#[test]
fn funnel_members_and_listing_by_funnel_name() {
    let t = eval_csv(&[
        &f("funnel.kpi"),
        "--data",
        &f("funnel.csv"),
        "--by",
        "team",
        "--metrics",
        "outbound",
    ]);
    assert_eq!(
        t.header,
        [
            "team",
            "outbound.touches",
            "outbound.meetings",
            "outbound.won",
            "outbound.meetings_rate",
            "outbound.won_rate",
            "outbound.conversion",
            "outbound.total"
        ]
    );
    expect(
        &t,
        &["north"],
        &[
            ("outbound.touches", "30"),
            ("outbound.meetings", "7"),
            ("outbound.won", "2"),
            ("outbound.meetings_rate", "~0.23333333333333333"),
            ("outbound.won_rate", "~0.28571428571428571"),
            ("outbound.conversion", "~0.066666666666666667"),
            ("outbound.total", "~1250.5"),
        ],
    );
    expect(
        &t,
        &["south"],
        &[
            ("outbound.touches", "5"),
            ("outbound.meetings", "0"),
            ("outbound.won", "0"),
            ("outbound.meetings_rate", "0"),
            ("outbound.won_rate", ""),
            ("outbound.conversion", "0"),
            ("outbound.total", "0"),
        ],
    );
    // Single members, in the order asked; ann: 10 touches x 0.2 x 0.5 x 1000 = 1000.
    let t = eval_csv(&[
        &f("funnel.kpi"),
        "--data",
        &f("funnel.csv"),
        "--by",
        "rep",
        "--metrics",
        "outbound.total,outbound.won_rate,won",
    ]);
    assert_eq!(
        t.header,
        ["rep", "outbound.total", "outbound.won_rate", "won"]
    );
    expect(
        &t,
        &["ann"],
        &[
            ("outbound.total", "~1000"),
            ("outbound.won_rate", "0.5"),
            ("won", "1"),
        ],
    );
    expect(
        &t,
        &["bob"],
        &[
            ("outbound.total", "~250.5"),
            ("outbound.won_rate", "0.2"),
            ("won", "1"),
        ],
    );
    // Without --metrics, funnel members are not listed.
    let t = eval_csv(&[&f("funnel.kpi"), "--data", &f("funnel.csv")]);
    assert_eq!(
        t.header,
        [
            "calls",
            "emails",
            "meetings",
            "opps",
            "won",
            "won_amount",
            "touches",
            "hit_rate",
            "avg_deal"
        ]
    );
}

// ---- windows -------------------------------------------------------------------------

/// reference.py windows (per rep and month; bob has no rows in 2026-03, which counts
/// as an empty month; prev of the data's first month is null; workdays Mon-Fri:
/// Jan 22, Feb 20, Mar 22, Apr 22, May 21).
#[test]
fn windows_prev_change_rolling_to_date() {
    let t = eval_csv(&[
        &f("windows.kpi"),
        "--data",
        &f("windows.csv"),
        "--by",
        "rep",
        "--grain",
        "month",
    ]);
    let keys: Vec<String> = t.keys(2).iter().map(|k| k.join(" ")).collect();
    assert_eq!(
        keys,
        [
            "ann 2026-01",
            "ann 2026-02",
            "ann 2026-03",
            "ann 2026-04",
            "ann 2026-05",
            "bob 2026-01",
            "bob 2026-02",
            "bob 2026-04",
            "bob 2026-05"
        ],
        "bob's empty March is not shown (no --fill)"
    );
    let ann: &[(&str, &[(&str, &str)])] = &[
        (
            "2026-01",
            &[
                ("calls", "3"),
                ("hit_rate", "0.5"),
                ("prev_calls", ""),
                ("calls_change", ""),
                ("calls_3m", "3"),
                ("hit_rate_2m", "0.5"),
                ("calls_qtd", "3"),
                ("prev_hit_rate", ""),
                ("amount_ytd", "100.1"),
                ("calls_per_day", "~0.13636363636363636"),
                ("prev_per_day", ""),
                ("per_day_2m", "~0.13636363636363636"),
            ],
        ),
        (
            "2026-02",
            &[
                ("calls", "5"),
                ("hit_rate", ""),
                ("prev_calls", "3"),
                ("calls_change", "~0.66666666666666667"),
                ("calls_3m", "8"),
                ("hit_rate_2m", "1"),
                ("calls_qtd", "8"),
                ("prev_hit_rate", "0.5"),
                ("amount_ytd", "300.3"),
                ("calls_per_day", "0.25"),
                ("prev_per_day", "~0.13636363636363636"),
                ("per_day_2m", "~0.19047619047619048"),
            ],
        ),
        (
            "2026-03",
            &[
                ("calls", "2"),
                ("hit_rate", "0.25"),
                ("prev_calls", "5"),
                ("calls_change", "-0.6"),
                ("calls_3m", "10"),
                ("hit_rate_2m", "0.5"),
                ("calls_qtd", "10"),
                ("prev_hit_rate", ""),
                ("amount_ytd", "600.6"),
                ("prev_per_day", "0.25"),
                ("per_day_2m", "~0.16666666666666667"),
            ],
        ),
        (
            "2026-04",
            &[
                ("calls", "4"),
                ("prev_calls", "2"),
                ("calls_change", "1"),
                ("calls_3m", "11"),
                ("hit_rate_2m", "0.4"),
                ("calls_qtd", "4"),
                ("prev_hit_rate", "0.25"),
                ("amount_ytd", "650.65"),
            ],
        ),
        (
            "2026-05",
            &[
                ("calls", "1"),
                ("prev_calls", "4"),
                ("calls_change", "-0.75"),
                ("calls_3m", "7"),
                ("hit_rate_2m", "1"),
                ("calls_qtd", "5"),
                ("prev_hit_rate", "1"),
                ("amount_ytd", "650.65"),
                ("per_day_2m", "~0.11627906976744186"),
            ],
        ),
    ];
    for (p, cells) in ann {
        expect(&t, &["ann", p], cells);
    }
    // bob in April: March (no rows, inside the data's span) counts as 0.
    expect(
        &t,
        &["bob", "2026-04"],
        &[
            ("calls", "6"),
            ("prev_calls", "0"),
            ("calls_change", ""),
            ("calls_3m", "8"),
            ("hit_rate_2m", "1"),
            ("calls_qtd", "6"),
            ("prev_hit_rate", ""),
            ("amount_ytd", "60.06"),
            ("prev_per_day", "0"),
            ("per_day_2m", "~0.13636363636363636"),
        ],
    );
    expect(
        &t,
        &["bob", "2026-05"],
        &[
            ("calls", "3"),
            ("prev_calls", "6"),
            ("calls_change", "-0.5"),
            ("calls_3m", "9"),
            ("calls_qtd", "9"),
            ("amount_ytd", "100.1"),
        ],
    );
    expect(
        &t,
        &["bob", "2026-01"],
        &[
            ("hit_rate", "0"),
            ("prev_calls", ""),
            ("hit_rate_2m", "0"),
            ("amount_ytd", "0"),
        ],
    );
}

/// reference.py windows_from: --from 2026-03-01 shows March..May, and the windows
/// still read January and February. prev_per_day of March is February's 5 calls over
/// February's 20 working days (found bug: it was null, as February's working days
/// were clipped to the range and counted 0).
#[test]
fn windows_read_data_before_from() {
    let t = eval_csv(&[
        &f("windows.kpi"),
        "--data",
        &f("windows.csv"),
        "--by",
        "rep",
        "--grain",
        "month",
        "--from",
        "2026-03-01",
    ]);
    let keys: Vec<String> = t.keys(2).iter().map(|k| k.join(" ")).collect();
    assert_eq!(
        keys,
        [
            "ann 2026-03",
            "ann 2026-04",
            "ann 2026-05",
            "bob 2026-04",
            "bob 2026-05"
        ]
    );
    expect(
        &t,
        &["ann", "2026-03"],
        &[
            ("prev_calls", "5"),
            ("calls_change", "-0.6"),
            ("calls_3m", "10"),
            ("hit_rate_2m", "0.5"),
            ("calls_qtd", "10"),
            ("amount_ytd", "600.6"),
            ("prev_per_day", "0.25"),
            ("per_day_2m", "~0.16666666666666667"),
        ],
    );
    expect(
        &t,
        &["bob", "2026-04"],
        &[
            ("prev_calls", "0"),
            ("calls_3m", "8"),
            ("amount_ytd", "60.06"),
        ],
    );
}

/// Rolled-up sums of money stay exact: ytd 100.10 + 200.20 is 300.3, not
/// 300.29999999999995 (found bug: rolling/to_date summed floats).
#[test]
fn rolled_money_is_exact() {
    let t = eval_csv(&[
        &f("windows.kpi"),
        "--data",
        &f("windows.csv"),
        "--by",
        "rep",
        "--grain",
        "month",
        "--metrics",
        "amount_ytd",
    ]);
    assert_eq!(
        t.column("amount_ytd"),
        ["100.1", "300.3", "600.6", "650.65", "650.65", "0", "10.01", "60.06", "100.1"]
    );
}

// ---- several sources --------------------------------------------------------------

/// reference.py msrc: won amounts from activities meet quotas on rep/team and month.
/// A rep with a quota and no activity (dan) appears with won_amount 0; a rep with
/// activity and no quota (eve) has attainment won/0 = null.
#[test]
fn two_sources_meet_on_by_and_period() {
    let t = eval_csv(&[
        &f("msrc_gap.kpi"),
        "--data",
        &format!("activities={}", f("msrc_activities.csv")),
        "--data",
        &format!("quotas={}", f("msrc_quotas.csv")),
        "--by",
        "rep",
        "--grain",
        "month",
    ]);
    let keys: Vec<String> = t.keys(2).iter().map(|k| k.join(" ")).collect();
    assert_eq!(
        keys,
        [
            "ann 2026-01",
            "ann 2026-02",
            "bob 2026-01",
            "bob 2026-02",
            "cem 2026-01",
            "cem 2026-02",
            "dan 2026-02",
            "eve 2026-02"
        ]
    );
    expect(
        &t,
        &["ann", "2026-01"],
        &[
            ("won_amount", "1500.75"),
            ("calls", "1"),
            ("quota", "3000"),
            ("attainment", "~0.50025"),
        ],
    );
    expect(
        &t,
        &["ann", "2026-02"],
        &[
            ("won_amount", "4000"),
            ("quota", "4000"),
            ("attainment", "1"),
        ],
    );
    expect(
        &t,
        &["bob", "2026-01"],
        &[
            ("won_amount", "0"),
            ("calls", "2"),
            ("quota", "2000"),
            ("attainment", "0"),
        ],
    );
    expect(
        &t,
        &["bob", "2026-02"],
        &[
            ("won_amount", "500.1"),
            ("quota", "1000"),
            ("attainment", "~0.5001"),
        ],
    );
    expect(
        &t,
        &["cem", "2026-01"],
        &[
            ("won_amount", "9000"),
            ("quota", "6000"),
            ("attainment", "1.5"),
        ],
    );
    expect(
        &t,
        &["dan", "2026-02"],
        &[
            ("won_amount", "0"),
            ("calls", "0"),
            ("quota", "2500"),
            ("attainment", "0"),
        ],
    );
    expect(
        &t,
        &["eve", "2026-02"],
        &[
            ("won_amount", "750.75"),
            ("quota", "0"),
            ("attainment", ""),
            ("gap", "-750.75"),
        ],
    );
    // gap = quota - won_amount, exact: 3000 - 1500.75; 1000 - 500.10
    expect(&t, &["ann", "2026-01"], &[("gap", "1499.25")]);
    expect(&t, &["bob", "2026-02"], &[("gap", "499.9")]);
    // Per team: ratio of the team's sums.
    let t = eval_csv(&[
        &f("msrc.kpi"),
        "--data",
        &format!("activities={}", f("msrc_activities.csv")),
        "--data",
        &format!("quotas={}", f("msrc_quotas.csv")),
        "--by",
        "team",
        "--grain",
        "month",
    ]);
    expect(
        &t,
        &["north", "2026-01"],
        &[
            ("won_amount", "1500.75"),
            ("calls", "3"),
            ("quota", "5000"),
            ("attainment", "~0.30015"),
        ],
    );
    expect(
        &t,
        &["north", "2026-02"],
        &[
            ("won_amount", "4500.1"),
            ("quota", "5000"),
            ("attainment", "~0.90002"),
        ],
    );
    expect(
        &t,
        &["south", "2026-02"],
        &[
            ("won_amount", "0"),
            ("calls", "1"),
            ("quota", "8500"),
            ("attainment", "0"),
        ],
    );
    expect(
        &t,
        &["west", "2026-02"],
        &[("won_amount", "750.75"), ("quota", "0"), ("attainment", "")],
    );
}

#[test]
fn a_source_without_a_by_dimension_is_an_error() {
    let r = kpi(&[
        "eval",
        &f("msrc.kpi"),
        "--data",
        &format!("activities={}", f("msrc_activities.csv")),
        "--data",
        &format!("quotas={}", f("msrc_quotas.csv")),
        "--by",
        "region",
    ]);
    // A request the definitions cannot answer: usage (exit 2).
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("`quotas`") && r.stderr.contains("`region`"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    // Only the metrics of the source that has it: fine.
    let t = eval_csv(&[
        &f("msrc.kpi"),
        "--data",
        &format!("activities={}", f("msrc_activities.csv")),
        "--data",
        &format!("quotas={}", f("msrc_quotas.csv")),
        "--by",
        "region",
        "--metrics",
        "won_amount,calls",
    ]);
    // amer: 9000 (cem) + 750.75 (eve); emea: 1200.50 + 300.25 + 4000 + 500.10
    expect(&t, &["amer"], &[("won_amount", "9750.75"), ("calls", "1")]);
    expect(&t, &["emea"], &[("won_amount", "6000.85"), ("calls", "3")]);
}

// ---- output layout and formats ---------------------------------------------------

fn funnel_args<'a>(by: &'a str, metrics: &'a str, format: &'a str) -> Vec<String> {
    vec![
        "eval".into(),
        f("funnel.kpi"),
        "--data".into(),
        f("funnel.csv"),
        "--by".into(),
        by.into(),
        "--metrics".into(),
        metrics.into(),
        "--format".into(),
        format.into(),
    ]
}

fn run(args: &[String]) -> Run {
    let a: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    let r = kpi(&a);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r
}

/// by columns in the order given, then the metrics in --metrics order; rows sorted by
/// the by columns; counts as integers; null as an empty cell; decimals exact.
#[test]
fn csv_exact_text_and_layout() {
    let r = run(&funnel_args(
        "team,rep",
        "won,calls,hit_rate,won_amount",
        "csv",
    ));
    assert_eq!(
        r.stdout,
        "team,rep,won,calls,hit_rate,won_amount\n\
         north,ann,1,6,0.5,1000\n\
         north,bob,1,12,0.125,250.5\n\
         south,cem,0,5,,0\n"
    );
    let r = run(&funnel_args("rep,team", "calls,won", "csv"));
    assert_eq!(
        r.stdout,
        "rep,team,calls,won\nann,north,6,1\nbob,north,12,1\ncem,south,5,0\n"
    );
    // Without --metrics: definition order.
    let t = eval_csv(&[&f("nulls.kpi"), "--data", &f("nulls.csv"), "--by", "rep"]);
    assert_eq!(
        t.header,
        [
            "rep",
            "opps",
            "won",
            "won_amount",
            "avg_won",
            "max_won",
            "med_won",
            "hit_rate",
            "deal_size",
            "plus_one",
            "safe_rate",
            "safe_size"
        ]
    );
    // Sorted by by columns, then period.
    let t = eval_csv(&[
        &f("windows.kpi"),
        "--data",
        &f("windows.csv"),
        "--by",
        "team,rep",
        "--grain",
        "quarter",
        "--metrics",
        "calls",
    ]);
    // ann: Q1 3+5+2, Q2 4+1; bob: Q1 1+2, Q2 6+3
    assert_eq!(
        t.rows,
        [
            ["north", "ann", "2026-Q1", "10"],
            ["north", "ann", "2026-Q2", "5"],
            ["north", "bob", "2026-Q1", "3"],
            ["north", "bob", "2026-Q2", "9"]
        ]
        .iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .collect::<Vec<_>>()
    );
}

/// Dimension values with commas, quotes or newlines are quoted in CSV (RFC 4180).
#[test]
fn csv_quotes_fields_that_need_it() {
    let dir = tempdir("quote");
    let data = dir.join("q.csv");
    std::fs::write(&data, "ts,rep,team,type,amount\n2026-01-05,\"Smith, Ann\",north,call,\n2026-01-05,\"say \"\"hi\"\"\",north,call,\n2026-01-06,\"two\nlines\",north,call,\n").unwrap();
    let r = kpi(&[
        "eval",
        &f("funnel.kpi"),
        "--data",
        data.to_str().unwrap(),
        "--by",
        "rep",
        "--metrics",
        "calls",
        "--format",
        "csv",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "rep,calls\n\"Smith, Ann\",1\n\"say \"\"hi\"\"\",1\n\"two\nlines\",1\n"
    );
}

#[test]
fn json_is_an_array_of_objects_in_layout_order() {
    let r = run(&funnel_args("team,rep", "won,calls,hit_rate", "json"));
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0],
        serde_json::json!({"team": "north", "rep": "ann", "won": 1, "calls": 6, "hit_rate": 0.5})
    );
    assert_eq!(
        rows[1],
        serde_json::json!({"team": "north", "rep": "bob", "won": 1, "calls": 12, "hit_rate": 0.125})
    );
    assert_eq!(
        rows[2],
        serde_json::json!({"team": "south", "rep": "cem", "won": 0, "calls": 5, "hit_rate": null})
    );
    // Keys in layout order in the text.
    let first = &r.stdout[..r.stdout.find('}').unwrap()];
    let pos = |k: &str| first.find(&format!("\"{k}\"")).unwrap();
    assert!(
        pos("team") < pos("rep")
            && pos("rep") < pos("won")
            && pos("won") < pos("calls")
            && pos("calls") < pos("hit_rate")
    );
}

#[test]
fn ndjson_is_one_object_per_line() {
    let r = run(&funnel_args("rep", "calls,won_amount,avg_deal", "ndjson"));
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 3);
    let v: Vec<serde_json::Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        v[0],
        serde_json::json!({"rep": "ann", "calls": 6, "won_amount": 1000, "avg_deal": 1000.0})
    );
    assert_eq!(
        v[1],
        serde_json::json!({"rep": "bob", "calls": 12, "won_amount": 250.5, "avg_deal": 250.5})
    );
    assert_eq!(
        v[2],
        serde_json::json!({"rep": "cem", "calls": 5, "won_amount": 0, "avg_deal": null})
    );
}

#[test]
fn md_table_header_and_rows() {
    let r = run(&funnel_args("team,rep", "calls,hit_rate", "md"));
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines[0], "| team | rep | calls | hit_rate |");
    assert_eq!(lines[1], "| --- | --- | ---: | ---: |");
    assert_eq!(lines[2], "| north | ann | 6 | 0.5 |");
    assert_eq!(lines[3], "| north | bob | 12 | 0.125 |");
    assert_eq!(lines[4], "| south | cem | 5 |  |");
    assert_eq!(lines.len(), 5);
}

#[test]
fn table_contains_header_and_values() {
    let r = run(&funnel_args(
        "team",
        "calls,won_amount,outbound.meetings_rate",
        "table",
    ));
    // north: 6+12 calls, 1000 + 250.50, meetings rate 7/30 (funnel rates print as percent)
    for s in [
        "team",
        "calls",
        "won_amount",
        "outbound.meetings_rate",
        "north",
        "south",
        "18",
        "1250.5",
        "23.3333%",
        "0%",
    ] {
        assert!(r.stdout.contains(s), "missing `{s}` in\n{}", r.stdout);
    }
    // 6 significant digits in tables.
    assert!(!r.stdout.contains("23.33333"), "{}", r.stdout);
    // the default format is the table
    let r2 = kpi(&[
        "eval",
        &f("funnel.kpi"),
        "--data",
        &f("funnel.csv"),
        "--by",
        "team",
        "--metrics",
        "calls,won_amount,outbound.meetings_rate",
    ]);
    assert_eq!(r2.stdout, r.stdout);
}

#[test]
fn output_file_gets_the_same_text() {
    let dir = tempdir("out");
    let out = dir.join("res.csv");
    let mut args = funnel_args("rep", "calls,won", "csv");
    args.push("-o".into());
    args.push(out.to_string_lossy().into_owned());
    let r = run(&args);
    assert_eq!(r.stdout, "");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "rep,calls,won\nann,6,1\nbob,12,1\ncem,5,0\n"
    );
}

// ---- through the library ----------------------------------------------------------

/// The same evaluation through `kpi::compile` + `kpi::eval` over in-memory CSV bytes
/// (reference.py msrc, rep level).
#[test]
fn library_eval_over_inline_data() {
    let graph = compile_file(&fixtures().join("msrc_gap.kpi"));
    let acts = std::fs::read(fixtures().join("msrc_activities.csv")).unwrap();
    let quotas = std::fs::read(fixtures().join("msrc_quotas.csv")).unwrap();
    let out = eval_lib(
        &graph,
        &Lib {
            by: &["rep"],
            grain: Grain::Month,
            metrics: &["attainment", "won_amount", "quota", "gap"],
            ..Default::default()
        },
        &[
            ("activities", "acts.csv", acts),
            ("quotas", "quotas.csv", quotas),
        ],
    )
    .unwrap();
    let c = cells(&out);
    let ann = &c[&vec!["ann".to_string(), "2026-01".to_string()]];
    assert_eq!(ann["won_amount"], Cell::Dec(1_500_750_000));
    assert_eq!(ann["quota"], Cell::Dec(3_000_000_000));
    assert_eq!(ann["attainment"].as_f64(), Some(1500.75 / 3000.0));
    // the difference of two exact sums is exact too
    assert_eq!(ann["gap"], Cell::Dec(1_499_250_000));
    let eve = &c[&vec!["eve".to_string(), "2026-02".to_string()]];
    assert_eq!(eve["attainment"], Cell::Null);
    assert_eq!(out.rows().len(), 8);
}

/// NDJSON input gives the same numbers as CSV.
#[test]
fn ndjson_input_matches_csv() {
    let graph = compile_file(&fixtures().join("aggs.kpi"));
    let csv = std::fs::read_to_string(fixtures().join("aggs.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut nd = String::new();
    for l in lines {
        let obj: serde_json::Map<String, serde_json::Value> = header
            .iter()
            .zip(l.split(','))
            .map(|(k, v)| {
                let val = if v.is_empty() {
                    serde_json::Value::Null
                } else if *k == "amount" || *k == "dur" {
                    serde_json::Value::Number(v.parse().unwrap())
                } else {
                    v.into()
                };
                (k.to_string(), val)
            })
            .collect();
        nd.push_str(&serde_json::Value::Object(obj).to_string());
        nd.push('\n');
    }
    let l = Lib {
        by: &["team"],
        ..Default::default()
    };
    let a = eval_lib(&graph, &l, &[("acts", "aggs.csv", csv.into_bytes())]).unwrap();
    let b = eval_lib(&graph, &l, &[("acts", "aggs.ndjson", nd.into_bytes())]).unwrap();
    assert_eq!(cells(&a), cells(&b));
    // and a spot check: north's total is 1050.74 (reference.py aggs)
    assert_eq!(
        cells(&b)[&vec!["north".to_string()]]["total"],
        Cell::Dec(1_050_740_000)
    );
}

/// A filter literal that matches no row while the column holds it up to case or
/// surrounding spaces is a warning on stderr, once per literal, naming the metric
/// and where it is defined; a literal that matches says nothing; the values stand.
#[test]
fn filter_literals_that_nearly_match_are_warned_about() {
    let r = kpi(&["eval", &fixture("literals/defs.kpi"), "--format", "csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "calls,won,won_amount,meetings,visits\n0,0,0,1,0\n"
    );
    let defs = fixture("literals/defs.kpi");
    let data = fixture("literals/acts.csv");
    assert_eq!(
        r.stderr,
        format!(
            "warning: filter `type == \"Call\"` (in `calls` at {defs}:10:8) matched no row of `{data}`; the column has `call`: did you mean it?\n\
             warning: filter `type == \"deal_won\"` (in `won` at {defs}:11:8) matched no row of `{data}`; the column has `deal_won `: did you mean it?\n"
        )
    );
    // Only the metrics asked for are looked at.
    let r = kpi(&["eval", &defs, "--metrics", "meetings,visits"]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
}
