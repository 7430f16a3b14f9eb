//! Benchmark of a Rhai script function used in a metric (`kpi::eval::evaluate` over
//! in-memory data): 100,000 rows, one per account, grouped by account, so the script
//! is called 100,000 times (once per group, after aggregation).
//!
//! - `script/commission_100k_groups`: `won` (a sum) and `tiered_commission(won)`, the
//!   shipped example function of `metrics/functions.rhai`;
//! - `script/native_100k_groups`: the same tiers written with built-ins, the baseline:
//!   the difference is the cost of the script calls.

use std::collections::HashMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kpi::compile::{self, Graph, Loader};
use kpi::data::period::Grain;
use kpi::eval::{evaluate, Request};

const GROUPS: usize = 100_000;

/// One deal per account: `ts,account,amount`, amounts 0.00 .. 99,999.99.
fn deals() -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut s = Vec::with_capacity(GROUPS * 40);
    s.extend_from_slice(b"ts,account,amount\n");
    for i in 0..GROUPS {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let cents = state % 10_000_000;
        s.extend_from_slice(
            format!("2026-01-05,acc_{i:06},{}.{:02}\n", cents / 100, cents % 100).as_bytes(),
        );
    }
    s
}

const DEFS: &str = r#"script "functions.rhai"

source deals {
  time ts
  dimensions account
  column amount: decimal
}

metric won = sum(deals.amount)
metric commission = tiered_commission(won)
metric native = min(won, 20000) * 3% + max(min(won, 50000) - 20000, 0) * 5% + max(won - 50000, 0) * 8%
"#;

fn compile_defs() -> Graph {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench_script");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let rhai = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("metrics/functions.rhai"),
    )
    .expect("metrics/functions.rhai");
    std::fs::write(dir.join("functions.rhai"), rhai).expect("write script");
    let path = dir.join("bench.kpi");
    std::fs::write(&path, DEFS).expect("write defs");
    let mut loader = Loader::new();
    match compile::compile_path(&mut loader, &path, &compile::Options::default()) {
        (Some(g), _) => g,
        (None, d) => panic!("bench definitions do not compile: {d:?}"),
    }
}

fn request(graph: &Graph, metrics: &[&str], data: &Arc<Vec<u8>>) -> Request {
    Request {
        metrics: metrics
            .iter()
            .map(|m| graph.metric(m).expect("metric"))
            .collect(),
        by: vec!["account".into()],
        grain: Grain::All,
        from: None,
        to: None,
        fill: false,
        data: HashMap::from([("deals".to_string(), PathBuf::from("deals.csv"))]),
        inline: HashMap::from([("deals".to_string(), data.clone())]),
        skip_bad_rows: false,
        threads: 1,
        hermetic: false,
        cut: None,
    }
}

fn bench_script(c: &mut Criterion) {
    let data = Arc::new(deals());
    let graph = compile_defs();
    // The script and the built-ins agree (to rounding) before anything is timed.
    let both = evaluate(&graph, &request(&graph, &["commission", "native"], &data)).expect("eval");
    assert_eq!(both.len(), GROUPS);
    for r in both.rows() {
        let (a, b) = (r.values[0].as_f64().unwrap(), r.values[1].as_f64().unwrap());
        assert!((a - b).abs() < 1e-6, "{a} != {b}");
    }
    let mut group = c.benchmark_group("script");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    group.throughput(Throughput::Elements(GROUPS as u64));
    for (name, metric) in [
        ("commission_100k_groups", "commission"),
        ("native_100k_groups", "native"),
    ] {
        let req = request(&graph, &["won", metric], &data);
        group.bench_function(name, |b| {
            b.iter(|| evaluate(&graph, black_box(&req)).expect("eval").len())
        });
    }
    group.finish();
}

criterion_group!(benches, bench_script);
criterion_main!(benches);
