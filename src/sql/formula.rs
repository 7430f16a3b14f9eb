//! Formulas (metrics and funnel members) to SQL over the grid of (group, period)
//! rows: the engine's value rules (null propagation, division by zero is null,
//! comparisons of unlike kinds are null), window functions over the period
//! sequence, and `rolling`/`to_date` of derived metrics recomputed from rolled bases.
//!
//! Two modes: *double* (f64, as the engine computes formulas) and *native* for the
//! engine's exact decimals (`+`/`-`/windows over `sum`s), which stay in the
//! warehouse's exact numeric type.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashSet};

use crate::compile::graph::{Formula, Graph, NodeId, NodeKind, Value, Window};
use crate::data::period::Grain;
use crate::syntax::ast::{AggFunc, BinOp, UnOp};

use super::dialect::{Dialect, SqlType};
use super::expr::{arith, call_sql, comparison, in_sql, konst, num_expr, typed_null, Expr, K};
use super::SqlError;

/// Internal column names of the grid.
pub mod col {
    use crate::compile::graph::NodeId;
    pub fn node(id: NodeId) -> String {
        format!("n{}", id.0)
    }
    pub fn float(id: NodeId) -> String {
        format!("n{}_f", id.0)
    }
    pub fn avg_sum(id: NodeId) -> String {
        format!("n{}_s", id.0)
    }
    pub fn avg_count(id: NodeId) -> String {
        format!("n{}_c", id.0)
    }
    pub const PERIOD: &str = "ps__";
    pub const FIRST: &str = "first_ps__";
    pub const WORKDAYS: &str = "wd__";
    pub const DAYS: &str = "days__";
    pub const SHOWN: &str = "shown__";
}

/// Translates formulas over the grid.
pub struct FormulaCx<'a> {
    pub graph: &'a Graph,
    pub d: &'a dyn Dialect,
    pub grain: Grain,
    pub exact: &'a HashSet<NodeId>,
    /// Quoted group-key columns (the window partition).
    pub keys: Vec<String>,
    /// Exact formulas whose f64 value another formula reads (a `_f` column).
    pub float_needed: RefCell<BTreeSet<NodeId>>,
}

