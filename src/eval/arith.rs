//! Formulas of plain arithmetic, evaluated column by column.
//!
//! Most formulas are `+ - * /` over other metrics, params, constants and
//! `workdays`/`days`. Such a formula is resolved once into [`Arith`], whose leaves
//! are the columns themselves, and then computed row by row without looking
//! anything up. The rules are those of the general evaluator (`grid.rs`): a null
//! (NaN) operand gives null, so does a division by zero or a non-finite result.
//! Anything else (windows, functions, comparisons, text) is not resolved here
//! and goes through the general evaluator.

use crate::compile::graph::{Formula, Graph, NodeKind, Value};
use crate::syntax::ast::{BinOp, UnOp};

use super::grid::Cols;

/// A resolved arithmetic formula.
pub enum Arith<'c> {
    Col(&'c [f64]),
    Const(f64),
    Neg(Box<Arith<'c>>),
    Bin(BinOp, Box<Arith<'c>>, Box<Arith<'c>>),
}

/// `f` resolved against the columns computed so far, or `None` if it is not plain
/// arithmetic. `workdays` and `days` are the grid's (used when `cols` has no
/// calendar of its own).
pub fn resolve<'c>(
    graph: &Graph,
    f: &Formula,
    cols: &'c Cols,
    workdays: &'c [f64],
    days: &'c [f64],
) -> Option<Arith<'c>> {
    Some(match f {
        Formula::Const(Value::Num(x)) if x.is_finite() => Arith::Const(*x),
        Formula::Node(id) => match &graph.node(*id).kind {
            NodeKind::Param { value } => match value {
                Some(Value::Num(x)) if x.is_finite() => Arith::Const(*x),
                None => Arith::Const(f64::NAN),
                _ => return None,
            },
            _ => cols
                .values
                .get(id)
                .map_or(Arith::Const(f64::NAN), |c| Arith::Col(c)),
        },
        Formula::Workdays => Arith::Col(cols.calendar.as_ref().map_or(workdays, |c| &c.0)),
        Formula::Days => Arith::Col(cols.calendar.as_ref().map_or(days, |c| &c.1)),
        Formula::Unary(UnOp::Neg, a) => {
            Arith::Neg(Box::new(resolve(graph, a, cols, workdays, days)?))
        }
        Formula::Binary(op @ (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div), a, b) => {
            Arith::Bin(
                *op,
                Box::new(resolve(graph, a, cols, workdays, days)?),
                Box::new(resolve(graph, b, cols, workdays, days)?),
            )
        }
        _ => return None,
    })
}

impl Arith<'_> {
    /// The value at row `r` (NaN = null).
    #[inline]
    pub fn at(&self, r: usize) -> f64 {
        match self {
            Arith::Col(c) => c[r],
            Arith::Const(x) => *x,
            Arith::Neg(a) => -a.at(r),
            Arith::Bin(op, a, b) => {
                let (x, y) = (a.at(r), b.at(r));
                if x.is_nan() || y.is_nan() {
                    return f64::NAN;
                }
                let v = match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    _ if y == 0.0 => return f64::NAN,
                    _ => x / y,
                };
                if v.is_finite() {
                    v
                } else {
                    f64::NAN
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Null (NaN) in, null out; division by zero and overflow are null too.
    #[test]
    fn null_rules() {
        let a = [6.0, f64::NAN, 1.0, 1e308];
        let b = [3.0, 2.0, 0.0, 10.0];
        let col = |c: &'static [f64]| Box::new(Arith::Col(c));
        let (a, b): (&'static [f64], &'static [f64]) =
            (Box::leak(Box::new(a)), Box::leak(Box::new(b)));
        let div = Arith::Bin(BinOp::Div, col(a), col(b));
        let got: Vec<f64> = (0..4).map(|r| div.at(r)).collect();
        assert_eq!(got[0], 2.0);
        assert!(got[1].is_nan() && got[2].is_nan());
        assert_eq!(got[3], 1e307);
        let mul = Arith::Bin(BinOp::Mul, col(a), Box::new(Arith::Const(10.0)));
        assert!(mul.at(3).is_nan(), "1e309 overflows: null");
        let neg = Arith::Neg(Box::new(Arith::Bin(BinOp::Sub, col(b), col(a))));
        assert_eq!(neg.at(0), 3.0);
        assert!(neg.at(1).is_nan());
    }
}
