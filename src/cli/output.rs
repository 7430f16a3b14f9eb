//! Where results go: `-o FILE` or standard output. Every command prints its results
//! through here, so that a failed write is never silent: it exits 2 naming the
//! output. A reader that went away (`kpi .. | head`) is not an error.

use std::io::{ErrorKind, Write};
use std::path::PathBuf;

use super::{OK, USAGE};

/// Write `text` to `-o FILE` (created or replaced) or, without one, to stdout.
pub fn write(path: &Option<PathBuf>, text: &str) -> u8 {
    match path {
        Some(p) => match std::fs::write(p, text) {
            Ok(()) => OK,
            Err(e) => {
                eprintln!("error: cannot write `{}`: {e}", p.display());
                USAGE
            }
        },
        None => stdout(text),
    }
}

/// Write `text` to stdout and flush it.
pub fn stdout(text: &str) -> u8 {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => OK,
        Err(e) => failed(&e),
    }
}

/// The exit code of a failed write to stdout, after saying why on stderr.
pub fn failed(e: &std::io::Error) -> u8 {
    if e.kind() == ErrorKind::BrokenPipe {
        return OK;
    }
    eprintln!("error: cannot write to standard output: {}", plain(e));
    USAGE
}

/// `No space left on device` rather than `.. (os error 28)`.
fn plain(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The exit code of a command whose result was `result` and whose write gave
/// `write`: a failed write (2) wins, since the result never reached its reader.
pub fn combine(result: u8, write: u8) -> u8 {
    if write == OK {
        result
    } else {
        write
    }
}

/// Print one piece of a result that is written as it goes (`kpi test`, `kpi fmt`):
/// Err carries the exit code to stop with.
pub fn progress(text: &str) -> Result<(), u8> {
    match stdout(text) {
        OK => Ok(()),
        code => Err(code),
    }
}
