//! Lookup sources (dimension tables, DESIGN 5.2): a source with `key` and no `time`,
//! optionally with validity columns; fact sources name them with `lookup NAME [on
//! COLUMN]` and gain their dimensions. Resolved and checked here, once every source
//! is known.

use crate::diag::{did_you_mean, Diagnostic};
use crate::syntax::ast;

use super::graph::{Graph, LookupDef};
use super::resolve::Scope;

/// Check every lookup source and resolve every `lookup` entry into its fact source's
/// [`LookupDef`]s.
pub fn resolve(scope: &Scope, graph: &mut Graph, diags: &mut Vec<Diagnostic>) {
    for (src, _) in &scope.sources {
        check_lookup_source(src, diags);
    }
    for (i, (src, _)) in scope.sources.iter().enumerate() {
        let mut defs: Vec<LookupDef> = Vec::new();
        for l in &src.lookups {
            if let Some(d) = lookup_def(scope, graph, src, l, &defs, diags) {
                defs.push(d);
            }
        }
        graph.sources[i].lookups = defs;
    }
}

/// A lookup source's own rules: no `time`; validity columns only with a `key`, and
/// `valid_to` only with `valid_from`; no lookups of its own.
fn check_lookup_source(src: &ast::Source, diags: &mut Vec<Diagnostic>) {
    let Some(key) = &src.key else {
        for v in src.valid_from.iter().chain(&src.valid_to) {
            diags.push(
                Diagnostic::error(
                    "E0414",
                    format!(
                        "source `{}` has validity columns but no `key`",
                        src.name.name
                    ),
                )
                .at(v.span, "only lookups have validity")
                .with_help("a lookup (dimension table) names its key column: `key rep`"),
            );
        }
        return;
    };
    if let Some(t) = &src.time {
        diags.push(
            Diagnostic::error("E0414", format!("lookup source `{}` has a `time` column", src.name.name))
                .at(t.span, "a lookup has no event time")
                .with_secondary(key.span, "a lookup because of its key")
                .with_help("a lookup's rows are valid over periods: use `valid_from`/`valid_to` columns instead of `time`"),
        );
    }
    if let (Some(to), None) = (&src.valid_to, &src.valid_from) {
        diags.push(
            Diagnostic::error("E0414", "`valid_to` without `valid_from`")
                .at(to.span, "no start")
                .with_help(
                    "name the column of each row's first valid day: `valid_from start_date`",
                ),
        );
    }
    if let Some(l) = src.lookups.first() {
        diags.push(
            Diagnostic::error(
                "E0414",
                format!(
                    "lookup source `{}` looks up `{}`",
                    src.name.name, l.source.name
                ),
            )
            .at(l.source.span, "lookups do not chain")
            .with_help(
                "give the lookup the columns it needs, or look both up from the fact source",
            ),
        );
    }
}

/// One `lookup NAME [on COLUMN]` of fact source `src`, resolved and checked.
fn lookup_def(
    scope: &Scope,
    graph: &Graph,
    src: &ast::Source,
    l: &ast::LookupRef,
    before: &[LookupDef],
    diags: &mut Vec<Diagnostic>,
) -> Option<LookupDef> {
    let Some(s) = scope.source(&l.source.name) else {
        let names = scope.sources.iter().map(|(s, _)| s.name.name.as_str());
        let mut d = Diagnostic::error("E0204", format!("unknown source `{}`", l.source.name))
            .at(l.source.span, "no source of this name");
        if let Some(h) = did_you_mean(&l.source.name, names) {
            d = d.with_help(h);
        }
        diags.push(d);
        return None;
    };
    let (lsrc, _) = scope.sources[s];
    let Some(key) = &lsrc.key else {
        diags.push(
            Diagnostic::error("E0414", format!("`{}` is not a lookup source", l.source.name))
                .at(l.source.span, "it has no `key`")
                .with_secondary(lsrc.name.span, "declared here")
                .with_help(format!(
                    "a lookup names its key column: `source {} {{ key rep  dimensions team }}`; to combine two fact sources, use metrics of each",
                    l.source.name
                )),
        );
        return None;
    };
    let def = &graph.sources[s];
    if let (Some(v), None) = (&lsrc.valid_from, &src.time) {
        diags.push(
            Diagnostic::error(
                "E0414",
                format!(
                    "lookup `{}` has validity, but `{}` has no `time` to choose the valid row by",
                    l.source.name, src.name.name
                ),
            )
            .at(l.source.span, "looked up here")
            .with_secondary(v.span, "valid from this column")
            .with_help(format!(
                "declare the event time of `{}` (`time ts`), or drop the lookup's validity",
                src.name.name
            )),
        );
        return None;
    }
    for d in &def.dimensions {
        if src.dimensions.iter().any(|x| x.name == *d) {
            diags.push(
                Diagnostic::error(
                    "E0414",
                    format!(
                        "dimension `{d}` is both `{}`'s own and its lookup `{}`'s",
                        src.name.name, l.source.name
                    ),
                )
                .at(l.source.span, "gives it too")
                .with_help(format!(
                    "drop `{d}` from one of the two sources' `dimensions`"
                )),
            );
            return None;
        }
        if let Some(other) = before.iter().find(|b| b.dims.contains(d)) {
            diags.push(
                Diagnostic::error(
                    "E0414",
                    format!(
                        "dimension `{d}` comes from two lookups of `{}`: `{}` and `{}`",
                        src.name.name, graph.sources[other.source].name, l.source.name
                    ),
                )
                .at(l.source.span, "gives it again")
                .with_help("each dimension must come from one place"),
            );
            return None;
        }
    }
    Some(LookupDef {
        source: s,
        name: l.source.name.clone(),
        on: l
            .on
            .as_ref()
            .map_or_else(|| key.name.clone(), |o| o.name.clone()),
        dims: def.dimensions.clone(),
    })
}
