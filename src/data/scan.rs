//! Streaming scans of CSV and NDJSON files: the public entry points.
//!
//! [`scan`] resolves the requested columns against the file's header and calls a
//! [`RowSink`] once per data row with the raw bytes of those columns, in the
//! requested order. It reads the file in large blocks into reused buffers (no
//! allocation per row, memory independent of the file size) and, for large files
//! and `threads >= 2`, splits the file into byte ranges at line boundaries that are
//! parsed in parallel, each with its own sink (see the `chunk` module). Bad rows
//! either stop the scan with a [`ScanError::BadRow`] naming file, line and column,
//! or are skipped and counted in the [`ScanReport`]; never dropped silently.

use std::fmt;
use std::path::{Path, PathBuf};

use super::cell::{Cell, DayCache};
use super::chunk::{self, Input};
pub use super::normalize::Role;
use super::normalize::{Normalized, Normalizer};
use super::options::ReadOptions;
use super::stream::Stream;
use super::{csv, ndjson};

/// The file formats a source can be read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Csv,
    Ndjson,
    Xlsx,
    Parquet,
}

impl Format {
    /// The format an extension names (after a `.gz`/`.zst`): `.csv`/`.tsv`/`.txt`,
    /// `.ndjson`/`.jsonl`/`.json`, `.xlsx`, `.parquet`.
    pub fn from_extension(path: &Path) -> Option<Format> {
        let ext = super::options::format_extension(path)?;
        match ext.as_str() {
            "csv" | "tsv" | "tab" => Some(Format::Csv),
            "ndjson" | "jsonl" | "json" => Some(Format::Ndjson),
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            "parquet" | "pq" => Some(Format::Parquet),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Ndjson => "NDJSON",
            Format::Xlsx => "xlsx",
            Format::Parquet => "Parquet",
        }
    }

    /// Guesses the format from the first bytes: an object `{` means NDJSON.
    pub fn sniff(head: &[u8]) -> Format {
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        match head.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => Format::Ndjson,
            _ if head.starts_with(b"PAR1") => Format::Parquet,
            _ if head.starts_with(b"PK\x03\x04") => Format::Xlsx,
            _ => Format::Csv,
        }
    }
}

/// What to scan.
#[derive(Clone, Debug)]
pub struct ScanSpec {
    pub path: PathBuf,
    /// Columns handed to the sink, in this order.
    pub columns: Vec<String>,
    /// Threads to parse with (0 and 1 both mean one).
    pub threads: usize,
    /// Skip bad rows (and count them) instead of failing on the first.
    pub skip_bad_rows: bool,
    /// How the file is read (the source's `delimiter`, `null`, ..).
    pub read: std::sync::Arc<ReadOptions>,
    /// What each column is read as (numbers and times are rewritten by the
    /// read options); missing ones are text.
    pub roles: Vec<Role>,
}

impl ScanSpec {
    /// A spec that reads `columns` of `path` as plain text with default options.
    pub fn new(path: PathBuf, columns: Vec<String>, threads: usize) -> ScanSpec {
        ScanSpec {
            path,
            columns,
            threads,
            skip_bad_rows: false,
            read: Default::default(),
            roles: Vec::new(),
        }
    }
}

/// A row a sink (or the reader) rejects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRow {
    /// Index into `ScanSpec::columns` of the offending field, if one is to blame.
    pub field: Option<usize>,
    pub message: String,
}

impl BadRow {
    /// A bad row blamed on field `field` (index into `ScanSpec::columns`).
    pub fn field(field: usize, message: impl Into<String>) -> BadRow {
        BadRow {
            field: Some(field),
            message: message.into(),
        }
    }

    /// A bad row not blamed on one field.
    pub fn row(message: impl Into<String>) -> BadRow {
        BadRow {
            field: None,
            message: message.into(),
        }
    }
}

