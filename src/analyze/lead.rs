//! Leading indicators (`kpi insights --lead K`): how an activity metric in a period
//! goes with the outcome K periods later, across groups and periods. Pearson's r
//! (linear) and Spearman's rho (rank, average ranks for ties), each with the number
//! of pairs it rests on.

/// Fewer pairs than this: no correlation is given.
pub const MIN_PAIRS: usize = 3;

/// One metric's correlation with the outcome K periods later.
#[derive(Clone, Debug, PartialEq)]
pub struct Lead {
    pub metric: String,
    /// `None` with fewer than [`MIN_PAIRS`] pairs or when either side is constant.
    pub pearson: Option<f64>,
    pub spearman: Option<f64>,
    /// The pairs (metric in period t, outcome in period t + K) with both values.
    pub n: usize,
}

/// The pairs `(x[g][t], y[g][t + lead])` over every group `g` and period `t` where
/// both values are present and finite. Each inner vector is one group's values over
/// the same consecutive periods (`x[g]` and `y[g]` are the same group).
pub fn lagged_pairs(
    x: &[Vec<Option<f64>>],
    y: &[Vec<Option<f64>>],
    lead: usize,
) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for (xs, ys) in x.iter().zip(y) {
        for (t, a) in xs.iter().enumerate() {
            let b = t
                .checked_add(lead)
                .and_then(|u| ys.get(u))
                .copied()
                .flatten();
            if let (Some(a), Some(b)) = (*a, b) {
                if a.is_finite() && b.is_finite() {
                    out.push((a, b));
                }
            }
        }
    }
    out
}

/// Both correlations of `pairs`, as [`Lead`].
pub fn correlate(metric: &str, pairs: &[(f64, f64)]) -> Lead {
    let enough = pairs.len() >= MIN_PAIRS;
    Lead {
        metric: metric.to_string(),
        pearson: if enough { pearson(pairs) } else { None },
        spearman: if enough { spearman(pairs) } else { None },
        n: pairs.len(),
    }
}

/// Pearson's r; `None` with fewer than 2 pairs, a constant side or a non-finite value.
pub fn pearson(pairs: &[(f64, f64)]) -> Option<f64> {
    let xs: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    let ys: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    corr(&xs, &ys)
}

/// Spearman's rho: Pearson's r of the ranks (ties get the average of their ranks).
pub fn spearman(pairs: &[(f64, f64)]) -> Option<f64> {
    let xs: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    let ys: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    if !finite(&xs) || !finite(&ys) {
        return None;
    }
    corr(&ranks(&xs), &ranks(&ys))
}

/// Ranks from 1 (smallest); equal values share the average of their ranks.
pub fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut out = vec![0.0; xs.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i + 1;
        while j < idx.len() && xs[idx[j]] == xs[idx[i]] {
            j += 1;
        }
        // Positions i..j (0-based) hold ranks i+1..=j: their mean is (i + 1 + j) / 2.
        let r = (i + 1 + j) as f64 / 2.0;
        for &k in &idx[i..j] {
            out[k] = r;
        }
        i = j;
    }
    out
}

fn finite(xs: &[f64]) -> bool {
    xs.iter().all(|x| x.is_finite())
}

/// Deviations from the mean, of the values scaled by a power of two (exact) so that
/// neither huge nor tiny values overflow or underflow the sums of squares.
fn deviations(xs: &[f64]) -> Vec<f64> {
    let max = xs.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let e = if max > 0.0 {
        (max.log2().ceil() as i32).clamp(-1000, 1000)
    } else {
        0
    };
    let s = 2f64.powi(-e);
    let n = xs.len() as f64;
    let mean = xs.iter().map(|x| x * s / n).sum::<f64>();
    xs.iter().map(|x| x * s - mean).collect()
}

fn corr(xs: &[f64], ys: &[f64]) -> Option<f64> {
    if xs.len() < 2 || xs.len() != ys.len() || !finite(xs) || !finite(ys) {
        return None;
    }
    // A constant side has no variance: the correlation is undefined (not 0).
    if xs.iter().all(|x| *x == xs[0]) || ys.iter().all(|y| *y == ys[0]) {
        return None;
    }
    let (dx, dy) = (deviations(xs), deviations(ys));
    let sxy: f64 = dx.iter().zip(&dy).map(|(a, b)| a * b).sum();
    let sxx: f64 = dx.iter().map(|a| a * a).sum();
    let syy: f64 = dy.iter().map(|b| b * b).sum();
    let r = sxy / (sxx.sqrt() * syy.sqrt());
    r.is_finite().then(|| r.clamp(-1.0, 1.0))
}

