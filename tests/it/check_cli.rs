//! `kpi check` as a CI pipeline runs it: exit codes, output formats, review policy.

use crate::support::{kpi, Run};

const TODAY: &str = "2026-11-27";
const BROKEN: &str = "tests/fixtures/diag/err_unknown_metric.kpi";
const OVERDUE: &str = "tests/fixtures/diag/err_review_overdue.kpi";

fn stdout(o: &Run) -> String {
    o.stdout.clone()
}

fn stderr(o: &Run) -> String {
    o.stderr.clone()
}

fn json(o: &Run) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(&stdout(o))
        .unwrap_or_else(|e| panic!("JSON on stdout: {e}\n{}", stdout(o)));
    v.as_array().expect("a JSON array").clone()
}

#[test]
fn shipped_metrics_are_valid() {
    let out = kpi(&["check", "metrics", "--today", TODAY]);
    assert_eq!(Some(out.code), Some(0), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "checked 5 files: 0 errors, 0 warnings (valid)\n"
    );
    assert_eq!(stdout(&out), "");
    // The default path is `metrics/`; the system date only matters for warnings.
    let out = kpi(&["check"]);
    assert_eq!(Some(out.code), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("checked 5 files: 0 errors"),
        "{}",
        stderr(&out)
    );
    let out = kpi(&["check", "metrics", "--today", TODAY, "--format", "json"]);
    assert_eq!(json(&out), Vec::<serde_json::Value>::new());
}

