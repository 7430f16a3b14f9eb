//! Completion: funnel members after `FUNNEL.`, columns after `SOURCE.` and inside a
//! `where` (from the source's hints and its data file's header), and otherwise the
//! metrics, params, funnels and sources in scope, built-in and script functions, and
//! keywords.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::SystemTime;

use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionList, CompletionParams, CompletionResponse,
};

use super::state::State;
use super::text::LineIndex;
use crate::compile::graph::{Builtin, Graph, SourceDef};
use crate::syntax::ast::{AggFunc, Item};
use crate::syntax::lexicon;

const AGGREGATIONS: [&str; 8] = [
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "count_distinct",
    "median",
    "percentile",
];
/// Window functions and the period's day counts.
const PERIOD_FUNCTIONS: [&str; 6] = ["prev", "change", "rolling", "to_date", "workdays", "days"];

pub fn completion(state: &State, p: &CompletionParams) -> Option<CompletionResponse> {
    let pos = &p.text_document_position;
    let view = state.view(&pos.text_document.uri)?;
    let offset = LineIndex::new(view.text).offset(pos.position)?;
    let text = view.text;
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let g = &view.analysis.graph;
    let items = if let Some(q) = qualifier(&text[line_start..offset]) {
        members(g, q)
    } else {
        let mut items = Vec::new();
        let item_start = view
            .analysis
            .loader
            .try_ast(view.file)
            .and_then(|ast| {
                ast.items
                    .iter()
                    .map(item_span)
                    .find(|s| s.start as usize <= offset && offset <= s.end as usize)
            })
            .map(|s| s.start as usize);
        let journey_or_source = view.analysis.loader.try_ast(view.file).and_then(|ast| {
            ast.items.iter().find_map(|i| {
                let s = item_span(i);
                if !(s.start as usize <= offset && offset <= s.end as usize) {
                    return None;
                }
                match i {
                    Item::Journey(j) => Some(j.over.name.clone()),
                    Item::Source(s) => Some(s.name.name.clone()),
                    _ => None,
                }
            })
        });
        let from = item_start.unwrap_or_else(|| {
            let mut s = offset.saturating_sub(4096);
            while !text.is_char_boundary(s) {
                s += 1;
            }
            s
        });
        let src = journey_or_source.or_else(|| filtered_source(&text[from..offset]));
        if let Some(src) = src {
            if let Some(s) = g.sources.iter().find(|s| s.name == src) {
                items.extend(column_items(s, "0"));
            }
        }
        items.extend(names(g));
        items
    };
    Some(CompletionResponse::List(CompletionList {
        is_incomplete: false,
        items,
    }))
}

fn item_span(i: &Item) -> crate::diag::Span {
    match i {
        Item::Import(s) | Item::Script(s) => s.span,
        Item::Settings(s) => s.span,
        Item::Calendar(c) => c.span,
        Item::Source(s) => s.span,
        Item::Param(p) => p.span,
        Item::Metric(m) => m.span,
        Item::Funnel(f) => f.span,
        Item::Journey(j) => j.span,
        Item::Check(c) => c.span,
        Item::Profile(p) => p.span,
    }
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `outbound.mee|` -> `outbound`: the name before the dot being completed.
fn qualifier(before: &str) -> Option<&str> {
    let b = before.as_bytes();
    let mut i = b.len();
    while i > 0 && is_word(b[i - 1]) {
        i -= 1;
    }
    if i == 0 || b[i - 1] != b'.' {
        return None;
    }
    let end = i - 1;
    let mut start = end;
    while start > 0 && is_word(b[start - 1]) {
        start -= 1;
    }
    let q = &before[start..end];
    let first = q.bytes().next()?;
    (first.is_ascii_alphabetic() || first == b'_').then_some(q)
}

/// Inside `agg(SOURCE .. where |`: the source whose columns the filter names.
fn filtered_source(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = b.len();
    while i > 0 {
        i -= 1;
        match b[i] {
            b')' => depth += 1,
            b'(' if depth > 0 => depth -= 1,
            b'(' => {
                let mut w = i;
                while w > 0 && b[w - 1] == b' ' {
                    w -= 1;
                }
                let mut ws = w;
                while ws > 0 && is_word(b[ws - 1]) {
                    ws -= 1;
                }
                if AggFunc::parse(&text[ws..w]).is_some() {
                    let inside = &text[i + 1..];
                    let src: String = inside
                        .trim_start()
                        .bytes()
                        .take_while(|&c| is_word(c))
                        .map(char::from)
                        .collect();
                    let has_where = inside
                        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .any(|w| w == "where");
                    return (has_where && !src.is_empty()).then_some(src);
                }
            }
            _ => {}
        }
    }
    None
}

fn item(label: &str, kind: CompletionItemKind, detail: String, sort: String) -> CompletionItem {
    CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail),
        sort_text: Some(sort),
        ..Default::default()
    }
}

