//! Parquet files written here with the `parquet` crate (dictionary strings with
//! nulls, a dictionary that overflows into PLAIN pages mid-chunk, PLAIN and (V2)
//! DELTA strings, local and UTC timestamps of every unit, dates, integer, decimal
//! (INT32, INT64, FIXED_LEN_BYTE_ARRAY) and double columns, booleans, small pages
//! and many row groups) evaluate to exactly the report of a CSV of the same rows
//! in the engine's text forms: the typed rows of the evaluation equal its text
//! rows, and so do the sources that read through text (derived columns).

use std::fmt::Write as _;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use parquet::basic::Compression;
use parquet::data_type::{
    BoolType, ByteArray, ByteArrayType, DoubleType, FixedLenByteArray, FixedLenByteArrayType,
    Int32Type, Int64Type,
};
use parquet::file::properties::{WriterProperties, WriterVersion};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use parquet::schema::types::ColumnPath;

use crate::support::{kpi, tempdir, Rng};

const SCHEMA: &str = "message m {
  required int64 ts (TIMESTAMP(MICROS,false));
  required int64 ts_utc (TIMESTAMP(MILLIS,true));
  required int64 ts_ns (TIMESTAMP(NANOS,false));
  optional int32 day (DATE);
  optional binary rep (STRING);
  optional binary type (STRING);
  optional binary note (STRING);
  optional binary region (STRING);
  optional double amount;
  optional int64 cents (DECIMAL(12,2));
  optional int32 milli (DECIMAL(9,3));
  optional fixed_len_byte_array(9) big (DECIMAL(20,4));
  optional int32 qty;
  optional boolean flag;
}";

/// One generated row (`None`: null).
struct Row {
    ts: i64,
    ts_utc: i64,
    ts_ns: i64,
    day: Option<i32>,
    rep: Option<String>,
    ty: Option<&'static str>,
    note: Option<String>,
    region: Option<&'static str>,
    amount: Option<f64>,
    cents: Option<i64>,
    milli: Option<i32>,
    big: Option<i128>,
    qty: Option<i32>,
    flag: Option<bool>,
}

fn rows(n: usize, seed: u64) -> Vec<Row> {
    let mut r = Rng(seed);
    let types = ["call", "email", "meeting", "deal_won", ""];
    let regions = ["emea", "amer", "apac"];
    // 2025-12-20 .. about 2026-04: around the DST changes of New York and Europe.
    let start = 1_766_188_800i64;
    (0..n)
        .map(|i| {
            let secs = start + (i as i64) * 9_137 + r.below(3_600) as i64;
            let some = |r: &mut Rng, p: u64| r.below(100) >= p;
            Row {
                ts: secs * 1_000_000 + r.below(3) as i64 * 250_000,
                ts_utc: secs * 1_000 + r.below(2) as i64 * 5,
                ts_ns: secs * 1_000_000_000 + r.below(2) as i64 * 7,
                day: some(&mut r, 5).then(|| (secs / 86_400) as i32 - r.below(40) as i32),
                rep: some(&mut r, 4).then(|| format!("rep{:02}", r.below(23))),
                ty: some(&mut r, 3).then(|| types[r.below(5) as usize]),
                note: some(&mut r, 10).then(|| format!("note {}", r.below(5_000))),
                region: some(&mut r, 2).then(|| regions[r.below(3) as usize]),
                amount: some(&mut r, 30).then(|| (r.below(2_000_000) as f64 - 500_000.0) / 100.0),
                cents: some(&mut r, 20).then(|| r.below(10_000_000) as i64 - 2_000_000),
                milli: some(&mut r, 20).then(|| r.below(1_000_000) as i32 - 300_000),
                big: some(&mut r, 20).then(|| {
                    (r.below(1 << 60) as i128) * 1_000 * if r.below(2) == 0 { -1 } else { 1 }
                }),
                qty: some(&mut r, 15).then(|| r.below(50) as i32 - 5),
                flag: some(&mut r, 10).then(|| r.below(2) == 0),
            }
        })
        .collect()
}

/// The non-null values of a column and its definition levels.
fn split<T: Clone>(rows: &[Row], f: impl Fn(&Row) -> Option<T>) -> (Vec<T>, Vec<i16>) {
    let mut vals = Vec::new();
    let mut defs = Vec::new();
    for row in rows {
        match f(row) {
            Some(v) => {
                vals.push(v);
                defs.push(1);
            }
            None => defs.push(0),
        }
    }
    (vals, defs)
}

