//! Diagnostics: source files, spans, the `Diagnostic` type, and its rendering
//! (code frames via annotate-snippets, JSON and GitHub annotations for tools).

use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Index of a file in a [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Span {
        Span {
            file,
            start: range.start as u32,
            end: range.end as u32,
        }
    }
    /// A span covering `self` through `other` (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

impl std::fmt::Debug for Span {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "@{}:{}..{}", self.file.0, self.start, self.end)
    }
}

/// One loaded source file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user gave it (or as resolved from an import), for display.
    pub path: PathBuf,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: String) -> SourceFile {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            path,
            text,
            line_starts,
        }
    }
    /// 1-based line and column (column counted in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let col = self.text[start..end].chars().count() + 1;
        (line + 1, col)
    }
    /// Byte offset of a 1-based line and column (column in characters).
    pub fn offset_of(&self, line: usize, col: usize) -> usize {
        if line == 0 || line > self.line_starts.len() {
            return self.text.len();
        }
        let start = self.line_starts[line - 1];
        let rest = &self.text[start..];
        rest.char_indices()
            .nth(col.saturating_sub(1))
            .map(|(i, _)| start + i)
            .unwrap_or(self.text.len())
    }
}

/// All source files of a run; spans index into it.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }
    pub fn add(&mut self, path: PathBuf, text: String) -> FileId {
        self.files.push(SourceFile::new(path, text));
        FileId(self.files.len() as u32 - 1)
    }
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }
    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| f.path == path)
            .map(|i| FileId(i as u32))
    }
    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// A secondary location shown in the code frame.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One problem found in a definition (or data file, or script).
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// `E0201` and so on; see the table in README.md.
    pub code: &'static str,
    pub message: String,
    /// Where the problem is; `None` for problems without a location (e.g. a missing file).
    pub span: Option<Span>,
    /// The text under the caret.
    pub label: String,
    pub secondary: Vec<Label>,
    pub help: Option<String>,
    pub notes: Vec<String>,
    /// About a command-line value (`--set`, `--profile`), not the definitions: the
    /// CLI treats it as a usage problem (exit 2).
    pub from_command_line: bool,
}

impl Diagnostic {
    /// Mark as being about a command-line value (see [`Diagnostic::from_command_line`]).
    pub fn of_command_line(mut self) -> Diagnostic {
        self.from_command_line = true;
        self
    }

    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span: None,
            label: String::new(),
            secondary: Vec::new(),
            help: None,
            notes: Vec::new(),
            from_command_line: false,
        }
    }
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }
    pub fn at(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.span = Some(span);
        self.label = label.into();
        self
    }
    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Collects diagnostics during a pass.
#[derive(Debug, Default)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.is_error())
    }
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }
}

/// "did you mean" suggestion: the closest candidate by edit distance, if close enough.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    // Jaro-Winkler is at most 0.6 * jaro + 0.4, so a score above 0.8 needs jaro above
    // 2/3, which needs m/|a| + m/|b| > 1 for m matching characters; m is at most the
    // characters the two names have in common. Candidates that cannot reach that are
    // skipped without computing the score (lists of thousands of names are common).
    let ascii = !name.is_empty() && name.is_ascii();
    let mut counts = [0u16; 128];
    if ascii {
        for b in name.bytes() {
            counts[b as usize] = counts[b as usize].saturating_add(1);
        }
    }
    let la = name.len();
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        if ascii && !c.is_empty() && c.is_ascii() {
            let lb = c.len();
            let mut used = [0u16; 128];
            let mut common = 0usize;
            for b in c.bytes() {
                let i = b as usize;
                if used[i] < counts[i] {
                    used[i] += 1;
                    common += 1;
                }
            }
            if common * (la + lb) < la * lb {
                continue;
            }
        }
        let score = strsim::jaro_winkler(name, c);
        // Ties go to the first name in sort order, so the hint does not depend on
        // the order of the candidates (often a hash map's).
        if score > 0.8 && best.is_none_or(|(s, b)| score > s || (score == s && c < b)) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| format!("did you mean `{c}`?"))
}

