//! Executes the graph: one fused pass per source (chunks in parallel), merge, then
//! formulas over the (group, period) grid.

pub(crate) mod accum;
pub(crate) mod arith;
pub mod checks;
pub(crate) mod classes;
pub(crate) mod codes;
pub(crate) mod derive;
pub(crate) mod grid;
pub(crate) mod intern;
pub(crate) mod joins;
pub(crate) mod journey;
mod layout;
pub(crate) mod lookup;
pub(crate) mod merge;
pub mod project;
pub(crate) mod rollup;
pub(crate) mod row;
pub(crate) mod scan;
pub(crate) mod slots;
pub mod table;

use crate::compile::graph::{Graph, NodeId};
use crate::data::period::Grain;
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

impl Column {
    /// The output columns of `metrics`, named and formatted as their nodes.
    pub fn of(graph: &Graph, metrics: &[NodeId]) -> Vec<Column> {
        metrics
            .iter()
            .map(|&id| Column {
                name: graph.node(id).name.clone(),
                node: id,
                format: graph.node(id).meta.format,
            })
            .collect()
    }
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
    /// Sources whose rows are dated by a month (`2026-03`): values for a period,
    /// such as quotas, which a run rate leaves as they are.
    pub period_dated: Vec<String>,
}

/// The rows of an [`Output`].
#[derive(Clone, Debug)]
pub enum Body {
    /// Read from the evaluated columns; built into [`Row`]s only when asked.
    Table(table::Table, std::sync::OnceLock<Vec<Row>>),
    Rows(Vec<Row>),
}

impl Output {
    /// What the user must be told about the rows read: keys no lookup row matched,
    /// and skipped bad rows (with the first few).
    pub fn warnings(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .scans
            .iter()
            .flat_map(|(_, _, rep)| rep.notes.iter().cloned())
            .collect();
        for (name, path, rep) in &self.scans {
            if rep.skipped > 0 {
                let lines: Vec<String> = rep
                    .first_skipped
                    .iter()
                    .map(|(l, why)| match l {
                        // Sheets and Parquet files name their cells or rows instead.
                        0 => why.clone(),
                        l => format!("line {l}: {why}"),
                    })
                    .collect();
                out.push(format!(
                    "skipped {} bad row{} of source `{name}` ({}); first: {}",
                    rep.skipped,
                    if rep.skipped == 1 { "" } else { "s" },
                    path.display(),
                    lines.join("; ")
                ));
            }
        }
        out
    }

    /// The output rows (built from the evaluated columns on first use).
    pub fn rows(&self) -> &[Row] {
        match &self.body {
            Body::Rows(rows) => rows,
            Body::Table(t, rows) => rows.get_or_init(|| (0..t.len()).map(|i| t.row(i)).collect()),
        }
    }

    /// Cell `k` of row `i`, without building the rows.
    pub fn cell(&self, i: usize, k: usize) -> Cell {
        match &self.body {
            Body::Rows(rows) => rows[i].values[k].clone(),
            Body::Table(t, _) => t.cell(i, k),
        }
    }

    /// The `--by` values of row `i`, without building the rows.
    pub fn dims(&self, i: usize) -> &[String] {
        match &self.body {
            Body::Rows(rows) => &rows[i].dims,
            Body::Table(t, _) => t.dims(i),
        }
    }

    /// The period label of row `i`, without building the rows.
    pub fn period(&self, i: usize) -> Option<&str> {
        match &self.body {
            Body::Rows(rows) => rows[i].period.as_deref(),
            Body::Table(t, _) => t.period(i),
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
        ScanError::MissingColumns { .. } | ScanError::Layout { .. } => {
            EvalError::Data(format!("source `{source}`: {e}"))
        }
        _ => EvalError::Data(e.to_string()),
    }
}

/// Evaluate `req.metrics` over the data: plan, scan every source once (journeys
/// riding along), lay out the (group, period) rows, evaluate the formulas over them,
/// and hand the metrics' columns to the output.
pub fn evaluate(graph: &Graph, req: &Request) -> Result<Output, EvalError> {
    evaluate_with(graph, req, None).map(|(out, _)| out)
}

/// What an evaluation can give besides its rows, from the same scan.
#[derive(Default)]
pub struct Extra<'a> {
    /// The same metrics over projected aggregates ([`project`]).
    pub projector: Option<Projector<'a>>,
    /// The same metrics over every group (as without `--by`), when the aggregates
    /// combine across groups (see [`rollup`]).
    pub totals: bool,
}

