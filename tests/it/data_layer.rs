//! Integration tests of the data layer: periods, timestamps, calendars and the
//! CSV/NDJSON scanners (edge cases, bad rows, and parallel = sequential).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use kpi::data::calendar::{weekday_from_name, WorkCalendar};
use kpi::data::period::{
    civil_from_day, day_number, grain_of_label, parse_period, period_first_day, period_label,
    period_last_day, period_of_day, Grain,
};
use kpi::data::scan::{
    header, scan, scan_unordered, BadRow, RowSink, ScanError, ScanReport, ScanSpec,
};
use kpi::data::time::{parse_date_arg, TimeParser};

// ---------------------------------------------------------------- helpers

/// A fresh directory for one test's files (under `target/tmp`, so that reruns
/// replace the files instead of piling them up).
fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("data_layer_{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, file: &str, content: &[u8]) -> PathBuf {
    let p = dir.join(file);
    std::fs::write(&p, content).unwrap();
    p
}

/// Collects rows as (line, fields as strings).
#[derive(Default)]
struct Collect {
    rows: Vec<(u64, Vec<String>)>,
    /// Reject rows whose field 0 equals this.
    reject: Option<&'static str>,
}

impl RowSink for Collect {
    fn row(&mut self, line: u64, fields: &[&[u8]]) -> Result<(), BadRow> {
        let f: Vec<String> = fields
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect();
        if let Some(r) = self.reject {
            if f.first().map(String::as_str) == Some(r) {
                return Err(BadRow::field(0, format!("rejected `{r}`")));
            }
        }
        self.rows.push((line, f));
        Ok(())
    }
}

/// A cheap sink for big files: all lines, and all fields in one byte string.
#[derive(Default, PartialEq, Eq)]
struct Digest {
    lines: Vec<u64>,
    bytes: Vec<u8>,
}

impl RowSink for Digest {
    fn row(&mut self, line: u64, fields: &[&[u8]]) -> Result<(), BadRow> {
        self.lines.push(line);
        for f in fields {
            self.bytes.extend_from_slice(f);
            self.bytes.push(0);
        }
        Ok(())
    }
}

/// The digest of a whole scan (the chunks' digests concatenated) and its report.
fn digest(spec: &ScanSpec) -> Result<(Digest, usize, ScanReport), ScanError> {
    let (sinks, report) = scan(spec, Digest::default)?;
    let n = sinks.len();
    let mut all = Digest::default();
    for s in sinks {
        all.lines.extend(s.lines);
        all.bytes.extend(s.bytes);
    }
    Ok((all, n, report))
}

fn spec(path: &Path, cols: &[&str], threads: usize, skip: bool) -> ScanSpec {
    ScanSpec {
        skip_bad_rows: skip,
        ..ScanSpec::new(
            path.to_path_buf(),
            cols.iter().map(|c| c.to_string()).collect(),
            threads,
        )
    }
}

/// Rows as (line, fields).
type Rows = Vec<(u64, Vec<String>)>;

fn run(spec: &ScanSpec) -> Result<(Rows, ScanReport), ScanError> {
    let (sinks, report) = scan(spec, Collect::default)?;
    Ok((sinks.into_iter().flat_map(|s| s.rows).collect(), report))
}

fn rows(r: &[(u64, Vec<String>)]) -> Vec<(u64, Vec<&str>)> {
    r.iter()
        .map(|(l, f)| (*l, f.iter().map(String::as_str).collect()))
        .collect()
}

// ---------------------------------------------------------------- periods

fn week_label(y: i32, m: u32, d: u32) -> String {
    period_label(Grain::Week, period_of_day(Grain::Week, day_number(y, m, d)))
}

#[test]
fn iso_week_labels_at_year_boundaries() {
    assert_eq!(week_label(2025, 12, 29), "2026-W01");
    assert_eq!(week_label(2027, 1, 1), "2026-W53");
    assert_eq!(week_label(2020, 12, 31), "2020-W53");
    assert_eq!(week_label(2021, 1, 3), "2020-W53");
    assert_eq!(week_label(2021, 1, 4), "2021-W01");
    assert_eq!(week_label(2026, 1, 5), "2026-W02");
    assert_eq!(week_label(2024, 12, 30), "2025-W01");
    let w = parse_period(Grain::Week, "2026-W01").unwrap();
    assert_eq!(
        civil_from_day(period_first_day(Grain::Week, w)),
        (2025, 12, 29)
    );
    assert_eq!(
        civil_from_day(period_last_day(Grain::Week, w)),
        (2026, 1, 4)
    );
    let w53 = parse_period(Grain::Week, "2026-W53").unwrap();
    assert_eq!(w53 + 1, parse_period(Grain::Week, "2027-W01").unwrap());
    assert_eq!(parse_period(Grain::Week, "2027-W53"), None);
    assert_eq!(grain_of_label("2026-W02"), Some((Grain::Week, w + 1)));
}