/// Where a diagnostic points: file path, and 1-based line:col of start and end.
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

pub fn locate(map: &SourceMap, span: Span) -> Location {
    let f = map.get(span.file);
    let (line, column) = f.line_col(span.start as usize);
    let (end_line, end_column) = f.line_col(span.end as usize);
    Location {
        file: f.path.display().to_string(),
        line,
        column,
        end_line,
        end_column,
    }
}

/// Render for a terminal (or plain text when `color` is false), rustc style.
pub fn render(map: &SourceMap, d: &Diagnostic, color: bool) -> String {
    use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let title = level.primary_title(d.message.as_str()).id(d.code);
    let mut groups: Vec<Group> = Vec::new();
    let mut group = match d.span {
        Some(span) => {
            let file = map.get(span.file);
            let path = file.path.display().to_string();
            let range = clamp(&file.text, span);
            // The renderer gets only the lines it shows (not the whole file, which
            // made rendering many diagnostics of a large file quadratic).
            let same_file = d.secondary.iter().filter(|l| l.span.file == span.file);
            let (lo, hi) = same_file.fold((range.start, range.end), |(lo, hi), l| {
                let r = clamp(&file.text, l.span);
                (lo.min(r.start), hi.max(r.end))
            });
            let (seg, first_line) = excerpt(file, lo, hi);
            let shift = |r: Range<usize>| r.start - seg.start..r.end - seg.start;
            let mut snippet = Snippet::source(&file.text[seg.clone()])
                .line_start(first_line)
                .path(path)
                .annotation(
                    AnnotationKind::Primary
                        .span(shift(range))
                        .label(d.label.as_str()),
                );
            let mut others: Vec<Snippet<_>> = Vec::new();
            for l in &d.secondary {
                let of = map.get(l.span.file);
                let r = clamp(&of.text, l.span);
                if l.span.file == span.file {
                    snippet = snippet.annotation(
                        AnnotationKind::Context
                            .span(shift(r))
                            .label(l.message.as_str()),
                    );
                } else {
                    let (oseg, oline) = excerpt(of, r.start, r.end);
                    let r = r.start - oseg.start..r.end - oseg.start;
                    others.push(
                        Snippet::source(&of.text[oseg])
                            .line_start(oline)
                            .path(of.path.display().to_string())
                            .annotation(AnnotationKind::Context.span(r).label(l.message.as_str())),
                    );
                }
            }
            let mut g = title.element(snippet);
            for o in others {
                g = g.element(o);
            }
            g
        }
        None => Group::with_title(title),
    };
    for n in &d.notes {
        group = group.element(Level::NOTE.message(n.as_str()));
    }
    if let Some(h) = &d.help {
        group = group.element(Level::HELP.message(h.as_str()));
    }
    groups.push(group);
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    renderer.render(&groups)
}

/// The whole lines of `file` that hold `lo..hi`: their byte range and the number of
/// the first.
fn excerpt(file: &SourceFile, lo: usize, hi: usize) -> (Range<usize>, usize) {
    let text = &file.text;
    let start = text[..lo].rfind('\n').map_or(0, |i| i + 1);
    let end = text[hi..].find('\n').map_or(text.len(), |i| hi + i);
    (start..end, file.line_col(start).0)
}

/// A span's byte range, inside `text` and on character boundaries (the renderer
/// slices the text with it).
fn clamp(text: &str, span: Span) -> Range<usize> {
    let mut end = (span.end as usize).min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    let mut start = (span.start as usize).min(end);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    start..end
}

/// Render all diagnostics as human text, followed by a summary line.
pub fn render_all(map: &SourceMap, diags: &[Diagnostic], color: bool) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&render(map, d, color));
        out.push_str("\n\n");
    }
    out
}