/// The outputs of [`evaluate_extra`].
pub struct Evaluated {
    pub out: Output,
    pub projected: Option<Output>,
    /// `None` when not asked for or when the aggregates do not combine.
    pub totals: Option<Output>,
}

/// [`evaluate_with`], with the totals over every group too.
pub fn evaluate_extra(graph: &Graph, req: &Request, extra: Extra) -> Result<Evaluated, EvalError> {
    evaluate_inner(graph, req, extra)
}

/// Rewrites the aggregate columns of an evaluation into those of a projection
/// (see [`project`]); the formulas are then evaluated over both.
/// The third argument lists the aggregates of sources dated by period
/// ([`Output::period_dated`]).
pub type Projector<'a> = &'a dyn Fn(&grid::Grid, &grid::Cols, &[NodeId]) -> grid::Cols;

/// [`evaluate`], and with a projector the same metrics over the projected aggregates
/// too, from the same scan: (as evaluated, as projected).
pub fn evaluate_with(
    graph: &Graph,
    req: &Request,
    projector: Option<Projector>,
) -> Result<(Output, Option<Output>), EvalError> {
    let e = evaluate_inner(
        graph,
        req,
        Extra {
            projector,
            totals: false,
        },
    )?;
    Ok((e.out, e.projected))
}

fn evaluate_inner(graph: &Graph, req: &Request, extra: Extra) -> Result<Evaluated, EvalError> {
    let projector = extra.projector;
    let needed = crate::plan::closure(graph, &req.metrics);
    crate::plan::check_rollable(graph, &needed)?;
    let windows = crate::plan::uses_windows(graph, &needed) && req.grain != Grain::All;
    let plans = crate::plan::source_plans(graph, req, &needed, windows)?;
    let Scanned {
        groups,
        mut merged,
        journey_aggs,
        scans,
        period_dated: scanned_period_dated,
    } = scan_all(graph, req, &plans)?;
    let extent = layout::extent(&merged);
    let range = layout::range(req, extent);
    let layout = layout::rows(req, &merged, &groups, extent, range, windows)?;
    let cal = graph.work_calendar();
    let grid = grid::Grid::new(
        layout.rows,
        req.grain,
        range,
        layout.data_first,
        &cal,
        req.cut.as_deref(),
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
        grain: req.grain,
    };
    let scripts = crate::script::Runtime::for_nodes(graph, &needed, names)?;
    let period_dated: Vec<NodeId> = plans
        .iter()
        .filter(|p| scanned_period_dated.contains(&p.source))
        .flat_map(|p| p.aggs.iter().map(|a| a.node))
        .collect();
    let mut projected_cols = projector.map(|p| p(&grid, &cols, &period_dated));
    let mut total_cols = if extra.totals && req.grain != Grain::All {
        rollup::totals(
            graph,
            &grid,
            &cols,
            &needed,
            range,
            &cal,
            req.cut.as_deref(),
        )
    } else {
        None
    };
    let mut ev = grid::Evaluator::new(graph, &grid);
    ev.scripts = scripts.as_ref();
    ev.run(&needed, &mut cols)?;
    if let Some(pc) = projected_cols.as_mut() {
        let mut ev = grid::Evaluator::new(graph, &grid);
        ev.scripts = scripts.as_ref();
        ev.run(&needed, pc)?;
    }
    let output = |table: table::Table, scans| Output {
        by: req.by.clone(),
        grain: req.grain,
        columns: Column::of(graph, &req.metrics),
        body: Body::Table(table, std::sync::OnceLock::new()),
        scans,
        range,
        data_days: extent.map(|(min_day, max_day)| {
            (
                req.from.unwrap_or(min_day).max(range.0),
                req.to.unwrap_or(max_day).min(range.1),
            )
        }),
        data_extent: extent,
        period_dated: scanned_period_dated
            .iter()
            .map(|&s| graph.sources[s].name.clone())
            .collect(),
    };
    let projected = projected_cols.map(|pc| {
        let t = output_table(graph, req, &grid, &layout.shown, pc, groups.values.clone());
        output(t, Vec::new())
    });
    let totals = match total_cols.as_mut() {
        Some((tgrid, tcols)) => {
            let treq = Request {
                by: Vec::new(),
                ..req.clone()
            };
            let one = vec![Vec::new()];
            let names = crate::script::GroupNames {
                by: &treq.by,
                values: &one,
                grain: req.grain,
            };
            let tscripts = crate::script::Runtime::for_nodes(graph, &needed, names)?;
            let mut ev = grid::Evaluator::new(graph, tgrid);
            ev.scripts = tscripts.as_ref();
            ev.run(&needed, tcols)?;
            let shown = vec![true; tgrid.rows.len()];
            let t = output_table(graph, &treq, tgrid, &shown, std::mem::take(tcols), one);
            let mut o = output(t, Vec::new());
            o.by = Vec::new();
            Some(o)
        }
        None => None,
    };
    let table = output_table(graph, req, &grid, &layout.shown, cols, groups.values);
    Ok(Evaluated {
        out: output(table, scans),
        projected,
        totals,
    })
}

