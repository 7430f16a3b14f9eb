//! Golden tests of `kpi eval`: every aggregation and filter operator, nulls and empty
//! groups, division by zero, and team ratios as ratios of sums.
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