/// The stable JSON layout of DESIGN section 3 (`kpi check --format json`).
pub fn to_json(map: &SourceMap, diags: &[Diagnostic]) -> serde_json::Value {
    let items: Vec<serde_json::Value> = diags
        .iter()
        .map(|d| {
            let mut obj = serde_json::Map::new();
            obj.insert(
                "severity".into(),
                match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                }
                .into(),
            );
            obj.insert("code".into(), d.code.into());
            obj.insert("message".into(), d.message.clone().into());
            match d.span {
                Some(span) => {
                    let l = locate(map, span);
                    obj.insert("file".into(), l.file.into());
                    obj.insert("line".into(), l.line.into());
                    obj.insert("column".into(), l.column.into());
                    obj.insert("end_line".into(), l.end_line.into());
                    obj.insert("end_column".into(), l.end_column.into());
                }
                None => {
                    for k in ["file", "line", "column", "end_line", "end_column"] {
                        obj.insert(k.into(), serde_json::Value::Null);
                    }
                }
            }
            obj.insert(
                "help".into(),
                d.help
                    .clone()
                    .map(Into::into)
                    .unwrap_or(serde_json::Value::Null),
            );
            serde_json::Value::Object(obj)
        })
        .collect();
    serde_json::Value::Array(items)
}

/// GitHub Actions workflow commands (`::error file=..,line=..::msg`).
pub fn to_github(map: &SourceMap, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut msg = format!("{} {}", d.code, d.message);
        if let Some(h) = &d.help {
            msg.push_str(" (");
            msg.push_str(h);
            msg.push(')');
        }
        let msg = msg
            .replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A");
        match d.span {
            Some(span) => {
                let l = locate(map, span);
                let _ = writeln!(
                    out,
                    "::{kind} file={},line={},col={},endLine={},endColumn={},title={}::{msg}",
                    l.file, l.line, l.column, l.end_line, l.end_column, d.code
                );
            }
            None => {
                let _ = writeln!(out, "::{kind} title={}::{msg}", d.code);
            }
        }
    }
    out
}

/// SARIF 2.1.0 (code scanning): one run, a rule per code, a result per diagnostic.
pub fn to_sarif(map: &SourceMap, diags: &[Diagnostic]) -> serde_json::Value {
    let mut codes: Vec<&str> = diags.iter().map(|d| d.code).collect();
    codes.sort();
    codes.dedup();
    let rules: Vec<serde_json::Value> = codes
        .iter()
        .map(|c| {
            let first = diags.iter().find(|d| d.code == *c).map(|d| d.message.clone()).unwrap_or_default();
            serde_json::json!({"id": c, "shortDescription": {"text": first}, "helpUri": "https://crates.io/crates/kpi"})
        })
        .collect();
    let results: Vec<serde_json::Value> = diags
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(h) = &d.help {
                text.push_str(&format!(" (help: {h})"));
            }
            let mut r = serde_json::json!({
                "ruleId": d.code,
                "level": if d.is_error() { "error" } else { "warning" },
                "message": {"text": text},
            });
            if let Some(span) = d.span {
                let l = locate(map, span);
                r["locations"] = serde_json::json!([{
                    "physicalLocation": {
                        "artifactLocation": {"uri": l.file.replace('\\', "/")},
                        "region": {"startLine": l.line, "startColumn": l.column, "endLine": l.end_line, "endColumn": l.end_column}
                    }
                }]);
            }
            r
        })
        .collect();
    serde_json::json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {"name": "kpi", "version": env!("CARGO_PKG_VERSION"), "rules": rules}},
            "results": results
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    /// Equally close names: the hint is the first in sort order, whatever order the
    /// candidates come in.
    #[test]
    fn did_you_mean_breaks_ties_by_name() {
        let names = ["m1491", "m14919", "m1499", "calls"];
        let forward = did_you_mean("m149", names.iter().copied());
        let backward = did_you_mean("m149", names.iter().rev().copied());
        assert_eq!(forward, backward);
        assert_eq!(forward.as_deref(), Some("did you mean `m1491`?"));
        assert_eq!(did_you_mean("m149", ["calls"]), None);
    }
}
