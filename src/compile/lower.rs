//! Lowering AST expressions to graph formulas: name resolution ("did you mean"),
//! aggregation placement, filters over columns, built-ins and window functions.

use std::collections::HashMap;

use crate::diag::{did_you_mean, Diagnostic, Span};
use crate::syntax::ast::{self, AggFunc, BinOp, Expr, ExprKind, Ident, UnOp};

use super::graph::*;
use super::resolve::Scope;

/// Names of window functions.
pub const WINDOW_NAMES: [&str; 4] = ["prev", "change", "rolling", "to_date"];

pub struct Lowerer<'s, 'a> {
    pub scope: &'s Scope<'a>,
    pub graph: &'s mut Graph,
    pub diags: &'s mut Vec<Diagnostic>,
    /// Metric, param and funnel-member names to nodes.
    pub names: &'s super::NameMap,
    /// Aggregates made so far, by a hash of their spec (equal specs share a node).
    aggs: HashMap<u64, Vec<NodeId>, foldhash::fast::RandomState>,
    /// Whether scripts are declared (their functions are in `graph.scripts`).
    pub has_scripts: bool,
    /// Names still to compare for "did you mean" hints of unknown names. Each hint
    /// compares against every name, so a file with thousands of unknown names among
    /// thousands of definitions gets hints for the first few hundred only.
    hint_budget: usize,
    /// Inside an aggregation's row expression: its source, whose columns are
    /// written `source.column`.
    row_source: Option<String>,
    /// The source whose rows a row expression sees (its columns win over metrics
    /// of the same name).
    pub(super) row_src: Option<usize>,
}

/// Name comparisons spent on "did you mean" hints, at most, per compilation.
const HINT_BUDGET: usize = 2_000_000;

/// Where an expression stands.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    /// A metric, funnel stage, check value or threshold.
    Formula,
    /// A param value or profile value: constants only.
    Constant,
}

impl<'s, 'a> Lowerer<'s, 'a> {
    pub fn new(
        scope: &'s Scope<'a>,
        graph: &'s mut Graph,
        diags: &'s mut Vec<Diagnostic>,
        names: &'s super::NameMap,
    ) -> Self {
        let has_scripts = !scope.scripts.is_empty();
        Lowerer {
            scope,
            graph,
            diags,
            names,
            aggs: HashMap::default(),
            has_scripts,
            hint_budget: HINT_BUDGET,
            row_source: None,
            row_src: None,
        }
    }

    /// Lower a metric-level expression.
    pub fn formula(&mut self, e: &Expr) -> Formula {
        self.lower(e, Place::Formula)
    }

    /// Evaluate a constant expression (param values, `--set`, profiles).
    pub fn constant(&mut self, e: &Expr) -> Option<Value> {
        let before = self.diags.len();
        let f = self.lower(e, Place::Constant);
        match const_eval(&f) {
            Some(v) => Some(v),
            // Lowering already said what is wrong (a metric, an aggregation ..).
            None if self.diags.len() > before => None,
            None => {
                self.diags.push(
                    Diagnostic::error("E0410", "a param value must be a constant")
                        .at(e.span, "not a constant")
                        .with_help("use a number, percent, string, date, duration or boolean, e.g. `70` or `12%`"),
                );
                None
            }
        }
    }

    fn err(&mut self, d: Diagnostic) -> Formula {
        self.diags.push(d);
        Formula::Const(Value::Null)
    }

