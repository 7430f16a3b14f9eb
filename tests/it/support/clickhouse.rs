//! ClickHouse for the SQL backend's differential tests: chDB (ClickHouse in-process,
//! its Python package) in one long-lived `python3` child ([`Shared`]), started once
//! per test run and shared by every test. Each request names the CSV exports to load
//! as tables (typed as `kpi load` types a table: see [`loaded_column`]), the session
//! time zone (`session_timezone`) and the queries; the answer is, per query, the
//! result rows as text cells or the error. The tables are dropped after each request.
//!
//! Without chDB the tests that need it print why they skip and pass; under
//! `CI=true` they fail (`.ci/run` installs it).

use super::engines::{run_batches, Answer, Batch, Engine, Job, Runner, Script};
use super::python::{runs, Child, Shared};
use super::sql::{load_type, say, LoadType, Table};
use kpi::compile::graph::SourceDef;
use kpi::sql::dialect::{ClickHouse, Dialect};

/// The chDB release the tests are pinned to (`.ci/run` installs it).
pub const CHDB: &str = "4.4.0";

/// ClickHouse (chDB), under the session zones UTC and America/New_York.
pub struct ClickHouseEngine;

static CHDB_SESSION: Shared = Shared::new("chDB", start);

/// The expression reading column `name` of `src` from the CSV field `field` (SQL
/// text, a `String`) as `kpi load` types a table ([`load_type`]; the types are
/// [`Runner::column_type`]'s): numbers `Decimal(38, 6)`, booleans `Bool`,
/// `timestamp` columns an instant (`DateTime64(6, 'UTC')`: a local time read in the
/// definitions' zone `tz`, an offset converted), `date` columns `Date32`, the rest
/// `String`; every column `Nullable`, an empty field null.
pub fn loaded_column(src: &SourceDef, name: &str, field: &str, tz: &str) -> String {
    let value = format!("nullIf({field}, '')");
    match load_type(src, name) {
        LoadType::Number => format!("CAST({value} AS Nullable(Decimal(38, 6)))"),
        LoadType::Bool => format!("CAST({value} AS Nullable(Bool))"),
        LoadType::Instant => format!(
            "toTimeZone(parseDateTime64BestEffort({value}, 6, {}), 'UTC')",
            ClickHouse.string_literal(tz)
        ),
        LoadType::Date => format!("toDate32({value})"),
        LoadType::Text => value,
    }
}

/// The Python side: open a chDB session, then answer one JSON line per request line.
const CHDB_RUNNER: &str = r#"
import sys, json
out = sys.stdout
sys.stdout = sys.stderr
try:
    import chdb
    from chdb import session
    sess = session.Session()
    # Exact decimals and 64-bit numbers as text in the JSON answer.
    for s in ["output_format_json_quote_decimals = 1",
              "output_format_json_quote_64bit_integers = 1",
              "output_format_json_quote_64bit_floats = 1",
              "output_format_json_quote_denormals = 1"]:
        sess.query("SET " + s)
    version = str(sess.query("SELECT version()", "TSV")).strip()
except Exception as e:
    out.write(json.dumps({"error": "chDB did not start: %s" % e}) + "\n")
    out.flush()
    sys.exit(1)
out.write(json.dumps({"ready": version, "chdb": chdb.__version__}) + "\n")
out.flush()
def ident(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'
def lit(s):
    return "'" + s.replace('\\', '\\\\').replace("'", "\\'") + "'"
def cell(v):
    if v is None: return None
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, float): return repr(v)
    return str(v)
def run(q):
    try:
        r = json.loads(sess.query(q, "JSONCompact").bytes() or b'{"meta": [], "data": []}')
        return {"columns": [m["name"] for m in r["meta"]],
                "rows": [[cell(v) for v in row] for row in r["data"]]}
    except Exception as e:
        return {"error": str(e)}
