//! The result of an evaluation as the evaluator leaves it: one value column per
//! metric over the grid, and which grid rows are shown. Output rows ([`Row`]) are
//! read from it cell by cell, and writers that go row by row (CSV) read it
//! directly, so a large result is never copied into one allocation per row.

use super::{Cell, Row};

/// The values of one output column, by grid row.
#[derive(Clone, Debug)]
pub struct ColumnData {
    /// Exact decimal values (10^-6 units) where the metric has them.
    pub exact: Option<Vec<Option<i128>>>,
    /// Values (NaN for null); `None` if the metric was not evaluated.
    pub values: Option<Vec<f64>>,
    /// Whether whole values print as integers (counts and sums of counts).
    pub int: bool,
}

/// Shown rows over the evaluated grid.
#[derive(Clone, Debug, Default)]
pub struct Table {
    /// The `--by` values of each group id.
    pub groups: Vec<Vec<String>>,
    /// Period labels (empty when the grain is `all`).
    pub labels: Vec<String>,
    /// Per output row: its group id, label index (`u32::MAX`: no period) and grid row.
    pub keys: Vec<(u32, u32, u32)>,
    pub columns: Vec<ColumnData>,
}

impl Table {
    /// Output rows.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The `--by` values of output row `i`.
    pub fn dims(&self, i: usize) -> &[String] {
        &self.groups[self.keys[i].0 as usize]
    }

    /// The period label of output row `i`.
    pub fn period(&self, i: usize) -> Option<&str> {
        self.labels.get(self.keys[i].1 as usize).map(String::as_str)
    }

    /// Cell `k` of output row `i`.
    pub fn cell(&self, i: usize, k: usize) -> Cell {
        let r = self.keys[i].2 as usize;
        let c = &self.columns[k];
        if let Some(e) = c.exact.as_ref().and_then(|v| v[r]) {
            return Cell::Dec(e);
        }
        let v = c.values.as_ref().map_or(f64::NAN, |v| v[r]);
        if v.is_nan() {
            Cell::Null
        } else if c.int && v.abs() < 9.0e15 && (v as i64) as f64 == v {
            Cell::Int(v as i64)
        } else {
            Cell::Num(v)
        }
    }

    /// Output row `i`, built.
    pub fn row(&self, i: usize) -> Row {
        Row {
            dims: self.dims(i).to_vec(),
            period: self.period(i).map(str::to_string),
            values: (0..self.columns.len()).map(|k| self.cell(i, k)).collect(),
        }
    }
}
