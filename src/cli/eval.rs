//! `kpi eval DEFS`: evaluate metrics over CSV/NDJSON exports.

use super::CliError;
use std::path::PathBuf;

use crate::data::period::Grain;
use crate::report::{self, OutFormat};

use super::common::{self, parse_grain, select_metrics, DataOpts, DefOpts};

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
    /// Table layout: long (one row per metric) when the wide table is wider than the terminal
    #[arg(long, value_enum, default_value = "auto")]
    layout: report::Layout,
    /// Write the result to FILE instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    data: DataOpts,
    #[command(flatten)]
    opts: DefOpts,
    #[command(flatten)]
    engine: super::engine::EngineOpts,
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let (loader, graph) = common::compile_defs(&args.defs, &args.opts)?;
    let metrics = match select_metrics(&graph, &args.metrics) {
        Ok(m) => m,
        Err(msg) => {
            return Err(CliError::Usage(msg.to_string()));
        }
    };
    if args.mark_partial && args.engine.engine != super::engine::Engine::Inprocess {
        return Err(CliError::Usage("--mark-partial needs the in-process engine: the warehouse query does not report which days the data covers".to_string()));
    }
    let mut req = common::base_request(&graph, &args.data, args.by.clone(), args.grain)?;
    req.metrics = metrics;
    req.fill = args.fill;
    let progress = common::progress(&graph, &req);
    let result = super::engine::evaluate(&graph, &req, &args.engine);
    drop(progress);
    let out = result?;
    common::report_skips(&out);
    if args.engine.engine == super::engine::Engine::Inprocess {
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
    let mut view = report::View::of_graph(&graph, &out);
    let mut text = report::render_view(&out, args.format, &view);
    let human = matches!(args.format, OutFormat::Table | OutFormat::Md);
    if human
        && super::output::long(
            args.layout,
            args.format == OutFormat::Table,
            &args.output,
            &text,
        )
    {
        view.long = true;
        text = report::render_view(&out, args.format, &view);
    }
    if !partial.is_empty() && matches!(args.format, OutFormat::Table | OutFormat::Md) {
        if args.format == OutFormat::Md {
            text.push('\n'); // the note must not continue the Markdown table
        }
        text.push_str(&super::partial::note(&partial));
    }
    super::output::write(&args.output, &text).map(|()| super::OK)
}
