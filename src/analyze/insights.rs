//! "What do the best do differently?": rank groups by an outcome, split the top
//! quartile from the rest, and compare every activity metric and rate between them.

/// One compared metric.
#[derive(Clone, Debug, PartialEq)]
pub struct Insight {
    pub metric: String,
    /// Counts are compared per working day.
    pub per_workday: bool,
    pub top_mean: f64,
    pub rest_mean: f64,
    /// top / rest; `None` when rest is 0.
    pub ratio: Option<f64>,
    /// Cohen's d with the pooled standard deviation; `None` when it is 0 or undefined.
    pub effect: Option<f64>,
}

/// Indexes of the top quartile (at least one group) by `outcome`, best first, and of
/// the rest. Groups without an outcome are left out.
pub fn split(outcome: &[Option<f64>]) -> (Vec<usize>, Vec<usize>) {
    let mut idx: Vec<usize> = (0..outcome.len())
        .filter(|&i| outcome[i].is_some())
        .collect();
    idx.sort_by(|&a, &b| {
        outcome[b]
            .unwrap_or(f64::MIN)
            .total_cmp(&outcome[a].unwrap_or(f64::MIN))
            .then(a.cmp(&b))
    });
    let top = idx.len().div_ceil(4).max(1).min(idx.len());
    let rest = idx.split_off(top);
    (idx, rest)
}

fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = if xs.len() > 1 {
        xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, var)
}

/// Compare one metric's values (per group) between the two sets.
pub fn compare(
    metric: &str,
    per_workday: bool,
    values: &[Option<f64>],
    top: &[usize],
    rest: &[usize],
) -> Option<Insight> {
    let pick = |ix: &[usize]| -> Vec<f64> {
        ix.iter()
            .filter_map(|&i| values[i])
            .filter(|x| x.is_finite())
            .collect()
    };
    let (a, b) = (pick(top), pick(rest));
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let (ma, va) = mean_var(&a);
    let (mb, vb) = mean_var(&b);
    let dof = (a.len() + b.len()) as f64 - 2.0;
    let pooled = if dof > 0.0 {
        (((a.len() as f64 - 1.0) * va + (b.len() as f64 - 1.0) * vb) / dof).sqrt()
    } else {
        0.0
    };
    Some(Insight {
        metric: metric.to_string(),
        per_workday,
        top_mean: ma,
        rest_mean: mb,
        ratio: (mb != 0.0).then(|| ma / mb),
        effect: (pooled > 0.0).then(|| (ma - mb) / pooled),
    })
}

/// Sort by how strongly the metric separates the groups (|effect|, then |log ratio|).
pub fn rank(items: &mut [Insight]) {
    let key = |i: &Insight| {
        (
            i.effect.map_or(0.0, f64::abs),
            i.ratio.map_or(0.0, |r| r.abs().ln().abs()),
        )
    };
    items.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        kb.0.total_cmp(&ka.0)
            .then(kb.1.total_cmp(&ka.1))
            .then(a.metric.cmp(&b.metric))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_quartile_and_cohens_d() {
        let outcome = [
            Some(10.0),
            Some(40.0),
            Some(20.0),
            Some(30.0),
            None,
            Some(5.0),
        ];
        let (top, rest) = split(&outcome);
        assert_eq!(top, vec![1, 3]); // ceil(5 / 4) = 2 best: 40, 30
        assert_eq!(rest, vec![2, 0, 5]);
        let calls = [Some(1.0), Some(5.0), Some(2.0), Some(3.0), None, Some(3.0)];
        let i = compare("calls", true, &calls, &top, &rest).unwrap();
        assert_eq!(i.top_mean, 4.0);
        assert_eq!(i.rest_mean, 2.0);
        assert_eq!(i.ratio, Some(2.0));
        // pooled sd: top var 2, rest var 1; ((1*2)+(2*1))/3 = 4/3
        let d = 2.0 / (4.0f64 / 3.0).sqrt();
        assert!((i.effect.unwrap() - d).abs() < 1e-12);
    }
}
