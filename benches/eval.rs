//! Benchmarks of the evaluation engine (`kpi::eval::evaluate`) over in-memory data:
//!
//! - `eval/sales_perf_1m`: the perf workload (`benches/sales_perf.kpi`, a copy of
//!   `perf/sales_perf.kpi`: 14 metrics + a funnel per rep and ISO week) over 1M
//!   generated rows shaped like `perf/gen_activities.py`'s, on 2 threads;
//! - `eval/filter_aggregate_200k`: one filtered count and one filtered sum, one thread;
//! - `eval/group_hash_200k`: a plain count grouped by two dimensions and day, one thread.

use std::collections::HashMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kpi::compile::{self, Graph, Loader};
use kpi::data::period::{civil_from_day, day_number, Grain};
use kpi::eval::{evaluate, Request};

/// Deterministic rows like the perf data: 200 reps in 10 teams, 104 ISO weeks from
/// 2023-01-02, types call 40 % .. deal_won/lost, amounts on opportunities and deals.
fn activities(rows: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let regions = ["north", "south", "east", "west"];
    let start = day_number(2023, 1, 2);
    let mut s = Vec::with_capacity(rows * 70);
    s.extend_from_slice(b"id,ts,rep,team,region,channel,type,amount,duration_s\n");
    for i in 0..rows {
        // time ascending over 728 days
        let day = start + (i as u64 * 728 / rows as u64) as i32;
        let (y, m, d) = civil_from_day(day);
        let r = next();
        let rep = (r % 200) as usize;
        let team = rep % 10;
        let p = (r >> 8) % 1000;
        let ty = match p {
            0..=399 => "call",
            400..=679 => "email",
            680..=849 => "visit",
            850..=929 => "meeting",
            930..=969 => "opportunity",
            970..=981 => "deal_won",
            _ => "deal_lost",
        };
        let channel = if (r >> 20) % 10 < 6 {
            "outbound"
        } else {
            "inbound"
        };
        let secs = 7 * 3600 + (r >> 24) % (14 * 3600);
        let amount = if p >= 930 {
            format!("{}.{:02}", 200 + (r >> 40) % 20_000, (r >> 32) % 100)
        } else {
            String::new()
        };
        let dur = if ty == "call" || ty == "meeting" {
            ((r >> 48) % 3000 + 5).to_string()
        } else {
            String::new()
        };
        s.extend_from_slice(
            format!(
                "{},{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02},rep_{:03},team_{:02},{},{channel},{ty},{amount},{dur}\n",
                i + 1,
                secs / 3600,
                secs / 60 % 60,
                secs % 60,
                rep + 1,
                team + 1,
                regions[team % 4],
            )
            .as_bytes(),
        );
    }
    s
}

fn compile_text(name: &str, text: &str) -> Graph {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, text).expect("write defs");
    compile_path(&path)
}

fn compile_path(path: &Path) -> Graph {
    let mut loader = Loader::new();
    let opts = compile::Options {
        require_params: true,
        ..Default::default()
    };
    match compile::compile_path(&mut loader, path, &opts) {
        (Some(g), _) => g,
        (None, d) => panic!("{} does not compile: {d:?}", path.display()),
    }
}

fn request(
    graph: &Graph,
    by: &[&str],
    grain: Grain,
    data: &Arc<Vec<u8>>,
    threads: usize,
) -> Request {
    Request {
        metrics: graph.metric_order.clone(),
        by: by.iter().map(|s| s.to_string()).collect(),
        grain,
        from: None,
        to: None,
        fill: false,
        data: HashMap::from([("activities".to_string(), PathBuf::from("activities.csv"))]),
        inline: HashMap::from([("activities".to_string(), data.clone())]),
        skip_bad_rows: false,
        threads,
        hermetic: false,
    }
}

fn bench_eval(c: &mut Criterion) {
    let big = Arc::new(activities(1_000_000));
    let graph = compile_path(&Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/sales_perf.kpi"));
    let mut group = c.benchmark_group("eval");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Bytes(big.len() as u64));
    let req = request(&graph, &["rep"], Grain::Week, &big, 2);
    group.bench_function("sales_perf_1m", |b| {
        b.iter(|| {
            let out = evaluate(&graph, black_box(&req)).expect("eval");
            assert_eq!(out.rows.len(), 200 * 104);
            out.rows.len()
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
    let req = request(&filters, &[], Grain::All, &small, 1);
    group.bench_function("filter_aggregate_200k", |b| {
        b.iter(|| {
            evaluate(&filters, black_box(&req))
                .expect("eval")
                .rows
                .len()
        })
    });

    let groups = compile_text(
        "bench_groups.kpi",
        "source activities {\n time ts\n dimensions rep, team, region\n}\nmetric n = count(activities)\n",
    );
    let req = request(&groups, &["rep", "team"], Grain::Day, &small, 1);
    group.bench_function("group_hash_200k", |b| {
        b.iter(|| evaluate(&groups, black_box(&req)).expect("eval").rows.len())
    });
    group.finish();
}

criterion_group!(benches, bench_eval);
criterion_main!(benches);
