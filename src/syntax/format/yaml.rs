//! The YAML form (DESIGN section 2) of a parsed file, for `kpi convert --to yaml`.
//! Sections in a fixed order; within a section, definitions keep their order.

use super::{condition, expr};
use crate::syntax::ast::*;

/// A YAML scalar: plain when YAML reads it back as the same text, else single-quoted.
pub fn scalar(s: &str) -> String {
    let special_start = s
        .chars()
        .next()
        .is_none_or(|c| "-?:,[]{}#&*!|>'\"%@`".contains(c));
    let dash_ok = s.starts_with('-')
        && s.len() > 1
        && !s.starts_with("- ")
        && s[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || c.is_ascii_alphabetic());
    let needs = (special_start && !dash_ok)
        || s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.trim() != s
        || s.contains('\n')
        || matches!(s, "~" | "null" | "Null" | "NULL");
    if s.chars().any(|c| c.is_control()) {
        dquote(s)
    } else if needs {
        format!("'{}'", s.replace('\'', "''"))
    } else {
        s.to_string()
    }
}

/// A flow list whose items are always quoted (cell texts such as `NA`, ``, `-`).
fn list_quoted(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| dquote(i)).collect();
    format!("[{}]", quoted.join(", "))
}

/// A double-quoted YAML scalar (escapes `\`, `"` and tabs).
fn dquote(s: &str) -> String {
    format!(
        "\"{}\"",
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\t', "\\t")
    )
}

fn list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|i| scalar(i))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

struct Out(String);

impl Out {
    fn kv(&mut self, indent: usize, k: &str, v: &str) {
        self.0
            .push_str(&format!("{}{}: {}\n", "  ".repeat(indent), k, v));
    }
    fn key(&mut self, indent: usize, k: &str) {
        self.0.push_str(&format!("{}{}:\n", "  ".repeat(indent), k));
    }
}

fn attrs(o: &mut Out, ind: usize, a: &Attrs) {
    if let Some((f, _)) = a.format {
        o.kv(ind, "format", f.as_str());
    }
    if let Some(u) = &a.unit {
        o.kv(ind, "unit", &scalar(&u.name));
    }
    if let Some(d) = &a.description {
        o.kv(ind, "description", &scalar(&d.value));
    }
    if let Some(w) = &a.owner {
        o.kv(ind, "owner", &scalar(&w.value));
    }
    if let Some(r) = &a.review {
        let every = match &r.every {
            ReviewEvery::Grain(g) => g.name.clone(),
            ReviewEvery::Duration(d) => format!("{}{}", d.amount, d.suffix()),
        };
        let owner = r
            .owner
            .as_ref()
            .map(|o| format!(", owner: {}", scalar(&o.value)))
            .unwrap_or_default();
        o.kv(
            ind,
            "review",
            &format!("{{ every: {every}, last: {}{owner} }}", r.last.value),
        );
    }
}

fn has_attrs(a: &Attrs) -> bool {
    a.format.is_some()
        || a.unit.is_some()
        || a.description.is_some()
        || a.owner.is_some()
        || a.review.is_some()
}

/// Print `file` as YAML.
pub fn print(file: &File) -> String {
    let mut o = Out(String::new());
    let items = &file.items;
    let imports: Vec<String> = items
        .iter()
        .filter_map(|i| {
            if let Item::Import(s) = i {
                Some(s.value.clone())
            } else {
                None
            }
        })
        .collect();
    if !imports.is_empty() {
        o.kv(0, "imports", &list(&imports));
    }
    let scripts: Vec<String> = items
        .iter()
        .filter_map(|i| {
            if let Item::Script(s) = i {
                Some(s.value.clone())
            } else {
                None
            }
        })
        .collect();
    if !scripts.is_empty() {
        o.kv(0, "scripts", &list(&scripts));
    }
    for i in items {
        if let Item::Settings(s) = i {
            o.key(0, "settings");
            if let Some(t) = &s.timezone {
                o.kv(1, "timezone", &scalar(&t.value));
            }
            if let Some(w) = &s.week_start {
                o.kv(1, "week_start", &w.name);
            }
            if let Some(c) = &s.currency {
                o.kv(1, "currency", &scalar(&c.value));
            }
            if let Some(l) = &s.locale {
                o.kv(1, "locale", &scalar(&l.value));
            }
            if let Some(c) = &s.calendar {
                o.kv(1, "calendar", &c.name);
            }
            if let Some((b, _)) = s.review_required {
                o.kv(1, "review_required", &b.to_string());
            }
        }
    }
    section(&mut o, items, "calendars", calendars);
    section(&mut o, items, "sources", sources);
    section(&mut o, items, "params", params);
    section(&mut o, items, "metrics", metrics);
    section(&mut o, items, "funnels", funnels);
    section(&mut o, items, "checks", checks);
    section(&mut o, items, "profiles", profiles);
    o.0
}

