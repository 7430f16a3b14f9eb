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

/// `x op y` under the null rules (NaN = null): a null operand, a division by zero
/// or a non-finite result gives null.
#[inline(always)]
pub(super) fn apply(op: BinOp, x: f64, y: f64) -> f64 {
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

impl Arith<'_> {
    /// The values of rows `0..n`, one operation over whole columns at a time.
    pub fn column(&self, n: usize) -> Vec<f64> {
        match self {
            Arith::Col(c) => c[..n].to_vec(),
            Arith::Const(x) => vec![*x; n],
            Arith::Neg(a) => {
                let mut v = a.column(n);
                v.iter_mut().for_each(|x| *x = -*x);
                v
            }
            Arith::Bin(op, a, b) => {
                let op = *op;
                match (&**a, &**b) {
                    (Arith::Col(x), Arith::Col(y)) => x[..n]
                        .iter()
                        .zip(&y[..n])
                        .map(|(&x, &y)| apply(op, x, y))
                        .collect(),
                    (_, Arith::Const(y)) => {
                        let mut v = a.column(n);
                        v.iter_mut().for_each(|x| *x = apply(op, *x, *y));
                        v
                    }
                    (_, Arith::Col(y)) => {
                        let mut v = a.column(n);
                        v.iter_mut()
                            .zip(&y[..n])
                            .for_each(|(x, &y)| *x = apply(op, *x, y));
                        v
                    }
                    _ => {
                        let (mut v, w) = (a.column(n), b.column(n));
                        v.iter_mut()
                            .zip(&w)
                            .for_each(|(x, &y)| *x = apply(op, *x, y));
                        v
                    }
                }
            }
        }
    }

    /// The value at row `r` (NaN = null): [`Arith::column`] one row at a time.
    #[cfg(test)]
    pub fn at(&self, r: usize) -> f64 {
        match self {
            Arith::Col(c) => c[r],
            Arith::Const(x) => *x,
            Arith::Neg(a) => -a.at(r),
            Arith::Bin(op, a, b) => apply(*op, a.at(r), b.at(r)),
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
        for e in [&div, &mul, &neg] {
            let col: Vec<u64> = e.column(4).iter().map(|x| x.to_bits()).collect();
            let rows: Vec<u64> = (0..4).map(|r| e.at(r).to_bits()).collect();
            assert_eq!(col, rows);
        }
    }

    /// Whole columns give what the row-by-row rules give, for every shape of
    /// operands (column, constant, nested), nulls and zeros included.
    #[test]
    fn columns_equal_rows() {
        let data: Vec<&'static [f64]> = (0..3)
            .map(|k| {
                let v: Vec<f64> = (0..50)
                    .map(|r| match (r * 7 + k * 3) % 11 {
                        0 => f64::NAN,
                        1 => 0.0,
                        2 => 1e300,
                        m => (m as f64 - 5.0) * 1.5 + k as f64,
                    })
                    .collect();
                &*Box::leak(v.into_boxed_slice())
            })
            .collect();
        let ops = [BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::Div];
        let leaf = |i: usize| -> Box<Arith<'static>> {
            Box::new(match i % 4 {
                3 => Arith::Const([0.0, 2.5, f64::NAN][i % 3]),
                k => Arith::Col(data[k]),
            })
        };
        let mut checked = 0;
        for (i, &op) in ops.iter().enumerate() {
            for j in 0..8 {
                let inner = Arith::Bin(ops[(i + j) % 4], leaf(j), leaf(j + 1));
                let shapes = [
                    Arith::Bin(op, leaf(j), leaf(j + 2)),
                    Arith::Bin(op, Box::new(inner), leaf(j + 3)),
                    Arith::Neg(Box::new(Arith::Bin(op, leaf(j + 1), leaf(j)))),
                ];
                for e in &shapes {
                    let col: Vec<u64> = e.column(50).iter().map(|x| x.to_bits()).collect();
                    let rows: Vec<u64> = (0..50).map(|r| e.at(r).to_bits()).collect();
                    assert_eq!(col, rows);
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 96);
    }
}
