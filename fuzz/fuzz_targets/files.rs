//! The file readers (gzip, zstd, xlsx, Parquet, a re-encoded CSV) on any bytes:
//! the first byte picks the format, the rest is the file. A report or an error,
//! never a panic or a hang.
#![no_main]

use std::sync::Arc;

use kpi::data::scan::{header, scan, scan_unordered, BadRow, RowSink, ScanSpec};
use kpi::data::ReadOptions;
use libfuzzer_sys::fuzz_target;

struct Count(u64);

impl RowSink for Count {
    fn row(&mut self, _line: u64, fields: &[&[u8]]) -> Result<(), BadRow> {
        self.0 += fields.iter().map(|f| f.len() as u64).sum::<u64>();
        Ok(())
    }
}

const NAMES: [&str; 6] = ["f.csv.gz", "f.csv.zst", "f.xlsx", "f.parquet", "f.ndjson.gz", "f.csv"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("kpi-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(NAMES[pick as usize % NAMES.len()]);
    if std::fs::write(&path, body).is_err() {
        return;
    }
    let read = Arc::new(ReadOptions {
        encoding: (pick & 0x80 != 0).then_some("windows-1252"),
        ..ReadOptions::default()
    });
    let Ok(columns) = header(&path, &read) else {
        return;
    };
    for skip_bad_rows in [false, true] {
        let spec = ScanSpec {
            skip_bad_rows,
            read: read.clone(),
            ..ScanSpec::new(path.clone(), columns.clone(), 2)
        };
        let _ = scan(&spec, || Count(0));
        let _ = scan_unordered(&spec, || Count(0));
    }
});
