//! The NDJSON reader on any bytes, every header column requested, bad rows skipped
//! and not: a report or an error, never a panic or a hang.
#![no_main]

use std::path::PathBuf;

use kpi::data::scan::{header_bytes, scan_bytes, scan_bytes_unordered, BadRow, RowSink, ScanSpec};
use libfuzzer_sys::fuzz_target;

struct Count(u64);

impl RowSink for Count {
    fn row(&mut self, _line: u64, fields: &[&[u8]]) -> Result<(), BadRow> {
        self.0 += fields.iter().map(|f| f.len() as u64).sum::<u64>();
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let path = PathBuf::from("fuzz.ndjson");
    let Ok(columns) = header_bytes(&path, data) else {
        return;
    };
    for skip_bad_rows in [false, true] {
        let spec = ScanSpec {
            skip_bad_rows,
            ..ScanSpec::new(path.clone(), columns.clone(), 2)
        };
        let _ = scan_bytes(&spec, data, || Count(0));
        let _ = scan_bytes_unordered(&spec, data, || Count(0));
    }
});
