//! `kpi explain DEFS METRIC`: effective definition, origin, unit, and lineage down to
//! source columns and filters.

use super::CliError;
use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use crate::compile::graph::{CheckDef, FunnelDef, Graph, NodeId, NodeKind};
use crate::diag::{did_you_mean, locate, SourceMap};

use super::common::{self, DefOpts};

#[derive(clap::Args)]
pub struct Args {
    /// The definitions file
    defs: PathBuf,
    /// The metric, funnel member (`outbound.total`), funnel or check to explain
    metric: String,
    #[command(flatten)]
    opts: DefOpts,
    /// Write to FILE instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<u8, CliError> {
    let (loader, g) = common::compile_defs(&args.defs, &args.opts)?;
    let name = args.metric.as_str();
    let out = if let Some(id) = g.metric(name) {
        explain_metric(&g, &loader.map, id)
    } else if let Some(c) = g.checks.iter().find(|c| c.name == name) {
        explain_check(&g, &loader.map, c)
    } else if let Some(f) = g.funnels.iter().find(|f| f.name == name) {
        explain_funnel(&g, &loader.map, f)
    } else {
        let candidates = g
            .by_name
            .keys()
            .map(String::as_str)
            .chain(g.checks.iter().map(|c| c.name.as_str()))
            .chain(g.funnels.iter().map(|f| f.name.as_str()));
        let mut msg = format!("no metric, funnel or check is named `{name}`");
        if let Some(h) = did_you_mean(name, candidates) {
            msg.push_str(&format!("\n  = help: {h}"));
        }
        return Err(CliError::Failed(msg));
    };
    super::output::write(&args.output, &out).map(|()| super::OK)
}

fn review_line(g: &Graph, out: &mut String, name: &str, kind: &str) {
    if let Some(r) = g.reviews.iter().find(|r| r.name == name && r.kind == kind) {
        let (y, m, d) = crate::data::period::civil_from_day(r.last);
        let (dy, dm, dd) = crate::data::period::civil_from_day(r.due());
        let _ = writeln!(
            out,
            "  review      last {y:04}-{m:02}-{d:02}, due {dy:04}-{dm:02}-{dd:02}"
        );
    }
}

fn explain_metric(g: &Graph, map: &SourceMap, id: NodeId) -> String {
    let n = g.node(id);
    let mut out = String::new();
    let at = locate(map, n.span);
    let _ = writeln!(out, "metric {} = {}", n.name, g.show_node(id));
    let _ = writeln!(out, "  defined at  {}:{}:{}", at.file, at.line, at.column);
    if let Some(old) = n.meta.overrides {
        let o = locate(map, old);
        let _ = writeln!(out, "  overrides   {}:{}:{}", o.file, o.line, o.column);
    }
    let _ = writeln!(out, "  unit        {}", n.unit);
    if let Some(f) = n.meta.format {
        let _ = writeln!(out, "  format      {}", f.as_str());
    }
    if let Some(d) = &n.meta.description {
        let _ = writeln!(out, "  description {d}");
    }
    if let Some(o) = &n.meta.owner {
        let _ = writeln!(out, "  owner       {o}");
    }
    review_line(g, &mut out, &n.name, "metric");
    out.push_str("lineage:\n");
    lineage(g, &[id], Some(id), &mut out);
    out
}

fn explain_check(g: &Graph, map: &SourceMap, c: &CheckDef) -> String {
    let mut out = String::new();
    let at = locate(map, c.span);
    let _ = writeln!(out, "check {} = {}", c.name, g.show(&c.value));
    let _ = writeln!(out, "  defined at  {}:{}:{}", at.file, at.line, at.column);
    if !c.unit.is_none() {
        let _ = writeln!(out, "  unit        {}", c.unit);
    }
    if !c.per.is_empty() {
        let _ = writeln!(out, "  per         {}", c.per.join(", "));
    }
    let _ = writeln!(out, "  every       {}", c.every.as_str());
    for (word, t) in [("warn", &c.warn), ("fail", &c.fail)] {
        if let Some((op, f)) = t {
            let _ = writeln!(out, "  {word} when   {} {}", op.symbol(), g.show(f));
        }
    }
    if let Some(o) = &c.meta.owner {
        let _ = writeln!(out, "  owner       {o}");
    }
    review_line(g, &mut out, &c.name, "check");
    let mut roots = Vec::new();
    c.value.deps(&mut roots);
    for (_, f) in c.warn.iter().chain(&c.fail) {
        f.deps(&mut roots);
    }
    let mut seen = HashSet::new();
    roots.retain(|r| seen.insert(*r));
    out.push_str("lineage:\n");
    lineage(g, &roots, None, &mut out);
    out
}

