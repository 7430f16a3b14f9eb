//! `kpi sniff`: how to read a file, guessed from its start (DESIGN 5.1).
//!
//! Text files: the encoding (UTF-8 unless the bytes say otherwise), the delimiter
//! (the candidate that splits most lines into the same number of fields), the
//! header line (the first line with that many fields, after a preamble), null
//! markers, decimal commas, and each column's type. Sheets and Parquet files
//! give their types themselves. The guesses are read back through the readers,
//! so what is printed is what reads the file.

use std::path::Path;

use super::options::{self, Compression, ReadOptions, NULL_MARKERS};
use super::scan::{self, BadRow, Format, RowSink, ScanError, ScanSpec};

/// Rows sampled per column.
const SAMPLE_ROWS: usize = 2000;
/// Bytes of a text file sampled.
const SAMPLE_BYTES: usize = 1 << 20;

/// A column as sniffed.
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    /// The header in the file.
    pub header: String,
    /// The name to use (the header if it is a name).
    pub name: String,
    /// `int`, `decimal`, `bool`, `timestamp`, `date` or `string`.
    pub ty: &'static str,
    /// Distinct non-empty values seen (capped).
    pub distinct: usize,
}

/// What `kpi sniff` found.
#[derive(Clone, Debug, PartialEq)]
pub struct Sniffed {
    pub format: Format,
    pub read: ReadOptions,
    pub columns: Vec<Column>,
    /// The time column's name, if one was found.
    pub time: Option<String>,
    /// Text columns with few distinct values: candidates for `dimensions`.
    pub dimensions: Vec<String>,
    /// Rows sampled.
    pub rows: usize,
    /// Things worth saying in a comment (other sheets, ..).
    pub notes: Vec<String>,
}

/// Keeps the first [`SAMPLE_ROWS`] rows' fields as text.
#[derive(Default)]
struct Sample {
    rows: Vec<Vec<String>>,
}

impl RowSink for Sample {
    fn row(&mut self, _line: u64, fields: &[&[u8]]) -> Result<(), BadRow> {
        if self.rows.len() < SAMPLE_ROWS {
            self.rows.push(
                fields
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect(),
            );
        }
        Ok(())
    }
}

/// The decoded start of a text file (decompressed; cut after its last full line).
fn text_prefix(path: &Path) -> Result<(Vec<u8>, Option<&'static str>), ScanError> {
    use std::io::Read;
    let stream = super::stream::Stream {
        path: path.to_path_buf(),
        compression: Compression::of(path),
        encoding: None,
    };
    let mut raw = Vec::new();
    stream
        .open(false)
        .and_then(|r| r.take(SAMPLE_BYTES as u64).read_to_end(&mut raw))
        .map_err(|e| ScanError::io(path, &e))?;
    if raw.len() == SAMPLE_BYTES {
        if let Some(end) = raw.iter().rposition(|&b| b == b'\n') {
            raw.truncate(end + 1);
        }
    }
    // The encoding: a BOM, else UTF-8 if the bytes are, else Windows-1252 (what
    // Excel on Windows writes).
    if let Some((enc, bom)) = encoding_rs::Encoding::for_bom(&raw) {
        if enc == encoding_rs::UTF_8 {
            return Ok((raw, None));
        }
        let (text, _) = enc.decode_without_bom_handling(&raw[bom..]);
        return Ok((text.into_owned().into_bytes(), Some(enc.name())));
    }
    if std::str::from_utf8(&raw).is_ok() {
        return Ok((raw, None));
    }
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&raw);
    Ok((text.into_owned().into_bytes(), Some("windows-1252")))
}

