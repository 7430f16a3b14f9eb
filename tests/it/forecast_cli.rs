//! `kpi forecast` on `tests/fixtures/forecast/` (May 2026: 20 working days, Ascension
//! on Thursday 14 May a holiday; April: 22; Amsterdam time, UTC+2). Every expected
//! value is worked out by hand in the comments; the property test holds the
//! forecast at a period's last day equal to what `kpi eval` says the period came to.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::Value;

use crate::support::{kpi, tempdir};

const DEFS: &str = "tests/fixtures/forecast/forecast.kpi";

fn json(args: &[&str]) -> Value {
    let mut all = vec!["forecast", DEFS, "--format", "json"];
    all.extend_from_slice(args);
    let r = kpi(&all);
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

/// {(group values joined by `/`, metric) -> (to_date, forecast)}.
type Values = BTreeMap<(String, String), (Option<f64>, Option<f64>)>;

fn values(rows: &Value) -> Values {
    rows.as_array()
        .expect("an array of forecast rows")
        .iter()
        .map(|r| {
            let g: Vec<&str> = r["group"]
                .as_object()
                .unwrap()
                .values()
                .map(|v| v.as_str().unwrap())
                .collect();
            (
                (g.join("/"), r["metric"].as_str().unwrap().to_string()),
                (r["to_date"].as_f64(), r["forecast"].as_f64()),
            )
        })
        .collect()
}

fn get(m: &Values, group: &str, metric: &str) -> (Option<f64>, Option<f64>) {
    *m.get(&(group.to_string(), metric.to_string()))
        .unwrap_or_else(|| panic!("no row {group} {metric} in {m:?}"))
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() <= 1e-9 * b.abs().max(1.0))
}

#[test]
fn run_rate_mid_month_by_hand() {
    // Through Friday 15 May, Amsterdam time: working days 1, 4-8, 11-13, 15 = 10 of
    // 20, so counts and sums x 2. Calls: ann's 2026-04-30T22:30Z (1 May 00:30 there),
    // bob 1 May, ann 4 May, bob 12 May = 4; ann's 2026-05-15T22:30Z is 16 May there.
    let rows = json(&["--today", "2026-05-15"]);
    for r in rows.as_array().unwrap() {
        assert_eq!(r["period"], "2026-05");
        assert_eq!(r["method"], "run_rate");
    }
    let m = values(&rows);
    assert_eq!(get(&m, "", "calls"), (Some(4.0), Some(8.0)));
    assert_eq!(get(&m, "", "opportunities"), (Some(3.0), Some(6.0)));
    assert_eq!(get(&m, "", "won"), (Some(2.0), Some(4.0)));
    assert_eq!(get(&m, "", "won_amount"), (Some(3500.5), Some(7001.0)));
    // A ratio is recomputed from the projected bases (4 / 6), not scaled (4 / 3).
    let (td, fc) = get(&m, "", "hit_rate");
    assert!(
        close(td, 2.0 / 3.0) && close(fc, 2.0 / 3.0),
        "{td:?} {fc:?}"
    );
    // calls / workdays: 4 / 10 so far, 8 / 20 projected.
    assert_eq!(get(&m, "", "calls_per_day"), (Some(0.4), Some(0.4)));
    // Averages and distinct counts are not scaled.
    assert_eq!(get(&m, "", "avg_deal"), (Some(1750.25), Some(1750.25)));
    assert_eq!(get(&m, "", "active_reps"), (Some(2.0), Some(2.0)));
    // The quota is a month's value (dated `2026-05`): not run-rated.
    assert_eq!(get(&m, "", "quota"), (Some(12000.0), Some(12000.0)));
    let (td, fc) = get(&m, "", "attainment");
    assert!(close(td, 3500.5 / 12000.0) && close(fc, 7001.0 / 12000.0));
    // change(calls): April had 4 calls; 4 so far is 0 %, 8 projected is +100 %.
    assert_eq!(get(&m, "", "calls_change"), (Some(0.0), Some(1.0)));
}

