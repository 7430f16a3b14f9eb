//! Row filters compiled against a scan's column order: the plan's form of a `where`
//! (evaluated per row by the engine's `eval::row`).

use crate::compile::graph::{Builtin, RowExpr, Value};
use crate::syntax::ast::{BinOp, UnOp};

/// A filter compiled against the scan's column order.
#[derive(Clone, Debug)]
pub enum Filter {
    Const(RowConst),
    Column(usize),
    Unary(UnOp, Box<Filter>),
    Binary(BinOp, Box<Filter>, Box<Filter>),
    In(Box<Filter>, Vec<Filter>),
    Call(Builtin, Vec<Filter>),
    /// `column == "text"` (`!=` when `negate`): the common filter, compared without
    /// the general [`compare`] while the field is text (same result).
    StrEq {
        col: usize,
        value: Vec<u8>,
        negate: bool,
    },
    /// `column in ["a", "b", ..]` with text constants.
    StrIn(usize, Vec<Vec<u8>>),
    /// [`Filter::StrEq`] on a plain text column, coded: the row's code of the column
    /// (`codes[slot]`, see [`code_of`]) is `code`.
    CodeEq {
        slot: u8,
        code: u8,
        negate: bool,
    },
    /// [`Filter::StrIn`] coded: bit `codes[slot]` of `mask` is set.
    CodeIn {
        slot: u8,
        mask: u64,
    },
    /// `column <op> number` (`number <op> column` is turned around): compared
    /// without the general [`compare`] while the field is a number (same result).
    NumCmp {
        col: usize,
        op: BinOp,
        value: f64,
    },
}

/// Most text columns whose comparisons a scan codes.
pub const MAX_CODED: usize = 8;
/// The code of a null (empty) field.
pub const CODE_NULL: u8 = 255;
/// The code of text that is none of the column's constants.
pub const CODE_OTHER: u8 = 254;

/// Code the text comparisons of `filters` on the columns `is_text` accepts (columns
/// whose values are always text or null): [`Filter::StrEq`] and [`Filter::StrIn`]
/// become [`Filter::CodeEq`] and [`Filter::CodeIn`]. Returns the coded columns, in
/// slot order, with their constants (code = index). Comparisons beyond the limits
/// ([`MAX_CODED`] columns, 64 constants a column) stay as they are.
pub fn encode_filters<'f>(
    filters: impl Iterator<Item = &'f mut Filter>,
    is_text: &dyn Fn(usize) -> bool,
) -> Vec<(usize, Vec<Vec<u8>>)> {
    fn code(coded: &mut Vec<(usize, Vec<Vec<u8>>)>, col: usize, value: &[u8]) -> Option<(u8, u8)> {
        let slot = match coded.iter().position(|(c, _)| *c == col) {
            Some(i) => i,
            None if coded.len() < MAX_CODED => {
                coded.push((col, Vec::new()));
                coded.len() - 1
            }
            None => return None,
        };
        let values = &mut coded[slot].1;
        let code = match values.iter().position(|v| v == value) {
            Some(i) => i,
            None if values.len() < 64 => {
                values.push(value.to_vec());
                values.len() - 1
            }
            None => return None,
        };
        Some((slot as u8, code as u8))
    }
    fn walk(
        f: &mut Filter,
        coded: &mut Vec<(usize, Vec<Vec<u8>>)>,
        is_text: &dyn Fn(usize) -> bool,
    ) {
        match f {
            Filter::StrEq { col, value, negate } if is_text(*col) => {
                if let Some((slot, code)) = code(coded, *col, value) {
                    *f = Filter::CodeEq {
                        slot,
                        code,
                        negate: *negate,
                    };
                }
            }
            Filter::StrIn(col, values) if is_text(*col) => {
                let col = *col;
                let mut mask = 0u64;
                let mut slot = None;
                for v in values.iter() {
                    match code(coded, col, v) {
                        Some((s, c)) => {
                            slot = Some(s);
                            mask |= 1 << c;
                        }
                        None => return,
                    }
                }
                if let Some(slot) = slot {
                    *f = Filter::CodeIn { slot, mask };
                }
            }
            Filter::Unary(_, a) => walk(a, coded, is_text),
            Filter::Binary(_, a, b) => {
                walk(a, coded, is_text);
                walk(b, coded, is_text);
            }
            Filter::In(a, items) => {
                walk(a, coded, is_text);
                items.iter_mut().for_each(|i| walk(i, coded, is_text));
            }
            Filter::Call(_, args) => args.iter_mut().for_each(|a| walk(a, coded, is_text)),
            _ => {}
        }
    }
    let mut coded = Vec::new();
    for f in filters {
        walk(f, &mut coded, is_text);
    }
    coded
}

/// An owned constant (string bytes kept for byte comparison).
#[derive(Clone, Debug)]
pub enum RowConst {
    Null,
    Num(f64),
    Str(Vec<u8>),
    Bool(bool),
    Date(i32),
}

