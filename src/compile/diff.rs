//! Semantic diff of two compiled definition sets: metrics, params, funnels, checks and
//! reviews added, removed or changed, compared as compiled expressions (a reformatted
//! or converted file has no changes).

use std::collections::BTreeMap;

use super::graph::{Graph, NodeKind};

/// One difference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// "metric", "param", "profile", "funnel", "check", "review", "source", "settings",
    /// "calendar"
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
        m.insert(("source", s.name.clone()), source_text(s));
    }
    m.insert(("settings", "settings".into()), settings_text(&g.settings));
    if let Some(c) = &g.settings.calendar {
        m.insert(("calendar", c.name.clone()), calendar_text(c));
    }
    for (name, sets) in &g.profiles {
        let mut sets: Vec<String> = sets
            .iter()
            .map(|(k, v)| format!("{k} = {}", super::show::value(v)))
            .collect();
        sets.sort();
        m.insert(
            ("profile", name.clone()),
            format!("{{ {} }}", sets.join("  ")),
        );
    }
    let _ = NodeKind::Param { value: None };
    m
}

/// Differences from `a` to `b`, in kind order (metrics first), then by name.
pub fn diff(a: &Graph, b: &Graph) -> Vec<Change> {
    let (fa, fb) = (facts(a), facts(b));
    let order = [
        "metric", "param", "profile", "funnel", "check", "review", "source", "settings", "calendar",
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

fn block(entries: Vec<String>) -> String {
    if entries.is_empty() {
        "{ }".into()
    } else {
        format!("{{ {} }}", entries.join("  "))
    }
}

/// A source's block in the language's own syntax (its `from` path is left out: it is
/// relative to each file).
fn source_text(s: &super::graph::SourceDef) -> String {
    let mut e = Vec::new();
    if let Some(t) = &s.time {
        e.push(format!("time {t}"));
    }
    if !s.dimensions.is_empty() {
        e.push(format!("dimensions {}", s.dimensions.join(", ")));
    }
    if let Some(x) = &s.entity {
        e.push(format!("entity {x}"));
    }
    for (c, t) in &s.columns {
        e.push(format!("column {c}: {}", t.as_str()));
    }
    for d in &s.derived {
        e.push(format!(
            "column {} = {}",
            d.name,
            super::show::show_row(&d.expr, 0)
        ));
    }
    for (word, x) in [
        ("key", &s.key),
        ("valid_from", &s.valid_from),
        ("valid_to", &s.valid_to),
    ] {
        if let Some(x) = x {
            e.push(format!("{word} {x}"));
        }
    }
    for l in &s.lookups {
        e.push(format!("lookup {} on {}", l.name, l.on));
    }
    e.extend(s.read.entries());
    block(e)
}

fn settings_text(st: &super::graph::SettingsDef) -> String {
    let mut e = vec![format!("timezone \"{}\"", st.timezone)];
    if let Some(c) = &st.currency {
        e.push(format!("currency \"{c}\""));
    }
    if st.locale != crate::report::number::Locale::default() {
        e.push(format!("locale \"{}\"", st.locale));
    }
    if let Some(c) = &st.calendar {
        e.push(format!("calendar {}", c.name));
    }
    if st.review_required {
        e.push("review_required true".into());
    }
    block(e)
}

fn calendar_text(c: &super::graph::CalendarDef) -> String {
    let mut e = Vec::new();
    if !c.weekend.is_empty() {
        let days: Vec<String> = c
            .weekend
            .iter()
            .map(|d| format!("{d:?}").to_lowercase())
            .collect();
        e.push(format!("weekend {}", days.join(", ")));
    }
    if !c.holidays.is_empty() {
        let days: Vec<String> = c
            .holidays
            .iter()
            .map(|&d| super::show::value(&super::graph::Value::Date(d)))
            .collect();
        e.push(format!("holiday {}", days.join(", ")));
    }
    block(e)
}
