//! The CSV reader: a fast path for unquoted lines and csv-core for the rest.
//!
//! One pass of `memchr3` over the block finds every `,`, `\n` and `"`. A line
//! without a quote is split at its commas right there (a trailing `\r` is
//! dropped); a record that contains a quote is handed to `csv_core`, which
//! handles quoted commas, doubled quotes and embedded newlines, and the fast path
//! resumes after it. Blank lines are not records. A record with the wrong number
//! of fields, and a non-UTF-8 field, are bad rows.

use std::path::Path;

use csv_core::{ReadRecordResult, Reader};

use super::chunk::{recycle, Ctx, Input, Parser, Source};
use super::scan::{Header, RowSink, ScanError};

/// The CSV record parser of one chunk.
pub(crate) struct CsvParser<'a> {
    nfields: usize,
    positions: &'a [usize],
    /// Positions of the commas of the current line.
    commas: Vec<usize>,
    /// Reused storage for the per-call vector of field slices.
    fields: Vec<&'static [u8]>,
    slow: Slow,
    saw_quote: bool,
}

/// csv-core state for records with quotes.
struct Slow {
    core: Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
}

impl Slow {
    fn new() -> Slow {
        Slow {
            core: Reader::new(),
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
                ReadRecordResult::Record | ReadRecordResult::End => return Some((nin, nend)),
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
    pub(crate) fn new(nfields: usize, positions: &'a [usize]) -> CsvParser<'a> {
        CsvParser {
            nfields,
            positions,
            commas: Vec::with_capacity(nfields + 8),
            fields: Vec::with_capacity(positions.len()),
            slow: Slow::new(),
            saw_quote: false,
        }
    }
}

/// The bad-row message for a record with the wrong number of fields.
fn wrong_count(expected: usize, found: usize) -> String {
    format!("expected {expected} fields, found {found}")
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
        let check_utf8 = !data.is_ascii();
        let mut out: Vec<&[u8]> = recycle(std::mem::take(&mut self.fields));
        out.resize(self.positions.len(), &[]);
        let nfields = self.nfields;
        let positions = self.positions;
        let commas = &mut self.commas;
        commas.clear();
        let mut rec = 0;
        let mut base = 0;
        let mut it = memchr::memchr3_iter(b',', b'\n', b'"', data);
        let mut finished = false;
        loop {
            let Some(i) = it.next() else { break };
            let i = i + base;
            match data[i] {
                b',' => commas.push(i),
                b'\n' => {
                    let end = if i > rec && data[i - 1] == b'\r' { i - 1 } else { i };
                    if end > rec || !commas.is_empty() {
                        let found = commas.len() + 1;
                        if found != nfields {
                            ctx.bad(*line, None, wrong_count(nfields, found))?;
                        } else {
                            for (slot, &p) in out.iter_mut().zip(positions) {
                                let s = if p == 0 { rec } else { commas[p - 1] + 1 };
                                let e = if p < commas.len() { commas[p] } else { end };
                                *slot = &data[s..e];
                            }
                            ctx.emit(sink, *line, &out, check_utf8)?;
                        }
                        commas.clear();
                    }
                    *line += 1;
                    rec = i + 1;
                }
                _ => {
                    self.saw_quote = true;
                    let Some((len, found)) = self.slow.record(&data[rec..], eof) else {
                        finished = true;
                        break;
                    };
                    let record_line = *line;
                    *line += memchr::memchr_iter(b'\n', &data[rec..rec + len]).count() as u64;
                    if found != nfields {
                        ctx.bad(record_line, None, wrong_count(nfields, found))?;
                    } else {
                        let mut slow_out: Vec<&[u8]> = recycle(out);
                        let (bytes, ends) = (&self.slow.out, &self.slow.ends);
                        for &p in positions {
                            let s = if p == 0 { 0 } else { ends[p - 1] };
                            slow_out.push(&bytes[s..ends[p]]);
                        }
                        let res = ctx.emit(sink, record_line, &slow_out, check_utf8);
                        out = recycle(slow_out);
                        out.resize(positions.len(), &[]);
                        res?;
                    }
                    commas.clear();
                    rec += len;
                    base = rec;
                    it = memchr::memchr3_iter(b',', b'\n', b'"', &data[base..]);
                }
            }
        }
        if eof && !finished && rec < data.len() {
            // A last line without a newline (it holds no quote, or the slow
            // path would have taken it).
            let end = if data[data.len() - 1] == b'\r' { data.len() - 1 } else { data.len() };
            if end > rec || !commas.is_empty() {
                let found = commas.len() + 1;
                if found != nfields {
                    ctx.bad(*line, None, wrong_count(nfields, found))?;
                } else {
                    for (slot, &p) in out.iter_mut().zip(positions) {
                        let s = if p == 0 { rec } else { commas[p - 1] + 1 };
                        let e = if p < commas.len() { commas[p] } else { end };
                        *slot = &data[s..e];
                    }
                    ctx.emit(sink, *line, &out, check_utf8)?;
                }
            }
            rec = data.len();
        }
        self.fields = recycle(out);
        Ok(rec)
    }

    fn may_span(&self) -> bool {
        self.saw_quote
    }
}

/// Reads the header record: column names, where the data starts and its line.
pub(crate) fn read_header(path: &Path, input: Input<'_>) -> Result<Header, ScanError> {
    let mut src = Source::open(path, input, 0)?;
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    let mut slow = Slow::new();
    loop {
        let n = src.read(path, &mut chunk)?;
        buf.extend_from_slice(&chunk[..n]);
        let eof = n == 0;
        if buf.starts_with(b"\xFF\xFE") || buf.starts_with(b"\xFE\xFF") {
            return Err(ScanError::Encoding {
                path: path.to_path_buf(),
                line: 1,
                message: "the file is UTF-16 encoded; save it as UTF-8".to_string(),
            });
        }
        let bom = if buf.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        if buf.len() < 3 && !eof {
            continue;
        }
        // Blank lines before the header are skipped, like blank lines anywhere.
        let skip = buf[bom..].iter().take_while(|&&b| b == b'\n' || b == b'\r').count();
        let rest = &buf[bom + skip..];
        if rest.is_empty() && eof {
            let lines = memchr::memchr_iter(b'\n', &buf).count() as u64;
            return Ok(Header {
                names: Vec::new(),
                data_start: buf.len() as u64,
                first_line: 1 + lines,
            });
        }
        let Some((len, nfields)) = slow.record(rest, eof) else {
            continue;
        };
        let mut names = Vec::with_capacity(nfields);
        for k in 0..nfields {
            let s = if k == 0 { 0 } else { slow.ends[k - 1] };
            let name = std::str::from_utf8(&slow.out[s..slow.ends[k]]).map_err(|_| ScanError::Encoding {
                path: path.to_path_buf(),
                line: 1,
                message: format!("header field {} is not valid UTF-8", k + 1),
            })?;
            names.push(name.to_string());
        }
        let data_start = bom + skip + len;
        let lines = memchr::memchr_iter(b'\n', &buf[..data_start]).count() as u64;
        return Ok(Header {
            names,
            data_start: data_start as u64,
            first_line: 1 + lines,
        });
    }
}
