//! Row level: the SQL form of a source column in each role (group key, text, number,
//! boolean, local day) and `where` filters translated with the engine's rules —
//! SQL's three-valued logic, text compared bytewise, numbers as f64.
//!
//! Table contract: columns hinted `int`/`decimal` are numeric in the warehouse,
//! `bool` boolean, `timestamp` an instant (`TIMESTAMPTZ` and its kin: the local day
//! is taken in the settings' zone with the warehouse's own date functions), `date`
//! a `DATE` (or a zone-less `TIMESTAMP` of local wall times: its date is the day);
//! every other column (an unhinted time column included) is text or is cast to
//! text, and event times are parsed from it as the engine parses them. `kpi load`
//! creates tables this way.

use std::collections::HashMap;

use crate::compile::graph::{Builtin, ColumnType, RowExpr, SourceDef, Value};
use crate::plan::{parse_bool, ColKind};
use crate::syntax::ast::{BinOp, UnOp};

use super::dialect::{Dialect, SqlType};
use super::expr::{
    arith, bool_expr, call_sql, comparison, in_sql, kind_name, konst, num_expr, num_literal,
    typed_null, Expr, K,
};
use super::SqlError;

/// The columns of one source as the scan plan types them.
pub struct SourceCols<'a> {
    pub d: &'a dyn Dialect,
    pub src: &'a SourceDef,
    pub kinds: HashMap<String, ColKind>,
    /// The SQL name of the local-day column of the rows CTE (the time column).
    pub day_col: String,
    /// The settings' time zone (date-hinted columns are local days in it).
    pub tz: String,
    /// The hidden columns of aggregations' row expressions, by plan column name.
    pub hidden: HashMap<String, RowExpr>,
    /// Derived columns already translated (by name and exactness): each is
    /// translated once however often others read it.
    pub inlined: std::cell::RefCell<HashMap<(String, bool), Expr>>,
}

/// A number as the engine writes a derived number as text (a `--by` value, a distinct
/// value): rounded to 6 decimals, without trailing zeros.
pub fn number_label(d: &dyn Dialect, x: &str) -> String {
    let t = d.cast(
        &format!("ROUND({}, 6)", d.cast(x, SqlType::Decimal)),
        SqlType::Text,
    );
    format!(
        "(CASE WHEN {t} LIKE '%.%' THEN {} ELSE {t} END)",
        d.trim_trailing(&d.trim_trailing(&t, '0'), '.')
    )
}

/// The local day in zone `tz` of column `c` of `src` (SQL `quoted`) from the
/// warehouse's native type: a `timestamp` column is an instant converted with the
/// warehouse's date functions, a `date` column is its date. `None` for any other
/// column: its text is parsed as the engine parses event times.
pub fn typed_day(
    d: &dyn Dialect,
    src: &SourceDef,
    c: &str,
    quoted: &str,
    tz: &str,
) -> Option<String> {
    match src.column_type(c) {
        Some(ColumnType::Timestamp) => Some(d.instant_day(quoted, tz)),
        Some(ColumnType::Date) => Some(d.date_day(quoted)),
        _ => None,
    }
}

/// The longest SQL text a derived column may inline to.
const MAX_INLINED: usize = 1 << 20;

