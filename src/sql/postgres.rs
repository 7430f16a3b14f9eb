//! PostgreSQL: run an evaluation's SQL and read the rows back into the engine's
//! [`Output`] (so every report format prints them as the in-process engine does:
//! counts as integers, exact decimals), and load a CSV export into a table with
//! `COPY` (`kpi load`).

use std::collections::HashMap;
use std::io::{Read, Seek};
use std::path::Path;

use postgres::{Client, NoTls, SimpleQueryMessage};

use crate::compile::graph::{ColumnType, Graph, SourceDef};
use crate::data::period::Grain;
use crate::decimal::parse_fixed;
use crate::eval::{Body, Cell, Column, EvalError, Output, Request, Row};

use super::dialect::{Dialect, Postgres};
use super::{OutColumn, SqlError};

/// Connect to `dsn` (`postgresql://user@host:port/db` or `host=.. user=..`).
pub fn connect(dsn: &str) -> Result<Client, String> {
    Client::connect(dsn, NoTls)
        .map_err(|e| format!("cannot connect to PostgreSQL: {}", pg_message(&e)))
}

/// The server's message of an error (or the client's).
pub fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut s = format!("{}: {}", db.severity(), db.message());
            if let Some(d) = db.detail() {
                s.push_str(&format!(" ({d})"));
            }
            if let Some(w) = db.where_() {
                s.push_str(&format!(" [{w}]"));
            }
            s
        }
        None => e.to_string(),
    }
}

/// Evaluate `req` in PostgreSQL over the tables bound in `tables`.
pub fn evaluate(
    graph: &Graph,
    req: &Request,
    tables: &HashMap<String, String>,
    dsn: &str,
) -> Result<Output, EvalError> {
    let query = super::generate(graph, req, &Postgres, tables).map_err(|e| match e {
        SqlError::Eval(e) => e,
        e => EvalError::Data(e.to_string()),
    })?;
    let mut client = connect(dsn).map_err(EvalError::Usage)?;
    let messages = client.simple_query(&query.sql).map_err(|e| {
        let mut msg = format!("PostgreSQL: {}", pg_message(&e));
        if e.code() == Some(&postgres::error::SqlState::UNDEFINED_TABLE) {
            msg.push_str("\n  = help: bind each source to its table with `--table SOURCE=SCHEMA.TABLE` (`kpi load` copies a CSV export into one)");
        }
        EvalError::Data(msg)
    })?;
    let mut rows = Vec::new();
    for m in messages {
        if let SimpleQueryMessage::Row(r) = m {
            let cells: Vec<Option<String>> =
                (0..r.len()).map(|i| r.get(i).map(str::to_string)).collect();
            rows.push(output_row(req, &query.columns, cells)?);
        }
    }
    Ok(Output {
        by: req.by.clone(),
        grain: req.grain,
        columns: query
            .columns
            .iter()
            .map(|c| Column {
                name: c.name.clone(),
                node: c.node,
                format: c.format,
            })
            .collect(),
        body: Body::Rows(rows),
        scans: Vec::new(),
        range: (0, -1),
        data_days: None,
        data_extent: None,
        period_dated: Vec::new(),
    })
}

/// One result row (text cells) as the engine's row.
pub fn output_row(
    req: &Request,
    columns: &[OutColumn],
    cells: Vec<Option<String>>,
) -> Result<Row, EvalError> {
    let nd = req.by.len();
    let np = usize::from(req.grain != Grain::All);
    if cells.len() != nd + np + columns.len() {
        return Err(EvalError::Data(format!(
            "the query returned {} columns, expected {}",
            cells.len(),
            nd + np + columns.len()
        )));
    }
    let dims = cells[..nd]
        .iter()
        .map(|c| c.clone().unwrap_or_default())
        .collect();
    let period = (np == 1).then(|| cells[nd].clone().unwrap_or_default());
    let values = columns
        .iter()
        .zip(&cells[nd + np..])
        .map(|(c, v)| cell(c, v.as_deref()))
        .collect::<Result<_, _>>()?;
    Ok(Row {
        dims,
        period,
        values,
    })
}

/// A value's text as the engine's cell: exact decimals stay exact, whole counts are
/// integers, non-finite numbers are null.
pub fn cell(c: &OutColumn, text: Option<&str>) -> Result<Cell, EvalError> {
    let Some(t) = text else {
        return Ok(Cell::Null);
    };
    if c.exact {
        if let Some(v) = parse_fixed(t.as_bytes()) {
            return Ok(Cell::Dec(v));
        }
    }
    let x: f64 = t
        .trim()
        .parse()
        .map_err(|_| EvalError::Data(format!("column `{}`: `{t}` is not a number", c.name)))?;
    Ok(if !x.is_finite() {
        Cell::Null
    } else if c.count_like && x.fract() == 0.0 && x.abs() < 9.0e15 {
        Cell::Int(x as i64)
    } else {
        Cell::Num(x)
    })
}

/// The column names of a CSV header line (quotes removed).
pub fn csv_header(line: &str) -> Vec<String> {
    let line = line
        .trim_start_matches('\u{feff}')
        .trim_end_matches(['\r', '\n']);
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(ch),
        }
    }
    out.push(cur);
    out
}

/// The PostgreSQL type a source column is loaded as: numbers `NUMERIC` (exact),
/// booleans `BOOLEAN`, `timestamp` columns `TIMESTAMPTZ` (local times read in the
/// definitions' zone, offsets converted), `date` columns `DATE` (the engine's local
/// day); everything else — an unhinted time column included — `TEXT`, so the SQL
/// reads event times exactly as the engine does.
pub fn column_type(src: &SourceDef, name: &str) -> &'static str {
    match src.column_type(name) {
        Some(ColumnType::Timestamp) => "TIMESTAMPTZ",
        Some(ColumnType::Date) => "DATE",
        Some(ColumnType::Int | ColumnType::Decimal) if src.time.as_deref() != Some(name) => {
            "NUMERIC"
        }
        Some(ColumnType::Bool) if src.time.as_deref() != Some(name) => "BOOLEAN",
        _ => "TEXT",
    }
}

