//! Block reading and parallel chunking shared by the CSV and NDJSON readers.
//!
//! A chunk is a byte range of the input that starts at a record start. [`drive`]
//! reads it in large blocks into one reused buffer, hands complete records to a
//! [`Parser`] and carries a partial record over to the next block.
//!
//! With several threads, [`run`] cuts the data at line starts. A CSV line start
//! is a record start only if no quoted field spans it, so: thread `t >= 1` first
//! counts the newlines of chunk `t - 1` (its line numbers need them) and looks for
//! `"` in it; a chunk is parsed only if no earlier chunk holds a quote. The first
//! chunk that holds a quote is parsed on past its end to the end of the file by
//! its own thread, so quoted files end up read by one thread, correctly. NDJSON
//! lines never contain raw newlines, so its chunks are always independent.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};

use super::scan::{Format, Header, RowSink, ScanError, ScanReport, ScanSpec, MAX_REMEMBERED_SKIPS};
use super::{csv, ndjson};

/// Bytes read per block (211 in unit tests, so that records straddle blocks and
/// the CSV reader's 64-byte steps).
pub(crate) const BLOCK: usize = if cfg!(test) { 211 } else { 1 << 20 };
/// The longest record the buffer grows to hold (4 KiB in unit tests); past it a
/// quote was most likely left open, and the scan fails instead of reading the
/// rest of the file into memory.
pub(crate) const MAX_RECORD: usize = if cfg!(test) { 4 << 10 } else { 64 << 20 };
/// Below this much data a scan stays on one thread.
pub(crate) const PARALLEL_MIN_BYTES: u64 = 32 << 20;

