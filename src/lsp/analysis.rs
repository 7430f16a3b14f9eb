//! One open document compiled as a root, the way `kpi check` compiles it (with the
//! editor's unsaved buffers instead of the disk), and an index of every name written
//! in the files it loads: what hover, navigation and completion read.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::compile::{self, Graph, Loader};
use crate::data::period::civil_from_day;
use crate::diag::{Diagnostic, FileId, Span};
use crate::syntax::ast::{Expr, ExprKind, Ident, Item};

use super::text::{uri_of, LineIndex};

/// What a name refers to: names of different kinds never meet.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Ns {
    /// Metrics, params and funnels (one namespace).
    Value,
    /// A funnel member, `outbound.meetings` (the full dotted name).
    Member,
    Source,
    /// A column of the named source.
    Column(String),
    Check,
    Profile,
    Calendar,
    /// The file an `import` or `script` names.
    File(PathBuf),
}

/// One name written in a file: a definition or a use.
#[derive(Clone, Debug)]
pub struct Occ {
    pub span: Span,
    pub ns: Ns,
    pub name: String,
    pub def: bool,
}

/// Checks of the command line that need more than the compiler (the columns the
/// definitions use against the header of each source's data file).
pub type ExtraChecks = fn(&Loader) -> Vec<Diagnostic>;

/// A compiled document.
pub struct Analysis {
    pub path: PathBuf,
    pub loader: Loader,
    pub root: Option<FileId>,
    pub graph: Graph,
    /// The files loaded, imports before importers, the root last.
    pub order: Vec<FileId>,
    /// Every name written in each loaded file, in text order.
    pub occs: HashMap<FileId, Vec<Occ>>,
    /// The diagnostics, by the file they point into, ready for the client.
    pub diags: Vec<(PathBuf, lsp_types::Diagnostic)>,
}

/// The inputs of an analysis.
pub struct Input<'a> {
    pub path: &'a Path,
    /// Unsaved buffers: (path, text).
    pub overlays: &'a [(PathBuf, &'a str)],
    /// Whether params declared `required` must have a value (the document is not
    /// imported by another open document).
    pub require_params: bool,
    /// Day number reviews are judged against.
    pub today: i32,
    pub extra: Option<ExtraChecks>,
}

pub fn analyze(input: &Input) -> Analysis {
    let mut loader = Loader::new();
    for (p, t) in input.overlays {
        loader.preload(p, t.to_string());
    }
    let root = loader.load(input.path, None);
    let mut diags: Vec<Diagnostic> = Vec::new();
    if let Some(extra) = input.extra {
        diags.extend(extra(&loader));
    }
    let mut graph = Graph::default();
    let mut order = Vec::new();
    if let Some(root) = root {
        let opts = compile::Options {
            require_params: input.require_params,
            ..Default::default()
        };
        let (g, more) = compile::compile_root(&mut loader, root, &opts);
        diags.extend(more);
        reviews(&g, input.today, &mut diags);
        graph = g;
        order = loader.closure(root);
        // `closure` reports an import cycle again: it is in `diags` already.
        loader.diags.clear();
    }
    diags.append(&mut loader.diags);
    let mut seen = HashSet::new();
    diags.retain(|d| seen.insert((d.code, d.span, d.message.clone())));
    let occs = index(&loader, &order);
    let diags = convert(&loader, root, input.path, &diags);
    Analysis {
        path: input.path.to_path_buf(),
        loader,
        root,
        graph,
        order,
        occs,
        diags,
    }
}

/// The review warnings of `kpi check` (W0501, W0502).
fn reviews(graph: &Graph, today: i32, diags: &mut Vec<Diagnostic>) {
    for r in &graph.reviews {
        if r.status(today) == "overdue" {
            let (y, m, d) = civil_from_day(r.due());
            diags.push(
                Diagnostic::warning(
                    "W0501",
                    format!("review of {} `{}` is overdue", r.kind, r.name),
                )
                .at(r.span, format!("was due {y:04}-{m:02}-{d:02}"))
                .with_help("review the definition, then update `last` to the review date"),
            );
        }
    }
    if graph.settings.review_required {
        for (name, kind, span) in &graph.unreviewed {
            diags.push(
                Diagnostic::warning("W0502", format!("{kind} `{name}` has no review rule"))
                    .at(*span, "unreviewed")
                    .with_help(
                        "settings require reviews: add `review every quarter last YYYY-MM-DD`",
                    ),
            );
        }
    }
}

