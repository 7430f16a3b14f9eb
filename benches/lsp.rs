//! Benchmarks of `kpi lsp` on a generated 2,000-metric file (DESIGN 5.6: every
//! request answered within 200 ms): full diagnostics after a change (the whole file
//! re-parsed and compiled, as `kpi check` does), hover, completion and definition.
//! The server is driven in-process, message by message, as its stdio loop does.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use kpi::lsp::Server;
use lsp_server::{Message, Notification, Request, RequestId};
use serde_json::json;

const METRICS: usize = 2_000;

/// `n` metrics: counts with filters, sums, ratios and sums of earlier metrics, a
/// funnel over the first three; `variant` changes one literal (an edit).
fn definitions(n: usize, variant: usize) -> String {
    let mut s = String::from(
        "settings { currency \"EUR\" }\n\
         source activities {\n  time ts\n  dimensions rep, team, region, channel\n  \
         column amount: decimal\n}\nparam target = 10\n\n",
    );
    for i in 0..n {
        let line = match i % 4 {
            _ if i < 4 => format!("metric m{i} = count(activities where type == \"t{i}\")"),
            0 => format!(
                "metric m{i} = count(activities where type == \"t{}\" and channel == \"c{}\") {{ unit touches }}",
                i % 7,
                i % 13
            ),
            1 => format!("metric m{i} = sum(activities.amount where type == \"t{}\") {{ format currency }}", i % 7),
            2 => format!("metric m{i} = m{} / m{} {{ format percent }}", i - 1, i - 2),
            _ => format!("metric m{i} = m{} + m{} * target", i - 4, i - 3),
        };
        s.push_str(&line);
        s.push('\n');
    }
    s.push_str(&format!(
        "\nfunnel outbound {{\n  stage touches = m0\n  stage meetings = m1\n  stage won = m2\n}}\n\
         metric last = m{} + outbound.meetings_rate * {variant}\n",
        n / 2
    ));
    s
}

fn notify(method: &str, params: serde_json::Value) -> Message {
    Message::Notification(Notification::new(method.into(), params))
}

fn request(id: i32, method: &str, params: serde_json::Value) -> Message {
    Message::Request(Request::new(RequestId::from(id), method.into(), params))
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("kpi-bench-lsp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let uri = format!("file://{}/big.kpi", dir.display());
    let texts = [definitions(METRICS, 1), definitions(METRICS, 2)];
    let lines = texts[0].lines().count() as u32;
    let mut server = Server::new(None);
    let mut out = Vec::new();
    server.handle(
        notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "kpi", "version": 1, "text": texts[0] } }),
        ),
        &mut out,
    );
    assert!(!out.is_empty(), "diagnostics published");
    let mut g = c.benchmark_group("lsp_2000_metrics");
    g.sample_size(20).measurement_time(Duration::from_secs(4));

    let mut version = 1;
    g.bench_function("diagnostics_after_change", |b| {
        b.iter(|| {
            version += 1;
            let text = &texts[version as usize % 2];
            out.clear();
            server.handle(
                notify(
                    "textDocument/didChange",
                    json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
                ),
                &mut out,
            );
            black_box(&out);
        })
    });
    // `m1000` in the last line (`metric last = m1000 + outbound.meetings_rate * 1`).
    let at = |character: u32| json!({ "textDocument": { "uri": uri }, "position": { "line": lines - 1, "character": character } });
    let mut id = 0;
    let mut run = |name: &str, method: &str, params: serde_json::Value| {
        g.bench_function(name, |b| {
            b.iter(|| {
                id += 1;
                out.clear();
                server.handle(request(id, method, params.clone()), &mut out);
                black_box(&out);
            })
        });
    };
    run("hover", "textDocument/hover", at(16));
    run("definition", "textDocument/definition", at(16));
    // Every name in scope (2,000 metrics, functions, keywords).
    run("completion_names", "textDocument/completion", at(14));
    // After `outbound.`.
    run("completion_members", "textDocument/completion", at(31));
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
