//! The DSL front end on any text: no panic; where the fast path accepts a file it
//! builds the same AST as the pest parser; and a file without errors prints (`kpi
//! fmt`) to text that parses to the same meaning.
#![no_main]

use kpi::diag::FileId;
use kpi::syntax::dsl;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (file, diags) = dsl::parse_file(FileId(0), text);
    if let Some(fast) = dsl::parse_file_fast_only(FileId(0), text) {
        let (pest, diags) = dsl::parse_file_with_pest(FileId(0), text);
        if diags.is_empty() {
            assert_eq!(fast, pest, "the fast path and pest disagree");
        }
    }
    if diags.is_empty() {
        let printed = kpi::syntax::format::dsl::print(&file, text);
        let (again, errors) = dsl::parse_file(FileId(0), &printed);
        assert!(errors.is_empty(), "the printed file does not parse:\n{printed}");
        assert!(
            kpi::syntax::format::same_meaning(&file, &again),
            "printing changed the meaning:\n{printed}"
        );
    }
});
