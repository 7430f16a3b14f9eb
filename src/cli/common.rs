//! Shared CLI plumbing: loading and compiling definitions, printing diagnostics, the
//! request flags every evaluating command shares (grain, metrics, data, dates).

use super::CliError;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use crate::compile::{self, Graph, Loader, NodeId};
use crate::data::period::Grain;
use crate::diag::{self, did_you_mean, Diagnostic, SourceMap};

use super::{FAILED, USAGE};

/// Whether to color diagnostics on stderr.
pub fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

pub fn print_diags(map: &SourceMap, diags: &[Diagnostic]) {
    if !diags.is_empty() {
        eprint!("{}", diag::render_all(map, diags, color()));
    }
}

/// Definition options shared by evaluating commands.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct DefOpts {
    /// Choose a profile declared in the definitions
    #[arg(long)]
    pub profile: Option<String>,
    /// Set a param: `--set calls_per_day_target=60` (repeatable)
    #[arg(long = "set", value_name = "PARAM=VALUE", value_parser = parse_set)]
    pub sets: Vec<(String, String)>,
}

fn parse_set(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(format!("expected PARAM=VALUE, got `{s}`")),
    }
}

/// Load and compile one definitions file for evaluation; diagnostics go to stderr.
pub fn compile_defs(path: &Path, opts: &DefOpts) -> Result<(Loader, Graph), CliError> {
    if !path.exists() {
        return Err(CliError::Usage(format!(
            "no such file: `{}`",
            path.display()
        )));
    }
    if path.is_dir() {
        return Err(CliError::Usage(format!(
            "`{}` is a folder; give the definitions file to evaluate",
            path.display()
        )));
    }
    let mut loader = Loader::new();
    let options = compile::Options {
        profile: opts.profile.clone(),
        sets: opts.sets.clone(),
        require_params: true,
    };
    let (graph, diags) = compile::compile_path(&mut loader, path, &options);
    let errors: Vec<Diagnostic> = diags.into_iter().filter(|d| d.is_error()).collect();
    print_diags(&loader.map, &errors);
    match graph {
        Some(g) if errors.is_empty() => Ok((loader, g)),
        // Errors only about command-line values (`--set` of an unknown param, an
        // unknown `--profile`) carry no location: a usage problem, exit 2.
        _ if !errors.is_empty() && errors.iter().all(|d| d.from_command_line) => {
            Err(CliError::Reported(USAGE))
        }
        _ => Err(CliError::Reported(FAILED)),
    }
}

/// Parse `--today` or take the system date, as a day number.
pub fn today(arg: &Option<String>) -> Result<i32, CliError> {
    match arg {
        Some(s) => crate::data::time::parse_date_arg(s).ok_or_else(|| {
            CliError::Usage(format!(
                "invalid date `{s}` for --today (expected YYYY-MM-DD)"
            ))
        }),
        None => {
            let now = jiff::ZonedDateTime::now().date();
            Ok(crate::compile::lower::day_number(now))
        }
    }
}

/// Resolve the paths to check (default `metrics/`).
pub fn default_paths(paths: &[PathBuf]) -> Vec<PathBuf> {
    if paths.is_empty() {
        vec![PathBuf::from("metrics")]
    } else {
        paths.to_vec()
    }
}

/// Compile every file of `ids` and hand each graph and its diagnostics to `each`.
/// Every file reports its own findings: a file that another of `ids` imports is
/// compiled on its own too (an importer may override its metrics and so hide their
/// reviews), without requiring values for its `required` params, which its
/// importers give. A file listed twice is compiled once.
pub fn for_each_graph(
    loader: &mut Loader,
    ids: &[crate::diag::FileId],
    mut each: impl FnMut(Graph, Vec<Diagnostic>),
) {
    let roots = compile::roots(loader, ids);
    let root = compile::Options {
        require_params: true,
        ..Default::default()
    };
    let imported = compile::Options {
        require_params: false,
        ..Default::default()
    };
    let mut seen = std::collections::HashSet::new();
    for file in ids.iter().copied().filter(|f| seen.insert(*f)) {
        let opts = if roots.contains(&file) {
            &root
        } else {
            &imported
        };
        let (graph, diags) = compile::compile_root(loader, file, opts);
        each(graph, diags);
    }
}