#[test]
fn leap_days() {
    assert_eq!(
        parse_period(Grain::Day, "2024-02-29"),
        Some(day_number(2024, 2, 29))
    );
    assert_eq!(parse_period(Grain::Day, "2025-02-29"), None);
    assert_eq!(
        parse_period(Grain::Day, "2000-02-29"),
        Some(day_number(2000, 2, 29))
    );
    assert_eq!(parse_period(Grain::Day, "1900-02-29"), None);
    assert_eq!(parse_date_arg("2024-02-29"), Some(day_number(2024, 2, 29)));
    assert_eq!(parse_date_arg("2025-02-29"), None);
    let mut p = TimeParser::new(TimeZone::UTC);
    assert!(p.parse(b"2024-02-29T12:00:00").is_some());
    assert_eq!(p.parse(b"2025-02-29T12:00:00"), None);
    let feb = parse_period(Grain::Month, "2024-02").unwrap();
    assert_eq!(
        period_last_day(Grain::Month, feb) - period_first_day(Grain::Month, feb) + 1,
        29
    );
}

#[test]
fn month_quarter_year_ordinals() {
    let m = parse_period(Grain::Month, "2026-01").unwrap();
    assert_eq!(m, 2026 * 12);
    assert_eq!(period_label(Grain::Month, m - 1), "2025-12");
    assert_eq!(period_first_day(Grain::Month, m), day_number(2026, 1, 1));
    assert_eq!(period_last_day(Grain::Month, m), day_number(2026, 1, 31));
    let q = parse_period(Grain::Quarter, "2027-Q1").unwrap();
    assert_eq!(q, 2027 * 4);
    assert_eq!(period_label(Grain::Quarter, q - 1), "2026-Q4");
    assert_eq!(
        period_first_day(Grain::Quarter, q - 1),
        day_number(2026, 10, 1)
    );
    assert_eq!(
        period_last_day(Grain::Quarter, q - 1),
        day_number(2026, 12, 31)
    );
    assert_eq!(
        period_of_day(Grain::Quarter, day_number(2026, 5, 17)),
        2026 * 4 + 1
    );
    assert_eq!(period_of_day(Grain::Year, day_number(2026, 5, 17)), 2026);
    assert_eq!(period_first_day(Grain::Year, 2026), day_number(2026, 1, 1));
    assert_eq!(
        period_last_day(Grain::Year, 2024) - period_first_day(Grain::Year, 2024),
        365
    );
    assert_eq!(
        period_label(Grain::Day, day_number(2026, 1, 5)),
        "2026-01-05"
    );
    assert_eq!(period_label(Grain::Year, 2026), "2026");
    assert_eq!(period_label(Grain::All, 0), "");
    for (s, g) in [
        ("2026-01-05", Grain::Day),
        ("2026-W02", Grain::Week),
        ("2026-01", Grain::Month),
        ("2026-Q1", Grain::Quarter),
        ("2026", Grain::Year),
    ] {
        let (grain, ord) = grain_of_label(s).unwrap();
        assert_eq!(grain, g);
        assert_eq!(period_label(grain, ord), s);
        assert_eq!(Grain::parse(g.as_str()), Some(g));
    }
}

// ---------------------------------------------------------------- time

fn local(y: i32, m: u32, d: u32, h: i64, mi: i64) -> i64 {
    i64::from(day_number(y, m, d)) * 86_400 + h * 3600 + mi * 60
}

