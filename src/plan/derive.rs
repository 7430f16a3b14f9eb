//! Row expressions computed per row before the filters and aggregates see the row:
//! derived columns (`column revenue = qty * unit_price`) and the expressions inside
//! aggregations (`sum(orders.qty * orders.unit_price)`). Arithmetic on exact decimals
//! stays exact (DESIGN 5.2): `+ - *` on 10^-6 integers, a product rounded half-even;
//! `/` and everything else go through the filter evaluator as floats.

use crate::compile::graph::{Builtin, RowExpr, Value};
use crate::syntax::ast::{BinOp, UnOp};

use super::filter::Filter;
use super::ColKind;

/// A row expression compiled against the scan's column order.
#[derive(Clone, Debug)]
pub enum Calc {
    Col(usize),
    /// A number constant and its exact form, when it has one.
    Num(f64, Option<i128>),
    Neg(Box<Calc>),
    /// `+ - * /` of two numbers.
    Arith(BinOp, Box<Calc>, Box<Calc>),
    /// `+ - * /` of two columns (the common `qty * unit_price`), without recursion.
    ColArith(BinOp, usize, usize),
    /// `if(condition, a, b)`.
    If(Filter, Box<Calc>, Box<Calc>),
    Coalesce(Vec<Calc>),
    /// Anything else (comparisons, text, `min`, `round`, ..), by the filter evaluator.
    Other(Filter),
    /// The lookup row matching the key in column `key` on the row's day (column `time`,
    /// if the lookup has validity): the row's index as a number, null when none.
    /// `lookup` indexes the plan's lookups (and the engine's loaded tables).
    LookupRow {
        lookup: usize,
        key: usize,
        time: Option<usize>,
    },
    /// Dimension `dim` of lookup `lookup`'s row in column `row`.
    LookupDim {
        lookup: usize,
        row: usize,
        dim: usize,
    },
}

/// The name of the hidden column that computes an aggregation's row expression.
pub fn expr_column_name(e: &RowExpr) -> String {
    format!("({})", crate::compile::show::show_row(e, 0))
}

/// A column computed per row: its index among the plan's columns and how.
#[derive(Clone, Debug)]
pub struct Derived {
    pub col: usize,
    pub calc: Calc,
}

impl Calc {
    /// Compile `e`; `col` gives a column's index, reading it as a number when asked.
    pub fn compile(e: &RowExpr, col: &mut dyn FnMut(&str, Option<ColKind>) -> usize) -> Calc {
        let operand = |e: &RowExpr, col: &mut dyn FnMut(&str, Option<ColKind>) -> usize| match e {
            RowExpr::Column(c) => Calc::Col(col(c, Some(ColKind::Num))),
            _ => Calc::compile(e, col),
        };
        match e {
            RowExpr::Column(c) => Calc::Col(col(c, None)),
            RowExpr::Const(Value::Num(x)) => Calc::Num(*x, exact(*x)),
            RowExpr::Unary(UnOp::Neg, a) => Calc::Neg(Box::new(operand(a, col))),
            RowExpr::Binary(op @ (BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div), a, b) => {
                match (operand(a, col), operand(b, col)) {
                    (Calc::Col(i), Calc::Col(j)) => Calc::ColArith(*op, i, j),
                    (a, b) => Calc::Arith(*op, Box::new(a), Box::new(b)),
                }
            }
            RowExpr::Call(Builtin::If, args) if args.len() == 3 => Calc::If(
                Filter::compile(&args[0], &mut |c| col(c, None)),
                Box::new(Calc::compile(&args[1], col)),
                Box::new(Calc::compile(&args[2], col)),
            ),
            RowExpr::Call(Builtin::Coalesce, args) => {
                Calc::Coalesce(args.iter().map(|a| Calc::compile(a, col)).collect())
            }
            _ => Calc::Other(Filter::compile(e, &mut |c| col(c, None))),
        }
    }

    /// The kind of the values it gives, `kinds` being the columns' kinds so far.
    pub fn kind(&self, kinds: &[ColKind], time: Option<usize>) -> ColKind {
        match self {
            Calc::Col(i) if Some(*i) == time => ColKind::Date,
            Calc::Col(i) => kinds.get(*i).copied().unwrap_or(ColKind::Str),
            Calc::Num(..)
            | Calc::Neg(_)
            | Calc::Arith(..)
            | Calc::ColArith(..)
            | Calc::LookupRow { .. } => ColKind::Num,
            Calc::LookupDim { .. } => ColKind::Str,
            Calc::If(_, a, b) => match (a.kind(kinds, time), b.kind(kinds, time)) {
                (ColKind::Str, k) if a.is_null() => k,
                (k, _) => k,
            },
            Calc::Coalesce(args) => args
                .iter()
                .find(|a| !a.is_null())
                .map_or(ColKind::Str, |a| a.kind(kinds, time)),
            Calc::Other(f) => filter_kind(f, kinds, time),
        }
    }

    fn is_null(&self) -> bool {
        matches!(
            self,
            Calc::Other(Filter::Const(super::filter::RowConst::Null))
        )
    }

    /// The columns it reads.
    pub fn columns(&self, out: &mut Vec<usize>) {
        match self {
            Calc::Col(i) => out.push(*i),
            Calc::Num(..) => {}
            Calc::Neg(a) => a.columns(out),
            Calc::Arith(_, a, b) => {
                a.columns(out);
                b.columns(out);
            }
            Calc::ColArith(_, i, j) => out.extend([*i, *j]),
            Calc::If(c, a, b) => {
                c.columns(out);
                a.columns(out);
                b.columns(out);
            }
            Calc::Coalesce(args) => args.iter().for_each(|a| a.columns(out)),
            Calc::Other(f) => f.columns(out),
            Calc::LookupRow { key, time, .. } => {
                out.push(*key);
                out.extend(*time);
            }
            Calc::LookupDim { row, .. } => out.push(*row),
        }
    }
}

/// The kind of a filter-evaluated value.
fn filter_kind(f: &Filter, kinds: &[ColKind], time: Option<usize>) -> ColKind {
    use super::filter::RowConst;
    match f {
        Filter::Const(RowConst::Num(_)) => ColKind::Num,
        Filter::Const(RowConst::Bool(_)) => ColKind::Bool,
        Filter::Const(RowConst::Date(_)) => ColKind::Date,
        Filter::Const(_) => ColKind::Str,
        Filter::Column(i) if Some(*i) == time => ColKind::Date,
        Filter::Column(i) => kinds.get(*i).copied().unwrap_or(ColKind::Str),
        Filter::Unary(UnOp::Neg, _) => ColKind::Num,
        Filter::Binary(op, ..) if !op.is_comparison() && !matches!(op, BinOp::And | BinOp::Or) => {
            ColKind::Num
        }
        Filter::Call(Builtin::Min | Builtin::Max | Builtin::Abs | Builtin::Round, _) => {
            ColKind::Num
        }
        Filter::Call(Builtin::If, args) => args
            .get(1)
            .map_or(ColKind::Str, |a| filter_kind(a, kinds, time)),
        Filter::Call(Builtin::Coalesce, args) => args
            .first()
            .map_or(ColKind::Str, |a| filter_kind(a, kinds, time)),
        _ => ColKind::Bool,
    }
}

/// The exact 10^-6 form of a constant, when it has one.
fn exact(x: f64) -> Option<i128> {
    crate::decimal::parse_fixed(format!("{x}").as_bytes())
}
