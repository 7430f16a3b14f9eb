//! `kpi funnel`, `plan`, `whatif`, `insights`, `checks` and `review` on small fixtures
//! whose results are worked out by hand in the comments.

use crate::support::{kpi, tempdir};

use serde_json::Value;

/// Rep, team, calls, meetings, won deals, won amount (all in 2026-W02).
const REPS: [(&str, &str, usize, usize, usize, f64); 4] = [
    ("a", "t1", 100, 10, 5, 5000.0),
    ("b", "t1", 80, 5, 1, 2000.0),
    ("c", "t2", 50, 10, 2, 1000.0),
    ("d", "t2", 40, 2, 1, 3000.0),
];

fn funnel_data() -> String {
    // A folder per call: tests run in parallel and must not rewrite each other's file.
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = tempdir(&format!(
        "funnel{}",
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    let mut csv = String::from("ts,rep,team,type,amount\n");
    for (rep, team, calls, meetings, won, amount) in REPS {
        for i in 0..calls {
            csv.push_str(&format!(
                "2026-01-0{}T09:00:00,{rep},{team},call,\n",
                5 + i % 5
            ));
        }
        for _ in 0..meetings {
            csv.push_str(&format!("2026-01-06T10:00:00,{rep},{team},meeting,\n"));
        }
        for _ in 0..won {
            csv.push_str(&format!(
                "2026-01-08T10:00:00,{rep},{team},won,{:.2}\n",
                amount / won as f64
            ));
        }
    }
    let p = dir.join("act.csv");
    std::fs::write(&p, csv).unwrap();
    p.to_string_lossy().into_owned()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn close(v: &Value, want: f64) -> bool {
    v.as_f64()
        .is_some_and(|x| (x - want).abs() <= 1e-9 * want.abs().max(1.0))
}

#[test]
fn funnel_finds_the_weakest_step_against_the_peer_median() {
    let data = funnel_data();
    let (code, out, err) = kpi(&[
        "funnel",
        "tests/fixtures/analysis/funnel.kpi",
        "sales",
        "--data",
        &data,
        "--by",
        "rep",
        "--format",
        "json",
    ])
    .parts();
    assert_eq!(code, 0, "{err}");
    let rows = json(&out);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 4);
    // meetings_rate: a .1, b .0625, c .2, d .05 -> median (.0625 + .1) / 2 = .08125
    // won_rate:      a .5, b .2,    c .2, d .5  -> median (.2 + .5) / 2 = .35
    let by = |rep: &str| rows.iter().find(|r| r["rep"] == rep).unwrap().clone();
    let a = by("a");
    assert!(close(&a["total"], 5000.0), "{a}"); // 100 x .1 x .5 x 1000
    assert_eq!(a["weakest_step"], Value::Null);
    let b = by("b");
    assert_eq!(b["weakest_step"], "won_rate"); // shortfall .43 beats meetings' .23
    assert!(close(&b["peer_median"], 0.35));
    assert!(close(&b["gain"], 1500.0), "{b}"); // 80 x .0625 x .35 x 2000 - 2000
    let c = by("c");
    assert_eq!(c["weakest_step"], "won_rate");
    assert!(close(&c["gain"], 750.0)); // 50 x .2 x .35 x 500 - 1000
    let d = by("d");
    assert_eq!(d["weakest_step"], "meetings_rate");
    assert!(close(&d["peer_median"], 0.08125));
    assert!(close(&d["gain"], 1875.0)); // 40 x .08125 x .5 x 3000 - 3000
}

#[test]
fn funnel_peers_are_the_team_with_two_dimensions() {
    let data = funnel_data();
    let (code, out, err) = kpi(&[
        "funnel",
        "tests/fixtures/analysis/funnel.kpi",
        "sales",
        "--data",
        &data,
        "--by",
        "team,rep",
        "--format",
        "json",
    ])
    .parts();
    assert_eq!(code, 0, "{err}");
    let rows = json(&out);
    // team t2: c (.2, .2) and d (.05, .5): medians .125 and .35; c's won_rate .2 is weakest,
    // gain 50 x .2 x .35 x 500 - 1000 = 750; d's meetings_rate: 40 x .125 x .5 x 3000 - 3000 = 4500
    let d = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rep"] == "d")
        .unwrap();
    assert_eq!(d["weakest_step"], "meetings_rate");
    assert!(close(&d["gain"], 4500.0), "{d}");
}

#[test]
fn plan_reverses_the_funnel_and_multiplies_forward_to_the_target() {
    let data = funnel_data();
    let (code, out, err) = kpi(&[
        "plan",
        "tests/fixtures/analysis/funnel.kpi",
        "sales",
        "--data",
        &data,
        "--target",
        "22000",
        "--rates-from",
        "2026-W02",
        "--period",
        "2026-Q1",
        "--format",
        "json",
    ])
    .parts();
    assert_eq!(code, 0, "{err}");
    let p = json(&out);
    // Week totals: 270 calls, 27 meetings, 9 won, 11000 EUR: rates .1 and 1/3, value 11000/9.
    assert!(close(&p["rates"]["meetings_rate"], 0.1));
    assert!(close(&p["rates"]["won_rate"], 1.0 / 3.0));
    assert!(close(&p["value"], 11000.0 / 9.0));
    // 22000 / (11000/9) = 18 won; / (1/3) = 54 meetings; / .1 = 540 calls.
    assert!(close(&p["required"]["won"], 18.0), "{p}");
    assert!(close(&p["required"]["meetings"], 54.0));
    assert!(close(&p["required"]["calls"], 540.0));
    // Forward: 540 x .1 x 1/3 x 11000/9 = 22000.
    let fwd = p["required"]["calls"].as_f64().unwrap() * 0.1 * (1.0 / 3.0) * (11000.0 / 9.0);
    assert!((fwd - 22000.0).abs() < 1e-6);
    // 2026-Q1 has 64 weekdays (no holidays): 540 / 64 calls a day.
    assert!(close(&p["workdays"], 64.0));
    assert!(close(&p["per_workday"]["calls"], 540.0 / 64.0));
    assert_eq!(p["funnel"], "sales");
    assert_eq!(p["rates_from"], "2026-W02");
}

#[test]
fn plan_per_rep_uses_each_reps_rates() {
    let data = funnel_data();
    let (code, out, err) = kpi(&[
        "plan",
        "tests/fixtures/analysis/funnel.kpi",
        "sales",
        "--data",
        &data,
        "--target",
        "4000",
        "--rates-from",
        "2026-W02",
        "--by",
        "rep",
        "--format",
        "json",
    ])
    .parts();
    assert_eq!(code, 0, "{err}");
    let p = json(&out);
    let groups = p["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 4);
    // Each rep plans for 4000 / 4 = 1000. Rep a: value 1000 -> 1 won; / .5 -> 2 meetings; / .1 -> 20 calls.
    let a = groups.iter().find(|g| g["group"]["rep"] == "a").unwrap();
    assert!(close(&a["target"], 1000.0));
    assert!(close(&a["required"]["calls"], 20.0), "{a}");
}

#[test]
fn whatif_changes_factors_and_reports_sensitivity() {
    let data = funnel_data();
    let (code, out, err) = kpi(&[
        "whatif",
        "tests/fixtures/analysis/funnel.kpi",
        "sales",
        "--data",
        &data,
        "--by",
        "rep",
        "--change",
        "meetings_rate=+10%",
        "--change",
        "calls=+20",
        "--format",
        "json",
    ])
    .parts();
    assert_eq!(code, 0, "{err}");
    let rows = json(&out);
    let a = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rep"] == "a")
        .unwrap();
    // a: (100 + 20) x (.1 x 1.1) x .5 x 1000 = 6600
    assert!(close(&a["total_before"], 5000.0));
    assert!(close(&a["total_after"], 6600.0), "{a}");
    assert!(close(&a["change"], 1600.0));
    assert!(close(&a["change_pct"], 0.32));
    // +10% on any factor of a product adds 10%; +1pp on won_rate: 100 x .1 x .01 x 1000 = 100
    assert!(close(&a["gain calls +10%"], 500.0));
    assert!(close(&a["gain won_rate +1pp"], 100.0), "{a}");
    let (code, _, err) = kpi(&[
        "whatif",
        "tests/fixtures/analysis/funnel.kpi",
        "sales",
        "--data",
        &data,
        "--change",
        "conversion=+1",
    ])
    .parts();
    assert_eq!(code, 2);
    assert!(err.contains("not a factor"), "{err}");
}

#[test]
fn insights_compare_the_top_quartile_with_the_rest() {
    let data = funnel_data();
    let (code, out, err) = kpi(&[
        "insights",
        "tests/fixtures/analysis/funnel.kpi",
        "--data",
        &data,
        "--outcome",
        "won_amount",
        "--by",
        "rep",
        "--format",
        "json",
    ])
    .parts();
    assert_eq!(code, 0, "{err}");
    let v = json(&out);
    // Won amounts: a 5000, d 3000, b 2000, c 1000: the top quartile (ceil(4/4) = 1) is a.
    assert_eq!(v["top"], serde_json::json!(["a"]));
    assert_eq!(v["rest"], serde_json::json!(["d", "b", "c"]));
    let m = v["metrics"].as_array().unwrap();
    let calls = m.iter().find(|i| i["metric"] == "calls").unwrap();
    // Calls per working day (5): a 20; rest d 8, b 16, c 10 -> mean 34/3.
    assert_eq!(calls["per_workday"], true);
    assert!(close(&calls["top_mean"], 20.0));
    assert!(close(&calls["rest_mean"], 34.0 / 3.0));
    // Pooled sd: top has one value (variance 0); rest variance 52/3 (n-1 = 2); dof 2.
    let pooled = ((2.0 * 52.0 / 3.0) / 2.0f64).sqrt();
    assert!(
        close(&calls["effect_size"], (20.0 - 34.0 / 3.0) / pooled),
        "{calls}"
    );
    // Sorted by |effect size|, largest first.
    let effects: Vec<f64> = m
        .iter()
        .filter_map(|i| i["effect_size"].as_f64())
        .map(f64::abs)
        .collect();
    assert!(effects.windows(2).all(|w| w[0] >= w[1]), "{effects:?}");
}

fn checks_data() -> (String, String) {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = tempdir(&format!(
        "checks{}",
        N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    let mut csv = String::from("ts,rep,type,amount\n");
    // ann: 20 calls in W01, 10 in W02, 5 in W03; one won deal of 900 in W01.
    // bob: 5 calls in W01, none in W02, 6 in W03.
    let weeks = [
        ("2025-12-29", 20, 5),
        ("2026-01-05", 10, 0),
        ("2026-01-12", 5, 6),
    ];
    for (monday, ann, bob) in weeks {
        let d: jiff::civil::Date = monday.parse().unwrap();
        for (rep, n) in [("ann", ann), ("bob", bob)] {
            for i in 0..n {
                let day = d.checked_add(jiff::Span::new().days(i % 5)).unwrap();
                csv.push_str(&format!("{day}T09:00:00,{rep},call,\n"));
            }
        }
    }
    csv.push_str("2025-12-30T12:00:00,ann,won,900.00\n");
    csv.push_str("2026-01-16T17:00:00,bob,meeting,\n");
    let act = dir.join("act.csv");
    std::fs::write(&act, csv).unwrap();
    let quotas = dir.join("quotas.csv");
    std::fs::write(&quotas, "month,rep,amount\n2026-01,ann,1000.00\n").unwrap();
    (
        format!("act={}", act.display()),
        format!("quotas={}", quotas.display()),
    )
}

#[test]
fn checks_statuses_streaks_and_partial_periods() {
    let (act, quotas) = checks_data();
    let (code, out, err) = kpi(&[
        "checks",
        "tests/fixtures/checks/checks.kpi",
        "--data",
        &act,
        "--data",
        &quotas,
        "--format",
        "json",
    ])
    .parts();
    assert_eq!(code, 1, "a check fails: {err}");
    let rows = json(&out);
    let rows = rows.as_array().unwrap();
    let get = |check: &str, rep: &str, period: &str| {
        rows.iter()
            .find(|r| r["check"] == check && r["group"]["rep"] == rep && r["period"] == period)
            .unwrap_or_else(|| panic!("no row {check} {rep} {period}"))
            .clone()
    };
    let status = |check: &str, rep: &str, period: &str| {
        let r = get(check, rep, period);
        (
            r["status"].as_str().unwrap().to_string(),
            r["streak"].as_u64().unwrap(),
        )
    };
    // calls per working day (5 a week), warn < 3, fail < 1.5
    assert_eq!(
        status("calls_per_day", "ann", "2026-W01"),
        ("pass".into(), 0)
    ); // 4
    assert_eq!(
        status("calls_per_day", "ann", "2026-W02"),
        ("warn".into(), 1)
    ); // 2
    assert_eq!(
        status("calls_per_day", "ann", "2026-W03"),
        ("fail".into(), 1)
    ); // 1
    assert_eq!(
        status("calls_per_day", "bob", "2026-W01"),
        ("fail".into(), 1)
    ); // 1
    assert_eq!(
        status("calls_per_day", "bob", "2026-W02"),
        ("fail".into(), 2)
    ); // no rows: 0 calls
    assert_eq!(
        status("calls_per_day", "bob", "2026-W03"),
        ("fail".into(), 3)
    ); // 1.2
    assert!(close(
        &get("calls_per_day", "bob", "2026-W02")["value"],
        0.0
    ));
    assert!(close(
        &get("calls_per_day", "ann", "2026-W01")["warn_threshold"],
        3.0
    ));
    assert!(close(
        &get("calls_per_day", "ann", "2026-W01")["fail_threshold"],
        1.5
    ));
    // avg of won amounts: only ann in W01 has one; elsewhere null -> no_data
    assert_eq!(status("avg_won", "ann", "2026-W01").0, "pass");
    assert_eq!(status("avg_won", "ann", "2026-W02").0, "no_data");
    assert_eq!(status("avg_won", "bob", "2026-W03").0, "no_data");
    // Months: data covers 2025-12-29 .. 2026-01-16, so both months have uncovered working days.
    assert_eq!(status("attainment_low", "ann", "2025-12").0, "partial");
    assert_eq!(status("attainment_low", "ann", "2026-01").0, "partial");
    // 3 weeks x 2 reps, definition order then group then period
    assert_eq!(
        rows.iter()
            .filter(|r| r["check"] == "calls_per_day")
            .count(),
        6
    );
    assert_eq!(rows[0]["check"], "calls_per_day");
    assert_eq!(rows[0]["group"]["rep"], "ann");
    assert_eq!(rows[0]["period"], "2026-W01");
}

#[test]
fn checks_exit_codes_and_filters() {
    let (act, quotas) = checks_data();
    let base = [
        "checks",
        "tests/fixtures/checks/checks.kpi",
        "--data",
        act.as_str(),
        "--data",
        quotas.as_str(),
    ];
    // Only the weeks where nothing fails: W01 alone still has bob failing.
    let (code, out, _) = kpi(&[
        &base[..],
        &[
            "--checks",
            "calls_per_day",
            "--only",
            "warn",
            "--format",
            "csv",
        ],
    ]
    .concat())
    .parts();
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), 2, "{out}"); // header + ann W02
    assert!(
        out.contains("calls_per_day,rep=ann,2026-W02,2,3,1.5,warn,1"),
        "{out}"
    );
    // In 2026-W03 alone with the target at 2 (fail below 1): ann 1.0 and bob 1.2 only warn.
    let w03 = [
        "--checks",
        "calls_per_day",
        "--set",
        "target=2",
        "--from",
        "2026-01-12",
        "--to",
        "2026-01-18",
        "--format",
        "csv",
    ];
    let (code, out, err) = kpi(&[&base[..], &w03[..]].concat()).parts();
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.matches(",warn,").count(), 2, "{out}");
    assert!(!out.contains(",fail,"), "{out}");
    let (code, _, _) = kpi(&[&base[..], &w03[..], &["--fail-on", "warn"]].concat()).parts();
    assert_eq!(code, 1);
    let (code, _, err) = kpi(&[&base[..], &["--checks", "nope"]].concat()).parts();
    assert_eq!(code, 2, "{err}");
}

#[test]
fn review_status_around_the_boundaries() {
    let dir = tempdir("review");
    let p = dir.join("r.kpi");
    std::fs::write(
        &p,
        "source s { time ts }\n\
         metric a = count(s) { review every quarter last 2026-09-30 }\n\
         metric b = count(s) { review every 90d last 2026-09-30 owner \"ops\" }\n\
         metric c = count(s) { review every month last 2026-01-31 }\n\
         metric d = count(s)\n\
         check k = a { per ts every week fail when < 1 review every week last 2026-11-20 }\n",
    )
    .unwrap();
    let f = p.to_str().unwrap();
    let at = |today: &str| -> Value {
        let (code, out, err) = kpi(&["review", f, "--today", today, "--format", "json"]).parts();
        assert_eq!(code, 0, "{err}");
        json(&out)
    };
    let item = |v: &Value, name: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == name)
            .unwrap()
            .clone()
    };
    // quarter from a month end lands on a month end: 2026-09-30 -> 2026-12-31; 90d -> 2026-12-29
    let v = at("2026-12-17");
    assert_eq!(item(&v, "a")["due"], "2026-12-31");
    assert_eq!(item(&v, "a")["status"], "due_soon"); // due in 14 days
    assert_eq!(item(&v, "b")["due"], "2026-12-29");
    assert_eq!(item(&v, "b")["owner"], "ops");
    assert_eq!(item(&v, "c")["due"], "2026-02-28"); // month end -> month end
    assert_eq!(item(&v, "c")["status"], "overdue");
    assert_eq!(item(&v, "k")["kind"], "check");
    assert_eq!(item(&v, "k")["due"], "2026-11-27");
    assert_eq!(at("2026-12-16")["0"], Value::Null);
    assert_eq!(item(&at("2026-12-16"), "a")["status"], "ok"); // due in 15 days
    assert_eq!(item(&at("2026-12-31"), "a")["status"], "due_soon"); // due today
    assert_eq!(item(&at("2027-01-01"), "a")["status"], "overdue");
    assert!(
        v.as_array().unwrap().iter().all(|i| i["name"] != "d"),
        "no rule, not listed without review_required"
    );
    let (code, _, _) = kpi(&["review", f, "--today", "2026-12-17", "--strict"]).parts();
    assert_eq!(code, 1, "c is overdue");
    let (code, _, _) = kpi(&["review", f, "--today", "2026-02-01", "--strict"]).parts();
    assert_eq!(code, 0);
    // check warns on overdue reviews, errors under --strict-reviews
    let (code, _, err) = kpi(&["check", f, "--today", "2026-12-17"]).parts();
    assert_eq!(code, 0);
    assert!(err.contains("W0501"), "{err}");
    let (code, _, _) = kpi(&["check", f, "--today", "2026-12-17", "--strict-reviews"]).parts();
    assert_eq!(code, 1);
}

