//! Computing a row's derived values ([`crate::plan::derive`]): each value as the
//! filters see it, its exact decimal form when it has one, and its text for the
//! places that read text (dimensions, coded comparisons, distinct counts, entities).

use crate::decimal::DEC_SCALE;
use crate::plan::derive::{Calc, Derived};
use crate::syntax::ast::BinOp;

use super::lookup::LookupTable;
use super::row::{num, RowVal};
use crate::plan::SourcePlan;

/// Compute the derived columns `active` (indexes into `derived`, in order) of a row,
/// into `vals`, `fixed` and `nums`.
#[inline]
pub fn compute<'a>(
    derived: &'a [Derived],
    active: &[u32],
    vals: &mut [RowVal<'a>],
    fixed: &mut [Option<i128>],
    nums: &mut [f64],
    tables: &'a [LookupTable],
) {
    for &i in active {
        let d = &derived[i as usize];
        // Lookups by hand: no exact form to carry, most rows of a report read them.
        match &d.calc {
            Calc::LookupRow { lookup, key, time } => {
                vals[d.col] = match vals[*key] {
                    RowVal::Str(k) if !k.is_empty() => {
                        let day = match time.map(|c| vals[c]) {
                            Some(RowVal::Date(day)) => day,
                            _ => 0,
                        };
                        match tables.get(*lookup).and_then(|t| t.find(k, day)) {
                            Some(r) => RowVal::Num(r as f64),
                            None => RowVal::Null,
                        }
                    }
                    RowVal::Str(_) | RowVal::Null => RowVal::Null,
                    _ => d.calc.eval(vals, fixed, tables).0,
                };
                fixed[d.col] = None;
                continue;
            }
            // The common row expression `a * b` over columns, empty in most rows.
            Calc::ColArith(_, a, b) if vals[*a] == RowVal::Null || vals[*b] == RowVal::Null => {
                vals[d.col] = RowVal::Null;
                fixed[d.col] = None;
                continue;
            }
            Calc::LookupDim { lookup, row, dim } => {
                vals[d.col] = match (vals[*row], tables.get(*lookup)) {
                    (RowVal::Num(i), Some(t)) => t.value(i as usize, *dim),
                    _ => RowVal::Null,
                };
                continue;
            }
            _ => {}
        }
        let (v, x) = d.calc.eval(vals, fixed, tables);
        vals[d.col] = v;
        fixed[d.col] = x;
        if let RowVal::Num(n) = v {
            nums[d.col] = n;
        }
    }
}

impl Calc {
    /// The value of the expression in a row, with its exact form when it has one.
    pub fn eval<'a>(
        &'a self,
        row: &[RowVal<'a>],
        fixed: &[Option<i128>],
        tables: &'a [LookupTable],
    ) -> (RowVal<'a>, Option<i128>) {
        match self {
            Calc::Col(i) => match row[*i] {
                v @ RowVal::Num(_) => (v, fixed[*i]),
                v => (v, None),
            },
            Calc::Num(x, e) => (RowVal::Num(*x), *e),
            Calc::Neg(a) => {
                let (v, e) = a.eval(row, fixed, tables);
                match num(v) {
                    Some(x) => (RowVal::Num(-x), e.map(|e| -e)),
                    None => (RowVal::Null, None),
                }
            }
            Calc::Arith(op, a, b) => {
                let (va, ea) = a.eval(row, fixed, tables);
                let (vb, eb) = b.eval(row, fixed, tables);
                arith(*op, va, ea, vb, eb)
            }
            Calc::ColArith(op, i, j) => match (row[*i], row[*j]) {
                // Most rows of an export leave one of the two empty.
                (RowVal::Null, _) | (_, RowVal::Null) => (RowVal::Null, None),
                (a, b) => arith(*op, a, fixed[*i], b, fixed[*j]),
            },
            Calc::If(c, a, b) => {
                if c.test(row) {
                    a.eval(row, fixed, tables)
                } else {
                    b.eval(row, fixed, tables)
                }
            }
            Calc::Coalesce(args) => {
                for a in args {
                    let r = a.eval(row, fixed, tables);
                    if r.0 != RowVal::Null {
                        return r;
                    }
                }
                (RowVal::Null, None)
            }
            Calc::Other(f) => (f.value(row), None),
            Calc::LookupRow { lookup, key, time } => {
                let text;
                let mut digits = itoa::Buffer::new();
                let k: &[u8] = match (row[*key], fixed[*key]) {
                    (RowVal::Str(k), _) => k,
                    (RowVal::Null, _) => return (RowVal::Null, None),
                    // A key hinted as a number is looked up as the file writes it;
                    // a whole number (the usual id) without allocating.
                    (RowVal::Num(_), Some(e)) if e % crate::decimal::DEC_SCALE == 0 => {
                        digits.format(e / crate::decimal::DEC_SCALE).as_bytes()
                    }
                    (v, _) => {
                        let mut buf = Vec::new();
                        render(v, fixed[*key], &mut buf);
                        text = buf;
                        &text
                    }
                };
                let Some(t) = tables.get(*lookup) else {
                    return (RowVal::Null, None);
                };
                let day = match time.map(|c| row[c]) {
                    Some(RowVal::Date(d)) => d,
                    _ => 0,
                };
                match t.find(k, day) {
                    Some(r) => (RowVal::Num(r as f64), None),
                    None => (RowVal::Null, None),
                }
            }
            Calc::LookupDim {
                lookup,
                row: r,
                dim,
            } => match (tables.get(*lookup), row[*r]) {
                (Some(t), RowVal::Num(i)) => (t.value(i as usize, *dim), None),
                _ => (RowVal::Null, None),
            },
        }
    }
}

