//! Settings, calendars and sources into the graph; `--set` values; reviews.

use crate::diag::{did_you_mean, Diagnostic, SourceMap};
use crate::syntax::ast::{self, Ident, ReviewEvery};

use super::graph::*;
use super::lower::{day_number, Lowerer};
use super::resolve::Scope;
use super::Build;
use crate::data::period::Grain;
use crate::data::ReadOptions;

pub(super) fn apply(
    scope: &Scope,
    map: &SourceMap,
    graph: &mut Graph,
    diags: &mut Vec<Diagnostic>,
) {
    let s = &scope.settings;
    if let Some(tz) = &s.timezone {
        match jiff::tz::TimeZone::get(&tz.value) {
            Ok(_) => graph.settings.timezone = tz.value.clone(),
            Err(_) => diags.push(
                Diagnostic::error("E0407", format!("unknown time zone `{}`", tz.value))
                    .at(tz.span, "not in the time-zone database")
                    .with_help("use an IANA name such as \"Europe/Amsterdam\", \"America/New_York\" or \"UTC\""),
            ),
        }
    }
    if let Some(w) = &s.week_start {
        if w.name != "monday" {
            diags.push(
                Diagnostic::error("E0410", format!("week_start `{}` is not supported", w.name))
                    .at(w.span, "weeks are ISO weeks")
                    .with_help("weeks start on monday (ISO 8601); remove the setting or write `week_start monday`"),
            );
        }
    }
    graph.settings.currency = s.currency.as_ref().map(|c| c.value.clone());
    if let Some(l) = &s.locale {
        use crate::report::number::Locale;
        match Locale::parse(&l.value) {
            Some(locale) => graph.settings.locale = locale,
            None => {
                let mut d = Diagnostic::error("E0416", format!("unknown locale `{}`", l.value))
                    .at(l.span, "not a locale kpi knows");
                d = d.with_help(match did_you_mean(&l.value, Locale::KNOWN) {
                    Some(h) => format!("{h} locales: {}", Locale::KNOWN.join(", ")),
                    None => format!("locales: {}", Locale::KNOWN.join(", ")),
                });
                diags.push(d);
            }
        }
    }
    graph.settings.review_required = s.review_required.is_some_and(|r| r.0);
    for c in &scope.calendars {
        let mut weekend = Vec::new();
        for d in c.weekend.iter().flatten() {
            match crate::data::calendar::weekday_from_name(&d.name) {
                Some(w) => weekend.push(w),
                None => diags.push(
                    Diagnostic::error("E0111", format!("unknown weekday `{}`", d.name))
                        .at(d.span, "not a weekday")
                        .with_help(
                            "use monday, tuesday, wednesday, thursday, friday, saturday or sunday",
                        ),
                ),
            }
        }
        if c.weekend.is_none() {
            weekend = vec![jiff::civil::Weekday::Saturday, jiff::civil::Weekday::Sunday];
        }
        let def = CalendarDef {
            name: c.name.name.clone(),
            weekend,
            holidays: c.holidays.iter().map(|h| day_number(h.value)).collect(),
        };
        if s.calendar.as_ref().is_some_and(|n| n.name == c.name.name) {
            graph.settings.calendar = Some(def);
        }
    }
    if let Some(cal) = &s.calendar {
        if graph.settings.calendar.is_none() {
            let names: Vec<&str> = scope
                .calendars
                .iter()
                .map(|c| c.name.name.as_str())
                .collect();
            let mut d = Diagnostic::error("E0210", format!("unknown calendar `{}`", cal.name))
                .at(cal.span, "no calendar of this name");
            d = d.with_help(match did_you_mean(&cal.name, names) {
                Some(h) => h,
                None => format!(
                    "declare it: `calendar {} {{ weekend saturday, sunday  holiday 2026-12-25 }}`",
                    cal.name
                ),
            });
            diags.push(d);
        }
    }
    for (src, file) in &scope.sources {
        graph.sources.push(source_def(src, *file, map, diags));
    }
    super::lookups::resolve(scope, graph, diags);
    // Scripts are loaded by `scripts::load`, before the scope is built.
}

