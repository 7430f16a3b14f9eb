//! From the YAML tree to AST items, one function per section of DESIGN section 2.
//!
//! Items come out in document order: sections in the order they appear, and entries
//! of a section in the order written. A problem in one entry is a diagnostic and the
//! other entries are still built, so one run reports every error of the file.

use super::cx::{Cx, Fields};
use super::keys;
use super::node::{Node, SNode};
use crate::diag::Diagnostic;
use crate::syntax::ast::*;

impl Cx<'_> {
    /// The whole document: a mapping of sections (or nothing, for an empty file).
    pub fn document(&mut self, root: &SNode) -> Vec<Item> {
        let mut items = Vec::new();
        if matches!(root.value, Node::Null) {
            return items;
        }
        if !matches!(root.value, Node::Map(_)) {
            let d = Diagnostic::error(
                "E0152",
                format!(
                    "a definitions file must be a mapping of sections, not {}",
                    root.value.describe()
                ),
            )
            .at(self.span(root), "expected `section: ..` entries")
            .with_help(format!("sections: {}", keys::TOP.join(", ")));
            self.push(d);
            return items;
        }
        let Some(sections) = self.fields(root, keys::TOP, "the top level") else {
            return items;
        };
        for (key, _, value) in &sections.entries {
            match *key {
                "imports" => self.paths(value, "imports", &mut items, Item::Import),
                "scripts" => self.paths(value, "scripts", &mut items, Item::Script),
                "settings" => {
                    if let Some(s) = self.settings(value) {
                        items.push(Item::Settings(s));
                    }
                }
                _ => self.section(key, value, &mut items),
            }
        }
        items
    }

    /// A section of named items: `calendars`, `sources`, `params`, ...
    fn section(&mut self, key: &str, value: &SNode, items: &mut Vec<Item>) {
        let entries = self.named(value, &format!("`{key}`"));
        let misplaced = self.misplaced_attributes(key, &entries);
        for (i, (k, v)) in entries.iter().enumerate() {
            if misplaced[i] {
                continue;
            }
            // An entry whose attributes slid out to its own level has no value: the
            // mis-indentation is the error, not the missing value.
            if matches!(v.value, Node::Null) && misplaced.get(i + 1) == Some(&true) {
                continue;
            }
            let Some(name) = self.def_name(k) else {
                continue;
            };
            let span = self.span(k).to(self.extent(v));
            let item = match key {
                "calendars" => self.calendar(name, span, v).map(Item::Calendar),
                "sources" => self
                    .source(name, span, v)
                    .map(|s| Item::Source(Box::new(s))),
                "params" => self.param(name, span, v).map(Item::Param),
                "metrics" => self.metric(name, span, v).map(Item::Metric),
                "funnels" => self.funnel(name, span, v),
                "checks" => self.check(name, span, v).map(|c| Item::Check(Box::new(c))),
                _ => self.profile(name, span, v).map(Item::Profile),
            };
            items.extend(item);
        }
    }

    /// Which entries of a `metrics`, `checks` or `funnels` section are attribute keys
    /// (`value:`, `format:`, ..) that mis-indentation turned into names; each gets an
    /// error at the key naming the entry it most likely belongs to.
    fn misplaced_attributes(&mut self, key: &str, entries: &[&(SNode, SNode)]) -> Vec<bool> {
        let (kind, attrs): (&str, &[&[&str]]) = match key {
            "metrics" => ("metric", &[keys::METRIC]),
            "checks" => ("check", &[keys::CHECK]),
            "funnels" => ("funnel", &[keys::FUNNEL, keys::JOURNEY]),
            _ => return vec![false; entries.len()],
        };
        let misplaced: Vec<bool> = entries
            .iter()
            .map(|(k, _)| {
                let t = self.key_text(k);
                attrs.iter().any(|a| a.contains(&t.as_str()))
            })
            .collect();
        for (i, (k, _)) in entries.iter().enumerate().filter(|(i, _)| misplaced[*i]) {
            let name = self.key_text(k);
            let owner = (0..i).rev().find(|&j| !misplaced[j]);
            let help = match owner {
                Some(j) => format!(
                    "indent `{name}:` under `{}:` so that it belongs to that {kind}",
                    self.key_text(&entries[j].0)
                ),
                None => format!("indent `{name}:` under the {kind} it belongs to"),
            };
            let d = Diagnostic::error(
                "E0155",
                format!("`{name}` looks mis-indented: it is an attribute key of a {kind}, not a {kind} name"),
            )
            .at(self.span(k), "attribute key at the level of names")
            .with_help(help);
            self.push(d);
        }
        misplaced
    }

    fn paths(
        &mut self,
        value: &SNode,
        what: &str,
        items: &mut Vec<Item>,
        make: fn(StrLit) -> Item,
    ) {
        for p in self.list(value, &format!("`{what}`")) {
            if let Some(s) = self.str_lit(p, &format!("an entry of `{what}`")) {
                items.push(make(s));
            }
        }
    }

    fn settings(&mut self, value: &SNode) -> Option<Settings> {
        let f = self.fields(value, keys::SETTINGS, "settings")?;
        let mut s = Settings {
            span: self.extent(value),
            ..Settings::default()
        };
        for (key, _, v) in &f.entries {
            let what = format!("setting `{key}`");
            match *key {
                "timezone" => s.timezone = self.str_lit(v, &what),
                "week_start" => s.week_start = self.ident(v, &what),
                "currency" => s.currency = self.str_lit(v, &what),
                "locale" => s.locale = self.str_lit(v, &what),
                "calendar" => s.calendar = self.ident(v, &what),
                _ => s.review_required = self.bool(v, &what).map(|b| (b, self.span(v))),
            }
        }
        Some(s)
    }

    fn calendar(&mut self, name: Ident, span: crate::diag::Span, v: &SNode) -> Option<Calendar> {
        let what = format!("calendar `{}`", name.name);
        let f = self.fields(v, keys::CALENDAR, &what)?;
        let weekend = f.get("weekend").map(|w| {
            self.list(w, "`weekend`")
                .into_iter()
                .filter_map(|d| self.ident(d, "a weekend day"))
                .collect()
        });
        let holidays = match f.get("holidays") {
            Some(h) => self
                .list(h, "`holidays`")
                .into_iter()
                .filter_map(|d| self.date(d, "a holiday"))
                .collect(),
            None => Vec::new(),
        };
        Some(Calendar {
            name,
            span,
            weekend,
            holidays,
        })
    }

    fn source(&mut self, name: Ident, span: crate::diag::Span, v: &SNode) -> Option<Source> {
        let what = format!("source `{}`", name.name);
        let f = self.fields(v, keys::SOURCE, &what)?;
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
        for (key, _, v) in &f.entries {
            let r = &mut src.read;
            match *key {
                "from" => src.from = self.str_lit(v, "`from`"),
                "time" => match &v.value {
                    Node::Map(_) => {
                        if let Some(t) = self.fields(v, keys::TIME, "`time`") {
                            src.time = t.get("column").and_then(|c| self.ident(c, "`time.column`"));
                            src.read.time_format = t
                                .get("format")
                                .and_then(|f| self.str_lit(f, "`time.format`"));
                        }
                    }
                    _ => src.time = self.ident(v, "`time`"),
                },
                "entity" => src.entity = self.ident(v, "`entity`"),
                "key" => src.key = self.ident(v, "`key`"),
                "valid_from" => src.valid_from = self.ident(v, "`valid_from`"),
                "valid_to" => src.valid_to = self.ident(v, "`valid_to`"),
                "lookup" => {
                    // `lookup: reps`, `lookup: {source: reps, on: owner_id}`, or a list.
                    let items: Vec<&SNode> = match &v.value {
                        Node::Seq(_) => self.list(v, "`lookup`"),
                        _ => vec![v],
                    };
                    for item in items {
                        match &item.value {
                            Node::Map(_) => {
                                if let Some(m) = self.fields(item, keys::LOOKUP, "a lookup") {
                                    let source =
                                        m.get("source").and_then(|s| self.ident(s, "`source`"));
                                    let on = m.get("on").and_then(|o| self.ident(o, "`on`"));
                                    src.lookups
                                        .extend(source.map(|source| LookupRef { source, on }));
                                }
                            }
                            _ => src.lookups.extend(
                                self.ident(item, "a lookup source")
                                    .map(|source| LookupRef { source, on: None }),
                            ),
                        }
                    }
                }
                "dimensions" => {
                    for d in self.list(v, "`dimensions`") {
                        src.dimensions.extend(self.ident(d, "a dimension"));
                    }
                }
                "delimiter" => r.delimiter = self.str_lit(v, "`delimiter`"),
                "decimal" => r.decimal = self.str_lit(v, "`decimal`"),
                "thousands" => r.thousands = self.str_lit(v, "`thousands`"),
                "encoding" => r.encoding = self.str_lit(v, "`encoding`"),
                "sheet" => r.sheet = self.str_lit(v, "`sheet`"),
                "header" => r.header = self.str_lit(v, "`header`"),
                "null" => {
                    let items = self.list(v, "`null`");
                    let mut list = Vec::new();
                    for item in items {
                        // `null: [~]` or a bare `null:` item means the empty cell.
                        match item.value {
                            Node::Null => list.push(StrLit {
                                value: String::new(),
                                span: self.span(item),
                            }),
                            _ => list.extend(self.str_lit(item, "a `null` marker")),
                        }
                    }
                    src.read.null = Some(list);
                }
                _ => {
                    for (c, t) in self.pairs(v, "`columns`") {
                        src.columns.extend(self.column_entry(c, t));
                    }
                }
            }
        }
        Some(src)
    }

    /// `amount: decimal`, `amount: {header: "Deal Amount", type: decimal}` or
    /// `revenue: {expr: "qty * unit_price"}`.
    fn column_entry(&mut self, c: &SNode, t: &SNode) -> Option<ColumnEntry> {
        // A key that is not a name is a header (`Deal Amount: decimal`); the
        // compiler asks for a name, as for `column "Deal Amount": decimal`.
        if let Node::Str(s) = &c.value {
            if !s.is_empty()
                && !crate::syntax::lexicon::is_ident(s)
                && !matches!(t.value, Node::Map(_))
            {
                let header = self.str_lit(c, "a column header")?;
                let ty = self.ident(t, "a column type")?;
                let name = Ident {
                    name: header.value.clone(),
                    span: header.span,
                };
                return Some(ColumnEntry {
                    header: Some(header),
                    name,
                    ty: Some(ty),
                    expr: None,
                });
            }
        }
        let name = self.ident(c, "a column name")?;
        match &t.value {
            Node::Map(_) => {
                let f = self.fields(t, keys::COLUMN, &format!("column `{}`", name.name))?;
                let header = f.get("header").and_then(|h| self.str_lit(h, "`header`"));
                let ty = f.get("type").and_then(|t| self.ident(t, "a column type"));
                let expr = f.get("expr").and_then(|e| self.expr(e, "`expr`"));
                Some(ColumnEntry {
                    header,
                    name,
                    ty,
                    expr,
                })
            }
            _ => {
                let ty = self.ident(t, "a column type")?;
                Some(ColumnEntry {
                    header: None,
                    name,
                    ty: Some(ty),
                    expr: None,
                })
            }
        }
    }

    /// `name: 70`, `name: required`, or `name: {value: .., required: .., override: ..}`.
    fn param(&mut self, name: Ident, span: crate::diag::Span, v: &SNode) -> Option<Param> {
        let what = format!("param `{}`", name.name);
        let mut param = Param {
            name,
            span,
            value: None,
            is_override: false,
        };
        match &v.value {
            Node::Str(s) if s == "required" => {}
            Node::Map(_) => {
                let f = self.fields(v, keys::PARAM, &what)?;
                param.is_override = self.is_override(&f);
                let required = match f.get("required") {
                    Some(r) => self.bool(r, "`required`")?,
                    None => false,
                };
                param.value = match f.get("value") {
                    Some(x) => Some(self.expr(x, "`value`")?),
                    None => None,
                };
                if required && param.value.is_some() {
                    let d = Diagnostic::error(
                        "E0152",
                        format!("{what} has both `value` and `required: true`"),
                    )
                    .at(self.extent(v), "give one of them")
                    .with_help("a required param has no value; drop `value` or `required`");
                    self.push(d);
                    return None;
                }
                if !required && param.value.is_none() {
                    self.param_without_value(&param.name, &what);
                    return None;
                }
            }
            Node::Null => {
                self.param_without_value(&param.name, &what);
                return None;
            }
            _ => param.value = Some(self.expr(v, &what)?),
        }
        Some(param)
    }

    fn param_without_value(&mut self, name: &Ident, what: &str) {
        let d = Diagnostic::error("E0153", format!("missing value of {what}"))
            .at(name.span, "no value given")
            .with_help(format!(
                "give a value (`{0}: 70`), or mark it `{0}: required`",
                name.name
            ));
        self.push(d);
    }

    fn is_override(&mut self, f: &Fields) -> bool {
        f.get("override")
            .and_then(|o| self.bool(o, "`override`"))
            .unwrap_or(false)
    }

    fn attrs(&mut self, f: &Fields) -> Attrs {
        let mut a = Attrs::default();
        for (key, k, v) in &f.entries {
            match *key {
                "format" => a.format = self.format(k, v),
                "unit" => a.unit = self.ident(v, "`unit`"),
                "description" => a.description = self.str_lit(v, "`description`"),
                "owner" => a.owner = self.str_lit(v, "`owner`"),
                "review" => a.review = self.review(v),
                _ => {}
            }
        }
        a
    }

    fn format(&mut self, k: &SNode, v: &SNode) -> Option<(Format, crate::diag::Span)> {
        let text = match &v.value {
            Node::Str(s) => s.clone(),
            _ => {
                self.wrong_type(v, "`format`", "a format name");
                return None;
            }
        };
        match Format::parse(&text) {
            Some(f) => Some((f, self.span(k).to(self.span(v)))),
            None => {
                let mut help = format!("formats: {}", Format::ALL.join(", "));
                if let Some(h) = crate::diag::did_you_mean(&text, Format::ALL) {
                    help = format!("{h} {help}");
                }
                let d = Diagnostic::error("E0109", format!("unknown format `{text}`"))
                    .at(self.span(v), "not a format")
                    .with_help(help);
                self.push(d);
                None
            }
        }
    }

    /// `review: {every: quarter, last: 2026-09-30, owner: x}`
    fn review(&mut self, v: &SNode) -> Option<Review> {
        let f = self.fields(v, keys::REVIEW, "`review`")?;
        let span = self.extent(v);
        let every = match f.get("every") {
            Some(e) => match &e.value {
                Node::Str(s) if super::cx::is_duration(s) => {
                    ReviewEvery::Duration(self.duration(e, "`every`")?)
                }
                _ => ReviewEvery::Grain(self.ident(e, "`every`")?),
            },
            None => {
                self.missing(span, "every", "`review`", "quarter");
                return None;
            }
        };
        let last = match f.get("last") {
            Some(l) => self.date(l, "`last`")?,
            None => {
                self.missing(span, "last", "`review`", "2026-09-30");
                return None;
            }
        };
        let owner = f.get("owner").and_then(|o| self.str_lit(o, "`owner`"));
        Some(Review {
            span,
            every,
            last,
            owner,
        })
    }

    /// `name: EXPR` or `name: {value: EXPR, format: .., ..}`
    fn metric(&mut self, name: Ident, span: crate::diag::Span, v: &SNode) -> Option<Metric> {
        let what = format!("metric `{}`", name.name);
        if !matches!(v.value, Node::Map(_)) {
            if matches!(v.value, Node::Null) {
                self.missing(name.span, "value", &what, "<expression>");
                return None;
            }
            let expr = self.expr(v, &what)?;
            return Some(Metric {
                name,
                span,
                expr,
                attrs: Attrs::default(),
                is_override: false,
            });
        }
        let f = self.fields(v, keys::METRIC, &what)?;
        let is_override = self.is_override(&f);
        let attrs = self.attrs(&f);
        let Some(value) = f.get("value") else {
            self.missing(name.span, "value", &what, "<expression>");
            return None;
        };
        let expr = self.expr(value, "`value`")?;
        Some(Metric {
            name,
            span,
            expr,
            attrs,
            is_override,
        })
    }

    /// An aggregate funnel (`stages`) or a journey funnel (`over`, `by`, `within`, `steps`).
    fn funnel(&mut self, name: Ident, span: crate::diag::Span, v: &SNode) -> Option<Item> {
        let journey = match &v.value {
            Node::Map(entries) => entries.iter().any(|(k, _)| {
                matches!(&k.value, Node::Str(s) if ["over", "by", "within", "steps"].contains(&s.as_str()))
            }),
            _ => false,
        };
        if journey {
            return self
                .journey(name, span, v)
                .map(|j| Item::Journey(Box::new(j)));
        }
        let what = format!("funnel `{}`", name.name);
        let f = self.fields(v, keys::FUNNEL, &what)?;
        let is_override = self.is_override(&f);
        let attrs = self.attrs(&f);
        let stages = match f.get("stages") {
            Some(s) => self.named_exprs(s, "`stages`"),
            None => {
                self.missing(name.span, "stages", &what, "[touches: calls + emails, ..]");
                Vec::new()
            }
        };
        let value = f.get("value").and_then(|x| self.expr(x, "`value`"));
        Some(Item::Funnel(Box::new(Funnel {
            name,
            span,
            stages,
            value,
            attrs,
            is_override,
        })))
    }

    fn journey(&mut self, name: Ident, span: crate::diag::Span, v: &SNode) -> Option<Journey> {
        let what = format!("funnel `{}`", name.name);
        let f = self.fields(v, keys::JOURNEY, &what)?;
        let is_override = self.is_override(&f);
        let attrs = self.attrs(&f);
        let need = |cx: &mut Self, key: &str, example: &str| {
            let found = f.get(key);
            if found.is_none() {
                cx.missing(name.span, key, &what, example);
            }
            found
        };
        let over = need(self, "over", "activities");
        let by = need(self, "by", "account");
        let within = need(self, "within", "30d");
        let steps = need(self, "steps", "[visit: type == \"visit\", ..]");
        let over = over.and_then(|o| self.ident(o, "`over`"));
        let by = by.and_then(|b| self.ident(b, "`by`"));
        let within = within.and_then(|w| self.duration(w, "`within`"));
        let steps = steps.map_or_else(Vec::new, |s| self.named_exprs(s, "`steps`"));
        Some(Journey {
            name,
            span,
            over: over?,
            by: by?,
            within: within?,
            steps,
            attrs,
            is_override,
        })
    }

    /// `stages`/`steps`: ordered `name: expression` pairs.
    fn named_exprs(&mut self, n: &SNode, what: &str) -> Vec<(Ident, Expr)> {
        let mut out = Vec::new();
        for (k, v) in self.pairs(n, what) {
            let name = self.def_name(k);
            let expr = self.expr(v, what);
            if let (Some(name), Some(expr)) = (name, expr) {
                out.push((name, expr));
            }
        }
        out
    }

    fn check(&mut self, name: Ident, span: crate::diag::Span, v: &SNode) -> Option<Check> {
        let what = format!("check `{}`", name.name);
        let f = self.fields(v, keys::CHECK, &what)?;
        let is_override = self.is_override(&f);
        let attrs = self.attrs(&f);
        let mut per = Vec::new();
        if let Some(p) = f.get("per") {
            for d in self.list(p, "`per`") {
                per.extend(self.ident(d, "a `per` dimension"));
            }
        }
        let every = f.get("every").and_then(|e| self.ident(e, "`every`"));
        let warn = f.get("warn").and_then(|c| self.condition(c, "`warn`"));
        let fail = f.get("fail").and_then(|c| self.condition(c, "`fail`"));
        let Some(value) = f.get("value") else {
            self.missing(name.span, "value", &what, "<expression>");
            return None;
        };
        let expr = self.expr(value, "`value`")?;
        // A given `every`/`warn`/`fail` that was invalid is reported; building the check
        // without it would add a misleading "has no `every`" (E0221).
        let invalid = |key: &str, built: bool| f.get(key).is_some() && !built;
        if invalid("every", every.is_some())
            || invalid("warn", warn.is_some())
            || invalid("fail", fail.is_some())
        {
            return None;
        }
        Some(Check {
            name,
            span,
            expr,
            per,
            every,
            warn,
            fail,
            attrs,
            is_override,
        })
    }

    /// `profile: {param: value, ..}`
    fn profile(&mut self, name: Ident, span: crate::diag::Span, v: &SNode) -> Option<Profile> {
        let what = format!("profile `{}`", name.name);
        let mut sets = Vec::new();
        for (k, x) in self.named(v, &what) {
            let key = self.ident(k, "a param name");
            let expr = self.expr(x, &format!("the value of `{}`", self.key_text(k)));
            if let (Some(key), Some(expr)) = (key, expr) {
                sets.push((key, expr));
            }
        }
        Some(Profile { name, span, sets })
    }
}