#[test]
fn a_broken_file_exits_1_with_its_diagnostic() {
    let out = kpi(&["check", BROKEN]);
    assert_eq!(Some(out.code), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("error[E0201]: unknown metric `won_deal`\n"),
        "{err}"
    );
    assert!(err.contains(&format!(" --> {BROKEN}:4:37\n")), "{err}");
    assert!(err.contains("= help: did you mean `won_deals`?"), "{err}");
    assert!(
        err.ends_with("checked 1 file: 1 error, 0 warnings (invalid)\n"),
        "{err}"
    );
    // A folder with one broken file among valid ones is invalid too.
    let out = kpi(&[
        "check",
        "metrics",
        "tests/fixtures/diag/err_three_errors.kpi",
    ]);
    assert_eq!(Some(out.code), Some(1));
    assert!(
        stderr(&out).ends_with("checked 6 files: 3 errors, 0 warnings (invalid)\n"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_missing_path_exits_2() {
    let out = kpi(&["check", "no/such/defs.kpi"]);
    assert_eq!(Some(out.code), Some(2));
    assert_eq!(
        stderr(&out),
        "error: no such file or folder: `no/such/defs.kpi`\n"
    );
    assert_eq!(stdout(&out), "");
}

#[test]
fn bad_flags_exit_2() {
    for args in [
        &["check", "--no-such-flag"][..],
        &["check", "metrics", "--format", "xml"],
        &["check", "metrics", "--today", "2026-13-45"],
        &["chek", "metrics"],
    ] {
        let out = kpi(args);
        assert_eq!(Some(out.code), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).is_empty(), "{args:?} says what is wrong");
        assert!(!stderr(&out).contains("panicked"), "{args:?}");
    }
}

#[test]
fn json_has_exactly_the_design_keys_and_positions() {
    let out = kpi(&["check", BROKEN, "--format", "json"]);
    assert_eq!(Some(out.code), Some(1));
    assert_eq!(stderr(&out), "", "JSON mode prints nothing else");
    let items = json(&out);
    assert_eq!(items.len(), 1);
    let d = items[0].as_object().unwrap();
    let mut keys: Vec<&str> = d.keys().map(String::as_str).collect();
    keys.sort();
    let mut want = [
        "severity",
        "code",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "help",
    ];
    want.sort();
    assert_eq!(keys, want);
    assert_eq!(
        serde_json::Value::Object(d.clone()),
        serde_json::json!({
            "severity": "error",
            "code": "E0201",
            "message": "unknown metric `won_deal`",
            "file": BROKEN,
            "line": 4,
            "column": 37,
            "end_line": 4,
            "end_column": 45,
            "help": "did you mean `won_deals`?"
        })
    );
    // No help is `null`, not a missing key.
    let out = kpi(&[
        "check",
        "tests/fixtures/diag/err_arity_if.kpi",
        "--format",
        "json",
    ]);
    let items = json(&out);
    assert_eq!(items[0]["help"], serde_json::Value::Null);
    assert_eq!(items[0].as_object().unwrap().len(), 9);
    assert_eq!(
        (items[0]["line"].as_u64(), items[0]["column"].as_u64()),
        (Some(3), Some(15))
    );
}

#[test]
fn json_positions_in_yaml_point_inside_the_string() {
    let out = kpi(&[
        "check",
        "tests/fixtures/diag/err_yaml_unknown_key.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(Some(out.code), Some(1));
    let items = json(&out);
    assert_eq!(items[0]["code"], "E0151");
    assert_eq!(
        (items[0]["line"].as_u64(), items[0]["column"].as_u64()),
        (Some(7), Some(5))
    );
    assert_eq!(items[0]["end_column"].as_u64(), Some(11));
    assert!(items[0]["help"]
        .as_str()
        .unwrap()
        .contains("valid keys: value, format, unit"));
    let out = kpi(&[
        "check",
        "tests/fixtures/diag/err_yaml_unknown_metric.yaml",
        "--format",
        "json",
    ]);
    let items = json(&out);
    assert_eq!(
        (
            items[0]["code"].as_str(),
            items[0]["line"].as_u64(),
            items[0]["column"].as_u64()
        ),
        (Some("E0201"), Some(8), Some(12))
    );
}

#[test]
fn github_annotations() {
    let out = kpi(&["check", BROKEN, "--format", "github"]);
    assert_eq!(Some(out.code), Some(1));
    assert_eq!(
        stdout(&out),
        format!(
            "::error file={BROKEN},line=4,col=37,endLine=4,endColumn=45,title=E0201::E0201 unknown metric `won_deal` (did you mean `won_deals`?)\n"
        )
    );
    let out = kpi(&["check", OVERDUE, "--today", TODAY, "--format", "github"]);
    assert_eq!(Some(out.code), Some(0));
    assert!(
        stdout(&out).starts_with(&format!("::warning file={OVERDUE},line=4,col=3,")),
        "{}",
        stdout(&out)
    );
}

#[test]
fn an_overdue_review_is_a_warning_unless_denied_or_strict() {
    // last 2026-03-31 + a quarter = due 2026-06-30 < today.
    let out = kpi(&["check", OVERDUE, "--today", TODAY, "--format", "json"]);
    assert_eq!(Some(out.code), Some(0), "warnings do not fail");
    let items = json(&out);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["severity"], "warning");
    assert_eq!(items[0]["code"], "W0501");
    assert_eq!(items[0]["message"], "review of metric `calls` is overdue");
    assert_eq!(
        (items[0]["line"].as_u64(), items[0]["column"].as_u64()),
        (Some(4), Some(3))
    );

    let out = kpi(&["check", OVERDUE, "--today", TODAY, "--deny-warnings"]);
    assert_eq!(Some(out.code), Some(1));
    assert!(stderr(&out).contains("warning[W0501]"));

    let out = kpi(&[
        "check",
        OVERDUE,
        "--today",
        TODAY,
        "--strict-reviews",
        "--format",
        "json",
    ]);
    assert_eq!(Some(out.code), Some(1));
    let items = json(&out);
    assert_eq!(
        (items[0]["severity"].as_str(), items[0]["code"].as_str()),
        (Some("error"), Some("W0501"))
    );

    // Before the due date, nothing is reported.
    let out = kpi(&["check", OVERDUE, "--today", "2026-06-30", "--deny-warnings"]);
    assert_eq!(Some(out.code), Some(0), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        "checked 1 file: 0 errors, 0 warnings (valid)\n"
    );
}

#[test]
fn the_shipped_reviews_fall_due() {
    // metrics/sales.kpi: reviews last 2026-09-30 (quarter) and 2026-10-01 (90d, quarter);
    // acme: last 2026-10-15 (quarter). A year later all of them are overdue.
    let out = kpi(&[
        "check",
        "metrics",
        "--today",
        "2027-11-27",
        "--format",
        "json",
    ]);
    assert_eq!(Some(out.code), Some(0));
    let items = json(&out);
    assert!(items
        .iter()
        .all(|d| d["code"] == "W0501" && d["severity"] == "warning"));
    let mut names: Vec<String> = items
        .iter()
        .map(|d| d["message"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names.dedup();
    assert!(
        names.contains(&"review of metric `hit_rate` is overdue".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"review of check `calls_per_day` is overdue".to_string()),
        "{names:?}"
    );
    let out = kpi(&[
        "check",
        "metrics",
        "--today",
        "2027-11-27",
        "--deny-warnings",
    ]);
    assert_eq!(Some(out.code), Some(1));
}

#[test]
fn human_output_is_plain_without_a_terminal() {
    let out = kpi(&["check", BROKEN]);
    assert!(
        !stderr(&out).contains('\u{1b}'),
        "no ANSI escapes when piped"
    );
}

/// A file that another checked file imports (and overrides a metric of) still reports
/// its own overdue reviews, whether checked as a folder, as several files or alone,
/// and each finding once.
#[test]
fn an_imported_file_keeps_its_own_overdue_reviews() {
    let dir = "tests/fixtures/check/imported_review";
    let base = "tests/fixtures/check/imported_review/base.kpi";
    let client = "tests/fixtures/check/imported_review/client/c.kpi";
    for args in [
        vec![dir],
        vec![base, client],
        vec![client, base],
        vec![base],
    ] {
        let mut full = vec!["check"];
        full.extend(&args);
        full.extend(["--strict-reviews", "--today", TODAY, "--format", "json"]);
        let out = kpi(&full);
        assert_eq!(Some(out.code), Some(1), "{args:?}: {}", stderr(&out));
        let found = json(&out);
        assert_eq!(found.len(), 1, "{args:?}: {found:?}");
        assert_eq!(found[0]["code"], "W0501");
        assert_eq!(found[0]["line"], 2);
        assert_eq!(found[0]["message"], "review of metric `won` is overdue");
    }
    // The importer alone compiles the override, whose metric has no review.
    let out = kpi(&["check", client, "--strict-reviews", "--today", TODAY]);
    assert_eq!(Some(out.code), Some(0), "{}", stderr(&out));
}

/// The shipped client overrides `hit_rate` and `total_sales`; checking it next to the
/// base still reports the base's own overdue reviews of both.
#[test]
fn shipped_base_reviews_survive_the_client_override() {
    let out = kpi(&[
        "check",
        "metrics/sales.kpi",
        "metrics/clients/acme.kpi",
        "--today",
        "2027-02-01",
        "--format",
        "json",
    ]);
    assert_eq!(Some(out.code), Some(0), "{}", stderr(&out));
    let at: Vec<(String, String)> = json(&out)
        .iter()
        .map(|d| {
            (
                d["message"].as_str().unwrap().to_string(),
                d["file"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for name in ["hit_rate", "total_sales"] {
        let msg = format!("review of metric `{name}` is overdue");
        assert!(
            at.contains(&(msg.clone(), "metrics/sales.kpi".to_string())),
            "{msg} at metrics/sales.kpi missing from {at:?}"
        );
    }
}

/// Paths in diagnostics are normalized lexically, in every format: a file reached
/// through `clients/../sales.kpi` or `./x` is named `metrics/sales.kpi`.
#[test]
fn diagnostic_paths_are_normalized() {
    let acme = "metrics/clients/acme.kpi";
    let out = kpi(&["check", acme, "--today", "2027-02-01", "--format", "github"]);
    let text = stdout(&out);
    assert!(
        text.contains("::warning file=metrics/sales.kpi,line=64,col=3,"),
        "{text}"
    );
    assert!(!text.contains(".."), "{text}");
    let out = kpi(&["check", acme, "--today", "2027-02-01", "--format", "json"]);
    let files: Vec<String> = json(&out)
        .iter()
        .map(|d| d["file"].as_str().unwrap().to_string())
        .collect();
    assert!(
        files.contains(&"metrics/sales.kpi".to_string()),
        "{files:?}"
    );
    assert!(files.iter().all(|f| !f.contains("..")), "{files:?}");
    let out = kpi(&[
        "check",
        "./metrics/clients/acme.kpi",
        "--today",
        "2027-02-01",
    ]);
    let err = stderr(&out);
    assert!(err.contains("  --> metrics/sales.kpi:64:3\n"), "{err}");
    assert!(
        err.contains("  --> metrics/clients/acme.kpi:11:3\n"),
        "{err}"
    );
    for format in ["sarif", "junit"] {
        let out = kpi(&["check", acme, "--today", "2027-02-01", "--format", format]);
        assert!(!stdout(&out).contains(".."), "{format}: {}", stdout(&out));
    }
}

/// With a readable `from` file, the columns the definitions use are checked against
/// its header: each unknown one is an error at its use, with a "did you mean".
#[test]
fn columns_are_checked_against_the_sources_file() {
    let out = kpi(&[
        "check",
        "tests/fixtures/check/columns/defs.kpi",
        "--format",
        "json",
    ]);
    assert_eq!(Some(out.code), Some(1), "{}", stderr(&out));
    let found: Vec<(String, u64, u64, String)> = json(&out)
        .iter()
        .map(|d| {
            (
                d["message"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
                d["help"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let file = "tests/fixtures/check/columns/deals.csv";
    assert_eq!(
        found,
        [
            (
                format!("source `deals` has no column `tema` in `{file}`"),
                6,
                19,
                "its columns: ts, rep, type, amount".to_string()
            ),
            (
                format!("source `deals` has no column `amout` in `{file}`"),
                12,
                24,
                "did you mean `amount`?".to_string()
            ),
            (
                format!("source `deals` has no column `tpye` in `{file}`"),
                13,
                34,
                "did you mean `type`?".to_string()
            ),
        ]
    );
}
