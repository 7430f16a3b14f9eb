//! Long `kpi checks` results: checks of several shapes over many groups, whose CSV
//! is read from the shared evaluations and formatted in parts (on several cores),
//! must give exactly the rows of each check run alone, in definition order.

use crate::support::{kpi, tempdir};
use std::fmt::Write;

/// 400 reps in 8 teams, each with calls in the first and the last of 30 weeks (every
/// rep and team is checked in every period between: 12,000 rep-weeks), and a
/// rep-dependent number of calls in week 10.
fn long_data(dir: &std::path::Path) -> String {
    let mut csv = String::from("ts,rep,team,type\n");
    for r in 0..400 {
        let (rep, team) = (format!("r{r:03}"), format!("t{}", r % 8));
        for day in ["2026-01-05", "2026-07-27"] {
            writeln!(csv, "{day}T10:00:00Z,{rep},{team},call").unwrap();
        }
        for k in 0..(r % 5) {
            writeln!(csv, "2026-03-1{}T09:00:00Z,{rep},{team},call", k % 5).unwrap();
        }
    }
    let path = dir.join("act.csv");
    std::fs::write(&path, csv).unwrap();
    format!("act={}", path.display())
}

const DEFS: &str = "source act {\n  time ts\n  dimensions rep, team\n}\n\
metric calls = count(act where type == \"call\")\n\
check rep_low = calls {\n  per rep\n  every week\n  warn when < 1\n}\n\
check team_low = calls {\n  per team\n  every month\n  warn when < 60\n  fail when < 10\n}\n\
check rep_high = calls {\n  per rep\n  every week\n  warn when > 3\n}\n";

#[test]
fn long_checks_csv_equals_each_check_alone() {
    let dir = tempdir("checks_long");
    let data = long_data(&dir);
    let defs = dir.join("defs.kpi");
    std::fs::write(&defs, DEFS).unwrap();
    let defs = defs.display().to_string();
    let base = [
        "checks",
        defs.as_str(),
        "--data",
        data.as_str(),
        "--format",
        "csv",
    ];
    // February has no calls: team_low fails there, so every run with it exits 1.
    let (code, all, err) = kpi(&base).parts();
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = all.lines().collect();
    assert_eq!(
        lines[0],
        "check,group,period,value,warn_threshold,fail_threshold,status,streak"
    );
    let mut alone: Vec<String> = Vec::new();
    for (name, exit) in [("rep_low", 0), ("team_low", 1), ("rep_high", 0)] {
        let (code, out, err) = kpi(&[&base[..], &["--checks", name]].concat()).parts();
        assert_eq!(code, exit, "{err}");
        alone.extend(out.lines().skip(1).map(str::to_string));
    }
    // 400 reps x 30 weeks, twice, and 8 teams x 7 months.
    assert_eq!(alone.len(), 2 * 400 * 30 + 8 * 7);
    assert_eq!(lines[1..], alone);
    // Hand-worked rows: r004 made 4 calls in week 11 (2026-03-10..14): above 3, a
    // warning; r000 made one in week 2 (pass) and none from week 3: warnings, 9 in a
    // row by week 11.
    assert!(alone.contains(&"team_low,team=t0,2026-02,0,60,10,fail,1".to_string()));
    assert!(alone.contains(&"rep_high,rep=r004,2026-W11,4,3,,warn,1".to_string()));
    assert!(alone.contains(&"rep_low,rep=r000,2026-W02,1,1,,pass,0".to_string()));
    assert!(alone.contains(&"rep_low,rep=r000,2026-W03,0,1,,warn,1".to_string()));
    assert!(alone.contains(&"rep_low,rep=r000,2026-W11,0,1,,warn,9".to_string()));
    // --only warn keeps those rows, in the same order.
    let (code, warns, err) = kpi(&[&base[..], &["--only", "warn"]].concat()).parts();
    assert_eq!(code, 1, "{err}");
    let expected: Vec<&String> = alone.iter().filter(|l| l.contains(",warn,")).collect();
    assert!(expected.len() > 8192, "{}", expected.len());
    assert_eq!(warns.lines().skip(1).collect::<Vec<_>>(), expected);
}

/// A header-only export is not judged in silence: `kpi checks` and `kpi eval` name
/// the source with no data rows on stderr (exit 0: nothing failed).
#[test]
fn a_header_only_export_is_named() {
    let dir = tempdir("checks_empty");
    let data = dir.join("act.csv");
    std::fs::write(&data, "ts,rep,team,type\n").unwrap();
    let defs = dir.join("defs.kpi");
    std::fs::write(&defs, DEFS).unwrap();
    let (defs, data) = (defs.display().to_string(), data.display().to_string());
    let bind = format!("act={data}");
    let warning = format!(
        "warning: source `act` has no data rows (`{data}`): every group and value is empty\n"
    );
    let (code, out, err) = kpi(&["checks", &defs, "--data", &bind, "--format", "csv"]).parts();
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "check,group,period,value,warn_threshold,fail_threshold,status,streak\n"
    );
    assert_eq!(
        err,
        format!(
            "{warning}rep_low: 0 pass, 0 warn, 0 fail, 0 no_data, 0 partial\n\
             team_low: 0 pass, 0 warn, 0 fail, 0 no_data, 0 partial\n\
             rep_high: 0 pass, 0 warn, 0 fail, 0 no_data, 0 partial\n"
        )
    );
    let (code, out, err) = kpi(&[
        "eval", &defs, "--data", &bind, "--by", "rep", "--format", "csv",
    ])
    .parts();
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "rep,calls\n");
    assert_eq!(err, warning);
}
