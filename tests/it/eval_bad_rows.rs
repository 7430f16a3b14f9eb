//! Bad data rows and exit codes of `kpi eval` (DESIGN section 3): by default a bad
//! row is an error naming file, line and column (exit 1); `--on-bad-rows skip` skips
//! it, reports how many and where, and evaluates the rest; usage problems exit 2.

use crate::support::tempdir;

use crate::support::eval::*;

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_string_lossy().into_owned()
}

fn defs() -> String {
    fixture("aggs.kpi")
}

const HEAD: &str = "ts,rep,team,type,amount,dur\n";

fn no_panic(r: &Run) {
    assert!(
        !r.stderr.contains("panicked")
            && !r.stderr.contains("internal error")
            && !r.stderr.contains("RUST_BACKTRACE"),
        "{}",
        r.stderr
    );
}

/// Line 3 has `12x.5` in the decimal column `amount` (field 5).
#[test]
fn unparseable_number() {
    let dir = tempdir("num");
    let data = write(
        &dir,
        "bad_number.csv",
        format!("{HEAD}2026-01-05T09:00:00,ann,north,call,,30\n2026-01-05T10:00:00,ann,north,deal,12x.5,\n2026-01-06T10:00:00,bob,north,deal,10.5,\n").as_bytes(),
    );
    let r = kpi(&[
        "eval",
        &defs(),
        "--data",
        &data,
        "--metrics",
        "total,rows",
        "--format",
        "csv",
    ]);
    no_panic(&r);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("bad_number.csv:3:"), "{}", r.stderr);
    assert!(
        r.stderr.contains("`amount`") && r.stderr.contains("12x.5"),
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, "");

    let r = kpi(&[
        "eval",
        &defs(),
        "--data",
        &data,
        "--metrics",
        "total,rows",
        "--format",
        "csv",
        "--on-bad-rows",
        "skip",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // rows 2 and 4 remain: 1 row with amount 10.5
    assert_eq!(r.stdout, "total,rows\n10.5,2\n");
    assert!(
        r.stderr.contains("skipped 1 bad row ") && r.stderr.contains("line 3"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("bad_number.csv"), "{}", r.stderr);
}

#[test]
fn unparseable_timestamp() {
    let dir = tempdir("ts");
    let data = write(
        &dir,
        "bad_ts.csv",
        format!("{HEAD}2026-01-05T09:00:00,ann,north,call,,30\n2026-01-05T09:00:00,bob,north,call,,30\n2026-02-30T10:00:00,ann,north,deal,1,\n2026-01-06T10:00:00,bob,north,deal,10.5,\n")
            .as_bytes(),
    );
    let r = kpi(&[
        "eval",
        &defs(),
        "--data",
        &data,
        "--metrics",
        "rows",
        "--format",
        "csv",
    ]);
    no_panic(&r);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("bad_ts.csv:4:")
            && r.stderr.contains("`ts`")
            && r.stderr.contains("2026-02-30"),
        "{}",
        r.stderr
    );
    let r = kpi(&[
        "eval",
        &defs(),
        "--data",
        &data,
        "--metrics",
        "rows,total",
        "--format",
        "csv",
        "--on-bad-rows",
        "skip",
        "--by",
        "rep",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "rep,rows,total\nann,1,0\nbob,2,10.5\n");
    assert!(
        r.stderr.contains("skipped 1 bad row ") && r.stderr.contains("line 4"),
        "{}",
        r.stderr
    );
}

#[test]
fn wrong_column_count() {
    let dir = tempdir("count");
    let data = write(
        &dir,
        "bad_count.csv",
        format!(
            "{HEAD}2026-01-05T09:00:00,ann,north,call,,30\n2026-01-06T10:00:00,bob,north,deal,10.5\n2026-01-07T10:00:00,bob,north,deal,10.5,,\n2026-01-08T10:00:00,bob,north,deal,2.25,\n"
        )
        .as_bytes(),
    );
    let r = kpi(&["eval", &defs(), "--data", &data, "--metrics", "rows"]);
    no_panic(&r);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("bad_count.csv:3:") && r.stderr.contains("expected 6 fields, found 5"),
        "{}",
        r.stderr
    );
    let r = kpi(&[
        "eval",
        &defs(),
        "--data",
        &data,
        "--metrics",
        "rows,total",
        "--format",
        "csv",
        "--on-bad-rows",
        "skip",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "rows,total\n2,2.25\n");
    assert!(
        r.stderr.contains("skipped 2 bad rows")
            && r.stderr.contains("line 3")
            && r.stderr.contains("line 4"),
        "{}",
        r.stderr
    );
}

/// The file lacks `dur`, which `aggs.kpi` reads: the error names the source, the
/// missing column and the columns that do exist. Not skippable: it is not a row.
#[test]
fn missing_column() {
    let dir = tempdir("missing");
    let data = write(
        &dir,
        "no_dur.csv",
        b"ts,rep,team,type,amount\n2026-01-05T09:00:00,ann,north,call,\n",
    );
    for extra in [&[][..], &["--on-bad-rows", "skip"][..]] {
        let mut args = vec!["eval".to_string(), defs(), "--data".into(), data.clone()];
        args.extend(extra.iter().map(|s| s.to_string()));
        let a: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        let r = kpi(&a);
        no_panic(&r);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(
            r.stderr.contains("source `acts`") && r.stderr.contains("`dur`"),
            "{}",
            r.stderr
        );
        for c in ["`ts`", "`rep`", "`team`", "`type`", "`amount`"] {
            assert!(r.stderr.contains(c), "missing {c} in {}", r.stderr);
        }
    }
    // Metrics that do not read `dur` evaluate fine on the same file.
    let t = eval_csv(&[&defs(), "--data", &data, "--metrics", "rows,calls"]);
    assert_eq!(t.rows, vec![vec!["1".to_string(), "1".to_string()]]);
}

#[test]
fn non_utf8_field() {
    let dir = tempdir("utf8");
    let mut bytes = HEAD.as_bytes().to_vec();
    bytes.extend_from_slice(
        b"2026-01-05T09:00:00,a\xffn,north,call,,30\n2026-01-05T09:00:00,ann,north,call,,30\n",
    );
    let data = write(&dir, "latin.csv", &bytes);
    let r = kpi(&[
        "eval",
        &defs(),
        "--data",
        &data,
        "--metrics",
        "rows",
        "--by",
        "rep",
        "--format",
        "csv",
    ]);
    no_panic(&r);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("latin.csv:2:")
            && r.stderr.contains("`rep`")
            && r.stderr.contains("UTF-8"),
        "{}",
        r.stderr
    );
    let r = kpi(&[
        "eval",
        &defs(),
        "--data",
        &data,
        "--metrics",
        "rows",
        "--by",
        "rep",
        "--format",
        "csv",
        "--on-bad-rows",
        "skip",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "rep,rows\nann,1\n");
    assert!(
        r.stderr.contains("skipped 1 bad row ") && r.stderr.contains("line 2"),
        "{}",
        r.stderr
    );
}

#[test]
fn ndjson_bad_lines() {
    let dir = tempdir("ndjson");
    let lines = [
        r#"{"ts":"2026-01-05T09:00:00","rep":"ann","team":"north","type":"call","amount":null,"dur":30}"#,
        r#"{"ts":"2026-01-05T09:00:00","rep" "ann","team":"north","type":"call","amount":null,"dur":30}"#,
        r#"{"ts":"2026-01-06T09:00:00","rep":"bob","team":"north","type":"deal","amount":"abc","dur":null}"#,
        r#"{"ts":"2026-01-06T09:00:00","rep":"bob","team":"north","type":"deal","amount":12.25,"dur":null}"#,
    ];
    let data = write(&dir, "acts.ndjson", (lines.join("\n") + "\n").as_bytes());
    let r = kpi(&[
        "eval",
        &defs(),
        "--data",
        &data,
        "--metrics",
        "rows,total",
        "--by",
        "rep",
        "--format",
        "csv",
    ]);
    no_panic(&r);
    assert_eq!(r.code, 1, "{}", r.stderr);
    // line 2: `"rep" "ann"` lacks the colon after the key (column 35 of the line)
    assert!(
        r.stderr.contains("acts.ndjson:2:") && r.stderr.contains("column 35"),
        "{}",
        r.stderr
    );
    // the bad value alone, with a bad line 2 removed
    let data2 = write(
        &dir,
        "acts2.ndjson",
        [lines[0], lines[2], lines[3]].join("\n").as_bytes(),
    );
    let r = kpi(&[
        "eval",
        &defs(),
        "--data",
        &data2,
        "--metrics",
        "rows,total",
        "--by",
        "rep",
        "--format",
        "csv",
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("acts2.ndjson:2:")
            && r.stderr.contains("`amount`")
            && r.stderr.contains("abc"),
        "{}",
        r.stderr
    );

    let r = kpi(&[
        "eval",
        &defs(),
        "--data",
        &data,
        "--metrics",
        "rows,total",
        "--by",
        "rep",
        "--format",
        "csv",
        "--on-bad-rows",
        "skip",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "rep,rows,total\nann,1,0\nbob,1,12.25\n");
    assert!(
        r.stderr.contains("skipped 2 bad rows")
            && r.stderr.contains("line 2")
            && r.stderr.contains("line 3"),
        "{}",
        r.stderr
    );
}

/// Many bad rows: the count is exact and the first line numbers are listed.
#[test]
fn skip_reports_count_and_first_lines() {
    let dir = tempdir("many");
    let mut csv = String::from(HEAD);
    let mut good = 0;
    let mut bad_lines = Vec::new();
    for i in 0..40 {
        let line = i + 2;
        if i % 4 == 1 {
            csv.push_str("2026-01-05T09:00:00,ann,north,deal,oops,\n");
            bad_lines.push(line);
        } else {
            csv.push_str("2026-01-05T09:00:00,ann,north,deal,1.5,\n");
            good += 1;
        }
    }
    let data = write(&dir, "many.csv", csv.as_bytes());
    let r = kpi(&[
        "eval",
        &defs(),
        "--data",
        &data,
        "--metrics",
        "rows,total",
        "--format",
        "csv",
        "--on-bad-rows",
        "skip",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(bad_lines.len(), 10);
    assert_eq!(
        r.stdout,
        format!("rows,total\n{good},{}\n", cents_text(150 * good as i128))
    );
    assert!(r.stderr.contains("skipped 10 bad rows"), "{}", r.stderr);
    for l in &bad_lines[..3] {
        assert!(
            r.stderr.contains(&format!("line {l}:")),
            "line {l} in {}",
            r.stderr
        );
    }
}

// ---- exit codes -------------------------------------------------------------------

#[test]
fn exit_codes() {
    let data = fixture("aggs.csv");
    let d = defs();
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["eval", &d, "--data", "/nonexistent/acts.csv"],
            2,
            "acts.csv",
        ),
        (&["eval", &d, "--data", &data, "--bogus"], 2, "--bogus"),
        (
            &["eval", &d, "--data", &data, "--metrics", "rows,nope"],
            2,
            "`nope`",
        ),
        (&["eval", &d, "--data", &data, "--set", "nope=3"], 2, "nope"),
        (
            &["eval", &d, "--data", &data, "--profile", "nope"],
            2,
            "nope",
        ),
        (
            &[
                "eval",
                &d,
                "--data",
                &data,
                "--from",
                "2026-02-01",
                "--to",
                "2026-01-01",
            ],
            2,
            "--from",
        ),
        (
            &["eval", &d, "--data", &data, "--from", "2026-13-01"],
            2,
            "2026-13-01",
        ),
        (
            &["eval", &d, "--data", &data, "--grain", "fortnight"],
            2,
            "fortnight",
        ),
        (&["eval", &d, "--data", &data, "--format", "xml"], 2, "xml"),
        (
            &["eval", &d, "--data", &data, "--on-bad-rows", "maybe"],
            2,
            "maybe",
        ),
        (
            &["eval", "/nonexistent/defs.kpi", "--data", &data],
            2,
            "defs.kpi",
        ),
        (
            &["eval", &d, "--data", &format!("nosuch={data}")],
            2,
            "nosuch",
        ),
        (&["eval", &d, "--data", &data], 0, ""),
    ];
    for (args, code, needle) in cases {
        let r = kpi(args);
        no_panic(&r);
        assert_eq!(r.code, *code, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(needle),
            "{args:?}: `{needle}` not in {}",
            r.stderr
        );
    }
}

/// Invalid definitions are rejected with exit 1 and a diagnostic.
#[test]
fn invalid_definitions_exit_1() {
    let dir = tempdir("defs");
    let bad = write(
        &dir,
        "bad.kpi",
        b"source a { time ts }\nmetric x = count(b)\n",
    );
    let r = kpi(&["eval", &bad, "--data", &fixture("aggs.csv")]);
    no_panic(&r);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("bad.kpi:2:18") && r.stderr.contains("unknown source `b`"),
        "{}",
        r.stderr
    );
    let syntax = write(
        &dir,
        "syntax.kpi",
        b"source a { time ts }\nmetric x = count(a where typ ==)\n",
    );
    let r = kpi(&["eval", &syntax, "--data", &fixture("aggs.csv")]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("syntax.kpi:2:"), "{}", r.stderr);
}

/// Skipped rows are reported by every command that evaluates, not only `eval`:
/// `funnel` and `whatif` (and `plan`, `insights`, `checks`) print the same warning.
#[test]
fn skipped_rows_are_reported_by_the_funnel_commands_too() {
    let dir = crate::support::tempdir("skips_everywhere");
    let data = dir.join("bad.csv");
    std::fs::write(
        &data,
        "ts,rep,team,region,channel,type,account,amount,duration_s\n\
         2026-01-05T09:00:00,ann,north,emea,outbound,call,a1,,60\n\
         not-a-time,ann,north,emea,outbound,call,a1,,60\n\
         2026-01-06T10:00:00,ann,north,emea,outbound,meeting,a1,,900\n",
    )
    .unwrap();
    let acts = format!("activities={}", data.display());
    let want = "warning: skipped 1 bad row of source `activities`";
    for args in [
        vec!["funnel", "metrics/sales.kpi", "outbound"],
        vec![
            "whatif",
            "metrics/sales.kpi",
            "outbound",
            "--change",
            "touches=+10%",
        ],
    ] {
        let mut a = args.clone();
        a.extend([
            "--data",
            &acts,
            "--data",
            "quotas=data/quotas.csv",
            "--on-bad-rows",
            "skip",
        ]);
        let out = crate::support::kpi(&a);
        assert_eq!(out.code, 0, "{a:?}: {}", out.stderr);
        assert!(out.stderr.contains(want), "{a:?}: {}", out.stderr);
    }
}
