//! Apache Spark for the SQL backend's differential tests: one local Spark session
//! (`local[2]`, ANSI mode as Spark 4 defaults) in a long-lived `python3` child
//! (PySpark), started once per test run and shared by every test. Each request
//! names the CSV exports to register as views (every column `STRING`: the engine
//! reads text), the session time zone, and the queries; the answer is, per query,
//! the result rows as text cells or the error.
//!
//! Without PySpark or a Java runtime the tests that need Spark print why they skip
//! and pass; under `CI=true` they fail (`.ci/run` installs both).

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use super::sql::{csv_columns, load_type, path, results_of, say, unavailable, LoadType, Table};
use kpi::compile::Graph;

/// One request: views over CSV files (name, file, (column, Spark type) pairs), the
/// session time zone, and the queries to run there.
/// A view: name, CSV file, (column, Spark type) pairs.
pub type SparkTable = (String, PathBuf, Vec<(String, &'static str)>);

pub struct SparkJob {
    pub tables: Vec<SparkTable>,
    pub time_zone: String,
    pub queries: Vec<String>,
}

impl SparkJob {
    /// A job over `data` (source -> CSV path) of `graph` with the session zone
    /// `time_zone`. Each source is the view of its own name, as in the DuckDB runner;
    /// the file is read as text and its columns cast as `kpi load` types a table
    /// (numbers `DECIMAL(38, 6)`, booleans `BOOLEAN`, the rest `STRING`).
    pub fn new(graph: &Graph, data: &[(&str, &str)], time_zone: &str) -> SparkJob {
        let tables = data
            .iter()
            .map(|(s, p)| {
                let src = graph.sources.iter().find(|x| x.name == *s).expect("source");
                let file = path(p);
                let cols = csv_columns(&file)
                    .into_iter()
                    .map(|c| {
                        let t = match load_type(src, &c) {
                            LoadType::Number => "DECIMAL(38, 6)",
                            LoadType::Bool => "BOOLEAN",
                            LoadType::Instant => "TIMESTAMP",
                            LoadType::Date => "DATE",
                            LoadType::Text => "STRING",
                        };
                        (c, t)
                    })
                    .collect();
                (s.to_string(), file, cols)
            })
            .collect();
        SparkJob {
            tables,
            time_zone: time_zone.to_string(),
            queries: Vec::new(),
        }
    }
}

/// The Python side: start the session, then answer one JSON line per request line.
const SPARK_RUNNER: &str = r#"
import os, sys, json
from concurrent.futures import ThreadPoolExecutor
out = sys.stdout
sys.stdout = sys.stderr
try:
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StructType, StructField, StringType
    from pyspark.sql.functions import col
    # Small data, many large queries: no broadcast joins (a job each), no adaptive
    # re-planning, no code generation (compiling each query's classes costs more
    # than running it), one shuffle partition. About 3x faster here; same results.
    spark = (SparkSession.builder.master("local[2]").appName("kpi-tests")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.shuffle.partitions", "1")
             .config("spark.default.parallelism", "2")
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.warehouse.dir", os.environ["KPI_SPARK_WAREHOUSE"])
             .config("spark.sql.adaptive.enabled", "false")
             .config("spark.sql.autoBroadcastJoinThreshold", "-1")
             .config("spark.sql.codegen.wholeStage", "false")
             .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    spark.sql("SELECT 1").collect()
except Exception as e:
    out.write(json.dumps({"error": "Spark did not start: %s" % e}) + "\n")
    out.flush()
    sys.exit(1)
out.write(json.dumps({"ready": spark.version, "ansi": spark.conf.get("spark.sql.ansi.enabled")}) + "\n")
out.flush()
def cell(v):
    if v is None: return None
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, float): return repr(v)
    return str(v)
def run(q):
    try:
        # A script (`--materialize`): its statements in order, the last one's rows.
        if q.startswith("-- statements\n"):
            stmts = [s for s in q[len("-- statements\n"):].split(";\n") if s.strip()]
            for s in stmts[:-1]:
                spark.sql(s).collect()
            q = stmts[-1]
        df = spark.sql(q)
        rows = [[cell(v) for v in row] for row in df.collect()]
        return {"columns": df.columns, "rows": rows}
    except Exception as e:
        return {"error": str(e)}
# Two queries at a time (the driver's planning of one overlaps the other's tasks).
pool = ThreadPoolExecutor(2)
for line in sys.stdin:
    job = json.loads(line)
    spark.conf.set("spark.sql.session.timeZone", job["time_zone"])
    res = []
    cached = []
    try:
        for name, path, cols in job["tables"]:
            schema = StructType([StructField(c, StringType(), True) for c, _ in cols])
            df = (spark.read.schema(schema)
                .option("header", "true").option("escape", '"').option("mode", "FAILFAST")
                .option("enforceSchema", "false").csv(path))
            df = df.select([col("`%s`" % c.replace("`", "``")).cast(t).alias(c) for c, t in cols]).cache()
            df.count()
            cached.append(df)
            df.createOrReplaceTempView(name)
    except Exception as e:
        res = [{"error": "loading the tables: %s" % e} for _ in job["queries"]]
    else:
        res = list(pool.map(run, job["queries"]))
    for name, _, _ in job["tables"]:
        spark.catalog.dropTempView(name)
    for df in cached:
        df.unpersist()
    out.write(json.dumps(res) + "\n")
    out.flush()
"#;

/// The running Spark: its stdin and stdout, and where its stderr goes.
struct Spark {
    _child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    log: PathBuf,
}

/// The shared session (started by the first test that asks; `Err` says why not).
fn session() -> &'static Mutex<Result<Spark, String>> {
    static SPARK: OnceLock<Mutex<Result<Spark, String>>> = OnceLock::new();
    SPARK.get_or_init(|| Mutex::new(start()))
}

/// Whether `cmd ARGS` runs and exits 0.
fn runs(cmd: &str, args: &[&str]) -> bool {
    Command::new(cmd)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The tail of the runner's log.
fn log_tail(log: &PathBuf) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

fn start() -> Result<Spark, String> {
    if !runs("python3", &["-c", "import pyspark"]) {
        return Err(
            "PySpark is not importable (`pip install pyspark==4.3.0`; .ci/run installs it)".into(),
        );
    }
    if !runs("java", &["-version"]) {
        return Err(
            "no Java runtime for Spark (`apt-get install openjdk-17-jre-headless`; .ci/run installs it)"
                .into(),
        );
    }
    let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("spark-runner.log");
    let err = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    // The session's catalog lives in memory: tables a former run left in the
    // warehouse directory would be in the way of `CREATE TABLE`.
    let warehouse = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("spark-warehouse");
    let _ = std::fs::remove_dir_all(&warehouse);
    let began = std::time::Instant::now();
    let mut child = Command::new("python3")
        .args(["-u", "-c", SPARK_RUNNER])
        .env("PYSPARK_PYTHON", "python3")
        .env("KPI_SPARK_WAREHOUSE", &warehouse)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(err)
        .spawn()
        .map_err(|e| format!("python3: {e}"))?;
    let stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    let _ = stdout.read_line(&mut line);
    let v: serde_json::Value = serde_json::from_str(&line)
        .map_err(|_| format!("the Spark runner did not start:\n{}", log_tail(&log)))?;
    if let Some(e) = v.get("error") {
        return Err(format!(
            "{}\n{}",
            e.as_str().unwrap_or_default(),
            log_tail(&log)
        ));
    }
    say(&format!(
        "Spark {} (local[2], spark.sql.ansi.enabled={}) started in {:.1} s",
        v["ready"].as_str().unwrap_or("?"),
        v["ansi"].as_str().unwrap_or("?"),
        began.elapsed().as_secs_f64()
    ));
    Ok(Spark {
        _child: child,
        stdin,
        stdout,
        log,
    })
}

/// Whether Spark runs here (starting it if no test did yet); skips (with a message)
/// outside CI and fails under CI when it does not.
pub fn spark_available(test: &str) -> bool {
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
pub fn run_spark(jobs: &[SparkJob]) -> Vec<Vec<Result<Table, String>>> {
    let mut guard = session().lock().unwrap_or_else(|e| e.into_inner());
    let spark = match &mut *guard {
        Ok(s) => s,
        Err(why) => panic!("Spark is not running: {why}"),
    };
    jobs.iter()
        .map(|j| {
            let req = serde_json::json!({
                "tables": j.tables.iter().map(|(n, p, c)| serde_json::json!([n, p.to_string_lossy(), c])).collect::<Vec<_>>(),
                "time_zone": j.time_zone,
                "queries": j.queries,
            });
            writeln!(spark.stdin, "{req}").expect("write to the Spark runner");
            spark.stdin.flush().expect("flush");
            let mut line = String::new();
            spark
                .stdout
                .read_line(&mut line)
                .expect("read the Spark runner");
            let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|_| {
                panic!(
                    "the Spark runner answered {line:?}:\n{}",
                    log_tail(&spark.log)
                )
            });
            results_of(&v)
        })
        .collect()
}
