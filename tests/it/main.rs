//! The integration tests: one test binary (one link of the crate and its
//! dependencies), one module per concern, and one support module they share.

mod support;

mod analysis_cli;
mod ast_snapshots;
mod check_cli;
mod checks_output;
mod data_layer;
mod diagnostics;
mod eval_bad_rows;
mod eval_decimal;
mod eval_example;
mod eval_golden_aggregates;
mod eval_golden_lookup;
mod eval_golden_output;
mod eval_golden_periods;
mod eval_golden_rows;
mod eval_golden_sources;
mod eval_no_time;
mod eval_props;
mod exports;
mod fast_parser;
mod forecast_cli;
mod human_numbers;
mod insights_lead;
mod journey;
mod lsp_protocol;
mod malformed;
mod output_cli;
mod parquet_typed;
mod readme;
mod report_html;
mod same_graph;
mod script;
mod sql_clickhouse;
mod sql_duckdb;
mod sql_hybrid;
mod sql_postgres;
mod sql_snapshots;
mod sql_spark;
mod toolkit_cli;
mod yaml_front;
