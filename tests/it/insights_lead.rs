//! `kpi insights --lead K`: the correlation of each activity metric in a period with
//! the outcome K periods later, across groups and periods.
//!
//! The expected numbers for `tests/fixtures/insights/lead.kpi` (its comment lists the
//! data per rep and month) were computed once, independently of kpi, by a Python 3.11
//! script: the pairs (metric of a rep in month t, won_amount of that rep in month
//! t + K) written out from those tables, Pearson's r with `statistics.correlation`,
//! Spearman's rho as `statistics.correlation` of average ranks (rank of a value =
//! (2 * first position + 1 + count) / 2 over the sorted values), a constant side or
//! fewer than 3 pairs giving no value.

use crate::support::kpi;

use serde_json::Value;

const DEFS: &str = "tests/fixtures/insights/lead.kpi";

fn run(extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["insights", DEFS, "--outcome", "won_amount"];
    args.extend_from_slice(extra);
    kpi(&args).parts()
}

fn json(extra: &[&str]) -> (Value, String) {
    let mut args = extra.to_vec();
    args.extend_from_slice(&["--format", "json"]);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    (serde_json::from_str(&out).expect("JSON output"), err)
}

fn metric<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == name)
        .unwrap_or_else(|| panic!("no {name} in {v}"))
}

/// `metric` has these correlations (within 1e-9; `None`: null) and pairs.
fn assert_corr(v: &Value, name: &str, pearson: Option<f64>, spearman: Option<f64>, n: u64) {
    let m = metric(v, name);
    for (key, want) in [("pearson", pearson), ("spearman", spearman)] {
        match want {
            Some(w) => {
                let got = m[key]
                    .as_f64()
                    .unwrap_or_else(|| panic!("{name} {key}: {m}"));
                assert!((got - w).abs() < 1e-9, "{name} {key}: {got} != {w}");
            }
            None => assert!(m[key].is_null(), "{name} {key}: {m}"),
        }
    }
    assert_eq!(m["n"], n, "{name}: {m}");
}

#[test]
fn lead_correlations_match_an_independent_computation() {
    let (v, err) = json(&["--by", "rep", "--lead", "1"]);
    assert_eq!(err, "", "whole months, no warning");
    assert_eq!(v["outcome"], "won_amount");
    assert_eq!(v["lead"], 1);
    assert_eq!(v["grain"], "month");
    assert_eq!(v["by"], serde_json::json!(["rep"]));
    // 3 reps x months 1..3 (each paired with the next month): 9 pairs. calls has a
    // tie (10, a in 2026-01 and b in 2026-03), won_amount too (90): rho = 115/119.
    assert_corr(
        &v,
        "calls",
        Some(0.9446279471077348),
        Some(0.9663865546218487),
        9,
    );
    assert_corr(
        &v,
        "meetings",
        Some(0.7054696310394794),
        Some(0.6138752661576438),
        9,
    );
    assert_corr(
        &v,
        "emails",
        Some(0.08321797021398034),
        Some(0.09166984970282113),
        9,
    );
    assert_corr(
        &v,
        "replies",
        Some(0.014712247158412474),
        Some(0.05197191965064278),
        9,
    );
    // c made no calls in 2026-01: its meeting rate is null there, 8 pairs.
    assert_corr(
        &v,
        "meeting_rate",
        Some(-0.1509901494115849),
        Some(-0.368160520255362),
        8,
    );
    // One visit per rep and month: constant, so no correlation (not 0, not NaN).
    assert_corr(&v, "visits", None, None, 9);
    // Emails only in a's January and c's February: 2 pairs, too few on its own.
    assert_corr(&v, "reply_rate", None, None, 2);
    // Strongest |Spearman| first, those without one last (by name).
    let names: Vec<&str> = v["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["metric"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "calls",
            "meetings",
            "meeting_rate",
            "emails",
            "replies",
            "reply_rate",
            "visits"
        ]
    );
    // The outcome's own ingredients (they count its rows) are not candidates.
    let left: Vec<&str> = v["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["metric"].as_str().unwrap())
        .collect();
    assert_eq!(left, ["won", "hit_rate"]);
}

