//! The columns of one source's scan plan: the file's columns first, then the derived
//! ones (derived columns, aggregations' row expressions, lookup rows and dimensions),
//! each after the columns it is computed from; and the aggregates and journey riders
//! planned against them.

use crate::compile::graph::{ColumnType, Graph, NodeId, NodeKind, SourceDef};
use crate::data::period::Grain;
use crate::syntax::ast::AggFunc;

use super::filter::Filter;
use super::{data_path, derive, lookup, rider, AggPlan, ColKind, EvalError, Request, Rider};

/// What a source plan reads: (time, dims, aggregates, riders), with the columns
/// registered in `set`.
pub(super) type Planned = (Option<usize>, Vec<usize>, Vec<AggPlan>, Vec<Rider>);

/// Plan one source's columns, aggregates and riders against `set`.
pub(super) fn plan_columns(
    graph: &Graph,
    req: &Request,
    src: &SourceDef,
    aggs: &[NodeId],
    riding: &[usize],
    set: &mut ColumnSet,
) -> Result<Planned, EvalError> {
    // Known in the second pass (derived columns reading it see a day).
    set.time = src
        .time
        .as_ref()
        .and_then(|t| set.columns.iter().position(|c| c == t));
    let riders = riding
        .iter()
        .map(|&j| rider(graph, &graph.journeys[j], &mut |c| set.col(c, None)))
        .collect::<Result<Vec<_>, _>>()?;
    let time = match (&src.time, req.grain) {
        (Some(t), _) => Some(set.col(t, Some(ColKind::Str))),
        (None, Grain::All) if req.from.is_none() && req.to.is_none() => None,
        (None, _) => {
            return Err(EvalError::Data(format!(
                "source `{}` has no `time` column, so it cannot be grouped by {} or limited by --from/--to; declare `time COLUMN` in the source",
                src.name,
                req.grain.as_str()
            )))
        }
    };
    set.time = time;
    let dims: Vec<usize> = req
        .by
        .iter()
        .map(|d| set.col(d, Some(ColKind::Str)))
        .collect();
    let mut agg_plans = Vec::new();
    for &id in aggs {
        let NodeKind::Aggregate(a) = &graph.node(id).kind else {
            continue;
        };
        let value_kind = match a.func {
            AggFunc::Count | AggFunc::CountDistinct => None,
            _ => Some(ColKind::Num),
        };
        let column = match &a.expr {
            Some(e) => Some(set.expr_col(e)),
            None => a.column.as_ref().map(|c| set.col(c, value_kind)),
        };
        let filter = a
            .filter
            .as_ref()
            .map(|f| Filter::compile(f, &mut |c| set.col(c, None)));
        agg_plans.push(AggPlan {
            node: id,
            func: a.func,
            column,
            fraction: a.fraction,
            filter,
        });
    }
    Ok((time, dims, agg_plans, riders))
}

/// The columns of a source plan as they are registered: the file's columns and the
/// derived ones (with what they are computed from registered before them).
pub(super) struct ColumnSet<'g> {
    graph: &'g Graph,
    req: &'g Request,
    src: &'g SourceDef,
    /// The lookups the columns need, in the order they were first needed: the
    /// source's lookup index and its plan.
    pub(super) lookups: Vec<(usize, Result<lookup::LookupPlan, EvalError>)>,
    pub(super) columns: Vec<String>,
    pub(super) kinds: Vec<ColKind>,
    /// Per column: read from the file (not derived).
    pub(super) raw: Vec<bool>,
    pub(super) derived: Vec<derive::Derived>,
    time: Option<usize>,
}

