//! Shared helpers of the SQL backend's tests: compile definitions, build requests,
//! evaluate in-process, find a PostgreSQL server (`KPI_TEST_PG_DSN`), compare tables
//! (floats to 1e-9 relative), and the suites the engines are compared over (the
//! runner: `engines`).
//!
//! Without a server (or an engine) the tests that need one print why they skip, on
//! the real stderr (past the test harness's capture), and pass; under `CI=true`
//! they fail instead.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use kpi::compile::{self, Graph, Loader};
use kpi::data::period::Grain;
use kpi::eval::{Output, Request};

/// The crate root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A path under the crate root.
pub fn path(rel: &str) -> PathBuf {
    root().join(rel)
}

/// Whether this is a CI run (`CI=true`), where a missing server is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Print on the real stderr (not captured by the test harness).
pub fn say(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}

/// Skip (with a message) outside CI; fail under CI.
pub fn unavailable(test: &str, why: &str) {
    if in_ci() {
        panic!("{test}: {why} (CI=true: tests that need it must run)");
    }
    say(&format!("SKIPPED {test}: {why}"));
}

/// The PostgreSQL DSN of `KPI_TEST_PG_DSN` if a server answers there.
pub fn pg_dsn(test: &str) -> Option<String> {
    let Ok(dsn) = std::env::var("KPI_TEST_PG_DSN") else {
        unavailable(
            test,
            "no PostgreSQL server: set KPI_TEST_PG_DSN (e.g. `host=127.0.0.1 port=5432 user=kpi dbname=kpi`; .ci/run starts one)",
        );
        return None;
    };
    match postgres::Client::connect(&dsn, postgres::NoTls) {
        Ok(_) => Some(dsn),
        Err(e) => {
            unavailable(
                test,
                &format!("PostgreSQL at KPI_TEST_PG_DSN={dsn} does not answer: {e}"),
            );
            None
        }
    }
}

/// Compile a definitions file (panics with the diagnostics if it does not compile).
pub fn compile(rel: &str) -> Graph {
    let mut loader = Loader::new();
    let opts = compile::Options {
        require_params: true,
        ..Default::default()
    };
    let (graph, diags) = compile::compile_path(&mut loader, &path(rel), &opts);
    graph.unwrap_or_else(|| panic!("{rel} does not compile: {diags:?}"))
}

/// One evaluation to compare.
#[derive(Clone, Debug)]
pub struct Case {
    pub by: Vec<String>,
    pub grain: Grain,
    pub metrics: Vec<String>,
    pub from: Option<&'static str>,
    pub to: Option<&'static str>,
    pub fill: bool,
}

impl Case {
    pub fn new(by: &str, grain: &str) -> Case {
        Case {
            by: by
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            grain: Grain::parse(grain).expect("grain"),
            metrics: Vec::new(),
            from: None,
            to: None,
            fill: false,
        }
    }
    pub fn metrics(mut self, m: &str) -> Case {
        self.metrics = m.split(',').map(str::to_string).collect();
        self
    }
    pub fn range(mut self, from: Option<&'static str>, to: Option<&'static str>) -> Case {
        self.from = from;
        self.to = to;
        self
    }
    pub fn fill(mut self) -> Case {
        self.fill = true;
        self
    }
    pub fn label(&self) -> String {
        format!(
            "--by {} --grain {}{}{}{}{}",
            if self.by.is_empty() {
                "-".into()
            } else {
                self.by.join(",")
            },
            self.grain,
            if self.metrics.is_empty() {
                String::new()
            } else {
                format!(" --metrics {}", self.metrics.join(","))
            },
            self.from.map_or(String::new(), |f| format!(" --from {f}")),
            self.to.map_or(String::new(), |t| format!(" --to {t}")),
            if self.fill { " --fill" } else { "" }
        )
    }