    fn lower(&mut self, e: &Expr, place: Place) -> Formula {
        match &e.kind {
            ExprKind::Number { value, .. } => Formula::Const(Value::Num(*value)),
            ExprKind::Percent { value, .. } => Formula::Const(Value::Num(value / 100.0)),
            ExprKind::Str(s) => Formula::Const(Value::Str(s.clone())),
            ExprKind::Bool(b) => Formula::Const(Value::Bool(*b)),
            ExprKind::Date(d) => Formula::Const(Value::Date(day_number(*d))),
            ExprKind::Duration(d) => Formula::Const(Value::Duration(d.seconds())),
            ExprKind::Unary(op, a) => Formula::Unary(*op, Box::new(self.lower(a, place))),
            ExprKind::Binary(op, a, b) => Formula::Binary(
                *op,
                Box::new(self.lower(a, place)),
                Box::new(self.lower(b, place)),
            ),
            ExprKind::In(a, items) => Formula::In(
                Box::new(self.lower(a, place)),
                items.iter().map(|i| self.lower(i, place)).collect(),
            ),
            ExprKind::Name(parts) => self.name(parts, e.span, place),
            ExprKind::IsNull(a, negated) => {
                let test = Formula::Call(Builtin::IsNull, vec![self.lower(a, place)]);
                match negated {
                    true => Formula::Unary(UnOp::Not, Box::new(test)),
                    false => test,
                }
            }
            ExprKind::Call(f, args) => self.call(f, args, e.span, place),
            ExprKind::Agg(agg) => {
                if place == Place::Constant {
                    return self.err(
                        Diagnostic::error("E0410", "a param value must be a constant")
                            .at(e.span, "aggregation in a param value")
                            .with_help("define a metric for this instead"),
                    );
                }
                self.aggregate(agg, e.span)
            }
        }
    }

    fn all_columns(&self) -> Vec<String> {
        let mut cols = Vec::new();
        for (s, _) in &self.scope.sources {
            cols.extend(s.time.iter().map(|t| t.name.clone()));
            cols.extend(s.dimensions.iter().map(|d| d.name.clone()));
            cols.extend(s.entity.iter().map(|d| d.name.clone()));
            cols.extend(s.columns.iter().map(|c| c.name.name.clone()));
        }
        cols
    }

    fn name(&mut self, parts: &[Ident], span: Span, place: Place) -> Formula {
        // The common case, a plain name that is defined, without building `a.b`.
        let plain = match parts {
            [one] => self.names.get(one.name.as_str()).copied(),
            _ => None,
        };
        let full: String = match plain {
            Some(_) => String::new(),
            None => parts
                .iter()
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join("."),
        };
        if let Some(id) = plain.or_else(|| self.names.get(&full).copied()) {
            let is_param = matches!(self.graph.node(id).kind, NodeKind::Param { .. });
            if place == Place::Constant && !is_param {
                return self.err(
                    Diagnostic::error("E0410", "a param value must be a constant")
                        .at(span, "a metric is not a constant")
                        .with_help("params are fixed values such as `70` or `12%`; define a metric for a computed value"),
                );
            }
            return Formula::Node(id);
        }
        if parts.len() == 1 {
            match full.as_str() {
                "workdays" if place == Place::Formula => return Formula::Workdays,
                "days" if place == Place::Formula => return Formula::Days,
                _ => {}
            }
            if self.all_columns().contains(&full) {
                return self.err(
                    Diagnostic::error("E0402", format!("column `{full}` used outside an aggregation"))
                        .at(span, "a column, not a metric")
                        .with_help(format!(
                            "columns are read inside aggregations and their `where` filters, e.g. `count_distinct(src.{full})`"
                        )),
                );
            }
        }
        if parts.len() == 2 && self.scope.source(&parts[0].name).is_some() {
            return self.err(
                Diagnostic::error(
                    "E0402",
                    format!("column `{full}` used outside an aggregation"),
                )
                .at(span, "a column, not a metric")
                .with_help(format!("aggregate it, e.g. `sum({full})`")),
            );
        }
        if parts.len() == 2 {
            if let Some(entry) = self.scope.get(&parts[0].name) {
                if matches!(
                    entry.def,
                    super::resolve::Def::Funnel(_) | super::resolve::Def::Journey(_)
                ) {
                    let prefix = format!("{}.", parts[0].name);
                    let members: Vec<&str> = self
                        .names
                        .keys()
                        .filter(|k| k.starts_with(&prefix))
                        .map(|k| k.as_str())
                        .collect();
                    let mut listed: Vec<&str> = members.clone();
                    listed.sort();
                    let help = match did_you_mean(&full, members) {
                        Some(h) => h,
                        None => format!("members of `{}`: {}", parts[0].name, listed.join(", ")),
                    };
                    return self.err(
                        Diagnostic::error(
                            "E0214",
                            format!(
                                "funnel `{}` has no member `{}`",
                                parts[0].name, parts[1].name
                            ),
                        )
                        .at(parts[1].span, "not a member")
                        .with_help(help),
                    );
                }
            }
        }
        let mut d =
            Diagnostic::error("E0201", format!("unknown metric `{full}`")).at(span, "not defined");
        if self.hint_budget >= self.names.len() {
            self.hint_budget -= self.names.len();
            let mut candidates: Vec<&str> = self.names.keys().map(|k| k.as_str()).collect();
            if place == Place::Formula {
                candidates.extend(["workdays", "days"]);
            }
            if let Some(h) = did_you_mean(&full, candidates) {
                d = d.with_help(h);
            }
        }
        self.err(d)
    }

