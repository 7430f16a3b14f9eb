//! SQL expressions shared by row filters and formulas: kinds, constants, and the
//! engine's rules for `in`, comparisons (text bytewise), arithmetic (division by zero
//! is null) and the built-in functions.

use crate::compile::graph::{Builtin, Value};
use crate::syntax::ast::BinOp;

use super::dialect::{float_text, Dialect, SqlType};
use super::SqlError;

/// The kind of a row-level SQL value (the engine's `RowVal`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum K {
    Null,
    Num,
    Str,
    Bool,
    Date,
}

/// A translated expression: SQL text, its kind, and the constant it is (if any).
#[derive(Clone, Debug)]
pub struct Expr {
    pub sql: String,
    pub kind: K,
    pub konst: Option<Value>,
}

/// Constant SQL values shared by rows and formulas.
pub fn typed_null(d: &dyn Dialect, kind: K) -> String {
    match kind {
        K::Bool => d.cast("NULL", SqlType::Bool),
        K::Num => d.cast("NULL", SqlType::Double),
        K::Str => d.cast("NULL", SqlType::Text),
        K::Date => d.cast("NULL", SqlType::Date),
        K::Null => "NULL".into(),
    }
}

/// A double literal (cast, so integer literals never divide as integers).
pub fn num_literal(d: &dyn Dialect, x: f64) -> String {
    if !x.is_finite() {
        return typed_null(d, K::Num);
    }
    d.cast(&float_text(x), SqlType::Double)
}

/// A constant value.
pub fn konst(d: &dyn Dialect, v: &Value) -> Expr {
    let (sql, kind) = match v {
        Value::Null => ("NULL".to_string(), K::Null),
        Value::Num(x) => (num_literal(d, *x), K::Num),
        Value::Duration(s) => (num_literal(d, *s as f64), K::Num),
        Value::Str(s) => (d.string_literal(s), K::Str),
        Value::Bool(b) => (d.bool_literal(*b).to_string(), K::Bool),
        Value::Date(day) => (d.date_literal(*day), K::Date),
    };
    Expr {
        sql,
        kind,
        konst: Some(v.clone()),
    }
}

/// `x IN (..)` as the engine: null when x is null, else whether an item equals it
/// (an item that is null or of another kind never does).
pub fn in_sql(d: &dyn Dialect, x: &str, consts: &[String], others: &[String]) -> String {
    let mut terms = Vec::new();
    if !consts.is_empty() {
        terms.push(format!("{x} IN ({})", consts.join(", ")));
    }
    for o in others {
        terms.push(format!("COALESCE({x} = {o}, {})", d.bool_literal(false)));
    }
    if terms.is_empty() {
        terms.push(d.bool_literal(false).to_string());
    }
    if others.is_empty() && !consts.is_empty() {
        return format!("({})", terms[0]);
    }
    format!(
        "(CASE WHEN {x} IS NULL THEN {} ELSE {} END)",
        typed_null(d, K::Bool),
        terms.join(" OR ")
    )
}

/// A comparison of two operands of one kind; text orders bytewise.
pub fn comparison(d: &dyn Dialect, op: BinOp, a: &Expr, b: &Expr) -> String {
    let sym = match op {
        BinOp::Eq => "=",
        BinOp::Ne => "<>",
        BinOp::Lt => "<",
        BinOp::Le => "<=",
        BinOp::Gt => ">",
        _ => ">=",
    };
    let ordering = !matches!(op, BinOp::Eq | BinOp::Ne);
    if a.kind == K::Str && ordering {
        format!("({} {sym} {})", d.binary_order(&a.sql), b.sql)
    } else {
        format!("({} {sym} {})", a.sql, b.sql)
    }
}

/// `+ - * /` over doubles; division by zero is null.
pub fn arith(op: BinOp, a: &str, b: &str) -> String {
    match op {
        BinOp::Add => format!("({a} + {b})"),
        BinOp::Sub => format!("({a} - {b})"),
        BinOp::Mul => format!("({a} * {b})"),
        _ => format!("({a} / NULLIF({b}, 0))"),
    }
}

