//! DuckDB for the SQL backend's differential tests, driven through its Python
//! package: one `python3` child per run of jobs, each job a fresh in-memory database
//! with views over the CSV exports (`read_csv`, typed as `kpi load` types a table).
//!
//! Without the package the tests that need it print why they skip and pass; under
//! `CI=true` they fail (`.ci/run` installs it).

use std::io::Write;
use std::process::{Command, Stdio};

use super::engines::{run_batches, Answer, Batch, Engine, Job, Runner, Script};
use super::python::runs;
use super::sql::{results_of, unavailable, LoadType, Table};
use kpi::sql::dialect::{Dialect, DuckDb};

/// DuckDB (no session time zone).
pub struct DuckDbEngine;

const DUCK_RUNNER: &str = r#"
import sys, json, decimal, duckdb
def cell(v):
    if v is None: return None
    if isinstance(v, float): return repr(v)
    return str(v)
out = []
for job in json.load(sys.stdin):
    con = duckdb.connect()
    for name, path, cols in job["tables"]:
        spec = ", ".join("'%s': '%s'" % (c.replace("'", "''"), t) for c, t in cols)
        con.execute("CREATE VIEW \"%s\" AS SELECT * FROM read_csv('%s', header = true, auto_detect = false, columns = {%s})" % (name, path.replace("'", "''"), spec))
    res = []
    for q in job["queries"]:
        try:
            r = con.execute(q)
            rows = [[cell(v) for v in row] for row in r.fetchall()]
            res.append({"columns": [d[0] for d in r.description], "rows": rows})
        except Exception as e:
            res.append({"error": str(e)})
    out.append(res)
json.dump(out, sys.stdout)
"#;

impl Engine for DuckDbEngine {
    fn name(&self) -> &'static str {
        "DuckDB"
    }

    fn dialect(&self) -> &'static dyn Dialect {
        &DuckDb
    }

    fn available(&self, test: &str) -> bool {
        let ok = runs("python3", &["-c", "import duckdb"]);
        if !ok {
            unavailable(
                test,
                "DuckDB's Python package is not importable (`pip install duckdb`; .ci/run installs it)",
            );
        }
        ok
    }

    fn answer(&self, _test: &str, batches: &[Batch]) -> Vec<Vec<Result<Answer, String>>> {
        run_batches(self, batches)
    }

    fn materialized(&self, m: &Script) -> Table {
        let (schema, _) = m.schema_table();
        let queries = vec![
            format!("CREATE SCHEMA IF NOT EXISTS {schema}"),
            m.sql.into(),
            m.sql.into(),
            format!("SELECT * FROM {} ORDER BY 1, 2", m.name),
        ];
        m.run(self, None, queries).remove(3)
    }
}

impl Runner for DuckDbEngine {
    fn column_type(&self, t: LoadType) -> &'static str {
        match t {
            LoadType::Number => "DECIMAL(38, 6)",
            LoadType::Bool => "BOOLEAN",
            LoadType::Instant => "TIMESTAMPTZ",
            LoadType::Date => "DATE",
            LoadType::Text => "VARCHAR",
        }
    }

    /// All the jobs in one Python process.
    fn run(&self, jobs: &[Job]) -> Vec<Vec<Result<Table, String>>> {
        let input = serde_json::Value::Array(jobs.iter().map(Job::json).collect());
        let mut child = Command::new("python3")
            .args(["-c", DUCK_RUNNER])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run python3");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.to_string().as_bytes())
            .expect("write jobs");
        let out = child.wait_with_output().expect("python3");
        assert!(
            out.status.success(),
            "duckdb runner failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("runner json");
        v.as_array().expect("jobs").iter().map(results_of).collect()
    }
}
