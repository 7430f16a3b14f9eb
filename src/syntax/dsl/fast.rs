//! A fast path for the `.kpi` parser: a hand-written recursive-descent recognizer for
//! well-formed items, producing exactly the AST the pest parser and its builder
//! ([`super::dsl`]) produce, spans included.
//!
//! pest checks the native stack and records parse attempts on every rule call, which
//! costs about 25 µs per typical item (half a second for 20,000 metrics). This path
//! handles only input that is clean: on anything unusual (a syntax error, a literal or
//! name the builder would report, non-ASCII outside strings and comments, a very long
//! or deep expression) it gives up and returns `None`, and the caller parses the item
//! with pest, which then produces the diagnostics. It therefore never decides what is
//! an error and never reports one. `tests/` checks it against the pest parser.

use crate::diag::{FileId, Span};
use crate::syntax::ast::*;

/// Expressions with more tokens than this are left to pest (which bounds them).
const MAX_TOKENS: usize = 2_000;
/// Expression trees deeper than this are left to pest (which bounds them).
const MAX_DEPTH: usize = super::MAX_EXPR_DEPTH - 10;
/// Prefix operators in a row handled here (their parsing recurses).
const MAX_PREFIX_RUN: usize = 64;

/// Words that are never names.
use crate::syntax::lexicon::{self, RESERVED};
/// Words that start an item.
const ITEM_START: [&str; 11] = [
    "import", "script", "settings", "calendar", "source", "param", "metric", "funnel", "check",
    "profile", "override",
];

/// Parse the item starting at `pos` (no leading trivia). Returns the item and the end
/// of its last token, or `None` to let pest parse it.
pub(super) fn item(file: FileId, text: &str, pos: usize) -> Option<(Item, usize)> {
    let mut p = P::new(file, text, 0, pos);
    let item = p.item()?;
    let end = p.pos;
    p.skip();
    if p.pos < text.len() && !p.word().is_some_and(|w| ITEM_START.contains(&w)) {
        return None;
    }
    Some((item, end))
}

/// Parse a whole expression (`text` starts at `offset` in `file`), or `None`.
pub(super) fn expr_only(file: FileId, text: &str, offset: usize) -> Option<Expr> {
    let mut p = P::new(file, text, offset, 0);
    p.skip();
    let e = p.expr()?;
    p.skip();
    (p.pos == text.len()).then_some(e)
}

