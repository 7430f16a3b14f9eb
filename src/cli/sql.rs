//! `kpi sql DEFS --dialect D`: the evaluation as one SQL query for a warehouse; and
//! the `--engine`/`--dsn`/`--table` options of `kpi eval` (run it in PostgreSQL).

use std::collections::HashMap;
use std::path::PathBuf;

use crate::compile::graph::Graph;
use crate::data::period::Grain;
use crate::diag::did_you_mean;
use crate::eval::{self, EvalError, Output, Request};
use crate::sql::{self, SqlError};

use super::common::{self, DefOpts};
use super::common::{parse_grain, select_metrics};
use super::{FAILED, USAGE};

#[derive(clap::Args)]
pub struct Args {
    /// The definitions file (.kpi or .yaml)
    defs: PathBuf,
    /// SQL dialect: postgres, duckdb, trino, spark, bigquery, snowflake
    #[arg(long, default_value = "postgres", value_parser = parse_dialect)]
    dialect: String,
    /// Group by these dimensions, e.g. `--by team,rep`
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// Period grain: day, week (ISO), month, quarter, year, all
    #[arg(long, default_value = "all", value_parser = parse_grain)]
    grain: Grain,
    /// Only these metrics (or funnels, listing all their members), in this order
    #[arg(long, value_delimiter = ',')]
    metrics: Vec<String>,
    /// First day of the range (inclusive), YYYY-MM-DD
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Last day of the range (inclusive), YYYY-MM-DD
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// Emit every period of the range for each group (counts 0), not only periods with data
    #[arg(long)]
    fill: bool,
    /// The table of a source: `SOURCE=SCHEMA.TABLE` (repeatable; default: the source's name)
    #[arg(long = "table", value_name = "SOURCE=TABLE")]
    tables: Vec<String>,
    /// Write the SQL to FILE instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    opts: DefOpts,
}

fn parse_dialect(s: &str) -> Result<String, String> {
    match sql::dialect_by_name(s) {
        Some(d) => Ok(d.name().to_string()),
        None => Err(format!(
            "unknown dialect `{s}` (use {})",
            sql::DIALECTS.join(", ")
        )),
    }
}

/// Where `kpi eval` runs.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Engine {
    /// In this process, over CSV/NDJSON files (`--data`)
    #[default]
    Inprocess,
    /// In PostgreSQL, over tables (`--dsn`, `--table`)
    Postgres,
}

/// `kpi eval --engine postgres --dsn URL --table SOURCE=TABLE`.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct EngineOpts {
    /// Where to evaluate: inprocess (default) or postgres (the same evaluation as SQL)
    #[arg(long, value_enum, default_value = "inprocess")]
    pub engine: Engine,
    /// PostgreSQL connection for `--engine postgres`: `postgresql://user@host:port/db` or `host=.. user=.. dbname=..`
    #[arg(long, value_name = "URL")]
    pub dsn: Option<String>,
    /// With `--engine postgres`: the table of a source, `SOURCE=SCHEMA.TABLE` (repeatable; default: the source's name)
    #[arg(long = "table", value_name = "SOURCE=TABLE")]
    pub tables: Vec<String>,
}

/// Evaluate with the engine `opts` choose.
pub fn evaluate(graph: &Graph, req: &Request, opts: &EngineOpts) -> Result<Output, EvalError> {
    match opts.engine {
        Engine::Inprocess => {
            if !opts.tables.is_empty() || opts.dsn.is_some() {
                return Err(EvalError::Usage(
                    "--dsn and --table need --engine postgres".into(),
                ));
            }
            eval::evaluate(graph, req)
        }
        Engine::Postgres => {
            if !req.data.is_empty() {
                return Err(EvalError::Usage(
                    "--data reads files for the in-process engine; with --engine postgres the sources are tables (`--table SOURCE=TABLE`, `kpi load` copies a CSV into one)".into(),
                ));
            }
            let Some(dsn) = &opts.dsn else {
                return Err(EvalError::Usage(
                    "--engine postgres needs --dsn URL (e.g. postgresql://user@localhost:5432/db)"
                        .into(),
                ));
            };
            let tables = bind_tables(graph, &opts.tables).map_err(EvalError::Usage)?;
            sql::postgres::evaluate(graph, req, &tables, dsn)
        }
    }
}

/// `--table SOURCE=TABLE` (or a bare TABLE when there is one source) to a map.
pub fn bind_tables(graph: &Graph, args: &[String]) -> Result<HashMap<String, String>, String> {
    let mut map = HashMap::new();
    for t in args {
        let (src, table) = match t.split_once('=') {
            Some((s, t)) => (s.to_string(), t.to_string()),
            None if graph.sources.len() == 1 => (graph.sources[0].name.clone(), t.clone()),
            None => {
                return Err(format!(
                    "--table {t}: the definitions have {} sources; write `--table SOURCE={t}`",
                    graph.sources.len()
                ))
            }
        };
        if !graph.sources.iter().any(|s| s.name == src) {
            let names: Vec<&str> = graph.sources.iter().map(|s| s.name.as_str()).collect();
            let mut msg = format!("--table {t}: there is no source `{src}`");
            match did_you_mean(&src, names.iter().copied()) {
                Some(h) => msg.push_str(&format!("\n  = help: {h}")),
                None => msg.push_str(&format!("\n  = help: sources: {}", names.join(", "))),
            }
            return Err(msg);
        }
        if table.is_empty()
            || table.split('.').any(|p| p.is_empty())
            || table.split('.').count() > 3
        {
            return Err(format!(
                "--table {t}: expected SOURCE=TABLE or SOURCE=SCHEMA.TABLE"
            ));
        }
        map.insert(src, table);
    }
    Ok(map)
}

/// Report a SQL generation error; its exit code.
pub fn sql_error(e: SqlError) -> u8 {
    match e {
        SqlError::Eval(e) => common::eval_error(e),
        e => {
            eprintln!("error: {e}");
            FAILED
        }
    }
}

pub fn run(args: Args) -> u8 {
    let (_, graph) = match common::compile_defs(&args.defs, &args.opts) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let metrics = match select_metrics(&graph, &args.metrics) {
        Ok(m) => m,
        Err(msg) => {
            eprintln!("error: {msg}");
            return USAGE;
        }
    };
    let data = common::DataOpts {
        from: args.from.clone(),
        to: args.to.clone(),
        ..Default::default()
    };
    let mut req = match common::base_request(&graph, &data, args.by.clone(), args.grain) {
        Ok(r) => r,
        Err(code) => return code,
    };
    req.metrics = metrics;
    req.fill = args.fill;
    let tables = match bind_tables(&graph, &args.tables) {
        Ok(t) => t,
        Err(msg) => {
            eprintln!("error: {msg}");
            return USAGE;
        }
    };
    let Some(dialect) = sql::dialect_by_name(&args.dialect) else {
        eprintln!("error: unknown dialect `{}`", args.dialect);
        return USAGE;
    };
    match sql::generate(&graph, &req, dialect.as_ref(), &tables) {
        Ok(q) => super::output::write(&args.output, &q.sql),
        Err(e) => sql_error(e),
    }
}
