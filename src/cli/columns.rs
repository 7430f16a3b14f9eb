//! `kpi check`: the columns the definitions use, checked against the header of each
//! source's `from` file when it is readable, so that a typo is an error at its use
//! (file:line:col, "did you mean") rather than a failure of `kpi eval` later.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::compile::load::normalize;
use crate::compile::Loader;
use crate::diag::{did_you_mean, Diagnostic};
use crate::syntax::ast::{Expr, ExprKind, Ident, Item};

/// A column named somewhere: the source it belongs to, and the name with its span.
struct Use<'a> {
    source: &'a str,
    column: &'a Ident,
}

fn filter_columns<'a>(source: &'a str, e: &'a Expr, out: &mut Vec<Use<'a>>) {
    match &e.kind {
        ExprKind::Name(parts) if parts.len() == 1 => out.push(Use {
            source,
            column: &parts[0],
        }),
        ExprKind::Unary(_, a) | ExprKind::IsNull(a, _) => filter_columns(source, a, out),
        ExprKind::Binary(_, a, b) => {
            filter_columns(source, a, out);
            filter_columns(source, b, out);
        }
        ExprKind::In(a, items) => {
            filter_columns(source, a, out);
            items.iter().for_each(|i| filter_columns(source, i, out));
        }
        ExprKind::Call(_, args) => args.iter().for_each(|a| filter_columns(source, a, out)),
        _ => {}
    }
}

/// The `source.column` names of an aggregation's row expression.
fn row_columns<'a>(source: &'a str, e: &'a Expr, out: &mut Vec<Use<'a>>) {
    match &e.kind {
        ExprKind::Name(parts) if parts.len() == 2 && parts[0].name == source => out.push(Use {
            source,
            column: &parts[1],
        }),
        ExprKind::Unary(_, a) | ExprKind::IsNull(a, _) => row_columns(source, a, out),
        ExprKind::Binary(_, a, b) => {
            row_columns(source, a, out);
            row_columns(source, b, out);
        }
        ExprKind::In(a, items) => {
            row_columns(source, a, out);
            items.iter().for_each(|i| row_columns(source, i, out));
        }
        ExprKind::Call(_, args) => args.iter().for_each(|a| row_columns(source, a, out)),
        _ => {}
    }
}

fn expr_columns<'a>(e: &'a Expr, out: &mut Vec<Use<'a>>) {
    match &e.kind {
        ExprKind::Agg(a) => {
            let src = a.source.name.as_str();
            if let Some(x) = &a.expr {
                row_columns(src, x, out);
            }
            if let Some(c) = &a.column {
                out.push(Use {
                    source: src,
                    column: c,
                });
            }
            if let Some(f) = &a.filter {
                filter_columns(src, f, out);
            }
        }
        ExprKind::Unary(_, a) => expr_columns(a, out),
        ExprKind::Binary(_, a, b) => {
            expr_columns(a, out);
            expr_columns(b, out);
        }
        ExprKind::In(a, items) => {
            expr_columns(a, out);
            items.iter().for_each(|i| expr_columns(i, out));
        }
        ExprKind::Call(_, args) => args.iter().for_each(|a| expr_columns(a, out)),
        _ => {}
    }
}

/// Every column use in `items` (sources' own entries, aggregations, filters, journeys).
fn uses(items: &[Item]) -> Vec<Use<'_>> {
    let mut out = Vec::new();
    for item in items {
        match item {
            Item::Source(s) => {
                let src = s.name.name.as_str();
                let own = s
                    .time
                    .iter()
                    .chain(&s.dimensions)
                    .chain(s.entity.iter())
                    .chain(
                        s.columns
                            .iter()
                            .filter(|c| c.expr.is_none())
                            .map(|c| &c.name),
                    );
                out.extend(own.map(|c| Use {
                    source: src,
                    column: c,
                }));
                for x in s.columns.iter().filter_map(|c| c.expr.as_ref()) {
                    filter_columns(src, x, &mut out);
                }
            }
            Item::Metric(m) => expr_columns(&m.expr, &mut out),
            Item::Funnel(f) => {
                f.stages.iter().for_each(|(_, e)| expr_columns(e, &mut out));
                if let Some(v) = &f.value {
                    expr_columns(v, &mut out);
                }
            }
            Item::Journey(j) => {
                let src = j.over.name.as_str();
                out.push(Use {
                    source: src,
                    column: &j.by,
                });
                j.steps
                    .iter()
                    .for_each(|(_, e)| filter_columns(src, e, &mut out));
            }
            Item::Check(c) => {
                expr_columns(&c.expr, &mut out);
                for cond in c.warn.iter().chain(&c.fail) {
                    expr_columns(&cond.rhs, &mut out);
                }
            }
            _ => {}
        }
    }
    out
}

/// The diagnostics of every loaded file: each column a definition uses that the
/// header of its source's readable `from` file does not have.
pub fn check(loader: &Loader) -> Vec<Diagnostic> {
    // Source name -> its data file, from every loaded file (paths relative to it).
    let mut files: HashMap<&str, (PathBuf, crate::data::ReadOptions)> = HashMap::new();
    // Source name -> its derived columns (not in the file).
    let mut derived: HashMap<&str, Vec<&str>> = HashMap::new();
    let ids: Vec<_> = loader.map.files().map(|(id, _)| id).collect();
    for &id in &ids {
        let Some(ast) = loader.try_ast(id) else {
            continue;
        };
        let dir = loader
            .map
            .get(id)
            .path
            .parent()
            .unwrap_or(Path::new(""))
            .to_path_buf();
        for item in &ast.items {
            if let Item::Source(s) = item {
                derived.entry(s.name.name.as_str()).or_default().extend(
                    s.columns
                        .iter()
                        .filter(|c| c.expr.is_some())
                        .map(|c| c.name.name.as_str()),
                );
                if let Some(from) = &s.from {
                    files.entry(s.name.name.as_str()).or_insert_with(|| {
                        (
                            normalize(&dir.join(&from.value)),
                            crate::compile::settings::source_read_options(s),
                        )
                    });
                }
            }
        }
    }
    let mut headers: HashMap<&str, Option<Vec<String>>> = HashMap::new();
    let mut out = Vec::new();
    for &id in &ids {
        let Some(ast) = loader.try_ast(id) else {
            continue;
        };
        for u in uses(&ast.items) {
            let Some((path, read)) = files.get(u.source) else {
                continue;
            };
            let header = headers
                .entry(u.source)
                .or_insert_with(|| crate::data::scan::header(path, read).ok());
            let Some(names) = header else { continue };
            let name = u.column.name.as_str();
            if derived.get(u.source).is_some_and(|d| d.contains(&name)) {
                continue;
            }
            if names.iter().any(|n| n == name || n.trim() == name) {
                continue;
            }
            let help = did_you_mean(name, names.iter().map(String::as_str))
                .unwrap_or_else(|| format!("its columns: {}", names.join(", ")));
            out.push(
                Diagnostic::error(
                    "E0233",
                    format!(
                        "source `{}` has no column `{name}` in `{}`",
                        u.source,
                        path.display()
                    ),
                )
                .at(u.column.span, "not a column of the source's file")
                .with_help(help),
            );
        }
    }
    out
}
