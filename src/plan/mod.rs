//! From a request (`--by`, `--grain`, `--metrics`, range, data files) to one scan plan
//! per source: the columns to read, their kinds, every aggregate of the source and
//! the journeys riding along. Both backends read it: the in-process engine
//! ([`crate::eval`]) scans by it, the SQL backend ([`crate::sql`]) writes its queries
//! from it.

mod columns;
pub mod derive;
pub mod filter;
pub mod lookup;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::compile::graph::{Formula, Graph, JourneyDef, NodeId, NodeKind, Window};
use crate::data::period::Grain;
use crate::syntax::ast::AggFunc;

use columns::{plan_columns, ColumnSet};
use filter::Filter;

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

/// Most columns one source scan may read.
pub const MAX_COLUMNS: usize = 64;
/// Most `--by` dimensions.
pub const MAX_DIMS: usize = 7;

/// How a column is viewed in filters and aggregations.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ColKind {
    Str,
    Num,
    Bool,
    Date,
}

#[derive(Clone, Debug)]
pub struct AggPlan {
    pub node: NodeId,
    pub func: AggFunc,
    pub column: Option<usize>,
    pub fraction: Option<f64>,
    pub filter: Option<Filter>,
}

/// Everything needed to scan one source.
#[derive(Clone, Debug)]
pub struct SourcePlan {
    pub source: usize,
    pub name: String,
    pub path: PathBuf,
    pub columns: Vec<String>,
    pub kinds: Vec<ColKind>,
    pub time: Option<usize>,
    pub dims: Vec<usize>,
    pub aggs: Vec<AggPlan>,
    pub grain: Grain,
    pub from: Option<i32>,
    pub to: Option<i32>,
    /// Keep rows of whole periods before `from` (window functions read them).
    pub keep_before: bool,
    /// Periods truncated at a day of their own (see [`Cut`]).
    pub cut: Option<std::sync::Arc<Cut>>,
    pub tz: jiff::tz::TimeZone,
    /// Text columns whose filter comparisons are coded, with their constants
    /// (see [`super::row::encode_filters`]); at most [`super::row::MAX_CODED`].
    pub coded: Vec<(usize, Vec<Vec<u8>>)>,
    /// Journey funnels over this source, read in the same pass (which is then in
    /// file order: see [`super::journey`]).
    pub riders: Vec<Rider>,
    /// How the source's file is read.
    pub read: std::sync::Arc<crate::data::ReadOptions>,
    /// Columns computed per row, in order (their inputs before them); their
    /// indexes follow the file's columns.
    pub derived: Vec<derive::Derived>,
    /// How many of `columns` are read from the file (the first ones).
    pub raw: usize,
    /// The lookups the scan joins (their tables loaded before it).
    pub lookups: Vec<lookup::LookupPlan>,
}

impl SourcePlan {
    /// What each column is read as, for the read options' rewriting.
    pub fn roles(&self) -> Vec<crate::data::scan::Role> {
        use crate::data::scan::Role;
        (0..self.raw)
            .map(|i| match self.kinds[i] {
                _ if Some(i) == self.time => Role::Time,
                ColKind::Num => Role::Number,
                _ => Role::Text,
            })
            .collect()
    }
}

/// `true`/`false`/`1`/`0` (any case for the words).
pub fn parse_bool(s: &[u8]) -> Option<bool> {
    match s {
        b"1" => Some(true),
        b"0" => Some(false),
        _ if s.eq_ignore_ascii_case(b"true") => Some(true),
        _ if s.eq_ignore_ascii_case(b"false") => Some(false),
        _ => None,
    }
}

/// What to evaluate.
#[derive(Clone, Debug)]
pub struct Request {
    /// Output columns (metrics and funnel members), in order.
    pub metrics: Vec<NodeId>,
    pub by: Vec<String>,
    pub grain: Grain,
    /// Inclusive day numbers.
    pub from: Option<i32>,
    pub to: Option<i32>,
    pub fill: bool,
    /// Source name -> data file.
    pub data: HashMap<String, PathBuf>,
    /// Source name -> in-memory data (CSV or NDJSON bytes; fixtures, benches).
    /// The path in `data` (or a made-up name ending in `.csv`) names it in errors.
    pub inline: HashMap<String, std::sync::Arc<Vec<u8>>>,
    pub skip_bad_rows: bool,
    pub threads: usize,
    /// Never fall back to a source's `from` (definition tests are hermetic).
    pub hermetic: bool,
    /// Each period truncated at a day of its own (backtests of `kpi forecast`).
    pub cut: Option<std::sync::Arc<Cut>>,
}

/// Periods of the request's grain each truncated at a day of its own: the rows of a
/// listed period after its last kept day are not read, and its `workdays` and `days`
/// count only the kept days. `kpi forecast --backtest` cuts every earlier period at
/// the working-day offset of `--today`. Periods not listed are read whole.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cut {
    /// Period ordinal -> last day kept (inclusive day number).
    pub last: HashMap<i32, i32>,
}