/// `a op b` for two values and their exact forms: exact when both are and `op` is
/// `+ - *`, else a float (null when not numbers, on division by zero or overflow).
#[inline]
fn arith<'a>(
    op: BinOp,
    va: RowVal<'a>,
    ea: Option<i128>,
    vb: RowVal<'a>,
    eb: Option<i128>,
) -> (RowVal<'a>, Option<i128>) {
    let (Some(x), Some(y)) = (num(va), num(vb)) else {
        return (RowVal::Null, None);
    };
    let exact = match (va, ea, vb, eb) {
        (RowVal::Num(_), Some(p), RowVal::Num(_), Some(q)) => exact_op(op, p, q),
        _ => None,
    };
    if let Some(e) = exact {
        return (RowVal::Num(to_f64(e)), Some(e));
    }
    let r = match op {
        BinOp::Add => x + y,
        BinOp::Sub => x - y,
        BinOp::Mul => x * y,
        _ if y == 0.0 => return (RowVal::Null, None),
        _ => x / y,
    };
    if r.is_finite() {
        (RowVal::Num(r), None)
    } else {
        (RowVal::Null, None)
    }
}

/// `+ - *` on exact decimals (a product rounded half-even to 10^-6); `None` for `/`
/// and on overflow (the float result is used then).
#[inline]
fn exact_op(op: BinOp, p: i128, q: i128) -> Option<i128> {
    match op {
        BinOp::Add => p.checked_add(q),
        BinOp::Sub => p.checked_sub(q),
        BinOp::Mul => {
            // Most products fit 64 bits: the division by the scale is then cheap.
            if let (Ok(a), Ok(b)) = (i64::try_from(p), i64::try_from(q)) {
                if let Some(m) = a.checked_mul(b) {
                    return Some(half_even_64(m) as i128);
                }
            }
            p.checked_mul(q).map(half_even_128)
        }
        _ => None,
    }
}

/// `m / 10^6` rounded half to even.
#[inline]
fn half_even_64(m: i64) -> i64 {
    let s = DEC_SCALE as i64;
    let (q, r) = (m / s, m % s);
    let twice = 2 * r.abs();
    if twice > s || (twice == s && q % 2 != 0) {
        q + m.signum()
    } else {
        q
    }
}

fn half_even_128(m: i128) -> i128 {
    let (q, r) = (m / DEC_SCALE, m % DEC_SCALE);
    let twice = 2 * r.abs();
    if twice > DEC_SCALE || (twice == DEC_SCALE && q % 2 != 0) {
        q + m.signum()
    } else {
        q
    }
}

fn to_f64(e: i128) -> f64 {
    match i64::try_from(e) {
        Ok(w) => w as f64 / DEC_SCALE as f64,
        Err(_) => e as f64 / DEC_SCALE as f64,
    }
}

