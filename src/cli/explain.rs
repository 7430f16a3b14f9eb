//! `kpi explain DEFS METRIC`: effective definition, origin, unit, and lineage down to
//! source columns and filters.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use crate::compile::graph::NodeKind;
use crate::diag::{did_you_mean, locate};

use super::common::{self, DefOpts};
use super::FAILED;

#[derive(clap::Args)]
pub struct Args {
    /// The definitions file
    defs: PathBuf,
    /// The metric (or funnel member such as `outbound.total`)
    metric: String,
    #[command(flatten)]
    opts: DefOpts,
}

pub fn run(args: Args) -> u8 {
    let (loader, g) = match common::compile_defs(&args.defs, &args.opts) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let Some(id) = g.metric(&args.metric) else {
        let mut msg = format!("error: unknown metric `{}`", args.metric);
        if let Some(h) = did_you_mean(&args.metric, g.by_name.keys().map(|s| s.as_str())) {
            msg.push_str(&format!("\n  = help: {h}"));
        }
        eprintln!("{msg}");
        return FAILED;
    };
    let n = g.node(id);
    let mut out = String::new();
    let at = locate(&loader.map, n.span);
    let _ = writeln!(out, "metric {} = {}", n.name, g.show_node(id));
    let _ = writeln!(out, "  defined at  {}:{}:{}", at.file, at.line, at.column);
    if let Some(old) = n.meta.overrides {
        let o = locate(&loader.map, old);
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
    if let Some(r) = g.reviews.iter().find(|r| r.name == n.name) {
        let (y, m, d) = crate::data::period::civil_from_day(r.last);
        let (dy, dm, dd) = crate::data::period::civil_from_day(r.due());
        let _ = writeln!(
            out,
            "  review      last {y:04}-{m:02}-{d:02}, due {dy:04}-{dm:02}-{dd:02}"
        );
    }
    out.push_str("lineage:\n");
    // Depth-first, iterative; a node already shown is not expanded again.
    let mut seen = HashSet::new();
    let mut stack = vec![(id, 1usize)];
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
                if nid == id {
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
                } else if nid != id {
                    let _ = writeln!(out, "{pad}  (shown above)");
                }
            }
        }
    }
    super::output::stdout(&out)
}