#[test]
fn a_rep_without_activity_yet_is_forecast_at_zero() {
    // cem called in April only: 0 calls so far in May, forecast 0; no hit rate.
    let m = values(&json(&[
        "--today",
        "2026-05-15",
        "--by",
        "rep",
        "--metrics",
        "calls,hit_rate",
    ]));
    assert_eq!(get(&m, "ann", "calls"), (Some(2.0), Some(4.0)));
    assert_eq!(get(&m, "bob", "calls"), (Some(2.0), Some(4.0)));
    assert_eq!(get(&m, "cem", "calls"), (Some(0.0), Some(0.0)));
    assert_eq!(get(&m, "cem", "hit_rate"), (None, None));
    assert_eq!(get(&m, "ann", "hit_rate"), (Some(0.5), Some(0.5)));
    assert_eq!(m.len(), 6);
}

#[test]
fn first_working_day_weekend_and_last_day() {
    // Friday 1 May is working day 1 of 20: x 20. Calls that day: ann (00:30) and bob.
    let m = values(&json(&[
        "--today",
        "2026-05-01",
        "--metrics",
        "calls,opportunities",
    ]));
    assert_eq!(get(&m, "", "calls"), (Some(2.0), Some(40.0)));
    assert_eq!(get(&m, "", "opportunities"), (Some(1.0), Some(20.0)));
    // Saturday 2 May: still one working day seen.
    let m = values(&json(&["--today", "2026-05-02", "--metrics", "calls"]));
    assert_eq!(get(&m, "", "calls"), (Some(2.0), Some(40.0)));
    // Sunday 31 May, the last day: the forecast is what the month came to (6 calls).
    let m = values(&json(&["--today", "2026-05-31", "--period", "2026-05"]));
    assert_eq!(get(&m, "", "calls"), (Some(6.0), Some(6.0)));
    for ((g, metric), (td, fc)) in &m {
        assert_eq!(td, fc, "{g} {metric}");
    }
}

#[test]
fn funnel_method_by_hand() {
    // Rates of April: 2 opportunities, 1 won (0.5), deal size 2,000. So far in May:
    // 3 opportunities (run-rated to 6: 3 more), 2 won, 3,500.50. Won: 2 + 3 x 0.5 =
    // 3.5; total: 3,500.50 + 3 x 0.5 x 2,000 = 6,500.50.
    let rows = json(&[
        "--today",
        "2026-05-15",
        "--method",
        "funnel",
        "--funnel",
        "pipe",
        "--rates-from",
        "2026-04",
    ]);
    let m = values(&rows);
    assert_eq!(rows[0]["method"], "funnel");
    assert_eq!(get(&m, "", "pipe.opportunities"), (Some(3.0), Some(6.0)));
    assert_eq!(get(&m, "", "pipe.won"), (Some(2.0), Some(3.5)));
    assert_eq!(get(&m, "", "pipe.total"), (Some(3500.5), Some(6500.5)));
    let (_, rate) = get(&m, "", "pipe.won_rate");
    assert!(close(rate, 3.5 / 6.0));
    let (_, value) = get(&m, "", "pipe.value");
    assert!(close(value, 6500.5 / 3.5));
    // At the month's last day nothing remains: forecast = to date, for every member.
    let m = values(&json(&[
        "--today",
        "2026-05-31",
        "--method",
        "funnel",
        "--funnel",
        "pipe",
        "--rates-from",
        "2026-04",
    ]));
    for ((_, metric), (td, fc)) in &m {
        assert_eq!(td, fc, "{metric}");
    }
}