#[test]
fn review_required_lists_unreviewed_definitions() {
    let dir = tempdir("review_req");
    let p = dir.join("r.kpi");
    std::fs::write(
        &p,
        "settings { review_required true }\nsource s { time ts }\nmetric a = count(s)\n",
    )
    .unwrap();
    let (code, out, _) = kpi(&[
        "review",
        p.to_str().unwrap(),
        "--today",
        "2026-01-01",
        "--format",
        "json",
    ])
    .parts();
    assert_eq!(code, 0);
    let v = json(&out);
    assert_eq!(v[0]["name"], "a");
    assert_eq!(v[0]["status"], "unreviewed");
    let (code, _, err) = kpi(&[
        "check",
        p.to_str().unwrap(),
        "--today",
        "2026-01-01",
        "--deny-warnings",
    ])
    .parts();
    assert_eq!(code, 1);
    assert!(err.contains("W0502"), "{err}");
}

/// Impossible changes are refused (exit 2) with the group, the factor, the value it
/// would take and the allowed range: a rate outside 0..100 %, a negative volume.
#[test]
fn whatif_refuses_impossible_changes() {
    let data = funnel_data();
    let run = |change: &str| {
        kpi(&[
            "whatif",
            "tests/fixtures/analysis/funnel.kpi",
            "sales",
            "--data",
            &data,
            "--by",
            "rep",
            "--change",
            change,
        ])
        .parts()
    };
    // rep a: meetings_rate 10/100 = 10 %, won_rate 5/10 = 50 %, 100 calls.
    for (change, message) in [
        (
            "meetings_rate=150",
            "for rep=a: `meetings_rate` would be 15,000% (from 10%): a rate must stay within 0%..100%",
        ),
        (
            "won_rate=+1000%",
            "for rep=a: `won_rate` would be 550% (from 50%): a rate must stay within 0%..100%",
        ),
        (
            "calls=-200%",
            "for rep=a: `calls` would be -100 (from 100): a volume cannot be negative",
        ),
        (
            "value=-2000",
            "for rep=a: `value` would be -1,000 (from 1,000): the value cannot be negative",
        ),
    ] {
        let (code, out, err) = run(change);
        assert_eq!(code, 2, "{change}: {err}");
        assert_eq!(out, "", "{change}");
        assert!(
            err.starts_with(&format!("error: --change makes an impossible funnel {message}\n")),
            "{change}: {err}"
        );
        assert!(err.contains("  = help: "), "{err}");
    }
    // Within range: 10 % + 5 points, and all calls removed.
    for change in ["meetings_rate=+0.05", "calls=-100%", "won_rate=1"] {
        let (code, _, err) = run(change);
        assert_eq!(code, 0, "{change}: {err}");
    }
}