/// (line, fields, non-empty fields) of each record of `text` split by `delim`
/// (quotes respected), blank lines skipped.
fn field_counts(text: &[u8], delim: u8) -> Vec<(usize, usize, usize)> {
    let mut rdr = csv_core::ReaderBuilder::new().delimiter(delim).build();
    let mut out = vec![0u8; 1 << 16];
    let mut ends = vec![0usize; 1024];
    let mut input = text;
    let mut line = 0usize;
    let mut counts = Vec::new();
    loop {
        // The record starts after the line breaks left before it.
        let lead = input
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .filter(|&&b| b == b'\n')
            .count();
        let start_line = line + lead;
        let (res, nin, _, nend) = rdr.read_record(input, &mut out, &mut ends);
        let consumed = &input[..nin];
        input = &input[nin..];
        line += memchr::memchr_iter(b'\n', consumed).count();
        match res {
            csv_core::ReadRecordResult::Record => {
                let filled = (0..nend)
                    .filter(|&k| ends[k] > if k == 0 { 0 } else { ends[k - 1] })
                    .count();
                counts.push((start_line, nend, filled));
            }
            csv_core::ReadRecordResult::End => break,
            csv_core::ReadRecordResult::InputEmpty => {
                if input.is_empty() {
                    let (res, _, _, nend) = rdr.read_record(&[], &mut out, &mut ends);
                    if res == csv_core::ReadRecordResult::Record {
                        let filled = (0..nend)
                            .filter(|&k| ends[k] > if k == 0 { 0 } else { ends[k - 1] })
                            .count();
                        counts.push((start_line, nend, filled));
                    }
                    break;
                }
            }
            // A field or record too large for a sample: stop there.
            _ => break,
        }
        if counts.len() >= 200 {
            break;
        }
    }
    counts
}

/// The delimiter and the 0-based line of the header: the candidate whose most
/// common field count (above one) covers most lines.
fn dialect(text: &[u8], default: u8) -> (u8, usize) {
    let mut best = (default, 0usize, 0usize, 0usize); // delim, score, fields, header line
    for delim in [default, b',', b';', b'\t', b'|'] {
        let counts = field_counts(text, delim);
        let mut freq: std::collections::BTreeMap<usize, usize> = Default::default();
        for (_, n, _) in &counts {
            *freq.entry(*n).or_default() += 1;
        }
        let Some((&fields, &lines)) = freq
            .iter()
            .filter(|(n, _)| **n > 1)
            .max_by_key(|(n, c)| (**c, **n))
        else {
            continue;
        };
        if lines > best.1 || (lines == best.1 && fields > best.2) {
            // The header names every column; a preamble padded with
            // delimiters (`Export;;;`) does not.
            let full = counts
                .iter()
                .filter(|(_, n, _)| *n == fields)
                .map(|c| c.2)
                .max();
            let header = counts
                .iter()
                .find(|(_, n, f)| *n == fields && Some(*f) == full)
                .map_or(0, |(l, _, _)| *l);
            best = (delim, lines, fields, header);
        }
    }
    (best.0, best.3)
}

/// Sniffs `path`; `sheet` picks an xlsx sheet.
pub fn sniff(path: &Path, sheet: Option<&str>) -> Result<Sniffed, ScanError> {
    let format = scan::detect_format(path)?;
    let mut read = ReadOptions {
        sheet: sheet.map(str::to_string),
        ..ReadOptions::default()
    };
    let mut sample = Vec::new();
    let mut notes = Vec::new();
    match format {
        Format::Csv => {
            let (text, encoding) = text_prefix(path)?;
            read.encoding = encoding;
            let (delim, header) = dialect(&text, scan::delimiter(path, &read));
            if delim != scan::delimiter(path, &read) {
                read.delimiter = Some(delim);
            }
            if header > 0 {
                read.header = Some(header as u64 + 1);
            }
            sample = text;
        }
        Format::Ndjson => sample = text_prefix(path)?.0,
        Format::Xlsx => {
            let (name, header, sheets) = super::xlsx::guess_layout(path, &read)?;
            read.sheet = Some(name);
            read.header = header;
            if sheets.len() > 1 {
                notes.push(format!("the workbook's sheets: {}", sheets.join(", ")));
            }
        }
        Format::Parquet => {}
    }
    let names = scan::header(path, &read)?;
    let rows = sample_rows(path, format, &read, &names, &sample)?;
    let mut sniffed = infer(format, read, &names, &rows, path);
    if names.is_empty() {
        notes.push("no header found: is the file empty?".into());
    } else if rows.is_empty() {
        notes.push("no data rows: every column is read as text".into());
    }
    sniffed.notes = notes;
    Ok(sniffed)
}