#[test]
fn dst_in_amsterdam() {
    let mut p = TimeParser::new(TimeZone::get("Europe/Amsterdam").unwrap());
    // 2026-03-29: clocks jump from 02:00 to 03:00 local (01:00 UTC).
    assert_eq!(
        p.parse(b"2026-03-29T00:30:00Z"),
        Some(local(2026, 3, 29, 1, 30))
    );
    assert_eq!(
        p.parse(b"2026-03-29T01:30:00Z"),
        Some(local(2026, 3, 29, 3, 30))
    );
    assert_eq!(
        p.parse(b"2026-03-29T03:30:00+02:00"),
        Some(local(2026, 3, 29, 3, 30))
    );
    assert_eq!(
        p.parse(b"2026-03-28T23:30:00Z"),
        Some(local(2026, 3, 29, 0, 30))
    );
    assert_eq!(
        p.parse(b"2026-03-28T22:30:00Z"),
        Some(local(2026, 3, 28, 23, 30))
    );
    // Summer: a UTC evening is the next local day.
    assert_eq!(
        p.parse_day(b"2026-06-30T22:30:00Z"),
        Some(day_number(2026, 7, 1))
    );
    assert_eq!(
        p.parse_day(b"2026-06-30T21:59:59Z"),
        Some(day_number(2026, 6, 30))
    );
    // 2026-10-25: clocks go back from 03:00 to 02:00 local (01:00 UTC).
    assert_eq!(
        p.parse(b"2026-10-25T00:30:00Z"),
        Some(local(2026, 10, 25, 2, 30))
    );
    assert_eq!(
        p.parse(b"2026-10-25T01:30:00Z"),
        Some(local(2026, 10, 25, 2, 30))
    );
    assert_eq!(
        p.parse(b"2026-10-25T02:30:00Z"),
        Some(local(2026, 10, 25, 3, 30))
    );
    assert_eq!(
        p.parse(b"2026-10-24T22:30:00Z"),
        Some(local(2026, 10, 25, 0, 30))
    );
    assert_eq!(
        p.parse(b"2026-10-25T22:30:00Z"),
        Some(local(2026, 10, 25, 23, 30))
    );
    assert_eq!(
        p.parse(b"2026-10-25T23:30:00.5-00:00"),
        Some(local(2026, 10, 26, 0, 30))
    );
    // Local timestamps are taken as they are, even in the skipped hour.
    assert_eq!(
        p.parse(b"2026-03-29T02:30:00"),
        Some(local(2026, 3, 29, 2, 30))
    );
    assert_eq!(
        p.parse(b"2026-03-29 02:30:00"),
        Some(local(2026, 3, 29, 2, 30))
    );
    assert_eq!(p.parse(b"2026-03-29"), Some(local(2026, 3, 29, 0, 0)));
    for bad in [
        "2026-02-30",
        "2026-01-05T25:00:00",
        "garbage",
        "",
        "2026-01-05T10:00:00+0",
    ] {
        assert_eq!(p.parse(bad.as_bytes()), None, "{bad}");
    }
}

// ---------------------------------------------------------------- calendar

#[test]
fn workdays_match_a_day_loop() {
    let holidays: Vec<i32> = [
        (2025, 12, 25),
        (2025, 12, 26),
        (2026, 1, 1),
        (2026, 4, 6),
        (2026, 12, 25),
        (2026, 12, 26),
        (2027, 1, 1),
        (2028, 2, 29),
    ]
    .iter()
    .map(|&(y, m, d)| day_number(y, m, d))
    .collect();
    let cals = [
        WorkCalendar::new(&[Weekday::Saturday, Weekday::Sunday], &holidays),
        WorkCalendar::new(&[Weekday::Friday, Weekday::Saturday], &holidays),
        WorkCalendar::new(&[Weekday::Sunday], &holidays),
        WorkCalendar::default_mon_fri(),
    ];
    let base = day_number(2024, 6, 1);
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..3000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let from = base + (x % 1500) as i32;
        let to = from + ((x >> 20) % 800) as i32 - 3;
        for c in &cals {
            let naive = (from..=to).filter(|&d| c.is_workday(d)).count() as i64;
            assert_eq!(c.workdays(from, to), naive, "{from}..={to}");
        }
    }
    let nl = &cals[0];
    assert!(!nl.is_workday(day_number(2026, 12, 25)));
    assert!(nl.is_workday(day_number(2026, 12, 24)));
    // The week of Christmas 2026: Mon 21 .. Sun 27, Friday 25 off, Sat 26 a weekend.
    assert_eq!(
        nl.workdays(day_number(2026, 12, 21), day_number(2026, 12, 27)),
        4
    );
    assert_eq!(weekday_from_name("saturday"), Some(Weekday::Saturday));
    assert_eq!(weekday_from_name("caturday"), None);
}

// ---------------------------------------------------------------- CSV

