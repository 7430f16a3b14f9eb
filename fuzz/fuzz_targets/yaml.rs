//! The YAML front end on any text: diagnostics, never a panic.
#![no_main]

use kpi::diag::FileId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = kpi::syntax::yaml::parse_file(FileId(0), text);
    }
});
