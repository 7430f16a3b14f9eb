//! `kpi`: a KPI rules engine. Definitions (`.kpi` or YAML) are parsed into one AST,
//! compiled into a checked evaluation graph, and evaluated over activity datasets.
#![forbid(unsafe_code)]

pub mod data;
pub mod diag;
pub mod syntax;
pub mod compile;
pub mod cli;
pub mod eval;
pub mod report;