fn bytes(s: &str) -> ByteArray {
    ByteArray::from(s.as_bytes().to_vec())
}

fn write_parquet(path: &Path, rows: &[Row], props: WriterProperties, group: usize) {
    let schema = Arc::new(parse_message_type(SCHEMA).unwrap());
    let file = File::create(path).unwrap();
    let mut w = SerializedFileWriter::new(file, schema, Arc::new(props)).unwrap();
    for part in rows.chunks(group) {
        let mut rg = w.next_row_group().unwrap();
        let mut k = 0;
        while let Some(mut col) = rg.next_column().unwrap() {
            macro_rules! put {
                ($t:ty, $f:expr) => {{
                    let (v, d) = split(part, $f);
                    col.typed::<$t>().write_batch(&v, Some(&d), None).unwrap();
                }};
            }
            match k {
                0 => put!(Int64Type, |r: &Row| Some(r.ts)),
                1 => put!(Int64Type, |r: &Row| Some(r.ts_utc)),
                2 => put!(Int64Type, |r: &Row| Some(r.ts_ns)),
                3 => put!(Int32Type, |r: &Row| r.day),
                4 => put!(ByteArrayType, |r: &Row| r.rep.as_deref().map(bytes)),
                5 => put!(ByteArrayType, |r: &Row| r.ty.map(bytes)),
                6 => put!(ByteArrayType, |r: &Row| r.note.as_deref().map(bytes)),
                7 => put!(ByteArrayType, |r: &Row| r.region.map(bytes)),
                8 => put!(DoubleType, |r: &Row| r.amount),
                9 => put!(Int64Type, |r: &Row| r.cents),
                10 => put!(Int32Type, |r: &Row| r.milli),
                11 => put!(FixedLenByteArrayType, |r: &Row| r
                    .big
                    .map(|x| FixedLenByteArray::from(x.to_be_bytes()[7..].to_vec()))),
                12 => put!(Int32Type, |r: &Row| r.qty),
                13 => put!(BoolType, |r: &Row| r.flag),
                _ => unreachable!(),
            }
            col.close().unwrap();
            k += 1;
        }
        rg.close().unwrap();
    }
    w.close().unwrap();
}

/// An unscaled decimal as text.
fn dec(x: i128, scale: u32) -> String {
    let p = 10i128.pow(scale);
    let sign = if x < 0 { "-" } else { "" };
    let a = x.unsigned_abs() as i128;
    format!("{sign}{}.{:0w$}", a / p, a % p, w = scale as usize)
}

/// An ISO time of seconds and a fraction of `digits` digits (`Z` if `utc`).
fn iso(secs: i64, frac: i64, digits: usize, utc: bool) -> String {
    let t = jiff::Timestamp::from_second(secs).unwrap();
    let mut s = t.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    if frac != 0 {
        write!(s, ".{frac:0digits$}").unwrap();
    }
    if utc {
        s.push('Z');
    }
    s
}

fn write_csv(path: &Path, rows: &[Row]) {
    let mut out =
        String::from("ts,ts_utc,ts_ns,day,rep,type,note,region,amount,cents,milli,big,qty,flag\n");
    let opt = |v: Option<String>| v.unwrap_or_default();
    for r in rows {
        let day = r.day.map(|d| {
            jiff::Timestamp::from_second(i64::from(d) * 86_400)
                .unwrap()
                .strftime("%Y-%m-%d")
                .to_string()
        });
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            iso(
                r.ts.div_euclid(1_000_000),
                r.ts.rem_euclid(1_000_000),
                6,
                false
            ),
            iso(
                r.ts_utc.div_euclid(1_000),
                r.ts_utc.rem_euclid(1_000),
                3,
                true
            ),
            iso(
                r.ts_ns.div_euclid(1_000_000_000),
                r.ts_ns.rem_euclid(1_000_000_000),
                9,
                false
            ),
            opt(day),
            opt(r.rep.clone()),
            r.ty.unwrap_or(""),
            opt(r.note.clone()),
            r.region.unwrap_or(""),
            opt(r.amount.map(|x| format!("{x}"))),
            opt(r.cents.map(|x| dec(x.into(), 2))),
            opt(r.milli.map(|x| dec(x.into(), 3))),
            opt(r.big.map(|x| dec(x, 4))),
            opt(r.qty.map(|x| x.to_string())),
            opt(r.flag.map(|x| x.to_string())),
        )
        .unwrap();
    }
    std::fs::write(path, out).unwrap();
}