    /// The request, with data files bound (`source -> path`) for the in-process engine.
    pub fn request(&self, graph: &Graph, data: &[(&str, &str)]) -> Request {
        let metrics = if self.metrics.is_empty() {
            graph
                .metric_order
                .iter()
                .copied()
                .filter(|&id| expressible(graph, id))
                .collect()
        } else {
            let mut out = Vec::new();
            for n in &self.metrics {
                if let Some(id) = graph.metric(n) {
                    out.push(id);
                } else if let Some(f) = graph.funnels.iter().find(|f| &f.name == n) {
                    out.extend(f.members.iter().copied());
                } else if let Some(j) = graph.journeys.iter().find(|j| &j.name == n) {
                    out.extend(j.members.iter().copied());
                } else {
                    panic!("no metric {n}");
                }
            }
            out
        };
        let day = |s: &str| kpi::data::time::parse_date_arg(s).expect("date");
        Request {
            metrics,
            by: self.by.clone(),
            grain: self.grain,
            from: self.from.map(day),
            to: self.to.map(day),
            fill: self.fill,
            data: data.iter().map(|(s, p)| (s.to_string(), path(p))).collect(),
            inline: HashMap::new(),
            skip_bad_rows: false,
            threads: 1,
            hermetic: false,
            cut: None,
        }
    }
}

/// Whether a metric avoids what SQL cannot express yet (script functions, journeys).
pub fn expressible(graph: &Graph, id: kpi::compile::NodeId) -> bool {
    use kpi::compile::graph::{Formula, NodeKind};
    fn script(f: &Formula) -> bool {
        match f {
            Formula::Script(..) => true,
            Formula::Unary(_, a) => script(a),
            Formula::Binary(_, a, b) => script(a) || script(b),
            Formula::In(a, items) => script(a) || items.iter().any(script),
            Formula::Call(_, args) => args.iter().any(script),
            _ => false,
        }
    }
    kpi::plan::closure(graph, &[id])
        .iter()
        .all(|n| match &graph.node(*n).kind {
            NodeKind::Formula(f) => !script(f),
            NodeKind::JourneyStep { .. } => false,
            _ => true,
        })
}

/// A result as text: header and rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

/// The in-process engine's result as a table of text cells (CSV's full precision).
pub fn table_of(out: &Output) -> Table {
    let mut header = out.by.clone();
    if out.grain != Grain::All {
        header.push("period".into());
    }
    header.extend(out.columns.iter().map(|c| c.name.clone()));
    let rows = out
        .rows()
        .iter()
        .map(|r| {
            let mut v: Vec<Option<String>> = r.dims.iter().map(|d| Some(d.clone())).collect();
            if let Some(p) = &r.period {
                v.push(Some(p.clone()));
            }
            v.extend(r.values.iter().map(|c| match c {
                kpi::eval::Cell::Null => None,
                c => Some(kpi::report::cell_raw(c)),
            }));
            v
        })
        .collect();
    Table { header, rows }
}

/// Compare two tables: same header, same keys in the same order, text cells equal
/// and numbers within 1e-9 relative. Returns the number of cells compared; panics
/// with the first difference.
pub fn assert_same(ctx: &str, want: &Table, got: &Table) -> usize {
    assert_eq!(want.header, got.header, "{ctx}: header");
    assert_eq!(
        want.rows.len(),
        got.rows.len(),
        "{ctx}: row count\nwant {:?}\ngot  {:?}",
        want.rows
            .iter()
            .map(|r| r[..2.min(r.len())].to_vec())
            .collect::<Vec<_>>(),
        got.rows
            .iter()
            .map(|r| r[..2.min(r.len())].to_vec())
            .collect::<Vec<_>>()
    );
    let mut cells = 0;
    for (i, (a, b)) in want.rows.iter().zip(&got.rows).enumerate() {
        for (j, (x, y)) in a.iter().zip(b).enumerate() {
            cells += 1;
            let same = match (x, y) {
                (None, None) => true,
                (Some(x), Some(y)) if x == y => true,
                (Some(x), Some(y)) => match (x.parse::<f64>(), y.parse::<f64>()) {
                    (Ok(p), Ok(q)) => (p - q).abs() <= 1e-9 * p.abs().max(q.abs()),
                    _ => false,
                },
                _ => false,
            };
            assert!(
                same,
                "{ctx}: row {i} ({:?}) column `{}`: in-process {x:?}, SQL {y:?}",
                &a[..want.header.len().min(2)],
                want.header[j]
            );
        }
    }
    cells
}

/// How the SQL engines' runners type a loaded column: as `kpi load` types a
/// PostgreSQL table (`kpi::sql::postgres::column_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadType {
    /// An exact number (`DECIMAL(38, 6)`).
    Number,
    Bool,
    /// A `timestamp` column: an instant.
    Instant,
    /// A `date` column.
    Date,
    /// Text (an unhinted time column included).
    Text,
}

