//! Writers for evaluation results: table, csv, json, ndjson, md (DESIGN section 3).

pub mod number;
mod table;

use crate::eval::{Body, Cell, Output};
use crate::syntax::ast::Format;
pub use number::{human, num_kind, Locale, NumKind};

/// Output formats of `eval`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutFormat {
    Table,
    Csv,
    Json,
    Ndjson,
    Md,
}

fn header(out: &Output) -> Vec<String> {
    let mut h: Vec<String> = out.by.clone();
    if out.grain != crate::data::period::Grain::All {
        h.push("period".into());
    }
    h.extend(out.columns.iter().map(|c| c.name.clone()));
    h
}

/// Full-precision text of a cell (CSV); empty for null.
pub fn cell_raw(c: &Cell) -> String {
    match c {
        Cell::Null => String::new(),
        Cell::Int(i) => i.to_string(),
        Cell::Num(x) => number::full(*x),
        Cell::Dec(d) => crate::decimal::format_fixed(*d),
        Cell::Str(s) => s.clone(),
        Cell::Bool(b) => b.to_string(),
    }
}

fn cell_json(c: &Cell) -> serde_json::Value {
    match c {
        Cell::Null => serde_json::Value::Null,
        Cell::Int(i) => (*i).into(),
        Cell::Num(x) => serde_json::Number::from_f64(*x)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Cell::Str(s) => s.clone().into(),
        Cell::Bool(b) => (*b).into(),
        Cell::Dec(d) => {
            let text = crate::decimal::format_fixed(*d);
            match serde_json::from_str::<serde_json::Number>(&text) {
                Ok(n) => serde_json::Value::Number(n),
                Err(_) => serde_json::Value::Null,
            }
        }
    }
}

/// Display text of a cell (table, md) in the default locale, by display format
/// alone (no currency code): see [`cell_human`].
pub fn cell_display(c: &Cell, format: Option<Format>) -> String {
    cell_human(c, &number::kind_of_format(format, None), number::Locale::En)
}

/// Display text of a cell for people (table, md): numbers by [`number::human`],
/// whole numbers of plain columns as counts, null empty.
pub fn cell_human(c: &Cell, kind: &NumKind, locale: Locale) -> String {
    match c {
        Cell::Null => String::new(),
        Cell::Str(s) => s.clone(),
        Cell::Bool(b) => b.to_string(),
        Cell::Int(i) if *kind == NumKind::Plain => {
            number::human_ref(*i as f64, &NumKind::Count, locale)
        }
        // An exact decimal (a sum of a decimal column) is data, not float noise: in
        // full, with separators.
        Cell::Dec(d) if matches!(kind, NumKind::Plain | NumKind::Count) => {
            number::grouped(&crate::decimal::format_fixed(*d), locale)
        }
        _ => match c.as_f64() {
            Some(x) => number::human_ref(x, kind, locale),
            None => String::new(),
        },
    }
}

/// How a table is laid out for people (`--layout`).
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// Long when stdout is a terminal narrower than the wide table, else wide
    #[default]
    Auto,
    /// One row per value: the key columns, then the column's name and its value
    Long,
    /// One column per value
    Wide,
}

impl Layout {
    /// Whether a table `width` columns wide is printed long: `long` always, `wide`
    /// never, `auto` when it goes to a terminal (`terminal` is its width) narrower
    /// than the table.
    pub fn is_long(self, width: usize, terminal: Option<usize>) -> bool {
        match self {
            Layout::Long => true,
            Layout::Wide => false,
            Layout::Auto => terminal.is_some_and(|t| width > t),
        }
    }
}

/// The width of a table's text: its widest line, in terminal columns.
pub fn text_width(text: &str) -> usize {
    use unicode_width::UnicodeWidthStr;
    text.lines().map(|l| l.width()).max().unwrap_or(0)
}

/// How `eval`-like output is written for people: the locale, each column's
/// [`NumKind`], and whether the table is long.
#[derive(Clone, Debug, Default)]
pub struct View {
    pub locale: Locale,
    /// One per column of the output; missing ones are by the column's format.
    pub kinds: Vec<NumKind>,
    pub long: bool,
}

impl View {
    /// Kinds of the output's columns from their nodes in `graph` (eval).
    pub fn of_graph(graph: &crate::compile::Graph, out: &Output) -> View {
        View {
            locale: graph.settings.locale,
            kinds: out
                .columns
                .iter()
                .map(|c| match graph.nodes.get(c.node.0 as usize) {
                    Some(_) => number::num_kind(graph, c.node),
                    None => number::kind_of_format(c.format, None),
                })
                .collect(),
            long: false,
        }
    }

