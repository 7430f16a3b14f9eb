//! Go to definition and find references, across imports and overrides.

use std::collections::HashSet;
use std::path::PathBuf;

use lsp_types::{GotoDefinitionParams, GotoDefinitionResponse, Location, Range, ReferenceParams};

use super::analysis::{Analysis, Ns, Occ};
use super::state::State;
use super::text::LineIndex;
use crate::diag::Span;

/// The location of a span of an analysis.
pub fn location(state: &State, a: &Analysis, span: Span) -> Location {
    let (path, text) = a.source(span.file);
    let idx = LineIndex::new(text);
    Location::new(
        state.uri(path),
        idx.range(span.start as usize, span.end as usize),
    )
}

/// The name under the cursor of a request.
pub fn occ_at<'s>(
    state: &'s State,
    doc: &lsp_types::TextDocumentPositionParams,
) -> Option<(&'s Analysis, &'s Occ)> {
    let view = state.view(&doc.text_document.uri)?;
    let offset = LineIndex::new(view.text).offset(doc.position)?;
    let occ = view.analysis.occ_at(view.file, offset)?;
    Some((view.analysis, occ))
}

/// Where a name is defined: the effective definition (an `override` when there is
/// one); on a definition that replaced another, the one it replaced.
pub fn target<'a>(a: &'a Analysis, occ: &'a Occ) -> Option<&'a Occ> {
    if occ.def {
        let mut earlier = None;
        for o in a.occurrences(&occ.ns, &occ.name) {
            if o.span == occ.span {
                break;
            }
            if o.def {
                earlier = Some(o);
            }
        }
        return Some(earlier.unwrap_or(occ));
    }
    if let Some(d) = a.definition(&occ.ns, &occ.name) {
        return Some(d);
    }
    match &occ.ns {
        // `outbound.meetings_rate` is made from the stage `meetings`; `.conversion`
        // and `.total` from the whole funnel.
        Ns::Member => {
            let (funnel, member) = occ.name.split_once('.')?;
            let stage = member.strip_suffix("_rate").unwrap_or(member);
            a.definition(&Ns::Member, &format!("{funnel}.{stage}"))
                .or_else(|| a.definition(&Ns::Value, funnel))
        }
        // A column only the data file has: its source.
        Ns::Column(src) => a.definition(&Ns::Source, src),
        _ => None,
    }
}

pub fn definition(state: &State, p: &GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
    let (a, occ) = occ_at(state, &p.text_document_position_params)?;
    if let Ns::File(path) = &occ.ns {
        if !path.exists() && !state.docs.contains_key(path) {
            return None;
        }
        return Some(GotoDefinitionResponse::Scalar(Location::new(
            state.uri(path),
            Range::default(),
        )));
    }
    let def = target(a, occ)?;
    Some(GotoDefinitionResponse::Scalar(location(state, a, def.span)))
}

pub fn references(state: &State, p: &ReferenceParams) -> Option<Vec<Location>> {
    let (a, occ) = occ_at(state, &p.text_document_position)?;
    if matches!(occ.ns, Ns::File(_)) {
        return None;
    }
    let (ns, name) = (occ.ns.clone(), occ.name.clone());
    let (here, _) = a.source(occ.span.file);
    let mut seen: HashSet<(PathBuf, u32, u32)> = HashSet::new();
    let mut out: Vec<(PathBuf, u32, Location)> = Vec::new();
    let mut analyses = state.analyses_with(here);
    if analyses.is_empty() {
        analyses.push(a);
    }
    for an in analyses {
        for o in an.occurrences(&ns, &name) {
            if o.def && !p.context.include_declaration {
                continue;
            }
            let (path, _) = an.source(o.span.file);
            if seen.insert((path.to_path_buf(), o.span.start, o.span.end)) {
                out.push((
                    path.to_path_buf(),
                    o.span.start,
                    location(state, an, o.span),
                ));
            }
        }
    }
    out.sort_by(|x, y| (&x.0, x.1).cmp(&(&y.0, y.1)));
    Some(out.into_iter().map(|(_, _, l)| l).collect())
}