    fn arity(&mut self, f: &Ident, args: &[Expr], span: Span, want: &str, ok: bool) -> bool {
        if !ok {
            self.diags.push(
                Diagnostic::error(
                    "E0212",
                    format!("`{}` takes {want}, got {}", f.name, args.len()),
                )
                .at(span, "wrong number of arguments"),
            );
        }
        ok
    }

    fn call(&mut self, f: &Ident, args: &[Expr], span: Span, place: Place) -> Formula {
        let n = args.len();
        if let Some(b) = Builtin::parse(&f.name) {
            let (want, ok) = match b {
                Builtin::Coalesce => ("at least 1 argument", n >= 1),
                Builtin::If => ("3 arguments (condition, then, else)", n == 3),
                Builtin::Min | Builtin::Max => ("2 arguments", n == 2),
                Builtin::Abs => ("1 argument", n == 1),
                Builtin::Round => ("1 or 2 arguments (value, digits)", n == 1 || n == 2),
                Builtin::IsNull => ("1 argument", n == 1),
            };
            if !self.arity(f, args, span, want, ok) {
                return Formula::Const(Value::Null);
            }
            return Formula::Call(b, args.iter().map(|a| self.lower(a, place)).collect());
        }
        if WINDOW_NAMES.contains(&f.name.as_str()) {
            if place == Place::Constant {
                return self.err(
                    Diagnostic::error("E0410", "a param value must be a constant")
                        .at(span, "window function"),
                );
            }
            return self.window(f, args, span);
        }
        match super::scripts::lookup(&self.graph.scripts, f, n, span) {
            super::scripts::Lookup::Call if place == Place::Constant => self.err(
                Diagnostic::error("E0410", "a param value must be a constant")
                    .at(span, "script function call")
                    .with_help("define a metric for this instead"),
            ),
            super::scripts::Lookup::Call => Formula::Script(
                f.name.clone(),
                args.iter().map(|a| self.lower(a, place)).collect(),
            ),
            super::scripts::Lookup::Arity(d) => self.err(d),
            // A script failed to load (reported): this may be one of its functions.
            super::scripts::Lookup::Unsure => Formula::Const(Value::Null),
            super::scripts::Lookup::Unknown => {
                let d = super::scripts::unknown(&self.graph.scripts, f, &WINDOW_NAMES);
                self.err(d)
            }
        }
    }

    fn window(&mut self, f: &Ident, args: &[Expr], span: Span) -> Formula {
        let (want, ok) = match f.name.as_str() {
            "prev" | "change" => ("1 argument (a metric)", args.len() == 1),
            "rolling" => (
                "2 arguments (a metric, a number of periods)",
                args.len() == 2,
            ),
            _ => ("2 arguments (a metric, a grain)", args.len() == 2),
        };
        if !self.arity(f, args, span, want, ok) {
            return Formula::Const(Value::Null);
        }
        let target = match &args[0].kind {
            ExprKind::Name(parts) => {
                let full: String = parts
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(".");
                self.names
                    .get(&full)
                    .copied()
                    .filter(|id| self.graph.node(*id).is_metric)
            }
            _ => None,
        };
        let Some(target) = target else {
            if let ExprKind::Name(parts) = &args[0].kind {
                self.name(parts, args[0].span, Place::Formula);
                if self
                    .diags
                    .last()
                    .is_some_and(|d| d.span == Some(args[0].span))
                {
                    return Formula::Const(Value::Null);
                }
            }
            return self.err(
                Diagnostic::error("E0406", format!("`{}` takes the name of a metric", f.name))
                    .at(args[0].span, "not a metric name")
                    .with_help("define the expression as a metric, then use its name here"),
            );
        };
        let w = match f.name.as_str() {
            "prev" => Window::Prev,
            "change" => Window::Change,
            "rolling" => match &args[1].kind {
                ExprKind::Number { value, .. }
                    if value.fract() == 0.0 && *value >= 1.0 && *value <= 10_000.0 =>
                {
                    Window::Rolling(*value as u32)
                }
                _ => {
                    return self.err(
                        Diagnostic::error(
                            "E0406",
                            "`rolling` needs a whole number of periods (1 to 10000)",
                        )
                        .at(args[1].span, "not a whole number of periods"),
                    )
                }
            },
            _ => {
                let grain = match &args[1].kind {
                    ExprKind::Name(p) if p.len() == 1 => {
                        crate::data::period::Grain::parse(&p[0].name)
                    }
                    _ => None,
                };
                match grain {
                    Some(g)
                        if !matches!(
                            g,
                            crate::data::period::Grain::All | crate::data::period::Grain::Day
                        ) =>
                    {
                        Window::ToDate(g)
                    }
                    _ => {
                        return self.err(
                            Diagnostic::error(
                                "E0406",
                                "`to_date` needs a grain: week, month, quarter or year",
                            )
                            .at(args[1].span, "not a grain"),
                        )
                    }
                }
            }
        };
        Formula::Window(w, target)
    }

