//! Run-rate projection (`kpi forecast`, DESIGN 5.3): the counts and sums of a
//! period evaluated so far, scaled to the whole period by its working days. Only the
//! base values are scaled; every formula over them (ratios, per-working-day rates,
//! funnel members, check thresholds) is then evaluated again over the projected
//! bases, with `workdays` and `days` those of the whole period.

use crate::compile::graph::{Graph, NodeId, NodeKind};
use crate::data::calendar::WorkCalendar;
use crate::data::period::{period_first_day, period_last_day, Grain};
use crate::syntax::ast::AggFunc;

use super::grid::{Cols, Grid};

/// Whether a base value grows with the days it covers (and so is scaled): counts,
/// sums and journey steps. Averages, medians, percentiles, minima, maxima and
/// distinct counts are not.
pub fn scales(graph: &Graph, id: NodeId) -> bool {
    match &graph.node(id).kind {
        NodeKind::Aggregate(a) => matches!(a.func, AggFunc::Count | AggFunc::Sum),
        NodeKind::JourneyStep { .. } => true,
        _ => false,
    }
}

/// The aggregate columns of `cols` run-rated: in every grid row whose period `which`
/// accepts, counts and sums times `workdays(period) / workdays(so far)` (the grid's
/// `workdays` of the row: the days of the period inside the range, up to its cut),
/// and `workdays`/`days` those of the whole period. A row with no working day so far
/// has no projection (null). Other rows are left as evaluated, and so are the
/// aggregates in `fixed` (of sources dated by period: a month's quota is the
/// month's, not a run).
pub fn run_rate(
    graph: &Graph,
    grid: &Grid,
    cols: &Cols,
    cal: &WorkCalendar,
    which: &dyn Fn(i32) -> bool,
    fixed: &[NodeId],
) -> Cols {
    let n = grid.rows.len();
    let mut workdays = grid.workdays.clone();
    let mut days = grid.days.clone();
    let mut factor = vec![1.0; n];
    for (r, &(_, p)) in grid.rows.iter().enumerate() {
        if grid.grain == Grain::All || !which(p) {
            continue;
        }
        let (first, last) = (
            period_first_day(grid.grain, p),
            period_last_day(grid.grain, p),
        );
        let whole = cal.workdays(first, last) as f64;
        factor[r] = if grid.workdays[r] > 0.0 {
            whole / grid.workdays[r]
        } else {
            f64::NAN
        };
        workdays[r] = whole;
        days[r] = WorkCalendar::days(first, last) as f64;
    }
    let mut out = Cols {
        values: cols.values.clone(),
        exact: Default::default(),
        avg_parts: cols.avg_parts.clone(),
        calendar: Some((workdays, days)),
    };
    for (id, col) in out.values.iter_mut() {
        if scales(graph, *id) && !fixed.contains(id) {
            for (v, f) in col.iter_mut().zip(&factor) {
                *v *= f;
            }
        }
    }
    // An average of a projected period: its sum and count both scale (the average
    // does not change, but a window rolling it over earlier periods weighs it so).
    for (sums, counts) in out.avg_parts.values_mut() {
        for (r, f) in factor.iter().enumerate() {
            sums[r] *= f;
            counts[r] *= f;
        }
    }
    // Exact sums of bases that were not scaled stay exact.
    for (id, ex) in &cols.exact {
        if !scales(graph, *id) || fixed.contains(id) {
            out.exact.insert(*id, ex.clone());
        }
    }
    out
}
