//! `kpi sql DEFS --dialect D`: the evaluation as one SQL query for a warehouse (the
//! `--engine` of `kpi eval` is in `engine.rs`).

use super::CliError;
use std::path::PathBuf;

use crate::data::period::Grain;
use crate::sql;

use super::common::{self, parse_grain, select_metrics, DefOpts};
use super::engine::bind_tables;

#[derive(clap::Args)]
pub struct Args {
    /// The definitions file (.kpi or .yaml)
    defs: PathBuf,
    /// SQL dialect: postgres, duckdb, trino, spark, bigquery, snowflake, clickhouse
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
    /// Wrap the query in the dialect's `CREATE OR REPLACE TABLE SCHEMA.TABLE AS ..` (PostgreSQL: drop and create in a transaction; Spark: drop, then create; ClickHouse: a MergeTree table), for scheduled pipelines
    #[arg(long, value_name = "SCHEMA.TABLE")]
    materialize: Option<String>,
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

pub fn run(args: Args) -> Result<u8, CliError> {
    let (_, graph) = common::compile_defs(&args.defs, &args.opts)?;
    let metrics = match select_metrics(&graph, &args.metrics) {
        Ok(m) => m,
        Err(msg) => {
            return Err(CliError::Usage(msg.to_string()));
        }
    };
    let data = common::DataOpts {
        from: args.from.clone(),
        to: args.to.clone(),
        ..Default::default()
    };
    let mut req = common::base_request(&graph, &data, args.by.clone(), args.grain)?;
    req.metrics = metrics;
    req.fill = args.fill;
    let tables = match bind_tables(&graph, &args.tables) {
        Ok(t) => t,
        Err(msg) => {
            return Err(CliError::Usage(msg.to_string()));
        }
    };
    let Some(dialect) = sql::dialect_by_name(&args.dialect) else {
        return Err(CliError::Usage(format!(
            "unknown dialect `{}`",
            args.dialect
        )));
    };
    let target = match &args.materialize {
        Some(t) => Some(table_name(dialect.as_ref(), t)?),
        None => None,
    };
    let q = sql::generate(&graph, &req, dialect.as_ref(), &tables)?;
    let text = match &target {
        None => q.sql,
        Some(t) => dialect.materialize(t, &q.sql),
    };
    super::output::write(&args.output, &text).map(|()| super::OK)
}

/// `SCHEMA.TABLE` (or `TABLE`) quoted part by part in the dialect.
fn table_name(d: &dyn sql::Dialect, name: &str) -> Result<String, CliError> {
    let parts: Vec<&str> = name.split('.').collect();
    if name.is_empty() || parts.len() > 3 || parts.iter().any(|p| p.trim().is_empty()) {
        return Err(CliError::Usage(format!(
            "--materialize `{name}` is not a table name (use TABLE or SCHEMA.TABLE)"
        )));
    }
    Ok(parts
        .iter()
        .map(|p| d.quote_ident(p))
        .collect::<Vec<_>>()
        .join("."))
}
