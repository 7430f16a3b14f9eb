//! Settings, calendars and sources into the graph; `--set` values; reviews.

use crate::diag::{did_you_mean, Diagnostic, SourceMap};
use crate::syntax::ast::{self, Ident, ReviewEvery};

use super::graph::*;
use super::lower::{day_number, Lowerer};
use super::resolve::Scope;
use super::Build;
use crate::data::period::Grain;

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
    let mut columns = Vec::new();
    for (c, t) in &src.columns {
        match ColumnType::parse(&t.name) {
            Some(ty) => columns.push((c.name.clone(), ty)),
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
    }
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
