//! Real exports (DESIGN 5.1): every fixture format evaluates to the table of the
//! plain CSV of the same rows (the fixtures are written by DuckDB, openpyxl, gzip,
//! zstd and by hand: `tests/fixtures/exports/make.py`); `kpi sniff` prints blocks
//! that read their files; broken files are clear errors.

use std::path::{Path, PathBuf};

use crate::support::{kpi, tempdir};

const DIR: &str = "tests/fixtures/exports";

/// The table of the fixture rows by rep and month, worked out by hand from
/// `make.py`'s rows: ann's January is 1234.56 + (no value) + 2500.10, bob's is
/// 99.90 + 0.05, cleo's February is the -150.00 refund; `noted` counts non-empty notes.
const BY_REP_MONTH: &str = "\
rep,period,deals_n,won,revenue,units,noted
ann,2026-01,3,1,3734.66,9,3
bob,2026-01,2,1,99.95,2,0
bob,2026-02,1,1,7777.77,6,0
cleo,2026-01,1,1,12000,10,1
cleo,2026-02,1,0,-150,1,1
";

const METRICS: &str = r#"
metric deals_n = count(deals)
metric won = count(deals where status == "won")
metric revenue = sum(deals.amount)
metric units = sum(deals.qty)
metric noted = count(deals where note != "")
"#;

fn fixture(name: &str) -> PathBuf {
    std::fs::canonicalize(Path::new(DIR).join(name)).expect("fixture")
}

/// Definitions reading `file` with the source `entries`, written to a temp dir.
fn defs(dir: &Path, tag: &str, file: &str, entries: &str) -> PathBuf {
    let text = format!(
        "settings {{ timezone \"Europe/Amsterdam\" }}\n\nsource deals {{\n  from \"{}\"\n{entries}\n}}\n{METRICS}",
        fixture(file).display()
    );
    let p = dir.join(format!("{tag}.kpi"));
    std::fs::write(&p, text).unwrap();
    p
}

fn eval_by_rep_month(defs: &Path) -> (i32, String, String) {
    kpi(&[
        "eval",
        defs.to_str().unwrap(),
        "--by",
        "rep",
        "--grain",
        "month",
        "--format",
        "csv",
    ])
    .parts()
}

const PLAIN: &str =
    "  time closed_at\n  dimensions rep, region\n  column amount: decimal\n  column qty: int";

const EUROPEAN: &str = r#"  encoding "windows-1252"
  delimiter ";"
  decimal ","
  thousands "."
  header 3
  null "NULL"
  time closed_at format "%d-%m-%Y %H:%M"
  column "Abschluss am" as closed_at
  column Vertreter as rep
  column Region as region
  column "Deal Amount" as amount: decimal
  column Menge as qty: int
  column Status as status
  column Notiz as note
  dimensions rep, region"#;

const SHEET: &str = r#"  sheet "Deals"
  header 3
  time closed_at
  column "Closed At" as closed_at
  column Rep as rep
  column Region as region
  column Amount as amount: decimal
  column Qty as qty: int
  column Status as status
  column Note as note
  dimensions rep, region"#;

#[test]
fn every_format_gives_the_table_of_the_plain_csv() {
    let dir = tempdir("exports_formats");
    let xlsxwriter = SHEET.replace("  header 3\n", "");
    let cases: [(&str, &str); 13] = [
        ("deals.csv", PLAIN),
        ("deals.tsv", PLAIN),
        ("deals.csv.gz", PLAIN),
        ("deals.csv.zst", PLAIN),
        ("deals.ndjson", PLAIN),
        ("deals.ndjson.gz", PLAIN),
        ("deals.parquet", PLAIN),
        // UTC instants (TIMESTAMPTZ) and doubles: the same days in Amsterdam.
        (
            "deals_utc.parquet",
            "  time closed_at\n  dimensions rep, region",
        ),
        ("deals_r.csv", &format!("{PLAIN}\n  null \"NA\"")),
        ("deals_eu.csv", EUROPEAN),
        ("deals.xlsx", SHEET),
        // Written by other tools: pyarrow (nanosecond UTC timestamps, fixed-length
        // decimals, dictionary strings, 3 row groups) and XlsxWriter.
        ("deals_pyarrow.parquet", PLAIN),
        ("deals_xlsxwriter.xlsx", &xlsxwriter),
    ];
    for (i, (file, entries)) in cases.iter().enumerate() {
        let d = defs(&dir, &format!("f{i}"), file, entries);
        let (code, out, err) = eval_by_rep_month(&d);
        assert_eq!(code, 0, "{file}: {err}");
        assert_eq!(out, BY_REP_MONTH, "{file}");
    }
}

