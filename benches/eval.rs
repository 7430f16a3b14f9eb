//! Benchmarks of the evaluation engine (`kpi::eval::evaluate`) over in-memory data:
//!
//! - `eval/sales_perf_1m`: the perf workload (`benches/sales_perf.kpi`, a copy of
//!   `perf/sales_perf.kpi`: 14 metrics + a funnel per rep and ISO week) over 1M
//!   generated rows shaped like `perf/gen_activities.py`'s, on 2 threads;
//! - `eval/filter_aggregate_200k`: one filtered count and one filtered sum, one thread;
//! - `eval/group_hash_200k`: a plain count grouped by two dimensions and day, one thread.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kpi::data::period::Grain;
use kpi::eval::evaluate;

mod common;
use common::{activities, compile_path, compile_text, request};

fn bench_eval(c: &mut Criterion) {
    let big = Arc::new(activities(1_000_000));
    let graph = compile_path(&Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/sales_perf.kpi"));
    let mut group = c.benchmark_group("eval");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Bytes(big.len() as u64));
    let req = request(&graph, &["rep"], Grain::Week, &big, false, 2);
    group.bench_function("sales_perf_1m", |b| {
        b.iter(|| {
            let out = evaluate(&graph, black_box(&req)).expect("eval");
            assert_eq!(out.len(), 200 * 104);
            out.len()
        })
    });

    let small = Arc::new(activities(200_000));
    group.throughput(Throughput::Elements(200_000));
    let filters = compile_text(
        "bench_filters.kpi",
        "source activities {\n time ts\n dimensions rep, team\n column amount: decimal\n}\n\
         metric out_touches = count(activities where type in [\"call\", \"email\"] and channel == \"outbound\")\n\
         metric won_amount = sum(activities.amount where type == \"deal_won\" and amount >= 1000)\n",
    );
    let req = request(&filters, &[], Grain::All, &small, false, 1);
    group.bench_function("filter_aggregate_200k", |b| {
        b.iter(|| {
            evaluate(&filters, black_box(&req))
                .expect("eval")
                .rows()
                .len()
        })
    });

    let groups = compile_text(
        "bench_groups.kpi",
        "source activities {\n time ts\n dimensions rep, team, region\n}\nmetric n = count(activities)\n",
    );
    let req = request(&groups, &["rep", "team"], Grain::Day, &small, false, 1);
    group.bench_function("group_hash_200k", |b| {
        b.iter(|| evaluate(&groups, black_box(&req)).expect("eval").len())
    });
    group.finish();
}

criterion_group!(benches, bench_eval);
criterion_main!(benches);
