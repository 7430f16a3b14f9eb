//! A source without a `time` column evaluates at grain `all` (it used to print no rows).

#[test]
fn a_source_without_time_is_counted_at_grain_all() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kpi"))
        .args([
            "eval",
            "tests/fixtures/notime/n.kpi",
            "--data",
            "tests/fixtures/notime/s.csv",
            "--by",
            "rep",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "rep,n\na,2\nb,1\n");
    let week = std::process::Command::new(env!("CARGO_BIN_EXE_kpi"))
        .args([
            "eval",
            "tests/fixtures/notime/n.kpi",
            "--data",
            "tests/fixtures/notime/s.csv",
            "--grain",
            "week",
        ])
        .output()
        .unwrap();
    assert_eq!(
        week.status.code(),
        Some(1),
        "no time column: grouping by week is refused"
    );
}
