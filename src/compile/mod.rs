//! AST -> checked evaluation graph: imports, names, params and profiles, lowering,
//! cycle detection, kinds and units, reviews.

mod cycles;
mod derived;
pub mod diff;
pub mod graph;
pub mod infer;
pub mod load;
mod lookups;
pub mod lower;
mod members;
pub mod resolve;
mod scripts;
pub mod settings;
pub mod show;
pub mod types;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::diag::{did_you_mean, Diagnostic, FileId, Span};
use crate::syntax::ast::{Expr, Item};

pub use graph::{Graph, NodeId};
pub use load::Loader;

use graph::*;
use resolve::Def;
use types::{Kind, Unit};

/// How to compile: the chosen profile, `--set` values, and whether every param must
/// have a value (evaluation needs one; a library checked alone may leave `required` open).
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub profile: Option<String>,
    /// `--set name=value` pairs, as typed.
    pub sets: Vec<(String, String)>,
    pub require_params: bool,
}

/// Names of metrics, params and funnel members to their nodes, with a fast hash.
pub type NameMap = HashMap<String, NodeId, foldhash::fast::RandomState>;
/// A set of nodes, with a fast hash.
pub type NodeSet = HashSet<NodeId, foldhash::fast::RandomState>;

/// Load `path` and everything it imports, and compile it.
pub fn compile_path(
    loader: &mut Loader,
    path: &Path,
    opts: &Options,
) -> (Option<Graph>, Vec<Diagnostic>) {
    let before = loader.diags.len();
    let Some(root) = loader.load(path, None) else {
        let diags = loader.diags.split_off(before);
        return (None, diags);
    };
    let mut diags = loader.diags.split_off(before);
    let (graph, more) = compile_root(loader, root, opts);
    diags.extend(more);
    let failed = diags.iter().any(|d| d.is_error());
    (if failed { None } else { Some(graph) }, diags)
}

/// Compile an already loaded root file. Diagnostics of parsing are in `loader.diags`.
pub fn compile_root(loader: &mut Loader, root: FileId, opts: &Options) -> (Graph, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let order = loader.closure(root);
    diags.append(&mut loader.diags);
    let mut closures: HashMap<FileId, HashSet<FileId>> = HashMap::new();
    for &f in &order {
        let mut set = HashSet::new();
        for &(_, child) in loader.imports_of(f) {
            set.insert(child);
            if let Some(c) = closures.get(&child) {
                set.extend(c.iter().copied());
            }
        }
        closures.insert(f, set);
    }
    let scripts = scripts::load(loader, &order, &mut diags);
    let files: Vec<&crate::syntax::ast::File> = order.iter().map(|&f| loader.ast(f)).collect();
    let scope = resolve::collect(&files, &closures, &mut diags);
    let mut graph = Graph {
        scripts,
        ..Graph::default()
    };
    settings::apply(&scope, &loader.map, &mut graph, &mut diags);
    let mut b = Build {
        graph,
        names: NameMap::default(),
        exprs: Vec::new(),
        diags,
    };
    b.declare(&scope);
    b.params(&scope, opts);
    b.lower_all(&scope);
    let workdays = b
        .graph
        .push_internal("__workdays", Formula::Workdays, Span::default());
    b.graph.workdays = Some(workdays);
    let days = b
        .graph
        .push_internal("__days", Formula::Days, Span::default());
    b.graph.days = Some(days);
    b.exprs.resize(b.graph.nodes.len(), None);
    let cyclic = cycles::report(&b.graph, &mut b.diags);
    b.infer(&scope, &cyclic);
    b.reviews(&scope);
    b.graph.infer_typing();
    if opts.require_params {
        b.require_params();
    }
    let names = std::mem::take(&mut b.names);
    b.graph.by_name = names
        .into_iter()
        .filter(|(_, id)| b.graph.node(*id).is_metric)
        .collect();
    let _ = files;
    (b.graph, b.diags)
}