impl Cut {
    /// The last day kept of period `p` (`i32::MAX` when it is read whole).
    pub fn last_day(&self, p: i32) -> i32 {
        self.last.get(&p).copied().unwrap_or(i32::MAX)
    }
}

/// Where a source's rows come from: `--data`, inline bytes, or the source's `from`.
pub fn data_path(
    req: &Request,
    src: &crate::compile::graph::SourceDef,
) -> Result<PathBuf, EvalError> {
    if let Some(p) = req.data.get(&src.name) {
        return Ok(p.clone());
    }
    if req.inline.contains_key(&src.name) {
        return Ok(PathBuf::from(format!("{}.csv", src.name)));
    }
    if req.hermetic {
        return Err(EvalError::Data(format!(
            "no rows for source `{}`: give it rows under `data:` (tests never read a source's `from`), or leave the metrics that read it out of `eval.metrics`",
            src.name
        )));
    }
    src.from.clone().ok_or_else(|| {
        EvalError::Usage(format!(
            "no data for source `{}`: pass `--data {}=FILE.csv` (or give the source a `from` path)",
            src.name, src.name
        ))
    })
}

/// Every node the requested metrics read, directly or not.
pub fn closure(graph: &Graph, roots: &[NodeId]) -> Vec<NodeId> {
    let mut seen = HashSet::new();
    let mut stack: Vec<NodeId> = roots.to_vec();
    let mut out = Vec::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        out.push(id);
        if let NodeKind::Formula(f) = &graph.node(id).kind {
            let mut deps = Vec::new();
            f.deps(&mut deps);
            stack.extend(deps);
        }
    }
    out
}

/// Whether any needed formula uses a window function.
pub fn uses_windows(graph: &Graph, nodes: &[NodeId]) -> bool {
    fn has(f: &Formula) -> bool {
        match f {
            Formula::Window(..) => true,
            Formula::Unary(_, a) => has(a),
            Formula::Binary(_, a, b) => has(a) || has(b),
            Formula::In(a, items) => has(a) || items.iter().any(has),
            Formula::Call(_, args) | Formula::Script(_, args) => args.iter().any(has),
            _ => false,
        }
    }
    nodes
        .iter()
        .any(|id| matches!(&graph.node(*id).kind, NodeKind::Formula(f) if has(f)))
}