/// Diagnostics as the client wants them: one file each, UTF-16 ranges, secondary
/// labels, help and notes as related information.
fn convert(
    loader: &Loader,
    root: Option<FileId>,
    root_path: &Path,
    diags: &[Diagnostic],
) -> Vec<(PathBuf, lsp_types::Diagnostic)> {
    use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString};
    let mut lines: HashMap<FileId, LineIndex> = HashMap::new();
    let mut locate = |span: Span| -> (PathBuf, lsp_types::Range) {
        let file = loader.map.get(span.file);
        let idx = lines
            .entry(span.file)
            .or_insert_with(|| LineIndex::new(&file.text));
        (
            file.path.clone(),
            idx.range(span.start as usize, span.end as usize),
        )
    };
    let mut out = Vec::new();
    for d in diags {
        let (path, range) = match d.span {
            Some(s) if (s.file.0 as usize) < loader.map.files().count() => locate(s),
            _ => (
                root.map_or(root_path.to_path_buf(), |r| loader.map.get(r).path.clone()),
                lsp_types::Range::default(),
            ),
        };
        let mut related = Vec::new();
        for l in &d.secondary {
            let (p, r) = locate(l.span);
            related.push(DiagnosticRelatedInformation {
                location: Location::new(uri_of(&p), r),
                message: l.message.clone(),
            });
        }
        let here = Location::new(uri_of(&path), range);
        for n in &d.notes {
            related.push(DiagnosticRelatedInformation {
                location: here.clone(),
                message: format!("note: {n}"),
            });
        }
        if let Some(h) = &d.help {
            related.push(DiagnosticRelatedInformation {
                location: here.clone(),
                message: format!("help: {h}"),
            });
        }
        out.push((
            path,
            lsp_types::Diagnostic {
                range,
                severity: Some(if d.is_error() {
                    DiagnosticSeverity::ERROR
                } else {
                    DiagnosticSeverity::WARNING
                }),
                code: Some(NumberOrString::String(d.code.to_string())),
                source: Some("kpi".into()),
                message: d.message.clone(),
                related_information: (!related.is_empty()).then_some(related),
                ..Default::default()
            },
        ));
    }
    out
}

/// Names of the loaded files' funnels, sources and params: what a dotted or bare
/// name in an expression can mean.
struct Known<'a> {
    funnels: HashSet<&'a str>,
    sources: HashSet<&'a str>,
    params: HashSet<&'a str>,
}

fn index(loader: &Loader, order: &[FileId]) -> HashMap<FileId, Vec<Occ>> {
    let mut known = Known {
        funnels: HashSet::new(),
        sources: HashSet::new(),
        params: HashSet::new(),
    };
    for &f in order {
        let Some(ast) = loader.try_ast(f) else {
            continue;
        };
        for item in &ast.items {
            match item {
                Item::Funnel(x) => {
                    known.funnels.insert(&x.name.name);
                }
                Item::Journey(x) => {
                    known.funnels.insert(&x.name.name);
                }
                Item::Source(x) => {
                    known.sources.insert(&x.name.name);
                }
                Item::Param(x) => {
                    known.params.insert(&x.name.name);
                }
                _ => {}
            }
        }
    }
    let mut out = HashMap::new();
    for &f in order {
        let Some(ast) = loader.try_ast(f) else {
            continue;
        };
        let dir = loader
            .map
            .get(f)
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut w = Walker {
            known: &known,
            out: Vec::new(),
        };
        for item in &ast.items {
            w.item(item, &dir);
        }
        w.out.sort_by_key(|o| (o.span.start, o.span.end));
        out.insert(f, w.out);
    }
    out
}

struct Walker<'k, 'a> {
    known: &'k Known<'a>,
    out: Vec<Occ>,
}

impl Walker<'_, '_> {
    fn push(&mut self, id: &Ident, ns: Ns, def: bool) {
        self.push_name(id.span, &id.name, ns, def);
    }

    fn push_name(&mut self, span: Span, name: &str, ns: Ns, def: bool) {
        self.out.push(Occ {
            span,
            ns,
            name: name.to_string(),
            def,
        });
    }

    fn item(&mut self, item: &Item, dir: &Path) {
        match item {
            Item::Import(s) | Item::Script(s) => {
                let p = compile::load::normalize(&dir.join(&s.value));
                self.push_name(s.span, &s.value, Ns::File(p), false);
            }
            Item::Settings(s) => {
                if let Some(c) = &s.calendar {
                    self.push(c, Ns::Calendar, false);
                }
            }
            Item::Calendar(c) => self.push(&c.name, Ns::Calendar, true),
            Item::Source(s) => {
                let src = s.name.name.clone();
                self.push(&s.name, Ns::Source, true);
                let col = || Ns::Column(src.clone());
                for id in s
                    .time
                    .iter()
                    .chain(&s.dimensions)
                    .chain(&s.entity)
                    .chain(&s.key)
                    .chain(&s.valid_from)
                    .chain(&s.valid_to)
                {
                    self.push(id, col(), true);
                }
                for c in &s.columns {
                    self.push(&c.name, col(), true);
                    if let Some(e) = &c.expr {
                        self.expr(e, Some(&src));
                    }
                }
                for l in &s.lookups {
                    self.push(&l.source, Ns::Source, false);
                    if let Some(on) = &l.on {
                        self.push(on, col(), false);
                    }
                }
            }
            Item::Param(p) => {
                self.push(&p.name, Ns::Value, true);
                if let Some(e) = &p.value {
                    self.expr(e, None);
                }
            }
            Item::Metric(m) => {
                self.push(&m.name, Ns::Value, true);
                self.expr(&m.expr, None);
            }
            Item::Funnel(f) => {
                self.push(&f.name, Ns::Value, true);
                for (stage, e) in &f.stages {
                    let full = format!("{}.{}", f.name.name, stage.name);
                    self.push_name(stage.span, &full, Ns::Member, true);
                    self.expr(e, None);
                }
                if let Some(v) = &f.value {
                    self.expr(v, None);
                }
            }
            Item::Journey(j) => {
                self.push(&j.name, Ns::Value, true);
                self.push(&j.over, Ns::Source, false);
                self.push(&j.by, Ns::Column(j.over.name.clone()), false);
                for (step, e) in &j.steps {
                    let full = format!("{}.{}", j.name.name, step.name);
                    self.push_name(step.span, &full, Ns::Member, true);
                    self.expr(e, Some(&j.over.name));
                }
            }
            Item::Check(c) => {
                self.push(&c.name, Ns::Check, true);
                self.expr(&c.expr, None);
                for cond in c.warn.iter().chain(&c.fail) {
                    self.expr(&cond.rhs, None);
                }
            }
            Item::Profile(p) => {
                self.push(&p.name, Ns::Profile, true);
                for (k, e) in &p.sets {
                    self.push(k, Ns::Value, false);
                    self.expr(e, None);
                }
            }
        }
    }

