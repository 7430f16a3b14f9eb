//! Semantic diff of two compiled definition sets: metrics, params, funnels, checks and
//! reviews added, removed or changed, compared as compiled expressions (a reformatted
//! or converted file has no changes).

use std::collections::BTreeMap;

use super::graph::{Graph, NodeKind};

/// One difference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// "metric", "param", "funnel", "check", "review", "source", "settings"
    pub kind: &'static str,
    pub name: String,
    /// "added", "removed" or "changed"
    pub change: &'static str,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Everything comparable, as (kind, name) -> canonical text.
fn facts(g: &Graph) -> BTreeMap<(&'static str, String), String> {
    let mut m = BTreeMap::new();
    for id in &g.metric_order {
        let n = g.node(*id);
        let mut text = g.show_node(*id);
        if !n.unit.is_none() {
            text.push_str(&format!("  [unit {}]", n.unit));
        }
        if let Some(f) = n.meta.format {
            text.push_str(&format!("  [format {}]", f.as_str()));
        }
        m.insert(("metric", n.name.clone()), text);
    }
    for (name, id) in &g.params {
        m.insert(("param", name.clone()), g.show_node(*id));
    }
    for f in &g.funnels {
        let members: Vec<String> = f
            .members
            .iter()
            .filter(|id| {
                !g.node(**id).name.ends_with("_rate")
                    && !g.node(**id).name.ends_with(".conversion")
                    && !g.node(**id).name.ends_with(".total")
            })
            .map(|id| {
                format!(
                    "{} = {}",
                    g.node(*id).name.rsplit('.').next().unwrap_or(""),
                    g.show_node(*id)
                )
            })
            .collect();
        let value = g
            .metric(&format!("{}.value", f.name))
            .map(|v| format!("; value {}", g.show_node(v)))
            .unwrap_or_default();
        m.insert(
            ("funnel", f.name.clone()),
            format!("stages {}{value}", members.join(", ")),
        );
    }
    for j in &g.journeys {
        let steps: Vec<String> = j
            .steps
            .iter()
            .map(|(n, f)| format!("{n} where {}", super::show::show_row(f, 0)))
            .collect();
        m.insert(
            ("funnel", j.name.clone()),
            format!(
                "over {} by {} within {}h: {}",
                g.sources[j.source].name,
                j.entity,
                j.within_seconds / 3600,
                steps.join(", ")
            ),
        );
    }
    for c in &g.checks {
        let cond = |x: &Option<(crate::syntax::ast::BinOp, super::graph::Formula)>| {
            x.as_ref()
                .map(|(op, f)| format!("{} {}", op.symbol(), g.show(f)))
        };
        let mut t = format!(
            "{} per [{}] every {}",
            g.show(&c.value),
            c.per.join(", "),
            c.every.as_str()
        );
        if let Some(w) = cond(&c.warn) {
            t.push_str(&format!(" warn when {w}"));
        }
        if let Some(f) = cond(&c.fail) {
            t.push_str(&format!(" fail when {f}"));
        }
        m.insert(("check", c.name.clone()), t);
    }
    for r in &g.reviews {
        let every = match &r.every {
            super::graph::ReviewCadence::Grain(gr) => gr.as_str().to_string(),
            super::graph::ReviewCadence::Days(d) => format!("{d}d"),
        };
        let (y, mo, d) = crate::data::period::civil_from_day(r.last);
        let owner = r
            .owner
            .as_ref()
            .map(|o| format!(" owner \"{o}\""))
            .unwrap_or_default();
        m.insert(
            ("review", format!("{} {}", r.kind, r.name)),
            format!("every {every} last {y:04}-{mo:02}-{d:02}{owner}"),
        );
    }
    for s in &g.sources {
        m.insert(
            ("source", s.name.clone()),
            format!(
                "time {:?} dimensions [{}] entity {:?} columns {:?}",
                s.time,
                s.dimensions.join(", "),
                s.entity,
                s.columns
            ),
        );
    }
    let st = &g.settings;
    m.insert(
        ("settings", "settings".into()),
        format!(
            "timezone {} currency {:?} calendar {:?}",
            st.timezone,
            st.currency,
            st.calendar
                .as_ref()
                .map(|c| (&c.name, &c.weekend, &c.holidays))
        ),
    );
    let _ = NodeKind::Param { value: None };
    m
}

/// Differences from `a` to `b`, in kind order (metrics first), then by name.
pub fn diff(a: &Graph, b: &Graph) -> Vec<Change> {
    let (fa, fb) = (facts(a), facts(b));
    let order = [
        "metric", "param", "funnel", "check", "review", "source", "settings",
    ];
    let mut out = Vec::new();
    for kind in order {
        for ((k, name), before) in fa.iter().filter(|((k, _), _)| *k == kind) {
            match fb.get(&(k, name.clone())) {
                None => out.push(Change {
                    kind: k,
                    name: name.clone(),
                    change: "removed",
                    before: Some(before.clone()),
                    after: None,
                }),
                Some(after) if after != before => out.push(Change {
                    kind: k,
                    name: name.clone(),
                    change: "changed",
                    before: Some(before.clone()),
                    after: Some(after.clone()),
                }),
                Some(_) => {}
            }
        }
        for ((k, name), after) in fb.iter().filter(|((k, _), _)| *k == kind) {
            if !fa.contains_key(&(k, name.clone())) {
                out.push(Change {
                    kind: k,
                    name: name.clone(),
                    change: "added",
                    before: None,
                    after: Some(after.clone()),
                });
            }
        }
    }
    out
}