/// Unknown names on the command line get a "did you mean"; an unknown `--by`
/// dimension is a usage problem (exit 2) on every command that groups.
#[test]
fn command_line_names_get_did_you_mean() {
    let defs = "metrics/sales.kpi";
    let by = "error: source `activities` has no dimension `tem` (its dimensions: rep, team, region, channel); every source behind the requested metrics must have each --by dimension\n  = help: did you mean `team`?\n";
    for args in [
        vec!["eval", defs, "--by", "tem"],
        vec!["funnel", defs, "outbound", "--by", "tem"],
        vec![
            "plan",
            defs,
            "outbound",
            "--target",
            "100",
            "--rates-from",
            "2026-02",
            "--by",
            "tem",
        ],
        vec!["whatif", defs, "outbound", "--by", "tem"],
        vec!["insights", defs, "--outcome", "won_amount", "--by", "tem"],
        vec![
            "sql",
            defs,
            "--dialect",
            "duckdb",
            "--metrics",
            "calls",
            "--by",
            "tem",
        ],
    ] {
        let (code, out, err) = kpi(&args).parts();
        assert_eq!((code, out.as_str(), err.as_str()), (2, "", by), "{args:?}");
    }
    let (code, _, err) = kpi(&["insights", defs, "--outcome", "won_amout", "--by", "rep"]).parts();
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: unknown metric `won_amout` for --outcome\n  = help: did you mean `won_amount`?\n"
    );
    let (code, _, err) = kpi(&["checks", defs, "--checks", "calls_per_dy"]).parts();
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: unknown check `calls_per_dy` (checks: calls_per_day, attainment_low)\n  = help: did you mean `calls_per_day`?\n"
    );
    let (code, _, err) = kpi(&["explain", defs, "outbond"]).parts();
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "error: no metric, funnel or check is named `outbond`\n  = help: did you mean `outbound`?\n"
    );
}

