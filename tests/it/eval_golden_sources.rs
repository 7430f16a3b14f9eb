//! Golden tests of `kpi eval`: funnels, several sources meeting on `--by` and period,
//! and the same evaluation through the library and over NDJSON.
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
