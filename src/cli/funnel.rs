//! `kpi funnel DEFS NAME`: stage volumes, step rates, conversion, total and the
//! weakest step of each group, with the gain if it reached the peers' median.

use super::CliError;
use std::path::PathBuf;

use crate::analyze::{self, weakest::weakest};
use crate::data::period::Grain;
use crate::eval::{Cell, Row};
use crate::report::{self, OutFormat};
use crate::syntax::ast::Format;

use super::common::{self, DataOpts, DefOpts};

#[derive(clap::Args)]
pub struct Args {
    /// The definitions file
    defs: PathBuf,
    /// The funnel (aggregate or journey)
    name: String,
    /// Group by these dimensions; with two or more, a group's peers share all but the last
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// Period grain (default: all)
    #[arg(long, default_value = "all", value_parser = super::common::parse_grain)]
    grain: Grain,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    format: OutFormat,
    /// Table layout: long (one row per value) when the wide table is wider than the terminal
    #[arg(long, value_enum, default_value = "auto")]
    layout: report::Layout,
    /// Write to FILE instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    data: DataOpts,
    #[command(flatten)]
    opts: DefOpts,
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let (_, graph) = common::compile_defs(&args.defs, &args.opts)?;
    let shape = match analyze::shape(&graph, &args.name) {
        Ok(s) => s,
        Err(msg) => {
            return Err(CliError::Usage(msg.to_string()));
        }
    };
    let req = common::base_request(&graph, &args.data, args.by.clone(), args.grain)?;
    let (rows, warnings) = analyze::evaluate_funnel(&graph, &shape, &req)?;
    common::print_warnings(&warnings);
    let weak = weakest(&rows, shape.value.is_some());
    let mut cols: Vec<(String, Option<Format>)> = shape
        .stages
        .iter()
        .map(|s| (s.clone(), Some(Format::Count)))
        .collect();
    cols.extend(
        shape
            .stages
            .iter()
            .skip(1)
            .map(|s| (format!("{s}_rate"), Some(Format::Percent))),
    );
    cols.push(("conversion".into(), Some(Format::Percent)));
    if shape.value.is_some() {
        cols.push(("value".into(), Some(Format::Currency)));
        cols.push(("total".into(), Some(Format::Currency)));
    }
    cols.push(("weakest_step".into(), None));
    cols.push(("peer_median".into(), Some(Format::Percent)));
    cols.push((
        "gain".into(),
        if shape.value.is_some() {
            Some(Format::Currency)
        } else {
            Some(Format::Number)
        },
    ));
    let out_rows: Vec<Row> = rows
        .iter()
        .zip(&weak)
        .map(|(r, w)| {
            // Stage volumes are counts: whole numbers print as integers.
            let mut values: Vec<Cell> = r
                .volumes
                .iter()
                .map(|v| match v {
                    Some(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Cell::Int(*x as i64),
                    other => Cell::opt(*other),
                })
                .collect();
            values.extend(r.rates.iter().map(|v| Cell::opt(*v)));
            values.push(Cell::opt(r.conversion));
            if shape.value.is_some() {
                values.push(Cell::opt(r.value));
                values.push(Cell::opt(r.total));
            }
            match w {
                Some(w) => {
                    values.push(Cell::Str(format!("{}_rate", shape.stages[w.rate + 1])));
                    values.push(Cell::Num(w.peer_median));
                    values.push(Cell::opt(w.gain));
                }
                None => values.extend([Cell::Null, Cell::Null, Cell::Null]),
            }
            Row {
                dims: r.dims.clone(),
                period: r.period.clone(),
                values,
            }
        })
        .collect();
    let out = report::table_output(args.by.clone(), args.grain, cols, out_rows);
    let currency = super::common::funnel_currency(&graph, &shape);
    let text = super::common::render_analysis(
        &out,
        args.format,
        args.layout,
        &args.output,
        report::View::of_formats(&out, currency.as_deref(), graph.settings.locale),
    );
    super::output::write(&args.output, &text).map(|()| super::OK)
}
