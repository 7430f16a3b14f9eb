//! Executes the graph: one fused pass per source (chunks in parallel), merge, then
//! formulas over the (group, period) grid.

pub mod accum;
pub mod arith;
pub mod checks;
pub mod classes;
pub mod codes;
pub mod grid;
pub mod intern;
pub mod journey;
pub mod merge;
pub mod plan;
pub mod row;
pub mod scan;
pub mod slots;

use std::collections::BTreeSet;

use crate::compile::graph::{Formula, Graph, NodeId, NodeKind};
use crate::data::calendar::WorkCalendar;
use crate::data::period::{period_first_day, period_last_day, period_of_day, Grain};
use crate::data::scan::{ScanError, ScanReport, ScanSpec};
use crate::syntax::ast::{AggFunc, Format};

pub use plan::Request;

/// Why an evaluation failed: a usage/I-O problem (exit 2) or rejected data (exit 1).
#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {
    Usage(String),
    Data(String),
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::Usage(m) | EvalError::Data(m) => f.write_str(m),
        }
    }
}

/// One output cell.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Num(f64),
    /// Exact decimal in 10^-6 units.
    Dec(i128),
    /// Text (analysis tables: the name of a step, ..).
    Str(String),
}

impl Cell {
    pub fn opt(x: Option<f64>) -> Cell {
        match x {
            Some(v) if v.is_finite() => Cell::Num(v),
            _ => Cell::Null,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Cell::Null => None,
            Cell::Int(i) => Some(*i as f64),
            Cell::Num(x) => Some(*x),
            Cell::Dec(d) => Some(*d as f64 / row::DEC_SCALE as f64),
            Cell::Str(_) => None,
        }
    }
}

/// A metric column of the output.
#[derive(Clone, Debug)]
pub struct Column {
    pub name: String,
    pub node: NodeId,
    pub format: Option<Format>,
}

/// One output row.
#[derive(Clone, Debug)]
pub struct Row {
    pub dims: Vec<String>,
    pub period: Option<String>,
    pub values: Vec<Cell>,
}

/// The result of `eval`: the `--by` columns, `period` (unless grain is all), metrics.
#[derive(Clone, Debug)]
pub struct Output {
    pub by: Vec<String>,
    pub grain: Grain,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    /// Per source: name, file, and how the scan went.
    pub scans: Vec<(String, std::path::PathBuf, ScanReport)>,
    /// The evaluated range (inclusive day numbers).
    pub range: (i32, i32),
    /// The days the data covers: `--from`/`--to` where given, else the first and last
    /// day holding data (over all sources).
    pub data_days: Option<(i32, i32)>,
}

fn scan_error(source: &str, e: ScanError) -> EvalError {
    match e {
        ScanError::Io { .. } => EvalError::Usage(format!("source `{source}`: {e}")),
        ScanError::MissingColumns { .. } => EvalError::Data(format!("source `{source}`: {e}")),
        _ => EvalError::Data(e.to_string()),
    }
}

/// Whether a node's values are whole counts (printed as integers).
fn count_like(graph: &Graph, id: NodeId, depth: usize) -> bool {
    if depth > 64 {
        return false;
    }
    let node = graph.node(id);
    if node.meta.format == Some(Format::Count) {
        return true;
    }
    match &node.kind {
        NodeKind::Aggregate(a) => matches!(a.func, AggFunc::Count | AggFunc::CountDistinct),
        NodeKind::JourneyStep { .. } => true,
        NodeKind::Formula(f) => formula_count_like(graph, f, depth + 1),
        NodeKind::Param { .. } => false,
    }
}

fn formula_count_like(graph: &Graph, f: &Formula, depth: usize) -> bool {
    use crate::syntax::ast::BinOp;
    match f {
        Formula::Node(id) => count_like(graph, *id, depth),
        Formula::Binary(BinOp::Add | BinOp::Sub, a, b) => {
            formula_count_like(graph, a, depth) && formula_count_like(graph, b, depth)
        }
        Formula::Window(
            crate::compile::graph::Window::Prev
            | crate::compile::graph::Window::Rolling(_)
            | crate::compile::graph::Window::ToDate(_),
            id,
        ) => count_like(graph, *id, depth),
        _ => false,
    }
}

