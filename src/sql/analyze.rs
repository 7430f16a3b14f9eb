//! What the SQL backend needs to know about the graph before writing SQL: which
//! constructs it cannot express, which values are exact decimals (as the engine's
//! exact sums), which are whole counts, and in which layer each formula is computed.

use std::collections::{HashMap, HashSet};

use crate::compile::graph::{Formula, Graph, NodeId, NodeKind, Window};

use super::SqlError;

/// Refuse what the SQL backend cannot express: journey funnels, script functions,
/// windows over params, and window functions inside the target of `rolling`/`to_date`.
pub fn check_supported(graph: &Graph, needed: &[NodeId], dialect: &str) -> Result<(), SqlError> {
    let unsupported = |construct: String| SqlError::Unsupported {
        construct,
        dialect: dialect.to_string(),
    };
    for &id in needed {
        let node = graph.node(id);
        match &node.kind {
            NodeKind::JourneyStep { journey, .. } => {
                let name = graph
                    .journeys
                    .get(*journey)
                    .map_or("?", |j| j.name.as_str());
                return Err(unsupported(format!(
                    "the journey funnel `{name}` (member `{}`)",
                    node.name
                )));
            }
            NodeKind::Formula(f) => check_formula(graph, f, &node.name, &unsupported)?,
            _ => {}
        }
    }
    Ok(())
}

fn check_formula(
    graph: &Graph,
    f: &Formula,
    owner: &str,
    unsupported: &dyn Fn(String) -> SqlError,
) -> Result<(), SqlError> {
    match f {
        Formula::Script(name, _) => Err(unsupported(format!(
            "the script function `{name}` (in `{owner}`)"
        ))),
        Formula::Window(w, m) => {
            if matches!(graph.node(*m).kind, NodeKind::Param { .. }) {
                return Err(unsupported(format!(
                    "a window function over the param `{}` (in `{owner}`)",
                    graph.node(*m).name
                )));
            }
            if let Window::Rolling(0) = w {
                return Err(unsupported(format!("`rolling(.., 0)` (in `{owner}`)")));
            }
            if matches!(w, Window::Rolling(_) | Window::ToDate(_)) {
                for dep in crate::plan::closure(graph, &[*m]) {
                    if let NodeKind::Formula(g) = &graph.node(dep).kind {
                        if has_window(g) {
                            return Err(unsupported(format!(
                                "a window function inside the target `{}` of rolling/to_date (in `{owner}`)",
                                graph.node(*m).name
                            )));
                        }
                    }
                }
            }
            Ok(())
        }
        Formula::Unary(_, a) => check_formula(graph, a, owner, unsupported),
        Formula::Binary(_, a, b) => {
            check_formula(graph, a, owner, unsupported)?;
            check_formula(graph, b, owner, unsupported)
        }
        Formula::In(a, items) => {
            check_formula(graph, a, owner, unsupported)?;
            items
                .iter()
                .try_for_each(|i| check_formula(graph, i, owner, unsupported))
        }
        Formula::Call(_, args) => args
            .iter()
            .try_for_each(|i| check_formula(graph, i, owner, unsupported)),
        Formula::Const(_) | Formula::Node(_) | Formula::Workdays | Formula::Days => Ok(()),
    }
}

/// Whether a formula calls a window function.
pub fn has_window(f: &Formula) -> bool {
    match f {
        Formula::Window(..) => true,
        Formula::Unary(_, a) => has_window(a),
        Formula::Binary(_, a, b) => has_window(a) || has_window(b),
        Formula::In(a, items) => has_window(a) || items.iter().any(has_window),
        Formula::Call(_, args) | Formula::Script(_, args) => args.iter().any(has_window),
        _ => false,
    }
}

/// Whether a formula reads `workdays` or `days` (directly).
pub fn uses_calendar(f: &Formula) -> bool {
    match f {
        Formula::Workdays | Formula::Days => true,
        Formula::Unary(_, a) => uses_calendar(a),
        Formula::Binary(_, a, b) => uses_calendar(a) || uses_calendar(b),
        Formula::In(a, items) => uses_calendar(a) || items.iter().any(uses_calendar),
        Formula::Call(_, args) | Formula::Script(_, args) => args.iter().any(uses_calendar),
        _ => false,
    }
}

/// The needed nodes that may be exact decimals (NUMERIC in the query).
pub fn exact_nodes(graph: &Graph, needed: &[NodeId]) -> HashSet<NodeId> {
    needed
        .iter()
        .copied()
        .filter(|&id| graph.node(id).typing.exact)
        .collect()
}

/// The layer of each formula node: 1 + the highest layer among the formulas it
/// reads (aggregates and params are layer 0). A layer is one CTE, so a formula can
/// read (and window over) the columns of the layers below it.
pub fn layers(graph: &Graph, needed: &[NodeId]) -> Vec<Vec<NodeId>> {
    fn level(graph: &Graph, id: NodeId, memo: &mut HashMap<NodeId, usize>, depth: usize) -> usize {
        if let Some(&l) = memo.get(&id) {
            return l;
        }
        let NodeKind::Formula(f) = &graph.node(id).kind else {
            return 0;
        };
        if depth > 10_000 {
            return 1;
        }
        let mut deps = Vec::new();
        f.deps(&mut deps);
        let l = 1 + deps
            .iter()
            .map(|d| level(graph, *d, memo, depth + 1))
            .max()
            .unwrap_or(0);
        memo.insert(id, l);
        l
    }
    let mut memo = HashMap::new();
    let mut out: Vec<Vec<NodeId>> = Vec::new();
    let mut sorted = needed.to_vec();
    sorted.sort();
    for id in sorted {
        if !matches!(graph.node(id).kind, NodeKind::Formula(_)) {
            continue;
        }
        let l = level(graph, id, &mut memo, 0);
        if out.len() < l {
            out.resize(l, Vec::new());
        }
        out[l - 1].push(id);
    }
    out
}
