//! The `.kpi` front-end: pest parser for `grammar/kpi.pest` -> AST.
//!
//! Parsing is item by item, so a syntax error in one item does not hide the errors
//! of the items after it. Nesting depth and expression size are bounded before pest
//! or the AST builder recurse (see [`MAX_NESTING`] and [`MAX_EXPR_TOKENS`]).

use std::sync::LazyLock;

use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser as _;

use super::ast::*;
use crate::diag::{Diagnostic, FileId, Span};

mod build;
mod errors;
pub(crate) mod fast;
mod target;

use build::*;
use errors::*;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/kpi.pest"]
struct KpiParser;

/// Deepest allowed nesting of parentheses and brackets.
pub const MAX_NESTING: usize = 64;
/// Most tokens allowed in one expression.
pub const MAX_EXPR_TOKENS: usize = 20_000;
/// Deepest expression tree allowed. The compiler and evaluator walk expression trees
/// recursively; without this bound a long chain such as `a + a + .. + a` (a left-deep
/// tree) or `- - .. - a` overflows an 8 MiB stack long before [`MAX_EXPR_TOKENS`].
pub const MAX_EXPR_DEPTH: usize = 500;

use super::lexicon::ITEM_KEYWORDS;

static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::or, Assoc::Left))
        .op(Op::infix(Rule::and, Assoc::Left))
        .op(Op::prefix(Rule::not))
        .op(Op::infix(Rule::eq, Assoc::Left)
            | Op::infix(Rule::ne, Assoc::Left)
            | Op::infix(Rule::lt, Assoc::Left)
            | Op::infix(Rule::le, Assoc::Left)
            | Op::infix(Rule::gt, Assoc::Left)
            | Op::infix(Rule::ge, Assoc::Left)
            | Op::postfix(Rule::in_list)
            | Op::postfix(Rule::is_null))
        .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
        .op(Op::infix(Rule::mul, Assoc::Left) | Op::infix(Rule::div, Assoc::Left))
        .op(Op::prefix(Rule::neg))
});

/// Parse a whole `.kpi` file. Returns the items that parsed and every diagnostic.
pub fn parse_file(file: FileId, text: &str) -> (File, Vec<Diagnostic>) {
    parse_file_impl(file, text, true)
}

/// [`parse_file`] without the fast path: every item through pest. For tests that
/// compare the two.
#[doc(hidden)]
pub fn parse_file_with_pest(file: FileId, text: &str) -> (File, Vec<Diagnostic>) {
    parse_file_impl(file, text, false)
}

/// Every item of `text` through the fast path only: `None` if any item needs pest.
/// For tests that check the fast path is taken.
#[doc(hidden)]
pub fn parse_file_fast_only(file: FileId, text: &str) -> Option<File> {
    if check_nesting(text, file, 0).is_some() {
        return None;
    }
    let mut items = Vec::new();
    let mut pos = skip_trivia(text, 0);
    while pos < text.len() {
        let (item, end) = fast::item(file, text, pos)?;
        items.push(item);
        pos = skip_trivia(text, end);
    }
    Some(File { id: file, items })
}

/// From this size on, the two halves of a file are parsed on two threads.
const PARALLEL_PARSE_BYTES: usize = 512 << 10;

/// The first line at or after `at` that starts with a letter (most likely an
/// item's first line), if any.
fn line_start_after(text: &str, at: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = at;
    loop {
        i += memchr::memchr(b'\n', b.get(i..)?)? + 1;
        if b.get(i).is_some_and(u8::is_ascii_alphabetic) {
            return Some(i);
        }
    }
}

fn parse_file_impl(file: FileId, text: &str, fast: bool) -> (File, Vec<Diagnostic>) {
    if let Some(d) = check_nesting(text, file, 0) {
        return (
            File {
                id: file,
                items: Vec::new(),
            },
            vec![d],
        );
    }
    let start = skip_trivia(text, 0);
    // A large file is cut at an item's first line near its middle and the halves
    // are parsed at once. The cut holds if the first half's last item ends right
    // at it (a multi-line item could continue at the start of a line); otherwise
    // the rest is parsed after the first half, as on one thread.
    if let Some(mid) = (text.len() >= PARALLEL_PARSE_BYTES)
        .then(|| line_start_after(text, text.len() / 2))
        .flatten()
    {
        let second = || parse_items(file, text, mid, text.len(), fast);
        let (first, rest) = std::thread::scope(|s| {
            // As large a stack as the thread that runs the command (src/cli/mod.rs).
            let h = std::thread::Builder::new()
                .stack_size(256 << 20)
                .spawn_scoped(s, second);
            let first = parse_items(file, text, start, mid, fast);
            (first, h.ok().map(|h| h.join()))
        });
        let (mut items, mut diags, reached) = first;
        let rest = match rest {
            Some(Ok(r)) if reached == mid => r,
            Some(Err(p)) => std::panic::resume_unwind(p),
            _ => parse_items(file, text, reached, text.len(), fast),
        };
        items.extend(rest.0);
        diags.extend(rest.1);
        return (File { id: file, items }, diags);
    }
    let (items, diags, _) = parse_items(file, text, start, text.len(), fast);
    (File { id: file, items }, diags)
}

