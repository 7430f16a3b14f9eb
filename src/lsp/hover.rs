//! Hover: what a name is — its formula (as `kpi explain` prints it), unit, format,
//! description, owner, review, and what an `override` replaced.

use std::fmt::Write as _;
use std::path::Path;

use lsp_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};

use super::analysis::{Analysis, Ns, Occ};
use super::navigate::occ_at;
use super::state::State;
use super::text::LineIndex;
use crate::compile::graph::{Graph, NodeId, ReviewCadence};
use crate::data::period::civil_from_day;
use crate::diag::Span;

pub fn hover(state: &State, p: &HoverParams) -> Option<Hover> {
    let (a, occ) = occ_at(state, &p.text_document_position_params)?;
    let doc = super::text::path_of(&p.text_document_position_params.text_document.uri)?;
    let dir = doc.parent().unwrap_or(Path::new(""));
    let value = text(a, occ, dir, state.today)?;
    let (_, src) = a.source(occ.span.file);
    let range = LineIndex::new(src).range(occ.span.start as usize, occ.span.end as usize);
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(range),
    })
}

/// The hover text of a name.
pub fn text(a: &Analysis, occ: &Occ, dir: &Path, today: i32) -> Option<String> {
    let g = &a.graph;
    let h = Text { a, dir, today };
    match &occ.ns {
        Ns::Value | Ns::Member => {
            if let Some(id) = g.metric(&occ.name) {
                return Some(h.metric(id));
            }
            if let Some(&id) = g.params.get(&occ.name) {
                return Some(h.param(occ, id));
            }
            if let Some(f) = g.funnels.iter().find(|f| f.name == occ.name) {
                let members = member_names(g, &f.members, &f.name);
                return Some(h.funnel(&f.name, f.span, &members));
            }
            if let Some(j) = g.journeys.iter().find(|j| j.name == occ.name) {
                let members = member_names(g, &j.members, &j.name);
                return Some(h.funnel(&j.name, j.span, &members));
            }
            None
        }
        Ns::Source => h.source(&occ.name),
        Ns::Column(src) => h.column(src, &occ.name),
        Ns::Check => h.check(&occ.name),
        Ns::Profile => {
            let sets = g.profiles.get(&occ.name)?;
            let body: Vec<String> = sets
                .iter()
                .map(|(k, v)| format!("{k} = {}", crate::compile::show::value(v)))
                .collect();
            Some(format!(
                "```kpi\nprofile {} {{ {} }}\n```",
                occ.name,
                body.join("  ")
            ))
        }
        Ns::Calendar | Ns::File(_) => None,
    }
}

fn member_names(g: &Graph, members: &[NodeId], funnel: &str) -> Vec<String> {
    let prefix = format!("{funnel}.");
    members
        .iter()
        .map(|&m| {
            let n = &g.node(m).name;
            n.strip_prefix(&prefix).unwrap_or(n).to_string()
        })
        .collect()
}

struct Text<'a> {
    a: &'a Analysis,
    dir: &'a Path,
    today: i32,
}

fn date(day: i32) -> String {
    let (y, m, d) = civil_from_day(day);
    format!("{y:04}-{m:02}-{d:02}")
}