/// Where the data comes from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Input<'a> {
    Path(&'a Path),
    Bytes(&'a [u8]),
    /// A compressed or re-encoded file: read from the start, never seeked.
    Stream(&'a super::stream::Stream),
}

impl Input<'_> {
    /// Whether the input can only be read from its start, by one thread.
    pub(crate) fn is_stream(&self) -> bool {
        matches!(self, Input::Stream(_))
    }
}

/// A sequential reader over an [`Input`] from some offset.
pub(crate) enum Source<'a> {
    File(File),
    Bytes(&'a [u8]),
    Stream(Box<dyn Read + Send>),
}

impl<'a> Source<'a> {
    pub(crate) fn open(path: &Path, input: Input<'a>, at: u64) -> Result<Source<'a>, ScanError> {
        match input {
            Input::Path(p) => {
                let mut f = File::open(p).map_err(|e| ScanError::io(path, &e))?;
                if at > 0 {
                    f.seek(SeekFrom::Start(at))
                        .map_err(|e| ScanError::io(path, &e))?;
                }
                Ok(Source::File(f))
            }
            Input::Bytes(b) => {
                let at = usize::try_from(at).unwrap_or(usize::MAX).min(b.len());
                Ok(Source::Bytes(&b[at..]))
            }
            Input::Stream(st) => {
                // Decode ahead on another thread only for a whole scan, not to
                // read a header.
                let mut r = st.open(at > 0).map_err(|e| ScanError::io(path, &e))?;
                let skipped = std::io::copy(&mut r.by_ref().take(at), &mut std::io::sink())
                    .map_err(|e| ScanError::io(path, &e))?;
                if skipped < at {
                    return Ok(Source::Bytes(&[]));
                }
                Ok(Source::Stream(r))
            }
        }
    }

    /// Reads up to `buf.len()` bytes; 0 at the end.
    pub(crate) fn read(&mut self, path: &Path, buf: &mut [u8]) -> Result<usize, ScanError> {
        match self {
            Source::File(f) => loop {
                match f.read(buf) {
                    Ok(n) => {
                        super::progress::add(n as u64);
                        return Ok(n);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(ScanError::io(path, &e)),
                }
            },
            // The stream counts its file's bytes itself (stream.rs).
            Source::Stream(r) => loop {
                match r.read(buf) {
                    Ok(n) => return Ok(n),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(ScanError::io(path, &e)),
                }
            },
            Source::Bytes(b) => {
                let n = buf.len().min(b.len());
                buf[..n].copy_from_slice(&b[..n]);
                *b = &b[n..];
                Ok(n)
            }
        }
    }

    /// Total length of the input.
    pub(crate) fn len(path: &Path, input: Input<'_>) -> Result<u64, ScanError> {
        match input {
            Input::Path(p) => std::fs::metadata(p)
                .map(|m| m.len())
                .map_err(|e| ScanError::io(path, &e)),
            Input::Bytes(b) => Ok(b.len() as u64),
            // Unknown until read: the reader stops at the stream's end.
            Input::Stream(_) => Ok(u64::MAX),
        }
    }
}

/// Up to `n` bytes from the start of the input.
pub(crate) fn read_prefix(path: &Path, input: Input<'_>, n: usize) -> Result<Vec<u8>, ScanError> {
    let mut src = Source::open(path, input, 0)?;
    let mut buf = vec![0; n];
    let mut filled = 0;
    while filled < n {
        let k = src.read(path, &mut buf[filled..])?;
        if k == 0 {
            break;
        }
        filled += k;
    }
    buf.truncate(filled);
    Ok(buf)
}

/// What a parser needs to report rows: the spec's columns and how bad rows go.
pub(crate) struct Ctx<'a> {
    pub path: &'a Path,
    pub columns: &'a [String],
    /// Position in the file's header of each requested column.
    pub positions: &'a [usize],
    pub skip: bool,
    pub report: ScanReport,
}

impl Ctx<'_> {
    /// Records a bad row: an error, or in skip mode a count and a reason.
    #[cold]
    pub(crate) fn bad(
        &mut self,
        line: u64,
        field: Option<usize>,
        message: String,
    ) -> Result<(), ScanError> {
        let field = field.filter(|&f| f < self.columns.len());
        if self.skip {
            self.report.skipped += 1;
            if self.report.first_skipped.len() < MAX_REMEMBERED_SKIPS {
                let why = match field {
                    Some(f) => format!("column `{}`: {message}", self.columns[f]),
                    None => message,
                };
                self.report.first_skipped.push((line, why));
            }
            return Ok(());
        }
        Err(ScanError::BadRow {
            path: self.path.to_path_buf(),
            line,
            column: field.map(|f| self.columns[f].clone()),
            field_index: field.map(|f| self.positions[f] + 1),
            message,
        })
    }

    /// Hands one row to the sink (checking UTF-8 first if asked to).
    #[inline(always)]
    pub(crate) fn emit<S: RowSink>(
        &mut self,
        sink: &mut S,
        line: u64,
        fields: &[&[u8]],
        check_utf8: bool,
    ) -> Result<(), ScanError> {
        if check_utf8 {
            if let Some(j) = fields.iter().position(|f| std::str::from_utf8(f).is_err()) {
                return self.bad(line, Some(j), invalid_utf8(fields[j]));
            }
        }
        match sink.row(line, fields) {
            Ok(()) => {
                self.report.rows += 1;
                Ok(())
            }
            Err(b) => self.bad(line, b.field, b.message),
        }
    }
}

/// The message for a field that is not UTF-8, with the encoding it most likely
/// is in (an export from Excel on Windows is Windows-1252).
#[cold]
fn invalid_utf8(field: &[u8]) -> String {
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(field);
    format!(
        "invalid UTF-8 (`{text}` if read as Windows-1252); name the file's encoding in the source: `encoding \"windows-1252\"`"
    )
}

/// A record parser over blocks of input.
pub(crate) trait Parser {
    /// Parses the complete records at the start of `data` (which starts at a
    /// record start, on line `*line`), advancing `*line`; returns the bytes
    /// consumed. With `eof`, `data` is the rest of the input and all of it is
    /// consumed.
    fn parse<S: RowSink>(
        &mut self,
        data: &[u8],
        eof: bool,
        line: &mut u64,
        ctx: &mut Ctx<'_>,
        sink: &mut S,
    ) -> Result<usize, ScanError>;

    /// Whether the chunk seen so far may hold a record that goes on past its end
    /// (CSV: it contained a quote).
    fn may_span(&self) -> bool;
}

/// 0x80 in each byte of `x` that equals the byte repeated in `pat`, else 0
/// (exact: no false positives, unlike the classic "has zero byte" test).
#[inline(always)]
pub(crate) fn eq_mask(x: u64, pat: u64) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let v = x ^ pat;
    !((v & LOW7).wrapping_add(LOW7) | v | LOW7)
}

