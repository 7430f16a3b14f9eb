//! Benchmarks of formula evaluation and of how the cost grows with the number of
//! metrics, over in-memory data shaped like `benches/eval.rs`'s (the generator in `benches/common`):
//!
//! - `formulas/grid_base_8`: 8 filtered aggregates per rep and ISO week, 50k rows, 1 thread
//!   (200 reps x 104 weeks = 20,800 cells, `fill` on), no derived formulas: the
//!   baseline (scan, grouping, grid) for the next one;
//! - `formulas/grid_derived_48`: the same 8 aggregates plus 40 derived formulas over
//!   every cell — ratios, products, `coalesce`/`if`/`min`/`max`/`round`, `workdays`,
//!   and the windows `prev`, `change`, `rolling`, `to_date`. The difference from
//!   `grid_base_8` is the cost of formula evaluation (about 830k formula values);
//! - `scaling/metrics_10` and `scaling/metrics_100`: one source, 200k rows, no
//!   grouping, one thread, 10 resp. 100 distinct filtered aggregates: half filter on
//!   type and channel only (`count(activities where type in [..] and channel == ..)`),
//!   half also on a number (`sum(activities.amount where amount > 500)`,
//!   `count(.. where type == "call" and duration_s > 300)`).
//!
//! What `scaling/*` should show: every metric over a source is updated in the same
//! pass over its rows, so the CSV scan and timestamp parsing are paid once and only
//! the filter + accumulate work grows with the number of metrics. 100 metrics must
//! therefore cost much less than 10x the cost of 10 metrics (the time of 10
//! separate passes); a ratio `metrics_100 / metrics_10` near 10 would mean a pass per
//! metric, or a per-metric cost that dwarfs the scan — an engine problem. (Filters on
//! text columns alone are decided once per class of rows, for any number of
//! aggregates, see `src/eval/classes.rs`; numeric conditions are tested per row.)
//!
//! All data and definitions are generated deterministically (xorshift, no `rand`).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kpi::data::period::Grain;
use kpi::eval::evaluate;

mod common;
use common::{activities, compile_text, request};

const SOURCE: &str = "source activities {\n  time ts\n  dimensions rep, team, region, channel\n  \
                      column amount: decimal\n  column duration_s: int\n}\n";

