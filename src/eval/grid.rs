//! The evaluation grid: one row per (group, period), each aggregate and formula a
//! column of values (NaN is null). Formulas are evaluated column by column in
//! dependency order; window functions read neighbouring rows of the same group.

use std::collections::HashMap;

use crate::compile::graph::{AggSpec, Builtin, Formula, Graph, NodeId, NodeKind, Value, Window};
use crate::data::calendar::WorkCalendar;
use crate::data::period::{period_first_day, period_last_day, period_of_day, Grain};
use crate::syntax::ast::{AggFunc, BinOp, UnOp};

use super::accum::{quantile, AccVec};
use super::merge::Merged;
use super::row::round;
use super::scan::AggPlan;
use super::EvalError;

/// Rows and their calendar facts.
pub struct Grid {
    /// (group id, period) per row, grouped by group, periods ascending.
    pub rows: Vec<(u32, i32)>,
    /// Index of the first row of each row's group.
    pub group_start: Vec<usize>,
    pub workdays: Vec<f64>,
    pub days: Vec<f64>,
    pub grain: Grain,
    /// The first period that holds data (of any source): `prev` of it is null.
    pub data_first: i32,
}

impl Grid {
    /// `rows` must be sorted by group order, then period. `workdays` and `days` count
    /// the days of a period inside `range` (and up to its cut, with one); a period
    /// wholly before the range (read by window functions only) counts all its days,
    /// as it would as a range of its own.
    pub fn new(
        rows: Vec<(u32, i32)>,
        grain: Grain,
        range: (i32, i32),
        data_first: i32,
        cal: &WorkCalendar,
        cut: Option<&crate::plan::Cut>,
    ) -> Grid {
        let mut group_start = Vec::with_capacity(rows.len());
        let mut workdays = Vec::with_capacity(rows.len());
        let mut days = Vec::with_capacity(rows.len());
        for (i, &(g, p)) in rows.iter().enumerate() {
            let start = if i > 0 && rows[i - 1].0 == g {
                group_start[i - 1]
            } else {
                i
            };
            group_start.push(start);
            let (a, b) = if grain == Grain::All {
                range
            } else {
                let (first, last) = (period_first_day(grain, p), period_last_day(grain, p));
                let last = last.min(cut.map_or(i32::MAX, |c| c.last_day(p)));
                if last < range.0 {
                    (first, last)
                } else {
                    (first.max(range.0), last.min(range.1))
                }
            };
            workdays.push(cal.workdays(a, b) as f64);
            days.push(WorkCalendar::days(a, b) as f64);
        }
        Grid {
            rows,
            group_start,
            workdays,
            days,
            grain,
            data_first,
        }
    }
}

/// A map by node, with a fast hasher: formulas look their inputs up per cell.
pub type NodeMap<V> = HashMap<NodeId, V, foldhash::fast::RandomState>;

/// Values of the nodes over the grid.
#[derive(Default, Clone)]
pub struct Cols {
    pub values: NodeMap<Vec<f64>>,
    /// Exact sums (10^-6 units) of `sum` aggregates of plain decimals.
    pub exact: NodeMap<Vec<Option<i128>>>,
    /// For `avg` aggregates: the sum and count behind each value (to roll them up).
    pub avg_parts: NodeMap<(Vec<f64>, Vec<f64>)>,
    /// `workdays` and `days` per row when they differ from the grid's (rolled up
    /// over a window, where a derived metric is recomputed from rolled bases).
    pub calendar: Option<(Vec<f64>, Vec<f64>)>,
}

