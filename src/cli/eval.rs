//! `kpi eval DEFS`: evaluate metrics over CSV/NDJSON exports.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::compile::graph::Graph;
use crate::compile::NodeId;
use crate::data::period::Grain;
use crate::diag::did_you_mean;
use crate::report::{self, OutFormat};

use super::common::{self, DataOpts, DefOpts};
use super::USAGE;

#[derive(clap::Args)]
pub struct Args {
    /// The definitions file (.kpi or .yaml)
    defs: PathBuf,
    /// Group by these dimensions, e.g. `--by team,rep`
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// Period grain: day, week (ISO), month, quarter, year, all
    #[arg(long, default_value = "all", value_parser = parse_grain)]
    grain: Grain,
    /// Only these metrics (or funnels, listing all their members), in this order
    #[arg(long, value_delimiter = ',')]
    metrics: Vec<String>,
    /// Emit every period of the range for each group (counts 0), not only periods with data
    #[arg(long)]
    fill: bool,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    format: OutFormat,
    /// Add a `partial` column: true for periods only partly covered by data
    #[arg(long)]
    mark_partial: bool,
    /// Write the result to FILE instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    data: DataOpts,
    #[command(flatten)]
    opts: DefOpts,
    #[command(flatten)]
    engine: super::sql::EngineOpts,
}

pub fn parse_grain(s: &str) -> Result<Grain, String> {
    Grain::parse(s)
        .ok_or_else(|| format!("unknown grain `{s}` (use day, week, month, quarter, year or all)"))
}

/// `--metrics` names to nodes (a funnel name lists its members).
pub fn select_metrics(graph: &Graph, names: &[String]) -> Result<Vec<NodeId>, String> {
    if names.is_empty() {
        return Ok(graph.metric_order.clone());
    }
    let mut out = Vec::new();
    for n in names {
        if let Some(id) = graph.metric(n) {
            out.push(id);
        } else if let Some(f) = graph.funnels.iter().find(|f| &f.name == n) {
            out.extend(f.members.iter().copied());
        } else if let Some(j) = graph.journeys.iter().find(|j| &j.name == n) {
            out.extend(j.members.iter().copied());
        } else {
            let mut names: Vec<&str> = graph.by_name.keys().map(|s| s.as_str()).collect();
            names.extend(graph.funnels.iter().map(|f| f.name.as_str()));
            let mut msg = format!("unknown metric `{n}` in --metrics");
            if let Some(h) = did_you_mean(n, names) {
                msg.push_str(&format!("\n  = help: {h}"));
            }
            return Err(msg);
        }
    }
    Ok(out)
}

/// Bind `--data` arguments to sources.
pub fn bind_data(graph: &Graph, data: &[String]) -> Result<HashMap<String, PathBuf>, String> {
    let mut map = HashMap::new();
    for d in data {
        match d.split_once('=') {
            Some((src, path)) if !src.contains(['/', '\\']) => {
                if !graph.sources.iter().any(|s| s.name == src) {
                    let names: Vec<&str> = graph.sources.iter().map(|s| s.name.as_str()).collect();
                    let mut msg = format!("--data {d}: there is no source `{src}`");
                    if let Some(h) = did_you_mean(src, names.iter().copied()) {
                        msg.push_str(&format!("\n  = help: {h}"));
                    } else {
                        msg.push_str(&format!("\n  = help: sources: {}", names.join(", ")));
                    }
                    return Err(msg);
                }
                map.insert(src.to_string(), PathBuf::from(path));
            }
            _ => {
                if graph.sources.len() != 1 {
                    return Err(format!(
                        "--data {d}: the definitions have {} sources; write `--data SOURCE={d}`",
                        graph.sources.len()
                    ));
                }
                map.insert(graph.sources[0].name.clone(), PathBuf::from(d));
            }
        }
    }
    Ok(map)
}

pub fn parse_date(flag: &str, s: &Option<String>) -> Result<Option<i32>, u8> {
    match s {
        None => Ok(None),
        Some(s) => match crate::data::time::parse_date_arg(s) {
            Some(d) => Ok(Some(d)),
            None => {
                eprintln!("error: invalid date `{s}` for {flag} (expected YYYY-MM-DD)");
                Err(USAGE)
            }
        },
    }
}

pub fn run(args: Args) -> u8 {
    let (loader, graph) = match common::compile_defs(&args.defs, &args.opts) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let metrics = match select_metrics(&graph, &args.metrics) {
        Ok(m) => m,
        Err(msg) => {
            eprintln!("error: {msg}");
            return USAGE;
        }
    };
    if args.mark_partial && args.engine.engine != super::sql::Engine::Inprocess {
        eprintln!("error: --mark-partial needs the in-process engine: the warehouse query does not report which days the data covers");
        return USAGE;
    }
    let mut req = match common::base_request(&graph, &args.data, args.by.clone(), args.grain) {
        Ok(r) => r,
        Err(code) => return code,
    };
    req.metrics = metrics;
    req.fill = args.fill;
    let progress = common::progress(&graph, &req);
    let result = super::sql::evaluate(&graph, &req, &args.engine);
    drop(progress);
    let out = match result {
        Ok(o) => o,
        Err(e) => return common::eval_error(e),
    };
    common::report_skips(&out);
    if args.engine.engine == super::sql::Engine::Inprocess {
        for w in super::literals::warnings(&graph, &req, &loader.map) {
            eprintln!("{w}");
        }
    }
    let partial = super::partial::partial_periods(&graph, &out);
    let out = if args.mark_partial {
        super::partial::mark(out, &partial)
    } else {
        out
    };
    let mut text = report::render(&out, args.format);
    if !partial.is_empty() && matches!(args.format, OutFormat::Table | OutFormat::Md) {
        if args.format == OutFormat::Md {
            text.push('\n'); // the note must not continue the Markdown table
        }
        text.push_str(&super::partial::note(&partial));
    }
    super::output::write(&args.output, &text)
}