/// Receives the rows of one chunk of the file.
pub trait RowSink: Send {
    /// One data row: `line` is the 1-based physical line the record starts on
    /// (the header is line 1), `fields` the requested columns' raw bytes
    /// (unquoted, unescaped; empty for an NDJSON missing key or null).
    fn row(&mut self, line: u64, fields: &[&[u8]]) -> Result<(), BadRow>;

    /// Whether the sink takes rows as typed cells ([`RowSink::cells`]) from the
    /// readers that have them (Parquet); the others give text all the same.
    fn typed(&self) -> bool {
        false
    }

    /// One data row as typed cells (only when [`RowSink::typed`]); `line` as for
    /// [`RowSink::row`]. Must do exactly what `row` does with the cells' text
    /// ([`Cell::write`]), which is what this default does.
    fn cells(&mut self, line: u64, cells: &[Cell]) -> Result<(), BadRow> {
        row_of_cells(self, line, cells)
    }

    /// Rows `0..n` as typed columns (`cols[c][r]`: column `c` of row `r`; only
    /// when [`RowSink::typed`]), row `r` on line `line + r`, each as
    /// [`RowSink::cells`] (which this default calls). The first bad row stops
    /// it: its index and why (the reader goes on after it or stops).
    fn cell_rows(&mut self, line: u64, cols: &[&[Cell]], n: usize) -> Result<(), (usize, BadRow)> {
        let mut row = Vec::with_capacity(cols.len());
        for r in 0..n {
            row.clear();
            row.extend(cols.iter().map(|c| c[r]));
            self.cells(line + r as u64, &row).map_err(|e| (r, e))?;
        }
        Ok(())
    }

    /// An unordered scan ([`scan_unordered`]) is about to feed chunk `k` (chunks
    /// are numbered in file order; `line` then counts from the chunk's start), so
    /// that a sink that needs to can restore the file order of its rows.
    fn begin_chunk(&mut self, _k: usize) {}
}

/// Row `line` of typed `cells` given to `sink` as their text ([`Cell::write`]),
/// through [`RowSink::row`].
pub fn row_of_cells<S: RowSink + ?Sized>(
    sink: &mut S,
    line: u64,
    cells: &[Cell],
) -> Result<(), BadRow> {
    let mut text = Vec::new();
    let mut days = DayCache::default();
    let mut ends = Vec::with_capacity(cells.len());
    for c in cells {
        c.write(&mut text, &mut days);
        ends.push(text.len());
    }
    let mut fields = Vec::with_capacity(cells.len());
    let mut at = 0;
    for e in ends {
        fields.push(&text[at..e]);
        at = e;
    }
    sink.row(line, &fields)
}

/// How a scan went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanReport {
    /// Rows accepted by the sinks.
    pub rows: u64,
    /// Bad rows skipped (only with `skip_bad_rows`).
    pub skipped: u64,
    /// The first (at most 5) skipped rows: line and reason.
    pub first_skipped: Vec<(u64, String)>,
    /// Size of the input in bytes.
    pub bytes: u64,
    /// What the user should know about the rows (e.g. keys no lookup row matched).
    pub notes: Vec<String>,
}

/// How many skipped rows a report remembers.
pub const MAX_REMEMBERED_SKIPS: usize = 5;

impl ScanReport {
    /// Adds a later chunk's report to this one.
    pub fn merge(&mut self, other: ScanReport) {
        self.rows += other.rows;
        self.skipped += other.skipped;
        for s in other.first_skipped {
            if self.first_skipped.len() < MAX_REMEMBERED_SKIPS {
                self.first_skipped.push(s);
            }
        }
    }
}

