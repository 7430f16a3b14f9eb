//! Datasets: streaming CSV/NDJSON readers, timestamps, periods and calendars.
//!
//! - [`period`]: day numbers (days since 1970-01-01), period ordinals per
//!   [`period::Grain`] and their labels (`2026-W02`, `2026-Q1`, ..).
//! - [`time`]: [`time::TimeParser`], ISO-8601 dates and timestamps to local civil
//!   seconds in the evaluation's time zone.
//! - [`calendar`]: [`calendar::WorkCalendar`], working days for `workdays`.
//! - [`scan`]: [`scan::scan`], the fast streaming (and parallel) reader that
//!   feeds rows to the engine's sinks.

pub mod calendar;
pub mod cell;
mod chunk;
mod csv;
mod morsel;
mod ndjson;
mod normalize;
pub mod options;
pub mod parquet;
pub mod period;
pub mod progress;
pub mod scan;
#[cfg(test)]
mod scan_tests;
pub mod sniff;
mod stream;
pub mod time;
mod xlsx;

pub use calendar::WorkCalendar;
pub use options::ReadOptions;
pub use period::Grain;
pub use scan::{BadRow, Format, RowSink, ScanError, ScanReport, ScanSpec};
pub use time::TimeParser;

pub(crate) use chunk::on_threads;