#[test]
fn lead_other_leads_grains_groups_and_ranges() {
    // K = 2: months 1..2 with months 3..4, 6 pairs.
    let (v, _) = json(&["--by", "rep", "--lead", "2"]);
    assert_eq!(v["lead"], 2);
    assert_corr(&v, "calls", Some(0.6564064901984635), Some(0.6), 6);
    // K = 3: January with April only, 3 pairs.
    let (v, _) = json(&["--by", "rep", "--lead", "3"]);
    assert_corr(&v, "calls", Some(0.9229757916689968), Some(1.0), 3);
    // --period restricts the range: 2026-Q1 leaves April out, 6 pairs.
    let (v, _) = json(&["--by", "rep", "--lead", "1", "--period", "2026-Q1"]);
    assert_corr(
        &v,
        "calls",
        Some(0.8752973018517238),
        Some(0.9276336570439175),
        6,
    );
    // The teams: t1 = a + b (calls 15 35 40 60, won 150 340 460 530), t2 = c.
    let (v, _) = json(&["--by", "team", "--lead", "1"]);
    assert_eq!(v["by"], serde_json::json!(["team"]));
    assert_corr(&v, "calls", Some(0.9653360221687006), Some(1.0), 6);
    // Quarters: Q1 sums (a 60, b 30, c 12) with Q2 = April (won a 420, b 110, c 60).
    let (v, err) = json(&["--by", "rep", "--lead", "1", "--grain", "quarter"]);
    assert_eq!(v["grain"], "quarter");
    assert_corr(&v, "calls", Some(0.9684888387826441), Some(1.0), 3);
    assert!(
        err.contains("warning: 2026-Q2 is partial: the data covers 22 of its 65 working days"),
        "{err}"
    );
    // A range beyond the data: the months without any data are left out (not
    // counted as 0 for everyone), so 2026 gives the same as the data's own months.
    let (v, err) = json(&["--by", "rep", "--lead", "1", "--period", "2026"]);
    assert_corr(
        &v,
        "calls",
        Some(0.9446279471077348),
        Some(0.9663865546218487),
        9,
    );
    assert_corr(&v, "visits", None, None, 9);
    assert!(
        err.contains("the months after 2026-04 are left out"),
        "{err}"
    );
}