/// Fill the aggregate columns of one source.
pub fn fill_aggregates(grid: &Grid, aggs: &[AggPlan], merged: &mut Merged, cols: &mut Cols) {
    // Each grid row's slot in this source, looked up once for all its aggregates.
    let slots: Vec<Option<usize>> = grid
        .rows
        .iter()
        .map(|key| merged.slots.get(key).copied())
        .collect();
    for (k, agg) in aggs.iter().enumerate() {
        let n = grid.rows.len();
        let mut vals = vec![f64::NAN; n];
        let acc = &mut merged.accs[k];
        let mut exact = None;
        let mut parts = None;
        match acc {
            AccVec::Count(v) => {
                for (r, slot) in slots.iter().enumerate() {
                    vals[r] = slot.map_or(0.0, |s| v[s] as f64);
                }
            }
            AccVec::Sum(v) => {
                let mut ex = vec![Some(0i128); n];
                let mut sums = vec![0.0; n];
                let mut counts = vec![0.0; n];
                for (r, slot) in slots.iter().enumerate() {
                    if let Some(s) = *slot {
                        let a = v[s];
                        sums[r] = a.value();
                        counts[r] = a.n as f64;
                        ex[r] = a.exact();
                    }
                    vals[r] = if agg.func == AggFunc::Avg {
                        if counts[r] > 0.0 {
                            sums[r] / counts[r]
                        } else {
                            f64::NAN
                        }
                    } else {
                        sums[r]
                    };
                }
                if agg.func == AggFunc::Avg {
                    parts = Some((sums, counts));
                } else {
                    exact = Some(ex);
                }
            }
            AccVec::Min(v) | AccVec::Max(v) => {
                for (r, slot) in slots.iter().enumerate() {
                    vals[r] = slot.map_or(f64::NAN, |s| v[s]);
                }
            }
            AccVec::Distinct(v) => {
                for (r, slot) in slots.iter().enumerate() {
                    vals[r] = slot.map_or(0.0, |s| v[s].len() as f64);
                }
            }
            AccVec::Values(v) => {
                let q = agg.fraction.unwrap_or(0.5);
                for (r, slot) in slots.iter().enumerate() {
                    vals[r] = slot.map_or(f64::NAN, |s| quantile(&mut v[s], q));
                }
            }
        }
        cols.values.insert(agg.node, vals);
        if let Some(e) = exact {
            cols.exact.insert(agg.node, e);
        }
        if let Some(p) = parts {
            cols.avg_parts.insert(agg.node, p);
        }
    }
}

/// A value inside a formula.
#[derive(Clone, Copy, Debug, PartialEq)]
enum F<'a> {
    Null,
    Num(f64),
    Bool(bool),
    Str(&'a str),
    Date(i32),
    Dur(i64),
}

fn num(v: F) -> Option<f64> {
    match v {
        F::Num(x) if !x.is_nan() => Some(x),
        _ => None,
    }
}

fn from_value(v: &Value) -> F<'_> {
    match v {
        Value::Null => F::Null,
        Value::Num(x) => F::Num(*x),
        Value::Bool(b) => F::Bool(*b),
        Value::Str(s) => F::Str(s),
        Value::Date(d) => F::Date(*d),
        Value::Duration(s) => F::Dur(*s),
    }
}

/// Evaluates formula nodes over the grid.
pub struct Evaluator<'g> {
    pub graph: &'g Graph,
    pub grid: &'g Grid,
    /// Rolled-up columns for `rolling`/`to_date`, by window and metric.
    rolled: HashMap<(Window, NodeId), Vec<f64>>,
    /// Topological position of every node.
    topo_pos: Vec<usize>,
    /// The script runtime of this evaluation, when formulas call script functions.
    pub scripts: Option<&'g crate::script::Runtime<'g>>,
}

impl<'g> Evaluator<'g> {
    pub fn new(graph: &'g Graph, grid: &'g Grid) -> Self {
        let mut topo_pos = vec![0; graph.nodes.len()];
        for (i, id) in graph.topo_order().into_iter().enumerate() {
            topo_pos[id.0 as usize] = i;
        }
        Evaluator {
            graph,
            grid,
            rolled: HashMap::new(),
            topo_pos,
            scripts: None,
        }
    }