/// Evaluate `req.metrics` over the data.
pub fn evaluate(graph: &Graph, req: &Request) -> Result<Output, EvalError> {
    let needed = plan::closure(graph, &req.metrics);
    plan::check_rollable(graph, &needed)?;
    let windows = plan::uses_windows(graph, &needed) && req.grain != Grain::All;
    let plans = plan::source_plans(graph, req, &needed, windows)?;
    let mut groups = merge::Groups::default();
    let mut merged = Vec::new();
    let mut scans = Vec::new();
    for p in &plans {
        let spec = ScanSpec {
            path: p.path.clone(),
            columns: p.columns.clone(),
            threads: req.threads.max(1),
            skip_bad_rows: req.skip_bad_rows,
        };
        let result = match req.inline.get(&p.name) {
            Some(bytes) => {
                crate::data::scan::scan_bytes_unordered(&spec, bytes, || scan::SourceSink::new(p))
            }
            None => crate::data::scan::scan_unordered(&spec, || scan::SourceSink::new(p)),
        };
        let (sinks, report) = result.map_err(|e| scan_error(&p.name, e))?;
        scans.push((p.name.clone(), p.path.clone(), report));
        merged.push(merge::merge(p, sinks, &mut groups));
    }
    let mut journey_aggs = Vec::new();
    for j in plan::journeys(graph, &needed) {
        let jp = journey::plan(graph, &graph.journeys[j], req)?;
        let (m, aggs) = journey::run(&jp, req, &mut groups)?;
        merged.push(m);
        journey_aggs.push(aggs);
    }
    let min_day = merged.iter().map(|m| m.min_day).min().unwrap_or(i32::MAX);
    let max_day = merged.iter().map(|m| m.max_day).max().unwrap_or(i32::MIN);
    let grain = req.grain;
    let has_data = min_day <= max_day;
    let range = match (req.from, req.to, has_data) {
        (Some(a), Some(b), _) => (a, b),
        (Some(a), None, true) => (
            a,
            period_last_day(grain, period_of_day(grain, max_day)).max(a),
        ),
        (None, Some(b), true) => (
            period_first_day(grain, period_of_day(grain, min_day)).min(b),
            b,
        ),
        (None, None, true) if grain == Grain::All => (min_day, max_day),
        (None, None, true) => (
            period_first_day(grain, period_of_day(grain, min_day)),
            period_last_day(grain, period_of_day(grain, max_day)),
        ),
        (Some(a), None, false) => (a, a),
        (None, Some(b), false) => (b, b),
        (None, None, false) => (0, -1),
    };
    let (p_lo, p_hi) = if grain == Grain::All {
        (0, 0)
    } else {
        (period_of_day(grain, range.0), period_of_day(grain, range.1))
    };
    // Which (group, period) pairs hold rows in the range.
    let mut present: BTreeSet<(u32, i32)> = BTreeSet::new();
    for m in &merged {
        for (&(g, p), &slot) in &m.slots {
            if m.rows[slot] > 0 && p >= p_lo && p <= p_hi && (has_data || grain == Grain::All) {
                present.insert((g, p));
            }
        }
    }
    let mut order: Vec<u32> = present
        .iter()
        .map(|(g, _)| *g)
        .collect::<BTreeSet<u32>>()
        .into_iter()
        .collect();
    order.sort_by(|a, b| groups.values[*a as usize].cmp(&groups.values[*b as usize]));
    let data_first = if has_data && grain != Grain::All {
        period_of_day(grain, min_day)
    } else {
        p_lo
    };
    let mut rows = Vec::new();
    let mut shown = Vec::new();
    let dense = (windows || req.fill) && grain != Grain::All;
    let start = if windows { data_first.min(p_lo) } else { p_lo };
    let cells = order.len() as u64 * (p_hi as i64 - start as i64 + 1).max(0) as u64;
    if dense && cells > 50_000_000 {
        return Err(EvalError::Usage(format!(
            "{cells} (group, period) cells are too many to fill; use a coarser --grain, fewer --by dimensions, or --from/--to"
        )));
    }
    for &g in &order {
        if dense {
            for p in start..=p_hi {
                rows.push((g, p));
                shown.push(p >= p_lo && (req.fill || present.contains(&(g, p))));
            }
        } else {
            for &(_, p) in present.range((g, i32::MIN)..=(g, i32::MAX)) {
                rows.push((g, p));
                shown.push(true);
            }
        }
    }
    let cal = match &graph.settings.calendar {
        Some(c) => WorkCalendar::new(&c.weekend, &c.holidays),
        None => WorkCalendar::default_mon_fri(),
    };
    let grid = grid::Grid::new(
        rows,
        grain,
        range,
        if has_data { data_first } else { i32::MIN },
        &cal,
    );
    let mut cols = grid::Cols::default();
    let agg_lists = plans
        .iter()
        .map(|p| p.aggs.as_slice())
        .chain(journey_aggs.iter().map(|a| a.as_slice()));
    for (aggs, m) in agg_lists.zip(merged.iter_mut()) {
        grid::fill_aggregates(&grid, aggs, m, &mut cols);
    }
    let names = crate::script::GroupNames {
        by: &req.by,
        values: &groups.values,
        grain,
    };
    let scripts = crate::script::Runtime::for_nodes(graph, &needed, names)?;
    let mut ev = grid::Evaluator::new(graph, &grid);
    ev.scripts = scripts.as_ref();
    ev.run(&needed, &mut cols)?;
    let columns: Vec<Column> = req
        .metrics
        .iter()
        .map(|&id| Column {
            name: graph.node(id).name.clone(),
            node: id,
            format: graph.node(id).meta.format,
        })
        .collect();
    let ints: Vec<bool> = req
        .metrics
        .iter()
        .map(|&id| count_like(graph, id, 0))
        .collect();
    let exact_of: Vec<Option<NodeId>> = req
        .metrics
        .iter()
        .map(|&id| cols.exact.contains_key(&id).then_some(id))
        .collect();
    // Each output column's vectors, looked up once rather than once per cell.
    let exact_cols: Vec<_> = exact_of
        .iter()
        .map(|a| a.and_then(|a| cols.exact.get(&a)))
        .collect();
    let value_cols: Vec<_> = req.metrics.iter().map(|id| cols.values.get(id)).collect();
    let mut out_rows = Vec::with_capacity(grid.rows.len());
    let mut labels: std::collections::HashMap<i32, String, foldhash::fast::RandomState> =
        Default::default();
    for (r, &(g, p)) in grid.rows.iter().enumerate() {
        if !shown[r] {
            continue;
        }
        let values = (0..req.metrics.len())
            .map(|k| {
                if let Some(e) = exact_cols[k].and_then(|c| c[r]) {
                    return Cell::Dec(e);
                }
                let v = value_cols[k].map_or(f64::NAN, |c| c[r]);
                if v.is_nan() {
                    Cell::Null
                } else if ints[k] && v.fract() == 0.0 && v.abs() < 9.0e15 {
                    Cell::Int(v as i64)
                } else {
                    Cell::Num(v)
                }
            })
            .collect();
        out_rows.push(Row {
            dims: groups.values[g as usize].clone(),
            period: (grain != Grain::All).then(|| {
                labels
                    .entry(p)
                    .or_insert_with(|| crate::data::period::period_label(grain, p))
                    .clone()
            }),
            values,
        });
    }
    Ok(Output {
        by: req.by.clone(),
        grain,
        columns,
        rows: out_rows,
        scans,
        range,
        data_days: has_data.then_some((
            req.from.unwrap_or(min_day).max(range.0),
            req.to.unwrap_or(max_day).min(range.1),
        )),
    })
}