/// `kpi explain` explains checks and funnels too, not only metrics.
#[test]
fn explain_checks_and_funnels() {
    let (code, out, err) = kpi(&["explain", "metrics/sales.kpi", "calls_per_day"]).parts();
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(
            "check calls_per_day = calls / workdays\n  defined at  metrics/sales.kpi:116:7\n  unit        touches\n  per         rep\n  every       week\n  warn when   < calls_per_day_target\n  fail when   < 0.5 * calls_per_day_target\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("lineage:\n  calls = count(activities where type == \"call\")  [touches]\n"),
        "{out}"
    );
    assert!(out.contains("  param calls_per_day_target = 4\n"), "{out}");
    let (code, out, err) = kpi(&["explain", "metrics/sales.kpi", "outbound"]).parts();
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("funnel outbound (stages touches, meetings, won)\n"),
        "{out}"
    );
    assert!(
        out.contains("  outbound.total = if(outbound.won == 0, 0, outbound.touches * outbound.meetings_rate * outbound.won_rate * outbound.value)  [EUR]\n"),
        "{out}"
    );
    assert!(
        out.contains("lineage of the stages:\n  outbound.touches = touches  [touches]\n"),
        "{out}"
    );
}

/// `kpi review` takes folders and several files like `kpi check`, lists each
/// definition once with where it is defined (overdue first, then by file and line),
/// and has no flags that would do nothing.
#[test]
fn review_takes_folders_and_lists_each_definition_once() {
    let (code, out, err) = kpi(&[
        "review",
        "tests/fixtures/check/imported_review",
        "--today",
        "2026-11-27",
        "--strict",
        "--format",
        "json",
    ])
    .parts();
    assert_eq!(code, 1, "{err}");
    let rows = json(&out);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{out}");
    assert_eq!(rows[0]["name"], "won");
    assert_eq!(rows[0]["status"], "overdue");
    assert_eq!(rows[0]["due"], "2026-04-30");
    assert_eq!(
        rows[0]["at"],
        "tests/fixtures/check/imported_review/base.kpi:2"
    );
    // The shipped folder: the base and the client's own `hit_rate` review both, each once.
    let (code, out, err) = kpi(&[
        "review",
        "metrics",
        "--today",
        "2027-01-10",
        "--format",
        "json",
    ])
    .parts();
    assert_eq!(code, 0, "{err}");
    let at: Vec<String> = json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["name"].as_str().unwrap(),
                r["at"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        at,
        [
            "won_amount metrics/sales.kpi:64",
            "hit_rate metrics/sales.kpi:72",
            "total_sales metrics/sales.kpi:85",
            "outbound metrics/sales.kpi:94",
            "calls_per_day metrics/sales.kpi:121",
            "won_amount metrics/yaml/sales.yaml:81",
            "hit_rate metrics/yaml/sales.yaml:87",
            "total_sales metrics/yaml/sales.yaml:107",
            "outbound metrics/yaml/sales.yaml:127",
            "calls_per_day metrics/yaml/sales.yaml:149",
            "hit_rate metrics/clients/acme.kpi:11",
        ]
    );
    // --profile/--set changed nothing in a review: they are not accepted.
    let (code, _, err) = kpi(&["review", "metrics/sales.kpi", "--profile", "enterprise"]).parts();
    assert_eq!(code, 2, "{err}");
}

