//! The differential tests' runner, shared by every SQL engine (DuckDB, PostgreSQL,
//! Spark, ClickHouse): an [`Engine`] says what is particular to one (its dialect,
//! whether it runs here, its session zones, how it answers a suite's requests, how it
//! runs a `--materialize` script), and [`compare`], [`session_zones`] and
//! [`materialize`] are the test bodies every engine's tests call.
//!
//! The engines driven through Python ([`Runner`]: DuckDB, Spark, ClickHouse) load a
//! suite's CSV exports as tables named after their sources, typed as `kpi load` types
//! a table ([`LoadType`]), and run [`Job`]s of SQL text.

use std::path::PathBuf;

use super::sql::*;
use kpi::compile::graph::SourceDef;
use kpi::compile::Graph;
use kpi::eval::{Output, Request};
use kpi::report::{render, OutFormat};
use kpi::sql::dialect::Dialect;

/// One suite's requests under one session zone: what an engine answers at once.
pub struct Batch<'a> {
    pub suite: &'a Suite,
    pub graph: &'a Graph,
    pub zone: Option<&'static str>,
    /// Per case: its context in messages and its request.
    pub cases: Vec<(String, Request)>,
}

/// An engine's result for one request.
pub struct Answer {
    pub table: Table,
    /// The result printed as CSV when the engine's answer is kpi's own output
    /// (PostgreSQL: `kpi::sql::postgres::evaluate`): it must be the in-process
    /// engine's to the byte.
    pub csv: Option<String>,
}

/// A SQL engine the generated SQL runs in.
pub trait Engine {
    /// Its name in messages ("DuckDB").
    fn name(&self) -> &'static str;

    /// The dialect its SQL is generated in.
    fn dialect(&self) -> &'static dyn Dialect;

    /// Whether it runs here; skips (with a message) outside CI and fails under CI
    /// when it does not ([`unavailable`]).
    fn available(&self, test: &str) -> bool;

    /// The session time zones [`compare`] runs every suite under (the SQL must not
    /// depend on them); none: one run, no zone set.
    fn zones(&self) -> &'static [&'static str] {
        &[]
    }

    /// Whether `case` runs under the zones after the first one too.
    fn second_zone(&self, _suite: &Suite, _case: &Case) -> bool {
        true
    }

    /// Where [`compare`]'s cells are equal: "DuckDB", "Spark (session zone UTC)".
    fn equal_in(&self, zone: Option<&str>) -> String {
        match zone {
            Some(zone) => format!("{} (session zone {zone})", self.name()),
            None => self.name().to_string(),
        }
    }

    /// What [`compare`] names its run time after ("Spark"); `None`: not printed.
    fn timed_as(&self) -> Option<&'static str> {
        None
    }

    /// The engine's results: per batch, per case, the table or the error.
    fn answer(&self, test: &str, batches: &[Batch]) -> Vec<Vec<Result<Answer, String>>>;

    /// The `--table source=table` values `kpi sql` needs for `suite` (loading it if
    /// the engine keeps tables); none: the sources' own names.
    fn cli_tables(&self, _test: &str, _suite: &Suite) -> Vec<String> {
        Vec::new()
    }

    /// Run the `--materialize` script twice over the suite's tables (the second run
    /// replaces the table) and select the table, ordered by its first two columns.
    fn materialized(&self, m: &Script) -> Table;
}

/// An engine driven through Python: a runner that loads CSV exports as tables and
/// runs SQL text.
pub trait Runner: Engine {
    /// The type of a column loaded as `t`.
    fn column_type(&self, t: LoadType) -> &'static str;

    /// How the runner loads column `name` of `src` (the definitions' zone `tz`): a
    /// JSON array its script reads, `[name, type]` unless the engine says otherwise.
    fn column(&self, src: &SourceDef, name: &str, _tz: &str) -> serde_json::Value {
        serde_json::json!([name, self.column_type(load_type(src, name))])
    }

    /// Run the jobs; per job, per query: the table or the error.
    fn run(&self, jobs: &[Job]) -> Vec<Vec<Result<Table, String>>>;