    fn aggregate(&mut self, agg: &ast::Aggregation, span: Span) -> Formula {
        if agg.source.name.is_empty() {
            return Formula::Const(Value::Null);
        }
        let Some(src) = self.scope.source(&agg.source.name) else {
            let names: Vec<&str> = self
                .scope
                .sources
                .iter()
                .map(|(s, _)| s.name.name.as_str())
                .collect();
            let mut d = Diagnostic::error("E0204", format!("unknown source `{}`", agg.source.name))
                .at(agg.source.span, "no source of this name");
            d = d.with_help(
                match did_you_mean(&agg.source.name, names.iter().copied()) {
                    Some(h) => h,
                    None if names.is_empty() => {
                        "declare it: `source NAME { time ts dimensions rep }`".into()
                    }
                    None => format!("sources: {}", names.join(", ")),
                },
            );
            return self.err(d);
        };
        let needs_column = !matches!(agg.func, AggFunc::Count);
        if needs_column && agg.column.is_none() && agg.expr.is_none() {
            return self.err(
                Diagnostic::error("E0405", format!("`{}` needs a column", agg.func.name()))
                    .at(agg.source.span, "a source, not a column")
                    .with_help(format!(
                        "write `{}({}.COLUMN ..)`",
                        agg.func.name(),
                        agg.source.name
                    )),
            );
        }
        let fraction = match (agg.func, &agg.arg) {
            (AggFunc::Percentile, Some(a)) => match const_eval(&self.lower(a, Place::Constant)) {
                Some(Value::Num(p)) if (0.0..=1.0).contains(&p) => Some(p),
                _ => {
                    return self.err(
                        Diagnostic::error("E0405", "`percentile` needs a fraction between 0 and 1")
                            .at(a.span, "not a fraction")
                            .with_help("for example `percentile(activities.duration_s, 0.9)`"),
                    )
                }
            },
            (AggFunc::Percentile, None) => {
                return self.err(
                    Diagnostic::error("E0405", "`percentile` needs a fraction")
                        .at(span, "missing fraction")
                        .with_help("for example `percentile(activities.duration_s, 0.9)`"),
                )
            }
            (_, Some(a)) => {
                return self.err(
                    Diagnostic::error(
                        "E0405",
                        format!("too many arguments to `{}`", agg.func.name()),
                    )
                    .at(a.span, "unexpected argument"),
                )
            }
            (_, None) => None,
        };
        self.row_src = Some(src);
        let filter = agg.filter.as_ref().map(|f| self.row_expr(f));
        let expr = match &agg.expr {
            Some(e) => {
                self.row_source = Some(agg.source.name.clone());
                let x = self.row_expr(e);
                self.row_source = None;
                match x {
                    // `sum(orders.amount + 0)` is `sum(orders.amount)`.
                    Some(x) => Some(x),
                    None => {
                        self.row_src = None;
                        return Formula::Const(Value::Null);
                    }
                }
            }
            None => None,
        };
        self.row_src = None;
        let spec = AggSpec {
            source: src,
            func: agg.func,
            column: agg.column.as_ref().map(|c| c.name.clone()),
            expr,
            fraction,
            filter: filter.flatten(),
        };
        let key = agg_hash(&spec);
        let same = |id: &&NodeId| matches!(&self.graph.node(**id).kind, NodeKind::Aggregate(s) if *s == spec);
        if let Some(&id) = self.aggs.get(&key).and_then(|ids| ids.iter().find(same)) {
            return Formula::Node(id);
        }
        let id = NodeId(self.graph.nodes.len() as u32);
        let label = describe_agg(&spec, &self.scope.sources[src].0.name.name);
        self.graph.nodes.push(Node {
            name: label,
            kind: NodeKind::Aggregate(spec),
            span,
            unit: super::types::Unit::none(),
            value_kind: super::types::Kind::Num,
            meta: Meta::default(),
            is_metric: false,
            typing: Default::default(),
        });
        self.aggs.entry(key).or_default().push(id);
        Formula::Node(id)
    }