struct P<'t> {
    file: FileId,
    text: &'t str,
    b: &'t [u8],
    /// Offset of `text` in the file (spans are file offsets).
    base: usize,
    pos: usize,
    /// Tokens of the expression being parsed.
    tokens: usize,
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'t> P<'t> {
    fn new(file: FileId, text: &'t str, base: usize, pos: usize) -> P<'t> {
        P {
            file,
            text,
            b: text.as_bytes(),
            base,
            pos,
            tokens: 0,
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, self.base + start..self.base + end)
    }

    /// Skip blanks, byte-order marks and comments.
    fn skip(&mut self) {
        let b = self.b;
        loop {
            match b.get(self.pos) {
                Some(b' ' | b'\t' | b'\r' | b'\n') => self.pos += 1,
                Some(0xEF) if b[self.pos..].starts_with("\u{FEFF}".as_bytes()) => self.pos += 3,
                Some(b'#') => {
                    while self.pos < b.len() && b[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                _ => return,
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    /// The word (`[A-Za-z_][A-Za-z0-9_]*`) at the current position, if any.
    fn word(&self) -> Option<&'t str> {
        let b = self.b;
        let first = *b.get(self.pos)?;
        if !(first.is_ascii_alphabetic() || first == b'_') {
            return None;
        }
        let mut end = self.pos + 1;
        while end < b.len() && is_ident_char(b[end]) {
            end += 1;
        }
        Some(&self.text[self.pos..end])
    }

    /// Consume keyword `k` (after trivia) if it is next.
    fn kw(&mut self, k: &str) -> bool {
        self.skip();
        // `k` and then no more of a word (the same as `word() == Some(k)`).
        let rest = &self.b[self.pos.min(self.b.len())..];
        if rest.starts_with(k.as_bytes()) && !rest.get(k.len()).is_some_and(|&c| is_ident_char(c)) {
            self.pos += k.len();
            true
        } else {
            false
        }
    }

    /// Consume the byte `c` (after trivia) if it is next.
    fn punct(&mut self, c: u8) -> bool {
        self.skip();
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn ident(&mut self) -> Option<Ident> {
        self.skip();
        let w = self.word()?;
        if RESERVED.contains(&w) {
            return None;
        }
        let start = self.pos;
        self.pos += w.len();
        Some(Ident {
            name: w.to_string(),
            span: self.span(start, self.pos),
        })
    }

    /// A defining name: lowercase (the builder reports others).
    fn def_name(&mut self) -> Option<Ident> {
        let id = self.ident()?;
        (!id.name.bytes().any(|c| c.is_ascii_uppercase())).then_some(id)
    }

    /// A comma-separated list of at least one name.
    fn idents(&mut self) -> Option<Vec<Ident>> {
        let mut out = vec![self.ident()?];
        loop {
            let save = self.pos;
            if !self.punct(b',') {
                return Some(out);
            }
            match self.ident() {
                Some(i) => out.push(i),
                None => {
                    self.pos = save;
                    return Some(out);
                }
            }
        }
    }

    fn string(&mut self) -> Option<StrLit> {
        self.skip();
        let start = self.pos;
        if self.peek() != Some(b'"') {
            return None;
        }
        let b = self.b;
        let mut i = start + 1;
        let mut value = String::new();
        let mut plain_from = i;
        loop {
            match *b.get(i)? {
                b'"' => break,
                b'\n' => return None,
                b'\\' => {
                    value.push_str(&self.text[plain_from..i]);
                    // An unknown escape: the builder reports it.
                    value.push(lexicon::unescape(char::from(*b.get(i + 1)?))?);
                    i += 2;
                    plain_from = i;
                }
                _ => i += 1,
            }
        }
        value.push_str(&self.text[plain_from..i]);
        self.pos = i + 1;
        Some(StrLit {
            value,
            span: self.span(start, self.pos),
        })
    }

    /// `YYYY-MM-DD` not followed by a name character.
    fn date_len(&self) -> Option<usize> {
        let b = self.b.get(self.pos..self.pos + 10)?;
        let shaped = b.iter().enumerate().all(|(i, &c)| {
            if i == 4 || i == 7 {
                c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
        let after = self.b.get(self.pos + 10).copied();
        (shaped && !after.is_some_and(is_ident_char)).then_some(10)
    }

    fn date(&mut self) -> Option<DateLit> {
        self.skip();
        let len = self.date_len()?;
        let start = self.pos;
        let value = self.text[start..start + len]
            .parse::<jiff::civil::Date>()
            .ok()?;
        self.pos += len;
        Some(DateLit {
            value,
            span: self.span(start, self.pos),
        })
    }

    /// `[0-9]+[dwh]` not followed by a name character.
    fn duration_len(&self) -> Option<usize> {
        let b = self.b;
        let mut i = self.pos;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == self.pos
            || b.get(i)
                .is_none_or(|&u| lexicon::duration_unit(u).is_none())
        {
            return None;
        }
        (!b.get(i + 1).copied().is_some_and(is_ident_char)).then_some(i + 1 - self.pos)
    }

    fn duration(&mut self) -> Option<DurationLit> {
        self.skip();
        let len = self.duration_len()?;
        let start = self.pos;
        let s = &self.text[start..start + len];
        let (num, unit) = s.split_at(len - 1);
        let amount = num
            .parse::<i64>()
            .ok()
            .filter(|&n| n <= lexicon::MAX_DURATION)?;
        let unit = lexicon::duration_unit(unit.as_bytes()[0])?;
        self.pos += len;
        Some(DurationLit {
            amount,
            unit,
            span: self.span(start, self.pos),
        })
    }

    // ---- items -----------------------------------------------------------------------

    fn item(&mut self) -> Option<Item> {
        let start = self.pos;
        let first = self.word()?;
        let is_override = first == "override";
        if is_override {
            self.pos += first.len();
            self.skip();
        }
        let word = self.word()?;
        self.pos += word.len();
        Some(match (is_override, word) {
            (false, "import") => Item::Import(self.string()?),
            (false, "script") => Item::Script(self.string()?),
            (false, "settings") => Item::Settings(self.settings(start)?),
            (false, "calendar") => Item::Calendar(self.calendar(start)?),
            (false, "source") => Item::Source(Box::new(self.source(start)?)),
            (false, "profile") => Item::Profile(self.profile(start)?),
            (_, "param") => Item::Param(self.param(start, is_override)?),
            (_, "metric") => Item::Metric(self.metric(start, is_override)?),
            (_, "funnel") => self.funnel(start, is_override)?,
            (_, "check") => Item::Check(Box::new(self.check(start, is_override)?)),
            _ => return None,
        })
    }

    fn settings(&mut self, start: usize) -> Option<Settings> {
        if !self.punct(b'{') {
            return None;
        }
        let mut s = Settings::default();
        loop {
            if self.punct(b'}') {
                s.span = self.span(start, self.pos);
                return Some(s);
            }
            let key = self.ident()?;
            self.skip();
            let vstart = self.pos;
            match (key.name.as_str(), self.peek()?) {
                ("timezone", b'"') => s.timezone = Some(self.string()?),
                ("currency", b'"') => s.currency = Some(self.string()?),
                ("locale", b'"') => s.locale = Some(self.string()?),
                (_, b'"') => return None,
                _ => {
                    let w = self.word()?;
                    if matches!(w, "true" | "false") {
                        self.pos += w.len();
                        if key.name != "review_required" {
                            return None;
                        }
                        s.review_required = Some((w == "true", self.span(vstart, self.pos)));
                        continue;
                    }
                    let v = self.ident()?;
                    match key.name.as_str() {
                        "currency" => {
                            s.currency = Some(StrLit {
                                value: v.name,
                                span: v.span,
                            })
                        }
                        "week_start" => s.week_start = Some(v),
                        "calendar" => s.calendar = Some(v),
                        _ => return None,
                    }
                }
            }
        }
    }

    fn calendar(&mut self, start: usize) -> Option<Calendar> {
        let name = self.def_name()?;
        if !self.punct(b'{') {
            return None;
        }
        let mut cal = Calendar {
            name,
            span: Span::default(),
            weekend: None,
            holidays: Vec::new(),
        };
        loop {
            if self.punct(b'}') {
                cal.span = self.span(start, self.pos);
                return Some(cal);
            }
            if self.kw("weekend") {
                let days = self.idents()?;
                cal.weekend.get_or_insert_with(Vec::new).extend(days);
            } else if self.kw("holiday") {
                cal.holidays.push(self.date()?);
                loop {
                    let save = self.pos;
                    if !self.punct(b',') {
                        break;
                    }
                    self.skip();
                    if self.date_len().is_none() {
                        self.pos = save;
                        break;
                    }
                    cal.holidays.push(self.date()?);
                }
            } else {
                return None;
            }
        }
    }

    fn source(&mut self, start: usize) -> Option<Source> {
        let name = self.def_name()?;
        if !self.punct(b'{') {
            return None;
        }
        let mut src = Source {
            name,
            span: Span::default(),
            from: None,
            time: None,
            dimensions: Vec::new(),
            entity: None,
            columns: Vec::new(),
            read: ReadEntries::default(),
            key: None,
            valid_from: None,
            valid_to: None,
            lookups: Vec::new(),
        };
        loop {
            if self.punct(b'}') {
                src.span = self.span(start, self.pos);
                return Some(src);
            }
            if self.kw("from") {
                src.from = Some(self.string()?);
            } else if self.kw("time") {
                src.time = Some(self.ident()?);
                if self.kw("format") {
                    src.read.time_format = Some(self.string()?);
                }
            } else if self.kw("delimiter") {
                src.read.delimiter = Some(self.string()?);
            } else if self.kw("decimal") {
                src.read.decimal = Some(self.string()?);
            } else if self.kw("thousands") {
                src.read.thousands = Some(self.string()?);
            } else if self.kw("encoding") {
                src.read.encoding = Some(self.string()?);
            } else if self.kw("sheet") {
                src.read.sheet = Some(self.string()?);
            } else if self.kw("null") {
                let mut list = vec![self.string()?];
                while self.punct(b',') {
                    list.push(self.string()?);
                }
                src.read.null = Some(list);
            } else if self.kw("header") {
                // Plain digits only; anything else goes to the full parser.
                self.skip();
                let at = self.pos;
                let end = at
                    + self.b[at..]
                        .iter()
                        .take_while(|c| c.is_ascii_digit())
                        .count();
                if end == at
                    || self
                        .b
                        .get(end)
                        .is_some_and(|&c| is_ident_char(c) || c == b'.')
                {
                    return None;
                }
                self.pos = end;
                src.read.header = Some(StrLit {
                    value: self.text[at..end].to_string(),
                    span: self.span(at, end),
                });
            } else if self.kw("entity") {
                src.entity = Some(self.ident()?);
            } else if self.kw("key") {
                src.key = Some(self.ident()?);
            } else if self.kw("valid_from") {
                src.valid_from = Some(self.ident()?);
            } else if self.kw("valid_to") {
                src.valid_to = Some(self.ident()?);
            } else if self.kw("lookup") {
                let source = self.ident()?;
                let on = if self.kw("on") {
                    Some(self.ident()?)
                } else {
                    None
                };
                src.lookups.push(LookupRef { source, on });
            } else if self.kw("dimensions") {
                let dims = self.idents()?;
                src.dimensions.extend(dims);
            } else if self.kw("column") {
                src.columns.push(self.column_entry()?);
            } else {
                return None;
            }
        }
    }

    /// `column` (string | name) [`as` name] [`:` type], as the grammar's `src_column`.
    fn column_entry(&mut self) -> Option<ColumnEntry> {
        self.skip();
        let (mut header, mut name) = if self.peek() == Some(b'"') {
            let s = self.string()?;
            let n = Ident {
                name: s.value.clone(),
                span: s.span,
            };
            (Some(s), n)
        } else {
            (None, self.ident()?)
        };
        if self.kw("as") {
            if header.is_none() {
                header = Some(StrLit {
                    value: name.name.clone(),
                    span: name.span,
                });
            }
            name = self.ident()?;
        }
        let ty = if self.punct(b':') {
            Some(self.ident()?)
        } else {
            None
        };
        let expr = if self.punct(b'=') {
            Some(self.expr()?)
        } else {
            None
        };
        Some(ColumnEntry {
            header,
            name,
            ty,
            expr,
        })
    }

    fn param(&mut self, start: usize, is_override: bool) -> Option<Param> {
        let name = self.def_name()?;
        let value = if self.punct(b'=') {
            Some(self.expr()?)
        } else if self.kw("required") {
            None
        } else {
            return None;
        };
        Some(Param {
            name,
            span: self.span(start, self.pos),
            value,
            is_override,
        })
    }

    fn metric(&mut self, start: usize, is_override: bool) -> Option<Metric> {
        let name = self.def_name()?;
        if !self.punct(b'=') {
            return None;
        }
        let expr = self.expr()?;
        let mut attrs = Attrs::default();
        let save = self.pos;
        if self.punct(b'{') {
            while !self.punct(b'}') {
                if !self.attr(&mut attrs)? {
                    return None;
                }
            }
        } else {
            self.pos = save;
        }
        Some(Metric {
            name,
            span: self.span(start, self.pos),
            expr,
            attrs,
            is_override,
        })
    }

    /// One attribute, if the next word starts one (`Some(false)` if not; `None` when
    /// it starts one that is not clean).
    fn attr(&mut self, attrs: &mut Attrs) -> Option<bool> {
        self.skip();
        let start = self.pos;
        match self.word() {
            Some("format") => {
                self.pos += "format".len();
                let v = self.ident()?;
                attrs.format = Some((Format::parse(&v.name)?, self.span(start, self.pos)));
            }
            Some("unit") => {
                self.pos += "unit".len();
                attrs.unit = Some(self.ident()?);
            }
            Some("description") => {
                self.pos += "description".len();
                attrs.description = Some(self.string()?);
            }
            Some("owner") => {
                self.pos += "owner".len();
                attrs.owner = Some(self.string()?);
            }
            Some("review") => {
                self.pos += "review".len();
                attrs.review = Some(self.review(start)?);
            }
            _ => return Some(false),
        }
        Some(true)
    }

    fn review(&mut self, start: usize) -> Option<Review> {
        if !self.kw("every") {
            return None;
        }
        self.skip();
        let every = if self.duration_len().is_some() {
            ReviewEvery::Duration(self.duration()?)
        } else {
            ReviewEvery::Grain(self.ident()?)
        };
        if !self.kw("last") {
            return None;
        }
        let last = self.date()?;
        let mut end = self.pos;
        let save = self.pos;
        let owner = if self.kw("owner") {
            match self.string() {
                Some(s) => {
                    end = self.pos;
                    Some(s)
                }
                None => {
                    self.pos = save;
                    None
                }
            }
        } else {
            self.pos = save;
            None
        };
        Some(Review {
            span: self.span(start, end),
            every,
            last,
            owner,
        })
    }

    fn funnel(&mut self, start: usize, is_override: bool) -> Option<Item> {
        let name = self.def_name()?;
        if self.kw("over") {
            return self
                .journey(start, name, is_override)
                .map(|j| Item::Journey(Box::new(j)));
        }
        if !self.punct(b'{') {
            return None;
        }
        let mut f = Funnel {
            name,
            span: Span::default(),
            stages: Vec::new(),
            value: None,
            attrs: Attrs::default(),
            is_override,
        };
        loop {
            if self.punct(b'}') {
                f.span = self.span(start, self.pos);
                return Some(Item::Funnel(Box::new(f)));
            }
            if self.kw("stage") {
                let n = self.def_name()?;
                if !self.punct(b'=') {
                    return None;
                }
                f.stages.push((n, self.expr()?));
            } else if self.kw("value") {
                f.value = Some(self.expr()?);
            } else if !self.attr(&mut f.attrs)? {
                return None;
            }
        }
    }

    fn journey(&mut self, start: usize, name: Ident, is_override: bool) -> Option<Journey> {
        let over = self.ident()?;
        if !self.kw("by") {
            return None;
        }
        let by = self.ident()?;
        if !self.kw("within") {
            return None;
        }
        let within = self.duration()?;
        if !self.punct(b'{') {
            return None;
        }
        let mut j = Journey {
            name,
            span: Span::default(),
            over,
            by,
            within,
            steps: Vec::new(),
            attrs: Attrs::default(),
            is_override,
        };
        loop {
            if self.punct(b'}') {
                j.span = self.span(start, self.pos);
                return Some(j);
            }
            if self.kw("step") {
                let n = self.def_name()?;
                if !self.kw("where") {
                    return None;
                }
                j.steps.push((n, self.expr()?));
            } else if !self.attr(&mut j.attrs)? {
                return None;
            }
        }
    }

    fn check(&mut self, start: usize, is_override: bool) -> Option<Check> {
        let name = self.def_name()?;
        if !self.punct(b'=') {
            return None;
        }
        let expr = self.expr()?;
        if !self.punct(b'{') {
            return None;
        }
        let mut c = Check {
            name,
            span: Span::default(),
            expr,
            per: Vec::new(),
            every: None,
            warn: None,
            fail: None,
            attrs: Attrs::default(),
            is_override,
        };
        loop {
            if self.punct(b'}') {
                c.span = self.span(start, self.pos);
                return Some(c);
            }
            self.skip();
            let at = self.pos;
            if self.kw("per") {
                let dims = self.idents()?;
                c.per.extend(dims);
            } else if self.kw("every") {
                c.every = Some(self.ident()?);
            } else if self.kw("warn") {
                c.warn = Some(self.condition(at)?);
            } else if self.kw("fail") {
                c.fail = Some(self.condition(at)?);
            } else if !self.attr(&mut c.attrs)? {
                return None;
            }
        }
    }

    /// `when <op> expr` after `warn`/`fail` (which start at `start`).
    fn condition(&mut self, start: usize) -> Option<Condition> {
        if !self.kw("when") {
            return None;
        }
        self.skip();
        let op = match self.infix()? {
            (op, 40, len) if !matches!(op, Op::In) => {
                self.pos += len;
                op.binop()
            }
            _ => return None,
        };
        let rhs = self.expr()?;
        Some(Condition {
            span: self.span(start, self.pos),
            op,
            rhs,
        })
    }

    fn profile(&mut self, start: usize) -> Option<Profile> {
        let name = self.def_name()?;
        if !self.punct(b'{') {
            return None;
        }
        let mut sets = Vec::new();
        loop {
            if self.punct(b'}') {
                return Some(Profile {
                    name,
                    span: self.span(start, self.pos),
                    sets,
                });
            }
            let k = self.ident()?;
            if !self.punct(b'=') {
                return None;
            }
            sets.push((k, self.expr()?));
        }
    }

    // ---- expressions ------------------------------------------------------------------

    /// A whole expression, as the builder's `expr` (which bounds size and depth).
    fn expr(&mut self) -> Option<Expr> {
        self.tokens = 0;
        let (e, depth) = self.pratt(0, 0)?;
        (depth <= MAX_DEPTH && self.tokens <= MAX_TOKENS).then_some(e)
    }

    fn token(&mut self) -> Option<()> {
        self.tokens += 1;
        (self.tokens <= MAX_TOKENS).then_some(())
    }

    /// The operator at the current position: (operator, binding power, length). The
    /// powers are those of the pest Pratt parser (10 per level, lowest first).
    fn infix(&self) -> Option<(Op, u8, usize)> {
        let b = self.b;
        let two = b.get(self.pos..self.pos + 2);
        Some(match *b.get(self.pos)? {
            b'=' if two == Some(b"==") => (Op::Bin(BinOp::Eq), 40, 2),
            b'!' if two == Some(b"!=") => (Op::Bin(BinOp::Ne), 40, 2),
            b'<' if two == Some(b"<=") => (Op::Bin(BinOp::Le), 40, 2),
            b'>' if two == Some(b">=") => (Op::Bin(BinOp::Ge), 40, 2),
            b'<' => (Op::Bin(BinOp::Lt), 40, 1),
            b'>' => (Op::Bin(BinOp::Gt), 40, 1),
            b'+' => (Op::Bin(BinOp::Add), 50, 1),
            b'-' => (Op::Bin(BinOp::Sub), 50, 1),
            b'*' => (Op::Bin(BinOp::Mul), 60, 1),
            b'/' => (Op::Bin(BinOp::Div), 60, 1),
            _ => match self.word()? {
                "or" => (Op::Bin(BinOp::Or), 10, 2),
                "and" => (Op::Bin(BinOp::And), 20, 3),
                "in" => (Op::In, 40, 2),
                "is" => (Op::IsNull, 40, 2),
                _ => return None,
            },
        })
    }

    /// Pratt parsing with binding power `rbp`; returns the tree and its depth.
    fn pratt(&mut self, rbp: u8, prefixes: usize) -> Option<(Expr, usize)> {
        let (mut lhs, mut depth) = self.nud(prefixes)?;
        loop {
            let end = self.pos;
            self.skip();
            let Some((op, lbp, len)) = self.infix().filter(|&(_, lbp, _)| rbp < lbp) else {
                // Stop at the end of the last token, not after the blanks behind it.
                self.pos = end;
                return Some((lhs, depth));
            };
            self.token()?;
            let op_start = self.pos;
            self.pos += len;
            match op {
                Op::Bin(bin) => {
                    let (rhs, d) = self.pratt(lbp, 0)?;
                    depth = depth.max(d) + 1;
                    let span = lhs.span.to(rhs.span);
                    lhs = Expr {
                        kind: ExprKind::Binary(bin, Box::new(lhs), Box::new(rhs)),
                        span,
                    };
                }
                Op::IsNull => {
                    let negated = self.kw("not");
                    if !self.kw("null") {
                        return None;
                    }
                    depth += 1;
                    let span = lhs.span.to(self.span(op_start, self.pos));
                    lhs = Expr {
                        kind: ExprKind::IsNull(Box::new(lhs), negated),
                        span,
                    };
                }
                Op::In => {
                    let (items, d) = self.list()?;
                    depth = depth.max(d) + 1;
                    let span = lhs.span.to(self.span(op_start, self.pos));
                    lhs = Expr {
                        kind: ExprKind::In(Box::new(lhs), items),
                        span,
                    };
                }
            }
        }
    }

    /// `[a, b, ..]` after `in` (a trailing comma allowed).
    fn list(&mut self) -> Option<(Vec<Expr>, usize)> {
        if !self.punct(b'[') {
            return None;
        }
        let mut items = Vec::new();
        let mut depth = 0;
        if self.punct(b']') {
            return Some((items, depth));
        }
        loop {
            let (e, d) = self.pratt(0, 0)?;
            items.push(e);
            depth = depth.max(d);
            if self.punct(b']') {
                return Some((items, depth));
            }
            if !self.punct(b',') {
                return None;
            }
            if self.punct(b']') {
                return Some((items, depth));
            }
        }
    }

    /// A prefix operator applied to what follows, or a primary.
    fn nud(&mut self, prefixes: usize) -> Option<(Expr, usize)> {
        self.skip();
        let start = self.pos;
        let (op, power, len) = match self.peek()? {
            b'-' => (UnOp::Neg, 70, 1),
            _ if self.word() == Some("not") => (UnOp::Not, 30, 3),
            _ => return self.primary(),
        };
        if prefixes >= MAX_PREFIX_RUN {
            return None;
        }
        self.token()?;
        self.pos += len;
        let (rhs, depth) = self.pratt(power - 1, prefixes + 1)?;
        let span = self.span(start, start + len).to(rhs.span);
        Some((
            Expr {
                kind: ExprKind::Unary(op, Box::new(rhs)),
                span,
            },
            depth + 1,
        ))
    }

    fn primary(&mut self) -> Option<(Expr, usize)> {
        self.token()?;
        let start = self.pos;
        let c = self.peek()?;
        let kind = if c.is_ascii_digit() {
            if self.date_len().is_some() {
                ExprKind::Date(self.date()?.value)
            } else if self.duration_len().is_some() {
                ExprKind::Duration(self.duration()?)
            } else {
                return self.number().map(|e| (e, 1));
            }
        } else if c == b'"' {
            ExprKind::Str(self.string()?.value)
        } else if c == b'(' {
            self.pos += 1;
            let (mut e, depth) = self.pratt(0, 0)?;
            if !self.punct(b')') {
                return None;
            }
            e.span = self.span(start, self.pos);
            return Some((e, depth));
        } else {
            let w = self.word()?;
            if w == "true" || w == "false" {
                self.pos += w.len();
                ExprKind::Bool(w == "true")
            } else {
                let first = self.ident()?;
                let after = self.pos;
                if self.punct(b'(') {
                    return self.call(first, start);
                }
                self.pos = after;
                let mut parts = vec![first];
                while self.peek() == Some(b'.') {
                    let save = self.pos;
                    self.pos += 1;
                    match self.word() {
                        Some(w) if !RESERVED.contains(&w) => {
                            let s = self.pos;
                            self.pos += w.len();
                            parts.push(Ident {
                                name: w.to_string(),
                                span: self.span(s, self.pos),
                            });
                        }
                        _ => {
                            self.pos = save;
                            break;
                        }
                    }
                }
                ExprKind::Name(parts)
            }
        };
        Some((
            Expr {
                kind,
                span: self.span(start, self.pos),
            },
            1,
        ))
    }

    /// A number (`1_000.5`) or a percent (`12%`).
    fn number(&mut self) -> Option<Expr> {
        let b = self.b;
        let start = self.pos;
        let mut i = start + 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
        if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 2;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
                i += 1;
            }
        }
        if b.get(i)
            .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_')
        {
            return None;
        }
        let text = &self.text[start..i];
        let clean: String = text.chars().filter(|&c| c != '_').collect();
        let value = clean.parse::<f64>().ok().filter(|v| v.is_finite())?;
        let kind = if b.get(i) == Some(&b'%') {
            i += 1;
            ExprKind::Percent {
                value,
                text: text.to_string(),
            }
        } else {
            ExprKind::Number {
                value,
                text: text.to_string(),
            }
        };
        self.pos = i;
        Some(Expr {
            kind,
            span: self.span(start, i),
        })
    }

    /// After `name(`: an aggregation or a function call, as the builder makes them.
    fn call(&mut self, func: Ident, start: usize) -> Option<(Expr, usize)> {
        let mut args = Vec::new();
        let mut filter = None;
        let mut depth = 0;
        self.skip();
        if self.peek() != Some(b')') && self.word() != Some("where") {
            loop {
                let (e, d) = self.pratt(0, 0)?;
                args.push(e);
                depth = depth.max(d);
                if !self.punct(b',') {
                    break;
                }
            }
        }
        if self.kw("where") {
            let (f, d) = self.pratt(0, 0)?;
            filter = Some(f);
            depth = depth.max(d);
        }
        if !self.punct(b')') {
            return None;
        }
        let span = self.span(start, self.pos);
        let agg = AggFunc::parse(&func.name).filter(|f| {
            !matches!(f, AggFunc::Min | AggFunc::Max) || args.len() == 1 || filter.is_some()
        });
        let Some(agg) = agg else {
            if filter.is_some() {
                return None; // `where` outside an aggregation: the builder reports it
            }
            return Some((
                Expr {
                    kind: ExprKind::Call(func, args),
                    span,
                },
                depth + 1,
            ));
        };
        if args.len() > 2 {
            return None;
        }
        let mut args = args.into_iter();
        let (source, column) = match args.next()?.kind {
            ExprKind::Name(mut parts) if parts.len() <= 2 => {
                let column = (parts.len() == 2).then(|| parts.pop()).flatten();
                (parts.pop()?, column)
            }
            _ => return None,
        };
        Some((
            Expr {
                kind: ExprKind::Agg(Box::new(Aggregation {
                    func: agg,
                    func_span: func.span,
                    source,
                    column,
                    expr: None,
                    arg: args.next(),
                    filter,
                })),
                span,
            },
            depth + 1,
        ))
    }
}

#[derive(Clone, Copy)]
enum Op {
    Bin(BinOp),
    In,
    IsNull,
}

impl Op {
    fn binop(self) -> BinOp {
        match self {
            Op::Bin(b) => b,
            Op::In | Op::IsNull => BinOp::Eq,
        }
    }
}