/// Strongest first: |Spearman| descending, then by name; metrics without one last.
pub fn rank(items: &mut [Lead]) {
    items.sort_by(|a, b| {
        let key = |l: &Lead| l.spearman.map(f64::abs);
        match (key(a), key(b)) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then_with(|| a.metric.cmp(&b.metric))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip(x: &[f64], y: &[f64]) -> Vec<(f64, f64)> {
        x.iter().copied().zip(y.iter().copied()).collect()
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-12)
    }

    #[test]
    fn pearson_and_spearman_by_hand() {
        // x 1..5, y 2 4 5 4 5. Means 3 and 4; dx -2 -1 0 1 2, dy -2 0 1 0 1:
        // sxy 6, sxx 10, syy 6 -> r = 6 / sqrt(60).
        let p = zip(&[1.0, 2.0, 3.0, 4.0, 5.0], &[2.0, 4.0, 5.0, 4.0, 5.0]);
        assert!(close(pearson(&p), 6.0 / 60f64.sqrt()));
        // Ranks of y with ties averaged: 1 2.5 4.5 2.5 4.5 (mean 3); d -2 -.5 1.5 -.5
        // 1.5: sxy 4 + .5 + 0 - .5 + 3 = 7, syy 9 -> rho = 7 / sqrt(90).
        assert_eq!(ranks(&[2.0, 4.0, 5.0, 4.0, 5.0]), [1.0, 2.5, 4.5, 2.5, 4.5]);
        assert!(close(spearman(&p), 7.0 / 90f64.sqrt()));
        // Python's statistics.correlation gives the same: 0.7745966692414834 and, on
        // the ranks, 0.7378647873726218.
        assert!(close(pearson(&p), 0.7745966692414834));
        assert!(close(spearman(&p), 0.7378647873726218));
    }

    #[test]
    fn monotone_but_not_linear() {
        // y = x^2 on 1..4: the ranks agree exactly; r = 25 / sqrt(5 * 129).
        let p = zip(&[1.0, 2.0, 3.0, 4.0], &[1.0, 4.0, 9.0, 16.0]);
        assert!(close(spearman(&p), 1.0));
        assert!(close(pearson(&p), 25.0 / 645f64.sqrt()));
        let q = zip(&[1.0, 2.0, 3.0, 4.0], &[16.0, 9.0, 4.0, 1.0]);
        assert!(close(spearman(&q), -1.0));
    }

    #[test]
    fn constant_or_too_few_is_undefined() {
        let c = correlate("visits", &zip(&[1.0, 1.0, 1.0, 1.0], &[3.0, 1.0, 2.0, 5.0]));
        assert_eq!((c.pearson, c.spearman, c.n), (None, None, 4));
        let c = correlate("x", &zip(&[3.0, 1.0, 2.0], &[0.1 + 0.2; 3]));
        assert_eq!((c.pearson, c.spearman), (None, None));
        let c = correlate("x", &zip(&[1.0, 2.0], &[1.0, 2.0]));
        assert_eq!((c.pearson, c.spearman, c.n), (None, None, 2));
        assert_eq!(correlate("x", &[]).n, 0);
        assert_eq!(pearson(&[(1.0, 2.0)]), None);
        assert_eq!(pearson(&zip(&[1.0, f64::NAN, 3.0], &[1.0, 2.0, 3.0])), None);
        assert_eq!(
            spearman(&zip(&[1.0, f64::INFINITY, 3.0], &[1.0, 2.0, 3.0])),
            None
        );
    }

    #[test]
    fn huge_and_tiny_values_do_not_overflow() {
        let p = zip(&[1e300, 2e300, 3e300], &[1e-300, 2e-300, 3e-300]);
        assert!(close(pearson(&p), 1.0));
        let p = zip(&[f64::MAX, -f64::MAX, 0.0], &[1.0, -1.0, 0.0]);
        assert!(close(pearson(&p), 1.0));
        assert!(close(spearman(&p), 1.0));
    }

    #[test]
    fn pairs_follow_each_group_k_periods_on() {
        let x = vec![
            vec![Some(1.0), Some(2.0), None, Some(4.0)],
            vec![Some(5.0), Some(6.0), Some(7.0), Some(8.0)],
        ];
        let y = vec![
            vec![Some(10.0), Some(20.0), Some(30.0), Some(40.0)],
            vec![Some(50.0), None, Some(f64::NAN), Some(80.0)],
        ];
        // Group 0: (1, 20) (2, 30); t = 2 has no x; t = 3 has no later period.
        // Group 1: t = 0 -> None, t = 1 -> NaN, t = 2 -> (7, 80).
        assert_eq!(
            lagged_pairs(&x, &y, 1),
            [(1.0, 20.0), (2.0, 30.0), (7.0, 80.0)]
        );
        assert_eq!(lagged_pairs(&x, &y, 3), [(1.0, 40.0), (5.0, 80.0)]);
        assert!(lagged_pairs(&x, &y, 4).is_empty());
        assert!(lagged_pairs(&x, &y, usize::MAX).is_empty());
    }

    #[test]
    fn strongest_first_undefined_last() {
        let l = |m: &str, s: Option<f64>| Lead {
            metric: m.into(),
            pearson: s,
            spearman: s,
            n: 5,
        };
        let mut v = vec![
            l("a", None),
            l("b", Some(0.2)),
            l("c", Some(-0.9)),
            l("d", Some(0.9)),
            l("e", Some(0.5)),
            l("0", None),
        ];
        rank(&mut v);
        let names: Vec<&str> = v.iter().map(|i| i.metric.as_str()).collect();
        assert_eq!(names, ["c", "d", "e", "b", "0", "a"]);
    }
}