#[test]
fn the_european_export_sums_exactly_by_region() {
    let dir = tempdir("exports_eu");
    let d = defs(&dir, "eu", "deals_eu.csv", EUROPEAN);
    let (code, out, err) = kpi(&[
        "eval",
        d.to_str().unwrap(),
        "--by",
        "region",
        "--metrics",
        "revenue,deals_n",
        "--format",
        "csv",
    ])
    .parts();
    assert_eq!(code, 0, "{err}");
    // nord 1234.56 + 2500.10; süd 99.90 + 0.05 + 7777.77; west 12000.00 - 150.00.
    assert_eq!(
        out,
        "region,revenue,deals_n\nnord,3734.66,3\nsüd,7877.72,3\nwest,11850,2\n"
    );
}

/// The amount column's name in each file's sniffed block.
const SNIFFED: [(&str, &str); 13] = [
    ("deals.csv", "amount"),
    ("deals.tsv", "amount"),
    ("deals.csv.gz", "amount"),
    ("deals.csv.zst", "amount"),
    ("deals.ndjson", "amount"),
    ("deals.ndjson.gz", "amount"),
    ("deals.parquet", "amount"),
    ("deals_utc.parquet", "amount"),
    ("deals_r.csv", "amount"),
    ("deals_eu.csv", "deal_amount"),
    ("deals.xlsx", "Amount"),
    ("deals_pyarrow.parquet", "amount"),
    ("deals_xlsxwriter.xlsx", "Amount"),
];

#[test]
fn a_sniffed_block_pasted_into_a_file_evaluates_its_file() {
    let dir = tempdir("exports_sniff");
    for (i, (file, amount)) in SNIFFED.iter().enumerate() {
        for form in ["kpi", "yaml"] {
            let path = fixture(file);
            let (code, block, err) = kpi(&[
                "sniff",
                path.to_str().unwrap(),
                "--name",
                "deals",
                "--format",
                form,
            ])
            .parts();
            assert_eq!(code, 0, "{file}: {err}");
            let text = if form == "kpi" {
                format!(
                    "settings {{ timezone \"Europe/Amsterdam\" }}\n{block}\nmetric n = count(deals)\nmetric revenue = sum(deals.{amount})\n"
                )
            } else {
                format!(
                    "settings: {{ timezone: Europe/Amsterdam }}\n{block}metrics:\n  n: count(deals)\n  revenue: sum(deals.{amount})\n"
                )
            };
            let d = dir.join(format!("s{i}.{form}"));
            let d = d.with_extension(if form == "kpi" { "kpi" } else { "yaml" });
            std::fs::write(&d, &text).unwrap();
            let (code, out, err) = kpi(&[
                "eval",
                d.to_str().unwrap(),
                "--grain",
                "month",
                "--format",
                "csv",
            ])
            .parts();
            assert_eq!(code, 0, "{file} ({form}):\n{text}\n{err}");
            // January: 1234.56 + 99.90 + 12000.00 + 0.05 + 2500.10; February:
            // -150.00 + 7777.77.
            assert_eq!(
                out, "period,n,revenue\n2026-01,6,15834.61\n2026-02,2,7627.77\n",
                "{file} ({form}):\n{text}"
            );
        }
    }
}