    /// Evaluate the formula nodes among `needed` (aggregates must be in `cols`).
    pub fn run(&mut self, needed: &[NodeId], cols: &mut Cols) -> Result<(), EvalError> {
        let mut order: Vec<NodeId> = needed.to_vec();
        order.sort_by_key(|id| self.topo_pos[id.0 as usize]);
        for id in order {
            let NodeKind::Formula(f) = &self.graph.node(id).kind else {
                continue;
            };
            self.prepare_windows(f, cols)?;
            let col = self.column(f, cols)?;
            // The compiler says which nodes may be exact; the data says whether they
            // are (every summed value a plain decimal).
            if self.graph.node(id).typing.exact {
                if let Some(ex) = self.exact_column(f, cols, &col) {
                    cols.exact.insert(id, ex);
                }
            }
            cols.values.insert(id, col);
        }
        Ok(())
    }

    /// Exact values (10^-6 units) of a formula over exact decimal sums: an alias,
    /// `+`/`-`/negation of exact columns, and `prev`/`rolling`/`to_date` of one.
    /// `None` if the formula is not of that shape; a row is `None` where an input is
    /// inexact or the (float) value is null.
    fn exact_column(&self, f: &Formula, cols: &Cols, values: &[f64]) -> Option<Vec<Option<i128>>> {
        fn exactable(f: &Formula, cols: &Cols) -> bool {
            match f {
                Formula::Node(id)
                | Formula::Window(Window::Prev | Window::Rolling(_) | Window::ToDate(_), id) => {
                    cols.exact.contains_key(id)
                }
                Formula::Binary(BinOp::Add | BinOp::Sub, a, b) => {
                    exactable(a, cols) && exactable(b, cols)
                }
                Formula::Unary(UnOp::Neg, a) => exactable(a, cols),
                _ => false,
            }
        }
        if !exactable(f, cols) {
            return None;
        }

        Some(
            values
                .iter()
                .enumerate()
                .map(|(r, v)| {
                    if v.is_nan() {
                        None
                    } else {
                        self.exact_at(f, r, cols)
                    }
                })
                .collect(),
        )
    }

    fn exact_at(&self, f: &Formula, r: usize, cols: &Cols) -> Option<i128> {
        match f {
            Formula::Node(id) => cols.exact[id][r],
            Formula::Window(Window::Prev, id) => self.prev_row(r).and_then(|p| cols.exact[id][p]),
            Formula::Window(w, id) => {
                let ex = &cols.exact[id];
                self.window_rows(*w, r)
                    .try_fold(0i128, |acc, i| ex[i].and_then(|x| acc.checked_add(x)))
            }
            Formula::Binary(BinOp::Add, a, b) => self
                .exact_at(a, r, cols)?
                .checked_add(self.exact_at(b, r, cols)?),
            Formula::Binary(_, a, b) => self
                .exact_at(a, r, cols)?
                .checked_sub(self.exact_at(b, r, cols)?),
            Formula::Unary(_, a) => self.exact_at(a, r, cols)?.checked_neg(),
            _ => None,
        }
    }

    /// Compute the rolled columns a formula's `rolling`/`to_date` calls read.
    fn prepare_windows(&mut self, f: &Formula, cols: &Cols) -> Result<(), EvalError> {
        let mut ws = Vec::new();
        collect_windows(f, &mut ws);
        for (w, m) in ws {
            if self.rolled.contains_key(&(w, m)) {
                continue;
            }
            let col = self.rolled_column(w, m, cols)?;
            self.rolled.insert((w, m), col);
        }
        Ok(())
    }

    /// Rows that window `w` combines for row `r`.
    fn window_rows(&self, w: Window, r: usize) -> std::ops::RangeInclusive<usize> {
        let start = self.grid.group_start[r];
        match w {
            Window::Rolling(n) => r.saturating_sub(n as usize - 1).max(start)..=r,
            Window::ToDate(g) => {
                let p = self.grid.rows[r].1;
                let outer = period_of_day(g, period_first_day(self.grid.grain, p));
                let mut s = r;
                while s > start
                    && period_of_day(
                        g,
                        period_first_day(self.grid.grain, self.grid.rows[s - 1].1),
                    ) == outer
                {
                    s -= 1;
                }
                s..=r
            }
            _ => r..=r,
        }
    }

