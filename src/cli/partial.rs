//! Periods only partly covered by data in `kpi eval` output: a note under tables and
//! Markdown, and with `--mark-partial` a `partial` column in every format.

use std::collections::BTreeMap;

use crate::compile::Graph;
use crate::data::period::{parse_period, Grain};
use crate::eval::{checks::coverage, Body, Cell, Column, Output};

/// Per period label of `out` that is partial: (covered, total) working days.
pub fn partial_periods(graph: &Graph, out: &Output) -> BTreeMap<String, (i64, i64)> {
    let mut found = BTreeMap::new();
    if out.grain == Grain::All {
        return found;
    }
    let cal = graph.work_calendar();
    // The distinct period labels, read without building the output rows (an evaluated
    // table holds them once each).
    let labels: Vec<&String> = match &out.body {
        Body::Table(t, _) => t.labels.iter().collect(),
        Body::Rows(rows) => {
            let mut seen = std::collections::HashSet::new();
            rows.iter()
                .filter_map(|r| r.period.as_ref())
                .filter(|l| seen.insert(*l))
                .collect()
        }
    };
    for label in labels {
        if let Some(ord) = parse_period(out.grain, label) {
            if let Some(c) = coverage(&cal, out.grain, ord, out.data_days) {
                found.insert(label.clone(), c);
            }
        }
    }
    found
}

/// The note printed under a table or Markdown output.
pub fn note(partial: &BTreeMap<String, (i64, i64)>) -> String {
    let mut s = String::new();
    for (label, (covered, total)) in partial {
        s.push_str(&format!(
            "note: {label} is partial: the data covers {covered} of its {total} working days\n"
        ));
    }
    s
}

/// `out` with a last column `partial` (true for the partial periods' rows).
pub fn mark(out: Output, partial: &BTreeMap<String, (i64, i64)>) -> Output {
    let mut columns = out.columns.clone();
    columns.push(Column {
        name: "partial".into(),
        node: crate::compile::NodeId(u32::MAX),
        format: None,
    });
    let period_dated = out.period_dated.clone();
    let (by, grain, scans, range, data_days, data_extent) = (
        out.by.clone(),
        out.grain,
        out.scans.clone(),
        out.range,
        out.data_days,
        out.data_extent,
    );
    let rows = out
        .into_rows()
        .into_iter()
        .map(|mut r| {
            let p = r.period.as_ref().is_some_and(|l| partial.contains_key(l));
            r.values.push(Cell::Bool(p));
            r
        })
        .collect();
    Output {
        by,
        grain,
        columns,
        body: Body::Rows(rows),
        scans,
        range,
        data_days,
        data_extent,
        period_dated,
    }
}