/// Why a scan failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScanError {
    Io {
        path: PathBuf,
        message: String,
    },
    MissingColumns {
        path: PathBuf,
        missing: Vec<String>,
        available: Vec<String>,
    },
    BadRow {
        path: PathBuf,
        line: u64,
        /// The column's name, if one field is to blame.
        column: Option<String>,
        /// That column's 1-based position in the file's header.
        field_index: Option<usize>,
        message: String,
    },
    Encoding {
        path: PathBuf,
        line: u64,
        message: String,
    },
    /// The file is readable but not laid out as the source says (a missing
    /// sheet, a header row past the end, a list column).
    Layout {
        path: PathBuf,
        message: String,
    },
    /// A bad row of a file without lines: the place is a cell (`Deals!C17`) or
    /// a Parquet row (`row group 2, row 17`).
    BadCell {
        path: PathBuf,
        place: String,
        column: Option<String>,
        message: String,
    },
}

impl ScanError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            ScanError::Io { path, .. }
            | ScanError::MissingColumns { path, .. }
            | ScanError::BadRow { path, .. }
            | ScanError::BadCell { path, .. }
            | ScanError::Layout { path, .. }
            | ScanError::Encoding { path, .. } => path,
        }
    }

    pub(crate) fn io(path: &Path, err: &std::io::Error) -> ScanError {
        ScanError::Io {
            path: path.to_path_buf(),
            message: err.to_string(),
        }
    }
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScanError::Io { path, message } => {
                write!(f, "cannot read `{}`: {message}", path.display())
            }
            ScanError::MissingColumns {
                path,
                missing,
                available,
            } => {
                let list = |v: &[String]| {
                    v.iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let s = if missing.len() == 1 { "" } else { "s" };
                write!(f, "`{}` has no column{s} {}", path.display(), list(missing))?;
                if available.is_empty() {
                    write!(f, "; it has no columns at all (is it empty?)")?;
                } else {
                    write!(f, "; its columns are {}", list(available))?;
                }
                let text_file = !matches!(
                    super::options::format_extension(path).as_deref(),
                    Some("xlsx" | "xlsm" | "parquet" | "pq" | "ndjson" | "jsonl" | "json")
                );
                if let ([only], true) = (available.as_slice(), text_file) {
                    let sep = [";", "\t", "|", ","].into_iter().find(|s| only.contains(s));
                    if let Some(sep) = sep {
                        let shown = if sep == "\t" { "\\t" } else { sep };
                        write!(
                            f,
                            " (the header holds `{shown}`: add `delimiter \"{shown}\"` to the source)"
                        )?;
                    }
                }
                for m in missing {
                    let best = available
                        .iter()
                        .map(|a| (strsim::jaro_winkler(m, a), a))
                        .filter(|(score, _)| *score > 0.8)
                        .max_by(|a, b| a.0.total_cmp(&b.0));
                    if let Some((_, a)) = best {
                        write!(f, " (did you mean `{a}` for `{m}`?)")?;
                    }
                }
                Ok(())
            }
            ScanError::BadRow {
                path,
                line,
                column,
                field_index,
                message,
            } => {
                write!(f, "{}:{line}: ", path.display())?;
                match (column, field_index) {
                    (Some(c), Some(i)) => write!(f, "column `{c}` (field {i}): ")?,
                    (Some(c), None) => write!(f, "column `{c}`: ")?,
                    _ => {}
                }
                f.write_str(message)
            }
            ScanError::Encoding {
                path,
                line,
                message,
            } => write!(f, "{}:{line}: {message}", path.display()),
            ScanError::Layout { path, message } => write!(f, "`{}`: {message}", path.display()),
            ScanError::BadCell {
                path,
                place,
                column,
                message,
            } => {
                write!(f, "{}: {place}: ", path.display())?;
                if let Some(c) = column {
                    write!(f, "column `{c}`: ")?;
                }
                f.write_str(message)
            }
        }
    }
}

impl std::error::Error for ScanError {}