struct Build<'a> {
    graph: Graph,
    names: NameMap,
    /// The user expression behind each node (for inference), if any.
    exprs: Vec<Option<&'a Expr>>,
    diags: Vec<Diagnostic>,
}

impl<'a> Build<'a> {
    fn add(
        &mut self,
        name: &str,
        kind: NodeKind,
        span: Span,
        is_metric: bool,
        expr: Option<&'a Expr>,
    ) -> NodeId {
        let id = NodeId(self.graph.nodes.len() as u32);
        self.graph.nodes.push(Node {
            name: name.to_string(),
            kind,
            span,
            unit: Unit::none(),
            value_kind: Kind::Num,
            meta: Meta::default(),
            is_metric,
            typing: Typing::default(),
        });
        self.exprs.push(expr);
        self.names.insert(name.to_string(), id);
        id
    }

    /// Create a node for every named definition, so references resolve in any order.
    fn declare(&mut self, scope: &resolve::Scope<'a>) {
        for entry in &scope.defs {
            match entry.def {
                Def::Param(p) => {
                    let id = self.add(
                        &p.name.name,
                        NodeKind::Param { value: None },
                        p.name.span,
                        false,
                        None,
                    );
                    self.graph.params.insert(p.name.name.clone(), id);
                }
                Def::Metric(m) => {
                    let id = self.add(
                        &m.name.name,
                        NodeKind::Formula(Formula::Const(Value::Null)),
                        m.name.span,
                        true,
                        Some(&m.expr),
                    );
                    let node = &mut self.graph.nodes[id.0 as usize];
                    node.meta = Meta {
                        format: m.attrs.format.map(|f| f.0),
                        description: m.attrs.description.as_ref().map(|d| d.value.clone()),
                        owner: m.attrs.owner.as_ref().map(|d| d.value.clone()),
                        overrides: entry.replaced,
                    };
                    self.graph.metric_order.push(id);
                }
                Def::Funnel(f) => members::declare_funnel(self, f),
                Def::Journey(j) => members::declare_journey(self, scope, j),
            }
        }
    }

    fn params(&mut self, scope: &resolve::Scope<'a>, opts: &Options) {
        let mut low_graph = std::mem::take(&mut self.graph);
        let mut diags = std::mem::take(&mut self.diags);
        {
            let mut l = lower::Lowerer::new(scope, &mut low_graph, &mut diags, &self.names);
            let mut values: Vec<(NodeId, Value)> = Vec::new();
            for entry in &scope.defs {
                if let Def::Param(p) = entry.def {
                    if let Some(e) = &p.value {
                        // A value that is not a constant was reported; it stands as null so
                        // the param does not also count as `required` without a value.
                        let v = l.constant(e).unwrap_or(Value::Null);
                        values.push((self.names[&p.name.name], v));
                    }
                }
            }
            for (id, v) in values {
                l.graph.nodes[id.0 as usize].kind = NodeKind::Param { value: Some(v) };
            }
            // Profiles: checked whether chosen or not; applied when chosen.
            let mut profiles: Vec<(&String, &&crate::syntax::ast::Profile)> =
                scope.profiles.iter().collect();
            profiles.sort_by_key(|(k, _)| k.as_str());
            for (pname, prof) in profiles {
                let mut sets = Vec::new();
                for (k, e) in &prof.sets {
                    match l.graph.params.get(&k.name).copied() {
                        Some(_) => {
                            if let Some(v) = l.constant(e) {
                                sets.push((k.name.clone(), v));
                            }
                        }
                        None => {
                            let names: Vec<&str> =
                                l.graph.params.keys().map(|s| s.as_str()).collect();
                            let mut d = Diagnostic::error(
                                "E0215",
                                format!(
                                    "profile `{pname}` sets `{}`, which is not a param",
                                    k.name
                                ),
                            )
                            .at(k.span, "not a param");
                            if let Some(h) = did_you_mean(&k.name, names) {
                                d = d.with_help(h);
                            }
                            l.diags.push(d);
                        }
                    }
                }
                l.graph.profiles.insert(pname.clone(), sets);
            }
            if let Some(p) = &opts.profile {
                match l.graph.profiles.get(p).cloned() {
                    Some(sets) => {
                        for (k, v) in sets {
                            let id = l.graph.params[&k];
                            l.graph.nodes[id.0 as usize].kind = NodeKind::Param { value: Some(v) };
                        }
                    }
                    None => {
                        let names: Vec<&str> =
                            l.graph.profiles.keys().map(|s| s.as_str()).collect();
                        let mut d = Diagnostic::error("E0207", format!("unknown profile `{p}`"))
                            .of_command_line();
                        d = d.with_help(match did_you_mean(p, names.iter().copied()) {
                            Some(h) => h,
                            None if names.is_empty() => {
                                "the definitions declare no profiles".into()
                            }
                            None => format!("profiles: {}", names.join(", ")),
                        });
                        l.diags.push(d);
                    }
                }
            }
            for (k, text) in &opts.sets {
                settings::apply_set(&mut l, k, text);
            }
        }
        self.graph = low_graph;
        self.diags = diags;
    }