    /// The query that selects the session's time zone (one row, one column).
    fn zone_query(&self) -> &'static str {
        unimplemented!("{} has no session time zone", self.name())
    }
}

/// One request to a [`Runner`]: tables over CSV files (name, file, columns as the
/// runner reads them), the session time zone, and the queries to run there.
pub struct Job {
    pub tables: Vec<(String, PathBuf, Vec<serde_json::Value>)>,
    pub zone: Option<String>,
    pub queries: Vec<String>,
}

impl Job {
    /// A job over `data` (source -> CSV path) of `graph` under the session zone
    /// `zone`: each source is the table of its own name.
    pub fn new(
        runner: &impl Runner,
        graph: &Graph,
        data: &[(&str, &str)],
        zone: Option<&str>,
    ) -> Job {
        let tz = &graph.settings.timezone;
        let tables = data
            .iter()
            .map(|(s, p)| {
                let src = graph.sources.iter().find(|x| x.name == *s).expect("source");
                let file = path(p);
                let cols = csv_columns(&file)
                    .into_iter()
                    .map(|c| runner.column(src, &c, tz))
                    .collect();
                (s.to_string(), file, cols)
            })
            .collect();
        Job {
            tables,
            zone: zone.map(str::to_string),
            queries: Vec::new(),
        }
    }

    /// The request as the runners' scripts read it.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "tables": self.tables.iter().map(|(n, p, c)| serde_json::json!([n, p.to_string_lossy(), c])).collect::<Vec<_>>(),
            "zone": self.zone,
            "queries": self.queries,
        })
    }
}

/// [`Engine::answer`] of a [`Runner`]: each batch's SQL (generated in the runner's
/// dialect) as one job.
pub fn run_batches(runner: &impl Runner, batches: &[Batch]) -> Vec<Vec<Result<Answer, String>>> {
    let jobs: Vec<Job> = batches
        .iter()
        .map(|b| {
            let mut job = Job::new(runner, b.graph, &b.suite.data, b.zone);
            for (ctx, req) in &b.cases {
                let q = kpi::sql::generate(b.graph, req, runner.dialect(), &Default::default())
                    .unwrap_or_else(|e| panic!("{ctx}: {e}"));
                job.queries.push(q.sql);
            }
            job
        })
        .collect();
    runner
        .run(&jobs)
        .into_iter()
        .map(|job| {
            job.into_iter()
                .map(|r| r.map(|table| Answer { table, csv: None }))
                .collect()
        })
        .collect()
}

/// Compare every case of the suites called `names` in-process and in the engine,
/// under each of its session zones; print the evaluations and cells compared per zone.
pub fn compare(test: &str, engine: &impl Engine, names: &[&str]) {
    compare_suites(test, engine, suites_named(names));
}

