//! The outline of a document: sources, params, metrics, funnels, checks, profiles.

use lsp_types::{DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, SymbolKind};

use super::state::State;
use super::text::LineIndex;
use crate::diag::Span;
use crate::syntax::ast::{Ident, Item};

pub fn document_symbols(state: &State, p: &DocumentSymbolParams) -> Option<DocumentSymbolResponse> {
    let view = state.view(&p.text_document.uri)?;
    let ast = view.analysis.loader.try_ast(view.file)?;
    let idx = LineIndex::new(view.text);
    let sym = |name: &Ident,
               whole: Span,
               kind: SymbolKind,
               detail: &str,
               children: Vec<DocumentSymbol>| {
        // The whole item must contain the name (it does in both forms; be safe).
        let whole = if whole.start <= name.span.start && name.span.end <= whole.end {
            whole
        } else {
            name.span
        };
        #[allow(deprecated)]
        DocumentSymbol {
            name: name.name.clone(),
            detail: Some(detail.to_string()),
            kind,
            tags: None,
            deprecated: None,
            range: idx.range(whole.start as usize, whole.end as usize),
            selection_range: idx.range(name.span.start as usize, name.span.end as usize),
            children: (!children.is_empty()).then_some(children),
        }
    };
    let leaf = |name: &Ident, kind: SymbolKind, detail: &str| {
        sym(name, name.span, kind, detail, Vec::new())
    };
    let mut out = Vec::new();
    for item in &ast.items {
        match item {
            Item::Source(s) => {
                let cols = s
                    .columns
                    .iter()
                    .map(|c| leaf(&c.name, SymbolKind::FIELD, "column"))
                    .collect();
                out.push(sym(&s.name, s.span, SymbolKind::STRUCT, "source", cols));
            }
            Item::Param(x) => out.push(sym(
                &x.name,
                x.span,
                SymbolKind::CONSTANT,
                "param",
                Vec::new(),
            )),
            Item::Metric(x) => out.push(sym(
                &x.name,
                x.span,
                SymbolKind::VARIABLE,
                "metric",
                Vec::new(),
            )),
            Item::Funnel(f) => {
                let stages = f
                    .stages
                    .iter()
                    .map(|(s, _)| leaf(s, SymbolKind::FIELD, "stage"))
                    .collect();
                out.push(sym(
                    &f.name,
                    f.span,
                    SymbolKind::NAMESPACE,
                    "funnel",
                    stages,
                ));
            }
            Item::Journey(j) => {
                let steps = j
                    .steps
                    .iter()
                    .map(|(s, _)| leaf(s, SymbolKind::FIELD, "step"))
                    .collect();
                out.push(sym(&j.name, j.span, SymbolKind::NAMESPACE, "funnel", steps));
            }
            Item::Check(c) => {
                out.push(sym(&c.name, c.span, SymbolKind::EVENT, "check", Vec::new()))
            }
            Item::Profile(x) => out.push(sym(
                &x.name,
                x.span,
                SymbolKind::MODULE,
                "profile",
                Vec::new(),
            )),
            Item::Calendar(c) => out.push(sym(
                &c.name,
                c.span,
                SymbolKind::OBJECT,
                "calendar",
                Vec::new(),
            )),
            Item::Import(_) | Item::Script(_) | Item::Settings(_) => {}
        }
    }
    Some(DocumentSymbolResponse::Nested(out))
}