impl SourceCols<'_> {
    fn q(&self, c: &str) -> String {
        match self.src.lookup_of(c) {
            // A lookup's dimension, by its name in the joined rows (the fact table
            // may have a column of the same name).
            Some(k) => self.d.quote_column(&lookup_alias(k, c)),
            None => self.d.quote_column(c),
        }
    }

    fn hint(&self, c: &str) -> Option<ColumnType> {
        self.src.column_type(c)
    }

    pub fn is_time(&self, c: &str) -> bool {
        self.src.time.as_deref() == Some(c)
    }

    /// The local day of time column `c` (or of a date-kinded column): with a
    /// `timestamp` or `date` hint from the warehouse's native type, otherwise
    /// parsed from its text as the engine parses it.
    pub fn local_day(&self, c: &str) -> String {
        typed_day(self.d, self.src, c, &self.q(c), &self.tz)
            .unwrap_or_else(|| self.d.local_day(&self.text(c), &self.tz))
    }

    /// The raw text of a column, null when empty (distinct counts, text filters).
    pub fn text(&self, c: &str) -> String {
        match self.hint(c) {
            Some(
                ColumnType::Int
                | ColumnType::Decimal
                | ColumnType::Bool
                | ColumnType::Timestamp
                | ColumnType::Date,
            ) => self.d.cast(&self.q(c), SqlType::Text),
            _ if self.is_time(c) => {
                format!("NULLIF({}, '')", self.d.cast(&self.q(c), SqlType::Text))
            }
            _ => format!("NULLIF({}, '')", self.q(c)),
        }
    }

    /// A group key: the raw text, `''` when empty.
    pub fn key(&self, c: &str) -> String {
        match self.hint(c) {
            Some(ColumnType::String) | None if !self.is_time(c) => {
                format!("COALESCE({}, '')", self.q(c))
            }
            _ => format!("COALESCE({}, '')", self.d.cast(&self.q(c), SqlType::Text)),
        }
    }

    /// A number in the warehouse's exact type (sums, averages).
    pub fn number(&self, c: &str) -> String {
        match self.hint(c) {
            Some(ColumnType::Int | ColumnType::Decimal) => self.q(c),
            _ => self
                .d
                .cast(&format!("NULLIF({}, '')", self.q(c)), SqlType::Decimal),
        }
    }

    /// A number as f64 (filters, min/max, percentiles).
    pub fn double(&self, c: &str) -> String {
        self.d.cast(&self.number(c), SqlType::Double)
    }

    fn boolean(&self, c: &str) -> String {
        match self.hint(c) {
            Some(ColumnType::Bool) => self.q(c),
            _ => self
                .d
                .cast(&format!("NULLIF({}, '')", self.q(c)), SqlType::Bool),
        }
    }

    /// The event time of the row as its local day.
    pub fn day(&self) -> String {
        self.day_col.clone()
    }

    /// The expression of a derived (or hidden) column.
    pub fn derived_expr(&self, c: &str) -> Option<&RowExpr> {
        self.src
            .derived(c)
            .map(|d| &d.expr)
            .or_else(|| self.hidden.get(c))
    }

    /// The kind the scan gives column `c`.
    pub fn kind(&self, c: &str) -> ColKind {
        self.kinds.get(c).copied().unwrap_or(ColKind::Str)
    }

    /// A column as the engine sees it in a filter.
    pub fn column(&self, c: &str) -> Expr {
        let (sql, kind) = if self.is_time(c) {
            (self.day(), K::Date)
        } else {
            match self.kind(c) {
                ColKind::Str => (self.text(c), K::Str),
                ColKind::Num => (self.double(c), K::Num),
                ColKind::Bool => (self.boolean(c), K::Bool),
                ColKind::Date => (self.local_day(c), K::Date),
            }
        };
        Expr {
            sql,
            kind,
            konst: None,
        }
    }
}

/// A text constant read as `want` (the engine converts a text operand when compared
/// with a number, a date or a boolean): `None` when it does not read as one (null).
fn convert_text(text: &str, want: K) -> Option<Value> {
    match want {
        K::Num => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .map(Value::Num),
        K::Bool => parse_bool(text.as_bytes()).map(Value::Bool),
        K::Date => {
            let b = text.as_bytes();
            (b.len() >= 10)
                .then(|| crate::data::time::parse_date_arg(&text[..10]))
                .flatten()
                .map(Value::Date)
        }
        _ => None,
    }
}

/// The name of lookup `k`'s dimension `dim` in a fact source's joined rows.
pub fn lookup_alias(k: usize, dim: &str) -> String {
    format!("l{k}__{dim}")
}