/// The `calendars:` entry of one item (false: not one of them).
fn calendars(o: &mut Out, i: &Item) -> bool {
    let Item::Calendar(c) = i else { return false };
    o.key(1, &c.name.name);
    if let Some(w) = &c.weekend {
        o.kv(
            2,
            "weekend",
            &list(&w.iter().map(|d| d.name.clone()).collect::<Vec<_>>()),
        );
    }
    if !c.holidays.is_empty() {
        o.kv(
            2,
            "holidays",
            &list(
                &c.holidays
                    .iter()
                    .map(|d| d.value.to_string())
                    .collect::<Vec<_>>(),
            ),
        );
    }
    true
}

/// The `sources:` entry of one item (false: not one of them).
fn sources(o: &mut Out, i: &Item) -> bool {
    let Item::Source(s) = i else { return false };
    o.key(1, &s.name.name);
    if let Some(f) = &s.from {
        o.kv(2, "from", &scalar(&f.value));
    }
    if let Some(t) = &s.time {
        match &s.read.time_format {
            Some(f) => o.kv(
                2,
                "time",
                &format!("{{ column: {}, format: {} }}", t.name, scalar(&f.value)),
            ),
            None => o.kv(2, "time", &t.name),
        }
    }
    let r = &s.read;
    for (word, v) in [
        ("delimiter", &r.delimiter),
        ("decimal", &r.decimal),
        ("thousands", &r.thousands),
        ("encoding", &r.encoding),
        ("sheet", &r.sheet),
        ("header", &r.header),
    ] {
        if let Some(v) = v {
            o.kv(2, word, &scalar(&v.value));
        }
    }
    if let Some(list) = &r.null {
        let texts: Vec<String> = list.iter().map(|n| n.value.clone()).collect();
        o.kv(2, "null", &list_quoted(&texts));
    }
    if !s.dimensions.is_empty() {
        o.kv(
            2,
            "dimensions",
            &list(
                &s.dimensions
                    .iter()
                    .map(|d| d.name.clone())
                    .collect::<Vec<_>>(),
            ),
        );
    }
    if let Some(e) = &s.entity {
        o.kv(2, "entity", &e.name);
    }
    for (word, x) in [
        ("key", &s.key),
        ("valid_from", &s.valid_from),
        ("valid_to", &s.valid_to),
    ] {
        if let Some(x) = x {
            o.kv(2, word, &x.name);
        }
    }
    if !s.lookups.is_empty() {
        let items: Vec<String> = s
            .lookups
            .iter()
            .map(|l| match &l.on {
                Some(on) => format!("{{ source: {}, on: {} }}", l.source.name, on.name),
                None => l.source.name.clone(),
            })
            .collect();
        o.kv(2, "lookup", &format!("[{}]", items.join(", ")));
    }
    if !s.columns.is_empty() {
        let cols: Vec<(String, String)> = s
            .columns
            .iter()
            .map(|c| {
                let ty = c.ty.as_ref().map(|t| t.name.as_str());
                if c.header.as_ref().is_some_and(|h| h.value == c.name.name) {
                    // A header without a name: the key is the header.
                    return (scalar(&c.name.name), ty.unwrap_or("string").to_string());
                }
                let v = match (&c.header, ty) {
                    _ if c.expr.is_some() => {
                        let x = c.expr.as_ref().map(super::expr).unwrap_or_default();
                        match ty {
                            Some(t) => format!("{{ expr: {}, type: {t} }}", super::quote(&x)),
                            None => format!("{{ expr: {} }}", super::quote(&x)),
                        }
                    }
                    (Some(h), Some(t)) => {
                        format!("{{ header: {}, type: {t} }}", scalar(&h.value))
                    }
                    (Some(h), None) => format!("{{ header: {} }}", scalar(&h.value)),
                    (None, Some(t)) => t.to_string(),
                    // `column qty` alone (the compiler reports it).
                    (None, None) => "{}".to_string(),
                };
                (c.name.name.clone(), v)
            })
            .collect();
        if s.columns
            .iter()
            .any(|c| c.header.is_some() || c.expr.is_some())
        {
            // Renamed headers: one column a line.
            o.key(2, "columns");
            for (k, v) in &cols {
                o.kv(3, k, v);
            }
        } else {
            let flow: Vec<String> = cols.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            o.kv(2, "columns", &format!("{{ {} }}", flow.join(", ")));
        }
    }
    true
}

