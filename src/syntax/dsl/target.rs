//! The first argument of an aggregation: `source`, `source.column`, or a row
//! expression over one source's columns (`sum(orders.qty * orders.unit_price)`).

use crate::diag::Diagnostic;
use crate::syntax::ast::{AggFunc, Expr, ExprKind, Ident};

/// `count(activities where ..)` or `sum(activities.amount where ..)`: how the first
/// argument of aggregation `agg` is written.
pub(super) fn target_example(agg: AggFunc, name: &str) -> String {
    if agg == AggFunc::Count {
        "for example `count(activities where type == \"call\")`".to_string()
    } else {
        format!(
            "for example `{name}(activities.amount where type == \"deal_won\")` or `{name}(orders.qty * orders.unit_price)`"
        )
    }
}

/// The one source a row expression (an aggregation's first argument) reads: its
/// columns are written `source.column`, all of the same source.
pub(super) fn row_source(e: &Expr, agg: AggFunc, name: &str) -> Result<Ident, Diagnostic> {
    fn walk<'e>(e: &'e Expr, out: &mut Vec<&'e [Ident]>) {
        match &e.kind {
            ExprKind::Name(parts) => out.push(parts),
            ExprKind::Unary(_, a) | ExprKind::IsNull(a, _) => walk(a, out),
            ExprKind::Binary(_, a, b) => {
                walk(a, out);
                walk(b, out);
            }
            ExprKind::In(a, items) => {
                walk(a, out);
                items.iter().for_each(|i| walk(i, out));
            }
            ExprKind::Call(_, args) => args.iter().for_each(|a| walk(a, out)),
            _ => {}
        }
    }
    let mut names = Vec::new();
    walk(e, &mut names);
    let mut source: Option<&Ident> = None;
    for parts in names {
        match parts {
            [_] => {} // a param: a constant
            [s, _] => match source {
                None => source = Some(s),
                Some(first) if first.name != s.name => {
                    return Err(Diagnostic::error(
                        "E0411",
                        format!(
                            "an aggregation's expression reads two sources, `{}` and `{}`",
                            first.name, s.name
                        ),
                    )
                    .at(s.span, "a second source")
                    .with_secondary(first.span, "the first")
                    .with_help("one aggregation sees one row of one source at a time; aggregate each source separately and combine the metrics: `sum(a.x) * sum(b.y)`"));
                }
                Some(_) => {}
            },
            _ => {
                let span = parts[0].span.to(parts[parts.len() - 1].span);
                return Err(Diagnostic::error(
                    "E0405",
                    "a column in an aggregation is written `source.column`",
                )
                .at(span, "too many parts"));
            }
        }
    }
    source.cloned().ok_or_else(|| {
        Diagnostic::error(
            "E0405",
            format!("`{name}` needs a source, a `source.column` or an expression over one source's columns as its first argument"),
        )
        .at(e.span, "no `source.column` in here")
        .with_help(target_example(agg, name))
    })
}