impl Text<'_> {
    /// `file:line` of a span, the file relative to the hovered document's folder.
    fn place(&self, span: Span) -> String {
        let f = self.a.loader.map.get(span.file);
        let (line, _) = f.line_col(span.start as usize);
        let shown = f.path.strip_prefix(self.dir).unwrap_or(&f.path);
        format!("{}:{line}", shown.display())
    }

    fn review(&self, out: &mut String, name: &str, kind: &str) {
        let g = &self.a.graph;
        if let Some(r) = g.reviews.iter().find(|r| r.name == name && r.kind == kind) {
            let every = match &r.every {
                ReviewCadence::Grain(gr) => gr.as_str().to_string(),
                ReviewCadence::Days(d) => format!("{d} days"),
            };
            let status = r.status(self.today).replace('_', " ");
            let _ = write!(
                out,
                "\n- review: every {every}, last {}, due {} ({status})",
                date(r.last),
                date(r.due())
            );
            if let Some(o) = &r.owner {
                let _ = write!(out, ", owner {o}");
            }
        }
    }

    fn metric(&self, id: NodeId) -> String {
        let g = &self.a.graph;
        let n = g.node(id);
        let mut out = format!("```kpi\nmetric {} = {}\n```", n.name, g.show_node(id));
        if !n.unit.is_none() {
            let _ = write!(out, "\n- unit: `{}`", n.unit);
        }
        if let Some(f) = n.meta.format {
            let _ = write!(out, "\n- format: {}", f.as_str());
        }
        if let Some(d) = &n.meta.description {
            let _ = write!(out, "\n- description: {d}");
        }
        if let Some(o) = &n.meta.owner {
            let _ = write!(out, "\n- owner: {o}");
        }
        self.review(&mut out, &n.name, "metric");
        if let Some(old) = n.meta.overrides {
            let _ = write!(out, "\n- overrides: {}", self.place(old));
        }
        let _ = write!(out, "\n- defined at: {}", self.place(n.span));
        out
    }

    fn param(&self, occ: &Occ, id: NodeId) -> String {
        let g = &self.a.graph;
        let n = g.node(id);
        let mut out = format!("```kpi\nparam {} = {}\n```", n.name, g.show_node(id));
        let defs: Vec<&Occ> = self
            .a
            .occurrences(&occ.ns, &occ.name)
            .filter(|o| o.def)
            .collect();
        if defs.len() > 1 {
            let _ = write!(
                out,
                "\n- overrides: {}",
                self.place(defs[defs.len() - 2].span)
            );
        }
        let _ = write!(out, "\n- defined at: {}", self.place(n.span));
        out
    }

    fn funnel(&self, name: &str, span: Span, members: &[String]) -> String {
        let mut out = format!(
            "```kpi\nfunnel {name}\n```\n- members: {}",
            members.join(", ")
        );
        self.review(&mut out, name, "funnel");
        let _ = write!(out, "\n- defined at: {}", self.place(span));
        out
    }

    fn source(&self, name: &str) -> Option<String> {
        let s = self.a.graph.sources.iter().find(|s| s.name == name)?;
        let mut out = format!("```kpi\nsource {name}\n```");
        if let Some(f) = &s.from {
            let shown = f.strip_prefix(self.dir).unwrap_or(f);
            let _ = write!(out, "\n- from: {}", shown.display());
        }
        if let Some(t) = &s.time {
            let _ = write!(out, "\n- time: {t}");
        }
        if !s.dimensions.is_empty() {
            let _ = write!(out, "\n- dimensions: {}", s.dimensions.join(", "));
        }
        if let Some(e) = &s.entity {
            let _ = write!(out, "\n- entity: {e}");
        }
        if let Some(k) = &s.key {
            let _ = write!(out, "\n- key: {k}");
        }
        if !s.columns.is_empty() {
            let cols: Vec<String> = s
                .columns
                .iter()
                .map(|(c, t)| format!("{c}: {}", t.as_str()))
                .collect();
            let _ = write!(out, "\n- columns: {}", cols.join(", "));
        }
        let _ = write!(out, "\n- defined at: {}", self.place(s.span));
        Some(out)
    }

    fn column(&self, src: &str, col: &str) -> Option<String> {
        let s = self.a.graph.sources.iter().find(|s| s.name == src)?;
        let mut out = format!("```kpi\ncolumn {src}.{col}");
        if let Some(t) = s.column_type(col) {
            let _ = write!(out, ": {}", t.as_str());
        }
        out.push_str("\n```");
        if let Some(d) = s.derived(col) {
            let _ = write!(
                out,
                "\n- computed per row: `{}`",
                crate::compile::show::show_row(&d.expr, 0)
            );
        }
        Some(out)
    }

    fn check(&self, name: &str) -> Option<String> {
        let g = &self.a.graph;
        let c = g.checks.iter().find(|c| c.name == name)?;
        let mut out = format!("```kpi\ncheck {} = {}\n```", c.name, g.show(&c.value));
        if !c.unit.is_none() {
            let _ = write!(out, "\n- unit: `{}`", c.unit);
        }
        if !c.per.is_empty() {
            let _ = write!(out, "\n- per: {}", c.per.join(", "));
        }
        let _ = write!(out, "\n- every: {}", c.every.as_str());
        for (word, t) in [("warn", &c.warn), ("fail", &c.fail)] {
            if let Some((op, f)) = t {
                let _ = write!(out, "\n- {word} when {} {}", op.symbol(), g.show(f));
            }
        }
        if let Some(o) = &c.meta.owner {
            let _ = write!(out, "\n- owner: {o}");
        }
        self.review(&mut out, &c.name, "check");
        if let Some(old) = c.meta.overrides {
            let _ = write!(out, "\n- overrides: {}", self.place(old));
        }
        let _ = write!(out, "\n- defined at: {}", self.place(c.span));
        Some(out)
    }
}
