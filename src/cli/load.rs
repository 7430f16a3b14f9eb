//! `kpi load DEFS --data SOURCE=FILE.csv --dsn URL --table NAME`: copy a CSV export
//! into a PostgreSQL table (`COPY`), typed from the source's column hints, so that
//! `kpi eval --engine postgres` can run over it.

use super::CliError;
use std::path::PathBuf;

use crate::sql::postgres;

use super::common::{self, DefOpts};
use super::OK;

#[derive(clap::Args)]
pub struct Args {
    /// The definitions file (.kpi or .yaml): its sources give the column types
    defs: PathBuf,
    /// The CSV file of a source: `SOURCE=FILE.csv`, or a bare FILE when the definitions have one source (repeatable)
    #[arg(long, value_name = "[SOURCE=]FILE", required = true)]
    data: Vec<String>,
    /// PostgreSQL connection: `postgresql://user@host:port/db` or `host=.. user=.. dbname=..`
    #[arg(long, value_name = "URL")]
    dsn: String,
    /// The table to create: `NAME`, `SCHEMA.NAME`, or `SOURCE=NAME` (repeatable; default: the source's name)
    #[arg(long = "table", value_name = "[SOURCE=]NAME")]
    tables: Vec<String>,
    /// Drop the table first if it exists
    #[arg(long)]
    replace: bool,
    #[command(flatten)]
    opts: DefOpts,
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let (_, graph) = common::compile_defs(&args.defs, &args.opts)?;
    let data = match super::common::bind_data(&graph, &args.data) {
        Ok(d) => d,
        Err(msg) => {
            return Err(CliError::Usage(msg.to_string()));
        }
    };
    // A bare `--table NAME` names the table of the one source being loaded.
    let tables: Vec<String> = if data.len() == 1 {
        let src = data.keys().next().cloned().unwrap_or_default();
        args.tables
            .iter()
            .map(|t| {
                if t.contains('=') {
                    t.clone()
                } else {
                    format!("{src}={t}")
                }
            })
            .collect()
    } else {
        args.tables.clone()
    };
    let tables = match super::engine::bind_tables(&graph, &tables) {
        Ok(t) => t,
        Err(msg) => {
            return Err(CliError::Usage(msg.to_string()));
        }
    };
    let mut client = match postgres::connect(&args.dsn) {
        Ok(c) => c,
        Err(msg) => {
            return Err(CliError::Usage(msg.to_string()));
        }
    };
    let mut sources: Vec<&String> = data.keys().collect();
    sources.sort();
    for name in sources {
        let path = &data[name];
        if crate::data::scan::Format::from_extension(path).is_none()
            && crate::data::options::format_extension(path).as_deref() != Some("txt")
        {
            return Err(CliError::Usage(format!(
                "`{}`: kpi load reads .csv .tsv .txt .ndjson .jsonl .parquet .xlsx files (optionally .gz or .zst)",
                path.display()
            )));
        }
        if !path.is_file() {
            return Err(CliError::Usage(format!(
                "no such file: `{}`",
                path.display()
            )));
        }
        let Some(src) = graph.sources.iter().find(|s| &s.name == name) else {
            continue;
        };
        let table = tables.get(name).cloned().unwrap_or_else(|| name.clone());
        match postgres::load(
            &mut client,
            src,
            path,
            &table,
            args.replace,
            &graph.settings.timezone,
        ) {
            Ok(n) => eprintln!("loaded {n} rows of `{}` into {table}", path.display()),
            Err(msg) => return Err(CliError::Failed(msg)),
        }
    }
    Ok(OK)
}
