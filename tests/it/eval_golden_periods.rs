//! Golden tests of `kpi eval` over time: grains and period labels, `--from`/`--to`,
//! time zones across DST, working days and holidays, `--fill`, and windows.
//!
//! Every expected value is worked out independently of kpi — by hand in the comments,
//! and by `tests/fixtures/eval/reference.py SECTION` (csv + Decimal, SQL three-valued
//! logic), whose output is quoted next to the assertions it backs. Fixtures:
//! `tests/fixtures/eval/`.

use crate::support::eval::*;
#[allow(unused_imports)]
use kpi::data::period::Grain;
#[allow(unused_imports)]
use kpi::eval::Cell;

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