impl FormulaCx<'_> {
    fn q(&self, s: &str) -> String {
        self.d.quote_ident(s)
    }

    fn unsupported(&self, what: String) -> SqlError {
        SqlError::Unsupported {
            construct: what,
            dialect: self.d.name().to_string(),
        }
    }

    fn ps(&self) -> String {
        self.q(col::PERIOD)
    }

    /// `OVER (PARTITION BY keys[, extra] ORDER BY period [frame])`.
    fn over(&self, extra: Option<String>, frame: &str) -> String {
        let mut part: Vec<String> = self.keys.clone();
        part.extend(extra);
        let mut s = String::from("OVER (");
        if !part.is_empty() {
            s.push_str(&format!("PARTITION BY {} ", part.join(", ")));
        }
        s.push_str(&format!("ORDER BY {}", self.ps()));
        if !frame.is_empty() {
            s.push(' ');
            s.push_str(frame);
        }
        s.push(')');
        s
    }

    /// The frame a `rolling`/`to_date` window combines.
    fn frame(&self, w: Window) -> String {
        match w {
            Window::Rolling(n) => self.over(
                None,
                &format!(
                    "ROWS BETWEEN {} PRECEDING AND CURRENT ROW",
                    n.saturating_sub(1)
                ),
            ),
            Window::ToDate(g) => {
                let extra = (g != Grain::All).then(|| self.d.truncate(&self.ps(), g));
                self.over(extra, "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW")
            }
            _ => self.over(None, ""),
        }
    }

    /// `prev` of a value: the previous period's, null at or before the data's first period.
    fn prev(&self, value: &str) -> String {
        format!(
            "(CASE WHEN {} > {} THEN LAG({value}) {} END)",
            self.ps(),
            self.q(col::FIRST),
            self.over(None, "")
        )
    }

    /// The SQL of a formula node's own column.
    pub fn node_sql(&self, id: NodeId, float: bool) -> Result<String, SqlError> {
        let NodeKind::Formula(f) = &self.graph.node(id).kind else {
            return Ok(self.q(&col::node(id)));
        };
        if self.exact.contains(&id) && !float {
            return Ok(self.native(f));
        }
        let e = self.double(f, None)?;
        Ok(match e.kind {
            K::Num => e.sql,
            K::Bool => format!(
                "(CASE WHEN {} THEN {} WHEN NOT {} THEN {} END)",
                e.sql,
                super::expr::num_literal(self.d, 1.0),
                e.sql,
                super::expr::num_literal(self.d, 0.0)
            ),
            _ => typed_null(self.d, K::Num),
        })
    }

    /// An exact (native numeric) formula.
    fn native(&self, f: &Formula) -> String {
        match f {
            Formula::Node(id) => self.q(&col::node(*id)),
            Formula::Window(Window::Prev, id) if self.grain != Grain::All => {
                self.prev(&self.q(&col::node(*id)))
            }
            Formula::Window(Window::Prev, _) => self.d.cast("NULL", SqlType::Decimal),
            Formula::Window(w, id) if self.grain != Grain::All => {
                format!("SUM({}) {}", self.q(&col::node(*id)), self.frame(*w))
            }
            Formula::Window(_, id) => self.q(&col::node(*id)),
            Formula::Binary(op, a, b) => {
                let sym = if *op == BinOp::Add { "+" } else { "-" };
                format!("({} {sym} {})", self.native(a), self.native(b))
            }
            Formula::Unary(_, a) => format!("(-{})", self.native(a)),
            _ => self.d.cast("NULL", SqlType::Decimal),
        }
    }

    /// A node's f64 value in the current row.
    fn node_ref(&self, id: NodeId) -> Expr {
        let node = self.graph.node(id);
        let c = self.q(&col::node(id));
        match &node.kind {
            NodeKind::Param { value } => konst(self.d, value.as_ref().unwrap_or(&Value::Null)),
            NodeKind::Aggregate(a) => match a.func {
                AggFunc::Count | AggFunc::CountDistinct | AggFunc::Sum => {
                    num_expr(self.d.cast(&c, SqlType::Double))
                }
                _ => num_expr(c),
            },
            NodeKind::Formula(_) if self.exact.contains(&id) => {
                self.float_needed.borrow_mut().insert(id);
                num_expr(self.q(&col::float(id)))
            }
            NodeKind::Formula(_) => num_expr(c),
            NodeKind::JourneyStep { .. } => num_expr(typed_null(self.d, K::Num)),
        }
    }

    /// A node's f64 value recomputed over the rows of window `frame`.
    fn rolled_ref(&self, id: NodeId, frame: &str) -> Result<Expr, SqlError> {
        let node = self.graph.node(id);
        let dbl = |c: String| self.d.cast(&self.q(&c), SqlType::Double);
        Ok(match &node.kind {
            NodeKind::Param { value } => konst(self.d, value.as_ref().unwrap_or(&Value::Null)),
            NodeKind::Aggregate(a) => num_expr(match a.func {
                AggFunc::Count | AggFunc::Sum => format!("SUM({}) {frame}", dbl(col::node(id))),
                AggFunc::Avg => format!(
                    "(SUM({}) {frame} / NULLIF(SUM({}) {frame}, 0))",
                    dbl(col::avg_sum(id)),
                    self.q(&col::avg_count(id))
                ),
                AggFunc::Min => format!("MIN({}) {frame}", self.q(&col::node(id))),
                AggFunc::Max => format!("MAX({}) {frame}", self.q(&col::node(id))),
                _ => typed_null(self.d, K::Num),
            }),
            NodeKind::Formula(f) => self.double(f, Some(frame))?,
            NodeKind::JourneyStep { .. } => num_expr(typed_null(self.d, K::Num)),
        })
    }

    /// A window function in double mode.
    fn window(&self, w: Window, m: NodeId) -> Result<Expr, SqlError> {
        if self.grain == Grain::All {
            // One period per group: no previous period; a window of one row is the value.
            return Ok(match w {
                Window::Prev | Window::Change => num_expr(typed_null(self.d, K::Num)),
                _ => self.node_ref(m),
            });
        }
        Ok(match w {
            Window::Prev => num_expr(self.prev(&self.node_ref(m).sql)),
            Window::Change => {
                let cur = self.node_ref(m).sql;
                let p = self.prev(&cur);
                num_expr(format!("(({cur} - {p}) / NULLIF({p}, 0))"))
            }
            _ => self.rolled_ref(m, &self.frame(w))?,
        })
    }

    /// A formula in double mode; inside a rolled window when `frame` is given.
    pub fn double(&self, f: &Formula, frame: Option<&str>) -> Result<Expr, SqlError> {
        let d = self.d;
        Ok(match f {
            Formula::Const(v) => konst(d, v),
            Formula::Node(id) => match frame {
                Some(fr) => self.rolled_ref(*id, fr)?,
                None => self.node_ref(*id),
            },
            Formula::Workdays | Formula::Days => {
                let c = self.q(if matches!(f, Formula::Workdays) {
                    col::WORKDAYS
                } else {
                    col::DAYS
                });
                num_expr(match frame {
                    Some(fr) => format!("SUM({c}) {fr}"),
                    None => c,
                })
            }
            Formula::Unary(UnOp::Neg, a) => {
                let a = self.double(a, frame)?;
                num_expr(match a.kind {
                    K::Num => format!("(-{})", a.sql),
                    _ => typed_null(d, K::Num),
                })
            }
            Formula::Unary(UnOp::Not, a) => {
                let a = self.double(a, frame)?;
                super::expr::bool_expr(match a.kind {
                    K::Bool => format!("(NOT {})", a.sql),
                    _ => typed_null(d, K::Bool),
                })
            }
            Formula::Binary(op @ (BinOp::And | BinOp::Or), a, b) => {
                let as_bool = |x: Expr| match x.kind {
                    K::Bool => x.sql,
                    _ => typed_null(d, K::Bool),
                };
                let a = as_bool(self.double(a, frame)?);
                let b = as_bool(self.double(b, frame)?);
                let word = if *op == BinOp::And { "AND" } else { "OR" };
                super::expr::bool_expr(format!("({a} {word} {b})"))
            }
            Formula::Binary(op, a, b) if op.is_comparison() => {
                let (a, b) = (self.double(a, frame)?, self.double(b, frame)?);
                super::expr::bool_expr(if a.kind == b.kind && a.kind != K::Null {
                    comparison(d, *op, &a, &b)
                } else {
                    typed_null(d, K::Bool)
                })
            }
            Formula::Binary(op, a, b) => {
                let (a, b) = (self.double(a, frame)?, self.double(b, frame)?);
                num_expr(if a.kind == K::Num && b.kind == K::Num {
                    arith(*op, &a.sql, &b.sql)
                } else {
                    typed_null(d, K::Num)
                })
            }
            Formula::In(a, items) => {
                let x = self.double(a, frame)?;
                if x.kind == K::Null {
                    return Ok(super::expr::bool_expr(typed_null(d, K::Bool)));
                }
                let (mut consts, mut others) = (Vec::new(), Vec::new());
                for i in items {
                    let item = self.double(i, frame)?;
                    if item.kind != x.kind {
                        continue;
                    }
                    if item.konst.is_some() {
                        consts.push(item.sql);
                    } else {
                        others.push(item.sql);
                    }
                }
                super::expr::bool_expr(in_sql(d, &x.sql, &consts, &others))
            }
            Formula::Call(b, args) => {
                let xs = args
                    .iter()
                    .map(|a| self.double(a, frame))
                    .collect::<Result<Vec<_>, _>>()?;
                call_sql(d, *b, xs, &|w| self.unsupported(w))?
            }
            Formula::Window(w, m) => {
                if frame.is_some() {
                    return Err(self.unsupported(
                        "a window function inside the target of rolling/to_date".into(),
                    ));
                }
                self.window(*w, *m)?
            }
            Formula::Script(name, _) => {
                return Err(self.unsupported(format!("the script function `{name}`")))
            }
        })
    }
}