    /// `m` recomputed from its bases rolled up over window `w`.
    fn rolled_column(&mut self, w: Window, m: NodeId, cols: &Cols) -> Result<Vec<f64>, EvalError> {
        let deps = crate::plan::closure(self.graph, &[m]);
        let mut rc = Cols::default();
        let n = self.grid.rows.len();
        for &d in &deps {
            let NodeKind::Aggregate(spec) = &self.graph.node(d).kind else {
                continue;
            };
            let base = &cols.values[&d];
            let mut out = vec![f64::NAN; n];
            for (r, slot) in out.iter_mut().enumerate() {
                let rows = self.window_rows(w, r);
                *slot = roll(spec, d, base, cols, rows);
            }
            rc.values.insert(d, out);
        }
        // `workdays` and `days` are additive over periods like counts: a rolled
        // `calls / workdays` is the window's calls over the window's working days.
        let (gw, gd) = cols
            .calendar
            .as_ref()
            .map_or((&self.grid.workdays[..], &self.grid.days[..]), |c| {
                (&c.0[..], &c.1[..])
            });
        let mut wd = vec![0.0; n];
        let mut dd = vec![0.0; n];
        for r in 0..n {
            for i in self.window_rows(w, r) {
                wd[r] += gw[i];
                dd[r] += gd[i];
            }
        }
        rc.calendar = Some((wd, dd));
        let mut order: Vec<NodeId> = deps
            .into_iter()
            .filter(|d| matches!(self.graph.node(*d).kind, NodeKind::Formula(_)))
            .collect();
        order.sort_by_key(|id| self.topo_pos[id.0 as usize]);
        for id in order {
            let NodeKind::Formula(f) = &self.graph.node(id).kind else {
                continue;
            };
            let col = self.column(f, &rc)?;
            rc.values.insert(id, col);
        }
        Ok(rc.values.remove(&m).unwrap_or_else(|| vec![f64::NAN; n]))
    }

    fn column(&self, f: &Formula, cols: &Cols) -> Result<Vec<f64>, EvalError> {
        let n = self.grid.rows.len();
        let (workdays, days) = (&self.grid.workdays[..], &self.grid.days[..]);
        if let Some(a) = super::arith::resolve(self.graph, f, cols, workdays, days) {
            return Ok(a.column(n));
        }
        let mut out = Vec::with_capacity(n);
        for r in 0..n {
            let v = self.eval(f, r, cols)?;
            out.push(match v {
                F::Num(x) if x.is_finite() => x,
                F::Bool(b) => {
                    if b {
                        1.0
                    } else {
                        0.0
                    }
                }
                _ => f64::NAN,
            });
        }
        Ok(out)
    }

