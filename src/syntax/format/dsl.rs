//! The canonical `.kpi` layout. One item per line (blocks: one entry per line, two
//! spaces of indent), a blank line between items where the source had one, no
//! alignment, comments kept: own-line comments stay before what followed them, and
//! end-of-line comments stay on the line of the code they followed.

use super::{condition, expr, quote, review};
use crate::syntax::ast::*;

/// Lines wider than this put attribute blocks on their own lines.
const WIDTH: usize = 120;

struct Comment {
    offset: usize,
    text: String,
    own_line: bool,
    line: usize,
}

/// `#` comments of a source text (not those inside strings).
fn comments(src: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut in_str = false;
    let mut escaped = false;
    let mut line = 1;
    let mut line_start = 0;
    let bytes = src.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if in_str {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' || c == b'\n' {
                in_str = false;
            }
        } else if c == b'"' {
            in_str = true;
        } else if c == b'#' {
            let end = src[i..].find('\n').map_or(src.len(), |e| i + e);
            out.push(Comment {
                offset: i,
                text: src[i..end].trim_end().to_string(),
                own_line: src[line_start..i].trim().is_empty(),
                line,
            });
            i = end;
            continue;
        }
        if c == b'\n' {
            line += 1;
            line_start = i + 1;
        }
        i += 1;
    }
    out
}

struct Printer<'s> {
    src: &'s str,
    comments: Vec<Comment>,
    next: usize,
    lines: Vec<(String, Option<usize>)>,
    /// Source offset up to which everything has been printed.
    last_end: Option<usize>,
}

impl<'s> Printer<'s> {
    fn line_of(&self, offset: usize) -> usize {
        self.src[..offset.min(self.src.len())].matches('\n').count() + 1
    }

    fn blank_between(&self, a: usize, b: usize) -> bool {
        let (a, b) = (a.min(self.src.len()), b.min(self.src.len()));
        a < b && self.src[a..b].split('\n').skip(1).collect::<Vec<_>>().len() > 1 && {
            let mid: Vec<&str> = self.src[a..b].split('\n').collect();
            mid[1..mid.len() - 1].iter().any(|l| l.trim().is_empty())
        }
    }

    /// Print own-line comments before `offset` at `indent`.
    fn flush(&mut self, offset: usize, indent: usize, top: bool) {
        while self.next < self.comments.len() && self.comments[self.next].offset < offset {
            let c = &self.comments[self.next];
            if c.own_line {
                if top
                    && self
                        .last_end
                        .is_some_and(|e| self.blank_between(e, c.offset))
                {
                    self.lines.push((String::new(), None));
                }
                let text = format!("{}{}", "  ".repeat(indent), c.text);
                let off = c.offset;
                self.lines.push((text, Some(off)));
                self.last_end = Some(off + c.text.len());
            }
            self.next += 1;
        }
    }

    fn line(&mut self, indent: usize, text: String, anchor: usize) {
        self.flush(anchor, indent, false);
        self.lines
            .push((format!("{}{}", "  ".repeat(indent), text), Some(anchor)));
    }

    fn item_start(&mut self, start: usize) {
        self.flush(start, 0, true);
        if let Some(e) = self.last_end {
            if self.blank_between(e, start) {
                self.lines.push((String::new(), None));
            }
        }
    }