#[test]
fn csv_quotes_newlines_crlf_bom() {
    let dir = temp_dir("csv_edges");
    let data = "\u{feff}id,name,note\r\n\
                1,\"Smith, Ann\",plain\r\n\
                2,\"multi\nline\nnote\",\"say \"\"hi\"\"\"\r\n\
                \r\n\
                3,bob,\"\"\r\n\
                4,\"é\",last";
    let p = write(&dir, "edges.csv", data.as_bytes());
    assert_eq!(
        header(&p, &Default::default()).unwrap(),
        ["id", "name", "note"]
    );
    let (r, report) = run(&spec(&p, &["note", "id", "name"], 1, false)).unwrap();
    assert_eq!(
        rows(&r),
        vec![
            (2, vec!["plain", "1", "Smith, Ann"]),
            (3, vec!["say \"hi\"", "2", "multi\nline\nnote"]),
            (7, vec!["", "3", "bob"]),
            (8, vec!["last", "4", "é"]),
        ]
    );
    assert_eq!(report.rows, 4);
    assert_eq!(report.skipped, 0);
    assert_eq!(report.bytes, data.len() as u64);
}

#[test]
fn csv_with_old_mac_line_ends() {
    let dir = temp_dir("csv_cr");
    let p = write(&dir, "mac.csv", b"a,b\r1,\"x\ry\"\r\r3,4\r");
    assert_eq!(header(&p, &Default::default()).unwrap(), ["a", "b"]);
    let (r, _) = run(&spec(&p, &["b", "a"], 2, false)).unwrap();
    assert_eq!(rows(&r), vec![(2, vec!["x\ry", "1"]), (5, vec!["4", "3"])]);
}

#[test]
fn csv_wrong_field_count_is_an_error_with_its_line() {
    let dir = temp_dir("csv_count");
    let p = write(
        &dir,
        "a.csv",
        b"a,b,c\n1,2,3\n\"x\ny\",2,3\n4,5\n6,7,8,9\n10,11,12\n",
    );
    let err = run(&spec(&p, &["a", "c"], 1, false)).unwrap_err();
    match &err {
        ScanError::BadRow {
            line,
            message,
            column,
            ..
        } => {
            assert_eq!(*line, 5);
            assert_eq!(message, "expected 3 fields, found 2");
            assert_eq!(*column, None);
        }
        e => panic!("{e:?}"),
    }
    assert!(
        err.to_string()
            .contains("a.csv:5: expected 3 fields, found 2"),
        "{err}"
    );

    let (r, report) = run(&spec(&p, &["a", "c"], 1, true)).unwrap();
    assert_eq!(
        rows(&r),
        vec![
            (2, vec!["1", "3"]),
            (3, vec!["x\ny", "3"]),
            (7, vec!["10", "12"])
        ]
    );
    assert_eq!(report.rows, 3);
    assert_eq!(report.skipped, 2);
    assert_eq!(
        report.first_skipped,
        vec![
            (5, "expected 3 fields, found 2".to_string()),
            (6, "expected 3 fields, found 4".to_string())
        ]
    );
}

