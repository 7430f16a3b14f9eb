//! Golden tests of `kpi eval`'s output: CSV, JSON, NDJSON, Markdown and table layouts,
//! and `-o FILE`.
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
        "1,250.5",
        "23.3%",
        "0.0%",
    ] {
        assert!(r.stdout.contains(s), "missing `{s}` in\n{}", r.stdout);
    }
    // Percentages with one decimal in tables.
    assert!(!r.stdout.contains("23.33"), "{}", r.stdout);
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