/// Every command that prints results takes `-o FILE`.
#[test]
fn every_printing_command_writes_to_o_file() {
    let d = tempdir("o_file");
    let defs = "metrics/sales.kpi";
    for (i, args) in [
        vec!["checks", defs, "--format", "json"],
        vec!["review", defs, "--today", "2026-11-27"],
        vec![
            "plan",
            defs,
            "outbound",
            "--target",
            "1000",
            "--rates-from",
            "2026-Q1",
        ],
        vec!["whatif", defs, "outbound", "--change", "touches=+5"],
        vec!["insights", defs, "--outcome", "won_amount", "--by", "rep"],
        vec!["graph", defs],
        vec!["explain", defs, "hit_rate"],
        vec!["diff", defs, "metrics/clients/acme.kpi"],
        vec![
            "check",
            "metrics",
            "--format",
            "json",
            "--today",
            "2026-11-27",
        ],
        vec!["funnel", defs, "outbound"],
        vec!["eval", defs],
        vec!["sql", defs, "--dialect", "duckdb", "--metrics", "calls"],
        vec!["schema"],
        vec!["convert", defs, "--to", "yaml"],
    ]
    .into_iter()
    .enumerate()
    {
        let (code, printed, err) = kpi(&args).parts();
        assert!(code == 0 || code == 1, "{args:?}: {err}");
        let file = d.join(format!("out{i}"));
        let mut with_o = args.clone();
        with_o.extend(["-o", file.to_str().unwrap()]);
        let (code2, out, err) = kpi(&with_o).parts();
        assert_eq!(code2, code, "{with_o:?}: {err}");
        assert_eq!(out, "", "{with_o:?}");
        let written = std::fs::read_to_string(&file).unwrap();
        assert!(!written.is_empty(), "{with_o:?}");
        if args[0] != "convert" {
            assert_eq!(written, printed, "{with_o:?}");
        }
    }
}

