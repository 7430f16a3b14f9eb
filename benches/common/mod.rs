//! Helpers the eval and formulas benches share: the deterministic activity data,
//! compiling definitions text, and a request over in-memory data.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kpi::compile::{self, Graph, Loader};
use kpi::data::period::{civil_from_day, day_number, Grain};
use kpi::eval::Request;

/// Deterministic rows like the perf data: 200 reps in 10 teams, 104 ISO weeks from
/// 2023-01-02, types call 40 % .. deal_won/lost, amounts on opportunities and deals.
pub fn activities(rows: usize) -> Vec<u8> {
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

/// Writes `text` under the target's tmp dir and compiles it.
pub fn compile_text(name: &str, text: &str) -> Graph {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, text).expect("write defs");
    compile_path(&path)
}

/// Compiles a definitions file (panics with the diagnostics if it does not compile).
pub fn compile_path(path: &Path) -> Graph {
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

/// A request for every metric of `graph` over `data` as the `activities` source.
pub fn request(
    graph: &Graph,
    by: &[&str],
    grain: Grain,
    data: &Arc<Vec<u8>>,
    fill: bool,
    threads: usize,
) -> Request {
    Request {
        metrics: graph.metric_order.clone(),
        by: by.iter().map(|s| s.to_string()).collect(),
        grain,
        from: None,
        to: None,
        fill,
        data: HashMap::from([("activities".to_string(), PathBuf::from("activities.csv"))]),
        inline: HashMap::from([("activities".to_string(), data.clone())]),
        skip_bad_rows: false,
        threads,
        hermetic: false,
        cut: None,
    }
}
