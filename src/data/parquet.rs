//! The Parquet reader (the `parquet` crate's column readers, without Arrow).
//!
//! Only the requested columns are read; row groups are read in parallel, one sink
//! per thread. Values keep their Parquet types and are handed to the sink in the
//! engine's forms: integers and exact decimals as digits, dates as ISO dates,
//! timestamps as ISO times (with `Z` when the file says they are UTC instants,
//! as local times otherwise), strings as they are, nulls as empty fields. A bad
//! row is named by its row group and row.

use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use parquet::basic::{ConvertedType, LogicalType, TimeUnit, Type as Physical};
use parquet::column::reader::ColumnReader;
use parquet::data_type::{ByteArray, FixedLenByteArray, Int96};
use parquet::file::reader::{FileReader, RowGroupReader};
use parquet::file::serialized_reader::SerializedFileReader;
use parquet::schema::types::ColumnDescriptor;

use crate::compile::graph::{ColumnType, SourceDef};

use super::scan::{
    resolve, BadRow, RowSink, ScanError, ScanReport, ScanSpec, MAX_REMEMBERED_SKIPS,
};

fn open(path: &Path) -> Result<SerializedFileReader<File>, ScanError> {
    let file = File::open(path).map_err(|e| ScanError::io(path, &e))?;
    match crate::guard::contained(|| SerializedFileReader::new(file)) {
        Ok(r) => r.map_err(|e| corrupt(path, &e)),
        Err(msg) => Err(corrupt(
            path,
            &parquet::errors::ParquetError::General(format!("its metadata: {msg}")),
        )),
    }
}

fn corrupt(path: &Path, e: &parquet::errors::ParquetError) -> ScanError {
    ScanError::Io {
        path: path.to_path_buf(),
        message: format!("not a readable Parquet file ({e}); is it corrupt or truncated?"),
    }
}

/// The file's columns (dotted paths for nested ones).
pub(crate) fn header(path: &Path) -> Result<Vec<String>, ScanError> {
    let reader = open(path)?;
    let schema = reader.metadata().file_metadata().schema_descr();
    Ok(schema.columns().iter().map(|c| c.path().string()).collect())
}

/// What a column's values are, as the engine reads them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    Bool,
    Int,
    Float,
    /// Exact decimal with this many digits after the point.
    Decimal(u32),
    Text,
    /// Days since 1970-01-01.
    Date,
    /// Units per second and whether the values are UTC instants.
    Timestamp {
        per_second: i64,
        utc: bool,
    },
    /// Legacy INT96 timestamps (instants).
    Int96,
    /// Anything else (time of day, UUIDs, binary): read as text where possible.
    Other,
}

impl Kind {
    /// The name of the kind in messages (`int`, `decimal(2)`, `timestamp`, ..).
    pub fn describe(self) -> String {
        match self {
            Kind::Bool => "bool".into(),
            Kind::Int => "integer".into(),
            Kind::Float => "floating-point".into(),
            Kind::Decimal(s) => format!("decimal (scale {s})"),
            Kind::Text => "string".into(),
            Kind::Date => "date".into(),
            Kind::Timestamp { utc: true, .. } | Kind::Int96 => "timestamp (UTC)".into(),
            Kind::Timestamp { utc: false, .. } => "timestamp (local)".into(),
            Kind::Other => "other".into(),
        }
    }
}

fn per_second(unit: &TimeUnit) -> i64 {
    match unit {
        TimeUnit::MILLIS => 1_000,
        TimeUnit::MICROS => 1_000_000,
        _ => 1_000_000_000,
    }
}