    fn finish(mut self) -> String {
        self.flush(usize::MAX, 0, true);
        // End-of-line comments go on the last printed line that came from their line.
        let anchors: Vec<(usize, usize)> = self
            .lines
            .iter()
            .enumerate()
            .filter_map(|(i, (_, a))| a.map(|a| (i, a)))
            .collect();
        let mut trailing: Vec<(usize, String)> = Vec::new();
        for c in self.comments.iter().filter(|c| !c.own_line) {
            let target = anchors
                .iter()
                .filter(|(_, a)| *a <= c.offset && self.line_of(*a) == c.line)
                .max_by_key(|(_, a)| *a)
                .or_else(|| {
                    anchors
                        .iter()
                        .filter(|(_, a)| *a <= c.offset)
                        .max_by_key(|(_, a)| *a)
                })
                .map_or(0, |(i, _)| *i);
            trailing.push((target, c.text.clone()));
        }
        for (i, t) in trailing {
            if let Some(l) = self.lines.get_mut(i) {
                l.0.push_str("  ");
                l.0.push_str(&t);
            }
        }
        let mut out = String::new();
        for (l, _) in &self.lines {
            out.push_str(l.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Print a parsed file in the canonical layout; `src` is its text (for comments and
/// blank lines; pass "" for a file without a text, e.g. converted from YAML).
pub fn print(file: &File, src: &str) -> String {
    let mut p = Printer {
        src,
        comments: comments(src),
        next: 0,
        lines: Vec::new(),
        last_end: None,
    };
    let synthetic = src.is_empty();
    let mut prev: Option<std::mem::Discriminant<Item>> = None;
    for item in &file.items {
        let (start, end) = item_span(item);
        let start = start as usize;
        if synthetic {
            // No source layout to follow: a blank line between kinds of items and around blocks.
            let kind = std::mem::discriminant(item);
            let blocky = !matches!(
                item,
                Item::Import(_)
                    | Item::Script(_)
                    | Item::Param(_)
                    | Item::Metric(_)
                    | Item::Profile(_)
            );
            if prev.is_some() && (prev != Some(kind) || blocky) {
                p.lines.push((String::new(), None));
            }
            prev = Some(kind);
            print_item(&mut p, item, start);
            continue;
        }
        p.item_start(start);
        print_item(&mut p, item, start);
        p.last_end = Some(end as usize);
    }
    p.finish()
}

fn item_span(item: &Item) -> (u32, u32) {
    let s = match item {
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
    };
    (s.start, s.end)
}

fn ov(is_override: bool) -> &'static str {
    if is_override {
        "override "
    } else {
        ""
    }
}

/// Attribute lines of a block, each with its anchor.
fn attr_lines(a: &Attrs) -> Vec<(String, usize)> {
    let mut v = Vec::new();
    if let Some((f, s)) = a.format {
        v.push((format!("format {}", f.as_str()), s.start as usize));
    }
    if let Some(u) = &a.unit {
        v.push((format!("unit {}", u.name), u.span.start as usize));
    }
    if let Some(d) = &a.description {
        v.push((
            format!("description {}", quote(&d.value)),
            d.span.start as usize,
        ));
    }
    if let Some(o) = &a.owner {
        v.push((format!("owner {}", quote(&o.value)), o.span.start as usize));
    }
    if let Some(r) = &a.review {
        v.push((format!("review {}", review(r)), r.span.start as usize));
    }
    v
}

fn block(p: &mut Printer, head: String, anchor: usize, entries: Vec<(String, usize)>, end: usize) {
    p.line(0, format!("{head} {{"), anchor);
    for (text, at) in entries {
        p.line(1, text, at);
    }
    p.line(0, "}".into(), end.saturating_sub(1).max(anchor));
}

fn print_item(p: &mut Printer, item: &Item, start: usize) {
    match item {
        Item::Import(s) => p.line(0, format!("import {}", quote(&s.value)), start),
        Item::Script(s) => p.line(0, format!("script {}", quote(&s.value)), start),
        Item::Settings(s) => print_settings(p, s, start),
        Item::Calendar(c) => print_calendar(p, c, start),
        Item::Source(s) => print_source(p, s, start),
        Item::Param(pa) => print_param(p, pa, start),
        Item::Metric(m) => print_metric(p, m, start),
        Item::Funnel(f) => print_funnel(p, f, start),
        Item::Journey(j) => print_journey(p, j, start),
        Item::Check(c) => print_check(p, c, start),
        Item::Profile(pr) => print_profile(p, pr, start),
    }
}

fn print_settings(p: &mut Printer, s: &Settings, start: usize) {
    let mut e = Vec::new();
    if let Some(t) = &s.timezone {
        e.push((
            format!("timezone {}", quote(&t.value)),
            t.span.start as usize,
        ));
    }
    if let Some(w) = &s.week_start {
        e.push((format!("week_start {}", w.name), w.span.start as usize));
    }
    if let Some(c) = &s.currency {
        e.push((
            format!("currency {}", quote(&c.value)),
            c.span.start as usize,
        ));
    }
    if let Some(l) = &s.locale {
        e.push((format!("locale {}", quote(&l.value)), l.span.start as usize));
    }
    if let Some(c) = &s.calendar {
        e.push((format!("calendar {}", c.name), c.span.start as usize));
    }
    if let Some((b, sp)) = s.review_required {
        e.push((format!("review_required {b}"), sp.start as usize));
    }
    e.sort_by_key(|x| x.1);
    block(p, "settings".into(), start, e, s.span.end as usize);
}

fn print_calendar(p: &mut Printer, c: &Calendar, start: usize) {
    let mut e = Vec::new();
    if let Some(w) = &c.weekend {
        let names: Vec<&str> = w.iter().map(|d| d.name.as_str()).collect();
        e.push((
            format!("weekend {}", names.join(", ")),
            w.first().map_or(start, |d| d.span.start as usize),
        ));
    }
    if !c.holidays.is_empty() {
        let days: Vec<String> = c.holidays.iter().map(|d| d.value.to_string()).collect();
        e.push((
            format!("holiday {}", days.join(", ")),
            c.holidays[0].span.start as usize,
        ));
    }
    block(
        p,
        format!("calendar {}", c.name.name),
        start,
        e,
        c.span.end as usize,
    );
}

fn print_source(p: &mut Printer, s: &Source, start: usize) {
    let mut e = Vec::new();
    if let Some(f) = &s.from {
        e.push((format!("from {}", quote(&f.value)), f.span.start as usize));
    }
    if let Some(t) = &s.time {
        let text = match &s.read.time_format {
            Some(f) => format!("time {} format {}", t.name, quote(&f.value)),
            None => format!("time {}", t.name),
        };
        e.push((text, t.span.start as usize));
    }
    if let Some(k) = &s.key {
        e.push((format!("key {}", k.name), k.span.start as usize));
    }
    let r = &s.read;
    for (word, v) in [
        ("delimiter", &r.delimiter),
        ("decimal", &r.decimal),
        ("thousands", &r.thousands),
        ("encoding", &r.encoding),
        ("sheet", &r.sheet),
    ] {
        if let Some(v) = v {
            e.push((format!("{word} {}", quote(&v.value)), v.span.start as usize));
        }
    }
    if let Some(h) = &r.header {
        e.push((format!("header {}", h.value), h.span.start as usize));
    }
    if let Some(list) = &r.null {
        let texts: Vec<String> = list.iter().map(|n| quote(&n.value)).collect();
        let at = list.first().map_or(start, |n| n.span.start as usize);
        e.push((format!("null {}", texts.join(", ")), at));
    }
    if let Some(d) = s.dimensions.first() {
        let names: Vec<&str> = s.dimensions.iter().map(|d| d.name.as_str()).collect();
        e.push((
            format!("dimensions {}", names.join(", ")),
            d.span.start as usize,
        ));
    }
    if let Some(en) = &s.entity {
        e.push((format!("entity {}", en.name), en.span.start as usize));
    }
    for (word, x) in [("valid_from", &s.valid_from), ("valid_to", &s.valid_to)] {
        if let Some(x) = x {
            e.push((format!("{word} {}", x.name), x.span.start as usize));
        }
    }
    for l in &s.lookups {
        let text = match &l.on {
            Some(on) => format!("lookup {} on {}", l.source.name, on.name),
            None => format!("lookup {}", l.source.name),
        };
        e.push((text, l.source.span.start as usize));
    }
    for c in &s.columns {
        let mut text = match &c.header {
            // `column "Odd Header": decimal` (no name given; the compiler asks for one).
            Some(h) if h.value == c.name.name && !crate::syntax::lexicon::is_ident(&h.value) => {
                format!("column {}", quote(&h.value))
            }
            Some(h) if crate::syntax::lexicon::is_ident(&h.value) => {
                format!("column {} as {}", h.value, c.name.name)
            }
            Some(h) => format!("column {} as {}", quote(&h.value), c.name.name),
            None => format!("column {}", c.name.name),
        };
        if let Some(t) = &c.ty {
            text = format!("{text}: {}", t.name);
        }
        if let Some(x) = &c.expr {
            text = format!("{text} = {}", super::expr(x));
        }
        let at = c.header.as_ref().map_or(c.name.span, |h| h.span);
        e.push((text, at.start as usize));
    }
    block(
        p,
        format!("source {}", s.name.name),
        start,
        e,
        s.span.end as usize,
    );
}

fn print_param(p: &mut Printer, pa: &Param, start: usize) {
    let rhs = match &pa.value {
        Some(v) => format!("= {}", expr(v)),
        None => "required".into(),
    };
    p.line(
        0,
        format!("{}param {} {rhs}", ov(pa.is_override), pa.name.name),
        start,
    );
}

fn print_metric(p: &mut Printer, m: &Metric, start: usize) {
    let head = format!(
        "{}metric {} = {}",
        ov(m.is_override),
        m.name.name,
        expr(&m.expr)
    );
    let attrs = attr_lines(&m.attrs);
    let inline = attrs
        .iter()
        .map(|a| a.0.clone())
        .collect::<Vec<_>>()
        .join("  ");
    if attrs.is_empty() {
        p.line(0, head, start);
    } else if attrs.len() <= 2 && m.attrs.review.is_none() && head.len() + inline.len() + 5 <= WIDTH
    {
        p.line(0, format!("{head} {{ {inline} }}"), start);
    } else {
        block(p, head, start, attrs, m.span.end as usize);
    }
}

fn print_funnel(p: &mut Printer, f: &Funnel, start: usize) {
    let mut e: Vec<(String, usize)> = f
        .stages
        .iter()
        .map(|(n, x)| {
            (
                format!("stage {} = {}", n.name, expr(x)),
                n.span.start as usize,
            )
        })
        .collect();
    if let Some(v) = &f.value {
        e.push((format!("value {}", expr(v)), v.span.start as usize));
    }
    e.extend(attr_lines(&f.attrs));
    block(
        p,
        format!("{}funnel {}", ov(f.is_override), f.name.name),
        start,
        e,
        f.span.end as usize,
    );
}

fn print_journey(p: &mut Printer, j: &Journey, start: usize) {
    let mut e: Vec<(String, usize)> = j
        .steps
        .iter()
        .map(|(n, x)| {
            (
                format!("step {} where {}", n.name, expr(x)),
                n.span.start as usize,
            )
        })
        .collect();
    e.extend(attr_lines(&j.attrs));
    let head = format!(
        "{}funnel {} over {} by {} within {}{}",
        ov(j.is_override),
        j.name.name,
        j.over.name,
        j.by.name,
        j.within.amount,
        j.within.suffix()
    );
    block(p, head, start, e, j.span.end as usize);
}

fn print_check(p: &mut Printer, c: &Check, start: usize) {
    let mut e = Vec::new();
    if let Some(first) = c.per.first() {
        let names: Vec<&str> = c.per.iter().map(|d| d.name.as_str()).collect();
        e.push((
            format!("per {}", names.join(", ")),
            first.span.start as usize,
        ));
    }
    if let Some(g) = &c.every {
        e.push((format!("every {}", g.name), g.span.start as usize));
    }
    if let Some(w) = &c.warn {
        e.push((format!("warn when {}", condition(w)), w.span.start as usize));
    }
    if let Some(f) = &c.fail {
        e.push((format!("fail when {}", condition(f)), f.span.start as usize));
    }
    e.extend(attr_lines(&c.attrs));
    let head = format!(
        "{}check {} = {}",
        ov(c.is_override),
        c.name.name,
        expr(&c.expr)
    );
    block(p, head, start, e, c.span.end as usize);
}

fn print_profile(p: &mut Printer, pr: &Profile, start: usize) {
    let sets: Vec<String> = pr
        .sets
        .iter()
        .map(|(k, v)| format!("{} = {}", k.name, expr(v)))
        .collect();
    let one = format!("profile {} {{ {} }}", pr.name.name, sets.join("  "));
    if one.len() <= WIDTH {
        p.line(0, one, start);
    } else {
        let e = pr
            .sets
            .iter()
            .zip(sets)
            .map(|((k, _), s)| (s, k.span.start as usize))
            .collect();
        block(
            p,
            format!("profile {}", pr.name.name),
            start,
            e,
            pr.span.end as usize,
        );
    }
}