    fn node_value(&self, id: NodeId, r: usize, cols: &Cols) -> F<'g> {
        let node = self.graph.node(id);
        if let NodeKind::Param { value } = &node.kind {
            return value.as_ref().map_or(F::Null, from_value);
        }
        match cols.values.get(&id) {
            Some(c) if !c[r].is_nan() => F::Num(c[r]),
            _ => F::Null,
        }
    }

    fn eval(&self, f: &'g Formula, r: usize, cols: &Cols) -> Result<F<'g>, EvalError> {
        Ok(match f {
            Formula::Const(v) => from_value(v),
            Formula::Node(id) => self.node_value(*id, r, cols),
            Formula::Workdays => F::Num(
                cols.calendar
                    .as_ref()
                    .map_or(self.grid.workdays[r], |c| c.0[r]),
            ),
            Formula::Days => F::Num(cols.calendar.as_ref().map_or(self.grid.days[r], |c| c.1[r])),
            Formula::Unary(UnOp::Neg, a) => {
                num(self.eval(a, r, cols)?).map_or(F::Null, |x| F::Num(-x))
            }
            Formula::Unary(UnOp::Not, a) => match self.eval(a, r, cols)? {
                F::Bool(b) => F::Bool(!b),
                _ => F::Null,
            },
            Formula::Binary(op, a, b) => {
                let x = self.eval(a, r, cols)?;
                let y = self.eval(b, r, cols)?;
                binary(*op, x, y)
            }
            Formula::In(a, items) => {
                let x = self.eval(a, r, cols)?;
                if x == F::Null {
                    F::Null
                } else {
                    let mut hit = false;
                    for i in items {
                        if compare(x, self.eval(i, r, cols)?) == Some(std::cmp::Ordering::Equal) {
                            hit = true;
                            break;
                        }
                    }
                    F::Bool(hit)
                }
            }
            Formula::Call(b, args) => self.call(*b, args, r, cols)?,
            Formula::Window(w, m) => self.window(*w, *m, r, cols),
            Formula::Script(name, args) => self.script(name, args, r, cols)?,
        })
    }

    /// A script function on this row's values (one call per group and period).
    fn script(
        &self,
        name: &str,
        args: &'g [Formula],
        r: usize,
        cols: &Cols,
    ) -> Result<F<'g>, EvalError> {
        use crate::script::{Arg, Scalar};
        let Some(rt) = self.scripts else {
            return Err(EvalError::Data(format!(
                "script function `{name}` called without its script"
            )));
        };
        let mut vals = Vec::with_capacity(args.len());
        for a in args {
            vals.push(match self.eval(a, r, cols)? {
                F::Num(x) if !x.is_nan() => Arg::Num(x),
                F::Bool(b) => Arg::Bool(b),
                F::Str(s) => Arg::Str(s),
                F::Date(d) => Arg::Date(d),
                F::Dur(s) => Arg::Seconds(s),
                F::Null | F::Num(_) => Arg::Null,
            });
        }
        Ok(match rt.call(name, &vals, self.grid.rows[r])? {
            Scalar::Null => F::Null,
            Scalar::Num(x) => F::Num(x),
            Scalar::Bool(b) => F::Bool(b),
            Scalar::Str(s) => F::Str(s),
        })
    }

    fn prev_row(&self, r: usize) -> Option<usize> {
        if r == 0 || self.grid.group_start[r] == r {
            return None;
        }
        // Rows of a group are consecutive periods when windows are in use; a period
        // before the data's first period is unknown (null), not an empty group.
        let p = self.grid.rows[r - 1].1;
        (p == self.grid.rows[r].1 - 1 && p >= self.grid.data_first).then_some(r - 1)
    }

    fn window(&self, w: Window, m: NodeId, r: usize, cols: &Cols) -> F<'g> {
        match w {
            Window::Prev => self
                .prev_row(r)
                .map_or(F::Null, |p| self.node_value(m, p, cols)),
            Window::Change => {
                let cur = num(self.node_value(m, r, cols));
                let prev = self
                    .prev_row(r)
                    .and_then(|p| num(self.node_value(m, p, cols)));
                match (cur, prev) {
                    (Some(c), Some(p)) if p != 0.0 => F::Num((c - p) / p),
                    _ => F::Null,
                }
            }
            _ => match self.rolled.get(&(w, m)) {
                Some(c) if !c[r].is_nan() => F::Num(c[r]),
                _ => F::Null,
            },
        }
    }

    fn call(
        &self,
        b: Builtin,
        args: &'g [Formula],
        r: usize,
        cols: &Cols,
    ) -> Result<F<'g>, EvalError> {
        Ok(match b {
            Builtin::Coalesce => {
                for a in args {
                    let v = self.eval(a, r, cols)?;
                    if v != F::Null {
                        return Ok(v);
                    }
                }
                F::Null
            }
            Builtin::If => match self.eval(&args[0], r, cols)? {
                F::Bool(true) => self.eval(&args[1], r, cols)?,
                _ => self.eval(&args[2], r, cols)?,
            },
            Builtin::Min | Builtin::Max => {
                let x = num(self.eval(&args[0], r, cols)?);
                let y = num(self.eval(&args[1], r, cols)?);
                match (x, y) {
                    (Some(x), Some(y)) => F::Num(if b == Builtin::Min {
                        x.min(y)
                    } else {
                        x.max(y)
                    }),
                    _ => F::Null,
                }
            }
            Builtin::Abs => num(self.eval(&args[0], r, cols)?).map_or(F::Null, |x| F::Num(x.abs())),
            Builtin::Round => {
                let x = num(self.eval(&args[0], r, cols)?);
                let d = match args.get(1) {
                    Some(a) => num(self.eval(a, r, cols)?).unwrap_or(0.0),
                    None => 0.0,
                };
                x.map_or(F::Null, |x| F::Num(round(x, d)))
            }
            Builtin::IsNull => F::Bool(self.eval(&args[0], r, cols)? == F::Null),
        })
    }
}