#[test]
fn the_european_export_is_sniffed_entry_by_entry() {
    let path = fixture("deals_eu.csv");
    let (code, out, err) = kpi(&["sniff", path.to_str().unwrap(), "--name", "deals"]).parts();
    assert_eq!(code, 0, "{err}");
    let body: Vec<&str> = out.lines().skip(1).collect();
    let want = format!(
        r#"source deals {{
  from "{}"
  encoding "windows-1252"
  delimiter ";"
  header 3
  decimal ","
  thousands "."
  null "", "NULL"
  time abschluss_am format "%d-%m-%Y %H:%M"
  dimensions Vertreter, Region, Status
  column "Abschluss am" as abschluss_am
  column "Deal Amount" as deal_amount: decimal
  column Menge: int
}}"#,
        path.display()
    );
    assert_eq!(body.join("\n"), want);
}

#[test]
fn broken_files_are_clear_errors() {
    let dir = tempdir("exports_broken");
    let cut = |name: &str, keep: usize| -> PathBuf {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let p = dir.join(format!("cut_{name}"));
        std::fs::write(&p, &bytes[..keep.min(bytes.len())]).unwrap();
        p
    };
    let base = Path::new(DIR).join("deals.kpi");
    for (file, want) in [
        (
            cut("deals.csv.gz", 150),
            "the gzip data ends early (a truncated file?)",
        ),
        (
            cut("deals.csv.zst", 150),
            "the zstd data ends early (a truncated file?)",
        ),
        (cut("deals.parquet", 600), "not a readable Parquet file"),
        (cut("deals.xlsx", 3000), "not a readable xlsx workbook"),
    ] {
        let data = format!("deals={}", file.display());
        let (code, _, err) = kpi(&["eval", base.to_str().unwrap(), "--data", &data]).parts();
        assert_eq!(code, 2, "{}: {err}", file.display());
        assert!(err.contains(want), "{}: {err}", file.display());
        assert!(!err.contains("panicked"), "{err}");
    }
    // A sheet that is not there, a header row past the end: the file is read but
    // not as the source says (exit 1).
    for (entries, want) in [
        (
            SHEET.replace("sheet \"Deals\"", "sheet \"deals\""),
            "the workbook has no sheet `deals`; its sheets are `Notes`, `Deals` (did you mean `Deals`?)",
        ),
        (
            SHEET.replace("header 3", "header 99"),
            "the header is row 99, but sheet `Deals` ends at row 11",
        ),
    ] {
        let d = defs(&dir, "sheet", "deals.xlsx", &entries);
        let (code, _, err) = eval_by_rep_month(&d);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains(want), "{err}");
    }
    let d = defs(&dir, "hdr", "deals.csv", &format!("{PLAIN}\n  header 20"));
    let (code, _, err) = eval_by_rep_month(&d);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("deals.csv:10: the header is line 20, but the file has only 9 lines"),
        "{err}"
    );
}

