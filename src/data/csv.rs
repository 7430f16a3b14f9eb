//! The CSV reader: a fast path for unquoted lines and csv-core for the rest.
//!
//! `memchr` finds the next `"` in the block; up to it, lines are split 64 bytes
//! at a time (SIMD masks of `,` and `\n`, a trailing `\r` dropped) without looking
//! at each byte. The record that holds the quote is handed to `csv_core`, which
//! handles quoted commas, doubled quotes and embedded newlines, and the fast path
//! resumes after it. Blank lines are not records. A record with the wrong number
//! of fields, and a non-UTF-8 field, are bad rows. Files whose lines end in a
//! lone `\r` go through csv-core entirely.

use std::path::Path;

use csv_core::{ReadRecordResult, Reader};

use wide::u8x16;

use super::chunk::{recycle, Ctx, Input, Parser, Source};
use super::scan::{Header, RowSink, ScanError};

/// The CSV record parser of one chunk.
pub(crate) struct CsvParser<'a> {
    nfields: usize,
    positions: &'a [usize],
    /// Reused storage for the field bounds of the current line.
    bounds: Vec<usize>,
    /// Reused storage for the per-call vector of field slices.
    fields: Vec<&'static [u8]>,
    slow: Slow,
    saw_quote: bool,
    /// Lines end in a lone `\r`: csv-core reads every record.
    cr_lines: bool,
    /// The field separator.
    delim: u8,
}

/// csv-core state for records with quotes.
struct Slow {
    core: Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
}

impl Slow {
    fn new(delim: u8) -> Slow {
        Slow {
            core: csv_core::ReaderBuilder::new().delimiter(delim).build(),
            out: vec![0; 4096],
            ends: vec![0; 64],
        }
    }

    /// Parses one record at the start of `input`; returns the bytes it spans and
    /// the number of fields (field data in `out`, ends in `ends`), or `None` if
    /// the record is not complete and more input may come.
    fn record(&mut self, input: &[u8], eof: bool) -> Option<(usize, usize)> {
        self.core.reset();
        // Mark the reader as used so that it does not strip a "BOM" mid-file.
        let _ = self.core.read_record(b"\n", &mut [0; 1], &mut [0; 1]);
        let (mut nin, mut nout, mut nend) = (0, 0, 0);
        loop {
            let (res, i, o, e) =
                self.core
                    .read_record(&input[nin..], &mut self.out[nout..], &mut self.ends[nend..]);
            nin += i;
            nout += o;
            nend += e;
            match res {
                ReadRecordResult::Record => return Some((nin, nend)),
                ReadRecordResult::End => return Some((nin, 0)),
                ReadRecordResult::InputEmpty if !eof => return None,
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let n = self.out.len() * 2;
                    self.out.resize(n, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
            }
        }
    }
}

impl<'a> CsvParser<'a> {
    /// A parser for records of `nfields` fields handing the fields at
    /// `positions` to the sink.
    pub(crate) fn new(
        nfields: usize,
        positions: &'a [usize],
        cr_lines: bool,
        delim: u8,
    ) -> CsvParser<'a> {
        CsvParser {
            nfields,
            positions,
            bounds: Vec::with_capacity(nfields + 8),
            fields: Vec::with_capacity(positions.len()),
            slow: Slow::new(delim),
            saw_quote: false,
            cr_lines,
            delim,
        }
    }
}

/// The bad-row message for a record with the wrong number of fields.
#[cold]
fn wrong_count(expected: usize, found: usize) -> String {
    format!("expected {expected} fields, found {found}")
}

/// Bit `i` set for each byte `i` of a 64-byte block that is the delimiter, `\n`,
/// and >= 0x80.
#[inline(always)]
fn block_masks(block: &[u8], comma: u8x16) -> (u64, u64, u64) {
    let newline = u8x16::splat(b'\n');
    let (mut c, mut n, mut h) = (0u64, 0u64, 0u64);
    for (k, part) in block.chunks_exact(16).take(4).enumerate() {
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(part);
        let v = u8x16::new(bytes);
        let shift = 16 * k;
        c |= u64::from(v.simd_eq(comma).to_bitmask() as u16) << shift;
        n |= u64::from(v.simd_eq(newline).to_bitmask() as u16) << shift;
        h |= u64::from(v.to_bitmask() as u16) << shift;
    }
    (c, n, h)
}

/// The unquoted-line fast path over one block.
struct Lines<'d, 'p> {
    data: &'d [u8],
    out: Vec<&'d [u8]>,
    /// Field bounds of the current line: `bounds[k + 1]` is the position of its
    /// comma `k` (the line's end once it is complete), `bounds[0]` the position
    /// before the line, so that field `k` is `bounds[k] + 1..bounds[k + 1]`. As
    /// many as the requested fields need (further commas are only counted).
    bounds: Vec<usize>,
    /// Commas of the current line.
    ncommas: usize,
    positions: &'p [usize],
    nfields: usize,
    /// Start of the current record.
    rec: usize,
    /// The field separator.
    delim: u8,
}