/// Copy the CSV file `csv` (with a header) of source `src` into table `table`
/// (`schema.table` creates the schema if needed). `replace` drops an existing
/// table first; `tz` is the definitions' time zone. Returns the number of rows
/// copied.
pub fn load(
    client: &mut Client,
    src: &SourceDef,
    csv: &Path,
    table: &str,
    replace: bool,
    tz: &str,
) -> Result<u64, String> {
    let zone = jiff::tz::TimeZone::get(tz).map_err(|e| format!("time zone `{tz}`: {e}"))?;
    let plain = super::copy::is_plain_csv(csv, src);
    let mut file =
        std::fs::File::open(csv).map_err(|e| format!("cannot read `{}`: {e}", csv.display()))?;
    let names = if plain {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while head.len() < 1 << 20 {
            match file.read(&mut byte) {
                Ok(0) => break,
                Ok(_) if byte[0] == b'\n' => break,
                Ok(_) => head.push(byte[0]),
                Err(e) => return Err(format!("cannot read `{}`: {e}", csv.display())),
            }
        }
        let header = String::from_utf8(head)
            .map_err(|_| format!("`{}`: the header is not UTF-8", csv.display()))?;
        csv_header(&header)
    } else {
        let mut names = crate::data::scan::header(csv, &src.read).map_err(|e| e.to_string())?;
        names.retain(|n| !n.trim().is_empty());
        names
    };
    if names.iter().all(|n| n.trim().is_empty()) {
        return Err(format!("`{}` has no header line", csv.display()));
    }
    let d = Postgres;
    let parts: Vec<&str> = table.split('.').collect();
    if parts.len() > 2 || parts.iter().any(|p| p.is_empty()) {
        return Err(format!("--table `{table}`: expected TABLE or SCHEMA.TABLE"));
    }
    let qualified = parts
        .iter()
        .map(|p| d.quote_ident(p))
        .collect::<Vec<_>>()
        .join(".");
    let cols: Vec<String> = names
        .iter()
        .map(|n| format!("{} {}", d.quote_ident(n), column_type(src, n)))
        .collect();
    let mut tx = client.transaction().map_err(|e| pg_message(&e))?;
    // Local times of `timestamp` columns are the definitions' wall clock.
    let mut ddl = format!("SET LOCAL TimeZone = {};\n", d.string_literal(tz));
    if parts.len() == 2 {
        ddl.push_str(&format!(
            "CREATE SCHEMA IF NOT EXISTS {};\n",
            d.quote_ident(parts[0])
        ));
    }
    if replace {
        ddl.push_str(&format!("DROP TABLE IF EXISTS {qualified};\n"));
    }
    ddl.push_str(&format!("CREATE TABLE {qualified} ({});", cols.join(", ")));
    tx.batch_execute(&ddl).map_err(|e| {
        let mut msg = pg_message(&e);
        if e.code() == Some(&postgres::error::SqlState::DUPLICATE_TABLE) {
            msg.push_str("\n  = help: `--replace` drops it first");
        }
        msg
    })?;
    let list: Vec<String> = names.iter().map(|n| d.quote_ident(n)).collect();
    let stmt = format!(
        "COPY {qualified} ({}) FROM STDIN WITH (FORMAT csv, HEADER {plain})",
        list.join(", ")
    );
    let mut writer = tx.copy_in(&stmt).map_err(|e| pg_message(&e))?;
    if plain {
        // The whole file, header included, so PostgreSQL's line numbers are the file's.
        file.seek(std::io::SeekFrom::Start(0))
            .map_err(|e| format!("cannot read `{}`: {e}", csv.display()))?;
        std::io::copy(&mut file, &mut writer)
            .map_err(|e| format!("copying `{}`: {e}", csv.display()))?;
    } else {
        super::copy::copy_rows(&mut writer, src, csv, &names, &zone)?;
    }
    let n = writer
        .finish()
        .map_err(|e| format!("`{}`: {}", csv.display(), pg_message(&e)))?;
    tx.commit().map_err(|e| pg_message(&e))?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_header_fields() {
        assert_eq!(
            csv_header("\u{feff}ts,rep,\"a,b\",\"q\"\"x\"\r\n"),
            ["ts", "rep", "a,b", "q\"x"]
        );
        assert_eq!(csv_header(""), [""]);
    }

    #[test]
    fn cells_as_the_engine_prints_them() {
        let col = |exact, count_like| OutColumn {
            name: "m".into(),
            node: crate::compile::NodeId(0),
            format: None,
            exact,
            count_like,
        };
        assert_eq!(
            cell(&col(true, false), Some("1000.10")).ok(),
            Some(Cell::Dec(1_000_100_000))
        );
        assert_eq!(cell(&col(false, true), Some("5")).ok(), Some(Cell::Int(5)));
        assert_eq!(
            cell(&col(false, true), Some("2.5")).ok(),
            Some(Cell::Num(2.5))
        );
        assert_eq!(
            cell(&col(false, false), Some("1e+20")).ok(),
            Some(Cell::Num(1e20))
        );
        assert_eq!(cell(&col(false, false), Some("NaN")).ok(), Some(Cell::Null));
        assert_eq!(cell(&col(false, false), None).ok(), Some(Cell::Null));
        assert!(cell(&col(false, false), Some("x")).is_err());
    }
}