    /// Whether the source a row expression sees declares column `name` (time,
    /// dimension, entity, hinted or derived column).
    fn row_src_has(&self, name: &str) -> bool {
        let Some((src, _)) = self.row_src.and_then(|s| self.scope.sources.get(s)) else {
            return false;
        };
        src.time.as_ref().is_some_and(|t| t.name == name)
            || src.dimensions.iter().any(|d| d.name == name)
            || src.entity.as_ref().is_some_and(|e| e.name == name)
            || src.columns.iter().any(|c| c.name.name == name)
    }

    /// Lower a `where` filter (or journey step): columns, params (as constants), literals.
    pub fn row_expr(&mut self, e: &Expr) -> Option<RowExpr> {
        Some(match &e.kind {
            ExprKind::Agg(_) => {
                self.diags.push(
                    Diagnostic::error("E0401", "aggregation inside a filter")
                        .at(e.span, "filters see one row at a time")
                        .with_help("compare with a param or a literal; aggregations belong outside `where`"),
                );
                return None;
            }
            ExprKind::Name(parts) if parts.len() == 1 && self.row_src_has(&parts[0].name) => {
                RowExpr::Column(parts[0].name.clone())
            }
            ExprKind::Name(parts) if parts.len() == 1 => {
                let n = &parts[0].name;
                match self.names.get(n) {
                    Some(&id) => match &self.graph.node(id).kind {
                        NodeKind::Param { value } => {
                            RowExpr::Const(value.clone().unwrap_or(Value::Null))
                        }
                        _ => {
                            self.diags.push(
                                Diagnostic::error("E0401", format!("metric `{n}` used inside a filter"))
                                    .at(e.span, "filters see columns and params, not metrics")
                                    .with_help("a filter is checked per row; compare columns with params or literals"),
                            );
                            return None;
                        }
                    },
                    None => RowExpr::Column(n.clone()),
                }
            }
            ExprKind::Name(parts)
                if parts.len() == 2
                    && self.row_source.as_deref() == Some(parts[0].name.as_str()) =>
            {
                RowExpr::Column(parts[1].name.clone())
            }
            ExprKind::Name(parts) => {
                self.diags.push(
                    Diagnostic::error(
                        "E0402",
                        "a filter names columns of its own source without a prefix",
                    )
                    .at(e.span, "dotted name in a filter")
                    .with_help(format!(
                        "write `{}`",
                        parts.last().map(|p| p.name.as_str()).unwrap_or("")
                    )),
                );
                return None;
            }
            ExprKind::Unary(op, a) => RowExpr::Unary(*op, Box::new(self.row_expr(a)?)),
            ExprKind::IsNull(a, negated) => {
                let test = RowExpr::Call(Builtin::IsNull, vec![self.row_expr(a)?]);
                match negated {
                    true => RowExpr::Unary(UnOp::Not, Box::new(test)),
                    false => test,
                }
            }
            ExprKind::Binary(op, a, b) => {
                let (a, b) = (self.row_expr(a), self.row_expr(b));
                RowExpr::Binary(*op, Box::new(a?), Box::new(b?))
            }
            ExprKind::In(a, items) => {
                let a = self.row_expr(a);
                let items: Vec<Option<RowExpr>> = items.iter().map(|i| self.row_expr(i)).collect();
                RowExpr::In(Box::new(a?), items.into_iter().collect::<Option<Vec<_>>>()?)
            }
            ExprKind::Call(f, args) => match Builtin::parse(&f.name) {
                Some(b) => {
                    let args: Vec<Option<RowExpr>> =
                        args.iter().map(|a| self.row_expr(a)).collect();
                    RowExpr::Call(b, args.into_iter().collect::<Option<Vec<_>>>()?)
                }
                None => {
                    self.diags.push(
                        Diagnostic::error(
                            "E0211",
                            format!("function `{}` is not available in filters", f.name),
                        )
                        .at(f.span, "not allowed here")
                        .with_help("filters may use coalesce, if, min, max, abs and round"),
                    );
                    return None;
                }
            },
            _ => match const_eval(&self.lower(e, Place::Constant)) {
                Some(v) => RowExpr::Const(v),
                None => return None,
            },
        })
    }
}

