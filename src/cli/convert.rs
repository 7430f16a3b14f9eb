//! `kpi convert FILE --to kpi|yaml`: the same definitions in the other form.

use std::path::PathBuf;

use crate::diag::SourceMap;
use crate::syntax::{dsl, format, yaml};

use super::common;
use super::{FAILED, USAGE};

#[derive(clap::Args)]
pub struct Args {
    /// The definitions file (.kpi, .yaml or .yml)
    file: PathBuf,
    /// The form to write
    #[arg(long, value_enum)]
    to: To,
    /// Write to FILE instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq)]
enum To {
    Kpi,
    Yaml,
}

pub fn run(args: Args) -> u8 {
    let text = match std::fs::read(&args.file).map(String::from_utf8) {
        Ok(Ok(t)) => t,
        Ok(Err(_)) => {
            eprintln!("error: `{}` is not valid UTF-8", args.file.display());
            return FAILED;
        }
        Err(e) => {
            eprintln!("error: cannot read `{}`: {e}", args.file.display());
            return USAGE;
        }
    };
    let is_yaml = args
        .file
        .extension()
        .is_some_and(|e| e == "yaml" || e == "yml");
    let mut map = SourceMap::new();
    let id = map.add(args.file.clone(), text.clone());
    let (ast, diags) = if is_yaml {
        yaml::parse_file(id, &text)
    } else {
        dsl::parse_file(id, &text)
    };
    if diags.iter().any(|d| d.is_error()) {
        common::print_diags(&map, &diags);
        return FAILED;
    }
    let out = match args.to {
        To::Kpi if is_yaml => format::dsl::print(&ast, ""),
        To::Kpi => format::dsl::print(&ast, &text),
        To::Yaml => format::yaml::print(&ast),
    };
    // Lossless: the converted text must parse back to the same definitions.
    let id2 = map.add(PathBuf::from("<converted>"), out.clone());
    let (back, d2) = match args.to {
        To::Kpi => dsl::parse_file(id2, &out),
        To::Yaml => yaml::parse_file(id2, &out),
    };
    if !d2.is_empty() || !format::same_meaning(&ast, &back) {
        eprintln!("error: the conversion would not be lossless; nothing was written (a bug in kpi convert: please report it with the file)");
        common::print_diags(&map, &d2);
        return FAILED;
    }
    super::output::write(&args.output, &out)
}