impl<'d> Lines<'d, '_> {
    #[inline(always)]
    fn comma(&mut self, p: usize) {
        if let Some(c) = self.bounds.get_mut(self.ncommas + 1) {
            *c = p;
        }
        self.ncommas += 1;
    }

    /// Ends the line whose content is `data[rec..end]` (a newline follows it).
    #[inline(always)]
    fn finish<S: RowSink>(
        &mut self,
        end: usize,
        non_ascii: bool,
        line: u64,
        ctx: &mut Ctx<'_>,
        sink: &mut S,
    ) -> Result<(), ScanError> {
        let (rec, data) = (self.rec, self.data);
        let ncommas = std::mem::take(&mut self.ncommas);
        let end = if end > rec && data[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        if end == rec && ncommas == 0 {
            return Ok(()); // a blank line
        }
        let found = ncommas + 1;
        if found != self.nfields {
            return ctx.bad(line, None, wrong_count(self.nfields, found));
        }
        let bounds = &mut self.bounds;
        bounds[0] = rec.wrapping_sub(1);
        if let Some(b) = bounds.get_mut(found) {
            *b = end;
        }
        for (slot, &p) in self.out.iter_mut().zip(self.positions) {
            *slot = &data[bounds[p].wrapping_add(1)..bounds[p + 1]];
        }
        ctx.emit(sink, line, &self.out, non_ascii)
    }

    /// Splits every line that ends in `data[from..limit]` (which holds no quote)
    /// and hands it to the sink; the commas of the unfinished line stay.
    ///
    /// 64 bytes at a time: masks of commas, newlines and non-ASCII bytes, whose
    /// separators are then taken in order. A line is checked
    /// for UTF-8 if a block it touches holds a non-ASCII byte.
    #[inline(always)]
    fn region<S: RowSink>(
        &mut self,
        from: usize,
        limit: usize,
        line: &mut u64,
        ctx: &mut Ctx<'_>,
        sink: &mut S,
    ) -> Result<(), ScanError> {
        let data = self.data;
        let mut i = from;
        // Whether the current line touched a block with a non-ASCII byte.
        let mut high = false;
        let delim = u8x16::splat(self.delim);
        while i + 64 <= limit {
            let (commas, newlines, h) = block_masks(&data[i..i + 64], delim);
            let block_high = h != 0;
            // One loop over all separators in order (its trip count varies less
            // than those of separate comma and newline loops would).
            let mut seps = commas | newlines;
            while seps != 0 {
                let bit = seps.trailing_zeros();
                seps &= seps - 1;
                let p = i + bit as usize;
                if newlines >> bit & 1 != 0 {
                    self.finish(p, high || block_high, *line, ctx, sink)?;
                    *line += 1;
                    self.rec = p + 1;
                    high = block_high;
                } else {
                    self.comma(p);
                }
            }
            high |= block_high;
            i += 64;
        }
        for (p, &b) in data.iter().enumerate().take(limit).skip(i) {
            high |= b >= 0x80;
            if b == self.delim {
                self.comma(p);
            } else if b == b'\n' {
                self.finish(p, high, *line, ctx, sink)?;
                *line += 1;
                self.rec = p + 1;
                high = false;
            }
        }
        Ok(())
    }
}

impl Parser for CsvParser<'_> {
    fn parse<S: RowSink>(
        &mut self,
        data: &[u8],
        eof: bool,
        line: &mut u64,
        ctx: &mut Ctx<'_>,
        sink: &mut S,
    ) -> Result<usize, ScanError> {
        let mut out: Vec<&[u8]> = recycle(std::mem::take(&mut self.fields));
        out.resize(self.positions.len(), &[]);
        let mut bounds = std::mem::take(&mut self.bounds);
        bounds.resize(self.positions.iter().max().map_or(1, |&p| p + 2), 0);
        let mut lines = Lines {
            data,
            out,
            bounds,
            ncommas: 0,
            positions: self.positions,
            nfields: self.nfields,
            rec: 0,
            delim: self.delim,
        };
        let res = self.parse_lines(&mut lines, eof, line, ctx, sink);
        self.bounds = std::mem::take(&mut lines.bounds);
        self.fields = recycle(lines.out);
        res
    }

    fn may_span(&self) -> bool {
        self.saw_quote
    }
}