    /// Kinds of the output's columns from their display formats, money in
    /// `currency` (analyses: funnel, whatif).
    pub fn of_formats(out: &Output, currency: Option<&str>, locale: Locale) -> View {
        View {
            locale,
            kinds: out
                .columns
                .iter()
                .map(|c| number::kind_of_format(c.format, currency))
                .collect(),
            long: false,
        }
    }
}

/// A wide table (`nd` key columns first) in long layout: the key columns, then
/// `pivot` (the name of each other column) and `value`, one row per value.
pub fn long_rows(
    head: &[String],
    rows: &[Vec<String>],
    nd: usize,
    pivot: &str,
) -> (Vec<String>, Vec<Vec<String>>) {
    let nd = nd.min(head.len());
    let mut h: Vec<String> = head[..nd].to_vec();
    h.push(pivot.to_string());
    h.push("value".to_string());
    let mut body = Vec::with_capacity(rows.len() * (head.len() - nd));
    for r in rows {
        for (name, v) in head.iter().zip(r).skip(nd) {
            let mut line: Vec<String> = r[..nd.min(r.len())].to_vec();
            line.push(name.clone());
            line.push(v.clone());
            body.push(line);
        }
    }
    (h, body)
}

/// [`grid`] of a command's table, long when `long` ([`long_rows`] with `nd` key
/// columns and the pivot column `pivot`).
pub fn grid_layout(
    head: &[String],
    rows: &[Vec<String>],
    how: Grid,
    nd: usize,
    pivot: &str,
    long: bool,
) -> String {
    if long && how != Grid::Csv {
        let (h, b) = long_rows(head, rows, nd, pivot);
        grid(&h, &b, how)
    } else {
        grid(head, rows, how)
    }
}

fn rows_text(out: &Output, view: &View) -> Vec<Vec<String>> {
    let kinds: Vec<NumKind> = out
        .columns
        .iter()
        .enumerate()
        .map(|(i, col)| {
            view.kinds
                .get(i)
                .cloned()
                .unwrap_or_else(|| number::kind_of_format(col.format, None))
        })
        .collect();
    out.rows()
        .iter()
        .map(|r| {
            let mut v: Vec<String> = r.dims.clone();
            if let Some(p) = &r.period {
                v.push(p.clone());
            }
            v.extend(
                r.values
                    .iter()
                    .zip(&kinds)
                    .map(|(c, k)| cell_human(c, k, view.locale)),
            );
            v
        })
        .collect()
}

fn json_rows(out: &Output) -> Vec<serde_json::Value> {
    out.rows()
        .iter()
        .map(|r| {
            let mut m = serde_json::Map::new();
            for (k, v) in out.by.iter().zip(&r.dims) {
                m.insert(k.clone(), v.clone().into());
            }
            if let Some(p) = &r.period {
                m.insert("period".into(), p.clone().into());
            }
            for (c, col) in r.values.iter().zip(&out.columns) {
                m.insert(col.name.clone(), cell_json(c));
            }
            serde_json::Value::Object(m)
        })
        .collect()
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// [`csv_field`] appended to `s`.
fn push_csv_field(s: &mut String, f: &str) {
    if f.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        s.push_str(&csv_field(f));
    } else {
        s.push_str(f);
    }
}

/// [`cell_raw`] appended to `s`, quoted as a CSV field where needed.
///
/// Numbers are written without allocating (see [`number::push_full`]).
fn push_cell_raw(s: &mut String, c: &Cell) {
    match c {
        Cell::Null => {}
        Cell::Int(i) => number::push_int(s, *i),
        Cell::Num(x) => number::push_full(s, *x),
        // Digits, '-' and '.': never quoted.
        Cell::Dec(d) => number::push_fixed(s, *d),
        Cell::Str(f) => push_csv_field(s, f),
        Cell::Bool(b) => s.push_str(if *b { "true" } else { "false" }),
    }
}

fn md_field(s: &str) -> String {
    s.replace('|', "\\|")
}

/// How a command's own table of text cells is written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Grid {
    Table,
    Md,
    Csv,
}