#[test]
fn csv_missing_columns_lists_what_exists() {
    let dir = temp_dir("csv_missing");
    let p = write(&dir, "a.csv", b"id,ts,amount\n1,2026-01-05,3\n");
    let err = run(&spec(&p, &["ts", "amunt", "rep"], 1, false)).unwrap_err();
    match &err {
        ScanError::MissingColumns {
            missing, available, ..
        } => {
            assert_eq!(missing, &["amunt", "rep"]);
            assert_eq!(available, &["id", "ts", "amount"]);
        }
        e => panic!("{e:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("`amunt`") && msg.contains("`id`, `ts`, `amount`"),
        "{msg}"
    );
    assert!(msg.contains("did you mean `amount`"), "{msg}");
    // Missing file: an I/O error.
    let err = run(&spec(&dir.join("nope.csv"), &["id"], 1, false)).unwrap_err();
    assert!(matches!(err, ScanError::Io { .. }), "{err:?}");
}

#[test]
fn csv_sink_errors_name_the_column() {
    let dir = temp_dir("csv_sink");
    let p = write(&dir, "a.csv", b"x,id,y\n1,ok,2\n3,bad,4\n5,ok,6\n7,bad,8\n");
    let mk = || Collect {
        reject: Some("bad"),
        ..Collect::default()
    };
    let err = scan(&spec(&p, &["id", "x"], 1, false), mk)
        .map(|_| ())
        .unwrap_err();
    assert_eq!(
        err,
        ScanError::BadRow {
            path: p.clone(),
            line: 3,
            column: Some("id".to_string()),
            field_index: Some(2),
            message: "rejected `bad`".to_string(),
        }
    );
    assert!(
        err.to_string()
            .ends_with("a.csv:3: column `id` (field 2): rejected `bad`"),
        "{err}"
    );
    let (sinks, report) = scan(&spec(&p, &["id", "x"], 1, true), mk).unwrap();
    assert_eq!(sinks.iter().map(|s| s.rows.len()).sum::<usize>(), 2);
    assert_eq!((report.rows, report.skipped), (2, 2));
    assert_eq!(
        report.first_skipped[0],
        (3, "column `id`: rejected `bad`".to_string())
    );
}

#[test]
fn csv_invalid_utf8_is_a_bad_row() {
    let dir = temp_dir("csv_utf8");
    let p = write(&dir, "a.csv", b"a,b\n1,ok\n2,\xff\xfe\n3,\"q\xc3\"\n");
    let err = run(&spec(&p, &["a", "b"], 1, false)).unwrap_err();
    assert!(
        matches!(&err, ScanError::BadRow { line: 3, column: Some(c), .. } if c == "b"),
        "{err:?}"
    );
    let (r, report) = run(&spec(&p, &["a", "b"], 1, true)).unwrap();
    assert_eq!(rows(&r), vec![(2, vec!["1", "ok"])]);
    assert_eq!(report.skipped, 2);
    // An unselected column is not checked.
    let (r, _) = run(&spec(&p, &["a"], 1, false)).unwrap();
    assert_eq!(r.len(), 3);
}

#[test]
fn utf16_files_are_an_encoding_error() {
    let dir = temp_dir("utf16");
    let p = write(&dir, "u.csv", b"\xFF\xFEa\0,\0b\0\n\0");
    let err = header(&p, &Default::default()).unwrap_err();
    assert!(
        matches!(err, ScanError::Encoding { line: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("UTF-16"), "{err}");
}

#[test]
fn in_memory_data() {
    let spec = spec(Path::new("fixture.csv"), &["rep", "n"], 1, false);
    let data = b"n,rep\n1,ann\n2,bob\n";
    assert_eq!(
        kpi::data::scan::header_bytes(&spec.path, data).unwrap(),
        ["n", "rep"]
    );
    let (sinks, report) = kpi::data::scan::scan_bytes(&spec, data, Collect::default).unwrap();
    assert_eq!(
        rows(&sinks[0].rows),
        vec![(2, vec!["ann", "1"]), (3, vec!["bob", "2"])]
    );
    assert_eq!(report.bytes, data.len() as u64);
}

#[test]
fn csv_empty_and_header_only() {
    let dir = temp_dir("csv_empty");
    let p = write(&dir, "empty.csv", b"");
    assert!(header(&p, &Default::default()).unwrap().is_empty());
    assert!(matches!(
        run(&spec(&p, &["a"], 1, false)),
        Err(ScanError::MissingColumns { .. })
    ));
    let p = write(&dir, "h.csv", b"a,b");
    let (r, report) = run(&spec(&p, &["b"], 2, false)).unwrap();
    assert!(r.is_empty());
    assert_eq!(report.rows, 0);
}

// ---------------------------------------------------------------- NDJSON

#[test]
fn ndjson_keys_nulls_numbers_and_bad_lines() {
    let dir = temp_dir("ndjson");
    let data = concat!(
        "{\"ts\":\"2026-01-05T09:00:00\",\"rep\":\"ann\",\"amount\":12.5,\"won\":true}\n",
        "\n",
        "{\"rep\":\"b\\\"o\\u00e9\\nb\",\"amount\":null,\"ts\":\"2026-01-06\",\"extra\":{\"a\":[1,2]}}\n",
        "{\"ts\":\"2026-01-07\",\"amount\":-3e2}\r\n",
        "{\"ts\":\"2026-01-08\",\"rep\":\"x\" \"amount\":1}\n",
        "[1,2,3]\n",
        "{\"ts\":\"2026-01-09\",\"rep\":\"z\",\"won\":false}",
    );
    let p = write(&dir, "a.ndjson", data.as_bytes());
    assert_eq!(
        header(&p, &Default::default()).unwrap(),
        ["ts", "rep", "amount", "won", "extra"]
    );
    let err = run(&spec(&p, &["rep", "amount", "won"], 1, false)).unwrap_err();
    match &err {
        ScanError::BadRow { line, message, .. } => {
            assert_eq!(*line, 5);
            assert!(message.starts_with("invalid JSON"), "{message}");
        }
        e => panic!("{e:?}"),
    }
    let (r, report) = run(&spec(&p, &["rep", "amount", "won", "extra"], 1, true)).unwrap();
    assert_eq!(
        rows(&r),
        vec![
            (1, vec!["ann", "12.5", "true", ""]),
            (3, vec!["b\"oé\nb", "", "", "{\"a\":[1,2]}"]),
            (4, vec!["", "-3e2", "", ""]),
            (7, vec!["z", "", "false", ""]),
        ]
    );
    assert_eq!(report.skipped, 2);
    assert_eq!(
        report.first_skipped.iter().map(|s| s.0).collect::<Vec<_>>(),
        [5, 6]
    );
    let err = run(&spec(&p, &["nope"], 1, false)).unwrap_err();
    assert!(matches!(err, ScanError::MissingColumns { .. }));
}

#[test]
fn format_is_sniffed_without_a_known_extension() {
    let dir = temp_dir("sniff");
    let p = write(&dir, "a.txt", b"{\"a\":1}\n{\"a\":2}\n");
    let (r, _) = run(&spec(&p, &["a"], 1, false)).unwrap();
    assert_eq!(rows(&r), vec![(1, vec!["1"]), (2, vec!["2"])]);
    let p = write(&dir, "b.txt", b"a\n1\n");
    let (r, _) = run(&spec(&p, &["a"], 1, false)).unwrap();
    assert_eq!(rows(&r), vec![(2, vec!["1"])]);
}

// ---------------------------------------------------------------- parallel

/// The fields of generated row `i`: id, ts, rep, type, amount.
fn big_row(i: u64) -> (u64, String, String, &'static str, String) {
    let types = ["call", "email", "visit", "meeting", "deal_won"];
    let (y, m, d) = civil_from_day(19_000 + (i / 977) as i32);
    let ts = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        i % 24,
        i % 60,
        (i * 7) % 60
    );
    let rep = format!("rep_{:03}", (i * 31) % 200);
    let amount = if i % 5 == 4 {
        format!("{}.{:02}", i % 9973, i % 100)
    } else {
        String::new()
    };
    (i, ts, rep, types[(i % 5) as usize], amount)
}

/// A ~40 MiB CSV, generated once per test run (the parallel threshold is 32 MiB).
fn big_csv() -> &'static PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let mut csv = String::with_capacity(41 << 20);
        csv.push_str("id,ts,rep,type,amount\n");
        let mut i = 0;
        while csv.len() < 40 << 20 {
            let (id, ts, rep, ty, amount) = big_row(i);
            csv.push_str(&format!("{id},{ts},{rep},{ty},{amount}\n"));
            i += 1;
        }
        write(&temp_dir("big_csv"), "big.csv", csv.as_bytes())
    })
}