/// The kind of a leaf column from its logical (or legacy converted) type.
pub(crate) fn kind_of(c: &ColumnDescriptor) -> Kind {
    let physical = c.physical_type();
    match c.logical_type_ref() {
        Some(LogicalType::Decimal(d)) => return Kind::Decimal(d.scale.max(0) as u32),
        Some(LogicalType::Date) => return Kind::Date,
        Some(LogicalType::Timestamp(t)) => {
            return Kind::Timestamp {
                per_second: per_second(&t.unit),
                utc: t.is_adjusted_to_u_t_c,
            }
        }
        Some(LogicalType::String | LogicalType::Enum | LogicalType::Json) => return Kind::Text,
        Some(LogicalType::Integer(_)) => return Kind::Int,
        Some(_) => return Kind::Other,
        None => {}
    }
    match c.converted_type() {
        ConvertedType::DECIMAL => return Kind::Decimal(c.type_scale().max(0) as u32),
        ConvertedType::DATE => return Kind::Date,
        ConvertedType::TIMESTAMP_MILLIS => {
            return Kind::Timestamp {
                per_second: 1_000,
                utc: true,
            }
        }
        ConvertedType::TIMESTAMP_MICROS => {
            return Kind::Timestamp {
                per_second: 1_000_000,
                utc: true,
            }
        }
        ConvertedType::UTF8 | ConvertedType::ENUM | ConvertedType::JSON => return Kind::Text,
        _ => {}
    }
    match physical {
        Physical::BOOLEAN => Kind::Bool,
        Physical::INT32 | Physical::INT64 => Kind::Int,
        Physical::FLOAT | Physical::DOUBLE => Kind::Float,
        Physical::INT96 => Kind::Int96,
        Physical::BYTE_ARRAY => Kind::Text,
        Physical::FIXED_LEN_BYTE_ARRAY => Kind::Other,
    }
}

/// Each column of the file with its kind (for type hints and `kpi sniff`).
pub(crate) fn columns(path: &Path) -> Result<Vec<(String, Kind)>, ScanError> {
    let reader = open(path)?;
    let schema = reader.metadata().file_metadata().schema_descr();
    Ok(schema
        .columns()
        .iter()
        .map(|c| (c.path().string(), kind_of(c)))
        .collect())
}

/// Whether a source's type hint agrees with a Parquet column's type.
fn agrees(hint: ColumnType, kind: Kind) -> bool {
    match hint {
        ColumnType::String => true,
        ColumnType::Int => matches!(kind, Kind::Int | Kind::Decimal(0) | Kind::Text),
        ColumnType::Decimal => matches!(
            kind,
            Kind::Int | Kind::Float | Kind::Decimal(_) | Kind::Text
        ),
        ColumnType::Bool => matches!(kind, Kind::Bool | Kind::Text),
        ColumnType::Timestamp | ColumnType::Date => matches!(
            kind,
            Kind::Date | Kind::Timestamp { .. } | Kind::Int96 | Kind::Text
        ),
    }
}

/// For a Parquet file: every type hint of `src` on the read `columns` agrees
/// with the file's type (DESIGN 5.1), else an error naming both.
pub fn check_hints(path: &Path, src: &SourceDef, columns: &[String]) -> Result<(), ScanError> {
    if super::scan::Format::from_extension(path) != Some(super::scan::Format::Parquet) {
        return Ok(());
    }
    let kinds = self::columns(path)?;
    let mut names: Vec<String> = kinds.iter().map(|(n, _)| n.clone()).collect();
    src.read.rename(&mut names);
    for c in columns {
        let Some(hint) = src.column_type(c) else {
            continue;
        };
        let Some(k) = names.iter().position(|n| n == c) else {
            continue;
        };
        let kind = kinds[k].1;
        if !agrees(hint, kind) {
            return Err(ScanError::Layout {
                path: path.to_path_buf(),
                message: format!(
                    "column `{c}` is {} in the Parquet file, but the source says `column {c}: {}`; change the hint or drop it (Parquet's own types are used)",
                    kind.describe(),
                    hint.as_str()
                ),
            });
        }
    }
    Ok(())
}