fn explain_funnel(g: &Graph, map: &SourceMap, f: &FunnelDef) -> String {
    let mut out = String::new();
    let at = locate(map, f.span);
    let _ = writeln!(out, "funnel {} (stages {})", f.name, f.stages.join(", "));
    let _ = writeln!(out, "  defined at  {}:{}:{}", at.file, at.line, at.column);
    review_line(g, &mut out, &f.name, "funnel");
    out.push_str("members:\n");
    for &m in &f.members {
        let n = g.node(m);
        let unit = if n.unit.is_none() {
            String::new()
        } else {
            format!("  [{}]", n.unit)
        };
        let _ = writeln!(out, "  {} = {}{unit}", n.name, g.show_node(m));
    }
    let stages: Vec<NodeId> = f.members.iter().take(f.stages.len()).copied().collect();
    out.push_str("lineage of the stages:\n");
    lineage(g, &stages, None, &mut out);
    out
}

/// The lineage of `roots` down to source columns and filters, depth first; a node
/// already shown is not expanded again. `top` is printed by name alone.
fn lineage(g: &Graph, roots: &[NodeId], top: Option<NodeId>, out: &mut String) {
    let mut seen = HashSet::new();
    let mut stack: Vec<(NodeId, usize)> = roots.iter().rev().map(|&r| (r, 1)).collect();
    while let Some((nid, depth)) = stack.pop() {
        let node = g.node(nid);
        let pad = "  ".repeat(depth);
        let first = seen.insert(nid);
        match &node.kind {
            NodeKind::Aggregate(spec) => {
                let src = &g.sources[spec.source];
                let _ = writeln!(out, "{pad}{}", g.show_agg(spec));
                if first {
                    let mut cols = Vec::new();
                    if let Some(c) = &spec.column {
                        cols.push(c.clone());
                    }
                    if let Some(x) = &spec.expr {
                        x.columns(&mut cols);
                    }
                    if let Some(f) = &spec.filter {
                        f.columns(&mut cols);
                    }
                    let from = src
                        .from
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| "--data".into());
                    let _ = writeln!(
                        out,
                        "{pad}  source {} ({from}), columns: {}",
                        src.name,
                        cols.join(", ")
                    );
                    let read = src.read.entries();
                    if !read.is_empty() {
                        let _ = writeln!(out, "{pad}    read with: {}", read.join("; "));
                    }
                    // Derived and looked-up columns, with the ones they read (in order).
                    let mut k = 0;
                    while k < cols.len() {
                        if let Some(l) = src.lookup_of(&cols[k]).map(|i| &src.lookups[i]) {
                            let lsrc = &g.sources[l.source];
                            let valid = match (&lsrc.valid_from, &lsrc.valid_to) {
                                (Some(f), Some(t)) => format!(", valid {f} <= day < {t}"),
                                (Some(f), None) => format!(", valid from {f}"),
                                _ => String::new(),
                            };
                            let _ = writeln!(
                                out,
                                "{pad}    column {} from lookup {} by {}{valid}",
                                cols[k], l.name, l.on
                            );
                        }
                        if let Some(d) = src.derived(&cols[k]) {
                            let _ = writeln!(
                                out,
                                "{pad}    column {} = {}",
                                d.name,
                                crate::compile::show::show_row(&d.expr, 0)
                            );
                            d.expr.columns(&mut cols);
                        }
                        k += 1;
                    }
                }
            }
            NodeKind::Param { .. } => {
                let _ = writeln!(out, "{pad}param {} = {}", node.name, g.show_node(nid));
            }
            _ => {
                let unit = if node.unit.is_none() {
                    String::new()
                } else {
                    format!("  [{}]", node.unit)
                };
                if Some(nid) == top {
                    let _ = writeln!(out, "{pad}{}{unit}", node.name);
                } else {
                    let _ = writeln!(out, "{pad}{} = {}{unit}", node.name, g.show_node(nid));
                }
                if first {
                    let mut deps = Vec::new();
                    if let NodeKind::Formula(f) = &node.kind {
                        f.deps(&mut deps);
                    }
                    deps.dedup();
                    for d in deps.into_iter().rev() {
                        stack.push((d, depth + 1));
                    }
                } else if Some(nid) != top {
                    let _ = writeln!(out, "{pad}  (shown above)");
                }
            }
        }
    }
}