impl Filter {
    /// Compile `e`, mapping column names to indexes with `col`.
    pub fn compile(e: &RowExpr, col: &mut dyn FnMut(&str) -> usize) -> Filter {
        match e {
            RowExpr::Const(v) => Filter::Const(match v {
                Value::Null => RowConst::Null,
                Value::Num(x) => RowConst::Num(*x),
                Value::Str(s) => RowConst::Str(s.as_bytes().to_vec()),
                Value::Bool(b) => RowConst::Bool(*b),
                Value::Date(d) => RowConst::Date(*d),
                Value::Duration(s) => RowConst::Num(*s as f64),
            }),
            RowExpr::Column(c) => Filter::Column(col(c)),
            RowExpr::Binary(op @ (BinOp::Eq | BinOp::Ne), a, b)
                if str_eq_operands(a, b).is_some() =>
            {
                let (c, v) = str_eq_operands(a, b).unwrap_or_default();
                Filter::StrEq {
                    col: col(c),
                    value: v.as_bytes().to_vec(),
                    negate: *op == BinOp::Ne,
                }
            }
            RowExpr::Binary(op, a, b) if op.is_comparison() => match num_cmp_operands(*op, a, b) {
                Some((c, op, value)) => Filter::NumCmp {
                    col: col(c),
                    op,
                    value,
                },
                None => Filter::Binary(
                    *op,
                    Box::new(Filter::compile(a, col)),
                    Box::new(Filter::compile(b, col)),
                ),
            },
            RowExpr::In(a, items)
                if matches!(&**a, RowExpr::Column(_))
                    && items
                        .iter()
                        .all(|i| matches!(i, RowExpr::Const(Value::Str(_)))) =>
            {
                let RowExpr::Column(c) = &**a else {
                    unreachable!()
                };
                let values = items
                    .iter()
                    .filter_map(|i| match i {
                        RowExpr::Const(Value::Str(s)) => Some(s.as_bytes().to_vec()),
                        _ => None,
                    })
                    .collect();
                Filter::StrIn(col(c), values)
            }
            RowExpr::Unary(op, a) => Filter::Unary(*op, Box::new(Filter::compile(a, col))),
            RowExpr::Binary(op, a, b) => Filter::Binary(
                *op,
                Box::new(Filter::compile(a, col)),
                Box::new(Filter::compile(b, col)),
            ),
            RowExpr::In(a, items) => Filter::In(
                Box::new(Filter::compile(a, col)),
                items.iter().map(|i| Filter::compile(i, col)).collect(),
            ),
            RowExpr::Call(b, args) => {
                Filter::Call(*b, args.iter().map(|a| Filter::compile(a, col)).collect())
            }
        }
    }

    /// The columns whose typed values the filter reads (coded comparisons read
    /// codes, not values).
    pub fn columns(&self, out: &mut Vec<usize>) {
        match self {
            Filter::Column(c)
            | Filter::StrEq { col: c, .. }
            | Filter::StrIn(c, _)
            | Filter::NumCmp { col: c, .. } => out.push(*c),
            Filter::Const(_) | Filter::CodeEq { .. } | Filter::CodeIn { .. } => {}
            Filter::Unary(_, a) => a.columns(out),
            Filter::Binary(_, a, b) => {
                a.columns(out);
                b.columns(out);
            }
            Filter::In(a, items) => {
                a.columns(out);
                items.iter().for_each(|i| i.columns(out));
            }
            Filter::Call(_, args) => args.iter().for_each(|a| a.columns(out)),
        }
    }
}

/// `column <op> number` or `number <op> column`: the column, the comparison as
/// seen from the column, and the number.
fn num_cmp_operands<'e>(
    op: BinOp,
    a: &'e RowExpr,
    b: &'e RowExpr,
) -> Option<(&'e str, BinOp, f64)> {
    let flipped = match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::Le => BinOp::Ge,
        BinOp::Gt => BinOp::Lt,
        BinOp::Ge => BinOp::Le,
        other => other,
    };
    match (a, b) {
        (RowExpr::Column(c), RowExpr::Const(Value::Num(x))) if x.is_finite() => Some((c, op, *x)),
        (RowExpr::Const(Value::Num(x)), RowExpr::Column(c)) if x.is_finite() => {
            Some((c, flipped, *x))
        }
        _ => None,
    }
}

/// `column == "text"` or `"text" == column`: the column and the text.
fn str_eq_operands<'e>(a: &'e RowExpr, b: &'e RowExpr) -> Option<(&'e str, &'e str)> {
    match (a, b) {
        (RowExpr::Column(c), RowExpr::Const(Value::Str(v)))
        | (RowExpr::Const(Value::Str(v)), RowExpr::Column(c)) => Some((c, v)),
        _ => None,
    }
}