/// One column chunk's values and definition levels.
enum Values {
    Bool(Vec<bool>),
    I32(Vec<i32>),
    I64(Vec<i64>),
    I96(Vec<Int96>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    Bytes(Vec<ByteArray>),
    Fixed(Vec<FixedLenByteArray>),
}

struct Chunk {
    values: Values,
    defs: Vec<i16>,
    max_def: i16,
    kind: Kind,
    /// The next value to take.
    next: usize,
    days: DayCache,
}

/// Reads all `rows` records of column `i` of a row group.
fn read_chunk(rg: &dyn RowGroupReader, i: usize, rows: usize) -> parquet::errors::Result<Chunk> {
    let descr = rg.metadata().schema_descr().column(i);
    let max_def = descr.max_def_level();
    let kind = kind_of(&descr);
    // The row count comes from the file: a corrupt one must not reserve terabytes.
    let reserve = rows.min(1 << 20);
    let mut defs = Vec::with_capacity(if max_def > 0 { reserve } else { 0 });
    macro_rules! read_all {
        ($r:expr, $variant:ident) => {{
            let mut vals = Vec::with_capacity(reserve);
            let mut done = 0;
            while done < rows {
                let d = if max_def > 0 { Some(&mut defs) } else { None };
                let batch = (rows - done).min(1 << 16);
                let (n, _, _) = $r.read_records(batch, d, None, &mut vals)?;
                if n == 0 {
                    break;
                }
                done += n;
            }
            Values::$variant(vals)
        }};
    }
    let values = match rg.get_column_reader(i)? {
        ColumnReader::BoolColumnReader(mut r) => read_all!(r, Bool),
        ColumnReader::Int32ColumnReader(mut r) => read_all!(r, I32),
        ColumnReader::Int64ColumnReader(mut r) => read_all!(r, I64),
        ColumnReader::Int96ColumnReader(mut r) => read_all!(r, I96),
        ColumnReader::FloatColumnReader(mut r) => read_all!(r, F32),
        ColumnReader::DoubleColumnReader(mut r) => read_all!(r, F64),
        ColumnReader::ByteArrayColumnReader(mut r) => read_all!(r, Bytes),
        ColumnReader::FixedLenByteArrayColumnReader(mut r) => read_all!(r, Fixed),
    };
    Ok(Chunk {
        values,
        defs,
        max_def,
        kind,
        next: 0,
        days: DayCache::default(),
    })
}

impl Chunk {
    /// Appends row `r`'s value in the engine's form (nothing for a null).
    fn write(&mut self, r: usize, out: &mut Vec<u8>) {
        if self.max_def > 0 && self.defs.get(r).is_none_or(|&d| d < self.max_def) {
            return;
        }
        let k = self.next;
        self.next += 1;
        let kind = self.kind;
        match &self.values {
            Values::Bool(v) => {
                if let Some(b) = v.get(k) {
                    out.extend_from_slice(if *b { b"true" } else { b"false" });
                }
            }
            Values::I32(v) => {
                if let Some(&x) = v.get(k) {
                    integer(i128::from(x), kind, out, &mut self.days);
                }
            }
            Values::I64(v) => {
                if let Some(&x) = v.get(k) {
                    integer(i128::from(x), kind, out, &mut self.days);
                }
            }
            Values::I96(v) => {
                if let Some(x) = v.get(k) {
                    let nanos = x.to_nanos();
                    timestamp(
                        nanos.div_euclid(1_000_000_000),
                        nanos.rem_euclid(1_000_000_000),
                        9,
                        true,
                        out,
                        &mut self.days,
                    );
                }
            }
            Values::F32(v) => {
                if let Some(&x) = v.get(k) {
                    float(f64::from(x), out);
                }
            }
            Values::F64(v) => {
                if let Some(&x) = v.get(k) {
                    float(x, out);
                }
            }
            Values::Bytes(v) => {
                if let Some(x) = v.get(k) {
                    bytes(x.data(), kind, out);
                }
            }
            Values::Fixed(v) => {
                if let Some(x) = v.get(k) {
                    bytes(x.data(), kind, out);
                }
            }
        }
    }
}

fn float(x: f64, out: &mut Vec<u8>) {
    if x.is_finite() {
        out.extend_from_slice(zmij::Buffer::new().format(x).as_bytes());
    } else {
        out.extend_from_slice(if x.is_nan() {
            b"NaN"
        } else if x > 0.0 {
            b"inf"
        } else {
            b"-inf"
        });
    }
}

fn integer(x: i128, kind: Kind, out: &mut Vec<u8>, days: &mut DayCache) {
    match kind {
        Kind::Decimal(scale) => decimal(x, scale, out),
        Kind::Date => days.write(x as i64, out),
        Kind::Timestamp { per_second, utc } => {
            let x = x as i64;
            let digits = match per_second {
                1_000 => 3,
                1_000_000 => 6,
                _ => 9,
            };
            timestamp(
                x.div_euclid(per_second),
                x.rem_euclid(per_second),
                digits,
                utc,
                out,
                days,
            )
        }
        _ => out.extend_from_slice(itoa::Buffer::new().format(x).as_bytes()),
    }
}

fn bytes(b: &[u8], kind: Kind, out: &mut Vec<u8>) {
    match kind {
        Kind::Decimal(scale) if b.len() <= 16 => {
            // Big-endian two's complement.
            let mut x: i128 = if b.first().is_some_and(|&f| f & 0x80 != 0) {
                -1
            } else {
                0
            };
            for &byte in b {
                x = (x << 8) | i128::from(byte);
            }
            decimal(x, scale, out)
        }
        _ => out.extend_from_slice(b),
    }
}

/// An unscaled decimal as digits with `scale` digits after the point.
fn decimal(x: i128, scale: u32, out: &mut Vec<u8>) {
    if scale == 0 {
        out.extend_from_slice(itoa::Buffer::new().format(x).as_bytes());
        return;
    }
    if x < 0 {
        out.push(b'-');
    }
    let mut buf = itoa::Buffer::new();
    let digits = buf.format(x.unsigned_abs()).as_bytes();
    let scale = scale as usize;
    if digits.len() <= scale {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', scale - digits.len()));
        out.extend_from_slice(digits);
    } else {
        let (int, frac) = digits.split_at(digits.len() - scale);
        out.extend_from_slice(int);
        out.push(b'.');
        out.extend_from_slice(frac);
    }
}

/// The civil date of a day number (days since 1970-01-01), proleptic Gregorian.
fn civil(days: i64) -> (i64, u32, u32) {
    // A corrupt value must not overflow: past +-100 million days (year +-270,000)
    // the text is a year the engine rejects as a bad row anyway.
    let z = days.clamp(-100_000_000, 100_000_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The text of the last day written (rows of a file tend to share their day).
#[derive(Default)]
struct DayCache {
    day: Option<i64>,
    text: Vec<u8>,
}

impl DayCache {
    fn write(&mut self, days: i64, out: &mut Vec<u8>) {
        if self.day != Some(days) {
            self.text.clear();
            date(days, &mut self.text);
            self.day = Some(days);
        }
        out.extend_from_slice(&self.text);
    }
}

/// Two ASCII digits of `n` (0..=99).
#[inline(always)]
fn two(n: i64, out: &mut Vec<u8>) {
    out.push(b'0' + (n / 10) as u8);
    out.push(b'0' + (n % 10) as u8);
}

/// `YYYY-MM-DD` of a day number (years outside 0..=9999 in full).
fn date(days: i64, out: &mut Vec<u8>) {
    let (y, m, d) = civil(days);
    if (0..=9999).contains(&y) {
        two(y / 100, out);
        two(y % 100, out);
    } else {
        out.extend_from_slice(itoa::Buffer::new().format(y).as_bytes());
    }
    out.push(b'-');
    two(i64::from(m), out);
    out.push(b'-');
    two(i64::from(d), out);
}

/// Seconds since the epoch plus a fraction of `digits` digits, as ISO text.
fn timestamp(
    secs: i64,
    frac: i64,
    digits: usize,
    utc: bool,
    out: &mut Vec<u8>,
    days: &mut DayCache,
) {
    days.write(secs.div_euclid(86_400), out);
    let s = secs.rem_euclid(86_400);
    out.push(b'T');
    two(s / 3600, out);
    out.push(b':');
    two(s / 60 % 60, out);
    out.push(b':');
    two(s % 60, out);
    if frac != 0 {
        out.push(b'.');
        let mut buf = itoa::Buffer::new();
        let text = buf.format(frac).as_bytes();
        out.extend(std::iter::repeat_n(b'0', digits.saturating_sub(text.len())));
        out.extend_from_slice(text);
    }
    if utc {
        out.push(b'Z');
    }
}

/// What one row group gave: its report, or the error with its place.
struct Done {
    report: ScanReport,
    error: Option<ScanError>,
}

/// Scans the requested columns; `ordered` keeps row-group order on one thread.
pub(crate) fn scan<S: RowSink, F: Fn() -> S + Sync>(
    spec: &ScanSpec,
    make_sink: F,
    ordered: bool,
) -> Result<(Vec<S>, ScanReport), ScanError> {
    let path = spec.path.as_path();
    let reader = open(path)?;
    let meta = reader.metadata();
    let schema = meta.file_metadata().schema_descr();
    let mut names: Vec<String> = schema.columns().iter().map(|c| c.path().string()).collect();
    spec.read.rename(&mut names);
    let positions = resolve(path, &names, &spec.columns)?;
    for &p in &positions {
        if schema.column(p).max_rep_level() > 0 {
            return Err(ScanError::Layout {
                path: path.to_path_buf(),
                message: format!("column `{}` is a list; kpi reads flat columns", names[p]),
            });
        }
    }
    let groups = reader.num_row_groups();
    let mut first_row = Vec::with_capacity(groups + 1);
    let mut acc = 0u64;
    for g in 0..groups {
        first_row.push(acc);
        acc += meta.row_group(g).num_rows().max(0) as u64;
    }
    let threads = if ordered {
        1
    } else {
        spec.threads.clamp(1, 64).min(groups.max(1))
    };
    let next = AtomicUsize::new(0);
    let first_error = AtomicUsize::new(usize::MAX);
    let work = |t: usize| -> (S, Vec<(usize, Done)>) {
        let mut sink = make_sink();
        let mut done = Vec::new();
        // Each thread reads through a file of its own: clones of one `File` share
        // its offset, and the reader seeks.
        let own;
        let reader = if t == 0 {
            &reader
        } else {
            match open(path) {
                Ok(r) => {
                    own = r;
                    &own
                }
                Err(e) => {
                    let d = Done {
                        report: ScanReport::default(),
                        error: Some(e),
                    };
                    first_error.fetch_min(0, Ordering::SeqCst);
                    return (sink, vec![(0, d)]);
                }
            }
        };
        loop {
            let g = next.fetch_add(1, Ordering::SeqCst);
            if g >= groups || first_error.load(Ordering::Relaxed) < g {
                break;
            }
            sink.begin_chunk(g);
            let d = group(spec, reader, g, first_row[g], &positions, &mut sink);
            if d.error.is_some() {
                first_error.fetch_min(g, Ordering::SeqCst);
            }
            done.push((g, d));
        }
        (sink, done)
    };
    let outs = super::chunk::on_threads(threads, work);
    let mut sinks = Vec::with_capacity(outs.len());
    let mut all: Vec<(usize, Done)> = Vec::new();
    for (sink, done) in outs {
        sinks.push(sink);
        all.extend(done);
    }
    all.sort_by_key(|(g, _)| *g);
    let mut report = ScanReport {
        bytes: std::fs::metadata(path).map_or(0, |m| m.len()),
        ..ScanReport::default()
    };
    for (_, d) in all {
        if let Some(e) = d.error {
            return Err(e);
        }
        report.merge(d.report);
    }
    Ok((sinks, report))
}

/// Reads row group `g` into `sink`.
fn group<S: RowSink>(
    spec: &ScanSpec,
    reader: &SerializedFileReader<File>,
    g: usize,
    first_row: u64,
    positions: &[usize],
    sink: &mut S,
) -> Done {
    let path = spec.path.as_path();
    let mut report = ScanReport::default();
    let fail = |error: ScanError, report: ScanReport| Done {
        report,
        error: Some(error),
    };
    // The decoder can panic on a corrupt page (it indexes past a short buffer):
    // contained, that is the file's error like any other corruption.
    let decoded = crate::guard::contained(|| {
        let rg = reader.get_row_group(g)?;
        let rows = rg.metadata().num_rows().max(0) as usize;
        let mut chunks = Vec::with_capacity(positions.len());
        for &p in positions {
            chunks.push(read_chunk(rg.as_ref(), p, rows)?);
        }
        Ok::<_, parquet::errors::ParquetError>((rows, chunks))
    });
    let (rows, mut chunks) = match decoded {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return fail(corrupt(path, &e), report),
        Err(msg) => {
            let e = parquet::errors::ParquetError::General(format!("row group {g}: {msg}"));
            return fail(corrupt(path, &e), report);
        }
    };
    let mut buf = Vec::with_capacity(256);
    let mut ends = vec![0usize; chunks.len()];
    let mut store: Vec<&'static [u8]> = Vec::with_capacity(chunks.len());
    for r in 0..rows {
        buf.clear();
        for (c, end) in chunks.iter_mut().zip(ends.iter_mut()) {
            c.write(r, &mut buf);
            *end = buf.len();
        }
        let mut fields = super::chunk::recycle(std::mem::take(&mut store));
        let mut at = 0;
        for &e in &ends {
            fields.push(&buf[at..e]);
            at = e;
        }
        let res = sink.row(r as u64 + 1, &fields);
        store = super::chunk::recycle(fields);
        match res {
            Ok(()) => report.rows += 1,
            Err(b) => {
                if let Some(e) = bad(spec, g, r, first_row, b, &mut report) {
                    return fail(e, report);
                }
            }
        }
    }
    Done {
        report,
        error: None,
    }
}

/// A bad row: the error, or (skipping) counted in the report.
fn bad(
    spec: &ScanSpec,
    g: usize,
    r: usize,
    first_row: u64,
    b: BadRow,
    report: &mut ScanReport,
) -> Option<ScanError> {
    let row = first_row + r as u64 + 1;
    let place = format!("row group {g}, row {} (row {row} of the file)", r + 1);
    if !spec.skip_bad_rows {
        return Some(ScanError::BadCell {
            path: spec.path.clone(),
            place,
            column: b.field.and_then(|k| spec.columns.get(k).cloned()),
            message: b.message,
        });
    }
    report.skipped += 1;
    if report.first_skipped.len() < MAX_REMEMBERED_SKIPS {
        // Line 0: the place says where (Parquet has no lines).
        let why = match b.field.and_then(|k| spec.columns.get(k)) {
            Some(c) => format!("{place}: column `{c}`: {}", b.message),
            None => format!("{place}: {}", b.message),
        };
        report.first_skipped.push((0, why));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn values_in_the_engines_forms() {
        assert_eq!(text(|o| decimal(123_456, 2, o)), "1234.56");
        assert_eq!(text(|o| decimal(-5, 2, o)), "-0.05");
        assert_eq!(text(|o| decimal(7, 0, o)), "7");
        assert_eq!(text(|o| date(0, o)), "1970-01-01");
        assert_eq!(text(|o| date(20_458, o)), "2026-01-05");
        assert_eq!(text(|o| date(-1, o)), "1969-12-31");
        assert_eq!(
            text(|o| timestamp(1_767_604_500, 0, 6, true, o, &mut DayCache::default())),
            "2026-01-05T09:15:00Z"
        );
        assert_eq!(
            text(|o| timestamp(1_767_604_500, 250, 3, false, o, &mut DayCache::default())),
            "2026-01-05T09:15:00.250"
        );
        assert_eq!(text(|o| bytes(&[0xFF, 0x38], Kind::Decimal(1), o)), "-20.0");
    }
}