/// The 8 aggregates both grid benches share.
const GRID_BASE: &str = "\
metric calls     = count(activities where type == \"call\")
metric emails    = count(activities where type == \"email\")
metric meetings  = count(activities where type == \"meeting\")
metric visits    = count(activities where type == \"visit\")
metric opps      = count(activities where type == \"opportunity\")
metric won       = count(activities where type == \"deal_won\")
metric lost      = count(activities where type == \"deal_lost\")
metric won_amt   = sum(activities.amount where type == \"deal_won\")
";

/// 40 derived formulas over `GRID_BASE`: plain arithmetic, built-ins and windows.
const GRID_DERIVED: &str = "\
param target = 5
metric touches       = calls + emails
metric hit_rate      = won / opps
metric close_rate    = won / (won + lost)
metric avg_deal      = won_amt / won
metric meet_rate     = meetings / touches
metric visit_rate    = meetings / visits
metric total         = touches * meet_rate * (won / meetings) * avg_deal
metric pipeline      = opps * hit_rate * avg_deal
metric per_day       = calls / workdays
metric safe_hit      = coalesce(hit_rate, 0)
metric safe_avg      = coalesce(avg_deal, 0)
metric capped        = min(hit_rate, 0.5) + max(won, 1) - abs(won - lost) / 10
metric rounded       = round(safe_avg / 1000, 1)
metric on_target     = if(calls > target and won > 0, 1, 0)
metric tier          = if(safe_avg > 10000, 3, if(safe_avg > 5000, 2, 1))
metric score         = safe_hit * 100 + on_target * 10 + tier
metric effort        = calls * 2 + emails + meetings * 5 + visits * 3
metric yield_rate    = coalesce(won_amt / effort, 0)
metric prev_calls    = prev(calls)
metric calls_change  = change(calls)
metric prev_hit      = prev(hit_rate)
metric hit_change    = change(safe_hit)
metric prev_won_amt  = prev(won_amt)
metric won_growth    = coalesce(won_amt / prev_won_amt - 1, 0)
metric calls_4w      = rolling(calls, 4)
metric calls_13w     = rolling(calls, 13)
metric hit_4w        = rolling(hit_rate, 4)
metric won_amt_4w    = rolling(won_amt, 4)
metric per_day_4w    = rolling(per_day, 4)
metric score_8w      = rolling(score, 8)
metric calls_qtd     = to_date(calls, quarter)
metric won_amt_ytd   = to_date(won_amt, year)
metric won_qtd       = to_date(won, quarter)
metric opps_qtd      = to_date(opps, quarter)
metric hit_qtd       = won_qtd / opps_qtd
metric calls_mtd     = to_date(calls, month)
metric trend         = coalesce(calls_4w - calls_13w, 0)
metric momentum      = if(trend > 0 and won_growth > 0, score * 1.1, score * 0.9)
metric blended       = (safe_hit + coalesce(hit_4w, 0) + coalesce(hit_qtd, 0)) / 3
metric forecast      = touches * blended * safe_avg + coalesce(won_amt_ytd, 0) / 52
";

/// `n` distinct filtered aggregates over one source (n <= 127): half filter on text
/// columns only (a subset of types and a channel, each metric its own subset), half
/// also compare a number with a threshold (amount, duration), which is tested per row.
fn scaling_definitions(n: usize) -> String {
    let types = [
        "call",
        "email",
        "visit",
        "meeting",
        "opportunity",
        "deal_won",
        "deal_lost",
    ];
    assert!(n <= 127, "only 127 distinct type subsets");
    let mut s = String::from(SOURCE);
    for i in 0..n {
        // Subset number i + 1 of the 7 types: distinct for every metric.
        let set: Vec<String> = (0..7)
            .filter(|b| ((i + 1) >> b) & 1 == 1)
            .map(|b| format!("\"{}\"", types[b]))
            .collect();
        let set = set.join(", ");
        let ch = ["outbound", "inbound"][i / 4 % 2];
        let body = match i % 4 {
            0 => format!("count(activities where type in [{set}] and channel == \"{ch}\")"),
            1 => format!("sum(activities.amount where amount > {})", 200 + 97 * i),
            2 => format!("count(activities where type in [{set}] and channel != \"{ch}\")"),
            _ => format!(
                "count(activities where type == \"{}\" and duration_s > {})",
                types[i % 7],
                30 + 29 * i
            ),
        };
        s.push_str(&format!("metric m{i} = {body}\n"));
    }
    s
}

fn bench_formulas(c: &mut Criterion) {
    let data = Arc::new(activities(50_000));
    let mut group = c.benchmark_group("formulas");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(200 * 104));
    let base = compile_text("bench_grid_base.kpi", &format!("{SOURCE}{GRID_BASE}"));
    let derived = compile_text(
        "bench_grid_derived.kpi",
        &format!("{SOURCE}{GRID_BASE}{GRID_DERIVED}"),
    );
    for (id, graph, cols) in [("grid_base_8", &base, 8), ("grid_derived_48", &derived, 48)] {
        let req = request(graph, &["rep"], Grain::Week, &data, true, 1);
        assert_eq!(req.metrics.len(), cols);
        group.bench_function(id, |b| {
            b.iter(|| {
                let out = evaluate(graph, black_box(&req)).expect("eval");
                assert_eq!(out.len(), 200 * 104);
                out.len()
            })
        });
    }
    group.finish();

    let data = Arc::new(activities(200_000));
    let mut group = c.benchmark_group("scaling");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(200_000));
    for n in [10, 100] {
        let graph = compile_text(&format!("bench_scaling_{n}.kpi"), &scaling_definitions(n));
        let req = request(&graph, &[], Grain::All, &data, false, 1);
        assert_eq!(req.metrics.len(), n);
        group.bench_function(format!("metrics_{n}"), |b| {
            b.iter(|| evaluate(&graph, black_box(&req)).expect("eval").len())
        });
    }
    group.finish();
}

criterion_group!(benches, bench_formulas);
criterion_main!(benches);
