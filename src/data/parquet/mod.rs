//! The Parquet reader (the `parquet` crate's column readers, without Arrow).
//!
//! Only the requested columns are read; row groups are read in parallel, one sink
//! per thread. Values keep their Parquet types: a sink that reads typed rows gets
//! them as [`Cell`]s, any other their text in the engine's forms (see
//! [`super::cell`]). Dictionary-encoded string chunks are read as their
//! dictionary and an entry per value ([`dict`]). A bad row is named by its row
//! group and row.

use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use parquet::basic::{ConvertedType, LogicalType, TimeUnit, Type as Physical};
use parquet::file::reader::FileReader;
use parquet::file::serialized_reader::SerializedFileReader;
use parquet::schema::types::ColumnDescriptor;

use crate::compile::graph::{ColumnType, SourceDef};

use super::cell::{Cell, DayCache};
use super::scan::{
    resolve, BadRow, RowSink, ScanError, ScanReport, ScanSpec, MAX_REMEMBERED_SKIPS,
};

mod column;
mod dict;

use column::Column;

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
        // The chunks' buffers, kept from one row group to the next.
        let mut columns: Vec<Column> = Vec::new();
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
            let d = group(
                spec,
                reader,
                g,
                first_row[g],
                &positions,
                &mut columns,
                &mut sink,
            );
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

/// Rows handed to the sink at a time (their cells column by column).
const BATCH: usize = 1024;

/// Reads row group `g` into `sink`.
fn group<S: RowSink>(
    spec: &ScanSpec,
    reader: &SerializedFileReader<File>,
    g: usize,
    first_row: u64,
    positions: &[usize],
    columns: &mut Vec<Column>,
    sink: &mut S,
) -> Done {
    let path = spec.path.as_path();
    let mut report = ScanReport::default();
    let fail = |error: ScanError, report: ScanReport| Done {
        report,
        error: Some(error),
    };
    columns.resize_with(positions.len(), Column::default);
    // The decoder can panic on a corrupt page (it indexes past a short buffer):
    // contained, that is the file's error like any other corruption.
    let decoded = crate::guard::contained(|| {
        let rg = reader.get_row_group(g)?;
        let rows = rg.metadata().num_rows().max(0) as usize;
        for (c, &p) in columns.iter_mut().zip(positions) {
            c.read(rg.as_ref(), p, rows)?;
        }
        Ok::<_, parquet::errors::ParquetError>(rows)
    });
    let rows = match decoded {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return fail(corrupt(path, &e), report),
        Err(msg) => {
            let e = parquet::errors::ParquetError::General(format!("row group {g}: {msg}"));
            return fail(corrupt(path, &e), report);
        }
    };
    let columns = &columns[..];
    let mut next = vec![0usize; columns.len()];
    let typed = sink.typed();
    // The cells of a batch of rows, column by column.
    let mut batch: Vec<Vec<Cell>> = columns.iter().map(|_| Vec::with_capacity(BATCH)).collect();
    let mut days: Vec<DayCache> = columns.iter().map(|_| DayCache::default()).collect();
    let mut buf = Vec::with_capacity(256);
    let mut ends = vec![0usize; columns.len()];
    let mut store: Vec<&'static [u8]> = Vec::with_capacity(columns.len());
    let mut at = 0;
    while at < rows {
        let n = (rows - at).min(BATCH);
        for ((c, k), cells) in columns.iter().zip(next.iter_mut()).zip(batch.iter_mut()) {
            c.cells(at..at + n, k, cells);
        }
        if typed {
            let mut start = 0;
            while start < n {
                let cols: Vec<&[Cell]> = batch.iter().map(|b| &b[start..n]).collect();
                let line = (at + start) as u64 + 1;
                match sink.cell_rows(line, &cols, n - start) {
                    Ok(()) => {
                        report.rows += (n - start) as u64;
                        start = n;
                    }
                    Err((i, b)) => {
                        report.rows += i as u64;
                        let r = at + start + i;
                        if let Some(e) = bad(spec, g, r, first_row, b, &mut report) {
                            return fail(e, report);
                        }
                        start += i + 1;
                    }
                }
            }
            at += n;
            continue;
        }
        for i in 0..n {
            buf.clear();
            for ((cells, end), days) in batch.iter().zip(ends.iter_mut()).zip(days.iter_mut()) {
                cells[i].write(&mut buf, days);
                *end = buf.len();
            }
            let mut fields = super::chunk::recycle(std::mem::take(&mut store));
            let mut from = 0;
            for &e in &ends {
                fields.push(&buf[from..e]);
                from = e;
            }
            let r = at + i;
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
        at += n;
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