    fn lower_all(&mut self, scope: &resolve::Scope<'a>) {
        let mut graph = std::mem::take(&mut self.graph);
        let mut diags = std::mem::take(&mut self.diags);
        let names = std::mem::take(&mut self.names);
        {
            let mut l = lower::Lowerer::new(scope, &mut graph, &mut diags, &names);
            l.derived_columns();
            for entry in &scope.defs {
                match entry.def {
                    Def::Metric(m) => {
                        let f = l.formula(&m.expr);
                        let id = names[&m.name.name];
                        l.graph.nodes[id.0 as usize].kind = NodeKind::Formula(f);
                    }
                    Def::Funnel(f) => members::lower_funnel(&mut l, &names, f),
                    Def::Journey(j) => members::lower_journey(&mut l, &names, scope, j),
                    Def::Param(_) => {}
                }
            }
            for (c, replaced) in &scope.checks {
                members::lower_check(&mut l, c, *replaced);
            }
        }
        self.graph = graph;
        self.diags = diags;
        self.names = names;
        while self.exprs.len() < self.graph.nodes.len() {
            self.exprs.push(None);
        }
    }

    fn infer(&mut self, scope: &resolve::Scope<'a>, cyclic: &NodeSet) {
        let order = self.graph.topo_order();
        let mut known: Vec<Option<(Kind, Unit)>> = vec![None; self.graph.nodes.len()];
        let currency = self.graph.settings.currency.clone();
        for id in order {
            if cyclic.contains(&id) {
                continue;
            }
            let i = id.0 as usize;
            let ku = {
                let node = &self.graph.nodes[i];
                match (&node.kind, self.exprs[i]) {
                    (NodeKind::Param { value }, _) => {
                        (value.as_ref().map_or(Kind::Any, |v| v.kind()), Unit::none())
                    }
                    (NodeKind::Aggregate(spec), _) => (
                        Kind::Num,
                        infer::agg_unit(&self.graph, spec, currency.as_deref()),
                    ),
                    (NodeKind::JourneyStep { .. }, _) => (Kind::Num, Unit::none()),
                    (NodeKind::Formula(_), Some(expr)) => {
                        let mut inf = infer::Infer {
                            graph: &self.graph,
                            names: &self.names,
                            known: &known,
                            currency: currency.as_deref(),
                            diags: Vec::new(),
                        };
                        let r = inf.expr(expr);
                        self.diags.extend(inf.diags);
                        r
                    }
                    (NodeKind::Formula(f), None) => (Kind::Num, members::unit_of(f, &known)),
                }
            };
            let (kind, unit) = self.declared_unit(scope, id, ku);
            let node = &mut self.graph.nodes[i];
            node.unit = unit.clone();
            node.value_kind = kind;
            if node.is_metric && !kind.fits(Kind::Num) {
                let (name, span) = (node.name.clone(), node.span);
                self.diags.push(
                    Diagnostic::error(
                        "E0404",
                        format!("metric `{name}` is a {}, not a number", kind.name()),
                    )
                    .at(span, "must be a number")
                    .with_help(
                        "a comparison is true/false; wrap it in `if(cond, 1, 0)` to count it",
                    ),
                );
            }
            known[i] = Some((kind, unit));
        }
        members::infer_checks(self, scope, &known);
    }