/// An empty vector of slices that reuses `v`'s allocation for a new lifetime.
pub(crate) fn recycle<'b>(mut v: Vec<&[u8]>) -> Vec<&'b [u8]> {
    v.clear();
    v.into_iter().map(|_| -> &'b [u8] { &[] }).collect()
}

/// Parses `[start, end)` of the input (continuing to `total` if the parser says a
/// record may span the end); returns the line after the last one read.
#[allow(clippy::too_many_arguments)]
pub(crate) fn drive<P: Parser, S: RowSink>(
    input: Input<'_>,
    start: u64,
    end: u64,
    total: u64,
    line: u64,
    parser: &mut P,
    ctx: &mut Ctx<'_>,
    sink: &mut S,
    stop: &dyn Fn() -> bool,
) -> Result<u64, ScanError> {
    thread_local! {
        /// The block buffer, kept for the thread's next chunk (zeroed once, not
        /// per chunk).
        static BUFFER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
    }
    let mut buf = BUFFER.take();
    if buf.len() != BLOCK {
        buf = vec![0u8; BLOCK]; // first use, or grown for a long record
    }
    let res = drive_in(
        &mut buf, input, start, end, total, line, parser, ctx, sink, stop,
    );
    BUFFER.set(buf);
    res
}

/// [`drive`] with the block buffer `buf` (`BLOCK` bytes, contents irrelevant).
#[allow(clippy::too_many_arguments)]
fn drive_in<P: Parser, S: RowSink>(
    buf: &mut Vec<u8>,
    input: Input<'_>,
    start: u64,
    mut end: u64,
    mut total: u64,
    mut line: u64,
    parser: &mut P,
    ctx: &mut Ctx<'_>,
    sink: &mut S,
    stop: &dyn Fn() -> bool,
) -> Result<u64, ScanError> {
    let path = ctx.path;
    let mut src = Source::open(path, input, start)?;
    let mut pos = start;
    let mut filled = 0;
    loop {
        while filled < buf.len() && pos < end {
            let want = (buf.len() - filled).min(usize::try_from(end - pos).unwrap_or(usize::MAX));
            let n = src.read(path, &mut buf[filled..filled + want])?;
            if n == 0 {
                // The input ended (a stream's length is unknown; a file shrank).
                end = pos;
                total = pos;
                break;
            }
            filled += n;
            pos += n as u64;
        }
        let at_end = pos >= end;
        let used = parser.parse(&buf[..filled], false, &mut line, ctx, sink)?;
        buf.copy_within(used..filled, 0);
        filled -= used;
        if at_end {
            if end < total && parser.may_span() {
                end = total;
                continue;
            }
            parser.parse(&buf[..filled], true, &mut line, ctx, sink)?;
            return Ok(line);
        }
        if filled == buf.len() {
            // One record larger than the buffer.
            if buf.len() >= MAX_RECORD {
                return Err(ScanError::BadRow {
                    path: path.to_path_buf(),
                    line,
                    column: None,
                    field_index: None,
                    message: format!(
                        "a record longer than {} KiB; is a quote left open?",
                        MAX_RECORD >> 10
                    ),
                });
            }
            buf.resize(buf.len() * 2, 0);
        }
        if stop() {
            return Ok(line);
        }
    }
}

/// Newlines in `[start, end)` and whether a `"` occurs there.
fn count_range(
    path: &Path,
    input: Input<'_>,
    start: u64,
    end: u64,
    buf: &mut [u8],
) -> Result<(u64, bool), ScanError> {
    let mut src = Source::open(path, input, start)?;
    let (mut pos, mut lines, mut quote) = (start, 0u64, false);
    while pos < end {
        let want = buf
            .len()
            .min(usize::try_from(end - pos).unwrap_or(usize::MAX));
        let n = src.read(path, &mut buf[..want])?;
        if n == 0 {
            break;
        }
        let block = &buf[..n];
        lines += memchr::memchr_iter(b'\n', block).count() as u64;
        quote = quote || memchr::memchr(b'"', block).is_some();
        pos += n as u64;
    }
    Ok((lines, quote))
}

/// The start of the first line that begins at or after `at`, or `total`.
pub(crate) fn line_start_after(
    path: &Path,
    input: Input<'_>,
    at: u64,
    total: u64,
) -> Result<u64, ScanError> {
    let mut src = Source::open(path, input, at.saturating_sub(1))?;
    let mut pos = at.saturating_sub(1);
    let mut buf = vec![0u8; 64 << 10];
    while pos < total {
        let n = src.read(path, &mut buf)?;
        if n == 0 {
            break;
        }
        if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
            return Ok(pos + i as u64 + 1);
        }
        pos += n as u64;
    }
    Ok(total)
}