/// The same rows as NDJSON (~40 MiB).
fn big_ndjson() -> &'static PathBuf {
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    FILE.get_or_init(|| {
        let mut nd = String::with_capacity(41 << 20);
        let mut i = 0;
        while nd.len() < 40 << 20 {
            let (id, ts, rep, ty, amount) = big_row(i);
            let amount = if amount.is_empty() { "null".to_string() } else { amount };
            nd.push_str(&format!(
                "{{\"id\":{id},\"ts\":\"{ts}\",\"rep\":\"{rep}\",\"type\":\"{ty}\",\"amount\":{amount}}}\n"
            ));
            i += 1;
        }
        write(&temp_dir("big_ndjson"), "big.ndjson", nd.as_bytes())
    })
}

const BIG_COLS: [&str; 4] = ["amount", "ts", "id", "rep"];

#[test]
fn parallel_csv_equals_sequential() {
    let csv = big_csv();
    let (seq, n1, seq_report) = digest(&spec(csv, &BIG_COLS, 1, false)).unwrap();
    let (par, n2, par_report) = digest(&spec(csv, &BIG_COLS, 2, false)).unwrap();
    assert_eq!((n1, n2), (1, 2), "the 40 MiB file is split");
    assert!(seq == par, "parallel rows differ from sequential rows");
    assert_eq!(seq_report, par_report);
    assert_eq!(seq.lines.len() as u64, seq_report.rows);
    assert!(seq.lines.iter().zip(2..).all(|(&l, i)| l == i));
    let (four, n4, _) = digest(&spec(csv, &BIG_COLS, 4, false)).unwrap();
    assert_eq!(n4, 4);
    assert!(seq == four);
}

