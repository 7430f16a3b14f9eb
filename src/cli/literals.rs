//! `kpi eval`: a filter literal that matches no row while the column holds the same
//! text up to case or surrounding spaces (`type == "Call"` over `call`, or `deal_won `
//! exported with a trailing space) is a warning, once per literal.
//!
//! The scan itself is untouched: after the evaluation the first 256 KiB of each file is
//! read for the filtered columns' values; only when a near miss shows there is the
//! whole file read again (just those columns) to be sure the literal matches no row.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::analyze::ingredients::{equalities, lineage};
use crate::compile::graph::{Graph, NodeId, NodeKind, Value};
use crate::data::scan::{scan_bytes_unordered, scan_unordered, BadRow, RowSink, ScanSpec};
use crate::plan::{data_path, Request};

/// How much of a file is sampled for the values of the filtered columns.
const SAMPLE_BYTES: usize = 256 << 10;
/// Distinct values kept per column (category columns have few).
const MAX_VALUES: usize = 10_000;

/// Distinct values of the scanned columns.
struct Values {
    seen: Vec<BTreeSet<Vec<u8>>>,
}

impl RowSink for Values {
    fn row(&mut self, _line: u64, fields: &[&[u8]]) -> Result<(), BadRow> {
        for (set, f) in self.seen.iter_mut().zip(fields) {
            if set.len() < MAX_VALUES && !set.contains(*f) {
                set.insert(f.to_vec());
            }
        }
        Ok(())
    }
}

fn values(
    path: &Path,
    columns: &[String],
    sample: Option<&[u8]>,
    read: &std::sync::Arc<crate::data::ReadOptions>,
) -> Option<Vec<BTreeSet<Vec<u8>>>> {
    let spec = ScanSpec {
        skip_bad_rows: true,
        read: read.clone(),
        ..ScanSpec::new(
            path.to_path_buf(),
            columns.to_vec(),
            if sample.is_some() { 1 } else { 2 },
        )
    };
    let make = || Values {
        seen: vec![BTreeSet::new(); columns.len()],
    };
    let (sinks, _) = match sample {
        Some(bytes) => scan_bytes_unordered(&spec, bytes, make).ok()?,
        None => scan_unordered(&spec, make).ok()?,
    };
    let mut all = vec![BTreeSet::new(); columns.len()];
    for s in sinks {
        for (a, b) in all.iter_mut().zip(s.seen) {
            a.extend(b);
        }
    }
    Some(all)
}

/// The first `SAMPLE_BYTES` of a file, cut after a line end; `None` for a file
/// that is not plain UTF-8 CSV or NDJSON (compressed, re-encoded, xlsx, Parquet),
/// whose sample is then the whole file if it is small.
fn head(path: &Path, read: &crate::data::ReadOptions) -> Option<Vec<u8>> {
    use crate::data::options::{format_extension, Compression};
    use std::io::Read;
    let plain = Compression::of(path) == Compression::None
        && read.encoding().is_none()
        && read.header.is_none()
        && !matches!(
            format_extension(path).as_deref(),
            Some("xlsx" | "xlsm" | "parquet" | "pq")
        );
    if !plain {
        return None;
    }
    let mut buf = Vec::new();
    std::fs::File::open(path)
        .ok()?
        .take(SAMPLE_BYTES as u64)
        .read_to_end(&mut buf)
        .ok()?;
    if buf.len() == SAMPLE_BYTES {
        let end = buf.iter().rposition(|&b| b == b'\n')? + 1;
        buf.truncate(end);
    }
    Some(buf)
}

fn same_up_to_case_and_spaces(a: &str, b: &str) -> bool {
    a != b && a.trim().eq_ignore_ascii_case(b.trim())
}

/// The warnings for the filters behind the requested metrics.
pub fn warnings(graph: &Graph, req: &Request, map: &crate::diag::SourceMap) -> Vec<String> {
    // Per source: column -> literals compared with `==`, with a metric that uses each.
    let mut wanted: BTreeMap<usize, BTreeMap<String, BTreeMap<String, String>>> = BTreeMap::new();
    let mut nodes: BTreeMap<NodeId, NodeId> = BTreeMap::new();
    for &m in &req.metrics {
        for n in lineage(graph, m) {
            nodes.entry(n).or_insert(m);
        }
    }
    for (&n, &metric) in &nodes {
        let NodeKind::Aggregate(a) = &graph.node(n).kind else {
            continue;
        };
        let Some(f) = &a.filter else { continue };
        let mut eqs = Vec::new();
        equalities(f, &mut eqs);
        for (col, v) in eqs {
            if let Value::Str(lit) = v {
                wanted
                    .entry(a.source)
                    .or_default()
                    .entry(col)
                    .or_default()
                    .entry(lit)
                    .or_insert_with(|| {
                        let m = graph.node(metric);
                        let at = crate::diag::locate(map, m.span);
                        format!("`{}` at {}:{}:{}", m.name, at.file, at.line, at.column)
                    });
            }
        }
    }
    let mut out = Vec::new();
    for (src, cols) in wanted {
        let source = &graph.sources[src];
        if req.inline.contains_key(&source.name) {
            continue;
        }
        let Ok(path) = data_path(req, source) else {
            continue;
        };
        let read = std::sync::Arc::new(source.read.clone());
        let columns: Vec<String> = cols.keys().cloned().collect();
        let sample = head(&path, &read);
        let small = std::fs::metadata(&path).is_ok_and(|m| m.len() <= SAMPLE_BYTES as u64 * 4);
        if sample.is_none() && !small {
            continue;
        }
        let Some(seen) = values(&path, &columns, sample.as_deref(), &read) else {
            continue;
        };
        // Near misses in the sample: (column index, literal, the value it nearly is).
        let mut suspects = Vec::new();
        for (i, (col, lits)) in cols.iter().enumerate() {
            for lit in lits.keys() {
                if seen[i].contains(lit.as_bytes()) {
                    continue;
                }
                let near = seen[i].iter().find_map(|v| {
                    let v = String::from_utf8_lossy(v);
                    same_up_to_case_and_spaces(&v, lit).then(|| v.into_owned())
                });
                if let Some(v) = near {
                    suspects.push((i, col.clone(), lit.clone(), v));
                }
            }
        }
        if suspects.is_empty() {
            continue;
        }
        let full = match &sample {
            Some(bytes) if bytes.len() >= SAMPLE_BYTES => values(&path, &columns, None, &read),
            _ => Some(seen),
        };
        let Some(full) = full else { continue };
        for (i, col, lit, near) in suspects {
            if full[i].contains(lit.as_bytes()) {
                continue;
            }
            let metric = &cols[&col][&lit];
            out.push(format!(
                "warning: filter `{col} == \"{lit}\"` (in {metric}) matched no row of `{}`; the column has `{near}`: did you mean it?",
                path.display()
            ));
        }
    }
    out
}