#[test]
fn bad_cells_are_named_by_their_place_and_can_be_skipped() {
    let dir = tempdir("exports_bad_cells");
    let entries = SHEET.replace("  header 3\n", "");
    let d = defs(&dir, "bad", "deals_bad.xlsx", &entries);
    let path = fixture("deals_bad.xlsx");
    let (code, _, err) = eval_by_rep_month(&d);
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        err.trim(),
        format!(
            "error: {}: Deals!D3: column `amount`: expected a number, found `twelve`",
            path.display()
        )
    );
    let (code, out, err) = skipping(&d, &["--metrics", "deals_n,revenue"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "deals_n,revenue\n1,10.5\n");
    assert!(
        err.contains("skipped 2 bad rows")
            && err.contains("Deals!D3: column `amount`: expected a number, found `twelve`")
            && err.contains("Deals!D4: column `amount`: the cell holds the error #DIV/0!"),
        "{err}"
    );
    // Parquet: a text amount column with one non-number.
    let d = defs(&dir, "badp", "deals_text.parquet", PLAIN);
    let (code, _, err) = eval_by_rep_month(&d);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("row group 0, row 7 (row 7 of the file): column `amount`: expected a number, found `twelve`"),
        "{err}"
    );
    let (code, out, err) = skipping(&d, &["--metrics", "deals_n,revenue"]);
    // Without cleo's refund (-150.00): 23462.38 + 150.
    assert_eq!(
        (code, out.as_str()),
        (0, "deals_n,revenue\n7,23612.38\n"),
        "{err}"
    );
    // A gzip stream with a bad row: its line, as in the plain file.
    let gz = dir.join("bad.csv.gz");
    let mut enc = flate2_free_gzip(b"closed_at,rep,region,amount,qty,status,note\n2026-01-05T09:00:00,ann,nord,x,1,won,\n2026-01-05T10:00:00,ann,nord,2.5,1,won,\n");
    std::fs::write(&gz, &mut enc).unwrap();
    let base = Path::new(DIR).join("deals.kpi");
    let data = format!("deals={}", gz.display());
    let (code, _, err) = kpi(&["eval", base.to_str().unwrap(), "--data", &data]).parts();
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("bad.csv.gz:2: column `amount` (field 4): expected a number, found `x`"),
        "{err}"
    );
    let (code, out, err) = skipping(&base, &["--data", &data, "--metrics", "revenue"]);
    assert_eq!((code, out.as_str()), (0, "revenue\n2.5\n"), "{err}");
}

/// `kpi eval DEFS ARGS.. --on-bad-rows skip --format csv`.
fn skipping(defs: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["eval", defs.to_str().unwrap()];
    all.extend_from_slice(args);
    all.extend(["--on-bad-rows", "skip", "--format", "csv"]);
    kpi(&all).parts()
}

/// A gzip file of `data` made by the `gzip` command (as an export would be).
fn flate2_free_gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = std::process::Command::new("gzip")
        .arg("-c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip");
    child.stdin.take().unwrap().write_all(data).unwrap();
    child.wait_with_output().unwrap().stdout
}

#[test]
fn a_parquet_type_that_contradicts_a_hint_names_both() {
    let dir = tempdir("exports_hint");
    let d = defs(
        &dir,
        "hint",
        "deals_utc.parquet",
        "  time closed_at\n  dimensions rep\n  column amount: int",
    );
    let (code, _, err) = eval_by_rep_month(&d);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("column `amount` is floating-point in the Parquet file, but the source says `column amount: int`"),
        "{err}"
    );
}

#[test]
fn reading_entries_round_trip_through_fmt_and_convert() {
    let dir = tempdir("exports_fmt");
    let d = defs(&dir, "eu", "deals_eu.csv", EUROPEAN);
    let (code, yaml, err) = kpi(&["convert", d.to_str().unwrap(), "--to", "yaml"]).parts();
    assert_eq!(code, 0, "{err}");
    for line in [
        "    time: { column: closed_at, format: '%d-%m-%Y %H:%M' }",
        "    delimiter: ;",
        "    decimal: ','",
        "    encoding: windows-1252",
        "    header: 3",
        "    null: [\"NULL\"]",
        "      amount: { header: Deal Amount, type: decimal }",
        "      rep: { header: Vertreter }",
    ] {
        assert!(yaml.contains(line), "missing `{line}` in\n{yaml}");
    }
    let y = dir.join("eu.yaml");
    std::fs::write(&y, &yaml).unwrap();
    let (code, out, err) = eval_by_rep_month(&y);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, BY_REP_MONTH);
    let (code, back, err) = kpi(&["convert", y.to_str().unwrap(), "--to", "kpi"]).parts();
    assert_eq!(code, 0, "{err}");
    let k = dir.join("back.kpi");
    std::fs::write(&k, &back).unwrap();
    let (code, out, err) = eval_by_rep_month(&k);
    assert_eq!(code, 0, "{back}\n{err}");
    assert_eq!(out, BY_REP_MONTH);
    // `kpi fmt` keeps every entry (formatting twice changes nothing).
    let (code, _, err) = kpi(&["fmt", k.to_str().unwrap()]).parts();
    assert_eq!(code, 0, "{err}");
    let once = std::fs::read_to_string(&k).unwrap();
    let (code, _, _) = kpi(&["fmt", "--check", k.to_str().unwrap()]).parts();
    assert_eq!(code, 0, "{once}");
    for entry in [
        "delimiter \";\"",
        "decimal \",\"",
        "thousands \".\"",
        "encoding \"windows-1252\"",
        "header 3",
        "null \"NULL\"",
        "time closed_at format \"%d-%m-%Y %H:%M\"",
        "column \"Deal Amount\" as amount: decimal",
        "column Vertreter as rep",
    ] {
        assert!(once.contains(entry), "missing `{entry}` in\n{once}");
    }
}