/// Time to count a chunk's newlines relative to parsing it (a guess on the low
/// side: the engine's sinks make parsing slower than in the benchmarks).
const COUNT_COST: f64 = 0.1;

/// Relative chunk sizes for `k` threads such that all finish together: thread
/// `t >= 1` first counts chunk `t - 1`, then parses chunk `t`.
fn chunk_weights(k: usize) -> Vec<f64> {
    let mut w = vec![1.0];
    for t in 1..k {
        w.push(1.0 - COUNT_COST * w[t - 1]);
    }
    w
}

/// What one chunk's thread produced.
struct ChunkOut<S> {
    sink: Option<S>,
    report: ScanReport,
    error: Option<ScanError>,
}

/// Counts of finished chunks: (newlines, holds a quote), or `None` = failed.
type Counts = Mutex<Vec<Option<Option<(u64, bool)>>>>;

/// The chunks' counts and the signal that one more is in.
struct Counting {
    counts: Counts,
    cv: Condvar,
}

/// Where a chunk is and how to read it: the format, the input, its bytes `a..b` (reading never
/// goes past `total`), the file line it starts on, and whether lines end in CRLF.
pub(crate) struct Range<'a> {
    pub format: Format,
    pub input: Input<'a>,
    pub a: u64,
    pub b: u64,
    pub total: u64,
    pub line: u64,
    pub cr_lines: bool,
}

/// Parse one chunk with the format's parser into `sink`: the lines read (or the
/// error), and whether a record may span the chunk's end (a CSV quote was seen).
pub(crate) fn parse_range<S: RowSink>(
    spec: &ScanSpec,
    head: &Header,
    positions: &[usize],
    r: &Range<'_>,
    ctx: &mut Ctx<'_>,
    sink: &mut S,
    stop: &dyn Fn() -> bool,
) -> (Result<u64, ScanError>, bool) {
    match r.format {
        Format::Csv => {
            let mut p =
                csv::CsvParser::new(head.names.len(), positions, r.cr_lines, head.delimiter);
            let res = drive(r.input, r.a, r.b, r.total, r.line, &mut p, ctx, sink, stop);
            (res, Parser::may_span(&p))
        }
        Format::Ndjson => {
            let mut p = ndjson::NdjsonParser::new(&spec.columns, &head.names, positions);
            let res = drive(r.input, r.a, r.b, r.total, r.line, &mut p, ctx, sink, stop);
            (res, false)
        }
        // Read by their own readers, never in byte ranges.
        Format::Xlsx | Format::Parquet => (
            Err(ScanError::Io {
                path: ctx.path.to_path_buf(),
                message: format!("{} files are not read line by line", r.format.name()),
            }),
            false,
        ),
    }
}

/// `work(t)` for every `t` in `0..n`, `t = 0` on this thread and the others on
/// their own; the results in `t` order (a panic is passed on).
pub(crate) fn on_threads<T: Send>(n: usize, work: impl Fn(usize) -> T + Sync) -> Vec<T> {
    if n <= 1 {
        return (0..n).map(&work).collect();
    }
    let work = &work;
    std::thread::scope(|s| {
        let handles: Vec<_> = (1..n).map(|t| s.spawn(move || work(t))).collect();
        let mut outs = vec![work(0)];
        for h in handles {
            match h.join() {
                Ok(o) => outs.push(o),
                Err(p) => std::panic::resume_unwind(p),
            }
        }
        outs
    })
}