/// The type column `c` of source `src` is loaded as.
pub fn load_type(src: &kpi::compile::graph::SourceDef, c: &str) -> LoadType {
    match kpi::sql::postgres::column_type(src, c) {
        "NUMERIC" => LoadType::Number,
        "BOOLEAN" => LoadType::Bool,
        "TIMESTAMPTZ" => LoadType::Instant,
        "DATE" => LoadType::Date,
        _ => LoadType::Text,
    }
}

/// The columns of a CSV file's header.
pub fn csv_columns(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).expect("read csv");
    kpi::sql::postgres::csv_header(text.lines().next().unwrap_or_default())
}

/// A runner's answer to one job (a JSON array with, per query, `{"columns": [..],
/// "rows": [[..]]}` or `{"error": ".."}`) as tables or errors.
pub fn results_of(job: &serde_json::Value) -> Vec<Result<Table, String>> {
    job.as_array()
        .expect("queries")
        .iter()
        .map(|r| {
            if let Some(e) = r.get("error") {
                return Err(e.as_str().unwrap_or_default().to_string());
            }
            let header = r["columns"]
                .as_array()
                .expect("columns")
                .iter()
                .map(|c| c.as_str().unwrap_or_default().to_string())
                .collect();
            let rows = r["rows"]
                .as_array()
                .expect("rows")
                .iter()
                .map(|row| {
                    row.as_array()
                        .expect("row")
                        .iter()
                        .map(|c| c.as_str().map(str::to_string))
                        .collect()
                })
                .collect();
            Ok(Table { header, rows })
        })
        .collect()
}

/// The shipped examples and the golden fixtures, with their data, and the cases
/// each is compared over.
pub struct Suite {
    pub name: &'static str,
    pub defs: &'static str,
    pub data: Vec<(&'static str, &'static str)>,
    pub cases: Vec<Case>,
}

/// Metrics of the shipped sales definitions that read only `activities` (quotas have
/// no region or channel).
pub const SALES_ACTIVITY_METRICS: &str = "calls,emails,touches,visits,meetings,outbound_meetings,inbound_meetings,opportunities,active_reps,avg_call_minutes,won_deals,lost_deals,won_amount,hit_rate,meeting_hit_rate,conversion_to_meeting,avg_deal_size,total_sales,outbound,inbound";

