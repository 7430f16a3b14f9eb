//! Where an evaluation runs: in this process over files, or in PostgreSQL over tables
//! (`kpi eval --engine postgres --dsn URL --table SOURCE=TABLE`).

use std::collections::HashMap;

use crate::compile::graph::Graph;
use crate::diag::did_you_mean;
use crate::eval::{self, EvalError, Output, Request};
use crate::sql;

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
            // Script functions run in-process over the rows the query returns.
            sql::hybrid::evaluate(graph, req, &tables, dsn)
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