#[test]
fn parallel_ndjson_equals_sequential() {
    let nd = big_ndjson();
    let (seq, _, _) = digest(&spec(nd, &BIG_COLS, 1, false)).unwrap();
    let (par, n, _) = digest(&spec(nd, &BIG_COLS, 3, false)).unwrap();
    assert_eq!(n, 3);
    assert!(seq == par, "parallel rows differ from sequential rows");
    assert!(seq.lines.iter().zip(1..).all(|(&l, i)| l == i));
}

/// The start of the line after position `at` of `text`.
fn line_after(text: &str, at: usize) -> usize {
    at + text[at..].find('\n').unwrap() + 1
}

#[test]
fn parallel_with_quotes_and_bad_rows() {
    let csv = big_csv();
    let text = std::fs::read_to_string(csv).unwrap();
    let dir = temp_dir("par_quotes");

    // A quoted field with newlines right across the middle of the file: the
    // scan must fall back to one thread for the rest of the file.
    let (s1, s2) = (
        line_after(&text, text.len() / 2 - 300),
        line_after(&text, text.len() / 2 + 300),
    );
    let quoted = format!(
        "{}999999,2026-01-05T00:00:00,\"rep\n{}\",call,\n{}",
        &text[..s1],
        &text[s1..s2],
        &text[s2..]
    );
    let p = write(&dir, "quoted.csv", quoted.as_bytes());
    let (seq, _, _) = digest(&spec(&p, &BIG_COLS, 1, false)).unwrap();
    let (par, n, _) = digest(&spec(&p, &BIG_COLS, 2, false)).unwrap();
    assert_eq!(n, 1, "the thread of the first chunk reads on");
    assert!(seq == par);
    let (par4, n4, _) = digest(&spec(&p, &BIG_COLS, 4, false)).unwrap();
    assert!(
        (2..4).contains(&n4),
        "chunks before the quote stay parallel: {n4}"
    );
    assert!(seq == par4);
    let field = format!("\0999999\0rep\n{}\0", &text[s1..s2]);
    assert!(memchr::memmem::find(&seq.bytes, field.as_bytes()).is_some());
    assert_eq!(
        seq.lines.last().copied(),
        Some(quoted.lines().count() as u64)
    );

    // A quote only near the end: the chunks before it are still parallel.
    let s3 = line_after(&text, text.len() - 1000);
    let late = format!(
        "{}1,2026-01-05,\"a,\"\"b\",call,\n{}",
        &text[..s3],
        &text[s3..]
    );
    let p = write(&dir, "late.csv", late.as_bytes());
    let (seq, _, _) = digest(&spec(&p, &BIG_COLS, 1, false)).unwrap();
    let (par, n, _) = digest(&spec(&p, &BIG_COLS, 2, false)).unwrap();
    assert_eq!(n, 2);
    assert!(seq == par);
    assert!(memchr::memmem::find(&seq.bytes, b"\x001\0a,\"b\0").is_some());

    // Bad rows in both halves: the same first error, the same skips.
    let s = line_after(&text, 1000);
    let bad = format!("{}1,2\n{}1,2,3\n", &text[..s], &text[s..]);
    let p = write(&dir, "bad.csv", bad.as_bytes());
    let e1 = run(&spec(&p, &BIG_COLS, 1, false)).unwrap_err();
    let e2 = run(&spec(&p, &BIG_COLS, 2, false)).unwrap_err();
    assert_eq!(e1, e2);
    assert!(
        matches!(e1, ScanError::BadRow { line, .. } if line == text[..s].lines().count() as u64 + 1)
    );
    let (_, _, r1) = digest(&spec(&p, &BIG_COLS, 1, true)).unwrap();
    let (_, _, r2) = digest(&spec(&p, &BIG_COLS, 2, true)).unwrap();
    assert_eq!(r1, r2);
    assert_eq!(r1.skipped, 2);
    assert_eq!(r1.first_skipped[1].0, bad.lines().count() as u64);
}