pub fn suites() -> Vec<Suite> {
    let mut sales_cases = Vec::new();
    for by in ["", "team", "rep", "team,rep"] {
        for grain in ["all", "day", "week", "month", "quarter", "year"] {
            sales_cases.push(Case::new(by, grain));
        }
    }
    sales_cases.push(Case::new("rep", "month").metrics("outbound,inbound,quota,attainment"));
    sales_cases.push(Case::new("region,channel", "week").metrics(SALES_ACTIVITY_METRICS));
    sales_cases.push(Case::new("channel", "all").metrics(SALES_ACTIVITY_METRICS));
    sales_cases.push(Case::new("team", "week").metrics("outbound").fill());
    sales_cases.push(Case::new("rep", "week").range(Some("2026-02-01"), Some("2026-03-15")));
    sales_cases.push(Case::new("rep", "month").range(Some("2026-02-10"), None));
    sales_cases.push(
        Case::new("team", "week")
            .range(None, Some("2026-02-10"))
            .fill(),
    );
    sales_cases.push(Case::new("", "all").range(Some("2026-01-12"), Some("2026-02-22")));
    let mut mixed_cases = Vec::new();
    for by in ["", "rep", "team,rep", "region"] {
        for grain in ["all", "day", "week", "month", "quarter"] {
            mixed_cases.push(Case::new(by, grain));
        }
    }
    mixed_cases.push(Case::new("team", "week").range(Some("2026-02-11"), Some("2026-05-20")));
    mixed_cases.push(
        Case::new("rep", "month")
            .range(Some("2026-03-08"), None)
            .fill(),
    );
    mixed_cases.push(
        Case::new("team", "day")
            .range(None, Some("2026-01-31"))
            .fill(),
    );
    mixed_cases.push(Case::new("region", "all").range(Some("2026-01-01"), Some("2026-03-31")));
    vec![
        Suite {
            name: "mixed",
            defs: "tests/fixtures/sql/mixed.kpi",
            data: vec![("acts", mixed_csv())],
            cases: mixed_cases,
        },
        Suite {
            name: "typed",
            defs: "tests/fixtures/sql/typed.kpi",
            data: vec![
                ("acts", typed_csv()),
                ("plans", "tests/fixtures/sql/typed_plans.csv"),
            ],
            cases: vec![
                Case::new("rep", "day"),
                Case::new("rep", "week"),
                Case::new("type", "month").metrics("rows,amt,late,since,early,owners"),
                Case::new("", "all"),
                Case::new("rep", "day").range(Some("2026-03-07"), Some("2026-03-09")),
                Case::new("", "month")
                    .range(Some("2026-03-08"), None)
                    .fill(),
            ],
        },
        Suite {
            name: "sales",
            defs: "metrics/sales.kpi",
            data: vec![
                ("activities", "data/activities.csv"),
                ("quotas", "data/quotas.csv"),
            ],
            cases: sales_cases,
        },
        Suite {
            name: "teams",
            defs: "metrics/teams.kpi",
            data: vec![
                ("activities", "data/activities.csv"),
                ("reps", "metrics/reps.csv"),
            ],
            cases: vec![
                Case::new("", "all"),
                Case::new("team", "month"),
                Case::new("team,rep", "week"),
                Case::new("manager,deal_size", "quarter"),
                Case::new("region", "day").range(Some("2026-02-20"), Some("2026-03-10")),
            ],
        },
        Suite {
            name: "aggs",
            defs: "tests/fixtures/eval/aggs.kpi",
            data: vec![("acts", "tests/fixtures/eval/aggs.csv")],
            cases: vec![
                Case::new("", "all"),
                Case::new("team", "all"),
                Case::new("rep", "day"),
                Case::new("team,rep", "week"),
            ],
        },
        Suite {
            name: "nulls",
            defs: "tests/fixtures/eval/nulls.kpi",
            data: vec![("acts", "tests/fixtures/eval/nulls.csv")],
            cases: vec![
                Case::new("team", "all"),
                Case::new("rep", "day"),
                Case::new("team", "week").fill(),
            ],
        },
        Suite {
            name: "rows",
            defs: "tests/fixtures/eval/rows.kpi",
            data: vec![("orders", "tests/fixtures/eval/rows.csv")],
            cases: vec![
                Case::new("", "all"),
                Case::new("rep", "all"),
                Case::new("size", "week"),
                Case::new("qty_band", "all"),
                Case::new("team,rep", "day"),
                Case::new("rep", "week").range(Some("2026-01-01"), Some("2026-01-11")),
            ],
        },
        Suite {
            name: "lookup",
            defs: "tests/fixtures/eval/lookup.kpi",
            data: vec![
                ("acts", "tests/fixtures/eval/lookup_acts.csv"),
                ("reps", "tests/fixtures/eval/lookup_reps.csv"),
                ("products", "tests/fixtures/eval/lookup_products.csv"),
            ],
            cases: vec![
                Case::new("", "all"),
                Case::new("team", "all"),
                Case::new("team,rep", "week"),
                Case::new("region,category", "month"),
                Case::new("manager", "day").range(Some("2026-03-01"), Some("2026-03-31")),
            ],
        },
        Suite {
            name: "funnel",
            defs: "tests/fixtures/eval/funnel.kpi",
            data: vec![("acts", "tests/fixtures/eval/funnel.csv")],
            cases: vec![
                Case::new("team", "all").metrics("outbound"),
                Case::new("rep", "week").metrics("calls,hit_rate,avg_deal,outbound"),
                Case::new("", "day"),
            ],
        },
        Suite {
            name: "windows",
            defs: "tests/fixtures/eval/windows.kpi",
            data: vec![("acts", "tests/fixtures/eval/windows.csv")],
            cases: vec![
                Case::new("rep", "month"),
                Case::new("team", "month"),
                Case::new("rep", "week"),
                Case::new("rep", "quarter"),
                Case::new("rep", "day"),
                Case::new("", "all"),
                Case::new("rep", "month").range(Some("2026-02-01"), Some("2026-04-30")),
                Case::new("rep", "month").range(Some("2026-03-15"), None),
                Case::new("team", "week")
                    .range(None, Some("2026-02-20"))
                    .fill(),
                Case::new("rep", "month").fill(),
                Case::new("", "month"),
                Case::new("", "week").range(Some("2026-01-19"), None).fill(),
            ],
        },
        Suite {
            name: "workdays",
            defs: "tests/fixtures/eval/workdays.kpi",
            data: vec![("acts", "tests/fixtures/eval/workdays.csv")],
            cases: vec![
                Case::new("rep", "week"),
                Case::new("rep", "month"),
                Case::new("rep", "day"),
                Case::new("", "all"),
                Case::new("rep", "week").range(Some("2026-12-23"), Some("2027-01-02")),
                Case::new("rep", "all").range(Some("2026-12-22"), Some("2026-12-31")),
                Case::new("rep", "week").fill(),
            ],
        },
        Suite {
            name: "grains",
            defs: "tests/fixtures/eval/grains.kpi",
            data: vec![("acts", "tests/fixtures/eval/grains.csv")],
            cases: ["day", "week", "month", "quarter", "year", "all"]
                .iter()
                .map(|g| Case::new("rep", g))
                .chain([
                    Case::new("", "week").range(Some("2025-12-29"), Some("2027-01-03")),
                    Case::new("rep", "week")
                        .range(Some("2025-12-20"), Some("2026-01-10"))
                        .fill(),
                ])
                .collect(),
        },
        Suite {
            name: "dst",
            defs: "tests/fixtures/eval/dst.kpi",
            data: vec![("acts", "tests/fixtures/eval/dst.csv")],
            cases: vec![
                Case::new("rep", "day"),
                Case::new("rep", "week"),
                Case::new("rep", "month"),
                Case::new("rep", "day").range(Some("2026-03-29"), Some("2026-10-25")),
            ],
        },
        Suite {
            name: "dst_utc",
            defs: "tests/fixtures/eval/dst_utc.kpi",
            data: vec![("acts", "tests/fixtures/eval/dst.csv")],
            cases: vec![Case::new("rep", "day"), Case::new("", "month")],
        },
        Suite {
            name: "msrc",
            defs: "tests/fixtures/eval/msrc.kpi",
            data: vec![
                ("activities", "tests/fixtures/eval/msrc_activities.csv"),
                ("quotas", "tests/fixtures/eval/msrc_quotas.csv"),
            ],
            cases: vec![
                Case::new("rep", "month"),
                Case::new("team", "month"),
                Case::new("team,rep", "all"),
                Case::new("", "all"),
                Case::new("rep", "month").fill(),
                Case::new("", "month"),
                Case::new("", "week").range(Some("2026-01-19"), None).fill(),
            ],
        },
    ]
}

