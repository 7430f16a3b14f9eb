//! Dependency cycles between metrics, found without recursion and printed whole.

use crate::diag::Diagnostic;

use super::graph::{Graph, NodeId, NodeKind};

/// Report every cycle (once) and return the nodes on cycles.
pub(super) fn report(graph: &Graph, diags: &mut Vec<Diagnostic>) -> super::NodeSet {
    let n = graph.nodes.len();
    let deps: Vec<Vec<NodeId>> = graph
        .nodes
        .iter()
        .map(|node| {
            let mut d = Vec::new();
            if let NodeKind::Formula(f) = &node.kind {
                f.deps(&mut d);
            }
            d.sort();
            d.dedup();
            d
        })
        .collect();
    let mut color = vec![0u8; n]; // 0 new, 1 on stack, 2 done
    let mut cyclic = super::NodeSet::default();
    for start in 0..n {
        if color[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        color[start] = 1;
        while let Some(&mut (v, ref mut i)) = stack.last_mut() {
            if *i < deps[v].len() {
                let w = deps[v][*i].0 as usize;
                *i += 1;
                match color[w] {
                    0 => {
                        color[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => {
                        let pos = stack.iter().position(|&(x, _)| x == w).unwrap_or(0);
                        let members: Vec<usize> = stack[pos..].iter().map(|&(x, _)| x).collect();
                        let mut names: Vec<&str> = members
                            .iter()
                            .map(|&x| graph.nodes[x].name.as_str())
                            .collect();
                        names.push(&graph.nodes[w].name);
                        let first = &graph.nodes[w];
                        let mut d = Diagnostic::error(
                            "E0213",
                            if members.len() == 1 {
                                format!("metric `{}` depends on itself", first.name)
                            } else {
                                format!("dependency cycle through `{}`", first.name)
                            },
                        )
                        .at(first.span, "part of a cycle")
                        .with_note(format!("cycle: {}", names.join(" -> ")))
                        .with_help("a metric cannot depend on itself; break the cycle with a param or a base metric");
                        for &x in members.iter().skip(1) {
                            d = d.with_secondary(
                                graph.nodes[x].span,
                                format!("`{}` is on the cycle", graph.nodes[x].name),
                            );
                        }
                        diags.push(d);
                        for x in members {
                            cyclic.insert(NodeId(x as u32));
                        }
                    }
                    _ => {}
                }
            } else {
                color[v] = 2;
                stack.pop();
            }
        }
    }
    cyclic
}
