//! Accumulators of the aggregations, one vector per aggregate indexed by group slot.

use std::collections::HashSet;

use crate::syntax::ast::AggFunc;

use crate::decimal::DEC_SCALE;

/// Sum (and count) of a numeric column, exact in 10^-6 units while every value is a
/// plain decimal; values with exponents or more decimals fall back to floats.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SumAcc {
    pub fixed: i128,
    pub float: f64,
    pub inexact: bool,
    /// Non-null values seen.
    pub n: u64,
}

impl SumAcc {
    pub fn merge(&mut self, o: &SumAcc) {
        self.fixed += o.fixed;
        self.float += o.float;
        self.inexact |= o.inexact;
        self.n += o.n;
    }
    pub fn value(&self) -> f64 {
        self.fixed as f64 / DEC_SCALE as f64 + self.float
    }
    /// The exact sum, when every value was a plain decimal.
    pub fn exact(&self) -> Option<i128> {
        (!self.inexact).then_some(self.fixed)
    }
}

/// The per-group state of one aggregate.
#[derive(Clone, Debug)]
pub enum AccVec {
    Count(Vec<u64>),
    Sum(Vec<SumAcc>),
    Min(Vec<f64>),
    Max(Vec<f64>),
    Distinct(Vec<HashSet<Vec<u8>>>),
    Values(Vec<Vec<f64>>),
}

impl AccVec {
    pub fn new(func: AggFunc) -> AccVec {
        match func {
            AggFunc::Count => AccVec::Count(Vec::new()),
            AggFunc::Sum | AggFunc::Avg => AccVec::Sum(Vec::new()),
            AggFunc::Min => AccVec::Min(Vec::new()),
            AggFunc::Max => AccVec::Max(Vec::new()),
            AggFunc::CountDistinct => AccVec::Distinct(Vec::new()),
            AggFunc::Median | AggFunc::Percentile => AccVec::Values(Vec::new()),
        }
    }

    /// Add a slot for a new group.
    pub fn grow(&mut self) {
        match self {
            AccVec::Count(v) => v.push(0),
            AccVec::Sum(v) => v.push(SumAcc::default()),
            AccVec::Min(v) | AccVec::Max(v) => v.push(f64::NAN),
            AccVec::Distinct(v) => v.push(HashSet::new()),
            AccVec::Values(v) => v.push(Vec::new()),
        }
    }

    /// Grow to `n` slots (new groups start empty).
    pub fn resize(&mut self, n: usize) {
        match self {
            AccVec::Count(v) => v.resize(n, 0),
            AccVec::Sum(v) => v.resize(n, SumAcc::default()),
            AccVec::Min(v) | AccVec::Max(v) => v.resize(n, f64::NAN),
            AccVec::Distinct(v) => v.resize_with(n, HashSet::new),
            AccVec::Values(v) => v.resize_with(n, Vec::new),
        }
    }

    /// Merge every slot `from` of `other` into slot `to[from]` of `self` (same
    /// variant): one loop per aggregate rather than one dispatch per slot.
    pub fn merge_all(&mut self, other: &mut AccVec, to: &[usize]) {
        match (self, other) {
            (AccVec::Count(a), AccVec::Count(b)) => {
                to.iter().zip(b.iter()).for_each(|(&t, &x)| a[t] += x);
            }
            (AccVec::Sum(a), AccVec::Sum(b)) => {
                to.iter().zip(b.iter()).for_each(|(&t, x)| a[t].merge(x));
            }
            (AccVec::Min(a), AccVec::Min(b)) => {
                to.iter()
                    .zip(b.iter())
                    .for_each(|(&t, &x)| a[t] = nan_min(a[t], x));
            }
            (AccVec::Max(a), AccVec::Max(b)) => {
                to.iter()
                    .zip(b.iter())
                    .for_each(|(&t, &x)| a[t] = nan_max(a[t], x));
            }
            (AccVec::Distinct(a), AccVec::Distinct(b)) => {
                for (&t, taken) in to.iter().zip(b.iter_mut()) {
                    let taken = std::mem::take(taken);
                    if a[t].is_empty() {
                        a[t] = taken;
                    } else {
                        a[t].extend(taken);
                    }
                }
            }
            (AccVec::Values(a), AccVec::Values(b)) => {
                for (&t, taken) in to.iter().zip(b.iter_mut()) {
                    a[t].extend(std::mem::take(taken));
                }
            }
            _ => {}
        }
    }
}

/// Min ignoring NaN (NaN = no value yet).
pub fn nan_min(a: f64, b: f64) -> f64 {
    if a.is_nan() || b < a {
        b
    } else {
        a
    }
}

/// Max ignoring NaN (NaN = no value yet).
pub fn nan_max(a: f64, b: f64) -> f64 {
    if a.is_nan() || b > a {
        b
    } else {
        a
    }
}

/// The `q` quantile (0..=1) of `values`, interpolated linearly between the closest
/// ranks (as PostgreSQL's `percentile_cont`); NaN when empty.
pub fn quantile(values: &mut [f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let pos = q * (values.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    values[lo] + (values[hi] - values[lo]) * frac
}

#[cfg(test)]
mod tests {
    use super::quantile;

    #[test]
    fn quantiles_interpolate() {
        assert_eq!(quantile(&mut [3.0, 1.0, 2.0], 0.5), 2.0);
        assert_eq!(quantile(&mut [1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
        assert_eq!(quantile(&mut [10.0, 20.0, 30.0, 40.0, 50.0], 0.9), 46.0);
        assert!(quantile(&mut [], 0.5).is_nan());
    }
}
