//! `kpi eval --engine postgres` with script functions (DESIGN 5.5): PostgreSQL
//! computes everything but the formulas that call a script function (and those
//! reading them); those are then evaluated in-process over the returned rows, one
//! script call per group and period as in the engine.

use std::collections::{HashMap, HashSet};

use crate::compile::graph::{Graph, NodeId, NodeKind};
use crate::data::period::{parse_period, period_first_day, period_last_day, Grain};
use crate::eval::grid::{Cols, Evaluator, Grid};
use crate::eval::{Body, Cell, Column, EvalError, Output, Request, Row};

use crate::script::calls_script;

/// The needed formulas that call a script function or read one that does.
fn scripted(graph: &Graph, needed: &[NodeId]) -> HashSet<NodeId> {
    fn walk(graph: &Graph, id: NodeId, memo: &mut HashMap<NodeId, bool>) -> bool {
        if let Some(&t) = memo.get(&id) {
            return t;
        }
        memo.insert(id, false); // cycles are refused by the compiler
        let t = match &graph.node(id).kind {
            NodeKind::Formula(f) => {
                let mut deps = Vec::new();
                f.deps(&mut deps);
                calls_script(f) || deps.into_iter().any(|d| walk(graph, d, memo))
            }
            _ => false,
        };
        memo.insert(id, t);
        t
    }
    let mut memo = HashMap::new();
    needed
        .iter()
        .copied()
        .filter(|&id| walk(graph, id, &mut memo))
        .collect()
}

/// Evaluate `req` in PostgreSQL, with its script functions in-process.
pub fn evaluate(
    graph: &Graph,
    req: &Request,
    tables: &HashMap<String, String>,
    dsn: &str,
) -> Result<Output, EvalError> {
    let needed = crate::plan::closure(graph, &req.metrics);
    let tainted = scripted(graph, &needed);
    if tainted.is_empty() {
        return super::postgres::evaluate(graph, req, tables, dsn);
    }
    // What the query computes: the metrics asked for that need no script, and every
    // value a scripted formula reads, and the working days of each row.
    let mut sql_metrics: Vec<NodeId> = Vec::new();
    let push = |id: NodeId, v: &mut Vec<NodeId>| {
        if !v.contains(&id) {
            v.push(id);
        }
    };
    for &id in &req.metrics {
        if !tainted.contains(&id) {
            push(id, &mut sql_metrics);
        }
    }
    for &id in &tainted {
        if let NodeKind::Formula(f) = &graph.node(id).kind {
            let mut deps = Vec::new();
            f.deps(&mut deps);
            for d in deps {
                let kind = &graph.node(d).kind;
                if !tainted.contains(&d) && !matches!(kind, NodeKind::Param { .. }) {
                    push(d, &mut sql_metrics);
                }
            }
        }
    }
    let workdays = crate::analyze::workdays_node(graph)?;
    push(workdays, &mut sql_metrics);
    let days = graph.days;
    if let Some(d) = days {
        push(d, &mut sql_metrics);
    }
    let sub = Request {
        metrics: sql_metrics.clone(),
        ..req.clone()
    };
    let base = super::postgres::evaluate(graph, &sub, tables, dsn)?;
    let rows = base.rows();
    // The grid of the returned rows: groups in order, periods as ordinals.
    let mut group_ids: HashMap<&[String], u32> = HashMap::new();
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut keys = Vec::with_capacity(rows.len());
    for r in rows {
        let g = *group_ids.entry(&r.dims).or_insert_with(|| {
            groups.push(r.dims.clone());
            groups.len() as u32 - 1
        });
        let p = match (&r.period, req.grain) {
            (_, Grain::All) | (None, _) => 0,
            (Some(l), g) => parse_period(g, l)
                .ok_or_else(|| EvalError::Data(format!("PostgreSQL returned the period `{l}`")))?,
        };
        keys.push((g, p));
    }
    let first = keys.iter().map(|k| k.1).min().unwrap_or(0);
    let last = keys.iter().map(|k| k.1).max().unwrap_or(0);
    let range = match (req.from, req.to, req.grain) {
        (Some(a), Some(b), _) => (a, b),
        (a, b, g) if g != Grain::All => (
            a.unwrap_or(period_first_day(g, first)),
            b.unwrap_or(period_last_day(g, last)),
        ),
        (a, b, _) => (a.unwrap_or(i32::MIN / 2), b.unwrap_or(i32::MAX / 2)),
    };
    let cal = graph.work_calendar();
    let mut grid = Grid::new(keys, req.grain, range, first, &cal, None);
    let col_of = |id: NodeId| sql_metrics.iter().position(|m| *m == id);
    // The query's own working days and days (the range it saw: at grain `all`
    // without `--from`/`--to`, the data's), not a guess.
    let column = |k: usize| -> Vec<f64> {
        rows.iter()
            .map(|r| r.values[k].as_f64().unwrap_or(f64::NAN))
            .collect()
    };
    if let Some(k) = col_of(workdays) {
        grid.workdays = column(k);
    }
    if let Some(k) = days.and_then(col_of) {
        grid.days = column(k);
    }
    let mut cols = Cols::default();
    for (k, &id) in sql_metrics.iter().enumerate() {
        cols.values.insert(
            id,
            rows.iter()
                .map(|r| r.values[k].as_f64().unwrap_or(f64::NAN))
                .collect(),
        );
    }
    let names = crate::script::GroupNames {
        by: &req.by,
        values: &groups,
        grain: req.grain,
    };
    let scripts = crate::script::Runtime::for_nodes(graph, &needed, names)?;
    let mut ev = Evaluator::new(graph, &grid);
    ev.scripts = scripts.as_ref();
    let order: Vec<NodeId> = needed
        .iter()
        .copied()
        .filter(|id| tainted.contains(id))
        .collect();
    ev.run(&order, &mut cols)?;
    let out_rows: Vec<Row> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| Row {
            dims: r.dims.clone(),
            period: r.period.clone(),
            values: req
                .metrics
                .iter()
                .map(|id| match col_of(*id) {
                    Some(k) if !tainted.contains(id) => r.values[k].clone(),
                    _ => Cell::opt(cols.values.get(id).map(|v| v[i])),
                })
                .collect(),
        })
        .collect();
    Ok(Output {
        by: req.by.clone(),
        grain: req.grain,
        columns: Column::of(graph, &req.metrics),
        body: Body::Rows(out_rows),
        scans: Vec::new(),
        range: (0, -1),
        data_days: None,
        data_extent: None,
        period_dated: Vec::new(),
    })
}
