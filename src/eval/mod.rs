//! Executes the graph: one fused pass per source (chunks in parallel), merge, then
//! formulas over the (group, period) grid.

pub(crate) mod accum;
pub(crate) mod arith;
pub mod checks;
pub(crate) mod classes;
pub(crate) mod codes;
pub(crate) mod grid;
pub(crate) mod intern;
pub(crate) mod journey;
pub(crate) mod merge;
pub(crate) mod row;
pub(crate) mod scan;
pub(crate) mod slots;
pub mod table;

use crate::compile::graph::{Graph, NodeId};
use crate::data::calendar::WorkCalendar;
use crate::data::period::{period_first_day, period_last_day, period_of_day, Grain};
use crate::data::scan::{ScanError, ScanReport, ScanSpec};
use crate::syntax::ast::Format;

pub use crate::plan::{EvalError, Request};

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
    /// A flag (`partial` with `--mark-partial`).
    Bool(bool),
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
            Cell::Dec(d) => Some(*d as f64 / crate::decimal::DEC_SCALE as f64),
            Cell::Str(_) | Cell::Bool(_) => None,
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
    /// The rows, as evaluated ([`table::Table`]) or as built ([`Output::rows`]).
    pub body: Body,
    /// Per source: name, file, and how the scan went.
    pub scans: Vec<(String, std::path::PathBuf, ScanReport)>,
    /// The evaluated range (inclusive day numbers).
    pub range: (i32, i32),
    /// The days the data covers: `--from`/`--to` where given, else the first and last
    /// day holding data (over all sources).
    pub data_days: Option<(i32, i32)>,
    /// The first and last day holding data inside the range (over all sources).
    pub data_extent: Option<(i32, i32)>,
}

/// The rows of an [`Output`].
#[derive(Clone, Debug)]
pub enum Body {
    /// Read from the evaluated columns; built into [`Row`]s only when asked.
    Table(table::Table, std::sync::OnceLock<Vec<Row>>),
    Rows(Vec<Row>),
}

