//! The tree builder: pest's pairs of an item to AST nodes, with typed accessors
//! for the children a rule always has (a missing one is a bug, reported as a
//! diagnostic, never a panic).

use pest::iterators::Pair;

use super::*;
use crate::syntax::lexicon;

/// The children of a pair, without keyword tokens.
/// A child that the grammar always gives a rule was not there: a bug in kpi's
/// parser, reported as a diagnostic (E0198) instead of a panic.
#[derive(Debug)]
pub(super) struct Missing(pub &'static str);

/// What building a part of the tree gives.
pub(super) type Built<T> = Result<T, Missing>;

/// The next child of a rule, which the grammar guarantees (`what` names it).
pub(super) fn next<'i>(
    it: &mut impl Iterator<Item = Pair<'i, Rule>>,
    what: &'static str,
) -> Built<Pair<'i, Rule>> {
    it.next().ok_or(Missing(what))
}

impl Missing {
    /// The diagnostic of a missing child at `at` (a byte offset of the file).
    pub(super) fn diagnostic(&self, file: FileId, at: usize) -> Diagnostic {
        Diagnostic::error(
            "E0198",
            format!("internal error: the parse tree has no {}", self.0),
        )
        .at(Span::new(file, at..at + 1), "while reading this")
        .with_help("this is a bug in kpi's parser; please report it with the file")
    }
}

pub(super) fn inner(p: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    p.into_inner().filter(|c| !is_keyword(c.as_rule()))
}

