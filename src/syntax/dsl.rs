//! The `.kpi` front-end: pest parser for `grammar/kpi.pest` -> AST.
//!
//! Parsing is item by item, so a syntax error in one item does not hide the errors
//! of the items after it. Nesting depth and expression size are bounded before pest
//! or the AST builder recurse (see [`MAX_NESTING`] and [`MAX_EXPR_TOKENS`]).

use std::sync::LazyLock;

use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser as _;

use super::ast::*;
use crate::diag::{Diagnostic, FileId, Span};

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

const ITEM_KEYWORDS: [&str; 11] = [
    "import", "script", "settings", "calendar", "source", "param", "metric", "funnel", "check",
    "profile", "override",
];

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
            | Op::postfix(Rule::in_list))
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
        let (item, end) = super::fast::item(file, text, pos)?;
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
        if let Some((item, end)) = fast.then(|| super::fast::item(file, text, pos)).flatten() {
            items.push(item);
            pos = skip_trivia(text, end);
            continue;
        }
        match parse_item(text, pos) {
            Ok(mut pairs) => {
                let pair = pairs.next().expect("item rule yields one pair");
                let end = pos + pair.as_span().end();
                b.base = pos;
                if let Some(item) = b.item(pair) {
                    items.push(item);
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

/// A block left open: the item from `pos` fails at `at`, the start of a line that
/// begins the next item, with a `{` still open. The diagnostic points at that `{`;
/// the item is built as if closed before `at` (None if even that does not parse).
fn unclosed_block(
    b: &mut Builder,
    text: &str,
    pos: usize,
    at: usize,
) -> Option<(Option<Item>, Diagnostic)> {
    if at <= pos || at > text.len() || resume_at(text, pos, at) != at {
        return None;
    }
    let mut open = Vec::new();
    let bytes = text.as_bytes();
    let mut i = pos;
    while i < at {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < at && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'#' => {
                while i < at && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'{' => open.push(i),
            b'}' => {
                open.pop();
            }
            _ => {}
        }
        i += 1;
    }
    let brace = *open.last()?;
    let line = text[..at].matches('\n').count() + 1;
    let next = text[at..]
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("");
    let d = Diagnostic::error("E0101", "block not closed")
        .at(
            Span::new(b.file, brace..brace + 1),
            "this `{` is never closed",
        )
        .with_help(if next.is_empty() {
            "add `}` to close it".to_string()
        } else {
            format!("add `}}` before line {line}, where `{next}` starts the next item")
        });
    // On a line of its own: the last line may end in a comment.
    let patched = format!("{}\n{}", text[pos..at].trim_end(), "}".repeat(open.len()));
    let item = KpiParser::parse(Rule::item, &patched)
        .ok()
        .and_then(|mut pairs| {
            let pair = pairs.next()?;
            b.base = pos;
            b.item(pair)
        });
    Some((item, d))
}

/// Parse one expression from `text`, whose first byte is at `offset` in `file`.
pub fn parse_expr_at(text: &str, file: FileId, offset: usize) -> Result<Expr, Diagnostic> {
    if let Some(d) = check_nesting(text, file, offset) {
        return Err(d);
    }
    if let Some(e) = super::fast::expr_only(file, text, offset) {
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
    let only = pairs.next().expect("expr_only yields one pair");
    let expr = only.into_inner().next().expect("expr_only holds expr");
    let mut b = Builder {
        file,
        base: offset,
        diags: Vec::new(),
    };
    let e = b.expr(expr);
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
    let only = pairs.next().expect("condition_only yields one pair");
    let span = Span::new(file, offset..offset + text.trim_end().len());
    let mut inner = only.into_inner();
    let op = inner.next().expect("condition has an operator");
    let mut b = Builder {
        file,
        base: offset,
        diags: Vec::new(),
    };
    let op = binop(op.as_rule());
    let rhs = b.expr(inner.next().expect("condition has an expression"));
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

fn error_pos(e: &pest::error::Error<Rule>) -> usize {
    match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    }
}

/// Where to continue after a syntax error at `at` in the item that starts at `start`:
/// at `at` itself when the error is an item keyword starting a line (the item before
/// it was left unfinished), else at the next line after `start` that starts with an
/// item keyword.
fn resume_at(text: &str, start: usize, at: usize) -> usize {
    let at = at.min(text.len());
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let rest = &text[at..];
    let word_end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    if at > start && line_start == at && ITEM_KEYWORDS.contains(&&rest[..word_end]) {
        return at;
    }
    next_item_start(text, start)
}

/// After a syntax error, resume at the next line that starts with an item keyword.
fn next_item_start(text: &str, pos: usize) -> usize {
    let mut line_start = match text[pos..].find('\n') {
        Some(i) => pos + i + 1,
        None => return text.len(),
    };
    while line_start < text.len() {
        let line = &text[line_start..];
        let word_end = line
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(line.len());
        if ITEM_KEYWORDS.contains(&&line[..word_end]) {
            return line_start;
        }
        line_start = match line.find('\n') {
            Some(i) => line_start + i + 1,
            None => text.len(),
        };
    }
    text.len()
}

/// The depth of the tree an `expr` pair builds, computed without building it (the Pratt
/// parser recurses on chains of prefix operators): a shunting-yard over the flat token
/// sequence with the precedences of [`PRATT`], tracking only heights. The recursion
/// here follows only bracket nesting, which [`check_nesting`] bounds.
fn depth_bound(p: &Pair<Rule>) -> usize {
    fn reduce(vals: &mut Vec<usize>, prefix: bool) {
        let b = vals.pop().unwrap_or(0);
        let h = if prefix {
            b
        } else {
            b.max(vals.pop().unwrap_or(0))
        };
        vals.push(h + 1);
    }
    // (precedence, is prefix) of the operators not yet applied.
    let mut ops: Vec<(u8, bool)> = Vec::new();
    let mut vals: Vec<usize> = Vec::new();
    for c in p.clone().into_inner() {
        let rule = c.as_rule();
        let infix = match rule {
            Rule::or => Some(1),
            Rule::and => Some(2),
            Rule::eq | Rule::ne | Rule::lt | Rule::le | Rule::gt | Rule::ge => Some(4),
            Rule::add | Rule::sub => Some(5),
            Rule::mul | Rule::div => Some(6),
            _ => None,
        };
        if let Some(prec) = infix {
            while ops.last().is_some_and(|&(q, _)| q >= prec) {
                let (_, prefix) = ops.pop().unwrap_or((0, false));
                reduce(&mut vals, prefix);
            }
            ops.push((prec, false));
            continue;
        }
        match rule {
            Rule::not => ops.push((3, true)),
            Rule::neg => ops.push((7, true)),
            Rule::in_list => {
                while ops.last().is_some_and(|&(q, _)| q >= 4) {
                    let (_, prefix) = ops.pop().unwrap_or((0, false));
                    reduce(&mut vals, prefix);
                }
                let items = nested_depth(&c);
                let h = vals.pop().unwrap_or(0).max(items);
                vals.push(h + 1);
            }
            Rule::paren => vals.push(nested_depth(&c)),
            Rule::call => vals.push(1 + nested_depth(&c)),
            _ => vals.push(1),
        }
    }
    while let Some((_, prefix)) = ops.pop() {
        reduce(&mut vals, prefix);
    }
    vals.into_iter().max().unwrap_or(1)
}

/// The deepest `expr` directly inside a paren, call, filter or `in` list.
fn nested_depth(p: &Pair<Rule>) -> usize {
    let mut deepest = 0;
    for c in p.clone().into_inner() {
        match c.as_rule() {
            Rule::expr => deepest = deepest.max(depth_bound(&c)),
            Rule::filter => deepest = deepest.max(nested_depth(&c)),
            _ => {}
        }
    }
    deepest
}

/// Refuse input nested deeper than [`MAX_NESTING`] before any recursive parser sees it.
fn check_nesting(text: &str, file: FileId, offset: usize) -> Option<Diagnostic> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut in_comment = false;
    let mut escaped = false;
    // Byte by byte: every byte that matters is ASCII, and no byte of a multi-byte
    // UTF-8 character is.
    for (i, &c) in text.as_bytes().iter().enumerate() {
        if in_comment {
            in_comment = c != b'\n';
            continue;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' || c == b'\n' {
                in_string = false;
            }
            continue;
        }
        match c {
            b'#' => in_comment = true,
            b'"' => in_string = true,
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(
                        Diagnostic::error("E0103", "expression nested too deeply")
                            .at(
                                Span::new(file, offset + i..offset + i + 1),
                                format!("nesting depth {} starts here", MAX_NESTING + 1),
                            )
                            .with_help(format!(
                                "at most {MAX_NESTING} levels of parentheses are allowed; split the formula into named metrics"
                            )),
                    );
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn rule_name(r: &Rule) -> String {
    match r {
        Rule::ident | Rule::setting_key => "a name".into(),
        // Where any operand may stand, "an expression" says it all.
        Rule::expr
        | Rule::filter
        | Rule::expr_only
        | Rule::neg
        | Rule::not
        | Rule::paren
        | Rule::call
        | Rule::name => "an expression".into(),
        Rule::boolean => "`true` or `false`".into(),
        Rule::percent => "a number".into(),
        Rule::condition_only => "a comparison (< <= > >= == !=) and a threshold".into(),
        Rule::assign => "`=`".into(),
        Rule::colon => "`:`".into(),
        Rule::lbrace => "`{`".into(),
        Rule::rbrace => "`}`".into(),
        Rule::rparen => "`)`".into(),
        Rule::rbracket => "`]`".into(),
        Rule::kw_in => "`in [..]`".into(),
        // Expected at the end of an item: whatever comes next may start a new item.
        Rule::kw_import
        | Rule::kw_script
        | Rule::kw_settings
        | Rule::kw_calendar
        | Rule::kw_source
        | Rule::kw_param
        | Rule::kw_metric
        | Rule::kw_funnel
        | Rule::kw_check
        | Rule::kw_profile
        | Rule::kw_override => "an item (metric, param, source, funnel, check, ..)".into(),
        Rule::string | Rule::str_inner => "a string".into(),
        Rule::number => "a number".into(),
        Rule::date => "a date (YYYY-MM-DD)".into(),
        Rule::duration => "a duration (30d, 2w, 6h)".into(),
        Rule::EOI => "end of input".into(),
        Rule::item => "an item (metric, param, source, funnel, check, ..)".into(),
        Rule::eq | Rule::ne | Rule::lt | Rule::le | Rule::gt | Rule::ge => {
            "a comparison (< <= > >= == !=)".into()
        }
        Rule::add | Rule::sub | Rule::mul | Rule::div | Rule::or | Rule::and => {
            "an operator".into()
        }
        Rule::in_list => "`in [..]`".into(),
        Rule::attrs => "`{`".into(),
        Rule::kw_required => "`required`".into(),
        Rule::src_from => "`from`".into(),
        Rule::src_time => "`time`".into(),
        Rule::src_dimensions => "`dimensions`".into(),
        Rule::src_entity => "`entity`".into(),
        Rule::src_column => "`column`".into(),
        Rule::attr_format => "`format`".into(),
        Rule::attr_unit => "`unit`".into(),
        Rule::attr_description => "`description`".into(),
        Rule::attr_owner => "`owner`".into(),
        Rule::funnel_value => "`value`".into(),
        Rule::profile_set => "`PARAM = VALUE`".into(),
        other => format!("`{}`", format!("{other:?}").trim_start_matches("kw_")),
    }
}

/// The token at `pos`, for "found .." and for the span of the caret.
fn token_at(text: &str, pos: usize) -> (usize, String) {
    let rest = &text[pos.min(text.len())..];
    let Some(first) = rest.chars().next() else {
        return (0, "end of file".into());
    };
    let len = if first.is_ascii_digit() {
        // A malformed number such as `2.5e3` is one token.
        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len())
    } else if first.is_ascii_alphanumeric() || first == '_' {
        rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len())
    } else {
        first.len_utf8()
    };
    let tok = &rest[..len];
    let shown = if tok == "\n" || tok == "\r" {
        "end of line".into()
    } else {
        format!("`{tok}`")
    };
    (len, shown)
}

fn syntax_error(
    e: pest::error::Error<Rule>,
    text: &str,
    file: FileId,
    offset: usize,
) -> Diagnostic {
    use pest::error::{ErrorVariant, InputLocation};
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let (len, found) = token_at(text, pos);
    let expected = match &e.variant {
        ErrorVariant::ParsingError { positives, .. } => {
            let mut names: Vec<String> = positives.iter().map(rule_name).collect();
            names.sort();
            names.dedup();
            if names.iter().any(|n| n == "an expression") {
                // Literals and names are kinds of expression; list only the whole.
                const OPERANDS: [&str; 6] = [
                    "`true` or `false`",
                    "a date (YYYY-MM-DD)",
                    "a duration (30d, 2w, 6h)",
                    "a name",
                    "a number",
                    "a string",
                ];
                names.retain(|n| !OPERANDS.contains(&n.as_str()));
            }
            names
        }
        ErrorVariant::CustomError { message } => vec![message.clone()],
    };
    if unterminated_string_at(text, pos) {
        let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let end = pos + text[pos..line_end].trim_end().len();
        return Diagnostic::error("E0101", "unterminated string")
            .at(
                Span::new(file, offset + pos..offset + end),
                "this string is not closed on its line",
            )
            .with_help("strings are one line, in double quotes; escape `\"` as `\\\"`");
    }
    let message = if found == "end of file" {
        "unexpected end of file".to_string()
    } else {
        format!("unexpected {found}")
    };
    let label = if expected.is_empty() {
        "not expected here".to_string()
    } else {
        format!("expected {}", join_or(&expected))
    };
    let misspelled_item = expected.iter().any(|e| e.starts_with("an item"))
        && found
            .trim_matches('`')
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    let mut d = Diagnostic::error("E0101", message).at(
        Span::new(
            file,
            offset + pos..offset + pos + len.max(if pos < text.len() { 1 } else { 0 }),
        ),
        label,
    );
    let bare = found.trim_matches('`');
    if bare.starts_with(|c: char| c.is_ascii_digit())
        && bare.contains(|c: char| c.is_ascii_alphabetic())
    {
        d = d.with_help(
            "numbers are written like `70`, `1.5`, `1_000_000` or `12%`; exponents such as `1e6` are not supported, and durations are `30d`, `2w` or `6h`",
        );
    }
    if bare == "=" && expected.iter().any(|e| e.starts_with("a comparison")) {
        d = d.with_help("to compare, write `==` (a single `=` only names a definition)");
    }
    if misspelled_item {
        if let Some(h) = crate::diag::did_you_mean(found.trim_matches('`'), ITEM_KEYWORDS) {
            d = d.with_help(h);
        }
    }
    if text[pos.min(text.len())..].starts_with('"') || unterminated_string_before(text, pos) {
        d = d.with_help("strings are one line, in double quotes; escape `\"` as `\\\"`");
    }
    d
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

/// Length of `text` without trailing blanks and comments (text starts at a token).
fn content_len(text: &str) -> usize {
    let mut end = text.trim_end().len();
    loop {
        let line_start = text[..end].rfind('\n').map_or(0, |i| i + 1);
        let mut in_string = false;
        let mut escaped = false;
        let mut comment = None;
        for (i, c) in text[line_start..end].char_indices() {
            if in_string {
                match c {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => in_string = false,
                    _ => escaped = false,
                }
                continue;
            }
            match c {
                '"' => in_string = true,
                '#' => {
                    comment = Some(line_start + i);
                    break;
                }
                _ => {}
            }
        }
        match comment {
            Some(at) => end = text[..at].trim_end().len(),
            None => return end,
        }
    }
}

/// Whether a string opens at `pos` and its line ends before a closing quote.
fn unterminated_string_at(text: &str, pos: usize) -> bool {
    let Some(rest) = text.get(pos..).and_then(|r| r.strip_prefix('"')) else {
        return false;
    };
    let mut escaped = false;
    for c in rest.chars() {
        match c {
            '\n' => return true,
            '"' if !escaped => return false,
            '\\' => escaped = !escaped,
            _ => escaped = false,
        }
    }
    true
}

fn unterminated_string_before(text: &str, pos: usize) -> bool {
    let line_start = text[..pos.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..pos.min(text.len())].matches('"').count() % 2 == 1
}

fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Keyword tokens carry no information once parsed; the builder skips them.
fn is_keyword(r: Rule) -> bool {
    matches!(
        r,
        Rule::kw_import
            | Rule::kw_script
            | Rule::kw_settings
            | Rule::kw_calendar
            | Rule::kw_source
            | Rule::kw_param
            | Rule::kw_metric
            | Rule::kw_funnel
            | Rule::kw_check
            | Rule::kw_profile
            | Rule::kw_where
            | Rule::kw_in
            | Rule::kw_every
            | Rule::kw_last
            | Rule::kw_owner
            | Rule::kw_when
            | Rule::kw_by
            | Rule::kw_column
            | Rule::kw_description
            | Rule::kw_dimensions
            | Rule::kw_entity
            | Rule::kw_fail
            | Rule::kw_format
            | Rule::kw_from
            | Rule::kw_holiday
            | Rule::kw_over
            | Rule::kw_per
            | Rule::kw_review
            | Rule::kw_stage
            | Rule::kw_step
            | Rule::kw_time
            | Rule::kw_unit
            | Rule::kw_value
            | Rule::kw_warn
            | Rule::kw_weekend
            | Rule::kw_within
            | Rule::assign
            | Rule::colon
            | Rule::lbrace
            | Rule::rbrace
            | Rule::rparen
            | Rule::rbracket
    )
}

/// The children of a pair, without keyword tokens.
fn inner(p: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    p.into_inner().filter(|c| !is_keyword(c.as_rule()))
}

fn binop(r: Rule) -> BinOp {
    match r {
        Rule::or => BinOp::Or,
        Rule::and => BinOp::And,
        Rule::eq => BinOp::Eq,
        Rule::ne => BinOp::Ne,
        Rule::lt => BinOp::Lt,
        Rule::le => BinOp::Le,
        Rule::gt => BinOp::Gt,
        Rule::ge => BinOp::Ge,
        Rule::add => BinOp::Add,
        Rule::sub => BinOp::Sub,
        Rule::mul => BinOp::Mul,
        _ => BinOp::Div,
    }
}

/// Turns pest pairs into AST nodes, collecting semantic diagnostics on literals.
struct Builder {
    file: FileId,
    /// Offset of the parsed text in the file.
    base: usize,
    diags: Vec<Diagnostic>,
}

impl Builder {
    /// The span of a pair, without the blanks and comments pest consumes after it when
    /// the rule ends in an optional or repeated part (`review .. last D [owner ".."]`).
    fn span(&self, p: &Pair<Rule>) -> Span {
        let s = p.as_span();
        let len = if p.as_rule() == Rule::str_inner {
            s.as_str().len()
        } else {
            content_len(s.as_str())
        };
        Span::new(
            self.file,
            self.base + s.start()..self.base + s.start() + len,
        )
    }

    fn ident(&self, p: Pair<Rule>) -> Ident {
        Ident {
            name: p.as_str().to_string(),
            span: self.span(&p),
        }
    }

    /// A name that defines something: must be `[a-z_][a-z0-9_]*`.
    fn def_name(&mut self, p: Pair<Rule>) -> Ident {
        let id = self.ident(p);
        if id.name.chars().any(|c| c.is_ascii_uppercase()) {
            self.diags.push(
                Diagnostic::error("E0107", format!("invalid name `{}`", id.name))
                    .at(id.span, "names are lowercase")
                    .with_help(format!("write `{}`", snake_case(&id.name))),
            );
        }
        id
    }

    fn string(&mut self, p: Pair<Rule>) -> StrLit {
        let span = self.span(&p);
        let raw = inner(p).next().map(|i| i.as_str()).unwrap_or("");
        let mut value = String::with_capacity(raw.len());
        let mut chars = raw.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                value.push(c);
                continue;
            }
            match chars.next() {
                Some((_, '"')) => value.push('"'),
                Some((_, '\\')) => value.push('\\'),
                Some((_, other)) => {
                    let at = span.start as usize + 1 + i;
                    self.diags.push(
                        Diagnostic::error("E0108", format!("unknown escape `\\{other}` in string"))
                            .at(
                                Span::new(self.file, at..at + 1 + other.len_utf8()),
                                "not a valid escape",
                            )
                            .with_help(
                                "only `\\\"` and `\\\\` are escapes; write a backslash as `\\\\`",
                            ),
                    );
                }
                None => value.push('\\'),
            }
        }
        StrLit { value, span }
    }

    fn date(&mut self, p: Pair<Rule>) -> DateLit {
        let span = self.span(&p);
        let value = match p.as_str().parse::<jiff::civil::Date>() {
            Ok(d) => d,
            Err(_) => {
                self.diags.push(
                    Diagnostic::error("E0105", format!("invalid date `{}`", p.as_str()))
                        .at(span, "not a calendar date")
                        .with_help("dates are YYYY-MM-DD with a real month and day"),
                );
                jiff::civil::date(1970, 1, 1)
            }
        };
        DateLit { value, span }
    }

    fn duration(&mut self, p: Pair<Rule>) -> DurationLit {
        let span = self.span(&p);
        let s = p.as_str();
        let (num, unit) = s.split_at(s.len() - 1);
        let amount = match num.parse::<i64>() {
            Ok(n) if n <= 1_000_000 => n,
            _ => {
                self.diags.push(
                    Diagnostic::error("E0105", format!("duration `{s}` is too large"))
                        .at(span, "out of range")
                        .with_help("durations are at most 1000000 units"),
                );
                0
            }
        };
        let unit = match unit {
            "h" => DurationUnit::Hours,
            "w" => DurationUnit::Weeks,
            _ => DurationUnit::Days,
        };
        DurationLit { amount, unit, span }
    }

    fn number(&mut self, text: &str, span: Span) -> f64 {
        let clean: String = text.chars().filter(|&c| c != '_').collect();
        match clean.parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            _ => {
                self.diags.push(
                    Diagnostic::error("E0105", "number literal is too large")
                        .at(span, "out of range")
                        .with_help("numbers must fit a 64-bit float"),
                );
                0.0
            }
        }
    }

    fn item(&mut self, pair: Pair<Rule>) -> Option<Item> {
        let it = inner(pair).next()?;
        Some(match it.as_rule() {
            Rule::import => Item::Import(self.string(inner(it).next()?)),
            Rule::script => Item::Script(self.string(inner(it).next()?)),
            Rule::settings => Item::Settings(self.settings(it)),
            Rule::calendar => Item::Calendar(self.calendar(it)),
            Rule::source => Item::Source(self.source(it)),
            Rule::param => Item::Param(self.param(it)),
            Rule::metric => Item::Metric(self.metric(it)),
            Rule::funnel => Item::Funnel(Box::new(self.funnel(it))),
            Rule::journey => Item::Journey(Box::new(self.journey(it))),
            Rule::check => Item::Check(Box::new(self.check(it))),
            Rule::profile => Item::Profile(self.profile(it)),
            _ => return None,
        })
    }

    fn settings(&mut self, p: Pair<Rule>) -> Settings {
        let mut s = Settings {
            span: self.span(&p),
            ..Settings::default()
        };
        for setting in inner(p) {
            let mut it = inner(setting);
            let (Some(key), Some(value)) = (it.next(), it.next()) else {
                continue;
            };
            let key_span = self.span(&key);
            let vspan = self.span(&value);
            let want = |what: &str| {
                Diagnostic::error("E0110", format!("setting `{}` takes {what}", key.as_str()))
                    .at(vspan, format!("expected {what}"))
            };
            match (key.as_str(), value.as_rule()) {
                ("timezone", Rule::string) => s.timezone = Some(self.string(value)),
                ("currency", Rule::string) => s.currency = Some(self.string(value)),
                ("currency", Rule::ident) => {
                    s.currency = Some(StrLit {
                        value: value.as_str().into(),
                        span: vspan,
                    })
                }
                ("week_start", Rule::ident) => s.week_start = Some(self.ident(value)),
                ("calendar", Rule::ident) => s.calendar = Some(self.ident(value)),
                ("review_required", Rule::boolean) => {
                    s.review_required = Some((value.as_str() == "true", vspan))
                }
                ("timezone", _) => self
                    .diags
                    .push(want("a string such as \"Europe/Amsterdam\"")),
                ("currency", _) => self.diags.push(want("a currency code such as \"EUR\"")),
                ("week_start" | "calendar", _) => self.diags.push(want("a name")),
                ("review_required", _) => self.diags.push(want("true or false")),
                (other, _) => {
                    let valid = [
                        "timezone",
                        "week_start",
                        "currency",
                        "calendar",
                        "review_required",
                    ];
                    let mut d = Diagnostic::error("E0106", format!("unknown setting `{other}`"))
                        .at(key_span, "not a setting");
                    d = d.with_help(match crate::diag::did_you_mean(other, valid) {
                        Some(h) => format!("{h} valid settings: {}", valid.join(", ")),
                        None => format!("valid settings: {}", valid.join(", ")),
                    });
                    self.diags.push(d);
                }
            }
        }
        s
    }

    fn calendar(&mut self, p: Pair<Rule>) -> Calendar {
        let span = self.span(&p);
        let mut it = inner(p);
        let name = self.def_name(it.next().expect("calendar name"));
        let mut cal = Calendar {
            name,
            span,
            weekend: None,
            holidays: Vec::new(),
        };
        for entry in it {
            match entry.as_rule() {
                Rule::weekend => {
                    let days: Vec<Ident> = inner(entry).map(|d| self.ident(d)).collect();
                    cal.weekend.get_or_insert_with(Vec::new).extend(days);
                }
                Rule::holiday => {
                    for d in inner(entry) {
                        let d = self.date(d);
                        cal.holidays.push(d);
                    }
                }
                _ => {}
            }
        }
        cal
    }

    fn source(&mut self, p: Pair<Rule>) -> Source {
        let span = self.span(&p);
        let mut it = inner(p);
        let name = self.def_name(it.next().expect("source name"));
        let mut src = Source {
            name,
            span,
            from: None,
            time: None,
            dimensions: Vec::new(),
            entity: None,
            columns: Vec::new(),
        };
        for entry in it {
            let rule = entry.as_rule();
            let mut fields = inner(entry);
            match rule {
                Rule::src_from => src.from = fields.next().map(|s| self.string(s)),
                Rule::src_time => src.time = fields.next().map(|s| self.ident(s)),
                Rule::src_entity => src.entity = fields.next().map(|s| self.ident(s)),
                Rule::src_dimensions => src.dimensions.extend(fields.map(|d| self.ident(d))),
                Rule::src_column => {
                    if let (Some(c), Some(t)) = (fields.next(), fields.next()) {
                        src.columns.push((self.ident(c), self.ident(t)));
                    }
                }
                _ => {}
            }
        }
        src
    }

    fn param(&mut self, p: Pair<Rule>) -> Param {
        let span = self.span(&p);
        let mut it = inner(p).peekable();
        let is_override = it.peek().is_some_and(|x| x.as_rule() == Rule::kw_override);
        if is_override {
            it.next();
        }
        let name = self.def_name(it.next().expect("param name"));
        let value = match it.next() {
            Some(v) if v.as_rule() == Rule::expr => Some(self.expr(v)),
            _ => None,
        };
        Param {
            name,
            span,
            value,
            is_override,
        }
    }

    fn attr(&mut self, p: Pair<Rule>, attrs: &mut Attrs) -> bool {
        let rule = p.as_rule();
        let span = self.span(&p);
        match rule {
            Rule::attr_format => {
                let v = inner(p).next().expect("format value");
                match Format::parse(v.as_str()) {
                    Some(f) => attrs.format = Some((f, span)),
                    None => {
                        let vs = self.span(&v);
                        let mut d =
                            Diagnostic::error("E0109", format!("unknown format `{}`", v.as_str()))
                                .at(vs, "not a format");
                        let formats = format!("formats: {}", Format::ALL.join(", "));
                        d = d.with_help(match crate::diag::did_you_mean(v.as_str(), Format::ALL) {
                            Some(h) => format!("{h} {formats}"),
                            None => formats,
                        });
                        self.diags.push(d);
                    }
                }
            }
            Rule::attr_unit => attrs.unit = inner(p).next().map(|u| self.ident(u)),
            Rule::attr_description => attrs.description = inner(p).next().map(|s| self.string(s)),
            Rule::attr_owner => attrs.owner = inner(p).next().map(|s| self.string(s)),
            Rule::review => attrs.review = Some(self.review(p)),
            _ => return false,
        }
        true
    }

    fn review(&mut self, p: Pair<Rule>) -> Review {
        let span = self.span(&p);
        let mut it = inner(p);
        let every = it.next().expect("review every");
        let every = match every.as_rule() {
            Rule::duration => ReviewEvery::Duration(self.duration(every)),
            _ => ReviewEvery::Grain(self.ident(every)),
        };
        let last = self.date(it.next().expect("review last"));
        let owner = it.next().map(|o| self.string(o));
        Review {
            span,
            every,
            last,
            owner,
        }
    }

    fn metric(&mut self, p: Pair<Rule>) -> Metric {
        let span = self.span(&p);
        let mut it = inner(p).peekable();
        let is_override = it.peek().is_some_and(|x| x.as_rule() == Rule::kw_override);
        if is_override {
            it.next();
        }
        let name = self.def_name(it.next().expect("metric name"));
        let expr = self.expr(it.next().expect("metric expr"));
        let mut attrs = Attrs::default();
        if let Some(block) = it.next() {
            for a in inner(block) {
                self.attr(a, &mut attrs);
            }
        }
        Metric {
            name,
            span,
            expr,
            attrs,
            is_override,
        }
    }

    fn funnel(&mut self, p: Pair<Rule>) -> Funnel {
        let span = self.span(&p);
        let mut it = inner(p).peekable();
        let is_override = it.peek().is_some_and(|x| x.as_rule() == Rule::kw_override);
        if is_override {
            it.next();
        }
        let name = self.def_name(it.next().expect("funnel name"));
        let mut f = Funnel {
            name,
            span,
            stages: Vec::new(),
            value: None,
            attrs: Attrs::default(),
            is_override,
        };
        for entry in it {
            match entry.as_rule() {
                Rule::stage => {
                    let mut s = inner(entry);
                    let n = self.def_name(s.next().expect("stage name"));
                    let e = self.expr(s.next().expect("stage expr"));
                    f.stages.push((n, e));
                }
                Rule::funnel_value => {
                    f.value = inner(entry).next().map(|e| self.expr(e));
                }
                _ => {
                    self.attr(entry, &mut f.attrs);
                }
            }
        }
        f
    }

    fn journey(&mut self, p: Pair<Rule>) -> Journey {
        let span = self.span(&p);
        let mut it = inner(p).peekable();
        let is_override = it.peek().is_some_and(|x| x.as_rule() == Rule::kw_override);
        if is_override {
            it.next();
        }
        let name = self.def_name(it.next().expect("funnel name"));
        let over = self.ident(it.next().expect("over"));
        let by = self.ident(it.next().expect("by"));
        let within = self.duration(it.next().expect("within"));
        let mut j = Journey {
            name,
            span,
            over,
            by,
            within,
            steps: Vec::new(),
            attrs: Attrs::default(),
            is_override,
        };
        for entry in it {
            if entry.as_rule() == Rule::step {
                let mut s = inner(entry);
                let n = self.def_name(s.next().expect("step name"));
                let e = self.expr(s.next().expect("step filter"));
                j.steps.push((n, e));
            } else {
                self.attr(entry, &mut j.attrs);
            }
        }
        j
    }

    fn condition(&mut self, p: Pair<Rule>) -> Condition {
        let span = self.span(&p);
        let mut it = inner(p);
        let op = binop(it.next().expect("condition op").as_rule());
        let rhs = self.expr(it.next().expect("condition rhs"));
        Condition { span, op, rhs }
    }

    fn check(&mut self, p: Pair<Rule>) -> Check {
        let span = self.span(&p);
        let mut it = inner(p).peekable();
        let is_override = it.peek().is_some_and(|x| x.as_rule() == Rule::kw_override);
        if is_override {
            it.next();
        }
        let name = self.def_name(it.next().expect("check name"));
        let expr = self.expr(it.next().expect("check expr"));
        let mut c = Check {
            name,
            span,
            expr,
            per: Vec::new(),
            every: None,
            warn: None,
            fail: None,
            attrs: Attrs::default(),
            is_override,
        };
        for entry in it {
            match entry.as_rule() {
                Rule::per => c.per.extend(inner(entry).map(|d| self.ident(d))),
                Rule::every => c.every = inner(entry).next().map(|g| self.ident(g)),
                Rule::warn => c.warn = Some(self.condition(entry)),
                Rule::fail => c.fail = Some(self.condition(entry)),
                _ => {
                    self.attr(entry, &mut c.attrs);
                }
            }
        }
        c
    }

    fn profile(&mut self, p: Pair<Rule>) -> Profile {
        let span = self.span(&p);
        let mut it = inner(p);
        let name = self.def_name(it.next().expect("profile name"));
        let mut sets = Vec::new();
        for s in it {
            let mut kv = inner(s);
            let k = self.ident(kv.next().expect("param name"));
            let v = self.expr(kv.next().expect("param value"));
            sets.push((k, v));
        }
        Profile { name, span, sets }
    }

    /// Build an expression, refusing ones too large to handle without deep recursion.
    fn expr(&mut self, p: Pair<Rule>) -> Expr {
        let span = self.span(&p);
        let tokens = p.clone().into_inner().flatten().count();
        if tokens > MAX_EXPR_TOKENS {
            self.diags.push(
                Diagnostic::error("E0104", "expression is too long")
                    .at(Span::new(self.file, span.start as usize..span.start as usize + 1), format!("{tokens} tokens"))
                    .with_help(format!("at most {MAX_EXPR_TOKENS} tokens per expression; split it into named metrics")),
            );
            return Expr {
                kind: ExprKind::Number {
                    value: 0.0,
                    text: "0".into(),
                },
                span,
            };
        }
        let depth = depth_bound(&p);
        if depth > MAX_EXPR_DEPTH {
            self.diags.push(
                Diagnostic::error("E0104", "expression is too deep")
                    .at(Span::new(self.file, span.start as usize..span.start as usize + 1), format!("nested {depth} levels deep"))
                    .with_help(format!("at most {MAX_EXPR_DEPTH} levels are allowed, and each operator of a chain such as `a + b + ..` is a level; split the formula into named metrics")),
            );
            return Expr {
                kind: ExprKind::Number {
                    value: 0.0,
                    text: "0".into(),
                },
                span,
            };
        }
        self.pratt(p)
    }

    fn pratt(&mut self, p: Pair<Rule>) -> Expr {
        // The closures of PrattParser cannot share `&mut self`; collect diagnostics in a cell.
        let me = std::cell::RefCell::new(self);
        let e = PRATT
            .map_primary(|prim| me.borrow_mut().primary(prim))
            .map_prefix(|op, rhs| {
                let span = me.borrow().span(&op).to(rhs.span);
                let op = if op.as_rule() == Rule::neg {
                    UnOp::Neg
                } else {
                    UnOp::Not
                };
                Expr {
                    kind: ExprKind::Unary(op, Box::new(rhs)),
                    span,
                }
            })
            .map_postfix(|lhs, op| {
                let span = lhs.span.to(me.borrow().span(&op));
                let items: Vec<Expr> = inner(op).map(|e| me.borrow_mut().pratt(e)).collect();
                Expr {
                    kind: ExprKind::In(Box::new(lhs), items),
                    span,
                }
            })
            .map_infix(|lhs, op, rhs| {
                let span = lhs.span.to(rhs.span);
                Expr {
                    kind: ExprKind::Binary(binop(op.as_rule()), Box::new(lhs), Box::new(rhs)),
                    span,
                }
            })
            .parse(inner(p));
        e
    }

    fn primary(&mut self, p: Pair<Rule>) -> Expr {
        let span = self.span(&p);
        let kind = match p.as_rule() {
            Rule::number => ExprKind::Number {
                value: self.number(p.as_str(), span),
                text: p.as_str().to_string(),
            },
            Rule::percent => {
                let text = p.as_str().trim_end_matches('%').to_string();
                ExprKind::Percent {
                    value: self.number(&text, span),
                    text,
                }
            }
            Rule::string => ExprKind::Str(self.string(p).value),
            Rule::boolean => ExprKind::Bool(p.as_str() == "true"),
            Rule::date => ExprKind::Date(self.date(p).value),
            Rule::duration => ExprKind::Duration(self.duration(p)),
            Rule::name => ExprKind::Name(inner(p).map(|i| self.ident(i)).collect()),
            Rule::paren => {
                // The group's span includes its parentheses, so that the spans of the
                // operations around it (`(a + b) * c`) start and end on a token.
                let mut e = self.pratt(inner(p).next().expect("paren expr"));
                e.span = span;
                return e;
            }
            Rule::call => return self.call(p),
            _ => ExprKind::Bool(false),
        };
        Expr { kind, span }
    }

    /// A call: an aggregation (`count(src where p)`, `min(src.col)`) or a function call.
    fn call(&mut self, p: Pair<Rule>) -> Expr {
        let span = self.span(&p);
        let mut it = inner(p);
        let func = self.ident(it.next().expect("call name"));
        let mut args = Vec::new();
        let mut filter = None;
        for a in it {
            if a.as_rule() == Rule::filter {
                filter = Some(self.pratt(inner(a).next().expect("filter expr")));
            } else {
                args.push(self.pratt(a));
            }
        }
        let agg = AggFunc::parse(&func.name).filter(|f| {
            !matches!(f, AggFunc::Min | AggFunc::Max) || args.len() == 1 || filter.is_some()
        });
        let Some(agg) = agg else {
            if let Some(f) = &filter {
                self.diags.push(
                    Diagnostic::error("E0401", format!("`where` is only allowed in aggregations, not in `{}`", func.name))
                        .at(f.span, "filter here")
                        .with_help("filters belong inside count(..), sum(..), avg(..) and the other aggregations"),
                );
            }
            return Expr {
                kind: ExprKind::Call(func, args),
                span,
            };
        };
        let mut args = args.into_iter();
        let target = args.next();
        let (source, column) = match target.as_ref().map(|t| &t.kind) {
            Some(ExprKind::Name(parts)) if parts.len() <= 2 => {
                (parts[0].clone(), parts.get(1).cloned())
            }
            _ => {
                let at = target.as_ref().map_or(func.span, |t| t.span);
                self.diags.push(
                    Diagnostic::error(
                        "E0405",
                        format!(
                            "`{}` needs a source or `source.column` as its first argument",
                            func.name
                        ),
                    )
                    .at(at, "expected `source` or `source.column`")
                    .with_help(if agg == AggFunc::Count {
                        "for example `count(activities where type == \"call\")`".to_string()
                    } else {
                        format!(
                            "for example `{}(activities.amount where type == \"deal_won\")`",
                            func.name
                        )
                    }),
                );
                (
                    Ident {
                        name: String::new(),
                        span: at,
                    },
                    None,
                )
            }
        };
        let arg = args.next();
        if let Some(extra) = args.next() {
            self.diags.push(
                Diagnostic::error("E0405", format!("too many arguments to `{}`", func.name))
                    .at(extra.span, "unexpected argument"),
            );
        }
        Expr {
            kind: ExprKind::Agg(Box::new(Aggregation {
                func: agg,
                func_span: func.span,
                source,
                column,
                arg,
                filter,
            })),
            span,
        }
    }
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
