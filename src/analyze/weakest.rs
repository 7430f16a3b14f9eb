//! The weakest step of each group's funnel: the rate furthest below its peers'
//! median, and what the total would gain if it reached that median.

use std::collections::HashMap;

use super::{median, FunnelRow};

/// The weakest step of one row.
#[derive(Clone, Debug, PartialEq)]
pub struct Weakest {
    /// Index into the rates (rate `i` leads into stage `i + 1`).
    pub rate: usize,
    pub value: f64,
    pub peer_median: f64,
    /// Gain of the total (or, without a value, of the last stage's volume).
    pub gain: Option<f64>,
}

/// Peers of a row: the same period and, with two or more `--by` dimensions, the same
/// values of all but the last (a rep's peers are the reps of the same team).
type PeerKey = (Vec<String>, Option<String>);

fn peer_key(r: &FunnelRow) -> PeerKey {
    let n = r.dims.len();
    let outer = if n >= 2 {
        r.dims[..n - 1].to_vec()
    } else {
        Vec::new()
    };
    (outer, r.period.clone())
}

/// The weakest step of every row (None when no rate is below its peers' median).
/// `has_value`: the funnel has a total; without one the gain is in last-stage volume.
pub fn weakest(rows: &[FunnelRow], has_value: bool) -> Vec<Option<Weakest>> {
    let nrates = rows.first().map_or(0, |r| r.rates.len());
    let mut medians: HashMap<PeerKey, Vec<Option<f64>>> = HashMap::new();
    for r in rows {
        medians.entry(peer_key(r)).or_insert_with(|| {
            (0..nrates)
                .map(|i| {
                    median(
                        rows.iter()
                            .filter(|o| peer_key(o) == peer_key(r))
                            .filter_map(|o| o.rates[i]),
                    )
                })
                .collect()
        });
    }
    rows.iter()
        .map(|r| {
            let meds = &medians[&peer_key(r)];
            let mut best: Option<(f64, usize, f64, f64)> = None;
            for (i, (rate, med)) in r.rates.iter().zip(meds).enumerate() {
                let (Some(rate), Some(med)) = (*rate, *med) else {
                    continue;
                };
                if med <= 0.0 || rate >= med {
                    continue;
                }
                let shortfall = (med - rate) / med;
                if best.is_none_or(|b| shortfall > b.0) {
                    best = Some((shortfall, i, rate, med));
                }
            }
            best.map(|(_, i, rate, med)| {
                let gain = match r.total {
                    Some(t) => r.total_with_rate(i, med).map(|x| x - t),
                    None if has_value => None,
                    None => {
                        let last = r.volumes.last().copied().flatten();
                        let mut v = r.volumes.first().copied().flatten();
                        for (k, rr) in r.rates.iter().enumerate() {
                            v = match (v, if k == i { Some(med) } else { *rr }) {
                                (Some(a), Some(b)) => Some(a * b),
                                _ => None,
                            };
                        }
                        v.zip(last).map(|(a, b)| a - b)
                    }
                };
                Weakest {
                    rate: i,
                    value: rate,
                    peer_median: med,
                    gain,
                }
            })
        })
        .collect()
}