/// [`compare`] over the suites given.
pub fn compare_suites(test: &str, engine: &impl Engine, suites: Vec<Suite>) {
    if !engine.available(test) {
        return;
    }
    let zones: Vec<Option<&'static str>> = match engine.zones() {
        [] => vec![None],
        zones => zones.iter().copied().map(Some).collect(),
    };
    // In-process, once per case: (case, request, output).
    let graphs: Vec<Graph> = suites.iter().map(|s| compile(s.defs)).collect();
    let evaluated: Vec<Vec<(&Case, Request, Output)>> = suites
        .iter()
        .zip(&graphs)
        .map(|(suite, graph)| {
            let cases = suite.cases.iter();
            cases
                .map(|case| {
                    let req = case.request(graph, &suite.data);
                    let out = kpi::eval::evaluate(graph, &req)
                        .unwrap_or_else(|e| panic!("{test}: {} {}: {e}", suite.defs, case.label()));
                    (case, req, out)
                })
                .collect()
        })
        .collect();
    // Zone after zone, suite after suite: one batch each (none without cases).
    let mut batches = Vec::new();
    let mut wants: Vec<Vec<&Output>> = Vec::new();
    for (z, &zone) in zones.iter().enumerate() {
        for ((suite, graph), evaluated) in suites.iter().zip(&graphs).zip(&evaluated) {
            let mut batch = Batch {
                suite,
                graph,
                zone,
                cases: Vec::new(),
            };
            let mut want = Vec::new();
            for (case, req, out) in evaluated {
                if z > 0 && !engine.second_zone(suite, case) {
                    continue;
                }
                let ctx = match zone {
                    Some(zone) => format!("{test} (session zone {zone})"),
                    None => test.to_string(),
                };
                let ctx = format!("{ctx}: {} {}", suite.defs, case.label());
                batch.cases.push((ctx, req.clone()));
                want.push(out);
            }
            if !batch.cases.is_empty() {
                batches.push(batch);
                wants.push(want);
            }
        }
    }
    let began = std::time::Instant::now();
    let got = engine.answer(test, &batches);
    let took = began.elapsed().as_secs_f64();
    for zone in zones {
        let (mut evals, mut cells, mut identical, mut bytes) = (0, 0, 0, 0);
        for ((batch, want), got) in batches.iter().zip(&wants).zip(&got) {
            if batch.zone != zone {
                continue;
            }
            for (((ctx, _), w), g) in batch.cases.iter().zip(want).zip(got) {
                let g = g
                    .as_ref()
                    .unwrap_or_else(|e| panic!("{ctx}: {}: {e}", engine.name()));
                cells += assert_same(ctx, &table_of(w), &g.table);
                evals += 1;
                if let Some(csv) = &g.csv {
                    bytes += 1;
                    if *csv == render(w, OutFormat::Csv) {
                        identical += 1;
                    }
                }
            }
        }
        let mut line = format!(
            "{test}: {evals} evaluations, {cells} cells equal in {}",
            engine.equal_in(zone)
        );
        if bytes > 0 {
            line += &format!("; {identical} of {evals} CSV outputs identical to the byte");
        }
        say(&line);
        assert_eq!(
            identical, bytes,
            "{test}: some outputs differ in their last digits"
        );
    }
    if let Some(what) = engine.timed_as() {
        say(&format!("{test}: {took:.1} s in {what}"));
    }
}

/// Amsterdam's days in `dst.kpi` (`2026-03-28T22:59:59Z` is 23:59:59 there, on the
/// 28th) cut the same whatever the session's own zone is, and the zone is the one set.
pub fn session_zones(test: &str, engine: &impl Runner) {
    if !engine.available(test) {
        return;
    }
    let data = [("acts", "tests/fixtures/eval/dst.csv")];
    let graph = compile("tests/fixtures/eval/dst.kpi");
    let case = Case::new("rep", "day");
    let req = case.request(&graph, &data);
    let want = table_of(&kpi::eval::evaluate(&graph, &req).expect("eval"));
    let sql = kpi::sql::generate(&graph, &req, engine.dialect(), &Default::default())
        .expect("sql")
        .sql;
    let zones = ["UTC", "America/New_York", "Europe/Amsterdam", "Asia/Tokyo"];
    let jobs: Vec<Job> = zones
        .iter()
        .map(|z| {
            let mut job = Job::new(engine, &graph, &data, Some(z));
            job.queries = vec![engine.zone_query().into(), sql.clone()];
            job
        })
        .collect();
    for (zone, got) in zones.iter().zip(engine.run(&jobs)) {
        let ctx = format!("{test} (session zone {zone}): dst.kpi {}", case.label());
        let current = got[0].as_ref().unwrap_or_else(|e| panic!("{ctx}: {e}"));
        assert_eq!(current.rows, vec![vec![Some(zone.to_string())]], "{ctx}");
        let rows = got[1]
            .as_ref()
            .unwrap_or_else(|e| panic!("{ctx}: {}: {e}", engine.name()));
        assert_same(&ctx, &want, rows);
    }
    say(&format!(
        "{test}: dst.kpi {} gives the engine's {} rows under {}",
        case.label(),
        want.rows.len(),
        zones.join(", ")
    ));
}

/// What the materialized table is compared with.
pub enum Reference {
    /// `kpi eval --format csv` (numbers within 1e-9 times the larger of 1 and the
    /// value, a null as an empty field); prints the rows.
    KpiEval,
    /// The in-process engine's table ([`assert_same`]); prints the rows and cells.
    InProcess,
}

