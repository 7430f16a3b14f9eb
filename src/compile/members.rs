//! Funnel members (`F.stage`, `F.stage_rate`, `F.conversion`, `F.total`), journey
//! funnels and checks.

use std::collections::HashMap;

use crate::diag::{Diagnostic, Span};
use crate::syntax::ast::{self, BinOp};

use super::graph::*;
use super::lower::Lowerer;
use super::resolve::Scope;
use super::types::{Kind, Unit};
use super::Build;

fn formula_placeholder() -> NodeKind {
    NodeKind::Formula(Formula::Const(Value::Null))
}

pub(super) fn declare_funnel<'a>(b: &mut Build<'a>, f: &'a ast::Funnel) {
    let n = &f.name.name;
    let mut members = Vec::new();
    if f.stages.is_empty() {
        b.diags.push(
            Diagnostic::error("E0220", format!("funnel `{n}` has no stages"))
                .at(f.name.span, "empty funnel")
                .with_help("add `stage NAME = EXPR` lines, first stage first"),
        );
    }
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for (s, e) in &f.stages {
        if let Some(first) = seen.insert(&s.name, s.span) {
            b.diags.push(
                Diagnostic::error(
                    "E0202",
                    format!("stage `{}` appears twice in funnel `{n}`", s.name),
                )
                .at(s.span, "again here")
                .with_secondary(first, "first here"),
            );
        }
        members.push(b.add(
            &format!("{n}.{}", s.name),
            formula_placeholder(),
            s.span,
            true,
            Some(e),
        ));
    }
    for (s, _) in f.stages.iter().skip(1) {
        members.push(b.add(
            &format!("{n}.{}_rate", s.name),
            formula_placeholder(),
            s.span,
            true,
            None,
        ));
    }
    if !f.stages.is_empty() {
        members.push(b.add(
            &format!("{n}.conversion"),
            formula_placeholder(),
            f.name.span,
            true,
            None,
        ));
    }
    if let Some(v) = &f.value {
        b.add(
            &format!("{n}.value"),
            formula_placeholder(),
            v.span,
            true,
            Some(v),
        );
        if !f.stages.is_empty() {
            members.push(b.add(
                &format!("{n}.total"),
                formula_placeholder(),
                f.name.span,
                true,
                None,
            ));
        }
    }
    for id in &members {
        b.graph.nodes[id.0 as usize].meta.format =
            match b.graph.nodes[id.0 as usize].name.rsplit('.').next() {
                Some(m) if m.ends_with("_rate") || m == "conversion" => Some(ast::Format::Percent),
                _ => None,
            };
    }
    b.graph.funnels.push(FunnelDef {
        name: n.clone(),
        span: f.name.span,
        stages: f.stages.iter().map(|(s, _)| s.name.clone()).collect(),
        members,
        has_value: f.value.is_some(),
    });
}

pub(super) fn lower_funnel(l: &mut Lowerer, names: &super::NameMap, f: &ast::Funnel) {
    let n = &f.name.name;
    let stage_ids: Vec<NodeId> = f
        .stages
        .iter()
        .map(|(s, _)| names[&format!("{n}.{}", s.name)])
        .collect();
    for ((_, e), id) in f.stages.iter().zip(&stage_ids) {
        let formula = l.formula(e);
        l.graph.nodes[id.0 as usize].kind = NodeKind::Formula(formula);
    }
    let set = |l: &mut Lowerer, name: String, f: Formula| {
        let id = names[&name];
        l.graph.nodes[id.0 as usize].kind = NodeKind::Formula(f);
    };
    let div = |a: NodeId, b: NodeId| {
        Formula::Binary(
            BinOp::Div,
            Box::new(Formula::Node(a)),
            Box::new(Formula::Node(b)),
        )
    };
    let mut rates = Vec::new();
    for (i, (s, _)) in f.stages.iter().enumerate().skip(1) {
        let name = format!("{n}.{}_rate", s.name);
        set(l, name.clone(), div(stage_ids[i], stage_ids[i - 1]));
        rates.push(names[&name]);
    }
    if let (Some(first), Some(last)) = (stage_ids.first(), stage_ids.last()) {
        set(l, format!("{n}.conversion"), div(*last, *first));
    }
    if let Some(v) = &f.value {
        let value_id = names[&format!("{n}.value")];
        let formula = l.formula(v);
        l.graph.nodes[value_id.0 as usize].kind = NodeKind::Formula(formula);
        if let Some(first) = stage_ids.first() {
            let mut product = Formula::Node(*first);
            for r in rates.iter().chain(std::iter::once(&value_id)) {
                product =
                    Formula::Binary(BinOp::Mul, Box::new(product), Box::new(Formula::Node(*r)));
            }
            // Nothing reached the last stage: the total is 0, not the null that a 0/0
            // rate or value (no deals, so no average deal size) would give.
            let last = *stage_ids.last().unwrap_or(first);
            let none_won = Formula::Binary(
                BinOp::Eq,
                Box::new(Formula::Node(last)),
                Box::new(Formula::Const(Value::Num(0.0))),
            );
            let total = Formula::Call(
                Builtin::If,
                vec![none_won, Formula::Const(Value::Num(0.0)), product],
            );
            set(l, format!("{n}.total"), total);
        }
    }
}

