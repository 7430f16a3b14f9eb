//! Where results go: a failed write to stdout is an I/O error (exit 2, naming the
//! output) for every printing command and format; a reader that goes away is not.

use crate::support::eval::*;

const FULL: &str = "/dev/full";

/// Every command that prints results, in each of its formats.
const PRINTING: &[&[&str]] = &[
    &["eval", "metrics/sales.kpi", "--format", "csv"],
    &["eval", "metrics/sales.kpi", "--format", "json"],
    &["eval", "metrics/sales.kpi", "--format", "ndjson"],
    &["eval", "metrics/sales.kpi", "--format", "md"],
    &["eval", "metrics/sales.kpi", "--format", "table"],
    &["checks", "metrics/sales.kpi"],
    &["checks", "metrics/sales.kpi", "--format", "json"],
    &["checks", "metrics/sales.kpi", "--format", "csv"],
    &[
        "sql",
        "metrics/sales.kpi",
        "--dialect",
        "duckdb",
        "--metrics",
        "calls",
    ],
    &["schema"],
    &["sniff", "data/exports/nordwerk_deals.csv"],
    &[
        "sniff",
        "tests/fixtures/exports/deals.xlsx",
        "--format",
        "yaml",
    ],
    &[
        "check",
        "metrics",
        "--format",
        "json",
        "--today",
        "2026-11-27",
    ],
    &[
        "check",
        "metrics",
        "--format",
        "sarif",
        "--today",
        "2026-11-27",
    ],
    &[
        "check",
        "metrics",
        "--format",
        "junit",
        "--today",
        "2026-11-27",
    ],
    &["diff", "metrics/sales.kpi", "metrics/clients/acme.kpi"],
    &[
        "diff",
        "metrics/sales.kpi",
        "metrics/clients/acme.kpi",
        "--format",
        "json",
    ],
    &["explain", "metrics/sales.kpi", "hit_rate"],
    &["graph", "metrics/sales.kpi"],
    &["review", "metrics/sales.kpi", "--today", "2026-11-27"],
    &["review", "metrics/sales.kpi", "--format", "json"],
    &["test", "metrics/tests"],
    &["funnel", "metrics/sales.kpi", "outbound"],
    &[
        "plan",
        "metrics/sales.kpi",
        "outbound",
        "--target",
        "1000",
        "--rates-from",
        "2026-Q1",
    ],
    &[
        "whatif",
        "metrics/sales.kpi",
        "outbound",
        "--change",
        "touches=+5",
    ],
    &[
        "insights",
        "metrics/sales.kpi",
        "--outcome",
        "won_amount",
        "--by",
        "rep",
    ],
    &["convert", "metrics/sales.kpi", "--to", "yaml"],
];

#[test]
fn a_full_stdout_exits_2_naming_the_output() {
    for args in PRINTING {
        let r = kpi_to_file(args, FULL);
        assert_eq!(r.code, 2, "kpi {args:?} > /dev/full: {}", r.stderr);
        assert!(
            r.stderr
                .contains("error: cannot write to standard output: No space left on device"),
            "kpi {args:?} > /dev/full: {}",
            r.stderr
        );
    }
}

#[test]
fn a_full_output_file_exits_2_naming_it() {
    let r = kpi(&["eval", "metrics/sales.kpi", "-o", FULL]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot write `/dev/full`"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_output_file_in_a_missing_folder_exits_2_with_a_hint() {
    let dir = crate::support::tempdir("missing_folder");
    let out = dir.join("no/such/dir/out.csv");
    let r = kpi(&[
        "eval",
        "metrics/sales.kpi",
        "-o",
        &out.display().to_string(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(
        r.stderr,
        format!(
            "error: cannot write `{}`: No such file or directory\n  = help: the folder `{}` does not exist: create it, or write elsewhere\n",
            out.display(),
            out.parent().unwrap().display()
        )
    );
}

#[test]
fn a_reader_that_goes_away_is_not_an_error() {
    // About 450 kB, far more than a pipe's buffer: the write meets the closed pipe.
    let args = [
        "eval",
        "metrics/sales.kpi",
        "--by",
        "rep",
        "--grain",
        "day",
        "--format",
        "json",
    ];
    let r = kpi_closed_pipe(&args, 9);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "");
    assert_eq!(r.stdout, "[\n  {\n   ");
}
