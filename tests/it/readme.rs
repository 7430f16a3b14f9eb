//! The README's example sessions are run: every ```console block's `$ kpi ..` command is
//! executed from the crate root and its output (stdout and stderr together) must match
//! what the README shows. `...` on a line of its own stands for any lines and `[..]` for
//! any text within a line. Other blocks (`sh`, `kpi`, `yaml`, `text`) are not run.
//!
//! After an intended change of output: `TRYCMD=overwrite cargo test --test readme`
//! rewrites the blocks; review the diff of README.md.

#[test]
fn readme_examples() {
    trycmd::TestCases::new()
        .register_bin("kpi", std::path::Path::new(env!("CARGO_BIN_EXE_kpi")))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .case("README.md");
}