impl<'g> ColumnSet<'g> {
    pub(super) fn new(graph: &'g Graph, req: &'g Request, src: &'g SourceDef) -> ColumnSet<'g> {
        ColumnSet {
            graph,
            req,
            lookups: Vec::new(),
            src,
            columns: Vec::new(),
            kinds: Vec::new(),
            raw: Vec::new(),
            derived: Vec::new(),
            time: None,
        }
    }

    /// The index of column `name`, registered if new; `kind` asks for it to be read
    /// as a number, a boolean, .. (a text column is upgraded).
    pub(super) fn col(&mut self, name: &str, kind: Option<ColKind>) -> usize {
        if let Some(i) = self.columns.iter().position(|c| c == name) {
            if let Some(k) = kind {
                if self.kinds[i] == ColKind::Str && self.raw[i] {
                    self.kinds[i] = k;
                }
            }
            return i;
        }
        let src = self.src;
        if let Some(d) = src.derived(name) {
            let calc = derive::Calc::compile(&d.expr, &mut |c, k| self.col(c, k));
            return self.push_derived(name, calc);
        }
        if let Some(k) = src.lookup_of(name) {
            return self.lookup_dim(k, name);
        }
        let hinted = match src.column_type(name) {
            Some(ColumnType::Decimal | ColumnType::Int) => ColKind::Num,
            Some(ColumnType::Bool) => ColKind::Bool,
            Some(ColumnType::Date | ColumnType::Timestamp) => ColKind::Date,
            _ => ColKind::Str,
        };
        self.columns.push(name.to_string());
        self.kinds.push(kind.unwrap_or(hinted));
        self.raw.push(true);
        self.columns.len() - 1
    }

    /// The hidden column computing an aggregation's row expression (one per distinct
    /// expression, however many aggregates use it).
    fn expr_col(&mut self, e: &crate::compile::graph::RowExpr) -> usize {
        let name = derive::expr_column_name(e);
        if let Some(i) = self.columns.iter().position(|c| *c == name) {
            return i;
        }
        let calc = derive::Calc::compile(e, &mut |c, k| self.col(c, k));
        self.push_derived(&name, calc)
    }

    /// The column of dimension `dim` of lookup `k`: read from the lookup row that the
    /// row's key (and day) matches, itself a hidden column shared by the lookup's
    /// dimensions.
    fn lookup_dim(&mut self, k: usize, dim: &str) -> usize {
        let def = &self.src.lookups[k];
        let lsrc = &self.graph.sources[def.source];
        let lookup = match self.lookups.iter().position(|(j, _)| *j == k) {
            Some(i) => i,
            None => {
                let plan = data_path(self.req, lsrc).map(|path| lookup::LookupPlan {
                    source: def.source,
                    entry: k,
                    name: lsrc.name.clone(),
                    path,
                    read: std::sync::Arc::new(lsrc.read.clone()),
                    key: lsrc.key.clone().unwrap_or_default(),
                    dims: def.dims.clone(),
                    valid_from: lsrc.valid_from.clone(),
                    valid_to: lsrc.valid_to.clone(),
                    on: def.on.clone(),
                });
                self.lookups.push((k, plan));
                self.lookups.len() - 1
            }
        };
        let row_name = format!("({}@{})", lsrc.name, def.on);
        let row = match self.columns.iter().position(|c| *c == row_name) {
            Some(i) => i,
            None => {
                let key = self.col(&def.on, None);
                let time = lsrc.valid_from.as_ref().and(self.time);
                let calc = derive::Calc::LookupRow { lookup, key, time };
                self.push_derived(&row_name, calc)
            }
        };
        let d = def.dims.iter().position(|x| x == dim).unwrap_or(0);
        self.push_derived(
            dim,
            derive::Calc::LookupDim {
                lookup,
                row,
                dim: d,
            },
        )
    }

    fn push_derived(&mut self, name: &str, calc: derive::Calc) -> usize {
        let kind = calc.kind(&self.kinds, self.time);
        self.columns.push(name.to_string());
        self.kinds.push(kind);
        self.raw.push(false);
        let col = self.columns.len() - 1;
        self.derived.push(derive::Derived { col, calc });
        col
    }
}