/// A `--materialize` test: `sales.kpi --by team --grain month --metrics METRICS` as
/// the table `name`, whose script begins with `starts`.
pub struct Materialize {
    pub name: &'static str,
    pub metrics: &'static str,
    pub starts: &'static str,
    pub reference: Reference,
}

/// A `--materialize` script to run: for [`Engine::materialized`].
pub struct Script<'a> {
    pub test: &'a str,
    pub suite: &'a Suite,
    pub graph: &'a Graph,
    /// What `kpi sql --materialize` printed.
    pub sql: &'a str,
    /// The table, `schema.table`.
    pub name: &'a str,
}

impl Script<'_> {
    /// The table's schema and its own name.
    pub fn schema_table(&self) -> (&str, &str) {
        self.name.split_once('.').expect("schema.table")
    }

    /// Run `queries` in one job over the suite's tables under the session zone
    /// `zone`; their results (a failed one fails the test).
    pub fn run(
        &self,
        runner: &impl Runner,
        zone: Option<&str>,
        queries: Vec<String>,
    ) -> Vec<Table> {
        let mut job = Job::new(runner, self.graph, &self.suite.data, zone);
        job.queries = queries;
        let got = runner.run(&[job]).remove(0).into_iter().enumerate();
        got.map(|(i, g)| {
            g.unwrap_or_else(|e| panic!("{}: statement {i}: {}: {e}", self.test, runner.name()))
        })
        .collect()
    }
}

/// `kpi sql --dialect D --materialize` from the command line: the script runs in the
/// engine twice (the second run replaces the table) and the table holds the engine's
/// rows.
pub fn materialize(test: &str, engine: &impl Engine, m: &Materialize) {
    if !engine.available(test) {
        return;
    }
    let suite = suites_named(&["sales"]).remove(0);
    let graph = compile(suite.defs);
    let args = ["--by", "team", "--grain", "month", "--metrics", m.metrics];
    let dialect = engine.dialect().name();
    let mut sql_args = vec!["sql", suite.defs, "--dialect", dialect];
    sql_args.extend_from_slice(&["--materialize", m.name]);
    sql_args.extend_from_slice(&args);
    let tables = engine.cli_tables(test, &suite);
    for t in &tables {
        sql_args.extend_from_slice(&["--table", t]);
    }
    let r = super::kpi(&sql_args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with(m.starts),
        "{}",
        &r.stdout[..r.stdout.len().min(m.starts.len() + 40)]
    );
    let table = engine.materialized(&Script {
        test,
        suite: &suite,
        graph: &graph,
        sql: &r.stdout,
        name: m.name,
    });
    match m.reference {
        Reference::KpiEval => {
            let mut eval_args = vec!["eval", suite.defs, "--format", "csv"];
            eval_args.extend_from_slice(&args);
            let want = super::kpi(&eval_args);
            assert_eq!(want.code, 0, "{}", want.stderr);
            let want = super::eval::Table::parse(&want.stdout);
            assert_eq!(table.header, want.header, "{test}");
            assert_eq!(table.rows.len(), want.rows.len(), "{test}");
            for (g, w) in table.rows.iter().zip(&want.rows) {
                for (k, (a, b)) in g.iter().zip(w).enumerate() {
                    let (a, b) = (a.clone().unwrap_or_default(), b.clone());
                    let same = a == b
                        || matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(x), Ok(y)) if (x - y).abs() <= 1e-9 * y.abs().max(1.0));
                    assert!(same, "{test}: {} {a} vs {b}", table.header[k]);
                }
            }
            say(&format!(
                "{test}: {} rows of the materialized table equal kpi eval's",
                table.rows.len()
            ));
        }
        Reference::InProcess => {
            let case = Case::new("team", "month").metrics(m.metrics);
            let req = case.request(&graph, &suite.data);
            let want = table_of(&kpi::eval::evaluate(&graph, &req).expect("eval"));
            let cells = assert_same(test, &want, &table);
            say(&format!(
                "{test}: {} rows ({cells} cells) of the materialized table equal kpi eval's",
                table.rows.len()
            ));
        }
    }
}
