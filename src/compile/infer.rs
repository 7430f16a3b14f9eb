//! Kind and unit inference over a definition's expression, run in dependency order so
//! every referenced metric's unit is known. Unlike units are refused (E03xx).

use crate::diag::Diagnostic;
use crate::syntax::ast::{AggFunc, BinOp, Expr, ExprKind, UnOp};

use super::graph::{AggSpec, Builtin, ColumnType, Graph, NodeId, RowExpr, SourceDef};
use super::types::{Kind, Unit};

pub struct Infer<'g> {
    pub graph: &'g Graph,
    pub names: &'g super::NameMap,
    /// Known (kind, unit) of nodes already inferred.
    pub known: &'g [Option<(Kind, Unit)>],
    pub currency: Option<&'g str>,
    pub diags: Vec<Diagnostic>,
}

impl<'g> Infer<'g> {
    fn node(&self, id: NodeId) -> (Kind, Unit) {
        match &self.known[id.0 as usize] {
            Some(ku) => ku.clone(),
            None => (Kind::Any, Unit::none()),
        }
    }

    pub fn expr(&mut self, e: &Expr) -> (Kind, Unit) {
        match &e.kind {
            ExprKind::Number { .. } | ExprKind::Percent { .. } => (Kind::Num, Unit::none()),
            ExprKind::Str(_) => (Kind::Str, Unit::none()),
            ExprKind::Bool(_) => (Kind::Bool, Unit::none()),
            ExprKind::Date(_) => (Kind::Date, Unit::none()),
            ExprKind::Duration(_) => (Kind::Duration, Unit::none()),
            ExprKind::Name(parts) => {
                let found = match parts.as_slice() {
                    [one] => self.names.get(one.name.as_str()),
                    _ => self.names.get(&dotted(parts)),
                };
                match found {
                    Some(&id) => self.node(id),
                    None => (Kind::Num, Unit::none()), // workdays, days, or an error already reported
                }
            }
            ExprKind::Agg(agg) => {
                let src = self
                    .graph
                    .sources
                    .iter()
                    .find(|s| s.name == agg.source.name);
                let unit = match (agg.func, src, &agg.expr, &agg.column) {
                    (AggFunc::Count | AggFunc::CountDistinct, ..) | (_, None, ..) => Unit::none(),
                    (_, Some(src), Some(x), _) => {
                        self.ast_row_unit(src, x, &mut Default::default())
                    }
                    (_, Some(src), None, Some(col)) => {
                        column_unit(src, &col.name, self.currency, &mut Default::default())
                    }
                    _ => Unit::none(),
                };
                (Kind::Num, unit)
            }
            ExprKind::Unary(op, a) => {
                let (k, u) = self.expr(a);
                match op {
                    UnOp::Neg => {
                        self.want(a, k, Kind::Num, "`-`");
                        (Kind::Num, u)
                    }
                    UnOp::Not => {
                        self.want(a, k, Kind::Bool, "`not`");
                        (Kind::Bool, Unit::none())
                    }
                }
            }
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b),
            ExprKind::In(a, items) => {
                let (k, _) = self.expr(a);
                for i in items {
                    let (ik, _) = self.expr(i);
                    if !ik.fits(k) {
                        self.kind_error(i, ik, k, "`in [..]`");
                    }
                }
                (Kind::Bool, Unit::none())
            }
            ExprKind::Call(f, args) => self.call(&f.name, args, e),
            ExprKind::IsNull(a, _) => {
                self.expr(a);
                (Kind::Bool, Unit::none())
            }
        }
    }

    /// The unit of an aggregation's row expression (columns written `source.column`).
    fn ast_row_unit(&self, src: &SourceDef, e: &Expr, memo: &mut UnitMemo) -> Unit {
        let mut unit = |x: &Expr| self.ast_row_unit(src, x, memo);
        match &e.kind {
            ExprKind::Name(parts) if parts.len() == 2 => {
                column_unit(src, &parts[1].name, self.currency, memo)
            }
            ExprKind::Unary(UnOp::Neg, a) => unit(a),
            ExprKind::Binary(BinOp::Mul, a, b) => unit(a).mul(&unit(b)),
            ExprKind::Binary(BinOp::Div, a, b) => unit(a).div(&unit(b)),
            ExprKind::Binary(BinOp::Add | BinOp::Sub, a, b) => {
                let (ua, ub) = (unit(a), unit(b));
                ua.unify(&ub).unwrap_or(ua)
            }
            ExprKind::Call(f, args) if f.name == "if" && args.len() == 3 => {
                let (ua, ub) = (unit(&args[1]), unit(&args[2]));
                ua.unify(&ub).unwrap_or(ua)
            }
            ExprKind::Call(f, args)
                if matches!(
                    f.name.as_str(),
                    "coalesce" | "min" | "max" | "abs" | "round"
                ) =>
            {
                args.first().map(unit).unwrap_or_default()
            }
            _ => Unit::none(),
        }
    }

    fn want(&mut self, e: &Expr, got: Kind, want: Kind, ctx: &str) {
        if !got.fits(want) {
            self.kind_error(e, got, want, ctx);
        }
    }

    fn kind_error(&mut self, e: &Expr, got: Kind, want: Kind, ctx: &str) {
        self.diags.push(
            Diagnostic::error(
                "E0404",
                format!("{ctx} expects a {}, found a {}", want.name(), got.name()),
            )
            .at(e.span, format!("this is a {}", got.name())),
        );
    }

    fn binary(&mut self, op: BinOp, a: &Expr, b: &Expr) -> (Kind, Unit) {
        let (ka, ua) = self.expr(a);
        let (kb, ub) = self.expr(b);
        // `+` and so on, for messages (without formatting one per operation).
        let ctx = match op {
            BinOp::Or => "`or`",
            BinOp::And => "`and`",
            BinOp::Eq => "`==`",
            BinOp::Ne => "`!=`",
            BinOp::Lt => "`<`",
            BinOp::Le => "`<=`",
            BinOp::Gt => "`>`",
            BinOp::Ge => "`>=`",
            BinOp::Add => "`+`",
            BinOp::Sub => "`-`",
            BinOp::Mul => "`*`",
            BinOp::Div => "`/`",
        };
        match op {
            BinOp::And | BinOp::Or => {
                self.want(a, ka, Kind::Bool, ctx);
                self.want(b, kb, Kind::Bool, ctx);
                (Kind::Bool, Unit::none())
            }
            BinOp::Mul | BinOp::Div => {
                self.want(a, ka, Kind::Num, ctx);
                self.want(b, kb, Kind::Num, ctx);
                let u = if op == BinOp::Mul {
                    ua.mul(&ub)
                } else {
                    ua.div(&ub)
                };
                (Kind::Num, u)
            }
            BinOp::Add | BinOp::Sub => {
                self.want(a, ka, Kind::Num, ctx);
                self.want(b, kb, Kind::Num, ctx);
                match ua.unify(&ub) {
                    Some(u) => (Kind::Num, u),
                    None => {
                        let message = if op == BinOp::Add {
                            format!("cannot add `{ua}` and `{ub}`")
                        } else {
                            format!("cannot subtract `{ub}` from `{ua}`")
                        };
                        self.diags.push(
                            operands(Diagnostic::error("E0301", message), a, &ua, b, &ub)
                                .with_help("only quantities of the same unit add up; check the `unit` of both metrics"),
                        );
                        (Kind::Num, ua)
                    }
                }
            }
            _ => {
                if !(ka.fits(kb)) {
                    self.kind_error(b, kb, ka, ctx);
                }
                if ua.unify(&ub).is_none() {
                    self.diags.push(
                        operands(
                            Diagnostic::error(
                                "E0302",
                                format!("cannot compare `{ua}` with `{ub}`"),
                            ),
                            a,
                            &ua,
                            b,
                            &ub,
                        )
                        .with_help("compare quantities of the same unit"),
                    );
                }
                (Kind::Bool, Unit::none())
            }
        }
    }

    fn call(&mut self, name: &str, args: &[Expr], whole: &Expr) -> (Kind, Unit) {
        let typed: Vec<(Kind, Unit)> = args.iter().map(|a| self.expr(a)).collect();
        match name {
            "coalesce" | "min" | "max" => {
                let mut unit = Unit::none();
                let mut kind = Kind::Any;
                for (i, (k, u)) in typed.iter().enumerate() {
                    if kind == Kind::Any {
                        kind = *k;
                    } else if !k.fits(kind) {
                        self.kind_error(&args[i], *k, kind, &format!("`{name}`"));
                    }
                    match unit.unify(u) {
                        Some(x) => unit = x,
                        None => self.diags.push(
                            Diagnostic::error(
                                "E0301",
                                format!("`{name}` of unlike units `{unit}` and `{u}`"),
                            )
                            .at(args[i].span, format!("unit `{u}`"))
                            .with_help("all arguments must have the same unit"),
                        ),
                    }
                }
                (if kind == Kind::Any { Kind::Num } else { kind }, unit)
            }
            "if" if typed.len() == 3 => {
                self.want(&args[0], typed[0].0, Kind::Bool, "`if` condition");
                let unit = match typed[1].1.unify(&typed[2].1) {
                    Some(u) => u,
                    None => {
                        self.diags.push(
                            Diagnostic::error(
                                "E0301",
                                format!(
                                    "`if` branches have unlike units `{}` and `{}`",
                                    typed[1].1, typed[2].1
                                ),
                            )
                            .at(whole.span, "unlike branches"),
                        );
                        typed[1].1.clone()
                    }
                };
                (typed[1].0, unit)
            }
            "abs" | "round" if !typed.is_empty() => {
                self.want(&args[0], typed[0].0, Kind::Num, &format!("`{name}`"));
                (Kind::Num, typed[0].1.clone())
            }
            "prev" | "rolling" | "to_date" if !typed.is_empty() => (Kind::Num, typed[0].1.clone()),
            "change" => (Kind::Num, Unit::none()),
            // A script function may return a number, string or boolean; its result is
            // dimensionless (a metric's declared `unit` gives it one).
            _ if self
                .graph
                .scripts
                .iter()
                .any(|s| s.functions.iter().any(|g| g.name == name)) =>
            {
                (Kind::Any, Unit::none())
            }
            _ => (Kind::Num, Unit::none()),
        }
    }
}

