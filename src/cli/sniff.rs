//! `kpi sniff FILE [--sheet S] [--format kpi|yaml]`: a `source` block that reads
//! the file, guessed from its start (DESIGN 5.1).

use std::path::PathBuf;

use super::CliError;
use crate::data::sniff::{sniff, Sniffed};
use crate::syntax::format::quote;

#[derive(clap::Args)]
pub struct Args {
    /// The export to read (.csv .tsv .txt .ndjson .jsonl .parquet .xlsx, optionally .gz or .zst)
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The xlsx sheet to read (default: the first)
    #[arg(long, value_name = "SHEET")]
    sheet: Option<String>,
    /// The form to print the block in
    #[arg(long, value_enum, default_value = "kpi")]
    format: Form,
    /// Name of the source (default: from the file name)
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Write to FILE instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Form {
    Kpi,
    Yaml,
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let s = sniff(&args.file, args.sheet.as_deref()).map_err(|e| CliError::Usage(e.to_string()))?;
    let name = args.name.clone().unwrap_or_else(|| source_name(&args.file));
    let from = args.file.display().to_string();
    let text = match args.format {
        Form::Kpi => dsl(&s, &name, &from),
        Form::Yaml => yaml(&s, &name, &from),
    };
    super::output::write(&args.output, &text).map(|()| super::OK)
}

/// `exports/Deals 2026.csv.gz` -> `deals_2026`.
fn source_name(path: &std::path::Path) -> String {
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = file.split('.').next().unwrap_or("data");
    crate::compile::settings::name_for(stem)
}

fn header_comment(s: &Sniffed) -> String {
    let mut out = format!(
        "# {} file; {} sampled row{}; check the guesses before relying on them.\n",
        s.format.name(),
        s.rows,
        if s.rows == 1 { "" } else { "s" }
    );
    for n in &s.notes {
        out.push_str(&format!("# {n}\n"));
    }
    out
}

fn ch(b: u8) -> String {
    (b as char).to_string()
}

fn dsl(s: &Sniffed, name: &str, from: &str) -> String {
    let r = &s.read;
    let mut out = header_comment(s);
    out.push_str(&format!("source {name} {{\n  from {}\n", quote(from)));
    if let Some(sheet) = &r.sheet {
        out.push_str(&format!("  sheet {}\n", quote(sheet)));
    }
    if let Some(e) = r.encoding {
        out.push_str(&format!("  encoding {}\n", quote(&e.to_ascii_lowercase())));
    }
    if let Some(d) = r.delimiter {
        out.push_str(&format!("  delimiter {}\n", quote(&ch(d))));
    }
    if let Some(h) = r.header {
        out.push_str(&format!("  header {h}\n"));
    }
    if let Some(d) = r.decimal {
        out.push_str(&format!("  decimal {}\n", quote(&ch(d))));
    }
    if let Some(t) = r.thousands {
        out.push_str(&format!("  thousands {}\n", quote(&ch(t))));
    }
    if let Some(n) = &r.null {
        let list: Vec<String> = n.iter().map(|m| quote(m)).collect();
        out.push_str(&format!("  null {}\n", list.join(", ")));
    }
    if let Some(t) = &s.time {
        match &r.time_format {
            Some(f) => out.push_str(&format!("  time {t} format {}\n", quote(f))),
            None => out.push_str(&format!("  time {t}\n")),
        }
    }
    if !s.dimensions.is_empty() {
        out.push_str(&format!("  dimensions {}\n", s.dimensions.join(", ")));
    }
    for c in &s.columns {
        let head = if c.header != c.name {
            format!("{} as {}", quote(&c.header), c.name)
        } else {
            c.name.clone()
        };
        // Text columns and the time need no type; a renamed one needs its entry.
        let is_time = s.time.as_deref() == Some(c.name.as_str());
        if c.ty != "string" && !is_time {
            out.push_str(&format!("  column {head}: {}\n", c.ty));
        } else if c.header != c.name {
            out.push_str(&format!("  column {head}\n"));
        }
    }
    out.push_str("}\n");
    out
}

fn yaml(s: &Sniffed, name: &str, from: &str) -> String {
    use crate::syntax::format::yaml::scalar;
    let r = &s.read;
    let q = |v: &str| {
        format!(
            "\"{}\"",
            v.replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\t', "\\t")
        )
    };
    let mut out = header_comment(s);
    out.push_str(&format!(
        "sources:\n  {name}:\n    from: {}\n",
        scalar(from)
    ));
    if let Some(sheet) = &r.sheet {
        out.push_str(&format!("    sheet: {}\n", q(sheet)));
    }
    if let Some(e) = r.encoding {
        out.push_str(&format!("    encoding: {}\n", e.to_ascii_lowercase()));
    }
    if let Some(d) = r.delimiter {
        out.push_str(&format!("    delimiter: {}\n", q(&ch(d))));
    }
    if let Some(h) = r.header {
        out.push_str(&format!("    header: {h}\n"));
    }
    if let Some(d) = r.decimal {
        out.push_str(&format!("    decimal: {}\n", q(&ch(d))));
    }
    if let Some(t) = r.thousands {
        out.push_str(&format!("    thousands: {}\n", q(&ch(t))));
    }
    if let Some(n) = &r.null {
        let list: Vec<String> = n.iter().map(|m| q(m)).collect();
        out.push_str(&format!("    null: [{}]\n", list.join(", ")));
    }
    if let Some(t) = &s.time {
        match &r.time_format {
            Some(f) => out.push_str(&format!("    time: {{ column: {t}, format: {} }}\n", q(f))),
            None => out.push_str(&format!("    time: {t}\n")),
        }
    }
    if !s.dimensions.is_empty() {
        out.push_str(&format!("    dimensions: [{}]\n", s.dimensions.join(", ")));
    }
    let cols: Vec<String> = s
        .columns
        .iter()
        .filter(|c| {
            let is_time = s.time.as_deref() == Some(c.name.as_str());
            (c.ty != "string" && !is_time) || c.header != c.name
        })
        .map(|c| {
            if c.header != c.name {
                format!(
                    "      {}: {{ header: {}, type: {} }}\n",
                    c.name,
                    q(&c.header),
                    c.ty
                )
            } else {
                format!("      {}: {}\n", c.name, c.ty)
            }
        })
        .collect();
    if !cols.is_empty() {
        out.push_str("    columns:\n");
        out.push_str(&cols.concat());
    }
    out
}