#[test]
fn checks_on_the_forecast() {
    // calls / workdays per rep in May, projected: ann 4/20 = 0.2 and bob 0.2 (< 0.3:
    // warn), cem 0 (< 0.15: fail) -> exit 1.
    let r = kpi(&[
        "forecast",
        DEFS,
        "--today",
        "2026-05-15",
        "--checks",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let got: Vec<(String, String, f64, bool)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["group"]["rep"].as_str().unwrap().to_string(),
                c["status"].as_str().unwrap().to_string(),
                c["value"].as_f64().unwrap(),
                c["forecast"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("ann".into(), "warn".into(), 0.2, true),
            ("bob".into(), "warn".into(), 0.2, true),
            ("cem".into(), "fail".into(), 0.0, true),
        ]
    );
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["check"] == "calls_low" && c["period"] == "2026-05"));
    // The weekly check: week 2026-W20 (11-17 May, the 14th a holiday) at its third
    // working day (Wednesday 13 May): bob's one call projects to 4/3, ann's none to 0.
    let r = kpi(&[
        "forecast",
        DEFS,
        "--today",
        "2026-05-13",
        "--period",
        "2026-W20",
        "--checks",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let rows = v.as_array().unwrap();
    let bob = rows.iter().find(|c| c["group"]["rep"] == "bob").unwrap();
    assert!(close(bob["value"].as_f64(), 4.0 / 3.0));
    assert_eq!(bob["status"], "pass");
    let ann = rows.iter().find(|c| c["group"]["rep"] == "ann").unwrap();
    assert_eq!(
        (ann["value"].as_f64(), ann["status"].as_str()),
        (Some(0.0), Some("fail"))
    );
}

#[test]
fn backtest_mape_and_bias_by_hand() {
    // 15 May is working day 10 of May; April's 10th working day is Tuesday 14 April
    // (1-3, 6-10, 13, 14). April's calls to then: bob 2 Apr, ann 8 Apr = 2, run-rated
    // x 22/10 = 4.4; April came to 4 (cem 15 Apr, ann 20 Apr after the cut): +10 %.
    let v = json(&[
        "--today",
        "2026-05-15",
        "--metrics",
        "calls",
        "--backtest",
        "1",
    ]);
    let b = &v["backtest"];
    assert_eq!(b["periods"], serde_json::json!(["2026-04"]));
    assert_eq!(b["workday"], 10);
    let calls = &b["metrics"][0];
    assert_eq!(calls["metric"], "calls");
    assert!(close(calls["mape"].as_f64(), 0.1));
    assert!(close(calls["bias"].as_f64(), 0.1));
    assert_eq!(calls["n"], 1);
    assert!(close(b["cases"][0]["forecast"].as_f64(), 4.4));
    assert_eq!(b["cases"][0]["actual"].as_f64(), Some(4.0));
    assert_eq!(v["forecast"][0]["forecast"].as_f64(), Some(8.0));

    // Per rep: ann 1 -> 2.2 vs 2 (+10 %), bob 1 -> 2.2 vs 1 (+120 %), cem 0 -> 0 vs 1
    // (-100 %). Over all: MAPE (0.1 + 1.2 + 1) / 3, bias (0.1 + 1.2 - 1) / 3.
    let v = json(&[
        "--today",
        "2026-05-15",
        "--metrics",
        "calls",
        "--by",
        "rep",
        "--backtest",
        "1",
    ]);
    let m = v["backtest"]["metrics"].as_array().unwrap();
    let find = |g: Value| m.iter().find(|r| r["group"] == g).unwrap();
    let all = find(Value::Null);
    assert!(close(all["mape"].as_f64(), 2.3 / 3.0));
    assert!(close(all["bias"].as_f64(), 0.3 / 3.0));
    assert_eq!(all["n"], 3);
    assert!(close(
        find(serde_json::json!({"rep": "bob"}))["mape"].as_f64(),
        1.2
    ));
    assert!(close(
        find(serde_json::json!({"rep": "cem"}))["bias"].as_f64(),
        -1.0
    ));
    assert!(close(
        find(serde_json::json!({"rep": "ann"}))["mape"].as_f64(),
        0.1
    ));
}

#[test]
fn backtest_leaves_out_what_reads_earlier_periods() {
    let r = kpi(&[
        "forecast",
        DEFS,
        "--today",
        "2026-05-15",
        "--metrics",
        "calls,calls_change",
        "--backtest",
        "1",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(
            "backtest: the same forecast at working day 10 of the month before (2026-04)"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("not backtested: calls_change (reads earlier periods"),
        "{}",
        r.stdout
    );
}

#[test]
fn errors_that_say_what_to_do() {
    let run = |args: &[&str]| {
        let mut all = vec!["forecast", DEFS];
        all.extend_from_slice(args);
        kpi(&all)
    };
    let r = run(&["--today", "2026-06-03", "--period", "2026-05"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("--today 2026-06-03 is outside 2026-05 (2026-05-01..2026-05-31)"),
        "{}",
        r.stderr
    );
    // Saturday 1 August: no working day of August has passed.
    let r = run(&["--today", "2026-08-01"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("no working day of 2026-08 has passed by --today 2026-08-01"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("its first working day is 2026-08-03"),
        "{}",
        r.stderr
    );
    let r = run(&[
        "--today",
        "2026-05-15",
        "--method",
        "funnel",
        "--funnel",
        "calls_only",
        "--rates-from",
        "2026-04",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("funnel `calls_only` has no `value`"),
        "{}",
        r.stderr
    );
    let r = run(&[
        "--today",
        "2026-05-15",
        "--method",
        "funnel",
        "--funnel",
        "pipe",
        "--rates-from",
        "2025-01",
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("no data in --rates-from 2025-01"),
        "{}",
        r.stderr
    );
    let r = run(&["--today", "2026-05-15", "--method", "funnel"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("--method funnel needs --funnel F"),
        "{}",
        r.stderr
    );
    let r = run(&["--today", "2026-05-15", "--from", "2026-05-01"]);
    assert_eq!(r.code, 2);
    let r = run(&["--today", "2026-05-15", "--backtest", "0"]);
    assert_eq!(r.code, 2);
    let r = run(&[
        "--today",
        "2026-05-15",
        "--backtest",
        "2",
        "--format",
        "csv",
    ]);
    assert_eq!(r.code, 2);
    let r = run(&["--today", "2026-05-15", "--period", "2026-13"]);
    assert_eq!(r.code, 2);
    let r = run(&["--today", "2025-02-12"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("no data from 2025-01-01 through 2025-02-12"),
        "{}",
        r.stderr
    );
    // The data ends before --today: said, not silently counted as quiet days.
    let r = run(&["--today", "2026-06-03", "--metrics", "calls"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stderr.contains("warning: the data ends on 2026-05-28"),
        "{}",
        r.stderr
    );
}

#[test]
fn output_depends_only_on_definitions_data_and_today() {
    let args = [
        "forecast",
        DEFS,
        "--today",
        "2026-05-15",
        "--by",
        "rep",
        "--backtest",
        "1",
    ];
    let a = kpi(&args);
    let b = kpi(&args);
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(a.stdout, b.stdout);
    // The table says what the forecast rests on.
    assert!(a.stdout.contains("run_rate forecast of 2026-05 at working day 10 of 20 (2026-05-01..2026-05-15): counts and sums x 20/10"), "{}", a.stdout);
    let csv = kpi(&[
        "forecast",
        DEFS,
        "--today",
        "2026-05-15",
        "--metrics",
        "calls,won_amount",
        "--format",
        "csv",
    ]);
    assert_eq!(
        csv.stdout,
        "period,metric,to_date,forecast\n2026-05,calls,4,8\n2026-05,won_amount,3500.5,7001\n"
    );
}

/// Random events over April to June; `kpi forecast` at the last day of a month or
/// week, every metric and both methods, against `kpi eval` over that period.
fn events() -> impl Strategy<Value = Vec<(u32, usize, usize, u32)>> {
    prop::collection::vec((0u32..91, 0usize..3, 0usize..3, 1u32..5000), 1..60)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn at_the_last_day_the_forecast_is_what_the_period_came_to(evs in events(), pick in 0usize..4) {
        let dir = tempdir("forecast-prop");
        let mut csv = String::from("ts,rep,type,amount\n");
        let start = kpi::data::time::parse_date_arg("2026-04-01").unwrap();
        for (d, rep, kind, amount) in &evs {
            let day = kpi::data::period::period_label(kpi::data::period::Grain::Day, start + *d as i32);
            let kind = ["call", "opportunity", "deal_won"][*kind];
            let amount = if kind == "deal_won" { amount.to_string() } else { String::new() };
            csv.push_str(&format!("{day}T12:00:00Z,{},{kind},{amount}\n", ["ann", "bob", "cem"][*rep]));
        }
        std::fs::write(dir.join("events.csv"), csv).unwrap();
        std::fs::copy("tests/fixtures/forecast/quotas.csv", dir.join("quotas.csv")).unwrap();
        let defs = dir.join("f.kpi");
        std::fs::copy(DEFS, &defs).unwrap();
        let defs = defs.to_str().unwrap().to_string();
        let (period, last, first) = [
            ("2026-05", "2026-05-31", "2026-05-01"),
            ("2026-06", "2026-06-30", "2026-06-01"),
            ("2026-W20", "2026-05-17", "2026-05-11"),
            ("2026-W22", "2026-05-31", "2026-05-25"),
        ][pick];
        let fc = kpi(&["forecast", &defs, "--period", period, "--today", last, "--by", "rep", "--format", "json"]);
        prop_assert_eq!(fc.code, 0, "{}", fc.stderr);
        let fc = values(&serde_json::from_str(&fc.stdout).unwrap());
        let grain = if period.contains('W') { "week" } else { "month" };
        let ev = kpi(&["eval", &defs, "--by", "rep", "--grain", grain, "--from", first, "--to", last, "--fill", "--format", "json"]);
        prop_assert_eq!(ev.code, 0, "{}", ev.stderr);
        let ev: Value = serde_json::from_str(&ev.stdout).unwrap();
        let mut compared = 0;
        for row in ev.as_array().unwrap() {
            let rep = row["rep"].as_str().unwrap();
            for (metric, actual) in row.as_object().unwrap() {
                if metric == "rep" || metric == "period" || metric == "calls_change" {
                    continue;
                }
                let Some((td, f)) = fc.get(&(rep.to_string(), metric.clone())) else {
                    continue;
                };
                let a = actual.as_f64();
                prop_assert!(td == &a || (td.is_some() && close(*td, a.unwrap_or(f64::NAN))), "{rep} {metric}: to_date {td:?} vs eval {a:?}");
                prop_assert_eq!(td, f, "{} {}", rep, metric);
                compared += 1;
            }
        }
        // Every rep row of the period had its 11 metrics compared.
        prop_assert_eq!(compared, ev.as_array().unwrap().len() * 11);
        let fun = kpi(&["forecast", &defs, "--period", period, "--today", last, "--by", "rep", "--format", "json",
            "--method", "funnel", "--funnel", "pipe", "--rates-from", "2026-04"]);
        if fun.code == 0 {
            for ((g, m), (td, f)) in values(&serde_json::from_str(&fun.stdout).unwrap()) {
                let same = td == f || (td.is_some() && close(f, td.unwrap_or(f64::NAN)));
                prop_assert!(same, "{} {}: {:?} vs {:?}", g, m, td, f);
            }
        } else {
            // Only when April had no opportunities to take rates from, or the events
            // hold nothing in the period and the one before.
            prop_assert!(fun.code == 1 && (fun.stderr.contains("no data in --rates-from") || fun.stderr.contains("no data from")), "{}", fun.stderr);
        }
    }
}