/// Rows for `tests/fixtures/sql/mixed.kpi`, generated (seeded) once per test run:
/// local, date-only, space-separated and offset timestamps across New York's DST
/// change, empty fields, negative amounts, booleans as words and digits.
pub fn mixed_csv() -> &'static str {
    static FILE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let mut s = String::from("ts,rep,team,region,type,amount,dur,flag,due,note\n");
        let pick = |i: u64, xs: &[&'static str]| xs[i as usize % xs.len()];
        for _ in 0..1500 {
            let day = kpi::data::period::day_number(2025, 12, 20) + next(200) as i32;
            let (y, m, d) = kpi::data::period::civil_from_day(day);
            let (h, mi, sec) = (next(24), next(60), next(60));
            // Every shape the engine's time parser accepts, the odd ones included
            // (lower-case `z` and `t`, no seconds before an offset, a comma fraction,
            // a leap second): the SQL must read each as the engine does.
            let ts = match next(15) {
                0 => format!("{y:04}-{m:02}-{d:02}"),
                1 => format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}"),
                2 => format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{sec:02}Z"),
                3 => format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{sec:02}+01:00"),
                4 => format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{sec:02}-0500"),
                5 => format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{sec:02}+05"),
                6 => format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{sec:02}z"),
                7 => format!("{y:04}-{m:02}-{d:02}t{h:02}:{mi:02}:{sec:02}Z"),
                8 => format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}Z"),
                9 => format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}+00:00"),
                // A comma fraction, quoted in the CSV.
                10 => format!("\"{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{sec:02},5Z\""),
                11 => format!("{y:04}-{m:02}-{d:02}T23:59:60Z"),
                12 => format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{sec:02}.125-03:30"),
                _ => format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{sec:02}"),
            };
            let rep = pick(next(9), &["ann", "bob", "cem", "dan", "eve", "fay", "gus", "hal", ""]);
            let team = pick(next(4), &["north", "south", "west", ""]);
            let region = pick(next(5), &["emea", "amer", "apac", "latam", ""]);
            let ty = pick(next(6), &["call", "call", "email", "won", "opp", ""]);
            let amount = match next(5) {
                0 => String::new(),
                1 => format!("{}", next(2000)),
                2 => format!("-{}.{:02}", next(300), next(100)),
                _ => format!("{}.{:02}", next(5000), next(100)),
            };
            let dur = if next(4) == 0 { String::new() } else { next(900).to_string() };
            let flag = pick(next(5), &["true", "false", "1", "0", ""]);
            let due = if next(3) == 0 {
                String::new()
            } else {
                let (y, m, d) = kpi::data::period::civil_from_day(day + next(40) as i32 - 20);
                format!("{y:04}-{m:02}-{d:02}")
            };
            s.push_str(&format!("{ts},{rep},{team},{region},{ty},{amount},{dur},{flag},{due},\"a, \"\"quoted\"\" note\"\n"));
        }
        let file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sql_mixed.csv");
        std::fs::write(&file, s).expect("write mixed csv");
        file.to_string_lossy().into_owned()
    })
}

