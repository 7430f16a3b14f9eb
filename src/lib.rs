//! `kpi`: a KPI rules engine. Definitions (`.kpi` or YAML) are parsed into one AST,
//! compiled into a checked evaluation graph, and evaluated over activity datasets.
#![forbid(unsafe_code)]
// A Diagnostic (message, spans, help) is the error type throughout; it is returned
// rarely and never on a hot path, so its size does not matter.
#![allow(clippy::result_large_err)]

pub mod analyze;
pub mod cli;
pub mod compile;
pub mod data;
pub mod decimal;
pub mod deftest;
pub mod diag;
pub mod eval;
pub mod guard;
pub mod html;
pub mod lsp;
pub mod plan;
pub mod report;
pub mod script;
pub mod sql;
pub mod syntax;