/// The members of a funnel, or the columns of a source, named `q`.
fn members(g: &Graph, q: &str) -> Vec<CompletionItem> {
    let prefix = format!("{q}.");
    let ids = g
        .funnels
        .iter()
        .find(|f| f.name == q)
        .map(|f| &f.members)
        .or_else(|| g.journeys.iter().find(|j| j.name == q).map(|j| &j.members));
    if let Some(ids) = ids {
        return ids
            .iter()
            .enumerate()
            .map(|(i, &id)| {
                let n = g.node(id);
                let label = n.name.strip_prefix(&prefix).unwrap_or(&n.name);
                let mut detail = format!("{} = {}", n.name, g.show_node(id));
                if !n.unit.is_none() {
                    detail.push_str(&format!(" [{}]", n.unit));
                }
                item(label, CompletionItemKind::FIELD, detail, format!("{i:04}"))
            })
            .collect();
    }
    match g.sources.iter().find(|s| s.name == q) {
        Some(s) => column_items(s, ""),
        None => Vec::new(),
    }
}

/// A data file's header, with the file's modification time when it was read.
type Header = (Option<SystemTime>, Vec<String>);

thread_local! {
    /// Data file headers by path.
    static HEADERS: RefCell<HashMap<PathBuf, Header>> = RefCell::new(HashMap::new());
}

/// The header of a source's data file, when it is readable.
fn header(s: &SourceDef) -> Vec<String> {
    let Some(path) = &s.from else {
        return Vec::new();
    };
    let Ok(meta) = std::fs::metadata(path) else {
        return Vec::new();
    };
    let mtime = meta.modified().ok();
    HEADERS.with(|h| {
        if let Some((t, names)) = h.borrow().get(path) {
            if *t == mtime && mtime.is_some() {
                return names.clone();
            }
        }
        let names = crate::data::scan::header(path, &s.read).unwrap_or_default();
        h.borrow_mut().insert(path.clone(), (mtime, names.clone()));
        names
    })
}

/// The columns of a source: declared (time, dimensions, keys, hints, derived, from
/// lookups), then the rest of its data file's header.
pub fn columns(s: &SourceDef) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    let mut seen = HashSet::new();
    let mut add = |name: &str, what: &'static str| {
        if seen.insert(name.to_string()) {
            out.push((name.to_string(), what));
        }
    };
    if let Some(t) = &s.time {
        add(t, "time column");
    }
    for d in &s.dimensions {
        add(d, "dimension");
    }
    for c in s.entity.iter().chain(&s.key) {
        add(c, "column");
    }
    for c in s.valid_from.iter().chain(&s.valid_to) {
        add(c, "validity column");
    }
    for (c, t) in &s.columns {
        add(c, t.as_str());
    }
    for d in &s.derived {
        add(&d.name, "computed column");
    }
    for l in &s.lookups {
        for d in &l.dims {
            add(d, "dimension (lookup)");
        }
    }
    for h in header(s) {
        add(&h, "column (data file)");
    }
    out
}

