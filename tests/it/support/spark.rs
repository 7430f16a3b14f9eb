//! Apache Spark for the SQL backend's differential tests: one local Spark session
//! (`local[2]`, ANSI mode as Spark 4 defaults) in a long-lived `python3` child
//! (PySpark, [`Shared`]), started once per test run and shared by every test. Each
//! request names the CSV exports to register as views (read as text, then cast as
//! `kpi load` types a table), the session time zone, and the queries; the answer is,
//! per query, the result rows as text cells or the error.
//!
//! Without PySpark or a Java runtime the tests that need Spark print why they skip
//! and pass; under `CI=true` they fail (`.ci/run` installs both).

use std::path::PathBuf;

use super::engines::{run_batches, Answer, Batch, Engine, Job, Runner, Script};
use super::python::{runs, Child, Shared};
use super::sql::{say, Case, LoadType, Suite, Table};
use kpi::data::period::Grain;
use kpi::sql::dialect::{Dialect, Spark};

/// Spark, under the session zones UTC and America/New_York.
pub struct SparkEngine;

static SPARK: Shared = Shared::new("Spark", start);

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
    spark.conf.set("spark.sql.session.timeZone", job["zone"])
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

fn start() -> Result<Child, String> {
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
    // The session's catalog lives in memory: tables a former run (or another test
    // process on the same target directory) left in a warehouse directory would be
    // in the way of `CREATE TABLE`. One directory per process, emptied first.
    let warehouse = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("spark-warehouse-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&warehouse);
    let began = std::time::Instant::now();
    let env = [
        ("PYSPARK_PYTHON", "python3".into()),
        ("KPI_SPARK_WAREHOUSE", warehouse.into_os_string()),
    ];
    let (child, v) = Child::start("Spark", SPARK_RUNNER, "spark-runner.log", &env)?;
    say(&format!(
        "Spark {} (local[2], spark.sql.ansi.enabled={}) started in {:.1} s",
        v["ready"].as_str().unwrap_or("?"),
        v["ansi"].as_str().unwrap_or("?"),
        began.elapsed().as_secs_f64()
    ));
    Ok(child)
}

impl Engine for SparkEngine {
    fn name(&self) -> &'static str {
        "Spark"
    }

    fn dialect(&self) -> &'static dyn Dialect {
        &Spark
    }

    fn available(&self, test: &str) -> bool {
        SPARK.available(test)
    }

    fn zones(&self) -> &'static [&'static str] {
        &["UTC", "America/New_York"]
    }

    /// The cases run under the second session zone too (all of them under both
    /// would take Spark 150 to 200 s on two cores; this keeps the whole file near
    /// 100 s): every case of the time-zone/ISO-week fixtures, the golden fixtures and
    /// the small shipped example, and the generated rows (every time shape) by day
    /// and week.
    fn second_zone(&self, suite: &Suite, case: &Case) -> bool {
        match suite.name {
            "mixed" => {
                (case.from.is_some() || case.to.is_some())
                    || (matches!(case.grain, Grain::Day | Grain::Week)
                        && case.by.len() <= 1
                        && case.by.iter().all(|b| b == "rep"))
            }
            "sales" => false,
            _ => true,
        }
    }

    fn timed_as(&self) -> Option<&'static str> {
        Some("Spark")
    }

    fn answer(&self, _test: &str, batches: &[Batch]) -> Vec<Vec<Result<Answer, String>>> {
        run_batches(self, batches)
    }

    /// The script and the `SELECT` as one query of statements.
    fn materialized(&self, m: &Script) -> Table {
        let (schema, _) = m.schema_table();
        let (sql, name) = (m.sql, m.name);
        let query = format!(
            "-- statements\nCREATE DATABASE IF NOT EXISTS {schema};\n{sql}{sql}SELECT * FROM {name} ORDER BY 1, 2"
        );
        m.run(self, Some("UTC"), vec![query]).remove(0)
    }
}

impl Runner for SparkEngine {
    fn column_type(&self, t: LoadType) -> &'static str {
        match t {
            LoadType::Number => "DECIMAL(38, 6)",
            LoadType::Bool => "BOOLEAN",
            LoadType::Instant => "TIMESTAMP",
            LoadType::Date => "DATE",
            LoadType::Text => "STRING",
        }
    }

    fn run(&self, jobs: &[Job]) -> Vec<Vec<Result<Table, String>>> {
        SPARK.run(jobs)
    }

    fn zone_query(&self) -> &'static str {
        "SELECT current_timezone() AS zone"
    }
}