/// Aggregates a window would have to roll up; distinct counts and quantiles cannot.
pub fn check_rollable(graph: &Graph, nodes: &[NodeId]) -> Result<(), EvalError> {
    fn targets(f: &Formula, out: &mut Vec<NodeId>) {
        match f {
            Formula::Window(Window::Rolling(_) | Window::ToDate(_), m) => out.push(*m),
            Formula::Unary(_, a) => targets(a, out),
            Formula::Binary(_, a, b) => {
                targets(a, out);
                targets(b, out)
            }
            Formula::In(a, items) => {
                targets(a, out);
                items.iter().for_each(|i| targets(i, out))
            }
            Formula::Call(_, args) | Formula::Script(_, args) => {
                args.iter().for_each(|i| targets(i, out))
            }
            _ => {}
        }
    }
    for id in nodes {
        if let NodeKind::Formula(f) = &graph.node(*id).kind {
            let mut ts = Vec::new();
            targets(f, &mut ts);
            for t in ts {
                for dep in closure(graph, &[t]) {
                    if let NodeKind::Aggregate(a) = &graph.node(dep).kind {
                        if matches!(
                            a.func,
                            AggFunc::CountDistinct | AggFunc::Median | AggFunc::Percentile
                        ) {
                            return Err(EvalError::Data(format!(
                                "`{}` rolls up `{}`, which uses {}; distinct counts and quantiles cannot be added across periods",
                                graph.node(*id).name,
                                graph.node(t).name,
                                a.func.name()
                            )));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// Journey funnels (indexes) whose steps are needed.
pub fn journeys(graph: &Graph, needed: &[NodeId]) -> Vec<usize> {
    let mut out: Vec<usize> = needed
        .iter()
        .filter_map(|id| match graph.node(*id).kind {
            NodeKind::JourneyStep { journey, .. } => Some(journey),
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// One scan plan per source behind the needed aggregates.
pub fn source_plans(
    graph: &Graph,
    req: &Request,
    needed: &[NodeId],
    keep_before: bool,
) -> Result<Vec<SourcePlan>, EvalError> {
    let tz = jiff::tz::TimeZone::get(&graph.settings.timezone)
        .map_err(|e| EvalError::Usage(format!("time zone `{}`: {e}", graph.settings.timezone)))?;
    if req.by.len() > MAX_DIMS {
        return Err(EvalError::Usage(format!(
            "at most {MAX_DIMS} --by dimensions are supported"
        )));
    }
    let mut by_source: Vec<Vec<NodeId>> = vec![Vec::new(); graph.sources.len()];
    let mut sorted = needed.to_vec();
    sorted.sort();
    for id in sorted {
        if let NodeKind::Aggregate(a) = &graph.node(id).kind {
            by_source[a.source].push(id);
        }
    }
    let mut riding: Vec<Vec<usize>> = vec![Vec::new(); graph.sources.len()];
    for j in journeys(graph, needed) {
        riding[graph.journeys[j].source].push(j);
    }
    let mut plans = Vec::new();
    for (s, aggs) in by_source.into_iter().enumerate() {
        if aggs.is_empty() && riding[s].is_empty() {
            continue;
        }
        let src = &graph.sources[s];
        for d in &req.by {
            let known = src.knows(d);
            if !known {
                // A request the definitions cannot answer: a usage problem (exit 2).
                let hint = crate::diag::did_you_mean(d, src.dimensions.iter().map(String::as_str))
                    .map(|s| format!("\n  = help: {s}"))
                    .unwrap_or_default();
                return Err(EvalError::Usage(format!(
                    "source `{}` has no dimension `{d}` (its dimensions: {}); every source behind the requested metrics must have each --by dimension{hint}",
                    src.name,
                    if src.dimensions.is_empty() { "none".to_string() } else { src.dimensions.join(", ") }
                )));
            }
        }
        let path = data_path(req, src)?;
        // Two passes: the first finds the columns, the second numbers the file's
        // columns first and the derived ones after them (the scan's row layout).
        let mut first = ColumnSet::new(graph, req, src);
        plan_columns(graph, req, src, &aggs, &riding[s], &mut first)?;
        let mut set = ColumnSet::new(graph, req, src);
        for (c, _) in first.columns.iter().zip(&first.raw).filter(|(_, r)| **r) {
            set.col(c, None);
        }
        let (time, dims, mut agg_plans, mut riders) =
            plan_columns(graph, req, src, &aggs, &riding[s], &mut set)?;
        let raw = set.raw.iter().take_while(|r| **r).count();
        let ColumnSet {
            columns,
            mut kinds,
            derived,
            lookups,
            ..
        } = set;
        let lookups = lookups
            .into_iter()
            .map(|(_, l)| l)
            .collect::<Result<Vec<_>, _>>()?;
        if columns.len() > MAX_COLUMNS {
            return Err(EvalError::Usage(format!(
                "source `{}` needs more than {MAX_COLUMNS} columns",
                src.name
            )));
        }
        // The time column is parsed separately; as a plain field it is a string.
        if let Some(t) = time {
            if kinds[t] == ColKind::Date {
                kinds[t] = ColKind::Str;
            }
        }
        // Text comparisons on plain text columns (not the time column, which is a
        // day) are coded once per row instead of once per filter.
        let coded = filter::encode_filters(
            agg_plans
                .iter_mut()
                .filter_map(|a| a.filter.as_mut())
                .chain(riders.iter_mut().flat_map(|r| r.steps.iter_mut())),
            &|c| kinds[c] == ColKind::Str && Some(c) != time,
        );
        plans.push(SourcePlan {
            source: s,
            name: src.name.clone(),
            path,
            columns,
            kinds,
            time,
            dims,
            aggs: agg_plans,
            grain: req.grain,
            from: req.from,
            to: req.to,
            keep_before,
            cut: req.cut.clone(),
            tz: tz.clone(),
            coded,
            read: std::sync::Arc::new(src.read.clone()),
            riders,
            derived,
            raw,
            lookups,
        });
    }
    Ok(plans)
}

/// A journey funnel read in the pass of its source: step filters and the entity
/// column index the source plan's columns.
#[derive(Clone, Debug)]
pub struct Rider {
    pub name: String,
    pub entity: usize,
    pub steps: Vec<Filter>,
    /// The step nodes, in step order.
    pub nodes: Vec<NodeId>,
    pub within: i64,
}

/// Plan a journey funnel as a rider of its source's scan; `col` adds a column to
/// the source plan and gives its index.
pub fn rider(
    graph: &Graph,
    j: &JourneyDef,
    col: &mut dyn FnMut(&str) -> usize,
) -> Result<Rider, EvalError> {
    let src = &graph.sources[j.source];
    if src.time.is_none() {
        return Err(EvalError::Data(format!(
            "journey funnel `{}` follows source `{}`, which has no `time` column",
            j.name, src.name
        )));
    }
    if j.steps.len() > 31 {
        return Err(EvalError::Data(format!(
            "journey funnel `{}` has more than 31 steps",
            j.name
        )));
    }
    let entity = col(&j.entity);
    let steps: Vec<Filter> = j
        .steps
        .iter()
        .map(|(_, f)| Filter::compile(f, col))
        .collect();
    Ok(Rider {
        name: j.name.clone(),
        entity,
        steps,
        nodes: j.members[..j.steps.len().min(j.members.len())].to_vec(),
        within: j.within_seconds,
    })
}
