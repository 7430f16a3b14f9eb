//! Expressions and conditions inside YAML scalars.
//!
//! An expression inside a YAML string is parsed by the DSL's own rules at the byte
//! offset where the string's text starts in the YAML file, so its spans (and the spans
//! of its errors) point at the exact token. When the file does not hold the value
//! literally (escapes in a quoted scalar, a folded or multi-line scalar), the spans
//! fall back to the whole scalar. YAML numbers and booleans become literals.

use super::cx::Cx;
use super::node::{Node, SNode};
use crate::diag::{Diagnostic, FileId, Span};
use crate::syntax::ast::*;
use crate::syntax::dsl;

impl Cx<'_> {
    /// An expression: a string in the expression language, a number, or a boolean.
    pub fn expr(&mut self, n: &SNode, what: &str) -> Option<Expr> {
        match &n.value {
            Node::Str(s) => {
                let s = s.clone();
                self.parse_at(n, &s, dsl::parse_expr_at, respan_expr)
            }
            Node::Int(v) => self.number(n, *v as f64),
            Node::UInt(v) => self.number(n, *v as f64),
            Node::Float(v) => self.number(n, *v),
            Node::Bool(b) => Some(Expr {
                kind: ExprKind::Bool(*b),
                span: self.span(n),
            }),
            _ => {
                self.wrong_type(n, what, "an expression");
                None
            }
        }
    }

    /// A threshold condition such as `< 0.5 * target` (a leading `when` is allowed).
    // The closure only forwards `dsl::parse_condition_at`'s own result type.
    #[allow(clippy::result_large_err)]
    pub fn condition(&mut self, n: &SNode, what: &str) -> Option<Condition> {
        let Node::Str(s) = &n.value else {
            let d = Diagnostic::error(
                "E0152",
                format!(
                    "{what} must be a condition such as `< 80%`, not {}",
                    n.value.describe()
                ),
            )
            .at(self.span(n), "expected a comparison and a threshold");
            self.push(d);
            return None;
        };
        let trimmed = s.trim_start();
        let rest = trimmed
            .strip_prefix("when")
            .filter(|r| r.starts_with(char::is_whitespace))
            .unwrap_or(trimmed);
        let skip = s.len() - rest.len();
        let s = s.clone();
        let mut cond = self.parse_at(
            n,
            &s,
            |text, file, at| dsl::parse_condition_at(&text[skip..], file, at + skip),
            respan_condition,
        )?;
        cond.span = cond.span.to(self.span(n));
        Some(cond)
    }

    /// Run a DSL parser on the text of a string scalar at its offset in the file.
    fn parse_at<T>(
        &mut self,
        n: &SNode,
        value: &str,
        parse: impl Fn(&str, FileId, usize) -> Result<T, Diagnostic>,
        respan: fn(&mut T, Span),
    ) -> Option<T> {
        let whole = self.span(n);
        let result = match self.content_at(n, value) {
            Some(at) => parse(value, self.file, at),
            None => parse(value, self.file, whole.start as usize)
                .map(|mut t| {
                    respan(&mut t, whole);
                    t
                })
                .map_err(|mut d| {
                    d.span = Some(whole);
                    d.secondary.clear();
                    d.with_note(
                        "the exact position inside this string is not shown: it has escapes or spans several lines",
                    )
                }),
        };
        match result {
            Ok(t) => Some(t),
            Err(d) => {
                self.push(d);
                None
            }
        }
    }

    /// A YAML number as a number literal (a negative one as `-` applied to it).
    fn number(&mut self, n: &SNode, value: f64) -> Option<Expr> {
        let r = self.range(n);
        if let Ok(e) = dsl::parse_expr_at(&self.text[r.clone()], self.file, r.start) {
            let literal = match &e.kind {
                ExprKind::Number { .. } => true,
                ExprKind::Unary(UnOp::Neg, x) => matches!(x.kind, ExprKind::Number { .. }),
                _ => false,
            };
            if literal {
                return Some(e);
            }
        }
        let span = self.span(n);
        if !value.is_finite() {
            let d = Diagnostic::error("E0105", format!("number `{}` is not finite", self.raw(n)))
                .at(span, "out of range")
                .with_help("numbers must fit a 64-bit float");
            self.push(d);
            return None;
        }
        let abs = value.abs();
        let lit = Expr {
            kind: ExprKind::Number {
                value: abs,
                text: format!("{abs}"),
            },
            span,
        };
        Some(if value < 0.0 {
            Expr {
                kind: ExprKind::Unary(UnOp::Neg, Box::new(lit)),
                span,
            }
        } else {
            lit
        })
    }
}

/// Point every span of an expression at `span` (iteratively: trees may be deep).
pub fn respan_expr(e: &mut Expr, span: Span) {
    let mut stack: Vec<&mut Expr> = vec![e];
    while let Some(e) = stack.pop() {
        e.span = span;
        match &mut e.kind {
            ExprKind::Duration(d) => d.span = span,
            ExprKind::Name(parts) => parts.iter_mut().for_each(|p| p.span = span),
            ExprKind::Unary(_, x) | ExprKind::IsNull(x, _) => stack.push(x),
            ExprKind::Binary(_, a, b) => {
                stack.push(a);
                stack.push(b);
            }
            ExprKind::In(x, items) => {
                stack.push(x);
                stack.extend(items.iter_mut());
            }
            ExprKind::Call(f, args) => {
                f.span = span;
                stack.extend(args.iter_mut());
            }
            ExprKind::Agg(a) => {
                let a = &mut **a;
                a.func_span = span;
                a.source.span = span;
                if let Some(c) = &mut a.column {
                    c.span = span;
                }
                stack.extend(a.expr.iter_mut());
                stack.extend(a.arg.iter_mut());
                stack.extend(a.filter.iter_mut());
            }
            ExprKind::Number { .. }
            | ExprKind::Percent { .. }
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::Date(_) => {}
        }
    }
}

fn respan_condition(c: &mut Condition, span: Span) {
    c.span = span;
    respan_expr(&mut c.rhs, span);
}
