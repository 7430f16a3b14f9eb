//! `kpi schema`: the JSON Schema of the YAML form (for editor completion).

use super::CliError;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Write to FILE instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let text =
        serde_json::to_string_pretty(&crate::syntax::schema::schema()).unwrap_or_default() + "\n";
    super::output::write(&args.output, &text).map(|()| super::OK)
}