impl CsvParser<'_> {
    fn parse_lines<S: RowSink>(
        &mut self,
        lines: &mut Lines<'_, '_>,
        eof: bool,
        line: &mut u64,
        ctx: &mut Ctx<'_>,
        sink: &mut S,
    ) -> Result<usize, ScanError> {
        let data = lines.data;
        loop {
            let from = lines.rec;
            let quote = if self.cr_lines {
                from
            } else {
                memchr::memchr(b'"', &data[from..]).map_or(data.len(), |k| from + k)
            };
            lines.region(from, quote, line, ctx, sink)?;
            if quote == data.len() {
                break;
            }
            // The record from `rec` holds a quote (or all do, with `cr_lines`):
            // csv-core parses it.
            self.saw_quote = true;
            lines.ncommas = 0;
            let rec = lines.rec;
            let Some((len, found)) = self.slow.record(&data[rec..], eof) else {
                return Ok(rec);
            };
            let len = len.max(1);
            let raw = &data[rec..(rec + len).min(data.len())];
            let end_of_line = if self.cr_lines { b'\r' } else { b'\n' };
            let count = |bytes: &[u8]| memchr::memchr_iter(end_of_line, bytes).count() as u64;
            // csv-core skips blank lines before a record.
            let blank = raw
                .iter()
                .take_while(|&&b| b == b'\r' || b == b'\n')
                .count();
            let record_line = *line + count(&raw[..blank]);
            *line += count(raw);
            lines.rec = rec + raw.len();
            if found == 0 {
                continue; // only blank lines were left
            }
            if found != self.nfields {
                ctx.bad(record_line, None, wrong_count(self.nfields, found))?;
                continue;
            }
            let mut slow_out: Vec<&[u8]> = recycle(std::mem::take(&mut lines.out));
            let (bytes, ends) = (&self.slow.out, &self.slow.ends);
            for &p in self.positions {
                let s = if p == 0 { 0 } else { ends[p - 1] };
                slow_out.push(&bytes[s..ends[p]]);
            }
            let res = ctx.emit(sink, record_line, &slow_out, !raw.is_ascii());
            lines.out = recycle(slow_out);
            lines.out.resize(self.positions.len(), &[]);
            res?;
        }
        if eof && lines.rec < data.len() {
            // A last line without a newline.
            let non_ascii = !data[lines.rec..].is_ascii();
            lines.finish(data.len(), non_ascii, *line, ctx, sink)?;
            lines.rec = data.len();
        }
        Ok(lines.rec)
    }
}

/// Reads the header record on line `header_line` (1-based; the lines before it
/// are skipped whatever they hold): column names, where the data starts and its
/// line.
pub(crate) fn read_header(
    path: &Path,
    input: Input<'_>,
    delim: u8,
    header_line: u64,
) -> Result<Header, ScanError> {
    let mut src = Source::open(path, input, 0)?;
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    let mut slow = Slow::new(delim);
    loop {
        let n = src.read(path, &mut chunk)?;
        buf.extend_from_slice(&chunk[..n]);
        let eof = n == 0;
        if buf.starts_with(b"\xFF\xFE") || buf.starts_with(b"\xFE\xFF") {
            return Err(ScanError::Encoding {
                path: path.to_path_buf(),
                line: 1,
                message: "the file is UTF-16 encoded; add `encoding \"utf-16le\"` (or `utf-16be`) to the source, or save it as UTF-8".to_string(),
            });
        }
        let bom = if buf.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        if buf.len() < 3 && !eof {
            continue;
        }
        // The lines before the header line.
        let mut before = bom;
        let mut skipped = 0;
        while skipped + 1 < header_line {
            match memchr::memchr(b'\n', &buf[before..]) {
                Some(k) => {
                    before += k + 1;
                    skipped += 1;
                }
                None => break,
            }
        }
        if skipped + 1 < header_line {
            if eof {
                return Err(ScanError::BadRow {
                    path: path.to_path_buf(),
                    line: skipped + 1,
                    column: None,
                    field_index: None,
                    message: format!(
                        "the header is line {header_line}, but the file has only {} lines",
                        skipped + u64::from(buf.len() > before)
                    ),
                });
            }
            continue;
        }
        // Blank lines before the header are skipped, like blank lines anywhere.
        let skip = buf[before..]
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .count();
        let rest = &buf[before + skip..];
        if rest.is_empty() && eof {
            let lines = memchr::memchr_iter(b'\n', &buf).count() as u64;
            return Ok(Header {
                names: Vec::new(),
                data_start: buf.len() as u64,
                first_line: 1 + lines,
                cr_lines: false,
                delimiter: delim,
            });
        }
        let Some((len, nfields)) = slow.record(rest, eof) else {
            continue;
        };
        let mut names = Vec::with_capacity(nfields);
        for k in 0..nfields {
            let s = if k == 0 { 0 } else { slow.ends[k - 1] };
            let name = std::str::from_utf8(&slow.out[s..slow.ends[k]]).map_err(|_| {
                ScanError::Encoding {
                    path: path.to_path_buf(),
                    line: 1,
                    message: format!("header field {} is not valid UTF-8", k + 1),
                }
            })?;
            names.push(name.to_string());
        }
        let data_start = before + skip + len;
        let cr_lines =
            data_start > 0 && buf[data_start - 1] == b'\r' && buf.get(data_start) != Some(&b'\n');
        if cr_lines && !eof && data_start == buf.len() {
            continue; // is a `\n` next?
        }
        let end_of_line = if cr_lines { b'\r' } else { b'\n' };
        let lines = memchr::memchr_iter(end_of_line, &buf[..data_start]).count() as u64;
        return Ok(Header {
            names,
            data_start: data_start as u64,
            first_line: 1 + lines,
            cr_lines,
            delimiter: delim,
        });
    }
}