fn source_def(
    src: &ast::Source,
    file: crate::diag::FileId,
    map: &SourceMap,
    diags: &mut Vec<Diagnostic>,
) -> SourceDef {
    let dir = map
        .get(file)
        .path
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_default();
    let mut read = read_options(&src.read, diags);
    let mut columns = Vec::new();
    let mut renames = Vec::new();
    for c in &src.columns {
        if let Some(h) = &c.header {
            renames.push((h.value.clone(), c.name.name.clone()));
            if h.span == c.name.span && !crate::syntax::lexicon::is_ident(&c.name.name) {
                let d =
                    Diagnostic::error("E0112", format!("the column `{}` needs a name", h.value))
                        .at(h.span, "not a name")
                        .with_help(format!(
                            "give it one: `column {} as {}`",
                            crate::syntax::format::quote(&h.value),
                            name_for(&h.value)
                        ));
                diags.push(d);
            }
        }
        let Some(t) = &c.ty else {
            if c.header.is_none() && c.expr.is_none() {
                let d = Diagnostic::error(
                    "E0112",
                    format!("`column {}` says nothing about the column", c.name.name),
                )
                .at(c.name.span, "no type and no header")
                .with_help(format!(
                    "give a type (`column {}: decimal`) or the file's header (`column \"Deal Amount\" as {}`)",
                    c.name.name, c.name.name
                ));
                diags.push(d);
            }
            continue;
        };
        match ColumnType::parse(&t.name) {
            Some(ty) => columns.push((c.name.name.clone(), ty)),
            None => {
                let mut d = Diagnostic::error("E0111", format!("unknown column type `{}`", t.name))
                    .at(t.span, "not a type");
                d = d.with_help(match did_you_mean(&t.name, ColumnType::NAMES) {
                    Some(h) => format!("{h} types: {}", ColumnType::NAMES.join(", ")),
                    None => format!("types: {}", ColumnType::NAMES.join(", ")),
                });
                diags.push(d);
            }
        }
    }
    read.renames = renames;
    SourceDef {
        name: src.name.name.clone(),
        span: src.name.span,
        from: src
            .from
            .as_ref()
            .map(|f| super::load::normalize(&dir.join(&f.value))),
        time: src.time.as_ref().map(|t| t.name.clone()),
        dimensions: src.dimensions.iter().map(|d| d.name.clone()).collect(),
        entity: src.entity.as_ref().map(|e| e.name.clone()),
        columns,
        read,
        derived: Vec::new(),
        key: src.key.as_ref().map(|k| k.name.clone()),
        valid_from: src.valid_from.as_ref().map(|k| k.name.clone()),
        valid_to: src.valid_to.as_ref().map(|k| k.name.clone()),
        lookups: Vec::new(),
    }
}

/// A name for an odd header: `Deal Amount (EUR)` -> `deal_amount_eur`.
pub fn name_for(header: &str) -> String {
    let mut out = String::new();
    for c in header.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_string();
    match out.chars().next() {
        None => "column".into(),
        Some(c) if c.is_ascii_digit() => format!("c_{out}"),
        _ => out,
    }
}

/// How `src`'s file is read, its bad entries left out (their diagnostics come
/// from the compiler): for tools that read a file before or without compiling.
pub fn source_read_options(src: &ast::Source) -> ReadOptions {
    let mut read = read_options(&src.read, &mut Vec::new());
    read.renames = src
        .columns
        .iter()
        .filter_map(|c| Some((c.header.as_ref()?.value.clone(), c.name.name.clone())))
        .collect();
    read
}

