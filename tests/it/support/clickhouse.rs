//! ClickHouse for the SQL backend's differential tests: chDB (ClickHouse in-process,
//! its Python package) in one long-lived `python3` child, started once per test run
//! and shared by every test. Each request names the CSV exports to load as tables
//! (typed as `kpi load` types a table: see [`loaded_column`]) and the queries; the
//! answer is, per query, the result rows as text cells or the error. The tables
//! are dropped after each request.
//!
//! Without chDB the tests that need it print why they skip and pass; under
//! `CI=true` they fail (`.ci/run` installs it).

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use super::sql::{csv_columns, load_type, path, results_of, say, unavailable, LoadType, Table};
use kpi::compile::graph::SourceDef;
use kpi::compile::Graph;
use kpi::sql::dialect::{ClickHouse, Dialect};

/// The chDB release the tests are pinned to (`.ci/run` installs it).
pub const CHDB: &str = "4.4.0";

/// A column as loaded: its name, its ClickHouse type, and the expression that
/// computes it from the CSV field (a `String` column of the same name).
pub type ChColumn = (String, &'static str, String);

/// A table: name, CSV file, columns.
pub type ChTable = (String, PathBuf, Vec<ChColumn>);

/// The type of column `name` of `src` in ClickHouse, and the expression reading it
/// from the CSV field `field` (SQL text, a `String`), as `kpi load` types a table
/// ([`load_type`]): numbers `Decimal(38, 6)`, booleans `Bool`, `timestamp`
/// columns an instant (`DateTime64(6, 'UTC')`: a local time read in the
/// definitions' zone `tz`, an offset converted), `date` columns `Date32`, the rest
/// `String`; every column `Nullable`, an empty field null.
pub fn loaded_column(src: &SourceDef, name: &str, field: &str, tz: &str) -> (&'static str, String) {
    let value = format!("nullIf({field}, '')");
    match load_type(src, name) {
        LoadType::Number => (
            "Nullable(Decimal(38, 6))",
            format!("CAST({value} AS Nullable(Decimal(38, 6)))"),
        ),
        LoadType::Bool => ("Nullable(Bool)", format!("CAST({value} AS Nullable(Bool))")),
        LoadType::Instant => (
            "Nullable(DateTime64(6, 'UTC'))",
            format!(
                "toTimeZone(parseDateTime64BestEffort({value}, 6, {}), 'UTC')",
                ClickHouse.string_literal(tz)
            ),
        ),
        LoadType::Date => ("Nullable(Date32)", format!("toDate32({value})")),
        LoadType::Text => ("Nullable(String)", value),
    }
}

/// One request: tables to load, the session time zone (`session_timezone`; the
/// SQL must not depend on it), and the queries.
pub struct ChJob {
    pub tables: Vec<ChTable>,
    pub session_zone: String,
    pub queries: Vec<String>,
}

impl ChJob {
    /// A job over `data` (source -> CSV path) of `graph` under the session time
    /// zone `session_zone`: each source is the table of its own name, as in the
    /// DuckDB and Spark runners.
    pub fn new(graph: &Graph, data: &[(&str, &str)], session_zone: &str) -> ChJob {
        let ch = ClickHouse;
        let tz = &graph.settings.timezone;
        let tables = data
            .iter()
            .map(|(s, p)| {
                let src = graph.sources.iter().find(|x| x.name == *s).expect("source");
                let file = path(p);
                let cols = csv_columns(&file)
                    .into_iter()
                    .map(|c| {
                        let (t, e) = loaded_column(src, &c, &ch.quote_ident(&c), tz);
                        (c, t, e)
                    })
                    .collect();
                (s.to_string(), file, cols)
            })
            .collect();
        ChJob {
            tables,
            session_zone: session_zone.to_string(),
            queries: Vec::new(),
        }
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
    sess.query("SET session_timezone = %s" % lit(job["session_zone"]))
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

/// The running chDB: its stdin and stdout, and where its stderr goes.
struct Chdb {
    _child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    log: PathBuf,
}

/// The shared session (started by the first test that asks; `Err` says why not).
fn session() -> &'static Mutex<Result<Chdb, String>> {
    static CHDB_SESSION: OnceLock<Mutex<Result<Chdb, String>>> = OnceLock::new();
    CHDB_SESSION.get_or_init(|| Mutex::new(start()))
}

/// The tail of the runner's log.
fn log_tail(log: &PathBuf) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

fn start() -> Result<Chdb, String> {
    let importable = Command::new("python3")
        .args(["-c", "import chdb"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !importable {
        return Err(format!(
            "chDB is not importable (`pip install chdb=={CHDB}`; .ci/run installs it)"
        ));
    }
    let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("chdb-runner.log");
    let err = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let began = std::time::Instant::now();
    let mut child = Command::new("python3")
        .args(["-u", "-c", CHDB_RUNNER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(err)
        .spawn()
        .map_err(|e| format!("python3: {e}"))?;
    let stdin = child.stdin.take().ok_or("no stdin")?;
    let mut stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
    let mut line = String::new();
    let _ = stdout.read_line(&mut line);
    let v: serde_json::Value = serde_json::from_str(&line)
        .map_err(|_| format!("the chDB runner did not start:\n{}", log_tail(&log)))?;
    if let Some(e) = v.get("error") {
        return Err(format!(
            "{}\n{}",
            e.as_str().unwrap_or_default(),
            log_tail(&log)
        ));
    }
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
    Ok(Chdb {
        _child: child,
        stdin,
        stdout,
        log,
    })
}

/// Whether chDB runs here (starting it if no test did yet); skips (with a message)
/// outside CI and fails under CI when it does not.
pub fn clickhouse_available(test: &str) -> bool {
    let guard = session().lock().unwrap_or_else(|e| e.into_inner());
    match &*guard {
        Ok(_) => true,
        Err(why) => {
            unavailable(test, why);
            false
        }
    }
}

/// Run the jobs in the shared session, one after the other; per job, per query:
/// the table or an error.
pub fn run_clickhouse(jobs: &[ChJob]) -> Vec<Vec<Result<Table, String>>> {
    let mut guard = session().lock().unwrap_or_else(|e| e.into_inner());
    let ch = match &mut *guard {
        Ok(s) => s,
        Err(why) => panic!("chDB is not running: {why}"),
    };
    jobs.iter()
        .map(|j| {
            let req = serde_json::json!({
                "tables": j.tables.iter().map(|(n, p, c)| serde_json::json!([n, p.to_string_lossy(), c])).collect::<Vec<_>>(),
                "session_zone": j.session_zone,
                "queries": j.queries,
            });
            writeln!(ch.stdin, "{req}").expect("write to the chDB runner");
            ch.stdin.flush().expect("flush");
            let mut line = String::new();
            ch.stdout.read_line(&mut line).expect("read the chDB runner");
            let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|_| {
                panic!(
                    "the chDB runner answered {line:?}:\n{}",
                    log_tail(&ch.log)
                )
            });
            results_of(&v)
        })
        .collect()
}