/// The file line chunk `t` starts on: after counting the newlines of chunk `t - 1`
/// (and saying whether it holds a quote) for the others, wait for the counts of
/// every earlier chunk. `Ok(None)`: this chunk is not to be parsed here (an earlier
/// count failed, or an earlier CSV chunk holds a quote and its thread reads on).
fn chunk_line(
    t: usize,
    path: &Path,
    input: Input<'_>,
    bounds: &[u64],
    first_line: u64,
    csv: bool,
    counting: &Counting,
) -> Result<Option<u64>, ScanError> {
    let (counts, cv) = (&counting.counts, &counting.cv);
    if t == 0 {
        return Ok(Some(first_line));
    }
    let mut buf = vec![0u8; 256 << 10];
    let counted = count_range(path, input, bounds[t - 1], bounds[t], &mut buf);
    let mut guard = counts.lock().unwrap_or_else(|e| e.into_inner());
    guard[t - 1] = Some(counted.as_ref().ok().copied());
    cv.notify_all();
    while guard[..t].iter().any(Option::is_none) {
        guard = cv.wait(guard).unwrap_or_else(|e| e.into_inner());
    }
    let before: Vec<Option<(u64, bool)>> = guard[..t].iter().map(|c| c.flatten()).collect();
    drop(guard);
    counted?;
    let mut sum = 0;
    for c in before {
        match c {
            // An earlier count failed: the thread that counted reports it.
            None => return Ok(None),
            // A quote earlier: an earlier thread reads this chunk.
            Some((_, true)) if csv => return Ok(None),
            Some((lines, _)) => sum += lines,
        }
    }
    Ok(Some(first_line + sum))
}

/// Scans the data of `head` with as many threads as the spec allows and the size
/// justifies; merges the reports in file order.
pub(crate) fn run<S: RowSink, F: Fn() -> S + Sync>(
    spec: &ScanSpec,
    input: Input<'_>,
    format: Format,
    head: &Header,
    positions: &[usize],
    make_sink: F,
) -> Result<(Vec<S>, ScanReport), ScanError> {
    let path = spec.path.as_path();
    let total = Source::len(path, input)?;
    let start = head.data_start.min(total);
    let mut bounds = vec![start];
    let parallel = !input.is_stream() && !head.cr_lines;
    if spec.threads >= 2 && total - start >= PARALLEL_MIN_BYTES && parallel {
        let weights = chunk_weights(spec.threads.min(64));
        let sum: f64 = weights.iter().sum();
        let mut acc = 0.0;
        for w in &weights[..weights.len() - 1] {
            acc += w / sum;
            let at = start + ((total - start) as f64 * acc) as u64;
            let b = line_start_after(path, input, at, total)?;
            if b > *bounds.last().unwrap_or(&start) && b < total {
                bounds.push(b);
            }
        }
    }
    bounds.push(total);
    let n = bounds.len() - 1;
    let counting = Counting {
        counts: Mutex::new(vec![None; n]),
        cv: Condvar::new(),
    };
    let first_error = AtomicUsize::new(usize::MAX);

    let one = |t: usize| -> ChunkOut<S> {
        let mut ctx = Ctx {
            path,
            columns: &spec.columns,
            positions,
            skip: spec.skip_bad_rows,
            report: ScanReport::default(),
        };
        let skipped = |report| ChunkOut {
            sink: None,
            report,
            error: None,
        };
        let fail = |error: ScanError, report: ScanReport| {
            first_error.fetch_min(t, Ordering::SeqCst);
            ChunkOut {
                sink: None,
                report,
                error: Some(error),
            }
        };
        let csv = format == Format::Csv;
        let line = match chunk_line(t, path, input, &bounds, head.first_line, csv, &counting) {
            Ok(Some(line)) => line,
            Ok(None) => return skipped(ctx.report),
            Err(e) => return fail(e, ctx.report),
        };
        let stop = || first_error.load(Ordering::Relaxed) < t;
        if stop() {
            return skipped(ctx.report);
        }
        let mut sink = make_sink();
        let range = Range {
            format,
            input,
            a: bounds[t],
            b: bounds[t + 1],
            total,
            line,
            cr_lines: head.cr_lines,
        };
        match parse_range(spec, head, positions, &range, &mut ctx, &mut sink, &stop).0 {
            Ok(_) => ChunkOut {
                sink: Some(sink),
                report: ctx.report,
                error: None,
            },
            Err(e) => fail(e, ctx.report),
        }
    };
    let outs: Vec<ChunkOut<S>> = on_threads(n, one);

    let mut sinks = Vec::with_capacity(n);
    let mut report = ScanReport {
        bytes: total,
        ..ScanReport::default()
    };
    for out in outs {
        if let Some(e) = out.error {
            return Err(e);
        }
        report.merge(out.report);
        sinks.extend(out.sink);
    }
    Ok((sinks, report))
}
