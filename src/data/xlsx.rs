//! The xlsx reader (calamine): one sheet, its header row, typed cells.
//!
//! Cells keep their types: numbers are written in the engine's number form,
//! Excel date cells as ISO dates and times, booleans as `true`/`false`. A cell
//! holding an Excel error (`#DIV/0!`) is a bad row, and every bad row is named by
//! its cell (`Deals!C17`). The sheet is read whole (a sheet holds at most about a
//! million rows).

use std::path::Path;

use calamine::{open_workbook, Data, Range, Reader, Xlsx};

use super::chunk::Input;
use super::options::ReadOptions;
use super::scan::{resolve, RowSink, ScanError, ScanReport, ScanSpec, MAX_REMEMBERED_SKIPS};

/// The sheet's name and its cells.
fn sheet(path: &Path, options: &ReadOptions) -> Result<(String, Range<Data>), ScanError> {
    let io = |message: String| ScanError::Io {
        path: path.to_path_buf(),
        message,
    };
    let mut book: Xlsx<_> = open_workbook(path).map_err(|e| match e {
        calamine::XlsxError::Io(e) => ScanError::io(path, &e),
        e => io(format!(
            "not a readable xlsx workbook ({e}); is the file corrupt or truncated?"
        )),
    })?;
    let names = book.sheet_names();
    let name = match &options.sheet {
        Some(want) => match names.iter().find(|n| *n == want) {
            Some(n) => n.clone(),
            None => {
                let mut msg = format!(
                    "the workbook has no sheet `{want}`; its sheets are {}",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                if let Some(h) = crate::diag::did_you_mean(want, names.iter().map(String::as_str)) {
                    msg.push_str(&format!(" ({h})"));
                }
                return Err(ScanError::Layout {
                    path: path.to_path_buf(),
                    message: msg,
                });
            }
        },
        None => names.first().cloned().ok_or_else(|| ScanError::Layout {
            path: path.to_path_buf(),
            message: "the workbook has no sheets".into(),
        })?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| io(format!("cannot read sheet `{name}`: {e}")))?;
    Ok((name, range))
}

/// The column letters of a 0-based column (`0` -> `A`, `27` -> `AB`).
pub(crate) fn column_letters(mut col: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// The header: the absolute 0-based row it is on and its names by absolute
/// column (from column 0, empty where no name).
fn header_row(
    path: &Path,
    sheet: &str,
    range: &Range<Data>,
    options: &ReadOptions,
) -> Result<(u32, Vec<String>), ScanError> {
    let Some((start_row, _)) = range.start() else {
        return Ok((0, Vec::new()));
    };
    let (end_row, end_col) = range.end().unwrap_or((start_row, 0));
    let row = match options.header {
        Some(n) => {
            let r = (n - 1) as u32;
            if r > end_row {
                return Err(ScanError::Layout {
                    path: path.to_path_buf(),
                    message: format!(
                        "the header is row {n}, but sheet `{sheet}` ends at row {}",
                        end_row + 1
                    ),
                });
            }
            r
        }
        None => start_row,
    };
    let mut names = Vec::with_capacity(end_col as usize + 1);
    let mut text = Vec::new();
    for c in 0..=end_col {
        text.clear();
        if let Some(cell) = range.get_value((row, c)) {
            let _ = cell_text(cell, &mut text);
        }
        names.push(String::from_utf8_lossy(&text).trim().to_string());
    }
    while names.last().is_some_and(String::is_empty) {
        names.pop();
    }
    Ok((row, names))
}

/// The column names of the sheet's header row.
pub(crate) fn header(path: &Path, options: &ReadOptions) -> Result<Vec<String>, ScanError> {
    let (name, range) = sheet(path, options)?;
    Ok(header_row(path, &name, &range, options)?.1)
}

/// The sheet to read, its header row (1-based; `None` when it is the first used
/// row) and all sheet names: the header is the first of the first 30 rows with
/// the most text cells.
pub(crate) fn guess_layout(
    path: &Path,
    options: &ReadOptions,
) -> Result<(String, Option<u64>, Vec<String>), ScanError> {
    let sheets = open_workbook::<Xlsx<_>, _>(path)
        .map(|b| b.sheet_names())
        .unwrap_or_default();
    // Without a sheet named, the one with the most cells (a workbook often opens
    // with a cover or notes sheet).
    let mut options = options.clone();
    if options.sheet.is_none() {
        let mut best = (0usize, None);
        for s in &sheets {
            options.sheet = Some(s.clone());
            if let Ok((_, r)) = sheet(path, &options) {
                let cells = r.used_cells().count();
                if cells > best.0 {
                    best = (cells, Some(s.clone()));
                }
            }
        }
        options.sheet = best.1;
    }
    let (name, range) = sheet(path, &options)?;
    let Some((start, _)) = range.start() else {
        return Ok((name, None, sheets));
    };
    let (end, end_col) = range.end().unwrap_or((start, 0));
    let mut best = (0usize, start);
    for row in start..=end.min(start + 30) {
        let texts = (0..=end_col)
            .filter(|&c| matches!(range.get_value((row, c)), Some(Data::String(_))))
            .count();
        if texts > best.0 {
            best = (texts, row);
        }
    }
    let header = (best.1 != start).then_some(u64::from(best.1) + 1);
    Ok((name, header, sheets))
}

/// Appends the engine's text of a cell; `Err` with the message for an error cell.
pub(crate) fn cell_text(cell: &Data, out: &mut Vec<u8>) -> Result<(), String> {
    match cell {
        Data::Empty => {}
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            out.extend_from_slice(s.as_bytes())
        }
        Data::Int(i) => out.extend_from_slice(itoa::Buffer::new().format(*i).as_bytes()),
        Data::Float(f) => number(*f, out),
        Data::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Data::DateTime(dt) if dt.is_duration() => number(dt.as_f64(), out),
        Data::DateTime(dt) => {
            let (y, mo, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
            use std::io::Write;
            let _ = write!(out, "{y:04}-{mo:02}-{d:02}");
            if (h, mi, s, ms) != (0, 0, 0, 0) {
                let _ = write!(out, "T{h:02}:{mi:02}:{s:02}");
                if ms != 0 {
                    let _ = write!(out, ".{ms:03}");
                }
            }
        }
        Data::Error(e) => return Err(format!("the cell holds the error {e}")),
    }
    Ok(())
}

/// A number cell: integers without a fraction, others in the shortest form
/// that reads back as the same double.
fn number(f: f64, out: &mut Vec<u8>) {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        out.extend_from_slice(itoa::Buffer::new().format(f as i64).as_bytes());
    } else {
        out.extend_from_slice(zmij::Buffer::new().format(f).as_bytes());
    }
}

/// Scans the sheet: one sink, rows in sheet order; `line` is the Excel row number.
pub(crate) fn scan<S: RowSink, F: Fn() -> S + Sync>(
    spec: &ScanSpec,
    input: Input<'_>,
    make_sink: F,
) -> Result<(Vec<S>, ScanReport), ScanError> {
    let path = spec.path.as_path();
    if !matches!(input, Input::Path(_) | Input::Stream(_)) {
        return Err(ScanError::Io {
            path: path.to_path_buf(),
            message: "xlsx data must be a file".into(),
        });
    }
    let (name, range) = sheet(path, &spec.read)?;
    let (head_row, mut names) = header_row(path, &name, &range, &spec.read)?;
    spec.read.rename(&mut names);
    let positions = resolve(path, &names, &spec.columns)
        .map_err(|e| other_sheets(e, path, &name, &spec.read))?;
    let mut sink = make_sink();
    sink.begin_chunk(0);
    let mut report = ScanReport {
        bytes: std::fs::metadata(path).map_or(0, |m| m.len()),
        ..ScanReport::default()
    };
    let Some((start_row, start_col)) = range.start() else {
        return Ok((vec![sink], report));
    };
    let (end_row, _) = range.end().unwrap_or((start_row, start_col));
    let mut buf = Vec::new();
    let mut ends = vec![0usize; positions.len()];
    let mut store: Vec<&'static [u8]> = Vec::with_capacity(positions.len());
    for row in head_row + 1..=end_row {
        let excel_row = u64::from(row) + 1;
        buf.clear();
        let mut blank = true;
        let mut bad = None;
        for (k, &col) in positions.iter().enumerate() {
            if let Some(cell) = range.get_value((row, col as u32)) {
                blank &= matches!(cell, Data::Empty);
                if let Err(m) = cell_text(cell, &mut buf) {
                    bad.get_or_insert((k, m));
                }
            }
            ends[k] = buf.len();
        }
        if blank && row_is_blank(&range, row) {
            continue;
        }
        let res = match bad {
            Some((k, m)) => Err(super::scan::BadRow::field(k, m)),
            None => {
                let mut fields = super::chunk::recycle(std::mem::take(&mut store));
                let mut at = 0;
                for &e in &ends {
                    fields.push(&buf[at..e]);
                    at = e;
                }
                let res = sink.row(excel_row, &fields);
                store = super::chunk::recycle(fields);
                res
            }
        };
        match res {
            Ok(()) => report.rows += 1,
            Err(b) => {
                let cell = b
                    .field
                    .map(|k| format!("{name}!{}{excel_row}", column_letters(positions[k] as u32)));
                let place = cell.unwrap_or_else(|| format!("{name}!{excel_row}:{excel_row}"));
                let column = b.field.map(|k| spec.columns[k].clone());
                if !spec.skip_bad_rows {
                    return Err(ScanError::BadCell {
                        path: path.to_path_buf(),
                        place,
                        column,
                        message: b.message,
                    });
                }
                report.skipped += 1;
                if report.first_skipped.len() < MAX_REMEMBERED_SKIPS {
                    // Line 0: the place says where (a sheet has no lines).
                    let why = match &column {
                        Some(c) => format!("{place}: column `{c}`: {}", b.message),
                        None => format!("{place}: {}", b.message),
                    };
                    report.first_skipped.push((0, why));
                }
            }
        }
    }
    Ok((vec![sink], report))
}

/// Missing columns on a sheet that was not named, in a workbook with other sheets:
/// the error names the sheet read and the others.
fn other_sheets(e: ScanError, path: &Path, read_sheet: &str, options: &ReadOptions) -> ScanError {
    if options.sheet.is_some() {
        return e;
    }
    let sheets = open_workbook::<Xlsx<_>, _>(path)
        .map(|b| b.sheet_names())
        .unwrap_or_default();
    let others: Vec<String> = sheets
        .iter()
        .filter(|s| *s != read_sheet)
        .map(|s| format!("`{s}`"))
        .collect();
    let list = |v: &[String]| {
        v.iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (&e, sheets.iter().find(|s| *s != read_sheet)) {
        (ScanError::MissingColumns { missing, available, .. }, Some(first)) => ScanError::Layout {
            path: path.to_path_buf(),
            message: format!(
                "sheet `{read_sheet}` (the first) has no column{} {}; its columns are {}; the workbook also has {}: name the sheet, e.g. `sheet \"{first}\"`",
                if missing.len() == 1 { "" } else { "s" },
                list(missing),
                if available.is_empty() { "none".to_string() } else { list(available) },
                others.join(", "),
            ),
        },
        _ => e,
    }
}

/// Whether every cell of the sheet's row is empty (rows past the data, spacer rows).
fn row_is_blank(range: &Range<Data>, row: u32) -> bool {
    let (Some((_, c0)), Some((_, c1))) = (range.start(), range.end()) else {
        return true;
    };
    (c0..=c1).all(|c| {
        range
            .get_value((row, c))
            .is_none_or(|v| matches!(v, Data::Empty))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_are_excels() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(2), "C");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }
}
