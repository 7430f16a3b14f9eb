//! Row-level evaluation: typed views of raw fields and `where` filters (compiled by
//! [`crate::plan::filter`]) with SQL's three-valued logic (a comparison with null is
//! unknown; only true rows are kept).

use crate::compile::graph::Builtin;
use crate::syntax::ast::{BinOp, UnOp};

use crate::plan::filter::{Filter, RowConst, CODE_NULL};
use crate::plan::parse_bool;

/// A value seen in a row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RowVal<'a> {
    Null,
    Num(f64),
    Str(&'a [u8]),
    Bool(bool),
    /// Day number.
    Date(i32),
}

/// The code of a plain text column's value: the index of the constant it equals
/// among `values`, [`CODE_OTHER`], or [`CODE_NULL`]. One comparison pass per row and
/// column replaces one per filter (a scan tests `type == ".."` in many aggregates).
#[cfg(test)]
pub fn code_of(v: RowVal, values: &[Vec<u8>]) -> u8 {
    match v {
        RowVal::Str(s) => values
            .iter()
            .position(|c| text_eq(s, c))
            .map_or(crate::plan::filter::CODE_OTHER, |i| i as u8),
        _ => CODE_NULL,
    }
}

impl Filter {
    /// Whether the row passes (unknown counts as no).
    #[inline]
    pub fn test(&self, row: &[RowVal]) -> bool {
        matches!(self.eval(row, &[]), RowVal::Bool(true))
    }

