//! Syntax errors that teach: pest's errors turned into diagnostics (what was
//! expected, in the language's words), an unclosed block found where the next item
//! starts, and the bounds on nesting checked before pest recurses.

use pest::iterators::Pair;

use super::*;

/// A block left open: the item from `pos` fails at `at`, the start of a line that
/// begins the next item, with a `{` still open. The diagnostic points at that `{`;
/// the item is built as if closed before `at` (None if even that does not parse).
pub(super) fn unclosed_block(
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
            match b.item(pair) {
                Ok(item) => item,
                Err(missing) => {
                    b.diags.push(missing.diagnostic(b.file, pos));
                    None
                }
            }
        });
    Some((item, d))
}

pub(super) fn error_pos(e: &pest::error::Error<Rule>) -> usize {
    match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    }
}

/// Where to continue after a syntax error at `at` in the item that starts at `start`:
/// at `at` itself when the error is an item keyword starting a line (the item before
/// it was left unfinished), else at the next line after `start` that starts with an
/// item keyword.
pub(super) fn resume_at(text: &str, start: usize, at: usize) -> usize {
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
pub(super) fn next_item_start(text: &str, pos: usize) -> usize {
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
pub(super) fn depth_bound(p: &Pair<Rule>) -> usize {
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
pub(super) fn nested_depth(p: &Pair<Rule>) -> usize {
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
pub(super) fn check_nesting(text: &str, file: FileId, offset: usize) -> Option<Diagnostic> {
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

pub(super) fn rule_name(r: &Rule) -> String {
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
        Rule::src_delimiter => "`delimiter`".into(),
        Rule::src_decimal => "`decimal`".into(),
        Rule::src_thousands => "`thousands`".into(),
        Rule::src_encoding => "`encoding`".into(),
        Rule::src_null => "`null`".into(),
        Rule::src_sheet => "`sheet`".into(),
        Rule::src_header => "`header`".into(),
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
pub(super) fn token_at(text: &str, pos: usize) -> (usize, String) {
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

pub(super) fn syntax_error(
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

/// Length of `text` without trailing blanks and comments (text starts at a token).
pub(super) fn content_len(text: &str) -> usize {
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
pub(super) fn unterminated_string_at(text: &str, pos: usize) -> bool {
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

pub(super) fn unterminated_string_before(text: &str, pos: usize) -> bool {
    let line_start = text[..pos.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    text[line_start..pos.min(text.len())].matches('"').count() % 2 == 1
}

pub(super) fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// Keyword tokens carry no information once parsed; the builder skips them.
pub(super) fn is_keyword(r: Rule) -> bool {
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
            | Rule::kw_delimiter
            | Rule::kw_decimal
            | Rule::kw_thousands
            | Rule::kw_encoding
            | Rule::kw_null
            | Rule::kw_sheet
            | Rule::kw_header
            | Rule::kw_is
            | Rule::kw_key
            | Rule::kw_valid_from
            | Rule::kw_valid_to
            | Rule::kw_lookup
            | Rule::assign
            | Rule::colon
            | Rule::lbrace
            | Rule::rbrace
            | Rule::rparen
            | Rule::rbracket
    )
}