/// `kpi plan` warns when `--rates-from` is only partly covered by data, when its rates
/// rest on a handful of events, and when the calendar lists no holidays in the target
/// period's year; the plan itself is still made (exit 0).
#[test]
fn plan_warns_about_partial_tiny_rates_and_missing_holidays() {
    // The shipped data ends on 2026-04-05: April has 2 of 19 working days (the 3rd is
    // Good Friday), with 4 outbound deals won; the calendar lists 2026 holidays only.
    let (code, out, err) = kpi(&[
        "plan",
        "metrics/sales.kpi",
        "outbound",
        "--target",
        "100000",
        "--rates-from",
        "2026-04",
        "--period",
        "2027-Q1",
    ])
    .parts();
    assert_eq!(code, 0, "{err}");
    assert!(!out.is_empty());
    assert_eq!(
        err,
        "warning: calendar `nl` lists no holidays in 2027 (only in 2026): the working days of 2027-Q1 count none
warning: --rates-from 2026-04 is partial: the data covers 2 of its 19 working days (2026-04-01..2026-04-05); its rates may not be typical
warning: the rates of --rates-from 2026-04 rest on few events (won 4): fewer than 5 in a stage is no reliable rate; take a longer period
"
    );
    // A fully covered month with enough events, planned for a year with holidays: quiet.
    let (code, _, err) = kpi(&[
        "plan",
        "metrics/sales.kpi",
        "outbound",
        "--target",
        "100000",
        "--rates-from",
        "2026-02",
        "--period",
        "2026-Q2",
    ])
    .parts();
    assert_eq!((code, err.as_str()), (0, ""));
}