/// The rows of an unordered scan (fields only: its sinks see chunk lines), sorted,
/// the number of sinks, and the report.
fn unordered(spec: &ScanSpec) -> Result<(Vec<Vec<String>>, usize, ScanReport), ScanError> {
    let (sinks, report) = scan_unordered(spec, Collect::default)?;
    let n = sinks.len();
    let mut rows: Vec<Vec<String>> = sinks
        .into_iter()
        .flat_map(|s| s.rows.into_iter().map(|(_, f)| f))
        .collect();
    rows.sort();
    Ok((rows, n, report))
}

/// The rows of an ordered scan, fields only, sorted.
fn sorted_fields(spec: &ScanSpec) -> Vec<Vec<String>> {
    let (rows, _) = run(spec).unwrap();
    let mut f: Vec<Vec<String>> = rows.into_iter().map(|(_, f)| f).collect();
    f.sort();
    f
}

#[test]
fn unordered_scan_has_the_same_rows_lines_and_errors() {
    let csv = big_csv();
    let want = sorted_fields(&spec(csv, &BIG_COLS, 1, false));
    let (_, seq_report) = run(&spec(csv, &BIG_COLS, 1, false)).unwrap();
    for threads in [2, 3] {
        let (rows, n, report) = unordered(&spec(csv, &BIG_COLS, threads, false)).unwrap();
        assert_eq!(n, threads, "one sink per thread");
        assert!(rows == want, "{threads} threads: rows differ");
        assert_eq!(report, seq_report);
    }
    let nd = big_ndjson();
    let want = sorted_fields(&spec(nd, &BIG_COLS, 1, false));
    let (rows, n, _) = unordered(&spec(nd, &BIG_COLS, 2, false)).unwrap();
    assert_eq!(n, 2);
    assert!(rows == want, "ndjson rows differ");

    let text = std::fs::read_to_string(csv).unwrap();
    let dir = temp_dir("unordered");
    // Bad rows early, in the middle and at the end: errors and skip reports name
    // the same file lines as a sequential scan.
    let (a, b) = (
        line_after(&text, 1000),
        line_after(&text, text.len() / 2 + 77),
    );
    let bad = format!(
        "{}1,2\n{}x,y\n{}1,2,3\n",
        &text[..a],
        &text[a..b],
        &text[b..]
    );
    let p = write(&dir, "bad.csv", bad.as_bytes());
    let e1 = run(&spec(&p, &BIG_COLS, 1, false)).unwrap_err();
    let e2 = unordered(&spec(&p, &BIG_COLS, 2, false)).unwrap_err();
    assert_eq!(e1, e2);
    let (_, r1) = run(&spec(&p, &BIG_COLS, 1, true)).unwrap();
    let (_, _, r2) = unordered(&spec(&p, &BIG_COLS, 2, true)).unwrap();
    assert_eq!(r1, r2);
    assert_eq!(r1.skipped, 3);
    let lines: Vec<u64> = r2.first_skipped.iter().map(|s| s.0).collect();
    let count = |t: &str| t.lines().count() as u64;
    assert_eq!(
        lines,
        vec![
            count(&text[..a]) + 1,
            count(&bad[..a + 4 + (b - a)]) + 1,
            count(&bad)
        ]
    );
    // Only the middle row is bad: it is the error, with its file line.
    let mid = format!("{}x,y\n{}", &text[..b], &text[b..]);
    let p = write(&dir, "mid.csv", mid.as_bytes());
    match unordered(&spec(&p, &BIG_COLS, 2, false)) {
        Err(ScanError::BadRow { line, .. }) => assert_eq!(line, count(&text[..b]) + 1),
        other => panic!("{:?}", other.map(|o| o.2)),
    }

    // A quoted field with a newline: the scan starts over on one thread.
    let s1 = line_after(&text, text.len() / 3);
    let quoted = format!(
        "{}999999,2026-01-05T00:00:00,\"rep\nx\",call,\n{}",
        &text[..s1],
        &text[s1..]
    );
    let p = write(&dir, "quoted.csv", quoted.as_bytes());
    let want = sorted_fields(&spec(&p, &BIG_COLS, 1, false));
    let (rows, n, _) = unordered(&spec(&p, &BIG_COLS, 2, false)).unwrap();
    assert!(n <= 2 && rows == want, "quoted file: {n} sinks");
    assert!(rows.iter().any(|r| r[3] == "rep\nx"));
}