#[test]
fn explain_and_diff_show_how_a_file_is_read() {
    let dir = tempdir("exports_explain");
    let d = defs(&dir, "eu", "deals_eu.csv", EUROPEAN);
    let (code, out, err) = kpi(&["explain", d.to_str().unwrap(), "revenue"]).parts();
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("read with: delimiter \";\"; decimal \",\"; thousands \".\"; encoding \"windows-1252\"; null \"NULL\"; header 3; time format \"%d-%m-%Y %H:%M\"; column \"Abschluss am\" as closed_at;"),
        "{out}"
    );
    let plain = defs(
        &dir,
        "plain",
        "deals_eu.csv",
        &EUROPEAN.replace("  header 3\n", ""),
    );
    let (code, out, err) = kpi(&["diff", plain.to_str().unwrap(), d.to_str().unwrap()]).parts();
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("~ source deals"), "{out}");
    assert!(
        out.contains("+ { time closed_at") && out.contains("header 3"),
        "{out}"
    );
    assert!(out.ends_with("0 added, 0 removed, 1 changed\n"), "{out}");
}

/// Parquet row groups are read by several threads at once (each through a file
/// handle of its own): 16 row groups of the example data repeated eight times
/// equal the CSV repeated alike.
#[test]
fn parquet_row_groups_read_in_parallel_equal_the_csv() {
    let dir = tempdir("exports_pq_parallel");
    let csv = std::fs::read_to_string("data/activities.csv").unwrap();
    let (header, body) = csv.split_once('\n').unwrap();
    let mut eight = format!("{header}\n");
    for _ in 0..8 {
        eight.push_str(body);
    }
    let plain = dir.join("eight.csv");
    std::fs::write(&plain, eight).unwrap();
    let run = |data: &Path| {
        let arg = format!("activities={}", data.display());
        kpi(&[
            "eval",
            "metrics/sales.kpi",
            "--data",
            &arg,
            "--by",
            "rep",
            "--grain",
            "week",
            "--metrics",
            "calls,won_amount,avg_deal_size,touches",
            "--format",
            "csv",
        ])
        .parts()
    };
    let (code, want, err) = run(&plain);
    assert_eq!(code, 0, "{err}");
    for _ in 0..5 {
        let (code, got, err) = run(&fixture("activities.parquet"));
        assert_eq!(code, 0, "{err}");
        assert_eq!(got, want);
    }
}

/// Counts the bytes of the fields it is given.
struct Count(u64);

impl kpi::data::RowSink for Count {
    fn row(&mut self, _line: u64, fields: &[&[u8]]) -> Result<(), kpi::data::BadRow> {
        self.0 += fields.iter().map(|f| f.len() as u64).sum::<u64>();
        Ok(())
    }
}