/// `kpi insights` leaves out metrics that are part of the outcome (they read it, or
/// count its rows) and lists them apart with the reason; with fewer than 3 groups on a
/// side it warns that the effect sizes are fragile.
#[test]
fn insights_leave_out_the_outcomes_ingredients_and_need_groups() {
    let args = [
        "insights",
        "metrics/sales.kpi",
        "--outcome",
        "won_amount",
        "--by",
        "rep",
        "--period",
        "2026-Q1",
    ];
    let (code, out, err) = kpi(&args).parts();
    assert_eq!(code, 0, "{err}");
    let table: String = out.split("left out").next().unwrap().to_string();
    for driver in ["won_deals", "attainment", "outbound_won", "hit_rate "] {
        assert!(
            !table.contains(driver),
            "{driver} ranked as a driver:\n{out}"
        );
    }
    assert!(
        out.contains("left out, as part of won_amount:\n  won_deals: counts the rows of won_amount (type == \"deal_won\")\n"),
        "{out}"
    );
    assert!(out.contains("  attainment: reads won_amount\n"), "{out}");
    // Rates print as the percentages their format declares.
    assert!(
        out.contains("│ conversion_to_meeting         ┆ 8.0%         ┆ 5.4%   ┆"),
        "{out}"
    );
    // 8 reps: a top quartile of 2 is allowed, with a warning.
    assert_eq!(
        err,
        "warning: the top quartile has 2 group(s) and the rest 6: with fewer than 3 on a side the effect sizes are fragile; group by a finer dimension or take a longer --period\n"
    );
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let (_, out, _) = kpi(&json_args).parts();
    let v = json(&out);
    assert!(v["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["metric"] == "attainment" && m["reason"] == "reads won_amount"));
    // 3 teams: 1 against 2, said plainly.
    let (code, _, err) = kpi(&[
        "insights",
        "metrics/sales.kpi",
        "--outcome",
        "won_amount",
        "--by",
        "team",
    ])
    .parts();
    assert_eq!(code, 0);
    assert_eq!(
        err,
        "warning: the top quartile has 1 group(s) and the rest 2: with fewer than 3 on a side the effect sizes are fragile; group by a finer dimension or take a longer --period\n"
    );
}

/// Human tables of `checks` and `plan` honour the declared formats: a percent check
/// shows percentages (value and thresholds), money shows as money.
#[test]
fn checks_and_plan_tables_use_declared_formats() {
    let (code, out, err) =
        kpi(&["checks", "metrics/sales.kpi", "--checks", "attainment_low"]).parts();
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("│ attainment_low ┆ rep=ann ┆ 2026-01 ┆ 112.2% ┆ 80.0% ┆ 50.0% ┆ pass    ┆"),
        "{out}"
    );
    let (_, out, _) = kpi(&[
        "plan",
        "metrics/sales.kpi",
        "outbound",
        "--target",
        "100000",
        "--rates-from",
        "2026-Q1",
    ])
    .parts();
    assert!(out.contains("│ total ┆ 100,000.00 EUR ┆"), "{out}");
    assert!(
        out.ends_with(
            "rates from 2026-Q1: meetings_rate 6.3%, won_rate 20.4%; value 10,320.14 EUR; needed volumes rounded up to whole activities\n"
        ),
        "{out}"
    );
}

/// The tabular commands share the format set: `review` has table, json, csv and md;
/// `plan` and `insights` table, json and md (Markdown tables a renderer accepts).
#[test]
fn tabular_commands_share_the_format_set() {
    let (code, out, err) = kpi(&[
        "review",
        "metrics/sales.kpi",
        "--today",
        "2026-11-27",
        "--format",
        "csv",
    ])
    .parts();
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("name,kind,at,owner,last,due,status\nwon_amount,metric,metrics/sales.kpi:64,finance,2026-09-30,2026-12-31,ok\n"),
        "{out}"
    );
    let (_, out, _) = kpi(&[
        "review",
        "metrics/sales.kpi",
        "--today",
        "2026-11-27",
        "--format",
        "md",
    ])
    .parts();
    assert!(
        out.starts_with("| name | kind | at | owner | last | due | status |\n| --- | --- | --- | --- | --- | --- | --- |\n| won_amount | metric | metrics/sales.kpi:64 | finance | 2026-09-30 | 2026-12-31 | ok |\n"),
        "{out}"
    );
    let (code, out, err) = kpi(&[
        "plan",
        "metrics/sales.kpi",
        "outbound",
        "--target",
        "100000",
        "--rates-from",
        "2026-02",
        "--format",
        "md",
    ])
    .parts();
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "| plan | target | touches needed | meetings needed | won needed |\n| --- | --- | --- | --- | --- |\n| total | 100,000.00 EUR | 1,209 | 71 | 11 |\n\nrates from 2026-02: meetings_rate 5.8%, won_rate 14.6%; value 9,728.88 EUR; needed volumes rounded up to whole activities\n"
    );
    let (code, out, err) = kpi(&[
        "insights",
        "metrics/sales.kpi",
        "--outcome",
        "won_amount",
        "--by",
        "rep",
        "--format",
        "md",
    ])
    .parts();
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("\n\n| metric | top quartile | rest | ratio | effect size (d) |\n| --- | --- | --- | --- | --- |\n"),
        "{out}"
    );
}