fn collect_windows(f: &Formula, out: &mut Vec<(Window, NodeId)>) {
    match f {
        Formula::Window(w @ (Window::Rolling(_) | Window::ToDate(_)), m) => out.push((*w, *m)),
        Formula::Unary(_, a) => collect_windows(a, out),
        Formula::Binary(_, a, b) => {
            collect_windows(a, out);
            collect_windows(b, out)
        }
        Formula::In(a, items) => {
            collect_windows(a, out);
            items.iter().for_each(|i| collect_windows(i, out))
        }
        Formula::Call(_, args) | Formula::Script(_, args) => {
            args.iter().for_each(|i| collect_windows(i, out))
        }
        _ => {}
    }
}

/// An aggregate combined over several rows.
fn roll(
    spec: &AggSpec,
    id: NodeId,
    base: &[f64],
    cols: &Cols,
    rows: std::ops::RangeInclusive<usize>,
) -> f64 {
    match spec.func {
        AggFunc::Count | AggFunc::Sum => rows
            .map(|i| if base[i].is_nan() { 0.0 } else { base[i] })
            .sum(),
        AggFunc::Avg => match cols.avg_parts.get(&id) {
            Some((s, n)) => {
                let (ss, nn) = rows.fold((0.0, 0.0), |(a, b), i| (a + s[i], b + n[i]));
                if nn > 0.0 {
                    ss / nn
                } else {
                    f64::NAN
                }
            }
            None => f64::NAN,
        },
        AggFunc::Min => rows.map(|i| base[i]).fold(f64::NAN, super::accum::nan_min),
        AggFunc::Max => rows.map(|i| base[i]).fold(f64::NAN, super::accum::nan_max),
        _ => f64::NAN,
    }
}

fn compare(a: F, b: F) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (F::Null, _) | (_, F::Null) => None,
        (F::Num(x), F::Num(y)) => x.partial_cmp(&y),
        (F::Str(x), F::Str(y)) => Some(x.cmp(y)),
        (F::Bool(x), F::Bool(y)) => Some(x.cmp(&y)),
        (F::Date(x), F::Date(y)) => Some(x.cmp(&y)),
        (F::Dur(x), F::Dur(y)) => Some(x.cmp(&y)),
        _ => None,
    }
}

fn binary<'a>(op: BinOp, x: F<'a>, y: F<'a>) -> F<'a> {
    use std::cmp::Ordering::*;
    match op {
        BinOp::And => match (x, y) {
            (F::Bool(false), _) | (_, F::Bool(false)) => F::Bool(false),
            (F::Bool(true), F::Bool(true)) => F::Bool(true),
            _ => F::Null,
        },
        BinOp::Or => match (x, y) {
            (F::Bool(true), _) | (_, F::Bool(true)) => F::Bool(true),
            (F::Bool(false), F::Bool(false)) => F::Bool(false),
            _ => F::Null,
        },
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
            match compare(x, y) {
                Some(o) => F::Bool(match op {
                    BinOp::Eq => o == Equal,
                    BinOp::Ne => o != Equal,
                    BinOp::Lt => o == Less,
                    BinOp::Le => o != Greater,
                    BinOp::Gt => o == Greater,
                    _ => o != Less,
                }),
                None => F::Null,
            }
        }
        _ => match (num(x), num(y)) {
            (Some(a), Some(b)) => match super::arith::apply(op, a, b) {
                v if v.is_nan() => F::Null,
                v => F::Num(v),
            },
            _ => F::Null,
        },
    }
}