/// Append the text of a value (as the file would write it) to `out`.
pub fn render(v: RowVal, exact: Option<i128>, out: &mut Vec<u8>) {
    use std::io::Write;
    match (v, exact) {
        (RowVal::Null, _) => {}
        (RowVal::Str(s), _) => out.extend_from_slice(s),
        (RowVal::Num(_), Some(e)) => crate::decimal::write_fixed(e, out),
        // As `kpi sql` writes a number as text: rounded to 6 decimals, without
        // trailing zeros (and no negative zero). Written in place: no allocation.
        (RowVal::Num(x), None) => {
            let start = out.len();
            let _ = write!(out, "{x:.6}");
            while out.last() == Some(&b'0') {
                out.pop();
            }
            if out.last() == Some(&b'.') {
                out.pop();
            }
            if &out[start..] == b"-0" {
                out.truncate(start);
                out.push(b'0');
            }
        }
        (RowVal::Bool(b), _) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        (RowVal::Date(d), _) => {
            let _ = write!(
                out,
                "{}",
                crate::data::period::period_label(crate::data::period::Grain::Day, d)
            );
        }
    }
}

/// The derived columns computed per row (indexes into the plan's, in order): every
/// one but the lookup rows and dimensions that only `--by` grouping reads (those are
/// found by [`super::joins::Joins`]). `texts` are the derived columns read as text.
pub fn active_derived(plan: &SourcePlan, texts: &[usize]) -> Vec<u32> {
    use crate::plan::derive::Calc;
    let mut reads: Vec<usize> = texts.to_vec();
    for a in &plan.aggs {
        reads.extend(a.column);
        if let Some(f) = &a.filter {
            f.columns(&mut reads);
        }
    }
    for r in &plan.riders {
        reads.push(r.entity);
        r.steps.iter().for_each(|f| f.columns(&mut reads));
    }
    reads.extend(plan.coded.iter().map(|(c, _)| *c));
    // Later derived columns read earlier ones: walk back from the last.
    let mut active = vec![false; plan.derived.len()];
    for (i, d) in plan.derived.iter().enumerate().rev() {
        active[i] = match d.calc {
            Calc::LookupDim { .. } | Calc::LookupRow { .. } => reads.contains(&d.col),
            _ => true,
        };
        if active[i] {
            d.calc.columns(&mut reads);
        }
    }
    (0..plan.derived.len() as u32)
        .filter(|&i| active[i as usize])
        .collect()
}

/// Compute a row's derived columns (into `vals`, `fixed` and `nums`) and give the
/// row's fields with the derived columns' texts after the file's (those in
/// `text_cols`; `text` holds them).
#[allow(clippy::too_many_arguments)]
pub fn derive_row<'a, const N: usize>(
    plan: &'a SourcePlan,
    tables: &'a [LookupTable],
    active: &[u32],
    text_cols: &[usize],
    fields: &[&'a [u8]],
    vals: &mut [RowVal<'a>; N],
    fixed: &mut [Option<i128>],
    nums: &mut [f64],
    text: &'a mut Vec<u8>,
) -> [&'a [u8]; N] {
    compute(&plan.derived, active, vals, fixed, nums, tables);
    text.clear();
    let mut spans = [(0u32, 0u32); N];
    for &k in text_cols {
        if !matches!(vals[k], RowVal::Str(_)) {
            let start = text.len() as u32;
            render(vals[k], fixed[k], text);
            spans[k] = (start, text.len() as u32);
        }
    }
    let text: &'a Vec<u8> = text;
    let mut ext: [&'a [u8]; N] = [&[]; N];
    let n = fields.len().min(N);
    ext[..n].copy_from_slice(&fields[..n]);
    for &k in text_cols {
        ext[k] = match vals[k] {
            // Text (a lookup's dimension, an `if` of strings) is not copied.
            RowVal::Str(s) => s,
            _ => &text[spans[k].0 as usize..spans[k].1 as usize],
        };
    }
    ext
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_round_half_to_even() {
        // 0.000001 * 0.5 = 0.0000005 -> 0 (even); 0.000003 * 0.5 -> 0.000002.
        assert_eq!(exact_op(BinOp::Mul, 1, 500_000), Some(0));
        assert_eq!(exact_op(BinOp::Mul, 3, 500_000), Some(2));
        assert_eq!(exact_op(BinOp::Mul, -3, 500_000), Some(-2));
        // 3 * 19.99 = 59.97 exactly.
        assert_eq!(
            exact_op(BinOp::Mul, 3_000_000, 19_990_000),
            Some(59_970_000)
        );
        // Past 64 bits: the 128-bit path.
        let big = 10_000_000_000_000; // 10^7
        assert_eq!(
            exact_op(BinOp::Mul, big, big),
            Some(100_000_000_000_000_000_000)
        );
        assert_eq!(exact_op(BinOp::Div, 1, 1), None);
    }
}
