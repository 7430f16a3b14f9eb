//! The YAML front-end (DESIGN section 2): a YAML definitions file -> the same
//! [`ast::File`](crate::syntax::ast::File) the `.kpi` parser produces.
//!
//! The document is read by `serde-saphyr` into a generic tree of
//! [`Spanned`](serde_saphyr::Spanned) nodes (module `node`) instead of derived structs
//! with `deny_unknown_fields`: a derived model stops at the first unknown key and
//! loses spans inside untagged enums, while definitions need *every* error of a file,
//! each at its own line and column. The key sets below are the model; the builder
//! (module `items`) validates each mapping against them:
//!
//! - unknown key: `E0151`, at the key, with the valid keys and a "did you mean";
//! - wrong value type: `E0152`; missing required key: `E0153`; duplicate key: `E0154`;
//! - invalid YAML or a YAML limit exceeded: `E0150`, at the parser's position;
//! - names, dates and expressions give the same codes as in the DSL (`E0107`, `E0105`,
//!   `E0101`, ..), positioned at the offending token inside the YAML string.
//!
//! Values that are expressions (metric, stage, funnel and check values, step filters,
//! param and profile values) are YAML strings in the expression language, or YAML
//! numbers and booleans, which become literals. `warn:`/`fail:` are conditions such as
//! `< 0.5 * target`. A YAML string is always an expression: the string literal
//! `"north"` is written `'"north"'`.

mod cx;
mod exprs;
mod items;
pub(crate) mod node;

pub use node::{MAX_DEPTH, MAX_NODES};

use crate::diag::{Diagnostic, FileId};
use crate::syntax::ast::File;

/// The keys each YAML mapping accepts: the YAML form's schema.
pub mod keys {
    /// Sections of a definitions file.
    pub const TOP: &[&str] = &[
        "imports",
        "scripts",
        "settings",
        "calendars",
        "sources",
        "params",
        "metrics",
        "funnels",
        "checks",
        "profiles",
    ];
    pub const SETTINGS: &[&str] = &[
        "timezone",
        "week_start",
        "currency",
        "locale",
        "calendar",
        "review_required",
    ];
    pub const CALENDAR: &[&str] = &["weekend", "holidays"];
    pub const SOURCE: &[&str] = &[
        "from",
        "time",
        "dimensions",
        "entity",
        "columns",
        "delimiter",
        "decimal",
        "thousands",
        "encoding",
        "null",
        "sheet",
        "header",
        "key",
        "valid_from",
        "valid_to",
        "lookup",
    ];
    /// The mapping form of a lookup (`{source: reps, on: owner_id}`).
    pub const LOOKUP: &[&str] = &["source", "on"];
    /// The mapping form of a source's `time` (`{column: closed_at, format: ".."}`).
    pub const TIME: &[&str] = &["column", "format"];
    /// The mapping form of a column (`{header: "Deal Amount", type: decimal}`).
    pub const COLUMN: &[&str] = &["header", "type", "expr"];
    /// The mapping form of a param (`{value: 50, override: true}`, `{required: true}`).
    pub const PARAM: &[&str] = &["value", "required", "override"];
    pub const METRIC: &[&str] = &[
        "value",
        "format",
        "unit",
        "description",
        "owner",
        "review",
        "override",
    ];
    pub const REVIEW: &[&str] = &["every", "last", "owner"];
    /// An aggregate funnel.
    pub const FUNNEL: &[&str] = &[
        "stages",
        "value",
        "format",
        "unit",
        "description",
        "owner",
        "review",
        "override",
    ];
    /// A journey funnel (recognised by any of `over`, `by`, `within`, `steps`).
    pub const JOURNEY: &[&str] = &[
        "over",
        "by",
        "within",
        "steps",
        "format",
        "unit",
        "description",
        "owner",
        "review",
        "override",
    ];
    pub const CHECK: &[&str] = &[
        "value",
        "per",
        "every",
        "warn",
        "fail",
        "format",
        "unit",
        "description",
        "owner",
        "review",
        "override",
    ];
}

/// Parse a whole YAML definitions file. Returns the items that were valid and every
/// diagnostic; never panics. An empty file is an empty [`File`].
pub fn parse_file(file: FileId, text: &str) -> (File, Vec<Diagnostic>) {
    let mut cx = cx::Cx::new(file, text);
    let items = match node::load(text) {
        Ok(root) => cx.document(&root),
        Err(e) => {
            let p = node::describe_error(&e);
            let span = match p.location {
                Some(l) => {
                    let at = match l.span().byte_offset() {
                        Some(o) => o as usize,
                        None => cx.offset_of(l.line(), l.column()),
                    };
                    let len = text
                        .get(at..)
                        .and_then(|r| r.chars().next())
                        .map_or(0, char::len_utf8);
                    cx.span_at(at, len)
                }
                None => cx.span_at(0, 0),
            };
            let mut d = Diagnostic::error("E0150", p.message).at(span, "here");
            if let Some(h) = p.help {
                d = d.with_help(h);
            }
            cx.push(d);
            Vec::new()
        }
    };
    (File { id: file, items }, cx.diags)
}