fn column_items(s: &SourceDef, group: &str) -> Vec<CompletionItem> {
    columns(s)
        .into_iter()
        .enumerate()
        .map(|(i, (name, what))| {
            item(
                &name,
                CompletionItemKind::FIELD,
                format!("{what} of {}", s.name),
                format!("{group}{i:04}"),
            )
        })
        .collect()
}

/// Everything a bare name can be, and the keywords.
fn names(g: &Graph) -> Vec<CompletionItem> {
    let mut out = Vec::new();
    let mut metrics: Vec<&String> = g.by_name.keys().filter(|n| !n.contains('.')).collect();
    metrics.sort();
    for m in metrics {
        let detail = match g.metric(m) {
            Some(id) if !g.node(id).unit.is_none() => format!("metric [{}]", g.node(id).unit),
            _ => "metric".to_string(),
        };
        out.push(item(
            m,
            CompletionItemKind::VARIABLE,
            detail,
            format!("1{m}"),
        ));
    }
    let mut params: Vec<&String> = g.params.keys().collect();
    params.sort();
    for p in params {
        let detail = format!("param = {}", g.show_node(g.params[p]));
        out.push(item(
            p,
            CompletionItemKind::CONSTANT,
            detail,
            format!("1{p}"),
        ));
    }
    for f in g
        .funnels
        .iter()
        .map(|f| &f.name)
        .chain(g.journeys.iter().map(|j| &j.name))
    {
        out.push(item(
            f,
            CompletionItemKind::MODULE,
            "funnel".into(),
            format!("1{f}"),
        ));
    }
    for s in &g.sources {
        out.push(item(
            &s.name,
            CompletionItemKind::STRUCT,
            "source".into(),
            format!("2{}", s.name),
        ));
    }
    let mut seen = HashSet::new();
    for f in Builtin::NAMES {
        seen.insert(f.to_string());
        out.push(item(
            f,
            CompletionItemKind::FUNCTION,
            "built-in".into(),
            format!("3{f}"),
        ));
    }
    for f in PERIOD_FUNCTIONS {
        seen.insert(f.to_string());
        out.push(item(
            f,
            CompletionItemKind::FUNCTION,
            "built-in".into(),
            format!("3{f}"),
        ));
    }
    for f in AGGREGATIONS {
        if seen.insert(f.to_string()) {
            out.push(item(
                f,
                CompletionItemKind::FUNCTION,
                "aggregation".into(),
                format!("3{f}"),
            ));
        }
    }
    for s in &g.scripts {
        for f in &s.functions {
            if seen.insert(f.name.clone()) {
                let detail = format!("script function ({})", f.params.join(", "));
                out.push(item(
                    &f.name,
                    CompletionItemKind::FUNCTION,
                    detail,
                    format!("3{}", f.name),
                ));
            }
        }
    }
    let mut words: Vec<&str> = lexicon::KEYWORDS.to_vec();
    for r in lexicon::RESERVED {
        if !words.contains(&r) {
            words.push(r);
        }
    }
    for k in words {
        out.push(item(
            k,
            CompletionItemKind::KEYWORD,
            "keyword".into(),
            format!("4{k}"),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_before_the_dot() {
        assert_eq!(qualifier("  stage x = outbound."), Some("outbound"));
        assert_eq!(qualifier("= outbound.mee"), Some("outbound"));
        assert_eq!(qualifier("= 1."), None);
        assert_eq!(qualifier("= outbound"), None);
    }

    #[test]
    fn the_source_of_a_filter() {
        assert_eq!(
            filtered_source("metric x = count(activities where ty").as_deref(),
            Some("activities")
        );
        assert_eq!(
            filtered_source("count(activities where if(a, ").as_deref(),
            Some("activities")
        );
        assert_eq!(filtered_source("count(activities) + abs(").as_deref(), None);
        assert_eq!(filtered_source("sum(activities.amount ").as_deref(), None);
    }
}