/// Built-in functions over translated arguments (rows and formulas alike).
pub fn call_sql(
    d: &dyn Dialect,
    f: Builtin,
    xs: Vec<Expr>,
    unsupported: &dyn Fn(String) -> SqlError,
) -> Result<Expr, SqlError> {
    let num_arg = |x: &Expr| -> Result<String, SqlError> {
        match x.kind {
            K::Num => Ok(x.sql.clone()),
            K::Null => Ok(typed_null(d, K::Num)),
            k => Err(unsupported(format!(
                "`{}` of a {} value",
                f.name(),
                kind_name(k)
            ))),
        }
    };
    Ok(match f {
        Builtin::IsNull => match xs.first() {
            Some(x) if x.kind != K::Null => bool_expr(format!("({} IS NULL)", x.sql)),
            _ => bool_expr(d.bool_literal(true).to_string()),
        },
        Builtin::Coalesce | Builtin::If => {
            let (cond, values) = if f == Builtin::If {
                let c = xs.first().map_or_else(
                    || typed_null(d, K::Bool),
                    |c| match c.kind {
                        K::Bool => c.sql.clone(),
                        _ => typed_null(d, K::Bool),
                    },
                );
                (Some(c), xs.into_iter().skip(1).collect::<Vec<_>>())
            } else {
                (None, xs)
            };
            let kinds: Vec<K> = values
                .iter()
                .map(|x| x.kind)
                .filter(|k| *k != K::Null)
                .collect();
            let kind = kinds.first().copied().unwrap_or(K::Null);
            if kinds.iter().any(|k| *k != kind) {
                return Err(unsupported(format!(
                    "`{}` over values of different kinds",
                    f.name()
                )));
            }
            let vals: Vec<String> = values
                .iter()
                .map(|x| {
                    if x.kind == K::Null {
                        typed_null(d, kind)
                    } else {
                        x.sql.clone()
                    }
                })
                .collect();
            let sql = match cond {
                Some(c) => format!(
                    "(CASE WHEN {c} THEN {} ELSE {} END)",
                    vals.first().cloned().unwrap_or_else(|| "NULL".into()),
                    vals.get(1).cloned().unwrap_or_else(|| "NULL".into())
                ),
                None if vals.len() == 1 => vals[0].clone(),
                None => format!("COALESCE({})", vals.join(", ")),
            };
            Expr {
                sql,
                kind,
                konst: None,
            }
        }
        Builtin::Min | Builtin::Max => {
            let args: Vec<String> = xs.iter().map(num_arg).collect::<Result<_, _>>()?;
            let word = if f == Builtin::Min {
                "LEAST"
            } else {
                "GREATEST"
            };
            let nulls: Vec<String> = args.iter().map(|a| format!("{a} IS NULL")).collect();
            num_expr(format!(
                "(CASE WHEN {} THEN {} ELSE {word}({}) END)",
                nulls.join(" OR "),
                typed_null(d, K::Num),
                args.join(", ")
            ))
        }
        Builtin::Abs => {
            let a = xs
                .first()
                .map(num_arg)
                .transpose()?
                .unwrap_or_else(|| typed_null(d, K::Num));
            num_expr(format!("ABS({a})"))
        }
        Builtin::Round => {
            let a = xs
                .first()
                .map(num_arg)
                .transpose()?
                .unwrap_or_else(|| typed_null(d, K::Num));
            let digits = match xs.get(1) {
                None => 0.0,
                Some(x) => match &x.konst {
                    Some(Value::Num(v)) => *v,
                    Some(Value::Null) => 0.0,
                    _ => {
                        return Err(unsupported(
                            "`round` with a number of digits that is not a constant".into(),
                        ))
                    }
                },
            };
            let p = 10f64.powi(digits.clamp(-15.0, 15.0) as i32);
            let y = format!("({a} * {})", num_literal(d, p));
            // Half away from zero, as the engine's f64::round.
            num_expr(format!(
                "(SIGN({y}) * FLOOR(ABS({y}) + 0.5) / {})",
                num_literal(d, p)
            ))
        }
    })
}

pub fn kind_name(k: K) -> &'static str {
    match k {
        K::Null => "null",
        K::Num => "number",
        K::Str => "text",
        K::Bool => "boolean",
        K::Date => "date",
    }
}

pub fn bool_expr(sql: String) -> Expr {
    Expr {
        sql,
        kind: K::Bool,
        konst: None,
    }
}

pub fn num_expr(sql: String) -> Expr {
    Expr {
        sql,
        kind: K::Num,
        konst: None,
    }
}