/// Day number of a civil date (days since 1970-01-01).
pub fn day_number(d: jiff::civil::Date) -> i32 {
    crate::data::period::day_number(d.year() as i32, d.month() as u32, d.day() as u32)
}

/// A hash of an aggregation's spec (its filter included), for sharing equal aggregates.
fn agg_hash(spec: &AggSpec) -> u64 {
    use std::hash::{BuildHasher, Hash, Hasher};
    fn value(v: &Value, h: &mut impl Hasher) {
        match v {
            Value::Null => 0u8.hash(h),
            Value::Num(x) => (1u8, x.to_bits()).hash(h),
            Value::Bool(b) => (2u8, b).hash(h),
            Value::Str(s) => (3u8, s).hash(h),
            Value::Date(d) => (4u8, d).hash(h),
            Value::Duration(d) => (5u8, d).hash(h),
        }
    }
    fn row(e: &RowExpr, h: &mut impl Hasher) {
        match e {
            RowExpr::Const(v) => {
                0u8.hash(h);
                value(v, h);
            }
            RowExpr::Column(c) => (1u8, c).hash(h),
            RowExpr::Unary(op, a) => {
                (2u8, *op as u8).hash(h);
                row(a, h);
            }
            RowExpr::Binary(op, a, b) => {
                (3u8, op).hash(h);
                row(a, h);
                row(b, h);
            }
            RowExpr::In(a, items) => {
                (4u8, items.len()).hash(h);
                row(a, h);
                items.iter().for_each(|i| row(i, h));
            }
            RowExpr::Call(f, args) => {
                (5u8, f, args.len()).hash(h);
                args.iter().for_each(|a| row(a, h));
            }
        }
    }
    let mut h = foldhash::fast::FixedState::default().build_hasher();
    (
        spec.source,
        spec.func,
        &spec.column,
        spec.fraction.map(f64::to_bits),
    )
        .hash(&mut h);
    match &spec.filter {
        Some(f) => row(f, &mut h),
        None => 9u8.hash(&mut h),
    }
    if let Some(e) = &spec.expr {
        row(e, &mut h);
    }
    h.finish()
}

fn describe_agg(spec: &AggSpec, source: &str) -> String {
    let target = match (&spec.column, &spec.expr) {
        (_, Some(e)) => super::show::show_row_of(e, 0, Some(source)),
        (Some(c), None) => format!("{source}.{c}"),
        (None, None) => source.to_string(),
    };
    let frac = spec.fraction.map(|f| format!(", {f}")).unwrap_or_default();
    let filter = if spec.filter.is_some() {
        " where .."
    } else {
        ""
    };
    format!("{}({target}{frac}{filter})", spec.func.name())
}

/// Fold a formula made of constants.
pub fn const_eval(f: &Formula) -> Option<Value> {
    match f {
        Formula::Const(v) => Some(v.clone()),
        Formula::Unary(UnOp::Neg, a) => match const_eval(a)? {
            Value::Num(x) => Some(Value::Num(-x)),
            _ => None,
        },
        Formula::Unary(UnOp::Not, a) => match const_eval(a)? {
            Value::Bool(b) => Some(Value::Bool(!b)),
            _ => None,
        },
        Formula::Binary(op, a, b) => match (const_eval(a)?, const_eval(b)?) {
            (Value::Num(x), Value::Num(y)) => match op {
                BinOp::Add => Some(Value::Num(x + y)),
                BinOp::Sub => Some(Value::Num(x - y)),
                BinOp::Mul => Some(Value::Num(x * y)),
                BinOp::Div if y != 0.0 => Some(Value::Num(x / y)),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}