/// Checks that share `per`, `every`, sources and window use are evaluated together
/// (one scan); every check must still judge exactly as when it is evaluated alone,
/// in definition order.
#[test]
fn checks_evaluated_together_equal_each_alone() {
    let (act, quotas) = checks_data();
    let defs = "tests/fixtures/checks/shared.kpi";
    let base = ["checks", defs, "--data", &act, "--data", &quotas];
    let (code, all, err) = kpi(&[&base[..], &["--format", "json"]].concat()).parts();
    assert_eq!(code, 1, "{err}");
    let all = json(&all);
    let names = [
        "calls_per_day",
        "calls_total",
        "avg_won",
        "calls_drop",
        "meetings_weekly",
        "attainment_low",
        "calls_vs_quota",
    ];
    let mut alone = Vec::new();
    for name in names {
        let (_, out, err) =
            kpi(&[&base[..], &["--checks", name, "--format", "json"]].concat()).parts();
        let rows = json(&out);
        assert!(!rows.as_array().unwrap().is_empty(), "{name}: {err}");
        alone.extend(rows.as_array().unwrap().iter().cloned());
    }
    assert_eq!(all.as_array().unwrap(), &alone);
    // Spot values worked out by hand: the team's calls in W02 are 10 (< 20: fail), and
    // ann's calls fall by 10 from W01 to W02 (warn when < -4).
    let find = |check: &str, rep: Option<&str>, period: &str| {
        all.as_array()
            .unwrap()
            .iter()
            .find(|r| {
                r["check"] == check
                    && r["period"] == period
                    && rep.is_none_or(|rep| r["group"]["rep"] == rep)
            })
            .unwrap_or_else(|| panic!("no row {check} {period}"))
            .clone()
    };
    assert_eq!(find("calls_total", None, "2026-W02")["value"], 10.0);
    assert_eq!(find("calls_total", None, "2026-W02")["status"], "fail");
    assert_eq!(find("calls_drop", Some("ann"), "2026-W02")["value"], -10.0);
    assert_eq!(
        find("calls_drop", Some("ann"), "2026-W02")["status"],
        "warn"
    );
    // bob's one meeting (W03) against 6 / 20 calls: pass; ann has none: fail.
    assert_eq!(
        find("meetings_weekly", Some("bob"), "2026-W03")["status"],
        "pass"
    );
    assert_eq!(
        find("meetings_weekly", Some("ann"), "2026-W03")["status"],
        "fail"
    );
}

/// A check that cannot be evaluated is named, even when it shares its evaluation
/// with checks that can.
#[test]
fn a_failing_check_in_a_shared_evaluation_is_named() {
    let (act, _) = checks_data();
    let dir = tempdir("shared_fail");
    let defs = dir.join("defs.kpi");
    std::fs::write(
        &defs,
        "source act {\n  time ts\n  dimensions rep\n}\n\
         metric calls = count(act where type == \"call\")\n\
         metric callers = count_distinct(act.rep)\n\
         check calls_drop = calls - prev(calls) {\n  every week\n  warn when < -4\n}\n\
         check callers_trend = rolling(callers, 2) {\n  every week\n  fail when < 1\n}\n",
    )
    .unwrap();
    let (code, _, err) = kpi(&["checks", defs.to_str().unwrap(), "--data", &act]).parts();
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        err.trim_end(),
        "check `callers_trend`: error: `callers_trend` rolls up `callers`, which uses count_distinct; distinct counts and quantiles cannot be added across periods"
    );
}
