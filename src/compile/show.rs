//! Canonical text of compiled formulas and filters (for `graph`, `explain`, `diff`).

use crate::syntax::ast::{BinOp, UnOp};

use super::graph::*;

/// A constant as the language writes it.
pub fn value(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Num(x) => format!("{x}"),
        Value::Bool(b) => b.to_string(),
        Value::Str(s) => format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")),
        Value::Date(d) => {
            let (y, m, dd) = crate::data::period::civil_from_day(*d);
            format!("{y:04}-{m:02}-{dd:02}")
        }
        Value::Duration(s) if s % 86_400 == 0 => format!("{}d", s / 86_400),
        Value::Duration(s) => format!("{}h", s / 3600),
    }
}

fn prec(op: BinOp) -> u8 {
    op.precedence()
}

fn wrap(s: String, inner: u8, outer: u8) -> String {
    if inner < outer {
        format!("({s})")
    } else {
        s
    }
}

impl Graph {
    /// The formula as text; node references print as names.
    pub fn show(&self, f: &Formula) -> String {
        self.show_p(f, 0)
    }

    fn show_p(&self, f: &Formula, outer: u8) -> String {
        match f {
            Formula::Const(v) => value(v),
            Formula::Node(id) => match &self.node(*id).kind {
                NodeKind::Aggregate(a) => self.show_agg(a),
                _ => self.node(*id).name.clone(),
            },
            Formula::Workdays => "workdays".into(),
            Formula::Days => "days".into(),
            Formula::Unary(UnOp::Neg, a) => wrap(format!("-{}", self.show_p(a, 7)), 7, outer),
            Formula::Unary(UnOp::Not, a) => match &**a {
                Formula::Call(Builtin::IsNull, x) if x.len() == 1 => {
                    wrap(format!("{} is not null", self.show_p(&x[0], 5)), 4, outer)
                }
                _ => wrap(format!("not {}", self.show_p(a, 3)), 3, outer),
            },
            Formula::Binary(op, a, b) => {
                let p = prec(*op);
                wrap(
                    format!(
                        "{} {} {}",
                        self.show_p(a, p),
                        op.symbol(),
                        self.show_p(b, p + 1)
                    ),
                    p,
                    outer,
                )
            }
            Formula::In(a, items) => wrap(
                format!(
                    "{} in [{}]",
                    self.show_p(a, 5),
                    items
                        .iter()
                        .map(|i| self.show_p(i, 0))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                4,
                outer,
            ),
            Formula::Call(Builtin::IsNull, x) if x.len() == 1 => {
                wrap(format!("{} is null", self.show_p(&x[0], 5)), 4, outer)
            }
            Formula::Call(b, args) => format!(
                "{}({})",
                b.name(),
                args.iter()
                    .map(|a| self.show_p(a, 0))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Formula::Script(name, args) => format!(
                "{name}({})",
                args.iter()
                    .map(|a| self.show_p(a, 0))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Formula::Window(w, id) => {
                let m = &self.node(*id).name;
                match w {
                    Window::Prev => format!("prev({m})"),
                    Window::Change => format!("change({m})"),
                    Window::Rolling(n) => format!("rolling({m}, {n})"),
                    Window::ToDate(g) => format!("to_date({m}, {})", g.as_str()),
                }
            }
        }
    }

    /// An aggregate as it would be written: `sum(activities.amount where type == "deal_won")`.
    pub fn show_agg(&self, spec: &AggSpec) -> String {
        let src = &self.sources[spec.source].name;
        let target = match (&spec.column, &spec.expr) {
            (_, Some(e)) => show_row_of(e, 0, Some(src)),
            (Some(c), None) => format!("{src}.{c}"),
            (None, None) => src.clone(),
        };
        let frac = spec.fraction.map(|f| format!(", {f}")).unwrap_or_default();
        let filter = spec
            .filter
            .as_ref()
            .map(|f| format!(" where {}", show_row(f, 0)))
            .unwrap_or_default();
        format!("{}({target}{frac}{filter})", spec.func.name())
    }

    /// The definition of a node as text.
    pub fn show_node(&self, id: NodeId) -> String {
        match &self.node(id).kind {
            NodeKind::Param { value: Some(v) } => self::value(v),
            NodeKind::Param { value: None } => "required".into(),
            NodeKind::Aggregate(a) => self.show_agg(a),
            NodeKind::Formula(f) => self.show(f),
            NodeKind::JourneyStep { journey, step } => {
                let j = &self.journeys[*journey];
                match j.steps.get(*step) {
                    Some((name, filter)) => format!(
                        "entities ({}) reaching step `{name}` where {} (within {}h of the previous step)",
                        j.entity,
                        show_row(filter, 0),
                        j.within_seconds / 3600
                    ),
                    None => "journey step".into(),
                }
            }
        }
    }
}

/// A filter as text.
pub fn show_row(f: &RowExpr, outer: u8) -> String {
    show_row_of(f, outer, None)
}

/// A row expression as text, its columns prefixed with `source.` when given.
pub fn show_row_of(f: &RowExpr, outer: u8, source: Option<&str>) -> String {
    let show = |f: &RowExpr, outer: u8| show_row_of(f, outer, source);
    match f {
        RowExpr::Const(v) => value(v),
        RowExpr::Column(c) => match source {
            Some(s) => format!("{s}.{c}"),
            None => c.clone(),
        },
        RowExpr::Unary(UnOp::Neg, a) => wrap(format!("-{}", show(a, 7)), 7, outer),
        RowExpr::Unary(UnOp::Not, a) => match &**a {
            RowExpr::Call(Builtin::IsNull, x) if x.len() == 1 => {
                wrap(format!("{} is not null", show(&x[0], 5)), 4, outer)
            }
            _ => wrap(format!("not {}", show(a, 3)), 3, outer),
        },
        RowExpr::Binary(op, a, b) => {
            let p = prec(*op);
            wrap(
                format!("{} {} {}", show(a, p), op.symbol(), show(b, p + 1)),
                p,
                outer,
            )
        }
        RowExpr::In(a, items) => wrap(
            format!(
                "{} in [{}]",
                show(a, 5),
                items
                    .iter()
                    .map(|i| show(i, 0))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            4,
            outer,
        ),
        RowExpr::Call(Builtin::IsNull, x) if x.len() == 1 => {
            wrap(format!("{} is null", show(&x[0], 5)), 4, outer)
        }
        RowExpr::Call(b, args) => format!(
            "{}({})",
            b.name(),
            args.iter()
                .map(|a| show(a, 0))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

impl Graph {
    /// A canonical text of everything the definitions mean (no spans, no file names):
    /// two definition sets that compile to the same graph give the same text.
    pub fn canonical(&self) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        let s = &self.settings;
        let _ = writeln!(
            out,
            "settings timezone={} currency={:?} locale={} review_required={}",
            s.timezone, s.currency, s.locale, s.review_required
        );
        if let Some(c) = &s.calendar {
            let _ = writeln!(
                out,
                "calendar {} weekend={:?} holidays={:?}",
                c.name, c.weekend, c.holidays
            );
        }
        for src in &self.sources {
            let from = src.from.as_ref().map(|p| {
                p.file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
            let _ = writeln!(
                out,
                "source {} from={from:?} time={:?} dimensions={:?} entity={:?} columns={:?}",
                src.name, src.time, src.dimensions, src.entity, src.columns
            );
        }
        for script in &self.scripts {
            let name = script.path.file_name().map(|f| f.to_string_lossy());
            let fns: Vec<String> = script
                .functions
                .iter()
                .map(|f| format!("{}({})", f.name, f.params.join(", ")))
                .collect();
            let _ = writeln!(out, "script {name:?} functions={fns:?}");
        }
        let mut params: Vec<(&String, &NodeId)> = self.params.iter().collect();
        params.sort();
        for (name, id) in params {
            let _ = writeln!(out, "param {name} = {}", self.show_node(*id));
        }
        let mut profiles: Vec<(&String, &Vec<(String, Value)>)> = self.profiles.iter().collect();
        profiles.sort_by_key(|(k, _)| k.as_str());
        for (name, sets) in profiles {
            let _ = writeln!(out, "profile {name} {sets:?}");
        }
        for id in &self.metric_order {
            let n = self.node(*id);
            let _ = writeln!(
                out,
                "metric {} = {} unit={} format={:?} description={:?} owner={:?}",
                n.name,
                self.show_node(*id),
                n.unit,
                n.meta.format,
                n.meta.description,
                n.meta.owner
            );
        }
        for f in &self.funnels {
            let _ = writeln!(out, "funnel {} stages={:?}", f.name, f.stages);
            for m in &f.members {
                let n = self.node(*m);
                let _ = writeln!(out, "  {} = {} unit={}", n.name, self.show_node(*m), n.unit);
            }
        }
        for j in &self.journeys {
            let steps: Vec<String> = j
                .steps
                .iter()
                .map(|(n, f)| format!("{n}: {}", show_row(f, 0)))
                .collect();
            let _ = writeln!(
                out,
                "journey {} over={} by={} within={}s steps={steps:?}",
                j.name, self.sources[j.source].name, j.entity, j.within_seconds
            );
        }
        for c in &self.checks {
            let cond = |x: &Option<(crate::syntax::ast::BinOp, Formula)>| {
                x.as_ref()
                    .map(|(op, f)| format!("{} {}", op.symbol(), self.show(f)))
                    .unwrap_or_default()
            };
            let _ = writeln!(
                out,
                "check {} = {} per={:?} every={} warn=[{}] fail=[{}] unit={}",
                c.name,
                self.show(&c.value),
                c.per,
                c.every.as_str(),
                cond(&c.warn),
                cond(&c.fail),
                c.unit
            );
        }
        let mut reviews: Vec<String> = self
            .reviews
            .iter()
            .map(|r| {
                format!(
                    "review {} {} every={:?} last={} owner={:?}",
                    r.kind, r.name, r.every, r.last, r.owner
                )
            })
            .collect();
        reviews.sort();
        for r in reviews {
            let _ = writeln!(out, "{r}");
        }
        out
    }
}
