//! Benchmarks of the data layer: the CSV scan of a generated ~20 MB activity file
//! with a sink that touches every field (one thread: the file is below the size
//! at which a scan goes parallel), and `TimeParser::parse` on fixed-format
//! timestamps.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use jiff::tz::TimeZone;
use kpi::data::scan::{header, scan, BadRow, RowSink, ScanSpec};
use kpi::data::time::TimeParser;

/// Writes (once) a CSV shaped like the perf workload's: 9 columns, no quotes.
fn activity_file() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench_activities_20mb.csv");
    if std::fs::metadata(&path).is_ok_and(|m| m.len() > 19_000_000) {
        return path;
    }
    let types = [
        "call",
        "email",
        "visit",
        "meeting",
        "opportunity",
        "deal_won",
    ];
    let channels = ["inbound", "outbound"];
    let mut s = String::with_capacity(21 << 20);
    s.push_str("id,ts,rep,team,region,channel,type,amount,duration_s\n");
    let mut i: u64 = 0;
    while s.len() < 20_000_000 {
        let day = 1 + (i / 1500) % 28;
        let month = 1 + (i / 42_000) % 12;
        let ty = types[(i % 6) as usize];
        let amount = if i % 6 >= 4 {
            format!("{}.{:02}", 100 + i % 9000, i % 100)
        } else {
            String::new()
        };
        let duration = if i.is_multiple_of(6) {
            (20 + i % 900).to_string()
        } else {
            String::new()
        };
        s.push_str(&format!(
            "{i},2024-{month:02}-{day:02}T{:02}:{:02}:{:02},rep_{:03},team_{:02},north,{},{ty},{amount},{duration}\n",
            7 + i % 14,
            i % 60,
            (i * 7) % 60,
            i % 200,
            i % 10,
            channels[(i % 2) as usize],
        ));
        i += 1;
    }
    if let Err(e) = std::fs::write(&path, s) {
        panic!("cannot write {}: {e}", path.display());
    }
    path
}

/// Touches every field: sums lengths and first bytes, and parses the timestamp.
struct Touch {
    sum: u64,
    time: TimeParser,
}

impl RowSink for Touch {
    fn row(&mut self, _line: u64, fields: &[&[u8]]) -> Result<(), BadRow> {
        for f in fields {
            self.sum += f.len() as u64 + u64::from(f.first().copied().unwrap_or(0));
        }
        Ok(())
    }
}

/// Like [`Touch`], and parses the `ts` column too.
struct TouchTs(Touch);

impl RowSink for TouchTs {
    fn row(&mut self, line: u64, fields: &[&[u8]]) -> Result<(), BadRow> {
        self.0.row(line, fields)?;
        let t = self
            .0
            .time
            .parse(fields[1])
            .ok_or_else(|| BadRow::field(1, "bad timestamp"))?;
        self.0.sum = self.0.sum.wrapping_add(t as u64);
        Ok(())
    }
}

fn bench_scan(c: &mut Criterion) {
    let path = activity_file();
    let columns = match header(&path, &Default::default()) {
        Ok(cols) => cols,
        Err(e) => panic!("{e}"),
    };
    let bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
    let mut group = c.benchmark_group("csv_scan");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
    let make = || Touch {
        sum: 0,
        time: TimeParser::new(TimeZone::UTC),
    };
    let spec = ScanSpec::new(path, columns, 1);
    group.bench_function("touch_all_fields", |b| {
        b.iter(|| match scan(&spec, make) {
            Ok((sinks, report)) => {
                black_box((sinks.iter().map(|s| s.sum).sum::<u64>(), report.rows))
            }
            Err(e) => panic!("{e}"),
        })
    });
    group.bench_function("touch_all_fields_and_parse_ts", |b| {
        b.iter(|| match scan(&spec, || TouchTs(make())) {
            Ok((sinks, _)) => black_box(sinks.iter().map(|s| s.0.sum).sum::<u64>()),
            Err(e) => panic!("{e}"),
        })
    });
    group.finish();
}

fn bench_time(c: &mut Criterion) {
    let stamps: Vec<String> = (0..10_000u32)
        .map(|i| {
            format!(
                "2024-{:02}-{:02}T{:02}:{:02}:{:02}",
                1 + i % 12,
                1 + i % 28,
                i % 24,
                i % 60,
                (i * 7) % 60
            )
        })
        .collect();
    let zoned: Vec<String> = stamps.iter().map(|s| format!("{s}+01:00")).collect();
    let mut group = c.benchmark_group("time_parse");
    group.throughput(Throughput::Elements(stamps.len() as u64));
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(2));
    let tz = TimeZone::get("Europe/Amsterdam").unwrap_or(TimeZone::UTC);
    for (name, input) in [("local", &stamps), ("offset_to_amsterdam", &zoned)] {
        let mut p = TimeParser::new(tz.clone());
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut acc = 0i64;
                for s in input {
                    acc = acc.wrapping_add(p.parse(black_box(s.as_bytes())).unwrap_or(0));
                }
                acc
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_scan, bench_time);
criterion_main!(benches);