/// Translates `where` filters and row expressions of one source; derived columns
/// are computed inline.
pub struct RowTranslator<'a> {
    pub cols: &'a SourceCols<'a>,
    /// Numbers as exact decimals (the values of sums and averages): `+ - *` stay
    /// exact, a product is brought back to the 10^-6 scale, `/` is a double.
    pub exact: bool,
}

impl RowTranslator<'_> {
    fn d(&self) -> &dyn Dialect {
        self.cols.d
    }

    fn unsupported(&self, what: String) -> SqlError {
        SqlError::Unsupported {
            construct: what,
            dialect: self.d().name().to_string(),
        }
    }

    /// The filter as a boolean condition (a non-boolean filter keeps no row).
    pub fn condition(&self, e: &RowExpr) -> Result<String, SqlError> {
        let x = self.expr(e)?;
        Ok(match x.kind {
            K::Bool => x.sql,
            _ => self.d().bool_literal(false).to_string(),
        })
    }

    pub fn expr(&self, e: &RowExpr) -> Result<Expr, SqlError> {
        Ok(match e {
            RowExpr::Const(Value::Num(x)) if self.exact && x.is_finite() => Expr {
                sql: self
                    .d()
                    .cast(&super::dialect::float_text(*x), SqlType::Decimal),
                kind: K::Num,
                konst: Some(Value::Num(*x)),
            },
            RowExpr::Const(v) => konst(self.d(), v),
            RowExpr::Column(c) => match self.cols.derived_expr(c) {
                Some(e) => {
                    let key = (c.clone(), self.exact);
                    if let Some(x) = self.cols.inlined.borrow().get(&key) {
                        return Ok(x.clone());
                    }
                    let x = self.expr(e)?;
                    if x.sql.len() > MAX_INLINED {
                        return Err(self.unsupported(format!(
                            "derived column `{c}`, whose SQL would be {} bytes long once its derived columns are written out",
                            x.sql.len()
                        )));
                    }
                    self.cols.inlined.borrow_mut().insert(key, x.clone());
                    x
                }
                None if self.exact
                    && self.cols.kind(c) == ColKind::Num
                    && !self.cols.is_time(c) =>
                {
                    num_expr(self.cols.number(c))
                }
                None => self.cols.column(c),
            },
            RowExpr::Unary(UnOp::Not, a) => {
                let a = self.expr(a)?;
                bool_expr(match a.kind {
                    K::Bool => format!("(NOT {})", a.sql),
                    _ => typed_null(self.d(), K::Bool),
                })
            }
            RowExpr::Unary(UnOp::Neg, a) => {
                let a = self.numeric(self.expr(a)?, "negation")?;
                num_expr(format!("(-{a})"))
            }
            RowExpr::Binary(op @ (BinOp::And | BinOp::Or), a, b) => {
                let a = self.as_bool(self.expr(a)?);
                let b = self.as_bool(self.expr(b)?);
                let word = if *op == BinOp::And { "AND" } else { "OR" };
                bool_expr(format!("({a} {word} {b})"))
            }
            RowExpr::Binary(op, a, b) if op.is_comparison() => {
                let (a, b) = (self.expr(a)?, self.expr(b)?);
                bool_expr(self.compare(*op, a, b)?)
            }
            RowExpr::Binary(op, a, b) => {
                let a = self.numeric(self.expr(a)?, op.symbol())?;
                let b = self.numeric(self.expr(b)?, op.symbol())?;
                let d = self.d();
                num_expr(match (self.exact, op) {
                    (true, BinOp::Mul) => d.cast(&arith(*op, &a, &b), SqlType::Decimal),
                    (true, BinOp::Div) => arith(
                        *op,
                        &d.cast(&a, SqlType::Double),
                        &d.cast(&b, SqlType::Double),
                    ),
                    _ => arith(*op, &a, &b),
                })
            }
            RowExpr::In(a, items) => self.in_list(a, items)?,
            RowExpr::Call(f, args) => self.call(*f, args)?,
        })
    }

    fn as_bool(&self, x: Expr) -> String {
        match x.kind {
            K::Bool => x.sql,
            _ => typed_null(self.d(), K::Bool),
        }
    }

    /// An operand of arithmetic as a double (the engine reads text as a number).
    fn numeric(&self, x: Expr, what: &str) -> Result<String, SqlError> {
        match (x.kind, &x.konst) {
            (K::Num, _) => Ok(x.sql),
            (K::Null, _) => Ok(typed_null(self.d(), K::Num)),
            (K::Str, Some(Value::Str(s))) => Ok(match convert_text(s, K::Num) {
                Some(Value::Num(v)) => num_literal(self.d(), v),
                _ => typed_null(self.d(), K::Num),
            }),
            (K::Bool, Some(Value::Bool(b))) => Ok(num_literal(self.d(), f64::from(u8::from(*b)))),
            _ => Err(self.unsupported(format!(
                "`{what}` over a {} value in a filter (declare the column `int` or `decimal`)",
                kind_name(x.kind)
            ))),
        }
    }

    /// Bring two operands to one kind as the engine compares them, or null.
    fn unify(&self, a: Expr, b: Expr) -> Result<Option<(Expr, Expr)>, SqlError> {
        if a.kind == K::Null || b.kind == K::Null {
            return Ok(None);
        }
        if a.kind == b.kind {
            return Ok(Some((a, b)));
        }
        let convert = |x: &Expr, want: K| -> Option<Option<Expr>> {
            match &x.konst {
                Some(Value::Str(s)) => Some(convert_text(s, want).map(|v| konst(self.d(), &v))),
                Some(Value::Bool(b)) if want == K::Num => {
                    Some(Some(konst(self.d(), &Value::Num(f64::from(u8::from(*b))))))
                }
                Some(Value::Date(day)) if want == K::Num => {
                    Some(Some(konst(self.d(), &Value::Num(f64::from(*day)))))
                }
                _ => None,
            }
        };
        if let Some(conv) = convert(&b, a.kind) {
            return Ok(conv.map(|b| (a, b)));
        }
        if let Some(conv) = convert(&a, b.kind) {
            return Ok(conv.map(|a| (a, b)));
        }
        Err(self.unsupported(format!(
            "comparing a {} with a {} in a filter (give the column a type hint)",
            kind_name(a.kind),
            kind_name(b.kind)
        )))
    }

    fn compare(&self, op: BinOp, a: Expr, b: Expr) -> Result<String, SqlError> {
        let Some((a, b)) = self.unify(a, b)? else {
            return Ok(typed_null(self.d(), K::Bool));
        };
        Ok(comparison(self.d(), op, &a, &b))
    }

    fn in_list(&self, a: &RowExpr, items: &[RowExpr]) -> Result<Expr, SqlError> {
        let x = self.expr(a)?;
        if x.kind == K::Null {
            return Ok(bool_expr(typed_null(self.d(), K::Bool)));
        }
        let mut consts = Vec::new();
        let mut others = Vec::new();
        for i in items {
            let item = self.expr(i)?;
            let Some((_, item)) = self.unify(x.clone(), item)? else {
                continue;
            };
            if item.konst.is_some() {
                consts.push(item.sql);
            } else {
                others.push(item.sql);
            }
        }
        Ok(bool_expr(in_sql(self.d(), &x.sql, &consts, &others)))
    }

    fn call(&self, f: Builtin, args: &[RowExpr]) -> Result<Expr, SqlError> {
        let xs: Vec<Expr> = args
            .iter()
            .map(|a| self.expr(a))
            .collect::<Result<_, _>>()?;
        call_sql(self.d(), f, xs, &|what| self.unsupported(what))
    }
}
