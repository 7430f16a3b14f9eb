//! PostgreSQL for the SQL backend's differential tests: a real server
//! (`KPI_TEST_PG_DSN`, [`pg_dsn`]), each suite's exports loaded with `kpi load`'s
//! `COPY` into a schema of the test's own, queried through
//! `kpi::sql::postgres::evaluate` (the `--engine postgres` path), whose output must be
//! the in-process engine's to the byte when printed as CSV.
//!
//! Without a server the tests that need one print why they skip and pass; under
//! `CI=true` they fail (`.ci/run` starts one).

use std::collections::HashMap;

use super::engines::{Answer, Batch, Engine, Script};
use super::sql::{compile, path, pg_dsn, table_of, Suite, Table};
use kpi::report::{render, OutFormat};
use kpi::sql::dialect::{Dialect, Postgres};

/// PostgreSQL (no session time zone set).
pub struct PostgresEngine;

/// The server `pg_dsn` found.
fn connect() -> (String, postgres::Client) {
    let dsn = std::env::var("KPI_TEST_PG_DSN").expect("KPI_TEST_PG_DSN");
    let client = postgres::Client::connect(&dsn, postgres::NoTls).expect("connect");
    (dsn, client)
}

/// Load every source of `suite` into schema `schema`; the source -> table map.
pub fn load(client: &mut postgres::Client, schema: &str, suite: &Suite) -> HashMap<String, String> {
    let graph = compile(suite.defs);
    let mut tables = HashMap::new();
    for (src, file) in &suite.data {
        let def = graph
            .sources
            .iter()
            .find(|s| s.name == *src)
            .expect("source");
        let table = format!("{schema}.{src}");
        kpi::sql::postgres::load(
            client,
            def,
            &path(file),
            &table,
            true,
            &graph.settings.timezone,
        )
        .unwrap_or_else(|e| panic!("loading {file}: {e}"));
        tables.insert(src.to_string(), table);
    }
    tables
}

impl Engine for PostgresEngine {
    fn name(&self) -> &'static str {
        "PostgreSQL"
    }

    fn dialect(&self) -> &'static dyn Dialect {
        &Postgres
    }

    fn available(&self, test: &str) -> bool {
        pg_dsn(test).is_some()
    }

    /// Each suite in the schema `kpi_TEST_SUITE`.
    fn answer(&self, test: &str, batches: &[Batch]) -> Vec<Vec<Result<Answer, String>>> {
        let (dsn, mut client) = connect();
        batches
            .iter()
            .map(|b| {
                let schema = format!("kpi_{test}_{}", b.suite.name);
                let tables = load(&mut client, &schema, b.suite);
                b.cases
                    .iter()
                    .map(|(_, req)| {
                        let mut req = req.clone();
                        req.data.clear();
                        let got = kpi::sql::postgres::evaluate(b.graph, &req, &tables, &dsn)
                            .map_err(|e| e.to_string())?;
                        Ok(Answer {
                            table: table_of(&got),
                            csv: Some(render(&got, OutFormat::Csv)),
                        })
                    })
                    .collect()
            })
            .collect()
    }

    /// The suite in the schema `kpi_TEST`.
    fn cli_tables(&self, test: &str, suite: &Suite) -> Vec<String> {
        let (_, mut client) = connect();
        let tables = load(&mut client, &format!("kpi_{test}"), suite);
        tables.iter().map(|(s, t)| format!("{s}={t}")).collect()
    }

    /// The script (drop and create in one transaction) as a batch.
    fn materialized(&self, m: &Script) -> Table {
        let (_, mut client) = connect();
        client.batch_execute(m.sql).expect("create");
        client.batch_execute(m.sql).expect("replace");
        let messages = client
            .simple_query(&format!("SELECT * FROM {} ORDER BY 1, 2", m.name))
            .expect("select");
        let mut table = Table {
            header: Vec::new(),
            rows: Vec::new(),
        };
        for m in &messages {
            if let postgres::SimpleQueryMessage::Row(r) = m {
                table.header = r.columns().iter().map(|c| c.name().to_string()).collect();
                table
                    .rows
                    .push((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect());
            }
        }
        table
    }
}
