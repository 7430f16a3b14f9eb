//! `kpi eval --engine postgres` with script functions (the query computes every other
//! value; the script functions run in-process over the returned rows): formulas that
//! divide a script's value by `days` and `workdays` give the in-process CSV to the
//! byte at every grain, `all` without a range included (the days of the data the
//! query saw). Needs `KPI_TEST_PG_DSN` (skipped with a message without it; a failure
//! under `CI=true`).

use crate::support::kpi;
use crate::support::sql::pg_dsn;

#[test]
fn pg_script_functions_over_days_and_workdays_match_the_in_process_engine() {
    let Some(dsn) = pg_dsn("pg_script_days") else {
        return;
    };
    let defs = "tests/fixtures/sql/scripted_days.kpi";
    let (code, _, err) = kpi(&[
        "load",
        defs,
        "--dsn",
        &dsn,
        "--replace",
        "--data",
        "activities=data/activities.csv",
        "--table",
        "activities=kpi_script_days.activities",
    ])
    .parts();
    assert_eq!(code, 0, "kpi load: {err}");
    for (by, grain, range) in [
        ("team", "all", None),
        ("", "all", None),
        ("rep", "month", None),
        ("team", "week", Some(("2026-02-01", "2026-03-15"))),
        ("team", "all", Some(("2026-01-10", "2026-02-20"))),
    ] {
        let mut a = vec!["eval", defs, "--grain", grain, "--format", "csv"];
        if !by.is_empty() {
            a.extend(["--by", by]);
        }
        if let Some((from, to)) = range {
            a.extend(["--from", from, "--to", to]);
        }
        let (ca, want, ea) = kpi(&a).parts();
        assert_eq!(ca, 0, "{ea}");
        assert!(
            want.starts_with(&format!(
                "{}won_amount,commission,daily_comm,workday_comm\n",
                if by.is_empty() {
                    String::new()
                } else {
                    format!("{by},")
                } + if grain == "all" { "" } else { "period," }
            )),
            "{want}"
        );
        a.extend(["--engine", "postgres", "--dsn", &dsn]);
        a.extend(["--table", "activities=kpi_script_days.activities"]);
        let (cb, got, eb) = kpi(&a).parts();
        assert_eq!(cb, 0, "{eb}");
        // The warehouse gives no data extent: no partial-period note.
        let want = match want.find("\nnote: ") {
            Some(i) => want[..i + 1].to_string(),
            None => want,
        };
        assert_eq!(want, got, "--by {by} --grain {grain} {range:?}");
    }
}
