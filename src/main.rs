//! The `kpi` command line; all logic lives in the library (`kpi::cli`).

fn main() -> std::process::ExitCode {
    kpi::cli::main()
}
