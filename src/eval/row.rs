//! Row-level evaluation: typed views of raw fields and `where` filters with SQL's
//! three-valued logic (a comparison with null is unknown; only true rows are kept).

use crate::compile::graph::{Builtin, RowExpr, Value};
use crate::syntax::ast::{BinOp, UnOp};

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

/// The code of a plain text column's value: the index of the constant it equals
/// among `values`, [`CODE_OTHER`], or [`CODE_NULL`]. One comparison pass per row and
/// column replaces one per filter (a scan tests `type == ".."` in many aggregates).
#[inline]
pub fn code_of(v: RowVal, values: &[Vec<u8>]) -> u8 {
    match v {
        RowVal::Str(s) => values
            .iter()
            .position(|c| text_eq(s, c))
            .map_or(CODE_OTHER, |i| i as u8),
        _ => CODE_NULL,
    }
}

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

    /// Whether the row passes (unknown counts as no).
    #[inline]
    pub fn test(&self, row: &[RowVal]) -> bool {
        matches!(self.eval(row, &[]), RowVal::Bool(true))
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

/// Scale of exact decimal sums: values are kept as integers of 10^-6.
pub const DEC_SCALE: i128 = 1_000_000;

/// Parse a plain decimal (`-1234.56`) into an integer of 10^-6 without rounding;
/// `None` for exponents, more than 6 decimals, or anything else.
#[inline]
pub fn parse_fixed(s: &[u8]) -> Option<i128> {
    let (neg, digits) = match s.first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || digits.len() > 30 {
        return None;
    }
    let v = if digits.len() <= 18 {
        short_decimal(digits)?
    } else {
        long_decimal(digits)?
    };
    Some(if neg { -v } else { v })
}

/// Powers of ten for the missing decimals of a value with 0..=6 of them.
const SCALE_UP: [u64; 7] = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

/// [`long_decimal`] of at most 18 characters, in 64-bit arithmetic (no digit run
/// can overflow it): the common case of a CSV amount or count.
#[inline(always)]
fn short_decimal(digits: &[u8]) -> Option<i128> {
    let (mut int, mut frac) = (0u64, 0u64);
    let mut frac_digits = 0usize;
    let mut seen_dot = false;
    let mut any = false;
    for &c in digits {
        let d = c.wrapping_sub(b'0');
        if d < 10 {
            if !seen_dot {
                int = int * 10 + u64::from(d);
            } else if frac_digits < 6 {
                frac = frac * 10 + u64::from(d);
                frac_digits += 1;
            } else if d != 0 {
                return None;
            }
            any = true;
        } else if c == b'.' && !seen_dot {
            seen_dot = true;
        } else {
            return None;
        }
    }
    if !any {
        return None;
    }
    Some(i128::from(int) * DEC_SCALE + i128::from(frac * SCALE_UP[frac_digits]))
}

/// The unsigned decimal `digits` (at most 30 characters) in 10^-6.
fn long_decimal(digits: &[u8]) -> Option<i128> {
    let mut int: i128 = 0;
    let mut frac: i128 = 0;
    let mut frac_digits = 0u32;
    let mut seen_dot = false;
    let mut any = false;
    for &c in digits {
        match c {
            b'0'..=b'9' if !seen_dot => {
                int = int * 10 + (c - b'0') as i128;
                any = true;
            }
            b'0'..=b'9' => {
                if frac_digits == 6 {
                    if c != b'0' {
                        return None;
                    }
                    continue;
                }
                frac = frac * 10 + (c - b'0') as i128;
                frac_digits += 1;
                any = true;
            }
            b'.' if !seen_dot => seen_dot = true,
            _ => return None,
        }
    }
    if !any {
        return None;
    }
    Some(int * DEC_SCALE + frac * 10i128.pow(6 - frac_digits))
}

/// Format an exact decimal of 10^-6 without trailing zeros.
pub fn format_fixed(v: i128) -> String {
    let neg = v < 0;
    let a = v.unsigned_abs();
    let int = a / DEC_SCALE as u128;
    let frac = a % DEC_SCALE as u128;
    let mut s = if neg {
        format!("-{int}")
    } else {
        int.to_string()
    };
    if frac != 0 {
        let f = format!("{frac:06}");
        s.push('.');
        s.push_str(f.trim_end_matches('0'));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_point_round_trip() {
        assert_eq!(parse_fixed(b"0.10"), Some(100_000));
        assert_eq!(parse_fixed(b"-12.5"), Some(-12_500_000));
        assert_eq!(parse_fixed(b"1e3"), None);
        assert_eq!(parse_fixed(b"."), None);
        assert_eq!(format_fixed(300_000_000_000), "300000");
        assert_eq!(format_fixed(-1_250_000), "-1.25");
        assert_eq!(format_fixed(1), "0.000001");
    }

    proptest::proptest! {
        /// The 64-bit path reads every short decimal as the 128-bit one does:
        /// digits, dots, signs and other bytes, decimals past the sixth.
        #[test]
        fn short_decimals_read_as_long_ones(s in "[0-9.+x-]{1,18}|[0-9]{1,18}|[0-9]{1,11}\\.[0-9]{1,6}0{0,3}") {
            let b = s.as_bytes();
            proptest::prop_assert_eq!(short_decimal(b), long_decimal(b), "{}", s);
        }
    }

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