const METRICS: &str = r#"
metric n        = count(acts)
metric calls    = count(acts where type == "call")
metric won      = sum(acts.amount where type == "deal_won")
metric amount   = sum(acts.amount)
metric top      = max(acts.amount)
metric cents    = sum(acts.cents where type in ["call", "email"])
metric milli    = sum(acts.milli)
metric big      = sum(acts.big)
metric qty      = sum(acts.qty where region != "apac")
metric flagged  = count(acts where flag == true)
metric typed    = count(acts where type is not null)
metric notes    = count_distinct(acts.note)
metric first    = min(acts.day)
metric early    = count(acts where day < 2026-02-01)
metric avg_qty  = avg(acts.qty)
"#;

/// The report of `data` read with the source `entries` under `zone`.
fn report(dir: &Path, tag: &str, data: &Path, entries: &str, zone: &str, by: &str) -> String {
    let text = format!(
        "settings {{ timezone \"{zone}\" }}\n\nsource acts {{\n  from \"{}\"\n{entries}\n}}\n{METRICS}",
        data.display()
    );
    let defs = dir.join(format!("{tag}.kpi"));
    std::fs::write(&defs, text).unwrap();
    let (code, out, err) = kpi(&[
        "eval",
        defs.to_str().unwrap(),
        "--by",
        by,
        "--grain",
        "week",
        "--format",
        "csv",
    ])
    .parts();
    assert_eq!(code, 0, "{tag}: {err}");
    out
}

const COLUMNS: &str = "  column amount: decimal\n  column cents: decimal\n  column milli: decimal\n  column big: decimal\n  column qty: int\n  column flag: bool\n  column day: date";

#[test]
fn typed_parquet_rows_equal_the_csv_of_their_text() {
    let dir = tempdir("parquet_typed");
    let rows = rows(6_000, 0x9E37_79B9_7F4A_7C15);
    let csv = dir.join("acts.csv");
    write_csv(&csv, &rows);
    let base = || {
        WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_data_page_row_count_limit(300)
            .set_write_batch_size(100)
            // The notes' dictionary overflows: PLAIN pages after dictionary ones.
            .set_dictionary_page_size_limit(4_000)
            .set_column_dictionary_enabled(ColumnPath::from("region"), false)
    };
    let files = [
        ("v1", base().build(), 1_000),
        (
            "v2",
            base()
                .set_writer_version(WriterVersion::PARQUET_2_0)
                .build(),
            2_500,
        ),
        ("plain", base().set_dictionary_enabled(false).build(), 6_000),
    ];
    for (name, props, group) in files {
        let pq = dir.join(format!("acts_{name}.parquet"));
        write_parquet(&pq, &rows, props, group);
        for (time, zone) in [
            ("ts", "UTC"),
            ("ts", "America/New_York"),
            ("ts_utc", "Europe/Amsterdam"),
            ("ts_utc", "America/New_York"),
            ("ts_ns", "UTC"),
        ] {
            for by in ["rep", "region", "type"] {
                let entries = format!("  time {time}\n  dimensions rep, region, type\n{COLUMNS}");
                let tag = format!("{name}_{time}_{by}");
                let want = report(&dir, &format!("{tag}_csv"), &csv, &entries, zone, by);
                assert!(want.lines().count() > 40, "{tag}: {want}");
                let got = report(&dir, &format!("{tag}_pq"), &pq, &entries, zone, by);
                assert_eq!(got, want, "{name}: time {time} in {zone} by {by}");
            }
        }
        // Through the text path (a derived column): the same as the CSV.
        let entries = format!(
            "  time ts\n  dimensions rep, size\n{COLUMNS}\n  column size = if(qty >= 20, \"large\", \"small\")"
        );
        let want = report(
            &dir,
            &format!("{name}_derived_csv"),
            &csv,
            &entries,
            "UTC",
            "size",
        );
        let got = report(
            &dir,
            &format!("{name}_derived_pq"),
            &pq,
            &entries,
            "UTC",
            "size",
        );
        assert_eq!(got, want, "{name}: a derived column");
    }
}