/// Up to [`SAMPLE_ROWS`] rows of every column as text.
fn sample_rows(
    path: &Path,
    format: Format,
    read: &ReadOptions,
    names: &[String],
    text: &[u8],
) -> Result<Vec<Vec<String>>, ScanError> {
    let columns: Vec<String> = names.iter().filter(|n| !n.is_empty()).cloned().collect();
    let mut spec = ScanSpec {
        skip_bad_rows: true,
        ..ScanSpec::new(path.to_path_buf(), columns.clone(), 1)
    };
    let (sinks, _) = match format {
        Format::Csv | Format::Ndjson => {
            // The decoded sample, read as plain UTF-8 text of the same format.
            let mut opts = read.clone();
            opts.encoding = None;
            spec.read = std::sync::Arc::new(opts);
            let ext = if format == Format::Csv {
                "csv"
            } else {
                "ndjson"
            };
            spec.path = path.with_extension(ext);
            if let Some(d) = read.delimiter {
                let mut o = (*spec.read).clone();
                o.delimiter = Some(d);
                spec.read = std::sync::Arc::new(o);
            } else if scan::delimiter(path, read) == b'\t' {
                let mut o = (*spec.read).clone();
                o.delimiter = Some(b'\t');
                spec.read = std::sync::Arc::new(o);
            }
            scan::scan_bytes(&spec, text, Sample::default)?
        }
        _ => {
            spec.read = std::sync::Arc::new(read.clone());
            scan::scan(&spec, Sample::default)?
        }
    };
    let mut rows: Vec<Vec<String>> = sinks.into_iter().flat_map(|s| s.rows).collect();
    rows.truncate(SAMPLE_ROWS);
    // Back to one entry per header name (empty names read as empty).
    let mut full = Vec::with_capacity(rows.len());
    for r in rows {
        let mut it = r.into_iter();
        full.push(
            names
                .iter()
                .map(|n| {
                    if n.is_empty() {
                        String::new()
                    } else {
                        it.next().unwrap_or_default()
                    }
                })
                .collect(),
        );
    }
    Ok(full)
}

fn is_iso_time(s: &str) -> Option<&'static str> {
    let parser = super::TimeParser::new(jiff::tz::TimeZone::UTC);
    let mut p = parser;
    p.parse_day(s.as_bytes())?;
    Some(if s.len() == 10 { "date" } else { "timestamp" })
}

fn number_with(s: &str, decimal: u8, thousands: Option<u8>) -> Option<f64> {
    let mut t = String::with_capacity(s.len());
    for b in s.trim().bytes() {
        if Some(b) == thousands {
            continue;
        }
        if b == decimal {
            t.push('.');
        } else if b == b'.' || b == b',' {
            return None;
        } else {
            t.push(b as char);
        }
    }
    t.parse::<f64>().ok().filter(|x| x.is_finite())
}

