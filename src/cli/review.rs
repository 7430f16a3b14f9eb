//! `kpi review DEFS`: definitions due or overdue for review.

use std::path::PathBuf;

use crate::data::period::civil_from_day;

use super::common::{self, DefOpts};
use super::{FAILED, OK};

#[derive(clap::Args)]
pub struct Args {
    /// The definitions file
    defs: PathBuf,
    /// The date reviews are judged against (default: today)
    #[arg(long, value_name = "DATE")]
    today: Option<String>,
    /// Exit 1 when any review is overdue
    #[arg(long)]
    strict: bool,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    #[command(flatten)]
    opts: DefOpts,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq)]
enum Format {
    Table,
    Json,
}

fn date(day: i32) -> String {
    let (y, m, d) = civil_from_day(day);
    format!("{y:04}-{m:02}-{d:02}")
}

pub fn run(args: Args) -> u8 {
    let today = match common::today(&args.today) {
        Ok(t) => t,
        Err(c) => return c,
    };
    let (_, graph) = match common::compile_defs(&args.defs, &args.opts) {
        Ok(x) => x,
        Err(code) => return code,
    };
    struct Item {
        name: String,
        kind: &'static str,
        owner: Option<String>,
        last: Option<String>,
        due: Option<String>,
        status: &'static str,
    }
    let mut items: Vec<Item> = graph
        .reviews
        .iter()
        .map(|r| Item {
            name: r.name.clone(),
            kind: r.kind,
            owner: r.owner.clone(),
            last: Some(date(r.last)),
            due: Some(date(r.due())),
            status: r.status(today),
        })
        .collect();
    if graph.settings.review_required {
        items.extend(graph.unreviewed.iter().map(|(name, kind, _)| Item {
            name: name.clone(),
            kind,
            owner: None,
            last: None,
            due: None,
            status: "unreviewed",
        }));
    }
    let overdue = items.iter().filter(|i| i.status == "overdue").count();
    let text = match args.format {
        Format::Json => {
            let v: Vec<serde_json::Value> = items
                .iter()
                .map(|i| {
                    serde_json::json!({
                        "name": i.name, "kind": i.kind, "owner": i.owner,
                        "last": i.last, "due": i.due, "status": i.status,
                    })
                })
                .collect();
            format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
        }
        Format::Table => {
            let mut t = comfy_table::Table::new();
            t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
            t.set_header(vec!["name", "kind", "owner", "last", "due", "status"]);
            for i in &items {
                t.add_row(vec![
                    i.name.clone(),
                    i.kind.to_string(),
                    i.owner.clone().unwrap_or_default(),
                    i.last.clone().unwrap_or_default(),
                    i.due.clone().unwrap_or_default(),
                    i.status.to_string(),
                ]);
            }
            let soon = items.iter().filter(|i| i.status == "due_soon").count();
            format!(
                "{t}\n{} reviewed definitions: {overdue} overdue, {soon} due within 14 days (today {})\n",
                items.len(),
                date(today)
            )
        }
    };
    let written = super::output::stdout(&text);
    if written != OK {
        return written;
    }
    if args.strict && overdue > 0 {
        FAILED
    } else {
        OK
    }
}