    /// Apply a metric's declared `unit`: adopted when the inferred one is dimensionless,
    /// an error (E0303) when it disagrees.
    fn declared_unit(
        &mut self,
        scope: &resolve::Scope<'a>,
        id: NodeId,
        (kind, unit): (Kind, Unit),
    ) -> (Kind, Unit) {
        let name = &self.graph.nodes[id.0 as usize].name;
        let Some(entry) = scope.get(name) else {
            return (kind, unit);
        };
        let Def::Metric(m) = entry.def else {
            return (kind, unit);
        };
        if !self.graph.nodes[id.0 as usize].is_metric || self.names.get(name) != Some(&id) {
            return (kind, unit);
        }
        let Some(decl) = &m.attrs.unit else {
            return (kind, unit);
        };
        let declared = Unit::named(&decl.name);
        if unit.is_none() || unit == declared {
            return (kind, declared);
        }
        self.diags.push(
            Diagnostic::error(
                "E0303",
                format!(
                    "metric `{}` is declared in `{declared}` but computes `{unit}`",
                    m.name.name
                ),
            )
            .at(decl.span, format!("declared `{declared}`"))
            .with_secondary(m.expr.span, format!("this is `{unit}`"))
            .with_help("fix the formula or the declared unit"),
        );
        (kind, unit)
    }

    fn reviews(&mut self, scope: &resolve::Scope<'a>) {
        for entry in &scope.defs {
            let (name, kind, attrs) = match entry.def {
                Def::Metric(m) => (&m.name, "metric", &m.attrs),
                Def::Funnel(f) => (&f.name, "funnel", &f.attrs),
                Def::Journey(j) => (&j.name, "funnel", &j.attrs),
                Def::Param(_) => continue,
            };
            settings::review(self, name, kind, attrs);
        }
        for (c, _) in &scope.checks {
            settings::review(self, &c.name, "check", &c.attrs);
        }
    }

    fn require_params(&mut self) {
        let mut missing: Vec<(String, Span)> = Vec::new();
        for (name, id) in &self.graph.params {
            let node = self.graph.node(*id);
            if matches!(node.kind, NodeKind::Param { value: None }) {
                missing.push((name.clone(), node.span));
            }
        }
        missing.sort_by_key(|(_, s)| (s.file, s.start));
        for (name, span) in missing {
            self.diags.push(
                Diagnostic::error("E0206", format!("param `{name}` is required but has no value"))
                    .at(span, "declared `required` here")
                    .with_help(format!("give it a value in the importing file (`param {name} = ..`), in a profile, or with `--set {name}=..`")),
            );
        }
    }
}

/// Files in `paths` that no other file in the set imports: each is compiled on its own.
pub fn roots(loader: &Loader, files: &[FileId]) -> Vec<FileId> {
    let imported: HashSet<FileId> = files
        .iter()
        .flat_map(|&f| loader.imports_of(f).iter().map(|(_, c)| *c))
        .collect();
    files
        .iter()
        .copied()
        .filter(|f| !imported.contains(f))
        .collect()
}

/// Whether an item list contains only imports and scripts.
pub fn is_empty_defs(items: &[Item]) -> bool {
    items
        .iter()
        .all(|i| matches!(i, Item::Import(_) | Item::Script(_)))
}
