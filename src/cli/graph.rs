//! `kpi graph DEFS`: the evaluation graph as text, Graphviz dot or Mermaid.

use super::CliError;
use std::fmt::Write as _;
use std::path::PathBuf;

use crate::compile::graph::{Graph, NodeKind};

use super::common::{self, DefOpts};

#[derive(clap::Args)]
pub struct Args {
    /// The definitions file
    defs: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    #[command(flatten)]
    opts: DefOpts,
    /// Write to FILE instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy)]
enum Format {
    Text,
    Dot,
    Mermaid,
}

fn kind(n: &NodeKind) -> &'static str {
    match n {
        NodeKind::Param { .. } => "param",
        NodeKind::Aggregate(_) => "aggregate",
        NodeKind::Formula(_) => "metric",
        NodeKind::JourneyStep { .. } => "journey",
    }
}

fn deps(g: &Graph, i: usize) -> Vec<usize> {
    let mut d = Vec::new();
    if let NodeKind::Formula(f) = &g.nodes[i].kind {
        f.deps(&mut d);
    }
    let mut v: Vec<usize> = d.into_iter().map(|x| x.0 as usize).collect();
    v.sort();
    v.dedup();
    v
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let (_, g) = common::compile_defs(&args.defs, &args.opts)?;
    let mut out = String::new();
    match args.format {
        Format::Text => {
            for (i, s) in g.sources.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "source {} (#{i}): time {}, dimensions {}",
                    s.name,
                    s.time.as_deref().unwrap_or("-"),
                    s.dimensions.join(", ")
                );
            }
            for id in g.topo_order() {
                let i = id.0 as usize;
                let n = &g.nodes[i];
                let unit = if n.unit.is_none() {
                    String::new()
                } else {
                    format!("  [{}]", n.unit)
                };
                let _ = writeln!(
                    out,
                    "n{i:<4} {:<9} {} = {}{unit}",
                    kind(&n.kind),
                    n.name,
                    g.show_node(id)
                );
            }
            for c in &g.checks {
                let _ = writeln!(
                    out,
                    "check {} = {} per [{}] every {}",
                    c.name,
                    g.show(&c.value),
                    c.per.join(", "),
                    c.every.as_str()
                );
            }
        }
        Format::Dot => {
            out.push_str(
                "digraph kpi {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n",
            );
            for (i, n) in g.nodes.iter().enumerate() {
                if g.is_internal(crate::compile::NodeId(i as u32)) {
                    continue;
                }
                let shape = match n.kind {
                    NodeKind::Aggregate(_) => "ellipse",
                    NodeKind::Param { .. } => "note",
                    _ => "box",
                };
                let label = match n.kind {
                    NodeKind::Aggregate(_) => g.show_node(crate::compile::NodeId(i as u32)),
                    _ => n.name.clone(),
                };
                let _ = writeln!(out, "  n{i} [label={:?}, shape={shape}];", label);
                for d in deps(&g, i) {
                    let _ = writeln!(out, "  n{d} -> n{i};");
                }
            }
            out.push_str("}\n");
        }
        Format::Mermaid => {
            out.push_str("graph LR\n");
            for (i, n) in g.nodes.iter().enumerate() {
                if g.is_internal(crate::compile::NodeId(i as u32)) {
                    continue;
                }
                let label = match n.kind {
                    NodeKind::Aggregate(_) => g.show_node(crate::compile::NodeId(i as u32)),
                    _ => n.name.clone(),
                };
                let _ = writeln!(out, "  n{i}[\"{}\"]", label.replace('"', "#quot;"));
                for d in deps(&g, i) {
                    let _ = writeln!(out, "  n{d} --> n{i}");
                }
            }
        }
    }
    super::output::write(&args.output, &out).map(|()| super::OK)
}
