//! Journey funnels (entities through steps in time order, each within the window of
//! the previous step), worked out by hand, and the funnel identity on the example data.

use crate::support::kpi;

use serde_json::Value;

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
    ])
    .parts();
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
    ])
    .parts();
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
    ])
    .parts();
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
    ])
    .parts();
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
    ])
    .parts();
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

/// A journey over a file large enough to be read by several threads (over 32 MiB),
/// next to aggregates of the same source (one pass), against a reference computed
/// here: per account, events in time order (a later step first at the same second,
/// then file order); an account reaches step k+1 when that step comes within 7 days
/// after its reaching step k; it counts in the rep and month of its first visit.
#[test]
fn journey_on_a_parallel_scan_equals_the_reference() {
    let dir = std::env::temp_dir().join(format!("kpi_journey_big_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let defs = dir.join("j.kpi");
    std::fs::write(
        &defs,
        "source act {\n  time ts\n  dimensions rep, type\n  entity account\n}\n\
         metric calls = count(act where type == \"call\")\n\
         funnel path over act by account within 7d {\n\
           step visit   where type == \"visit\"\n\
           step meeting where type == \"meeting\"\n\
           step won     where type == \"won\"\n}\n",
    )
    .unwrap();
    let types = ["visit", "meeting", "won", "call", "call"];
    let mut state: u64 = 42;
    let mut next = |n: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    // (secs, rep, account, type index)
    let mut rows: Vec<(i64, u64, u64, usize)> = Vec::new();
    let start = 1_767_225_600; // 2026-01-01T00:00:00
    let mut csv = String::from("ts,rep,account,type\n");
    let mut secs = start;
    while csv.len() < 36 << 20 {
        secs += next(40) as i64;
        let (rep, account, ty) = (next(7), next(40_000), next(5) as usize);
        rows.push((secs, rep, account, ty));
        let t = jiff::Timestamp::from_second(secs).unwrap();
        csv.push_str(&format!(
            "{},r{rep},a{account},{}\n",
            t.strftime("%Y-%m-%dT%H:%M:%S"),
            types[ty]
        ));
    }
    let data = dir.join("act.csv");
    std::fs::write(&data, &csv).unwrap();
    // The reference.
    let mut by_account: std::collections::BTreeMap<u64, Vec<(i64, u64, usize)>> =
        Default::default();
    for &(s, rep, acc, ty) in &rows {
        by_account.entry(acc).or_default().push((s, rep, ty));
    }
    let mut expect: std::collections::BTreeMap<(String, String), [u64; 4]> = Default::default();
    for events in by_account.values() {
        let mut reached: [Option<i64>; 3] = [None; 3];
        let mut first: Option<(i64, u64)> = None;
        let mut sorted = events.clone();
        sorted.sort_by_key(|&(s, _, ty)| (s, std::cmp::Reverse(ty.min(3))));
        for (s, rep, ty) in sorted {
            match ty {
                0 => {
                    reached[0] = Some(s);
                    first.get_or_insert((s, rep));
                }
                1 | 2 => {
                    if let Some(prev) = reached[ty - 1] {
                        if s >= prev && s - prev <= 7 * 86_400 {
                            reached[ty] = Some(s);
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some((s, rep)) = first {
            let month = jiff::Timestamp::from_second(s)
                .unwrap()
                .strftime("%Y-%m")
                .to_string();
            let e = expect.entry((format!("r{rep}"), month)).or_default();
            for (k, r) in reached.iter().enumerate() {
                if r.is_some() {
                    e[k] += 1;
                }
            }
        }
    }
    for &(s, rep, _, ty) in &rows {
        if ty >= 3 {
            let month = jiff::Timestamp::from_second(s)
                .unwrap()
                .strftime("%Y-%m")
                .to_string();
            expect.entry((format!("r{rep}"), month)).or_default()[3] += 1;
        }
    }
    let (code, out, err) = kpi(&[
        "eval",
        defs.to_str().unwrap(),
        "--data",
        &format!("act={}", data.display()),
        "--by",
        "rep",
        "--grain",
        "month",
        "--metrics",
        "path.visit,path.meeting,path.won,calls",
        "--format",
        "csv",
    ])
    .parts();
    assert_eq!(code, 0, "{err}");
    let mut got: std::collections::BTreeMap<(String, String), [u64; 4]> = Default::default();
    for line in out.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let n = |i: usize| f[i].parse::<u64>().unwrap();
        got.insert((f[0].into(), f[1].into()), [n(2), n(3), n(4), n(5)]);
    }
    assert!(expect.len() > 40, "{}", expect.len());
    assert_eq!(got, expect);
    // Two dimensions: the group is the first visit's (rep, type), so `type` is
    // always `visit`; the counts are the same.
    let (code, out, err) = kpi(&[
        "eval",
        defs.to_str().unwrap(),
        "--data",
        &format!("act={}", data.display()),
        "--by",
        "rep,type",
        "--grain",
        "month",
        "--metrics",
        "path.visit,path.meeting,path.won",
        "--format",
        "csv",
    ])
    .parts();
    assert_eq!(code, 0, "{err}");
    let mut two: std::collections::BTreeMap<(String, String), [u64; 3]> = Default::default();
    for line in out.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f[1], "visit", "{line}");
        let n = |i: usize| f[i].parse::<u64>().unwrap();
        two.insert((f[0].into(), f[2].into()), [n(3), n(4), n(5)]);
    }
    let want: std::collections::BTreeMap<(String, String), [u64; 3]> = expect
        .iter()
        .filter(|(_, v)| v[0] > 0)
        .map(|(k, v)| (k.clone(), [v[0], v[1], v[2]]))
        .collect();
    assert_eq!(two, want);
    std::fs::remove_dir_all(&dir).ok();
}