/// Rows for `tests/fixtures/sql/typed.kpi` (a native timestamp column), generated
/// (seeded) once per test run: instants with `Z` or an offset (a warehouse loads
/// them without a session zone) around New York's DST changes and local midnights,
/// fractions of seconds, native dates and empty ones.
pub fn typed_csv() -> &'static str {
    static FILE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let mut s = String::from("ts,rep,type,amount,due\n");
        let pick = |i: u64, xs: &[&'static str]| xs[i as usize % xs.len()];
        // The days around 2026-03-08 and 2026-11-01 (DST in New York), and a few
        // others; hours near 04:00-06:00 UTC, New York's midnight.
        let days = [
            kpi::data::period::day_number(2026, 3, 6),
            kpi::data::period::day_number(2026, 10, 30),
            kpi::data::period::day_number(2026, 12, 30),
        ];
        for _ in 0..600 {
            let day = days[next(3) as usize] + next(5) as i32;
            let (y, m, d) = kpi::data::period::civil_from_day(day);
            let h = if next(3) == 0 { next(24) } else { 3 + next(4) };
            let (mi, sec) = (next(60), next(60));
            let ts = match next(6) {
                0 => format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{sec:02}Z"),
                1 => format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{sec:02}.125Z"),
                2 => format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{sec:02}+01:00"),
                3 => format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{sec:02}-05:00"),
                4 => format!("{y:04}-{m:02}-{d:02} {h:02}:{mi:02}:{sec:02}-04:00"),
                _ => format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{sec:02}+00:00"),
            };
            let rep = pick(next(4), &["ann", "bob", "cem", ""]);
            let ty = pick(next(3), &["call", "won", ""]);
            let amount = match next(4) {
                0 => String::new(),
                1 => format!("-{}.{:02}", next(300), next(100)),
                _ => format!("{}.{:02}", next(5000), next(100)),
            };
            let due = if next(4) == 0 {
                String::new()
            } else {
                let (y, m, d) = kpi::data::period::civil_from_day(day + next(5) as i32 - 2);
                format!("{y:04}-{m:02}-{d:02}")
            };
            s.push_str(&format!("{ts},{rep},{ty},{amount},{due}\n"));
        }
        let file = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sql_typed.csv");
        std::fs::write(&file, s).expect("write typed csv");
        file.to_string_lossy().into_owned()
    })
}

/// The suites called `names`.
pub fn suites_named(names: &[&str]) -> Vec<Suite> {
    suites()
        .into_iter()
        .filter(|s| names.contains(&s.name))
        .collect()
}

/// Golden-fixture suites (tests/fixtures/eval) other than the time-zone and week ones.
pub const GOLDEN: [&str; 8] = [
    "aggs", "nulls", "rows", "lookup", "funnel", "windows", "workdays", "msrc",
];
/// Time zones (DST) and ISO-week year boundaries.
pub const TIME: [&str; 3] = ["grains", "dst", "dst_utc"];
/// Generated rows over every construct the backend supports.
pub const MIXED: [&str; 2] = ["mixed", "typed"];