pub(super) fn binop(r: Rule) -> BinOp {
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
pub(super) struct Builder {
    pub(super) file: FileId,
    /// Offset of the parsed text in the file.
    pub(super) base: usize,
    pub(super) diags: Vec<Diagnostic>,
}

impl Builder {
    /// The span of a pair, without the blanks and comments pest consumes after it when
    /// the rule ends in an optional or repeated part (`review .. last D [owner ".."]`).
    pub(super) fn span(&self, p: &Pair<Rule>) -> Span {
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

    pub(super) fn ident(&self, p: Pair<Rule>) -> Ident {
        Ident {
            name: p.as_str().to_string(),
            span: self.span(&p),
        }
    }

    /// A name that defines something: must be `[a-z_][a-z0-9_]*`.
    pub(super) fn def_name(&mut self, p: Pair<Rule>) -> Ident {
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

    pub(super) fn string(&mut self, p: Pair<Rule>) -> StrLit {
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
                Some((_, c)) if lexicon::unescape(c).is_some() => {
                    value.extend(lexicon::unescape(c));
                }
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

    pub(super) fn date(&mut self, p: Pair<Rule>) -> DateLit {
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

    pub(super) fn duration(&mut self, p: Pair<Rule>) -> DurationLit {
        let span = self.span(&p);
        let s = p.as_str();
        let (num, unit) = s.split_at(s.len() - 1);
        let amount = match num.parse::<i64>() {
            Ok(n) if n <= lexicon::MAX_DURATION => n,
            _ => {
                self.diags.push(
                    Diagnostic::error("E0105", format!("duration `{s}` is too large"))
                        .at(span, "out of range")
                        .with_help(format!(
                            "durations are at most {} units",
                            lexicon::MAX_DURATION
                        )),
                );
                0
            }
        };
        // The grammar admits only the lexicon's suffixes.
        let unit = lexicon::duration_unit(unit.as_bytes()[0]).unwrap_or(DurationUnit::Days);
        DurationLit { amount, unit, span }
    }

    pub(super) fn number(&mut self, text: &str, span: Span) -> f64 {
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

    pub(super) fn item(&mut self, pair: Pair<Rule>) -> Built<Option<Item>> {
        let Some(it) = inner(pair).next() else {
            return Ok(None);
        };
        Ok(Some(match it.as_rule() {
            Rule::import => Item::Import(self.string(next(&mut inner(it), "import path")?)),
            Rule::script => Item::Script(self.string(next(&mut inner(it), "script path")?)),
            Rule::settings => Item::Settings(self.settings(it)?),
            Rule::calendar => Item::Calendar(self.calendar(it)?),
            Rule::source => Item::Source(Box::new(self.source(it)?)),
            Rule::param => Item::Param(self.param(it)?),
            Rule::metric => Item::Metric(self.metric(it)?),
            Rule::funnel => Item::Funnel(Box::new(self.funnel(it)?)),
            Rule::journey => Item::Journey(Box::new(self.journey(it)?)),
            Rule::check => Item::Check(Box::new(self.check(it)?)),
            Rule::profile => Item::Profile(self.profile(it)?),
            _ => return Ok(None),
        }))
    }

    pub(super) fn settings(&mut self, p: Pair<Rule>) -> Built<Settings> {
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
                ("locale", Rule::string) => s.locale = Some(self.string(value)),
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
                ("locale", _) => self.diags.push(want("a string such as \"nl-NL\"")),
                ("week_start" | "calendar", _) => self.diags.push(want("a name")),
                ("review_required", _) => self.diags.push(want("true or false")),
                (other, _) => {
                    let valid = [
                        "timezone",
                        "week_start",
                        "currency",
                        "locale",
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
        Ok(s)
    }

    pub(super) fn calendar(&mut self, p: Pair<Rule>) -> Built<Calendar> {
        let span = self.span(&p);
        let mut it = inner(p);
        let name = self.def_name(next(&mut it, "calendar name")?);
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
        Ok(cal)
    }

    pub(super) fn source(&mut self, p: Pair<Rule>) -> Built<Source> {
        let span = self.span(&p);
        let mut it = inner(p);
        let name = self.def_name(next(&mut it, "source name")?);
        let mut src = Source {
            name,
            span,
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
        for entry in it {
            let rule = entry.as_rule();
            if rule == Rule::src_column {
                let parts: Vec<_> = inner(entry).collect();
                src.columns.extend(self.column_entry(parts));
                continue;
            }
            let mut fields = inner(entry).filter(|f| f.as_rule() != Rule::kw_format);
            let r = &mut src.read;
            match rule {
                Rule::src_from => src.from = fields.next().map(|s| self.string(s)),
                Rule::src_time => {
                    src.time = fields.next().map(|s| self.ident(s));
                    r.time_format = fields.next().map(|s| self.string(s));
                }
                Rule::src_entity => src.entity = fields.next().map(|s| self.ident(s)),
                Rule::src_key => src.key = fields.next().map(|s| self.ident(s)),
                Rule::src_valid_from => src.valid_from = fields.next().map(|s| self.ident(s)),
                Rule::src_valid_to => src.valid_to = fields.next().map(|s| self.ident(s)),
                Rule::src_lookup => {
                    let mut names = fields.filter(|f| f.as_rule() == Rule::ident);
                    if let Some(s) = names.next() {
                        let source = self.ident(s);
                        let on = names.next().map(|o| self.ident(o));
                        src.lookups.push(LookupRef { source, on });
                    }
                }
                Rule::src_dimensions => src.dimensions.extend(fields.map(|d| self.ident(d))),
                Rule::src_delimiter => r.delimiter = fields.next().map(|s| self.string(s)),
                Rule::src_decimal => r.decimal = fields.next().map(|s| self.string(s)),
                Rule::src_thousands => r.thousands = fields.next().map(|s| self.string(s)),
                Rule::src_encoding => r.encoding = fields.next().map(|s| self.string(s)),
                Rule::src_sheet => r.sheet = fields.next().map(|s| self.string(s)),
                Rule::src_null => r.null = Some(fields.map(|s| self.string(s)).collect()),
                Rule::src_header => {
                    r.header = fields.next().map(|n| StrLit {
                        value: n.as_str().to_string(),
                        span: self.span(&n),
                    })
                }
                _ => {}
            }
        }
        Ok(src)
    }

    /// A `column` entry's parts after the keyword: (string | ident), then an
    /// optional `as NAME` and `: TYPE`. A string header without `as` keeps the
    /// string as the name; the compiler reports it unless it is a name.
    fn column_entry(&mut self, parts: Vec<Pair<Rule>>) -> Option<ColumnEntry> {
        let mut parts = parts.into_iter();
        let first = parts.next()?;
        let mut header = None;
        let mut name = match first.as_rule() {
            Rule::string => {
                let s = self.string(first);
                let n = Ident {
                    name: s.value.clone(),
                    span: s.span,
                };
                header = Some(s);
                n
            }
            _ => self.ident(first),
        };
        let mut ty = None;
        let mut expr = None;
        let mut after = None;
        for p in parts {
            match p.as_rule() {
                Rule::kw_as | Rule::colon | Rule::assign => after = Some(p.as_rule()),
                Rule::expr => expr = Some(self.expr(p).ok()?),
                _ if after == Some(Rule::kw_as) => {
                    if header.is_none() {
                        header = Some(StrLit {
                            value: name.name.clone(),
                            span: name.span,
                        });
                    }
                    name = self.ident(p);
                    after = None;
                }
                _ => ty = Some(self.ident(p)),
            }
        }
        Some(ColumnEntry {
            header,
            name,
            ty,
            expr,
        })
    }

    pub(super) fn param(&mut self, p: Pair<Rule>) -> Built<Param> {
        let span = self.span(&p);
        let mut it = inner(p).peekable();
        let is_override = it.peek().is_some_and(|x| x.as_rule() == Rule::kw_override);
        if is_override {
            it.next();
        }
        let name = self.def_name(next(&mut it, "param name")?);
        let value = match it.next() {
            Some(v) if v.as_rule() == Rule::expr => Some(self.expr(v)?),
            _ => None,
        };
        Ok(Param {
            name,
            span,
            value,
            is_override,
        })
    }

    pub(super) fn attr(&mut self, p: Pair<Rule>, attrs: &mut Attrs) -> Built<bool> {
        let rule = p.as_rule();
        let span = self.span(&p);
        match rule {
            Rule::attr_format => {
                let v = next(&mut inner(p), "format value")?;
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
            Rule::review => attrs.review = Some(self.review(p)?),
            _ => return Ok(false),
        }
        Ok(true)
    }

    pub(super) fn review(&mut self, p: Pair<Rule>) -> Built<Review> {
        let span = self.span(&p);
        let mut it = inner(p);
        let every = next(&mut it, "review every")?;
        let every = match every.as_rule() {
            Rule::duration => ReviewEvery::Duration(self.duration(every)),
            _ => ReviewEvery::Grain(self.ident(every)),
        };
        let last = self.date(next(&mut it, "review last")?);
        let owner = it.next().map(|o| self.string(o));
        Ok(Review {
            span,
            every,
            last,
            owner,
        })
    }

    pub(super) fn metric(&mut self, p: Pair<Rule>) -> Built<Metric> {
        let span = self.span(&p);
        let mut it = inner(p).peekable();
        let is_override = it.peek().is_some_and(|x| x.as_rule() == Rule::kw_override);
        if is_override {
            it.next();
        }
        let name = self.def_name(next(&mut it, "metric name")?);
        let expr = self.expr(next(&mut it, "metric expr")?)?;
        let mut attrs = Attrs::default();
        if let Some(block) = it.next() {
            for a in inner(block) {
                self.attr(a, &mut attrs)?;
            }
        }
        Ok(Metric {
            name,
            span,
            expr,
            attrs,
            is_override,
        })
    }

    pub(super) fn funnel(&mut self, p: Pair<Rule>) -> Built<Funnel> {
        let span = self.span(&p);
        let mut it = inner(p).peekable();
        let is_override = it.peek().is_some_and(|x| x.as_rule() == Rule::kw_override);
        if is_override {
            it.next();
        }
        let name = self.def_name(next(&mut it, "funnel name")?);
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
                    let n = self.def_name(next(&mut s, "stage name")?);
                    let e = self.expr(next(&mut s, "stage expr")?)?;
                    f.stages.push((n, e));
                }
                Rule::funnel_value => {
                    f.value = inner(entry).next().map(|e| self.expr(e)).transpose()?;
                }
                _ => {
                    self.attr(entry, &mut f.attrs)?;
                }
            }
        }
        Ok(f)
    }

    pub(super) fn journey(&mut self, p: Pair<Rule>) -> Built<Journey> {
        let span = self.span(&p);
        let mut it = inner(p).peekable();
        let is_override = it.peek().is_some_and(|x| x.as_rule() == Rule::kw_override);
        if is_override {
            it.next();
        }
        let name = self.def_name(next(&mut it, "funnel name")?);
        let over = self.ident(next(&mut it, "over")?);
        let by = self.ident(next(&mut it, "by")?);
        let within = self.duration(next(&mut it, "within")?);
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
                let n = self.def_name(next(&mut s, "step name")?);
                let e = self.expr(next(&mut s, "step filter")?)?;
                j.steps.push((n, e));
            } else {
                self.attr(entry, &mut j.attrs)?;
            }
        }
        Ok(j)
    }

    pub(super) fn condition(&mut self, p: Pair<Rule>) -> Built<Condition> {
        let span = self.span(&p);
        let mut it = inner(p);
        let op = binop(next(&mut it, "condition op")?.as_rule());
        let rhs = self.expr(next(&mut it, "condition rhs")?)?;
        Ok(Condition { span, op, rhs })
    }

    pub(super) fn check(&mut self, p: Pair<Rule>) -> Built<Check> {
        let span = self.span(&p);
        let mut it = inner(p).peekable();
        let is_override = it.peek().is_some_and(|x| x.as_rule() == Rule::kw_override);
        if is_override {
            it.next();
        }
        let name = self.def_name(next(&mut it, "check name")?);
        let expr = self.expr(next(&mut it, "check expr")?)?;
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
                Rule::warn => c.warn = Some(self.condition(entry)?),
                Rule::fail => c.fail = Some(self.condition(entry)?),
                _ => {
                    self.attr(entry, &mut c.attrs)?;
                }
            }
        }
        Ok(c)
    }

    pub(super) fn profile(&mut self, p: Pair<Rule>) -> Built<Profile> {
        let span = self.span(&p);
        let mut it = inner(p);
        let name = self.def_name(next(&mut it, "profile name")?);
        let mut sets = Vec::new();
        for s in it {
            let mut kv = inner(s);
            let k = self.ident(next(&mut kv, "param name")?);
            let v = self.expr(next(&mut kv, "param value")?)?;
            sets.push((k, v));
        }
        Ok(Profile { name, span, sets })
    }

    /// Build an expression, refusing ones too large to handle without deep recursion.
    pub(super) fn expr(&mut self, p: Pair<Rule>) -> Built<Expr> {
        let span = self.span(&p);
        let tokens = p.clone().into_inner().flatten().count();
        if tokens > MAX_EXPR_TOKENS {
            self.diags.push(
                Diagnostic::error("E0104", "expression is too long")
                    .at(Span::new(self.file, span.start as usize..span.start as usize + 1), format!("{tokens} tokens"))
                    .with_help(format!("at most {MAX_EXPR_TOKENS} tokens per expression; split it into named metrics")),
            );
            return Ok(Expr {
                kind: ExprKind::Number {
                    value: 0.0,
                    text: "0".into(),
                },
                span,
            });
        }
        let depth = depth_bound(&p);
        if depth > MAX_EXPR_DEPTH {
            self.diags.push(
                Diagnostic::error("E0104", "expression is too deep")
                    .at(Span::new(self.file, span.start as usize..span.start as usize + 1), format!("nested {depth} levels deep"))
                    .with_help(format!("at most {MAX_EXPR_DEPTH} levels are allowed, and each operator of a chain such as `a + b + ..` is a level; split the formula into named metrics")),
            );
            return Ok(Expr {
                kind: ExprKind::Number {
                    value: 0.0,
                    text: "0".into(),
                },
                span,
            });
        }
        self.pratt(p)
    }

    pub(super) fn pratt(&mut self, p: Pair<Rule>) -> Built<Expr> {
        // The closures of PrattParser cannot share `&mut self`; collect diagnostics in a cell.
        let me = std::cell::RefCell::new(self);
        let e = PRATT
            .map_primary(|prim| me.borrow_mut().primary(prim))
            .map_prefix(|op, rhs| {
                let rhs = rhs?;
                let span = me.borrow().span(&op).to(rhs.span);
                let op = if op.as_rule() == Rule::neg {
                    UnOp::Neg
                } else {
                    UnOp::Not
                };
                Ok(Expr {
                    kind: ExprKind::Unary(op, Box::new(rhs)),
                    span,
                })
            })
            .map_postfix(|lhs, op| {
                let lhs = lhs?;
                let span = lhs.span.to(me.borrow().span(&op));
                if op.as_rule() == Rule::is_null {
                    let negated = inner(op).any(|p| p.as_rule() == Rule::not);
                    return Ok(Expr {
                        kind: ExprKind::IsNull(Box::new(lhs), negated),
                        span,
                    });
                }
                let items = inner(op)
                    .map(|e| me.borrow_mut().pratt(e))
                    .collect::<Built<Vec<Expr>>>()?;
                Ok(Expr {
                    kind: ExprKind::In(Box::new(lhs), items),
                    span,
                })
            })
            .map_infix(|lhs, op, rhs| {
                let (lhs, rhs) = (lhs?, rhs?);
                let span = lhs.span.to(rhs.span);
                Ok(Expr {
                    kind: ExprKind::Binary(binop(op.as_rule()), Box::new(lhs), Box::new(rhs)),
                    span,
                })
            })
            .parse(inner(p));
        e
    }

    pub(super) fn primary(&mut self, p: Pair<Rule>) -> Built<Expr> {
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
                let mut e = self.pratt(next(&mut inner(p), "paren expr")?)?;
                e.span = span;
                return Ok(e);
            }
            Rule::call => return self.call(p),
            _ => ExprKind::Bool(false),
        };
        Ok(Expr { kind, span })
    }

    /// A call: an aggregation (`count(src where p)`, `min(src.col)`) or a function call.
    pub(super) fn call(&mut self, p: Pair<Rule>) -> Built<Expr> {
        let span = self.span(&p);
        let mut it = inner(p);
        let func = self.ident(next(&mut it, "call name")?);
        let mut args = Vec::new();
        let mut filter = None;
        for a in it {
            if a.as_rule() == Rule::filter {
                filter = Some(self.pratt(next(&mut inner(a), "filter expr")?)?);
            } else {
                args.push(self.pratt(a)?);
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
            return Ok(Expr {
                kind: ExprKind::Call(func, args),
                span,
            });
        };
        let mut args = args.into_iter();
        let target = args.next();
        let (source, column, expr) = match target {
            Some(Expr {
                kind: ExprKind::Name(mut parts),
                ..
            }) if parts.len() <= 2 => {
                let column = (parts.len() == 2).then(|| parts.pop()).flatten();
                let source = parts.pop().unwrap_or_else(|| func.clone());
                (source, column, None)
            }
            Some(t) => match super::target::row_source(&t, agg, &func.name) {
                Ok(source) => (source, None, Some(t)),
                Err(d) => {
                    self.diags.push(d);
                    let at = Ident {
                        name: String::new(),
                        span: t.span,
                    };
                    (at, None, None)
                }
            },
            None => {
                self.diags.push(
                    Diagnostic::error(
                        "E0405",
                        format!(
                            "`{}` needs a source or `source.column` as its first argument",
                            func.name
                        ),
                    )
                    .at(func.span, "expected `source` or `source.column`")
                    .with_help(super::target::target_example(agg, &func.name)),
                );
                let at = Ident {
                    name: String::new(),
                    span: func.span,
                };
                (at, None, None)
            }
        };
        let arg = args.next();
        if let Some(extra) = args.next() {
            self.diags.push(
                Diagnostic::error("E0405", format!("too many arguments to `{}`", func.name))
                    .at(extra.span, "unexpected argument"),
            );
        }
        Ok(Expr {
            kind: ExprKind::Agg(Box::new(Aggregation {
                func: agg,
                func_span: func.span,
                source,
                column,
                expr,
                arg,
                filter,
            })),
            span,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A child the grammar always gives, missing: a diagnostic, not a panic.
    #[test]
    fn a_missing_child_is_a_diagnostic() {
        let mut none = std::iter::empty::<Pair<Rule>>();
        let missing = next(&mut none, "metric name").unwrap_err();
        let d = missing.diagnostic(FileId(0), 7);
        assert_eq!(d.code, "E0198");
        assert_eq!(
            d.message,
            "internal error: the parse tree has no metric name"
        );
        assert_eq!(d.span, Some(Span::new(FileId(0), 7..8)));
        assert!(d.is_error());
    }
}