/// A header and rows of display text as a terminal table, Markdown or CSV (each
/// ending with a newline).
pub fn grid(head: &[String], rows: &[Vec<String>], how: Grid) -> String {
    match how {
        Grid::Table => {
            let mut t = comfy_table::Table::new();
            t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
            t.set_header(head.to_vec());
            for r in rows {
                t.add_row(r.clone());
            }
            format!("{t}\n")
        }
        Grid::Md => {
            let line = |cells: &[String]| {
                let cells: Vec<String> = cells.iter().map(|c| md_field(c)).collect();
                format!("| {} |\n", cells.join(" | "))
            };
            let mut s = line(head);
            s.push_str(&format!("|{}\n", " --- |".repeat(head.len())));
            for r in rows {
                s.push_str(&line(r));
            }
            s
        }
        Grid::Csv => {
            let mut s = String::new();
            for r in std::iter::once(head).chain(rows.iter().map(Vec::as_slice)) {
                for (i, c) in r.iter().enumerate() {
                    if i > 0 {
                        s.push(',');
                    }
                    push_csv_field(&mut s, c);
                }
                s.push('\n');
            }
            s
        }
    }
}

/// An analysis table in the layout of `eval` output: `by` columns, `period` (when
/// `grain` is not all), then named columns with their display formats.
pub fn table_output(
    by: Vec<String>,
    grain: crate::data::period::Grain,
    columns: Vec<(String, Option<Format>)>,
    rows: Vec<crate::eval::Row>,
) -> Output {
    Output {
        by,
        grain,
        columns: columns
            .into_iter()
            .map(|(name, format)| crate::eval::Column {
                name,
                node: crate::compile::NodeId(0),
                format,
            })
            .collect(),
        body: crate::eval::Body::Rows(rows),
        scans: Vec::new(),
        range: (0, -1),
        data_days: None,
        data_extent: None,
        period_dated: Vec::new(),
    }
}

/// A Markdown table: the first `nd` columns (keys) left-aligned, the rest right.
fn md_table(head: &[String], rows: &[Vec<String>], nd: usize) -> String {
    let line = |cells: &[String]| {
        format!(
            "| {} |\n",
            cells
                .iter()
                .map(|x| md_field(x))
                .collect::<Vec<_>>()
                .join(" | ")
        )
    };
    let mut s = line(head);
    let seps: Vec<&str> = (0..head.len())
        .map(|i| if i < nd { "---" } else { "---:" })
        .collect();
    s.push_str(&format!("| {} |\n", seps.join(" | ")));
    for r in rows {
        s.push_str(&line(r));
    }
    s
}

/// Rows from which CSV output is formatted on several threads.
const PARALLEL_CSV_ROWS: usize = 8192;

/// CSV lines of output rows `range` (of `width` columns): one buffer, no string
/// per cell; an evaluated table is read in place.
fn csv_lines(out: &Output, range: std::ops::Range<usize>, width: usize) -> String {
    let mut s = String::with_capacity(range.len() * 16 * (width + 1));
    // Each field is followed by a comma; the row's last one becomes the newline.
    let end_row = |s: &mut String, start: usize| {
        if s.len() > start {
            s.pop();
        }
        s.push('\n');
    };
    match &out.body {
        Body::Table(t, _) => {
            for i in range {
                let start = s.len();
                for d in t.dims(i).iter().map(String::as_str).chain(t.period(i)) {
                    push_csv_field(&mut s, d);
                    s.push(',');
                }
                for k in 0..t.columns.len() {
                    push_cell_raw(&mut s, &t.cell(i, k));
                    s.push(',');
                }
                end_row(&mut s, start);
            }
        }
        Body::Rows(rows) => {
            for r in &rows[range] {
                let start = s.len();
                for d in r.dims.iter().chain(r.period.as_ref()) {
                    push_csv_field(&mut s, d);
                    s.push(',');
                }
                for c in &r.values {
                    push_cell_raw(&mut s, c);
                    s.push(',');
                }
                end_row(&mut s, start);
            }
        }
    }
    s
}

/// Render `out` in `format`: numbers for people by their display formats, in the
/// default locale, wide (see [`render_view`]).
pub fn render(out: &Output, format: OutFormat) -> String {
    render_view(out, format, &View::default())
}