    /// The expression's value in a row (no coded comparisons).
    #[inline]
    pub fn value<'a>(&'a self, row: &[RowVal<'a>]) -> RowVal<'a> {
        self.eval(row, &[])
    }

    /// [`Filter::test`] of a filter coded by [`encode_filters`], with the row's codes
    /// from [`code_of`].
    #[inline]
    pub fn test_coded(&self, row: &[RowVal], codes: &[u8]) -> bool {
        // The common shapes without the general evaluator; `a and b` is true exactly
        // when both are true, `a or b` when either is (three-valued logic agrees).
        match self {
            Filter::CodeEq { slot, code, negate } => {
                let c = codes[*slot as usize];
                c != CODE_NULL && ((c == *code) != *negate)
            }
            Filter::CodeIn { slot, mask } => {
                let c = codes[*slot as usize];
                c < 64 && (mask >> c) & 1 == 1
            }
            Filter::NumCmp { col, op, value } => match row[*col] {
                RowVal::Num(x) => holds(*op, x.partial_cmp(value)),
                RowVal::Null => false,
                v => holds(*op, compare(v, RowVal::Num(*value))),
            },
            Filter::Binary(BinOp::And, a, b) => {
                a.test_coded(row, codes) && b.test_coded(row, codes)
            }
            Filter::Binary(BinOp::Or, a, b) => a.test_coded(row, codes) || b.test_coded(row, codes),
            _ => matches!(self.eval(row, codes), RowVal::Bool(true)),
        }
    }

    fn eval<'a>(&'a self, row: &[RowVal<'a>], codes: &[u8]) -> RowVal<'a> {
        match self {
            Filter::CodeEq { slot, code, negate } => match codes[*slot as usize] {
                CODE_NULL => RowVal::Null,
                c => RowVal::Bool((c == *code) != *negate),
            },
            Filter::CodeIn { slot, mask } => match codes[*slot as usize] {
                CODE_NULL => RowVal::Null,
                c => RowVal::Bool(c < 64 && (mask >> c) & 1 == 1),
            },
            Filter::NumCmp { col, op, value } => match row[*col] {
                RowVal::Null => RowVal::Null,
                v => match compare(v, RowVal::Num(*value)) {
                    Some(ord) => RowVal::Bool(holds(*op, Some(ord))),
                    None => RowVal::Null,
                },
            },
            Filter::StrEq { col, value, negate } => match row[*col] {
                RowVal::Str(s) => RowVal::Bool(text_eq(s, value) != *negate),
                RowVal::Null => RowVal::Null,
                v => match compare(v, RowVal::Str(value)) {
                    Some(ord) => RowVal::Bool((ord == std::cmp::Ordering::Equal) != *negate),
                    None => RowVal::Null,
                },
            },
            Filter::StrIn(col, values) => match row[*col] {
                RowVal::Str(s) => RowVal::Bool(values.iter().any(|v| text_eq(s, v))),
                RowVal::Null => RowVal::Null,
                v => RowVal::Bool(
                    values
                        .iter()
                        .any(|c| compare(v, RowVal::Str(c)) == Some(std::cmp::Ordering::Equal)),
                ),
            },
            Filter::Const(c) => match c {
                RowConst::Null => RowVal::Null,
                RowConst::Num(x) => RowVal::Num(*x),
                RowConst::Str(s) => RowVal::Str(s),
                RowConst::Bool(b) => RowVal::Bool(*b),
                RowConst::Date(d) => RowVal::Date(*d),
            },
            Filter::Column(i) => row[*i],
            Filter::Unary(UnOp::Not, a) => match a.eval(row, codes) {
                RowVal::Bool(b) => RowVal::Bool(!b),
                _ => RowVal::Null,
            },
            Filter::Unary(UnOp::Neg, a) => match num(a.eval(row, codes)) {
                Some(x) => RowVal::Num(-x),
                None => RowVal::Null,
            },
            // Three-valued `and`/`or`, short-circuited: false and x = false, true or x = true.
            Filter::Binary(BinOp::And, a, b) => match a.eval(row, codes) {
                RowVal::Bool(false) => RowVal::Bool(false),
                x => match (x, b.eval(row, codes)) {
                    (_, RowVal::Bool(false)) => RowVal::Bool(false),
                    (RowVal::Bool(true), RowVal::Bool(true)) => RowVal::Bool(true),
                    _ => RowVal::Null,
                },
            },
            Filter::Binary(BinOp::Or, a, b) => match a.eval(row, codes) {
                RowVal::Bool(true) => RowVal::Bool(true),
                x => match (x, b.eval(row, codes)) {
                    (_, RowVal::Bool(true)) => RowVal::Bool(true),
                    (RowVal::Bool(false), RowVal::Bool(false)) => RowVal::Bool(false),
                    _ => RowVal::Null,
                },
            },
            Filter::Binary(op, a, b) if op.is_comparison() => {
                match compare(a.eval(row, codes), b.eval(row, codes)) {
                    Some(ord) => RowVal::Bool(match op {
                        BinOp::Eq => ord == std::cmp::Ordering::Equal,
                        BinOp::Ne => ord != std::cmp::Ordering::Equal,
                        BinOp::Lt => ord == std::cmp::Ordering::Less,
                        BinOp::Le => ord != std::cmp::Ordering::Greater,
                        BinOp::Gt => ord == std::cmp::Ordering::Greater,
                        _ => ord != std::cmp::Ordering::Less,
                    }),
                    None => RowVal::Null,
                }
            }
            Filter::Binary(op, a, b) => match (num(a.eval(row, codes)), num(b.eval(row, codes))) {
                (Some(x), Some(y)) => {
                    let r = match op {
                        BinOp::Add => x + y,
                        BinOp::Sub => x - y,
                        BinOp::Mul => x * y,
                        _ if y == 0.0 => return RowVal::Null,
                        _ => x / y,
                    };
                    RowVal::Num(r)
                }
                _ => RowVal::Null,
            },
            Filter::In(a, items) => {
                let v = a.eval(row, codes);
                if v == RowVal::Null {
                    return RowVal::Null;
                }
                let hit = items
                    .iter()
                    .any(|i| compare(v, i.eval(row, codes)) == Some(std::cmp::Ordering::Equal));
                RowVal::Bool(hit)
            }
            Filter::Call(b, args) => call(*b, args, row, codes),
        }
    }
}

/// Byte equality that rejects on length or first byte before calling `memcmp`
/// (filters compare short category names, most of which differ right away).
#[inline(always)]
fn text_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.first() == b.first() && a == b
}

/// Whether comparison `op` holds for an ordering (`None`: unknown, so no).
#[inline(always)]
fn holds(op: BinOp, ord: Option<std::cmp::Ordering>) -> bool {
    use std::cmp::Ordering::*;
    match (op, ord) {
        (_, None) => false,
        (BinOp::Eq, Some(o)) => o == Equal,
        (BinOp::Ne, Some(o)) => o != Equal,
        (BinOp::Lt, Some(o)) => o == Less,
        (BinOp::Le, Some(o)) => o != Greater,
        (BinOp::Gt, Some(o)) => o == Greater,
        (_, Some(o)) => o != Less,
    }
}

fn call<'a>(b: Builtin, args: &'a [Filter], row: &[RowVal<'a>], codes: &[u8]) -> RowVal<'a> {
    match b {
        Builtin::Coalesce => args
            .iter()
            .map(|a| a.eval(row, codes))
            .find(|v| *v != RowVal::Null)
            .unwrap_or(RowVal::Null),
        Builtin::If => match args.first().map(|c| c.eval(row, codes)) {
            Some(RowVal::Bool(true)) => args.get(1).map_or(RowVal::Null, |a| a.eval(row, codes)),
            _ => args.get(2).map_or(RowVal::Null, |a| a.eval(row, codes)),
        },
        Builtin::Min | Builtin::Max => {
            let xs: Option<Vec<f64>> = args.iter().map(|a| num(a.eval(row, codes))).collect();
            match xs {
                Some(xs) if !xs.is_empty() => RowVal::Num(if b == Builtin::Min {
                    xs.iter().copied().fold(f64::INFINITY, f64::min)
                } else {
                    xs.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                }),
                _ => RowVal::Null,
            }
        }
        Builtin::Abs => args
            .first()
            .and_then(|a| num(a.eval(row, codes)))
            .map_or(RowVal::Null, |x| RowVal::Num(x.abs())),
        Builtin::Round => {
            let x = args.first().and_then(|a| num(a.eval(row, codes)));
            let d = args
                .get(1)
                .and_then(|a| num(a.eval(row, codes)))
                .unwrap_or(0.0);
            x.map_or(RowVal::Null, |x| RowVal::Num(round(x, d)))
        }
        Builtin::IsNull => RowVal::Bool(
            args.first()
                .is_none_or(|a| a.eval(row, codes) == RowVal::Null),
        ),
    }
}

/// Round half away from zero to `digits` decimals.
pub fn round(x: f64, digits: f64) -> f64 {
    let p = 10f64.powi(digits.clamp(-15.0, 15.0) as i32);
    (x * p).round() / p
}

/// A row value as a number (strings are parsed; booleans are 0/1).
pub fn num(v: RowVal) -> Option<f64> {
    match v {
        RowVal::Num(x) => Some(x),
        RowVal::Str(s) => std::str::from_utf8(s)
            .ok()?
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite()),
        RowVal::Bool(b) => Some(if b { 1.0 } else { 0.0 }),
        RowVal::Date(d) => Some(d as f64),
        RowVal::Null => None,
    }
}

fn as_date(s: &[u8]) -> Option<i32> {
    if s.len() < 10 {
        return None;
    }
    let d = |i: usize| -> Option<i32> {
        s.get(i)
            .filter(|c| c.is_ascii_digit())
            .map(|c| (c - b'0') as i32)
    };
    let y = d(0)? * 1000 + d(1)? * 100 + d(2)? * 10 + d(3)?;
    if s[4] != b'-' || s[7] != b'-' {
        return None;
    }
    let m = d(5)? * 10 + d(6)?;
    let dd = d(8)? * 10 + d(9)?;
    if !crate::data::period::is_valid_date(y, m as u32, dd as u32) {
        return None;
    }
    Some(crate::data::period::day_number(y, m as u32, dd as u32))
}

/// Compare two row values; `None` when either is null or they cannot be compared.
pub fn compare(a: RowVal, b: RowVal) -> Option<std::cmp::Ordering> {
    use RowVal::*;
    match (a, b) {
        (Null, _) | (_, Null) => None,
        (Str(x), Str(y)) => Some(x.cmp(y)),
        (Num(x), Num(y)) => x.partial_cmp(&y),
        (Bool(x), Bool(y)) => Some(x.cmp(&y)),
        (Date(x), Date(y)) => Some(x.cmp(&y)),
        (Str(s), Date(d)) => as_date(s).map(|x| x.cmp(&d)),
        (Date(d), Str(s)) => as_date(s).map(|x| d.cmp(&x)),
        (Str(s), Bool(b)) => parse_bool(s).map(|x| x.cmp(&b)),
        (Bool(b), Str(s)) => parse_bool(s).map(|x| b.cmp(&x)),
        (x, y) => num(x)?.partial_cmp(&num(y)?),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::graph::Value;
    use crate::plan::filter::{encode_filters, MAX_CODED};

    /// The text fast paths give what the general comparison gives, for every kind of
    /// field value (text, null, number, date, bool) and operator.
    #[test]
    fn text_fast_paths_agree_with_general_comparison() {
        use crate::compile::graph::RowExpr as E;
        let col = || Box::new(E::Column("c".into()));
        let txt = |s: &str| Box::new(E::Const(Value::Str(s.into())));
        let exprs = [
            E::Binary(BinOp::Eq, col(), txt("call")),
            E::Binary(BinOp::Ne, col(), txt("call")),
            E::Binary(BinOp::Eq, txt("2026-03-29"), col()),
            E::Binary(BinOp::Eq, col(), txt("12.5")),
            E::Binary(BinOp::Ne, col(), txt("true")),
            E::In(
                col(),
                vec![
                    E::Const(Value::Str("call".into())),
                    E::Const(Value::Str("12.50".into())),
                ],
            ),
        ];
        let day = crate::data::period::day_number(2026, 3, 29);
        let vals = [
            RowVal::Str(b"call"),
            RowVal::Str(b"email"),
            RowVal::Str(b""),
            RowVal::Null,
            RowVal::Num(12.5),
            RowVal::Date(day),
            RowVal::Date(day + 1),
            RowVal::Bool(true),
        ];
        for e in &exprs {
            let fast = Filter::compile(e, &mut |_| 0);
            assert!(
                matches!(fast, Filter::StrEq { .. } | Filter::StrIn(..)),
                "{e:?}"
            );
            let general = match e {
                E::Binary(op, a, b) => Filter::Binary(
                    *op,
                    Box::new(Filter::compile(a, &mut |_| 0)),
                    Box::new(Filter::compile(b, &mut |_| 0)),
                ),
                E::In(a, items) => Filter::In(
                    Box::new(Filter::compile(a, &mut |_| 0)),
                    items
                        .iter()
                        .map(|i| Filter::compile(i, &mut |_| 0))
                        .collect(),
                ),
                _ => unreachable!(),
            };
            for v in vals {
                assert_eq!(
                    fast.eval(&[v], &[]),
                    general.eval(&[v], &[]),
                    "{e:?} on {v:?}"
                );
            }
        }
    }

    /// Coded filters give what the uncoded ones give, for every value of the coded
    /// columns (constants, other text, null), past the column and constant limits too.
    #[test]
    fn coded_filters_agree_with_uncoded() {
        use crate::compile::graph::RowExpr as E;
        let col = |i: usize| Box::new(E::Column(format!("c{i}")));
        let txt = |s: &str| Box::new(E::Const(Value::Str(s.into())));
        let mut exprs = vec![
            E::Binary(BinOp::Eq, col(0), txt("call")),
            E::Binary(BinOp::Ne, col(0), txt("email")),
            E::In(col(0), vec![*txt("call"), *txt("email")]),
            E::Binary(
                BinOp::And,
                Box::new(E::In(col(0), vec![*txt("call"), *txt("visit")])),
                Box::new(E::Binary(BinOp::Eq, col(1), txt("out"))),
            ),
            E::Binary(
                BinOp::Or,
                Box::new(E::Binary(BinOp::Eq, col(1), txt("in"))),
                Box::new(E::Unary(
                    UnOp::Not,
                    Box::new(E::Binary(BinOp::Eq, col(0), txt("call"))),
                )),
            ),
        ];
        // 70 constants on column 2 (past 64), and 10 columns (past MAX_CODED)
        for k in 0..70 {
            exprs.push(E::Binary(BinOp::Eq, col(2), txt(&format!("v{k}"))));
        }
        for c in 3..13 {
            exprs.push(E::Binary(BinOp::Eq, col(c), txt("x")));
        }
        let mut index = |n: &str| n[1..].parse::<usize>().unwrap();
        let plain: Vec<Filter> = exprs
            .iter()
            .map(|e| Filter::compile(e, &mut index))
            .collect();
        let mut coded = plain.clone();
        let table = encode_filters(coded.iter_mut(), &|_| true);
        assert_eq!(table.len(), MAX_CODED);
        assert!(
            matches!(coded[0], Filter::CodeEq { .. }) && matches!(coded[2], Filter::CodeIn { .. })
        );
        assert!(
            matches!(coded[5 + 69], Filter::StrEq { .. }),
            "constant 70 of a column is not coded"
        );
        let texts: [&[u8]; 7] = [b"call", b"email", b"visit", b"out", b"in", b"v3", b"v68"];
        for a in 0..=texts.len() {
            for b in 0..=texts.len() {
                let v = |i: usize| {
                    if i == texts.len() {
                        RowVal::Null
                    } else {
                        RowVal::Str(texts[i])
                    }
                };
                let mut row = vec![v(a), v(b), v(a), v(b)];
                row.extend((4..13).map(|i| if i % 2 == 0 { RowVal::Str(b"x") } else { v(b) }));
                let codes: Vec<u8> = table
                    .iter()
                    .map(|(c, vals)| code_of(row[*c], vals))
                    .collect();
                for (p, c) in plain.iter().zip(&coded) {
                    assert_eq!(p.test(&row), c.test_coded(&row, &codes), "{p:?} on {row:?}");
                }
            }
        }
    }

    #[test]
    fn and_or_three_valued_with_short_circuit() {
        let b = |x: Option<bool>| Box::new(Filter::Const(x.map_or(RowConst::Null, RowConst::Bool)));
        let all = [Some(true), Some(false), None];
        for x in all {
            for y in all {
                let and = match (x, y) {
                    (Some(false), _) | (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                };
                let or = match (x, y) {
                    (Some(true), _) | (_, Some(true)) => Some(true),
                    (Some(false), Some(false)) => Some(false),
                    _ => None,
                };
                let as_val = |o: Option<bool>| o.map_or(RowVal::Null, RowVal::Bool);
                assert_eq!(
                    Filter::Binary(BinOp::And, b(x), b(y)).eval(&[], &[]),
                    as_val(and),
                    "{x:?} and {y:?}"
                );
                assert_eq!(
                    Filter::Binary(BinOp::Or, b(x), b(y)).eval(&[], &[]),
                    as_val(or),
                    "{x:?} or {y:?}"
                );
            }
        }
    }

    #[test]
    fn three_valued_logic() {
        let f = Filter::Binary(
            BinOp::Ne,
            Box::new(Filter::Column(0)),
            Box::new(Filter::Const(RowConst::Str(b"call".to_vec()))),
        );
        assert!(!f.test(&[RowVal::Null]));
        assert!(f.test(&[RowVal::Str(b"email")]));
        assert!(!f.test(&[RowVal::Str(b"call")]));
    }
}
