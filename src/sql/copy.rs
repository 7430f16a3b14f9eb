//! Rows of any readable export as PostgreSQL `COPY .. (FORMAT csv)` text: the file
//! is read through the source's options (delimiter, encoding, null markers,
//! decimal commas, time pattern, sheet, Parquet), so `kpi load` copies exactly
//! the rows `kpi eval` reads. Event times of typed columns (`timestamp`, `date`)
//! are rewritten as the engine reads them, in a shape every warehouse parses.
//! Reading runs on its own thread, a few batches ahead of the writer.

use std::io::Write;
use std::path::Path;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;

use jiff::tz::TimeZone;

use crate::compile::graph::{ColumnType, SourceDef};
use crate::data::period::civil_from_day;
use crate::data::scan::{BadRow, Role, RowSink, ScanSpec};
use crate::data::time::canonical_instant;
use crate::data::TimeParser;

/// Bytes of CSV text per batch handed to the writer.
const BATCH: usize = 1 << 20;

/// Whether the file can be copied as it is: a plain UTF-8 CSV read with the
/// default options and without typed time columns (PostgreSQL then reports the
/// file's own line numbers).
pub fn is_plain_csv(path: &Path, src: &SourceDef) -> bool {
    use crate::data::options::{format_extension, Compression};
    src.read == crate::data::ReadOptions::default()
        && !src
            .columns
            .iter()
            .any(|(_, t)| matches!(t, ColumnType::Timestamp | ColumnType::Date))
        && Compression::of(path) == Compression::None
        && format_extension(path).as_deref() == Some("csv")
}

/// How a field is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cell {
    /// As read.
    Plain,
    /// A `timestamp` column: [`canonical_instant`] (local times stay local: the
    /// session's zone is the definitions' zone).
    Instant,
    /// A `date` column: the local day the engine reads, `YYYY-MM-DD`.
    Day,
}

/// Writes each row as one CSV line; sends full batches to the writer.
struct CopySink {
    tx: SyncSender<Vec<u8>>,
    buf: Vec<u8>,
    cells: Arc<[Cell]>,
    time: TimeParser,
    scratch: Vec<u8>,
}

impl CopySink {
    fn flush(&mut self) -> Result<(), BadRow> {
        let full = std::mem::replace(&mut self.buf, Vec::with_capacity(BATCH + 4096));
        self.tx
            .send(full)
            .map_err(|_| BadRow::row("the copy stopped"))
    }
}

impl RowSink for CopySink {
    fn row(&mut self, _line: u64, fields: &[&[u8]]) -> Result<(), BadRow> {
        for (i, &f) in fields.iter().enumerate() {
            if i > 0 {
                self.buf.push(b',');
            }
            if f.is_empty() {
                continue; // an unquoted empty field is NULL
            }
            let f = match self.cells.get(i).copied().unwrap_or(Cell::Plain) {
                Cell::Plain => f,
                Cell::Instant => {
                    self.scratch.clear();
                    if !canonical_instant(f, &mut self.scratch) {
                        return Err(not_a_time(i, f));
                    }
                    &self.scratch[..]
                }
                Cell::Day => {
                    let Some(day) = self.time.parse_day(f) else {
                        return Err(not_a_time(i, f));
                    };
                    let (y, m, d) = civil_from_day(day);
                    self.scratch.clear();
                    // In place: no string per value.
                    let _ = write!(self.scratch, "{y:04}-{m:02}-{d:02}");
                    &self.scratch[..]
                }
            };
            let quote = f.iter().any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
                || f.first().is_some_and(u8::is_ascii_whitespace)
                || f.last().is_some_and(u8::is_ascii_whitespace);
            if quote {
                self.buf.push(b'"');
                for &b in f {
                    if b == b'"' {
                        self.buf.push(b'"');
                    }
                    self.buf.push(b);
                }
                self.buf.push(b'"');
            } else {
                self.buf.extend_from_slice(f);
            }
        }
        self.buf.push(b'\n');
        if self.buf.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }
}

/// A typed time field the engine does not read as a time.
fn not_a_time(i: usize, f: &[u8]) -> BadRow {
    BadRow::field(
        i,
        format!(
            "expected a date or a timestamp, found `{}`",
            String::from_utf8_lossy(f)
        ),
    )
}

/// Copies `columns` of `path` (read as source `src` reads it) into `out`; local
/// days of `date` columns are taken in zone `tz`.
pub fn copy_rows(
    out: &mut dyn Write,
    src: &SourceDef,
    path: &Path,
    columns: &[String],
    tz: &TimeZone,
) -> Result<u64, String> {
    let cells: Arc<[Cell]> = columns
        .iter()
        .map(|c| match src.column_type(c) {
            Some(ColumnType::Timestamp) => Cell::Instant,
            Some(ColumnType::Date) => Cell::Day,
            _ => Cell::Plain,
        })
        .collect();
    let roles = columns
        .iter()
        .map(|c| match src.column_type(c) {
            _ if src.time.as_deref() == Some(c.as_str()) => Role::Time,
            Some(ColumnType::Int | ColumnType::Decimal) => Role::Number,
            _ => Role::Text,
        })
        .collect();
    let spec = ScanSpec {
        read: Arc::new(src.read.clone()),
        roles,
        ..ScanSpec::new(path.to_path_buf(), columns.to_vec(), 1)
    };
    let (tx, rx) = sync_channel::<Vec<u8>>(4);
    std::thread::scope(|s| {
        let reader = s.spawn(move || {
            let make = || CopySink {
                tx: tx.clone(),
                buf: Vec::with_capacity(BATCH + 4096),
                cells: cells.clone(),
                time: TimeParser::new(tz.clone()),
                scratch: Vec::new(),
            };
            let (sinks, report) =
                crate::data::scan::scan(&spec, make).map_err(|e| e.to_string())?;
            for mut sink in sinks {
                sink.flush().map_err(|b| b.message)?;
            }
            Ok::<u64, String>(report.rows)
        });
        let mut failed = None;
        for batch in rx {
            if let Err(e) = out.write_all(&batch) {
                failed = Some(format!("copying `{}`: {e}", path.display()));
                break; // dropping the receiver stops the reader
            }
        }
        let read = reader
            .join()
            .unwrap_or_else(|_| Err("the reading thread failed".into()));
        match failed {
            Some(e) => Err(e),
            None => read,
        }
    })
}
