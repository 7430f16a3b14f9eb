//! A long-lived `python3` child that runs an engine's requests (Spark, chDB): started
//! once per test run by the first test that asks and shared by every test behind a
//! mutex; one JSON line per request, one JSON line per answer, its stderr in a log
//! under `CARGO_TARGET_TMPDIR` whose tail explains a failure.
//!
//! The script's first line says it is ready (`{"ready": .., ..}`) or why not
//! (`{"error": ".."}`); then it answers each request line with, per query,
//! `{"columns": [..], "rows": [[..]]}` or `{"error": ".."}` ([`results_of`]).

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};

use super::engines::Job;
use super::sql::{results_of, unavailable, Table};

/// Whether `cmd ARGS` runs and exits 0.
pub fn runs(cmd: &str, args: &[&str]) -> bool {
    Command::new(cmd)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The last 30 lines of a runner's log.
pub fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// A running child: its stdin and stdout, and where its stderr goes.
pub struct Child {
    /// What it runs, in messages ("the Spark runner ..").
    what: &'static str,
    _child: std::process::Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    log: PathBuf,
}

impl Child {
    /// Start `python3 -u -c SCRIPT` (with the environment `env`, stderr to the log
    /// `log` under `CARGO_TARGET_TMPDIR`) and read its first line: the child and what
    /// it said when ready, or why it did not start (with the log's tail).
    pub fn start(
        what: &'static str,
        script: &str,
        log: &str,
        env: &[(&str, OsString)],
    ) -> Result<(Child, serde_json::Value), String> {
        let log = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(log);
        let err = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let mut child = Command::new("python3")
            .args(["-u", "-c", script])
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(err)
            .spawn()
            .map_err(|e| format!("python3: {e}"))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let mut stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
        let mut line = String::new();
        let _ = stdout.read_line(&mut line);
        let v: serde_json::Value = serde_json::from_str(&line)
            .map_err(|_| format!("the {what} runner did not start:\n{}", log_tail(&log)))?;
        if let Some(e) = v.get("error") {
            return Err(format!(
                "{}\n{}",
                e.as_str().unwrap_or_default(),
                log_tail(&log)
            ));
        }
        let child = Child {
            what,
            _child: child,
            stdin,
            stdout,
            log,
        };
        Ok((child, v))
    }

    /// Send one request line; its answer line.
    pub fn ask(&mut self, request: &serde_json::Value) -> serde_json::Value {
        let what = self.what;
        writeln!(self.stdin, "{request}")
            .unwrap_or_else(|e| panic!("write to the {what} runner: {e}"));
        self.stdin.flush().expect("flush");
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .unwrap_or_else(|e| panic!("read the {what} runner: {e}"));
        serde_json::from_str(&line).unwrap_or_else(|_| {
            panic!(
                "the {what} runner answered {line:?}:\n{}",
                log_tail(&self.log)
            )
        })
    }
}

/// The child of one engine, started by the first test that asks (`Err` says why it
/// is not running).
pub struct Shared {
    what: &'static str,
    start: fn() -> Result<Child, String>,
    child: OnceLock<Mutex<Result<Child, String>>>,
}

impl Shared {
    /// The child `start` starts; `what` names the engine in messages.
    pub const fn new(what: &'static str, start: fn() -> Result<Child, String>) -> Shared {
        Shared {
            what,
            start,
            child: OnceLock::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Result<Child, String>> {
        self.child
            .get_or_init(|| Mutex::new((self.start)()))
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Whether it runs here (starting it if no test did yet); skips (with a
    /// message) outside CI and fails under CI when it does not.
    pub fn available(&self, test: &str) -> bool {
        match &*self.lock() {
            Ok(_) => true,
            Err(why) => {
                unavailable(test, why);
                false
            }
        }
    }

    /// Run the jobs, one after the other; per job, per query: the table or an error.
    pub fn run(&self, jobs: &[Job]) -> Vec<Vec<Result<Table, String>>> {
        let mut guard = self.lock();
        let child = match &mut *guard {
            Ok(c) => c,
            Err(why) => panic!("{} is not running: {why}", self.what),
        };
        jobs.iter()
            .map(|j| results_of(&child.ask(&j.json())))
            .collect()
    }
}
