//! Scans whose sinks do not care about row order: the file is cut into many
//! chunks ("morsels") that the threads take in turn, each thread feeding one sink.
//!
//! A thread that runs slower (a busy core, a slow chunk) simply takes fewer
//! chunks, so all threads finish together, and no chunk needs the line count of
//! the ones before it: each chunk is parsed with lines counted from 0, and the
//! line of a bad row is made a file line afterwards, from the chunks' own counts.
//! A chunk that meets a quote may hold the start of a record spanning its end,
//! so the scan then starts over on one thread ([`super::chunk::run`]), which
//! reads quoted files correctly.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::chunk::{self, Ctx, Input, Range, Source, PARALLEL_MIN_BYTES};
use super::scan::{Format, Header, RowSink, ScanError, ScanReport, ScanSpec, MAX_REMEMBERED_SKIPS};

/// Chunks per thread: enough for a slow thread to fall behind by only a few.
const CHUNKS_PER_THREAD: u64 = 32;
/// The smallest chunk worth a start of its own.
const MIN_CHUNK: u64 = 4 << 20;

/// What one chunk produced: its index, its lines (line breaks read), its report
/// and error with chunk-relative lines.
struct Done {
    chunk: usize,
    lines: u64,
    report: ScanReport,
    error: Option<ScanError>,
}

/// Scans the data of `head` on `spec.threads` threads, one sink per thread, rows
/// in no particular order; reports and errors carry file lines.
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
    let threads = spec.threads.clamp(1, 64);
    if threads < 2 || total - start < PARALLEL_MIN_BYTES || head.cr_lines || input.is_stream() {
        return chunk::run(spec, input, format, head, positions, make_sink);
    }
    let bounds = bounds(path, input, start, total, threads)?;
    let n = bounds.len() - 1;

    let next = AtomicUsize::new(0);
    let quoted = AtomicBool::new(false);
    let first_error = AtomicUsize::new(usize::MAX);
    let work = || -> (S, Vec<Done>) {
        let mut sink = make_sink();
        let mut done = Vec::new();
        loop {
            let k = next.fetch_add(1, Ordering::SeqCst);
            if k >= n || quoted.load(Ordering::Relaxed) || first_error.load(Ordering::Relaxed) < k {
                break;
            }
            let mut ctx = Ctx {
                path,
                columns: &spec.columns,
                positions,
                skip: spec.skip_bad_rows,
                report: ScanReport::default(),
            };
            let stop = || quoted.load(Ordering::Relaxed) || first_error.load(Ordering::Relaxed) < k;
            let (a, b) = (bounds[k], bounds[k + 1]);
            sink.begin_chunk(k);
            // `total` = `b`: a chunk never reads past its end; a quote sends the
            // whole scan to one thread instead.
            let range = Range {
                format,
                input,
                a,
                b,
                total: b,
                line: 0,
                cr_lines: false,
            };
            let (res, spans) =
                chunk::parse_range(spec, head, positions, &range, &mut ctx, &mut sink, &stop);
            if spans {
                quoted.store(true, Ordering::SeqCst);
                break;
            }
            let (lines, error) = match res {
                Ok(lines) => (lines, None),
                Err(e) => {
                    first_error.fetch_min(k, Ordering::SeqCst);
                    (0, Some(e))
                }
            };
            done.push(Done {
                chunk: k,
                lines,
                report: ctx.report,
                error,
            });
        }
        (sink, done)
    };
    let outs: Vec<(S, Vec<Done>)> = chunk::on_threads(threads, |_| work());
    if quoted.load(Ordering::SeqCst) {
        return chunk::run(spec, input, format, head, positions, make_sink);
    }
    let mut sinks = Vec::with_capacity(outs.len());
    let mut chunks: Vec<Done> = Vec::with_capacity(n);
    for (sink, done) in outs {
        sinks.push(sink);
        chunks.extend(done);
    }
    let report = file_report(chunks, head.first_line, total)?;
    Ok((sinks, report))
}

/// The chunk bounds: `start`, line starts about every `size` bytes (about
/// [`CHUNKS_PER_THREAD`] chunks per thread, none smaller than [`MIN_CHUNK`]), `total`.
fn bounds(
    path: &std::path::Path,
    input: Input<'_>,
    start: u64,
    total: u64,
    threads: usize,
) -> Result<Vec<u64>, ScanError> {
    let size = ((total - start) / (threads as u64 * CHUNKS_PER_THREAD)).max(MIN_CHUNK);
    let mut bounds = vec![start];
    let mut at = start + size;
    while at < total {
        let b = chunk::line_start_after(path, input, at, total)?;
        if b >= total {
            break;
        }
        if b > *bounds.last().unwrap_or(&start) {
            bounds.push(b);
        }
        at = b.max(at) + size;
    }
    bounds.push(total);
    Ok(bounds)
}

/// The scan's report from the chunks' own (chunk-relative lines made file lines,
/// chunks in file order), or the first chunk's error.
fn file_report(
    mut chunks: Vec<Done>,
    first_line: u64,
    total: u64,
) -> Result<ScanReport, ScanError> {
    chunks.sort_by_key(|d| d.chunk);
    let mut report = ScanReport {
        bytes: total,
        ..ScanReport::default()
    };
    let mut base = first_line;
    for (i, d) in chunks.into_iter().enumerate() {
        debug_assert_eq!(i, d.chunk, "every chunk up to the first error ran");
        if let Some(mut e) = d.error {
            shift(&mut e, base);
            return Err(e);
        }
        report.rows += d.report.rows;
        report.skipped += d.report.skipped;
        for (line, why) in d.report.first_skipped {
            if report.first_skipped.len() < MAX_REMEMBERED_SKIPS {
                report.first_skipped.push((line + base, why));
            }
        }
        base += d.lines;
    }
    Ok(report)
}

/// Makes the chunk-relative line of an error a file line.
fn shift(e: &mut ScanError, base: u64) {
    match e {
        ScanError::BadRow { line, .. } | ScanError::Encoding { line, .. } => *line += base,
        ScanError::Io { .. }
        | ScanError::MissingColumns { .. }
        | ScanError::BadCell { .. }
        | ScanError::Layout { .. } => {}
    }
}
