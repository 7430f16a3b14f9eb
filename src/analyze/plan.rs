//! The reverse funnel: from observed rates and value, the volume each stage needs to
//! reach a target (and per working day of a target period).

use super::FunnelRow;

/// Volumes each stage needs, first stage first; `None` when a rate or the value is
/// null or zero (the target cannot be reached through it).
pub fn required(row: &FunnelRow, target: f64) -> Vec<Option<f64>> {
    let n = row.volumes.len();
    let mut out = vec![None; n];
    let Some(value) = row.value.filter(|v| *v > 0.0) else {
        return out;
    };
    let mut need = Some(target / value);
    for k in (0..n).rev() {
        out[k] = need;
        if k > 0 {
            need = match (need, row.rates.get(k - 1).copied().flatten()) {
                (Some(x), Some(r)) if r > 0.0 => Some(x / r),
                _ => None,
            };
        }
    }
    out
}

/// Multiply the first stage forward through the rates and value (the check that a
/// plan reproduces its target).
pub fn forward(row: &FunnelRow, first: f64) -> Option<f64> {
    let mut t = first;
    for r in &row.rates {
        t *= (*r)?;
    }
    Some(t * row.value?)
}