/// The checked reading entries of a source; each bad one is an E0112 at its text.
fn read_options(r: &ast::ReadEntries, diags: &mut Vec<Diagnostic>) -> ReadOptions {
    use crate::data::options as o;
    let mut out = ReadOptions::default();
    let mut bad = |l: &ast::StrLit, msg: String, help: String| {
        diags.push(
            Diagnostic::error("E0112", msg)
                .at(l.span, "cannot read the file this way")
                .with_help(help),
        );
    };
    if let Some(l) = &r.delimiter {
        match o::check_delimiter(&l.value) {
            Ok(b) => out.delimiter = Some(b),
            Err(m) => bad(
                l,
                m,
                "e.g. `delimiter \";\"` or `delimiter \"\\t\"` for tabs".into(),
            ),
        }
    }
    if let Some(l) = &r.decimal {
        match o::check_decimal(&l.value) {
            Ok(b) => out.decimal = Some(b),
            Err(m) => bad(l, m, "`decimal \",\"` reads 1234,56".into()),
        }
    }
    if let Some(l) = &r.thousands {
        match o::check_thousands(&l.value) {
            Ok(b) if Some(b) == out.decimal.or(Some(b'.')) => bad(
                l,
                format!("`{}` is the decimal separator too", l.value),
                "with `thousands \".\"` write `decimal \",\"` (1.234,56)".into(),
            ),
            Ok(b) => out.thousands = Some(b),
            Err(m) => bad(l, m, "`thousands \".\"` reads 1.234.567".into()),
        }
    }
    if let Some(l) = &r.encoding {
        match o::check_encoding(&l.value) {
            Ok(e) => out.encoding = Some(e),
            Err(m) => {
                let help = match did_you_mean(&l.value.to_ascii_lowercase(), o::COMMON_ENCODINGS) {
                    Some(h) => format!("{h} any WHATWG label works (utf-8, windows-1252, iso-8859-15, utf-16le, ..)"),
                    None => "any WHATWG label works: utf-8, windows-1252, iso-8859-15, utf-16le, shift_jis, ..".into(),
                };
                bad(l, m, help)
            }
        }
    }
    if let Some(l) = &r.header {
        match o::check_header(&l.value) {
            Ok(n) => out.header = Some(n),
            Err(m) => bad(l, m, "`header 3`: the column names are on line 3".into()),
        }
    }
    if let Some(l) = &r.time_format {
        match o::check_time_format(&l.value) {
            Ok(()) => out.time_format = Some(l.value.clone()),
            Err(m) => bad(
                l,
                m,
                "strftime fields: %Y %m %d %H %M %S, %b (Jan), %p (AM/PM), %z (+01:00); e.g. `format \"%d-%m-%Y %H:%M\"`".into(),
            ),
        }
    }
    if let Some(l) = &r.sheet {
        if l.value.is_empty() {
            bad(
                l,
                "an empty sheet name".into(),
                "name the sheet: `sheet \"Deals\"`".into(),
            );
        } else {
            out.sheet = Some(l.value.clone());
        }
    }
    if let Some(list) = &r.null {
        out.null = Some(list.iter().map(|n| n.value.clone()).collect());
    }
    out
}

/// Parse a `--set` value: number (with `_` or `%`), true/false, a date, else a string.
pub fn parse_set_value(text: &str) -> Value {
    let t = text.trim();
    let clean: String = t.chars().filter(|&c| c != '_').collect();
    if let Some(p) = clean.strip_suffix('%') {
        if let Ok(v) = p.parse::<f64>() {
            return Value::Num(v / 100.0);
        }
    }
    if let Ok(v) = clean.parse::<f64>() {
        if v.is_finite() {
            return Value::Num(v);
        }
    }
    match t {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(d) = t.parse::<jiff::civil::Date>() {
        return Value::Date(day_number(d));
    }
    Value::Str(t.to_string())
}

pub(super) fn apply_set(l: &mut Lowerer, name: &str, text: &str) {
    match l.graph.params.get(name).copied() {
        Some(id) => {
            l.graph.nodes[id.0 as usize].kind = NodeKind::Param {
                value: Some(parse_set_value(text)),
            }
        }
        None => {
            let names: Vec<&str> = l.graph.params.keys().map(|s| s.as_str()).collect();
            let mut d = Diagnostic::error(
                "E0215",
                format!("`--set {name}=..`: there is no param `{name}`"),
            );
            d = d.with_help(match did_you_mean(name, names.iter().copied()) {
                Some(h) => h,
                None if names.is_empty() => "the definitions declare no params".into(),
                None => format!("params: {}", {
                    let mut n = names.clone();
                    n.sort();
                    n.join(", ")
                }),
            });
            l.diags.push(d.of_command_line());
        }
    }
}

pub(super) fn review(b: &mut Build, name: &Ident, kind: &'static str, attrs: &ast::Attrs) {
    let Some(r) = &attrs.review else {
        b.graph
            .unreviewed
            .push((name.name.clone(), kind, name.span));
        return;
    };
    let every = match &r.every {
        ReviewEvery::Duration(d) => {
            let days = (d.seconds() + 86_399) / 86_400;
            if days <= 0 {
                b.diags.push(
                    Diagnostic::error("E0408", "a review cadence must be at least one day")
                        .at(d.span, "too short"),
                );
            }
            ReviewCadence::Days(days.max(1))
        }
        ReviewEvery::Grain(g) => match Grain::parse(&g.name) {
            Some(gr) if gr != Grain::All => ReviewCadence::Grain(gr),
            _ => {
                b.diags.push(
                    Diagnostic::error("E0408", format!("unknown review cadence `{}`", g.name))
                        .at(g.span, "not a grain or duration")
                        .with_help(
                            "use day, week, month, quarter, year, or a duration such as `90d`",
                        ),
                );
                ReviewCadence::Days(90)
            }
        },
    };
    b.graph.reviews.push(ReviewDef {
        name: name.name.clone(),
        kind,
        owner: r
            .owner
            .as_ref()
            .or(attrs.owner.as_ref())
            .map(|o| o.value.clone()),
        last: day_number(r.last.value),
        every,
        span: r.span,
    });
}