#[test]
fn lead_table_and_markdown() {
    let (code, out, err) = run(&["--by", "rep", "--lead", "1"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[1].contains("metric") && lines[1].contains("n"),
        "{out}"
    );
    let row = |name: &str| {
        let line = lines
            .iter()
            .find(|l| l.split_whitespace().nth(1) == Some(name))
            .unwrap_or_else(|| panic!("no {name} row in {out}"));
        line.split(['│', '┆'])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect::<Vec<_>>()
    };
    assert_eq!(row("calls"), ["calls", "0.945", "0.966", "9"]);
    assert_eq!(
        row("meeting_rate"),
        ["meeting_rate", "-0.151", "-0.368", "8"]
    );
    assert_eq!(
        row("visits"),
        ["visits", "9"],
        "null correlations are blank"
    );
    assert!(
        out.contains("\ncorrelation of each metric in a month with won_amount 1 month later, across rep x month (up to 9 pairs); correlation is not causation\n"),
        "{out}"
    );
    assert!(!out.contains("NaN"), "{out}");

    let (code, out, err) = run(&["--by", "rep", "--lead", "2", "--format", "md"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("| metric | pearson | spearman | n |\n| --- | --- | --- | --- |\n| calls | 0.656 | 0.600 | 6 |\n"),
        "{out}"
    );
    assert!(out.contains("| visits |  |  | 6 |\n"), "{out}");
    assert!(
        out.contains("\n\ncorrelation of each metric in a month with won_amount 2 months later, across rep x month (up to 6 pairs)"),
        "{out}"
    );
}

#[test]
fn lead_refuses_when_no_metric_has_3_pairs() {
    // Two teams, January and February: 2 pairs for every metric.
    let (code, out, err) = run(&["--by", "team", "--lead", "1", "--to", "2026-02-28"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, "");
    assert!(
        err.contains("only 2 pair(s) (metric in a month, won_amount 1 month later) across team x month; a correlation needs at least 3"),
        "{err}"
    );
    assert!(err.contains("a smaller --lead"), "{err}");
    // K as long as the data or longer (however large): no pairs at all.
    for k in ["4", "99999999999", "18446744073709551615"] {
        let (code, _, err) = run(&["--by", "rep", "--lead", k]);
        assert_eq!(code, 1, "--lead {k}: {err}");
        assert!(
            err.contains("but the data (2026-01-01..2026-04-30) spans 4 months: 0 pairs"),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    // No data in the range.
    let (code, _, err) = run(&[
        "--by",
        "rep",
        "--lead",
        "1",
        "--from",
        "2030-01-01",
        "--to",
        "2030-12-31",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no data in the range: 0 pairs"), "{err}");
    // One year of data at grain year: one period.
    let (code, _, err) = run(&["--by", "rep", "--lead", "1", "--grain", "year"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("spans 1 year: 0 pairs"), "{err}");
}

#[test]
fn lead_usage_errors() {
    for (extra, says) in [
        (&["--lead", "0"][..], "0 is not in 1.."),
        (&["--lead", "x"][..], "invalid value 'x' for '--lead <K>'"),
        (&["--lead", "99999999999999999999999"][..], "--lead"),
        (
            &["--lead", "1", "--grain", "all"][..],
            "--grain all has no periods",
        ),
        (
            &["--lead", "1", "--grain", "fortnight"][..],
            "unknown grain `fortnight`",
        ),
        (&["--grain", "month"][..], "--lead <K>"),
    ] {
        let mut args = vec!["--by", "rep"];
        args.extend_from_slice(extra);
        let (code, out, err) = run(&args);
        assert_eq!(code, 2, "{extra:?}: {err}");
        assert_eq!(out, "");
        assert!(err.contains(says), "{extra:?}: {err}");
    }
}

/// The shipped example: 8 reps, 2026-01..2026-04 (April holds 2 working days).
#[test]
fn lead_on_the_shipped_example() {
    let (code, out, err) = kpi(&[
        "insights",
        "metrics/sales.kpi",
        "--outcome",
        "won_amount",
        "--by",
        "rep",
        "--lead",
        "1",
        "--format",
        "json",
    ])
    .parts();
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: 2026-04 is partial: the data covers 2 of its 19 working days; its values do not compare with whole months (--to 2026-03-31 leaves it out)"),
        "{err}"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    let ms = v["metrics"].as_array().unwrap();
    assert!(ms.iter().any(|m| m["metric"] == "calls"), "{v}");
    let mut last = f64::INFINITY;
    for m in ms {
        // 8 reps x 3 months paired with the next.
        assert_eq!(m["n"], 24, "{m}");
        let (r, rho) = (
            m["pearson"].as_f64().unwrap(),
            m["spearman"].as_f64().unwrap(),
        );
        assert!(
            (-1.0..=1.0).contains(&r) && (-1.0..=1.0).contains(&rho),
            "{m}"
        );
        assert!(rho.abs() <= last, "sorted by |spearman|: {v}");
        last = rho.abs();
    }
    let left: Vec<&str> = v["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["metric"].as_str().unwrap())
        .collect();
    assert!(
        left.contains(&"won_deals") && left.contains(&"hit_rate"),
        "{left:?}"
    );
    // Leaving the partial April out: 8 reps x 2 months.
    let (code, out, err) = kpi(&[
        "insights",
        "metrics/sales.kpi",
        "--outcome",
        "won_amount",
        "--by",
        "rep",
        "--lead",
        "1",
        "--to",
        "2026-03-31",
    ])
    .parts();
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("across rep x month (16 pairs)"), "{out}");
}