/// What the scans of a request gave: the groups seen, each source's merged
/// aggregates (those with aggregates, in plan order) then each journey's, the
/// journeys' aggregate plans, and how each scan went.
struct Scanned {
    groups: merge::Groups,
    merged: Vec<merge::Merged>,
    journey_aggs: Vec<Vec<scan::AggPlan>>,
    scans: Vec<(String, std::path::PathBuf, ScanReport)>,
    /// Sources (indexes) with rows dated by a month.
    period_dated: Vec<usize>,
}

/// Scan every planned source once (chunks in parallel), with its journeys riding
/// along, and merge the chunks' partial results.
fn scan_all(
    graph: &Graph,
    req: &Request,
    plans: &[scan::SourcePlan],
) -> Result<Scanned, EvalError> {
    let mut groups = merge::Groups::default();
    let mut merged = Vec::new();
    let mut scans = Vec::new();
    let mut journey_merged = Vec::new();
    let mut journey_aggs = Vec::new();
    let mut period_dated = Vec::new();
    for p in plans {
        let tables = p
            .lookups
            .iter()
            .map(|l| lookup::load(l, req, &p.tz))
            .collect::<Result<Vec<_>, _>>()?;
        let mut spec = ScanSpec {
            skip_bad_rows: req.skip_bad_rows,
            ..ScanSpec::new(
                p.path.clone(),
                p.columns[..p.raw].to_vec(),
                req.threads.max(1),
            )
        };
        let make = || scan::SourceSink::new(p, &tables);
        let result = match req.inline.get(&p.name) {
            // Inline rows (definition tests) are written in the engine's own forms.
            Some(bytes) => crate::data::scan::scan_bytes_unordered(&spec, bytes, make),
            None => {
                crate::data::parquet::check_hints(
                    &p.path,
                    &graph.sources[p.source],
                    &p.columns[..p.raw],
                )
                .map_err(|e| scan_error(&p.name, e))?;
                spec.read = p.read.clone();
                spec.roles = p.roles();
                crate::data::scan::scan_unordered(&spec, make)
            }
        };
        let (mut sinks, mut report) = result.map_err(|e| scan_error(&p.name, e))?;
        report.notes.extend(lookup::unmatched(p, &sinks));
        if report.rows == 0 && report.skipped == 0 && !req.inline.contains_key(&p.name) {
            // A header-only export gives no groups, and checks nothing to judge: say
            // so rather than pass in silence.
            report.notes.push(format!(
                "source `{}` has no data rows (`{}`): every group and value is empty",
                p.name,
                p.path.display()
            ));
        }
        for (k, r) in p.riders.iter().enumerate() {
            let (m, aggs) = journey::count(r, k, &mut sinks, req, &mut groups);
            journey_merged.push(m);
            journey_aggs.push(aggs);
        }
        if sinks.iter().any(|s| s.month_rows > 0) {
            period_dated.push(p.source);
        }
        if !p.aggs.is_empty() {
            scans.push((p.name.clone(), p.path.clone(), report));
            merged.push(merge::merge(p, sinks, &mut groups));
        }
    }
    merged.append(&mut journey_merged);
    Ok(Scanned {
        groups,
        merged,
        journey_aggs,
        scans,
        period_dated,
    })
}

/// The output table: each metric's evaluated columns, moved out of `cols` (copied
/// only for a metric asked for twice), and the shown rows' keys with their period
/// labels.
fn output_table(
    graph: &Graph,
    req: &Request,
    grid: &grid::Grid,
    shown: &[bool],
    mut cols: grid::Cols,
    groups: Vec<Vec<String>>,
) -> table::Table {
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
        let label = if req.grain == Grain::All {
            u32::MAX
        } else {
            *label_of.entry(p).or_insert_with(|| {
                table
                    .labels
                    .push(crate::data::period::period_label(req.grain, p));
                table.labels.len() as u32 - 1
            })
        };
        table.keys.push((g, label, r as u32));
    }
    table.groups = groups;
    table
}
