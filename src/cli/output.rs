//! Where results go: `-o FILE` or standard output. Every command prints its results
//! through here, so that a failed write is never silent: it exits 2 naming the
//! output. A reader that went away (`kpi .. | head`) is not an error.

use std::io::{ErrorKind, Write};
use std::path::PathBuf;

use super::CliError;

/// Write `text` to `-o FILE` (created or replaced) or, without one, to stdout.
pub fn write(path: &Option<PathBuf>, text: &str) -> Result<(), CliError> {
    write_parts(path, &[text])
}

/// [`write`] of a text made of `parts`, in order, without joining them first (a
/// long output formatted in parts on several cores is not copied once more).
pub fn write_parts<S: AsRef<str>>(path: &Option<PathBuf>, parts: &[S]) -> Result<(), CliError> {
    let all = |out: &mut dyn Write| -> std::io::Result<()> {
        for p in parts {
            out.write_all(p.as_ref().as_bytes())?;
        }
        out.flush()
    };
    match path {
        Some(p) => std::fs::File::create(p)
            .and_then(|mut f| all(&mut f))
            .map_err(|e| CliError::Usage(cannot_write(p, &e))),
        None => match all(&mut std::io::stdout().lock()) {
            Ok(()) => Ok(()),
            Err(e) => failed(&e),
        },
    }
}

/// Why `-o FILE` could not be written, with a hint when its folder is missing.
fn cannot_write(path: &std::path::Path, e: &std::io::Error) -> String {
    let mut msg = format!("cannot write `{}`: {}", path.display(), plain(e));
    let missing = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.exists());
    if let (ErrorKind::NotFound, Some(dir)) = (e.kind(), missing) {
        msg.push_str(&format!(
            "\n  = help: the folder `{}` does not exist: create it, or write elsewhere",
            dir.display()
        ));
    }
    msg
}

/// Write `text` to stdout and flush it.
pub fn stdout(text: &str) -> Result<(), CliError> {
    write_parts(&None, &[text])
}

/// A failed write to stdout: a reader that went away (`kpi .. | head`) is not an
/// error; anything else is an I/O problem (exit 2).
pub fn failed(e: &std::io::Error) -> Result<(), CliError> {
    if e.kind() == ErrorKind::BrokenPipe {
        return Ok(());
    }
    Err(CliError::Usage(format!(
        "cannot write to standard output: {}",
        plain(e)
    )))
}

/// `No space left on device` rather than `.. (os error 28)`.
fn plain(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// The outcome of a command whose result was `result` and whose write gave
/// `write`: a failed write (2) wins, since the result never reached its reader.
pub fn combine(result: u8, write: Result<(), CliError>) -> Result<u8, CliError> {
    write.map(|()| result)
}

/// Print one piece of a result that is written as it goes (`kpi test`, `kpi fmt`).
pub fn progress(text: &str) -> Result<(), CliError> {
    stdout(text)
}

/// The width of the terminal results are printed to: `None` when they go to a file
/// (`-o`) or stdout is not a terminal (a pipe, a test), else `COLUMNS` or the
/// terminal's size.
pub fn terminal_width(path: &Option<PathBuf>) -> Option<usize> {
    use std::io::IsTerminal;
    if path.is_some() || !std::io::stdout().is_terminal() {
        return None;
    }
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0);
    columns.or_else(|| comfy_table::Table::new().width().map(usize::from))
}

/// Whether a table whose wide text is `wide` is printed long (`--layout`); `auto`
/// only switches terminal tables (`table`: not Markdown).
pub fn long(
    layout: crate::report::Layout,
    table: bool,
    path: &Option<PathBuf>,
    wide: &str,
) -> bool {
    match layout {
        crate::report::Layout::Auto if !table => false,
        crate::report::Layout::Auto => {
            layout.is_long(crate::report::text_width(wide), terminal_width(path))
        }
        _ => layout.is_long(0, None),
    }
}