pub(super) fn declare_journey<'a>(b: &mut Build<'a>, scope: &Scope<'a>, j: &'a ast::Journey) {
    let n = &j.name.name;
    let source = scope.source(&j.over.name);
    if source.is_none() {
        let names: Vec<&str> = scope
            .sources
            .iter()
            .map(|(s, _)| s.name.name.as_str())
            .collect();
        let mut d = Diagnostic::error("E0204", format!("unknown source `{}`", j.over.name))
            .at(j.over.span, "no source of this name");
        if let Some(h) = crate::diag::did_you_mean(&j.over.name, names) {
            d = d.with_help(h);
        }
        b.diags.push(d);
    }
    if j.steps.is_empty() {
        b.diags.push(
            Diagnostic::error("E0220", format!("funnel `{n}` has no steps"))
                .at(j.name.span, "empty funnel")
                .with_help("add `step NAME where FILTER` lines, first step first"),
        );
    }
    let journey = b.graph.journeys.len();
    let mut members = Vec::new();
    for (i, (s, _)) in j.steps.iter().enumerate() {
        members.push(b.add(
            &format!("{n}.{}", s.name),
            NodeKind::JourneyStep { journey, step: i },
            s.span,
            true,
            None,
        ));
    }
    for (s, _) in j.steps.iter().skip(1) {
        members.push(b.add(
            &format!("{n}.{}_rate", s.name),
            formula_placeholder(),
            s.span,
            true,
            None,
        ));
    }
    if !j.steps.is_empty() {
        members.push(b.add(
            &format!("{n}.conversion"),
            formula_placeholder(),
            j.name.span,
            true,
            None,
        ));
    }
    for id in members.iter().skip(j.steps.len()) {
        b.graph.nodes[id.0 as usize].meta.format = Some(ast::Format::Percent);
    }
    b.graph.journeys.push(JourneyDef {
        name: n.clone(),
        span: j.name.span,
        source: source.unwrap_or(0),
        entity: j.by.name.clone(),
        within_seconds: j.within.seconds(),
        steps: Vec::new(),
        members,
    });
}

pub(super) fn lower_journey(
    l: &mut Lowerer,
    names: &super::NameMap,
    scope: &Scope,
    j: &ast::Journey,
) {
    let n = &j.name.name;
    let Some(idx) = l.graph.journeys.iter().position(|x| x.name == *n) else {
        return;
    };
    if scope.source(&j.over.name).is_none() {
        return;
    }
    let mut steps = Vec::new();
    for (s, filter) in &j.steps {
        if let Some(r) = l.row_expr(filter) {
            steps.push((s.name.clone(), r));
        }
    }
    l.graph.journeys[idx].steps = steps;
    let ids: Vec<NodeId> = j
        .steps
        .iter()
        .map(|(s, _)| names[&format!("{n}.{}", s.name)])
        .collect();
    for (i, (s, _)) in j.steps.iter().enumerate().skip(1) {
        let id = names[&format!("{n}.{}_rate", s.name)];
        l.graph.nodes[id.0 as usize].kind = NodeKind::Formula(Formula::Binary(
            BinOp::Div,
            Box::new(Formula::Node(ids[i])),
            Box::new(Formula::Node(ids[i - 1])),
        ));
    }
    if let (Some(first), Some(last)) = (ids.first(), ids.last()) {
        let id = names[&format!("{n}.conversion")];
        l.graph.nodes[id.0 as usize].kind = NodeKind::Formula(Formula::Binary(
            BinOp::Div,
            Box::new(Formula::Node(*last)),
            Box::new(Formula::Node(*first)),
        ));
    }
}