    /// The names of an expression; `columns` is the source whose columns bare names
    /// are (inside `where` and derived columns).
    fn expr(&mut self, e: &Expr, columns: Option<&str>) {
        match &e.kind {
            ExprKind::Name(parts) => match parts.as_slice() {
                [one] => match columns {
                    Some(src) if !self.known.params.contains(one.name.as_str()) => {
                        self.push(one, Ns::Column(src.to_string()), false)
                    }
                    _ => self.push(one, Ns::Value, false),
                },
                [a, b, ..] if self.known.funnels.contains(a.name.as_str()) => {
                    self.push(a, Ns::Value, false);
                    let full = format!("{}.{}", a.name, b.name);
                    self.push_name(b.span, &full, Ns::Member, false);
                }
                [a, b, ..] if self.known.sources.contains(a.name.as_str()) => {
                    self.push(a, Ns::Source, false);
                    self.push(b, Ns::Column(a.name.clone()), false);
                }
                [a, ..] => self.push(a, Ns::Value, false),
                [] => {}
            },
            ExprKind::Unary(_, a) | ExprKind::IsNull(a, _) => self.expr(a, columns),
            ExprKind::Binary(_, a, b) => {
                self.expr(a, columns);
                self.expr(b, columns);
            }
            ExprKind::In(a, items) => {
                self.expr(a, columns);
                for i in items {
                    self.expr(i, columns);
                }
            }
            ExprKind::Call(_, args) => {
                for a in args {
                    self.expr(a, columns);
                }
            }
            ExprKind::Agg(agg) => {
                let src = agg.source.name.clone();
                self.push(&agg.source, Ns::Source, false);
                if let Some(c) = &agg.column {
                    self.push(c, Ns::Column(src.clone()), false);
                }
                if let Some(x) = &agg.expr {
                    self.expr(x, Some(&src));
                }
                if let Some(x) = &agg.arg {
                    self.expr(x, None);
                }
                if let Some(x) = &agg.filter {
                    self.expr(x, Some(&src));
                }
            }
            ExprKind::Number { .. }
            | ExprKind::Percent { .. }
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::Date(_)
            | ExprKind::Duration(_) => {}
        }
    }
}

impl Analysis {
    /// The loaded file at `path`.
    pub fn file(&self, path: &Path) -> Option<FileId> {
        self.loader.file_id(path)
    }

    /// The name written at byte `offset` of `file` (a cursor just after a name counts).
    pub fn occ_at(&self, file: FileId, offset: usize) -> Option<&Occ> {
        let occs = self.occs.get(&file)?;
        let offset = offset as u32;
        let i = occs.partition_point(|o| o.span.end < offset);
        occs[i..]
            .iter()
            .take_while(|o| o.span.start <= offset)
            .find(|o| o.span.start <= offset && offset <= o.span.end)
    }

    /// The effective definition of a name: the last one in load order (an
    /// `override` comes after what it replaces).
    pub fn definition(&self, ns: &Ns, name: &str) -> Option<&Occ> {
        self.order
            .iter()
            .rev()
            .filter_map(|f| self.occs.get(f))
            .find_map(|occs| {
                occs.iter()
                    .rev()
                    .find(|o| o.def && o.ns == *ns && o.name == name)
            })
    }

    /// Every occurrence of a name in the loaded files.
    pub fn occurrences<'s>(&'s self, ns: &'s Ns, name: &'s str) -> impl Iterator<Item = &'s Occ> {
        self.order
            .iter()
            .filter_map(|f| self.occs.get(f))
            .flat_map(|o| o.iter())
            .filter(move |o| o.ns == *ns && o.name == name)
    }

    /// The path and text of a loaded file.
    pub fn source(&self, id: FileId) -> (&Path, &str) {
        let f = self.loader.map.get(id);
        (&f.path, &f.text)
    }

    /// Whether the analysis loaded `path`.
    pub fn includes(&self, path: &Path) -> bool {
        self.order
            .iter()
            .any(|&f| self.loader.map.get(f).path == path)
    }
}