/// The items starting in `text[from..stop]` (the last may run past `stop`), their
/// diagnostics, and where the next item would start.
fn parse_items(
    file: FileId,
    text: &str,
    from: usize,
    stop: usize,
    fast: bool,
) -> (Vec<Item>, Vec<Diagnostic>, usize) {
    let mut b = Builder {
        file,
        base: 0,
        diags: Vec::new(),
    };
    let mut items = Vec::new();
    let mut pos = from;
    while pos < stop {
        // Clean items take the fast path; anything else (and every error) is pest's.
        if let Some((item, end)) = fast.then(|| fast::item(file, text, pos)).flatten() {
            items.push(item);
            pos = skip_trivia(text, end);
            continue;
        }
        match parse_item(text, pos) {
            Ok(mut pairs) => {
                let Some(pair) = pairs.next() else {
                    b.diags.push(Missing("item").diagnostic(file, pos));
                    break;
                };
                let end = pos + pair.as_span().end();
                b.base = pos;
                match b.item(pair) {
                    Ok(Some(item)) => items.push(item),
                    Ok(None) => {}
                    Err(missing) => b.diags.push(missing.diagnostic(file, pos)),
                }
                pos = skip_trivia(text, end);
            }
            Err(e) => {
                let at = pos + error_pos(&e);
                if let Some((item, d)) = unclosed_block(&mut b, text, pos, at) {
                    // The item is kept (closed where the next one starts), so the names
                    // it defines do not cascade into "unknown source" errors.
                    b.diags.push(d);
                    items.extend(item);
                    pos = skip_trivia(text, at);
                    continue;
                }
                b.diags.push(syntax_error(e, &text[pos..], file, pos));
                pos = resume_at(text, pos, at);
            }
        }
    }
    (items, b.diags, pos)
}

/// Parse one expression from `text`, whose first byte is at `offset` in `file`.
pub fn parse_expr_at(text: &str, file: FileId, offset: usize) -> Result<Expr, Diagnostic> {
    if let Some(d) = check_nesting(text, file, offset) {
        return Err(d);
    }
    if let Some(e) = fast::expr_only(file, text, offset) {
        return Ok(e);
    }
    parse_expr_with_pest(text, file, offset)
}

/// [`parse_expr_at`] without the fast path (after the nesting check). For tests.
#[doc(hidden)]
pub fn parse_expr_with_pest(text: &str, file: FileId, offset: usize) -> Result<Expr, Diagnostic> {
    if let Some(d) = check_nesting(text, file, offset) {
        return Err(d);
    }
    let mut pairs =
        KpiParser::parse(Rule::expr_only, text).map_err(|e| syntax_error(e, text, file, offset))?;
    let mut b = Builder {
        file,
        base: offset,
        diags: Vec::new(),
    };
    let e = next(&mut pairs, "expression")
        .and_then(|only| next(&mut only.into_inner(), "expression"))
        .and_then(|expr| b.expr(expr))
        .map_err(|missing| missing.diagnostic(file, offset))?;
    match b.diags.into_iter().next() {
        Some(d) => Err(d),
        None => Ok(e),
    }
}

/// Parse a threshold condition such as `< 0.5 * target` (YAML `warn:`/`fail:`).
pub fn parse_condition_at(
    text: &str,
    file: FileId,
    offset: usize,
) -> Result<Condition, Diagnostic> {
    if let Some(d) = check_nesting(text, file, offset) {
        return Err(d);
    }
    let mut pairs = KpiParser::parse(Rule::condition_only, text)
        .map_err(|e| syntax_error(e, text, file, offset))?;
    let span = Span::new(file, offset..offset + text.trim_end().len());
    let mut b = Builder {
        file,
        base: offset,
        diags: Vec::new(),
    };
    let (op, rhs) = next(&mut pairs, "condition")
        .and_then(|only| {
            let mut inner = only.into_inner();
            let op = binop(next(&mut inner, "comparison")?.as_rule());
            Ok((op, b.expr(next(&mut inner, "threshold")?)?))
        })
        .map_err(|missing| missing.diagnostic(file, offset))?;
    match b.diags.into_iter().next() {
        Some(d) => Err(d),
        None => Ok(Condition { span, op, rhs }),
    }
}