pub(super) fn lower_check(l: &mut Lowerer, c: &ast::Check, replaced: Option<Span>) {
    let value = l.formula(&c.expr);
    let every = match &c.every {
        Some(g) => match crate::data::period::Grain::parse(&g.name) {
            Some(gr) if gr != crate::data::period::Grain::All => gr,
            _ => {
                l.diags.push(
                    Diagnostic::error("E0408", format!("unknown grain `{}`", g.name))
                        .at(g.span, "not a grain")
                        .with_help("use day, week, month, quarter or year"),
                );
                crate::data::period::Grain::Week
            }
        },
        None => {
            l.diags.push(
                Diagnostic::error("E0221", format!("check `{}` has no `every`", c.name.name))
                    .at(c.name.span, "no `every` period")
                    .with_help("add `every week` (or day, month, quarter, year)"),
            );
            crate::data::period::Grain::Week
        }
    };
    if c.warn.is_none() && c.fail.is_none() {
        l.diags.push(
            Diagnostic::error(
                "E0221",
                format!("check `{}` has no `warn when` or `fail when`", c.name.name),
            )
            .at(c.name.span, "nothing to check")
            .with_help("add `fail when < THRESHOLD` (or `warn when ..`)"),
        );
    }
    let warn = c.warn.as_ref().map(|w| (w.op, l.formula(&w.rhs)));
    let fail = c.fail.as_ref().map(|w| (w.op, l.formula(&w.rhs)));
    let span = c.name.span;
    let nodes = CheckNodes {
        value: l.graph.push_internal(&c.name.name, value.clone(), span),
        warn: warn
            .as_ref()
            .map(|(_, f)| l.graph.push_internal("warn", f.clone(), span)),
        fail: fail
            .as_ref()
            .map(|(_, f)| l.graph.push_internal("fail", f.clone(), span)),
    };
    check_per(l, c, &nodes.list());
    l.graph.checks.push(CheckDef {
        name: c.name.name.clone(),
        span: c.name.span,
        value,
        per: c.per.iter().map(|p| p.name.clone()).collect(),
        every,
        warn,
        fail,
        unit: Unit::none(),
        meta: Meta {
            format: c.attrs.format.map(|f| f.0),
            description: c.attrs.description.as_ref().map(|d| d.value.clone()),
            owner: c.attrs.owner.as_ref().map(|d| d.value.clone()),
            overrides: replaced,
        },
        nodes,
    });
}

/// Units and kinds of check values and thresholds (run after all metrics are inferred).
pub(super) fn infer_checks(b: &mut Build, scope: &Scope, known: &[Option<(Kind, Unit)>]) {
    // Checks are compared at formula level (value vs each threshold); the check's AST
    // (graph checks are in the order of `scope.checks`) gives the spans.
    let mut diags = Vec::new();
    for (c, (ast, _)) in b.graph.checks.iter_mut().zip(&scope.checks) {
        let vu = unit_of(&c.value, known);
        for (label, cond, ast_cond) in [("warn", &c.warn, &ast.warn), ("fail", &c.fail, &ast.fail)]
        {
            if let Some((_, rhs)) = cond {
                let ru = unit_of(rhs, known);
                if vu.unify(&ru).is_none() {
                    let mut d = Diagnostic::error(
                        "E0302",
                        format!(
                            "check `{}` compares `{vu}` with a `{label}` threshold in `{ru}`",
                            c.name
                        ),
                    );
                    d = match ast_cond {
                        Some(cond) => d
                            .at(cond.rhs.span, format!("threshold in `{ru}`"))
                            .with_secondary(ast.expr.span, format!("value in `{vu}`")),
                        None => d.at(c.span, format!("value in `{vu}`")),
                    };
                    diags
                        .push(d.with_help("the threshold must have the unit of the checked value"));
                }
            }
        }
        c.unit = vu;
    }
    b.diags.extend(diags);
}

