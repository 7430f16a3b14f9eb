//! Collecting definitions across imports: duplicates vs `override`, params replaced by
//! importers, settings merged, profiles. Produces the [`Scope`] that lowering reads.

use std::collections::{HashMap, HashSet};

use crate::diag::{did_you_mean, Diagnostic, FileId, Span};
use crate::syntax::ast::*;

/// What a definition name refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefKind {
    Param,
    Metric,
    Funnel,
    Journey,
}

impl DefKind {
    pub fn word(self) -> &'static str {
        match self {
            DefKind::Param => "param",
            DefKind::Metric => "metric",
            DefKind::Funnel | DefKind::Journey => "funnel",
        }
    }
}

/// A definition, borrowed from the AST of the file that made it.
#[derive(Clone, Copy)]
pub enum Def<'a> {
    Param(&'a Param),
    Metric(&'a Metric),
    Funnel(&'a Funnel),
    Journey(&'a Journey),
}

impl<'a> Def<'a> {
    pub fn kind(&self) -> DefKind {
        match self {
            Def::Param(_) => DefKind::Param,
            Def::Metric(_) => DefKind::Metric,
            Def::Funnel(_) => DefKind::Funnel,
            Def::Journey(_) => DefKind::Journey,
        }
    }
    pub fn name(&self) -> &'a Ident {
        match self {
            Def::Param(p) => &p.name,
            Def::Metric(m) => &m.name,
            Def::Funnel(f) => &f.name,
            Def::Journey(j) => &j.name,
        }
    }
}

pub struct Entry<'a> {
    pub def: Def<'a>,
    pub file: FileId,
    /// The definition this one replaced.
    pub replaced: Option<Span>,
}

/// Every definition visible from the root, after imports and overrides.
#[derive(Default)]
pub struct Scope<'a> {
    /// Metrics, params and funnels share one namespace, in definition order.
    pub defs: Vec<Entry<'a>>,
    pub index: HashMap<String, usize, foldhash::fast::RandomState>,
    pub checks: Vec<(&'a Check, Option<Span>)>,
    check_index: HashMap<String, usize, foldhash::fast::RandomState>,
    pub sources: Vec<(&'a Source, FileId)>,
    pub calendars: Vec<&'a Calendar>,
    pub profiles: HashMap<String, &'a Profile>,
    pub settings: Settings,
    pub scripts: Vec<(&'a StrLit, FileId)>,
}

impl<'a> Scope<'a> {
    pub fn get(&self, name: &str) -> Option<&Entry<'a>> {
        self.index.get(name).map(|&i| &self.defs[i])
    }
    pub fn source(&self, name: &str) -> Option<usize> {
        self.sources.iter().position(|(s, _)| s.name.name == name)
    }
}

fn duplicate(what: &str, name: &Ident, old: Span) -> Diagnostic {
    Diagnostic::error("E0202", format!("{what} `{}` is defined twice", name.name))
        .at(name.span, "defined again here")
        .with_secondary(old, "first defined here")
        .with_help(if matches!(what, "metric" | "funnel" | "check" | "param") {
            format!(
                "rename one of them, or write `override {what} {} ..` (in YAML: `override: true`) to replace an imported definition on purpose",
                name.name
            )
        } else {
            format!("rename one of them; a {what} name must be unique")
        })
}

/// Build the scope from files in dependency order (imports first, root last).
/// `closures[f]` holds the files `f` imports, directly or not.
pub fn collect<'a>(
    files: &[&'a File],
    closures: &HashMap<FileId, HashSet<FileId>>,
    diags: &mut Vec<Diagnostic>,
) -> Scope<'a> {
    let mut s = Scope::default();
    for file in files {
        let fid = file.id;
        for item in &file.items {
            match item {
                Item::Import(_) => {}
                Item::Script(p) => s.scripts.push((p, fid)),
                Item::Settings(set) => merge_settings(&mut s.settings, set),
                Item::Calendar(c) => {
                    if let Some(old) = s.calendars.iter().find(|o| o.name.name == c.name.name) {
                        diags.push(duplicate("calendar", &c.name, old.name.span));
                    } else {
                        s.calendars.push(c);
                    }
                }
                Item::Source(src) => {
                    if let Some((old, _)) =
                        s.sources.iter().find(|(o, _)| o.name.name == src.name.name)
                    {
                        diags.push(duplicate("source", &src.name, old.name.span));
                    } else {
                        s.sources.push((src, fid));
                    }
                }
                Item::Profile(p) => {
                    // An importer's profile of the same name replaces the imported one.
                    let replaces = s.profiles.get(&p.name.name).map(|old| {
                        let imported = closures
                            .get(&fid)
                            .is_some_and(|c| c.contains(&old.name.span.file));
                        (imported, old.name.span)
                    });
                    match replaces {
                        Some((false, old)) => diags.push(duplicate("profile", &p.name, old)),
                        _ => {
                            s.profiles.insert(p.name.name.clone(), p);
                        }
                    }
                }
                Item::Param(p) => {
                    define(&mut s, Def::Param(p), p.is_override, fid, closures, diags)
                }
                Item::Metric(m) => {
                    define(&mut s, Def::Metric(m), m.is_override, fid, closures, diags)
                }
                Item::Funnel(f) => {
                    define(&mut s, Def::Funnel(f), f.is_override, fid, closures, diags)
                }
                Item::Journey(j) => {
                    define(&mut s, Def::Journey(j), j.is_override, fid, closures, diags)
                }
                Item::Check(c) => define_check(&mut s, c, diags),
            }
        }
    }
    s
}

fn merge_settings(into: &mut Settings, from: &Settings) {
    into.span = from.span;
    if from.timezone.is_some() {
        into.timezone = from.timezone.clone();
    }
    if from.week_start.is_some() {
        into.week_start = from.week_start.clone();
    }
    if from.currency.is_some() {
        into.currency = from.currency.clone();
    }
    if from.locale.is_some() {
        into.locale = from.locale.clone();
    }
    if from.calendar.is_some() {
        into.calendar = from.calendar.clone();
    }
    if from.review_required.is_some() {
        into.review_required = from.review_required;
    }
}

fn define<'a>(
    s: &mut Scope<'a>,
    def: Def<'a>,
    is_override: bool,
    file: FileId,
    closures: &HashMap<FileId, HashSet<FileId>>,
    diags: &mut Vec<Diagnostic>,
) {
    let name = def.name();
    match s.index.get(&name.name).copied() {
        Some(i) => {
            let old = &s.defs[i];
            let old_span = old.def.name().span;
            let imported = closures.get(&file).is_some_and(|c| c.contains(&old.file));
            let param_replace =
                def.kind() == DefKind::Param && old.def.kind() == DefKind::Param && imported;
            if old.def.kind() != def.kind()
                && !(matches!(old.def.kind(), DefKind::Funnel | DefKind::Journey)
                    && matches!(def.kind(), DefKind::Funnel | DefKind::Journey))
            {
                diags.push(
                    Diagnostic::error(
                        "E0202",
                        format!(
                            "`{}` is already defined as a {}",
                            name.name,
                            old.def.kind().word()
                        ),
                    )
                    .at(
                        name.span,
                        format!("defined again as a {}", def.kind().word()),
                    )
                    .with_secondary(old_span, "first defined here")
                    .with_help(
                        "metrics, params and funnels share one namespace; rename one of them",
                    ),
                );
            } else if is_override || param_replace {
                s.defs[i] = Entry {
                    def,
                    file,
                    replaced: Some(old_span),
                };
            } else {
                diags.push(duplicate(def.kind().word(), name, old_span));
            }
        }
        None if is_override => {
            let candidates: Vec<&str> = s.defs.iter().map(|e| e.def.name().name.as_str()).collect();
            let mut d = Diagnostic::error(
                "E0203",
                format!(
                    "`override {} {}` replaces nothing",
                    def.kind().word(),
                    name.name
                ),
            )
            .at(name.span, "no imported definition has this name");
            d = d.with_help(match did_you_mean(&name.name, candidates) {
                Some(h) => h,
                None => "drop `override` to define a new name, or import the file that defines it"
                    .into(),
            });
            diags.push(d);
            push_new(s, def, file);
        }
        None => push_new(s, def, file),
    }
}

fn push_new<'a>(s: &mut Scope<'a>, def: Def<'a>, file: FileId) {
    s.index.insert(def.name().name.clone(), s.defs.len());
    s.defs.push(Entry {
        def,
        file,
        replaced: None,
    });
}

fn define_check<'a>(s: &mut Scope<'a>, c: &'a Check, diags: &mut Vec<Diagnostic>) {
    match s.check_index.get(&c.name.name).copied() {
        Some(i) if c.is_override => {
            let old = s.checks[i].0.name.span;
            s.checks[i] = (c, Some(old));
        }
        Some(i) => diags.push(duplicate("check", &c.name, s.checks[i].0.name.span)),
        None => {
            if c.is_override {
                diags.push(
                    Diagnostic::error(
                        "E0203",
                        format!("`override check {}` replaces nothing", c.name.name),
                    )
                    .at(c.name.span, "no imported check has this name")
                    .with_help("drop `override` to define a new check"),
                );
            }
            s.check_index.insert(c.name.name.clone(), s.checks.len());
            s.checks.push((c, None));
        }
    }
}