/// Skip whitespace, a byte-order mark and comments.
fn skip_trivia(text: &str, mut pos: usize) -> usize {
    let bytes = text.as_bytes();
    loop {
        while pos < bytes.len() && matches!(bytes[pos], b' ' | b'\t' | b'\r' | b'\n') {
            pos += 1;
        }
        if text[pos..].starts_with('\u{FEFF}') {
            pos += 3;
            continue;
        }
        if pos < bytes.len() && bytes[pos] == b'#' {
            while pos < bytes.len() && bytes[pos] != b'\n' {
                pos += 1;
            }
            continue;
        }
        return pos;
    }
}

/// Parse the item at `pos` with pest, on as short a slice as gives the same result:
/// up to the next line that starts with an item keyword, widened while the parse fails
/// at the end of the slice (where the item might go on). pest's errors locate their
/// line by scanning the whole input, so parsing each broken item against the rest of
/// the file would make a file of many errors quadratic.
fn parse_item(
    text: &str,
    pos: usize,
) -> Result<pest::iterators::Pairs<'_, Rule>, pest::error::Error<Rule>> {
    let mut limit = pos;
    loop {
        limit = next_item_start(text, limit);
        let slice = &text[pos..limit];
        match KpiParser::parse(Rule::item, slice) {
            Err(e) if limit < text.len() && error_pos(&e) >= slice.trim_end().len() => {}
            result => return result,
        }
    }
}

/// `wonDeals` -> `won_deals`: the name a user most likely meant.
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file of `n` metrics, the `k`-th line replaced where `edit` says so.
    fn big_file(n: usize, edit: impl Fn(usize, String) -> String) -> String {
        let mut s = String::from("source activities {\n  time ts\n  dimensions rep\n}\n");
        for k in 0..n {
            let line = format!(
                "metric m{k} = count(activities where type == \"call\" and rep == \"r{k}\") {{ unit calls }}\n"
            );
            s.push_str(&edit(k, line));
        }
        s
    }

    /// What the parallel parse of `text` gives equals the parse on one thread.
    fn same_as_sequential(text: &str) -> (usize, usize) {
        assert!(text.len() >= PARALLEL_PARSE_BYTES, "big enough to be split");
        let f = FileId(0);
        let (file, diags) = parse_file_impl(f, text, true);
        let (items, seq_diags, end) = parse_items(f, text, skip_trivia(text, 0), text.len(), true);
        assert_eq!(end, text.len());
        assert_eq!(file.items, items);
        assert_eq!(diags, seq_diags);
        (items.len(), diags.len())
    }

    #[test]
    fn halves_parsed_at_once_give_the_sequential_items() {
        let n = 8_000;
        assert_eq!(same_as_sequential(&big_file(n, |_, l| l)), (n + 1, 0));
        // Syntax errors in both halves (recovered at the next item).
        let broken = big_file(n, |k, l| match k {
            100 | 7_000 => format!("metric m{k} = count(activities where type == ) {{\n"),
            _ => l,
        });
        let (items, diags) = same_as_sequential(&broken);
        assert_eq!((items, diags), (n - 1, 2));
    }

    #[test]
    fn an_item_running_over_the_cut_is_parsed_whole() {
        let n = 8_000;
        let text = big_file(n, |_, l| l);
        let cut = line_start_after(&text, text.len() / 2).expect("a cut");
        // The metric before the cut goes on over the line where the second half
        // starts (a line starting with a letter). Lines keep their lengths, so the
        // cut stays where it was.
        let k = text[..cut].lines().count() - 4; // the metric whose line starts at `cut`
        let pad = |s: &str, like: &str| format!("{s:<w$}\n", w = like.len() - 1);
        let text = big_file(n, |j, l| match j {
            _ if j + 1 == k => pad("metric long = m1 +", &l),
            _ if j == k => pad("m2 * 2", &l),
            _ => l,
        });
        assert_eq!(line_start_after(&text, text.len() / 2), Some(cut));
        assert!(
            text[cut..].starts_with("m2 * 2 "),
            "the cut is inside `long`"
        );
        assert_eq!(same_as_sequential(&text), (n, 0));
    }
}