/// Data options shared by every evaluating command.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct DataOpts {
    /// Data file for a source: `SOURCE=PATH`, or a bare PATH when the definitions have one source (repeatable; default: each source's `from`)
    #[arg(long, value_name = "[SOURCE=]PATH")]
    pub data: Vec<String>,
    /// First day of the range (inclusive), YYYY-MM-DD
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Last day of the range (inclusive), YYYY-MM-DD
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// What to do with rows that cannot be read: `error` (default) or `skip` (and report)
    #[arg(long, value_enum, default_value = "error")]
    pub on_bad_rows: BadRows,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq)]
pub enum BadRows {
    #[default]
    Error,
    Skip,
}

/// A request with the data bindings and range of `opts` (no metrics yet).
pub fn base_request(
    graph: &Graph,
    opts: &DataOpts,
    by: Vec<String>,
    grain: crate::data::period::Grain,
) -> Result<crate::eval::Request, CliError> {
    let from = parse_date("--from", &opts.from)?;
    let to = parse_date("--to", &opts.to)?;
    if let (Some(a), Some(b)) = (from, to) {
        if a > b {
            return Err(CliError::Usage(format!(
                "--from {} is after --to {}",
                opts.from.clone().unwrap_or_default(),
                opts.to.clone().unwrap_or_default()
            )));
        }
    }
    let data = bind_data(graph, &opts.data)?;
    Ok(crate::eval::Request {
        metrics: Vec::new(),
        by,
        grain,
        from,
        to,
        fill: false,
        data,
        inline: Default::default(),
        skip_bad_rows: opts.on_bad_rows == BadRows::Skip,
        threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        hermetic: false,
        cut: None,
    })
}

/// A progress line on stderr while the request's data files are read (large files,
/// terminal only).
pub fn progress(
    graph: &Graph,
    req: &crate::eval::Request,
) -> Option<crate::data::progress::Progress> {
    let total: u64 = graph
        .sources
        .iter()
        .filter_map(|s| req.data.get(&s.name).or(s.from.as_ref()))
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    crate::data::progress::start(total)
}

/// Report skipped bad rows and unmatched lookup keys (never silently).
pub fn report_skips(out: &crate::eval::Output) {
    print_warnings(&out.warnings());
}

/// Print an evaluation's warnings on stderr.
pub fn print_warnings(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
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

pub fn parse_date(flag: &str, s: &Option<String>) -> Result<Option<i32>, CliError> {
    match s {
        None => Ok(None),
        Some(s) => match crate::data::time::parse_date_arg(s) {
            Some(d) => Ok(Some(d)),
            None => Err(CliError::Usage(format!(
                "invalid date `{s}` for {flag} (expected YYYY-MM-DD)"
            ))),
        },
    }
}

/// The currency of a funnel's money: its value's, else the settings' one.
pub fn funnel_currency(graph: &Graph, shape: &crate::analyze::FunnelShape) -> Option<String> {
    shape
        .value
        .and_then(|v| match crate::report::num_kind(graph, v) {
            crate::report::NumKind::Currency(c) => c,
            _ => None,
        })
        .or_else(|| graph.settings.currency.clone())
}

/// An analysis table (`funnel`, `whatif`) in `format`, long as `layout` says.
pub fn render_analysis(
    out: &crate::eval::Output,
    format: crate::report::OutFormat,
    layout: crate::report::Layout,
    path: &Option<PathBuf>,
    mut view: crate::report::View,
) -> String {
    use crate::report::{render_view, OutFormat};
    let text = render_view(out, format, &view);
    if matches!(format, OutFormat::Table | OutFormat::Md)
        && super::output::long(layout, format == OutFormat::Table, path, &text)
    {
        view.long = true;
        return render_view(out, format, &view);
    }
    text
}