/// The column names of a file read with `options` (renames applied): its CSV
/// header, for NDJSON the keys of the first object in order followed by keys
/// that first appear in later objects of the first MiB, the header row of a
/// sheet, or a Parquet file's columns.
pub fn header(path: &Path, options: &ReadOptions) -> Result<Vec<String>, ScanError> {
    let stream = Stream::of(path, options.encoding());
    let input = stream.as_ref().map_or(Input::Path(path), Input::Stream);
    let format = detect(path, input)?;
    let mut names = match format {
        Format::Xlsx => super::xlsx::header(path, options)?,
        Format::Parquet => super::parquet::header(path)?,
        _ => read_header(path, input, format, options)?.names,
    };
    options.rename(&mut names);
    Ok(names)
}

/// [`header`] of in-memory data; `name` is used for the format and in errors.
pub fn header_bytes(name: &Path, data: &[u8]) -> Result<Vec<String>, ScanError> {
    let input = Input::Bytes(data);
    let format = detect(name, input)?;
    Ok(read_header(name, input, format, &ReadOptions::default())?.names)
}

/// The parsed header: names, where the data starts and the line it starts on.
#[derive(Clone, Debug)]
pub(crate) struct Header {
    pub names: Vec<String>,
    pub data_start: u64,
    pub first_line: u64,
    /// CSV whose lines end in a lone `\r` (old Mac exports): every record goes
    /// through csv-core, lines are counted by `\r`, and the scan is sequential.
    pub cr_lines: bool,
    /// The CSV field separator.
    pub delimiter: u8,
}

/// The CSV delimiter of `path`: the source's, else a tab for `.tsv`/`.tab`, else `,`.
pub(crate) fn delimiter(path: &Path, options: &ReadOptions) -> u8 {
    options
        .delimiter
        .unwrap_or_else(|| match super::options::format_extension(path).as_deref() {
            Some("tsv" | "tab") => b'\t',
            _ => b',',
        })
}

fn read_header(
    path: &Path,
    input: Input<'_>,
    format: Format,
    options: &ReadOptions,
) -> Result<Header, ScanError> {
    match format {
        Format::Ndjson => ndjson::read_header(path, input),
        _ => csv::read_header(
            path,
            input,
            delimiter(path, options),
            options.header.unwrap_or(1),
        ),
    }
}

/// The format of `path`: from its extension, else sniffed from its first bytes.
pub fn detect_format(path: &Path) -> Result<Format, ScanError> {
    detect(path, Input::Path(path))
}

fn detect(path: &Path, input: Input<'_>) -> Result<Format, ScanError> {
    if let Some(f) = Format::from_extension(path) {
        if matches!(f, Format::Xlsx | Format::Parquet) && input.is_stream() {
            if super::options::Compression::of(path) != super::options::Compression::None {
                return Err(ScanError::Io {
                    path: path.to_path_buf(),
                    message: format!(
                        "a compressed {} file cannot be read: {} files are compressed inside already; decompress it first",
                        f.name(),
                        f.name()
                    ),
                });
            }
            return Ok(f);
        }
        return Ok(f);
    }
    let head = chunk::read_prefix(path, input, 4096)?;
    Ok(Format::sniff(&head))
}

/// Scans the file of `spec`: see the module docs. Returns one sink per chunk, in
/// file order, and the report.
pub fn scan<S: RowSink, F: Fn() -> S + Sync>(
    spec: &ScanSpec,
    make_sink: F,
) -> Result<(Vec<S>, ScanReport), ScanError> {
    scan_input(spec, Input::Path(&spec.path), make_sink)
}

/// [`scan`] over in-memory data (e.g. fixture rows); `spec.path` names the data
/// in errors and picks the format by its extension.
pub fn scan_bytes<S: RowSink, F: Fn() -> S + Sync>(
    spec: &ScanSpec,
    data: &[u8],
    make_sink: F,
) -> Result<(Vec<S>, ScanReport), ScanError> {
    scan_input(spec, Input::Bytes(data), make_sink)
}

