//! Benchmarks of the language: parsing and compiling generated definition files of
//! 1,000 and 20,000 metrics (count and sum aggregates with filters, ratios and sums
//! of earlier metrics, units throughout), as `kpi check` does; and the `.kpi` parser
//! alone, with and without its fast path.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kpi::compile::{compile_root, Loader, Options};
use kpi::diag::FileId;
use kpi::syntax::dsl;

/// A definitions file of `n` metrics: every fourth a count, a sum, a ratio of the two
/// before it, or a sum over earlier metrics.
fn definitions(n: usize) -> String {
    let types = [
        "call",
        "email",
        "meeting",
        "visit",
        "opportunity",
        "deal_won",
        "deal_lost",
    ];
    let mut s = String::from(
        "settings { currency \"EUR\" }\n\
         source activities {\n  time ts\n  dimensions rep, team, region, channel\n  \
         column amount: decimal\n  column duration_s: int\n}\nparam target = 10\n\n",
    );
    for i in 0..n {
        let ty = types[i % types.len()];
        let line = match i % 4 {
            _ if i < 4 => format!(
                "metric m{i} = count(activities where type == \"{ty}\" and channel == \"c{}\") {{ unit touches }}",
                i % 13
            ),
            0 => format!(
                "metric m{i} = count(activities where type == \"{ty}\" and channel == \"c{}\") {{ unit touches }}",
                i % 13
            ),
            1 => format!(
                "metric m{i} = sum(activities.amount where type == \"{ty}\" and region in [\"r{}\", \"r{}\"])",
                i % 3,
                i % 7
            ),
            2 => format!("metric m{i} = m{} / m{} {{ format percent }}", i - 2, i - 1),
            _ => format!("metric m{i} = coalesce(m{} / target, 0) + m{} * 2", i - 3, i - 4),
        };
        s.push_str(&line);
        s.push('\n');
    }
    s
}

fn write(n: usize) -> (PathBuf, String) {
    let text = definitions(n);
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("bench_metrics_{n}.kpi"));
    std::fs::write(&path, &text).unwrap();
    (path, text)
}

fn check(path: &std::path::Path) -> usize {
    let mut loader = Loader::new();
    let root = loader.load(path, None).expect("written");
    let opts = Options {
        require_params: true,
        ..Options::default()
    };
    let (graph, diags) = compile_root(&mut loader, root, &opts);
    assert!(diags.is_empty(), "{:?}", &diags[..diags.len().min(3)]);
    graph.nodes.len()
}

fn compile(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse_and_compile");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    for n in [1_000, 20_000] {
        let (path, text) = write(n);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(format!("{n}_metrics"), |b| {
            b.iter(|| black_box(check(&path)))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("parse_dsl");
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    let text = definitions(1_000);
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("1000_metrics", |b| {
        b.iter(|| black_box(dsl::parse_file(FileId(0), &text).0.items.len()))
    });
    g.bench_function("1000_metrics_pest_only", |b| {
        b.iter(|| black_box(dsl::parse_file_with_pest(FileId(0), &text).0.items.len()))
    });
    g.finish();
}

criterion_group!(benches, compile);
criterion_main!(benches);
