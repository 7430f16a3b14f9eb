//! Totals over every group from the same scan: each period's base values combined
//! across the groups (counts and sums added, averages from their sums and counts,
//! minima and maxima of the groups'), then every formula evaluated again over them,
//! as an evaluation without `--by` would. Distinct counts, medians, percentiles and
//! journey steps do not combine across groups: then there is no rollup, and the
//! caller evaluates the totals on their own.

use std::collections::BTreeMap;

use crate::compile::graph::{Graph, NodeId, NodeKind};
use crate::data::calendar::WorkCalendar;
use crate::syntax::ast::AggFunc;

use super::accum::{nan_max, nan_min};
use super::grid::{Cols, Grid};

/// Whether the aggregates behind `needed` combine across groups.
pub fn rollable(graph: &Graph, needed: &[NodeId]) -> bool {
    needed.iter().all(|&id| match &graph.node(id).kind {
        NodeKind::Aggregate(a) => matches!(
            a.func,
            AggFunc::Count | AggFunc::Sum | AggFunc::Avg | AggFunc::Min | AggFunc::Max
        ),
        NodeKind::JourneyStep { .. } => false,
        _ => true,
    })
}

/// One row per period with the aggregate columns of `cols` combined over the groups
/// (group id 0); `None` when they do not combine.
pub fn totals(
    graph: &Graph,
    grid: &Grid,
    cols: &Cols,
    needed: &[NodeId],
    range: (i32, i32),
    cal: &WorkCalendar,
    cut: Option<&crate::plan::Cut>,
) -> Option<(Grid, Cols)> {
    if !rollable(graph, needed) {
        return None;
    }
    // Period -> its grid rows.
    let mut at: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
    for (r, &(_, p)) in grid.rows.iter().enumerate() {
        at.entry(p).or_default().push(r);
    }
    let rows: Vec<(u32, i32)> = at.keys().map(|&p| (0, p)).collect();
    let total_grid = Grid::new(rows, grid.grain, range, grid.data_first, cal, cut);
    let mut out = Cols::default();
    for &id in needed {
        let NodeKind::Aggregate(a) = &graph.node(id).kind else {
            continue;
        };
        let Some(vals) = cols.values.get(&id) else {
            continue;
        };
        let mut col = Vec::with_capacity(at.len());
        let mut exact: Option<Vec<Option<i128>>> = cols.exact.get(&id).map(|_| Vec::new());
        let mut parts = (Vec::new(), Vec::new());
        for rs in at.values() {
            col.push(match a.func {
                AggFunc::Count | AggFunc::Sum => rs
                    .iter()
                    .map(|&r| if vals[r].is_nan() { 0.0 } else { vals[r] })
                    .sum(),
                AggFunc::Min => rs.iter().map(|&r| vals[r]).fold(f64::NAN, nan_min),
                AggFunc::Max => rs.iter().map(|&r| vals[r]).fold(f64::NAN, nan_max),
                _ => {
                    let (s, n) = cols.avg_parts.get(&id).map_or((0.0, 0.0), |(s, n)| {
                        rs.iter()
                            .fold((0.0, 0.0), |(a, b), &r| (a + s[r], b + n[r]))
                    });
                    parts.0.push(s);
                    parts.1.push(n);
                    if n > 0.0 {
                        s / n
                    } else {
                        f64::NAN
                    }
                }
            });
            if let (Some(ex), Some(src)) = (exact.as_mut(), cols.exact.get(&id)) {
                ex.push(
                    rs.iter()
                        .try_fold(0i128, |acc, &r| src[r].and_then(|x| acc.checked_add(x))),
                );
            }
        }
        out.values.insert(id, col);
        if let Some(ex) = exact {
            out.exact.insert(id, ex);
        }
        if a.func == AggFunc::Avg {
            out.avg_parts.insert(id, parts);
        }
    }
    Some((total_grid, out))
}