/// Counts the cells it is given as typed rows (the Parquet reader's other way).
struct Cells(u64);

impl kpi::data::RowSink for Cells {
    fn row(&mut self, _line: u64, fields: &[&[u8]]) -> Result<(), kpi::data::BadRow> {
        self.0 += fields.len() as u64;
        Ok(())
    }

    fn typed(&self) -> bool {
        true
    }

    fn cell_rows(
        &mut self,
        _line: u64,
        cols: &[&[kpi::data::cell::Cell]],
        n: usize,
    ) -> Result<(), (usize, kpi::data::BadRow)> {
        for c in cols {
            self.0 += c[..n]
                .iter()
                .filter(|x| **x != kpi::data::cell::Cell::Null)
                .count() as u64;
        }
        Ok(())
    }
}

/// Reads `path` whole as every reader would: an error or rows, never a panic.
fn read_any(path: &Path, read: &std::sync::Arc<kpi::data::ReadOptions>) {
    use kpi::data::scan::{header, scan, scan_unordered, ScanSpec};
    let Ok(columns) = header(path, read) else {
        return;
    };
    for skip in [false, true] {
        let spec = ScanSpec {
            skip_bad_rows: skip,
            read: read.clone(),
            ..ScanSpec::new(path.to_path_buf(), columns.clone(), 2)
        };
        let _ = scan(&spec, || Count(0));
        let _ = scan_unordered(&spec, || Count(0));
        let _ = scan_unordered(&spec, || Cells(0));
    }
}

mod damaged {
    use super::*;
    use proptest::prelude::*;

    const FILES: [&str; 9] = [
        "deals_pyarrow.parquet",
        "deals_xlsxwriter.xlsx",
        "deals.csv.gz",
        "deals.csv.zst",
        "deals.xlsx",
        "deals.parquet",
        "deals_utc.parquet",
        "deals.ndjson.gz",
        "deals_eu.csv",
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

        /// Any fixture cut short, with bytes overwritten, or both: every reader
        /// gives rows or an error (the test fails on a panic).
        #[test]
        fn no_damaged_export_makes_a_reader_panic(
            pick in 0usize..FILES.len(),
            cut in 0.0f64..1.0,
            flips in proptest::collection::vec((0.0f64..1.0, any::<u8>()), 0..6),
            latin in any::<bool>(),
        ) {
            let name = FILES[pick];
            let mut bytes = std::fs::read(fixture(name)).unwrap();
            let keep = ((bytes.len() as f64) * (0.5 + cut / 2.0)) as usize;
            if cut < 0.5 {
                bytes.truncate(keep);
            }
            for (at, b) in flips {
                if !bytes.is_empty() {
                    let i = ((bytes.len() - 1) as f64 * at) as usize;
                    bytes[i] = b;
                }
            }
            let dir = tempdir("exports_damaged");
            let path = dir.join(name);
            std::fs::write(&path, &bytes).unwrap();
            let read = std::sync::Arc::new(kpi::data::ReadOptions {
                encoding: latin.then_some("windows-1252"),
                ..kpi::data::ReadOptions::default()
            });
            read_any(&path, &read);
        }
    }
}

/// Columns missing on the first sheet of a workbook with other sheets: the error
/// names the sheet read and the others, and gives no CSV advice.
#[test]
fn columns_missing_on_the_first_sheet_name_the_other_sheets() {
    let dir = tempdir("exports_first_sheet");
    let entries = SHEET.replace("  sheet \"Deals\"\n  header 3\n", "");
    let d = defs(&dir, "first", "deals.xlsx", &entries);
    let (code, _, err) = eval_by_rep_month(&d);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("sheet `Notes` (the first) has no columns")
            && err
                .contains("the workbook also has `Deals`: name the sheet, e.g. `sheet \"Deals\"`"),
        "{err}"
    );
    assert!(!err.contains("delimiter"), "{err}");
}