/// Render `out` in `format`; tables and Markdown as `view` says (CSV, JSON and
/// NDJSON keep full precision).
pub fn render_view(out: &Output, format: OutFormat, view: &View) -> String {
    let head = header(out);
    let nd = out.by.len() + usize::from(out.grain != crate::data::period::Grain::All);
    if view.long && matches!(format, OutFormat::Table | OutFormat::Md) {
        let (h, rows) = long_rows(&head, &rows_text(out, view), nd, "metric");
        return match format {
            OutFormat::Md => md_table(&h, &rows, nd + 1),
            _ => table::render(&h, &rows, nd + 1),
        };
    }
    match format {
        OutFormat::Csv => {
            let mut s = String::with_capacity(64 + 16 * (head.len() + 1));
            for (i, h) in head.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                push_csv_field(&mut s, h);
            }
            s.push('\n');
            // Large results are formatted in parts on every core, then joined; small
            // ones on this thread.
            let width = head.len();
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            let n = out.len();
            if n < PARALLEL_CSV_ROWS || threads < 2 {
                s.push_str(&csv_lines(out, 0..n, width));
                return s;
            }
            let per = n.div_ceil(threads.min(8));
            let parts: Vec<String> = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..n)
                    .step_by(per)
                    .map(|a| scope.spawn(move || csv_lines(out, a..(a + per).min(n), width)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            });
            s.reserve(parts.iter().map(String::len).sum());
            parts.iter().for_each(|p| s.push_str(p));
            s
        }
        OutFormat::Json => {
            let mut s = serde_json::to_string_pretty(&serde_json::Value::Array(json_rows(out)))
                .unwrap_or_default();
            s.push('\n');
            s
        }
        OutFormat::Ndjson => {
            let mut s = String::new();
            for v in json_rows(out) {
                s.push_str(&v.to_string());
                s.push('\n');
            }
            s
        }
        OutFormat::Md => md_table(&head, &rows_text(out, view), nd),
        OutFormat::Table => table::render(&head, &rows_text(out, view), nd),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::{Cell, Row};

    /// `auto` is long only on a terminal narrower than the table; `long` and `wide`
    /// are what they say.
    #[test]
    fn layout_choice() {
        assert!(!Layout::Auto.is_long(120, None));
        assert!(!Layout::Auto.is_long(80, Some(100)));
        assert!(!Layout::Auto.is_long(100, Some(100)));
        assert!(Layout::Auto.is_long(101, Some(100)));
        assert!(Layout::Long.is_long(10, None));
        assert!(!Layout::Wide.is_long(500, Some(80)));
        assert_eq!(text_width("┌──┐\n│ é日 │\n"), 7);
    }

    /// The long layout: the key columns, the name of each other column, its value.
    #[test]
    fn long_rows_pivot_the_value_columns() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let (h, b) = long_rows(
            &s(&["team", "calls", "rate"]),
            &[s(&["north", "3", "6.1%"]), s(&["south", "", "0.0%"])],
            1,
            "metric",
        );
        assert_eq!(h, s(&["team", "metric", "value"]));
        assert_eq!(
            b,
            vec![
                s(&["north", "calls", "3"]),
                s(&["north", "rate", "6.1%"]),
                s(&["south", "calls", ""]),
                s(&["south", "rate", "0.0%"]),
            ]
        );
    }

    /// Output large enough to be formatted on several threads is the same text as
    /// the rows formatted in one piece, in order.
    #[test]
    fn parallel_csv_is_the_sequential_text() {
        let rows: Vec<Row> = (0..3 * PARALLEL_CSV_ROWS as i64 + 7)
            .map(|i| Row {
                dims: vec![format!("rep_{:05}", i), "a,b".to_string()],
                period: Some(format!("2026-W{:02}", i % 52 + 1)),
                values: vec![Cell::Int(i), Cell::Num(i as f64 / 7.0), Cell::Null],
            })
            .collect();
        let out = table_output(
            vec!["rep".to_string(), "team".to_string()],
            crate::data::period::Grain::Week,
            vec![
                ("n".to_string(), None),
                ("r".to_string(), None),
                ("z".to_string(), None),
            ],
            rows,
        );
        let expected_body = csv_lines(&out, 0..out.len(), 6);
        let text = render(&out, OutFormat::Csv);
        let (head, body) = text.split_once('\n').expect("a header line");
        assert_eq!(head, "rep,team,period,n,r,z");
        assert_eq!(body, expected_body);
        assert!(body.starts_with("rep_00000,\"a,b\",2026-W01,0,0,\n"));
        assert_eq!(body.lines().count(), 3 * PARALLEL_CSV_ROWS + 7);
    }
}