for line in sys.stdin:
    job = json.loads(line)
    res = None
    sess.query("SET session_timezone = %s" % lit(job["zone"]))
    names = []
    try:
        for name, path, cols in job["tables"]:
            names.append(name)
            sess.query("DROP TABLE IF EXISTS %s" % ident(name))
            sess.query("CREATE TABLE %s (%s) ENGINE = Memory" % (
                ident(name), ", ".join("%s %s" % (ident(c), t) for c, t, _ in cols)))
            # Every field as text, exactly as exported (no trimming, `""` quotes).
            structure = ", ".join("%s String" % ident(c) for c, _, _ in cols)
            sess.query("INSERT INTO %s SELECT %s FROM file(%s, 'CSVWithNames', %s) "
                       "SETTINGS input_format_csv_trim_whitespaces = 0, "
                       "format_csv_allow_single_quotes = 0" % (
                ident(name), ", ".join(e for _, _, e in cols), lit(path), lit(structure)))
    except Exception as e:
        res = [{"error": "loading the tables: %s" % e} for _ in job["queries"]]
    if res is None:
        res = [run(q) for q in job["queries"]]
    for name in names:
        try:
            sess.query("DROP TABLE IF EXISTS %s" % ident(name))
        except Exception:
            pass
    out.write(json.dumps(res) + "\n")
    out.flush()
"#;

fn start() -> Result<Child, String> {
    if !runs("python3", &["-c", "import chdb"]) {
        return Err(format!(
            "chDB is not importable (`pip install chdb=={CHDB}`; .ci/run installs it)"
        ));
    }
    let began = std::time::Instant::now();
    let (child, v) = Child::start("chDB", CHDB_RUNNER, "chdb-runner.log", &[])?;
    let chdb = v["chdb"].as_str().unwrap_or("?");
    if chdb != CHDB {
        say(&format!(
            "note: chDB {chdb} is installed; the tests are pinned to {CHDB}"
        ));
    }
    say(&format!(
        "chDB {chdb} (ClickHouse {}) started in {:.1} s",
        v["ready"].as_str().unwrap_or("?"),
        began.elapsed().as_secs_f64()
    ));
    Ok(child)
}

impl Engine for ClickHouseEngine {
    fn name(&self) -> &'static str {
        "ClickHouse"
    }

    fn dialect(&self) -> &'static dyn Dialect {
        &ClickHouse
    }

    fn available(&self, test: &str) -> bool {
        CHDB_SESSION.available(test)
    }

    /// Every case under both.
    fn zones(&self) -> &'static [&'static str] {
        &["UTC", "America/New_York"]
    }

    fn equal_in(&self, zone: Option<&str>) -> String {
        format!("ClickHouse (chDB, session zone {})", zone.unwrap_or("-"))
    }

    fn timed_as(&self) -> Option<&'static str> {
        Some("chDB")
    }

    fn answer(&self, _test: &str, batches: &[Batch]) -> Vec<Vec<Result<Answer, String>>> {
        run_batches(self, batches)
    }

    /// A MergeTree table (the script ends with the query's settings), with nulls.
    fn materialized(&self, m: &Script) -> Table {
        let sql = m.sql;
        assert!(
            sql.ends_with("SETTINGS join_use_nulls = 1;\n"),
            "{}",
            &sql[sql.len().saturating_sub(80)..]
        );
        let (schema, table) = m.schema_table();
        let queries = vec![
            format!("CREATE DATABASE IF NOT EXISTS {schema}"),
            sql.into(),
            sql.into(),
            format!(
                "SELECT engine FROM system.tables WHERE database = '{schema}' AND name = '{table}'"
            ),
            format!("SELECT * FROM {} ORDER BY 1, 2", m.name),
            format!("DROP DATABASE {schema}"),
        ];
        let mut got = m.run(self, Some("UTC"), queries);
        assert_eq!(got[3].rows, vec![vec![Some("MergeTree".to_string())]]);
        let rows = got.remove(4);
        assert!(rows.rows.iter().flatten().any(Option::is_none), "a null");
        rows
    }
}

impl Runner for ClickHouseEngine {
    fn column_type(&self, t: LoadType) -> &'static str {
        match t {
            LoadType::Number => "Nullable(Decimal(38, 6))",
            LoadType::Bool => "Nullable(Bool)",
            LoadType::Instant => "Nullable(DateTime64(6, 'UTC'))",
            LoadType::Date => "Nullable(Date32)",
            LoadType::Text => "Nullable(String)",
        }
    }

    /// `[name, type, expression]`: the expression computes the column from the CSV
    /// field (a `String` column of the same name).
    fn column(&self, src: &SourceDef, name: &str, tz: &str) -> serde_json::Value {
        let expr = loaded_column(src, name, &ClickHouse.quote_ident(name), tz);
        serde_json::json!([name, self.column_type(load_type(src, name)), expr])
    }

    fn run(&self, jobs: &[Job]) -> Vec<Vec<Result<Table, String>>> {
        CHDB_SESSION.run(jobs)
    }

    fn zone_query(&self) -> &'static str {
        "SELECT timezone() AS zone"
    }
}