/// Types, null markers, number style, time column and dimensions from the sample.
fn infer(
    format: Format,
    mut read: ReadOptions,
    names: &[String],
    rows: &[Vec<String>],
    path: &Path,
) -> Sniffed {
    let typed = matches!(format, Format::Xlsx | Format::Parquet);
    let parquet_kinds = if format == Format::Parquet {
        super::parquet::columns(path).unwrap_or_default()
    } else {
        Vec::new()
    };
    // Null markers: marker texts seen in columns whose other values are numbers
    // or times, or any of the unambiguous ones (NULL, NA, N/A, #N/A).
    let mut nulls: Vec<String> = Vec::new();
    let col = |i: usize| rows.iter().map(move |r| r[i].as_str());
    for (i, _) in names.iter().enumerate() {
        for v in col(i) {
            let t = v.trim();
            if NULL_MARKERS.contains(&t) && !nulls.iter().any(|n| n == t) {
                let others_typed = col(i).any(|o| {
                    let o = o.trim();
                    !o.is_empty()
                        && !NULL_MARKERS.contains(&o)
                        && (number_with(o, b'.', None).is_some()
                            || number_with(o, b',', Some(b'.')).is_some()
                            || is_iso_time(o).is_some())
                });
                if others_typed || matches!(t, "NULL" | "NA" | "N/A" | "#N/A") {
                    nulls.push(t.to_string());
                }
            }
        }
    }
    let value = |v: &str| -> Option<String> {
        let t = v.trim();
        (!t.is_empty() && !nulls.iter().any(|n| n == t)).then(|| t.to_string())
    };
    // Decimal commas: a column that reads as numbers only with `,` as the point.
    let mut decimal_comma = false;
    let mut thousands_point = false;
    if !typed {
        for i in 0..names.len() {
            let vals: Vec<String> = col(i).filter_map(value).collect();
            if vals.is_empty() || vals.iter().all(|v| number_with(v, b'.', None).is_some()) {
                continue;
            }
            if vals
                .iter()
                .all(|v| number_with(v, b',', Some(b'.')).is_some())
                && vals.iter().any(|v| v.contains(','))
            {
                decimal_comma = true;
                thousands_point |= vals.iter().any(|v| v.contains('.'));
            }
        }
    }
    let (dec, th) = if decimal_comma {
        (b',', thousands_point.then_some(b'.'))
    } else {
        (b'.', None)
    };
    let mut columns = Vec::new();
    let mut time_formats: Vec<(usize, &'static str)> = Vec::new();
    for (i, header) in names.iter().enumerate() {
        if header.is_empty() {
            continue;
        }
        let vals: Vec<String> = col(i).filter_map(value).collect();
        let mut distinct: Vec<&String> = vals.iter().collect();
        distinct.sort();
        distinct.dedup();
        let parquet_kind = parquet_kinds
            .iter()
            .find(|(n, _)| n == header)
            .map(|(_, k)| *k);
        let ty: &'static str = if let Some(k) = parquet_kind {
            use super::parquet::Kind;
            match k {
                Kind::Bool => "bool",
                Kind::Int => "int",
                Kind::Float | Kind::Decimal(_) => "decimal",
                Kind::Date => "date",
                Kind::Timestamp { .. } | Kind::Int96 => "timestamp",
                Kind::Text | Kind::Other => "string",
            }
        } else if vals.is_empty() {
            "string"
        } else if vals.iter().all(|v| number_with(v, dec, th).is_some()) {
            if vals
                .iter()
                .all(|v| !v.contains(dec as char) && !v.contains(['e', 'E']))
            {
                "int"
            } else {
                "decimal"
            }
        } else if vals
            .iter()
            .all(|v| crate::plan::parse_bool(v.as_bytes()).is_some())
        {
            "bool"
        } else if let Some(t) = vals
            .iter()
            .map(|v| is_iso_time(v))
            .try_fold("date", |acc, t| {
                t.map(|t| if t == "timestamp" { "timestamp" } else { acc })
            })
        {
            t
        } else {
            let refs: Vec<&str> = vals.iter().map(String::as_str).collect();
            match options::guess_time_format(&refs) {
                Some(f) => {
                    time_formats.push((i, f));
                    if f.contains("%H") || f.contains("%I") {
                        "timestamp"
                    } else {
                        "date"
                    }
                }
                None => "string",
            }
        };
        let name = if crate::syntax::lexicon::is_ident(header) {
            header.clone()
        } else {
            crate::compile::settings::name_for(header)
        };
        columns.push(Column {
            header: header.clone(),
            name,
            ty,
            distinct: distinct.len(),
        });
    }
    // The time column: the first timestamp (else date) column, preferring one
    // whose name says it is a time.
    let timely = |c: &Column| {
        let n = c.name.to_ascii_lowercase();
        n == "ts"
            || n.contains("time")
            || n.contains("date")
            || n.ends_with("_at")
            || n.contains("closed")
    };
    let time_col = columns
        .iter()
        .filter(|c| c.ty == "timestamp")
        .max_by_key(|c| timely(c))
        .or_else(|| columns.iter().find(|c| c.ty == "date"))
        .cloned();
    if let Some(t) = &time_col {
        let idx = names.iter().position(|n| *n == t.header);
        read.time_format = time_formats
            .iter()
            .find(|(i, _)| Some(*i) == idx)
            .map(|(_, f)| f.to_string());
    }
    let n = rows.len().max(1);
    let dimensions = columns
        .iter()
        .filter(|c| {
            c.ty == "string"
                && c.distinct > 0
                && c.distinct <= 1000
                && (c.distinct * 2 <= n || c.distinct <= 3)
        })
        .map(|c| c.name.clone())
        .collect();
    if !nulls.is_empty() {
        let mut list = vec![String::new()];
        list.extend(nulls);
        read.null = Some(list);
    }
    if decimal_comma {
        read.decimal = Some(b',');
        read.thousands = th;
    }
    read.renames = columns
        .iter()
        .filter(|c| c.name != c.header)
        .map(|c| (c.header.clone(), c.name.clone()))
        .collect();
    Sniffed {
        format,
        read,
        columns,
        time: time_col.map(|c| c.name),
        dimensions,
        rows: rows.len(),
        notes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dialect_is_the_most_regular_split() {
        let text =
            b"Export;;\nfrom the CRM\nday;rep;amount\n05-01-2026;ann;1,5\n06-01-2026;bob;2\n";
        assert_eq!(dialect(text, b','), (b';', 2));
        let text = b"a,b,c\n1,\"x;y\",3\n4,5,6\n";
        assert_eq!(dialect(text, b','), (b',', 0));
        let text = b"a\tb\n1\t2\n";
        assert_eq!(dialect(text, b','), (b'\t', 0));
    }
}
