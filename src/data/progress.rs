//! A progress line on stderr while large files are read (only when stderr is a
//! terminal). The readers add the bytes they read to one process-wide counter; a
//! small thread prints it a few times a second.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

static READ: AtomicU64 = AtomicU64::new(0);

/// Count `n` bytes read from a data file.
#[inline]
pub fn add(n: u64) {
    READ.fetch_add(n, Ordering::Relaxed);
}

/// Files smaller than this get no progress line.
pub const MIN_BYTES: u64 = 64 * 1024 * 1024;

/// Prints progress until dropped.
pub struct Progress {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Start a progress line for reading `total` bytes, if stderr is a terminal and the
/// input is large.
pub fn start(total: u64) -> Option<Progress> {
    if total < MIN_BYTES || !std::io::stderr().is_terminal() {
        return None;
    }
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let base = READ.load(Ordering::Relaxed);
    let started = std::time::Instant::now();
    let thread = std::thread::spawn(move || {
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        while !flag.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(200));
            let done = (READ.load(Ordering::Relaxed) - base).min(total);
            let secs = started.elapsed().as_secs_f64().max(1e-3);
            let _ = write!(
                std::io::stderr(),
                "\rreading {:.0} / {:.0} MiB ({:.0}%, {:.0} MiB/s)",
                mib(done),
                mib(total),
                100.0 * done as f64 / total as f64,
                mib(done) / secs
            );
        }
        let _ = write!(std::io::stderr(), "\r{:60}\r", "");
    });
    Some(Progress {
        stop,
        thread: Some(thread),
    })
}
