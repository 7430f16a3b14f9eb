//! Journey funnels (entities through steps in time order, each within the window of
//! the previous step), worked out by hand, and the funnel identity on the example data.

use std::process::Command;

use serde_json::Value;

fn kpi(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kpi"))
        .args(args)
        .output()
        .expect("run kpi");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

// acc1 visit -> meeting (2d) -> won (2d): 3 steps.
// acc2 visit -> won without a meeting: the skip stops it at 1 step.
// acc3 meeting before its visit does not count; visit -> meeting (2d): 2 steps.
// acc4 visit -> meeting 19 days later (outside 7d): 1 step.
// acc5 visits twice; the second visit -> meeting (2d): 2 steps (counted in the period
//      and group of its first visit).
// acc6 visit -> meetings on the 9th and 10th -> won on the 17th: 7 days after the
//      later meeting (within) though 8 after the first: 3 steps.
// acc7 never visits: not counted.
// Totals: visit 6, meeting 4 (acc1, 3, 5, 6), won 2 (acc1, 6).
#[test]
fn journey_counts_entities_through_the_steps() {
    let (code, out, err) = kpi(&[
        "eval",
        "tests/fixtures/journey/journey.kpi",
        "--data",
        "tests/fixtures/journey/act.csv",
        "--metrics",
        "path",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let r = &v[0];
    assert_eq!(r["path.visit"], 6);
    assert_eq!(r["path.meeting"], 4);
    assert_eq!(r["path.won"], 2);
    assert_eq!(r["path.meeting_rate"].as_f64().unwrap(), 4.0 / 6.0);
    assert_eq!(r["path.won_rate"].as_f64().unwrap(), 0.5);
    assert_eq!(r["path.conversion"].as_f64().unwrap(), 2.0 / 6.0);
}

#[test]
fn journey_groups_by_the_first_steps_dimensions_and_period() {
    let (code, out, err) = kpi(&[
        "eval",
        "tests/fixtures/journey/journey.kpi",
        "--data",
        "tests/fixtures/journey/act.csv",
        "--metrics",
        "path.visit,path.meeting,path.won",
        "--by",
        "rep",
        "--grain",
        "week",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    // a: acc1, acc2, acc3 (first visits in 2026-W02); b: acc4, acc5, acc6 (also W02).
    assert_eq!(
        out,
        "rep,period,path.visit,path.meeting,path.won\na,2026-W02,3,2,1\nb,2026-W02,3,2,1\n"
    );
    // --from after the first visits leaves those entities out
    let (code, out, _) = kpi(&[
        "eval",
        "tests/fixtures/journey/journey.kpi",
        "--data",
        "tests/fixtures/journey/act.csv",
        "--metrics",
        "path.visit",
        "--from",
        "2026-01-06",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        out, "path.visit\n1\n",
        "only acc3's first visit is on or after the 6th"
    );
}

#[test]
fn journey_funnel_in_kpi_funnel() {
    let (code, out, err) = kpi(&[
        "funnel",
        "tests/fixtures/journey/journey.kpi",
        "path",
        "--data",
        "tests/fixtures/journey/act.csv",
        "--by",
        "rep",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 2);
    assert_eq!(v[0]["visit"], 3);
}

#[test]
fn outbound_total_equals_the_outbound_won_amount_on_the_example_data() {
    let (code, out, err) = kpi(&[
        "eval",
        "metrics/sales.kpi",
        "--by",
        "rep",
        "--grain",
        "week",
        "--metrics",
        "outbound.total,outbound_won_amount,inbound.total,inbound_won_amount",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let rows: Value = serde_json::from_str(&out).unwrap();
    let mut compared = 0;
    for r in rows.as_array().unwrap() {
        for (total, won) in [
            ("outbound.total", "outbound_won_amount"),
            ("inbound.total", "inbound_won_amount"),
        ] {
            if let (Some(t), Some(w)) = (r[total].as_f64(), r[won].as_f64()) {
                assert!((t - w).abs() <= 1e-9 * w.abs().max(1.0), "{r}");
                compared += 1;
            }
        }
    }
    assert!(compared > 20, "only {compared} groups had every factor");
}
