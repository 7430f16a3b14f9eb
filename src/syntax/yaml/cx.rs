//! The builder's context: spans of YAML nodes in the file, validation of mappings
//! against their keys, and the conversions of scalars into names, strings, dates and
//! durations (expressions are in the sibling module `exprs`).

use std::ops::Range;
use std::path::PathBuf;

use super::node::{Node, SNode};
use crate::diag::{did_you_mean, Diagnostic, FileId, SourceFile, Span};
use crate::syntax::ast::*;
use crate::syntax::dsl;

/// Words the DSL reserves; they cannot be names.
use crate::syntax::lexicon::RESERVED;

/// Converts YAML nodes into AST pieces, collecting diagnostics.
pub struct Cx<'t> {
    pub file: FileId,
    pub(super) text: &'t str,
    src: SourceFile,
    pub diags: Vec<Diagnostic>,
}

/// The entries of a mapping with a fixed set of keys, validated.
pub struct Fields<'n> {
    /// (key name, key node, value node), in document order, without duplicates.
    pub entries: Vec<(&'static str, &'n SNode, &'n SNode)>,
}

impl<'n> Fields<'n> {
    pub fn get(&self, key: &str) -> Option<&'n SNode> {
        self.entries
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, _, v)| *v)
    }
    /// The span from the key through the end of its value (for attribute spans).
    pub fn key_node(&self, key: &str) -> Option<&'n SNode> {
        self.entries
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, k, _)| *k)
    }
}

