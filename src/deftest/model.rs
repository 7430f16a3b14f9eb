//! The `.test.yaml` format (DESIGN section 3, "Definition tests").

use std::collections::BTreeMap;

use serde::Deserialize;

/// A test file.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct TestFile {
    /// The definitions under test, relative to the test file.
    pub definitions: String,
    pub tests: Vec<TestCase>,
}

/// One test.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct TestCase {
    pub name: String,
    /// Source name -> inline CSV/NDJSON rows (text with a newline) or a file path.
    #[serde(default)]
    pub data: BTreeMap<String, String>,
    #[serde(default)]
    pub eval: EvalOpts,
    /// Compare `expect` with a forecast instead of the evaluation (`eval.by` and
    /// `eval.metrics` apply).
    #[serde(default)]
    pub forecast: Option<ForecastOpts>,
    /// Expected rows: the group's dimensions (and `period`) pick the row; the other
    /// listed columns are compared.
    #[serde(default)]
    pub expect: Vec<serde_json::Map<String, serde_json::Value>>,
    /// No other group may appear in the result.
    #[serde(default)]
    pub exact: bool,
    /// Expected check statuses: `{ check, <per dims>.., period, status }`.
    #[serde(default)]
    pub checks: Vec<serde_json::Map<String, serde_json::Value>>,
    /// Relative tolerance of number comparisons (default 1e-9).
    #[serde(default)]
    pub tolerance: Option<f64>,
}

/// `eval:` options.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct EvalOpts {
    #[serde(default)]
    pub by: Vec<String>,
    #[serde(default)]
    pub grain: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub metrics: Vec<String>,
    #[serde(default)]
    pub fill: bool,
    #[serde(default)]
    pub profile: Option<String>,
    #[serde(default)]
    pub set: BTreeMap<String, serde_json::Value>,
}

/// `forecast:` options (as `kpi forecast`'s flags).
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct ForecastOpts {
    /// The period (2026-05, 2026-W20, ..); default: the month holding `today`.
    #[serde(default)]
    pub period: Option<String>,
    pub today: String,
    /// `run_rate` (default) or `funnel`.
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub funnel: Option<String>,
    #[serde(default)]
    pub rates_from: Option<String>,
}
