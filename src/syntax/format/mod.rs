//! Canonical printers: `.kpi` text (for `kpi fmt` and `kpi convert --to kpi`) and
//! YAML (for `kpi convert --to yaml`). Expressions print with the fewest parentheses
//! that keep their meaning; number literals keep their spelling.

pub mod dsl;
pub mod yaml;

use super::ast::*;

/// Precedence of a printed node (higher binds tighter).
fn prec(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary(op, ..) => op.precedence(),
        ExprKind::Unary(UnOp::Not, _) => 3,
        ExprKind::In(..) | ExprKind::IsNull(..) => 4,
        ExprKind::Unary(UnOp::Neg, _) => 7,
        _ => 9,
    }
}

/// A string literal with `"` and `\` escaped.
pub fn quote(s: &str) -> String {
    format!(
        "\"{}\"",
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\t', "\\t")
    )
}

/// An expression as canonical text.
pub fn expr(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(e, 0, &mut out);
    out
}

fn write_child(e: &Expr, min: u8, out: &mut String) {
    if prec(e) < min {
        out.push('(');
        write_expr(e, 0, out);
        out.push(')');
    } else {
        write_expr(e, min, out);
    }
}

fn write_expr(e: &Expr, _outer: u8, out: &mut String) {
    match &e.kind {
        ExprKind::Number { text, .. } => out.push_str(text),
        ExprKind::Percent { text, .. } => {
            out.push_str(text);
            out.push('%');
        }
        ExprKind::Str(s) => out.push_str(&quote(s)),
        ExprKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ExprKind::Date(d) => out.push_str(&d.to_string()),
        ExprKind::Duration(d) => out.push_str(&format!("{}{}", d.amount, d.suffix())),
        ExprKind::Name(parts) => {
            let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
            out.push_str(&names.join("."));
        }
        ExprKind::Unary(UnOp::Neg, a) => {
            out.push('-');
            write_child(a, 7, out);
        }
        ExprKind::Unary(UnOp::Not, a) => {
            out.push_str("not ");
            write_child(a, 4, out);
        }
        ExprKind::Binary(op, a, b) => {
            let p = op.precedence();
            // Comparisons do not chain: both sides bind tighter.
            let left = if op.is_comparison() { p + 1 } else { p };
            write_child(a, left, out);
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            write_child(b, p + 1, out);
        }
        ExprKind::IsNull(a, negated) => {
            write_child(a, 5, out);
            out.push_str(if *negated { " is not null" } else { " is null" });
        }
        ExprKind::In(a, items) => {
            write_child(a, 5, out);
            out.push_str(" in [");
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(it, 0, out);
            }
            out.push(']');
        }
        ExprKind::Call(f, args) => {
            out.push_str(&f.name);
            out.push('(');
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(a, 0, out);
            }
            out.push(')');
        }
        ExprKind::Agg(a) => {
            out.push_str(a.func.name());
            out.push('(');
            match &a.expr {
                Some(e) => write_expr(e, 0, out),
                None => out.push_str(&a.source.name),
            }
            if let Some(c) = &a.column {
                out.push('.');
                out.push_str(&c.name);
            }
            if let Some(arg) = &a.arg {
                out.push_str(", ");
                write_expr(arg, 0, out);
            }
            if let Some(f) = &a.filter {
                out.push_str(" where ");
                write_expr(f, 0, out);
            }
            out.push(')');
        }
    }
}

/// A threshold condition: `< 0.5 * target`.
pub fn condition(c: &Condition) -> String {
    format!("{} {}", c.op.symbol(), expr(&c.rhs))
}

/// A review rule's text after `review`: `every quarter last 2026-09-30 owner "x"`.
pub fn review(r: &Review) -> String {
    let every = match &r.every {
        ReviewEvery::Grain(g) => g.name.clone(),
        ReviewEvery::Duration(d) => format!("{}{}", d.amount, d.suffix()),
    };
    let mut s = format!("every {every} last {}", r.last.value);
    if let Some(o) = &r.owner {
        s.push_str(&format!(" owner {}", quote(&o.value)));
    }
    s
}

/// The Debug text of an AST without its spans (`@file:start..end`), to compare two
/// parses of differently laid out text.
pub fn without_spans(debug: &str) -> String {
    let b = debug.as_bytes();
    let mut out = String::with_capacity(debug.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'@' {
            let mut j = i + 1;
            let digits = |j: &mut usize| {
                let s = *j;
                while *j < b.len() && b[*j].is_ascii_digit() {
                    *j += 1;
                }
                *j > s
            };
            if digits(&mut j) && b.get(j) == Some(&b':') {
                j += 1;
                if digits(&mut j) && debug[j..].starts_with("..") {
                    j += 2;
                    if digits(&mut j) {
                        i = j;
                        continue;
                    }
                }
            }
        }
        let c = debug[i..].chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    out
}

/// Items grouped by section in the order of the YAML form (within a section the
/// order is kept), as text without spans.
fn by_section(items: &[Item]) -> Vec<String> {
    let rank = |i: &Item| match i {
        Item::Import(_) => 0,
        Item::Script(_) => 1,
        Item::Settings(_) => 2,
        Item::Calendar(_) => 3,
        Item::Source(_) => 4,
        Item::Param(_) => 5,
        Item::Metric(_) => 6,
        Item::Funnel(_) | Item::Journey(_) => 7,
        Item::Check(_) => 8,
        Item::Profile(_) => 9,
    };
    let mut v: Vec<(u8, String)> = items
        .iter()
        .map(|i| (rank(i), without_spans(&format!("{i:?}"))))
        .collect();
    v.sort_by_key(|(r, _)| *r);
    v.into_iter().map(|(_, s)| s).collect()
}

/// Whether two parsed files mean the same: equal apart from spans, file ids, and the
/// order of different kinds of items (which the YAML form groups by section).
pub fn same_meaning(a: &File, b: &File) -> bool {
    by_section(&a.items) == by_section(&b.items)
}
