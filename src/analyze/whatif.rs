//! What-if: a funnel's total before and after changing its factors (first-stage
//! volume, rates, value), and the sensitivity of the total to each factor.

use super::{FunnelRow, FunnelShape};

/// How a factor changes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Change {
    /// `+10%` / `-5%`: multiply by 1.10 / 0.95.
    Relative(f64),
    /// `+5` / `-0.02`: add.
    Add(f64),
    /// `120`: set.
    Set(f64),
}

impl Change {
    pub fn apply(self, x: f64) -> f64 {
        match self {
            Change::Relative(r) => x * (1.0 + r),
            Change::Add(a) => x + a,
            Change::Set(v) => v,
        }
    }
}

/// Parse `NAME=+10%`, `NAME=-5`, `NAME=120`.
pub fn parse_change(s: &str) -> Result<(String, Change), String> {
    let (name, spec) = s.split_once('=').ok_or_else(|| {
        format!("`{s}`: expected FACTOR=CHANGE, e.g. meetings_rate=+10% or touches=+5")
    })?;
    let spec = spec.trim();
    let bad = || format!("`{s}`: the change must be +N%, -N%, +N, -N or a number");
    let (body, pct) = match spec.strip_suffix('%') {
        Some(b) => (b, true),
        None => (spec, false),
    };
    let signed = body.starts_with('+') || body.starts_with('-');
    let x: f64 = body.parse().map_err(|_| bad())?;
    if !x.is_finite() {
        return Err(bad());
    }
    let change = match (signed, pct) {
        (true, true) => Change::Relative(x / 100.0),
        (true, false) => Change::Add(x),
        (false, true) => Change::Set(x / 100.0),
        (false, false) => Change::Set(x),
    };
    Ok((name.trim().to_string(), change))
}

/// Names of a funnel's factors: the first stage, each `<stage>_rate`, `value`.
pub fn factor_names(shape: &FunnelShape) -> Vec<String> {
    let mut names = vec![shape.stages.first().cloned().unwrap_or_default()];
    names.extend(shape.stages.iter().skip(1).map(|s| format!("{s}_rate")));
    names.push("value".into());
    names
}

/// The factors of a row, in `factor_names` order.
pub fn factors(row: &FunnelRow) -> Option<Vec<f64>> {
    let mut f = vec![row.volumes.first().copied().flatten()?];
    for r in &row.rates {
        f.push((*r)?);
    }
    f.push(row.value?);
    Some(f)
}

pub fn product(f: &[f64]) -> f64 {
    f.iter().product()
}

/// The total after `changes` (indexes into the factors).
pub fn after(row: &FunnelRow, changes: &[(usize, Change)]) -> Option<f64> {
    let mut f = factors(row)?;
    for (i, c) in changes {
        f[*i] = c.apply(f[*i]);
    }
    Some(product(&f))
}

/// Checks that `changes` leave every factor of `row` possible: rates within
/// 0..100 %, volumes and the value not negative. Err names the first impossible one
/// and gives a hint.
pub fn check_changes(
    row: &FunnelRow,
    changes: &[(usize, Change)],
    names: &[String],
) -> Result<(), (String, &'static str)> {
    let Some(before) = factors(row) else {
        return Ok(());
    };
    let last = before.len() - 1;
    for &(i, c) in changes {
        let after = c.apply(before[i]);
        let is_rate = i > 0 && i < last;
        let fine = if is_rate {
            (0.0..=1.0).contains(&after)
        } else {
            after >= 0.0
        };
        if !fine {
            let shown = |x: f64| {
                use crate::report::number::{plain, Locale};
                if is_rate {
                    format!("{}%", plain(x * 100.0, Locale::En))
                } else {
                    plain(x, Locale::En)
                }
            };
            let (allowed, help) = if is_rate {
                (
                    "a rate must stay within 0%..100%",
                    "a rate changes by a fraction (`+0.05` is 5 percentage points) or by a relative step (`+10%`)",
                )
            } else if i == 0 {
                (
                    "a volume cannot be negative",
                    "`-N%` removes N% of the volume; at most `-100%`",
                )
            } else {
                (
                    "the value cannot be negative",
                    "`-N%` lowers the value by N%; at most `-100%`",
                )
            };
            let msg = format!(
                "`{}` would be {} (from {}): {allowed}",
                names[i],
                shown(after),
                shown(before[i])
            );
            return Err((msg, help));
        }
    }
    Ok(())
}

/// For each factor: the gain of the total from improving it by `step` (relative),
/// and, for rates, from one percentage point more.
pub fn sensitivity(row: &FunnelRow, step: f64) -> Option<Vec<(f64, Option<f64>)>> {
    let f = factors(row)?;
    let base = product(&f);
    let last = f.len() - 1;
    Some(
        (0..f.len())
            .map(|i| {
                let mut g = f.clone();
                g[i] *= 1.0 + step;
                let rel = product(&g) - base;
                let pp = (i > 0 && i < last).then(|| {
                    let mut h = f.clone();
                    h[i] += 0.01;
                    product(&h) - base
                });
                (rel, pp)
            })
            .collect(),
    )
}
