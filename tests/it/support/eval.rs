//! Helpers of the evaluation-engine tests: the library (`kpi::compile` + `kpi::eval`)
//! and the binary's results read back.

pub use super::{kpi, kpi_closed_pipe, kpi_to_file, tempdir, Run};

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kpi::compile::{self, Graph, Loader};
use kpi::data::period::Grain;
use kpi::eval::{Cell, EvalError, Output, Request};

/// The folder of the engine's fixtures.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/eval")
}

pub fn fixture(name: &str) -> String {
    fixtures().join(name).to_string_lossy().into_owned()
}

/// Run `kpi eval ARGS --format csv`, require exit 0, and return the parsed table.
pub fn eval_csv(args: &[&str]) -> Table {
    let mut all = vec!["eval"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "csv"]);
    let r = kpi(&all);
    assert_eq!(r.code, 0, "kpi {all:?} failed:\n{}", r.stderr);
    Table::parse(&r.stdout)
}

/// A CSV result: header and rows of text cells (no quoting in these fixtures' values).
#[derive(Debug, Clone)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn parse(text: &str) -> Table {
        let mut lines = text.lines();
        let header = lines
            .next()
            .unwrap_or_default()
            .split(',')
            .map(str::to_string)
            .collect();
        let rows = lines
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect();
        Table { header, rows }
    }

    pub fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column `{name}` in {:?}", self.header))
    }

    /// The cell of the row whose leading key cells (by columns, then period) are `key`.
    pub fn get(&self, key: &[&str], column: &str) -> String {
        let c = self.col(column);
        let row = self
            .rows
            .iter()
            .find(|r| r.len() >= key.len() && r.iter().zip(key).all(|(a, b)| a == b))
            .unwrap_or_else(|| panic!("no row {key:?} in {:?}", self.rows));
        row[c].clone()
    }

    /// The key cells (first `n` columns) of every row, in order.
    pub fn keys(&self, n: usize) -> Vec<Vec<String>> {
        self.rows.iter().map(|r| r[..n].to_vec()).collect()
    }

    /// One column, all rows.
    pub fn column(&self, name: &str) -> Vec<String> {
        let c = self.col(name);
        self.rows.iter().map(|r| r[c].clone()).collect()
    }
}

/// Compile a definitions file (panics with the diagnostics if it does not compile).
pub fn compile_file(path: &Path) -> Graph {
    let mut loader = Loader::new();
    let opts = compile::Options {
        require_params: true,
        ..Default::default()
    };
    let (graph, diags) = compile::compile_path(&mut loader, path, &opts);
    match graph {
        Some(g) => g,
        None => panic!("{} does not compile: {diags:?}", path.display()),
    }
}

/// A request over in-memory data: `inline` maps source -> (file name, bytes).
pub struct Lib<'a> {
    pub by: &'a [&'a str],
    pub grain: Grain,
    pub metrics: &'a [&'a str],
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub fill: bool,
}

impl Default for Lib<'_> {
    fn default() -> Self {
        Lib {
            by: &[],
            grain: Grain::All,
            metrics: &[],
            from: None,
            to: None,
            fill: false,
        }
    }
}

pub fn day(s: &str) -> i32 {
    kpi::data::time::parse_date_arg(s).unwrap_or_else(|| panic!("bad date {s}"))
}

/// Evaluate `graph` through the library over in-memory sources `(source, file name, bytes)`.
pub fn eval_lib(
    graph: &Graph,
    l: &Lib,
    data: &[(&str, &str, Vec<u8>)],
) -> Result<Output, EvalError> {
    let metrics = if l.metrics.is_empty() {
        graph.metric_order.clone()
    } else {
        l.metrics
            .iter()
            .map(|m| graph.metric(m).unwrap_or_else(|| panic!("no metric {m}")))
            .collect()
    };
    let mut paths = HashMap::new();
    let mut inline = HashMap::new();
    for (src, name, bytes) in data {
        paths.insert(src.to_string(), PathBuf::from(name));
        inline.insert(src.to_string(), Arc::new(bytes.clone()));
    }
    let req = Request {
        metrics,
        by: l.by.iter().map(|s| s.to_string()).collect(),
        grain: l.grain,
        from: l.from.map(day),
        to: l.to.map(day),
        fill: l.fill,
        data: paths,
        inline,
        skip_bad_rows: false,
        threads: 2,
        hermetic: false,
        cut: None,
    };
    kpi::eval::evaluate(graph, &req)
}

/// An output as {(dims.., period) -> {column -> cell}}.
pub fn cells(out: &Output) -> BTreeMap<Vec<String>, BTreeMap<String, Cell>> {
    let mut m = BTreeMap::new();
    for r in out.rows() {
        let mut key = r.dims.clone();
        if let Some(p) = &r.period {
            key.push(p.clone());
        }
        let row = out
            .columns
            .iter()
            .zip(&r.values)
            .map(|(c, v)| (c.name.clone(), v.clone()))
            .collect();
        m.insert(key, row);
    }
    m
}

/// Exact decimal text of an amount in cents (`-1234` -> `-12.34`, `1500` -> `15`).
pub fn cents_text(c: i128) -> String {
    let neg = c < 0;
    let a = c.unsigned_abs();
    let mut s = format!("{}{}", if neg { "-" } else { "" }, a / 100);
    let f = a % 100;
    if f != 0 {
        let t = format!("{f:02}");
        s.push('.');
        s.push_str(t.trim_end_matches('0'));
    }
    s
}

/// Compare cells of the row `key`: `""` is null (an empty CSV cell), `~x` a float equal
/// to x within 1e-12 relative, anything else the exact text.
pub fn expect(t: &Table, key: &[&str], cells: &[(&str, &str)]) {
    for (col, want) in cells {
        let got = t.get(key, col);
        if let Some(x) = want.strip_prefix('~') {
            let want: f64 = x.parse().unwrap();
            let g: f64 = got
                .parse()
                .unwrap_or_else(|_| panic!("{key:?} {col}: `{got}` is not a number"));
            assert!(
                (g - want).abs() <= 1e-12 * want.abs().max(1e-300),
                "{key:?} {col}: got {got}, want {want}"
            );
        } else {
            assert_eq!(&got, want, "{key:?} {col}");
        }
    }
}

/// A fixture of the engine's golden tests, by file name.
pub fn f(name: &str) -> String {
    fixture(name)
}
