//! What the tests share: the `kpi` runner, temporary folders, and the helpers of the
//! engine tests (`eval`) and of the SQL backend's tests (`sql`; the differential
//! runner `engines`, one module per SQL engine, and `python`, the engines' child).
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

pub mod clickhouse;
pub mod duckdb;
pub mod engines;
pub mod eval;
pub mod lsp;
pub mod postgres;
pub mod python;
pub mod spark;
pub mod sql;

/// What a run of the binary gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// How long the process ran (the sandbox tests bound it).
    pub took: std::time::Duration,
}

/// Run `kpi ARGS` from the crate root.
pub fn kpi(args: &[&str]) -> Run {
    let start = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_kpi"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("run kpi");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8(out.stderr).expect("kpi's messages are UTF-8"),
        took: start.elapsed(),
    }
}

/// Run `kpi ARGS` from the crate root with stdout sent to the file `stdout` (such as
/// `/dev/full`); returns the exit code and stderr.
pub fn kpi_to_file(args: &[&str], stdout: &str) -> Run {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(stdout)
        .expect("open the output");
    let out = Command::new(env!("CARGO_BIN_EXE_kpi"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdout(file)
        .output()
        .expect("run kpi");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: std::time::Duration::ZERO,
    }
}

/// Run `kpi ARGS` with stdout a pipe that is closed after reading `read` bytes (the
/// reader went away, as `kpi .. | head -c N` does); returns the exit code and stderr.
pub fn kpi_closed_pipe(args: &[&str], read: usize) -> Run {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_kpi"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run kpi");
    let mut pipe = child.stdout.take().expect("stdout");
    let mut buf = vec![0u8; read];
    pipe.read_exact(&mut buf).expect("read the first bytes");
    drop(pipe);
    let out = child.wait_with_output().expect("wait for kpi");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&buf).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        took: std::time::Duration::ZERO,
    }
}

impl Run {
    /// (exit code, stdout, stderr).
    pub fn parts(self) -> (i32, String, String) {
        (self.code, self.stdout, self.stderr)
    }
}

/// A new, empty temporary folder for one test (`tag` names it; each call gets its own).
pub fn tempdir(tag: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let d = std::env::temp_dir().join(format!("kpi-it-{}-{n}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create a temporary folder");
    d
}

/// A deterministic generator for generated test inputs (xorshift64*), so a failing
/// case is the same on every run.
pub struct Rng(pub u64);

impl Rng {
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
