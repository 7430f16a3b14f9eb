//! Document formatting = `kpi fmt`: the canonical layout of a `.kpi` file, as one
//! edit; no edits when the file does not parse (never a broken file) or is a YAML
//! file (which `kpi fmt` leaves alone).

use std::path::Path;

use lsp_types::{DocumentFormattingParams, TextEdit};

use super::state::State;
use super::text::{path_of, LineIndex};
use crate::diag::SourceMap;
use crate::syntax::{dsl, format};

pub fn format(state: &State, p: &DocumentFormattingParams) -> Option<Vec<TextEdit>> {
    let path = path_of(&p.text_document.uri)?;
    let doc = state.docs.get(&path)?;
    if path.extension().is_none_or(|e| e != "kpi") {
        return Some(Vec::new());
    }
    let Some(out) = format_text(&path, &doc.text) else {
        return Some(Vec::new());
    };
    if out == doc.text {
        return Some(Vec::new());
    }
    Some(vec![TextEdit {
        range: LineIndex::new(&doc.text).full_range(),
        new_text: out,
    }])
}

/// The formatted text, as `kpi fmt` writes it; `None` when the text does not parse
/// or formatting would change its meaning.
pub fn format_text(path: &Path, text: &str) -> Option<String> {
    let mut map = SourceMap::new();
    let id = map.add(path.to_path_buf(), text.to_string());
    let (ast, diags) = dsl::parse_file(id, text);
    if diags.iter().any(|d| d.is_error()) {
        return None;
    }
    let out = format::dsl::print(&ast, text);
    let id2 = map.add(path.to_path_buf(), out.clone());
    let (again, d2) = dsl::parse_file(id2, &out);
    if !d2.is_empty() || !format::same_meaning(&ast, &again) {
        return None;
    }
    Some(out)
}