/// Unit of a formula from known node units (no errors: used where inputs were checked).
pub(super) fn unit_of(f: &Formula, known: &[Option<(Kind, Unit)>]) -> Unit {
    match f {
        Formula::Node(id)
        | Formula::Window(Window::Prev | Window::Rolling(_) | Window::ToDate(_), id) => known
            .get(id.0 as usize)
            .and_then(|k| k.as_ref())
            .map(|k| k.1.clone())
            .unwrap_or_default(),
        Formula::Binary(BinOp::Mul, a, b) => unit_of(a, known).mul(&unit_of(b, known)),
        Formula::Binary(BinOp::Div, a, b) => unit_of(a, known).div(&unit_of(b, known)),
        Formula::Binary(BinOp::Add | BinOp::Sub, a, b) => {
            let (ua, ub) = (unit_of(a, known), unit_of(b, known));
            ua.unify(&ub).unwrap_or(ua)
        }
        Formula::Unary(ast::UnOp::Neg, a) => unit_of(a, known),
        Formula::Call(
            Builtin::Coalesce | Builtin::Min | Builtin::Max | Builtin::Abs | Builtin::Round,
            args,
        ) => args.first().map(|a| unit_of(a, known)).unwrap_or_default(),
        Formula::Call(Builtin::If, args) => {
            // Either branch may be a plain number (`if(won == 0, 0, total)`).
            let a = args.get(1).map(|a| unit_of(a, known)).unwrap_or_default();
            let b = args.get(2).map(|b| unit_of(b, known)).unwrap_or_default();
            a.unify(&b).unwrap_or(a)
        }
        _ => Unit::none(),
    }
}

/// Every `per` dimension of a check must be one that each source behind its value
/// (and thresholds) has: otherwise `kpi checks` could not group it (E0415).
fn check_per(l: &mut Lowerer, c: &ast::Check, roots: &[NodeId]) {
    if c.per.is_empty() {
        return;
    }
    let g = &*l.graph;
    let mut seen = std::collections::HashSet::new();
    let mut stack: Vec<NodeId> = roots.to_vec();
    let mut sources: Vec<usize> = Vec::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        match &g.node(id).kind {
            NodeKind::Formula(f) => {
                let mut deps = Vec::new();
                f.deps(&mut deps);
                stack.extend(deps);
            }
            NodeKind::Aggregate(a) => sources.push(a.source),
            NodeKind::JourneyStep { journey, .. } => {
                sources.extend(g.journeys.get(*journey).map(|j| j.source))
            }
            NodeKind::Param { .. } => {}
        }
    }
    sources.sort();
    sources.dedup();
    let mut diags = Vec::new();
    for p in &c.per {
        for &s in &sources {
            let src = &g.sources[s];
            if src.knows(&p.name) {
                continue;
            }
            let mut dims: Vec<&str> = src.dimensions.iter().map(String::as_str).collect();
            for lk in &src.lookups {
                dims.extend(lk.dims.iter().map(String::as_str));
            }
            let mut d = Diagnostic::error(
                "E0415",
                format!(
                    "check `{}` is per `{}`, but source `{}` behind it has no `{}`",
                    c.name.name, p.name, src.name, p.name
                ),
            )
            .at(p.span, "not a dimension of the checked value's source");
            d = d.with_help(
                match crate::diag::did_you_mean(&p.name, dims.iter().copied()) {
                    Some(h) => h,
                    None if dims.is_empty() => format!(
                        "`{}` has no dimensions; declare one: `dimensions {}`",
                        src.name, p.name
                    ),
                    None => format!("its dimensions: {}", dims.join(", ")),
                },
            );
            diags.push(d);
            break;
        }
    }
    l.diags.extend(diags);
}