/// Point a unit conflict at the right operand and label the left one, each with its
/// unit (labels on the whole expression and both operands would overlap).
fn operands(d: Diagnostic, a: &Expr, ua: &Unit, b: &Expr, ub: &Unit) -> Diagnostic {
    let d = d.at(b.span, format!("unit `{ub}`"));
    if a.span == b.span {
        d
    } else {
        d.with_secondary(a.span, format!("unit `{ua}`"))
    }
}

/// `a.b` of a name's parts.
fn dotted(parts: &[crate::syntax::ast::Ident]) -> String {
    parts
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

/// Units of derived columns already worked out, by name.
pub type UnitMemo = std::collections::HashMap<String, Unit>;

/// The unit of a source column: a decimal column's is the currency; a derived
/// column's follows its expression (DESIGN 5.2).
pub fn column_unit(
    src: &SourceDef,
    col: &str,
    currency: Option<&str>,
    memo: &mut UnitMemo,
) -> Unit {
    if let Some(d) = src.derived(col) {
        // Each derived column once (`b = a + a`, `c = b + b`, .. stays linear); a
        // cycle (already refused) meets its own entry, no unit.
        if let Some(u) = memo.get(col) {
            return u.clone();
        }
        memo.insert(col.to_string(), Unit::none());
        let u = row_unit(src, &d.expr, currency, memo);
        memo.insert(col.to_string(), u.clone());
        return u;
    }
    match (src.column_type(col), currency) {
        (Some(ColumnType::Decimal), Some(c)) => Unit::named(c),
        _ => Unit::none(),
    }
}

/// The unit of a row expression over `src`'s columns.
pub fn row_unit(src: &SourceDef, e: &RowExpr, currency: Option<&str>, memo: &mut UnitMemo) -> Unit {
    let mut unit = |x: &RowExpr| row_unit(src, x, currency, memo);
    match e {
        RowExpr::Column(c) => column_unit(src, c, currency, memo),
        RowExpr::Unary(UnOp::Neg, a) => unit(a),
        RowExpr::Binary(BinOp::Mul, a, b) => unit(a).mul(&unit(b)),
        RowExpr::Binary(BinOp::Div, a, b) => unit(a).div(&unit(b)),
        RowExpr::Binary(BinOp::Add | BinOp::Sub, a, b) => {
            let (ua, ub) = (unit(a), unit(b));
            ua.unify(&ub).unwrap_or(ua)
        }
        RowExpr::Call(Builtin::If, args) if args.len() == 3 => {
            let (ua, ub) = (unit(&args[1]), unit(&args[2]));
            ua.unify(&ub).unwrap_or(ua)
        }
        RowExpr::Call(
            Builtin::Coalesce | Builtin::Min | Builtin::Max | Builtin::Abs | Builtin::Round,
            args,
        ) => args.first().map(unit).unwrap_or_default(),
        _ => Unit::none(),
    }
}

/// The unit of an aggregate: counts have none; sums, averages, .. that of their
/// column or row expression.
pub fn agg_unit(graph: &Graph, spec: &AggSpec, currency: Option<&str>) -> Unit {
    if matches!(spec.func, AggFunc::Count | AggFunc::CountDistinct) {
        return Unit::none();
    }
    let Some(src) = graph.sources.get(spec.source) else {
        return Unit::none();
    };
    match (&spec.expr, &spec.column) {
        (Some(e), _) => row_unit(src, e, currency, &mut Default::default()),
        (None, Some(c)) => column_unit(src, c, currency, &mut Default::default()),
        _ => Unit::none(),
    }
}