impl<'t> Cx<'t> {
    pub fn new(file: FileId, text: &'t str) -> Cx<'t> {
        Cx {
            file,
            text,
            src: SourceFile::new(PathBuf::new(), text.to_string()),
            diags: Vec::new(),
        }
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Byte offset of a 1-based line and column (in characters).
    pub fn offset_of(&self, line: u64, column: u64) -> usize {
        self.src.offset_of(line as usize, column as usize)
    }

    /// A span of `len` bytes at `offset`, clamped to the text.
    pub fn span_at(&self, offset: usize, len: usize) -> Span {
        let mut start = offset.min(self.text.len());
        while !self.text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = start.saturating_add(len).min(self.text.len());
        while !self.text.is_char_boundary(end) {
            end += 1;
        }
        Span::new(self.file, start..end)
    }

    /// The byte range of a node's own text: a scalar without trailing blanks, or the
    /// first token of a collection (`[`, `{`, or nothing for block collections). For
    /// an alias this is the anchored node, where the text is.
    pub fn range(&self, n: &SNode) -> Range<usize> {
        self.loc_range(n.defined)
    }

    fn loc_range(&self, loc: serde_saphyr::Location) -> Range<usize> {
        let sp = loc.span();
        let (start, len) = match (sp.byte_offset(), sp.byte_len()) {
            (Some(o), Some(l)) => (o as usize, l as usize),
            _ => (self.offset_of(loc.line(), loc.column()), 0),
        };
        let mut start = start.min(self.text.len());
        while !self.text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = start.saturating_add(len).min(self.text.len());
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let trimmed = self.text[start..end].trim_end().len();
        start..start + trimmed
    }

    pub fn span(&self, n: &SNode) -> Span {
        Span::new(self.file, self.range(n))
    }

    /// The span of a node and everything nested in it, where it is written: an alias
    /// or a merged entry is only its reference (`*a`, `<<: *a`), and a flow
    /// collection includes its closing bracket.
    pub fn extent(&self, n: &SNode) -> Span {
        if n.referenced != n.defined {
            return Span::new(self.file, self.loc_range(n.referenced));
        }
        let mut span = self.span(n);
        let close = match &n.value {
            Node::Seq(items) => {
                for i in items {
                    span = span.to(self.extent(i));
                }
                ']'
            }
            Node::Map(entries) => {
                for (k, v) in entries {
                    span = span.to(self.extent(k)).to(self.extent(v));
                }
                '}'
            }
            _ => return span,
        };
        let flow = self.text[span.start as usize..].starts_with(['[', '{']);
        let after = span.end as usize;
        let rest = &self.text[after..];
        let gap = rest.len() - rest.trim_start().len();
        if flow && rest[gap..].starts_with(close) {
            span.end = (after + gap + 1) as u32;
        }
        span
    }

    /// The raw text of a scalar as written in the file.
    pub fn raw(&self, n: &SNode) -> &'t str {
        &self.text[self.range(n)]
    }

    /// Where `value` starts in the file, if the file holds it literally at the node
    /// (plain scalars, and quoted scalars without escapes).
    pub(super) fn content_at(&self, n: &SNode, value: &str) -> Option<usize> {
        let start = self.range(n).start;
        let rest = &self.text[start..];
        if rest.starts_with(value) {
            return Some(start);
        }
        let quoted = rest.starts_with('"') || rest.starts_with('\'');
        (quoted && rest[1..].starts_with(value)).then_some(start + 1)
    }

    /// The text of a scalar used as a key or name (non-strings as written).
    pub fn key_text(&self, n: &SNode) -> String {
        match &n.value {
            Node::Str(s) => s.clone(),
            Node::Seq(_) | Node::Map(_) => String::new(),
            _ => self.raw(n).to_string(),
        }
    }

    /// "expected X, found Y" (E0152).
    pub fn wrong_type(&mut self, n: &SNode, what: &str, expected: &str) {
        let d = Diagnostic::error(
            "E0152",
            format!("{what} must be {expected}, not {}", n.value.describe()),
        )
        .at(self.extent(n), format!("expected {expected}"));
        self.push(d);
    }

    /// A required key is missing (E0153).
    pub fn missing(&mut self, at: Span, key: &str, what: &str, example: &str) {
        let d = Diagnostic::error("E0153", format!("missing key `{key}` in {what}"))
            .at(at, format!("`{key}` is required here"))
            .with_help(format!("add `{key}: {example}`"));
        self.push(d);
    }

    /// Validate a mapping's keys against `keys`: each unknown key (E0151) and each
    /// duplicate key (E0154) is a diagnostic at its own line and column.
    pub fn fields<'n>(
        &mut self,
        n: &'n SNode,
        keys: &'static [&'static str],
        what: &str,
    ) -> Option<Fields<'n>> {
        let entries: &'n [(SNode, SNode)] = match &n.value {
            Node::Map(entries) => entries,
            Node::Null => &[],
            _ => {
                self.wrong_type(n, what, "a mapping");
                return None;
            }
        };
        let mut fields = Fields {
            entries: Vec::new(),
        };
        for (k, v) in entries {
            let name = self.key_text(k);
            match keys.iter().find(|key| **key == name) {
                Some(key) => {
                    if let Some(first) = fields.key_node(key) {
                        let d =
                            Diagnostic::error("E0154", format!("duplicate key `{name}` in {what}"))
                                .at(self.span(k), "given again here")
                                .with_secondary(self.span(first), "first given here")
                                .with_help("remove one of them");
                        self.push(d);
                    } else {
                        fields.entries.push((key, k, v));
                    }
                }
                None => self.unknown_key(k, &name, keys, what),
            }
        }
        Some(fields)
    }

    fn unknown_key(&mut self, k: &SNode, name: &str, keys: &[&str], what: &str) {
        let valid = format!("valid keys: {}", keys.join(", "));
        let help = match did_you_mean(name, keys.iter().copied()) {
            Some(hint) => format!("{hint} {valid}"),
            None => valid,
        };
        let d = Diagnostic::error("E0151", format!("unknown key `{name}` in {what}"))
            .at(self.span(k), "unknown key")
            .with_help(help);
        self.push(d);
    }

    /// The entries of a mapping of named items (`metrics:`, `params:` ..); `None` and
    /// an error if the node is not a mapping. An empty value is no entries.
    pub fn named<'n>(&mut self, n: &'n SNode, what: &str) -> Vec<&'n (SNode, SNode)> {
        match &n.value {
            Node::Map(entries) => entries.iter().collect(),
            Node::Null => Vec::new(),
            _ => {
                self.wrong_type(n, what, "a mapping of names");
                Vec::new()
            }
        }
    }

    /// A list, or a single scalar standing for a list of one; nothing is empty.
    pub fn list<'n>(&mut self, n: &'n SNode, what: &str) -> Vec<&'n SNode> {
        match &n.value {
            Node::Seq(items) => items.iter().collect(),
            Node::Null => Vec::new(),
            Node::Map(_) => {
                self.wrong_type(n, what, "a list");
                Vec::new()
            }
            _ => vec![n],
        }
    }

    /// Ordered `name: value` pairs: a list of single-key mappings (`- touches: ..`),
    /// or a mapping.
    pub fn pairs<'n>(&mut self, n: &'n SNode, what: &str) -> Vec<(&'n SNode, &'n SNode)> {
        match &n.value {
            Node::Map(entries) => entries.iter().map(|(k, v)| (k, v)).collect(),
            Node::Null => Vec::new(),
            Node::Seq(items) => {
                let mut out = Vec::new();
                for item in items {
                    match &item.value {
                        Node::Map(entries) if entries.len() == 1 => {
                            out.push((&entries[0].0, &entries[0].1));
                        }
                        _ => {
                            let d = Diagnostic::error(
                                "E0152",
                                format!("each entry of {what} must be one `name: value` pair"),
                            )
                            .at(self.extent(item), "expected `name: value`")
                            .with_help(format!(
                                "write {what} as a list of single-key mappings, e.g. `{}`",
                                match what {
                                    "`steps`" => "- visit: type == \"visit\"",
                                    "`columns`" => "- amount: decimal",
                                    _ => "- touches: calls + emails",
                                }
                            ));
                            self.push(d);
                        }
                    }
                }
                out
            }
            _ => {
                self.wrong_type(n, what, "a list of `name: value` pairs");
                Vec::new()
            }
        }
    }

    /// A name that is used (source, column, dimension, unit ..): `[A-Za-z_][A-Za-z0-9_]*`.
    pub fn ident(&mut self, n: &SNode, what: &str) -> Option<Ident> {
        let Node::Str(s) = &n.value else {
            self.wrong_type(n, what, "a name");
            return None;
        };
        if !is_ident(s) {
            let d = Diagnostic::error("E0152", format!("{what} must be a name, not `{s}`"))
                .at(self.span(n), "not a name")
                .with_help("names are letters, digits and `_`, starting with a letter or `_`");
            self.push(d);
            return None;
        }
        Some(self.ident_unchecked(n, s))
    }

    fn ident_unchecked(&self, n: &SNode, s: &str) -> Ident {
        let span = match self.content_at(n, s) {
            Some(at) => Span::new(self.file, at..at + s.len()),
            None => self.span(n),
        };
        Ident {
            name: s.to_string(),
            span,
        }
    }

    /// A name that defines something (a key under `metrics:` ..): `[a-z_][a-z0-9_]*`.
    pub fn def_name(&mut self, n: &SNode) -> Option<Ident> {
        if matches!(n.value, Node::Seq(_) | Node::Map(_)) {
            self.wrong_type(n, "a key", "a name");
            return None;
        }
        let s = self.key_text(n);
        let valid = is_ident(&s) && !s.chars().any(|c| c.is_ascii_uppercase());
        if !valid {
            let mut d = Diagnostic::error("E0107", format!("invalid name `{s}`"))
                .at(self.span(n), "not a valid name");
            let lower = s.to_ascii_lowercase();
            d = if is_ident(&lower) {
                d.with_help(format!(
                    "names are lowercase; write `{}`",
                    dsl::snake_case(&s)
                ))
            } else if RESERVED.contains(&s.as_str()) {
                d.with_help(format!("`{s}` is a reserved word"))
            } else {
                d.with_help(
                    "names are lowercase letters, digits and `_`, starting with a letter or `_`",
                )
            };
            self.push(d);
            return None;
        }
        Some(self.ident_unchecked(n, &s))
    }

    /// A string (paths, descriptions, owners, zones); other scalars count as written.
    pub fn str_lit(&mut self, n: &SNode, what: &str) -> Option<StrLit> {
        let value = match &n.value {
            Node::Str(s) => s.clone(),
            Node::Bool(_) | Node::Int(_) | Node::UInt(_) | Node::Float(_) => {
                self.raw(n).to_string()
            }
            _ => {
                self.wrong_type(n, what, "a string");
                return None;
            }
        };
        Some(StrLit {
            value,
            span: self.span(n),
        })
    }

    pub fn bool(&mut self, n: &SNode, what: &str) -> Option<bool> {
        match n.value {
            Node::Bool(b) => Some(b),
            _ => {
                self.wrong_type(n, what, "true or false");
                None
            }
        }
    }

    /// A `YYYY-MM-DD` date (E0105 if it is not a calendar date).
    pub fn date(&mut self, n: &SNode, what: &str) -> Option<DateLit> {
        let Node::Str(s) = &n.value else {
            self.wrong_type(n, what, "a date (YYYY-MM-DD)");
            return None;
        };
        let span = self.span(n);
        let shaped = s.len() == 10
            && s.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        match s.parse::<jiff::civil::Date>() {
            Ok(value) if shaped => Some(DateLit { value, span }),
            _ => {
                let d = Diagnostic::error("E0105", format!("invalid date `{s}`"))
                    .at(span, "not a calendar date")
                    .with_help("dates are YYYY-MM-DD with a real month and day");
                self.push(d);
                None
            }
        }
    }

    /// A duration such as `30d`, `2w`, `6h`.
    pub fn duration(&mut self, n: &SNode, what: &str) -> Option<DurationLit> {
        let s = match &n.value {
            Node::Str(s) if is_duration(s) => s,
            _ => {
                self.wrong_type(n, what, "a duration such as `30d`, `2w` or `6h`");
                return None;
            }
        };
        let span = self.span(n);
        let (num, unit) = s.split_at(s.len() - 1);
        let amount = match num.parse::<i64>() {
            Ok(a) if a <= 1_000_000 => a,
            _ => {
                let d = Diagnostic::error("E0105", format!("duration `{s}` is too large"))
                    .at(span, "out of range")
                    .with_help("durations are at most 1000000 units");
                self.push(d);
                return None;
            }
        };
        let unit = match unit {
            "h" => DurationUnit::Hours,
            "w" => DurationUnit::Weeks,
            _ => DurationUnit::Days,
        };
        Some(DurationLit { amount, unit, span })
    }
}

pub use crate::syntax::lexicon::is_ident;

/// `[0-9]+[dwh]`
pub fn is_duration(s: &str) -> bool {
    s.len() >= 2
        && s.ends_with(['d', 'w', 'h'])
        && s[..s.len() - 1].bytes().all(|b| b.is_ascii_digit())
}
