//! `kpi lsp`: the language server over stdio (see `crate::lsp`).

use super::CliError;

#[derive(clap::Args)]
pub struct Args {
    /// Accepted for editors that pass it; stdio is the only transport
    #[arg(long)]
    stdio: bool,
}

pub fn run(_args: Args) -> Result<u8, CliError> {
    // The column check of `kpi check` (uses against the data files' headers).
    Ok(crate::lsp::serve_stdio(Some(super::columns::check)))
}