/// [`scan`] for sinks that do not need the rows in file order (aggregations): the
/// threads share the file in many small chunks, one sink per thread, so that a
/// slow core delays nothing. The `line` a sink sees counts from its chunk's start;
/// bad rows in errors and reports still carry file lines.
pub fn scan_unordered<S: RowSink, F: Fn() -> S + Sync>(
    spec: &ScanSpec,
    make_sink: F,
) -> Result<(Vec<S>, ScanReport), ScanError> {
    scan_input_with(spec, Input::Path(&spec.path), make_sink, true)
}

/// [`scan_unordered`] over in-memory data.
pub fn scan_bytes_unordered<S: RowSink, F: Fn() -> S + Sync>(
    spec: &ScanSpec,
    data: &[u8],
    make_sink: F,
) -> Result<(Vec<S>, ScanReport), ScanError> {
    scan_input_with(spec, Input::Bytes(data), make_sink, true)
}

fn scan_input<S: RowSink, F: Fn() -> S + Sync>(
    spec: &ScanSpec,
    input: Input<'_>,
    make_sink: F,
) -> Result<(Vec<S>, ScanReport), ScanError> {
    scan_input_with(spec, input, make_sink, false)
}

fn scan_input_with<S: RowSink, F: Fn() -> S + Sync>(
    spec: &ScanSpec,
    input: Input<'_>,
    make_sink: F,
    unordered: bool,
) -> Result<(Vec<S>, ScanReport), ScanError> {
    let path = spec.path.as_path();
    let stream = match input {
        Input::Path(p) => Stream::of(p, spec.read.encoding()),
        _ => None,
    };
    let input = stream.as_ref().map_or(input, Input::Stream);
    let format = detect(path, input)?;
    let typed = matches!(format, Format::Xlsx | Format::Parquet);
    match Normalizer::new(&spec.read, &spec.roles, typed) {
        None => scan_format(spec, input, format, make_sink, unordered),
        Some(norm) => {
            let make = || Normalized::new(&norm, make_sink());
            let (sinks, report) = scan_format(spec, input, format, make, unordered)?;
            Ok((sinks.into_iter().map(|n| n.inner).collect(), report))
        }
    }
}

fn scan_format<S: RowSink, F: Fn() -> S + Sync>(
    spec: &ScanSpec,
    input: Input<'_>,
    format: Format,
    make_sink: F,
    unordered: bool,
) -> Result<(Vec<S>, ScanReport), ScanError> {
    let path = spec.path.as_path();
    let bytes = |mut report: ScanReport| {
        if input.is_stream() {
            report.bytes = std::fs::metadata(path).map_or(0, |m| m.len());
        }
        report
    };
    match format {
        Format::Xlsx => return super::xlsx::scan(spec, input, make_sink),
        Format::Parquet => return super::parquet::scan(spec, make_sink, !unordered),
        Format::Csv | Format::Ndjson => {}
    }
    let mut head = read_header(path, input, format, &spec.read)?;
    spec.read.rename(&mut head.names);
    let positions = resolve(path, &head.names, &spec.columns)?;
    let (sinks, report) = if unordered {
        super::morsel::run(spec, input, format, &head, &positions, make_sink)?
    } else {
        chunk::run(spec, input, format, &head, &positions, make_sink)?
    };
    Ok((sinks, bytes(report)))
}

/// The position in `names` of each of `columns` (exact match first, then a
/// match ignoring surrounding whitespace), or the MissingColumns error.
pub(crate) fn resolve(
    path: &Path,
    names: &[String],
    columns: &[String],
) -> Result<Vec<usize>, ScanError> {
    let mut positions = Vec::with_capacity(columns.len());
    let mut missing = Vec::new();
    for c in columns {
        let pos = names
            .iter()
            .position(|n| n == c)
            .or_else(|| names.iter().position(|n| n.trim() == c.trim()));
        match pos {
            Some(p) => positions.push(p),
            None => missing.push(c.clone()),
        }
    }
    if missing.is_empty() {
        Ok(positions)
    } else {
        Err(ScanError::MissingColumns {
            path: path.to_path_buf(),
            missing,
            available: names.to_vec(),
        })
    }
}
