//! The evaluation graph as SQL: one query per evaluation, for the same request the
//! in-process engine takes ([`crate::eval::Request`]), with the same semantics —
//! groups of `--by` values and periods cut in the settings' time zone, filtered
//! aggregates, empty groups (count 0, sum 0, null averages), null-safe ratios of
//! the group's bases, window functions over the calendar period sequence, several
//! sources joined on keys and period, `workdays`/`days` from the calendar — written
//! for a [`Dialect`]. Reads only the compiled graph, never the AST.
//!
//! What it cannot express yet (journey funnels, script functions, exact
//! percentiles where a dialect has none, ..) is an [`SqlError::Unsupported`] naming
//! the construct and the dialect, never wrong SQL.

mod analyze;
mod calendar;
mod copy;
pub mod dialect;
mod expr;
mod formula;
mod grid;
pub mod hybrid;
pub mod postgres;
mod query;
mod rows;
mod sources;

use std::collections::HashMap;

use crate::compile::graph::{Graph, NodeId};
use crate::eval::{EvalError, Request};
use crate::syntax::ast::Format;

pub use dialect::{by_name as dialect_by_name, Dialect, DIALECTS};

/// Why no SQL was generated.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlError {
    /// A construct the SQL backend cannot express in this dialect (yet).
    Unsupported { construct: String, dialect: String },
    /// The request is wrong whatever the engine (unknown `--by` dimension, ..).
    Eval(EvalError),
}

impl std::fmt::Display for SqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SqlError::Unsupported { construct, dialect } => write!(
                f,
                "{construct} cannot be expressed in {dialect} SQL yet; evaluate it in-process with `kpi eval` (no --engine)"
            ),
            SqlError::Eval(e) => write!(f, "{e}"),
        }
    }
}

/// An output column of the query (after the `--by` columns and `period`).
#[derive(Clone, Debug, PartialEq)]
pub struct OutColumn {
    /// The metric's name (`calls`, `outbound.total`).
    pub name: String,
    pub node: NodeId,
    pub format: Option<Format>,
    /// An exact decimal (a `sum` or `+`/`-` of sums), in the warehouse's exact type.
    pub exact: bool,
    /// Printed as an integer where whole (the engine's rule).
    pub count_like: bool,
}

/// A generated query.
#[derive(Clone, Debug)]
pub struct Query {
    pub sql: String,
    pub columns: Vec<OutColumn>,
}

/// The SQL of evaluating `req` over `graph` in `dialect`. `tables` binds sources to
/// table names (`schema.table`); a source not in it reads the table of its own name.
/// `req.data`/`req.inline` are ignored: the data is in the tables.
pub fn generate(
    graph: &Graph,
    req: &Request,
    dialect: &dyn Dialect,
    tables: &HashMap<String, String>,
) -> Result<Query, SqlError> {
    query::build(graph, req, dialect, tables)
}