/// The `params:` entry of one item (false: not one of them).
fn params(o: &mut Out, i: &Item) -> bool {
    let Item::Param(p) = i else { return false };
    let v = match &p.value {
        Some(e) => scalar(&expr(e)),
        None => "required".into(),
    };
    if p.is_override {
        let inner = if p.value.is_some() {
            format!("value: {v}")
        } else {
            "required: true".into()
        };
        o.kv(1, &p.name.name, &format!("{{ {inner}, override: true }}"));
    } else {
        o.kv(1, &p.name.name, &v);
    }
    true
}

/// The `metrics:` entry of one item (false: not one of them).
fn metrics(o: &mut Out, i: &Item) -> bool {
    let Item::Metric(m) = i else { return false };
    let e = scalar(&expr(&m.expr));
    if !has_attrs(&m.attrs) && !m.is_override {
        o.kv(1, &m.name.name, &e);
    } else {
        o.key(1, &m.name.name);
        o.kv(2, "value", &e);
        attrs(o, 2, &m.attrs);
        if m.is_override {
            o.kv(2, "override", "true");
        }
    }
    true
}

/// The `funnels:` entry of one item (false: not one of them).
fn funnels(o: &mut Out, i: &Item) -> bool {
    match i {
        Item::Funnel(f) => {
            o.key(1, &f.name.name);
            o.key(2, "stages");
            for (n, e) in &f.stages {
                o.0.push_str(&format!("      - {}: {}\n", n.name, scalar(&expr(e))));
            }
            if let Some(v) = &f.value {
                o.kv(2, "value", &scalar(&expr(v)));
            }
            attrs(o, 2, &f.attrs);
            if f.is_override {
                o.kv(2, "override", "true");
            }
            true
        }
        Item::Journey(j) => {
            o.key(1, &j.name.name);
            o.kv(2, "over", &j.over.name);
            o.kv(2, "by", &j.by.name);
            o.kv(
                2,
                "within",
                &format!("{}{}", j.within.amount, j.within.suffix()),
            );
            o.key(2, "steps");
            for (n, e) in &j.steps {
                o.0.push_str(&format!("      - {}: {}\n", n.name, scalar(&expr(e))));
            }
            attrs(o, 2, &j.attrs);
            if j.is_override {
                o.kv(2, "override", "true");
            }
            true
        }
        _ => false,
    }
}

/// The `checks:` entry of one item (false: not one of them).
fn checks(o: &mut Out, i: &Item) -> bool {
    let Item::Check(c) = i else { return false };
    o.key(1, &c.name.name);
    o.kv(2, "value", &scalar(&expr(&c.expr)));
    if !c.per.is_empty() {
        o.kv(
            2,
            "per",
            &list(&c.per.iter().map(|d| d.name.clone()).collect::<Vec<_>>()),
        );
    }
    if let Some(g) = &c.every {
        o.kv(2, "every", &g.name);
    }
    if let Some(w) = &c.warn {
        o.kv(2, "warn", &scalar(&condition(w)));
    }
    if let Some(f) = &c.fail {
        o.kv(2, "fail", &scalar(&condition(f)));
    }
    attrs(o, 2, &c.attrs);
    if c.is_override {
        o.kv(2, "override", "true");
    }
    true
}

/// The `profiles:` entry of one item (false: not one of them).
fn profiles(o: &mut Out, i: &Item) -> bool {
    let Item::Profile(p) = i else { return false };
    let sets: Vec<String> = p
        .sets
        .iter()
        .map(|(k, v)| format!("{}: {}", k.name, scalar(&expr(v))))
        .collect();
    o.kv(1, &p.name.name, &format!("{{ {} }}", sets.join(", ")));
    true
}

/// Print the items one `each` accepts under `name`, if there are any.
fn section(o: &mut Out, items: &[Item], name: &str, mut each: impl FnMut(&mut Out, &Item) -> bool) {
    let mut body = Out(String::new());
    let mut any = false;
    for i in items {
        any |= each(&mut body, i);
    }
    if any {
        o.key(0, name);
        o.0.push_str(&body.0);
    }
}