impl Output {
    /// The output rows (built from the evaluated columns on first use).
    pub fn rows(&self) -> &[Row] {
        match &self.body {
            Body::Rows(rows) => rows,
            Body::Table(t, rows) => rows.get_or_init(|| (0..t.len()).map(|i| t.row(i)).collect()),
        }
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        match &self.body {
            Body::Rows(rows) => rows.len(),
            Body::Table(t, _) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The output rows, owned.
    pub fn into_rows(self) -> Vec<Row> {
        match self.body {
            Body::Rows(rows) => rows,
            Body::Table(t, rows) => rows
                .into_inner()
                .unwrap_or_else(|| (0..t.len()).map(|i| t.row(i)).collect()),
        }
    }
}

/// The column of `id` out of `m`: a copy if it is `needed_again`.
fn take_column<T: Clone>(
    m: &mut grid::NodeMap<Vec<T>>,
    id: NodeId,
    needed_again: bool,
) -> Option<Vec<T>> {
    if needed_again {
        m.get(&id).cloned()
    } else {
        m.remove(&id)
    }
}

fn scan_error(source: &str, e: ScanError) -> EvalError {
    match e {
        ScanError::Io { .. } => EvalError::Usage(format!("source `{source}`: {e}")),
        ScanError::MissingColumns { .. } => EvalError::Data(format!("source `{source}`: {e}")),
        _ => EvalError::Data(e.to_string()),
    }
}

/// Evaluate `req.metrics` over the data.
pub fn evaluate(graph: &Graph, req: &Request) -> Result<Output, EvalError> {
    let needed = crate::plan::closure(graph, &req.metrics);
    crate::plan::check_rollable(graph, &needed)?;
    let windows = crate::plan::uses_windows(graph, &needed) && req.grain != Grain::All;
    let plans = crate::plan::source_plans(graph, req, &needed, windows)?;
    let mut groups = merge::Groups::default();
    let mut merged = Vec::new();
    let mut scans = Vec::new();
    let mut journey_merged = Vec::new();
    let mut journey_aggs = Vec::new();
    for p in &plans {
        let spec = ScanSpec {
            path: p.path.clone(),
            columns: p.columns.clone(),
            threads: req.threads.max(1),
            skip_bad_rows: req.skip_bad_rows,
        };
        let make = || scan::SourceSink::new(p);
        let result = match req.inline.get(&p.name) {
            Some(bytes) => crate::data::scan::scan_bytes_unordered(&spec, bytes, make),
            None => crate::data::scan::scan_unordered(&spec, make),
        };
        let (mut sinks, report) = result.map_err(|e| scan_error(&p.name, e))?;
        for (k, r) in p.riders.iter().enumerate() {
            let (m, aggs) = journey::count(r, k, &mut sinks, req, &mut groups);
            journey_merged.push(m);
            journey_aggs.push(aggs);
        }
        if !p.aggs.is_empty() {
            scans.push((p.name.clone(), p.path.clone(), report));
            merged.push(merge::merge(p, sinks, &mut groups));
        }
    }
    merged.append(&mut journey_merged);
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
    // Which (group, period) pairs hold rows in the range, sorted.
    let mut present: Vec<(u32, i32)> = Vec::new();
    for m in &merged {
        for (&(g, p), &slot) in &m.slots {
            if m.rows[slot] > 0 && p >= p_lo && p <= p_hi && (has_data || grain == Grain::All) {
                present.push((g, p));
            }
        }
    }
    present.sort_unstable();
    present.dedup();
    let mut order: Vec<u32> = present.iter().map(|(g, _)| *g).collect();
    order.dedup();
    order.sort_by(|a, b| groups.values[*a as usize].cmp(&groups.values[*b as usize]));
    // The present periods of group `g`.
    let periods_of = |g: u32| {
        let a = present.partition_point(|&(h, _)| h < g);
        let b = present.partition_point(|&(h, _)| h <= g);
        &present[a..b]
    };
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
        let mine = periods_of(g);
        if dense {
            for p in start..=p_hi {
                rows.push((g, p));
                shown.push(
                    p >= p_lo && (req.fill || mine.binary_search_by_key(&p, |&(_, q)| q).is_ok()),
                );
            }
        } else {
            for &(_, p) in mine {
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
        .filter(|p| !p.aggs.is_empty())
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
    // The output reads the evaluated columns in place: each metric's vectors are
    // moved out of `cols` (copied only for a metric asked for twice).
    let mut table = table::Table {
        columns: Vec::with_capacity(req.metrics.len()),
        ..table::Table::default()
    };
    for (k, id) in req.metrics.iter().enumerate() {
        let again = req.metrics[k + 1..].contains(id);
        table.columns.push(table::ColumnData {
            exact: take_column(&mut cols.exact, *id, again),
            values: take_column(&mut cols.values, *id, again),
            int: graph.node(*id).typing.count_like,
        });
    }
    let mut label_of: std::collections::HashMap<i32, u32, foldhash::fast::RandomState> =
        Default::default();
    table.keys.reserve(shown.iter().filter(|&&s| s).count());
    for (r, &(g, p)) in grid.rows.iter().enumerate() {
        if !shown[r] {
            continue;
        }
        let label = if grain == Grain::All {
            u32::MAX
        } else {
            *label_of.entry(p).or_insert_with(|| {
                table
                    .labels
                    .push(crate::data::period::period_label(grain, p));
                table.labels.len() as u32 - 1
            })
        };
        table.keys.push((g, label, r as u32));
    }
    table.groups = groups.values;
    Ok(Output {
        by: req.by.clone(),
        grain,
        columns,
        body: Body::Table(table, std::sync::OnceLock::new()),
        scans,
        range,
        data_days: has_data.then_some((
            req.from.unwrap_or(min_day).max(range.0),
            req.to.unwrap_or(max_day).min(range.1),
        )),
        data_extent: has_data.then_some((min_day, max_day)),
    })
}
